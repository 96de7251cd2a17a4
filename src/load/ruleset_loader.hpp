// Ruleset files -> compiled Plans. Reads the YAML tree of each file, checks every section and
// key, resolves includes, and hands expressions to the compiler. Every diagnostic is
// collected, not just the first.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "carecoord/diagnostic.hpp"
#include "carecoord/limits.hpp"
#include "rules/plan.hpp"
#include "rules/plan_source.hpp"
#include "util/confine.hpp"

namespace carecoord::load {

struct SourceText {
    std::string name;  // path, or a name for text given as a string
    std::string text;
    std::string dir;   // where includes are resolved from; empty: includes are not allowed
    util::Confinement confine;  // where includes may lead; empty: the tree of `name` (util/confine.hpp)
};

struct LoadOutput {
    std::vector<std::shared_ptr<const rules::Plan>> plans;
    std::vector<std::shared_ptr<const rules::PlanSource>> sources;  // beside plans, one each
    std::vector<Diagnostic> diagnostics;
};

// Compiles every `kind: ruleset` document among the sources; libraries are read only when
// included, and test files are skipped.
LoadOutput load_rulesets(const std::vector<SourceText>& sources, const RulesetLimits& limits);

// Reads a file (with the size limit), or reports E0311.
bool read_file(const std::string& path, std::size_t max_bytes, std::string& out, std::vector<Diagnostic>& diagnostics);

// Every *.yaml / *.yml file below a directory, sorted, or the file itself. An entry of the
// directory that is a symbolic link leading outside it (and outside `extra_roots`) is an
// error (E0352), not a file.
std::vector<std::string> ruleset_files(const std::string& path, std::vector<Diagnostic>& diagnostics,
                                       const std::vector<std::string>& extra_roots = {});

// The top-level `kind` of a YAML document ("ruleset" when absent), without a full parse
// of anything else; empty when the document does not parse.
std::string document_kind(const std::string& text);

}  // namespace carecoord::load
