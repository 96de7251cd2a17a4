// A care-plan record as JSON (carecoord plan, the C interface and the bindings).
#include "carecoord/care_plan.hpp"
#include "output/json_writer.hpp"

namespace carecoord {

std::string to_json(const CarePlanRecord& record) {
    using namespace std::string_view_literals;
    using output::append_string;
    std::string out;
    out.reserve(256 + 512 * record.tasks.size());
    out += R"({"state":)"sv;
    append_string(out, record.state);
    out += R"(,"last_event":)"sv;
    output::append_datetime_string(out, record.last_event);
    out += R"(,"applied":[)"sv;
    for (std::size_t i = 0; i < record.applied.size(); ++i) {
        if (i != 0) out += ',';
        append_string(out, record.applied[i]);
    }
    out += R"(],"tasks":[)"sv;
    for (std::size_t i = 0; i < record.tasks.size(); ++i) {
        const auto& t = record.tasks[i];
        out += i == 0 ? R"({"id":)"sv : R"(,{"id":)"sv;
        append_string(out, t.id);
        out += R"(,"task":)"sv;
        append_string(out, t.task);
        out += R"(,"event":)"sv;
        append_string(out, t.event);
        out += R"(,"event_time":)"sv;
        output::append_datetime_string(out, t.event_time);
        output::append_due(out, t.due, t.due_time, t.action, t.reason, t.source);
        out += '}';
    }
    out += "]}"sv;
    return out;
}

}  // namespace carecoord
