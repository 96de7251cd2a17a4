// The `workflow` section of a ruleset -> workflow::Workflow (rules/workflow.hpp), with its
// static checks.
#include "load/workflow_compiler.hpp"

#include <algorithm>
#include <deque>

#include "load/section_reader.hpp"
#include "rules/valueset.hpp"
#include "util/codes.hpp"
#include "util/diagnostics.hpp"

namespace carecoord::workflow {

using yaml::YamlNode;
using rules::TypeKind;

namespace {

bool valid_name(std::string_view s) {
    return !s.empty() && s.size() <= 128 && std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    });
}

rules::SourceRef ref(const std::string& file, const YamlNode& n) { return rules::SourceRef{file, n.mark.line, n.mark.column}; }

Diagnostic diag_at(const rules::SourceRef& where, const char* code, std::string message, std::string rule = {}) {
    return util::make(code, std::move(message)).file(where.file).at(where.line, where.column).rule(std::move(rule));
}

std::string joined(const std::vector<std::string>& names) {
    std::string out;
    for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
    return out.empty() ? "none" : out;
}

class SectionCompiler {
public:
    SectionCompiler(const SectionContext& c) : c_(c), r_{c.file, c.diags, c.source} {}

    std::shared_ptr<const Workflow> compile(const YamlNode& section);

private:
    void states(const YamlNode& section);
    void events(const YamlNode& section);
    void transition(const YamlNode& t);
    void compile_body(const YamlNode& t, Transition& tr);
    void task(const YamlNode& body, const rules::ExprContext& ctx, Transition& tr, std::set<std::string>& ids);
    int resolve_state(const YamlNode& n);
    void static_checks();

    const SectionContext& c_;
    load::SectionReader r_;
    std::shared_ptr<Workflow> wf_ = std::make_shared<Workflow>();
    std::vector<std::string> state_names_, event_names_;
};

int SectionCompiler::resolve_state(const YamlNode& n) {
    int i = n.is_scalar() ? wf_->state_index(n.scalar) : -1;
    if (i < 0) r_.diag(n, codes::workflow_unknown_state, "unknown state '" + (n.is_scalar() ? n.scalar : std::string(n.kind_name())) + "' (states: " + joined(state_names_) + ")");
    return i;
}

void SectionCompiler::states(const YamlNode& section) {
    const YamlNode* st = r_.want_map(section.find("states"), "workflow.states");
    if (!st || st->entries.empty()) {
        if (!section.find("states")) r_.diag(section, codes::missing_key, "missing required key 'states'");
        return;
    }
    for (const auto& [name, body] : st->entries) {
        if (!valid_name(name.scalar)) { r_.diag(name, codes::invalid_value, "a state name uses lowercase letters, digits and '_'"); continue; }
        StateDef s;
        s.name = name.scalar;
        s.where = ref(c_.file, name);
        if (r_.want_map(&body, "a state")) {
            r_.check_keys(body, {"description", "final"}, "a state");
            if (const YamlNode* d = body.find("description"); d && d->is_scalar()) s.description = d->scalar;
            if (const YamlNode* f = body.find("final")) {
                if (!f->is_scalar() || f->quoted || (f->scalar != "true" && f->scalar != "false"))
                    r_.diag(*f, codes::invalid_value, "final must be true or false");
                else s.final = f->scalar == "true";
            }
        }
        state_names_.push_back(s.name);
        wf_->states.push_back(std::move(s));
    }
}

void SectionCompiler::events(const YamlNode& section) {
    const YamlNode* ev = r_.want_map(section.find("events"), "workflow.events");
    if (!ev || ev->entries.empty()) {
        if (!section.find("events")) r_.diag(section, codes::missing_key, "missing required key 'events'");
        return;
    }
    static const std::vector<std::pair<std::string_view, TypeKind>> kTypes = {
        {"number", TypeKind::number}, {"string", TypeKind::string}, {"boolean", TypeKind::boolean},
        {"date", TypeKind::date}, {"datetime", TypeKind::datetime}};
    for (const auto& [name, body] : ev->entries) {
        if (!valid_name(name.scalar)) { r_.diag(name, codes::invalid_value, "an event name uses lowercase letters, digits and '_'"); continue; }
        EventDef e;
        e.name = name.scalar;
        e.where = ref(c_.file, name);
        if (r_.want_map(&body, "an event")) {
            r_.check_keys(body, {"description", "payload"}, "an event");
            if (const YamlNode* d = body.find("description"); d && d->is_scalar()) e.description = d->scalar;
            if (const YamlNode* p = r_.want_map(body.find("payload"), "payload"))
                for (const auto& entry : p->entries) {
                    const YamlNode& field = entry.key;
                    const YamlNode& type = entry.value;
                    auto it = std::find_if(kTypes.begin(), kTypes.end(), [&](const auto& k) { return type.is_scalar() && k.first == type.scalar; });
                    if (!valid_name(field.scalar)) r_.diag(field, codes::invalid_value, "a payload field name uses lowercase letters, digits and '_'");
                    else if (it == kTypes.end()) r_.diag(type, codes::invalid_value, "a payload field's type is number, string, boolean, date or datetime");
                    else {
                        rules::Type t;
                        t.kind = it->second;
                        e.payload.emplace_back(field.scalar, t);
                    }
                }
        }
        event_names_.push_back(e.name);
        wf_->events.push_back(std::move(e));
    }
}

void SectionCompiler::task(const YamlNode& body, const rules::ExprContext& ctx, Transition& tr, std::set<std::string>& ids) {
    r_.check_keys(body, {"id", "trigger", "due", "action", "reason", "source"}, "a task");
    TaskAction t;
    t.where = ref(c_.file, body);
    const YamlNode* trig = body.find("trigger");
    const YamlNode* due = body.find("due");
    if (trig) {
        if (r_.want_text(trig, "trigger", t.trigger, true, body)) t.where = ref(c_.file, *trig);
        t.id = t.trigger;
        if (due) r_.diag(*due, codes::invalid_value, "a task with a trigger takes its due date from the trigger; remove 'due'", t.trigger);
    }
    if (const YamlNode* id = body.find("id")) {
        if (r_.want_text(id, "id", t.id, true, body) && !valid_name(t.id))
            r_.diag(*id, codes::invalid_value, "a task id uses lowercase letters, digits and '_'");
        if (!trig) t.where = ref(c_.file, *id);
    } else if (!trig) {
        r_.diag(body, codes::missing_key, "a task needs an id and a due rule, or a trigger");
    }
    if (!t.id.empty() && !ids.insert(t.id).second) r_.diag(body, codes::defined_twice, "task '" + t.id + "' is created twice by one transition", t.id);
    if (!trig) {
        if (due && due->is_scalar()) t.due = c_.compiler.compile_time(due->scalar, r_.origin(*due), ctx);
        else r_.diag(due ? *due : body, due ? codes::wrong_yaml_kind : codes::missing_key, due ? "'due' must be an expression" : "missing required key 'due'", t.id);
    }
    r_.want_text(body.find("action"), "action", t.action, false, body);
    if (const YamlNode* re = body.find("reason"); re && re->is_scalar()) {
        t.reason = c_.compiler.compile_template(re->scalar, r_.origin(*re), ctx);
        t.has_reason = true;
    }
    t.source = r_.source_of(body, c_.source_ids, t.id);
    tr.tasks.push_back(std::move(t));
}

void SectionCompiler::transition(const YamlNode& t) {
    if (!t.is_mapping()) { r_.diag(t, codes::wrong_yaml_kind, "a transition must be a mapping with from, on and to"); return; }
    r_.check_keys(t, {"from", "on", "to", "when", "actions", "description"}, "a transition");
    Transition tr;
    bool ok = true;
    if (const YamlNode* from = t.find("from"); !from) { r_.diag(t, codes::missing_key, "missing required key 'from'"); ok = false; }
    else if (from->is_sequence()) {
        for (const auto& s : from->items) { int i = resolve_state(s); if (i >= 0) tr.from.push_back(i); else ok = false; }
    } else { int i = resolve_state(*from); if (i >= 0) tr.from.push_back(i); else ok = false; }
    if (const YamlNode* to = t.find("to"); !to) { r_.diag(t, codes::missing_key, "missing required key 'to'"); ok = false; }
    else if ((tr.to = resolve_state(*to)) < 0) ok = false;
    const YamlNode* on = t.find("on");
    if (!on) { r_.diag(t, codes::missing_key, "missing required key 'on'"); return; }
    // `on: [a, b]` is one transition per event; each compiles against its own payload.
    std::vector<const YamlNode*> events;
    if (on->is_sequence()) for (const auto& e : on->items) events.push_back(&e);
    else events.push_back(on);
    std::size_t first_diag = c_.diags.size();
    for (const YamlNode* e : events) {
        Transition one = tr;
        one.where = ref(c_.file, *e);
        one.event = e->is_scalar() ? wf_->event_index(e->scalar) : -1;
        if (one.event < 0) {
            r_.diag(*e, codes::workflow_unknown_event, "unknown event '" + (e->is_scalar() ? e->scalar : std::string(e->kind_name())) + "' (events: " + joined(event_names_) + ")");
            continue;  // expressions need the event's payload fields
        }
        compile_body(t, one);
        if (ok) wf_->transitions.push_back(std::move(one));
    }
    // The same expression compiled for several events reports a mistake once.
    auto same = [](const Diagnostic& a, const Diagnostic& b) {
        return a.code == b.code && a.line == b.line && a.column == b.column && a.message == b.message;
    };
    for (std::size_t i = first_diag; i < c_.diags.size(); ++i)
        for (std::size_t j = c_.diags.size(); j-- > i + 1;)
            if (same(c_.diags[i], c_.diags[j])) c_.diags.erase(c_.diags.begin() + static_cast<std::ptrdiff_t>(j));
}

void SectionCompiler::compile_body(const YamlNode& t, Transition& tr) {
    rules::ExprContext ctx;
    ctx.rule_id = "workflow: on " + wf_->events[static_cast<std::size_t>(tr.event)].name;
    ctx.allow_tier = false;
    ctx.allow_event = true;
    ctx.event_payload = &wf_->events[static_cast<std::size_t>(tr.event)].payload;
    if (const YamlNode* w = t.find("when")) {
        if (w->is_scalar()) tr.when = c_.compiler.compile(w->scalar, r_.origin(*w), ctx, TypeKind::boolean);
        else r_.diag(*w, codes::wrong_yaml_kind, "'when' must be an expression");
    }
    std::set<std::string> ids;
    if (const YamlNode* acts = r_.want_seq(t.find("actions"), "actions"))
        for (const auto& a : acts->items) {
            if (!a.is_mapping() || !a.find("task")) { r_.diag(a, codes::wrong_yaml_kind, "an action is a mapping `task: {...}`"); continue; }
            r_.check_keys(a, {"task"}, "an action");
            if (const YamlNode* body = r_.want_map(a.find("task"), "task")) task(*body, ctx, tr, ids);
        }
}

void SectionCompiler::static_checks() {
    const auto& wf = *wf_;
    std::size_t n = wf.states.size();
    // Every state reachable from the initial state.
    std::vector<bool> seen(n, false);
    std::deque<int> pending{wf.initial};
    seen[static_cast<std::size_t>(wf.initial)] = true;
    while (!pending.empty()) {
        int s = pending.front();
        pending.pop_front();
        for (const auto& t : wf.transitions)
            if (std::find(t.from.begin(), t.from.end(), s) != t.from.end() && !seen[static_cast<std::size_t>(t.to)]) {
                seen[static_cast<std::size_t>(t.to)] = true;
                pending.push_back(t.to);
            }
    }
    for (std::size_t i = 0; i < n; ++i) {
        const auto& s = wf.states[i];
        if (!seen[i])
            c_.diags.push_back(diag_at(s.where, codes::workflow_unreachable, "state '" + s.name + "' cannot be reached from the initial state '" +
                                                             wf.states[static_cast<std::size_t>(wf.initial)].name + "'"));
        bool way_out = std::any_of(wf.transitions.begin(), wf.transitions.end(), [&](const Transition& t) {
            return t.to != static_cast<int>(i) && std::find(t.from.begin(), t.from.end(), static_cast<int>(i)) != t.from.end();
        });
        if (!s.final && !way_out)
            c_.diags.push_back(diag_at(s.where, codes::workflow_dead_end, "state '" + s.name +
                                                             "' is not final and has no transition to another state (add one, or mark it final: true)"));
    }
    // At most one unguarded transition per state and event: a second could never be taken.
    for (std::size_t j = 0; j < wf.transitions.size(); ++j) {
        const auto& b = wf.transitions[j];
        if (b.when >= 0) continue;
        for (std::size_t i = 0; i < j; ++i) {
            const auto& a = wf.transitions[i];
            if (a.when >= 0 || a.event != b.event) continue;
            auto common = std::find_if(b.from.begin(), b.from.end(),
                                       [&](int s) { return std::find(a.from.begin(), a.from.end(), s) != a.from.end(); });
            if (common == b.from.end()) continue;
            c_.diags.push_back(diag_at(b.where, codes::workflow_ambiguous, "event '" + wf.events[static_cast<std::size_t>(b.event)].name + "' has two unguarded transitions from state '" +
                        wf.states[static_cast<std::size_t>(*common)].name + "' (the other at line " + std::to_string(a.where.line) +
                        "); give the first a `when`"));
            break;
        }
    }
}

std::shared_ptr<const Workflow> SectionCompiler::compile(const YamlNode& section) {
    if (!r_.want_map(&section, "workflow")) return nullptr;
    std::size_t before = c_.diags.size();
    r_.check_keys(section, {"description", "initial", "states", "events", "transitions"}, "the workflow");
    states(section);
    events(section);
    if (const YamlNode* init = section.find("initial"); !init) r_.diag(section, codes::missing_key, "missing required key 'initial'");
    else wf_->initial = resolve_state(*init);
    if (const YamlNode* ts = r_.want_seq(section.find("transitions"), "workflow.transitions"))
        for (const auto& t : ts->items) transition(t);
    else if (!section.find("transitions")) r_.diag(section, codes::missing_key, "missing required key 'transitions'");
    if (c_.diags.size() != before) return nullptr;  // the graph checks need every name resolved
    static_checks();
    if (c_.diags.size() != before) return nullptr;
    return wf_;
}

}  // namespace

std::shared_ptr<const Workflow> compile_workflow(const YamlNode& section, const SectionContext& ctx) {
    return SectionCompiler(ctx).compile(section);
}

void check_trigger_references(const std::vector<std::shared_ptr<const rules::Plan>>& plans, std::vector<Diagnostic>& diags) {
    std::set<std::string, std::less<>> triggers;
    for (const auto& p : plans)
        for (const auto& t : p->triggers) triggers.insert(t.id);
    for (const auto& p : plans) {
        if (!p->workflow) continue;
        for (const auto& tr : p->workflow->transitions)
            for (const auto& task : tr.tasks) {
                if (task.trigger.empty() || triggers.count(task.trigger)) continue;
                diags.push_back(diag_at(task.where, codes::workflow_unknown_trigger, "unknown trigger '" + task.trigger +
                                        "': no loaded ruleset defines it (load the rulesets with the triggers too)", task.id));
            }
    }
}

}  // namespace carecoord::workflow
