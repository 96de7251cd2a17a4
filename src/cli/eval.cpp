// carecoord eval and carecoord explain.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <thread>

#include "carecoord/engine.hpp"
#include "cli/cli.hpp"
#include "cli/fhir_source.hpp"
#include "load/ruleset_loader.hpp"
#include "time/calendar.hpp"

namespace carecoord::cli {

namespace fs = std::filesystem;

bool is_terminal(int fd) { return ::isatty(fd) == 1; }

namespace {

const char* kEvalHelp = R"(Usage: carecoord eval --rules PATH --as-of DATE [options] [INPUT...]

Evaluates patient documents and writes one determination per patient, in input order.
INPUT is a file (.yaml, .yml, .json: one patient; .ndjson or .jsonl: one JSON patient per
line), a directory (every such file in it, sorted), or - for NDJSON on standard input
(the default when no INPUT is given).

Options:
  --rules PATH       ruleset file or directory (repeatable)
  --as-of DATE       the evaluation date, YYYY-MM-DD (required: never the clock)
  --format F         json (an array, the default), ndjson (one object per line) or csv
  --input-format F   patient (our patient documents, the default), fhir-bundle (INPUT: FHIR R4
                     Bundles, one patient each) or fhir-bulk (INPUT: a FHIR bulk-export
                     directory of NDJSON files); see docs/fhir.md
  --jobs N           worker threads (default: all cores)
  --output FILE      write there instead of standard output

A record that cannot be read gets an error line on standard error naming the record and the
field; the rest of the batch still runs, and the exit status is 1.

Examples:
  carecoord eval --rules rulesets --as-of 2026-11-27 examples/patients
  carecoord eval --rules rulesets --as-of 2026-11-27 --format ndjson members.ndjson > out.ndjson
)";

const char* kExplainHelp = R"(Usage: carecoord explain --rules PATH --as-of DATE PATIENT

A readable account of one determination: the tier and each rule that matched with its
reason, the facts and their values, each program with its reason and missing data, and each
trigger with its anchor and due date.

Example:
  carecoord explain --rules rulesets --as-of 2026-11-27 examples/patients/complex-chf.yaml
)";

struct Record {
    std::string source;  // "file" or "file:line"
    std::string text;
    DocumentFormat format = DocumentFormat::json;
    std::optional<Result<Patient>> decoded = std::nullopt;  // FHIR input: already decoded
};

struct Options {
    std::vector<std::string> rules;
    std::optional<Date> as_of;
    std::string format = "json";
    std::string input_format = "patient";
    unsigned jobs = 0;
    std::string output;
    std::vector<std::string> inputs;
    bool help = false;
};

int parse_options(const std::string& cmd, const Args& args, Options& o) {
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        auto value = [&](std::string& out) {
            if (i + 1 >= args.size()) return false;
            out = args[++i];
            return true;
        };
        std::string v;
        if (a == "--help" || a == "-h") o.help = true;
        else if (a == "--rules") { if (!value(v)) return usage_error(cmd, "--rules needs a path"); o.rules.push_back(v); }
        else if (a == "--as-of") {
            if (!value(v)) return usage_error(cmd, "--as-of needs a date");
            o.as_of = time::parse_date(v);
            if (!o.as_of) return usage_error(cmd, "--as-of must be a date YYYY-MM-DD");
        } else if (a == "--format") {
            if (!value(o.format) || (o.format != "json" && o.format != "ndjson" && o.format != "csv"))
                return usage_error(cmd, "--format is json, ndjson or csv");
        } else if (a == "--input-format") {
            if (!value(o.input_format) ||
                (o.input_format != "patient" && o.input_format != "fhir-bundle" && o.input_format != "fhir-bulk"))
                return usage_error(cmd, "--input-format is patient, fhir-bundle or fhir-bulk");
        } else if (a == "--jobs" || a == "-j") {
            if (!value(v)) return usage_error(cmd, "--jobs needs a number");
            try { o.jobs = static_cast<unsigned>(std::stoul(v)); } catch (...) { return usage_error(cmd, "--jobs needs a number"); }
        } else if (a == "--output" || a == "-o") {
            if (!value(o.output)) return usage_error(cmd, "--output needs a file");
        } else if (a.size() > 1 && a[0] == '-' && a != "-") return usage_error(cmd, "unknown option " + a);
        else o.inputs.push_back(a);
    }
    return -1;
}

bool is_ndjson(const fs::path& p) {
    auto e = p.extension().string();
    return e == ".ndjson" || e == ".jsonl";
}

bool is_document(const fs::path& p) {
    auto e = p.extension().string();
    return e == ".yaml" || e == ".yml" || e == ".json" || is_ndjson(p);
}

std::vector<std::string> expand_inputs(const std::vector<std::string>& inputs, std::vector<Diagnostic>& errors) {
    std::vector<std::string> files;
    for (const auto& in : inputs) {
        std::error_code ec;
        if (in == "-") files.push_back(in);
        else if (fs::is_directory(in, ec)) {
            std::vector<std::string> found;
            for (const auto& e : fs::directory_iterator(in, ec))
                if (e.is_regular_file() && is_document(e.path())) found.push_back(e.path().string());
            std::sort(found.begin(), found.end());
            files.insert(files.end(), found.begin(), found.end());
        } else if (fs::is_regular_file(in, ec)) files.push_back(in);
        else {
            Diagnostic d;
            d.code = "E0311";
            d.file = in;
            d.message = "no such file or directory";
            errors.push_back(std::move(d));
        }
    }
    return files;
}

// Reads records one input at a time, in bounded chunks, so that memory does not grow with
// the size of an NDJSON batch.
class RecordReader {
public:
    explicit RecordReader(std::vector<std::string> files) : files_(std::move(files)) {}

    // Fills up to `max` records; false when nothing is left.
    bool next_chunk(std::vector<Record>& out, std::size_t max, std::vector<Diagnostic>& errors) {
        out.clear();
        while (out.size() < max) {
            if (stream_) {
                std::string line;
                if (std::getline(*stream_, line)) {
                    ++line_;
                    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
                    out.push_back(Record{current_ + ":" + std::to_string(line_), std::move(line), DocumentFormat::json});
                    continue;
                }
                stream_ = nullptr;
                file_stream_.reset();
            }
            if (next_ >= files_.size()) break;
            current_ = files_[next_++];
            line_ = 0;
            if (current_ == "-") {
                stream_ = &std::cin;
                current_ = "<stdin>";
            } else if (is_ndjson(current_)) {
                file_stream_ = std::make_unique<std::ifstream>(current_);
                if (!*file_stream_) {
                    Diagnostic d;
                    d.code = "E0311";
                    d.file = current_;
                    d.message = "cannot open the file";
                    errors.push_back(std::move(d));
                    continue;
                }
                stream_ = file_stream_.get();
            } else {
                std::string text;
                if (!load::read_file(current_, 64u << 20, text, errors)) continue;
                auto ext = fs::path(current_).extension().string();
                out.push_back(Record{current_, std::move(text), ext == ".json" ? DocumentFormat::json : DocumentFormat::yaml});
            }
        }
        return !out.empty() || next_ < files_.size() || stream_;
    }

private:
    std::vector<std::string> files_;
    std::size_t next_ = 0;
    std::string current_;
    std::size_t line_ = 0;
    std::istream* stream_ = nullptr;
    std::unique_ptr<std::ifstream> file_stream_;
};

std::string csv_field(const std::string& s) {
    if (s.find_first_of(",\"\n") == std::string::npos) return s;
    std::string out = "\"";
    for (char c : s) {
        if (c == '"') out += '"';
        out += c;
    }
    return out + "\"";
}

std::string to_csv(const Determination& d) {
    std::string flags, programs, triggers;
    for (const auto& f : d.flags) flags += (flags.empty() ? "" : ";") + f.id;
    for (const auto& p : d.programs)
        if (p.status != Eligibility::not_eligible)
            programs += (programs.empty() ? "" : ";") + p.id + (p.status == Eligibility::unknown ? "?" : "");
    for (const auto& t : d.triggers)
        triggers += (triggers.empty() ? "" : ";") + t.id + "@" + time::format_date(t.due) +
                    (t.status == TriggerStatus::overdue ? "!" : "");
    return csv_field(d.patient_id) + "," + time::format_date(d.as_of) + "," + d.tier.tier + "," + csv_field(flags) + "," +
           csv_field(programs) + "," + csv_field(triggers) + "\n";
}

}  // namespace

int cmd_eval(const Args& args) {
    Options o;
    if (int rc = parse_options("eval", args, o); rc >= 0) return rc;
    if (o.help) {
        std::fputs(kEvalHelp, stdout);
        return 0;
    }
    if (o.rules.empty()) return usage_error("eval", "--rules is required");
    if (!o.as_of) return usage_error("eval", "--as-of is required (the evaluation date is an input, never the clock)");
    auto engine = Engine::load_paths(o.rules);
    if (!engine.ok()) {
        for (const auto& d : engine.diagnostics()) std::fprintf(stderr, "%s\n", d.to_string().c_str());
        return 2;
    }
    std::vector<Diagnostic> errors;
    if (o.inputs.empty()) {
        if (o.input_format != "patient") return usage_error("eval", "FHIR input needs an INPUT file or directory");
        o.inputs.push_back("-");
    }
    auto files = o.input_format == "patient" ? expand_inputs(o.inputs, errors) : std::vector<std::string>{};
    for (const auto& d : errors) std::fprintf(stderr, "%s\n", d.to_string().c_str());
    bool failed = !errors.empty();
    errors.clear();

    std::FILE* out = stdout;
    if (!o.output.empty()) {
        out = std::fopen(o.output.c_str(), "wb");
        if (!out) return usage_error("eval", "cannot write " + o.output);
    }
    unsigned jobs = o.jobs ? o.jobs : std::max(1u, std::thread::hardware_concurrency());
    const Engine& eng = *engine;
    const Date as_of = *o.as_of;
    if (o.format == "csv") std::fputs("patient_id,as_of,tier,flags,programs,triggers\n", out);
    if (o.format == "json") std::fputs("[", out);
    bool first = true;
    std::size_t total = 0, bad = 0;
    const bool progress = is_terminal(2);
    RecordReader reader(files);
    std::vector<Record> chunk;
    std::vector<std::string> rendered;
    std::vector<std::string> messages;
    const std::size_t chunk_size = 4096;
    std::unique_ptr<FhirSource> fhir;
    if (o.input_format != "patient") fhir = std::make_unique<FhirSource>(o.input_format, o.inputs);
    std::vector<FhirRecord> fhir_chunk;
    auto next_chunk = [&] {
        if (!fhir) return reader.next_chunk(chunk, chunk_size, errors);
        const bool more = fhir->next_chunk(fhir_chunk, chunk_size, errors);
        chunk.clear();
        for (auto& f : fhir_chunk) chunk.push_back(Record{std::move(f.source), {}, DocumentFormat::json, std::move(f.patient)});
        return more;
    };
    while (next_chunk()) {
        for (const auto& d : errors) std::fprintf(stderr, "%s\n", d.to_string().c_str());
        if (!errors.empty()) failed = true;
        errors.clear();
        rendered.assign(chunk.size(), {});
        messages.assign(chunk.size(), {});
        std::atomic<std::size_t> next{0};
        auto work = [&] {
            for (std::size_t i; (i = next.fetch_add(1)) < chunk.size();) {
                Record& r = chunk[i];
                auto patient = r.decoded ? std::move(*r.decoded) : parse_patient(r.text, r.format);
                if (!patient.ok()) {
                    for (const auto& d : patient.diagnostics())
                        messages[i] += r.source + ": error[" + d.code + "]: " +
                                       (d.field_path.empty() ? "" : d.field_path + ": ") + d.message + "\n";
                    continue;
                }
                auto det = eng.evaluate(*patient, as_of);
                if (!det.ok()) {
                    for (const auto& d : det.diagnostics()) messages[i] += r.source + ": " + d.to_string() + "\n";
                    continue;
                }
                rendered[i] = o.format == "csv" ? to_csv(*det) : to_json(*det);
            }
        };
        std::vector<std::thread> threads;
        unsigned n = std::min<unsigned>(jobs, static_cast<unsigned>(chunk.size()));
        for (unsigned t = 1; t < n; ++t) threads.emplace_back(work);
        work();
        for (auto& t : threads) t.join();
        for (std::size_t i = 0; i < chunk.size(); ++i) {
            ++total;
            if (!messages[i].empty()) {
                ++bad;
                std::fputs(messages[i].c_str(), stderr);
                continue;
            }
            if (o.format == "json") {
                std::fputs(first ? "\n" : ",\n", out);
                std::fputs(rendered[i].c_str(), out);
            } else {
                std::fputs(rendered[i].c_str(), out);
                if (o.format == "ndjson") std::fputc('\n', out);
            }
            first = false;
        }
        if (progress && total >= chunk_size) std::fprintf(stderr, "\r%zu records evaluated", total);
    }
    for (const auto& d : errors) std::fprintf(stderr, "%s\n", d.to_string().c_str());  // from the last read
    if (!errors.empty()) failed = true;
    if (progress && total >= chunk_size) std::fputc('\n', stderr);
    if (o.format == "json") std::fputs(first ? "]\n" : "\n]\n", out);
    if (out != stdout) std::fclose(out);
    if (bad) std::fprintf(stderr, "%zu of %zu records failed\n", bad, total);
    return (failed || bad) ? 1 : 0;
}

int cmd_explain(const Args& args) {
    Options o;
    if (int rc = parse_options("explain", args, o); rc >= 0) return rc;
    if (o.help) {
        std::fputs(kExplainHelp, stdout);
        return 0;
    }
    if (o.rules.empty() || !o.as_of || o.inputs.size() != 1)
        return usage_error("explain", "needs --rules PATH, --as-of DATE and one PATIENT file");
    auto engine = Engine::load_paths(o.rules);
    if (!engine.ok()) {
        for (const auto& d : engine.diagnostics()) std::fprintf(stderr, "%s\n", d.to_string().c_str());
        return 2;
    }
    std::string text;
    std::vector<Diagnostic> errors;
    if (!load::read_file(o.inputs[0], 64u << 20, text, errors)) {
        for (const auto& d : errors) std::fprintf(stderr, "%s\n", d.to_string().c_str());
        return 2;
    }
    auto ext = fs::path(o.inputs[0]).extension().string();
    auto patient = parse_patient(text, ext == ".json" ? DocumentFormat::json : DocumentFormat::yaml);
    if (!patient.ok()) {
        for (auto d : patient.diagnostics()) {
            d.file = o.inputs[0];
            std::fprintf(stderr, "%s\n", d.to_string().c_str());
        }
        return 1;
    }
    EvaluateOptions eo;
    eo.include_facts = true;
    auto det = engine->evaluate(*patient, *o.as_of, eo);
    if (!det.ok()) {
        for (const auto& d : det.diagnostics()) std::fprintf(stderr, "%s\n", d.to_string().c_str());
        return 1;
    }
    const Determination& d = *det;
    std::printf("Patient %s as of %s\n", d.patient_id.c_str(), time::format_date(d.as_of).c_str());
    for (const auto& r : d.rulesets) std::printf("  ruleset %s %s (sha256 %.12s)\n", r.id.c_str(), r.version.c_str(), r.sha256.c_str());
    std::printf("\nTier: %s%s\n", d.tier.tier.c_str(), d.tier.by_default ? " (no tier rule matched: the default)" : "");
    for (const auto& m : d.tier.matched)
        std::printf("  - %s: %s%s%s\n", m.rule_id.c_str(), m.reason.c_str(), m.source.empty() ? "" : "  [", m.source.empty() ? "" : (m.source + "]").c_str());
    std::printf("\nFlags:%s\n", d.flags.empty() ? " none" : "");
    for (const auto& f : d.flags)
        for (const auto& m : f.matched) std::printf("  - %s (%s): %s\n", f.id.c_str(), m.rule_id.c_str(), m.reason.c_str());
    std::printf("\nFacts:\n");
    for (const auto& f : d.facts) std::printf("  %-44s = %s\n", f.name.c_str(), f.value.c_str());
    std::printf("\nPrograms:\n");
    for (const auto& p : d.programs) {
        std::printf("  %-22s %-13s %s\n", p.id.c_str(), std::string(to_string(p.status)).c_str(), p.reason.c_str());
        for (const auto& m : p.missing) std::printf("  %-22s %-13s missing: %s\n", "", "", m.c_str());
    }
    std::printf("\nTriggers due:%s\n", d.triggers.empty() ? " none" : "");
    for (const auto& t : d.triggers)
        std::printf("  %-32s %-8s due %s%s%s (from %s): %s\n", t.id.c_str(), std::string(to_string(t.status)).c_str(),
                    time::format_date(t.due).c_str(), t.due_time ? " at " : "",
                    t.due_time ? time::format_datetime(*t.due_time).substr(11).c_str() : "", time::format_date(t.anchor).c_str(),
                    t.action.c_str());
    if (!d.missing.empty()) {
        std::printf("\nMissing data:\n");
        for (const auto& m : d.missing) std::printf("  %s\n", m.c_str());
    }
    return 0;
}

}  // namespace carecoord::cli
