// carecoord eval and carecoord explain.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
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
  --include-root DIR one more directory an include: may lead into, besides the tree being
                     loaded (the parent of each ruleset file's directory; repeatable)
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
  --jobs N           worker threads, 1 to 1024 (default: all cores)
  --output FILE      write there instead of standard output
  --progress         show records done, rate and time left on standard error; the default
                     when standard error is a terminal (--no-progress: never)

A record that cannot be read gets an error line on standard error naming the record and the
field; the rest of the batch still runs, and the exit status is 1.

Examples:
  carecoord eval --rules rulesets --as-of 2026-11-27 examples/patients
  carecoord eval --rules rulesets --as-of 2026-11-27 --format ndjson members.ndjson > out.ndjson
)";

const char* kExplainHelp = R"(Usage: carecoord explain --rules PATH --as-of DATE [--id ID] [--facts] [--format json] [--input-format F] INPUT

A readable account of one determination, for the care manager first: a summary (the tier and
why, the programs the patient is eligible for, what is due), then for the analyst each rule
that matched with its reason and the title of the source it cites; every tier rule, matched
or not, with each of its conditions and the values it compared
(`hospitalizations_12m >= 2   (1 >= 2)`, `payer not in [medicare_ffs]   (medicaid not in ...)`);
the nearest boundary (the smallest change in one condition that would move the patient to a
higher tier: "1 more"); the flag rules; each program with its reason and missing data; and
each trigger with its anchor and due date. The facts and their values with --facts. With
--format json, the same as one JSON object (docs/cli.md#explain): what
carecoord_explanation_json() returns.

INPUT is one patient file (.yaml, .json), or an NDJSON file or FHIR input holding several
patients, of which --id picks one.

Options:
  --rules PATH       ruleset file or directory (repeatable)
  --include-root DIR one more directory an include: may lead into (repeatable; as for eval)
  --as-of DATE       the evaluation date, YYYY-MM-DD
  --id ID            the patient to explain (NDJSON, a directory, a FHIR bulk export)
  --facts            list every fact with its value
  --input-format F   patient (the default), fhir-bundle or fhir-bulk (docs/fhir.md)

Examples:
  carecoord explain --rules rulesets --as-of 2026-11-27 examples/patients/recent_hf_discharge_ffs.yaml
  carecoord explain --rules rulesets --as-of 2026-11-27 --id p-000042 population.ndjson
  carecoord explain --rules rulesets --as-of 2026-11-27 --input-format fhir-bulk --id ID export/
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
    std::vector<std::string> include_roots;  // --include-root (EngineOptions::include_roots)
    bool help = false;
    std::optional<bool> progress;  // --progress / --no-progress; default: stderr is a terminal
};

EngineOptions engine_options(const Options& o) {
    EngineOptions eo;
    eo.include_roots = o.include_roots;
    return eo;
}

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
            if (!o.as_of) return usage_error(cmd, "--as-of " + v + " " + time::date_problem(v));
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
            unsigned long long n = 0;
            if (!value(v) || !parse_whole_number(v, 0, 999, n))
                return usage_error(cmd, "--claims-grace-months needs a number of months (0-999)");
            o.fhir.claims_grace_months = static_cast<int>(n);
        } else if (a == "--jobs" || a == "-j") {
            unsigned long long n = 0;
            if (!value(v) || !parse_whole_number(v, 1, kMaxJobs, n))
                return usage_error(cmd, "--jobs needs a whole number of threads from 1 to " + std::to_string(kMaxJobs));
            o.jobs = static_cast<unsigned>(n);
        } else if (bool missing = false; include_root_option(args, i, o.include_roots, missing)) {
            if (missing) return usage_error(cmd, "--include-root needs a directory");
        } else if (a == "--progress" || a == "--no-progress") {
            o.progress = a == "--progress";
        } else if (a == "--output" || a == "-o") {
            if (!value(o.output)) return usage_error(cmd, "--output needs a file");
        } else if (a.size() > 1 && a[0] == '-' && a != "-") return usage_error(cmd, "unknown option " + a);
        else o.inputs.push_back(a);
    }
    return -1;
}

// Every CSV cell goes through output::csv_cell (RFC 4180 quoting, formula cells neutralised).
using output::csv_cell;

// The CSV columns (docs/cli.md#csv-columns): one row per input record; a column per program
// and two per trigger of the rulesets in force at the as-of date, in the order they define
// them; `error` non-empty for a record that could not be read or evaluated.
struct CsvLayout {
    std::vector<std::string> programs, triggers;

    explicit CsvLayout(const Engine& engine, Date as_of) {
        for (const RulesetInfo& ruleset : engine.rulesets_in_force(as_of)) {
            for (const auto& p : ruleset.programs)
                if (std::find(programs.begin(), programs.end(), p.id) == programs.end()) programs.push_back(p.id);
            for (const auto& t : ruleset.triggers)
                if (std::find(triggers.begin(), triggers.end(), t) == triggers.end()) triggers.push_back(t);
        }
    }

    std::string header() const {
        std::vector<std::string> cells = {"source", "patient_id", "as_of", "tier", "tier_by_default", "flags", "deceased"};
        for (const auto& p : programs) cells.push_back("program_" + p);
        for (const auto& t : triggers) {
            cells.push_back("trigger_" + t + "_due");
            cells.push_back("trigger_" + t + "_status");
        }
        cells.push_back("error");
        return row(cells);
    }

    static std::string row(const std::vector<std::string>& cells) {
        std::string out;
        for (std::size_t i = 0; i < cells.size(); ++i) out += (i ? "," : "") + csv_cell(cells[i]);
        return out + "\n";
    }

    std::string record(const std::string& source, const Determination& d) const {
        std::string flags;
        for (const auto& f : d.flags) flags += (flags.empty() ? "" : ";") + f.id;
        std::vector<std::string> cells = {source, d.patient_id, time::format_date(d.as_of), d.tier.tier,
                                          d.tier.by_default ? "true" : "false", flags,
                                          d.deceased ? time::format_date(*d.deceased) : std::string()};
        for (const auto& id : programs) {
            auto it = std::find_if(d.programs.begin(), d.programs.end(), [&](const ProgramResult& p) { return p.id == id; });
            cells.push_back(it == d.programs.end() ? "" : std::string(to_string(it->status)));
        }
        for (const auto& id : triggers) {
            auto it = std::find_if(d.triggers.begin(), d.triggers.end(), [&](const TriggerResult& t) { return t.id == id; });
            if (it == d.triggers.end()) {
                cells.insert(cells.end(), {"", ""});
                continue;
            }
            cells.push_back(it->due_time ? time::format_datetime(*it->due_time) : time::format_date(it->due));
            cells.push_back(std::string(to_string(it->status)));
        }
        cells.push_back("");
        return row(cells);
    }

    // A record that could not be read: its source and the error lines (which name fields,
    // never values), joined; every other cell empty.
    std::string failed(const std::string& source, std::string errors) const {
        while (!errors.empty() && errors.back() == '\n') errors.pop_back();
        std::string joined;
        for (char c : errors) joined += c == '\n' ? std::string("; ") : std::string(1, c);
        errors = std::move(joined);
        std::vector<std::string> cells(7 + programs.size() + 2 * triggers.size() + 1);
        cells.front() = source;
        cells.back() = errors;
        return row(cells);
    }
};

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
    auto engine = Engine::load_paths(o.rules, engine_options(o));
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
    const CsvLayout csv(eng, as_of);
    if (o.format == "csv") std::fputs(csv.header().c_str(), out);
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
            rendered = o.format == "csv" ? csv.record(r.source, *det) : to_json(*det);
        }
    };
    // CSV: a bad record is a row too (pandas and SQL see every input record).
    std::function<void(const Record&, const std::string&)> on_bad;
    if (o.format == "csv") on_bad = [&](const Record& r, const std::string& messages) { std::fputs(csv.failed(r.source, messages).c_str(), out); };
    auto emit = [&](const Record&, const std::string& rendered) {
        if (o.format == "json") std::fputs(first ? "\n" : ",\n", out);
        std::fputs(rendered.c_str(), out);
        if (o.format == "ndjson" || o.format == "fhir") std::fputc('\n', out);
        first = false;
    };
    BatchStats stats;
    if (fhir) {
        FhirRecordReader reader(o.input_format, o.inputs, o.fhir);
        stats = run_batch<std::string>(reader, o.jobs, work, emit, progress_wanted(o.progress), on_bad);
    } else {
        RecordReader reader(files);
        stats = run_batch<std::string>(reader, o.jobs, work, emit, progress_wanted(o.progress), on_bad);
    }
    if (o.format == "json") std::fputs(first ? "]\n" : "\n]\n", out);
    if (out != stdout && !close_output(out, o.output)) return 2;
    if (stats.bad) std::fprintf(stderr, "%zu of %zu records failed\n", stats.bad, stats.total);
    return (!errors.empty() || stats.input_failed || stats.bad) ? 1 : 0;
}

namespace {

// The one patient explain is about: the only record of the input, or the one whose id is
// --id. Records that cannot be read are counted, not fatal, while looking for the id.
template <class Reader>
std::optional<Patient> find_patient(Reader& reader, const std::optional<std::string>& id, const std::string& input, int& rc) {
    std::vector<Record> chunk;
    std::vector<Diagnostic> errors;
    std::size_t records = 0, unreadable = 0;
    std::optional<Patient> only;
    std::string only_errors;
    while (reader.next_chunk(chunk, 1024, errors)) {
        for (const auto& r : chunk) {
            ++records;
            std::string messages;
            auto p = decode_record(r, messages);
            if (!p) {
                ++unreadable;
                if (!id) only_errors += messages;
                continue;
            }
            if (id && p->id == *id) return p;
            if (!id && records == 1) only = std::move(p);
        }
    }
    print_diagnostics(errors);
    if (!errors.empty()) {
        rc = 2;
        return std::nullopt;
    }
    if (!id) {
        if (records == 1 && only) return only;
        if (records == 1) std::fputs(only_errors.c_str(), stderr);
        else std::fprintf(stderr, "carecoord explain: %s holds %zu patients: give --id ID to pick one\n", input.c_str(), records);
        rc = records == 1 ? 1 : 2;
        return std::nullopt;
    }
    // The id is the caller's own argument, but a patient identifier all the same: not echoed.
    std::fprintf(stderr, "carecoord explain: no patient with the --id given among the %zu record(s) of %s%s\n", records,
                 input.c_str(), unreadable ? (" (" + std::to_string(unreadable) + " could not be read)").c_str() : "");
    rc = 1;
    return std::nullopt;
}

}  // namespace

int cmd_explain(const Args& args) {
    Options o;
    std::optional<std::string> id;
    bool show_facts = false;
    Args rest;
    for (std::size_t i = 0; i < args.size(); ++i) {
        if (args[i] == "--id") {
            if (i + 1 >= args.size()) return usage_error("explain", "--id needs a patient id");
            id = args[++i];
        } else if (args[i] == "--facts") show_facts = true;
        else rest.push_back(args[i]);
    }
    if (int rc = parse_options("explain", rest, o); rc >= 0) return rc;
    if (o.help) {
        std::fputs(kExplainHelp, stdout);
        return 0;
    }
    if (o.rules.empty() || !o.as_of || o.inputs.size() != 1)
        return usage_error("explain", "needs --rules PATH, --as-of DATE and one INPUT (a patient file, NDJSON with --id, or FHIR)");
    if (o.format_set && o.format != "json") return usage_error("explain", "--format is json (or absent: text)");
    auto engine = Engine::load_paths(o.rules, engine_options(o));
    if (!engine.ok()) {
        for (const auto& d : engine.diagnostics()) std::fprintf(stderr, "%s\n", d.to_string().c_str());
        return 2;
    }
    int rc = 0;
    std::optional<Patient> patient;
    if (o.input_format != "patient") {
        FhirRecordReader reader(o.input_format, o.inputs, o.fhir);
        patient = find_patient(reader, id, o.inputs[0], rc);
    } else {
        std::vector<Diagnostic> errors;
        auto files = expand_inputs(o.inputs, errors);
        if (!errors.empty()) {
            print_diagnostics(errors);
            return 2;
        }
        RecordReader reader(files);
        patient = find_patient(reader, id, o.inputs[0], rc);
    }
    if (!patient) return rc;
    auto ex = explain(*engine, *patient, *o.as_of);
    if (!ex.ok()) {
        for (const auto& d : ex.diagnostics()) std::fprintf(stderr, "%s\n", d.to_string().c_str());
        return 1;
    }
    const std::string rendered = o.format_set ? to_json(*ex) + "\n" : to_text(*ex, show_facts);
    // A lost write is reported once, with its cause, when main() closes stdout (E0602).
    return write_output(stdout, rendered) ? 0 : 2;
}

}  // namespace carecoord::cli
