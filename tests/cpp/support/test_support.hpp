// Helpers shared by the unit suites: dates, rulesets written inline, one-expression
// evaluation through the public Engine, and temporary directories of ruleset files.
#pragma once

#include <doctest/doctest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include <unistd.h>

#include "carecoord/carecoord.hpp"
#include "time/calendar.hpp"

namespace carecoord::testing {

inline Date D(const char* s) {
    const auto d = time::parse_date(s);
    REQUIRE_MESSAGE(d.has_value(), s);
    return *d;
}

inline DateTime DT(const char* s) {
    const auto t = time::parse_datetime(s);
    REQUIRE_MESSAGE(t.has_value(), s);
    return *t;
}

inline std::string all_messages(const std::vector<Diagnostic>& ds) {
    std::string out;
    for (const auto& d : ds) out += d.to_string() + "\n";
    return out;
}

// The standard header of a test ruleset (id `t`, in force from 2000-01-01, open-ended),
// followed by `body`. The header is 4 lines: the body starts on line 5.
inline std::string ruleset(std::string_view body, std::string_view id = "t") {
    std::string s = "schema_version: 1\nruleset: ";
    s += id;
    s += "\nversion: 1.0.0\neffective: {from: 2000-01-01, until: null}\n";
    s += body;
    return s;
}

inline Engine load_ok(std::string_view yaml) {
    auto r = Engine::load_string(yaml);
    INFO(all_messages(r.diagnostics()));
    REQUIRE(r.ok());
    return std::move(r).value();
}

inline std::vector<Diagnostic> load_errors(std::string_view yaml) {
    auto r = Engine::load_string(yaml);
    REQUIRE_MESSAGE(!r.ok(), "the ruleset loaded, but errors were expected");
    return r.diagnostics();
}

inline Determination evaluate_ok(const Engine& e, const Patient& p, Date as_of) {
    auto r = e.evaluate(p, as_of);
    INFO(all_messages(r.diagnostics()));
    REQUIRE(r.ok());
    return std::move(r).value();
}

// A YAML single-quoted scalar holding `text`.
inline std::string yaml_quote(std::string_view text) {
    std::string out = "'";
    for (char c : text) {
        out += c;
        if (c == '\'') out += '\'';
    }
    return out + "'";
}

// One expression evaluated for one patient, through a program of a one-off ruleset:
// `when` gives the three-valued answer, a reason `{expr}` the value as reasons print it.
struct ExprResult {
    Eligibility truth = Eligibility::unknown;  // eligible = true, not_eligible = false
    std::vector<std::string> program_missing;  // fields whose absence made it unknown
    std::vector<std::string> missing;          // every field reported missing
};

// `extra` is placed before the program (parameters, valuesets, facts, calendars).
inline ExprResult truth_of(std::string_view expr, const Patient& p, Date as_of, std::string_view extra = "") {
    std::string yaml = ruleset(std::string(extra) + "programs:\n  - id: probe\n    when: " + yaml_quote(expr) + "\n");
    Engine e = load_ok(yaml);
    Determination d = evaluate_ok(e, p, as_of);
    REQUIRE(d.programs.size() == 1);
    return ExprResult{d.programs[0].status, d.programs[0].missing, d.missing};
}

inline std::string value_of(std::string_view expr, const Patient& p, Date as_of, std::string_view extra = "") {
    std::string yaml = ruleset(std::string(extra) + "programs:\n  - id: probe\n    when: 'true'\n    reason: " +
                               yaml_quote("{" + std::string(expr) + "}") + "\n");
    Engine e = load_ok(yaml);
    Determination d = evaluate_ok(e, p, as_of);
    REQUIRE(d.programs.size() == 1);
    return d.programs[0].reason;
}

inline Patient patient(const char* birth = "1950-06-15") {
    Patient p;
    p.id = "p1";
    p.birth_date = D(birth);
    return p;
}

inline Condition condition(std::string code, std::string system = "icd10cm") {
    Condition c;
    c.code = std::move(code);
    c.system = std::move(system);
    return c;
}

inline Encounter encounter(EncounterClass cls, const char* admit, const char* discharge = nullptr) {
    Encounter e;
    e.encounter_class = cls;
    e.admit = DT(admit);
    if (discharge) e.discharge = DT(discharge);
    return e;
}

inline Coverage coverage(Payer payer, const char* start, const char* end = nullptr) {
    Coverage c;
    c.payer = payer;
    c.start = D(start);
    if (end) c.end = D(end);
    return c;
}

// The first ```yaml block after `heading` in docs/ruleset-language.md: the manual's
// examples are tested as written.
inline std::string manual_yaml_after(std::string_view heading) {
    std::ifstream in(std::filesystem::path(CARECOORD_SOURCE_DIR) / "docs" / "ruleset-language.md");
    std::string doc((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto h = doc.find(heading);
    REQUIRE_MESSAGE(h != std::string::npos, heading);
    auto b = doc.find("```yaml\n", h);
    REQUIRE(b != std::string::npos);
    b += 8;
    auto e = doc.find("```", b);
    REQUIRE(e != std::string::npos);
    return doc.substr(b, e - b);
}

// A fresh directory under the system temp directory, removed with the object.
class TempDir {
public:
    TempDir() {
        static std::atomic<int> counter{0};
        path_ = std::filesystem::temp_directory_path() /
                ("carecoord-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
        std::filesystem::remove_all(path_);
        std::filesystem::create_directories(path_);
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const std::filesystem::path& path() const { return path_; }
    std::string file(const std::string& rel) const { return (path_ / rel).string(); }

    std::string write(const std::string& rel, std::string_view text) const {
        auto p = path_ / rel;
        std::filesystem::create_directories(p.parent_path());
        std::ofstream out(p, std::ios::binary);
        out << text;
        return p.string();
    }

private:
    std::filesystem::path path_;
};

}  // namespace carecoord::testing
