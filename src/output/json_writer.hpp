// A minimal JSON writer: keys in the order they are written, strings escaped per RFC 8259.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "carecoord/determination.hpp"

namespace carecoord::output {

class JsonWriter {
public:
    explicit JsonWriter(std::string& out) : out_(out) {}
    void begin_object() { comma(); out_ += '{'; first_ = true; }
    void end_object() { out_ += '}'; first_ = false; }
    void begin_array() { comma(); out_ += '['; first_ = true; }
    void end_array() { out_ += ']'; first_ = false; }
    void key(std::string_view k) { comma(); string_raw(k); out_ += ':'; first_ = true; }
    void value(std::string_view s) { comma(); string_raw(s); }
    void value(const char* s) { value(std::string_view(s)); }
    void value(bool b) { comma(); out_ += b ? "true" : "false"; }
    void value(long long n) { comma(); out_ += std::to_string(n); }
    void null() { comma(); out_ += "null"; }
    // A number that need not be an integer (shortest form that reads back the same).
    void number(double d);
    // A value that is already JSON text (a nested document written by another writer).
    void raw(std::string_view json) { comma(); out_ += json; }

    static void escape(std::string_view s, std::string& out);

private:
    void comma() {
        if (!first_) out_ += ',';
        first_ = false;
    }
    void string_raw(std::string_view s) {
        out_ += '"';
        escape(s, out_);
        out_ += '"';
    }
    std::string& out_;
    bool first_ = true;
};

// The rulesets a determination used, as determinations and `carecoord diff` write them:
// [{"id", "version", "sha256"}...].
void write_rulesets(JsonWriter& w, const std::vector<RulesetRef>& rulesets);

}  // namespace carecoord::output
