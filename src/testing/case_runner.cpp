#include "testing/case_runner.hpp"

#include <algorithm>
#include <filesystem>

#include "engine/engine_state.hpp"
#include "load/ruleset_loader.hpp"
#include "load/yaml_tree.hpp"
#include "model/patient_node.hpp"
#include "time/calendar.hpp"

namespace carecoord::testing {

namespace fs = std::filesystem;
using load::YamlNode;

std::size_t TestReport::passed() const {
    return static_cast<std::size_t>(std::count_if(cases.begin(), cases.end(), [](const CaseResult& c) { return c.passed(); }));
}
std::size_t TestReport::failed() const { return cases.size() - passed(); }

std::vector<std::string> find_test_files(const std::vector<std::string>& paths, std::vector<Diagnostic>& diagnostics) {
    std::vector<std::string> out;
    for (const auto& p : paths)
        for (const auto& file : load::ruleset_files(p, diagnostics)) {
            // A file that cannot be read or parsed may be a tests file: an error, never a
            // file silently left out (its cases would be missing from the run).
            std::string text;
            if (!load::read_file(file, 16u << 20, text, diagnostics)) continue;
            load::YamlLimits limits;
            limits.max_bytes = 16u << 20;
            auto tree = load::parse_yaml(text, file, limits);
            if (!tree.ok()) {
                for (const auto& d : tree.diagnostics()) diagnostics.push_back(d);
                continue;
            }
            const YamlNode* k = tree->find("kind");
            if (k && k->is_scalar() && k->scalar == "tests") out.push_back(file);
        }
    return out;
}

namespace {

Diagnostic at(const std::string& file, const YamlNode& n, std::string message, const char* code = "E0601") {
    Diagnostic d;
    d.code = code;
    d.file = file;
    d.line = n.mark.line;
    d.column = n.mark.column;
    d.message = std::move(message);
    return d;
}

std::string join(const std::vector<std::string>& xs) {
    std::string s = "[";
    for (std::size_t i = 0; i < xs.size(); ++i) s += (i ? ", " : "") + xs[i];
    return s + "]";
}

std::vector<std::string> scalar_list(const YamlNode* n) {
    std::vector<std::string> out;
    if (n && n->is_sequence())
        for (const auto& x : n->items)
            if (x.is_scalar()) out.push_back(x.scalar);
    return out;
}

// Compares a case's expectations with a determination.
void compare(const YamlNode& expect, const Determination& d, CaseResult& r, const std::string& file) {
    auto mismatch = [&](std::string what, std::string expected, std::string actual) {
        r.mismatches.push_back(Mismatch{std::move(what), std::move(expected), std::move(actual)});
    };
    static const std::set<std::string> keys = {"tier", "tier_rules", "flags", "programs", "triggers", "absent_triggers", "missing"};
    for (const auto& [k, v] : expect.entries)
        if (!keys.count(k.scalar)) r.errors.push_back(at(file, k, "unknown key '" + k.scalar + "' in expect", "E0301"));
    if (const YamlNode* t = expect.find("tier"); t && t->is_scalar() && t->scalar != d.tier.tier)
        mismatch("tier", t->scalar, d.tier.tier);
    if (const YamlNode* rules = expect.find("tier_rules")) {
        std::vector<std::string> matched;
        for (const auto& m : d.tier.matched) matched.push_back(m.rule_id);
        for (const auto& want : scalar_list(rules))
            if (std::find(matched.begin(), matched.end(), want) == matched.end())
                mismatch("tier_rules", "includes " + want, join(matched));
    }
    if (const YamlNode* flags = expect.find("flags")) {
        auto want = scalar_list(flags);
        std::vector<std::string> got;
        for (const auto& f : d.flags) got.push_back(f.id);
        auto ws = want, gs = got;
        std::sort(ws.begin(), ws.end());
        std::sort(gs.begin(), gs.end());
        if (ws != gs) mismatch("flags", join(ws), join(gs));
    }
    if (const YamlNode* programs = expect.find("programs"); programs && programs->is_mapping()) {
        for (const auto& [id, status] : programs->entries) {
            const std::string& program = id.scalar;
            auto it = std::find_if(d.programs.begin(), d.programs.end(), [&](const ProgramResult& p) { return p.id == program; });
            std::string got = it == d.programs.end() ? "(no such program)" : std::string(to_string(it->status));
            if (!status.is_scalar() || status.scalar != got) mismatch("programs." + id.scalar, status.scalar, got);
        }
    }
    if (const YamlNode* triggers = expect.find("triggers"); triggers && triggers->is_mapping()) {
        for (const auto& [id, want] : triggers->entries) {
            const std::string& trigger = id.scalar;
            auto it = std::find_if(d.triggers.begin(), d.triggers.end(), [&](const TriggerResult& t) { return t.id == trigger; });
            if (it == d.triggers.end()) {
                mismatch("triggers." + id.scalar, "due", "not due");
                continue;
            }
            if (!want.is_mapping()) continue;
            if (const YamlNode* due = want.find("due"); due && due->is_scalar()) {
                std::string got = it->due_time && due->scalar.find('T') != std::string::npos
                                      ? time::format_datetime(*it->due_time)
                                      : time::format_date(it->due);
                if (got != due->scalar) mismatch("triggers." + id.scalar + ".due", due->scalar, got);
            }
            if (const YamlNode* st = want.find("status"); st && st->is_scalar() && st->scalar != to_string(it->status))
                mismatch("triggers." + id.scalar + ".status", st->scalar, std::string(to_string(it->status)));
            if (const YamlNode* an = want.find("anchor"); an && an->is_scalar() && an->scalar != time::format_date(it->anchor))
                mismatch("triggers." + id.scalar + ".anchor", an->scalar, time::format_date(it->anchor));
        }
    }
    for (const auto& id : scalar_list(expect.find("absent_triggers")))
        if (auto it = std::find_if(d.triggers.begin(), d.triggers.end(), [&](const TriggerResult& t) { return t.id == id; });
            it != d.triggers.end())
            mismatch("triggers." + id, "not due", "due " + time::format_date(it->due));
    if (const YamlNode* missing = expect.find("missing")) {
        for (const auto& want : scalar_list(missing))
            if (std::find(d.missing.begin(), d.missing.end(), want) == d.missing.end())
                mismatch("missing", "includes " + want, join(d.missing));
    }
}

void coverage(const Engine& engine, TestReport& report) {
    for (const auto& [id, versions] : engine.state().by_id)
        for (const auto& p : versions) {
            for (const auto& r : p->tier_rules) report.all_items.insert("tier rule " + r.id);
            for (const auto& f : p->flags)
                for (const auto& r : f.rules) report.all_items.insert("flag rule " + r.id);
            for (const auto& pr : p->programs) report.all_items.insert("program " + pr.id);
            for (const auto& t : p->triggers) report.all_items.insert("trigger " + t.id);
        }
}

}  // namespace

TestReport run_tests(const Engine& engine, const std::vector<std::string>& test_files) {
    TestReport report;
    coverage(engine, report);
    for (const auto& file : test_files) {
        std::string text;
        if (!load::read_file(file, 16u << 20, text, report.diagnostics)) continue;
        load::YamlLimits limits;
        limits.max_bytes = 16u << 20;
        auto tree = load::parse_yaml(text, file, limits);
        if (!tree.ok()) {
            for (const auto& d : tree.diagnostics()) report.diagnostics.push_back(d);
            continue;
        }
        const YamlNode& root = *tree;
        for (const auto& [k, v] : root.entries)
            if (k.scalar != "schema_version" && k.scalar != "kind" && k.scalar != "description" && k.scalar != "cases")
                report.diagnostics.push_back(at(file, k, "unknown key '" + k.scalar + "' in a tests file", "E0301"));
        const YamlNode* cases = root.find("cases");
        if (!cases || !cases->is_sequence()) {
            report.diagnostics.push_back(at(file, root, "a tests file needs a list of cases", "E0302"));
            continue;
        }
        std::size_t index = 0;
        for (const auto& c : cases->items) {
            CaseResult r;
            r.file = file;
            r.line = c.mark.line;
            r.name = "case " + std::to_string(index++);
            if (!c.is_mapping()) {
                r.errors.push_back(at(file, c, "a case must be a mapping", "E0303"));
                report.cases.push_back(std::move(r));
                continue;
            }
            for (const auto& [k, v] : c.entries)
                if (k.scalar != "name" && k.scalar != "as_of" && k.scalar != "patient" && k.scalar != "patient_file" &&
                    k.scalar != "expect" && k.scalar != "description")
                    r.errors.push_back(at(file, k, "unknown key '" + k.scalar + "' in a case", "E0301"));
            if (const YamlNode* n = c.find("name"); n && n->is_scalar()) r.name = n->scalar;
            const YamlNode* as_of = c.find("as_of");
            std::optional<Date> date = as_of && as_of->is_scalar() ? time::parse_date(as_of->scalar) : std::nullopt;
            if (!date) r.errors.push_back(at(file, as_of ? *as_of : c, "a case needs as_of: a date (YYYY-MM-DD)", "E0302"));
            std::optional<Patient> patient;
            if (const YamlNode* pn = c.find("patient")) {
                auto decoded = model::decode_patient_node(*pn);
                if (decoded.ok()) patient = std::move(decoded.value());
                for (auto d : decoded.diagnostics()) {
                    d.file = file;
                    if (d.line == 0) { d.line = pn->mark.line; d.column = pn->mark.column; }
                    r.errors.push_back(std::move(d));
                }
            } else if (const YamlNode* pf = c.find("patient_file"); pf && pf->is_scalar()) {
                fs::path path = fs::path(file).parent_path() / pf->scalar;
                std::string doc;
                if (load::read_file(path.string(), 16u << 20, doc, r.errors)) {
                    auto ext = path.extension().string();
                    auto decoded = parse_patient(doc, ext == ".json" ? DocumentFormat::json : DocumentFormat::yaml);
                    if (decoded.ok()) patient = std::move(decoded.value());
                    for (auto d : decoded.diagnostics()) {
                        d.file = path.string();
                        r.errors.push_back(std::move(d));
                    }
                }
            } else {
                r.errors.push_back(at(file, c, "a case needs a patient (inline) or a patient_file", "E0302"));
            }
            const YamlNode* expect = c.find("expect");
            if (!expect || !expect->is_mapping()) r.errors.push_back(at(file, c, "a case needs expect: a mapping", "E0302"));
            if (r.errors.empty() && patient && date) {
                auto det = engine.evaluate(*patient, *date);
                if (!det.ok()) {
                    r.errors = det.diagnostics();
                } else {
                    r.determination = std::move(det.value());
                    compare(*expect, r.determination, r, file);
                    const auto& d = r.determination;
                    for (const auto& m : d.tier.matched) report.exercised.insert("tier rule " + m.rule_id);
                    for (const auto& f : d.flags)
                        for (const auto& m : f.matched) report.exercised.insert("flag rule " + m.rule_id);
                    for (const auto& p : d.programs)
                        if (p.status == Eligibility::eligible) report.exercised.insert("program " + p.id);
                    for (const auto& t : d.triggers) report.exercised.insert("trigger " + t.id);
                }
            }
            report.cases.push_back(std::move(r));
        }
    }
    return report;
}

}  // namespace carecoord::testing
