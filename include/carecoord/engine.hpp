// The engine: loaded, compiled rulesets that evaluate patients.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "carecoord/determination.hpp"
#include "carecoord/diagnostic.hpp"
#include "carecoord/patient.hpp"

namespace carecoord {

namespace detail { struct EngineState; }

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

struct EngineOptions {
    RulesetLimits limits;
    // Ignore effective dates: every loaded ruleset is in force at any as-of date, and when
    // several versions of one ruleset id are loaded, the one with the latest effective.from
    // is used. For comparing two versions of a ruleset at one as-of date (carecoord diff).
    bool ignore_effective = false;
};

struct EvaluateOptions {
    bool include_facts = false;  // fill Determination::facts (for explanations)
};

// One loaded ruleset version, as the engine reports it.
struct RulesetInfo {
    std::string id;
    std::string version;
    std::string sha256;
    Date effective_from{};
    std::optional<Date> effective_until;  // inclusive; empty: open-ended
    std::string file;
    std::string description;
    std::vector<std::string> tiers;  // the `tiers` section, lowest first; empty: the ruleset has none
};

// Immutable once loaded: one Engine may be shared by any number of threads, and copies
// share the compiled rulesets.
class Engine {
public:
    // Load every ruleset in a file, a directory (recursively, *.yaml and *.yml; files whose
    // top-level `kind` is `library` or `tests` are read only when included or tested), or a
    // string. Every diagnostic is collected, not just the first.
    static Result<Engine> load_file(const std::string& path, const EngineOptions& = {});
    static Result<Engine> load_directory(const std::string& path, const EngineOptions& = {});
    static Result<Engine> load_path(const std::string& path, const EngineOptions& = {});  // file or directory
    static Result<Engine> load_paths(const std::vector<std::string>& paths, const EngineOptions& = {});
    static Result<Engine> load_string(std::string_view yaml, std::string_view name = "<string>",
                                      const EngineOptions& = {});

    // Evaluate with the version of each ruleset that is in force at as_of.
    Result<Determination> evaluate(const Patient& patient, Date as_of,
                                   const EvaluateOptions& = {}) const;

    // Every loaded version, grouped by ruleset id (ids in name order, versions by date).
    std::vector<RulesetInfo> rulesets() const;
    // The versions in force at as_of, as evaluate() uses them: the tier-defining one first,
    // then by id.
    std::vector<RulesetInfo> rulesets_in_force(Date as_of) const;

    Engine(const Engine&) = default;
    Engine(Engine&&) noexcept = default;
    Engine& operator=(const Engine&) = default;
    Engine& operator=(Engine&&) noexcept = default;
    ~Engine();

    // Internal: the compiled state (src/engine). Not part of the stable API.
    const detail::EngineState& state() const { return *state_; }

private:
    explicit Engine(std::shared_ptr<const detail::EngineState> state);
    std::shared_ptr<const detail::EngineState> state_;
    friend struct detail::EngineState;
};

}  // namespace carecoord
