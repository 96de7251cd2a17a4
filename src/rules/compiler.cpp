#include "rules/compiler.hpp"

#include <algorithm>

#include "rules/parser.hpp"
#include "util/codes.hpp"
#include "util/suggest.hpp"

namespace carecoord::rules {

namespace {

Type make(TypeKind k) { Type t; t.kind = k; return t; }
Type list_of(Coll c) { Type t; t.kind = TypeKind::list; t.coll = c; return t; }

bool is_time(const Type& t) { return t.kind == TypeKind::date || t.kind == TypeKind::datetime; }

std::string_view coll_name(Coll c) {
    switch (c) {
        case Coll::coverage: return "coverage";
        case Coll::conditions: return "conditions";
        case Coll::encounters: return "encounters";
        case Coll::care_team: return "care_team";
        case Coll::medications: return "medications";
        case Coll::observations: return "observations";
        case Coll::med_events: return "events";
        case Coll::none: break;
    }
    return "";
}

// The field that holds a coded record's code, for codes().
std::optional<Field> code_field(Coll c) {
    switch (c) {
        case Coll::conditions: return Field::cond_code;
        case Coll::encounters: return Field::enc_diagnosis;
        case Coll::medications: return Field::med_code;
        case Coll::observations: return Field::obs_code;
        default: return std::nullopt;
    }
}

}  // namespace

Compiler::Compiler(Plan& plan, PlanSource& source, std::vector<Diagnostic>& diagnostics, const ParseLimits& limits)
    : plan_(plan), source_(source), diagnostics_(diagnostics), limits_(limits) {}

void Compiler::record_when_text(std::int32_t when, std::string text) {
    if (when >= 0) source_.when_texts[when] = std::move(text);
}

Diagnostic Compiler::make_diagnostic(int offset, const char* code, std::string message) const {
    Diagnostic d;
    d.code = code;
    d.message = std::move(message);
    if (ctx_) d.rule_id = ctx_->rule_id;
    if (origin_) {
        d.file = origin_->file;
        const auto off = static_cast<std::size_t>(std::max(offset, 0));
        const auto& chars = origin_->chars;
        if (chars.empty()) {
            d.line = origin_->line;
            d.column = origin_->column + static_cast<int>(off);
        } else if (off < chars.size()) {
            d.line = chars[off].line;
            d.column = chars[off].column;
        } else {  // the end of the text: just after its last character
            d.line = chars.back().line;
            d.column = chars.back().column + static_cast<int>(off - chars.size()) + 1;
        }
    }
    return d;
}

std::int32_t Compiler::error(const Expr& at, const char* code, std::string message) {
    diagnostics_.push_back(make_diagnostic(at.offset, code, std::move(message)));
    return failed;
}

// Why `tier` cannot be read where it was: workflows get tier changes as events, and tier
// rules are what decides the tier. `who` names what read it, when not the name itself.
std::string Compiler::tier_unavailable(const std::string& who) const {
    std::string subject = who.empty() ? "'tier'" : who;
    if (ctx_ && ctx_->allow_event) return subject + " cannot be used in a workflow: a tier change is an event (tier_changed)";
    return subject + " cannot be used here: tier rules decide the tier";
}

std::int32_t Compiler::node(Node n) {
    plan_.nodes.push_back(std::move(n));
    return static_cast<std::int32_t>(plan_.nodes.size() - 1);
}

std::int32_t Compiler::constant(Value v, Type t) {
    Node n;
    n.op = Op::constant;
    n.k = v;
    n.type = t;
    return node(std::move(n));
}

bool Compiler::is_constant_string(std::int32_t n) const {
    const Node& x = plan_.nodes[static_cast<std::size_t>(n)];
    return x.op == Op::constant && x.type.kind == TypeKind::string && x.k.state == Value::known;
}

bool Compiler::parse_literal(std::string_view text, Value& value, Type& type) {
    std::size_t nodes = 0;
    auto r = parse_expression(text, ParseLimits{8, 16}, nodes);
    if (r.index() != 0) return false;
    const Expr& e = std::get<0>(r);
    switch (e.kind) {
        case Expr::Kind::number: value = Value::number(e.number); type = make(TypeKind::number); return true;
        case Expr::Kind::boolean: value = Value::boolean(e.number != 0); type = make(TypeKind::boolean); return true;
        case Expr::Kind::date: value = Value::integer(e.ival); type = make(TypeKind::date); return true;
        case Expr::Kind::datetime: value = Value::integer(e.ival); type = make(TypeKind::datetime); return true;
        case Expr::Kind::duration:
            value = Value{};
            value.dur = e.duration;
            type = make(TypeKind::duration);
            type.clock = e.duration.is_clock();
            return true;
        case Expr::Kind::unary:
            if (e.text == "-" && e.kids[0].kind == Expr::Kind::number) {
                value = Value::number(-e.kids[0].number);
                type = make(TypeKind::number);
                return true;
            }
            if (e.text == "-" && e.kids[0].kind == Expr::Kind::duration) {
                value = Value{};
                value.dur = e.kids[0].duration;
                value.dur.amount = -value.dur.amount;
                type = make(TypeKind::duration);
                type.clock = value.dur.is_clock();
                return true;
            }
            return false;
        default: return false;
    }
}

bool Compiler::is_new_name(const std::string& name, const TextOrigin& at) {
    const TextOrigin* first = nullptr;
    if (auto p = params_.find(name); p != params_.end()) first = &p->second.at;
    else if (auto f = facts_.find(name); f != facts_.end()) first = &f->second.at;
    if (!first) return true;
    Diagnostic d;
    d.code = codes::defined_twice;
    d.message = "'" + name + "' is defined twice; first at " + first->file + ":" + std::to_string(first->line) + ":" +
                std::to_string(first->column);
    d.file = at.file;
    d.line = at.line;
    d.column = at.column;
    diagnostics_.push_back(std::move(d));
    return false;
}

bool Compiler::declare_parameter(const std::string& name, Value value, Type type, const TextOrigin& at) {
    if (!is_new_name(name, at)) return false;
    params_[name] = ParamDecl{value, type, -1, at};
    return true;
}

bool Compiler::declare_list_parameter(const std::string& name, LiteralList list, TypeKind elem, const TextOrigin& at) {
    Type t = make(TypeKind::literal_list);
    t.elem = elem;
    if (!declare_parameter(name, Value{}, t, at)) return false;
    plan_.lists.push_back(std::move(list));
    params_[name].list = static_cast<int>(plan_.lists.size() - 1);
    return true;
}

bool Compiler::declare_fact(const std::string& name, std::string text, std::string description, const TextOrigin& at) {
    if (!is_new_name(name, at)) return false;
    facts_[name] = FactDecl{std::move(text), std::move(description), at, FactState::pending, -1, false};
    return true;
}

void Compiler::note_use(const std::string& name) {
    if (!fact_stack_.empty()) uses_[fact_stack_.back()].insert(name);
    else if (!compiling_all_facts_) uses_[""].insert(name);
}

void Compiler::record_declarations() {
    std::set<std::string> used;
    std::vector<std::string> pending(uses_[""].begin(), uses_[""].end());
    while (!pending.empty()) {
        std::string n = std::move(pending.back());
        pending.pop_back();
        if (!used.insert(n).second) continue;
        if (auto it = uses_.find(n); it != uses_.end()) pending.insert(pending.end(), it->second.begin(), it->second.end());
    }
    auto add = [&](Declaration::Kind kind, const std::string& name, const TextOrigin& at) {
        source_.declarations.push_back(Declaration{kind, name, SourceRef{at.file, at.line, at.column}, used.count(name) > 0});
    };
    for (const auto& [name, p] : params_) add(Declaration::Kind::parameter, name, p.at);
    for (const auto& [name, f] : facts_) add(Declaration::Kind::fact, name, f.at);
}

void Compiler::compile_facts() {
    compiling_all_facts_ = true;
    for (auto& [name, decl] : facts_) {
        if (decl.state != FactState::pending) continue;
        // A cycle is reported at the fact where it closes, with that fact's position.
        Expr at;
        origin_ = &decl.at;
        ExprContext ctx;
        ctx.rule_id = "fact " + name;
        ctx_ = &ctx;
        (void)ensure_fact(name, at);  // a failure is reported where it happens
        origin_ = nullptr;
        ctx_ = nullptr;
    }
    compiling_all_facts_ = false;
}

std::int32_t Compiler::ensure_fact(const std::string& name, const Expr& at) {
    note_use(name);
    auto it = facts_.find(name);
    FactDecl& f = it->second;
    if (f.state == FactState::done) {
        used_tier_ |= f.uses_tier;
        return f.slot;
    }
    if (f.state == FactState::failed) return failed;  // reported when it failed
    if (f.state == FactState::compiling) {
        std::string cycle;
        auto start = std::find(fact_stack_.begin(), fact_stack_.end(), name);
        for (auto i = start; i != fact_stack_.end(); ++i) cycle += *i + " -> ";
        cycle += name;
        return error(at, codes::fact_cycle, "facts form a cycle: " + cycle);
    }
    // Compile the fact in its own context, then come back to the expression that used it.
    f.state = FactState::compiling;
    fact_stack_.push_back(name);
    auto saved_origin = origin_;
    auto saved_ctx = ctx_;
    bool saved_tier = used_tier_;
    ExprContext fctx;
    fctx.rule_id = "fact " + name;
    origin_ = &f.at;
    ctx_ = &fctx;
    used_tier_ = false;
    std::int32_t root = failed;
    std::variant<Expr, ParseError> parsed = parse_expression(f.text, limits_, nodes_budget_used_);
    if (parsed.index() == 1) {
        const auto& pe = std::get<1>(parsed);
        diagnostics_.push_back(make_diagnostic(pe.offset, pe.over_limit ? codes::yaml_limit : codes::expression_syntax, pe.message));
    } else {
        Scope scope;
        root = compile_expr(std::get<0>(parsed), scope);
    }
    const bool ok = root != failed;
    bool fact_tier = used_tier_;
    origin_ = saved_origin;
    ctx_ = saved_ctx;
    used_tier_ = saved_tier || fact_tier;
    fact_stack_.pop_back();
    if (!ok) {
        f.state = FactState::failed;
        return failed;
    }
    CompiledFact cf;
    cf.name = name;
    cf.description = f.description;
    cf.node = root;
    cf.type = type_of(root);
    plan_.facts.push_back(std::move(cf));
    f.slot = static_cast<std::int32_t>(plan_.facts.size() - 1);
    f.state = FactState::done;
    f.uses_tier = fact_tier;
    return f.slot;
}

std::int32_t Compiler::compile(std::string_view text, const TextOrigin& at, const ExprContext& ctx,
                               std::optional<TypeKind> expect) {
    origin_ = &at;
    ctx_ = &ctx;
    used_tier_ = false;
    auto checked = [&]() -> std::int32_t {
        auto parsed = parse_expression(text, limits_, nodes_budget_used_);
        if (parsed.index() == 1) {
            const auto& pe = std::get<1>(parsed);
            diagnostics_.push_back(make_diagnostic(pe.offset, pe.over_limit ? codes::yaml_limit : codes::expression_syntax, pe.message));
            return failed;
        }
        Scope scope;
        const Expr& e = std::get<0>(parsed);
        const std::int32_t root = compile_expr(e, scope);
        if (root == failed) return failed;
        if (used_tier_ && !ctx.allow_tier)
            return error(e, codes::not_available_here, tier_unavailable(""));
        if (expect && type_of(root).kind != *expect) {
            Type want = make(*expect);
            return error(e, codes::type_mismatch, "expected a " + type_name(want) + ", found a " + type_name(type_of(root)));
        }
        return root;
    };
    const std::int32_t root = checked();
    origin_ = nullptr;
    ctx_ = nullptr;
    return root;
}

std::int32_t Compiler::compile_time(std::string_view text, const TextOrigin& at, const ExprContext& ctx) {
    std::int32_t n = compile(text, at, ctx);
    if (n < 0) return n;
    if (!is_time(type_of(n))) {
        origin_ = &at;
        ctx_ = &ctx;
        diagnostics_.push_back(make_diagnostic(0, codes::type_mismatch, "expected a date or datetime, found a " + type_name(type_of(n))));
        origin_ = nullptr;
        ctx_ = nullptr;
        return -1;
    }
    return n;
}

Template Compiler::compile_template(std::string_view text, const TextOrigin& at, const ExprContext& ctx) {
    Template out;
    std::string literal;
    std::size_t i = 0;
    while (i < text.size()) {
        char c = text[i];
        if (c == '{' && i + 1 < text.size() && text[i + 1] == '{') { literal += '{'; i += 2; continue; }
        if (c == '}' && i + 1 < text.size() && text[i + 1] == '}') { literal += '}'; i += 2; continue; }
        if (c == '{') {
            auto close = text.find('}', i + 1);
            if (close == std::string_view::npos) {
                origin_ = &at;
                ctx_ = &ctx;
                diagnostics_.push_back(make_diagnostic(static_cast<int>(i), codes::expression_syntax, "'{' in a reason is not closed by '}' (write '{{' for a brace)"));
                origin_ = nullptr;
                ctx_ = nullptr;
                return out;
            }
            if (!literal.empty()) out.push_back(TemplatePart{std::move(literal), -1});
            literal.clear();
            // Compile the part with an origin shifted to where it starts.
            TextOrigin part_at = at;
            std::string_view inner = text.substr(i + 1, close - i - 1);
            if (at.chars.size() >= close)
                part_at.chars.assign(at.chars.begin() + static_cast<std::ptrdiff_t>(i + 1),
                                     at.chars.begin() + static_cast<std::ptrdiff_t>(close));
            else
                part_at.column += static_cast<int>(i + 1);
            std::int32_t n = compile(inner, part_at, ctx);
            if (n >= 0) out.push_back(TemplatePart{"", n});
            i = close + 1;
            continue;
        }
        literal += c;
        ++i;
    }
    if (!literal.empty()) out.push_back(TemplatePart{std::move(literal), -1});
    return out;
}

std::int32_t Compiler::compile_expr(const Expr& e, Scope& scope) {
    std::int32_t n = compile_expr_node(e, scope);
    if (n == failed) return failed;
    // A node made by a name (a fact, a parameter) keeps the span of where it was first used.
    const auto i = static_cast<std::size_t>(n);
    if (source_.spans.size() <= i) source_.spans.resize(i + 1);
    if (source_.spans[i].begin < 0) source_.spans[i] = TextSpan{e.begin, e.end};
    return n;
}

std::int32_t Compiler::compile_expr_node(const Expr& e, Scope& scope) {
    switch (e.kind) {
        case Expr::Kind::number: return constant(Value::number(e.number), make(TypeKind::number));
        case Expr::Kind::boolean: return constant(Value::boolean(e.number != 0), make(TypeKind::boolean));
        case Expr::Kind::date: return constant(Value::integer(e.ival), make(TypeKind::date));
        case Expr::Kind::datetime: return constant(Value::integer(e.ival), make(TypeKind::datetime));
        case Expr::Kind::duration: {
            Value v;
            v.dur = e.duration;
            Type t = make(TypeKind::duration);
            t.clock = e.duration.is_clock();
            return constant(v, t);
        }
        case Expr::Kind::string: {
            plan_.strings.push_back(e.text);
            Value v;
            v.s = plan_.strings.back();
            return constant(v, make(TypeKind::string));
        }
        case Expr::Kind::list: {
            LiteralList list;
            TypeKind elem = TypeKind::string;
            for (std::size_t i = 0; i < e.kids.size(); ++i) {
                const Expr& k = e.kids[i];
                bool neg_number = k.kind == Expr::Kind::unary && k.text == "-" && k.kids[0].kind == Expr::Kind::number;
                if (k.kind == Expr::Kind::string) {
                    if (i > 0 && elem != TypeKind::string) return error(k, codes::type_mismatch, "a list holds either strings or numbers, not both");
                    list.strings.push_back(k.text);
                } else if (k.kind == Expr::Kind::number || neg_number) {
                    if (i > 0 && elem != TypeKind::number) return error(k, codes::type_mismatch, "a list holds either strings or numbers, not both");
                    elem = TypeKind::number;
                    list.numbers.push_back(neg_number ? -k.kids[0].number : k.number);
                } else {
                    return error(k, codes::type_mismatch, "a list literal holds only string or number literals");
                }
            }
            plan_.lists.push_back(std::move(list));
            Type t = make(TypeKind::literal_list);
            t.elem = elem;
            Node n;
            n.op = Op::constant;
            n.type = t;
            n.set_index(plan_.lists.size() - 1);
            return node(std::move(n));
        }
        case Expr::Kind::name: return compile_name(e, scope);
        case Expr::Kind::member: return compile_member(e, scope);
        case Expr::Kind::unary: {
            std::int32_t a = compile_expr(e.kids[0], scope);
            if (a == failed) return failed;
            const Type& t = type_of(a);
            Node n;
            n.a = a;
            if (e.text == "not") {
                if (t.kind != TypeKind::boolean) return error(e, codes::type_mismatch, "'not' needs a boolean, found a " + type_name(t));
                n.op = Op::not_;
                n.type = make(TypeKind::boolean);
            } else {
                if (t.kind == TypeKind::duration && plan_.nodes[static_cast<std::size_t>(a)].op == Op::constant) {
                    Node k = plan_.nodes[static_cast<std::size_t>(a)];
                    k.k.dur.amount = -k.k.dur.amount;
                    return node(std::move(k));
                }
                if (t.kind != TypeKind::number) return error(e, codes::type_mismatch, "'-' needs a number, found a " + type_name(t));
                n.op = Op::neg;
                n.type = t;
            }
            return node(std::move(n));
        }
        case Expr::Kind::binary: return compile_binary(e, scope);
        case Expr::Kind::call: return compile_call(e, scope);
        case Expr::Kind::where: {
            std::int32_t list = compile_expr(e.kids[0], scope);
            if (list == failed) return failed;
            const Type lt = type_of(list);
            if (lt.kind != TypeKind::list)
                return error(e, codes::not_a_list, "'where' filters a list of records, not a " + type_name(lt));
            std::int32_t depth = 0;
            std::int32_t pred = compile_element_expr(e.kids[1], lt.coll, scope, depth);
            if (pred == failed) return failed;
            if (type_of(pred).kind != TypeKind::boolean)
                return error(e.kids[1], codes::type_mismatch, "the condition after 'where' must be a boolean, found a " + type_name(type_of(pred)));
            Node n;
            n.op = Op::where;
            n.a = list;
            n.b = pred;
            n.depth = depth;
            n.type = lt;
            return node(std::move(n));
        }
        case Expr::Kind::cond: {
            std::int32_t c = compile_expr(e.kids[0], scope);
            if (c == failed) return failed;
            if (type_of(c).kind != TypeKind::boolean)
                return error(e.kids[0], codes::type_mismatch, "the condition after 'if' must be a boolean, found a " + type_name(type_of(c)));
            std::int32_t a = compile_expr(e.kids[1], scope);
            if (a == failed) return failed;
            std::int32_t b = compile_expr(e.kids[2], scope);
            if (b == failed) return failed;
            if (!(type_of(a) == type_of(b)))
                return error(e, codes::type_mismatch, "'then' and 'else' must have the same type, found " + type_name(type_of(a)) + " and " + type_name(type_of(b)));
            Node n;
            n.op = Op::cond;
            n.a = c;
            n.b = a;
            n.c = b;
            n.type = type_of(a);
            return node(std::move(n));
        }
    }
    return error(e, codes::expression_syntax, "unsupported expression");
}

std::int32_t Compiler::compile_element_expr(const Expr& e, Coll coll, Scope& scope, std::int32_t& depth) {
    scope.elements.push_back(coll);
    depth = static_cast<std::int32_t>(scope.elements.size() - 1);
    plan_.max_depth = std::max(plan_.max_depth, depth + 1);
    const std::int32_t n = compile_expr(e, scope);
    scope.elements.pop_back();
    return n;
}

std::int32_t Compiler::compile_name(const Expr& e, Scope& scope) {
    const std::string& name = e.text;
    // 1. Fields of the current element, innermost scope first.
    for (auto d = static_cast<std::int32_t>(scope.elements.size()) - 1; d >= 0; --d) {
        Coll c = scope.elements[static_cast<std::size_t>(d)];
        for (const auto& f : field_table()) {
            if (f.coll != c || f.name != name) continue;
            Node n;
            n.op = f.field == Field::med_events ? Op::nested_events : Op::elem_field;
            n.set_field(f.field);
            n.depth = d;
            n.type = f.type;
            return node(std::move(n));
        }
    }
    // 2. The trigger's anchor; a workflow's event (alone, it is the event's time).
    if (name == "event") return compile_event(e);
    if (name == "anchor") {
        if (!ctx_ || !ctx_->allow_anchor)
            return error(e, codes::not_available_here, "'anchor' is only available in a trigger's when, due and reason");
        Node n;
        n.op = Op::anchor;
        n.type = ctx_->anchor_type;
        return node(std::move(n));
    }
    // 3. Facts and parameters.
    if (auto fact = facts_.find(name); fact != facts_.end()) {
        std::int32_t slot = ensure_fact(name, e);
        if (slot == failed) return failed;
        if (fact->second.uses_tier && ctx_ && !ctx_->allow_tier)
            return error(e, codes::not_available_here, tier_unavailable("fact '" + name + "' reads 'tier', which"));
        Node n;
        n.op = Op::fact;
        n.set_index(static_cast<std::size_t>(slot));
        n.type = plan_.facts[static_cast<std::size_t>(slot)].type;
        return node(std::move(n));
    }
    if (auto it = params_.find(name); it != params_.end()) {
        note_use(name);
        if (it->second.list >= 0) {
            Node n;
            n.op = Op::constant;
            n.type = it->second.type;
            n.set_index(static_cast<std::size_t>(it->second.list));
            return node(std::move(n));
        }
        return constant(it->second.value, it->second.type);
    }
    // 4. Patient fields and collections.
    for (const auto& f : field_table())
        if (f.coll == Coll::none && f.record.empty() && f.name == name) {
            Node n;
            n.op = Op::patient_field;
            n.set_field(f.field);
            n.type = f.type;
            return node(std::move(n));
        }
    for (Coll c : {Coll::coverage, Coll::conditions, Coll::encounters, Coll::care_team, Coll::medications, Coll::observations})
        if (coll_name(c) == name) {
            Node n;
            n.op = Op::collection;
            n.set_collection(c);
            n.type = list_of(c);
            return node(std::move(n));
        }
    // 5. Built-ins.
    Node n;
    if (name == "as_of") { n.op = Op::as_of; n.type = make(TypeKind::date); return node(std::move(n)); }
    if (name == "age") { n.op = Op::age; n.type = make(TypeKind::number); return node(std::move(n)); }
    if (name == "tier" || name == "previous_tier") {
        if (name == "tier") {
            if (ctx_ && !ctx_->allow_tier) return error(e, codes::not_available_here, tier_unavailable(""));
            used_tier_ = true;
        } else {
            plan_.reads_previous_tier = true;
        }
        n.op = name == "tier" ? Op::tier : Op::previous_tier;
        n.type = make(TypeKind::string);
        return node(std::move(n));
    }
    if (name == "tier_change_day") {
        plan_.reads_previous_tier = true;
        n.op = Op::tier_change_day;
        n.type = make(TypeKind::date);
        return node(std::move(n));
    }
    // 6. Value sets.
    if (int vs = plan_.valuesets.find(name); vs >= 0) {
        n.op = Op::constant;
        n.type = make(TypeKind::valueset);
        n.ref = vs;  // the value set's index
        return node(std::move(n));
    }
    if (name == "social" || name == "language" || name == "ltc_placement" || name == "care_plan")
        return error(e, codes::type_mismatch, "'" + name + "' is a record: read one of its fields, e.g. " + name + ".<field>");
    // Everything a name could mean here: element fields in scope, facts, parameters, patient
    // fields and collections, built-ins and value sets.
    std::vector<std::string> in_scope;
    for (Coll c : scope.elements)
        for (const auto& f : field_table())
            if (f.coll == c) in_scope.emplace_back(f.name);
    for (const auto& [fact_name, decl] : facts_) in_scope.push_back(fact_name);
    for (const auto& [param_name, decl] : params_) in_scope.push_back(param_name);
    for (const auto& f : field_table())
        if (f.coll == Coll::none && f.record.empty()) in_scope.emplace_back(f.name);
    for (const char* w : {"coverage", "conditions", "encounters", "care_team", "medications", "observations", "social",
                          "language", "ltc_placement", "care_plan", "as_of", "age", "tier", "previous_tier"})
        in_scope.emplace_back(w);
    if (ctx_ && ctx_->allow_anchor) in_scope.emplace_back("anchor");
    if (ctx_ && ctx_->allow_event) in_scope.emplace_back("event");
    for (const auto& vs : plan_.valuesets.sets()) in_scope.push_back(vs.name);
    std::string hint = util::did_you_mean(name, in_scope, {}, 0);
    if (hint.empty() && !scope.elements.empty())
        hint = " (the fields of " + std::string(coll_name(scope.elements.back())) + " are listed in docs/ruleset-language.md)";
    return error(e, codes::unknown_name, "unknown name '" + name + "'" + hint);
}

std::int32_t Compiler::compile_member(const Expr& e, Scope& scope) {
    const Expr& base = e.kids[0];
    if (base.kind == Expr::Kind::name && base.text == "outer") {
        if (scope.elements.size() < 2)
            return error(e, codes::not_available_here, "'outer' is only available inside a nested where");
        auto d = static_cast<std::int32_t>(scope.elements.size()) - 2;
        Coll c = scope.elements[static_cast<std::size_t>(d)];
        for (const auto& f : field_table())
            if (f.coll == c && f.name == e.text) {
                Node n;
                n.op = f.field == Field::med_events ? Op::nested_events : Op::elem_field;
                n.set_field(f.field);
                n.depth = d;
                n.type = f.type;
                return node(std::move(n));
            }
        std::vector<std::string> fields;
        for (const auto& f : field_table())
            if (f.coll == c) fields.emplace_back(f.name);
        return error(e, codes::unknown_name, "the enclosing " + std::string(coll_name(c)) + " element has no field '" + e.text + "'" +
                              util::did_you_mean(e.text, fields, "fields"));
    }
    if ((base.kind == Expr::Kind::name && base.text == "event") ||
        (base.kind == Expr::Kind::member && base.text == "payload" && base.kids[0].kind == Expr::Kind::name &&
         base.kids[0].text == "event"))
        return compile_event(e);
    if (base.kind == Expr::Kind::name) {
        bool record = false;
        std::vector<std::string> fields;
        for (const auto& f : field_table()) {
            if (f.record != base.text) continue;
            record = true;
            fields.emplace_back(f.name);
            if (f.name == e.text) {
                Node n;
                n.op = Op::patient_field;
                n.set_field(f.field);
                n.type = f.type;
                return node(std::move(n));
            }
        }
        if (record)
            return error(e, codes::unknown_name, "'" + base.text + "' has no field '" + e.text + "'" + util::did_you_mean(e.text, fields, "fields"));
    }
    return error(e, codes::type_mismatch, "fields can be read only from social, language, ltc_placement, care_plan and outer");
}

std::int32_t Compiler::compile_event(const Expr& e) {
    if (!ctx_ || !ctx_->allow_event)
        return error(e, codes::not_available_here, "'event' is only available in a workflow's transitions (when, due, reason)");
    Node n;
    if (e.kind == Expr::Kind::name) {  // `event` alone: its time
        n.op = Op::event_time;
        n.type = make(TypeKind::datetime);
        return node(std::move(n));
    }
    if (e.kids[0].kind == Expr::Kind::name) {  // event.time, event.type
        if (e.text == "time") { n.op = Op::event_time; n.type = make(TypeKind::datetime); return node(std::move(n)); }
        if (e.text == "type") { n.op = Op::event_type; n.type = make(TypeKind::string); return node(std::move(n)); }
        if (e.text == "payload") return error(e, codes::type_mismatch, "'event.payload' is a record: read one of its fields, e.g. event.payload.<field>");
        return error(e, codes::unknown_name, "'event' has no field '" + e.text + "'" +
                              util::did_you_mean(e.text, {"time", "type", "payload"}, "fields"));
    }
    std::string declared;
    std::vector<std::string> payload_names;
    if (ctx_->event_payload)
        for (std::size_t i = 0; i < ctx_->event_payload->size(); ++i) {
            const auto& [name, type] = (*ctx_->event_payload)[i];
            if (name == e.text) {
                n.op = Op::event_payload;
                n.set_index(i);
                n.type = type;
                return node(std::move(n));
            }
            declared += (declared.empty() ? "" : ", ") + name;
            payload_names.push_back(name);
        }
    const auto close = util::closest_names(e.text, payload_names);
    return error(e, codes::unknown_name, "the event has no payload field '" + e.text + "' (" +
                          (close.empty() ? "" : "did you mean '" + close.front() + "'? ") +
                          "declared: " + (declared.empty() ? "none" : declared) + ")");
}

std::int32_t Compiler::enum_constant(const Node& enum_node, std::int32_t string_node, const Expr& at) {
    // The string's value, not the expression's text: a parameter is used by its name.
    const std::string value(plan_.nodes[static_cast<std::size_t>(string_node)].k.s);
    auto domain = enum_domain(enum_node.type.enum_id);
    for (std::size_t i = 0; i < domain.size(); ++i)
        if (domain[i] == value) {
            Type t = enum_node.type;
            return constant(Value::integer(static_cast<std::int64_t>(i)), t);
        }
    std::string allowed;
    for (auto d : domain) allowed += (allowed.empty() ? "" : ", ") + std::string(d);
    std::vector<std::string> words(domain.begin(), domain.end());
    const auto close = util::closest_names(value, words);
    return error(at, codes::not_an_enum_value, "'" + value + "' is not one of: " + allowed +
                           (close.empty() ? "" : " (did you mean '" + close.front() + "'?)"));
}

std::int32_t Compiler::compile_compare(const Expr& e, std::int32_t a, std::int32_t b, CmpOp op) {
    Type ta = type_of(a), tb = type_of(b);
    // An enumeration compared with a string literal: the literal becomes the enum value.
    if (ta.kind == TypeKind::enumeration && is_constant_string(b)) {
        b = enum_constant(plan_.nodes[static_cast<std::size_t>(a)], b, e.kids[1]);
        if (b == failed) return failed;
        tb = ta;
    }
    if (tb.kind == TypeKind::enumeration && is_constant_string(a)) {
        a = enum_constant(plan_.nodes[static_cast<std::size_t>(b)], a, e.kids[0]);
        if (a == failed) return failed;
        ta = tb;
    }
    bool equality = op == CmpOp::eq || op == CmpOp::ne;
    auto text_like = [](const Type& t) { return t.kind == TypeKind::string || t.kind == TypeKind::code; };
    bool ok = false;
    if (is_time(ta) && is_time(tb)) ok = true;
    else if (text_like(ta) && text_like(tb)) ok = true;
    else if (ta.kind == TypeKind::number && tb.kind == TypeKind::number) ok = true;
    else if (ta.kind == TypeKind::enumeration && ta == tb) ok = true;
    else if (ta.kind == TypeKind::boolean && tb.kind == TypeKind::boolean && equality) ok = true;
    if (!ok)
        return error(e, codes::type_mismatch, "cannot compare a " + type_name(ta) + " with a " + type_name(tb));
    if (!equality && (ta.kind == TypeKind::enumeration || ta.kind == TypeKind::boolean))
        return error(e, codes::type_mismatch, "'" + e.text + "' does not order " + type_name(ta) + " values; use == or in");
    Node n;
    n.op = Op::cmp;
    n.cmp_op = op;
    n.left_kind = ta.kind;
    n.right_kind = tb.kind;
    n.a = a;
    n.b = b;
    n.type = make(TypeKind::boolean);
    return node(std::move(n));
}

std::int32_t Compiler::compile_in(const Expr& e, std::int32_t a, const Expr& rhs, Scope& scope, bool negate) {
    std::int32_t b = compile_expr(rhs, scope);
    if (b == failed) return failed;
    const Type ta = type_of(a);
    const Type tb = type_of(b);
    Node n;
    n.a = a;
    n.negate = negate;
    n.type = make(TypeKind::boolean);
    if (tb.kind == TypeKind::valueset) {
        if (ta.kind != TypeKind::code)
            return error(e, codes::type_mismatch, "'in' a value set needs a code (such as a condition's code), found a " + type_name(ta));
        n.op = Op::in_valueset;
        n.ref = plan_.nodes[static_cast<std::size_t>(b)].valueset();
        return node(std::move(n));
    }
    if (tb.kind != TypeKind::literal_list)
        return error(rhs, codes::type_mismatch, "'in' needs a value set or a list, found a " + type_name(tb));
    const std::size_t list_index = plan_.nodes[static_cast<std::size_t>(b)].literal_list();
    n.op = Op::in_list;
    if (ta.kind == TypeKind::enumeration) {
        if (tb.elem != TypeKind::string) return error(rhs, codes::type_mismatch, "an enumeration can only be in a list of strings");
        // Copy: the list may be a shared parameter used with several enumerations.
        LiteralList mask_list;
        auto domain = enum_domain(ta.enum_id);
        for (const auto& s : plan_.lists[list_index].strings) {
            auto it = std::find(domain.begin(), domain.end(), s);
            if (it == domain.end()) {
                std::string allowed;
                for (auto d : domain) allowed += (allowed.empty() ? "" : ", ") + std::string(d);
                return error(rhs, codes::not_an_enum_value, "'" + s + "' is not one of: " + allowed);
            }
            mask_list.enum_mask |= std::uint64_t{1} << (it - domain.begin());
        }
        plan_.lists.push_back(std::move(mask_list));
        n.set_index(plan_.lists.size() - 1);
        n.list_match = ListMatch::enum_mask;
        return node(std::move(n));
    }
    if ((ta.kind == TypeKind::string || ta.kind == TypeKind::code) && tb.elem == TypeKind::string) {
        n.set_index(list_index);
        n.list_match = ListMatch::strings;
        return node(std::move(n));
    }
    if (ta.kind == TypeKind::number && tb.elem == TypeKind::number) {
        n.set_index(list_index);
        n.list_match = ListMatch::numbers;
        return node(std::move(n));
    }
    return error(e, codes::type_mismatch, "cannot look for a " + type_name(ta) + " in a " + type_name(tb));
}

std::int32_t Compiler::compile_binary(const Expr& e, Scope& scope) {
    const std::string& op = e.text;
    if (op == "in" || op == "not in") {
        std::int32_t a = compile_expr(e.kids[0], scope);
        if (a == failed) return failed;
        return compile_in(e, a, e.kids[1], scope, op == "not in");
    }
    std::int32_t a = compile_expr(e.kids[0], scope);
    if (a == failed) return failed;
    std::int32_t b = compile_expr(e.kids[1], scope);
    if (b == failed) return failed;
    Type ta = type_of(a), tb = type_of(b);
    Node n;
    n.a = a;
    n.b = b;
    if (op == "and" || op == "or") {
        if (ta.kind != TypeKind::boolean || tb.kind != TypeKind::boolean)
            return error(e, codes::type_mismatch, "'" + op + "' needs booleans on both sides, found " + type_name(ta) + " and " + type_name(tb));
        n.op = op == "and" ? Op::and_ : Op::or_;
        n.type = make(TypeKind::boolean);
        return node(std::move(n));
    }
    if (op == "==") return compile_compare(e, a, b, CmpOp::eq);
    if (op == "!=") return compile_compare(e, a, b, CmpOp::ne);
    if (op == "<") return compile_compare(e, a, b, CmpOp::lt);
    if (op == "<=") return compile_compare(e, a, b, CmpOp::le);
    if (op == ">") return compile_compare(e, a, b, CmpOp::gt);
    if (op == ">=") return compile_compare(e, a, b, CmpOp::ge);

    auto shift = [&](std::int32_t when, std::int32_t dur, bool minus) {
        const Type& tw = type_of(when);
        const Type& td = type_of(dur);
        if (!is_time(tw) || td.kind != TypeKind::duration)
            return error(e, codes::type_mismatch, "'" + op + "' needs a duration and a date or datetime, found " + type_name(type_of(a)) + " and " + type_name(type_of(b)));
        Node s;
        s.op = Op::date_shift;
        s.a = when;
        s.b = dur;
        s.negate = minus;
        s.left_kind = tw.kind;
        bool result_datetime = tw.kind == TypeKind::datetime || td.clock;
        s.type = make(result_datetime ? TypeKind::datetime : TypeKind::date);
        return node(std::move(s));
    };
    if (op == "after") return shift(b, a, false);
    if (op == "before") return shift(b, a, true);
    if (op == "+" || op == "-") {
        if (ta.kind == TypeKind::number && tb.kind == TypeKind::number) {
            n.op = Op::arith;
            n.arith_op = static_cast<ArithOp>(op[0]);
            n.type = ta;
            return node(std::move(n));
        }
        if (is_time(ta) && tb.kind == TypeKind::duration) return shift(a, b, op == "-");
        if (op == "+" && ta.kind == TypeKind::duration && is_time(tb)) return shift(b, a, false);
        if (is_time(ta) && is_time(tb))
            return error(e, codes::type_mismatch, "dates cannot be subtracted; use days_between(a, b) or hours_between(a, b)");
        return error(e, codes::type_mismatch, "'" + op + "' cannot combine a " + type_name(ta) + " and a " + type_name(tb));
    }
    if (op == "*" || op == "/") {
        if (ta.kind != TypeKind::number || tb.kind != TypeKind::number)
            return error(e, codes::type_mismatch, "'" + op + "' needs numbers, found " + type_name(ta) + " and " + type_name(tb));
        n.op = Op::arith;
        n.arith_op = static_cast<ArithOp>(op[0]);
        n.type = ta;
        return node(std::move(n));
    }
    return error(e, codes::expression_syntax, "unknown operator '" + op + "'");
}

namespace {

// How a built-in function's arguments are compiled and typed.
enum class CallShape : std::uint8_t {
    list_count,      // f(list of records)
    exists,          // exists(list) or exists(value): op for a list, alt_op for a value
    list_aggregate,  // f(list, element expression [, value expression])
    extreme,         // min/max: f(list, element expression) (op), or variadic over values (alt_op)
    category,        // category(code, value set with categories)
    codes,           // codes(list of coded records)
    between,         // f(date or datetime, date or datetime) -> number
    date_of,         // date(datetime) -> date
    abs,             // abs(number)
};

// The built-in functions, declared once, the way cel-cpp declares its standard library:
// name, argument count, how the arguments are typed, and the node kind each compiles to.
// A new function is a row here, its case in Evaluator::eval and a line in
// docs/ruleset-language.md.
struct Builtin {
    std::string_view name;
    std::uint8_t min_args;
    std::uint8_t max_args;
    CallShape shape;
    Op op;
    Op alt_op = Op::constant;
};

constexpr Builtin kBuiltins[] = {
    {"count", 1, 1, CallShape::list_count, Op::count},
    {"exists", 1, 1, CallShape::exists, Op::exists_list, Op::exists_value},
    {"count_distinct", 2, 2, CallShape::list_aggregate, Op::count_distinct},
    {"all", 2, 2, CallShape::list_aggregate, Op::all},
    {"any", 2, 2, CallShape::list_aggregate, Op::any},
    {"sum", 2, 2, CallShape::list_aggregate, Op::sum_list},
    {"max", 1, 64, CallShape::extreme, Op::max_list, Op::max_values},
    {"min", 1, 64, CallShape::extreme, Op::min_list, Op::min_values},
    {"latest", 2, 3, CallShape::list_aggregate, Op::latest},
    {"earliest", 2, 3, CallShape::list_aggregate, Op::earliest},
    {"category", 2, 2, CallShape::category, Op::category},
    {"codes", 1, 1, CallShape::codes, Op::codes},
    {"days_between", 2, 2, CallShape::between, Op::days_between},
    {"hours_between", 2, 2, CallShape::between, Op::hours_between},
    {"years_between", 2, 2, CallShape::between, Op::years_between},
    {"date", 1, 1, CallShape::date_of, Op::date_of},
    {"abs", 1, 1, CallShape::abs, Op::abs_},
};

const Builtin* find_builtin(std::string_view name) {
    for (const auto& b : kBuiltins)
        if (b.name == name) return &b;
    return nullptr;
}

}  // namespace

std::int32_t Compiler::compile_call(const Expr& e, Scope& scope) {
    const std::string& f = e.text;
    const auto argc = e.kids.size();
    const Builtin* fn = find_builtin(f);
    if (!fn) {
        std::vector<std::string> names;
        for (const auto& b : kBuiltins) names.emplace_back(b.name);
        return error(e, codes::unknown_name, "unknown function '" + f + "'" + util::did_you_mean(f, names, "functions", 0));
    }
    // False (and reported) when the call has too few or too many arguments.
    auto want_args = [&](std::size_t lo, std::size_t hi) {
        if (argc >= lo && argc <= hi) return true;
        std::string n = lo == hi ? std::to_string(lo) : std::to_string(lo) + " to " + std::to_string(hi);
        (void)error(e, codes::wrong_arity, f + "() takes " + n + " argument(s), found " + std::to_string(argc));
        return false;
    };
    auto list_arg = [&](std::size_t i) {
        std::int32_t l = compile_expr(e.kids[i], scope);
        if (l == failed) return failed;
        if (type_of(l).kind != TypeKind::list)
            return error(e.kids[i], codes::not_a_list, f + "() needs a list of records, found a " + type_name(type_of(l)));
        return l;
    };
    Node n;
    n.op = fn->op;
    // Aggregates over a list with an element expression (min/max in their list form).
    auto aggregate = [&](std::int32_t l) {
        if (l == failed) return failed;
        if (!want_args(2, fn->shape == CallShape::extreme ? 2 : fn->max_args)) return failed;
        Coll c = type_of(l).coll;
        std::int32_t depth = 0;
        std::int32_t x = compile_element_expr(e.kids[1], c, scope, depth);
        if (x == failed) return failed;
        const Type tx = type_of(x);
        n.a = l;
        n.b = x;
        n.depth = depth;
        switch (fn->op) {
            case Op::count_distinct:
                if (tx.kind == TypeKind::list || tx.kind == TypeKind::literal_list || tx.kind == TypeKind::valueset)
                    return error(e.kids[1], codes::type_mismatch, "count_distinct() counts values, not a " + type_name(tx));
                n.type = make(TypeKind::number);
                break;
            case Op::any:
            case Op::all:
                if (tx.kind != TypeKind::boolean)
                    return error(e.kids[1], codes::type_mismatch, f + "() needs a boolean condition, found a " + type_name(tx));
                n.type = make(TypeKind::boolean);
                break;
            case Op::sum_list:
                if (tx.kind != TypeKind::number) return error(e.kids[1], codes::type_mismatch, "sum() adds numbers, found a " + type_name(tx));
                n.type = tx;
                break;
            case Op::min_list:
            case Op::max_list:
                if (tx.kind != TypeKind::number && !is_time(tx))
                    return error(e.kids[1], codes::type_mismatch, f + "() needs numbers, dates or datetimes, found a " + type_name(tx));
                n.type = tx;
                break;
            default:  // latest, earliest
                if (!is_time(tx) && tx.kind != TypeKind::number)
                    return error(e.kids[1], codes::type_mismatch, f + "() orders by a date, datetime or number, found a " + type_name(tx));
                n.type = tx;
                if (argc == 3) {
                    std::int32_t d2 = 0;
                    n.c = compile_element_expr(e.kids[2], c, scope, d2);
                    if (n.c == failed) return failed;
                    n.type = type_of(n.c);
                }
                break;
        }
        std::int32_t made = node(std::move(n));
        if (fn->op == Op::any) plan_join(made);
        return made;
    };
    switch (fn->shape) {
        case CallShape::list_count:
            if (!want_args(fn->min_args, fn->max_args)) return failed;
            n.a = list_arg(0);
            if (n.a == failed) return failed;
            n.type = make(TypeKind::number);
            return node(std::move(n));
        case CallShape::exists: {
            if (!want_args(fn->min_args, fn->max_args)) return failed;
            std::int32_t x = compile_expr(e.kids[0], scope);
            if (x == failed) return failed;
            if (type_of(x).kind != TypeKind::list) n.op = fn->alt_op;
            n.a = x;
            n.type = make(TypeKind::boolean);
            return node(std::move(n));
        }
        case CallShape::list_aggregate:
            if (argc < 1 && !want_args(fn->min_args, fn->max_args)) return failed;
            return aggregate(list_arg(0));
        case CallShape::extreme: {
            if (argc < 1 && !want_args(fn->min_args, fn->max_args)) return failed;
            std::int32_t first = compile_expr(e.kids[0], scope);
            if (first == failed) return failed;
            if (type_of(first).kind == TypeKind::list) return aggregate(first);
            n.op = fn->alt_op;
            for (std::size_t i = 0; i < argc; ++i) {
                const Expr& k = e.kids[i];
                std::int32_t x = i == 0 ? first : compile_expr(k, scope);
                if (x == failed) return failed;
                const Type& tx = type_of(x);
                if (tx.kind != TypeKind::number && !is_time(tx))
                    return error(k, codes::type_mismatch, f + "() needs numbers, dates or datetimes, found a " + type_name(tx));
                if (!n.args.empty() && !(type_of(n.args.front()).kind == tx.kind))
                    return error(k, codes::type_mismatch, f + "() needs arguments of one type, found " + type_name(type_of(n.args.front())) + " and " + type_name(tx));
                n.args.push_back(x);
            }
            n.type = type_of(n.args.front());
            return node(std::move(n));
        }
        case CallShape::category: {
            if (!want_args(fn->min_args, fn->max_args)) return failed;
            std::int32_t code = compile_expr(e.kids[0], scope);
            if (code == failed) return failed;
            std::int32_t vs = compile_expr(e.kids[1], scope);
            if (vs == failed) return failed;
            if (type_of(code).kind != TypeKind::code) return error(e.kids[0], codes::type_mismatch, "category() needs a code, found a " + type_name(type_of(code)));
            if (type_of(vs).kind != TypeKind::valueset) return error(e.kids[1], codes::type_mismatch, "category() needs a value set, found a " + type_name(type_of(vs)));
            int set = plan_.nodes[static_cast<std::size_t>(vs)].valueset();
            if (plan_.valuesets.sets()[static_cast<std::size_t>(set)].categories.empty())
                return error(e.kids[1], codes::type_mismatch, "value set '" + e.kids[1].text + "' has no categories");
            n.a = code;
            n.ref = set;  // the value set's index
            n.type = make(TypeKind::string);
            return node(std::move(n));
        }
        case CallShape::codes: {
            if (!want_args(fn->min_args, fn->max_args)) return failed;
            std::int32_t l = list_arg(0);
            if (l == failed) return failed;
            if (!code_field(type_of(l).coll)) return error(e.kids[0], codes::type_mismatch, "codes() needs a list of coded records");
            n.a = l;
            n.type = make(TypeKind::string);
            return node(std::move(n));
        }
        case CallShape::between: {
            if (!want_args(fn->min_args, fn->max_args)) return failed;
            n.a = compile_expr(e.kids[0], scope);
            if (n.a == failed) return failed;
            n.b = compile_expr(e.kids[1], scope);
            if (n.b == failed) return failed;
            for (int i = 0; i < 2; ++i) {
                const Type& t = type_of(i == 0 ? n.a : n.b);
                if (!is_time(t)) return error(e.kids[static_cast<std::size_t>(i)], codes::type_mismatch, f + "() needs dates or datetimes, found a " + type_name(t));
            }
            n.left_kind = type_of(n.a).kind;
            n.right_kind = type_of(n.b).kind;
            n.type = make(TypeKind::number);
            return node(std::move(n));
        }
        case CallShape::date_of:
            if (!want_args(fn->min_args, fn->max_args)) return failed;
            n.a = compile_expr(e.kids[0], scope);
            if (n.a == failed) return failed;
            if (!is_time(type_of(n.a))) return error(e.kids[0], codes::type_mismatch, "date() needs a datetime, found a " + type_name(type_of(n.a)));
            n.left_kind = type_of(n.a).kind;
            n.type = make(TypeKind::date);
            return node(std::move(n));
        case CallShape::abs:
            if (!want_args(fn->min_args, fn->max_args)) return failed;
            n.a = compile_expr(e.kids[0], scope);
            if (n.a == failed) return failed;
            if (type_of(n.a).kind != TypeKind::number) return error(e.kids[0], codes::type_mismatch, "abs() needs a number");
            n.type = make(TypeKind::number);
            return node(std::move(n));
    }
    return error(e, codes::unknown_name, "unknown function '" + f + "'");
}


// ---- Join planning ----------------------------------------------------------------------

std::uint64_t Compiler::free_depths(std::int32_t n) {
    constexpr std::uint64_t not_computed = ~std::uint64_t{0};
    if (free_depths_memo_.size() < plan_.nodes.size()) free_depths_memo_.resize(plan_.nodes.size(), not_computed);
    const auto i = static_cast<std::size_t>(n);
    if (free_depths_memo_[i] != not_computed) return free_depths_memo_[i];
    const Node& x = plan_.nodes[i];
    auto bit = [](std::int32_t d) { return d >= 0 && d < 63 ? std::uint64_t{1} << d : std::uint64_t{1} << 63; };
    auto of = [&](std::int32_t k) { return k >= 0 ? free_depths(k) : std::uint64_t{0}; };
    std::uint64_t m = 0;
    switch (x.op) {
        case Op::elem_field:
        case Op::nested_events: m = bit(x.depth); break;
        case Op::fact: m = 0; break;  // a fact is compiled in a scope of its own
        case Op::where: case Op::any: case Op::all: case Op::count_distinct: case Op::sum_list:
        case Op::min_list: case Op::max_list: case Op::latest: case Op::earliest:
            m = of(x.a) | ((of(x.b) | of(x.c)) & ~bit(x.depth));
            break;
        default:
            m = of(x.a) | of(x.b) | of(x.c);
            for (auto k : x.args) m |= of(k);
            break;
    }
    free_depths_memo_[i] = m;
    return m;
}

bool Compiler::two_valued(std::int32_t n) {
    if (two_valued_memo_.size() < plan_.nodes.size()) two_valued_memo_.resize(plan_.nodes.size(), 2);
    const auto i = static_cast<std::size_t>(n);
    if (two_valued_memo_[i] != 2) return two_valued_memo_[i] != 0;
    const Node& x = plan_.nodes[i];
    auto kids = [&]() {
        for (std::int32_t k : {x.a, x.b, x.c})
            if (k >= 0 && !two_valued(k)) return false;
        for (auto k : x.args)
            if (!two_valued(k)) return false;
        return true;
    };
    bool r = false;
    switch (x.op) {
        case Op::constant: r = x.k.state != Value::unknown; break;
        case Op::patient_field:
        case Op::elem_field: r = field_info(x.field()).missing_bit < 0; break;
        case Op::collection: case Op::nested_events: case Op::as_of: case Op::age:
        case Op::previous_tier: case Op::tier_change_day:
        case Op::exists_value:  // reads its argument with missing data not reported
            r = true;
            break;
        case Op::fact: r = two_valued(plan_.facts[x.fact_slot()].node); break;
        case Op::tier: case Op::anchor: case Op::event_time: case Op::event_type: case Op::event_payload:
            r = false;  // unknown when not given
            break;
        case Op::arith: r = x.arith_op != ArithOp::div && kids(); break;  // a division by zero is unknown
        default: r = kids(); break;
    }
    two_valued_memo_[i] = r ? 1 : 0;
    return r;
}

bool Compiler::same_expr(std::int32_t x, std::int32_t y) const {
    if (x == y) return true;
    if (x < 0 || y < 0) return false;
    const Node& a = plan_.nodes[static_cast<std::size_t>(x)];
    const Node& b = plan_.nodes[static_cast<std::size_t>(y)];
    if (!a.same_shape(b) || a.ref != b.ref || a.args.size() != b.args.size())
        return false;
    if (a.op == Op::constant &&
        (a.k.state != b.k.state || a.k.i != b.k.i || a.k.num != b.k.num || a.k.s != b.k.s || a.k.system != b.k.system ||
         a.k.dur.amount != b.k.dur.amount || a.k.dur.unit != b.k.dur.unit))
        return false;
    for (std::size_t k = 0; k < a.args.size(); ++k)
        if (!same_expr(a.args[k], b.args[k])) return false;
    return same_expr(a.a, b.a) && same_expr(a.b, b.b) && same_expr(a.c, b.c) &&
           (a.a < 0) == (b.a < 0) && (a.b < 0) == (b.b < 0) && (a.c < 0) == (b.c < 0);
}

std::int32_t Compiler::order_base(std::int32_t n) const {
    const Node& x = plan_.nodes[static_cast<std::size_t>(n)];
    auto is_constant = [&](std::int32_t k) { return k >= 0 && plan_.nodes[static_cast<std::size_t>(k)].op == Op::constant; };
    // Each of these keeps the order of its argument (never decreases as it grows).
    if (x.op == Op::date_of) return order_base(x.a);
    if (x.op == Op::date_shift && is_constant(x.b)) return order_base(x.a);
    if (x.op == Op::arith && (x.arith_op == ArithOp::add || x.arith_op == ArithOp::sub) && is_constant(x.b)) return order_base(x.a);
    if (x.op == Op::arith && x.arith_op == ArithOp::add && is_constant(x.a)) return order_base(x.b);
    return n;
}

namespace {

CmpOp flipped(CmpOp op) {
    switch (op) {
        case CmpOp::lt: return CmpOp::gt;
        case CmpOp::le: return CmpOp::ge;
        case CmpOp::gt: return CmpOp::lt;
        case CmpOp::ge: return CmpOp::le;
        default: return op;
    }
}

bool orderable(TypeKind k) {
    switch (k) {
        case TypeKind::number: case TypeKind::date: case TypeKind::datetime: case TypeKind::string:
        case TypeKind::code: case TypeKind::enumeration: case TypeKind::boolean:
            return true;
        default: return false;
    }
}

}  // namespace

// An any() in an element scope, over a list that does not depend on that scope, whose
// condition is a chain of `and` terms, each of which reads only the inner element, reads no
// inner element, compares an inner side with an outer side, or can never be unknown: sorted
// by the inner expression most of the comparisons order by (a key), it becomes a binary
// search per outer element. Anything else stays a loop.
void Compiler::plan_join(std::int32_t any_node) {
    const Node n = plan_.nodes[static_cast<std::size_t>(any_node)];
    if (n.depth <= 0 || n.depth >= 63) return;  // no outer element to correlate with
    const std::uint64_t inner = std::uint64_t{1} << n.depth;
    if (free_depths(n.a) != 0) return;
    std::vector<std::int32_t> terms;
    std::vector<std::int32_t> pending{n.b};
    while (!pending.empty()) {
        std::int32_t t = pending.back();
        pending.pop_back();
        const Node& x = plan_.nodes[static_cast<std::size_t>(t)];
        if (x.op == Op::and_) {
            pending.push_back(x.b);
            pending.push_back(x.a);
        } else {
            terms.push_back(t);
        }
    }
    JoinPlan jp;
    jp.list = n.a;
    jp.depth = n.depth;
    bool leading = true;
    for (std::int32_t t : terms) {
        const std::uint64_t m = free_depths(t);
        if (!(m & ~inner) && (m & inner || m == 0)) {
            jp.filters.push_back(t);
            if (leading) ++jp.leading_filters;
            continue;
        }
        leading = false;
        if (!(m & inner)) {
            jp.outer_terms.push_back(t);
            continue;
        }
        const Node& x = plan_.nodes[static_cast<std::size_t>(t)];
        if (x.op == Op::cmp) {
            const std::uint64_t ma = free_depths(x.a), mb = free_depths(x.b);
            const auto op = x.cmp_op;
            const auto ka = x.left_kind, kb = x.right_kind;
            if (!(ma & ~inner) && !(mb & inner)) {
                jp.bounds.push_back(JoinBound{x.a, x.b, op, ka, kb, false});
                continue;
            }
            if (!(mb & ~inner) && !(ma & inner)) {
                jp.bounds.push_back(JoinBound{x.b, x.a, flipped(op), kb, ka, false});
                continue;
            }
        }
        if (!two_valued(t)) return;
        jp.residual.push_back(t);
    }
    // The key: the inner expression that most ordered comparisons order by.
    std::int32_t key = -1;
    std::size_t key_uses = 0;
    auto keyable = [&](const JoinBound& b) {
        return b.op != CmpOp::ne && orderable(b.inner_kind) && orderable(type_of(order_base(b.inner)).kind);
    };
    for (const auto& b : jp.bounds) {
        if (!keyable(b)) continue;
        const std::int32_t base = order_base(b.inner);
        std::size_t uses = 0;
        for (const auto& c : jp.bounds)
            if (keyable(c) && same_expr(order_base(c.inner), base)) ++uses;
        if (uses > key_uses) {
            key = base;
            key_uses = uses;
        }
    }
    if (key < 0) return;
    for (auto& b : jp.bounds) b.keyed = keyable(b) && same_expr(order_base(b.inner), key);
    jp.key = key;
    jp.key_kind = type_of(key).kind;
    plan_.joins.push_back(std::move(jp));
    plan_.nodes[static_cast<std::size_t>(any_node)].join = static_cast<std::int32_t>(plan_.joins.size() - 1);
}

}  // namespace carecoord::rules
