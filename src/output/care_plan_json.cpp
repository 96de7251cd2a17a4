// A care-plan record as JSON (carecoord plan, the C interface and the bindings).
#include "carecoord/care_plan.hpp"
#include "output/json_writer.hpp"
#include "time/calendar.hpp"

namespace carecoord {

std::string to_json(const CarePlanRecord& record) {
    std::string out;
    output::JsonWriter w(out);
    w.begin_object();
    w.key("state");
    w.value(record.state);
    w.key("last_event");
    if (record.last_event) w.value(time::format_datetime(*record.last_event));
    else w.null();
    w.key("applied");
    w.begin_array();
    for (const auto& a : record.applied) w.value(a);
    w.end_array();
    w.key("tasks");
    w.begin_array();
    for (const auto& t : record.tasks) {
        w.begin_object();
        w.key("id");
        w.value(t.id);
        w.key("task");
        w.value(t.task);
        w.key("event");
        w.value(t.event);
        w.key("event_time");
        w.value(time::format_datetime(t.event_time));
        w.key("due");
        w.value(time::format_date(t.due));
        w.key("due_time");
        if (t.due_time) w.value(time::format_datetime(*t.due_time));
        else w.null();
        w.key("action");
        w.value(t.action);
        w.key("reason");
        w.value(t.reason);
        w.key("source");
        w.value(t.source);
        w.end_object();
    }
    w.end_array();
    w.end_object();
    return out;
}

}  // namespace carecoord
