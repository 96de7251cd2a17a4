#include "cli/analysis.hpp"

#include <algorithm>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <tuple>

#include "engine/engine_state.hpp"
#include "engine/evaluator.hpp"
#include "load/ruleset_loader.hpp"
#include "load/yaml_tree.hpp"
#include "rules/valueset.hpp"

namespace carecoord::cli {

namespace {

namespace fs = std::filesystem;
using rules::Node;
using rules::Op;
using rules::Plan;

Diagnostic finding(const char* code, const std::string& file, int line, int column, std::string message,
                   std::string rule = {}, Severity severity = Severity::warning) {
    Diagnostic d;
    d.code = code;
    d.severity = severity;
    d.file = file;
    d.line = line;
    d.column = column;
    d.message = std::move(message);
    d.rule_id = std::move(rule);
    return d;
}

// ---- constant conditions --------------------------------------------------------------

// True when the value of node n does not depend on the patient, the as-of date or the tier.
bool patient_free(const Plan& p, std::int32_t n) {
    if (n < 0) return true;
    const Node& x = p.nodes[static_cast<std::size_t>(n)];
    switch (x.op) {
        case Op::patient_field: case Op::elem_field: case Op::collection: case Op::nested_events:
        case Op::as_of: case Op::age: case Op::tier: case Op::previous_tier: case Op::tier_change_day: case Op::anchor:
            return false;
        case Op::fact:
            return patient_free(p, p.facts[static_cast<std::size_t>(x.extra)].node);
        default: break;
    }
    if (!patient_free(p, x.a) || !patient_free(p, x.b) || !patient_free(p, x.c)) return false;
    return std::all_of(x.args.begin(), x.args.end(), [&](std::int32_t c) { return patient_free(p, c); });
}

// The truth of a boolean whatever the patient: 1 true, 0 false, -1 unknown; nullopt when it
// depends on the patient. `false and X` is false and `true or X` true whatever X is.
std::optional<int> constant_truth(const Plan& p, std::int32_t n, engine::Evaluator& ev) {
    const Node& x = p.nodes[static_cast<std::size_t>(n)];
    if (x.op == Op::fact) return constant_truth(p, p.facts[static_cast<std::size_t>(x.extra)].node, ev);
    if (x.op == Op::and_ || x.op == Op::or_) {
        int absorbing = x.op == Op::and_ ? 0 : 1;
        auto a = constant_truth(p, x.a, ev);
        auto b = constant_truth(p, x.b, ev);
        if ((a && *a == absorbing) || (b && *b == absorbing)) return absorbing;
        if (a && b) return *a == *b ? *a : -1;
        return std::nullopt;
    }
    if (x.op == Op::not_) {
        auto a = constant_truth(p, x.a, ev);
        if (!a) return std::nullopt;
        return *a < 0 ? -1 : 1 - *a;
    }
    if (!patient_free(p, n)) return std::nullopt;
    return ev.truth(n);
}

// ---- identical conditions -------------------------------------------------------------

bool same_value(const rules::Value& a, const rules::Value& b) {
    return a.state == b.state && a.i == b.i && a.num == b.num && a.s == b.s && a.dur.amount == b.dur.amount &&
           a.dur.unit == b.dur.unit;
}

bool same_list(const rules::LiteralList& a, const rules::LiteralList& b) {
    return a.enum_mask == b.enum_mask && a.strings == b.strings && a.numbers == b.numbers;
}

// Two compiled expressions of one plan that compute the same thing in the same way.
bool same_expr(const Plan& p, std::int32_t a, std::int32_t b) {
    if (a == b) return true;
    if (a < 0 || b < 0) return false;
    const Node& x = p.nodes[static_cast<std::size_t>(a)];
    const Node& y = p.nodes[static_cast<std::size_t>(b)];
    if (x.op != y.op || x.aux != y.aux || x.aux2 != y.aux2 || x.aux3 != y.aux3 || x.depth != y.depth || !(x.type == y.type) ||
        x.args.size() != y.args.size())
        return false;
    if (x.op == Op::constant) {
        if (x.type.kind == rules::TypeKind::literal_list)
            return x.extra == y.extra ||
                   same_list(p.lists[static_cast<std::size_t>(x.extra)], p.lists[static_cast<std::size_t>(y.extra)]);
        return x.extra == y.extra && same_value(x.k, y.k);
    }
    if (x.op == Op::in_list && x.extra != y.extra &&
        !same_list(p.lists[static_cast<std::size_t>(x.extra)], p.lists[static_cast<std::size_t>(y.extra)]))
        return false;
    if (x.op != Op::in_list && x.extra != y.extra) return false;
    if (!same_expr(p, x.a, y.a) || !same_expr(p, x.b, y.b) || !same_expr(p, x.c, y.c)) return false;
    for (std::size_t i = 0; i < x.args.size(); ++i)
        if (!same_expr(p, x.args[i], y.args[i])) return false;
    return true;
}

void analyze_tier_rules(const Plan& plan, std::vector<Diagnostic>& out) {
    if (!plan.has_tiers) return;
    Patient nobody;
    engine::Scratch scratch;
    engine::Evaluator ev(plan, nobody, plan.effective_from, scratch, engine::TierInput{});
    const auto& rs = plan.tier_rules;
    auto tier = [&](const rules::CompiledRule& r) { return plan.tier_order[static_cast<std::size_t>(r.tier)]; };
    for (std::size_t i = 0; i < rs.size(); ++i) {
        const auto& r = rs[i];
        if (r.when < 0) continue;
        if (auto t = constant_truth(plan, r.when, ev)) {
            if (*t == 1)
                out.push_back(finding("W0702", r.where.file, r.where.line, r.where.column,
                                      "tier rule '" + r.id + "' always matches: every patient gets at least the tier " + tier(r),
                                      r.id));
            else
                out.push_back(finding("W0701", r.where.file, r.where.line, r.where.column,
                                      "tier rule '" + r.id + "' can never match: its `when` is always " +
                                          (*t == 0 ? "false" : "unknown"),
                                      r.id));
        }
        for (std::size_t j = 0; j < i; ++j) {
            const auto& e = rs[j];
            if (e.when < 0 || !same_expr(plan, e.when, r.when)) continue;
            // The rule with the lower tier never decides the tier; with equal tiers, the later.
            const auto& dead = e.tier > r.tier ? r : r.tier > e.tier ? e : r;
            const auto& live = &dead == &r ? e : r;
            out.push_back(finding("W0703", dead.where.file, dead.where.line, dead.where.column,
                                  "tier rule '" + dead.id + "' has the same `when` as '" + live.id + "' (line " +
                                      std::to_string(live.where.line) + ", tier " + tier(live) +
                                      "): it is shadowed and never decides the tier",
                                  dead.id));
            break;
        }
    }
}

// ---- value sets -----------------------------------------------------------------------

struct Entry {
    std::string category;  // empty: a flat value set
    std::string system;
    std::string text;
    load::Mark mark;
    std::vector<std::pair<std::string, std::string>> ranges;  // hierarchical systems
};

bool overlap(const Entry& a, const Entry& b) {
    if (a.system != b.system) return false;
    if (!rules::ValueSetTable::is_hierarchical(a.system)) return a.text == b.text;
    for (const auto& [lo1, hi1] : a.ranges)
        for (const auto& [lo2, hi2] : b.ranges) {
            // Codes match a range by their prefix of the range's length; compare on the shorter.
            std::size_t n = std::min(lo1.size(), lo2.size());
            if (lo1.substr(0, n) <= hi2.substr(0, n) && lo2.substr(0, n) <= hi1.substr(0, n)) return true;
        }
    return false;
}

void add_entries(const load::YamlNode& systems, const std::string& category, bool flat, std::vector<Entry>& out) {
    for (const auto& [sys, codes] : systems.entries) {
        if (flat && (sys.scalar == "description" || sys.scalar == "categories" || sys.scalar == "exclude" || sys.scalar == "source"))
            continue;
        if (!codes.is_sequence()) continue;
        for (const auto& c : codes.items) {
            if (!c.is_scalar()) continue;
            Entry e{category, sys.scalar, c.scalar, c.mark, {}};
            if (rules::ValueSetTable::is_hierarchical(e.system) && rules::ValueSetTable::hierarchical_ranges(e.text, e.ranges)) continue;
            out.push_back(std::move(e));
        }
    }
}

void analyze_file_valuesets(const std::string& file, const load::YamlNode& root, std::vector<Diagnostic>& out) {
    const load::YamlNode* vss = root.find("valuesets");
    if (!vss || !vss->is_mapping()) return;
    for (const auto& [name, body] : vss->entries) {
        if (!body.is_mapping()) continue;
        std::vector<Entry> entries;
        if (const load::YamlNode* cats = body.find("categories"); cats && cats->is_mapping()) {
            for (const auto& [cn, cv] : cats->entries)
                if (cv.is_mapping()) add_entries(cv, cn.scalar, false, entries);
        } else {
            add_entries(body, "", true, entries);
        }
        for (std::size_t i = 0; i < entries.size(); ++i)
            for (std::size_t j = 0; j < i; ++j) {
                const Entry& e = entries[i];
                const Entry& f = entries[j];
                if (!overlap(e, f)) continue;
                std::string where = " (line " + std::to_string(f.mark.line) + ")";
                if (e.category == f.category)
                    out.push_back(finding("W0706", file, e.mark.line, e.mark.column,
                                          "value-set entry '" + e.text + "' overlaps '" + f.text + "'" + where + " in " + name.scalar +
                                              (e.category.empty() ? "" : "." + e.category) + ": some codes are listed twice"));
                else
                    out.push_back(finding("W0707", file, e.mark.line, e.mark.column,
                                          "value-set entry '" + e.text + "' of category '" + e.category + "' overlaps '" + f.text +
                                              "'" + where + " of category '" + f.category + "' in " + name.scalar +
                                              ": category() gives those codes '" + f.category + "', the first"));
                break;
            }
    }
}

// A ruleset file and every library it includes, each once.
void collect_files(const std::string& path, std::set<std::string>& seen, std::vector<std::pair<std::string, load::YamlNode>>& out) {
    std::error_code ec;
    std::string canon = fs::weakly_canonical(path, ec).string();
    if (!seen.insert(canon).second) return;
    std::string text;
    std::vector<Diagnostic> ignore;
    if (!load::read_file(path, 16u << 20, text, ignore)) return;
    auto tree = load::parse_yaml(text, path);
    if (!tree.ok() || !tree->is_mapping()) return;
    out.emplace_back(path, std::move(tree.value()));
    const load::YamlNode* inc = out.back().second.find("include");
    if (!inc || !inc->is_sequence()) return;
    std::vector<std::string> includes;
    for (const auto& item : inc->items)
        if (item.is_scalar()) includes.push_back((fs::path(path).parent_path() / item.scalar).lexically_normal().string());
    for (const auto& i : includes) collect_files(i, seen, out);
}

}  // namespace

std::vector<Diagnostic> analyze_rules(const Engine& engine) {
    std::vector<Diagnostic> out;
    // Declarations by position: used when any plan that includes them uses them.
    std::map<std::tuple<std::string, int, int, std::string>, std::pair<rules::Declaration::Kind, bool>> decls;
    for (const auto& [id, versions] : engine.state().by_id)
        for (const auto& plan : versions) {
            analyze_tier_rules(*plan, out);
            for (const auto& d : plan->declarations) {
                // A library is reached through each ruleset's include: one file, several spellings.
                auto& slot = decls[{fs::path(d.where.file).lexically_normal().string(), d.where.line, d.where.column, d.name}];
                slot.first = d.kind;
                slot.second = slot.second || d.used;
            }
        }
    for (const auto& [key, v] : decls) {
        if (v.second) continue;
        const auto& [file, line, column, name] = key;
        bool fact = v.first == rules::Declaration::Kind::fact;
        out.push_back(finding(fact ? "W0704" : "W0705", file, line, column,
                              std::string(fact ? "fact '" : "parameter '") + name +
                                  "' is never used by a rule, flag, program or trigger of the rulesets checked"));
    }
    return out;
}

std::vector<Diagnostic> analyze_valuesets(const Engine& engine) {
    std::set<std::string> seen;
    std::vector<std::pair<std::string, load::YamlNode>> files;
    for (const auto& info : engine.rulesets()) collect_files(info.file, seen, files);
    std::vector<Diagnostic> out;
    for (const auto& [file, root] : files) analyze_file_valuesets(file, root, out);
    return out;
}

std::vector<Diagnostic> analyze_versions(const Engine& engine) {
    std::vector<Diagnostic> out;
    for (const auto& [id, versions] : engine.state().by_id)  // each sorted by effective.from
        for (std::size_t i = 1; i < versions.size(); ++i) {
            const Plan& a = *versions[i - 1];
            const Plan& b = *versions[i];
            if (!a.effective_until) continue;  // open-ended: overlaps (E0308), no gap
            const Date first_gap_day = *a.effective_until + std::chrono::days{1};
            if (first_gap_day >= b.effective_from) continue;
            out.push_back(finding("E0315", b.file, b.effective_where.line, b.effective_where.column,
                                  "no version of ruleset '" + id + "' is in force from " + time::format_date(first_gap_day) +
                                      " to " + time::format_date(b.effective_from - std::chrono::days{1}) + " (after version " +
                                      a.version + ", before version " + b.version +
                                      "): a determination at those dates has nothing from this ruleset"));
        }
    return out;
}

std::vector<Diagnostic> coverage_findings(const Engine& engine, Date as_of, const PopulationCoverage& c, bool strict_default) {
    std::vector<Diagnostic> out;
    auto plans = engine.state().in_force(as_of);
    if (plans.empty() || !plans.front()->has_tiers) {
        out.push_back(finding("W0709", "", 0, 0,
                              "no ruleset with tiers is in force at the as-of date: the population shows nothing about tier rules",
                              {}, Severity::note));
        return out;
    }
    const Plan& plan = *plans.front();
    std::string of = " of the " + std::to_string(c.patients) + " patients of the population";
    for (const auto& r : plan.tier_rules) {
        auto it = std::find_if(c.rule_matches.begin(), c.rule_matches.end(), [&](const auto& m) { return m.first == r.id; });
        if (it == c.rule_matches.end() || it->second == 0)
            out.push_back(finding("W0708", r.where.file, r.where.line, r.where.column,
                                  "tier rule '" + r.id + "' matched none" + of, r.id));
    }
    if (c.by_default) {
        std::string ids;
        for (const auto& id : c.default_examples) ids += (ids.empty() ? "" : ", ") + id;
        out.push_back(finding("W0709", plan.file, 0, 0,
                              std::to_string(c.by_default) + of + " matched no tier rule and got the default tier '" +
                                  plan.tier_order[static_cast<std::size_t>(plan.default_tier)] + "' (e.g. " + ids + ")",
                              {}, strict_default ? Severity::warning : Severity::note));
    }
    return out;
}

}  // namespace carecoord::cli
