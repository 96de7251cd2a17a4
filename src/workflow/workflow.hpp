// The compiled `workflow` section of a ruleset: a care-plan state machine whose transitions
// are driven by events, guarded by rule-language expressions and create tasks with due dates.
// Built by workflow_compiler.cpp, run by care_plan.cpp (the public API in
// include/carecoord/care_plan.hpp). Its expressions are nodes of the ruleset's Plan.
#pragma once

#include "load/section_reader.hpp"

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "carecoord/diagnostic.hpp"
#include "load/yaml_tree.hpp"
#include "rules/compiler.hpp"
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

struct SectionContext {
    const std::string& file;
    rules::Compiler& compiler;
    const rules::Plan& plan;
    const std::set<std::string, std::less<>>& source_ids;
    std::vector<Diagnostic>& diags;
    const load::SourceLines* source = nullptr;  // for exact positions inside expressions
};

// Compiles a `workflow` section and runs the static checks (E0701-E0707).
std::shared_ptr<const Workflow> compile_workflow(const load::YamlNode& section, const SectionContext& ctx);

// After every ruleset has loaded: each task's `trigger` names a trigger some loaded ruleset
// defines (E0706).
void check_trigger_references(const std::vector<std::shared_ptr<const rules::Plan>>& plans,
                              std::vector<Diagnostic>& diags);

}  // namespace carecoord::workflow
