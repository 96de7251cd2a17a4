#include "workflow/event_log.hpp"

#include <charconv>
#include <cmath>

#include "time/calendar.hpp"
#include "util/codes.hpp"
#include "util/diagnostics.hpp"

namespace carecoord::workflow {

namespace {

using yaml::YamlNode;

// E0718: the log's structure; E0719: a key the log format does not have (docs/errors.md).
Diagnostic at(std::string_view file, const YamlNode& n, const char* code, std::string message, std::string path) {
    return util::make(code, std::move(message)).file(std::string(file)).at(n.mark.line, n.mark.column).field(std::move(path)).build();
}

std::optional<double> plain_number(const YamlNode& n) {
    if (n.quoted || n.scalar.empty()) return std::nullopt;
    const std::string& s = n.scalar;
    double v = 0;
    auto r = std::from_chars(s.data(), s.data() + s.size(), v);
    if (r.ec != std::errc{} || r.ptr != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
    return v;
}

void decode_payload(const YamlNode& node, const std::string& path, std::string_view file, CarePlanEvent& event,
                    std::vector<Diagnostic>& errors) {
    if (!node.is_mapping()) {
        errors.push_back(at(file, node, codes::event_log_malformed, "must be a mapping of field names to values", path));
        return;
    }
    for (const auto& e : node.entries) {
        const std::string field = path + "." + e.key.scalar;
        const YamlNode& v = e.value;
        if (!v.is_scalar()) {
            errors.push_back(at(file, v, codes::event_log_malformed, "must be a number, boolean or string", field));
            continue;
        }
        if (!v.quoted && (v.scalar == "true" || v.scalar == "false")) event.payload[e.key.scalar] = v.scalar == "true";
        else if (auto x = plain_number(v)) event.payload[e.key.scalar] = *x;
        else event.payload[e.key.scalar] = v.scalar;
    }
}

}  // namespace

Result<EventLog> decode_event_log(const YamlNode& root, std::string_view file) {
    EventLog log;
    std::vector<Diagnostic> errors;
    const YamlNode* events = &root;
    if (root.is_mapping()) {
        for (const auto& e : root.entries)
            if (e.key.scalar != "workflow" && e.key.scalar != "events" && e.key.scalar != "description")
                errors.push_back(at(file, e.key, codes::event_log_unknown_key, "unknown key in an event log (it has workflow, events, description)",
                                    e.key.scalar));
        if (const YamlNode* w = root.find("workflow")) {
            if (w->is_scalar() && !w->scalar.empty()) log.workflow = w->scalar;
            else errors.push_back(at(file, *w, codes::event_log_malformed, "must be a ruleset id", "workflow"));
        }
        events = root.find("events");
        if (!events) {
            errors.push_back(at(file, root, codes::event_log_malformed, "an event log needs events: a list", "events"));
            return errors;
        }
    }
    if (!events->is_sequence()) {
        errors.push_back(at(file, *events, codes::event_log_malformed, "must be a list of events (an event log is a list, or a mapping with events:)", "events"));
        return errors;
    }
    for (std::size_t i = 0; i < events->items.size(); ++i) {
        const YamlNode& n = events->items[i];
        const std::string path = "events[" + std::to_string(i) + "]";
        if (!n.is_mapping()) {
            errors.push_back(at(file, n, codes::event_log_malformed, "must be a mapping with type and time", path));
            continue;
        }
        CarePlanEvent event;
        for (const auto& e : n.entries)
            if (e.key.scalar != "type" && e.key.scalar != "time" && e.key.scalar != "payload")
                errors.push_back(at(file, e.key, codes::event_log_unknown_key, "unknown key in an event (it has type, time, payload)",
                                    path + "." + e.key.scalar));
        const YamlNode* type = n.find("type");
        if (type && type->is_scalar() && !type->scalar.empty()) event.type = type->scalar;
        else errors.push_back(at(file, type ? *type : n, codes::event_log_malformed, "must be an event name", path + ".type"));
        const YamlNode* t = n.find("time");
        std::optional<DateTime> time = t && t->is_scalar() ? time::parse_datetime(t->scalar) : std::nullopt;
        if (time) event.time = *time;
        else errors.push_back(at(file, t ? *t : n, codes::event_log_malformed, "must be a date-time YYYY-MM-DDTHH:MM", path + ".time"));
        if (const YamlNode* p = n.find("payload"); p && !p->is_null()) decode_payload(*p, path + ".payload", file, event, errors);
        log.events.push_back(std::move(event));
        log.marks.push_back(n.mark);
    }
    if (!errors.empty()) return errors;
    return log;
}

Result<EventLog> parse_event_log(std::string_view text, std::string_view file) {
    auto tree = yaml::parse_yaml(text, file);
    if (!tree.ok()) return tree.diagnostics();
    return decode_event_log(*tree, file);
}

}  // namespace carecoord::workflow
