// popgen: writes a synthetic population of patient documents as NDJSON (one JSON patient per
// line). Deterministic from the seed and the as-of date; see src/testing/popgen.hpp for the mix.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "testing/popgen.hpp"
#include "time/calendar.hpp"

namespace {

const char* kHelp = R"(Usage: popgen --as-of DATE [--count N] [--seed S] [--id-prefix P] [--output FILE]

Writes N synthetic patients (default 1000) as NDJSON in the patient document schema
(docs/patient-schema.md), with dates relative to the as-of date. The same seed (default 1),
as-of date and prefix (default "pop-") always give the same patients; patient i does not
depend on N, so a larger population extends a smaller one.

Example:
  popgen --as-of 2026-11-27 --count 2000 --seed 7 > population.ndjson
)";

int usage(const std::string& message) {
    std::fprintf(stderr, "popgen: %s (see popgen --help)\n", message.c_str());
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    carecoord::testing::PopulationOptions o;
    bool have_as_of = false;
    unsigned long long count = 1000;
    std::string output;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a == "--help" || a == "-h") {
            std::fputs(kHelp, stdout);
            return 0;
        }
        if (i + 1 >= args.size()) return usage(a + " needs a value");
        const std::string& v = args[++i];
        try {
            if (a == "--as-of") {
                auto d = carecoord::time::parse_date(v);
                if (!d) return usage("--as-of must be a date YYYY-MM-DD");
                o.as_of = *d;
                have_as_of = true;
            } else if (a == "--count") count = std::stoull(v);
            else if (a == "--seed") o.seed = std::stoull(v);
            else if (a == "--id-prefix") o.id_prefix = v;
            else if (a == "--output" || a == "-o") output = v;
            else return usage("unknown option " + a);
        } catch (const std::exception&) {
            return usage(a + " needs a whole number");
        }
    }
    if (!have_as_of) return usage("--as-of is required (dates are generated relative to it)");
    std::FILE* out = stdout;
    if (!output.empty() && !(out = std::fopen(output.c_str(), "wb"))) return usage("cannot write " + output);
    for (unsigned long long i = 0; i < count; ++i) {
        std::string line = carecoord::testing::generate_patient_json(o, static_cast<std::size_t>(i));
        line += '\n';
        if (std::fwrite(line.data(), 1, line.size(), out) != line.size()) break;  // reported below
    }
    // Every write is checked, stdout too (`popgen > /dev/full` must not exit 0).
    errno = 0;
    bool ok = std::fflush(out) == 0 && !std::ferror(out);
    int why = errno;
    if (std::fclose(out) != 0 && ok) {
        ok = false;
        why = errno;
    }
    if (!ok) {
        std::fprintf(stderr, "popgen: cannot write %s%s%s\n", output.empty() ? "standard output" : output.c_str(),
                     why ? ": " : "", why ? std::strerror(why) : "");
        return 2;
    }
    return 0;
}
