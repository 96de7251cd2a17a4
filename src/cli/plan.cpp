// carecoord plan: the care-plan workflow for analysts testing it. Start a plan, list the
// events allowed in a state, apply an event log step by step, or replay it to the final
// record. Event logs are JSON or YAML (src/workflow/event_log.hpp).
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "carecoord/care_plan.hpp"
#include "carecoord/engine.hpp"
#include "cli/cli.hpp"
#include "load/ruleset_loader.hpp"
#include "output/json_writer.hpp"
#include "time/calendar.hpp"
#include "workflow/event_log.hpp"

namespace carecoord::cli {

namespace {

namespace fs = std::filesystem;

const char* kPlanHelp = R"(Usage: carecoord plan start   --rules PATH --on DATE [--workflow ID] [--format json]
       carecoord plan allowed --rules PATH --state STATE --on DATE [--workflow ID] [--format json]
       carecoord plan apply   --rules PATH --patient FILE [--workflow ID] [--format json] LOG
       carecoord plan replay  --rules PATH --patient FILE [--workflow ID] [--format json] LOG

The care-plan workflow of a ruleset (by default `care_plan`, rulesets/workflow/care-plan.yaml):
  start    the initial state of the workflow in force on DATE, and the events it allows
  allowed  the events allowed in STATE (declaration order)
  apply    applies the events of LOG one at a time, in log order, from the initial state,
           printing each step: the transition, the tasks it created, or that the event had
           been applied already; stops at the first event the workflow refuses
  replay   replays LOG (in time order; events already applied are skipped) and prints the
           final record: state, tasks with due dates, events applied

LOG is a JSON or YAML file: a list of events, or {workflow: ID, events: [...]}, each event
{type: discharged, time: "2026-05-22T15:00", payload: {encounter: e1}}. The patient file (JSON
or YAML, docs/patient-schema.md) is what guards and due dates read. --workflow overrides the
log's `workflow:`. --format json prints the record as carecoord_care_plan_json() does (apply:
one JSON object per step). --include-root DIR (repeatable) lets an include: lead into DIR
besides the tree being loaded (the parent of each ruleset file's directory).

Exit status: 0 done, 1 the workflow refused an event or the input is invalid, 2 usage.

Example:
  carecoord plan replay --rules rulesets --patient tests/data/care-plan/memorial-day-patient.json \
      tests/data/care-plan/memorial-day-events.yaml
)";

struct PlanOptions {
    std::string action;
    std::vector<std::string> rules;
    std::vector<std::string> include_roots;  // --include-root (EngineOptions::include_roots)
    std::optional<Date> on;
    std::string state, patient, log, workflow;
    bool json = false, help = false;
};

int parse(const Args& args, PlanOptions& o) {
    if (args.empty()) return usage_error("plan", "needs an action: start, allowed, apply or replay");
    std::size_t i = 0;
    if (args[0] == "--help" || args[0] == "-h") {
        o.help = true;
        return -1;
    }
    o.action = args[i++];
    if (o.action != "start" && o.action != "allowed" && o.action != "apply" && o.action != "replay")
        return usage_error("plan", "unknown action '" + o.action + "' (start, allowed, apply, replay)");
    for (; i < args.size(); ++i) {
        const std::string& a = args[i];
        auto value = [&](std::string& out) {
            if (i + 1 >= args.size()) return false;
            out = args[++i];
            return true;
        };
        std::string v;
        if (a == "--help" || a == "-h") {
            o.help = true;
        } else if (a == "--rules") {
            if (!value(v)) return usage_error("plan", "--rules needs a PATH");
            o.rules.push_back(v);
        } else if (bool missing = false; include_root_option(args, i, o.include_roots, missing)) {
            if (missing) return usage_error("plan", "--include-root needs a directory");
        } else if (a == "--on") {
            if (!value(v) || !(o.on = time::parse_date(v))) return usage_error("plan", "--on needs a date YYYY-MM-DD");
        } else if (a == "--state") {
            if (!value(o.state) || o.state.empty()) return usage_error("plan", "--state needs a state name");
        } else if (a == "--patient") {
            if (!value(o.patient)) return usage_error("plan", "--patient needs a FILE");
        } else if (a == "--workflow") {
            if (!value(o.workflow) || o.workflow.empty()) return usage_error("plan", "--workflow needs a ruleset id");
        } else if (a == "--format") {
            if (!value(v) || v != "json") return usage_error("plan", "--format is json (or absent: text)");
            o.json = true;
        } else if (!a.empty() && a[0] == '-') {
            return usage_error("plan", "unknown option " + a);
        } else if (o.log.empty()) {
            o.log = a;
        } else {
            return usage_error("plan", "one event LOG only");
        }
    }
    return -1;
}

void print_diagnostics(const std::vector<Diagnostic>& ds, const std::string& file = {}) {
    for (auto d : ds) {
        if (d.file.empty()) d.file = file;
        std::fprintf(stderr, "%s\n", d.to_string().c_str());
    }
}

std::optional<Patient> read_patient(const std::string& path) {
    std::string text;
    std::vector<Diagnostic> errors;
    if (!load::read_file(path, 64u << 20, text, errors)) {
        print_diagnostics(errors);
        return std::nullopt;
    }
    auto ext = fs::path(path).extension().string();
    auto patient = parse_patient(text, ext == ".json" ? DocumentFormat::json : DocumentFormat::yaml);
    if (!patient) {
        print_diagnostics(patient.diagnostics(), path);
        return std::nullopt;
    }
    return std::move(*patient);
}

std::string due_text(const CarePlanTask& t) {
    return t.due_time ? time::format_date(t.due) + " " + time::format_datetime(*t.due_time).substr(11) : time::format_date(t.due);
}

void print_task(const CarePlanTask& t) {
    std::printf("  %-44s due %-16s %s\n", t.id.c_str(), due_text(t).c_str(), t.action.c_str());
}

std::string joined(const std::vector<std::string>& xs) {
    std::string s;
    for (const auto& x : xs) s += (s.empty() ? "" : ", ") + x;
    return s.empty() ? "none" : s;
}

void print_record(const CarePlanRecord& r, const std::string& workflow, const std::vector<std::string>& allowed) {
    std::printf("Care plan (workflow %s): %s\n", workflow.c_str(), r.state.c_str());
    if (r.last_event)
        std::printf("  %zu event%s applied, the last at %s\n", r.applied.size(), r.applied.size() == 1 ? "" : "s",
                    time::format_datetime(*r.last_event).c_str());
    std::printf("\nTasks:%s\n", r.tasks.empty() ? " none" : "");
    for (const auto& t : r.tasks) print_task(t);
    std::printf("\nAllowed events: %s\n", joined(allowed).c_str());
}

// A lost write is reported once, with its cause, when main() closes stdout (E0602).
bool write_out(const std::string& s) { return write_output(stdout, s); }

std::string step_json(std::size_t n, const CarePlanEvent& e, const EventOutcome& out) {
    std::string s;
    output::JsonWriter w(s);
    w.begin_object();
    w.key("step");
    w.value(static_cast<long long>(n));
    w.key("event");
    w.value(event_key(e));
    w.key("from");
    w.value(out.from);
    w.key("to");
    w.value(out.state.state);
    w.key("transitioned");
    w.value(out.transitioned);
    w.key("duplicate");
    w.value(out.duplicate);
    w.key("created");
    w.begin_array();
    for (const auto& t : out.created) w.value(t.id);
    w.end_array();
    w.key("missing");
    w.begin_array();
    for (const auto& m : out.missing) w.value(m);
    w.end_array();
    w.end_object();
    return s + "\n";
}

}  // namespace

int cmd_plan(const Args& args) {
    PlanOptions o;
    if (int rc = parse(args, o); rc >= 0) return rc;
    if (o.help) {
        std::fputs(kPlanHelp, stdout);
        return 0;
    }
    if (o.rules.empty()) return usage_error("plan", "needs --rules PATH");
    const bool with_log = o.action == "apply" || o.action == "replay";
    if (with_log && (o.log.empty() || o.patient.empty())) return usage_error("plan", o.action + " needs --patient FILE and a LOG");
    if (!with_log && !o.on) return usage_error("plan", o.action + " needs --on DATE");
    if (o.action == "allowed" && o.state.empty()) return usage_error("plan", "allowed needs --state STATE");
    if (!with_log && (!o.log.empty() || !o.patient.empty()))
        return usage_error("plan", o.action + " takes no LOG or --patient");

    EngineOptions engine_options;
    engine_options.include_roots = o.include_roots;
    auto engine = Engine::load_paths(o.rules, engine_options);
    if (!engine) {
        print_diagnostics(engine.diagnostics());
        return 2;
    }
    std::string workflow = o.workflow.empty() ? "care_plan" : o.workflow;

    if (o.action == "start" || o.action == "allowed") {
        std::string state = o.state;
        std::optional<CarePlanRecord> record;
        if (o.action == "start") {
            auto r = start_care_plan(*engine, *o.on, workflow);
            if (!r) {
                print_diagnostics(r.diagnostics());
                return 1;
            }
            record = std::move(*r);
            state = record->state;
        }
        auto allowed = allowed_events(*engine, state, *o.on, workflow);
        if (!allowed) {
            print_diagnostics(allowed.diagnostics());
            return 1;
        }
        if (o.json) {
            std::string s;
            if (record) {
                s = to_json(*record) + "\n";
            } else {
                output::JsonWriter w(s);
                w.begin_array();
                for (const auto& e : *allowed) w.value(e);
                w.end_array();
                s += "\n";
            }
            return write_out(s) ? 0 : 2;
        }
        if (record) {
            print_record(*record, workflow, *allowed);
        } else {
            for (const auto& e : *allowed) std::printf("%s\n", e.c_str());
        }
        return 0;  // main() closes stdout and reports a lost write (E0602)
    }

    auto patient = read_patient(o.patient);
    if (!patient) return 1;
    std::string text;
    std::vector<Diagnostic> errors;
    if (!load::read_file(o.log, 64u << 20, text, errors)) {
        print_diagnostics(errors);
        return 1;
    }
    auto log = workflow::parse_event_log(text, o.log);
    if (!log) {
        print_diagnostics(log.diagnostics(), o.log);
        return 1;
    }
    if (o.workflow.empty() && log->workflow) workflow = *log->workflow;

    if (o.action == "replay") {
        auto r = replay_events(*engine, *patient, log->events, workflow);
        if (!r) {
            print_diagnostics(r.diagnostics(), o.log);
            return 1;
        }
        if (o.json) return write_out(to_json(*r) + "\n") ? 0 : 2;
        Date on = r->last_event ? time::date_of(*r->last_event) : Date{};
        auto allowed = allowed_events(*engine, r->state, on, workflow);
        print_record(*r, workflow, allowed ? *allowed : std::vector<std::string>{});
        return 0;  // main() closes stdout and reports a lost write (E0602)
    }

    // apply: step by step, in log order.
    Date first = log->events.empty() ? Date{} : time::date_of(log->events.front().time);
    // An empty log: the initial state of the earliest version, as replay_events() gives it.
    auto start = log->events.empty() ? replay_events(*engine, *patient, {}, workflow)
                                     : start_care_plan(*engine, first, workflow);
    if (!start) {
        print_diagnostics(start.diagnostics());
        return 1;
    }
    CarePlanRecord record = std::move(*start);
    if (!o.json) std::printf("start: %s\n", record.state.c_str());
    for (std::size_t i = 0; i < log->events.size(); ++i) {
        const auto& e = log->events[i];
        auto out = apply_event(*engine, *patient, record, e, workflow);
        if (!out) {
            for (auto d : out.diagnostics()) {
                d.file = o.log;
                d.line = log->marks[i].line;
                d.column = log->marks[i].column;
                // The position names the event; its time is data and stays out of the message.
                d.message = "event " + std::to_string(i + 1) + " (" + e.type + "): " + d.message;
                std::fprintf(stderr, "%s\n", d.to_string().c_str());
            }
            return 1;
        }
        if (o.json) {
            if (!write_out(step_json(i + 1, e, *out))) return 2;
        } else if (out->duplicate) {
            std::printf("%zu. %s: applied before, nothing changes\n", i + 1, event_key(e).c_str());
        } else {
            std::printf("%zu. %s: %s -> %s%s\n", i + 1, event_key(e).c_str(), out->from.c_str(), out->state.state.c_str(),
                        out->transitioned ? "" : " (no transition: no guard held)");
            for (const auto& t : out->created) print_task(t);
            if (!out->missing.empty()) std::printf("   missing: %s\n", joined(out->missing).c_str());
        }
        record = std::move(out->state);
    }
    if (o.json) return 0;
    std::printf("\n");
    auto allowed = allowed_events(*engine, record.state, record.last_event ? time::date_of(*record.last_event) : first, workflow);
    print_record(record, workflow, allowed ? *allowed : std::vector<std::string>{});
    return 0;  // main() closes stdout and reports a lost write (E0602)
}

}  // namespace carecoord::cli
