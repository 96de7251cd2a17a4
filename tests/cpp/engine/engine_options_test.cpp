// EngineOptions::ignore_effective: every loaded ruleset in force at any date, the latest
// version of each id.
#include <doctest/doctest.h>

#include "carecoord/engine.hpp"
#include "time/calendar.hpp"

using namespace carecoord;

namespace {

const char* kFuture = R"(schema_version: 1
ruleset: future
version: 3.0.0
effective: {from: 2030-01-01, until: null}
tiers:
  order: [routine, case_management]
  default: routine
  rules:
    - {id: cm_any_condition, tier: case_management, when: count(conditions) >= 1, reason: "conditions"}
)";

Patient one_condition() {
    Patient p;
    p.id = "x";
    p.birth_date = *time::parse_date("1960-01-01");
    Condition c;
    c.code = "I10";
    p.conditions.push_back(c);
    return p;
}

}  // namespace

TEST_CASE("a ruleset not yet in force is used when effective dates are ignored") {
    Date as_of = *time::parse_date("2026-11-27");
    auto strict = Engine::load_string(kFuture, "future.yaml");
    REQUIRE(strict.ok());
    auto none = strict->evaluate(one_condition(), as_of);
    REQUIRE_FALSE(none.ok());
    CHECK(none.diagnostics().front().code == "E0501");

    EngineOptions o;
    o.ignore_effective = true;
    auto lax = Engine::load_string(kFuture, "future.yaml", o);
    REQUIRE(lax.ok());
    auto det = lax->evaluate(one_condition(), as_of);
    REQUIRE(det.ok());
    CHECK(det->tier.tier == "case_management");
    REQUIRE(det->rulesets.size() == 1);
    CHECK(det->rulesets.front().version == "3.0.0");
}

TEST_CASE("with effective dates ignored, the version with the latest effective.from is used") {
    // rulesets/intensity holds 1.0.0 (2024-01-01 to 2025-12-31) and 2.0.0 (from 2026-01-01).
    EngineOptions o;
    o.ignore_effective = true;
    auto engine = Engine::load_path(std::string(CARECOORD_SOURCE_DIR) + "/rulesets/intensity", o);
    REQUIRE(engine.ok());
    auto det = engine->evaluate(one_condition(), *time::parse_date("2025-06-01"));
    REQUIRE(det.ok());
    REQUIRE(det->rulesets.size() == 1);
    CHECK(det->rulesets.front().version == "2.0.0");
}
