// Compiles the `workflow` section of a ruleset into a workflow::Workflow (rules/workflow.hpp)
// and runs its static checks.
#pragma once

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "carecoord/diagnostic.hpp"
#include "load/section_reader.hpp"
#include "yaml/yaml_tree.hpp"
#include "rules/compiler.hpp"
#include "rules/plan.hpp"
#include "rules/workflow.hpp"

namespace carecoord::workflow {

struct SectionContext {
    const std::string& file;
    rules::Compiler& compiler;
    const rules::Plan& plan;
    const std::set<std::string, std::less<>>& source_ids;
    std::vector<Diagnostic>& diags;
    const load::SourceLines* source = nullptr;  // for exact positions inside expressions
};

// Compiles a `workflow` section and runs the static checks (E0701-E0707).
std::shared_ptr<const Workflow> compile_workflow(const yaml::YamlNode& section, const SectionContext& ctx);

// After every ruleset has loaded: each task's `trigger` names a trigger some loaded ruleset
// defines (E0706).
void check_trigger_references(const std::vector<std::shared_ptr<const rules::Plan>>& plans,
                              std::vector<Diagnostic>& diags);

}  // namespace carecoord::workflow
