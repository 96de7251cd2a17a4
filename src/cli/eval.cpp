// carecoord eval and carecoord explain.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>

#include "carecoord/determination_fhir.hpp"
#include "carecoord/engine.hpp"
#include "carecoord/explain.hpp"
#include "cli/cli.hpp"
#include "cli/fhir_source.hpp"
#include "cli/records.hpp"
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
  --format F         json (an array, the default), ndjson (one object per line), csv, or
                     fhir (one FHIR R4 transaction Bundle per line: docs/fhir-output.md)
  --utc-offset OFF   with --format fhir: the care setting's UTC offset (Z, +HH:MM, -HH:MM)
                     for due times counted in hours; without it those Tasks are due by date
  --input-format F   patient (our patient documents, the default), fhir-bundle (INPUT: FHIR R4
                     Bundles, one patient each) or fhir-bulk (INPUT: a FHIR bulk-export
                     directory of NDJSON files); see docs/fhir.md
  --time-zone ZONE   FHIR input: the care setting's IANA time zone (America/New_York);
                     dateTimes with an offset are converted to it (default: clock time as written)
  --claims-grace-months N
                     FHIR input: coverage evidenced by claims lasts N months after the
                     latest claim (default 12)
  --jobs N           worker threads (default: all cores)
  --output FILE      write there instead of standard output

A record that cannot be read gets an error line on standard error naming the record and the
field; the rest of the batch still runs, and the exit status is 1.

Examples:
  carecoord eval --rules rulesets --as-of 2026-11-27 examples/patients
  carecoord eval --rules rulesets --as-of 2026-11-27 --format ndjson members.ndjson > out.ndjson
)";

const char* kExplainHelp = R"(Usage: carecoord explain --rules PATH --as-of DATE [--format json] PATIENT

A readable account of one determination: the tier and each rule that matched with its
reason; every tier rule, matched or not, with each of its conditions and the values it
compared (`hospitalizations_12m >= 2   (1 >= 2)`); the nearest boundary (the smallest change
in one condition that would move the patient to a higher tier: "1 more"); the flag rules;
the facts and their values; each program with its reason and missing data; and each trigger
with its anchor and due date. With --format json, the same as one JSON object
(docs/cli.md#explain): what carecoord_explanation_json() returns.

Example:
  carecoord explain --rules rulesets --as-of 2026-11-27 examples/patients/recent_hf_discharge_ffs.yaml
)";

struct Options {
    std::vector<std::string> rules;
    std::optional<Date> as_of;
    std::string format = "json";
    bool format_set = false;  // --format given (explain prints text unless it asks for json)
    std::string input_format = "patient";
    FhirOptions fhir;
    unsigned jobs = 0;
    std::string output;
    std::string utc_offset;
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
            if (!value(o.format) || (o.format != "json" && o.format != "ndjson" && o.format != "csv" && o.format != "fhir"))
                return usage_error(cmd, "--format is json, ndjson, csv or fhir");
            o.format_set = true;
        } else if (a == "--utc-offset") {
            if (!value(o.utc_offset)) return usage_error(cmd, "--utc-offset needs Z, +HH:MM or -HH:MM");
        } else if (a == "--input-format") {
            if (!value(o.input_format) ||
                (o.input_format != "patient" && o.input_format != "fhir-bundle" && o.input_format != "fhir-bulk"))
                return usage_error(cmd, "--input-format is patient, fhir-bundle or fhir-bulk");
        } else if (a == "--time-zone") {
            if (!value(o.fhir.time_zone) || o.fhir.time_zone.empty()) return usage_error(cmd, "--time-zone needs an IANA zone name");
        } else if (a == "--claims-grace-months") {
            if (!value(v) || v.empty() || v.size() > 3 || !std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; }))
                return usage_error(cmd, "--claims-grace-months needs a number of months (0-999)");
            o.fhir.claims_grace_months = std::stoi(v);
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
    // deceased (last, after the columns that existed before it): the date of death on or
    // before as_of, empty for a living patient.
    return csv_field(d.patient_id) + "," + time::format_date(d.as_of) + "," + d.tier.tier + "," + csv_field(flags) + "," +
           csv_field(programs) + "," + csv_field(triggers) + "," + (d.deceased ? time::format_date(*d.deceased) : std::string()) +
           "\n";
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
    if (o.format == "csv") std::fputs("patient_id,as_of,tier,flags,programs,triggers,deceased\n", out);
    if (o.format == "json") std::fputs("[", out);
    bool first = true;
    FhirOutputOptions fhir_options;
    fhir_options.utc_offset = o.utc_offset;
    if (!o.utc_offset.empty()) {
        Determination probe;  // checks the option once, not once per record
        probe.patient_id = "probe";
        if (o.format != "fhir") return usage_error("eval", "--utc-offset applies to --format fhir only");
        if (!to_fhir(probe, fhir_options)) return usage_error("eval", "--utc-offset must be Z, +HH:MM or -HH:MM (at most 14:00)");
    }
    auto work = [&](const Record& r, std::string& rendered, std::string& messages) {
        auto det = evaluate_record(eng, r, as_of, messages);
        if (!det) return;
        if (o.format == "fhir") {
            auto bundle = to_fhir(*det, fhir_options);
            if (bundle) rendered = std::move(*bundle);
            else append_errors(r, bundle.diagnostics(), messages);
        } else {
            rendered = o.format == "csv" ? to_csv(*det) : to_json(*det);
        }
    };
    auto emit = [&](const Record&, const std::string& rendered) {
        if (o.format == "json") std::fputs(first ? "\n" : ",\n", out);
        std::fputs(rendered.c_str(), out);
        if (o.format == "ndjson" || o.format == "fhir") std::fputc('\n', out);
        first = false;
    };
    BatchStats stats;
    if (fhir) {
        FhirRecordReader reader(o.input_format, o.inputs, o.fhir);
        stats = run_batch<std::string>(reader, o.jobs, work, emit, is_terminal(2));
    } else {
        RecordReader reader(files);
        stats = run_batch<std::string>(reader, o.jobs, work, emit, is_terminal(2));
    }
    if (o.format == "json") std::fputs(first ? "]\n" : "\n]\n", out);
    if (out != stdout) std::fclose(out);
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
    if (o.format_set && o.format != "json") return usage_error("explain", "--format is json (or absent: text)");
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
    const std::string rendered = o.format_set ? to_json(*ex) + "\n" : to_text(*ex);
    if (std::fwrite(rendered.data(), 1, rendered.size(), stdout) != rendered.size() || std::fflush(stdout) != 0) {
        std::fprintf(stderr, "error: cannot write the explanation to standard output\n");
        return 2;
    }
    return 0;
}

}  // namespace carecoord::cli
