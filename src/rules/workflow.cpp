// The compiled care-plan workflow's lookups (rules/workflow.hpp).
#include "rules/workflow.hpp"

#include <algorithm>

namespace carecoord::workflow {

int Workflow::state_index(std::string_view name) const {
    for (std::size_t i = 0; i < states.size(); ++i)
        if (states[i].name == name) return static_cast<int>(i);
    return -1;
}

int Workflow::event_index(std::string_view name) const {
    for (std::size_t i = 0; i < events.size(); ++i)
        if (events[i].name == name) return static_cast<int>(i);
    return -1;
}

std::vector<std::string> Workflow::allowed_events(int state) const {
    std::vector<bool> allowed(events.size(), false);
    for (const auto& t : transitions)
        if (std::find(t.from.begin(), t.from.end(), state) != t.from.end()) allowed[static_cast<std::size_t>(t.event)] = true;
    std::vector<std::string> out;
    for (std::size_t i = 0; i < events.size(); ++i)
        if (allowed[i]) out.push_back(events[i].name);
    return out;
}

}  // namespace carecoord::workflow
