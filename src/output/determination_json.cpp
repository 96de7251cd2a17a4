#include "carecoord/determination.hpp"
#include "output/json_writer.hpp"
#include "time/calendar.hpp"

namespace carecoord {

namespace output {

void JsonWriter::escape(std::string_view s, std::string& out) {
    static constexpr char hex[] = "0123456789abcdef";
    for (char ch : s) {
        auto c = static_cast<unsigned char>(ch);
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            default:
                if (c < 0x20) {
                    out += "\\u00";
                    out += hex[c >> 4];
                    out += hex[c & 15];
                } else {
                    out += ch;
                }
        }
    }
}

void write_rulesets(JsonWriter& w, const std::vector<RulesetRef>& rulesets) {
    w.begin_array();
    for (const auto& r : rulesets) {
        w.begin_object();
        w.key("id");
        w.value(r.id);
        w.key("version");
        w.value(r.version);
        w.key("sha256");
        w.value(r.sha256);
        w.end_object();
    }
    w.end_array();
}

}  // namespace output

std::string_view to_string(Eligibility e) {
    switch (e) {
        case Eligibility::eligible: return "eligible";
        case Eligibility::not_eligible: return "not_eligible";
        case Eligibility::unknown: return "unknown";
    }
    return "unknown";
}

std::string_view to_string(TriggerStatus s) { return s == TriggerStatus::open ? "open" : "overdue"; }

namespace {

void matches(output::JsonWriter& w, const std::vector<RuleMatch>& ms) {
    w.begin_array();
    for (const auto& m : ms) {
        w.begin_object();
        w.key("rule");
        w.value(m.rule_id);
        w.key("reason");
        w.value(m.reason);
        w.key("source");
        w.value(m.source);
        w.end_object();
    }
    w.end_array();
}

void strings(output::JsonWriter& w, const std::vector<std::string>& xs) {
    w.begin_array();
    for (const auto& x : xs) w.value(x);
    w.end_array();
}

}  // namespace

std::string to_json(const Determination& d) {
    std::string out;
    out.reserve(1024);
    output::JsonWriter w(out);
    w.begin_object();
    w.key("patient_id");
    w.value(d.patient_id);
    w.key("as_of");
    w.value(time::format_date(d.as_of));
    w.key("engine_version");
    w.value(d.engine_version);
    w.key("rulesets");
    output::write_rulesets(w, d.rulesets);
    w.key("rulesets_not_in_force");
    strings(w, d.rulesets_not_in_force);
    w.key("tier");
    w.begin_object();
    w.key("id");
    w.value(d.tier.tier);
    w.key("by_default");
    w.value(d.tier.by_default);
    w.key("matched");
    matches(w, d.tier.matched);
    w.end_object();
    w.key("flags");
    w.begin_array();
    for (const auto& f : d.flags) {
        w.begin_object();
        w.key("id");
        w.value(f.id);
        w.key("matched");
        matches(w, f.matched);
        w.end_object();
    }
    w.end_array();
    w.key("programs");
    w.begin_array();
    for (const auto& p : d.programs) {
        w.begin_object();
        w.key("id");
        w.value(p.id);
        w.key("status");
        w.value(to_string(p.status));
        w.key("reason");
        w.value(p.reason);
        w.key("source");
        w.value(p.source);
        w.key("missing");
        strings(w, p.missing);
        w.end_object();
    }
    w.end_array();
    w.key("triggers");
    w.begin_array();
    for (const auto& t : d.triggers) {
        w.begin_object();
        w.key("id");
        w.value(t.id);
        w.key("status");
        w.value(to_string(t.status));
        w.key("anchor");
        w.value(time::format_date(t.anchor));
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
    w.key("missing");
    strings(w, d.missing);
    if (!d.facts.empty()) {
        w.key("facts");
        w.begin_object();
        for (const auto& f : d.facts) {
            w.key(f.name);
            w.value(f.value);
        }
        w.end_object();
    }
    // Added in 0.2 after every key that existed (docs/determination.md: new keys go last).
    w.key("deceased");
    if (d.deceased) w.value(time::format_date(*d.deceased));
    else w.null();
    w.end_object();
    return out;
}

}  // namespace carecoord
