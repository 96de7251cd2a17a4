// Care-plan state: the workflow of a ruleset (by default `care_plan`,
// rulesets/workflow/care-plan.yaml) driven by events, creating tasks with due dates.
//
// A CarePlanRecord (the workflow state of one patient's care plan: its state, tasks and the
// events applied) is a value: apply_event() never changes its argument; it returns the new
// state and the tasks the event created. Every task has a stable id, "<task>@<event time>"
// (post_discharge_call@2026-05-22T15:00), and an event already applied (same type and time)
// is recognized and changes nothing, so replaying an event log never creates duplicates.
#pragma once

#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "carecoord/diagnostic.hpp"
#include "carecoord/engine.hpp"
#include "carecoord/patient.hpp"

namespace carecoord {

// A payload value: number, string, boolean, date or datetime, as the workflow's event declares.
using PayloadValue = std::variant<double, std::string, bool, Date, DateTime>;

struct CarePlanEvent {
    std::string type;                              // "discharged", "phq9_recorded"...
    DateTime time{};                               // when it happened (wall clock of the care setting)
    std::map<std::string, PayloadValue> payload;   // e.g. {"encounter": "e1"}, {"score": 14.0}
};

struct CarePlanTask {
    std::string id;           // stable: "post_discharge_call@2026-05-22T15:00"
    std::string task;         // the task or trigger id: "post_discharge_call"
    std::string event;        // the event type that created it
    DateTime event_time{};    // its anchor
    Date due{};
    std::optional<DateTime> due_time;  // set when the due rule counts hours
    std::string action;
    std::string reason;
    std::string source;
};

struct CarePlanRecord {
    std::string state;                     // "identified", "active"...
    std::vector<CarePlanTask> tasks;       // every task created so far, in creation order
    std::vector<std::string> applied;      // keys of the events applied: "discharged@2026-05-22T15:00"
    std::optional<DateTime> last_event;    // the time of the latest event applied
};

struct EventOutcome {
    CarePlanRecord state;                   // the state after the event
    std::string from;                      // the state before
    bool transitioned = false;             // a transition was taken (possibly back to the same state)
    bool duplicate = false;                // the event was applied before: nothing changed
    std::vector<CarePlanTask> created;     // tasks this event created (none already in the list)
    std::vector<std::string> missing;      // patient fields a guard needed and did not have
};

// The workflow's initial state, for the version of `workflow` in force on `on`.
Result<CarePlanRecord> start_care_plan(const Engine& engine, Date on, std::string_view workflow = "care_plan");

// Applies one event. Errors (nothing changes): E0710 event not allowed in the current state
// (names the state, the event and the events allowed), E0711 unknown event, E0712 event
// earlier than the last one applied, E0713 payload field unknown or of the wrong type,
// E0714 a task's due date needs data that is missing, E0715 no workflow in force at the
// event's date, E0716 a referenced trigger not in force, E0717 the state is not a state of
// the workflow.
Result<EventOutcome> apply_event(const Engine& engine, const Patient& patient, const CarePlanRecord& current,
                                 const CarePlanEvent& event, std::string_view workflow = "care_plan");

// Replays an event log from the initial state (events in time order; equal times keep their
// log order). Events already applied are skipped. The same log always gives the same state
// and task list. An error names the event's position in the log (1-based).
Result<CarePlanRecord> replay_events(const Engine& engine, const Patient& patient, std::span<const CarePlanEvent> log,
                                    std::string_view workflow = "care_plan");

// The events allowed in a state (declaration order), for the workflow in force on `on`.
Result<std::vector<std::string>> allowed_events(const Engine& engine, std::string_view state, Date on,
                                                std::string_view workflow = "care_plan");

// "type@YYYY-MM-DDTHH:MM": how an applied event is recognized.
std::string event_key(const CarePlanEvent& event);

// A record as one JSON object (no trailing newline), keys in this order:
//   {"state", "last_event" (a date-time or null), "applied": [keys],
//    "tasks": [{"id","task","event","event_time","due","due_time" (or null),"action","reason","source"}]}
// What `carecoord plan --format json` and carecoord_care_plan_json() give.
std::string to_json(const CarePlanRecord&);

}  // namespace carecoord
