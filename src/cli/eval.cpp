// carecoord eval and carecoord explain.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>

#include "carecoord/engine.hpp"
#include "carecoord/explain.hpp"
#include "cli/cli.hpp"
#include "cli/fhir_source.hpp"
#include "cli/records.hpp"
#include "load/ruleset_loader.hpp"
#include "output/csv.hpp"
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
reason; every tier rule, matched or not, with each of its conditions and the values it
compared (`hospitalizations_12m >= 2   (1 >= 2)`); the nearest boundary (the smallest change
in one condition that would move the patient to a higher tier: "1 more"); the flag rules;
the facts and their values; each program with its reason and missing data; and each trigger
with its anchor and due date.

Example:
  carecoord explain --rules rulesets --as-of 2026-11-27 examples/patients/recent_hf_discharge_ffs.yaml
)";

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

std::string to_csv(const Determination& d) {
    std::string flags, programs, triggers;
    for (const auto& f : d.flags) flags += (flags.empty() ? "" : ";") + f.id;
    for (const auto& p : d.programs)
        if (p.status != Eligibility::not_eligible)
            programs += (programs.empty() ? "" : ";") + p.id + (p.status == Eligibility::unknown ? "?" : "");
    for (const auto& t : d.triggers)
        triggers += (triggers.empty() ? "" : ";") + t.id + "@" + time::format_date(t.due) +
                    (t.status == TriggerStatus::overdue ? "!" : "");
    using output::csv_cell;
    return csv_cell(d.patient_id) + "," + csv_cell(time::format_date(d.as_of)) + "," + csv_cell(d.tier.tier) + "," +
           csv_cell(flags) + "," + csv_cell(programs) + "," + csv_cell(triggers) + "\n";
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
    const bool fhir = o.input_format != "patient";
    if (o.inputs.empty()) {
        if (fhir) return usage_error("eval", "FHIR input needs an INPUT file or directory");
        o.inputs.push_back("-");
    }
    auto files = fhir ? std::vector<std::string>{} : expand_inputs(o.inputs, errors);
    print_diagnostics(errors);

    std::FILE* out = stdout;
    if (!o.output.empty()) {
        out = std::fopen(o.output.c_str(), "wb");
        if (!out) return usage_error("eval", "cannot write " + o.output);
    }
    const Engine& eng = *engine;
    const Date as_of = *o.as_of;
    if (o.format == "csv") std::fputs("patient_id,as_of,tier,flags,programs,triggers\n", out);
    if (o.format == "json") std::fputs("[", out);
    bool first = true;
    auto work = [&](const Record& r, std::string& rendered, std::string& messages) {
        if (auto det = evaluate_record(eng, r, as_of, messages)) rendered = o.format == "csv" ? to_csv(*det) : to_json(*det);
    };
    auto emit = [&](const Record&, const std::string& rendered) {
        if (o.format == "json") std::fputs(first ? "\n" : ",\n", out);
        std::fputs(rendered.c_str(), out);
        if (o.format == "ndjson") std::fputc('\n', out);
        first = false;
    };
    BatchStats stats;
    if (fhir) {
        FhirRecordReader reader(o.input_format, o.inputs);
        stats = run_batch<std::string>(reader, o.jobs, work, emit, is_terminal(2));
    } else {
        RecordReader reader(files);
        stats = run_batch<std::string>(reader, o.jobs, work, emit, is_terminal(2));
    }
    if (o.format == "json") std::fputs(first ? "]\n" : "\n]\n", out);
    if (out != stdout && !close_output(out, o.output)) return 2;
    if (stats.bad) std::fprintf(stderr, "%zu of %zu records failed\n", stats.bad, stats.total);
    return (!errors.empty() || stats.input_failed || stats.bad) ? 1 : 0;
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
    auto ex = explain(*engine, *patient, *o.as_of);
    if (!ex.ok()) {
        for (const auto& d : ex.diagnostics()) std::fprintf(stderr, "%s\n", d.to_string().c_str());
        return 1;
    }
    const Determination& d = ex->determination;
    std::printf("Patient %s as of %s\n", d.patient_id.c_str(), time::format_date(d.as_of).c_str());
    for (const auto& r : d.rulesets) std::printf("  ruleset %s %s (sha256 %.12s)\n", r.id.c_str(), r.version.c_str(), r.sha256.c_str());
    std::printf("\nTier: %s%s\n", d.tier.tier.c_str(), d.tier.by_default ? " (no tier rule matched: the default)" : "");
    for (const auto& m : d.tier.matched)
        std::printf("  - %s: %s%s%s\n", m.rule_id.c_str(), m.reason.c_str(), m.source.empty() ? "" : "  [", m.source.empty() ? "" : (m.source + "]").c_str());
    std::printf("\nFlags:%s\n", d.flags.empty() ? " none" : "");
    for (const auto& f : d.flags)
        for (const auto& m : f.matched) std::printf("  - %s (%s): %s\n", f.id.c_str(), m.rule_id.c_str(), m.reason.c_str());
    // Every tier rule with the values that decided it, then the nearest change of tier.
    auto print_rules = [&](const std::string& kind) {
        for (const auto& r : ex->rules) {
            if (r.kind != kind) continue;
            const char* mark = r.result == "true" ? "[x]" : r.result == "false" ? "[ ]" : "[?]";
            std::printf("  %s %s -> %s\n", mark, r.id.c_str(), r.target.c_str());
            for (const auto& c : r.conditions) {
                std::printf("        %-7s %s", c.result.c_str(), c.text.c_str());
                if (!c.op.empty()) std::printf("   (%s %s %s)", c.left.c_str(), c.op.c_str(), c.right.c_str());
                std::printf("\n");
            }
        }
    };
    std::printf("\nTier rules ([x] matched, [ ] did not, [?] unknown: data missing):\n");
    print_rules("tier");
    std::printf("\nNearest boundary:%s\n", ex->nearest.empty() ? " none (no single numeric condition moves the patient to a higher tier)" : "");
    for (const auto& b : ex->nearest)
        std::printf("  %s: %s would match with %s in %s (now %s)\n", b.tier.c_str(), b.rule.c_str(), b.needs.c_str(),
                    b.condition.c_str(), b.now.c_str());
    std::printf("\nFlag rules:\n");
    print_rules("flag");
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
