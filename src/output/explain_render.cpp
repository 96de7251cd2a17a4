// An explanation as text (what `carecoord explain` prints) and as JSON (its structured form,
// for the C interface and the bindings). Both come from the one Explanation, so the two
// forms never disagree.
#include <charconv>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <system_error>

#include "carecoord/explain.hpp"
#include "output/json_writer.hpp"
#include "time/calendar.hpp"

namespace carecoord {

namespace output {

void JsonWriter::number(double d) {
    comma();
    if (!std::isfinite(d)) {  // JSON has no NaN or infinity
        out_ += "null";
        return;
    }
    char buf[32];
    auto r = std::to_chars(buf, buf + sizeof buf, d);
    out_.append(buf, r.ec == std::errc{} ? r.ptr : buf);
}

}  // namespace output

namespace {

// printf into a std::string (the text form keeps the CLI's column layout).
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
void appendf(std::string& out, const char* fmt, ...) {
    va_list args;
    va_start(args, fmt);
    va_list again;
    va_copy(again, args);
    int n = std::vsnprintf(nullptr, 0, fmt, args);
    va_end(args);
    if (n > 0) {
        std::size_t at = out.size();
        out.resize(at + static_cast<std::size_t>(n) + 1);
        std::vsnprintf(out.data() + at, static_cast<std::size_t>(n) + 1, fmt, again);
        out.resize(at + static_cast<std::size_t>(n));
    }
    va_end(again);
}

void rule_lines(std::string& out, const Explanation& ex, const std::string& kind) {
    for (const auto& r : ex.rules) {
        if (r.kind != kind) continue;
        const char* mark = r.result == "true" ? "[x]" : r.result == "false" ? "[ ]" : "[?]";
        appendf(out, "  %s %s -> %s\n", mark, r.id.c_str(), r.target.c_str());
        for (const auto& c : r.conditions) {
            appendf(out, "        %-7s %s", c.result.c_str(), c.text.c_str());
            if (!c.op.empty()) appendf(out, "   (%s %s %s)", c.left.c_str(), c.op.c_str(), c.right.c_str());
            out += '\n';
        }
    }
}

// The display the data recorded, for a line of text: it comes from outside (an EHR's FHIR
// coding), so a control character (a newline, an escape sequence) becomes a space rather
// than break the layout or reach the terminal.
std::string recorded_text(const std::string& s) {
    std::string out = s;
    for (char& c : out)
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
    return out;
}

// A code's title for the text: the value sets' display, else the recorded one, quoted and
// marked ("\"Diabetes mellitus type 2 (disorder)\" (as recorded)"), else empty.
std::string title_of_code(const CodeNote& c) {
    if (!c.display.empty()) return c.display;
    if (!c.recorded_display.empty()) return "\"" + recorded_text(c.recorded_display) + "\" (as recorded)";
    return {};
}

// A fact's value with each condition code's display beside it: "E11.65 (Type 2 diabetes
// mellitus with hyperglycemia), I10". Only a value that is a list of the patient's condition
// codes (how the evaluator prints a list of conditions: codes joined by ", ") is changed, so
// a text fact that happens to hold a code-like word is printed as it is.
std::string with_displays(const std::string& value, const std::vector<CodeNote>& codes) {
    std::vector<std::string> items;
    for (std::size_t at = 0;;) {
        std::size_t comma = value.find(", ", at);
        items.push_back(value.substr(at, comma == std::string::npos ? std::string::npos : comma - at));
        if (comma == std::string::npos) break;
        at = comma + 2;
    }
    std::vector<const CodeNote*> notes;
    bool any_display = false;
    for (const auto& item : items) {
        const CodeNote* note = nullptr;
        for (const auto& c : codes)
            if (c.code == item) {
                note = &c;
                break;
            }
        if (!note) return value;
        any_display = any_display || !title_of_code(*note).empty();
        notes.push_back(note);
    }
    if (!any_display) return value;
    std::string out;
    for (std::size_t i = 0; i < items.size(); ++i) {
        if (i) out += ", ";
        out += items[i];
        if (std::string title = title_of_code(*notes[i]); !title.empty()) out += " (" + title + ")";
    }
    return out;
}

}  // namespace

std::string to_text(const Explanation& ex, bool with_facts) {
    std::string out;
    const Determination& d = ex.determination;
    // Citations by title: "[seed_decision_boundaries]" reads as "Care Coordination and Case
    // Management in Healthcare (seed), Decision boundaries".
    auto title_of = [&](const std::string& source) {
        for (const auto& c : ex.citations)
            if (c.id == source) return c.title;
        return source;
    };
    auto name_of = [&](const std::string& program) {
        for (const auto& r : ex.rules)
            if (r.kind == "program" && r.id == program && !r.name.empty()) return r.name + " (" + program + ")";
        return program;
    };

    // 1. For the care manager: tier and why, programs, what is due.
    appendf(out, "Patient %s as of %s\n\n", d.patient_id.c_str(), time::format_date(d.as_of).c_str());
    out += "Summary\n";
    if (d.deceased)
        appendf(out, "  Deceased %s: off every worklist (the lowest tier, no flag, program or trigger)\n",
                time::format_date(*d.deceased).c_str());
    // The reasons of the rules that decided the tier (lower tiers' matches are in the detail).
    std::vector<std::string> because;
    for (const auto& m : d.tier.matched)
        for (const auto& r : ex.rules)
            if (r.kind == "tier" && r.id == m.rule_id && r.target == d.tier.tier) because.push_back(m.reason);
    if (d.tier.by_default || because.empty()) appendf(out, "  Tier: %s (no tier rule matched: the default)\n", d.tier.tier.c_str());
    else appendf(out, "  Tier: %s, because %s\n", d.tier.tier.c_str(), because.front().c_str());
    for (std::size_t i = 1; i < because.size(); ++i) appendf(out, "        and %s\n", because[i].c_str());
    std::size_t eligible = 0;
    for (const auto& p : d.programs)
        if (p.status == Eligibility::eligible) appendf(out, "  %s %s\n", eligible++ ? "             " : "Eligible for:", name_of(p.id).c_str());
    if (!eligible) out += "  Eligible for: no program\n";
    std::size_t unknown = 0;
    for (const auto& p : d.programs)
        if (p.status == Eligibility::unknown)
            appendf(out, "  %s %s\n", unknown++ ? "                          " : "Not known (data missing):", name_of(p.id).c_str());
    if (d.triggers.empty()) out += "  Due: nothing\n";
    for (const auto& t : d.triggers)
        appendf(out, "  Due: %s by %s%s%s\n", t.action.empty() ? t.id.c_str() : t.action.c_str(), time::format_date(t.due).c_str(),
                t.due_time ? (" " + time::format_datetime(*t.due_time).substr(11)).c_str() : "",
                t.status == TriggerStatus::overdue ? " (overdue)" : "");
    // The codes beside what the rulesets make of them: a care manager reads "heart failure",
    // not I50.22.
    // With a display (the value sets' `displays:`), the code's title comes first and what
    // the rulesets make of it on the line below. Without one, the display the data recorded
    // (a FHIR coding's), quoted and marked as such: it is the EHR's text, not a code title.
    if (!ex.codes.empty()) out += "  Conditions:\n";
    for (const auto& c : ex.codes) {
        std::string what;
        for (const auto& v : c.valuesets) what += (what.empty() ? "" : "; ") + v;
        if (what.empty()) what = "(in no value set)";
        const std::string title = title_of_code(c);
        if (title.empty()) {
            appendf(out, "    %-10s %-8s %s\n", c.code.c_str(), c.system.c_str(), what.c_str());
        } else {
            appendf(out, "    %-10s %-8s %s\n", c.code.c_str(), c.system.c_str(), title.c_str());
            appendf(out, "    %-10s %-8s %s\n", "", "", what.c_str());
        }
    }
    out += "\n  Rulesets:";
    for (const auto& r : d.rulesets) appendf(out, " %s %s", r.id.c_str(), r.version.c_str());
    out += "\n";

    // 2. For the analyst: why, rule by rule.
    appendf(out, "\nTier: %s%s\n", d.tier.tier.c_str(), d.tier.by_default ? " (no tier rule matched: the default)" : "");
    if (d.deceased)
        appendf(out, "  deceased %s: off every worklist (the lowest tier, no flag, program or trigger), whatever the rules below say\n",
                time::format_date(*d.deceased).c_str());
    for (const auto& m : d.tier.matched) {
        appendf(out, "  - %s: %s\n", m.rule_id.c_str(), m.reason.c_str());
        if (!m.source.empty()) appendf(out, "      source: %s\n", title_of(m.source).c_str());
    }
    appendf(out, "\nFlags:%s\n", d.flags.empty() ? " none" : "");
    for (const auto& f : d.flags)
        for (const auto& m : f.matched) appendf(out, "  - %s (%s): %s\n", f.id.c_str(), m.rule_id.c_str(), m.reason.c_str());
    // Every tier rule with the values that decided it, then the nearest change of tier.
    out += "\nTier rules ([x] matched, [ ] did not, [?] unknown: data missing):\n";
    rule_lines(out, ex, "tier");
    appendf(out, "\nNearest boundary:%s\n",
            ex.nearest.empty() ? " none (no single numeric condition moves the patient to a higher tier)" : "");
    for (const auto& b : ex.nearest)
        appendf(out, "  %s: %s would match with %s in %s (now %s)\n", b.tier.c_str(), b.rule.c_str(), b.needs.c_str(),
                b.condition.c_str(), b.now.c_str());
    out += "\nFlag rules:\n";
    rule_lines(out, ex, "flag");
    out += "\nPrograms:\n";
    for (const auto& p : d.programs) {
        appendf(out, "  %-22s %-13s %s\n", p.id.c_str(), std::string(to_string(p.status)).c_str(), p.reason.c_str());
        for (const auto& m : p.missing) appendf(out, "  %-22s %-13s missing: %s\n", "", "", m.c_str());
        if (!p.source.empty()) appendf(out, "  %-22s %-13s source: %s\n", "", "", title_of(p.source).c_str());
    }
    appendf(out, "\nTriggers due:%s\n", d.triggers.empty() ? " none" : "");
    for (const auto& t : d.triggers) {
        appendf(out, "  %-32s %-8s due %s%s%s (from %s): %s\n", t.id.c_str(), std::string(to_string(t.status)).c_str(),
                time::format_date(t.due).c_str(), t.due_time ? " at " : "",
                t.due_time ? time::format_datetime(*t.due_time).substr(11).c_str() : "",
                time::format_date(t.anchor).c_str(), t.action.c_str());
        if (!t.source.empty()) appendf(out, "  %-32s source: %s\n", "", title_of(t.source).c_str());
    }
    if (!d.missing.empty()) {
        out += "\nMissing data:\n";
        for (const auto& m : d.missing) appendf(out, "  %s\n", m.c_str());
    }
    if (with_facts) {
        out += "\nFacts:\n";
        for (const auto& f : d.facts) appendf(out, "  %-44s = %s\n", f.name.c_str(), with_displays(f.value, ex.codes).c_str());
    } else {
        appendf(out, "\n(%zu facts: --facts lists them with their values)\n", d.facts.size());
    }
    return out;
}

std::string to_json(const Explanation& ex) {
    std::string out;
    output::JsonWriter w(out);
    w.begin_object();
    w.key("determination");
    w.raw(to_json(ex.determination));
    w.key("rules");
    w.begin_array();
    for (const auto& r : ex.rules) {
        w.begin_object();
        w.key("kind");
        w.value(r.kind);
        w.key("id");
        w.value(r.id);
        w.key("target");
        w.value(r.target);
        w.key("result");
        w.value(r.result);
        w.key("conditions");
        w.begin_array();
        for (const auto& c : r.conditions) {
            w.begin_object();
            w.key("text");
            w.value(c.text);
            w.key("result");
            w.value(c.result);
            if (!c.op.empty()) {
                w.key("left");
                w.value(c.left);
                w.key("op");
                w.value(c.op);
                w.key("right");
                w.value(c.right);
                w.key("gap");
                w.number(c.gap);
            }
            w.end_object();
        }
        w.end_array();
        w.end_object();
    }
    w.end_array();
    w.key("codes");
    w.begin_array();
    for (const auto& c : ex.codes) {
        w.begin_object();
        w.key("code");
        w.value(c.code);
        w.key("system");
        w.value(c.system);
        if (!c.display.empty()) {
            w.key("display");
            w.value(c.display);
        }
        if (!c.recorded_display.empty()) {
            w.key("recorded_display");
            w.value(c.recorded_display);
        }
        w.key("valuesets");
        w.begin_array();
        for (const auto& v : c.valuesets) w.value(v);
        w.end_array();
        w.end_object();
    }
    w.end_array();
    w.key("nearest");
    w.begin_array();
    for (const auto& b : ex.nearest) {
        w.begin_object();
        w.key("tier");
        w.value(b.tier);
        w.key("rule");
        w.value(b.rule);
        w.key("condition");
        w.value(b.condition);
        w.key("now");
        w.value(b.now);
        w.key("needs");
        w.value(b.needs);
        w.key("gap");
        w.number(b.gap);
        w.end_object();
    }
    w.end_array();
    w.end_object();
    return out;
}

}  // namespace carecoord
