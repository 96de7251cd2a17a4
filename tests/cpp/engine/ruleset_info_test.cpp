// Engine::rulesets(): what each loaded version defines, which the CLI's CSV layout, policy
// diff and test runner read instead of the engine's internals. Expected ids are read by hand
// from rulesets/intensity/intensity-v2.yaml and rulesets/triggers/triggers.yaml.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "carecoord/engine.hpp"

using namespace carecoord;

TEST_CASE("rulesets(): tier rules, flags with their rules, programs and triggers, in file order") {
    auto engine = Engine::load_path(std::string(CARECOORD_SOURCE_DIR) + "/rulesets");
    REQUIRE(engine.ok());
    const std::vector<RulesetInfo> all = engine->rulesets();
    const RulesetInfo* intensity = nullptr;
    const RulesetInfo* triggers = nullptr;
    for (const auto& r : all) {
        if (r.id == "intensity" && r.version == "2.0.0") intensity = &r;
        if (r.id == "triggers") triggers = &r;
    }
    REQUIRE(intensity != nullptr);
    REQUIRE(triggers != nullptr);
    CHECK(intensity->tier_rules ==
          std::vector<std::string>{"cm_chronic_conditions", "cm_hospitalizations", "cm_housing_instability",
                                   "cm_food_insecurity", "cm_limited_english", "cm_substance_use",
                                   "cm_serious_mental_illness", "cm_ltc_placement", "cc_chronic_conditions"});
    REQUIRE(intensity->flags.size() == 2);
    CHECK(intensity->flags[0].id == "hchn_priority");
    CHECK(intensity->flags[0].rules == std::vector<std::string>{"hchn_chronic_conditions"});
    CHECK(intensity->flags[1].id == "manual_review");
    CHECK(intensity->flags[1].rules == std::vector<std::string>{"mr_specialists", "mr_social_support", "mr_health_literacy"});
    CHECK(intensity->triggers.empty());
    CHECK(triggers->tier_rules.empty());
    CHECK(triggers->tiers.empty());
    CHECK(triggers->triggers == std::vector<std::string>{"post_discharge_call", "tcm_interactive_contact", "tcm_face_to_face",
                                                         "significant_change_reassessment", "phq9_treatment_review",
                                                         "snp_hra_initial", "snp_hra_annual", "annual_reassessment",
                                                         "readmission_watch"});
}
