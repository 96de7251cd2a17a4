// Every limit on hostile ruleset input: hit, it gives an error that names the limit and
// where, never a crash or a hang; and each is adjustable per engine.
#include <doctest/doctest.h>

#include <string>

#include "carecoord/carecoord.hpp"

using namespace carecoord;

namespace {

const std::string kHeader = "schema_version: 1\nruleset: lim\nversion: 1.0.0\neffective: {from: 2020-01-01}\n";

// The first diagnostic of a load that must fail.
Diagnostic first_error(const std::string& yaml, const EngineOptions& options = {}) {
    auto r = Engine::load_string(yaml, "lim.yaml", options);
    REQUIRE_FALSE(r.ok());
    return r.diagnostics().front();
}

std::string fact(const std::string& expr) { return kHeader + "facts:\n  f: '" + expr + "'\n"; }

}  // namespace

TEST_CASE("max_file_bytes: a ruleset over the limit is refused before parsing") {
    EngineOptions o;
    o.limits.max_file_bytes = 200;
    std::string big = kHeader + "description: '" + std::string(300, 'x') + "'\n";
    auto d = first_error(big, o);
    CHECK(d.code == "E0105");
    CHECK(d.message.find("max_file_bytes") != std::string::npos);
    // The same text under the default limit loads.
    CHECK(Engine::load_string(big, "lim.yaml").ok());
}

TEST_CASE("max_yaml_depth: nesting deeper than the limit is refused, at the limit it is read") {
    EngineOptions o;
    o.limits.max_yaml_depth = 8;
    // The top-level mapping is depth 1; `description` holding 6 nested lists reaches 7, 7 reaches 8.
    auto nested = [](int n) { return std::string(static_cast<std::size_t>(n), '[') + std::string(static_cast<std::size_t>(n), ']'); };
    auto over = Engine::load_string(kHeader + "sources: {a: {title: " + nested(6) + "}}\n", "lim.yaml", o);
    // Depth 1 (top) + 1 (sources) + 1 (a) + 6 lists = 9 > 8: refused.
    REQUIRE_FALSE(over.ok());
    CHECK(over.diagnostics().front().code == "E0105");
    CHECK(over.diagnostics().front().message.find("max_depth") != std::string::npos);
    CHECK(over.diagnostics().front().line == 5);
    auto under = Engine::load_string(kHeader + "sources: {a: {title: " + nested(5) + "}}\n", "lim.yaml", o);
    // 8 levels: read (then rejected for what it says, not for its depth).
    for (const auto& d : under.diagnostics()) CHECK(d.code != "E0105");
}

TEST_CASE("max_expression_depth: parentheses one deeper than the limit") {
    EngineOptions o;
    o.limits.max_expression_depth = 10;
    // A limit of N allows N nested parentheses (issue 15: each '(' once, not twice): 11 pairs
    // are refused, 10 load.
    auto deep = first_error(fact(std::string(11, '(') + "1" + std::string(11, ')')), o);
    CHECK(deep.code == "E0105");
    CHECK(deep.message.find("max_expression_depth") != std::string::npos);
    CHECK(deep.line == 6);
    auto at_limit = Engine::load_string(fact(std::string(10, '(') + "1" + std::string(10, ')')) +
                                            "tiers: {order: [a], default: a, rules: [{id: r, tier: a, when: 'f > 0'}]}\n",
                                        "lim.yaml", o);
    CHECK(at_limit.ok());
}

TEST_CASE("max_expression_nodes: a budget for the whole ruleset") {
    EngineOptions o;
    o.limits.max_expression_nodes = 20;
    std::string sum = "1";
    for (int i = 0; i < 30; ++i) sum += " + 1";
    auto d = first_error(fact(sum), o);
    CHECK(d.code == "E0105");
    CHECK(d.message.find("max_expression_nodes") != std::string::npos);
}

TEST_CASE("max_string_length: a scalar longer than the limit") {
    EngineOptions o;
    o.limits.max_string_length = 100;
    auto d = first_error(kHeader + "description: '" + std::string(101, 'x') + "'\n", o);
    CHECK(d.code == "E0105");
    CHECK(d.message.find("max_string_length") != std::string::npos);
    CHECK(d.line == 5);
    auto ok = Engine::load_string(kHeader + "description: '" + std::string(100, 'x') + "'\n" +
                                      "tiers: {order: [a], default: a, rules: [{id: r, tier: a, when: 'true'}]}\n",
                                  "lim.yaml", o);
    CHECK(ok.ok());
}

TEST_CASE("anchors and aliases are refused: a billion-laughs document cannot expand") {
    std::string laughs = kHeader + "sources:\n  a: &a {title: [lol, lol, lol, lol, lol, lol, lol, lol, lol]}\n"
                                   "  b: &b {title: [*a, *a, *a, *a, *a, *a, *a, *a, *a]}\n"
                                   "  c: {title: [*b, *b, *b, *b, *b, *b, *b, *b, *b]}\n";
    auto d = first_error(laughs);
    CHECK(d.code == "E0103");
    CHECK(d.line == 6);
}

TEST_CASE("duplicate keys are refused with the position of the second one") {
    auto r = Engine::load_string(kHeader + "parameters:\n  x: 1\n  x: 2\n", "lim.yaml");
    REQUIRE_FALSE(r.ok());
    CHECK(r.diagnostics().front().code == "E0102");
    CHECK(r.diagnostics().front().line == 7);
    CHECK(r.diagnostics().front().column == 3);
}

TEST_CASE("patient limits: document size and list length") {
    PatientLimits limits;
    limits.max_list_length = 2;
    std::string doc = R"({"id":"p","birth_date":"1950-01-01","conditions":[{"code":"I10"},{"code":"I10"},{"code":"I10"}]})";
    auto r = parse_patient_json(doc, limits);
    REQUIRE_FALSE(r.ok());
    CHECK(r.diagnostics().front().code == "E0209");
    CHECK(r.diagnostics().front().field_path.find("conditions") == 0);
    limits = PatientLimits{};
    limits.max_document_bytes = 20;
    auto big = parse_patient_json(doc, limits);
    REQUIRE_FALSE(big.ok());
    CHECK(big.diagnostics().front().code == "E0210");
}
