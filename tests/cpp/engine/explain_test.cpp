// Explanations: every rule with the values that decided it, and the nearest boundary.
#include <doctest/doctest.h>

#include <algorithm>

#include "carecoord/carecoord.hpp"

using namespace carecoord;
using std::chrono::sys_days;
using std::chrono::year;

namespace {

const Date kAsOf = sys_days{year{2026} / 11 / 27};

const Engine& defaults() {
    static const Engine e = Engine::load_directory(CARECOORD_SOURCE_DIR "/rulesets").value();
    return e;
}

Patient with_conditions(std::initializer_list<const char*> codes, int admissions) {
    Patient p;
    p.id = "x";
    p.birth_date = sys_days{year{1950} / 1 / 1};
    for (const char* c : codes) {
        Condition cond;
        cond.code = c;
        cond.onset = sys_days{year{2015} / 1 / 1};
        p.conditions.push_back(cond);
    }
    for (int i = 0; i < admissions; ++i) {
        Encounter e;
        e.id = "e" + std::to_string(i);
        e.encounter_class = EncounterClass::inpatient;
        e.admit = DateTime{kAsOf - std::chrono::days{30 + 60 * i}};
        e.discharge = *e.admit + std::chrono::hours{72};
        e.disposition = Disposition::home;
        p.encounters.push_back(e);
    }
    p.social.housing_instability = false;
    p.social.food_insecurity = false;
    p.language.interpreter_needed = false;
    p.language.english_proficiency = EnglishProficiency::very_well;
    p.ltc_placement.decision_open = false;
    return p;
}

const RuleExplanation& rule(const Explanation& ex, const std::string& id) {
    auto it = std::find_if(ex.rules.begin(), ex.rules.end(), [&](const RuleExplanation& r) { return r.id == id; });
    REQUIRE(it != ex.rules.end());
    return *it;
}

}  // namespace

TEST_CASE("explain: 3 chronic categories and 1 admission are each one short of case management") {
    // Diabetes, hypertension, heart failure: 3 of the 4 categories the 2026 rules need; one
    // admission 30 days ago of the 2 needed (rulesets/intensity/intensity-v2.yaml).
    auto ex = explain(defaults(), with_conditions({"E11.9", "I10", "I50.22"}, 1), kAsOf);
    REQUIRE(ex.ok());
    CHECK(ex->determination.tier.tier == "care_coordination");
    const auto& chronic = rule(*ex, "cm_chronic_conditions");
    CHECK(chronic.result == "false");
    REQUIRE(chronic.conditions.size() == 1);
    CHECK(chronic.conditions[0].text == "chronic_count >= case_management_min_conditions");
    CHECK(chronic.conditions[0].left == "3");
    CHECK(chronic.conditions[0].right == "4");
    CHECK(rule(*ex, "cm_hospitalizations").conditions[0].left == "1");
    // Both are one away, chronic conditions listed first (equal gaps keep rule order).
    REQUIRE(ex->nearest.size() >= 2);
    CHECK(ex->nearest[0].rule == "cm_chronic_conditions");
    CHECK(ex->nearest[0].needs == "1 more");
    CHECK(ex->nearest[0].tier == "case_management");
    CHECK(ex->nearest[1].rule == "cm_hospitalizations");
    CHECK(ex->nearest[1].needs == "1 more");
}

TEST_CASE("explain: at the highest tier there is no boundary upwards") {
    auto ex = explain(defaults(), with_conditions({"E11.9", "I10", "I50.22", "N18.31"}, 0), kAsOf);
    REQUIRE(ex.ok());
    CHECK(ex->determination.tier.tier == "case_management");
    CHECK(rule(*ex, "cm_chronic_conditions").result == "true");
    CHECK(ex->nearest.empty());
}

TEST_CASE("explain: a boundary only where one condition alone would flip the rule") {
    const char* yaml = R"(schema_version: 1
ruleset: t
version: 1.0.0
effective: {from: 2020-01-01}
facts:
  n: count(conditions)
  m: count(encounters)
tiers:
  order: [low, high]
  default: low
  rules:
    - {id: both, tier: high, when: 'n >= 2 and m >= 3'}
    - {id: either, tier: high, when: 'n >= 5 or m >= 4'}
)";
    auto engine = Engine::load_string(yaml, "t.yaml");
    REQUIRE(engine.ok());
    // n = 2 (true), m = 1: `both` needs 2 more encounters; `either` needs 3 more conditions
    // or 3 more encounters.
    auto ex = explain(*engine, with_conditions({"I10", "E11.9"}, 1), kAsOf);
    REQUIRE(ex.ok());
    REQUIRE(ex->nearest.size() == 3);
    CHECK(ex->nearest[0].rule == "both");
    CHECK(ex->nearest[0].condition == "m >= 3");
    CHECK(ex->nearest[0].needs == "2 more");
    CHECK(ex->nearest[1].rule == "either");
    CHECK(ex->nearest[2].rule == "either");
    // n = 1 (false) and m = 1 (false): no single change makes `both` match.
    auto ex2 = explain(*engine, with_conditions({"I10"}, 1), kAsOf);
    REQUIRE(ex2.ok());
    for (const auto& b : ex2->nearest) CHECK(b.rule != "both");
}
