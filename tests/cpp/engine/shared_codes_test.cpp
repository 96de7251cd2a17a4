// Value-set lookups shared across the rulesets in force (issue 18): rulesets whose value-set
// tables look every code up the same way share one lookup per patient code within an
// evaluation; a ruleset whose value set of the same name holds other codes answers by its own.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>

#include "engine/engine_state.hpp"
#include "support/test_support.hpp"

using namespace carecoord;
using namespace carecoord::testing;

namespace {

const Date kAsOf = Date{std::chrono::year{2026} / 11 / 27};

const char* kLibrary = R"(schema_version: 1
kind: library
library: clinical
valuesets:
  heart_failure: {icd10cm: ["I50"]}
)";

// Tiers, reading the library's heart_failure (I50).
const char* kTiers = R"(include: [../common/clinical.yaml]
tiers:
  order: [low, high]
  default: low
  rules:
    - {id: hf, tier: high, when: "count(conditions where code in heart_failure) >= 1", reason: "heart failure"}
)";

// Flags, reading the same library.
const char* kSameLibrary = R"(include: [../common/clinical.yaml]
flags:
  - id: hf_flag
    rules:
      - {id: hf_same, when: "count(conditions where code in heart_failure) >= 1", reason: "heart failure"}
)";

// Flags, with a value set of the same name and shape (one set, one slot) holding other codes.
const char* kOwnValueSet = R"(valuesets:
  heart_failure: {icd10cm: ["E11"]}
flags:
  - id: own_flag
    rules:
      - {id: hf_own, when: "count(conditions where code in heart_failure) >= 1", reason: "own value set"}
)";

bool flagged(const Determination& d, std::string_view id) {
    return std::any_of(d.flags.begin(), d.flags.end(), [&](const FlagResult& f) { return f.id == id; });
}

}  // namespace

TEST_CASE("rulesets in force share code lookups only where their value sets are equal") {
    TempDir dir;
    dir.write("common/clinical.yaml", kLibrary);
    dir.write("rules/tiers.yaml", ruleset(kTiers, "tiers"));
    dir.write("rules/same.yaml", ruleset(kSameLibrary, "same"));
    dir.write("rules/own.yaml", ruleset(kOwnValueSet, "own"));
    auto e = Engine::load_directory((dir.path() / "rules").string());
    INFO(all_messages(e.diagnostics()));
    REQUIRE(e.ok());

    const auto& state = detail::EngineState::of(*e);
    const auto& tiers = *state.by_id.at("tiers").front();
    const auto& same = *state.by_id.at("same").front();
    const auto& own = *state.by_id.at("own").front();
    CHECK(state.shared_codes_of(tiers) == state.shared_codes_of(same));
    CHECK(state.shared_codes_of(own) != state.shared_codes_of(tiers));
    CHECK(state.shared_codes_of(own) == &own.valuesets);

    // Heart failure (I50.9): the library's value set; not the other ruleset's own (E11).
    Patient hf = patient();
    hf.conditions = {condition("I50.9")};
    Determination d = evaluate_ok(*e, hf, kAsOf);
    CHECK(d.tier.tier == "high");
    CHECK(flagged(d, "hf_flag"));
    CHECK_FALSE(flagged(d, "own_flag"));

    // Diabetes (E11.9), next patient on the same thread: looked up afresh, not the last
    // patient's bits; in the own value set only.
    Patient dm = patient();
    dm.conditions = {condition("E11.9")};
    d = evaluate_ok(*e, dm, kAsOf);
    CHECK(d.tier.tier == "low");
    CHECK_FALSE(flagged(d, "hf_flag"));
    CHECK(flagged(d, "own_flag"));

    // And back: the first patient's answers again.
    d = evaluate_ok(*e, hf, kAsOf);
    CHECK(d.tier.tier == "high");
    CHECK(flagged(d, "hf_flag"));
    CHECK_FALSE(flagged(d, "own_flag"));
}

TEST_CASE("ValueSetTable::same_lookup: equal when built from the same entries, not when one entry differs") {
    auto build = [](std::string_view entry) {
        rules::ValueSetTable t;
        const int set = t.add_value_set("heart_failure", {});
        REQUIRE(set == 0);
        REQUIRE_FALSE(t.add_entry(t.sets()[0].include_slots[0], "icd10cm", entry));
        t.finish();
        return t;
    };
    const auto a = build("I50"), b = build("I50"), c = build("I51");
    CHECK(a.same_lookup(b));
    CHECK_FALSE(a.same_lookup(c));
    rules::ValueSetTable renamed;
    renamed.add_value_set("hf", {});
    REQUIRE_FALSE(renamed.add_entry(renamed.sets()[0].include_slots[0], "icd10cm", "I50"));
    renamed.finish();
    CHECK_FALSE(a.same_lookup(renamed));
}
