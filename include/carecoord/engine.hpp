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
#include "carecoord/limits.hpp"
#include "carecoord/patient.hpp"

namespace carecoord {

namespace detail { struct EngineState; }

struct EngineOptions {
    RulesetLimits limits;
    // Ignore effective dates: every loaded ruleset is in force at any as-of date, and when
    // several versions of one ruleset id are loaded, the one with the latest effective.from
    // is used. For comparing two versions of a ruleset at one as-of date (carecoord diff).
    bool ignore_effective = false;
    // Directories an `include:` may lead into besides the tree being loaded. By default an
    // include is confined to the tree of the file that names it: the parent of that file's
    // directory (rulesets/programs/programs.yaml: rulesets/); an absolute path, a `..` out of
    // the tree or a symbolic link leading out is an error (E0350-E0352), found before the
    // file is opened. Each root here allows the paths below it (still written relative to the
    // including file). docs/ruleset-language.md#includes-and-the-tree.
    std::vector<std::string> include_roots;
};

struct EvaluateOptions {
    bool include_facts = false;  // fill Determination::facts (for explanations)
};

// A program a ruleset defines: its id and display name.
struct ProgramInfo {
    std::string id;
    std::string name;
};

// A flag a ruleset defines: its id and the ids of its rules, in order.
struct FlagInfo {
    std::string id;
    std::vector<std::string> rules;
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
    std::vector<std::string> tier_rules;  // the ids of the tier rules, in order
    std::vector<FlagInfo> flags;          // the `flags` section, in order
    std::vector<ProgramInfo> programs;  // the `programs` section, in the order it defines them
    std::vector<std::string> triggers;  // the ids of the `triggers` section, in its order
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

private:
    explicit Engine(std::shared_ptr<const detail::EngineState> state);
    std::shared_ptr<const detail::EngineState> state_;
    friend struct detail::EngineState;
};

}  // namespace carecoord
