// "Did you mean": the names in scope closest to a misspelt one, for diagnostics.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace carecoord::util {

// Optimal string alignment distance (Levenshtein plus adjacent transpositions), so that
// `socail` is one edit from `social`.
std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidates within the allowed distance of `wrong`: at most a third of its length
// (rounded up, at least 1), or a candidate that equals it ignoring case, `_` and `-`.
// Only those at most one edit further than the closest; closest first, ties in the
// candidates' order; at most three.
std::vector<std::string> closest_names(std::string_view wrong, const std::vector<std::string>& candidates);

// The text a diagnostic appends for a name not found among `candidates`:
//   " (did you mean 'social_support'?)"                   one close candidate
//   " (did you mean 'a' or 'b'?)"                         several
//   " (valid: a, b, c)"                                   none close, and at most `list_max`
//   " (did you mean 'a'? valid: a, b, c)"                 close, and a short list
// Empty when nothing is close and the list is long or empty. `what` names the kind of name in
// the list (e.g. "tiers"); empty gives "valid".
std::string did_you_mean(std::string_view wrong, const std::vector<std::string>& candidates,
                         std::string_view what = {}, std::size_t list_max = 8);

}  // namespace carecoord::util
