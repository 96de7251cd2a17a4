// Expression evaluation (docs/ruleset-language.md, "Expressions", "Dates, durations and
// business days", "Patient fields"): three-valued logic, unknown vs none, functions, date
// arithmetic, and the as-of date as a horizon. Each expression runs as a program's `when`
// (true = eligible, false = not_eligible, unknown) or is printed by a reason `{expr}`.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "support/test_support.hpp"

using namespace carecoord;
using namespace carecoord::testing;

namespace {

const Date kAsOf = Date{std::chrono::year{2026} / 11 / 27};  // a Friday; Thanksgiving 2026 is Thursday Nov 26

constexpr Eligibility T = Eligibility::eligible;
constexpr Eligibility F = Eligibility::not_eligible;
constexpr Eligibility U = Eligibility::unknown;

Eligibility truth(std::string_view expr, const Patient& p = patient(), Date as_of = kAsOf, std::string_view extra = "") {
    return truth_of(expr, p, as_of, extra).truth;
}

std::string value(std::string_view expr, const Patient& p = patient(), Date as_of = kAsOf, std::string_view extra = "") {
    return value_of(expr, p, as_of, extra);
}

bool contains(const std::vector<std::string>& xs, std::string_view x) {
    return std::find(xs.begin(), xs.end(), x) != xs.end();
}

Patient with_food(std::optional<bool> food) {
    Patient p = patient();
    p.social.food_insecurity = food;
    return p;
}

Observation observation(const char* code, const char* date, std::optional<double> v) {
    Observation o;
    o.code = code;
    o.date = D(date);
    o.value = v;
    return o;
}

}  // namespace

TEST_CASE("and/or/not follow Kleene logic with unknown") {
    const Patient unknown_food = patient();  // social.food_insecurity absent: unknown
    const Patient yes = with_food(true);
    const Patient no = with_food(false);
    // false and unknown is false; true and unknown is unknown; in either order.
    CHECK(truth("false and social.food_insecurity", unknown_food) == F);
    CHECK(truth("social.food_insecurity and false", unknown_food) == F);
    CHECK(truth("true and social.food_insecurity", unknown_food) == U);
    CHECK(truth("social.food_insecurity and true", unknown_food) == U);
    // true or unknown is true; false or unknown is unknown.
    CHECK(truth("true or social.food_insecurity", unknown_food) == T);
    CHECK(truth("social.food_insecurity or true", unknown_food) == T);
    CHECK(truth("false or social.food_insecurity", unknown_food) == U);
    CHECK(truth("social.food_insecurity or false", unknown_food) == U);
    // not unknown is unknown; unknown with unknown stays unknown.
    CHECK(truth("not social.food_insecurity", unknown_food) == U);
    CHECK(truth("social.food_insecurity and social.housing_instability", unknown_food) == U);
    CHECK(truth("social.food_insecurity or social.housing_instability", unknown_food) == U);
    // Known values.
    CHECK(truth("social.food_insecurity", yes) == T);
    CHECK(truth("not social.food_insecurity", yes) == F);
    CHECK(truth("social.food_insecurity", no) == F);
    CHECK(truth("not social.food_insecurity", no) == T);
    CHECK(truth("social.food_insecurity and true", yes) == T);
    CHECK(truth("social.food_insecurity or false", no) == F);
}

TEST_CASE("comparisons: unknown operand is unknown, none operand is false and != is true") {
    Patient p = patient();  // care_plan.enrolled absent: none; ltc expected stay absent: unknown
    CHECK(truth("care_plan.enrolled >= as_of - 30 days", p) == F);
    CHECK(truth("care_plan.enrolled < as_of", p) == F);
    CHECK(truth("care_plan.enrolled == 2026-01-01", p) == F);
    CHECK(truth("care_plan.enrolled != 2026-01-01", p) == T);
    CHECK(truth("not (care_plan.enrolled >= as_of - 30 days)", p) == T);
    CHECK(truth("ltc_placement.expected_stay_days >= 90", p) == U);
    CHECK(truth("ltc_placement.expected_stay_days != 90", p) == U);
    p.ltc_placement.expected_stay_days = 90;
    CHECK(truth("ltc_placement.expected_stay_days >= 90", p) == T);  // the boundary itself
    CHECK(truth("ltc_placement.expected_stay_days > 90", p) == F);
    p.care_plan.enrolled = D("2026-10-28");  // as_of - 30 days exactly
    CHECK(truth("care_plan.enrolled >= as_of - 30 days", p) == T);
    p.care_plan.enrolled = D("2026-10-27");  // one day earlier
    CHECK(truth("care_plan.enrolled >= as_of - 30 days", p) == F);
}

TEST_CASE("arithmetic: unknown operand gives unknown, else a none operand gives none; x / 0 is unknown") {
    Patient p = patient();
    CHECK(value("ltc_placement.expected_stay_days + 1", p) == "unknown");
    CHECK(value("max(observations, value) + 1", p) == "none");  // max of an empty list is none
    CHECK(value("1 / 0", p) == "unknown");
    CHECK(truth("1 / 0 > 0", p) == U);
    CHECK(value("10 / 4", p) == "2.5");
    CHECK(value("2.5 * 2", p) == "5");
    CHECK(value("-(3 - 5)", p) == "2");
    CHECK(value("abs(3 - 5)", p) == "2");
}

TEST_CASE("exists(x) is true when x is known and not none, and reports nothing missing") {
    Patient p = patient();
    auto r = truth_of("exists(social.food_insecurity)", p, kAsOf);
    CHECK(r.truth == F);
    CHECK(r.missing.empty());
    CHECK(truth("not exists(social.food_insecurity)", p) == T);
    CHECK(truth("exists(care_plan.enrolled)", p) == F);
    CHECK(truth("exists(conditions)", p) == F);
    p.care_plan.enrolled = D("2026-01-05");
    p.social.food_insecurity = false;  // known, even though false
    p.conditions.push_back(condition("I10"));
    CHECK(truth("exists(care_plan.enrolled)", p) == T);
    CHECK(truth("exists(social.food_insecurity)", p) == T);
    CHECK(truth("exists(conditions)", p) == T);
    CHECK(truth("exists(conditions where code == \"E11.9\")", p) == F);
}

TEST_CASE("where leaves out elements whose predicate is unknown and reports the missing field") {
    Patient p = patient();
    auto e1 = encounter(EncounterClass::emergency, "2026-10-01T10:00", "2026-10-01T14:00");
    e1.emergent = true;
    auto e2 = encounter(EncounterClass::emergency, "2026-10-05T10:00", "2026-10-05T14:00");  // emergent unknown
    auto e3 = encounter(EncounterClass::emergency, "2026-10-09T10:00", "2026-10-09T14:00");
    e3.emergent = false;
    p.encounters = {e1, e2, e3};
    auto r = truth_of("count(encounters where emergent) == 1", p, kAsOf);
    CHECK(r.truth == T);
    CHECK(contains(r.missing, "encounters[].emergent"));
    CHECK(value("count(encounters where not emergent)", p) == "1");
    // any / all are three-valued: an unknown element matters only when nothing decides.
    CHECK(truth("any(encounters, emergent)", p) == T);
    CHECK(truth("all(encounters, emergent)", p) == F);
    p.encounters = {e1, e2};
    CHECK(truth("all(encounters, emergent)", p) == U);
    p.encounters = {e2, e3};
    CHECK(truth("any(encounters, emergent)", p) == U);
    p.encounters.clear();
    CHECK(truth("all(encounters, emergent)", p) == T);  // all of an empty list is true
    CHECK(truth("any(encounters, emergent)", p) == F);
}

TEST_CASE("count_distinct counts distinct known categories: several E11 codes count once") {
    const char* vs = R"(valuesets:
  chronic:
    categories:
      diabetes: {icd10cm: ["E08-E11", "E13"]}
      hypertension: {icd10cm: ["I10-I16"]}
      ckd: {icd10cm: ["N18"]}
)";
    Patient p = patient();
    for (const char* c : {"E11.9", "E11.65", "E10.9", "I10", "N18.3", "J45.909"}) p.conditions.push_back(condition(c));
    // diabetes (E11.9, E11.65, E10.9), hypertension (I10), ckd (N18.3); J45.909 has no category.
    CHECK(value("count_distinct(conditions where code in chronic, category(code, chronic))", p, kAsOf, vs) == "3");
    CHECK(value("count_distinct(conditions, category(code, chronic))", p, kAsOf, vs) == "3");
    CHECK(value("count(conditions where code in chronic)", p, kAsOf, vs) == "5");
    CHECK(value("count_distinct(conditions, code)", p, kAsOf, vs) == "6");
    CHECK(value("count(conditions where category(code, chronic) == \"diabetes\")", p, kAsOf, vs) == "3");
}

TEST_CASE("latest / earliest with 2 and 3 arguments, and over an empty list") {
    Patient p = patient();
    p.observations = {observation("phq9", "2026-06-01", 9), observation("phq9", "2026-01-10", 16),
                      observation("bmi", "2026-03-01", 31.5),
                      observation("phq9", "2026-12-01", 4)};  // after as_of: does not exist yet
    const char* phq9 = "observations where code == \"phq9\"";
    CHECK(value(std::string("latest(") + phq9 + ", date)", p) == "2026-06-01");
    CHECK(value(std::string("earliest(") + phq9 + ", date)", p) == "2026-01-10");
    CHECK(value(std::string("latest(") + phq9 + ", date, value)", p) == "9");
    CHECK(value(std::string("earliest(") + phq9 + ", date, value)", p) == "16");
    CHECK(value("latest(observations, date, code)", p) == "phq9");
    CHECK(value("latest(observations where code == \"hemoglobin\", date)", p) == "none");
    CHECK(value("latest(observations where code == \"hemoglobin\", date, value)", p) == "none");
    // min / max / sum over the elements.
    CHECK(value(std::string("max(") + phq9 + ", value)", p) == "16");
    CHECK(value(std::string("min(") + phq9 + ", value)", p) == "9");
    CHECK(value(std::string("sum(") + phq9 + ", value)", p) == "25");
    CHECK(value("sum(observations where code == \"sodium\", value)", p) == "0");
    CHECK(value("min(observations where code == \"sodium\", value)", p) == "none");
    // The latest encounter's discharge, with datetimes.
    p.encounters = {encounter(EncounterClass::inpatient, "2026-08-24T09:00", "2026-08-29T15:00"),
                    encounter(EncounterClass::inpatient, "2026-03-02T09:00", "2026-03-04T11:00")};
    CHECK(value("latest(encounters, discharge)", p) == "2026-08-29T15:00");
    CHECK(value("earliest(encounters, admit)", p) == "2026-03-02T09:00");
    CHECK(value("latest(encounters, admit, discharge)", p) == "2026-08-29T15:00");
}

TEST_CASE("min / max over values: the known, present values; none when all are none") {
    Patient p = patient();
    CHECK(value("max(1, 5, 3)", p) == "5");
    CHECK(value("min(3, 1, 2)", p) == "1");
    CHECK(value("max(-2, -7)", p) == "-2");
    CHECK(value("max(2026-01-01, 2025-12-31)", p) == "2026-01-01");
    CHECK(value("max(care_plan.last_hra, care_plan.enrolled)", p) == "none");
    p.care_plan.enrolled = D("2025-01-10");
    CHECK(value("max(care_plan.last_hra, care_plan.enrolled)", p) == "2025-01-10");
    CHECK(value("min(care_plan.last_hra, care_plan.enrolled)", p) == "2025-01-10");
    p.care_plan.last_hra = D("2025-03-01");
    CHECK(value("max(care_plan.last_hra, care_plan.enrolled)", p) == "2025-03-01");
    CHECK(value("min(care_plan.last_hra, care_plan.enrolled)", p) == "2025-01-10");
    // An unknown value is not a known, present value.
    CHECK(value("max(ltc_placement.expected_stay_days, 10)", p) == "10");
}

TEST_CASE("if / then / else: unknown condition is unknown, known picks a branch") {
    CHECK(value("if social.food_insecurity then 1 else 2", with_food(true)) == "1");
    CHECK(value("if social.food_insecurity then 1 else 2", with_food(false)) == "2");
    CHECK(value("if social.food_insecurity then 1 else 2", with_food(std::nullopt)) == "unknown");
    CHECK(value("if care_plan.enrolled > 2020-01-01 then \"yes\" else \"no\"", patient()) == "no");
    // A none condition (the `emergent` of the latest of no encounters) takes the else branch.
    CHECK(value("if latest(encounters, admit, emergent) then 1 else 2", patient()) == "2");
}

TEST_CASE("month and year arithmetic uses the month-end rule") {
    CHECK(value("2025-01-31 + 1 month") == "2025-02-28");
    CHECK(value("2024-01-31 + 1 month") == "2024-02-29");  // leap year
    CHECK(value("2025-03-31 - 1 month") == "2025-02-28");
    CHECK(value("2024-03-31 - 1 month") == "2024-02-29");
    CHECK(value("2024-02-29 + 1 year") == "2025-02-28");
    CHECK(value("2024-02-29 - 1 year") == "2023-02-28");
    CHECK(value("2024-02-29 + 4 years") == "2028-02-29");
    CHECK(value("2025-01-30 + 1 month") == "2025-02-28");
    CHECK(value("2025-01-28 + 1 month") == "2025-02-28");  // no clamping needed
    CHECK(value("2025-05-31 + 1 month") == "2025-06-30");
    CHECK(value("2025-12-31 + 2 months") == "2026-02-28");
    CHECK(value("2026-11-27 - 12 months") == "2025-11-27");
    CHECK(value("1 month after 2025-01-31") == "2025-02-28");
    CHECK(value("1 month before 2024-03-31") == "2024-02-29");
    CHECK(value("as_of - 12 months") == "2025-11-27");
}

TEST_CASE("day and week arithmetic is exact") {
    CHECK(value("2025-01-31 + 30 days") == "2025-03-02");  // Feb 2025 has 28 days
    CHECK(value("2024-01-31 + 30 days") == "2024-03-01");  // Feb 2024 has 29
    CHECK(value("2 weeks after 2025-12-25") == "2026-01-08");
    CHECK(value("2026-03-01 - 1 day") == "2026-02-28");
    CHECK(value("as_of - 30 days") == "2026-10-28");
}

TEST_CASE("hours and minutes are wall-clock: 72 hours after a datetime, across DST") {
    CHECK(value("72 hours after 2026-05-22T15:00") == "2026-05-25T15:00");
    CHECK(value("2026-05-22T15:00 + 72 hours") == "2026-05-25T15:00");
    // US DST starts 2026-03-08 and ends 2026-11-01; wall-clock hours ignore both.
    CHECK(value("24 hours after 2026-03-07T12:00") == "2026-03-08T12:00");
    CHECK(value("24 hours after 2026-10-31T12:00") == "2026-11-01T12:00");
    CHECK(value("90 minutes after 2026-05-22T23:00") == "2026-05-23T00:30");
    CHECK(value("1 hour before 2026-01-01T00:30") == "2025-12-31T23:30");
    // A date plus hours is the datetime at 00:00 of that date, plus the hours.
    CHECK(value("2 hours after 2026-05-22") == "2026-05-22T02:00");
    // A datetime plus days keeps its time of day.
    CHECK(value("2026-05-22T15:00 + 1 day") == "2026-05-23T15:00");
    CHECK(value("2026-01-31T08:15 + 1 month") == "2026-02-28T08:15");
}

TEST_CASE("business days: 2 after a Friday is Tuesday, or Wednesday when Monday is a holiday") {
    // 2026-05-15 is a Friday; 2026-05-22 is the Friday before Memorial Day (Mon 2026-05-25).
    CHECK(value("2 business days after 2026-05-15") == "2026-05-19");
    CHECK(value("2 business days after 2026-05-22") == "2026-05-27");
    CHECK(value("1 business day after 2026-05-22") == "2026-05-26");
    CHECK(value("2 business days after 2026-05-22T15:00") == "2026-05-27T15:00");  // time kept
    CHECK(value("1 business day before 2026-05-26") == "2026-05-22");
    CHECK(value("1 business day after 2026-05-18") == "2026-05-19");  // a Monday: X itself never counts
    // Thanksgiving 2026 is Thursday Nov 26: 1 business day after Wed Nov 25 is Fri Nov 27.
    CHECK(value("1 business day after 2026-11-25") == "2026-11-27");
    // A ruleset calendar without holidays: Memorial Day is a business day.
    const char* cal = R"(calendar: plain
calendars:
  plain:
    weekend: [saturday, sunday]
    holidays: []
)";
    CHECK(value("2 business days after 2026-05-22", patient(), kAsOf, cal) == "2026-05-26");
    // A plan calendar with its own holidays.
    const char* plan = R"(calendar: plan_calendar
calendars:
  plan_calendar:
    weekend: [friday, saturday]
    holidays:
      - {name: Day after Thanksgiving, month: 11, weekday: friday, nth: 4}
      - {name: Memo, month: 5, day: 26, observed: none}
)";
    // Weekend Fri/Sat: after Thu 2026-05-21 come Fri, Sat (weekend), Sun 24, Mon 25, Tue 26 (holiday), Wed 27.
    CHECK(value("3 business days after 2026-05-21", patient(), kAsOf, plan) == "2026-05-27");
}

TEST_CASE("a date and a datetime compare by calendar date") {
    CHECK(truth("2026-05-22T23:59 == 2026-05-22") == T);
    CHECK(truth("2026-05-22 == 2026-05-22T00:00") == T);
    CHECK(truth("2026-05-22T23:59 > 2026-05-22") == F);
    CHECK(truth("2026-05-22 < 2026-05-22T10:00") == F);
    CHECK(truth("2026-05-22T00:00 > 2026-05-21") == T);
    CHECK(truth("2026-05-22 >= 2026-05-22T23:59") == T);
    CHECK(truth("2026-05-21 < 2026-05-22T00:00") == T);
    // Two datetimes still compare by time.
    CHECK(truth("2026-05-22T10:00 < 2026-05-22T10:01") == T);
}

TEST_CASE("age and years_between use the birthday rule") {
    Patient p = patient("1950-06-15");
    CHECK(value("age", p, D("2026-06-14")) == "75");
    CHECK(value("age", p, D("2026-06-15")) == "76");
    CHECK(value("years_between(birth_date, as_of)", p, D("2026-06-14")) == "75");
    CHECK(value("years_between(2000-02-29, 2001-02-28)") == "0");
    CHECK(value("years_between(2000-02-29, 2001-03-01)") == "1");
    CHECK(value("years_between(2000-02-29, 2004-02-29)") == "4");
    CHECK(value("years_between(2025-01-01, 2025-12-31)") == "0");
    CHECK(value("years_between(2025-01-01, 2026-01-01)") == "1");
    CHECK(value("days_between(2026-01-01, 2026-03-01)") == "59");  // 31 + 28
    CHECK(value("days_between(2026-03-01, 2026-01-01)") == "-59");
    CHECK(value("days_between(2026-05-22T23:00, 2026-05-23T01:00)") == "1");  // by calendar date
    CHECK(value("hours_between(2026-05-22T15:00, 2026-05-25T14:59)") == "71");  // 71 h 59 min
    CHECK(value("hours_between(2026-05-22T15:00, 2026-05-25T15:00)") == "72");
    CHECK(value("hours_between(2026-05-22, 2026-05-23)") == "24");
    CHECK(value("date(2026-05-22T15:00)") == "2026-05-22");
}

TEST_CASE("the as-of date is a horizon: a condition recorded after it does not exist") {
    Patient p = patient();
    auto c = condition("E11.9");
    c.recorded = D("2026-11-28");
    p.conditions = {c};
    CHECK(value("count(conditions)", p) == "0");
    p.conditions[0].recorded = D("2026-11-27");  // recorded on as_of: exists
    CHECK(value("count(conditions)", p) == "1");
    // Without a recorded date the onset decides.
    p.conditions[0].recorded.reset();
    p.conditions[0].onset = D("2026-11-28");
    CHECK(value("count(conditions)", p) == "0");
    p.conditions[0].onset = D("2026-11-27");
    CHECK(value("count(conditions)", p) == "1");
    // A recorded date decides even when the onset is later (a planned-onset entry).
    p.conditions[0].recorded = D("2026-11-01");
    p.conditions[0].onset = D("2026-12-01");
    CHECK(value("count(conditions)", p) == "1");
}

TEST_CASE("the as-of date is a horizon: an encounter admitted after it does not exist") {
    Patient p = patient();
    p.encounters = {encounter(EncounterClass::inpatient, "2026-11-28T00:00")};
    CHECK(value("count(encounters)", p) == "0");
    p.encounters = {encounter(EncounterClass::inpatient, "2026-11-27T23:59")};
    CHECK(value("count(encounters)", p) == "1");
    // Coverage starting after as_of, and observations dated after it, do not exist either.
    p.coverage = {coverage(Payer::medicaid, "2026-11-28")};
    CHECK(value("count(coverage)", p) == "0");
    p.coverage = {coverage(Payer::medicaid, "2026-11-27")};
    CHECK(value("count(coverage)", p) == "1");
}

TEST_CASE("the as-of date is a horizon: a discharge after it is none (still there)") {
    Patient p = patient();
    p.encounters = {encounter(EncounterClass::inpatient, "2026-11-20T10:00", "2026-11-28T10:00")};
    CHECK(value("latest(encounters, discharge)", p) == "none");
    CHECK(value("count(encounters where exists(discharge))", p) == "0");
    CHECK(value("count(encounters where not exists(discharge))", p) == "1");
    p.encounters[0].discharge = DT("2026-11-27T08:00");  // discharged on as_of
    CHECK(value("latest(encounters, discharge)", p) == "2026-11-27T08:00");
    // The same patient evaluated in the past: the discharge has not happened yet.
    CHECK(value("latest(encounters, discharge)", p, D("2026-11-26")) == "none");
}

TEST_CASE("the as-of date is a horizon: an abatement after it leaves the condition active") {
    Patient p = patient();
    auto c = condition("I10");
    c.recorded = D("2020-01-01");
    c.status = ConditionStatus::resolved;
    c.abatement = D("2026-12-10");
    p.conditions = {c};
    const char* active = "count(conditions where status == \"active\" and not exists(abatement))";
    CHECK(value(active, p) == "1");
    CHECK(value("latest(conditions, recorded, abatement)", p) == "none");
    CHECK(value(active, p, D("2026-12-09")) == "1");
    CHECK(value(active, p, D("2026-12-10")) == "0");  // abated on as_of
    CHECK(value("latest(conditions, recorded, abatement)", p, D("2026-12-10")) == "2026-12-10");
    // Care-plan dates and deaths after as_of are none as well.
    p.care_plan.enrolled = D("2026-11-28");
    p.deceased = D("2026-11-30");
    CHECK(truth("exists(care_plan.enrolled)", p) == F);
    CHECK(truth("exists(deceased)", p) == F);
    // On the day of death the field exists; the engine then takes the patient off every
    // worklist (the probe program is not eligible) and the determination carries the date.
    Engine e = load_ok(ruleset("programs:\n  - id: probe\n    when: 'exists(deceased)'\n"));
    Determination dead = evaluate_ok(e, p, D("2026-11-30"));
    REQUIRE(dead.deceased.has_value());
    CHECK(*dead.deceased == D("2026-11-30"));
    CHECK(dead.programs.at(0).status == Eligibility::not_eligible);
}

TEST_CASE("missing data: an absent social field makes a program unknown and lists the field") {
    Patient p = patient();
    auto r = truth_of("social.food_insecurity or social.housing_instability", p, kAsOf);
    CHECK(r.truth == U);
    CHECK(r.program_missing.size() == 2);
    CHECK(contains(r.program_missing, "social.food_insecurity"));
    CHECK(contains(r.program_missing, "social.housing_instability"));
    CHECK(contains(r.missing, "social.food_insecurity"));
    // Only what was read is listed: a decided `or` does not read its right side.
    p.social.housing_instability = true;
    auto r2 = truth_of("social.housing_instability or social.food_insecurity", p, kAsOf);
    CHECK(r2.truth == T);
    CHECK(r2.program_missing.empty());
    // When the field is present nothing is missing.
    p.social.food_insecurity = false;
    auto r3 = truth_of("social.food_insecurity", p, kAsOf);
    CHECK(r3.truth == F);
    CHECK(r3.program_missing.empty());
    CHECK(r3.missing.empty());
}

TEST_CASE("a fact read inside exists() still reports its missing fields where it is read plainly") {
    // exists() reports nothing as missing; a fact is computed once, so its missing fields
    // must not depend on where it was computed first.
    const char* facts = "facts:\n  food: social.food_insecurity\n";
    Patient p = patient();
    std::string two = ruleset(std::string(facts) + R"(programs:
  - id: first_exists
    when: not exists(food)
  - id: then_plain
    when: food
)");
    Engine e = load_ok(two);
    Determination d = evaluate_ok(e, p, kAsOf);
    REQUIRE(d.programs.size() == 2);
    CHECK(d.programs[0].status == T);
    CHECK(d.programs[0].missing.empty());
    CHECK(d.programs[1].status == U);
    CHECK(d.programs[1].missing == std::vector<std::string>{"social.food_insecurity"});
    CHECK(contains(d.missing, "social.food_insecurity"));
    // The other order: the fact computed plainly first, then read by exists().
    std::string reversed = ruleset(std::string(facts) + R"(programs:
  - id: plain
    when: food
  - id: then_exists
    when: not exists(food) and social.housing_instability
)");
    Engine r = load_ok(reversed);
    Determination d2 = evaluate_ok(r, p, kAsOf);
    CHECK(d2.programs[0].missing == std::vector<std::string>{"social.food_insecurity"});
    // Unknown through housing only: the memoized fact read by exists() adds nothing.
    CHECK(d2.programs[1].status == U);
    CHECK(d2.programs[1].missing == std::vector<std::string>{"social.housing_instability"});
    // exists() alone reports nothing, even through a fact.
    std::string only = ruleset(std::string(facts) + "programs:\n  - id: only\n    when: not exists(food)\n");
    CHECK(evaluate_ok(load_ok(only), p, kAsOf).missing.empty());
}

TEST_CASE("an enumeration compared with a string parameter uses the parameter's value") {
    const char* params = "parameters:\n  admit_class: inpatient\n  classes: [\"inpatient\", \"observation\"]\n";
    Patient p = patient();
    p.encounters = {encounter(EncounterClass::inpatient, "2026-10-01T10:00"),
                    encounter(EncounterClass::observation, "2026-10-02T10:00"),
                    encounter(EncounterClass::virtual_visit, "2026-10-03T10:00")};
    CHECK(value("count(encounters where class == admit_class)", p, kAsOf, params) == "1");
    CHECK(value("count(encounters where admit_class == class)", p, kAsOf, params) == "1");
    CHECK(value("count(encounters where class != admit_class)", p, kAsOf, params) == "2");
    CHECK(value("count(encounters where class in classes)", p, kAsOf, params) == "2");
    CHECK(value("count(encounters where class == \"virtual\")", p, kAsOf, params) == "1");
    // A parameter that is not a value of the enumeration is an E0405.
    auto errors = load_errors(ruleset("parameters:\n  admit_class: inpatent\nprograms:\n  - id: x\n    when: "
                                      "exists(encounters where class == admit_class)\n"));
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].code == "E0405");
}

TEST_CASE("nested where: the inner element first, then the outer one; outer.field names the outer") {
    Patient p = patient();
    p.conditions = {condition("I50.32"), condition("E11.9")};
    Encounter e1 = encounter(EncounterClass::inpatient, "2026-08-24T09:00", "2026-08-29T15:00");
    e1.diagnosis = "I50.32";
    Encounter e2 = encounter(EncounterClass::ambulatory, "2026-09-03T10:30");
    e2.diagnosis = "J45.909";
    p.encounters = {e1, e2};
    // Encounters have no `code`: inside the inner where, `code` is the condition's.
    CHECK(value("count(conditions where exists(encounters where diagnosis == code))", p) == "1");
    CHECK(value("count(conditions where exists(encounters where diagnosis == outer.code))", p) == "1");
    CHECK(value("count(conditions where not exists(encounters where diagnosis == code))", p) == "1");
    // Medication events are a nested list, with the as-of horizon.
    Medication m;
    m.code = "860975";
    m.events = {MedicationEvent{MedicationEventType::started, D("2026-01-01")},
                MedicationEvent{MedicationEventType::failed, D("2026-12-01")}};  // after as_of
    p.medications = {m};
    CHECK(value("count(medications where exists(events where type == \"failed\"))", p) == "0");
    CHECK(value("count(medications where exists(events where type == \"failed\"))", p, D("2026-12-01")) == "1");
    CHECK(value("count(medications where exists(events where type == \"started\"))", p) == "1");
}

TEST_CASE("previous_tier is care_plan.tier, none when absent") {
    Patient p = patient();
    CHECK(value("previous_tier", p) == "none");
    CHECK(truth("previous_tier == \"high\"", p) == F);
    CHECK(truth("previous_tier != \"high\"", p) == T);
    p.care_plan.tier = "high";
    CHECK(value("previous_tier", p) == "high");
    CHECK(truth("previous_tier == \"high\"", p) == T);
}

TEST_CASE("the manual's value-set example matches as its table says") {
    const std::string vs = manual_yaml_after("## Value sets");
    Patient p = patient();
    for (const char* c : {"F10.20", "F17.210", "F10.21", "F19.91", "E11.9", "I15.0"}) p.conditions.push_back(condition(c));
    p.conditions.push_back(condition("44054006", "snomed"));
    CHECK(value("codes(conditions where code in substance_use_disorder)", p, kAsOf, vs) == "F10.20");
    CHECK(value("codes(conditions where category(code, chronic_conditions) == \"diabetes\")", p, kAsOf, vs) ==
          "E11.9, 44054006");
    CHECK(value("codes(conditions where category(code, chronic_conditions) == \"hypertension\")", p, kAsOf, vs) ==
          "I15.0");
}

TEST_CASE("the manual's calendar example: a plan calendar with the day after Thanksgiving") {
    const std::string cal = manual_yaml_after("### calendars");
    // Thanksgiving 2026 is Thursday Nov 26. On us_federal, 2 business days after Wednesday
    // Nov 25 are Fri 27 and Mon 30; on the plan calendar Friday is a holiday too: Mon 30, Tue Dec 1.
    CHECK(value("2 business days after 2026-11-25") == "2026-11-30");
    CHECK(value("2 business days after 2026-11-25", patient(), kAsOf, cal) == "2026-12-01");
    // New Year's Day 2028 is a Saturday, observed on Friday 2027-12-31 (nearest weekday).
    CHECK(value("1 business day after 2027-12-30", patient(), kAsOf, cal) == "2028-01-03");
    // Juneteenth 2026 is a Friday.
    CHECK(value("1 business day after 2026-06-18", patient(), kAsOf, cal) == "2026-06-22");
}
