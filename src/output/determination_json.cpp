// The determination as JSON (docs/determination.md), and the JSON primitives the other
// writers share (output/json_writer.hpp).
#include <cstdint>
#include <cstring>

#include "carecoord/determination.hpp"
#include "output/json_writer.hpp"
#include "time/calendar.hpp"

namespace carecoord {

namespace output {

namespace {

using namespace std::string_view_literals;

// For each byte: 0 to copy it, else the letter after the backslash ('u' for \u00XX).
constexpr auto kEscape = [] {
    struct Table {
        char letter[256] = {};
    } t;
    for (int c = 0; c < 0x20; ++c) t.letter[c] = 'u';
    t.letter[static_cast<unsigned char>('\n')] = 'n';
    t.letter[static_cast<unsigned char>('\r')] = 'r';
    t.letter[static_cast<unsigned char>('\t')] = 't';
    t.letter[static_cast<unsigned char>('"')] = '"';
    t.letter[static_cast<unsigned char>('\\')] = '\\';
    return t;
}();

// Whether any of the eight bytes of `x` needs escaping: a byte below 0x20, '"' or '\'
// (the "has less" and "has zero byte" word tricks; exact for "any", which is all we ask).
constexpr std::uint64_t kOnes = 0x0101010101010101ull, kHighs = 0x8080808080808080ull;
constexpr std::uint64_t has_zero_byte(std::uint64_t v) { return (v - kOnes) & ~v & kHighs; }
constexpr bool needs_escape(std::uint64_t x) {
    return (((x - kOnes * 0x20) & ~x & kHighs) | has_zero_byte(x ^ (kOnes * '"')) | has_zero_byte(x ^ (kOnes * '\\'))) != 0;
}

}  // namespace

void append_escaped(std::string& out, std::string_view s) {
    static constexpr char hex[] = "0123456789abcdef";
    const char* p = s.data();
    const char* const end = p + s.size();
    const char* run = p;  // start of the bytes not yet copied
    while (p != end) {
        if (end - p >= 8) {
            std::uint64_t word;
            std::memcpy(&word, p, sizeof word);
            if (!needs_escape(word)) {
                p += 8;
                continue;
            }
        }
        const auto c = static_cast<unsigned char>(*p);
        const char letter = kEscape.letter[c];
        if (letter == 0) {
            ++p;
            continue;
        }
        out.append(run, static_cast<std::size_t>(p - run));
        if (letter == 'u') {
            const char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            out.append(esc, sizeof esc);
        } else {
            const char esc[2] = {'\\', letter};
            out.append(esc, sizeof esc);
        }
        run = ++p;
    }
    out.append(run, static_cast<std::size_t>(end - run));
}

void append_date_string(std::string& out, Date d) {
    out += '"';
    time::append_date(out, d);
    out += '"';
}

void append_datetime_string(std::string& out, const std::optional<DateTime>& t) {
    if (!t) {
        out += "null"sv;
        return;
    }
    out += '"';
    time::append_datetime(out, *t);
    out += '"';
}

void append_due(std::string& out, Date due, const std::optional<DateTime>& due_time, std::string_view action,
                std::string_view reason, std::string_view source) {
    out += R"(,"due":)"sv;
    append_date_string(out, due);
    out += R"(,"due_time":)"sv;
    append_datetime_string(out, due_time);
    out += R"(,"action":)"sv;
    append_string(out, action);
    out += R"(,"reason":)"sv;
    append_string(out, reason);
    out += R"(,"source":)"sv;
    append_string(out, source);
}

void append_rulesets(std::string& out, const std::vector<RulesetRef>& rulesets) {
    out += '[';
    for (std::size_t i = 0; i < rulesets.size(); ++i) {
        const auto& r = rulesets[i];
        out += i == 0 ? R"({"id":)"sv : R"(,{"id":)"sv;
        append_string(out, r.id);
        out += R"(,"version":)"sv;
        append_string(out, r.version);
        out += R"(,"sha256":)"sv;
        append_string(out, r.sha256);
        out += '}';
    }
    out += ']';
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

using namespace std::string_view_literals;
using output::append_string;

void matches(std::string& out, const std::vector<RuleMatch>& ms) {
    out += '[';
    for (std::size_t i = 0; i < ms.size(); ++i) {
        out += i == 0 ? R"({"rule":)"sv : R"(,{"rule":)"sv;
        append_string(out, ms[i].rule_id);
        out += R"(,"reason":)"sv;
        append_string(out, ms[i].reason);
        out += R"(,"source":)"sv;
        append_string(out, ms[i].source);
        out += '}';
    }
    out += ']';
}

void strings(std::string& out, const std::vector<std::string>& xs) {
    out += '[';
    for (std::size_t i = 0; i < xs.size(); ++i) {
        if (i != 0) out += ',';
        append_string(out, xs[i]);
    }
    out += ']';
}

}  // namespace

std::string to_json(const Determination& d) {
    std::string out;
    out.reserve(2048);
    out += R"({"patient_id":)"sv;
    append_string(out, d.patient_id);
    out += R"(,"as_of":)"sv;
    output::append_date_string(out, d.as_of);
    out += R"(,"engine_version":)"sv;
    append_string(out, d.engine_version);
    out += R"(,"rulesets":)"sv;
    output::append_rulesets(out, d.rulesets);
    out += R"(,"rulesets_not_in_force":)"sv;
    strings(out, d.rulesets_not_in_force);
    out += R"(,"tier":{"id":)"sv;
    append_string(out, d.tier.tier);
    out += d.tier.by_default ? R"(,"by_default":true,"matched":)"sv : R"(,"by_default":false,"matched":)"sv;
    matches(out, d.tier.matched);
    out += R"(},"flags":[)"sv;
    for (std::size_t i = 0; i < d.flags.size(); ++i) {
        out += i == 0 ? R"({"id":)"sv : R"(,{"id":)"sv;
        append_string(out, d.flags[i].id);
        out += R"(,"matched":)"sv;
        matches(out, d.flags[i].matched);
        out += '}';
    }
    out += R"(],"programs":[)"sv;
    for (std::size_t i = 0; i < d.programs.size(); ++i) {
        const auto& p = d.programs[i];
        out += i == 0 ? R"({"id":)"sv : R"(,{"id":)"sv;
        append_string(out, p.id);
        out += R"(,"status":")"sv;
        out += to_string(p.status);
        out += R"(","reason":)"sv;
        append_string(out, p.reason);
        out += R"(,"source":)"sv;
        append_string(out, p.source);
        out += R"(,"missing":)"sv;
        strings(out, p.missing);
        out += '}';
    }
    out += R"(],"triggers":[)"sv;
    for (std::size_t i = 0; i < d.triggers.size(); ++i) {
        const auto& t = d.triggers[i];
        out += i == 0 ? R"({"id":)"sv : R"(,{"id":)"sv;
        append_string(out, t.id);
        out += R"(,"status":")"sv;
        out += to_string(t.status);
        out += R"(","anchor":)"sv;
        output::append_date_string(out, t.anchor);
        output::append_due(out, t.due, t.due_time, t.action, t.reason, t.source);
        out += '}';
    }
    out += R"(],"missing":)"sv;
    strings(out, d.missing);
    if (!d.facts.empty()) {
        out += R"(,"facts":{)"sv;
        for (std::size_t i = 0; i < d.facts.size(); ++i) {
            if (i != 0) out += ',';
            append_string(out, d.facts[i].name);
            out += ':';
            append_string(out, d.facts[i].value);
        }
        out += '}';
    }
    // Added in 0.2 after every key that existed (docs/determination.md: new keys go last).
    out += R"(,"deceased":)"sv;
    if (d.deceased) output::append_date_string(out, *d.deceased);
    else out += "null"sv;
    out += '}';
    return out;
}

}  // namespace carecoord
