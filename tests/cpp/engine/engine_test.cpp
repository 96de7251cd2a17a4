// The engine (docs/ruleset-language.md, "Files" and "Sections"): loading from a string, a
// file or a directory, libraries, version selection by as-of date, tiers, flags, programs,
// triggers, reasons, hashes, the JSON determination, and sharing an Engine across threads.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <thread>
#include <vector>

#include "support/test_support.hpp"
#include "util/sha256.hpp"

using namespace carecoord;
using namespace carecoord::testing;
using carecoord::util::Sha256;

namespace {

const Date kAsOf = Date{std::chrono::year{2026} / 11 / 27};

// A ruleset with an explicit id, version and effective period, then `body`.
std::string versioned(std::string_view id, std::string_view version, std::string_view from, std::string_view until,
                      std::string_view body = "") {
    return "schema_version: 1\nruleset: " + std::string(id) + "\nversion: " + std::string(version) +
           "\neffective: {from: " + std::string(from) + ", until: " + std::string(until) + "}\n" + std::string(body);
}

std::vector<std::string> rule_ids(const std::vector<RuleMatch>& ms) {
    std::vector<std::string> out;
    for (const auto& m : ms) out.push_back(m.rule_id);
    return out;
}

const ProgramResult& program(const Determination& d, std::string_view id) {
    auto it = std::find_if(d.programs.begin(), d.programs.end(), [&](const ProgramResult& p) { return p.id == id; });
    REQUIRE_MESSAGE(it != d.programs.end(), id);
    return *it;
}

const TriggerResult* trigger(const Determination& d, std::string_view id) {
    auto it = std::find_if(d.triggers.begin(), d.triggers.end(), [&](const TriggerResult& t) { return t.id == id; });
    return it == d.triggers.end() ? nullptr : &*it;
}

const char* kTiers = R"(tiers:
  order: [routine, care_coordination, case_management]
  default: routine
  rules:
    - {id: cc_first, tier: care_coordination, when: count(conditions) >= 1}
    - {id: cm_first, tier: case_management, when: count(conditions) >= 2}
    - {id: cc_second, tier: care_coordination, when: age >= 65}
    - {id: cm_never, tier: case_management, when: count(conditions) >= 10}
    - {id: cm_unknown, tier: case_management, when: social.food_insecurity}
    - {id: cm_second, tier: case_management, when: age >= 18}
)";

}  // namespace

// ---------------------------------------------------------------------------------------
// Loading

TEST_CASE("load from a string, a file and a directory") {
    const std::string text = ruleset("tiers: {order: [low, high], default: low}\n", "from_string");
    Engine s = load_ok(text);
    REQUIRE(s.rulesets().size() == 1);
    CHECK(s.rulesets()[0].id == "from_string");
    CHECK(s.rulesets()[0].version == "1.0.0");
    CHECK(s.rulesets()[0].effective_from == D("2000-01-01"));
    CHECK_FALSE(s.rulesets()[0].effective_until.has_value());

    TempDir dir;
    const std::string file = dir.write("a/one.yaml", ruleset("", "one"));
    dir.write("a/b/two.yml", ruleset("", "two"));
    dir.write("a/b/lib.yaml", "schema_version: 1\nkind: library\nlibrary: lib\n");
    dir.write("a/b/tests.yaml", "schema_version: 1\nkind: tests\ncases: []\n");
    dir.write("a/notes.txt", "not yaml: [");
    auto f = Engine::load_file(file);
    INFO(all_messages(f.diagnostics()));
    REQUIRE(f.ok());
    REQUIRE(f->rulesets().size() == 1);
    CHECK(f->rulesets()[0].id == "one");
    CHECK(f->rulesets()[0].file == file);

    auto d = Engine::load_directory(dir.file("a"));
    INFO(all_messages(d.diagnostics()));
    REQUIRE(d.ok());
    std::vector<std::string> ids;
    for (const auto& r : d->rulesets()) ids.push_back(r.id);
    CHECK(ids == std::vector<std::string>{"one", "two"});  // the library and the tests are not rulesets

    auto p = Engine::load_path(dir.file("a"));
    REQUIRE(p.ok());
    CHECK(p->rulesets().size() == 2);
    CHECK_FALSE(Engine::load_file(dir.file("a")).ok());       // a directory is not a file
    CHECK_FALSE(Engine::load_directory(file).ok());           // a file is not a directory
    auto empty = Engine::load_string("schema_version: 1\nkind: library\nlibrary: x\n");
    CHECK_FALSE(empty.ok());  // no ruleset at all
}

TEST_CASE("a ruleset includes a library: its parameters, value sets and facts") {
    TempDir dir;
    dir.write("common/clinical.yaml", R"(schema_version: 1
kind: library
library: clinical
parameters:
  min_conditions: 2
valuesets:
  diabetes: {icd10cm: ["E08-E11", "E13"]}
facts:
  diabetes_count: count(conditions where code in diabetes)
)");
    const std::string rs = dir.write("rules/main.yaml", ruleset(R"(include: [../common/clinical.yaml]
tiers:
  order: [low, high]
  default: low
  rules:
    - {id: r1, tier: high, when: diabetes_count >= min_conditions, reason: "{diabetes_count} diabetes codes"}
)"));
    auto e = Engine::load_file(rs);
    INFO(all_messages(e.diagnostics()));
    REQUIRE(e.ok());
    Patient p = patient();
    p.conditions = {condition("E11.9"), condition("E10.65"), condition("I10")};
    Determination d = evaluate_ok(*e, p, kAsOf);
    CHECK(d.tier.tier == "high");
    REQUIRE(d.tier.matched.size() == 1);
    CHECK(d.tier.matched[0].reason == "2 diabetes codes");
    p.conditions.pop_back();
    p.conditions.pop_back();
    CHECK(evaluate_ok(*e, p, kAsOf).tier.tier == "low");
}

TEST_CASE("include errors: a missing file (E0307), a file that is not a library (E0307), a name defined twice (E0306)") {
    TempDir dir;
    // "include: [" is 10 characters: the entry starts at column 11 of line 5.
    const std::string missing = dir.write("missing.yaml", ruleset("include: [nope.yaml]\n"));
    auto r = Engine::load_file(missing);
    REQUIRE_FALSE(r.ok());
    CHECK(r.diagnostics()[0].code == "E0307");
    CHECK(r.diagnostics()[0].file == missing);
    CHECK(r.diagnostics()[0].line == 5);
    CHECK(r.diagnostics()[0].column == 11);

    dir.write("other.yaml", ruleset("", "other"));
    auto not_lib = Engine::load_file(dir.write("inc_ruleset.yaml", ruleset("include: [other.yaml]\n")));
    REQUIRE_FALSE(not_lib.ok());
    CHECK(not_lib.diagnostics()[0].code == "E0307");

    const std::string lib = dir.write("lib.yaml", "schema_version: 1\nkind: library\nlibrary: lib\nparameters:\n  limit: 3\n");
    const std::string twice = dir.write("twice.yaml", ruleset("include: [lib.yaml]\nparameters:\n  limit: 4\n"));
    auto dup = Engine::load_file(twice);
    REQUIRE_FALSE(dup.ok());
    const Diagnostic& d = dup.diagnostics()[0];
    CHECK(d.code == "E0306");
    // Both places: the library's definition (reported) and the ruleset's (named).
    CHECK(d.file == lib);
    CHECK(d.line == 5);
    CHECK(d.column == 10);
    CHECK(d.message.find(twice + ":7:10") != std::string::npos);
}

// ---------------------------------------------------------------------------------------
// Versions

TEST_CASE("the version in force is chosen by the as-of date; from and until are inclusive") {
    const std::string v1 = versioned("x", "1.0.0", "2025-01-01", "2025-12-31");
    const std::string v2 = versioned("x", "2.0.0", "2026-01-01", "null");
    const std::string other = versioned("y", "1.0.0", "2000-01-01", "null");
    TempDir dir;
    dir.write("x1.yaml", v1);
    dir.write("x2.yaml", v2);
    dir.write("y.yaml", other);
    auto e = Engine::load_directory(dir.path().string());
    INFO(all_messages(e.diagnostics()));
    REQUIRE(e.ok());
    auto version_of_x = [&](const char* as_of) -> std::string {
        Determination d = evaluate_ok(*e, patient(), D(as_of));
        for (const auto& r : d.rulesets)
            if (r.id == "x") return r.version;
        return "none";
    };
    CHECK(version_of_x("2024-12-31") == "none");  // the day before v1: x contributes nothing
    CHECK(version_of_x("2025-01-01") == "1.0.0");  // v1's first day
    CHECK(version_of_x("2025-12-31") == "1.0.0");  // v1's last day (until is inclusive)
    CHECK(version_of_x("2026-01-01") == "2.0.0");  // v2's first day
    CHECK(version_of_x("2099-12-31") == "2.0.0");  // open-ended

    // With only x loaded, nothing is in force before v1.
    TempDir only;
    only.write("x1.yaml", v1);
    auto ex = Engine::load_directory(only.path().string());
    REQUIRE(ex.ok());
    CHECK_FALSE(ex->evaluate(patient(), D("2024-12-31")).ok());
    CHECK_FALSE(ex->evaluate(patient(), D("2026-01-01")).ok());  // the day after v1's until
    CHECK(ex->evaluate(patient(), D("2025-06-01")).ok());
}

TEST_CASE("E0308: two versions of one ruleset whose periods overlap, even by one day") {
    auto load_dir = [](std::initializer_list<std::string> files) {
        TempDir dir;
        int i = 0;
        for (const auto& f : files) dir.write("v" + std::to_string(i++) + ".yaml", f);
        return Engine::load_directory(dir.path().string());
    };
    auto one_day = load_dir({versioned("x", "1.0.0", "2025-01-01", "2026-01-01"),
                             versioned("x", "2.0.0", "2026-01-01", "null")});
    REQUIRE_FALSE(one_day.ok());
    const Diagnostic& d = one_day.diagnostics()[0];
    CHECK(d.code == "E0308");
    // At the later file's `effective` mapping ("effective: " is 11 characters, line 4),
    // naming the other version and its file.
    CHECK(d.file.size() > 7);
    CHECK(d.file.substr(d.file.size() - 7) == "v1.yaml");
    CHECK(d.line == 4);
    CHECK(d.column == 12);
    CHECK(d.message.find("1.0.0") != std::string::npos);
    CHECK(d.message.find("v0.yaml") != std::string::npos);
    auto open_ended = load_dir({versioned("x", "1.0.0", "2025-01-01", "null"),
                                versioned("x", "2.0.0", "2030-01-01", "null")});
    REQUIRE_FALSE(open_ended.ok());
    CHECK(open_ended.diagnostics()[0].code == "E0308");
    auto adjacent = load_dir({versioned("x", "1.0.0", "2025-01-01", "2025-12-31"),
                              versioned("x", "2.0.0", "2026-01-01", "null")});
    CHECK(adjacent.ok());
    auto other_ids = load_dir({versioned("x", "1.0.0", "2025-01-01", "null"),
                               versioned("y", "1.0.0", "2025-01-01", "null")});
    CHECK(other_ids.ok());
}

TEST_CASE("E0313: two rulesets that define tiers and can be in force together, found when loading") {
    const char* tiers = "tiers: {order: [low, high], default: low}\n";
    TempDir both;
    both.write("a.yaml", versioned("a", "1.0.0", "2020-01-01", "null", tiers));
    both.write("b.yaml", versioned("b", "1.0.0", "2026-01-01", "null", tiers));
    auto e = Engine::load_directory(both.path().string());
    REQUIRE_FALSE(e.ok());
    const Diagnostic& d = e.diagnostics()[0];
    CHECK(d.code == "E0313");
    // At b's `tiers` (line 5, "tiers: " is 7 characters), naming a and the first common day.
    CHECK(d.file == both.file("b.yaml"));
    CHECK(d.line == 5);
    CHECK(d.column == 8);
    CHECK(d.message.find("'a'") != std::string::npos);
    CHECK(d.message.find("2026-01-01") != std::string::npos);
    // Periods that do not overlap: both load, and each date uses one of them.
    TempDir apart;
    apart.write("a.yaml", versioned("a", "1.0.0", "2020-01-01", "2025-12-31", tiers));
    apart.write("b.yaml", versioned("b", "1.0.0", "2026-01-01", "null", tiers));
    auto ok = Engine::load_directory(apart.path().string());
    INFO(all_messages(ok.diagnostics()));
    REQUIRE(ok.ok());
    CHECK(evaluate_ok(*ok, patient(), D("2025-12-31")).rulesets[0].id == "a");
    CHECK(evaluate_ok(*ok, patient(), D("2026-01-01")).rulesets[0].id == "b");
}

TEST_CASE("a ruleset without tiers sees the tier assigned by the tier-defining one") {
    TempDir dir;
    dir.write("a_flags.yaml", versioned("a_flags", "1.0.0", "2000-01-01", "null", R"(flags:
  - id: high_tier
    rules:
      - {id: is_high, when: tier == "high", reason: "tier {tier}"}
)"));
    dir.write("z_tiers.yaml", versioned("z_tiers", "1.0.0", "2000-01-01", "null", R"(tiers:
  order: [low, high]
  default: low
  rules:
    - {id: r, tier: high, when: age >= 65}
)"));
    auto e = Engine::load_directory(dir.path().string());
    REQUIRE(e.ok());
    Determination old = evaluate_ok(*e, patient("1950-01-01"), kAsOf);
    CHECK(old.tier.tier == "high");
    REQUIRE(old.flags.size() == 1);
    CHECK(old.flags[0].matched[0].reason == "tier high");
    REQUIRE(old.rulesets.size() == 2);
    CHECK(old.rulesets[0].id == "z_tiers");  // the tier-defining ruleset is evaluated first
    CHECK(evaluate_ok(*e, patient("2000-01-01"), kAsOf).flags.empty());
}

// ---------------------------------------------------------------------------------------
// Tiers and flags

TEST_CASE("the highest tier with a matching rule wins; every match is reported, highest tier first, then file order") {
    Engine e = load_ok(ruleset(kTiers));
    Patient p = patient("1950-06-15");  // 76 at as_of
    p.conditions = {condition("I10"), condition("E11.9")};
    Determination d = evaluate_ok(e, p, kAsOf);
    CHECK(d.tier.tier == "case_management");
    CHECK_FALSE(d.tier.by_default);
    CHECK(rule_ids(d.tier.matched) == std::vector<std::string>{"cm_first", "cm_second", "cc_first", "cc_second"});
    // A rule whose `when` is unknown does not match, and the field is reported missing.
    CHECK(std::find(d.missing.begin(), d.missing.end(), "social.food_insecurity") != d.missing.end());
    p.social.food_insecurity = true;
    CHECK(rule_ids(evaluate_ok(e, p, kAsOf).tier.matched) ==
          std::vector<std::string>{"cm_first", "cm_unknown", "cm_second", "cc_first", "cc_second"});
}

TEST_CASE("no matching rule: the default tier, which need not be the lowest") {
    Engine e = load_ok(ruleset(kTiers));
    Patient child = patient("2015-01-01");  // 11 at as_of, no conditions
    Determination d = evaluate_ok(e, child, kAsOf);
    CHECK(d.tier.tier == "routine");
    CHECK(d.tier.by_default);
    CHECK(d.tier.matched.empty());
    Engine mid = load_ok(ruleset(R"(tiers:
  order: [low, mid, high]
  default: mid
  rules:
    - {id: r, tier: low, when: age < 18}
)"));
    CHECK(evaluate_ok(mid, patient("1950-01-01"), kAsOf).tier.tier == "mid");
    Determination young = evaluate_ok(mid, child, kAsOf);
    CHECK(young.tier.tier == "low");  // a matching rule wins over the default, even when lower
    CHECK_FALSE(young.tier.by_default);
}

TEST_CASE("flags: raised when any rule matches, with every matching rule; may use tier") {
    Engine e = load_ok(ruleset(R"(tiers:
  order: [low, high]
  default: low
  rules:
    - {id: old, tier: high, when: age >= 65}
flags:
  - id: review
    description: Manual review
    rules:
      - {id: high_tier, when: tier == "high", reason: "tier {tier}", source: s1}
      - {id: many, when: count(conditions) >= 2}
      - {id: never, when: false}
  - id: quiet
    rules:
      - {id: q, when: false}
sources:
  s1: {title: A source}
)"));
    Patient p = patient("1950-01-01");
    p.conditions = {condition("I10"), condition("E11.9")};
    Determination d = evaluate_ok(e, p, kAsOf);
    REQUIRE(d.flags.size() == 1);  // flags not raised are not listed
    CHECK(d.flags[0].id == "review");
    CHECK(rule_ids(d.flags[0].matched) == std::vector<std::string>{"high_tier", "many"});
    CHECK(d.flags[0].matched[0].reason == "tier high");
    CHECK(d.flags[0].matched[0].source == "s1");
    Determination young = evaluate_ok(e, patient("2000-01-01"), kAsOf);
    CHECK(young.flags.empty());
}

// ---------------------------------------------------------------------------------------
// Programs

TEST_CASE("programs with a payer filter need coverage in force at as_of") {
    Engine e = load_ok(ruleset(R"(programs:
  - id: ccm
    name: Chronic Care Management
    payers: [medicare_ffs, medicare_advantage]
    when: count(conditions) >= 2
    reason: "{count(conditions)} chronic conditions"
    not_reason: "only {count(conditions)}"
  - id: anyone
    when: true
)"));
    Patient p = patient();
    p.conditions = {condition("I10"), condition("E11.9")};
    // Coverage that ended the day before as_of: not in force.
    p.coverage = {coverage(Payer::medicare_ffs, "2020-01-01", "2026-11-26")};
    Determination ended = evaluate_ok(e, p, kAsOf);
    CHECK(program(ended, "ccm").status == Eligibility::not_eligible);
    CHECK(program(ended, "ccm").reason.rfind("no active coverage by ", 0) == 0);
    CHECK(program(ended, "ccm").reason.find("medicare_ffs") != std::string::npos);
    CHECK(program(ended, "ccm").reason.find("medicare_advantage") != std::string::npos);
    CHECK(program(ended, "anyone").status == Eligibility::eligible);  // no payer filter
    // Coverage ending on as_of is in force on as_of.
    p.coverage = {coverage(Payer::medicare_ffs, "2020-01-01", "2026-11-27")};
    Determination last_day = evaluate_ok(e, p, kAsOf);
    CHECK(program(last_day, "ccm").status == Eligibility::eligible);
    CHECK(program(last_day, "ccm").reason == "2 chronic conditions");
    // Coverage starting on as_of is in force; starting the day after is not.
    p.coverage = {coverage(Payer::medicare_advantage, "2026-11-27")};
    CHECK(program(evaluate_ok(e, p, kAsOf), "ccm").status == Eligibility::eligible);
    p.coverage = {coverage(Payer::medicare_advantage, "2026-11-28")};
    CHECK(program(evaluate_ok(e, p, kAsOf), "ccm").status == Eligibility::not_eligible);
    // Another payer does not count.
    p.coverage = {coverage(Payer::commercial, "2020-01-01")};
    CHECK(program(evaluate_ok(e, p, kAsOf), "ccm").status == Eligibility::not_eligible);
    // Covered but the rule is false: the not_reason.
    p.coverage = {coverage(Payer::medicare_ffs, "2020-01-01")};
    p.conditions.pop_back();
    Determination one = evaluate_ok(e, p, kAsOf);
    CHECK(program(one, "ccm").status == Eligibility::not_eligible);
    CHECK(program(one, "ccm").reason == "only 1");
}

TEST_CASE("a program whose rule needs missing data is unknown, lists the fields and shows its reason") {
    Engine e = load_ok(ruleset(R"(programs:
  - id: sdoh
    when: social.food_insecurity or social.housing_instability
    reason: "food {social.food_insecurity}"
    source: s
sources:
  s: {title: A source}
)"));
    Determination d = evaluate_ok(e, patient(), kAsOf);
    const ProgramResult& pr = program(d, "sdoh");
    CHECK(pr.status == Eligibility::unknown);
    CHECK(pr.reason == "food unknown");
    CHECK(pr.source == "s");
    std::vector<std::string> missing = pr.missing;
    std::sort(missing.begin(), missing.end());
    CHECK(missing == std::vector<std::string>{"social.food_insecurity", "social.housing_instability"});
}

// ---------------------------------------------------------------------------------------
// Triggers

TEST_CASE("triggers: due before as_of is overdue, due on as_of is open; anchors that do not exist are not due") {
    Engine e = load_ok(ruleset(R"(triggers:
  - id: enrolment_followup
    anchor: care_plan.enrolled
    due: anchor + 30 days
    action: Follow up
    reason: "enrolled {anchor}"
  - id: recent_only
    anchor: care_plan.enrolled
    when: anchor >= as_of - 60 days
    due: anchor + 90 days
)"));
    Patient p = patient();
    CHECK(evaluate_ok(e, p, kAsOf).triggers.empty());  // no enrolment: no anchor
    p.care_plan.enrolled = D("2026-10-27");  // due 2026-11-26, the day before as_of
    Determination d = evaluate_ok(e, p, kAsOf);
    const TriggerResult* t = trigger(d, "enrolment_followup");
    REQUIRE(t);
    CHECK(t->status == TriggerStatus::overdue);
    CHECK(t->due == D("2026-11-26"));
    CHECK(t->anchor == D("2026-10-27"));
    CHECK_FALSE(t->due_time.has_value());
    CHECK(t->action == "Follow up");
    CHECK(t->reason == "enrolled 2026-10-27");
    p.care_plan.enrolled = D("2026-10-28");  // due 2026-11-27, on as_of
    const Determination on_as_of = evaluate_ok(e, p, kAsOf);  // kept: trigger() points into it
    const TriggerResult* open = trigger(on_as_of, "enrolment_followup");
    REQUIRE(open);
    CHECK(open->status == TriggerStatus::open);
    CHECK(open->due == D("2026-11-27"));
    // `when` with the anchor: as_of - 60 days is 2026-09-28.
    p.care_plan.enrolled = D("2026-09-28");
    CHECK(trigger(evaluate_ok(e, p, kAsOf), "recent_only") != nullptr);
    p.care_plan.enrolled = D("2026-09-27");
    CHECK(trigger(evaluate_ok(e, p, kAsOf), "recent_only") == nullptr);
}

TEST_CASE("a trigger due in hours gives the due date and time") {
    Engine e = load_ok(ruleset(R"(triggers:
  - id: post_discharge_call
    anchor: latest(encounters where exists(discharge), discharge)
    when: anchor >= as_of - 30 days
    due: 72 hours after anchor
    reason: "discharged {anchor}"
)"));
    Patient p = patient();
    p.encounters = {encounter(EncounterClass::inpatient, "2026-11-20T09:00", "2026-11-25T15:00")};
    Determination d = evaluate_ok(e, p, kAsOf);
    const TriggerResult* t = trigger(d, "post_discharge_call");
    REQUIRE(t);
    CHECK(t->anchor == D("2026-11-25"));
    CHECK(t->due == D("2026-11-28"));
    REQUIRE(t->due_time.has_value());
    CHECK(time::format_datetime(*t->due_time) == "2026-11-28T15:00");
    CHECK(t->status == TriggerStatus::open);
    CHECK(t->reason == "discharged 2026-11-25T15:00");
    // 72 hours after 2026-11-23T15:00 is 2026-11-26T15:00, the day before as_of.
    p.encounters[0].discharge = DT("2026-11-23T15:00");
    const Determination later = evaluate_ok(e, p, kAsOf);  // kept: trigger() points into it
    const TriggerResult* late = trigger(later, "post_discharge_call");
    REQUIRE(late);
    CHECK(late->status == TriggerStatus::overdue);
}

// ---------------------------------------------------------------------------------------
// Reasons, hashes, JSON, threads

TEST_CASE("reason templates render values as the spec says") {
    Engine e = load_ok(ruleset(R"(parameters:
  lookback: 12 months
  one_month: 1 month
  window: 72 hours
programs:
  - id: p
    when: 'true'
    reason: >-
      n={count(conditions)} half={5 / 2} d={2026-05-01} t={2026-05-01T09:05} dur={lookback}
      one={one_month} h={window} b={exists(conditions)} codes={conditions} list={encounters}
      u={social.food_insecurity} none={care_plan.enrolled} lit={{x}} c={codes(conditions)}
      e={sex} s={"text"} neg={0 - 1.25}
)"));
    Patient p = patient();
    p.sex = Sex::female;
    p.conditions = {condition("E11.9"), condition("I10"), condition("E11.9")};
    p.encounters = {encounter(EncounterClass::ambulatory, "2026-01-01T10:00"),
                    encounter(EncounterClass::ambulatory, "2026-02-01T10:00")};
    Determination d = evaluate_ok(e, p, kAsOf);
    CHECK(program(d, "p").reason ==
          "n=3 half=2.5 d=2026-05-01 t=2026-05-01T09:05 dur=12 months one=1 month h=72 hours b=true "
          "codes=E11.9, I10 list=2 u=unknown none=none lit={x} c=E11.9, I10 e=female s=text neg=-1.25");
}

TEST_CASE("SHA-256 of the FIPS 180 test vectors") {
    CHECK(Sha256::hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK(Sha256::hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    CHECK(Sha256::hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
          "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    // One million 'a', fed in uneven pieces: the block boundary handling.
    Sha256 h;
    std::string chunk(997, 'a');
    std::size_t left = 1000000;
    while (left > 0) {
        std::size_t n = std::min(left, chunk.size());
        h.update(std::string_view(chunk).substr(0, n));
        left -= n;
    }
    CHECK(h.hex_finish() == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    // 55, 56 and 64 bytes: the padding edge cases give distinct, stable hashes.
    CHECK(Sha256::hex(std::string(55, 'a')) != Sha256::hex(std::string(56, 'a')));
    CHECK(Sha256::hex(std::string(64, 'a')) == Sha256::hex(std::string(64, 'a')));
}

TEST_CASE("the ruleset hash is of the file's bytes, and changes when an included library changes") {
    const std::string text = ruleset("", "hashed");
    CHECK(load_ok(text).rulesets()[0].sha256 == Sha256::hex(text));

    TempDir dir;
    const std::string rs = dir.write("main.yaml", ruleset("include: [lib.yaml]\n", "main"));
    dir.write("lib.yaml", "schema_version: 1\nkind: library\nlibrary: lib\nparameters:\n  limit: 3\n");
    auto hash = [&] {
        auto e = Engine::load_file(rs);
        INFO(all_messages(e.diagnostics()));
        REQUIRE(e.ok());
        return e->rulesets()[0].sha256;
    };
    const std::string first = hash();
    CHECK(first.size() == 64);
    CHECK(hash() == first);  // stable
    dir.write("lib.yaml", "schema_version: 1\nkind: library\nlibrary: lib\nparameters:\n  limit: 4\n");
    const std::string changed = hash();
    CHECK(changed != first);
    CHECK(changed != Sha256::hex(ruleset("include: [lib.yaml]\n", "main")));  // the library is part of it
    // The determination names the version and its hash.
    auto e = Engine::load_file(rs);
    REQUIRE(e.ok());
    Determination d = evaluate_ok(*e, patient(), kAsOf);
    REQUIRE(d.rulesets.size() == 1);
    CHECK(d.rulesets[0].sha256 == changed);
}

namespace {

const char* kFull = R"(parameters:
  lookback: 12 months
tiers:
  order: [routine, care_coordination, case_management]
  default: routine
  rules:
    - {id: cm, tier: case_management, when: count(conditions) >= 2, reason: "{codes(conditions)}"}
    - {id: cc, tier: care_coordination, when: count(conditions) >= 1}
flags:
  - id: sdoh
    rules:
      - {id: food, when: social.food_insecurity, reason: "food \"insecure\"\t{social.food_insecurity}"}
programs:
  - id: ccm
    when: count(conditions) >= 2 and social.housing_instability
    reason: "{count(conditions)} conditions"
triggers:
  - id: call
    anchor: latest(encounters, discharge)
    due: 72 hours after anchor
  - id: review
    anchor: latest(encounters, admit)
    due: anchor + 1 day
)";

Patient full_patient(int variant) {
    Patient p = patient(variant % 2 ? "1950-01-01" : "1980-05-05");
    p.id = "p-" + std::to_string(variant);
    for (int i = 0; i <= variant % 3; ++i) p.conditions.push_back(condition(i == 0 ? "E11.9" : i == 1 ? "I10" : "N18.3"));
    if (variant % 4 != 0) p.social.food_insecurity = variant % 4 == 1;
    p.encounters = {encounter(EncounterClass::inpatient, "2026-11-20T09:00", "2026-11-25T15:00")};
    return p;
}

}  // namespace

TEST_CASE("the same input gives byte-identical JSON, with a fixed key order") {
    Engine e = load_ok(ruleset(kFull));
    const Patient p = full_patient(5);
    const std::string a = to_json(evaluate_ok(e, p, kAsOf));
    const std::string b = to_json(evaluate_ok(e, p, kAsOf));
    CHECK(a == b);
    Engine again = load_ok(ruleset(kFull));
    CHECK(to_json(evaluate_ok(again, p, kAsOf)) == a);
    // Top-level keys in the documented order.
    std::size_t at = 0;
    for (const char* key : {"\"patient_id\":", "\"as_of\":", "\"engine_version\":", "\"rulesets\":", "\"tier\":",
                            "\"flags\":", "\"programs\":", "\"triggers\":", "\"missing\":"}) {
        auto pos = a.find(key, at);
        CHECK_MESSAGE(pos != std::string::npos, key, " in order in ", a);
        if (pos != std::string::npos) at = pos;
    }
    CHECK(a.front() == '{');
    CHECK(a.back() == '}');
    // Strings are escaped: the flag's reason holds a quote and a tab.
    CHECK(a.find(R"(food \"insecure\"\ttrue)") != std::string::npos);
    CHECK(a.find("\"as_of\":\"2026-11-27\"") != std::string::npos);
    CHECK(a.find("\"due_time\":\"2026-11-28T15:00\"") != std::string::npos);
}

TEST_CASE("an Engine shared by 4 threads gives the same results as one thread") {
    Engine e = load_ok(ruleset(kFull));
    constexpr int kPatients = 24;
    std::vector<std::string> expected;
    for (int i = 0; i < kPatients; ++i) expected.push_back(to_json(evaluate_ok(e, full_patient(i), kAsOf)));
    std::vector<std::vector<std::string>> got(4);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&, t] {
            Engine copy = e;  // copies share the compiled rulesets
            for (int round = 0; round < 25; ++round)
                for (int i = 0; i < kPatients; ++i) {
                    // Threads walk the patients in different orders.
                    int k = (i * (t + 1) + round) % kPatients;
                    auto r = (t % 2 ? copy : e).evaluate(full_patient(k), kAsOf);
                    got[static_cast<std::size_t>(t)].push_back(r.ok() ? std::to_string(k) + to_json(*r) : "error");
                }
        });
    for (auto& th : threads) th.join();
    for (int t = 0; t < 4; ++t) {
        REQUIRE(got[static_cast<std::size_t>(t)].size() == 25u * kPatients);
        int mismatches = 0;
        for (const auto& s : got[static_cast<std::size_t>(t)]) {
            std::size_t digits = s.find('{');
            if (digits == std::string::npos) { ++mismatches; continue; }
            int k = std::stoi(s.substr(0, digits));
            if (s.substr(digits) != expected[static_cast<std::size_t>(k)]) ++mismatches;
        }
        CHECK(mismatches == 0);
    }
}

TEST_CASE("facts are computed only when used; listing them for an explanation changes nothing else") {
    Engine e = load_ok(ruleset(R"(facts:
  unused_food: social.food_insecurity
  n: count(conditions)
  double_n: n * 2
programs:
  - id: p
    when: double_n >= 2
    reason: "{n}"
)"));
    Patient p = patient();
    p.conditions = {condition("I10")};
    Determination plain = evaluate_ok(e, p, kAsOf);
    CHECK(plain.missing.empty());  // nothing used social.food_insecurity
    CHECK(plain.facts.empty());
    EvaluateOptions explain;
    explain.include_facts = true;
    auto r = e.evaluate(p, kAsOf, explain);
    REQUIRE(r.ok());
    CHECK(r->missing == plain.missing);
    CHECK(r->programs[0].status == plain.programs[0].status);
    std::vector<std::string> shown;
    for (const auto& f : r->facts) shown.push_back(f.name + "=" + f.value);
    std::sort(shown.begin(), shown.end());
    CHECK(shown == std::vector<std::string>{"double_n=2", "n=1", "unused_food=unknown"});
}

TEST_CASE("the manual's worked example loads and decides as the manual describes") {
    TempDir dir;
    // The library the example includes: the names it uses and does not define itself.
    dir.write("common/clinical.yaml", R"(schema_version: 1
kind: library
library: clinical
sources:
  facts_ccm: {title: CCM}
valuesets:
  chronic_conditions:
    categories:
      diabetes: {icd10cm: ["E08-E11", "E13"]}
      hypertension: {icd10cm: ["I10-I16"]}
      ckd: {icd10cm: ["N18"]}
      heart_failure: {icd10cm: ["I50"]}
facts:
  active_conditions: conditions where status in ["active", "recurrence", "relapse"] and not exists(abatement)
)");
    const std::string file = dir.write("intensity/intensity-v2.yaml", manual_yaml_after("## A worked example"));
    auto e = Engine::load_file(file);
    INFO(all_messages(e.diagnostics()));
    REQUIRE(e.ok());

    // Four active chronic conditions in four categories (two diabetes codes count once),
    // Medicare Advantage coverage, discharged 2026-05-22T15:00.
    Patient p = patient("1957-03-14");
    for (const char* c : {"E11.9", "E11.65", "I10", "N18.32", "I50.32"}) p.conditions.push_back(condition(c));
    p.coverage = {coverage(Payer::medicare_advantage, "2025-01-01")};
    p.encounters = {encounter(EncounterClass::inpatient, "2026-05-18T09:00", "2026-05-22T15:00")};
    Determination d = evaluate_ok(*e, p, D("2026-05-25"));
    CHECK(d.tier.tier == "case_management");
    CHECK(rule_ids(d.tier.matched) == std::vector<std::string>{"cm_chronic_conditions", "cc_chronic"});
    CHECK(d.tier.matched[0].reason == "4 active chronic conditions (threshold 4)");
    CHECK(d.tier.matched[0].source == "seed");
    REQUIRE(d.flags.size() == 1);
    CHECK(d.flags[0].matched[0].reason == "4 chronic conditions");
    CHECK(program(d, "ccm").status == Eligibility::eligible);
    CHECK(program(d, "ccm").reason == "4 chronic conditions expected to last 12 months; needs documented consent");
    // "72 hours after 2026-05-22T15:00 is 2026-05-25T15:00".
    const TriggerResult* call = trigger(d, "post_discharge_call");
    REQUIRE(call);
    REQUIRE(call->due_time.has_value());
    CHECK(time::format_datetime(*call->due_time) == "2026-05-25T15:00");
    CHECK(call->status == TriggerStatus::open);
    CHECK(call->reason == "discharged 2026-05-22T15:00");
    // 31 days after the discharge, the call is no longer due (anchor >= as_of - 30 days).
    CHECK(trigger(evaluate_ok(*e, p, D("2026-06-22")), "post_discharge_call") == nullptr);
    CHECK(trigger(evaluate_ok(*e, p, D("2026-06-21")), "post_discharge_call") != nullptr);
    // One condition resolved before as_of: 3 categories, care coordination.
    p.conditions[4].abatement = D("2026-05-01");
    p.conditions[4].status = ConditionStatus::resolved;
    CHECK(evaluate_ok(*e, p, D("2026-05-25")).tier.tier == "care_coordination");
}

TEST_CASE("rulesets_in_force: the versions in force at a date, the tier-defining one first, with their tiers") {
    TempDir dir;
    dir.write("x1.yaml", versioned("x", "1.0.0", "2025-01-01", "2025-12-31", "tiers: {order: [low, high], default: low}\n"));
    dir.write("x2.yaml", versioned("x", "2.0.0", "2026-01-01", "null", "tiers: {order: [low, mid, high], default: low}\n"));
    dir.write("a.yaml", versioned("a", "1.0.0", "2000-01-01", "null"));
    auto e = Engine::load_directory(dir.path().string());
    INFO(all_messages(e.diagnostics()));
    REQUIRE(e.ok());
    auto ids = [&](const char* as_of) {
        std::vector<std::string> out;
        for (const auto& r : e->rulesets_in_force(D(as_of))) out.push_back(r.id + " " + r.version);
        return out;
    };
    CHECK(ids("2024-12-31") == std::vector<std::string>{"a 1.0.0"});
    CHECK(ids("2025-01-01") == std::vector<std::string>{"x 1.0.0", "a 1.0.0"});  // tiers first, not by name
    CHECK(ids("2025-12-31") == std::vector<std::string>{"x 1.0.0", "a 1.0.0"});
    CHECK(ids("2026-01-01") == std::vector<std::string>{"x 2.0.0", "a 1.0.0"});
    auto in_force = e->rulesets_in_force(D("2026-01-01"));
    CHECK(in_force[0].tiers == std::vector<std::string>{"low", "mid", "high"});
    CHECK(in_force[1].tiers.empty());
    // rulesets(): every version, the versions of one id together and by date.
    auto all = e->rulesets();
    REQUIRE(all.size() == 3);
    CHECK(all[0].id == "a");
    CHECK(all[1].version == "1.0.0");
    CHECK(all[1].tiers == std::vector<std::string>{"low", "high"});
    CHECK(all[2].version == "2.0.0");
}
