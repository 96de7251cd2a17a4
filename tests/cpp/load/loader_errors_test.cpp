// The ruleset loader's structural checks, one malformed section at a time. Each case is a
// ruleset that breaks one rule of docs/ruleset-language.md (Sections, Value sets, calendars)
// and the code docs/errors.md gives that kind of mistake; the load must fail with it, at a
// position in the file.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "carecoord/carecoord.hpp"

#include <unistd.h>

using namespace carecoord;

namespace {

const std::string kHeader = "schema_version: 1\nruleset: t\nversion: 1.0.0\neffective: {from: 2020-01-01, until: null}\n";
const std::string kTiers = "tiers:\n  order: [routine, case_management]\n  default: routine\n  rules:\n";

struct Case {
    const char* what;
    std::string yaml;
    const char* code;
};

void expect_error(const Case& c) {
    std::string what = c.what;
    CAPTURE(what);
    auto r = Engine::load_string(c.yaml, "t.yaml");
    REQUIRE_FALSE(r.ok());
    bool found = false;
    std::string all;
    for (const auto& d : r.diagnostics()) {
        all += d.to_string() + "\n";
        if (d.code == c.code) {
            found = true;
            CHECK(d.file == "t.yaml");
            CHECK(d.line > 0);
        }
    }
    CAPTURE(all);
    CHECK_MESSAGE(found, c.what, ": expected ", c.code);
}

void expect_errors(const std::vector<Case>& cases) {
    for (const auto& c : cases) expect_error(c);
}

}  // namespace

TEST_CASE("the scaffolds load, so each error below is the case's") {
    CHECK(Engine::load_string(kHeader + kTiers + "    - {id: r, tier: case_management, when: 'true', reason: r}\n", "t.yaml").ok());
    CHECK(Engine::load_string(kHeader + "calendar: plan\ncalendars:\n  plan:\n    weekend: [saturday, sunday]\n"
                                        "    holidays: [{name: x, month: 11, weekday: thursday, nth: 4}]\n"
                                        "triggers:\n  - {id: t, anchor: birth_date, due: 2 business days after anchor, reason: t}\n",
                              "t.yaml")
              .ok());
}

TEST_CASE("header: required keys, schema_version, id, version and effective dates") {
    const std::string eff = "effective: {from: 2020-01-01, until: null}\n";
    expect_errors({
        {"no schema_version", "ruleset: t\nversion: 1.0.0\n" + eff, "E0302"},
        {"schema_version 2", "schema_version: 2\nruleset: t\nversion: 1.0.0\n" + eff, "E0305"},
        {"an id with capitals", "schema_version: 1\nruleset: Bad\nversion: 1.0.0\n" + eff, "E0304"},
        {"version not MAJOR.MINOR.PATCH", "schema_version: 1\nruleset: t\nversion: '1.0'\n" + eff, "E0304"},
        {"no effective", "schema_version: 1\nruleset: t\nversion: 1.0.0\n", "E0302"},
        {"effective.from not a date", "schema_version: 1\nruleset: t\nversion: 1.0.0\neffective: {from: 2020-02-30}\n",
         "E0304"},
        {"effective.until not a date",
         "schema_version: 1\nruleset: t\nversion: 1.0.0\neffective: {from: 2020-01-01, until: soon}\n", "E0304"},
        {"effective.until before from",
         "schema_version: 1\nruleset: t\nversion: 1.0.0\neffective: {from: 2020-01-01, until: 2019-12-31}\n", "E0304"},
        {"an unknown top-level key", kHeader + "tier: {}\n", "E0301"},
        {"a file that is a list", "- schema_version: 1\n- ruleset: t\n", "E0303"},
        {"an unknown kind", "kind: rules\n" + kHeader, "E0304"},
        {"calendar not a name", kHeader + "calendar: [us_federal]\n", "E0303"},
        {"an unknown calendar", kHeader + "calendar: lunar\n", "E0309"},
    });
}

TEST_CASE("sources and include") {
    expect_errors({
        {"sources a list", kHeader + "sources: [a, b]\n", "E0303"},
        {"a source that is text", kHeader + "sources: {seed: 'the seed document'}\n", "E0303"},
        {"an include that is not a path", kHeader + "include: [{file: a.yaml}]\n", "E0303"},
        {"an include from a string", kHeader + "include: [lib.yaml]\n", "E0307"},
    });
}

TEST_CASE("value sets: names, shapes, code systems and codes") {
    expect_errors({
        {"a name with capitals", kHeader + "valuesets:\n  Chronic: {icd10cm: [I10]}\n", "E0304"},
        {"a value set that is a list", kHeader + "valuesets:\n  vs: [I10]\n", "E0303"},
        {"categories a list", kHeader + "valuesets:\n  vs: {categories: [a, b]}\n", "E0303"},
        {"a category that is a list", kHeader + "valuesets:\n  vs: {categories: {htn: [I10]}}\n", "E0303"},
        {"a code system with capitals", kHeader + "valuesets:\n  vs: {ICD10CM: [I10]}\n", "E0310"},
        {"codes that are not a list", kHeader + "valuesets:\n  vs: {icd10cm: I10}\n", "E0310"},
        {"a code that is not text", kHeader + "valuesets:\n  vs: {icd10cm: [[I10]]}\n", "E0310"},
        {"exclude a list", kHeader + "valuesets:\n  vs: {icd10cm: [I10], exclude: [I10]}\n", "E0303"},
        {"codes beside categories",
         kHeader + "valuesets:\n  vs: {categories: {htn: {icd10cm: [I10]}}, icd10cm: [I11]}\n", "E0301"},
    });
}

TEST_CASE("parameters and facts: names and shapes") {
    expect_errors({
        {"a parameter name with capitals", kHeader + "parameters:\n  Threshold: 2\n", "E0304"},
        {"a long-form parameter without value", kHeader + "parameters:\n  p: {description: a threshold}\n", "E0302"},
        {"a list parameter holding a list", kHeader + "parameters:\n  p: [[1, 2]]\n", "E0303"},
        {"a list parameter mixing strings and numbers", kHeader + "parameters:\n  p: [1, a]\n", "E0303"},
        {"a parameter whose value is a mapping", kHeader + "parameters:\n  p: {value: {a: 1}}\n", "E0303"},
        {"a fact name with capitals", kHeader + "facts:\n  Count: count(conditions)\n", "E0304"},
        {"a long-form fact without expr", kHeader + "facts:\n  f: {description: a count}\n", "E0302"},
        {"a fact that is a list", kHeader + "facts:\n  f: [1]\n", "E0303"},
    });
}

TEST_CASE("calendars: weekend and holidays") {
    const std::string cal = kHeader + "calendar: plan\ncalendars:\n  plan:\n";
    expect_errors({
        {"a calendar that is a list", kHeader + "calendars:\n  plan: [saturday]\n", "E0303"},
        {"a weekend day that is not a weekday", cal + "    weekend: [caturday]\n", "E0304"},
        {"a holiday that is text", cal + "    holidays: [new_year]\n", "E0303"},
        {"a holiday without month", cal + "    holidays: [{name: x, day: 1}]\n", "E0302"},
        {"a holiday with day and weekday", cal + "    holidays: [{name: x, month: 1, day: 1, weekday: monday, nth: 1}]\n",
         "E0304"},
        {"a weekday holiday without nth", cal + "    holidays: [{name: x, month: 11, weekday: thursday}]\n", "E0302"},
        {"observed not a rule", cal + "    holidays: [{name: x, month: 1, day: 1, observed: sometimes}]\n", "E0304"},
        {"month 13", cal + "    holidays: [{name: x, month: 13, day: 1}]\n", "E0304"},
    });
}

TEST_CASE("tiers, flags, programs and triggers: shapes, ids and references") {
    const std::string rule = "    - {id: r, tier: case_management, when: 'count(conditions) > 1', reason: r}\n";
    expect_errors({
        {"a rule that is text", kHeader + kTiers + "    - r\n", "E0303"},
        {"a rule id used twice", kHeader + kTiers + rule + rule, "E0306"},
        {"a rule for an unknown tier", kHeader + kTiers + "    - {id: r, tier: intensive, when: 'true', reason: r}\n",
         "E0309"},
        {"a rule without when", kHeader + kTiers + "    - {id: r, tier: case_management, reason: r}\n", "E0302"},
        {"a when that is a list", kHeader + kTiers + "    - {id: r, tier: case_management, when: [a], reason: r}\n",
         "E0303"},
        {"a tier name with capitals", kHeader + "tiers:\n  order: [Routine, cm]\n  default: cm\n  rules: []\n", "E0304"},
        {"a tier listed twice", kHeader + "tiers:\n  order: [routine, routine]\n  default: routine\n  rules: []\n",
         "E0306"},
        {"tiers without order", kHeader + "tiers:\n  default: routine\n  rules: []\n", "E0302"},
        {"a default outside the order", kHeader + "tiers:\n  order: [routine, cm]\n  default: high\n  rules: []\n",
         "E0309"},
        {"a flag that is text", kHeader + "flags: [review]\n", "E0303"},
        {"a flag defined twice",
         kHeader + "flags:\n  - {id: f, rules: [{id: a, when: 'true', reason: a}]}\n"
                   "  - {id: f, rules: [{id: b, when: 'true', reason: b}]}\n",
         "E0306"},
        {"a program that is text", kHeader + "programs: [ccm]\n", "E0303"},
        {"a program defined twice",
         kHeader + "programs:\n  - {id: p, when: 'true', reason: p}\n  - {id: p, when: 'true', reason: p}\n", "E0306"},
        {"a payer that is not one", kHeader + "programs:\n  - {id: p, payers: [medicare], when: 'true', reason: p}\n",
         "E0304"},
        {"a program without when", kHeader + "programs:\n  - {id: p, reason: p}\n", "E0302"},
        {"a trigger that is text", kHeader + "triggers: [call]\n", "E0303"},
        {"a trigger defined twice",
         kHeader + "triggers:\n  - {id: t, anchor: birth_date, due: anchor, reason: t}\n"
                   "  - {id: t, anchor: birth_date, due: anchor, reason: t}\n",
         "E0306"},
        {"a trigger without anchor", kHeader + "triggers:\n  - {id: t, due: birth_date, reason: t}\n", "E0302"},
        {"a trigger without due", kHeader + "triggers:\n  - {id: t, anchor: birth_date, reason: t}\n", "E0302"},
        {"a due that is a list", kHeader + "triggers:\n  - {id: t, anchor: birth_date, due: [a], reason: t}\n", "E0303"},
    });
}

TEST_CASE("lists and texts of the wrong kind") {
    expect_errors({
        {"tier order that is text", kHeader + "tiers:\n  order: routine\n  default: routine\n  rules: []\n", "E0303"},
        {"a rule id that is a list", kHeader + kTiers + "    - {id: [r], tier: case_management, when: 'true', reason: r}\n",
         "E0303"},
        {"a reason that is a list",
         kHeader + kTiers + "    - {id: r, tier: case_management, when: 'true', reason: [a, b]}\n", "E0303"},
        {"a program reason that is a mapping", kHeader + "programs:\n  - {id: p, when: 'true', reason: {text: p}}\n",
         "E0303"},
        {"a program not_reason that is a list", kHeader + "programs:\n  - {id: p, when: 'true', reason: p, not_reason: [q]}\n",
         "E0303"},
        {"a trigger reason that is a list",
         kHeader + "triggers:\n  - {id: t, anchor: birth_date, due: anchor, reason: [t]}\n", "E0303"},
    });
}

TEST_CASE("ruleset files: missing, and larger than max_file_bytes (E0311, E0105 naming the file)") {
    namespace fs = std::filesystem;
    auto dir = fs::temp_directory_path() / ("carecoord-loader-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    auto big = (dir / "big.yaml").string();
    {
        std::ofstream out(big);
        out << kHeader << "description: '" << std::string(500, 'x') << "'\n";
    }
    EngineOptions o;
    o.limits.max_file_bytes = 200;
    auto r = Engine::load_file(big, o);
    REQUIRE_FALSE(r.ok());
    CHECK(r.diagnostics().front().code == "E0105");
    CHECK(r.diagnostics().front().file == big);
    CHECK(r.diagnostics().front().message.find("max_file_bytes") != std::string::npos);
    auto missing = Engine::load_file((dir / "missing.yaml").string());
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.diagnostics().front().code == "E0311");
    fs::remove_all(dir);
}

TEST_CASE("includes: a library with a YAML error, and names defined in both a ruleset and its library") {
    namespace fs = std::filesystem;
    auto dir = fs::temp_directory_path() / ("carecoord-include-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    auto write = [&](const char* name, const std::string& text) {
        std::ofstream out(dir / name);
        out << text;
    };
    write("broken.yaml", "schema_version: 1\nkind: library\nlibrary: broken\nvaluesets: {vs: [\n");
    write("lib.yaml", "schema_version: 1\nkind: library\nlibrary: lib\n"
                      "valuesets:\n  vs: {icd10cm: [I10]}\ncalendars:\n  plan: {weekend: [sunday]}\n");
    write("uses_broken.yaml", kHeader + "include: [broken.yaml]\n");
    write("twice.yaml", kHeader + "include: [lib.yaml]\nvaluesets:\n  vs: {icd10cm: [I11]}\n"
                                  "calendars:\n  plan: {weekend: [saturday]}\n");
    auto codes = [](const Result<Engine>& r) {
        std::string all;
        if (!r.ok())
            for (const auto& d : r.diagnostics()) all += d.code + " ";
        return all;
    };
    auto broken = Engine::load_file((dir / "uses_broken.yaml").string());
    CHECK(codes(broken).find("E0101") != std::string::npos);
    auto twice = Engine::load_file((dir / "twice.yaml").string());
    std::string c = codes(twice);
    CAPTURE(c);
    // the value set and the calendar, each defined twice
    CHECK(c.find("E0306") != std::string::npos);
    CHECK(c.find("E0306") != c.rfind("E0306"));
    fs::remove_all(dir);
}
