// carecoord::check() and check_coverage(): the static analysis of `carecoord check`, as a
// library call. Positions and messages are counted by hand from the ruleset texts.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "carecoord/check.hpp"
#include "support/test_support.hpp"

using namespace carecoord;
using carecoord::testing::D;
using carecoord::testing::TempDir;

namespace {

// "CODE line:col" per finding, in the order check() gives them.
std::vector<std::string> where(const std::vector<Diagnostic>& ds) {
    std::vector<std::string> out;
    for (const auto& d : ds) out.push_back(d.code + " " + std::to_string(d.line) + ":" + std::to_string(d.column));
    return out;
}

Engine load_path_ok(const std::string& path) {
    auto r = Engine::load_path(path);
    INFO(carecoord::testing::all_messages(r.diagnostics()));
    REQUIRE(r.ok());
    return std::move(r).value();
}

const char* kHeader = "schema_version: 1\nruleset: vs\nversion: 1.0.0\neffective: {from: 2024-01-01, until: null}\n";

// A ruleset whose only content is one flat value set `big` (after the 4 header lines,
// `valuesets:` and `  big:`, line 7 holds its first system)
// and a tier rule that uses it.
std::string valueset_ruleset(const std::string& systems) {
    return std::string(kHeader) + "valuesets:\n  big:\n" + systems +
           "facts:\n  has: exists(conditions where code in big)\n"
           "tiers:\n  order: [routine, high]\n  default: routine\n  rules:\n"
           "    - {id: r, tier: high, when: has, reason: listed}\n";
}

}  // namespace

TEST_CASE("check: the findings of a ruleset, in order: tier rules, unused names, value sets") {
    const std::string file = std::string(CARECOORD_SOURCE_DIR) + "/tests/cli/data/analysis/findings.yaml";
    Engine engine = load_path_ok(file);
    auto findings = check(engine);
    CHECK(where(findings) == std::vector<std::string>{"W0701 21:7", "W0703 29:7", "W0701 33:7", "W0705 7:24", "W0704 16:16",
                                                      "W0706 11:39", "W0707 13:28", "W0707 13:56"});
    for (const auto& d : findings) {
        CHECK(d.severity == Severity::warning);
        CHECK(d.file == file);
    }
    REQUIRE(findings.size() == 8);
    CHECK(findings[1].rule_id == "cc_conditions");
    CHECK(findings[1].message ==
          "tier rule 'cc_conditions' has the same `when` as 'cm_conditions' (line 25, tier case_management): it is shadowed "
          "and never decides the tier");
    CHECK(findings[5].message == "value-set entry 'E11.9' overlaps 'E10-E11' (line 11) in chronic.diabetes: some codes are listed twice");
    CHECK(findings[7].message ==
          "value-set entry '46177005' of category 'dialysis' overlaps '46177005' (line 12) of category 'kidney' in chronic: "
          "category() gives those codes 'kidney', the first");

    CheckOptions structural;
    structural.analysis = false;
    CHECK(check(engine, structural).empty());  // no gap between versions: nothing structural
}

TEST_CASE("check: a gap between two versions is E0315, adjoining versions are not") {
    TempDir dir;
    auto version = [](const char* v, const char* from, const char* until) {
        return std::string("schema_version: 1\nruleset: gapped\nversion: ") + v + "\neffective: {from: " + from +
               ", until: " + until + "}\nprograms:\n  - {id: p, when: 'true'}\n";
    };
    SUBCASE("a gap of July") {
        dir.write("a.yaml", version("1.0.0", "2024-01-01", "2024-06-30"));
        const std::string b = dir.write("b.yaml", version("2.0.0", "2024-08-01", "null"));
        Engine engine = load_path_ok(dir.path().string());
        CheckOptions structural;
        structural.analysis = false;
        auto findings = check(engine, structural);
        REQUIRE(findings.size() == 1);
        CHECK(findings[0].code == "E0315");
        CHECK(findings[0].severity == Severity::warning);
        CHECK(findings[0].file == b);
        CHECK(findings[0].line == 4);
        CHECK(findings[0].message ==
              "no version of ruleset 'gapped' is in force from 2024-07-01 to 2024-07-31 (after version 1.0.0, before version "
              "2.0.0): a determination at those dates has nothing from this ruleset");
    }
    SUBCASE("the next version starts the day after") {
        dir.write("a.yaml", version("1.0.0", "2024-01-01", "2024-07-31"));
        dir.write("b.yaml", version("2.0.0", "2024-08-01", "null"));
        CHECK(check(load_path_ok(dir.path().string())).empty());
    }
}

TEST_CASE("check: each overlapping entry is reported once, against the first entry before it that it overlaps") {
    TempDir dir;
    // Line 7: "    icd10cm: [" is 14 characters, so the first entry's quote is at column 15.
    const std::string file = dir.write(
        "vs.yaml", valueset_ruleset("    icd10cm: [\"E11\", \"E10-E11\", \"E11.9\", \"A00-A05\", \"A06\", \"A05.9\", \"A06.0\"]\n"
                                    "    icd10: [\"A06\"]\n"
                                    "    snomed: [\"1\", \"2\", \"1\"]\n"));
    auto findings = check(load_path_ok(file));
    // E10-E11 (col 22) and E11.9 (col 33) both against E11; A05.9 (col 60) inside A00-A05 on
    // their common 3 characters; A06 is after A05 and A06.0 under A06 (col 69). The icd10
    // A06 is another system; snomed "1" (col 24 of line 9) repeats the first.
    CHECK(where(findings) == std::vector<std::string>{"W0706 7:22", "W0706 7:33", "W0706 7:60", "W0706 7:69", "W0706 9:24"});
    REQUIRE(findings.size() == 5);
    CHECK(findings[0].message == "value-set entry 'E10-E11' overlaps 'E11' (line 7) in big: some codes are listed twice");
    CHECK(findings[1].message == "value-set entry 'E11.9' overlaps 'E11' (line 7) in big: some codes are listed twice");
    CHECK(findings[2].message == "value-set entry 'A05.9' overlaps 'A00-A05' (line 7) in big: some codes are listed twice");
    CHECK(findings[3].message == "value-set entry 'A06.0' overlaps 'A06' (line 7) in big: some codes are listed twice");
}

TEST_CASE("check: a value set of 40,000 codes with two planted overlaps gives exactly those two") {
    // 20,000 distinct ICD-10-CM codes A00.00 .. B99.99 and 20,000 SNOMED codes, then "A01"
    // (a prefix of A01.00 .. A01.99) and a second "100000". The pairwise comparison took
    // seconds here; the sort-based one is measured by bench/check/check_bench.
    std::string icd, snomed;
    for (int i = 0; i < 20000; ++i) {
        char buf[16];
        std::snprintf(buf, sizeof buf, "%c%02d.%02d", 'A' + i / 10000, (i / 100) % 100, i % 100);
        icd += (i ? ", \"" : "\"") + std::string(buf) + "\"";
        snomed += (i ? ", \"" : "\"") + std::to_string(100000 + i) + "\"";
    }
    TempDir dir;
    const std::string file = dir.write(
        "big.yaml", valueset_ruleset("    icd10cm: [" + icd + ", \"A01\"]\n    snomed: [" + snomed + ", \"100000\"]\n"));
    auto findings = check(load_path_ok(file));
    REQUIRE(findings.size() == 2);
    CHECK(findings[0].message == "value-set entry 'A01' overlaps 'A01.00' (line 7) in big: some codes are listed twice");
    CHECK(findings[0].line == 7);
    // Each code is 10 characters with its quotes and separator: the 20,001st starts at
    // 15 + 20,000 * 10.
    CHECK(findings[0].column == 15 + 20000 * 10);
    CHECK(findings[1].message == "value-set entry '100000' overlaps '100000' (line 8) in big: some codes are listed twice");
    CHECK(findings[1].line == 8);
}

TEST_CASE("check: value sets of a ruleset loaded from a string are not checked, and a note says so") {
    auto engine = Engine::load_string(valueset_ruleset("    snomed: [\"1\", \"1\"]\n"), "inline.yaml");
    REQUIRE(engine.ok());
    auto findings = check(*engine);
    REQUIRE(findings.size() == 1);
    CHECK(findings[0].code == "E0330");
    CHECK(findings[0].severity == Severity::note);
    CHECK(findings[0].file == "inline.yaml");
}

TEST_CASE("check_coverage: tier rules no patient matched, and patients left to the default tier") {
    auto engine = Engine::load_string(std::string(kHeader) +
                                      "tiers:\n  order: [routine, high]\n  default: routine\n  rules:\n"
                                      "    - {id: many, tier: high, when: count(conditions) > 3, reason: many}\n"
                                      "    - {id: old, tier: high, when: age >= 90, reason: old}\n",
                                      "cov.yaml");
    REQUIRE(engine.ok());
    PopulationCoverage c;
    c.patients = 10;
    c.by_default = 4;
    c.default_examples = {"p1", "p2"};
    c.rule_matches = {{"many", 1}, {"old", 0}};
    auto findings = check_coverage(*engine, D("2025-01-01"), c);
    REQUIRE(findings.size() == 2);
    CHECK(findings[0].code == "W0708");
    CHECK(findings[0].line == 10);  // the rule `old`
    CHECK(findings[0].rule_id == "old");
    CHECK(findings[1].code == "W0709");
    CHECK(findings[1].file == "cov.yaml");
    CHECK(findings[0].message == "tier rule 'old' matched none of the 10 patients of the population");
    CHECK(findings[0].severity == Severity::warning);
    CHECK(findings[1].message ==
          "4 of the 10 patients of the population matched no tier rule and got the default tier 'routine' (e.g. p1, p2)");
    CHECK(findings[1].severity == Severity::note);
    CHECK(check_coverage(*engine, D("2025-01-01"), c, true)[1].severity == Severity::warning);

    SUBCASE("before the ruleset is in force, nothing shows") {
        auto none = check_coverage(*engine, D("2023-12-31"), c);
        REQUIRE(none.size() == 1);
        CHECK(none[0].code == "W0709");
        CHECK(none[0].severity == Severity::note);
    }
}
