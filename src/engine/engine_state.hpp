// The compiled state behind carecoord::Engine.
#pragma once

#include <map>
#include <memory>
#include <vector>

#include "carecoord/engine.hpp"
#include "rules/plan.hpp"
#include "rules/plan_source.hpp"

namespace carecoord::detail {

struct EngineState {
    EngineOptions options;
    // Every loaded version, grouped by ruleset id (ids in sorted order, versions by date).
    std::map<std::string, std::vector<std::shared_ptr<const rules::Plan>>> by_id;
    // Beside each Plan, what only check and explanations read (rules/plan_source.hpp).
    std::map<const rules::Plan*, std::shared_ptr<const rules::PlanSource>> sources;

    const rules::PlanSource& source_of(const rules::Plan& plan) const { return *sources.at(&plan); }

    // For each Plan, the first loaded Plan's value-set table that looks every code up the
    // same way (rules::ValueSetTable::same_lookup): the rulesets that include one library
    // of value sets share one lookup per patient code within an evaluation.
    std::map<const rules::Plan*, const rules::ValueSetTable*> shared_codes;
    const rules::ValueSetTable* shared_codes_of(const rules::Plan& plan) const { return shared_codes.at(&plan); }

    static Engine make(std::shared_ptr<const EngineState> s) { return Engine(std::move(s)); }
    // The state behind an engine, for the library's own code (the public header keeps it out
    // of reach).
    static const EngineState& of(const Engine& engine) { return *engine.state_; }

    // The versions in force at as_of: the tier-defining one first, then by id.
    std::vector<const rules::Plan*> in_force(Date as_of) const;

    // The engine's own tier the day before the patient's newest change, for previous_tier
    // when the document records no care_plan.tier (docs/determination.md#previous-tier).
    struct PreviousTier {
        bool known = false;
        std::string tier;
        Date changed{};  // the newest change: the day the current tier may have begun
    };
    PreviousTier previous_tier(const std::vector<const rules::Plan*>& plans, const Patient& patient, Date as_of) const;
};

}  // namespace carecoord::detail
