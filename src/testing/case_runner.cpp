#include "testing/case_runner.hpp"

#include <algorithm>
#include <filesystem>

#include "load/ruleset_loader.hpp"
#include "yaml/yaml_tree.hpp"
#include "model/patient_node.hpp"
#include "time/calendar.hpp"
#include "util/suggest.hpp"
#include "workflow/event_log.hpp"
#include "util/codes.hpp"
#include "util/confine.hpp"
#include "util/diagnostics.hpp"

namespace carecoord::testing {

namespace fs = std::filesystem;
using yaml::YamlNode;

std::size_t TestReport::passed() const {
    return static_cast<std::size_t>(std::count_if(cases.begin(), cases.end(), [](const CaseResult& c) { return c.passed(); }));
}
std::size_t TestReport::failed() const { return cases.size() - passed(); }

std::vector<std::string> find_test_files(const std::vector<std::string>& paths, std::vector<Diagnostic>& diagnostics,
                                         const std::vector<std::string>& include_roots) {
    std::vector<std::string> out;
    for (const auto& p : paths)
        for (const auto& file : load::ruleset_files(p, diagnostics, include_roots)) {
            // A file that cannot be read or parsed may be a tests file: an error, never a
            // file silently left out (its cases would be missing from the run).
            std::string text;
            if (!load::read_file(file, 16u << 20, text, diagnostics)) continue;
            yaml::YamlLimits limits;
            limits.max_bytes = 16u << 20;
            auto tree = yaml::parse_yaml(text, file, limits);
            if (!tree.ok()) {
                for (const auto& d : tree.diagnostics()) diagnostics.push_back(d);
                continue;
            }
            const YamlNode* k = tree->find("kind");
            if (k && k->is_scalar() && k->scalar == "tests") out.push_back(file);
        }
    return out;
}

namespace {

Diagnostic at(const std::string& file, const YamlNode& n, std::string message, const char* code = codes::bad_test_case) {
    return util::make(code, std::move(message)).file(file).at(n.mark.line, n.mark.column).build();
}

std::string join(const std::vector<std::string>& xs) {
    std::string s = "[";
    for (std::size_t i = 0; i < xs.size(); ++i) s += (i ? ", " : "") + xs[i];
    return s + "]";
}

std::vector<std::string> scalar_list(const YamlNode* n) {
    std::vector<std::string> out;
    if (n && n->is_sequence())
        for (const auto& x : n->items)
            if (x.is_scalar()) out.push_back(x.scalar);
    return out;
}

// What the loaded rulesets define (any version), so that an expectation naming something
// undefined is reported as a mistake in the case, with the closest names, not as a mismatch.
struct Defined {
    std::vector<std::string> tiers, flags, programs, triggers;
};

Defined defined_names(const Engine& engine) {
    Defined out;
    auto add = [](std::vector<std::string>& v, const std::string& name) {
        if (std::find(v.begin(), v.end(), name) == v.end()) v.push_back(name);
    };
    for (const auto& r : engine.rulesets()) {
        for (const auto& t : r.tiers) add(out.tiers, t);
        for (const auto& f : r.flags) add(out.flags, f.id);
        for (const auto& pr : r.programs) add(out.programs, pr.id);
        for (const auto& t : r.triggers) add(out.triggers, t);
    }
    return out;
}

bool is_defined(const std::vector<std::string>& names, const std::string& name, const char* what, const YamlNode& at_node,
                const std::string& file, CaseResult& r) {
    if (std::find(names.begin(), names.end(), name) != names.end()) return true;
    r.errors.push_back(at(file, at_node,
                          "no loaded ruleset defines " + std::string(what) + " '" + name + "'" +
                              util::did_you_mean(name, names, std::string(what) + "s"),
                          codes::test_expects_undefined));
    return false;
}

// Compares a case's expectations with a determination.
void compare(const YamlNode& expect, const Determination& d, CaseResult& r, const std::string& file, const Defined& known) {
    auto mismatch = [&](std::string what, std::string expected, std::string actual) {
        r.mismatches.push_back(Mismatch{std::move(what), std::move(expected), std::move(actual)});
    };
    static const std::set<std::string> keys = {"tier", "tier_rules", "flags", "programs", "triggers", "absent_triggers", "missing",
                                               "deceased", "error", "care_plan"};
    for (const auto& [k, v] : expect.entries)
        if (!keys.count(k.scalar)) r.errors.push_back(at(file, k, "unknown key '" + k.scalar + "' in expect", codes::unknown_key));
    if (const YamlNode* dead = expect.find("deceased"); dead && dead->is_scalar()) {
        // A date, or `no` for a patient alive at as_of.
        std::string got = d.deceased ? time::format_date(*d.deceased) : "no";
        if (got != dead->scalar) mismatch("deceased", dead->scalar, got);
    }
    if (expect.find("error")) mismatch("error", "an evaluation error", "a determination");
    if (const YamlNode* t = expect.find("tier"); t && t->is_scalar() && is_defined(known.tiers, t->scalar, "tier", *t, file, r) &&
                                                 t->scalar != d.tier.tier)
        mismatch("tier", t->scalar, d.tier.tier);
    if (const YamlNode* rules = expect.find("tier_rules")) {
        std::vector<std::string> matched;
        for (const auto& m : d.tier.matched) matched.push_back(m.rule_id);
        for (const auto& want : scalar_list(rules))
            if (std::find(matched.begin(), matched.end(), want) == matched.end())
                mismatch("tier_rules", "includes " + want, join(matched));
    }
    if (const YamlNode* flags = expect.find("flags")) {
        auto want = scalar_list(flags);
        if (flags->is_sequence())
            for (const auto& f : flags->items)
                if (f.is_scalar()) is_defined(known.flags, f.scalar, "flag", f, file, r);
        std::vector<std::string> got;
        for (const auto& f : d.flags) got.push_back(f.id);
        auto ws = want, gs = got;
        std::sort(ws.begin(), ws.end());
        std::sort(gs.begin(), gs.end());
        if (ws != gs) mismatch("flags", join(ws), join(gs));
    }
    if (const YamlNode* programs = expect.find("programs"); programs && programs->is_mapping()) {
        for (const auto& [id, status] : programs->entries) {
            const std::string& program = id.scalar;
            if (!is_defined(known.programs, program, "program", id, file, r)) continue;
            auto it = std::find_if(d.programs.begin(), d.programs.end(), [&](const ProgramResult& p) { return p.id == program; });
            std::string got = it == d.programs.end() ? "(no such program)" : std::string(to_string(it->status));
            if (!status.is_scalar() || status.scalar != got) mismatch("programs." + id.scalar, status.scalar, got);
        }
    }
    if (const YamlNode* triggers = expect.find("triggers"); triggers && triggers->is_mapping()) {
        for (const auto& [id, want] : triggers->entries) {
            const std::string& trigger = id.scalar;
            if (!is_defined(known.triggers, trigger, "trigger", id, file, r)) continue;
            auto it = std::find_if(d.triggers.begin(), d.triggers.end(), [&](const TriggerResult& t) { return t.id == trigger; });
            if (it == d.triggers.end()) {
                mismatch("triggers." + id.scalar, "due", "not due");
                continue;
            }
            if (!want.is_mapping()) continue;
            if (const YamlNode* due = want.find("due"); due && due->is_scalar()) {
                std::string got = it->due_time && due->scalar.find('T') != std::string::npos
                                      ? time::format_datetime(*it->due_time)
                                      : time::format_date(it->due);
                if (got != due->scalar) mismatch("triggers." + id.scalar + ".due", due->scalar, got);
            }
            if (const YamlNode* st = want.find("status"); st && st->is_scalar() && st->scalar != to_string(it->status))
                mismatch("triggers." + id.scalar + ".status", st->scalar, std::string(to_string(it->status)));
            if (const YamlNode* an = want.find("anchor"); an && an->is_scalar() && an->scalar != time::format_date(it->anchor))
                mismatch("triggers." + id.scalar + ".anchor", an->scalar, time::format_date(it->anchor));
        }
    }
    if (const YamlNode* absent = expect.find("absent_triggers"); absent && absent->is_sequence())
        for (const auto& t : absent->items)
            if (t.is_scalar()) is_defined(known.triggers, t.scalar, "trigger", t, file, r);
    for (const auto& id : scalar_list(expect.find("absent_triggers")))
        if (auto it = std::find_if(d.triggers.begin(), d.triggers.end(), [&](const TriggerResult& t) { return t.id == id; });
            it != d.triggers.end())
            mismatch("triggers." + id, "not due", "due " + time::format_date(it->due));
    if (const YamlNode* missing = expect.find("missing")) {
        for (const auto& want : scalar_list(missing))
            if (std::find(d.missing.begin(), d.missing.end(), want) == d.missing.end())
                mismatch("missing", "includes " + want, join(d.missing));
    }
}

// A workflow case: the record its `events` replay to, against `expect.care_plan`:
//   {state: in_transition, tasks: {post_discharge_call@2026-05-22T15:00: "2026-05-25T15:00"},
//    absent_tasks: [id...], task_count: 3}
// A task's due is a date, or a date-time when the due rule counts hours.
void compare_care_plan(const YamlNode& want, const CarePlanRecord& r, CaseResult& c, const std::string& file) {
    auto mismatch = [&](std::string what, std::string expected, std::string actual) {
        c.mismatches.push_back(Mismatch{std::move(what), std::move(expected), std::move(actual)});
    };
    if (!want.is_mapping()) {
        c.errors.push_back(at(file, want, "expect.care_plan must be a mapping (state, tasks, absent_tasks, task_count)", codes::missing_key));
        return;
    }
    for (const auto& [k, v] : want.entries)
        if (k.scalar != "state" && k.scalar != "tasks" && k.scalar != "absent_tasks" && k.scalar != "task_count")
            c.errors.push_back(at(file, k, "unknown key '" + k.scalar + "' in expect.care_plan", codes::unknown_key));
    if (const YamlNode* st = want.find("state"); st && st->is_scalar() && st->scalar != r.state)
        mismatch("care_plan.state", st->scalar, r.state);
    auto find = [&](const std::string& id) {
        return std::find_if(r.tasks.begin(), r.tasks.end(), [&](const CarePlanTask& t) { return t.id == id; });
    };
    if (const YamlNode* tasks = want.find("tasks"); tasks && tasks->is_mapping()) {
        for (const auto& [id, due] : tasks->entries) {
            auto it = find(id.scalar);
            if (it == r.tasks.end()) {
                mismatch("care_plan.tasks." + id.scalar, "created", "not created");
                continue;
            }
            if (!due.is_scalar()) continue;
            std::string got = it->due_time && due.scalar.find('T') != std::string::npos ? time::format_datetime(*it->due_time)
                                                                                          : time::format_date(it->due);
            if (got != due.scalar) mismatch("care_plan.tasks." + id.scalar + ".due", due.scalar, got);
        }
    }
    for (const auto& id : scalar_list(want.find("absent_tasks")))
        if (find(id) != r.tasks.end()) mismatch("care_plan.tasks." + id, "not created", "created");
    if (const YamlNode* n = want.find("task_count"); n && n->is_scalar() && n->scalar != std::to_string(r.tasks.size()))
        mismatch("care_plan.task_count", n->scalar, std::to_string(r.tasks.size()));
}

void coverage(const Engine& engine, TestReport& report) {
    for (const auto& r : engine.rulesets()) {
        for (const auto& id : r.tier_rules) report.all_items.insert("tier rule " + id);
        for (const auto& f : r.flags)
            for (const auto& id : f.rules) report.all_items.insert("flag rule " + id);
        for (const auto& pr : r.programs) report.all_items.insert("program " + pr.id);
        for (const auto& t : r.triggers) report.all_items.insert("trigger " + t);
    }
}

}  // namespace

TestReport run_tests(const Engine& engine, const std::vector<std::string>& test_files,
                     const std::vector<std::string>& include_roots) {
    TestReport report;
    coverage(engine, report);
    const Defined known = defined_names(engine);
    for (const auto& file : test_files) {
        std::string text;
        if (!load::read_file(file, 16u << 20, text, report.diagnostics)) continue;
        yaml::YamlLimits limits;
        limits.max_bytes = 16u << 20;
        auto tree = yaml::parse_yaml(text, file, limits);
        if (!tree.ok()) {
            for (const auto& d : tree.diagnostics()) report.diagnostics.push_back(d);
            continue;
        }
        const YamlNode& root = *tree;
        // Where a case's patient_file may lead: the tree of the tests file, as for includes.
        const util::Confinement confinement = util::confinement_of_file(file, include_roots);
        for (const auto& [k, v] : root.entries)
            if (k.scalar != "schema_version" && k.scalar != "kind" && k.scalar != "description" && k.scalar != "cases")
                report.diagnostics.push_back(at(file, k, "unknown key '" + k.scalar + "' in a tests file", codes::unknown_key));
        const YamlNode* cases = root.find("cases");
        if (!cases || !cases->is_sequence()) {
            report.diagnostics.push_back(at(file, root, "a tests file needs a list of cases", codes::missing_key));
            continue;
        }
        std::size_t index = 0;
        for (const auto& c : cases->items) {
            CaseResult r;
            r.file = file;
            r.line = c.mark.line;
            r.name = "case " + std::to_string(index++);
            if (!c.is_mapping()) {
                r.errors.push_back(at(file, c, "a case must be a mapping", codes::wrong_yaml_kind));
                report.cases.push_back(std::move(r));
                continue;
            }
            for (const auto& [k, v] : c.entries)
                if (k.scalar != "name" && k.scalar != "as_of" && k.scalar != "patient" && k.scalar != "patient_file" &&
                    k.scalar != "expect" && k.scalar != "description" && k.scalar != "events" && k.scalar != "workflow")
                    r.errors.push_back(at(file, k, "unknown key '" + k.scalar + "' in a case", codes::unknown_key));
            if (const YamlNode* n = c.find("name"); n && n->is_scalar()) r.name = n->scalar;
            // A workflow case (events:) needs no as_of unless it also expects a determination.
            const YamlNode* events = c.find("events");
            const YamlNode* as_of = c.find("as_of");
            std::optional<Date> date = as_of && as_of->is_scalar() ? time::parse_date(as_of->scalar) : std::nullopt;
            if (!date && (!events || as_of)) {
                const bool shaped = as_of && as_of->is_scalar() && time::date_problem(as_of->scalar) != "is not a date (YYYY-MM-DD)";
                r.errors.push_back(shaped ? at(file, *as_of, "as_of: " + as_of->scalar + " " + time::date_problem(as_of->scalar), codes::invalid_value)
                                          : at(file, as_of ? *as_of : c, "a case needs as_of: a date (YYYY-MM-DD)", codes::missing_key));
            }
            std::optional<workflow::EventLog> log;
            if (events) {
                auto decoded = workflow::decode_event_log(*events, file);
                if (decoded.ok()) log = std::move(decoded.value());
                for (const auto& d : decoded.diagnostics()) r.errors.push_back(d);
            }
            std::optional<Patient> patient;
            if (const YamlNode* pn = c.find("patient")) {
                auto decoded = model::decode_patient_node(*pn);
                if (decoded.ok()) patient = std::move(decoded.value());
                for (auto d : decoded.diagnostics()) {
                    d.file = file;
                    if (d.line == 0) { d.line = pn->mark.line; d.column = pn->mark.column; }
                    r.errors.push_back(std::move(d));
                }
            } else if (const YamlNode* pf = c.find("patient_file"); pf && pf->is_scalar()) {
                fs::path path = (fs::path(file).parent_path() / pf->scalar).lexically_normal();
                std::string doc;
                // Checked before it is opened: a refusal is the same whether the file exists or not.
                const util::ConfineCheck allowed = util::confine(confinement, fs::path(file).parent_path().string(), pf->scalar);
                if (allowed.code) {
                    r.errors.push_back(at(file, *pf, allowed.message, allowed.code));
                } else if (load::read_file(allowed.path.string(), 16u << 20, doc, r.errors)) {
                    auto ext = path.extension().string();
                    auto decoded = parse_patient(doc, ext == ".json" ? DocumentFormat::json : DocumentFormat::yaml);
                    if (decoded.ok()) patient = std::move(decoded.value());
                    for (auto d : decoded.diagnostics()) {
                        d.file = path.string();
                        r.errors.push_back(std::move(d));
                    }
                }
            } else {
                r.errors.push_back(at(file, c, "a case needs a patient (inline) or a patient_file", codes::missing_key));
            }
            const YamlNode* expect = c.find("expect");
            if (!expect || !expect->is_mapping()) r.errors.push_back(at(file, c, "a case needs expect: a mapping", codes::missing_key));
            const YamlNode* want_plan = expect && expect->is_mapping() ? expect->find("care_plan") : nullptr;
            if (want_plan && !events) r.errors.push_back(at(file, *want_plan, "expect.care_plan needs the case's events", codes::missing_key));
            if (r.errors.empty() && patient && log) {
                std::string wf = "care_plan";
                if (const YamlNode* w = c.find("workflow"); w && w->is_scalar()) wf = w->scalar;
                auto record = replay_events(engine, *patient, log->events, wf);
                if (!record.ok()) {
                    for (auto d : record.diagnostics()) {
                        d.file = file;
                        d.line = events->mark.line;
                        d.column = events->mark.column;
                        r.errors.push_back(std::move(d));
                    }
                } else if (want_plan) {
                    compare_care_plan(*want_plan, *record, r, file);
                }
            }
            if (r.errors.empty() && patient && date) {
                auto det = engine.evaluate(*patient, *date);
                const YamlNode* want_error = expect->find("error");
                if (!det.ok() && want_error) {
                    // `error: {code: E0212, field: birth_date}`: the evaluation must fail so.
                    const YamlNode* code = want_error->find("code");
                    const YamlNode* field = want_error->find("field");
                    const auto& got = det.diagnostics();
                    bool found = std::any_of(got.begin(), got.end(), [&](const Diagnostic& g) {
                        return (!code || g.code == code->scalar) && (!field || g.field_path == field->scalar);
                    });
                    if (!found)
                        r.mismatches.push_back(Mismatch{"error", (code ? code->scalar : "") + " at " + (field ? field->scalar : ""),
                                                        got.front().code + " at " + got.front().field_path});
                } else if (!det.ok()) {
                    r.errors = det.diagnostics();
                } else {
                    r.determination = std::move(det.value());
                    compare(*expect, r.determination, r, file, known);
                    const auto& d = r.determination;
                    for (const auto& m : d.tier.matched) report.exercised.insert("tier rule " + m.rule_id);
                    for (const auto& f : d.flags)
                        for (const auto& m : f.matched) report.exercised.insert("flag rule " + m.rule_id);
                    for (const auto& p : d.programs)
                        if (p.status == Eligibility::eligible) report.exercised.insert("program " + p.id);
                    for (const auto& t : d.triggers) report.exercised.insert("trigger " + t.id);
                }
            }
            report.cases.push_back(std::move(r));
        }
    }
    return report;
}

}  // namespace carecoord::testing
