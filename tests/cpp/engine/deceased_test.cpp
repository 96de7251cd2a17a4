// The deceased, impossible dates (E0212-E0214) and the previous tier the engine works out
// when the document records none (docs/determination.md). Expected values by hand.
#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "support/test_support.hpp"

using namespace carecoord;
using namespace carecoord::testing;

namespace {

// One tier rule (food insecurity: case management), one flag, one program, one trigger.
const char* kRules = R"(tiers:
  order: [routine, care_coordination, case_management]
  default: routine
  rules:
    - id: food
      tier: case_management
      when: social.food_insecurity
    - id: cc
      tier: care_coordination
      when: count(conditions) >= 1
flags:
  - id: watch
    rules:
      - id: watch_food
        when: social.food_insecurity
programs:
  - id: any_condition
    when: count(conditions) >= 1
triggers:
  - id: review
    anchor: as_of
    due: 7 days after anchor
)";

Patient hungry(const char* deceased = nullptr) {
    Patient p = patient("1950-06-15");
    p.social.food_insecurity = true;
    p.conditions.push_back(condition("E11.9"));
    p.conditions.back().onset = D("2010-01-01");
    if (deceased) p.deceased = D(deceased);
    return p;
}

}  // namespace

TEST_CASE("a patient who died the day before as_of: lowest tier, no flag, no program, no trigger") {
    Engine e = load_ok(ruleset(kRules));
    Determination d = evaluate_ok(e, hungry("2026-11-26"), D("2026-11-27"));
    REQUIRE(d.deceased.has_value());
    CHECK(*d.deceased == D("2026-11-26"));
    CHECK(d.tier.tier == "routine");
    CHECK_FALSE(d.tier.by_default);
    CHECK(d.tier.matched.empty());
    CHECK(d.flags.empty());
    REQUIRE(d.programs.size() == 1);
    CHECK(d.programs[0].status == Eligibility::not_eligible);
    CHECK(d.programs[0].reason == "Deceased 2026-11-26: no program enrolls a patient after death");
    CHECK(d.triggers.empty());
    CHECK(d.missing.empty());
    CHECK(to_json(d).find(R"("deceased":"2026-11-26"})") != std::string::npos);
}

TEST_CASE("a death on as_of counts; a death the day after is not known yet") {
    Engine e = load_ok(ruleset(kRules));
    CHECK(evaluate_ok(e, hungry("2026-11-27"), D("2026-11-27")).tier.tier == "routine");
    Determination alive = evaluate_ok(e, hungry("2026-11-28"), D("2026-11-27"));
    CHECK_FALSE(alive.deceased.has_value());
    CHECK(alive.tier.tier == "case_management");
    CHECK(alive.flags.size() == 1);
    CHECK(alive.programs.at(0).status == Eligibility::eligible);
    CHECK(alive.triggers.size() == 1);
    CHECK(to_json(alive).find(R"("deceased":null})") != std::string::npos);
}

TEST_CASE("E0212: born after as_of; born on as_of is fine") {
    Engine e = load_ok(ruleset(kRules));
    Patient p = patient("2026-11-28");
    auto r = e.evaluate(p, D("2026-11-27"));
    REQUIRE_FALSE(r.ok());
    REQUIRE(r.diagnostics().size() == 1);
    CHECK(r.diagnostics()[0].code == "E0212");
    CHECK(r.diagnostics()[0].field_path == "birth_date");
    CHECK(r.diagnostics()[0].message.find("2026") == std::string::npos);  // no patient value
    CHECK(e.evaluate(patient("2026-11-27"), D("2026-11-27")).ok());
}

TEST_CASE("E0213 and E0214: records before birth, each with its field path; on the birth date is fine") {
    Engine e = load_ok(ruleset(kRules));
    Patient p = patient("2000-06-15");
    p.conditions = {condition("J45.909"), condition("E11.9")};
    p.conditions[0].onset = D("2000-06-15");      // the birth date: fine
    p.conditions[1].onset = D("2000-06-14");      // the day before
    p.conditions[1].recorded = D("2000-06-14");
    p.conditions[1].abatement = D("2000-06-14");
    Encounter enc;
    enc.id = "h1";
    enc.admit = DateTime{D("2000-06-14")} + std::chrono::minutes{600};
    p.encounters = {enc};
    auto r = e.evaluate(p, D("2026-11-27"));
    REQUIRE_FALSE(r.ok());
    std::vector<std::string> got;
    for (const auto& d : r.diagnostics()) got.push_back(d.code + " " + d.field_path);
    CHECK(got == std::vector<std::string>{"E0213 conditions[1].onset", "E0213 conditions[1].recorded",
                                          "E0213 conditions[1].abatement", "E0214 encounters[0].admit"});
    p.conditions[1].onset = p.conditions[1].recorded = p.conditions[1].abatement = D("2000-06-15");
    p.encounters[0].admit = DateTime{D("2000-06-15")};
    CHECK(e.evaluate(p, D("2026-11-27")).ok());
}

TEST_CASE("previous_tier without care_plan.tier: the engine's tier the day before the newest change") {
    // One condition (I10) recorded 2026-11-20, the newest change: the day before, routine;
    // from 11-20, care coordination (rule cc). The change is dated 11-20, due 14 days later.
    Engine e = load_ok(ruleset(std::string(kRules) +
                               "  - id: change\n    anchor: tier_change_day\n"
                               "    when: exists(previous_tier) and previous_tier != tier\n"
                               "    due: 14 days after anchor\n"));
    Patient p = patient("1950-06-15");
    p.conditions = {condition("I10")};
    p.conditions[0].recorded = D("2026-11-20");
    // The day before 11-20 no condition: routine; from 11-20 care coordination.
    Determination d = evaluate_ok(e, p, D("2026-11-25"));
    CHECK(d.tier.tier == "care_coordination");
    bool found = false;
    for (const auto& t : d.triggers)
        if (t.id == "change") {
            found = true;
            CHECK(t.anchor == D("2026-11-20"));
            CHECK(t.due == D("2026-12-04"));
        }
    CHECK(found);
    // With the tier recorded at the last review, that is the previous tier and the change is
    // noticed at as_of.
    p.care_plan.tier = "routine";
    d = evaluate_ok(e, p, D("2026-11-25"));
    found = false;
    for (const auto& t : d.triggers)
        if (t.id == "change") {
            found = true;
            CHECK(t.anchor == D("2026-11-25"));
        }
    CHECK(found);
    // Recorded equal to the current tier: no change.
    p.care_plan.tier = "care_coordination";
    d = evaluate_ok(e, p, D("2026-11-25"));
    for (const auto& t : d.triggers) CHECK(t.id != "change");
}

TEST_CASE("the initial SNP HRA reason says which enrollment date it used (default rulesets)") {
    auto loaded = Engine::load_directory(std::string(CARECOORD_SOURCE_DIR) + "/rulesets");
    REQUIRE(loaded.ok());
    Patient p = patient("1950-02-02");
    Coverage c;
    c.payer = Payer::medicare_advantage;
    c.plan = "acme_dsnp";
    c.snp = SnpType::dual;
    c.medicaid_dual = MedicaidDual::full;
    c.start = D("2026-08-29");
    p.coverage = {c};
    auto reason_of = [&](const Patient& q) {
        Determination d = evaluate_ok(*loaded, q, D("2026-11-27"));
        for (const auto& t : d.triggers)
            if (t.id == "snp_hra_initial") return t.reason;
        return std::string("(not due)");
    };
    // no care_plan.snp_enrolled: the SNP coverage start, 2026-08-29
    CHECK(reason_of(p).find("SNP enrollment 2026-08-29 (from the SNP coverage start)") != std::string::npos);
    p.care_plan.snp_enrolled = D("2026-09-01");
    CHECK(reason_of(p).find("SNP enrollment 2026-09-01 (from care_plan.snp_enrolled)") != std::string::npos);
}

TEST_CASE("health home: a state's at-risk list admits one condition plus an at-risk code") {
    // The default list is empty (state-specific, docs/value-sets.md); a state that names
    // tobacco use Z72.0 admits asthma + Z72.0 (one health-home condition, at risk of a second).
    namespace fs = std::filesystem;
    fs::path src = fs::path(CARECOORD_SOURCE_DIR) / "rulesets";
    fs::path dir = fs::temp_directory_path() / ("carecoord-state-hh-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::copy(src, dir, fs::copy_options::recursive);
    fs::path programs = dir / "programs" / "programs.yaml";
    std::string text;
    {
        std::ifstream in(programs);
        text.assign(std::istreambuf_iterator<char>(in), {});
    }
    const std::string from = "  health_home_at_risk_codes:\n    value: []";
    auto at = text.find(from);
    REQUIRE(at != std::string::npos);
    text.replace(at, from.size(), "  health_home_at_risk_codes:\n    value: [\"Z72.0\"]");
    {
        std::ofstream out(programs);
        out << text;
        REQUIRE(out.good());
    }
    Patient p = patient("1980-01-01");
    Coverage c;
    c.payer = Payer::medicaid;
    c.plan = "state_medicaid";
    c.start = D("2019-07-01");
    p.coverage = {c};
    p.conditions = {condition("J45.909"), condition("Z72.0")};
    p.conditions[0].onset = D("1990-01-10");
    p.conditions[1].onset = D("2015-01-10");
    auto status = [&](const Engine& e) {
        Determination d = evaluate_ok(e, p, D("2026-11-27"));
        for (const auto& pr : d.programs)
            if (pr.id == "medicaid_health_home") return pr.status;
        return Eligibility::unknown;
    };
    auto state = Engine::load_directory(dir.string());
    auto standard = Engine::load_directory(src.string());
    fs::remove_all(dir);
    REQUIRE(state.ok());
    REQUIRE(standard.ok());
    CHECK(status(*state) == Eligibility::eligible);
    CHECK(status(*standard) == Eligibility::not_eligible);
}
