// Joins (rules::JoinPlan): an any() nested in another element's scope, planned by the
// compiler as a sorted index. The planned form must answer as the loop does, on both sides
// of every boundary of the shipped `hospitalizations_12m` (rulesets/common/clinical.yaml,
// docs/sources.md §5): the 12-month window, the same-day and next-day transfer, the
// previous stay admitted earlier, an absent disposition and an unknown admission. The loop
// is the same condition written `(...) or false`, which the compiler does not plan (not a
// chain of `and`); the expected counts are worked out by hand in each case.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "engine/engine_state.hpp"
#include "support/test_support.hpp"

using namespace carecoord;
using namespace carecoord::testing;

namespace {

const Date kAsOf = Date{std::chrono::year{2026} / 11 / 27};

constexpr const char* kTransfer =
    "class in hospitalization_classes and exists(disposition) and disposition == \"acute_transfer\""
    " and admit < outer.admit and date(discharge) <= date(outer.admit)"
    " and date(outer.admit) <= 1 day after date(discharge)";

std::string join_rules(bool planned) {
    const std::string cond = planned ? std::string(kTransfer) : "(" + std::string(kTransfer) + ") or false";
    return ruleset(
        "parameters:\n"
        "  lookback: 12 months\n"
        "  hospitalization_classes: [\"inpatient\", \"inpatient_psych\"]\n"
        "facts:\n"
        "  admissions: >-\n"
        "    encounters where class in hospitalization_classes and admit >= as_of - lookback and admit <= as_of\n"
        "  hospitalizations: " +
        yaml_quote("count(admissions where not any(encounters, " + cond + "))") +
        "\n"
        "programs:\n"
        "  - id: probe\n"
        "    when: 'hospitalizations >= 0'\n"  // so that what it misses is reported
        "    reason: '{hospitalizations}'\n");
}

struct Answer {
    std::string count;
    std::vector<std::string> missing;
};

Answer run(bool planned, const Patient& p) {
    Engine e = load_ok(join_rules(planned));
    Determination d = evaluate_ok(e, p, kAsOf);
    REQUIRE(d.programs.size() == 1);
    return Answer{d.programs[0].reason, d.missing};
}

// The count, after checking that the index and the loop agree on it and on missing data.
std::string count(const Patient& p) {
    const Answer planned = run(true, p);
    const Answer looped = run(false, p);
    CHECK(planned.count == looped.count);
    CHECK(planned.missing == looped.missing);
    return planned.count;
}

Encounter stay(const char* admit, const char* discharge, std::optional<Disposition> disposition) {
    Encounter e = encounter(EncounterClass::inpatient, admit, discharge);
    e.disposition = disposition;
    return e;
}

Patient with(std::vector<Encounter> stays) {
    Patient p = patient();
    p.encounters = std::move(stays);
    return p;
}

Encounter first_stay() { return stay("2026-03-01T10:00", "2026-03-05T12:00", Disposition::acute_transfer); }

}  // namespace

TEST_CASE("the transfer condition is planned as an index; written with `or false` it stays a loop") {
    for (bool planned : {true, false}) {
        auto r = Engine::load_string(join_rules(planned), "t.yaml");
        REQUIRE(r.ok());
        const auto& plan = *r->state().by_id.at("t").front();
        int planned_any = 0;
        for (const auto& n : plan.nodes)
            if (n.op == rules::Op::any && n.join >= 0) ++planned_any;
        CHECK(planned_any == (planned ? 1 : 0));
        if (planned) {
            REQUIRE(plan.joins.size() == 1);
            const auto& j = plan.joins[0];
            CHECK(j.filters.size() == 3);   // class, exists(disposition), disposition
            CHECK(j.leading_filters == 3);
            CHECK(j.bounds.size() == 3);    // admit <, date(discharge) <=, <= 1 day after
            int keyed = 0;
            for (const auto& b : j.bounds) keyed += b.keyed ? 1 : 0;
            CHECK(keyed == 2);              // both read discharge: the key
            CHECK(j.residual.empty());
        }
    }
}

TEST_CASE("a readmission continues a transfer on the discharge day and the day after, not two days after") {
    const Encounter kFirst = first_stay();
    // The second stay is admitted after the first one's discharge (12:00 on 2026-03-05).
    CHECK(count(with({kFirst, stay("2026-03-05T15:00", "2026-03-09T10:00", Disposition::home)})) == "1");
    CHECK(count(with({kFirst, stay("2026-03-06T09:00", "2026-03-09T10:00", Disposition::home)})) == "1");
    CHECK(count(with({kFirst, stay("2026-03-07T09:00", "2026-03-09T10:00", Disposition::home)})) == "2");
    // Admitted on the discharge date but before its hour: the dates compare, so it continues.
    CHECK(count(with({kFirst, stay("2026-03-05T11:00", "2026-03-09T10:00", Disposition::home)})) == "1");
    // Admitted the day before the discharge date: not a continuation.
    CHECK(count(with({kFirst, stay("2026-03-04T09:00", "2026-03-09T10:00", Disposition::home)})) == "2");
    // The order of the encounters in the document does not matter.
    CHECK(count(with({stay("2026-03-06T09:00", "2026-03-09T10:00", Disposition::home), kFirst})) == "1");
}

TEST_CASE("only a previous stay discharged as an acute transfer is continued") {
    const Encounter kFirst = first_stay();
    Encounter home = kFirst;
    home.disposition = Disposition::home;
    CHECK(count(with({home, stay("2026-03-06T09:00", "2026-03-09T10:00", Disposition::home)})) == "2");
    Encounter none = kFirst;
    none.disposition.reset();  // no disposition recorded: never taken as a transfer
    CHECK(count(with({none, stay("2026-03-06T09:00", "2026-03-09T10:00", Disposition::home)})) == "2");
    // Same admission time: "admitted before it" fails, both count.
    Encounter twin = stay("2026-03-01T10:00", "2026-03-05T12:00", Disposition::home);
    CHECK(count(with({kFirst, twin})) == "2");
    // A chain of three: the second and the third both continue a transfer.
    CHECK(count(with({kFirst, stay("2026-03-06T09:00", "2026-03-08T10:00", Disposition::acute_transfer),
                      stay("2026-03-09T09:00", "2026-03-12T10:00", Disposition::home)})) == "1");
}

TEST_CASE("the 12-month window by admission date, both ends included; the previous stay may lie before it") {
    // The window is [2025-11-27, 2026-11-27].
    CHECK(count(with({stay("2025-11-26T23:00", "2025-11-28T10:00", Disposition::home)})) == "0");
    CHECK(count(with({stay("2025-11-27T00:00", "2025-11-28T10:00", Disposition::home)})) == "1");
    CHECK(count(with({stay("2026-11-27T23:00", nullptr, std::nullopt)})) == "1");
    CHECK(count(with({stay("2026-11-28T08:00", nullptr, std::nullopt)})) == "0");  // after the as-of date
    // A transfer from a stay before the window: the continuation is not counted either.
    const Encounter before = stay("2025-11-20T10:00", "2025-11-26T12:00", Disposition::acute_transfer);
    CHECK(count(with({before, stay("2025-11-27T08:00", "2025-11-30T10:00", Disposition::home)})) == "0");
    CHECK(count(with({before, stay("2025-11-28T08:00", "2025-11-30T10:00", Disposition::home)})) == "1");
    // A previous stay still open (no discharge) continues nothing.
    CHECK(count(with({stay("2026-03-01T10:00", nullptr, Disposition::acute_transfer),
                      stay("2026-03-06T09:00", "2026-03-09T10:00", Disposition::home)})) == "2");
}

TEST_CASE("an unknown admission time gives the loop's unknown: the stay it might continue is not counted") {
    // The transfer stay has no admit: "admitted before" is unknown, so whether the second stay
    // continues it is unknown, and `where` keeps only what is true. The transfer stay itself
    // is not in the window (its admit is unknown). Both forms report encounters[].admit.
    Encounter unknown_admit = first_stay();
    unknown_admit.admit.reset();
    const Patient p = with({unknown_admit, stay("2026-03-06T09:00", "2026-03-09T10:00", Disposition::home)});
    CHECK(count(p) == "0");
    const Answer a = run(true, p);
    CHECK(std::find(a.missing.begin(), a.missing.end(), "encounters[].admit") != a.missing.end());
}

TEST_CASE("a join on equal codes and one with a term on the outer element alone") {
    const std::string yaml = ruleset(
        "facts:\n"
        "  seen: 'count(conditions where any(encounters, diagnosis == outer.code and emergent))'\n"
        "  seen_if_active: 'count(conditions where any(encounters, outer.status == \"active\" and diagnosis == outer.code))'\n"
        "programs:\n"
        "  - id: probe\n"
        "    when: 'true'\n"
        "    reason: '{seen} {seen_if_active}'\n");
    Engine e = load_ok(yaml);
    CHECK(e.state().by_id.at("t").front()->joins.size() == 2);
    Patient p = patient();
    p.conditions = {condition("E11.9"), condition("I10"), condition("J45.909")};
    p.conditions[2].status = ConditionStatus::resolved;
    Encounter a = encounter(EncounterClass::emergency, "2026-01-10T08:00", "2026-01-10T12:00");
    a.diagnosis = "I10";
    a.emergent = true;
    Encounter b = encounter(EncounterClass::ambulatory, "2026-02-10T08:00", "2026-02-10T09:00");
    b.diagnosis = "J45.909";
    b.emergent = false;
    Encounter c = encounter(EncounterClass::ambulatory, "2026-02-11T08:00", "2026-02-11T09:00");
    c.diagnosis = "J45.909";
    c.emergent = true;
    p.encounters = {a, b, c};
    // seen: I10 (a, emergent) and J45.909 (c, emergent); E11.9 has no encounter.
    // seen_if_active: I10 only; J45.909 is resolved.
    Determination d = evaluate_ok(e, p, kAsOf);
    REQUIRE(d.programs.size() == 1);
    CHECK(d.programs[0].reason == "2 1");
}
