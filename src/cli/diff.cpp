// carecoord diff: the impact of a ruleset change over a population.
#include <algorithm>
#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "carecoord/engine.hpp"
#include "carecoord/version.hpp"
#include "cli/cli.hpp"
#include "cli/records.hpp"
#include "cli/policy_diff.hpp"
#include "output/json_writer.hpp"
#include "time/calendar.hpp"

namespace carecoord::cli {

namespace {

const char* kDiffHelp = R"(Usage: carecoord diff --from PATH... --to PATH... [--with PATH...]
                      (--as-of DATE | --from-as-of DATE --to-as-of DATE)
                      [--ignore-effective] [--format text|json|html] [--examples N]
                      [--jobs N] [--include-root DIR] [--output FILE] POPULATION...

Evaluates every patient of the population twice, once with the "from" rulesets and once
with the "to" rulesets, and reports what the change does:
  - the tier transition matrix (from-tier x to-tier counts), with example patient ids;
  - for every pair of tiers that patients moved between, the tier rules that matched on
    each side for those patients (the rules responsible for the move);
  - program eligibility gained and lost, per program, with example patient ids.

Rulesets:
  --from PATH        a ruleset file or directory for the "from" side (repeatable)
  --to PATH          a ruleset file or directory for the "to" side (repeatable)
  --with PATH        a file or directory loaded on both sides (repeatable), e.g. the
                     programs and triggers rulesets when comparing two intensity files.
                     Libraries (kind: library) are found through each ruleset's include.
  --include-root DIR one more directory an include: may lead into, besides the tree being
                     loaded (the parent of each ruleset file's directory; repeatable)
Dates:
  --as-of DATE       evaluate both sides at DATE (YYYY-MM-DD)
  --from-as-of DATE, --to-as-of DATE
                     evaluate each side at its own date, e.g. the same rulesets/ the day
                     before and the day a new version takes effect
  --ignore-effective ignore the rulesets' effective dates: every loaded ruleset is in force
                     at any as-of date (each side must then load one version per ruleset
                     id). Needed to compare intensity-v1.yaml (in force 2024-2025) with
                     intensity-v2.yaml at one as-of date.
Output:
  --format F         text (terminal tables, the default), json, or html (a self-contained
                     report with inline SVG charts: no network access, no external assets)
  --examples N       example patient ids per cell (default 3, at most 1000)
  --jobs N           worker threads, 1 to 1024 (default: all cores)
  --progress         show records done, rate and time left on standard error; the default
                     when standard error is a terminal (--no-progress: never)
  --output FILE      write there instead of standard output

POPULATION is as for eval: .ndjson/.jsonl files, .json/.yaml patient files, directories.
A record that cannot be read is reported on standard error (record and field, never a
value) and left out. Exit status: 0 done, 1 some records or inputs could not be read,
2 usage or ruleset error.

Examples:
  carecoord diff --from rulesets/intensity/intensity-v1.yaml \
                 --to rulesets/intensity/intensity-v2.yaml \
                 --with rulesets/programs --with rulesets/triggers \
                 --ignore-effective --as-of 2026-11-27 population.ndjson
  carecoord diff --from rulesets --to rulesets --from-as-of 2025-12-31 \
                 --to-as-of 2026-01-01 --format html --output impact.html population.ndjson
)";

// Example ids per cell: a report, not a listing of the population.
constexpr unsigned long long kMaxExamples = 1000;

struct Options {
    std::vector<std::string> from, to, with, inputs, include_roots;
    std::optional<Date> as_of, from_as_of, to_as_of;
    bool ignore_effective = false;
    std::string format = "text";
    std::size_t examples = 3;
    unsigned jobs = 0;
    std::optional<bool> progress;  // --progress / --no-progress; default: stderr is a terminal
    std::string output;
    bool help = false;
};

int parse(const Args& args, Options& o) {
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        auto value = [&]() -> std::optional<std::string> {
            if (i + 1 >= args.size()) return std::nullopt;
            return args[++i];
        };
        auto date = [&](std::optional<Date>& out) {
            auto v = value();
            if (v) out = time::parse_date(*v);
            return out.has_value();
        };
        if (a == "--help" || a == "-h") o.help = true;
        else if (a == "--from" || a == "--to" || a == "--with") {
            auto v = value();
            if (!v) return usage_error("diff", a + " needs a path");
            (a == "--from" ? o.from : a == "--to" ? o.to : o.with).push_back(*v);
        } else if (a == "--as-of" || a == "--from-as-of" || a == "--to-as-of") {
            if (!date(a == "--as-of" ? o.as_of : a == "--from-as-of" ? o.from_as_of : o.to_as_of))
                return usage_error("diff", a + " needs a date YYYY-MM-DD");
        } else if (a == "--ignore-effective") o.ignore_effective = true;
        else if (a == "--progress" || a == "--no-progress") o.progress = a == "--progress";
        else if (a == "--format") {
            auto v = value();
            if (!v || (*v != "text" && *v != "json" && *v != "html")) return usage_error("diff", "--format is text, json or html");
            o.format = *v;
        } else if (a == "--examples") {
            auto v = value();
            unsigned long long n = 0;
            if (!v || !parse_whole_number(*v, 0, kMaxExamples, n))
                return usage_error("diff", "--examples needs a whole number from 0 to " + std::to_string(kMaxExamples));
            o.examples = static_cast<std::size_t>(n);
        } else if (a == "--jobs" || a == "-j") {
            auto v = value();
            unsigned long long n = 0;
            if (!v || !parse_whole_number(*v, 1, kMaxJobs, n))
                return usage_error("diff", a + " needs a whole number of threads from 1 to " + std::to_string(kMaxJobs));
            o.jobs = static_cast<unsigned>(n);
        } else if (bool missing = false; include_root_option(args, i, o.include_roots, missing)) {
            if (missing) return usage_error("diff", "--include-root needs a directory");
        } else if (a == "--output" || a == "-o") {
            auto v = value();
            if (!v) return usage_error("diff", "--output needs a file");
            o.output = *v;
        } else if (a.size() > 1 && a[0] == '-' && a != "-") return usage_error("diff", "unknown option " + a);
        else o.inputs.push_back(a);
    }
    return -1;
}

// What one side said about one patient.
struct Side {
    std::string tier;
    std::vector<std::string> rules;  // matching tier rules; empty: the default
    std::vector<std::pair<std::string, Eligibility>> programs;  // in ruleset order
    bool deceased = false;  // died on or before that side's as-of date
};

const Eligibility* find_program(const Side& s, const std::string& id) {
    for (const auto& [pid, e] : s.programs)
        if (pid == id) return &e;
    return nullptr;
}

struct PatientDiff {
    std::string id;
    Side from, to;
};

struct Cell {
    std::size_t count = 0;
    std::vector<std::string> examples;
    std::map<std::string, std::size_t> from_rules, to_rules;  // moved cells only
};

struct ProgramChange {
    std::size_t eligible_from = 0, eligible_to = 0;
    Cell gained, lost, other;  // other: changed between not_eligible, unknown and absent
};

struct Report {
    std::vector<std::string> tiers;                     // lowest first
    std::map<std::pair<std::string, std::string>, Cell> cells;
    std::map<std::string, ProgramChange> programs;      // by id
    std::vector<std::string> program_order;
    std::size_t total = 0, up = 0, down = 0;
    // Deceased at each side's as-of date, counted apart: their tier is the lowest, with no
    // program, so a death between the two dates shows as a move down.
    std::size_t deceased_from = 0, deceased_to = 0;
    std::string from_label, to_label;
    std::vector<RulesetRef> from_rulesets, to_rulesets;
    Date from_as_of{}, to_as_of{};
    bool ignore_effective = false;
    std::vector<PolicyChange> policy;                  // what changed in the rulesets themselves
    std::map<std::string, std::string> program_names;  // id -> name as the rulesets define it

    const std::string& program_name(const std::string& id) const {
        auto it = program_names.find(id);
        return it == program_names.end() || it->second.empty() ? id : it->second;
    }
    std::size_t from_count(const std::string& tier) const {
        std::size_t n = 0;
        for (const auto& [k, c] : cells)
            if (k.first == tier) n += c.count;
        return n;
    }

    int rank(const std::string& t) const {
        auto it = std::find(tiers.begin(), tiers.end(), t);
        return it == tiers.end() ? -1 : static_cast<int>(it - tiers.begin());
    }
};

void add_example(Cell& c, const std::string& id, std::size_t max) {
    ++c.count;
    if (c.examples.size() < max) c.examples.push_back(id);
}

const char* kDefaultRule = "(no rule: the default tier)";

void tally(Report& r, const PatientDiff& p, std::size_t examples) {
    ++r.total;
    r.deceased_from += p.from.deceased;
    r.deceased_to += p.to.deceased;
    Cell& cell = r.cells[{p.from.tier, p.to.tier}];
    add_example(cell, p.id, examples);
    if (p.from.tier != p.to.tier) {
        if (r.rank(p.to.tier) > r.rank(p.from.tier)) ++r.up;
        else ++r.down;
        for (const auto& x : p.from.rules) ++cell.from_rules[x];
        for (const auto& x : p.to.rules) ++cell.to_rules[x];
        if (p.from.rules.empty()) ++cell.from_rules[kDefaultRule];
        if (p.to.rules.empty()) ++cell.to_rules[kDefaultRule];
    }
    std::vector<std::string> ids;
    for (const auto* side : {&p.to, &p.from})
        for (const auto& [id, e] : side->programs)
            if (std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(id);
    for (const auto& id : ids) {
        if (!r.programs.count(id)) r.program_order.push_back(id);
        ProgramChange& pc = r.programs[id];
        const Eligibility* a = find_program(p.from, id);
        const Eligibility* b = find_program(p.to, id);
        bool ea = a && *a == Eligibility::eligible;
        bool eb = b && *b == Eligibility::eligible;
        pc.eligible_from += ea;
        pc.eligible_to += eb;
        if (!ea && eb) add_example(pc.gained, p.id, examples);
        else if (ea && !eb) add_example(pc.lost, p.id, examples);
        else if (!a || !b ? a != b : *a != *b) add_example(pc.other, p.id, examples);
    }
}

Side side_of(const Determination& d) {
    Side s;
    s.tier = d.tier.tier;
    for (const auto& m : d.tier.matched) s.rules.push_back(m.rule_id);
    for (const auto& p : d.programs) s.programs.emplace_back(p.id, p.status);
    s.deceased = d.deceased.has_value();
    return s;
}

std::string label(const std::vector<std::string>& paths, const std::vector<std::string>& with) {
    std::string s;
    for (const auto& p : paths) s += (s.empty() ? "" : ", ") + p;
    if (!with.empty()) {
        s += " (with ";
        for (std::size_t i = 0; i < with.size(); ++i) s += (i ? ", " : "") + with[i];
        s += ")";
    }
    return s;
}

std::string rulesets_text(const std::vector<RulesetRef>& rs) {
    std::string s;
    for (const auto& r : rs) s += (s.empty() ? "" : ", ") + r.id + " " + r.version + " sha256:" + r.sha256.substr(0, 12);
    return s;
}

std::string join_counts(const std::map<std::string, std::size_t>& m) {
    std::vector<std::pair<std::string, std::size_t>> v(m.begin(), m.end());
    std::stable_sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
    std::string s;
    for (const auto& [k, n] : v) s += (s.empty() ? "" : ", ") + k + " " + std::to_string(n);
    return s.empty() ? "-" : s;
}

std::string join_ids(const std::vector<std::string>& ids) {
    std::string s;
    for (const auto& id : ids) s += (s.empty() ? "" : ", ") + id;
    return s;
}

// Pairs of tiers that patients moved between, largest first.
std::vector<std::pair<std::pair<std::string, std::string>, const Cell*>> moves(const Report& r) {
    std::vector<std::pair<std::pair<std::string, std::string>, const Cell*>> out;
    for (const auto& [k, c] : r.cells)
        if (k.first != k.second) out.push_back({k, &c});
    std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.second->count > b.second->count; });
    return out;
}

std::size_t cell_count(const Report& r, const std::string& a, const std::string& b) {
    auto it = r.cells.find({a, b});
    return it == r.cells.end() ? 0 : it->second.count;
}

// ---- text -----------------------------------------------------------------------------

std::string render_text(const Report& r) {
    std::string out;
    auto line = [&](const char* fmt, auto... xs) {
        char buf[1024];
        std::snprintf(buf, sizeof buf, fmt, xs...);
        out += buf;
    };
    line("carecoord diff: %zu patients\n", r.total);
    line("  from: %s as of %s [%s]\n", r.from_label.c_str(), time::format_date(r.from_as_of).c_str(), rulesets_text(r.from_rulesets).c_str());
    line("  to:   %s as of %s [%s]\n", r.to_label.c_str(), time::format_date(r.to_as_of).c_str(), rulesets_text(r.to_rulesets).c_str());
    if (r.ignore_effective) out += "  effective dates ignored (--ignore-effective)\n";
    line("\nPolicy changes: %zu\n", r.policy.size());
    for (const auto& c : r.policy) out += "  " + describe(c) + "\n";
    std::size_t w = 12;
    for (const auto& t : r.tiers) w = std::max(w, t.size() + 2);
    line("\nTier transitions (rows: from, columns: to)\n%-*s", static_cast<int>(w), "from \\ to");
    for (const auto& t : r.tiers) line("%*s", static_cast<int>(w), t.c_str());
    line("%*s\n", 8, "total");
    std::vector<std::size_t> col(r.tiers.size(), 0);
    for (const auto& a : r.tiers) {
        line("%-*s", static_cast<int>(w), a.c_str());
        std::size_t row = 0;
        for (std::size_t j = 0; j < r.tiers.size(); ++j) {
            std::size_t n = cell_count(r, a, r.tiers[j]);
            row += n;
            col[j] += n;
            line("%*zu", static_cast<int>(w), n);
        }
        line("%*zu\n", 8, row);
    }
    line("%-*s", static_cast<int>(w), "total");
    for (std::size_t n : col) line("%*zu", static_cast<int>(w), n);
    line("%*zu\n", 8, r.total);
    line("%zu patient(s) changed tier: %zu up, %zu down; %zu unchanged\n", r.up + r.down, r.up, r.down, r.total - r.up - r.down);
    line("deceased at the as-of date (lowest tier, no program), counted in the matrix: from %zu, to %zu\n",
         r.deceased_from, r.deceased_to);

    for (const auto& a : r.tiers)
        if (auto it = r.cells.find({a, a}); it != r.cells.end() && it->second.count)
            line("  stayed %s: %zu (e.g. %s)\n", a.c_str(), it->second.count, join_ids(it->second.examples).c_str());
    auto mv = moves(r);
    if (!mv.empty()) out += "\nMoves, and the tier rules that matched for those patients on each side\n";
    for (const auto& [k, c] : mv) {
        line("  %s -> %s: %zu (e.g. %s)\n", k.first.c_str(), k.second.c_str(), c->count, join_ids(c->examples).c_str());
        line("      from rules: %s\n", join_counts(c->from_rules).c_str());
        line("      to rules:   %s\n", join_counts(c->to_rules).c_str());
    }
    out += "\nProgram eligibility (eligible patients on each side; gained, lost; other: changed between\nnot_eligible and unknown)\n";
    line("  %-30s %9s %9s %8s %8s %8s\n", "program", "from", "to", "gained", "lost", "other");
    for (const auto& id : r.program_order) {
        const auto& p = r.programs.at(id);
        line("  %-30s %9zu %9zu %8zu %8zu %8zu\n", id.c_str(), p.eligible_from, p.eligible_to, p.gained.count, p.lost.count, p.other.count);
    }
    for (const auto& id : r.program_order) {
        const auto& p = r.programs.at(id);
        if (p.gained.count) line("  %s gained by %zu (e.g. %s)\n", id.c_str(), p.gained.count, join_ids(p.gained.examples).c_str());
        if (p.lost.count) line("  %s lost by %zu (e.g. %s)\n", id.c_str(), p.lost.count, join_ids(p.lost.examples).c_str());
        if (p.other.count) line("  %s otherwise changed for %zu (e.g. %s)\n", id.c_str(), p.other.count, join_ids(p.other.examples).c_str());
    }
    return out;
}

// ---- json -----------------------------------------------------------------------------

void json_ids(output::JsonWriter& j, const char* key, const std::vector<std::string>& ids) {
    j.key(key);
    j.begin_array();
    for (const auto& id : ids) j.value(id);
    j.end_array();
}

void json_counts(output::JsonWriter& j, const char* key, const std::map<std::string, std::size_t>& m) {
    j.key(key);
    j.begin_object();
    for (const auto& [k, n] : m) {
        j.key(k);
        j.value(static_cast<long long>(n));
    }
    j.end_object();
}

void json_side(output::JsonWriter& j, const char* key, const std::string& label, Date as_of, const std::vector<RulesetRef>& rs) {
    j.key(key);
    j.begin_object();
    j.key("paths");
    j.value(label);
    j.key("as_of");
    j.value(time::format_date(as_of));
    j.key("rulesets");
    output::write_rulesets(j, rs);
    j.end_object();
}

std::string render_json(const Report& r) {
    std::string out;
    output::JsonWriter j(out);
    j.begin_object();
    json_side(j, "from", r.from_label, r.from_as_of, r.from_rulesets);
    json_side(j, "to", r.to_label, r.to_as_of, r.to_rulesets);
    j.key("ignore_effective");
    j.value(r.ignore_effective);
    j.key("policy_changes");
    j.begin_array();
    for (const auto& c : r.policy) {
        j.begin_object();
        j.key("ruleset");
        j.value(c.ruleset);
        j.key("kind");
        j.value(c.kind);
        j.key("name");
        j.value(c.name);
        j.key("change");
        j.value(c.change);
        if (c.change == "entries") {
            j.key("added");
            j.begin_array();
            for (const auto& e : c.added) j.value(e);
            j.end_array();
            j.key("removed");
            j.begin_array();
            for (const auto& e : c.removed) j.value(e);
            j.end_array();
        } else {
            j.key("before");
            if (c.change == "added") j.null();
            else j.value(c.before);
            j.key("after");
            if (c.change == "removed") j.null();
            else j.value(c.after);
        }
        j.end_object();
    }
    j.end_array();
    j.key("patients");
    j.value(static_cast<long long>(r.total));
    j.key("moved_up");
    j.value(static_cast<long long>(r.up));
    j.key("moved_down");
    j.value(static_cast<long long>(r.down));
    j.key("deceased_from");
    j.value(static_cast<long long>(r.deceased_from));
    j.key("deceased_to");
    j.value(static_cast<long long>(r.deceased_to));
    j.key("tiers");
    j.begin_array();
    for (const auto& t : r.tiers) j.value(t);
    j.end_array();
    j.key("transitions");
    j.begin_array();
    for (const auto& a : r.tiers)
        for (const auto& b : r.tiers) {
            auto it = r.cells.find({a, b});
            if (it == r.cells.end()) continue;
            j.begin_object();
            j.key("from");
            j.value(a);
            j.key("to");
            j.value(b);
            j.key("count");
            j.value(static_cast<long long>(it->second.count));
            json_ids(j, "examples", it->second.examples);
            if (a != b) {
                json_counts(j, "from_rules", it->second.from_rules);
                json_counts(j, "to_rules", it->second.to_rules);
            }
            j.end_object();
        }
    j.end_array();
    j.key("programs");
    j.begin_array();
    for (const auto& id : r.program_order) {
        const auto& p = r.programs.at(id);
        j.begin_object();
        j.key("id");
        j.value(id);
        j.key("eligible_from");
        j.value(static_cast<long long>(p.eligible_from));
        j.key("eligible_to");
        j.value(static_cast<long long>(p.eligible_to));
        for (auto [name, c] : {std::pair{"gained", &p.gained}, std::pair{"lost", &p.lost}, std::pair{"other", &p.other}}) {
            j.key(name);
            j.begin_object();
            j.key("count");
            j.value(static_cast<long long>(c->count));
            json_ids(j, "examples", c->examples);
            j.end_object();
        }
        j.end_object();
    }
    j.end_array();
    j.end_object();
    out += "\n";
    return out;
}

// ---- html -----------------------------------------------------------------------------

std::string esc(std::string_view s) {
    std::string out;
    for (char c : s) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            default: out += c;
        }
    }
    return out;
}

// As esc(), with a line-break opportunity after each '_' (care_<wbr>coordination), so that
// narrow windows wrap identifiers instead of overflowing.
std::string esc_wrap(std::string_view s) {
    std::string out;
    for (char c : esc(s)) {
        out += c;
        if (c == '_') out += "<wbr>";
    }
    return out;
}

std::string num(double x) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f", x);
    return buf;
}

// "24.5%" of a whole; "0%" of nothing.
std::string pct(std::size_t part, std::size_t whole) {
    if (whole == 0) return "0%";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f%%", 100.0 * static_cast<double>(part) / static_cast<double>(whole));
    return buf;
}

// The width SVG text needs at 13 px in a sans-serif face: an upper bound per character, so
// that labels are never clipped (the SVG scales down to the page with its viewBox).
double text_width(std::string_view s) { return 8.0 * static_cast<double>(s.size()) + 8; }

// Moved up and moved down in two neutral hues (neither reads as good or bad).
const char* kUpColour = "79,70,229";     // indigo
const char* kDownColour = "13,148,136";  // teal

// The transition matrix as a heat map: cell shade by count, diagonal (unchanged) in grey.
std::string svg_matrix(const Report& r) {
    const std::size_t n = r.tiers.size();
    double cw = 120, left = 120;
    for (const auto& t : r.tiers) {
        cw = std::max(cw, text_width(t) + 8);
        left = std::max(left, text_width(t) + 16);
    }
    const double ch = 44, top = 40;
    std::size_t max_moved = 1;
    for (const auto& [k, c] : r.cells)
        if (k.first != k.second) max_moved = std::max(max_moved, c.count);
    const double width = left + cw * static_cast<double>(n) + 10, height = top + ch * static_cast<double>(n) + 10;
    std::string s = "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"tier transition matrix\" viewBox=\"0 0 " +
                    num(width) + " " + num(height) + "\" width=\"" + num(width) + "\" height=\"" + num(height) + "\">";
    s += "<text x=\"" + num(left) + "\" y=\"14\" class=\"axis\">to tier &#8594;</text>";
    s += "<text x=\"4\" y=\"" + num(top - 8) + "\" class=\"axis\">from tier &#8595;</text>";
    for (std::size_t j = 0; j < n; ++j)
        s += "<text x=\"" + num(left + cw * static_cast<double>(j) + cw / 2) + "\" y=\"" + num(top - 8) +
             "\" text-anchor=\"middle\" class=\"lbl\">" + esc(r.tiers[j]) + "</text>";
    for (std::size_t i = 0; i < n; ++i) {
        double y = top + ch * static_cast<double>(i);
        s += "<text x=\"" + num(left - 8) + "\" y=\"" + num(y + ch / 2 + 4) + "\" text-anchor=\"end\" class=\"lbl\">" + esc(r.tiers[i]) + "</text>";
        for (std::size_t j = 0; j < n; ++j) {
            std::size_t c = cell_count(r, r.tiers[i], r.tiers[j]);
            double x = left + cw * static_cast<double>(j);
            std::string fill;
            if (i == j) fill = "#e5e7eb";
            else if (c == 0) fill = "#ffffff";
            else {
                double t = 0.15 + 0.85 * static_cast<double>(c) / static_cast<double>(max_moved);
                fill = std::string("rgba(") + (j > i ? kUpColour : kDownColour) + "," + num(t) + ")";
            }
            std::string tip = r.tiers[i] + " -> " + r.tiers[j] + ": " + std::to_string(c);
            if (auto it = r.cells.find({r.tiers[i], r.tiers[j]}); it != r.cells.end() && !it->second.examples.empty())
                tip += " (e.g. " + join_ids(it->second.examples) + ")";
            s += "<rect x=\"" + num(x) + "\" y=\"" + num(y) + "\" width=\"" + num(cw - 2) + "\" height=\"" + num(ch - 2) + "\" fill=\"" +
                 fill + "\" stroke=\"#9ca3af\"><title>" + esc(tip) + "</title></rect>";
            s += "<text x=\"" + num(x + cw / 2) + "\" y=\"" + num(y + ch / 2 + 5) + "\" text-anchor=\"middle\" class=\"val\">" +
                 std::to_string(c) + "</text>";
        }
    }
    return s + "</svg>";
}

// Program eligibility gained (right, green) and lost (left, red), one row per program.
std::string svg_programs(const Report& r) {
    const double row = 26, half = 220, top = 24;
    double label = 120;
    for (const auto& id : r.program_order) label = std::max(label, text_width(r.program_name(id)) + 8);
    std::size_t max = 1;
    for (const auto& [id, p] : r.programs) max = std::max({max, p.gained.count, p.lost.count});
    double height = top + row * static_cast<double>(r.program_order.size()) + 8;
    double mid = label + half;
    const double width = label + 2 * half + 60;
    std::string s = "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"program eligibility gained and lost\" viewBox=\"0 0 " +
                    num(width) + " " + num(height) + "\" width=\"" + num(width) + "\" height=\"" + num(height) + "\">";
    s += "<text x=\"" + num(mid - 8) + "\" y=\"14\" text-anchor=\"end\" class=\"axis\">&#8592; lost</text>";
    s += "<text x=\"" + num(mid + 8) + "\" y=\"14\" class=\"axis\">gained &#8594;</text>";
    s += "<line x1=\"" + num(mid) + "\" y1=\"18\" x2=\"" + num(mid) + "\" y2=\"" + num(height) + "\" stroke=\"#6b7280\"/>";
    double y = top;
    for (const auto& id : r.program_order) {
        const auto& p = r.programs.at(id);
        double g = half * static_cast<double>(p.gained.count) / static_cast<double>(max);
        double l = half * static_cast<double>(p.lost.count) / static_cast<double>(max);
        s += "<text x=\"" + num(label - 8) + "\" y=\"" + num(y + 15) + "\" text-anchor=\"end\" class=\"lbl\">" + esc(r.program_name(id)) + "</text>";
        if (p.lost.count)
            s += "<rect x=\"" + num(mid - l) + "\" y=\"" + num(y + 3) + "\" width=\"" + num(l) + "\" height=\"" + num(row - 8) +
                 "\" fill=\"rgb(" + kDownColour + ")\"/><text x=\"" + num(mid - l - 4) + "\" y=\"" + num(y + 15) + "\" text-anchor=\"end\" class=\"val\">" +
                 std::to_string(p.lost.count) + "</text>";
        if (p.gained.count)
            s += "<rect x=\"" + num(mid) + "\" y=\"" + num(y + 3) + "\" width=\"" + num(g) + "\" height=\"" + num(row - 8) +
                 "\" fill=\"rgb(" + kUpColour + ")\"/><text x=\"" + num(mid + g + 4) + "\" y=\"" + num(y + 15) + "\" class=\"val\">" +
                 std::to_string(p.gained.count) + "</text>";
        y += row;
    }
    return s + "</svg>";
}

// The one paragraph a policy director reads first: how many moved, the biggest move and the
// rules behind it, the programs most changed, and how many policy changes did it.
std::string html_summary(const Report& r) {
    std::string p = "<p class=\"summary\">Of <b>" + std::to_string(r.total) + "</b> patients, <b>" + std::to_string(r.up + r.down) +
                    "</b> (" + pct(r.up + r.down, r.total) + ") change tier: " + std::to_string(r.up) + " move up, " +
                    std::to_string(r.down) + " move down.";
    const std::pair<std::pair<std::string, std::string>, const Cell*>* biggest = nullptr;
    auto mv = moves(r);
    for (const auto& m : mv)
        if (!biggest || m.second->count > biggest->second->count) biggest = &m;
    if (biggest) {
        const auto& [k, c] = *biggest;
        p += " The largest move is " + esc(k.first) + " &#8594; " + esc(k.second) + ": " + std::to_string(c->count) + " of " +
             std::to_string(r.from_count(k.first)) + " " + esc(k.first) + " patients (" + pct(c->count, r.from_count(k.first)) + ")";
        std::string top_rule;
        std::size_t top = 0;
        // The rule that newly matched for most of them (a rule matching on both sides did not move them).
        for (const auto& [rule, n] : c->to_rules)
            if (n > top && rule != kDefaultRule && !c->from_rules.count(rule)) top = n, top_rule = rule;
        if (!top_rule.empty()) p += ", " + std::to_string(top) + " of them newly matching the rule " + esc(top_rule);
        p += ".";
    }
    std::string gained;
    for (const auto& id : r.program_order) {
        const auto& pc = r.programs.at(id);
        if (pc.gained.count || pc.lost.count)
            gained += std::string(gained.empty() ? "" : "; ") + esc(r.program_name(id)) + " +" + std::to_string(pc.gained.count) +
                      " / &#8722;" + std::to_string(pc.lost.count);
    }
    p += gained.empty() ? " No program eligibility changes." : " Program eligibility changes: " + gained + ".";
    p += " The rulesets differ in " + std::to_string(r.policy.size()) + " place" + (r.policy.size() == 1 ? "" : "s") + " (below).</p>";
    return p;
}

std::string render_html(const Report& r) {
    std::string h = R"(<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>carecoord diff</title>
<style>
body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:2em auto;padding:0 1em;color:#111827;max-width:1100px}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:1.8em;border-bottom:1px solid #d1d5db}
table{border-collapse:collapse;margin:.5em 0;max-width:100%}td,th{border:1px solid #d1d5db;padding:4px 8px;text-align:right}td.ids,td.l{overflow-wrap:anywhere}
th{background:#f3f4f6}td.l,th.l{text-align:left}.ids{font-family:ui-monospace,monospace;font-size:.85em;color:#374151}
.pct{color:#4b5563;font-size:.85em;display:block}.id{color:#4b5563;font-size:.85em;font-family:ui-monospace,monospace}
svg{max-width:100%;height:auto;display:block}svg .lbl{font-size:13px}svg .val{font-size:13px;font-weight:600}svg .axis{font-size:12px;fill:#4b5563}
.meta{color:#4b5563}.summary{font-size:1.05em;line-height:1.5;background:#f9fafb;border-left:4px solid #6b7280;padding:.6em 1em}
@media print{body{margin:0;max-width:none;font-size:10pt}h2{break-after:avoid}table,svg,.summary{break-inside:avoid}
th{background:#eee!important;-webkit-print-color-adjust:exact;print-color-adjust:exact}svg rect{-webkit-print-color-adjust:exact;print-color-adjust:exact}}
</style></head><body>
<h1>Impact of a ruleset change</h1>
)";
    h += html_summary(r);
    h += "<p class=\"meta\">From <b>" + esc(r.from_label) + "</b> as of " + time::format_date(r.from_as_of) + " [" + esc(rulesets_text(r.from_rulesets)) +
         "]<br>To <b>" + esc(r.to_label) + "</b> as of " + time::format_date(r.to_as_of) + " [" + esc(rulesets_text(r.to_rulesets)) + "]" +
         (r.ignore_effective ? "<br>Effective dates ignored (--ignore-effective)" : "") + "</p>";
    h += "<p><b>" + std::to_string(r.total) + "</b> patients; <b>" + std::to_string(r.up + r.down) + "</b> changed tier (" +
         std::to_string(r.up) + " up, " + std::to_string(r.down) + " down); deceased at the as-of date (lowest tier, no program): <b>" +
         std::to_string(r.deceased_from) + "</b> from, <b>" + std::to_string(r.deceased_to) + "</b> to.</p>";
    h += "<h2>What changed in the policy</h2>";
    if (r.policy.empty()) h += "<p>The rulesets in force on the two sides define the same parameters, value sets and rules.</p>";
    else {
        h += "<table><tr><th class=\"l\">ruleset</th><th class=\"l\">what</th><th class=\"l\">name</th><th class=\"l\">before</th><th class=\"l\">after</th></tr>";
        for (const auto& c : r.policy) {
            std::string before = c.before, after = c.after;
            if (c.change == "entries") {
                before.clear();
                after.clear();
                for (const auto& e : c.removed) before += (before.empty() ? "&#8722; " : ", ") + esc(e);
                for (const auto& e : c.added) after += (after.empty() ? "+ " : ", ") + esc(e);
            } else {
                before = c.change == "added" ? "(not defined)" : esc(before);
                after = c.change == "removed" ? "(removed)" : esc(after);
            }
            h += "<tr><td class=\"l\">" + esc(c.ruleset) + "</td><td class=\"l\">" + esc(c.kind) + "</td><td class=\"l\">" + esc(c.name) + "</td><td class=\"l\">" + before +
                 "</td><td class=\"l\">" + after + "</td></tr>";
        }
        h += "</table>";
    }
    h += "<h2>Tier transitions</h2><p class=\"meta\">Rows: tier before the change; columns: tier after; the percentage is of the "
         "row's patients. Indigo: moved up, teal: moved down, grey: unchanged.</p>";
    h += svg_matrix(r);
    h += "<table><tr><th class=\"l\">from \\ to</th>";
    for (const auto& t : r.tiers) h += "<th>" + esc_wrap(t) + "</th>";
    h += "<th>total</th></tr>";
    for (const auto& a : r.tiers) {
        h += "<tr><th class=\"l\">" + esc_wrap(a) + "</th>";
        const std::size_t row = r.from_count(a);
        for (const auto& b : r.tiers) {
            const std::size_t n = cell_count(r, a, b);
            h += "<td>" + std::to_string(n) + " <span class=\"pct\">" + pct(n, row) + "</span></td>";
        }
        h += "<td>" + std::to_string(row) + "</td></tr>";
    }
    h += "</table>";
    auto mv = moves(r);
    if (!mv.empty()) {
        h += "<h2>Moves and the rules responsible</h2><table><tr><th class=\"l\">move</th><th>patients</th><th class=\"l\">tier rules matched before</th>"
             "<th class=\"l\">tier rules matched after</th><th class=\"l\">examples</th></tr>";
        for (const auto& [k, c] : mv)
            h += "<tr><td class=\"l\">" + esc(k.first) + " &#8594; " + esc(k.second) + "</td><td>" + std::to_string(c->count) +
                 " of " + std::to_string(r.from_count(k.first)) + " <span class=\"pct\">" + pct(c->count, r.from_count(k.first)) +
                 "</span></td><td class=\"l\">" + esc(join_counts(c->from_rules)) + "</td><td class=\"l\">" + esc(join_counts(c->to_rules)) +
                 "</td><td class=\"l ids\">" + esc(join_ids(c->examples)) + "</td></tr>";
        h += "</table>";
    }
    h += "<h2>Program eligibility</h2><p class=\"meta\">Bars: patients who gain the program (right) and lose it (left).</p>";
    h += svg_programs(r);
    h += "<table><tr><th class=\"l\">program</th><th>eligible before</th><th>eligible after</th><th>gained</th><th>lost</th><th>other</th>"
         "<th class=\"l\">examples gained</th><th class=\"l\">examples lost</th></tr>";
    for (const auto& id : r.program_order) {
        const auto& p = r.programs.at(id);
        h += "<tr><td class=\"l\">" + esc(r.program_name(id)) + " <span class=\"id\">" + esc(id) + "</span></td><td>" +
             std::to_string(p.eligible_from) + " <span class=\"pct\">" + pct(p.eligible_from, r.total) + "</span></td><td>" +
             std::to_string(p.eligible_to) + " <span class=\"pct\">" + pct(p.eligible_to, r.total) + "</span></td><td>" +
             std::to_string(p.gained.count) + "</td><td>" + std::to_string(p.lost.count) + "</td><td>" + std::to_string(p.other.count) +
             "</td><td class=\"l ids\">" + esc(join_ids(p.gained.examples)) + "</td><td class=\"l ids\">" + esc(join_ids(p.lost.examples)) +
             "</td></tr>";
    }
    h += "</table><p class=\"meta\">Eligible percentages are of all " + std::to_string(r.total) +
         " patients. Other: changed between not eligible and unknown (missing data). Generated by carecoord " +
         std::string(CARECOORD_VERSION_STRING) + ".</p></body></html>\n";
    return h;
}

// ---- loading --------------------------------------------------------------------------

std::optional<Engine> load_side(const char* name, std::vector<std::string> paths, const std::vector<std::string>& with,
                                const Options& o, Date as_of) {
    paths.insert(paths.end(), with.begin(), with.end());
    EngineOptions eo;
    eo.ignore_effective = o.ignore_effective;
    eo.include_roots = o.include_roots;
    auto engine = Engine::load_paths(paths, eo);
    if (!engine.ok()) {
        print_diagnostics(engine.diagnostics());
        std::fprintf(stderr, "carecoord diff: the --%s rulesets have errors\n", name);
        return std::nullopt;
    }
    if (o.ignore_effective) {
        // rulesets() lists the versions of one id together.
        auto all = engine->rulesets();
        for (std::size_t i = 0; i + 1 < all.size(); ++i) {
            if (all[i].id != all[i + 1].id) continue;
            const std::string id = all[i].id;
            std::string list;
            for (std::size_t j = i; j < all.size() && all[j].id == id; ++j)
                list += (list.empty() ? "" : ", ") + all[j].version + " (" + all[j].file + ")";
            std::fprintf(stderr,
                         "carecoord diff: with --ignore-effective, the --%s side must load one version of ruleset '%s', "
                         "found %s; name the file of the version to compare\n",
                         name, id.c_str(), list.c_str());
            return std::nullopt;
        }
    }
    auto in_force = engine->rulesets_in_force(as_of);
    if (in_force.empty() || in_force.front().tiers.empty()) {
        std::string list;
        for (const auto& info : engine->rulesets()) {
            if (!list.empty()) list += ", ";
            list += info.id + " " + info.version + " (effective " + time::format_date(info.effective_from) + " to " +
                    (info.effective_until ? time::format_date(*info.effective_until) : std::string("open")) + ")";
        }
        std::fprintf(stderr,
                     "carecoord diff: no ruleset with tiers is in force on the --%s side at %s; loaded: %s. "
                     "To compare versions at one date, add --ignore-effective\n",
                     name, time::format_date(as_of).c_str(), list.c_str());
        return std::nullopt;
    }
    return std::move(engine.value());
}

void add_tiers(Report& r, const Engine& e) {
    for (const auto& info : e.rulesets())
        for (const auto& t : info.tiers)
            if (std::find(r.tiers.begin(), r.tiers.end(), t) == r.tiers.end()) r.tiers.push_back(t);
}

std::vector<RulesetRef> refs(const Engine& e, Date as_of) {
    std::vector<RulesetRef> out;
    for (const auto& info : e.rulesets_in_force(as_of)) out.push_back(RulesetRef{info.id, info.version, info.sha256});
    return out;
}

}  // namespace

int cmd_diff(const Args& args) {
    Options o;
    if (int rc = parse(args, o); rc >= 0) return rc;
    if (o.help) {
        std::fputs(kDiffHelp, stdout);
        return 0;
    }
    if (o.from.empty() || o.to.empty()) return usage_error("diff", "--from and --to are required");
    if (o.as_of && (o.from_as_of || o.to_as_of)) return usage_error("diff", "give --as-of, or --from-as-of and --to-as-of, not both");
    if (!o.as_of && !(o.from_as_of && o.to_as_of))
        return usage_error("diff", "--as-of (or --from-as-of and --to-as-of) is required: the evaluation date is an input, never the clock");
    if (o.inputs.empty()) return usage_error("diff", "give the population: NDJSON files, patient files or directories (- for standard input)");
    const Date from_as_of = o.as_of ? *o.as_of : *o.from_as_of;
    const Date to_as_of = o.as_of ? *o.as_of : *o.to_as_of;
    auto a = load_side("from", o.from, o.with, o, from_as_of);
    if (!a) return 2;
    auto b = load_side("to", o.to, o.with, o, to_as_of);
    if (!b) return 2;

    Report report;
    report.from_label = label(o.from, o.with);
    report.to_label = label(o.to, o.with);
    report.from_as_of = from_as_of;
    report.to_as_of = to_as_of;
    report.ignore_effective = o.ignore_effective;
    report.from_rulesets = refs(*a, from_as_of);
    report.to_rulesets = refs(*b, to_as_of);
    add_tiers(report, *a);
    add_tiers(report, *b);
    {
        std::vector<RulesetFile> from_files, to_files;
        for (const auto& r : a->rulesets_in_force(from_as_of)) from_files.push_back({r.id, r.file});
        for (const auto& r : b->rulesets_in_force(to_as_of)) to_files.push_back({r.id, r.file});
        std::vector<Diagnostic> policy_errors;  // the files loaded a moment ago: any error is a race
        report.policy = policy_changes(from_files, to_files, policy_errors);
        for (const auto* side : {&*a, &*b})
            for (const auto& ruleset : side->rulesets())
                for (const auto& prog : ruleset.programs) report.program_names.emplace(prog.id, prog.name);
        print_diagnostics(policy_errors);
        if (!policy_errors.empty()) return 2;
    }

    std::vector<Diagnostic> errors;
    auto files = expand_inputs(o.inputs, errors);
    print_diagnostics(errors);
    auto work = [&](const Record& r, PatientDiff& out, std::string& messages) {
        auto patient = decode_record(r, messages);
        if (!patient) return;
        auto da = a->evaluate(*patient, from_as_of);
        auto db = b->evaluate(*patient, to_as_of);
        append_errors(r, da.diagnostics(), messages);
        append_errors(r, db.diagnostics(), messages);
        if (!messages.empty()) return;
        out.id = patient->id;
        out.from = side_of(*da);
        out.to = side_of(*db);
    };
    auto emit = [&](const Record&, const PatientDiff& p) { tally(report, p, o.examples); };
    RecordReader reader(files);
    auto stats = run_batch<PatientDiff>(reader, o.jobs, work, emit, progress_wanted(o.progress));

    std::string text = o.format == "json" ? render_json(report) : o.format == "html" ? render_html(report) : render_text(report);
    std::FILE* out = stdout;
    if (!o.output.empty() && !(out = std::fopen(o.output.c_str(), "wb"))) return usage_error("diff", "cannot write " + o.output);
    std::fwrite(text.data(), 1, text.size(), out);
    if (out != stdout && !close_output(out, o.output)) return 2;
    if (stats.bad) std::fprintf(stderr, "%zu of %zu records could not be read or evaluated and were left out\n", stats.bad, stats.total);
    return (!errors.empty() || stats.input_failed || stats.bad) ? 1 : 0;
}

}  // namespace carecoord::cli
