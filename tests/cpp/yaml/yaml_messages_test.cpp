// Issue 15: yaml-cpp's messages quote the document ("unknown escape character: q", "invalid
// unicode: 55357"); a YAML error passes on only its position and fixed words, through every
// reader of YAML: the tree (rulesets, tests files), a YAML patient, and a ruleset load.
#include <doctest/doctest.h>

#include <string>

#include "carecoord/carecoord.hpp"
#include "yaml/yaml_tree.hpp"

using namespace carecoord;

namespace {

// Line 3 holds the bad escape, inside a double-quoted string starting at column 7.
const std::string kBadEscape = "id: p1\nbirth_date: 1950-01-01\nsex: \"\\q\"\n";
// A lone high surrogate (U+D83D = 55357, half of an emoji) as an escape.
const std::string kLoneSurrogate = "id: p1\nbirth_date: 1950-01-01\nsex: \"\\uD83D\"\n";

void fixed_words(const Diagnostic& d, const char* quoted, const char* words) {
    CAPTURE(d.to_string());
    CHECK(d.code == "E0101");
    CHECK(d.line == 3);
    CHECK(d.column >= 6);
    // Said as what it is: a bad escape in a string that is closed, not "never closed".
    CHECK(d.message == std::string("YAML syntax error: ") + words);
    CHECK(d.message.find(quoted) == std::string::npos);
    CHECK(d.message.find("55357") == std::string::npos);
    CHECK(d.message.find("unknown escape character") == std::string::npos);
    CHECK(d.message.find("invalid unicode") == std::string::npos);
    CHECK(d.message.rfind("YAML syntax error: ", 0) == 0);
}

}  // namespace

TEST_CASE("yaml messages: an unknown escape and a lone surrogate are reported without the document's characters") {
    struct Case {
        std::string doc;
        const char* quoted;
        const char* words;
    };
    for (const Case& c : {Case{kBadEscape, "q", "a backslash escape that YAML does not define"},
                          Case{kLoneSurrogate, "D83D",
                               "an escape names no Unicode character (a lone surrogate, or beyond U+10FFFF)"}}) {
        CAPTURE(c.doc);
        auto tree = yaml::parse_yaml(c.doc, "doc.yaml");
        REQUIRE_FALSE(tree.ok());
        REQUIRE(tree.diagnostics().size() == 1);
        fixed_words(tree.diagnostics().front(), c.quoted, c.words);
        auto patient = parse_patient_yaml(c.doc);
        REQUIRE_FALSE(patient.ok());
        fixed_words(patient.diagnostics().front(), c.quoted, c.words);
        auto engine = Engine::load_string(c.doc, "r.yaml");
        REQUIRE_FALSE(engine.ok());
        fixed_words(engine.diagnostics().front(), c.quoted, c.words);
    }
}

TEST_CASE("yaml messages: every yaml-cpp message gets fixed words, an unknown one the generic words") {
    CHECK(std::string(yaml::yaml_error_words("unknown escape character: q")).find('q') == std::string::npos);
    CHECK(std::string(yaml::yaml_error_words("invalid unicode: 55357")).find("55357") == std::string::npos);
    CHECK(std::string(yaml::yaml_error_words("bad YAML version: 1.x")).find("1.x") == std::string::npos);
    CHECK(std::string(yaml::yaml_error_words("end of map not found")) == "end of map not found");
    CHECK(std::string(yaml::yaml_error_words("a message of a newer yaml-cpp: secret")).find("secret") == std::string::npos);
}
