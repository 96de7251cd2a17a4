// Text -> Expr. A hand-written recursive-descent parser: small, fast, and with error messages
// that say what was expected where.
#pragma once

#include <string_view>
#include <variant>

#include "rules/ast.hpp"

namespace carecoord::rules {

// Parses a whole expression. `nodes` counts the nodes made, across calls, against
// limits.max_nodes (a ruleset-wide budget).
std::variant<Expr, ParseError> parse_expression(std::string_view text, const ParseLimits& limits,
                                                std::size_t& nodes);

}  // namespace carecoord::rules
