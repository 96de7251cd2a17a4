// The compiled state behind carecoord::Engine.
#pragma once

#include <map>
#include <memory>
#include <vector>

#include "carecoord/engine.hpp"
#include "rules/plan.hpp"

namespace carecoord::detail {

struct EngineState {
    EngineOptions options;
    // Every loaded version, grouped by ruleset id (ids in sorted order, versions by date).
    std::map<std::string, std::vector<std::shared_ptr<const rules::Plan>>> by_id;

    static Engine make(std::shared_ptr<const EngineState> s) { return Engine(std::move(s)); }

    // The versions in force at as_of: the tier-defining one first, then by id.
    std::vector<const rules::Plan*> in_force(Date as_of) const;
};

}  // namespace carecoord::detail
