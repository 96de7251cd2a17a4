// The checker (docs/ruleset-language.md, "Error codes"): every code the loader and the
// compiler produce, with its line, column and rule id. Rulesets are written inline; the
// `ruleset()` helper adds a 4-line header, so a body starts on line 5. Columns are 1-based;
// an expression's column is where its text starts plus the offset of the offending token.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "support/test_support.hpp"

using namespace carecoord;
using namespace carecoord::testing;

namespace {

struct Where {
    const char* code;
    int line;
    int column;
    const char* rule = "";
};

// The one diagnostic with `code` (there must be exactly one), checked against `w`.
Diagnostic expect_error(const std::vector<Diagnostic>& ds, const Where& w) {
    INFO(all_messages(ds));
    const Diagnostic* found = nullptr;
    int n = 0;
    for (const auto& d : ds)
        if (d.code == w.code) {
            found = &d;
            ++n;
        }
    REQUIRE_MESSAGE(found != nullptr, "no ", w.code);
    CHECK_MESSAGE(n == 1, "more than one ", w.code);
    CHECK(found->line == w.line);
    CHECK(found->column == w.column);
    CHECK(found->rule_id == w.rule);
    return *found;
}

Diagnostic expect_error(std::string_view yaml, const Where& w) { return expect_error(load_errors(yaml), w); }

bool mentions(const Diagnostic& d, std::string_view words) { return d.message.find(words) != std::string::npos; }

// A tier rule `r1` whose `when` is on line 11 and starts at column 13. `before` adds
// sections ahead of the tiers (and moves `when` down by its lines); `after` adds keys to
// the rule, from line 12.
std::string tier_rule(std::string_view when, std::string_view before = "", std::string_view after = "") {
    return ruleset(std::string(before) + R"(tiers:
  order: [low, high]
  default: low
  rules:
    - id: r1
      tier: high
      when: )" + std::string(when) + "\n" + std::string(after));
}

}  // namespace

TEST_CASE("a correct ruleset loads without diagnostics") {
    load_ok(tier_rule("count(encounters) >= 1"));
}

// ---------------------------------------------------------------------------------------
// E01xx: YAML

TEST_CASE("E0101 YAML syntax error") {
    auto ds = load_errors("schema_version: 1\nruleset: t\nversion: [1.0.0\n");
    REQUIRE(ds.size() == 1);
    CHECK(ds[0].code == "E0101");
    CHECK(ds[0].line >= 3);  // the flow sequence opened on line 3 is never closed
}

TEST_CASE("E0102 duplicate key, at the second key") {
    expect_error(ruleset(R"(description: a
description: b
)"),
                 {"E0102", 6, 1});
}

TEST_CASE("E0103 anchor, at the anchored node") {
    // "description: " is 13 characters: the node starts at column 14.
    expect_error(ruleset("description: &d text\n"), {"E0103", 5, 14});
}

TEST_CASE("E0104 tag, at the tagged node") {
    expect_error(ruleset("description: !note text\n"), {"E0104", 5, 14});
    expect_error(ruleset("description: !!str text\n"), {"E0104", 5, 14});
}

TEST_CASE("E0105 over a limit: string length, file size, expression depth and node count") {
    EngineOptions small;
    small.limits.max_string_length = 100;
    auto r = Engine::load_string(ruleset("description: " + std::string(200, 'a') + "\n"), "<string>", small);
    REQUIRE_FALSE(r.ok());
    auto d = expect_error(r.diagnostics(), {"E0105", 5, 14});
    CHECK(mentions(d, "max_string_length"));

    EngineOptions tiny;
    tiny.limits.max_file_bytes = 64;
    auto big = Engine::load_string(tier_rule("true"), "<string>", tiny);
    REQUIRE_FALSE(big.ok());
    CHECK(big.diagnostics()[0].code == "E0105");
    CHECK(mentions(big.diagnostics()[0], "max_file_bytes"));

    // 100 nested parentheses: deeper than max_expression_depth (64). The error is on the
    // `when` line, inside the parentheses.
    auto deep = load_errors(tier_rule(std::string(100, '(') + "true" + std::string(100, ')')));
    REQUIRE(deep.size() == 1);
    CHECK(deep[0].code == "E0105");
    CHECK(deep[0].line == 11);
    CHECK(deep[0].column > 13);
    CHECK(deep[0].column <= 13 + 100);
    CHECK(deep[0].rule_id == "r1");
    CHECK(mentions(deep[0], "max_expression_depth"));

    EngineOptions few;
    few.limits.max_expression_nodes = 5;
    // "1 + 2 + 3 + 4 >= 1" has 9 nodes.
    auto many = Engine::load_string(tier_rule("1 + 2 + 3 + 4 >= 1"), "<string>", few);
    REQUIRE_FALSE(many.ok());
    CHECK(many.diagnostics()[0].code == "E0105");
    CHECK(mentions(many.diagnostics()[0], "max_expression_nodes"));
}

TEST_CASE("E0106 a mapping key that is not a string") {
    expect_error(ruleset("[a, b]: 1\n"), {"E0106", 5, 1});
}

TEST_CASE("E0107 more than one YAML document") {
    auto ds = load_errors(ruleset("description: a\n---\ndescription: b\n"));
    REQUIRE(ds.size() == 1);
    CHECK(ds[0].code == "E0107");
}

// ---------------------------------------------------------------------------------------
// E03xx: the ruleset's structure

TEST_CASE("E0301 unknown key, at the key (top level and in a rule)") {
    expect_error(ruleset("descripton: typo\n"), {"E0301", 5, 1});
    auto ds = load_errors(ruleset(R"(tiers:
  order: [low, high]
  default: low
  rules:
    - id: r1
      tier: high
      whn: true
)"));
    expect_error(ds, {"E0301", 11, 7, "r1"});
    // ... and the rule has no `when`: reported at the rule's mapping (line 9, column 7).
    expect_error(ds, {"E0302", 9, 7, "r1"});
}

TEST_CASE("E0302 missing required key, at the mapping that lacks it") {
    auto d = expect_error("schema_version: 1\nruleset: t\neffective: {from: 2000-01-01, until: null}\n", {"E0302", 1, 1});
    CHECK(mentions(d, "version"));
}

TEST_CASE("E0303 wrong kind of YAML value") {
    // "tiers: " is 7 characters: the sequence starts at column 8.
    expect_error(ruleset("tiers: [low, high]\n"), {"E0303", 5, 8});
}

TEST_CASE("E0304 invalid value: version, date, id") {
    expect_error("schema_version: 1\nruleset: t\nversion: 1.0\neffective: {from: 2000-01-01, until: null}\n",
                 {"E0304", 3, 10});
    // "effective: {from: " is 18 characters.
    expect_error("schema_version: 1\nruleset: t\nversion: 1.0.0\neffective: {from: 2026-02-30, until: null}\n",
                 {"E0304", 4, 19});
    expect_error("schema_version: 1\nruleset: Tiers!\nversion: 1.0.0\neffective: {from: 2000-01-01, until: null}\n",
                 {"E0304", 2, 10});
    // until before from: "effective: {from: 2026-01-01, until: " is 37 characters.
    expect_error("schema_version: 1\nruleset: t\nversion: 1.0.0\neffective: {from: 2026-01-01, until: 2025-12-31}\n",
                 {"E0304", 4, 38});
}

TEST_CASE("E0305 unsupported schema_version") {
    expect_error("schema_version: 2\nruleset: t\nversion: 1.0.0\neffective: {from: 2000-01-01, until: null}\n",
                 {"E0305", 1, 17});
    expect_error("schema_version: 0\nruleset: t\nversion: 1.0.0\neffective: {from: 2000-01-01, until: null}\n",
                 {"E0305", 1, 17});
}

TEST_CASE("E0306 name defined twice, naming both places") {
    auto d = expect_error(ruleset(R"(parameters:
  limit: 3
facts:
  limit: count(encounters)
)"),
                          {"E0306", 8, 10});
    CHECK(mentions(d, "limit"));
    CHECK(mentions(d, ":6:10"));  // the first definition: the parameter's value
    auto tiers = expect_error(ruleset(R"(tiers:
  order: [low, high, low]
  default: low
)"),
                              {"E0306", 6, 22});
    CHECK(mentions(tiers, "low"));
}

TEST_CASE("E0307 include from a ruleset given as a string") {
    expect_error(ruleset("include: [lib.yaml]\n"), {"E0307", 5, 11});
}

TEST_CASE("E0309 unknown tier, source and calendar references") {
    expect_error(ruleset(R"(tiers:
  order: [low, high]
  default: low
  rules:
    - id: r1
      tier: hgh
      when: true
)"),
                 {"E0309", 10, 13, "r1"});
    expect_error(ruleset(R"(tiers:
  order: [low, high]
  default: middle
)"),
                 {"E0309", 7, 12});
    expect_error(tier_rule("true", "", "      source: nope\n"), {"E0309", 12, 15, "r1"});
    expect_error(ruleset("calendar: nope\n"), {"E0309", 5, 11});
}

TEST_CASE("E0310 invalid value-set entry, at the entry") {
    // "    icd10cm: [" is 14 characters: the quoted entry starts at column 15.
    expect_error(ruleset(R"(valuesets:
  sud:
    icd10cm: ["F19-F10"]
)"),
                 {"E0310", 7, 15});
    expect_error(ruleset(R"(valuesets:
  sud:
    ICD10: ["F10"]
)"),
                 {"E0310", 7, 5});
}

TEST_CASE("E0311 a ruleset file that cannot be read") {
    auto r = Engine::load_file("/nonexistent/carecoord/rules.yaml");
    REQUIRE_FALSE(r.ok());
    CHECK(r.diagnostics()[0].code == "E0311");
    CHECK(r.diagnostics()[0].file == "/nonexistent/carecoord/rules.yaml");
}

TEST_CASE("E0312 facts form a cycle, named in order, where it closes") {
    // a uses b, b uses a: compiling a reaches b (line 7, column 6), whose `a` closes it.
    auto d = expect_error(ruleset(R"(facts:
  a: b + 1
  b: a + 1
)"),
                          {"E0312", 7, 6, "fact b"});
    CHECK(mentions(d, "facts form a cycle: a -> b -> a"));
    auto self = expect_error(ruleset("facts:\n  a: a + 1\n"), {"E0312", 6, 6, "fact a"});
    CHECK(mentions(self, "a -> a"));
}

// ---------------------------------------------------------------------------------------
// E04xx: expressions. tier_rule() puts the expression on line 11 from column 13.

TEST_CASE("E0401 expression syntax error") {
    expect_error(tier_rule("x = 1"), {"E0401", 11, 15, "r1"});
    expect_error(tier_rule("count(encounters) >="), {"E0401", 11, 13 + 20, "r1"});  // at the end
}

TEST_CASE("E0402 unknown name") {
    auto d = expect_error(tier_rule("chronic_cnt >= 1"), {"E0402", 11, 13, "r1"});
    CHECK(mentions(d, "chronic_cnt"));
    // The format editors and CI parse: file:line:column: error[CODE]: message.
    CHECK(d.file == "<string>");
    CHECK(d.to_string().rfind("<string>:11:13: error[E0402]: ", 0) == 0);
    expect_error(tier_rule("social.food >= 1"), {"E0402", 11, 13, "r1"});
    expect_error(tier_rule("frobnicate(1) > 0"), {"E0402", 11, 13, "r1"});
    // A field of another collection is unknown inside where: `abatement` is at offset 24.
    expect_error(tier_rule("exists(encounters where abatement > as_of)"), {"E0402", 11, 13 + 24, "r1"});
}

TEST_CASE("E0403 type mismatch") {
    // "count(encounters) " is 18 characters: the operator is at offset 18.
    expect_error(tier_rule("count(encounters) > \"x\""), {"E0403", 11, 31, "r1"});
    // `when` must be a boolean.
    expect_error(tier_rule("count(encounters)"), {"E0403", 11, 13, "r1"});
    // then / else of different types, at the `if`.
    expect_error(tier_rule("(if true then 1 else \"a\") > 0"), {"E0403", 11, 14, "r1"});
    // Dates cannot be subtracted: at the '-' (offset 6).
    expect_error(tier_rule("as_of - birth_date > 0"), {"E0403", 11, 19, "r1"});
    // 'in' a value set needs a code: at the `in` (offset 4), two lines down.
    expect_error(tier_rule("age in vs", "valuesets:\n  vs: {icd10cm: [\"E11\"]}\n"), {"E0403", 13, 17, "r1"});
}

TEST_CASE("E0404 wrong number of arguments") {
    expect_error(tier_rule("count() > 1"), {"E0404", 11, 13, "r1"});
    expect_error(tier_rule("days_between(as_of) > 1"), {"E0404", 11, 13, "r1"});
    expect_error(tier_rule("exists(conditions, code)"), {"E0404", 11, 13, "r1"});
    expect_error(tier_rule("latest(conditions, onset, code, status) > 1"), {"E0404", 11, 13, "r1"});
}

TEST_CASE("E0405 a string that is not a value of the enum") {
    // `sex == "f"`: the literal is at offset 7.
    auto d = expect_error(tier_rule("sex == \"f\""), {"E0405", 11, 20, "r1"});
    CHECK(mentions(d, "female"));
    // In a list: "exists(encounters where class in " is 33 characters.
    expect_error(tier_rule("exists(encounters where class in [\"inpatent\"])"), {"E0405", 11, 46, "r1"});
}

TEST_CASE("E0406 a name used where it is not available") {
    // `tier` in a tier rule, at the name.
    expect_error(tier_rule("tier == \"high\""), {"E0406", 11, 13, "r1"});
    // ... or through a fact, at the fact's name in the rule (`count(encounters) >= 1 and `
    // is 27 characters).
    expect_error(tier_rule("count(encounters) >= 1 and is_high", "facts:\n  is_high: tier == \"high\"\n"),
                 {"E0406", 13, 13 + 27, "r1"});
    // `anchor` outside a trigger.
    expect_error(tier_rule("anchor > as_of"), {"E0406", 11, 13, "r1"});
    // `outer` outside a nested where.
    expect_error(tier_rule("exists(conditions where outer.code == \"x\")"), {"E0406", 11, 13 + 24, "r1"});
    // `tier` is fine in a flag.
    load_ok(ruleset(R"(tiers:
  order: [low, high]
  default: low
flags:
  - id: f
    rules:
      - {id: f1, when: tier == "high"}
)"));
}

TEST_CASE("E0407 where or an aggregate applied to something that is not a list") {
    expect_error(tier_rule("count(as_of) > 1"), {"E0407", 11, 19, "r1"});
    expect_error(tier_rule("exists(as_of where true)"), {"E0407", 11, 20, "r1"});
}

// ---------------------------------------------------------------------------------------
// Positions in quoted, block and multi-line scalars and in reason templates.

TEST_CASE("positions: quoted scalars start one column after the quote") {
    expect_error(tier_rule("\"x = 1\""), {"E0401", 11, 16, "r1"});
    expect_error(tier_rule("'x = 1'"), {"E0401", 11, 16, "r1"});
    // An escaped quote in a double-quoted scalar: `sex == \"f\"`, the literal starts at
    // the backslash, 7 characters after the text starts (column 14).
    expect_error(tier_rule(R"("sex == \"f\"")"), {"E0405", 11, 21, "r1"});
}

TEST_CASE("positions: block scalars and plain scalars over several lines") {
    // A folded block scalar: the text is on line 12, indented 8 (column 9).
    expect_error(tier_rule(">-\n        x = 1"), {"E0401", 12, 11, "r1"});
    // Over two lines: the second line starts at column 9; '=' is 6 characters further.
    expect_error(tier_rule(">-\n        count(encounters) >= 1\n        and x = 1"), {"E0401", 13, 15, "r1"});
    // A literal block scalar keeps its line breaks.
    expect_error(tier_rule("|\n        count(encounters) >= 1\n        and x = 1"), {"E0401", 13, 15, "r1"});
    // A plain scalar continued on the next line.
    expect_error(tier_rule("count(encounters) >= 1\n        and x = 1"), {"E0401", 12, 15, "r1"});
}

TEST_CASE("positions: expressions inside a reason template") {
    auto reason = [](std::string_view text) { return tier_rule("true", "", "      reason: " + std::string(text) + "\n"); };
    // `      reason: "` puts the quote at column 15: the text starts at 16, `{` at 16, `x` at 17.
    expect_error(reason("\"{x = 1} here\""), {"E0401", 12, 19, "r1"});
    expect_error(reason("\"{nope} here\""), {"E0402", 12, 17, "r1"});
    expect_error(reason("\"see {age\""), {"E0401", 12, 20, "r1"});  // the unclosed '{'
    load_ok(reason("\"{{literal}} {age}\""));
}

TEST_CASE("every error is reported, not just the first") {
    auto ds = load_errors(ruleset(R"(descripton: typo
tiers:
  order: [low, high]
  default: low
  rules:
    - {id: r1, tier: high, when: nope}
    - {id: r2, tier: high, when: sex == "f"}
    - {id: r3, tier: highest, when: true}
)"));
    std::vector<std::string> codes;
    for (const auto& d : ds) codes.push_back(d.code);
    CHECK(codes.size() == 4);
    for (const char* c : {"E0301", "E0402", "E0405", "E0309"})
        CHECK_MESSAGE(std::find(codes.begin(), codes.end(), c) != codes.end(), c);
}

TEST_CASE("sources: every `source` names a declared citation; a citation has only title, url and note") {
    // A parameter's, a fact's and a value set's source (E0309, at the source's value).
    auto ds = load_errors(ruleset(R"(sources:
  seed: {title: The seed}
parameters:
  limit: {value: 3, source: sede}
facts:
  n: {expr: count(conditions), source: nope}
valuesets:
  vs: {icd10cm: ["E11"], source: missing}
)"));
    std::vector<std::pair<int, int>> at;
    INFO(all_messages(ds));
    for (const auto& d : ds) {
        CHECK(d.code == "E0309");
        at.emplace_back(d.line, d.column);
    }
    // "  limit: {value: 3, source: " is 28 characters; "  n: {expr: count(conditions), source: " 39;
    // "  vs: {icd10cm: ["E11"], source: " 33.
    std::sort(at.begin(), at.end());
    CHECK(at == std::vector<std::pair<int, int>>{{8, 29}, {10, 40}, {12, 34}});
    load_ok(ruleset(R"(sources:
  seed: {title: The seed, url: "https://example.org", note: n}
parameters:
  limit: {value: 3, source: seed}
)"));
    // An unknown key in a citation, and a citation that is not a mapping.
    expect_error(ruleset("sources:\n  seed: {title: t, titel: t}\n"), {"E0301", 6, 20});
    expect_error(ruleset("sources:\n  seed: The seed\n"), {"E0303", 6, 9});
}

TEST_CASE("positions: escapes and a scalar at the very end of the file") {
    // "\x3d" is '=' written as an escape: the syntax error is at the escape (column 16).
    expect_error(tier_rule(R"("x \x3d 1")"), {"E0401", 11, 16, "r1"});
    // No line break after the last scalar.
    std::string text = tier_rule("x = 1");
    text.pop_back();
    expect_error(text, {"E0401", 11, 15, "r1"});
    std::string quoted = tier_rule(R"("x = \"")");
    quoted.pop_back();
    auto ds = load_errors(quoted);
    REQUIRE_FALSE(ds.empty());
    CHECK(ds[0].line == 11);
}
