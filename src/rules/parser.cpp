#include "rules/parser.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <optional>

#include "time/calendar.hpp"

namespace carecoord::rules {
namespace {

enum class Tok : std::uint8_t {
    end, number, string, date, datetime, ident, lparen, rparen, lbracket, rbracket, comma, dot,
    plus, minus, star, slash, eq, ne, lt, le, gt, ge, error
};

struct Token {
    Tok kind = Tok::end;
    int offset = 0;
    std::string_view text;
    double number = 0;
    std::int64_t ival = 0;
    std::string str;  // unescaped string literal
};

bool ident_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool ident_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }
bool digit(char c) { return c >= '0' && c <= '9'; }

class Lexer {
public:
    explicit Lexer(std::string_view s) : s_(s) {}

    Token next() {
        while (i_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[i_]))) ++i_;
        Token t;
        t.offset = static_cast<int>(i_);
        if (i_ >= s_.size()) return t;
        char c = s_[i_];
        auto single = [&](Tok k) {
            t.kind = k;
            t.text = s_.substr(i_, 1);
            ++i_;
            return t;
        };
        if (digit(c)) return number(t);
        if (ident_start(c)) {
            std::size_t b = i_;
            while (i_ < s_.size() && ident_char(s_[i_])) ++i_;
            t.kind = Tok::ident;
            t.text = s_.substr(b, i_ - b);
            return t;
        }
        if (c == '"' || c == '\'') return string(t, c);
        switch (c) {
            case '(': return single(Tok::lparen);
            case ')': return single(Tok::rparen);
            case '[': return single(Tok::lbracket);
            case ']': return single(Tok::rbracket);
            case ',': return single(Tok::comma);
            case '.': return single(Tok::dot);
            case '+': return single(Tok::plus);
            case '-': return single(Tok::minus);
            case '*': return single(Tok::star);
            case '/': return single(Tok::slash);
            case '=':
                if (peek(1) == '=') return two(t, Tok::eq);
                return error(t, "'=' is not an operator; compare with '=='");
            case '!':
                if (peek(1) == '=') return two(t, Tok::ne);
                return error(t, "'!' is not an operator; write 'not'");
            case '<':
                if (peek(1) == '=') return two(t, Tok::le);
                return single(Tok::lt);
            case '>':
                if (peek(1) == '=') return two(t, Tok::ge);
                return single(Tok::gt);
            default:
                break;
        }
        return error(t, std::string("unexpected character '") + c + "'");
    }

private:
    char peek(std::size_t k) const { return i_ + k < s_.size() ? s_[i_ + k] : '\0'; }

    Token two(Token& t, Tok k) {
        t.kind = k;
        t.text = s_.substr(i_, 2);
        i_ += 2;
        return t;
    }

    Token error(Token& t, std::string msg) {
        t.kind = Tok::error;
        t.str = std::move(msg);
        return t;
    }

    Token number(Token& t) {
        std::size_t b = i_;
        while (i_ < s_.size() && digit(s_[i_])) ++i_;
        // A date: 4 digits, '-', 2 digits, '-', 2 digits, optionally 'T' hh:mm.
        if (i_ - b == 4 && peek(0) == '-' && digit(peek(1)) && digit(peek(2)) && peek(3) == '-' &&
            digit(peek(4)) && digit(peek(5))) {
            i_ += 6;
            bool has_time = peek(0) == 'T' && digit(peek(1)) && digit(peek(2)) && peek(3) == ':' &&
                            digit(peek(4)) && digit(peek(5));
            if (has_time) i_ += 6;
            t.text = s_.substr(b, i_ - b);
            if (has_time) {
                auto dt = time::parse_datetime(t.text);
                if (!dt) return error(t, "not a valid datetime (YYYY-MM-DDTHH:MM)");
                t.kind = Tok::datetime;
                t.ival = dt->time_since_epoch().count();
            } else {
                auto d = time::parse_date(t.text);
                if (!d) return error(t, std::string(t.text) + " " + time::date_problem(t.text));
                t.kind = Tok::date;
                t.ival = d->time_since_epoch().count();
            }
            return t;
        }
        if (peek(0) == '.' && digit(peek(1))) {
            ++i_;
            while (i_ < s_.size() && digit(s_[i_])) ++i_;
        }
        t.text = s_.substr(b, i_ - b);
        t.kind = Tok::number;
        auto r = std::from_chars(t.text.data(), t.text.data() + t.text.size(), t.number);
        if (r.ec != std::errc() || !std::isfinite(t.number)) return error(t, "number out of range");
        if (i_ < s_.size() && ident_char(s_[i_])) return error(t, "a number runs into a name; put a space between them");
        return t;
    }

    Token string(Token& t, char quote) {
        std::size_t b = i_++;
        std::string out;
        while (i_ < s_.size() && s_[i_] != quote) {
            if (s_[i_] == '\\' && i_ + 1 < s_.size()) ++i_;
            out += s_[i_++];
        }
        if (i_ >= s_.size()) return error(t, "string literal is not closed");
        ++i_;
        t.kind = Tok::string;
        t.text = s_.substr(b, i_ - b);
        t.str = std::move(out);
        return t;
    }

    std::string_view s_;
    std::size_t i_ = 0;
};

struct Fail {
    ParseError error;
};

std::optional<DurationUnit> unit_of(std::string_view w) {
    if (w == "minute" || w == "minutes") return DurationUnit::minutes;
    if (w == "hour" || w == "hours") return DurationUnit::hours;
    if (w == "day" || w == "days") return DurationUnit::days;
    if (w == "week" || w == "weeks") return DurationUnit::weeks;
    if (w == "month" || w == "months") return DurationUnit::months;
    if (w == "year" || w == "years") return DurationUnit::years;
    return std::nullopt;
}

bool is_keyword(std::string_view w) {
    return w == "and" || w == "or" || w == "not" || w == "in" || w == "where" || w == "if" ||
           w == "then" || w == "else" || w == "after" || w == "before" || w == "true" || w == "false";
}

// A composite expression ends where its last sub-expression does.
void close_spans(Expr& e) {
    e.begin = e.offset;
    for (auto& k : e.kids) {
        close_spans(k);
        e.begin = std::min(e.begin, k.begin);
        e.end = std::max(e.end, k.end);
    }
}

class Parser {
public:
    Parser(std::string_view text, const ParseLimits& limits, std::size_t& nodes)
        : lex_(text), limits_(limits), nodes_(nodes) {
        advance();
        advance();
    }

    Expr parse() {
        Expr e = expr();
        if (cur_.kind != Tok::end) fail(cur_.offset, "unexpected " + describe(cur_) + " after the end of the expression");
        close_spans(e);
        return e;
    }

private:
    [[noreturn]] void fail(int offset, std::string msg) { throw Fail{ParseError{offset, std::move(msg), false}}; }
    [[noreturn]] void fail_limit(int offset, std::string msg) { throw Fail{ParseError{offset, std::move(msg), true}}; }

    void advance() {
        last_end_ = cur_.offset + static_cast<int>(cur_.text.size());
        cur_ = std::move(next_);
        next_ = lex_.next();
        if (cur_.kind == Tok::error) fail(cur_.offset, cur_.str);
    }

    static std::string describe(const Token& t) {
        switch (t.kind) {
            case Tok::end: return "end of expression";
            case Tok::string: return "string";
            default: return "'" + std::string(t.text) + "'";
        }
    }

    bool is_word(const Token& t, std::string_view w) const { return t.kind == Tok::ident && t.text == w; }

    void expect_word(std::string_view w) {
        if (!is_word(cur_, w)) fail(cur_.offset, "expected '" + std::string(w) + "', found " + describe(cur_));
        advance();
    }

    void expect(Tok k, std::string_view what) {
        if (cur_.kind != k) fail(cur_.offset, "expected " + std::string(what) + ", found " + describe(cur_));
        advance();
    }

    Expr make(Expr::Kind k, int offset) {
        if (++nodes_ > limits_.max_nodes)
            fail_limit(offset, "the ruleset has more expression nodes than the limit max_expression_nodes (" +
                             std::to_string(limits_.max_nodes) + ")");
        Expr e;
        e.kind = k;
        e.offset = offset;
        e.end = last_end_;  // leaves are made after their last token; the rest are closed later
        return e;
    }

    // One level per construct that nests an expression: the expression inside a pair of
    // parentheses, a list item or call argument (each an expr()), and a `not` or unary minus.
    // `depth_` counts the levels around the one being entered, so the whole expression is at
    // 0 and a limit of N allows N nested parentheses, ((((x)))) being 4.
    struct DepthGuard {
        Parser& p;
        explicit DepthGuard(Parser& parser, int offset) : p(parser) {
            if (p.depth_ > p.limits_.max_depth)
                p.fail_limit(offset, "expression nesting is deeper than the limit max_expression_depth (" +
                                   std::to_string(p.limits_.max_depth) + ")");
            ++p.depth_;
        }
        ~DepthGuard() { --p.depth_; }
    };

    Expr binary(std::string op, int offset, Expr a, Expr b) {
        Expr e = make(Expr::Kind::binary, offset);
        e.text = std::move(op);
        e.kids.push_back(std::move(a));
        e.kids.push_back(std::move(b));
        return e;
    }

    Expr expr() {
        DepthGuard g(*this, cur_.offset);
        if (is_word(cur_, "if")) {
            Expr e = make(Expr::Kind::cond, cur_.offset);
            advance();
            e.kids.push_back(expr());
            expect_word("then");
            e.kids.push_back(expr());
            expect_word("else");
            e.kids.push_back(expr());
            return e;
        }
        Expr left = or_expr();
        if (is_word(cur_, "where")) {
            Expr e = make(Expr::Kind::where, left.offset);
            advance();
            e.kids.push_back(std::move(left));
            e.kids.push_back(expr());
            return e;
        }
        return left;
    }

    Expr or_expr() {
        Expr e = and_expr();
        while (is_word(cur_, "or")) {
            int off = cur_.offset;
            advance();
            e = binary("or", off, std::move(e), and_expr());
        }
        return e;
    }

    Expr and_expr() {
        Expr e = not_expr();
        while (is_word(cur_, "and")) {
            int off = cur_.offset;
            advance();
            e = binary("and", off, std::move(e), not_expr());
        }
        return e;
    }

    Expr not_expr() {
        if (is_word(cur_, "not")) {
            DepthGuard g(*this, cur_.offset);
            Expr e = make(Expr::Kind::unary, cur_.offset);
            e.text = "not";
            advance();
            e.kids.push_back(not_expr());
            return e;
        }
        return comparison();
    }

    Expr comparison() {
        Expr left = shift();
        std::string op;
        int off = cur_.offset;
        switch (cur_.kind) {
            case Tok::eq: op = "=="; break;
            case Tok::ne: op = "!="; break;
            case Tok::lt: op = "<"; break;
            case Tok::le: op = "<="; break;
            case Tok::gt: op = ">"; break;
            case Tok::ge: op = ">="; break;
            default:
                if (is_word(cur_, "in")) op = "in";
                else if (is_word(cur_, "not") && is_word(next_, "in")) {
                    op = "not in";
                    advance();
                }
                break;
        }
        if (op.empty()) return left;
        advance();
        Expr e = binary(op, off, std::move(left), shift());
        switch (cur_.kind) {
            case Tok::eq: case Tok::ne: case Tok::lt: case Tok::le: case Tok::gt: case Tok::ge:
                fail(cur_.offset, "comparisons do not chain; join them with 'and'");
            default: break;
        }
        return e;
    }

    Expr shift() {
        Expr left = additive();
        if (is_word(cur_, "after") || is_word(cur_, "before")) {
            std::string op(cur_.text);
            int off = cur_.offset;
            advance();
            return binary(op, off, std::move(left), additive());
        }
        return left;
    }

    Expr additive() {
        Expr e = multiplicative();
        while (cur_.kind == Tok::plus || cur_.kind == Tok::minus) {
            std::string op(cur_.text);
            int off = cur_.offset;
            advance();
            e = binary(op, off, std::move(e), multiplicative());
        }
        return e;
    }

    Expr multiplicative() {
        Expr e = unary();
        while (cur_.kind == Tok::star || cur_.kind == Tok::slash) {
            std::string op(cur_.text);
            int off = cur_.offset;
            advance();
            e = binary(op, off, std::move(e), unary());
        }
        return e;
    }

    Expr unary() {
        if (cur_.kind == Tok::minus) {
            DepthGuard g(*this, cur_.offset);
            Expr e = make(Expr::Kind::unary, cur_.offset);
            e.text = "-";
            advance();
            e.kids.push_back(unary());
            return e;
        }
        return postfix();
    }

    Expr postfix() {
        Expr e = primary();
        while (cur_.kind == Tok::dot) {
            advance();
            if (cur_.kind != Tok::ident) fail(cur_.offset, "expected a field name after '.'");
            Expr m = make(Expr::Kind::member, e.offset);
            m.text = std::string(cur_.text);
            m.kids.push_back(std::move(e));
            advance();
            m.end = last_end_;
            e = std::move(m);
        }
        return e;
    }

    Expr primary() {
        // No level of its own: what it nests (parentheses, lists, calls) goes through expr().
        Token t = cur_;
        switch (t.kind) {
            case Tok::number: {
                advance();
                // A number followed by a unit word is a duration literal.
                std::optional<DurationUnit> unit;
                if (cur_.kind == Tok::ident) {
                    if (cur_.text == "business" && next_.kind == Tok::ident &&
                        (next_.text == "day" || next_.text == "days")) {
                        advance();
                        unit = DurationUnit::business_days;
                    } else {
                        unit = unit_of(cur_.text);
                    }
                }
                if (unit) {
                    if (t.number != std::floor(t.number) || t.number > 1000000)
                        fail(t.offset, "a duration needs a whole number of units up to 1000000");
                    advance();
                    Expr e = make(Expr::Kind::duration, t.offset);
                    e.duration = Duration{static_cast<std::int32_t>(t.number), *unit};
                    return e;
                }
                Expr e = make(Expr::Kind::number, t.offset);
                e.number = t.number;
                return e;
            }
            case Tok::string: {
                advance();
                Expr e = make(Expr::Kind::string, t.offset);
                e.text = t.str;
                return e;
            }
            case Tok::date:
            case Tok::datetime: {
                advance();
                Expr e = make(t.kind == Tok::date ? Expr::Kind::date : Expr::Kind::datetime, t.offset);
                e.ival = t.ival;
                return e;
            }
            case Tok::lparen: {
                advance();
                Expr e = expr();
                expect(Tok::rparen, "')'");
                return e;
            }
            case Tok::lbracket: {
                advance();
                Expr e = make(Expr::Kind::list, t.offset);
                if (cur_.kind != Tok::rbracket) {
                    for (;;) {
                        e.kids.push_back(expr());
                        if (cur_.kind != Tok::comma) break;
                        advance();
                    }
                }
                expect(Tok::rbracket, "',' or ']'");
                e.end = last_end_;
                return e;
            }
            case Tok::ident: {
                if (t.text == "true" || t.text == "false") {
                    advance();
                    Expr e = make(Expr::Kind::boolean, t.offset);
                    e.number = t.text == "true" ? 1 : 0;
                    return e;
                }
                if (is_keyword(t.text))
                    fail(t.offset, "expected a value, found the keyword '" + std::string(t.text) + "'");
                advance();
                if (cur_.kind == Tok::lparen) {
                    Expr e = make(Expr::Kind::call, t.offset);
                    e.text = std::string(t.text);
                    advance();
                    if (cur_.kind != Tok::rparen) {
                        for (;;) {
                            e.kids.push_back(expr());
                            if (cur_.kind != Tok::comma) break;
                            advance();
                        }
                    }
                    expect(Tok::rparen, "',' or ')'");
                    e.end = last_end_;
                    return e;
                }
                Expr e = make(Expr::Kind::name, t.offset);
                e.text = std::string(t.text);
                return e;
            }
            case Tok::end:
                fail(t.offset, "the expression ends where a value was expected");
            default:
                fail(t.offset, "expected a value, found " + describe(t));
        }
    }

    Lexer lex_;
    const ParseLimits& limits_;
    std::size_t& nodes_;
    std::size_t depth_ = 0;
    Token cur_;
    Token next_;
    int last_end_ = 0;  // just past the last token consumed
};


}  // namespace

std::variant<Expr, ParseError> parse_expression(std::string_view text, const ParseLimits& limits,
                                                std::size_t& nodes) {
    try {
        Parser p(text, limits, nodes);
        return p.parse();
    } catch (const Fail& f) {
        return f.error;
    }
}

}  // namespace carecoord::rules
