// The YAML reader (src/yaml/yaml_tree): what it rejects (anchors, aliases, tags, duplicate
// keys, non-string keys, several documents, input over the limits), with positions, and
// how it keeps scalars (plain `010` stays the text "010").
#include <doctest/doctest.h>

#include <chrono>
#include <string>

#include "yaml/yaml_tree.hpp"
#include "support/test_support.hpp"

using carecoord::Diagnostic;
using carecoord::yaml::parse_yaml;
using carecoord::yaml::YamlLimits;
using carecoord::yaml::YamlNode;

namespace {

// The single diagnostic of a document that must not parse.
Diagnostic only_error(std::string_view text, const YamlLimits& limits = {}) {
    auto r = parse_yaml(text, "doc.yaml", limits);
    REQUIRE_MESSAGE(!r.ok(), "parsed: ", text);
    INFO(carecoord::testing::all_messages(r.diagnostics()));
    REQUIRE(r.diagnostics().size() == 1);
    CHECK(r.diagnostics()[0].file == "doc.yaml");
    return r.diagnostics()[0];
}

// The single diagnostic, with its code and position checked.
Diagnostic expect_at(std::string_view text, const char* code, int line, int column, const YamlLimits& limits = {}) {
    Diagnostic d = only_error(text, limits);
    CHECK_MESSAGE(d.code == code, text);
    CHECK_MESSAGE(d.line == line, text);
    CHECK_MESSAGE(d.column == column, text);
    return d;
}

YamlNode parse_ok(std::string_view text, const YamlLimits& limits = {}) {
    auto r = parse_yaml(text, "doc.yaml", limits);
    INFO(carecoord::testing::all_messages(r.diagnostics()));
    REQUIRE(r.ok());
    return std::move(r).value();
}

std::string nested(std::size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); }

}  // namespace

TEST_CASE("anchors are rejected at the anchored node") {
    expect_at("a: 1\nb: &x 2\nc: *x\n", "E0103", 2, 4);
    expect_at("list:\n  - &item {k: v}\n", "E0103", 2, 5);
}

TEST_CASE("an alias is rejected, even without its anchor") {
    expect_at("a: 1\nb: *x\n", "E0103", 2, 4);
}

TEST_CASE("a 300-byte billion-laughs document is rejected at its first anchor, fast") {
    std::string doc =
        "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
        "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
        "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
        "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
        "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
        "f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
        "g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n"
        "h: [*g,*g,*g,*g,*g,*g,*g,*g,*g]\n";
    REQUIRE(doc.size() <= 320);  // expanded, 9^8 = 43 million "lol"s
    auto start = std::chrono::steady_clock::now();
    expect_at(doc, "E0103", 1, 4);
    auto took = std::chrono::steady_clock::now() - start;
    CHECK(took < std::chrono::milliseconds(200));
}

TEST_CASE("duplicate keys are reported at the second key, in every mapping") {
    auto r = parse_yaml("a: 1\nb: 2\na: 3\nm:\n  x: 1\n  x: 2\n", "doc.yaml");
    REQUIRE_FALSE(r.ok());
    REQUIRE(r.diagnostics().size() == 2);
    for (const auto& d : r.diagnostics()) CHECK(d.code == "E0102");
    // The inner mapping closes first.
    CHECK(r.diagnostics()[0].line == 6);
    CHECK(r.diagnostics()[0].column == 3);
    CHECK(r.diagnostics()[1].line == 3);
    CHECK(r.diagnostics()[1].column == 1);
    expect_at("{k: 1, k: 2}\n", "E0102", 1, 8);
    // Keys that differ only by quoting are the same key.
    CHECK(only_error("k: 1\n\"k\": 2\n").code == "E0102");
}

TEST_CASE("tags are rejected at the tagged node") {
    for (const char* doc : {"a: !!int 1\n", "a: !custom x\n", "a: !!str 1\n", "a: !!map {b: 1}\n", "a: !!seq [1]\n"})
        expect_at(doc, "E0104", 1, 4);
}

TEST_CASE("a key that is not a scalar is rejected") {
    expect_at("? [a, b]\n: 1\n", "E0106", 1, 3);
    CHECK(only_error("{a: 1}: 2\n").code == "E0106");
    CHECK(only_error("~: 2\n").code == "E0106");  // a null key
}

TEST_CASE("more than one document is rejected, at the second; one explicit document is fine") {
    expect_at("a: 1\n---\nb: 2\n", "E0107", 2, 1);
    expect_at("---\na: 1\n---\nb: 2\n", "E0107", 3, 1);
    CHECK(only_error("a: 1\n...\nb: 2\n").code == "E0107");  // '...' ends a document
    // Content that cannot continue the document is a syntax error, not a second document.
    expect_at("- a\nb: 1\n", "E0101", 2, 1);
    CHECK(parse_ok("---\na: 1\n").find("a")->scalar == "1");
    CHECK(parse_ok("a: 1\n...\n").find("a")->scalar == "1");
}

TEST_CASE("YAML syntax errors are E0101, at the offending character") {
    expect_at("a: [1, 2]]\n", "E0101", 1, 10);  // the second ']'
    expect_at("a: b: c\n", "E0101", 1, 5);      // the second ':'
    // An unclosed bracket is reported where it opens (issue 19), not where the input ends.
    auto d = expect_at("a: [1, 2\n", "E0101", 1, 4);
    CHECK(d.message == "YAML syntax error: the '[' opened here is never closed by ']'");
    expect_at("a: 1\nb: {c: [1, 2]\nd: 3\n", "E0101", 2, 4);  // the '{' of line 2; its '[' is closed
    // A quoted string still open at the end of the file: where its quote is.
    d = expect_at("a: 1\nb: \"open\n", "E0101", 2, 4);
    CHECK(d.message == "YAML syntax error: the string opened here with \" is never closed");
    expect_at("a: 1\nb: 'it''s\n", "E0101", 2, 4);  // '' is an escaped quote, not the end
    // Quotes inside plain scalars, comments and block scalars are not string openers.
    parse_ok("a: it's fine # don't\nb: |\n  \"quoted\n  [bracket\nc: 2\n");
}

TEST_CASE("the nesting depth limit: 64 levels pass, 65 do not") {
    parse_ok(nested(64));
    auto d = expect_at(nested(65), "E0105", 1, 65);  // at the 65th '['
    CHECK(d.message.find("max_depth") != std::string::npos);
    YamlLimits two;
    two.max_depth = 2;
    parse_ok("a: {b: 1}\n", two);
    CHECK(only_error("a: {b: [1]}\n", two).code == "E0105");
    // Block mappings count as well.
    CHECK(only_error("a:\n  b:\n    c: 1\n", two).code == "E0105");
}

TEST_CASE("size, string length and node count limits") {
    YamlLimits lim;
    lim.max_bytes = 10;
    auto big = only_error("a: 12345678901\n", lim);
    CHECK(big.code == "E0105");
    CHECK(big.message.find("max_bytes") != std::string::npos);
    parse_ok("a: 123456", lim);  // 9 bytes

    YamlLimits str;
    str.max_string_length = 5;
    parse_ok("a: abcde\n", str);
    expect_at("a: abcdef\n", "E0105", 1, 4, str);

    YamlLimits nodes;
    nodes.max_nodes = 5;
    parse_ok("[1, 2, 3, 4]\n", nodes);  // the sequence and 4 scalars
    auto many = only_error("[1, 2, 3, 4, 5]\n", nodes);
    CHECK(many.code == "E0105");
    CHECK(many.message.find("max_nodes") != std::string::npos);
}

TEST_CASE("plain scalars keep their text; quoted scalars are marked quoted") {
    YamlNode root = parse_ok(R"(plain_zero: 010
quoted_zero: "010"
single: '010'
decimal: 1.50
date: 2025-06-01
yes_word: yes
tilde: ~
null_word: null
quoted_null: "null"
empty_quoted: ''
empty:
block: |
  line
)");
    const YamlNode* z = root.find("plain_zero");
    REQUIRE(z);
    CHECK(z->is_scalar());
    CHECK(z->scalar == "010");
    CHECK_FALSE(z->quoted);
    CHECK(root.find("quoted_zero")->scalar == "010");
    CHECK(root.find("quoted_zero")->quoted);
    CHECK(root.find("single")->quoted);
    CHECK(root.find("decimal")->scalar == "1.50");
    CHECK(root.find("date")->scalar == "2025-06-01");
    CHECK(root.find("yes_word")->scalar == "yes");
    CHECK(root.find("tilde")->is_null());
    CHECK(root.find("null_word")->is_null());
    CHECK(root.find("quoted_null")->is_scalar());
    CHECK(root.find("quoted_null")->scalar == "null");
    CHECK(root.find("empty_quoted")->is_scalar());
    CHECK(root.find("empty_quoted")->scalar.empty());
    CHECK(root.find("empty")->is_null());
    CHECK(root.find("block")->scalar == "line\n");
    CHECK(root.find("block")->quoted);
    CHECK(root.find("missing") == nullptr);
}

TEST_CASE("every node carries its position; an empty document is null") {
    YamlNode root = parse_ok("a:\n  - x\n  - {k: v}\n");
    const YamlNode* a = root.find("a");
    REQUIRE(a);
    REQUIRE(a->is_sequence());
    REQUIRE(a->items.size() == 2);
    CHECK(a->items[0].mark.line == 2);
    CHECK(a->items[0].mark.column == 5);
    CHECK(a->items[1].is_mapping());
    CHECK(a->items[1].mark.line == 3);
    CHECK(a->items[1].mark.column == 5);
    CHECK(a->items[1].entries[0].value.mark.column == 9);
    CHECK(parse_ok("").is_null());
    CHECK(parse_ok("# only a comment\n").is_null());
}
