// PlanSource::declarations: which parameters and facts something uses, for `carecoord check`.
#include <doctest/doctest.h>

#include <map>

#include "carecoord/engine.hpp"
#include "engine/engine_state.hpp"

using namespace carecoord;

TEST_CASE("a name is used when a rule reads it, directly or through used facts only") {
    const char* text = R"(schema_version: 1
ruleset: uses
version: 1.0.0
effective: {from: 2024-01-01, until: null}
parameters:
  threshold: 2          # read by used_fact: used
  lonely: 5             # read by nothing: unused
  only_dead: 7          # read only by dead_fact: unused
facts:
  used_fact: count(conditions) >= threshold
  helper: count(encounters)     # read by dead_fact only: unused
  dead_fact: helper > only_dead # read by nothing: unused
  in_reason: count(medications) # read by a reason template: used
tiers:
  order: [routine, case_management]
  default: routine
  rules:
    - {id: cm, tier: case_management, when: used_fact, reason: "{in_reason} medications"}
)";
    auto engine = Engine::load_string(text, "uses.yaml");
    REQUIRE(engine.ok());
    const auto& state = carecoord::detail::EngineState::of(*engine);
    const auto& plan = *state.by_id.at("uses").front();
    std::map<std::string, bool> used;
    for (const auto& d : state.source_of(plan).declarations) used[d.name] = d.used;
    CHECK(used == std::map<std::string, bool>{{"threshold", true}, {"lonely", false}, {"only_dead", false},
                                              {"used_fact", true}, {"helper", false}, {"dead_fact", false},
                                              {"in_reason", true}});
}
