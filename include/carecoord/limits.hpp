// The limits on ruleset input (EngineOptions::limits): the ruleset loader reads them without
// the engine.
#pragma once

#include <cstddef>
#include <cstdint>

namespace carecoord {

// Limits on ruleset input; each has a documented default (docs/ruleset-language.md).
struct RulesetLimits {
    std::size_t max_file_bytes = 4u << 20;
    std::size_t max_yaml_depth = 64;
    std::size_t max_expression_depth = 64;
    std::size_t max_expression_nodes = 100000;
    std::size_t max_string_length = 65536;
    // Work one evaluation may do (Engine::evaluate, explain, a care-plan event): each
    // expression node evaluated is one step, so an aggregate over a list costs a step per
    // element and per node of its body. A runaway evaluation (nested aggregates over
    // thousands of elements) is the error E0504 instead of a stalled worker. The default
    // bounds one evaluation to well under a second (docs/reliability.md).
    std::uint64_t max_evaluation_steps = 50'000'000;
};

}  // namespace carecoord
