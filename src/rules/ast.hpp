// The syntax tree of one rule-language expression, as the parser produces it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace carecoord::rules {

enum class DurationUnit : std::uint8_t { minutes, hours, days, weeks, months, years, business_days };

struct Duration {
    std::int32_t amount = 0;
    DurationUnit unit = DurationUnit::days;
    // Hours and minutes are clock time; everything else moves whole calendar days.
    bool is_clock() const { return unit == DurationUnit::minutes || unit == DurationUnit::hours; }
};

struct Expr {
    enum class Kind : std::uint8_t {
        number, string, boolean, date, datetime, duration, list,
        name,    // text = the name
        member,  // kids[0] . text
        unary,   // text = "-" or "not"; kids[0]
        binary,  // text = operator ("+", "==", "and", "in", "not in", ...); kids[0], kids[1]
        call,    // text = function name; kids = arguments
        where,   // kids[0] where kids[1]
        cond,    // if kids[0] then kids[1] else kids[2]
    };
    Kind kind = Kind::number;
    int offset = 0;             // byte offset of the expression's first token in the source text
    int begin = 0;              // the span of its text: begin is its first sub-expression's start
    int end = 0;                // (offset is the operator, for errors); end is just past its last token
    double number = 0;          // number literal; boolean literal as 0/1
    std::int64_t ival = 0;      // date literal: days since 1970-01-01; datetime: minutes since then
    Duration duration;
    std::string text;
    std::vector<Expr> kids;
};

struct ParseError {
    int offset = 0;
    std::string message;
    bool over_limit = false;  // a limit was hit (E0105), not a syntax error (E0401)
};

struct ParseLimits {
    std::size_t max_depth = 64;
    std::size_t max_nodes = 100000;
};

}  // namespace carecoord::rules
