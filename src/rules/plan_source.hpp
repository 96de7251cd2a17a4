// What is known about a compiled Plan that evaluation never reads: where each node's text is
// in its expression, the text of each rule's and program's condition, and which declarations
// something uses. `carecoord check` and explanations read it; the evaluator walks only the
// Plan. Built by the compiler beside the Plan and kept next to it in the engine state
// (detail::EngineState::source_of).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "rules/plan.hpp"

namespace carecoord::rules {

// A node's text in the expression it was compiled from: [begin, end) byte offsets into the
// `when` text of its rule, or -1 when the node has no text of its own.
struct TextSpan {
    std::int32_t begin = -1;
    std::int32_t end = -1;
};

// A parameter or fact as declared (in the ruleset or a library it includes), and whether a
// rule, flag, program or trigger uses it, directly or through facts. For `carecoord check`.
struct Declaration {
    enum class Kind : std::uint8_t { parameter, fact };
    Kind kind = Kind::parameter;
    std::string name;
    SourceRef where;
    bool used = false;
};

struct PlanSource {
    std::vector<TextSpan> spans;  // by node index; shorter than Plan::nodes when the last nodes have none
    // The source text of each tier rule's, flag rule's and program's `when`, by its root node.
    std::map<std::int32_t, std::string> when_texts;
    std::vector<Declaration> declarations;  // every parameter and fact, in name order

    TextSpan span(std::int32_t node) const {
        const auto i = static_cast<std::size_t>(node);
        return node >= 0 && i < spans.size() ? spans[i] : TextSpan{};
    }
    const std::string& when_text(std::int32_t when) const {
        static const std::string none;
        auto it = when_texts.find(when);
        return it == when_texts.end() ? none : it->second;
    }
};

}  // namespace carecoord::rules
