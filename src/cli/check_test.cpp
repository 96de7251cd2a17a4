// carecoord check and carecoord test.
#include <charconv>
#include <cerrno>
#include <cstring>
#include <algorithm>
#include <cstdio>
#include <mutex>
#include <string_view>
#include <utility>
#include <vector>
#include <optional>
#include <iostream>

#include "carecoord/check.hpp"
#include "carecoord/engine.hpp"
#include "cli/cli.hpp"
#include "cli/records.hpp"
#include "testing/case_runner.hpp"
#include "testing/popgen.hpp"
#include "time/calendar.hpp"

namespace carecoord::cli {

int usage_error(const std::string& command, const std::string& message) {
    std::fprintf(stderr, "carecoord %s: %s (see carecoord %s --help)\n", command.c_str(), message.c_str(), command.c_str());
    return 2;
}

bool parse_whole_number(std::string_view text, unsigned long long min, unsigned long long max, unsigned long long& out) {
    // from_chars on an unsigned type: digits only (no sign, no space), overflow refused.
    unsigned long long n = 0;
    const char* end = text.data() + text.size();
    const auto [stop, ec] = std::from_chars(text.data(), end, n);
    if (ec != std::errc{} || stop != end || n < min || n > max) return false;
    out = n;
    return true;
}

bool include_root_option(const std::vector<std::string>& args, std::size_t& i, std::vector<std::string>& roots,
                         bool& error) {
    if (args[i] != "--include-root") return false;
    if (i + 1 >= args.size() || args[i + 1].empty()) {
        error = true;
        return true;
    }
    roots.push_back(args[++i]);
    return true;
}

namespace {

// The cause of the first failed write on each output: a write that fails spends errno, and
// close_output, which reports the loss, runs later.
std::mutex lost_writes_mutex;
std::vector<std::pair<std::FILE*, int>> lost_writes;

int lost_write_cause(std::FILE* f) {
    std::lock_guard<std::mutex> lock(lost_writes_mutex);
    for (const auto& [file, why] : lost_writes)
        if (file == f) return why;
    return 0;
}

}  // namespace

bool write_output(std::FILE* f, std::string_view text) {
    if (text.empty()) return true;
    errno = 0;
    if (std::fwrite(text.data(), 1, text.size(), f) == text.size()) return true;
    const int why = errno;
    std::lock_guard<std::mutex> lock(lost_writes_mutex);
    lost_writes.emplace_back(f, why);
    return false;
}

bool close_output(std::FILE* f, const std::string& name) {
    // A write error is sticky (ferror); fflush reports what the buffer still held.
    errno = 0;
    bool ok = std::fflush(f) == 0 && !std::ferror(f);
    int why = errno;
    if (std::fclose(f) != 0 && ok) {
        ok = false;
        why = errno;
    }
    if (!ok && !why) why = lost_write_cause(f);
    if (!ok)
        std::fprintf(stderr, "carecoord: error[E0602]: cannot write the output (%s)%s%s\n", name.c_str(),
                     why ? ": " : "", why ? std::strerror(why) : "");
    return ok;
}

namespace {

// The most patients --sample generates: popgen's ids and the coverage counts are far from
// their limits there, and a mistyped number fails at once instead of running for days.
constexpr unsigned long long kMaxSample = 100000000;

const char* kCheckHelp = R"(Usage: carecoord check [options] PATH...

Loads and type-checks every ruleset under the paths (files or directories) and reports every
error as file:line:col: error[CODE]: message. When the rulesets load, it then analyses the
policy and reports findings as file:line:col: warning[CODE]: message:

  Static analysis (of the compiled rules, for every loaded version):
    W0701  a tier rule whose `when` can never be true (constant false or unknown,
           e.g. `false`, `1 > 2`, `x and false`)
    W0702  a tier rule whose `when` is always true
    W0703  a tier rule with the same `when` as another one (compared after compilation,
           so spacing and parameter names do not matter): the one with the lower tier,
           or the later one at equal tiers, is shadowed and never decides the tier
    W0704  a fact, and W0705 a parameter, that no rule, flag, program or trigger uses,
           directly or through other facts (a library's facts count as used when any
           ruleset checked with it uses them: check the whole rulesets/ directory)
    W0706  value-set entries that overlap within one category or flat value set
           (E11 and E11.9; F10-F19 and F17.210)
    W0707  value-set entries that overlap between two categories of one value set
           (category() gives such codes the first category)

  Gap analysis (by evaluation, not proof: the rules are run over a population at an
  as-of date, and what the population never reaches is reported):
    W0708  a tier rule in force at the as-of date that no patient matched
    W0709  patients that matched no tier rule and got the default tier, with example
           ids: a note, or a warning with --strict-default

Options:
  --population PATH  evaluate these patients for the gap analysis (NDJSON, patient files
                     or directories, as for eval; repeatable)
  --sample N         or evaluate N generated patients (the popgen mix, see docs/cli.md)
  --seed S           the seed of the generated patients (default 1)
  --as-of DATE       the date of the gap analysis (required with --population/--sample)
  --strict-default   patients reaching the default tier are findings (W0709 as a warning)
  --no-analysis      report load errors only
  --include-root DIR one more directory an include: may lead into, besides the tree being
                     loaded (the parent of each ruleset file's directory; repeatable)
  --progress         show the gap analysis's progress on standard error (the default when it
                     is a terminal; --no-progress: never)

Exit status: 0 clean, 1 errors or warnings found (notes do not count), 2 usage error.

Examples:
  carecoord check rulesets/
  carecoord check --sample 2000 --as-of 2026-11-27 rulesets/
  carecoord check --population members.ndjson --as-of 2026-11-27 --strict-default rulesets/
)";

const char* kTestHelp = R"(Usage: carecoord test [--coverage] [--rules DIR]... PATH...

Loads the rulesets under the paths and runs every test case in their `kind: tests` files.
With --rules, the rulesets come from the --rules paths and the PATHs are tests files (or
directories of them) run against those rulesets: one edited tests file against the full
rulesets, `carecoord test my-cases.yaml --rules rulesets/`.
Each failure shows the case, the expected and actual values side by side, and the rules that
fired. Ends with rule coverage: the tier rules, flag rules, programs and triggers that no
case exercised (a rule is exercised when it matched, a program when some case found the
patient eligible, a trigger when it was due).

Options:
  --coverage   coverage is required: an item no case exercised fails the run (exit 1)
  --rules DIR  load the rulesets from DIR (a file or directory; repeatable) and run only
               the tests files given as PATHs
  --include-root DIR
               one more directory an include: or a case's patient_file: may lead into,
               besides the tree of the file naming it (the parent of its directory; repeatable)

Exit status: 0 all passed, 1 a case failed (or, with --coverage, something is not
exercised), 2 usage or load error.

Examples:
  carecoord test rulesets/
  carecoord test --coverage rulesets/intensity rulesets/common
  carecoord test rulesets/programs/tests.yaml --rules rulesets
)";

// A table whose columns are as wide as their widest cell, indented by four spaces.
void print_table(const std::vector<std::vector<std::string>>& rows) {
    std::vector<std::size_t> width;
    for (const auto& row : rows)
        for (std::size_t i = 0; i < row.size(); ++i) {
            if (width.size() <= i) width.push_back(0);
            width[i] = std::max(width[i], row[i].size());
        }
    for (const auto& row : rows) {
        std::string line = "   ";
        for (std::size_t i = 0; i < row.size(); ++i) {
            line += " " + row[i];
            if (i + 1 < row.size()) line += std::string(width[i] - row[i].size() + 1, ' ');
        }
        std::printf("%s\n", line.c_str());
    }
}

// Generated patients for `check --sample`, read like a file.
class SampleReader {
public:
    SampleReader(testing::PopulationOptions o, std::size_t n) : o_(std::move(o)), n_(n) {}
    bool next_chunk(std::vector<Record>& out, std::size_t max, std::vector<Diagnostic>&) {
        out.clear();
        for (; next_ < n_ && out.size() < max; ++next_)
            out.push_back(Record{"sample:" + std::to_string(next_ + 1), testing::generate_patient_json(o_, next_), DocumentFormat::json});
        return !out.empty();
    }
    double fraction_read() const { return n_ ? static_cast<double>(next_) / static_cast<double>(n_) : 1.0; }

private:
    testing::PopulationOptions o_;
    std::size_t n_;
    std::size_t next_ = 0;
};

struct TierOutcome {
    std::string id;
    bool by_default = false;
    std::vector<std::string> rules;
};

// Evaluates the population and tallies which tier rules it reached.
template <class Reader>
BatchStats population_coverage(const Engine& engine, Date as_of, Reader& reader, PopulationCoverage& c, bool progress) {
    auto work = [&](const Record& r, TierOutcome& out, std::string& messages) {
        auto det = evaluate_record(engine, r, as_of, messages);
        if (!det) return;
        out.id = det->patient_id;
        out.by_default = det->tier.by_default;
        for (const auto& m : det->tier.matched) out.rules.push_back(m.rule_id);
    };
    auto emit = [&](const Record&, const TierOutcome& t) {
        ++c.patients;
        if (t.by_default) {
            ++c.by_default;
            if (c.default_examples.size() < 3) c.default_examples.push_back(t.id);
        }
        for (const auto& id : t.rules) {
            auto it = std::find_if(c.rule_matches.begin(), c.rule_matches.end(), [&](const auto& m) { return m.first == id; });
            if (it == c.rule_matches.end()) c.rule_matches.emplace_back(id, 1);
            else ++it->second;
        }
    };
    return run_batch<TierOutcome>(reader, 0, work, emit, progress);
}

}  // namespace

int cmd_check(const Args& args) {
    std::vector<std::string> paths, population, include_roots;
    std::optional<Date> as_of;
    std::size_t sample = 0;
    std::uint64_t seed = 1;
    bool strict_default = false, analysis = true;
    std::optional<bool> progress;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a == "--help" || a == "-h") {
            std::fputs(kCheckHelp, stdout);
            return 0;
        }
        bool takes_value = a == "--population" || a == "--sample" || a == "--seed" || a == "--as-of";
        if (takes_value && i + 1 >= args.size()) return usage_error("check", a + " needs a value");
        bool root_missing = false;
        if (include_root_option(args, i, include_roots, root_missing)) {
            if (root_missing) return usage_error("check", "--include-root needs a directory");
            continue;
        }
        {
            unsigned long long n = 0;
            if (a == "--population") population.push_back(args[++i]);
            else if (a == "--sample") {
                if (!parse_whole_number(args[++i], 1, kMaxSample, n))
                    return usage_error("check", "--sample needs a whole number of patients from 1 to " + std::to_string(kMaxSample));
                sample = static_cast<std::size_t>(n);
            } else if (a == "--seed") {
                if (!parse_whole_number(args[++i], 0, ~0ULL, n))
                    return usage_error("check", "--seed needs a whole number from 0 to " + std::to_string(~0ULL));
                seed = n;
            } else if (a == "--as-of") {
                as_of = time::parse_date(args[++i]);
                if (!as_of) return usage_error("check", "--as-of " + args[i] + " " + time::date_problem(args[i]));
            } else if (a == "--strict-default") strict_default = true;
            else if (a == "--progress" || a == "--no-progress") progress = a == "--progress";
            else if (a == "--no-analysis") analysis = false;
            else if (a.size() > 1 && a[0] == '-') return usage_error("check", "unknown option " + a);
            else paths.push_back(a);
        }
    }
    if (paths.empty()) return usage_error("check", "give at least one ruleset file or directory");
    if ((sample || !population.empty()) && !as_of) return usage_error("check", "--population and --sample need --as-of DATE");
    if (sample && !population.empty()) return usage_error("check", "give --population or --sample, not both");
    EngineOptions engine_options;
    engine_options.include_roots = include_roots;
    auto engine = Engine::load_paths(paths, engine_options);
    if (!engine.ok()) {
        print_diagnostics(engine.diagnostics());
        // Follow-ons of a mistake are notes: one mistake counts once.
        const auto& ds = engine.diagnostics();
        const auto errors = static_cast<std::size_t>(
            std::count_if(ds.begin(), ds.end(), [](const Diagnostic& d) { return d.severity == Severity::error; }));
        if (errors == ds.size()) std::fprintf(stderr, "%zu error(s)\n", errors);
        else std::fprintf(stderr, "%zu error(s), %zu follow-on note(s)\n", errors, ds.size() - errors);
        return 1;
    }
    CheckOptions check_options;
    check_options.analysis = analysis;  // the structural findings come also with --no-analysis
    std::vector<Diagnostic> findings = carecoord::check(*engine, check_options);
    bool input_failed = false;
    if (sample || !population.empty()) {
        PopulationCoverage coverage;
        BatchStats stats;
        if (sample) {
            testing::PopulationOptions po;
            po.seed = seed;
            po.as_of = *as_of;
            SampleReader reader(po, sample);
            stats = population_coverage(*engine, *as_of, reader, coverage, progress_wanted(progress));
        } else {
            std::vector<Diagnostic> errors;
            RecordReader reader(expand_inputs(population, errors));
            print_diagnostics(errors);
            stats = population_coverage(*engine, *as_of, reader, coverage, progress_wanted(progress));
            input_failed = !errors.empty();
        }
        input_failed |= stats.input_failed || stats.bad;
        auto gaps = check_coverage(*engine, *as_of, coverage, strict_default);
        findings.insert(findings.end(), gaps.begin(), gaps.end());
        std::printf("gap analysis: %zu patients evaluated as of %s\n", coverage.patients, time::format_date(*as_of).c_str());
    }
    print_diagnostics(findings);
    std::size_t warnings = static_cast<std::size_t>(
        std::count_if(findings.begin(), findings.end(), [](const Diagnostic& d) { return d.severity != Severity::note; }));
    auto rulesets = engine->rulesets();
    // The last line agrees with the exit status: "ok" only when the check passes.
    const bool failed = warnings || input_failed;
    std::printf("%s: %zu ruleset version(s) loaded with no errors; %zu warning(s)%s\n", failed ? "failed" : "ok",
                rulesets.size(), warnings, input_failed ? "; the population had unreadable records" : "");
    return failed ? 1 : 0;
}

int cmd_test(const Args& options) {
    Args args, rules, include_roots;
    bool require_coverage = false;
    for (std::size_t i = 0; i < options.size(); ++i) {
        const std::string& a = options[i];
        if (a == "--help" || a == "-h") {
            std::fputs(kTestHelp, stdout);
            return 0;
        }
        bool root_missing = false;
        if (include_root_option(options, i, include_roots, root_missing)) {
            if (root_missing) return usage_error("test", "--include-root needs a directory");
        } else if (a == "--coverage") require_coverage = true;
        else if (a == "--rules") {
            if (i + 1 >= options.size()) return usage_error("test", "--rules needs a value");
            rules.push_back(options[++i]);
        } else if (a.size() > 1 && a[0] == '-') return usage_error("test", "unknown option " + a);
        else args.push_back(a);
    }
    if (args.empty())
        return usage_error("test", rules.empty() ? "give at least one ruleset file or directory"
                                                 : "give the tests files to run against the --rules rulesets");
    EngineOptions engine_options;
    engine_options.include_roots = include_roots;
    auto engine = Engine::load_paths(rules.empty() ? args : rules, engine_options);
    if (!engine.ok()) {
        print_diagnostics(engine.diagnostics());
        if (rules.empty()) {
            std::vector<Diagnostic> ignore;
            if (testing::find_test_files(args, ignore, include_roots).size() > 0)
                std::fprintf(stderr, "to run tests files against rulesets elsewhere: carecoord test FILE.yaml --rules DIR\n");
        }
        return 2;
    }
    std::vector<Diagnostic> diags;
    auto files = testing::find_test_files(args, diags, include_roots);
    auto report = testing::run_tests(*engine, files, include_roots);
    print_diagnostics(diags);
    print_diagnostics(report.diagnostics);
    for (const auto& c : report.cases) {
        if (c.passed()) continue;
        std::printf("FAIL %s:%d: %s\n", c.file.c_str(), c.line, c.name.c_str());
        for (const auto& e : c.errors) std::printf("    error: %s\n", e.to_string().c_str());
        if (!c.mismatches.empty()) {
            std::vector<std::vector<std::string>> rows{{"what", "expected", "actual"}};
            for (const auto& m : c.mismatches) rows.push_back({m.what, m.expected, m.actual});
            print_table(rows);
            // What the determination was, each line only when it has something to say.
            const auto& d = c.determination;
            std::string fired;
            for (const auto& m : d.tier.matched) fired += " " + m.rule_id;
            for (const auto& f : d.flags)
                for (const auto& m : f.matched) fired += " " + m.rule_id + "(flag " + f.id + ")";
            std::printf("    tier %s%s\n", d.tier.tier.c_str(),
                        fired.empty() ? (d.tier.by_default ? " (the default: no tier rule matched)" : "")
                                      : ("; rules fired:" + fired).c_str());
            std::string due;
            for (const auto& t : d.triggers) due += " " + t.id + "@" + time::format_date(t.due);
            if (!due.empty()) std::printf("    triggers due:%s\n", due.c_str());
        }
    }
    std::vector<std::string> uncovered;
    for (const auto& item : report.all_items)
        if (!report.exercised.count(item)) uncovered.push_back(item);
    std::printf("coverage: %zu of %zu rules, programs and triggers exercised\n",
                report.all_items.size() - uncovered.size(), report.all_items.size());
    // One tests file against the full rulesets exercises a part of them by design: the list
    // of the rest is printed when coverage is asked for.
    if (rules.empty() || require_coverage)
        for (const auto& u : uncovered) std::printf("  not exercised: %s\n", u.c_str());
    std::printf("%zu passed, %zu failed\n", report.passed(), report.failed());
    if (!report.diagnostics.empty() || !diags.empty()) return 2;
    bool coverage_failed = require_coverage && !uncovered.empty();
    if (coverage_failed) std::printf("--coverage: %zu item(s) not exercised by any case\n", uncovered.size());
    if (report.cases.empty()) {
        std::fprintf(stderr, "no test cases found\n");
        return 1;
    }
    return report.failed() || coverage_failed ? 1 : 0;
}

}  // namespace carecoord::cli
