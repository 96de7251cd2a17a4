#include "carecoord/explain.hpp"

#include <algorithm>
#include <cmath>

#include "engine/engine_state.hpp"
#include "engine/evaluator.hpp"
#include "util/diagnostics.hpp"

namespace carecoord {

namespace {

using rules::CmpOp;
using rules::Node;
using rules::Op;
using rules::Plan;
using rules::TypeKind;

std::string truth_text(int t) { return t == 1 ? "true" : t == 0 ? "false" : "unknown"; }

const char* op_text(CmpOp op) {
    switch (op) {
        case CmpOp::eq: return "==";
        case CmpOp::ne: return "!=";
        case CmpOp::lt: return "<";
        case CmpOp::le: return "<=";
        case CmpOp::gt: return ">";
        case CmpOp::ge: return ">=";
    }
    return "?";
}

class RuleWalker {
public:
    RuleWalker(const Plan& plan, const rules::PlanSource& src, engine::Evaluator& ev) : plan_(plan), src_(src), ev_(ev) {}

    const Node& node(std::int32_t i) const { return plan_.nodes[static_cast<std::size_t>(i)]; }

    std::string text(std::int32_t i, const std::string& source) const {
        const rules::TextSpan n = src_.span(i);
        if (n.begin < 0 || n.end > static_cast<std::int32_t>(source.size()) || n.end <= n.begin) return "";
        std::string t = source.substr(static_cast<std::size_t>(n.begin), static_cast<std::size_t>(n.end - n.begin));
        // Block scalars fold lines: one line per condition reads better.
        std::string out;
        bool space = false;
        for (char c : t) {
            if (c == '\n' || c == ' ' || c == '\t') {
                space = true;
                continue;
            }
            if (space && !out.empty()) out += ' ';
            space = false;
            out += c;
        }
        return out;
    }

    // The leaves of the and/or/not tree above them, in order.
    void leaves(std::int32_t i, std::vector<std::int32_t>& out) const {
        const Node& n = node(i);
        if (n.op == Op::and_ || n.op == Op::or_) {
            leaves(n.a, out);
            leaves(n.b, out);
        } else if (n.op == Op::not_) {
            leaves(n.a, out);
        } else {
            out.push_back(i);
        }
    }

    ConditionExplanation condition(std::int32_t i, const std::string& source) {
        ConditionExplanation c;
        c.text = text(i, source);
        const Node& n = node(i);
        c.result = truth_text(ev_.truth(i));
        if (n.op == Op::in_list || n.op == Op::in_valueset) {
            // `x in S` / `x not in S`: the value compared, beside what it was looked up in.
            ev_.format(ev_.eval(n.a), node(n.a).type, c.left);
            c.op = n.negate ? "not in" : "in";
            if (n.op == Op::in_valueset) {
                c.right = plan_.valuesets.sets()[static_cast<std::size_t>(n.valueset())].name;
            } else if (auto at = c.text.rfind(" in "); at != std::string::npos) {
                c.right = c.text.substr(at + 4);
            }
            return c;
        }
        if (n.op != Op::cmp) return c;
        rules::Value a = ev_.eval(n.a), b = ev_.eval(n.b);
        ev_.format(a, node(n.a).type, c.left);
        ev_.format(b, node(n.b).type, c.right);
        c.op = op_text(n.cmp_op);
        if (c.result == "false" && node(n.a).type.kind == TypeKind::number && a.state == rules::Value::known &&
            b.state == rules::Value::known) {
            // How far the left side is from passing; counts are whole numbers.
            switch (n.cmp_op) {
                case CmpOp::ge: c.gap = b.num - a.num; break;
                case CmpOp::gt: c.gap = std::floor(b.num - a.num) + 1; break;
                case CmpOp::le: c.gap = a.num - b.num; break;
                case CmpOp::lt: c.gap = std::floor(a.num - b.num) + 1; break;
                default: break;
            }
        }
        return c;
    }

    // Would the rule match if leaf `target` alone turned true (all else as it is)?
    bool flips(std::int32_t i, std::int32_t target) {
        if (i == target) return true;
        const Node& n = node(i);
        if (n.op == Op::or_) return flips(n.a, target) || flips(n.b, target);
        if (n.op == Op::and_) {
            if (contains(n.a, target)) return flips(n.a, target) && ev_.truth(n.b) == 1;
            if (contains(n.b, target)) return flips(n.b, target) && ev_.truth(n.a) == 1;
        }
        return false;  // under `not`, or not in this subtree
    }

private:
    bool contains(std::int32_t i, std::int32_t target) const {
        if (i == target) return true;
        const Node& n = node(i);
        if (n.op == Op::and_ || n.op == Op::or_) return contains(n.a, target) || contains(n.b, target);
        if (n.op == Op::not_) return contains(n.a, target);
        return false;
    }

    const Plan& plan_;
    const rules::PlanSource& src_;
    engine::Evaluator& ev_;
};

}  // namespace

Result<Explanation> explain(const Engine& engine, const Patient& patient, Date as_of) {
    try {
        EvaluateOptions options;
        options.include_facts = true;
        auto det = engine.evaluate(patient, as_of, options);
        if (!det.ok()) return det.diagnostics();
        Explanation out;
        out.determination = std::move(det.value());
        const std::string& tier = out.determination.tier.tier;
        auto plans = detail::EngineState::of(engine).in_force(as_of);
        auto previous = detail::EngineState::of(engine).previous_tier(plans, patient, as_of);
        for (const rules::Plan* plan : plans) {
            if (plan->workflow_only()) continue;
            engine::thread_scratch().steps_left = detail::EngineState::of(engine).options.limits.max_evaluation_steps;
            engine::TierInput tier_in{true, tier, previous.known, previous.tier,
                                      static_cast<std::int32_t>(previous.changed.time_since_epoch().count())};
            engine::Evaluator ev(*plan, patient, as_of, engine::thread_scratch(), tier_in);
            const rules::PlanSource& src = detail::EngineState::of(engine).source_of(*plan);
            RuleWalker walk(*plan, src, ev);
            // What each condition code is, by the value sets of this plan.
            std::vector<std::uint64_t> bits(plan->valuesets.words());
            for (const auto& c : patient.conditions) {
                auto note = std::find_if(out.codes.begin(), out.codes.end(),
                                         [&](const CodeNote& n) { return n.code == c.code && n.system == c.system; });
                if (note == out.codes.end()) note = out.codes.insert(out.codes.end(), CodeNote{c.code, c.system, {}, {}, {}});
                if (note->display.empty())
                    if (const std::string* display = plan->valuesets.display(c.system, c.code)) note->display = *display;
                if (note->recorded_display.empty()) note->recorded_display = c.display;
                if (bits.empty()) continue;
                plan->valuesets.lookup(c.system, c.code, bits.data());
                const auto& sets = plan->valuesets.sets();
                for (std::size_t v = 0; v < sets.size(); ++v) {
                    if (!plan->valuesets.contains(bits.data(), static_cast<int>(v))) continue;
                    std::string what = sets[v].name;
                    if (int cat = plan->valuesets.category_of(bits.data(), static_cast<int>(v)); cat >= 0)
                        what += ": " + sets[v].categories[static_cast<std::size_t>(cat)];
                    if (std::find(note->valuesets.begin(), note->valuesets.end(), what) == note->valuesets.end())
                        note->valuesets.push_back(std::move(what));
                }
            }
            for (const auto& entry : plan->sources) {
                const std::string& id = entry.first;  // not a structured binding: lambdas capture it (clang 14)
                if (std::none_of(out.citations.begin(), out.citations.end(), [&](const Citation& c) { return c.id == id; }))
                    out.citations.push_back(Citation{id, entry.second.first, entry.second.second});
            }
            auto explain_rule = [&](const std::string& kind, const std::string& id, const std::string& target,
                                    std::int32_t when, const std::string& source) {
                RuleExplanation r;
                r.kind = kind;
                r.id = id;
                if (kind == "program")
                    for (const auto& p : plan->programs)
                        if (p.id == id) r.name = p.name;
                r.target = target;
                if (when < 0) return r;
                r.result = truth_text(ev.truth(when));
                std::vector<std::int32_t> ls;
                walk.leaves(when, ls);
                for (auto leaf : ls) r.conditions.push_back(walk.condition(leaf, source));
                return r;
            };
            int current = -1;
            if (plan->has_tiers) {
                auto it = std::find(plan->tier_order.begin(), plan->tier_order.end(), tier);
                current = it == plan->tier_order.end() ? -1 : static_cast<int>(it - plan->tier_order.begin());
            }
            for (const auto& rule : plan->tier_rules) {
                const std::string& target = plan->tier_order[static_cast<std::size_t>(rule.tier)];
                RuleExplanation r = explain_rule("tier", rule.id, target, rule.when, src.when_text(rule.when));
                // A rule of a higher tier that does not match: which single condition, moved how
                // far, would make it match? None for the deceased: no data moves them.
                if (!out.determination.deceased && rule.tier > current && r.result != "true" && rule.when >= 0) {
                    std::vector<std::int32_t> ls;
                    walk.leaves(rule.when, ls);
                    for (std::size_t k = 0; k < ls.size(); ++k) {
                        const auto& c = r.conditions[k];
                        if (c.gap <= 0 || !walk.flips(rule.when, ls[k])) continue;
                        Boundary b;
                        b.tier = target;
                        b.rule = rule.id;
                        b.condition = c.text;
                        b.now = c.left;
                        b.gap = c.gap;
                        std::string amount = std::to_string(static_cast<long long>(std::ceil(c.gap)));
                        b.needs = (c.op == ">=" || c.op == ">") ? amount + " more" : amount + " less";
                        out.nearest.push_back(std::move(b));
                    }
                }
                out.rules.push_back(std::move(r));
            }
            for (const auto& flag : plan->flags)
                for (const auto& rule : flag.rules) out.rules.push_back(explain_rule("flag", rule.id, flag.id, rule.when, src.when_text(rule.when)));
            for (const auto& program : plan->programs)
                out.rules.push_back(explain_rule("program", program.id, "", program.when, src.when_text(program.when)));
        }
        std::stable_sort(out.nearest.begin(), out.nearest.end(), [](const Boundary& a, const Boundary& b) { return a.gap < b.gap; });
        return out;
    } catch (const engine::BudgetExceeded&) {
        Diagnostic d;
        d.code = "E0504";
        d.message = engine::budget_message(detail::EngineState::of(engine).options.limits.max_evaluation_steps);
        return d;
    } catch (...) {
        return util::exception_diagnostic("explaining");
    }
}

}  // namespace carecoord
