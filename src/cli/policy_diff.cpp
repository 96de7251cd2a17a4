#include "cli/policy_diff.hpp"

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include "load/ruleset_loader.hpp"
#include "yaml/yaml_tree.hpp"

namespace carecoord::cli {

namespace fs = std::filesystem;
using yaml::YamlNode;

namespace {

// One side's policy as text, by kind and name, for comparison.
struct Policy {
    std::map<std::string, std::map<std::string, std::string>> defs;           // kind -> name -> definition
    std::map<std::string, std::set<std::string>> valuesets;                   // name -> entries
};

// A value as the analyst wrote it: a scalar, [a, b] for a sequence, {k: v} for a mapping.
std::string flat(const YamlNode& n) {
    if (n.is_scalar()) return n.scalar;
    std::string out;
    if (n.is_sequence()) {
        for (const auto& x : n.items) out += (out.empty() ? "" : ", ") + flat(x);
        return "[" + out + "]";
    }
    if (n.is_mapping()) {
        for (const auto& e : n.entries) out += (out.empty() ? "" : ", ") + e.key.scalar + ": " + flat(e.value);
        return "{" + out + "}";
    }
    return "null";
}

// The parts of a definition that decide determinations, in a fixed order; descriptions,
// reasons and sources are left out (they change wording, not who qualifies).
std::string definition(const YamlNode& body, std::initializer_list<const char*> keys) {
    std::string out;
    for (const char* k : keys)
        if (const YamlNode* v = body.find(k)) out += (out.empty() ? "" : "; ") + std::string(k) + ": " + flat(*v);
    return out;
}

void add_codes(const YamlNode& systems, const std::string& prefix, std::set<std::string>& out) {
    if (!systems.is_mapping()) return;
    for (const auto& e : systems.entries) {
        if (!e.value.is_sequence()) continue;
        for (const auto& code : e.value.items)
            if (code.is_scalar()) out.insert(prefix + e.key.scalar + " " + code.scalar);
    }
}

void read_unit(const std::string& file, Policy& p, std::set<std::string>& seen, std::vector<Diagnostic>& errors, int depth) {
    std::error_code ec;
    const std::string canon = fs::weakly_canonical(file, ec).string();
    if (!seen.insert(ec ? file : canon).second || depth > 16) return;
    std::string text;
    if (!load::read_file(file, 16u << 20, text, errors)) return;
    auto tree = yaml::parse_yaml(text, file);
    if (!tree.ok()) {
        for (const auto& d : tree.diagnostics()) errors.push_back(d);
        return;
    }
    const YamlNode& root = *tree;
    if (const YamlNode* ps = root.find("parameters"); ps && ps->is_mapping())
        for (const auto& e : ps->entries) {
            const YamlNode* v = e.value.is_mapping() ? e.value.find("value") : &e.value;
            p.defs["parameter"][e.key.scalar] = v ? flat(*v) : "null";
        }
    if (const YamlNode* fs_ = root.find("facts"); fs_ && fs_->is_mapping())
        for (const auto& e : fs_->entries) {
            const YamlNode* x = e.value.is_mapping() ? e.value.find("expr") : &e.value;
            p.defs["fact"][e.key.scalar] = x ? flat(*x) : "";
        }
    if (const YamlNode* vss = root.find("valuesets"); vss && vss->is_mapping())
        for (const auto& e : vss->entries) {
            auto& entries = p.valuesets[e.key.scalar];
            if (!e.value.is_mapping()) continue;
            for (const auto& part : e.value.entries) {
                if (part.key.scalar == "description" || part.key.scalar == "source") continue;
                if (part.key.scalar == "categories" && part.value.is_mapping()) {
                    for (const auto& cat : part.value.entries) add_codes(cat.value, "category " + cat.key.scalar + ": ", entries);
                } else if (part.key.scalar == "exclude") {
                    add_codes(part.value, "exclude: ", entries);
                } else if (part.value.is_sequence()) {
                    for (const auto& code : part.value.items)
                        if (code.is_scalar()) entries.insert(part.key.scalar + " " + code.scalar);
                }
            }
        }
    if (const YamlNode* tiers = root.find("tiers"); tiers && tiers->is_mapping()) {
        p.defs["tier order"]["tiers"] = definition(*tiers, {"order", "default"});
        if (const YamlNode* rs = tiers->find("rules"); rs && rs->is_sequence())
            for (const auto& r : rs->items)
                if (const YamlNode* id = r.find("id"); id && id->is_scalar()) p.defs["tier rule"][id->scalar] = definition(r, {"tier", "when"});
    }
    if (const YamlNode* flags = root.find("flags"); flags && flags->is_sequence())
        for (const auto& f : flags->items)
            if (const YamlNode* rs = f.find("rules"); rs && rs->is_sequence())
                for (const auto& r : rs->items)
                    if (const YamlNode* id = r.find("id"); id && id->is_scalar())
                        p.defs["flag rule"][id->scalar] = "flag: " + (f.find("id") ? flat(*f.find("id")) : "") + "; " + definition(r, {"when"});
    if (const YamlNode* ps = root.find("programs"); ps && ps->is_sequence())
        for (const auto& r : ps->items)
            if (const YamlNode* id = r.find("id"); id && id->is_scalar()) p.defs["program"][id->scalar] = definition(r, {"payers", "when"});
    if (const YamlNode* ts = root.find("triggers"); ts && ts->is_sequence())
        for (const auto& r : ts->items)
            if (const YamlNode* id = r.find("id"); id && id->is_scalar())
                p.defs["trigger"][id->scalar] = definition(r, {"anchor", "when", "due"});
    if (const YamlNode* inc = root.find("include"); inc && inc->is_sequence())
        for (const auto& item : inc->items)
            if (item.is_scalar())
                read_unit((fs::path(file).parent_path() / item.scalar).lexically_normal().string(), p, seen, errors, depth + 1);
}

Policy read_policy(const std::string& file, std::vector<Diagnostic>& errors) {
    Policy p;
    std::set<std::string> seen;
    read_unit(file, p, seen, errors, 0);
    return p;
}

void compare(const std::string& ruleset, const Policy& a, const Policy& b, std::vector<PolicyChange>& out) {
    // In the order a policy reads: thresholds first, then lists, then rules.
    for (const char* kind : {"parameter", "tier order", "fact", "tier rule", "flag rule", "program", "trigger"}) {
        static const std::map<std::string, std::string> none;
        auto ia = a.defs.find(kind), ib = b.defs.find(kind);
        const auto& da = ia == a.defs.end() ? none : ia->second;
        const auto& db = ib == b.defs.end() ? none : ib->second;
        for (const auto& [name, def] : da) {
            auto it = db.find(name);
            if (it == db.end()) out.push_back(PolicyChange{ruleset, kind, name, "removed", def, "", {}, {}});
            else if (it->second != def) out.push_back(PolicyChange{ruleset, kind, name, "changed", def, it->second, {}, {}});
        }
        for (const auto& [name, def] : db)
            if (!da.count(name)) out.push_back(PolicyChange{ruleset, kind, name, "added", "", def, {}, {}});
    }
    std::set<std::string> names;
    for (const auto& [n, e] : a.valuesets) names.insert(n);
    for (const auto& [n, e] : b.valuesets) names.insert(n);
    for (const auto& n : names) {
        static const std::set<std::string> empty;
        auto ia = a.valuesets.find(n), ib = b.valuesets.find(n);
        const auto& ea = ia == a.valuesets.end() ? empty : ia->second;
        const auto& eb = ib == b.valuesets.end() ? empty : ib->second;
        if (ia == a.valuesets.end() || ib == b.valuesets.end()) {
            out.push_back(PolicyChange{ruleset, "value set", n, ia == a.valuesets.end() ? "added" : "removed",
                                       std::to_string(ea.size()) + " entries", std::to_string(eb.size()) + " entries", {}, {}});
            continue;
        }
        PolicyChange c{ruleset, "value set", n, "entries", "", "", {}, {}};
        std::set_difference(eb.begin(), eb.end(), ea.begin(), ea.end(), std::back_inserter(c.added));
        std::set_difference(ea.begin(), ea.end(), eb.begin(), eb.end(), std::back_inserter(c.removed));
        if (!c.added.empty() || !c.removed.empty()) out.push_back(std::move(c));
    }
}

}  // namespace

std::vector<PolicyChange> policy_changes(const std::vector<RulesetFile>& from, const std::vector<RulesetFile>& to,
                                         std::vector<Diagnostic>& errors) {
    std::vector<PolicyChange> out;
    for (const auto& a : from) {
        auto b = std::find_if(to.begin(), to.end(), [&](const RulesetFile& r) { return r.id == a.id; });
        if (b == to.end()) out.push_back(PolicyChange{a.id, "ruleset", a.id, "removed", a.file, "", {}, {}});
        else compare(a.id, read_policy(a.file, errors), read_policy(b->file, errors), out);
    }
    for (const auto& b : to)
        if (std::none_of(from.begin(), from.end(), [&](const RulesetFile& r) { return r.id == b.id; }))
            out.push_back(PolicyChange{b.id, "ruleset", b.id, "added", "", b.file, {}, {}});
    return out;
}

std::string describe_change(const PolicyChange& c) {
    if (c.kind == "parameter" && c.change == "changed") return c.kind + " " + c.name + " " + c.before + " -> " + c.after;
    if (c.change == "entries") {
        std::string s = c.kind + " " + c.name + ":";
        for (const auto& e : c.added) s += " +" + e + ";";
        for (const auto& e : c.removed) s += " -" + e + ";";
        s.pop_back();
        return s;
    }
    if (c.change == "added") return c.kind + " " + c.name + " added (" + c.after + ")";
    if (c.change == "removed") return c.kind + " " + c.name + " removed (was " + c.before + ")";
    return c.kind + " " + c.name + " changed: " + c.before + " -> " + c.after;
}

std::string describe(const PolicyChange& c) {
    return c.ruleset + ": " + describe_change(c);
}

}  // namespace carecoord::cli
