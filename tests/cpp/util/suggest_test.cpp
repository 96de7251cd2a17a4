// "Did you mean" (src/util/suggest.hpp): distances worked out by hand, and the text appended
// to diagnostics.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "util/suggest.hpp"

using carecoord::util::closest_names;
using carecoord::util::did_you_mean;
using carecoord::util::edit_distance;

TEST_CASE("suggest: edit distance") {
    CHECK(edit_distance("", "") == 0);
    CHECK(edit_distance("", "abc") == 3);
    CHECK(edit_distance("social", "social") == 0);
    CHECK(edit_distance("socail", "social") == 1);          // one transposition
    CHECK(edit_distance("case_managment", "case_management") == 1);  // one insertion
    CHECK(edit_distance("hospitalisations_12m", "hospitalizations_12m") == 1);  // one substitution
    CHECK(edit_distance("kitten", "sitting") == 3);
    CHECK(edit_distance("ca", "abc") == 3);  // optimal string alignment, not Damerau: 3, not 2
}

TEST_CASE("suggest: closest names") {
    const std::vector<std::string> tiers = {"routine", "care_coordination", "case_management"};
    CHECK(closest_names("case_managment", tiers) == std::vector<std::string>{"case_management"});
    // Limit: a third of the length, rounded up. "rootin" (6) allows 2 edits: routine is 2
    // away (o->u, +e); "rx" (2) allows 1 and nothing is that close.
    CHECK(closest_names("rootin", tiers) == std::vector<std::string>{"routine"});
    CHECK(closest_names("rx", tiers).empty());
    // Case, '_' and '-' differences count as a match whatever the distance.
    CHECK(closest_names("Case-Management", tiers) == std::vector<std::string>{"case_management"});
    // Only the nearest and those one edit further.
    const std::vector<std::string> vs = {"snp_chronic_conditions", "chronic_conditions", "chronic_count"};
    CHECK(closest_names("chronic_condtions", vs) == std::vector<std::string>{"chronic_conditions"});
    // The name itself is never suggested.
    CHECK(closest_names("routine", tiers).empty());
}

TEST_CASE("suggest: the appended text") {
    const std::vector<std::string> tiers = {"routine", "care_coordination", "case_management"};
    CHECK(did_you_mean("case_managment", tiers, "tiers") ==
          " (did you mean 'case_management'? tiers: routine, care_coordination, case_management)");
    CHECK(did_you_mean("xyz", tiers, "tiers") == " (tiers: routine, care_coordination, case_management)");
    CHECK(did_you_mean("xyz", tiers) == " (valid: routine, care_coordination, case_management)");
    // A long list is not printed: 3 names with list_max 2.
    CHECK(did_you_mean("xyz", tiers, "tiers", 2).empty());
    CHECK(did_you_mean("case_managment", tiers, "tiers", 2) == " (did you mean 'case_management'?)");
    CHECK(did_you_mean("ab", {"ax", "ay"}, {}, 0) == " (did you mean 'ax' or 'ay'?)");
    CHECK(did_you_mean("ab", {}, {}).empty());
}
