// JSON output: strings escaped per RFC 8259, written straight into one std::string.
//
// Two ways to write: the JsonWriter below (keys in the order they are written, commas
// placed for you) for documents of varying shape, and the append_* functions for the fixed
// shapes written once per record (determinations, care-plan records), whose constant parts
// (`,"as_of":"`) are appended as literals rather than key by key.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "carecoord/determination.hpp"

namespace carecoord::output {

// Appends `s` escaped (no quotes): `"` and `\` escaped, \n \r \t by their short forms, other
// bytes below 0x20 as \u00XX; everything else, UTF-8 included, copied in runs.
void append_escaped(std::string& out, std::string_view s);

// `"s"`, escaped.
inline void append_string(std::string& out, std::string_view s) {
    out += '"';
    append_escaped(out, s);
    out += '"';
}

// `"YYYY-MM-DD"` and `"YYYY-MM-DDTHH:MM"`; `null` for an absent date-time.
void append_date_string(std::string& out, Date d);
void append_datetime_string(std::string& out, const std::optional<DateTime>& t);

// The tail that triggers and care-plan tasks share, after their own keys:
//   ,"due":"…","due_time":"…"|null,"action":"…","reason":"…","source":"…"
void append_due(std::string& out, Date due, const std::optional<DateTime>& due_time, std::string_view action,
                std::string_view reason, std::string_view source);

// The rulesets a determination used, as determinations and `carecoord diff` write them:
// [{"id", "version", "sha256"}...].
void append_rulesets(std::string& out, const std::vector<RulesetRef>& rulesets);

class JsonWriter {
public:
    explicit JsonWriter(std::string& out) : out_(out) {}
    void begin_object() { comma(); out_ += '{'; first_ = true; }
    void end_object() { out_ += '}'; first_ = false; }
    void begin_array() { comma(); out_ += '['; first_ = true; }
    void end_array() { out_ += ']'; first_ = false; }
    void key(std::string_view k) { comma(); append_string(out_, k); out_ += ':'; first_ = true; }
    void value(std::string_view s) { comma(); append_string(out_, s); }
    void value(const char* s) { value(std::string_view(s)); }
    void value(bool b) { comma(); out_ += b ? "true" : "false"; }
    void value(long long n) { comma(); out_ += std::to_string(n); }
    void null() { comma(); out_ += "null"; }
    // A number that need not be an integer (shortest form that reads back the same).
    void number(double d);
    // A value that is already JSON text (a nested document written by another writer).
    void raw(std::string_view json) { comma(); out_ += json; }
    // The output, at the place of the next value, for the append_* functions above.
    std::string& value_slot() { comma(); return out_; }

    static void escape(std::string_view s, std::string& out) { append_escaped(out, s); }

private:
    void comma() {
        if (!first_) out_ += ',';
        first_ = false;
    }
    std::string& out_;
    bool first_ = true;
};

inline void write_rulesets(JsonWriter& w, const std::vector<RulesetRef>& rulesets) {
    append_rulesets(w.value_slot(), rulesets);
}

}  // namespace carecoord::output
