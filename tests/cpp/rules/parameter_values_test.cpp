// Parameter values of every kind docs/ruleset-language.md lists (a number, a boolean, a
// date-time, a duration, negative numbers and durations), and codes() over each kind of
// coded list (conditions, encounters' diagnoses, medications, observations).
#include <doctest/doctest.h>

#include <chrono>
#include <set>
#include <string>

#include "carecoord/carecoord.hpp"

using namespace carecoord;

namespace {

const Date kAsOf{std::chrono::year{2026} / 11 / 27};

Determination evaluate(const std::string& ruleset, const std::string& patient_json) {
    auto engine = Engine::load_string(ruleset, "params.yaml");
    std::string diags;
    if (!engine.ok())
        for (const auto& d : engine.diagnostics()) diags += d.to_string() + "\n";
    CAPTURE(diags);
    REQUIRE(engine.ok());
    auto patient = parse_patient_json(patient_json);
    REQUIRE(patient.ok());
    auto det = engine->evaluate(*patient, kAsOf);
    REQUIRE(det.ok());
    return *det;
}

const std::string kHeader = "schema_version: 1\nruleset: params\nversion: 1.0.0\neffective: {from: 2020-01-01, until: null}\n";

}  // namespace

TEST_CASE("parameters: booleans, date-times, durations and negative values are usable in expressions") {
    const std::string ruleset = kHeader + R"(parameters:
  enabled: true
  disabled: false
  cutoff: 2025-06-01T09:30
  window: 30 days
  floor: -2
  lookback: -3 days
  program_start: 2024-01-01
  sexes: [female, male]
tiers:
  order: [routine, cm]
  default: routine
  rules:
    - {id: r_bool, tier: cm, when: 'enabled and not disabled', reason: b}
    - {id: r_datetime, tier: cm, when: 'as_of > cutoff', reason: d}
    - {id: r_duration, tier: cm, when: 'window after birth_date < as_of', reason: w}
    - {id: r_negative, tier: cm, when: 'age > floor', reason: n}
    - {id: r_negative_duration, tier: cm, when: 'lookback after as_of < as_of', reason: l}
    - {id: r_date, tier: cm, when: 'as_of > program_start', reason: s}
    - {id: r_list, tier: cm, when: 'sex in sexes', reason: x}
    - {id: r_negation, tier: cm, when: '-age < 0 and abs(-age) == age', reason: a}
)";
    auto det = evaluate(ruleset, R"({"id": "p1", "birth_date": "1950-01-01", "sex": "female"})");
    std::set<std::string> matched;
    for (const auto& m : det.tier.matched) matched.insert(m.rule_id);
    CHECK(matched == std::set<std::string>{"r_bool", "r_datetime", "r_duration", "r_negative", "r_negative_duration",
                                           "r_date", "r_list", "r_negation"});
    CHECK(det.tier.tier == "cm");
}

TEST_CASE("codes() lists the codes of conditions, encounter diagnoses, medications and observations") {
    const std::string ruleset = kHeader + R"(tiers:
  order: [routine, cm]
  default: routine
  rules:
    - {id: c, tier: cm, when: 'true', reason: 'conditions {codes(conditions)}'}
    - {id: e, tier: cm, when: 'true', reason: 'encounters {codes(encounters)}'}
    - {id: m, tier: cm, when: 'true', reason: 'medications {codes(medications)}'}
    - {id: o, tier: cm, when: 'true', reason: 'observations {codes(observations)}'}
)";
    auto det = evaluate(ruleset, R"({"id": "p2", "birth_date": "1950-01-01",
      "conditions": [{"code": "E11.9"}, {"code": "I10"}],
      "encounters": [{"class": "inpatient", "admit": "2026-10-01T08:00", "discharge": "2026-10-03T12:00", "diagnosis": "I50.22"}],
      "medications": [{"code": "860975"}],
      "observations": [{"code": "phq9", "date": "2026-10-05", "value": 12}]})");
    REQUIRE(det.tier.matched.size() == 4);
    auto reason = [&](const std::string& id) {
        for (const auto& m : det.tier.matched)
            if (m.rule_id == id) return m.reason;
        return std::string();
    };
    CHECK(reason("c").find("E11.9") != std::string::npos);
    CHECK(reason("c").find("I10") != std::string::npos);
    CHECK(reason("e").find("I50.22") != std::string::npos);
    CHECK(reason("m").find("860975") != std::string::npos);
    CHECK(reason("o").find("phq9") != std::string::npos);
}
