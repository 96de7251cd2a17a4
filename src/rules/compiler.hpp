// Names, types and code generation: expression text -> checked, compiled nodes of a Plan.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "carecoord/diagnostic.hpp"
#include "rules/ast.hpp"
#include "rules/plan.hpp"
#include "rules/plan_source.hpp"

namespace carecoord::rules {

// A line and column (1-based) in a ruleset file.
struct TextPos {
    int line = 0;
    int column = 0;
};

// Where an expression's text is in its YAML file, so that an offset into the text can be
// reported as a line and column.
struct TextOrigin {
    std::string file;
    int line = 0;    // where the scalar starts
    int column = 0;
    // The position of each byte of the text, when the loader could map it: quotes, escapes,
    // block indicators, indentation and folded line breaks make a scalar's text differ from
    // its source. Empty: the text is taken to start at line:column, on one line.
    std::vector<TextPos> chars;
};

// Which names an expression may use.
struct ExprContext {
    std::string rule_id;           // for diagnostics
    bool allow_tier = true;        // false in tier rules (the tier is what they decide)
    bool allow_anchor = false;     // triggers: `anchor`
    Type anchor_type{};            // date or datetime
    // Workflows: `event` (its time), `event.time`, `event.type` and `event.payload.NAME`, with
    // the payload fields the event declares (slot = index).
    bool allow_event = false;
    const std::vector<std::pair<std::string, Type>>* event_payload = nullptr;
};

class Compiler {
public:
    // Compiles into `plan` what evaluation reads and into `source` what only check and
    // explanations do (text spans, condition texts, declarations).
    Compiler(Plan& plan, PlanSource& source, std::vector<Diagnostic>& diagnostics, const ParseLimits& limits);

    // Declarations, before anything is compiled. Return false (and report) on a duplicate.
    bool declare_parameter(const std::string& name, Value value, Type type, const TextOrigin& at);
    bool declare_list_parameter(const std::string& name, LiteralList list, TypeKind elem, const TextOrigin& at);
    bool declare_fact(const std::string& name, std::string text, std::string description, const TextOrigin& at);
    void declare_tier_names(std::vector<std::string> names) { tier_names_ = std::move(names); }

    // Compiles every declared fact (in dependency order; cycles are reported).
    void compile_facts();

    // Compiles one expression; returns the node index, or -1 after reporting. When `expect`
    // is given, the expression must have that type kind.
    std::int32_t compile(std::string_view text, const TextOrigin& at, const ExprContext& ctx,
                         std::optional<TypeKind> expect = std::nullopt);
    // As compile(), for a `due` or `anchor`: a date or a datetime.
    std::int32_t compile_time(std::string_view text, const TextOrigin& at, const ExprContext& ctx);

    // A reason template: text with {expression} parts.
    Template compile_template(std::string_view text, const TextOrigin& at, const ExprContext& ctx);

    // Parses a parameter's plain scalar as a literal: number, boolean, date, datetime or duration.
    static bool parse_literal(std::string_view text, Value& value, Type& type);

    // Keeps a condition's text for explanations, by its root node (from compile()).
    void record_when_text(std::int32_t when, std::string text);

    // Fills PlanSource::declarations: every parameter and fact with whether something other than an
    // unused fact reads it. Call after compile_facts().
    void record_declarations();

    // The last compiled expression read `tier` (directly or through facts).
    bool last_used_tier() const { return used_tier_; }

private:
    // What compile_*() return, and ensure_fact(), once the failure is reported.
    static constexpr std::int32_t failed = -1;

    struct Scope {
        std::vector<Coll> elements;  // element scopes, outermost first
    };
    // Where a fact is in its compilation: facts compile on first use, so `compiling` seen
    // again means a cycle, and `failed` was already reported.
    enum class FactState : std::uint8_t { pending, compiling, done, failed };
    struct FactDecl {
        std::string text;
        std::string description;
        TextOrigin at;
        FactState state = FactState::pending;
        std::int32_t slot = -1;
        bool uses_tier = false;
    };
    struct ParamDecl {
        Value value;
        Type type;
        int list = -1;  // literal list index for list parameters
        TextOrigin at;
    };

    // False (and reported, naming the first definition) when a parameter or fact has the name.
    bool is_new_name(const std::string& name, const TextOrigin& at);
    std::string tier_unavailable(const std::string& who) const;
    std::int32_t node(Node n);
    std::int32_t constant(Value v, Type t);
    std::int32_t compile_expr(const Expr& e, Scope& scope);        // and records the node's text span
    std::int32_t compile_expr_node(const Expr& e, Scope& scope);
    std::int32_t compile_name(const Expr& e, Scope& scope);
    std::int32_t compile_member(const Expr& e, Scope& scope);
    std::int32_t compile_event(const Expr& e);
    std::int32_t compile_binary(const Expr& e, Scope& scope);
    std::int32_t compile_compare(const Expr& e, std::int32_t a, std::int32_t b, CmpOp op);
    std::int32_t compile_in(const Expr& e, std::int32_t a, const Expr& rhs, Scope& scope, bool negate);
    std::int32_t compile_call(const Expr& e, Scope& scope);
    std::int32_t compile_element_expr(const Expr& e, Coll coll, Scope& scope, std::int32_t& depth);
    std::int32_t ensure_fact(const std::string& name, const Expr& at);
    std::int32_t enum_constant(const Node& enum_node, std::int32_t string_node, const Expr& at);
    const Type& type_of(std::int32_t n) const { return plan_.nodes[static_cast<std::size_t>(n)].type; }
    bool is_constant_string(std::int32_t n) const;
    // Join planning (Plan::joins): plans an any() node as a sorted index when its condition
    // allows it, else leaves it a loop.
    void plan_join(std::int32_t any_node);
    std::uint64_t free_depths(std::int32_t n);  // the element scopes a node reads and does not bind itself
    bool two_valued(std::int32_t n);            // never unknown and reports no missing data, for any patient
    bool same_expr(std::int32_t x, std::int32_t y) const;
    std::int32_t order_base(std::int32_t n) const;  // n without monotone wrappers (date(), shifts by a constant)
    void note_use(const std::string& name);

    // Reports a diagnostic at `at` and returns `failed`, for `return error(...)`: a failed
    // expression unwinds by return values, each caller passing `failed` on.
    [[nodiscard]] std::int32_t error(const Expr& at, const char* code, std::string message);
    Diagnostic make_diagnostic(int offset, const char* code, std::string message) const;

    Plan& plan_;
    PlanSource& source_;
    std::vector<Diagnostic>& diagnostics_;
    ParseLimits limits_;
    std::size_t nodes_budget_used_ = 0;
    std::map<std::string, FactDecl, std::less<>> facts_;
    std::map<std::string, ParamDecl, std::less<>> params_;
    std::vector<std::string> tier_names_;

    // The expression being compiled.
    const TextOrigin* origin_ = nullptr;
    const ExprContext* ctx_ = nullptr;
    bool used_tier_ = false;
    std::vector<std::string> fact_stack_;
    // Which parameters and facts each fact reads ("" = rules, programs, triggers, reasons).
    std::map<std::string, std::set<std::string>, std::less<>> uses_;
    bool compiling_all_facts_ = false;
    // Memos of free_depths() and two_valued(), by node (2: not computed).
    std::vector<std::uint64_t> free_depths_memo_;
    std::vector<std::uint8_t> two_valued_memo_;
};

}  // namespace carecoord::rules
