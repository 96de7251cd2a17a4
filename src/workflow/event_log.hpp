// An event log as analysts and integrations write it, in JSON or YAML: either a list of
// events or a mapping {workflow: ID, events: [...]}, each event
//   {type: discharged, time: "2026-05-22T15:00", payload: {encounter: e1}}
// Payload values: numbers, booleans and strings (a date or datetime field is written as its
// text: the workflow's declaration says how it is read). Errors carry file, line and column.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "carecoord/care_plan.hpp"
#include "yaml/yaml_tree.hpp"

namespace carecoord::workflow {

struct EventLog {
    std::optional<std::string> workflow;  // the log's `workflow:`, when it names one
    std::vector<CarePlanEvent> events;    // in log order
    std::vector<yaml::Mark> marks;        // where each event is in the log, for messages
};

// Decodes a parsed event list (a sequence node) or log mapping. Field paths in errors are
// events[2].time, events[0].payload.score.
Result<EventLog> decode_event_log(const yaml::YamlNode& root, std::string_view file);

// Reads JSON or YAML text (JSON is read as YAML, which it is).
Result<EventLog> parse_event_log(std::string_view text, std::string_view file);

}  // namespace carecoord::workflow
