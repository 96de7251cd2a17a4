// The compiled `workflow` section of a ruleset: a care-plan state machine whose transitions
// are driven by events, guarded by rule-language expressions and create tasks with due dates.
// Compiled by src/load/workflow_compiler.cpp, run by src/workflow/care_plan.cpp (the public
// API in include/carecoord/care_plan.hpp). Its expressions are nodes of the ruleset's Plan,
// which holds it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "rules/plan.hpp"

namespace carecoord::workflow {

struct StateDef {
    std::string name;
    std::string description;
    bool final = false;
    rules::SourceRef where;
};

struct EventDef {
    std::string name;
    std::string description;
    std::vector<std::pair<std::string, rules::Type>> payload;  // declared fields, in file order (slots)
    rules::SourceRef where;
};

// `task: {...}` of a transition's actions.
struct TaskAction {
    std::string id;              // the task id; for a trigger task, the trigger id unless given
    std::string trigger;         // non-empty: the due date comes from this trigger, anchored at the event
    std::int32_t due = -1;       // own tasks: a date or datetime expression of the workflow's plan
    std::string action;          // empty with a trigger: the trigger's action
    rules::Template reason;
    bool has_reason = false;     // false with a trigger: the trigger's reason
    std::string source;          // empty with a trigger: the trigger's source
    rules::SourceRef where;      // the `trigger` (or `id`) value, for diagnostics
};

struct Transition {
    std::vector<int> from;       // state indices
    int event = -1;
    int to = -1;
    std::int32_t when = -1;      // -1: unguarded
    std::vector<TaskAction> tasks;
    rules::SourceRef where;      // the `on` value
};

struct Workflow {
    int initial = -1;
    std::vector<StateDef> states;
    std::vector<EventDef> events;
    std::vector<Transition> transitions;  // in file order: the first whose guard holds is taken

    int state_index(std::string_view name) const;
    int event_index(std::string_view name) const;
    // The events that have a transition from this state, in declaration order.
    std::vector<std::string> allowed_events(int state) const;
};

}  // namespace carecoord::workflow
