// The checker (src/rules/compiler.cpp): an expression that breaks a rule of the expression
// language (docs/ruleset-language.md, Expressions: types, operators, functions, names) is
// refused when the ruleset loads, with the code docs/errors.md gives (E0401 syntax, E0402
// unknown name, E0403 type, E0404 arguments, E0405 enum string, E0406 name not available
// here, E0407 not a list).
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "carecoord/carecoord.hpp"

using namespace carecoord;

namespace {

const std::string kHeader = R"(schema_version: 1
ruleset: chk
version: 1.0.0
effective: {from: 2020-01-01, until: null}
valuesets:
  flat: {icd10cm: ["I10"]}
  grouped:
    categories:
      htn: {icd10cm: ["I10"]}
)";

// EXPR as a fact that a tier rule uses (exists() takes a value of any type).
std::string as_fact(const std::string& expr) {
    return kHeader + "facts:\n  f: '" + expr +
           "'\ntiers:\n  order: [routine, cm]\n  default: routine\n  rules:\n"
           "    - {id: r, tier: cm, when: 'exists(f)', reason: r}\n";
}

// EXPR as the `when` of a tier rule.
std::string as_when(const std::string& expr) {
    return kHeader + "tiers:\n  order: [routine, cm]\n  default: routine\n  rules:\n    - {id: r, tier: cm, when: '" +
           expr + "', reason: r}\n";
}

struct Case {
    std::string expr;
    const char* code;
    bool when = false;  // in a tier rule's when rather than a fact
};

void expect_refused(const std::vector<Case>& cases) {
    for (const auto& c : cases) {
        CAPTURE(c.expr);
        auto r = Engine::load_string(c.when ? as_when(c.expr) : as_fact(c.expr), "chk.yaml");
        REQUIRE_FALSE(r.ok());
        std::string all;
        bool found = false;
        for (const auto& d : r.diagnostics()) {
            all += d.to_string() + "\n";
            if (d.code == c.code) found = true;
        }
        CAPTURE(all);
        CHECK_MESSAGE(found, "expected ", c.code);
    }
}

}  // namespace

TEST_CASE("checker: the scaffold itself loads, so each error below is the expression's") {
    CHECK(Engine::load_string(as_fact("count(conditions where code in flat)"), "chk.yaml").ok());
    CHECK(Engine::load_string(as_when("age > 1 and any(conditions, category(code, grouped) == \"htn\")"), "chk.yaml").ok());
}

TEST_CASE("checker: operators need operands of their types") {
    expect_refused({
        {"count(conditions)", "E0403", true},  // a when must be a boolean
        {"not count(conditions)", "E0403"},
        {"-social.food_insecurity", "E0403"},
        {"age and true", "E0403"},
        {"age == \"old\"", "E0403"},
        {"social.food_insecurity < true", "E0403"},
        {"as_of - birth_date", "E0403"},
        {"as_of + 3", "E0403"},
        {"\"a\" * 2", "E0403"},
        {"if count(conditions) then 1 else 2", "E0403"},
        {"if social.food_insecurity then 1 else \"a\"", "E0403"},
        {"conditions where count(encounters)", "E0403"},
        {"[1, \"a\"]", "E0403"},
        {"social == 1", "E0403"},
        {"birth_date.year", "E0403"},
    });
}

TEST_CASE("checker: in, value sets and enums") {
    expect_refused({
        {"age in flat", "E0403"},
        {"age in 3", "E0403"},
        {"sex in [1, 2]", "E0403"},
        {"age in [\"a\", \"b\"]", "E0403"},
        {"sex in [\"female\", \"woman\"]", "E0405"},
        {"sex == \"woman\"", "E0405"},
        {"any(conditions, status == \"cured\")", "E0405"},
    });
}

TEST_CASE("checker: functions, their arguments and their lists") {
    expect_refused({
        {"count(conditions, 1)", "E0404"},
        {"count(age)", "E0407"},
        {"age where true", "E0407"},
        {"any(conditions, onset)", "E0403"},
        {"sum(conditions, code)", "E0403"},
        {"min(conditions, code)", "E0403"},
        {"latest(conditions, status, onset)", "E0403"},
        {"max(1, as_of)", "E0403"},
        {"max(\"a\", \"b\")", "E0403"},
        {"category(age, grouped)", "E0403"},
        {"any(conditions, category(code, age) == \"htn\")", "E0403"},
        {"any(conditions, category(code, flat) == \"htn\")", "E0403"},
        {"codes(care_team)", "E0403"},
        {"days_between(1, as_of)", "E0403"},
        {"date(3)", "E0403"},
        {"abs(\"a\")", "E0403"},
        {"frobnicate(1)", "E0402"},
        {"3 after as_of", "E0403"},
        {"count_distinct(conditions, encounters)", "E0403"},
    });
}

TEST_CASE("checker: names that do not exist or are not available here") {
    expect_refused({
        {"no_such_name > 1", "E0402"},
        {"social.no_such_field", "E0402"},
        {"exists(anchor)", "E0406"},
        {"tier == \"cm\"", "E0406", true},
        {"count(conditions where outer.code in flat)", "E0406"},
        {"count(conditions where count(encounters where outer.colour == 1) > 0)", "E0402"},
        {"event.type == \"discharged\"", "E0406"},
        {"age >", "E0401"},
    });
}

TEST_CASE("checker: a trigger's anchor and due must be dates or datetimes, a reason's braces closed") {
    auto load = [](const std::string& trigger) {
        return Engine::load_string(kHeader + "triggers:\n  - " + trigger + "\n", "chk.yaml");
    };
    auto has = [](const Result<Engine>& r, const std::string& code) {
        if (r.ok()) return false;
        for (const auto& d : r.diagnostics())
            if (d.code == code) return true;
        return false;
    };
    CHECK(load("{id: t, anchor: birth_date, due: 30 days after anchor, reason: 'born {anchor}'}").ok());
    CHECK(has(load("{id: t, anchor: age, due: 30 days after birth_date, reason: t}"), "E0403"));
    CHECK(has(load("{id: t, anchor: birth_date, due: count(conditions), reason: t}"), "E0403"));
    CHECK(has(load("{id: t, anchor: birth_date, due: anchor, reason: 'born {anchor'}"), "E0401"));
}
