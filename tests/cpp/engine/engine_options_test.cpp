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

namespace {

// A tier rule with an aggregate nested in another: work grows with the square of the
// number of encounters (every encounter against every encounter; no pair matches).
// A pairwise condition the compiler cannot plan as an index (an `or` under `not`, not a
// chain of `and` terms: rules::JoinPlan), so that it stays a loop over all pairs.
const char* kNested = R"(schema_version: 1
ruleset: nested
version: 1.0.0
effective: {from: 2020-01-01, until: null}
tiers:
  order: [routine, case_management]
  default: routine
  rules:
    - id: cm_pair
      tier: case_management
      when: count(encounters where any(encounters, not (admit <= outer.admit or class != "snf"))) >= 1
      reason: "a later skilled-nursing stay"
)";

Patient with_encounters(int n) {
    Patient p = one_condition();
    for (int i = 0; i < n; ++i) {
        Encounter e;
        e.encounter_class = EncounterClass::ambulatory;
        e.admit = DateTime{*time::parse_date("2026-01-01")} + std::chrono::minutes(i);
        p.encounters.push_back(e);
    }
    return p;
}

Result<Determination> run_with_budget(std::uint64_t steps, const Patient& p) {
    EngineOptions o;
    o.limits.max_evaluation_steps = steps;
    auto e = Engine::load_string(kNested, "nested.yaml", o);
    REQUIRE(e.ok());
    return e->evaluate(p, *time::parse_date("2026-11-27"));
}

}  // namespace

TEST_CASE("limits: the evaluation budget turns a runaway evaluation into E0504, per engine") {
    const Patient p = with_encounters(300);
    // 300 x 300 pairs, at least one step each: 90,000 steps at the very least.
    auto small = run_with_budget(90'000, p);
    REQUIRE_FALSE(small.ok());
    CHECK(small.diagnostics().front().code == "E0504");
    CHECK(small.diagnostics().front().message.find("max_evaluation_steps (90000 steps)") != std::string::npos);
    // The default budget is plenty for this patient.
    auto dflt = Engine::load_string(kNested, "nested.yaml");
    REQUIRE(dflt.ok());
    auto full = dflt->evaluate(p, *time::parse_date("2026-11-27"));
    REQUIRE(full.ok());
    CHECK(full->tier.tier == "routine");

    // The exact edge: the smallest budget that completes, found by bisection; one step less
    // fails. The budget is per evaluation: the same engine evaluates twice with it.
    std::uint64_t lo = 90'000, hi = RulesetLimits{}.max_evaluation_steps;  // lo fails, hi completes
    while (hi - lo > 1) {
        const std::uint64_t mid = lo + (hi - lo) / 2;
        (run_with_budget(mid, p).ok() ? hi : lo) = mid;
    }
    CHECK(hi > 90'000);
    CHECK(hi < 10 * 90'000);  // a few steps per pair, not more
    EngineOptions o;
    o.limits.max_evaluation_steps = hi;
    auto edge = Engine::load_string(kNested, "nested.yaml", o);
    REQUIRE(edge.ok());
    for (int round = 0; round < 2; ++round) {
        auto d = edge->evaluate(p, *time::parse_date("2026-11-27"));
        REQUIRE(d.ok());
        CHECK(d->tier.tier == "routine");
        CHECK(d->tier.by_default);
    }
    CHECK_FALSE(run_with_budget(hi - 1, p).ok());
    // Work grows with the square of the encounters: 600 encounters do not fit in the
    // budget that 300 needed exactly.
    CHECK_FALSE(run_with_budget(hi, with_encounters(600)).ok());
}
