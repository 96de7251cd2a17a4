// carecoord::check(): the static analysis of `carecoord check` (include/carecoord/check.hpp).
#include "carecoord/check.hpp"

#include <algorithm>
#include <climits>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string_view>
#include <tuple>
#include <unordered_map>

#include "engine/engine_state.hpp"
#include "engine/evaluator.hpp"
#include "load/ruleset_loader.hpp"
#include "yaml/yaml_tree.hpp"
#include "rules/valueset.hpp"
#include "time/calendar.hpp"
#include "util/diagnostics.hpp"

namespace carecoord {

namespace {

namespace fs = std::filesystem;
using rules::Node;
using rules::Op;
using rules::Plan;

// A finding of check: a warning unless said otherwise.
util::DiagnosticBuilder finding(const char* code, std::string message) {
    auto b = util::make(code, std::move(message));
    b.severity(Severity::warning);
    return b;
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
            return patient_free(p, p.facts[x.fact_slot()].node);
        default: break;
    }
    if (!patient_free(p, x.a) || !patient_free(p, x.b) || !patient_free(p, x.c)) return false;
    return std::all_of(x.args.begin(), x.args.end(), [&](std::int32_t c) { return patient_free(p, c); });
}

// The truth of a boolean whatever the patient: 1 true, 0 false, -1 unknown; nullopt when it
// depends on the patient. `false and X` is false and `true or X` true whatever X is.
std::optional<int> constant_truth(const Plan& p, std::int32_t n, engine::Evaluator& ev) {
    const Node& x = p.nodes[static_cast<std::size_t>(n)];
    if (x.op == Op::fact) return constant_truth(p, p.facts[x.fact_slot()].node, ev);
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
    if (!x.same_shape(y) || x.args.size() != y.args.size())
        return false;
    if (x.op == Op::constant) {
        if (x.type.kind == rules::TypeKind::literal_list)
            return x.ref == y.ref || same_list(p.lists[x.literal_list()], p.lists[y.literal_list()]);
        return x.ref == y.ref && same_value(x.k, y.k);
    }
    if (x.op == Op::in_list && x.ref != y.ref && !same_list(p.lists[x.literal_list()], p.lists[y.literal_list()]))
        return false;
    if (x.op != Op::in_list && x.ref != y.ref) return false;
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
                out.push_back(finding(codes::always_true,
                                      "tier rule '" + r.id + "' always matches: every patient gets at least the tier " + tier(r))
                                  .file(r.where.file)
                                  .at(r.where.line, r.where.column)
                                  .rule(r.id));
            else
                out.push_back(finding(codes::never_true, "tier rule '" + r.id + "' can never match: its `when` is always " +
                                                             (*t == 0 ? "false" : "unknown"))
                                  .file(r.where.file)
                                  .at(r.where.line, r.where.column)
                                  .rule(r.id));
        }
        for (std::size_t j = 0; j < i; ++j) {
            const auto& e = rs[j];
            if (e.when < 0 || !same_expr(plan, e.when, r.when)) continue;
            // The rule with the lower tier never decides the tier; with equal tiers, the later.
            const auto& dead = e.tier > r.tier ? r : r.tier > e.tier ? e : r;
            const auto& live = &dead == &r ? e : r;
            out.push_back(finding(codes::shadowed_rule, "tier rule '" + dead.id + "' has the same `when` as '" + live.id +
                                                            "' (line " + std::to_string(live.where.line) + ", tier " +
                                                            tier(live) + "): it is shadowed and never decides the tier")
                              .file(dead.where.file)
                              .at(dead.where.line, dead.where.column)
                              .rule(dead.id));
            break;
        }
    }
}

// ---- value sets -----------------------------------------------------------------------
//
// Each entry is reported against the first entry before it that it overlaps (in file order),
// as the pairwise comparison of every entry with every earlier one would; but that
// comparison is quadratic (a 40,000-code value set took 24 s), so the first overlapping
// entry is found by sorting instead: exact codes by grouping equal (system, code) pairs,
// hierarchical ranges by a sweep over ranges sorted by their ends (O(n log n)).

struct Entry {
    std::string category;  // empty: a flat value set
    std::string system;
    std::string text;
    yaml::Mark mark;
    std::vector<std::pair<std::string, std::string>> ranges;  // hierarchical systems
};

void add_entries(const yaml::YamlNode& systems, const std::string& category, bool flat, std::vector<Entry>& out) {
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

constexpr std::size_t kNone = SIZE_MAX;

// The two smallest distinct entry indices seen: the smallest other than a given entry is
// one of them.
struct TwoSmallest {
    std::size_t first = kNone, second = kNone;
    void add(std::size_t x) {
        if (x == first || x == second) return;
        if (x < first) {
            second = first;
            first = x;
        } else if (x < second) {
            second = x;
        }
    }
    void add(const TwoSmallest& o) {
        if (o.first != kNone) add(o.first);
        if (o.second != kNone) add(o.second);
    }
    std::size_t other_than(std::size_t self) const { return first != self ? first : second; }
};

// One range of an entry, both ends cut to a common length: codes match a range by their
// prefix of the range's length, so two ranges of different lengths overlap when they do on
// the shorter length.
struct Cut {
    std::string_view lo, hi;
    std::size_t entry;
};

// For each query range, the smallest entry index among the ranges of `data` that overlap it
// (lo <= query.hi and hi >= query.lo), other than the query's own entry; into first[entry].
// A Fenwick tree over `data` sorted by lo holds the smallest indices of the ranges whose hi
// is at least the query's lo, the queries taken by descending lo.
void first_overlaps(std::vector<Cut> queries, std::vector<Cut> data, std::vector<std::size_t>& first) {
    std::sort(data.begin(), data.end(), [](const Cut& a, const Cut& b) { return a.lo < b.lo; });
    std::vector<std::size_t> by_hi(data.size());
    for (std::size_t i = 0; i < by_hi.size(); ++i) by_hi[i] = i;
    std::sort(by_hi.begin(), by_hi.end(), [&](std::size_t a, std::size_t b) { return data[a].hi > data[b].hi; });
    std::sort(queries.begin(), queries.end(), [](const Cut& a, const Cut& b) { return a.lo > b.lo; });
    std::vector<TwoSmallest> tree(data.size() + 1);
    std::size_t inserted = 0;
    for (const Cut& q : queries) {
        for (; inserted < by_hi.size() && data[by_hi[inserted]].hi >= q.lo; ++inserted)
            for (std::size_t k = by_hi[inserted] + 1; k < tree.size(); k += k & (~k + 1)) tree[k].add(data[by_hi[inserted]].entry);
        // The ranges whose lo is at most the query's hi: a prefix of `data`.
        auto end = std::upper_bound(data.begin(), data.end(), q.hi, [](std::string_view v, const Cut& c) { return v < c.lo; });
        TwoSmallest found;
        for (auto k = static_cast<std::size_t>(end - data.begin()); k > 0; k -= k & (~k + 1)) found.add(tree[k]);
        std::size_t other = found.other_than(q.entry);
        if (other < first[q.entry]) first[q.entry] = other;
    }
}

// For each entry, the smallest index of another entry of the same system that it overlaps,
// or kNone.
std::vector<std::size_t> first_overlapping(const std::vector<Entry>& entries) {
    std::vector<std::size_t> first(entries.size(), kNone);
    std::map<std::pair<std::string_view, std::string_view>, std::size_t> exact;  // (system, code) -> first entry
    // Hierarchical ranges by system, then by the length of their codes.
    std::map<std::string_view, std::map<std::size_t, std::vector<Cut>>> ranges;
    for (std::size_t i = 0; i < entries.size(); ++i) {
        const Entry& e = entries[i];
        if (!rules::ValueSetTable::is_hierarchical(e.system)) {
            auto [it, added] = exact.try_emplace({e.system, e.text}, i);
            if (!added) first[i] = it->second;
            continue;
        }
        for (const auto& [lo, hi] : e.ranges) ranges[e.system][lo.size()].push_back(Cut{lo, hi, i});
    }
    for (const auto& [system, by_length] : ranges)
        for (const auto& [len_q, queries] : by_length)
            for (const auto& [len_d, data] : by_length) {
                std::size_t n = std::min(len_q, len_d);
                auto cut = [n](std::vector<Cut> v) {
                    for (Cut& c : v) c = Cut{c.lo.substr(0, n), c.hi.substr(0, n), c.entry};
                    return v;
                };
                first_overlaps(cut(queries), cut(data), first);
            }
    return first;
}

void analyze_file_valuesets(const std::string& file, const yaml::YamlNode& root, std::vector<Diagnostic>& out) {
    const yaml::YamlNode* vss = root.find("valuesets");
    if (!vss || !vss->is_mapping()) return;
    for (const auto& [name, body] : vss->entries) {
        if (!body.is_mapping()) continue;
        std::vector<Entry> entries;
        if (const yaml::YamlNode* cats = body.find("categories"); cats && cats->is_mapping()) {
            for (const auto& [cn, cv] : cats->entries)
                if (cv.is_mapping()) add_entries(cv, cn.scalar, false, entries);
        } else {
            add_entries(body, "", true, entries);
        }
        const std::vector<std::size_t> first = first_overlapping(entries);
        for (std::size_t i = 0; i < entries.size(); ++i) {
            if (first[i] >= i) continue;  // none, or only later entries: those are reported against this one
            const Entry& e = entries[i];
            const Entry& f = entries[first[i]];
            std::string where = " (line " + std::to_string(f.mark.line) + ")";
            if (e.category == f.category)
                out.push_back(finding(codes::overlap_in_category,
                                      "value-set entry '" + e.text + "' overlaps '" + f.text + "'" + where + " in " + name.scalar +
                                          (e.category.empty() ? "" : "." + e.category) + ": some codes are listed twice")
                                  .file(file)
                                  .at(e.mark.line, e.mark.column));
            else
                out.push_back(finding(codes::overlap_across_categories,
                                      "value-set entry '" + e.text + "' of category '" + e.category + "' overlaps '" + f.text +
                                          "'" + where + " of category '" + f.category + "' in " + name.scalar +
                                          ": category() gives those codes '" + f.category + "', the first")
                                  .file(file)
                                  .at(e.mark.line, e.mark.column));
        }
    }
}

// A ruleset file and every library it includes, each once. The value sets are read from the
// files again (the engine keeps them only compiled): a file that cannot be read or parsed
// now (a ruleset loaded from a string, a file changed since) is a note, never skipped unsaid.
void collect_files(const std::string& path, std::set<std::string>& seen, std::vector<std::pair<std::string, yaml::YamlNode>>& out,
                   std::vector<Diagnostic>& notes) {
    std::error_code ec;
    std::string canon = fs::weakly_canonical(path, ec).string();
    if (!seen.insert(canon).second) return;
    auto not_checked = [&](const char* why) {
        notes.push_back(finding(codes::valuesets_not_checked, std::string("the value sets of this file were not checked: ") + why)
                            .file(path)
                            .severity(Severity::note));
    };
    std::string text;
    std::vector<Diagnostic> read_errors;
    if (!load::read_file(path, 16u << 20, text, read_errors))
        return not_checked("it cannot be read again (a ruleset loaded from a string, or a file moved since loading)");
    auto tree = yaml::parse_yaml(text, path);
    if (!tree.ok() || !tree->is_mapping()) return not_checked("it no longer parses (changed since loading)");
    out.emplace_back(path, std::move(tree.value()));
    const yaml::YamlNode* inc = out.back().second.find("include");
    if (!inc || !inc->is_sequence()) return;
    std::vector<std::string> includes;
    for (const auto& item : inc->items)
        if (item.is_scalar()) includes.push_back((fs::path(path).parent_path() / item.scalar).lexically_normal().string());
    for (const auto& i : includes) collect_files(i, seen, out, notes);
}

std::vector<Diagnostic> analyze_rules(const detail::EngineState& state) {
    std::vector<Diagnostic> out;
    // Declarations by position: used when any plan that includes them uses them.
    std::map<std::tuple<std::string, int, int, std::string>, std::pair<rules::Declaration::Kind, bool>> decls;
    for (const auto& [id, versions] : state.by_id)
        for (const auto& plan : versions) {
            analyze_tier_rules(*plan, out);
            for (const auto& d : state.source_of(*plan).declarations) {
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
        out.push_back(finding(fact ? codes::unused_fact : codes::unused_parameter,
                              std::string(fact ? "fact '" : "parameter '") + name +
                                  "' is never used by a rule, flag, program or trigger of the rulesets checked")
                          .file(file)
                          .at(line, column));
    }
    return out;
}

std::vector<Diagnostic> analyze_valuesets(const Engine& engine) {
    std::set<std::string> seen;
    std::vector<std::pair<std::string, yaml::YamlNode>> files;
    std::vector<Diagnostic> out;
    for (const auto& info : engine.rulesets()) collect_files(info.file, seen, files, out);
    for (const auto& [file, root] : files) analyze_file_valuesets(file, root, out);
    return out;
}

std::vector<Diagnostic> analyze_versions(const detail::EngineState& state) {
    std::vector<Diagnostic> out;
    for (const auto& [id, versions] : state.by_id)  // each sorted by effective.from
        for (std::size_t i = 1; i < versions.size(); ++i) {
            const Plan& a = *versions[i - 1];
            const Plan& b = *versions[i];
            if (!a.effective_until) continue;  // open-ended: overlaps (E0308), no gap
            const Date first_gap_day = *a.effective_until + std::chrono::days{1};
            if (first_gap_day >= b.effective_from) continue;
            out.push_back(finding(codes::version_gap, "no version of ruleset '" + id + "' is in force from " +
                                               time::format_date(first_gap_day) + " to " +
                                               time::format_date(b.effective_from - std::chrono::days{1}) +
                                               " (after version " + a.version + ", before version " + b.version +
                                               "): a determination at those dates has nothing from this ruleset")
                              .file(b.file)
                              .at(b.effective_where.line, b.effective_where.column));
        }
    return out;
}

}  // namespace

std::vector<Diagnostic> check(const Engine& engine, const CheckOptions& options) {
    try {
        const auto& state = detail::EngineState::of(engine);
        std::vector<Diagnostic> out = analyze_versions(state);  // structural: also without the analysis
        if (options.analysis) {
            auto rules = analyze_rules(state);
            out.insert(out.end(), rules.begin(), rules.end());
            auto vs = analyze_valuesets(engine);
            out.insert(out.end(), vs.begin(), vs.end());
        }
        return out;
    } catch (...) {
        return {util::exception_diagnostic("checking the rulesets")};
    }
}

std::vector<Diagnostic> check_coverage(const Engine& engine, Date as_of, const PopulationCoverage& c, bool strict_default) {
    try {
        std::vector<Diagnostic> out;
        auto plans = detail::EngineState::of(engine).in_force(as_of);
        if (plans.empty() || !plans.front()->has_tiers) {
            out.push_back(finding(codes::default_tier_used,
                                  "no ruleset with tiers is in force at the as-of date: the population shows nothing about tier rules")
                              .severity(Severity::note));
            return out;
        }
        const Plan& plan = *plans.front();
        std::string of = " of the " + std::to_string(c.patients) + " patients of the population";
        for (const auto& r : plan.tier_rules) {
            auto it = std::find_if(c.rule_matches.begin(), c.rule_matches.end(), [&](const auto& m) { return m.first == r.id; });
            if (it == c.rule_matches.end() || it->second == 0)
                out.push_back(finding(codes::rule_never_matched, "tier rule '" + r.id + "' matched none" + of)
                                  .file(r.where.file)
                                  .at(r.where.line, r.where.column)
                                  .rule(r.id));
        }
        if (c.by_default) {
            std::string ids;
            for (const auto& id : c.default_examples) ids += (ids.empty() ? "" : ", ") + id;
            out.push_back(finding(codes::default_tier_used,
                                  std::to_string(c.by_default) + of + " matched no tier rule and got the default tier '" +
                                      plan.tier_order[static_cast<std::size_t>(plan.default_tier)] + "' (e.g. " + ids + ")")
                              .file(plan.file)
                              .severity(strict_default ? Severity::warning : Severity::note));
        }
        return out;
    } catch (...) {
        return {util::exception_diagnostic("checking the population's coverage")};
    }
}

}  // namespace carecoord
