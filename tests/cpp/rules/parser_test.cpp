// The expression parser (docs/ruleset-language.md, "Expressions"): literals, operator
// precedence from `if` and `where` (lowest) to `.` (highest), and errors at their offset.
#include <doctest/doctest.h>

#include <string>
#include <variant>

#include "rules/parser.hpp"
#include "support/test_support.hpp"

using carecoord::rules::DurationUnit;
using carecoord::rules::Expr;
using carecoord::rules::parse_expression;
using carecoord::rules::ParseError;
using carecoord::rules::ParseLimits;

namespace {

std::string show(const Expr& e);

std::string show_kids(const Expr& e, std::size_t from = 0) {
    std::string out;
    for (std::size_t i = from; i < e.kids.size(); ++i) out += " " + show(e.kids[i]);
    return out;
}

// The tree as an s-expression: (op left right), names bare, literals tagged.
std::string show(const Expr& e) {
    using K = Expr::Kind;
    switch (e.kind) {
        case K::number: {
            std::string s = std::to_string(e.number);
            s.erase(s.find_last_not_of('0') + 1);
            if (s.back() == '.') s.pop_back();
            return s;
        }
        case K::string: return "\"" + e.text + "\"";
        case K::boolean: return e.number != 0 ? "true" : "false";
        case K::date: return "date:" + carecoord::time::format_date(carecoord::Date{std::chrono::days{e.ival}});
        case K::datetime:
            return "datetime:" + carecoord::time::format_datetime(carecoord::DateTime{std::chrono::minutes{e.ival}});
        case K::duration: {
            static constexpr const char* units[] = {"min", "h", "d", "w", "mo", "y", "bd"};
            return std::to_string(e.duration.amount) + units[static_cast<int>(e.duration.unit)];
        }
        case K::list: return "[" + (e.kids.empty() ? std::string() : show_kids(e).substr(1)) + "]";
        case K::name: return e.text;
        case K::member: return "(. " + show(e.kids[0]) + " " + e.text + ")";
        case K::unary: return "(" + e.text + show_kids(e) + ")";
        case K::binary: return "(" + e.text + show_kids(e) + ")";
        case K::call: return "(" + e.text + "()" + show_kids(e) + ")";
        case K::where: return "(where" + show_kids(e) + ")";
        case K::cond: return "(if" + show_kids(e) + ")";
    }
    return "?";
}

std::string parse(std::string_view text) {
    std::size_t nodes = 0;
    auto r = parse_expression(text, ParseLimits{}, nodes);
    if (r.index() == 1) return "error@" + std::to_string(std::get<1>(r).offset) + ": " + std::get<1>(r).message;
    return show(std::get<0>(r));
}

ParseError error_of(std::string_view text, ParseLimits limits = {}) {
    std::size_t nodes = 0;
    auto r = parse_expression(text, limits, nodes);
    REQUIRE_MESSAGE(r.index() == 1, "parsed without an error: ", text);
    return std::get<1>(r);
}

Expr tree(std::string_view text) {
    std::size_t nodes = 0;
    auto r = parse_expression(text, ParseLimits{}, nodes);
    REQUIRE_MESSAGE(r.index() == 0, text);
    return std::get<0>(r);
}

}  // namespace

TEST_CASE("literals: numbers, strings, booleans, dates, datetimes, lists") {
    CHECK(parse("4") == "4");
    CHECK(parse("2.5") == "2.5");
    CHECK(parse("-1") == "(- 1)");
    CHECK(parse("\"active\"") == "\"active\"");
    CHECK(parse("'E11.9'") == "\"E11.9\"");
    CHECK(parse(R"("say \"hi\"")") == "\"say \"hi\"\"");
    CHECK(parse("true") == "true");
    CHECK(parse("false") == "false");
    CHECK(parse("2025-06-01") == "date:2025-06-01");
    CHECK(parse("2024-02-29") == "date:2024-02-29");
    CHECK(parse("2025-06-01T09:30") == "datetime:2025-06-01T09:30");
    CHECK(parse("[\"inpatient\", \"observation\"]") == "[\"inpatient\" \"observation\"]");
    CHECK(parse("[]") == "[]");
    CHECK(parse("[1, 2.5, -3]") == "[1 2.5 (- 3)]");
}

TEST_CASE("durations: every unit, singular and plural, and business days") {
    CHECK(parse("30 days") == "30d");
    CHECK(parse("1 day") == "1d");
    CHECK(parse("12 months") == "12mo");
    CHECK(parse("1 month") == "1mo");
    CHECK(parse("72 hours") == "72h");
    CHECK(parse("1 hour") == "1h");
    CHECK(parse("15 minutes") == "15min");
    CHECK(parse("1 minute") == "1min");
    CHECK(parse("2 weeks") == "2w");
    CHECK(parse("1 year") == "1y");
    CHECK(parse("5 years") == "5y");
    CHECK(parse("2 business days") == "2bd");
    CHECK(parse("1 business day") == "1bd");
    CHECK(tree("72 hours").duration.is_clock());
    CHECK_FALSE(tree("3 days").duration.is_clock());
    CHECK(tree("2 business days").duration.unit == DurationUnit::business_days);
    // "business" not followed by day(s) is a name, and the number stands alone.
    CHECK(parse("2 business").rfind("error@2", 0) == 0);
}

TEST_CASE("precedence, lowest first: if, where, or, and, not, comparison, after/before, +-, */, unary -, .") {
    CHECK(parse("a or b and c") == "(or a (and b c))");
    CHECK(parse("a and b or c") == "(or (and a b) c)");
    CHECK(parse("not a and b") == "(and (not a) b)");
    CHECK(parse("not a == b") == "(not (== a b))");
    CHECK(parse("not not a") == "(not (not a))");
    CHECK(parse("a == b and c != d") == "(and (== a b) (!= c d))");
    CHECK(parse("a < b or c <= d or e > f or g >= h") == "(or (or (or (< a b) (<= c d)) (> e f)) (>= g h))");
    CHECK(parse("1 + 2 * 3") == "(+ 1 (* 2 3))");
    CHECK(parse("(1 + 2) * 3") == "(* (+ 1 2) 3)");
    CHECK(parse("1 - 2 - 3") == "(- (- 1 2) 3)");
    CHECK(parse("8 / 4 / 2") == "(/ (/ 8 4) 2)");
    CHECK(parse("-a * b") == "(* (- a) b)");
    CHECK(parse("- -a") == "(- (- a))");
    CHECK(parse("as_of - 30 days") == "(- as_of 30d)");
    CHECK(parse("anchor >= as_of - 30 days") == "(>= anchor (- as_of 30d))");
    CHECK(parse("72 hours after discharge") == "(after 72h discharge)");
    CHECK(parse("2 business days before x + 1 day") == "(before 2bd (+ x 1d))");
    CHECK(parse("due >= 7 days after anchor") == "(>= due (after 7d anchor))");
    CHECK(parse("social.food_insecurity") == "(. social food_insecurity)");
    CHECK(parse("outer.code in vs") == "(in (. outer code) vs)");
    CHECK(parse("-a.b") == "(- (. a b))");
    CHECK(parse("x in vs and y not in [\"a\"]") == "(and (in x vs) (not in y [\"a\"]))");
    CHECK(parse("not x in vs") == "(not (in x vs))");
}

TEST_CASE("where binds loosest, if/then/else takes whole expressions") {
    CHECK(parse("encounters where class == \"inpatient\" and exists(discharge)") ==
          "(where encounters (and (== class \"inpatient\") (exists() discharge)))");
    CHECK(parse("count(conditions where code in vs)") == "(count() (where conditions (in code vs)))");
    CHECK(parse("medications where exists(events where type == \"failed\")") ==
          "(where medications (exists() (where events (== type \"failed\"))))");
    CHECK(parse("if a then 1 else 2") == "(if a 1 2)");
    CHECK(parse("if a and b then x + 1 else if c then 2 else 3") == "(if (and a b) (+ x 1) (if c 2 3))");
    CHECK(parse("(if a then 1 else 2) + 3") == "(+ (if a 1 2) 3)");
}

TEST_CASE("function calls: zero, one, several arguments") {
    CHECK(parse("f()") == "(f())");
    CHECK(parse("count(encounters)") == "(count() encounters)");
    CHECK(parse("latest(observations where code == \"phq9\", date, value)") ==
          "(latest() (where observations (== code \"phq9\")) date value)");
    CHECK(parse("max(1, 2, 3)") == "(max() 1 2 3)");
}

TEST_CASE("offsets: a node starts at its first token, a binary node at its operator") {
    Expr e = tree("abc + def");
    CHECK(e.offset == 4);
    CHECK(e.kids[0].offset == 0);
    CHECK(e.kids[1].offset == 6);
    Expr m = tree("  social.food_insecurity");
    CHECK(m.offset == 2);
    Expr c = tree("count(x)");
    CHECK(c.offset == 0);
    CHECK(c.kids[0].offset == 6);
}

TEST_CASE("syntax errors name the problem at its offset") {
    auto check = [](std::string_view text, int offset, std::string_view words) {
        ParseError e = error_of(text);
        CHECK_MESSAGE(e.offset == offset, text, " -> ", e.message);
        CHECK_MESSAGE(e.message.find(words) != std::string::npos, text, " -> ", e.message);
        CHECK_FALSE(e.over_limit);  // a syntax error (E0401), not a limit (E0105)
    };
    check("a = b", 2, "'=='");
    check("a ! b", 2, "'not'");
    check("1 < 2 < 3", 6, "do not chain");
    check("a == b != c", 7, "do not chain");
    check("\"open", 0, "not closed");
    check("x == 'open", 5, "not closed");
    check("(a", 2, "')'");
    check("f(a,", 4, "ends where a value was expected");
    check("f(a b)", 4, "')'");
    check("[1, 2", 5, "']'");
    check("2025-02-30", 0, "2025-02-30 is not a calendar date (February 2025 has 28 days)");
    check("2024-02-30", 0, "2024-02-30 is not a calendar date (February 2024 has 29 days)");
    check("2025-13-01", 0, "2025-13-01 is not a calendar date (there is no month 13)");
    check("2025-04-31", 0, "2025-04-31 is not a calendar date (April 2025 has 30 days)");
    check("2025-06-01T24:30", 0, "not a valid datetime");
    check("3days", 0, "space");
    check("a.", 2, "field name");
    check("a.1", 2, "field name");
    check("", 0, "ends where a value was expected");
    check("   ", 3, "ends where a value was expected");
    check("and", 0, "keyword 'and'");
    check("a and or b", 6, "keyword 'or'");
    check("if a then b", 11, "'else'");
    check("if a b else c", 5, "'then'");
    check("1.5 days", 0, "whole number");
    check("a b", 2, "after the end");
    check("a # b", 2, "unexpected character '#'");
    check("x in", 4, "ends where a value was expected");
    check("2 business days after", 21, "ends where a value was expected");
}

TEST_CASE("nesting depth and node count are limited") {
    std::string ok = std::string(20, '(') + "x" + std::string(20, ')');
    CHECK(parse(ok) == "x");
    std::string deep = std::string(100, '(') + "x" + std::string(100, ')');
    ParseError e = error_of(deep);
    CHECK(e.message.find("max_expression_depth") != std::string::npos);
    CHECK(e.over_limit);
    std::string nots;
    for (int i = 0; i < 1000; ++i) nots += "not ";
    CHECK(error_of(nots + "x").message.find("max_expression_depth") != std::string::npos);
    std::string negs(1000, '-');
    CHECK(error_of(negs + "x").message.find("max_expression_depth") != std::string::npos);

    // The node budget is shared by every expression of a ruleset.
    std::size_t nodes = 0;
    ParseLimits small{64, 5};
    CHECK(parse_expression("1 + 2", small, nodes).index() == 0);  // 3 nodes
    CHECK(nodes == 3);
    auto r = parse_expression("a + b", small, nodes);              // would be nodes 4, 5, 6
    REQUIRE(r.index() == 1);
    CHECK(std::get<1>(r).message.find("max_expression_nodes") != std::string::npos);
    CHECK(std::get<1>(r).over_limit);
}

TEST_CASE("max_expression_depth: a limit of N allows N nested parentheses, not N + 1") {
    // Issue 15: each parenthesis counted twice, so a limit of 64 allowed only 31.
    for (std::size_t n : {1u, 7u, 64u}) {
        CAPTURE(n);
        ParseLimits limits{n, 100000};
        std::size_t nodes = 0;
        const std::string at = std::string(n, '(') + "x" + std::string(n, ')');
        CHECK(parse_expression(at, limits, nodes).index() == 0);
        nodes = 0;
        const std::string over = std::string(n + 1, '(') + "x" + std::string(n + 1, ')');
        auto r = parse_expression(over, limits, nodes);
        REQUIRE(r.index() == 1);
        CHECK(std::get<ParseError>(r).over_limit);
        CHECK(std::get<ParseError>(r).message.find("max_expression_depth") != std::string::npos);
    }
}
