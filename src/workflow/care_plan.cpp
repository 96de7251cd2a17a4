// The care-plan state machine at run time: apply an event, replay an event log.
#include "carecoord/care_plan.hpp"

#include <algorithm>
#include <numeric>

#include "engine/engine_state.hpp"
#include "engine/evaluator.hpp"
#include "time/calendar.hpp"
#include "util/diagnostics.hpp"
#include "rules/workflow.hpp"
#include "util/codes.hpp"

namespace carecoord {

namespace {

using rules::TypeKind;
using rules::Value;

Diagnostic error(const char* code, std::string message, std::string rule = {}) {
    return util::make(code, std::move(message)).rule(std::move(rule)).build();
}

// Exceptions do not escape the API: out of memory and internal errors become diagnostics.
template <class F>
auto guarded(const char* what, F&& f) -> decltype(f()) {
    try {
        return f();
    } catch (const engine::BudgetExceeded&) {
        return error(codes::evaluation_budget, engine::budget_message(RulesetLimits{}.max_evaluation_steps));
    } catch (...) {
        return util::exception_diagnostic(what);
    }
}

std::string joined(const std::vector<std::string>& names) {
    std::string out;
    for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
    return out.empty() ? "none" : out;
}

std::int64_t minutes_of(DateTime t) { return t.time_since_epoch().count(); }
std::int64_t days_of(Date d) { return d.time_since_epoch().count(); }

// The version of ruleset `id` in force on `on`, which must have a workflow.
Result<const rules::Plan*> workflow_plan(const Engine& engine, std::string_view id, Date on) {
    const auto& by_id = detail::EngineState::of(engine).by_id;
    auto it = by_id.find(std::string(id));
    if (it == by_id.end()) return error(codes::no_workflow_in_force, "no ruleset '" + std::string(id) + "' is loaded");
    for (const auto& p : it->second)
        if (p->effective_from <= on && (!p->effective_until || on <= *p->effective_until)) {
            if (!p->workflow) return error(codes::no_workflow_in_force, "ruleset '" + std::string(id) + "' has no workflow section");
            return p.get();
        }
    return error(codes::no_workflow_in_force, "no version of ruleset '" + std::string(id) + "' is in force at the event's date");
}

// The payload values in the event's declared slots; absent fields are unknown.
Result<std::vector<Value>> payload_values(const workflow::EventDef& def, const CarePlanEvent& event) {
    std::vector<Value> out(def.payload.size(), Value::unknown_value());
    for (const auto& entry : event.payload) {
        const std::string& name = entry.first;
        const PayloadValue& value = entry.second;
        auto it = std::find_if(def.payload.begin(), def.payload.end(), [&](const auto& f) { return f.first == name; });
        if (it == def.payload.end()) {
            std::vector<std::string> declared;
            for (const auto& f : def.payload) declared.push_back(f.first);
            return error(codes::event_bad_payload, "event '" + def.name + "' has no payload field '" + name + "' (declared: " + joined(declared) + ")");
        }
        Value v;
        bool ok = false;
        switch (it->second.kind) {
            case TypeKind::number: if (auto* x = std::get_if<double>(&value)) { v = Value::number(*x); ok = true; } break;
            case TypeKind::string: if (auto* x = std::get_if<std::string>(&value)) { v.s = *x; ok = true; } break;
            case TypeKind::boolean: if (auto* x = std::get_if<bool>(&value)) { v = Value::boolean(*x); ok = true; } break;
            // A date or datetime may also come as its text (an event log read from JSON or YAML,
            // a binding): the declaration says how to read it.
            case TypeKind::date:
                if (auto* x = std::get_if<Date>(&value)) { v = Value::integer(days_of(*x)); ok = true; }
                else if (auto* t = std::get_if<std::string>(&value); t && time::parse_date(*t)) {
                    v = Value::integer(days_of(*time::parse_date(*t)));
                    ok = true;
                }
                break;
            case TypeKind::datetime:
                if (auto* x = std::get_if<DateTime>(&value)) { v = Value::integer(minutes_of(*x)); ok = true; }
                else if (auto* t = std::get_if<std::string>(&value); t && time::parse_datetime(*t)) {
                    v = Value::integer(minutes_of(*time::parse_datetime(*t)));
                    ok = true;
                }
                break;
            default: break;
        }
        if (!ok)
            return error(codes::event_bad_payload, "payload field '" + name + "' of event '" + def.name + "' must be a " + rules::type_name(it->second));
        out[static_cast<std::size_t>(it - def.payload.begin())] = v;
    }
    return out;
}

// A due value of a date or datetime expression -> the task's due date (and time).
void set_due(CarePlanTask& task, const Value& due, TypeKind kind) {
    if (kind == TypeKind::datetime) {
        task.due_time = DateTime{std::chrono::minutes{due.i}};
        task.due = time::date_of(*task.due_time);
    } else {
        task.due = Date{std::chrono::days{due.i}};
    }
}

Diagnostic due_unknown(const CarePlanTask& task, std::uint64_t missing) {
    std::vector<std::string> names;
    engine::Evaluator::missing_names(missing, names);
    return error(codes::task_due_missing_data, "the due date of task '" + task.task + "' cannot be computed (missing: " + joined(names) + ")", task.task);
}

// One task of a transition, anchored at the event.
Result<CarePlanTask> make_task(const Engine& engine, const Patient& patient, const rules::Plan& plan,
                               engine::Evaluator& ev, const workflow::TaskAction& action, const CarePlanEvent& event) {
    Date on = time::date_of(event.time);
    CarePlanTask task;
    task.task = action.id;
    task.id = action.id + "@" + time::format_datetime(event.time);
    task.event = event.type;
    task.event_time = event.time;
    task.action = action.action;
    task.source = action.source;
    if (action.has_reason) task.reason = ev.render(action.reason);
    if (action.trigger.empty()) {
        ev.clear_missing();
        Value due = ev.eval(action.due);
        if (due.state != Value::known) return due_unknown(task, ev.missing());
        set_due(task, due, plan.nodes[static_cast<std::size_t>(action.due)].type.kind);
        return task;
    }
    // A trigger's due rule (and action, reason, source unless the task gives them), with the
    // event as the trigger's anchor, in the version of the trigger in force at the event.
    const rules::Plan* tplan = nullptr;
    const rules::CompiledTrigger* trig = nullptr;
    for (const auto* p : detail::EngineState::of(engine).in_force(on))
        for (const auto& t : p->triggers)
            if (!trig && t.id == action.trigger) { tplan = p; trig = &t; }
    if (!trig) return error(codes::task_trigger_not_in_force, "trigger '" + action.trigger + "' is not defined by any ruleset in force at the event's date", action.id);
    engine::Scratch scratch;
    engine::Evaluator tev(*tplan, patient, on, scratch, engine::TierInput{});
    bool datetime_anchor = tplan->nodes[static_cast<std::size_t>(trig->anchor)].type.kind == TypeKind::datetime;
    tev.set_anchor(Value::integer(datetime_anchor ? minutes_of(event.time) : days_of(on)));
    Value due = tev.eval(trig->due);
    if (due.state != Value::known) return due_unknown(task, tev.missing());
    set_due(task, due, tplan->nodes[static_cast<std::size_t>(trig->due)].type.kind);
    if (task.action.empty()) task.action = trig->action;
    if (task.source.empty()) task.source = trig->source;
    if (!action.has_reason) task.reason = tev.render(trig->reason);
    return task;
}

}  // namespace

std::string event_key(const CarePlanEvent& event) { return event.type + "@" + time::format_datetime(event.time); }

Result<CarePlanRecord> start_care_plan(const Engine& engine, Date on, std::string_view workflow) {
    return guarded("starting a care plan", [&]() -> Result<CarePlanRecord> {
        auto plan = workflow_plan(engine, workflow, on);
        if (!plan) return plan.diagnostics();
        const auto& wf = *(*plan)->workflow;
        CarePlanRecord s;
        s.state = wf.states[static_cast<std::size_t>(wf.initial)].name;
        return s;
    });
}

Result<std::vector<std::string>> allowed_events(const Engine& engine, std::string_view state, Date on, std::string_view workflow) {
    return guarded("listing allowed events", [&]() -> Result<std::vector<std::string>> {
        auto plan = workflow_plan(engine, workflow, on);
        if (!plan) return plan.diagnostics();
        const auto& wf = *(*plan)->workflow;
        int s = wf.state_index(state);
        if (s < 0) return error(codes::state_not_in_workflow, "'" + std::string(state) + "' is not a state of workflow '" + std::string(workflow) + "'");
        return wf.allowed_events(s);
    });
}

Result<EventOutcome> apply_event(const Engine& engine, const Patient& patient, const CarePlanRecord& current,
                                 const CarePlanEvent& event, std::string_view workflow) {
    return guarded("applying an event", [&]() -> Result<EventOutcome> {
        Date on = time::date_of(event.time);
        auto plan_r = workflow_plan(engine, workflow, on);
        if (!plan_r) return plan_r.diagnostics();
        const rules::Plan& plan = **plan_r;
        const auto& wf = *plan.workflow;
        int state = wf.state_index(current.state);
        if (state < 0) return error(codes::state_not_in_workflow, "'" + current.state + "' is not a state of workflow '" + std::string(workflow) + "'");

        EventOutcome out;
        out.from = current.state;
        out.state = current;
        std::string key = event_key(event);
        if (std::find(current.applied.begin(), current.applied.end(), key) != current.applied.end()) {
            out.duplicate = true;
            return out;
        }
        if (current.last_event && event.time < *current.last_event)
            return error(codes::event_out_of_order, "event '" + event.type + "' is earlier than the last event applied; apply events in time order (replay_events sorts a log)");
        int ev_index = wf.event_index(event.type);
        std::vector<std::string> allowed = wf.allowed_events(state);
        if (ev_index < 0) {
            std::vector<std::string> all;
            for (const auto& e : wf.events) all.push_back(e.name);
            return error(codes::event_unknown, "unknown event '" + event.type + "' (events: " + joined(all) + ")");
        }
        if (std::find(allowed.begin(), allowed.end(), event.type) == allowed.end())
            return error(codes::event_not_allowed, "event '" + event.type + "' is not allowed in state '" + current.state + "' (allowed: " + joined(allowed) + ")");

        const auto& def = wf.events[static_cast<std::size_t>(ev_index)];
        auto payload = payload_values(def, event);
        if (!payload) return payload.diagnostics();
        engine::EventInput input;
        input.time = minutes_of(event.time);
        input.type = event.type;
        input.payload = std::move(*payload);
        engine::Scratch scratch;
        engine::Evaluator ev(plan, patient, on, scratch, engine::TierInput{});
        ev.set_event(&input);

        // The first transition from this state on this event whose guard is true.
        const workflow::Transition* taken = nullptr;
        std::uint64_t missing = 0;
        for (const auto& t : wf.transitions) {
            if (t.event != ev_index || std::find(t.from.begin(), t.from.end(), state) == t.from.end()) continue;
            if (t.when >= 0) {
                ev.clear_missing();
                int truth = ev.truth(t.when);
                missing |= ev.missing();
                if (truth != 1) continue;
            }
            taken = &t;
            break;
        }
        engine::Evaluator::missing_names(missing, out.missing);
        if (taken) {
            for (const auto& action : taken->tasks) {
                auto task = make_task(engine, patient, plan, ev, action, event);
                if (!task) return task.diagnostics();
                bool known = std::any_of(out.state.tasks.begin(), out.state.tasks.end(),
                                         [&](const CarePlanTask& x) { return x.id == task->id; });
                if (!known) {
                    out.created.push_back(*task);
                    out.state.tasks.push_back(std::move(*task));
                }
            }
            out.transitioned = true;
            out.state.state = wf.states[static_cast<std::size_t>(taken->to)].name;
        }
        out.state.applied.push_back(std::move(key));
        out.state.last_event = event.time;
        return out;
    });
}

Result<CarePlanRecord> replay_events(const Engine& engine, const Patient& patient, std::span<const CarePlanEvent> log,
                                    std::string_view workflow) {
    return guarded("replaying events", [&]() -> Result<CarePlanRecord> {
        std::vector<std::size_t> order(log.size());
        std::iota(order.begin(), order.end(), std::size_t{0});
        std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return log[a].time < log[b].time; });
        Date start_on{};
        if (!order.empty()) start_on = time::date_of(log[order.front()].time);
        else if (const auto& by_id = detail::EngineState::of(engine).by_id; by_id.count(std::string(workflow))) {
            const auto& versions = by_id.at(std::string(workflow));
            if (!versions.empty()) start_on = versions.front()->effective_from;  // an empty log: the earliest version's initial state
        }
        auto state = start_care_plan(engine, start_on, workflow);
        if (!state) return state.diagnostics();
        CarePlanRecord s = std::move(*state);
        for (std::size_t i : order) {
            auto out = apply_event(engine, patient, s, log[i], workflow);
            if (!out) {
                auto diags = out.diagnostics();
                for (auto& d : diags) d.message = "event " + std::to_string(i + 1) + " of the log: " + d.message;
                return diags;
            }
            s = std::move(out->state);
        }
        return s;
    });
}

}  // namespace carecoord
