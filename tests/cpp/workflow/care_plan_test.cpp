// The default care-plan workflow (rulesets/workflow/care-plan.yaml) through the public API.
// Expected states, tasks and due dates are worked out by hand from the seed ("How it works"),
// facts.md §1 (TCM: 2 business days, federal holidays), §11 (reassessment within 14 days)
// and the 2026 calendar: Memorial Day is Monday 2026-05-25, Thanksgiving Thursday 2026-11-26.
#include <algorithm>
#include <map>
#include <set>

#include "workflow_test_support.hpp"

using namespace wf_test;

namespace {

// The events each state allows, from the seed's sequence and its rules: reassessment for an
// active or monitored plan, a discharge into transition, closure by declined / goals_met / died.
const std::map<std::string, std::set<std::string>> kAllowed = {
    {"identified", {"enrolled", "assessment_completed", "declined", "died"}},
    {"assessed", {"plan_agreed", "declined", "died"}},
    {"planned", {"services_started", "declined", "died"}},
    {"active", {"review_due", "admitted", "condition_changed", "medication_failed", "tier_changed", "phq9_recorded",
                "discharged", "goals_met", "declined", "died"}},
    {"monitoring", {"review_due", "admitted", "condition_changed", "medication_failed", "tier_changed", "phq9_recorded",
                    "discharged", "goals_met", "declined", "died"}},
    {"reassessment_due", {"discharged", "admitted", "condition_changed", "medication_failed", "phq9_recorded",
                          "tier_changed", "assessment_completed", "declined", "died"}},
    {"in_transition", {"discharged", "admitted", "condition_changed", "medication_failed", "phq9_recorded",
                       "tier_changed", "assessment_completed", "declined", "died"}},
    {"closed", {}},
};

const std::vector<std::string> kEvents = {
    "enrolled", "assessment_completed", "plan_agreed", "services_started", "admitted", "discharged", "condition_changed",
    "medication_failed", "phq9_recorded", "tier_changed", "review_due", "declined", "goals_met", "died"};

// Where each allowed event leads for a patient with no data (no last comprehensive assessment,
// the discharge encounter unknown), a PHQ-9 of 12 (>= 10) and no plan_changed payload.
std::string expected_target(const std::string& state, const std::string& event) {
    if (event == "declined" || event == "died" || event == "goals_met") return "closed";
    if (state == "identified") return event == "enrolled" ? "identified" : "assessed";
    if (state == "assessed") return "planned";
    if (state == "planned") return "active";
    if (state == "active" || state == "monitoring") {
        if (event == "review_due") return state == "active" ? "monitoring" : "reassessment_due";  // never assessed
        if (event == "discharged") return "in_transition";
        return "reassessment_due";
    }
    // reassessment_due, in_transition
    if (event == "discharged") return "in_transition";
    if (event == "assessment_completed") return "planned";  // plan_changed not given: re-agree the plan
    if (event == "admitted") return "reassessment_due";
    return state;
}

std::map<std::string, PayloadValue> default_payload(const std::string& event) {
    if (event == "phq9_recorded") return {{"score", 12.0}};
    return {};
}

}  // namespace

TEST_CASE("care plan: the default workflow starts in identified") {
    auto r = start_care_plan(defaults(), D("2026-01-05"));
    REQUIRE(r.ok());
    CHECK(r->state == "identified");
    CHECK(r->tasks.empty());
    // Not in force before 2024-01-01.
    auto before = start_care_plan(defaults(), D("2023-12-31"));
    REQUIRE_FALSE(before.ok());
    CHECK(before.diagnostics()[0].code == "E0715");
    CHECK(start_care_plan(defaults(), D("2024-01-01")).ok());
}

TEST_CASE("care plan: allowed events of every state") {
    for (const auto& entry : kAllowed) {
        const auto& state = entry.first;
        const auto& allowed = entry.second;
        auto r = allowed_events(defaults(), state, D("2026-06-10"));
        REQUIRE(r.ok());
        CHECK_MESSAGE(std::set<std::string>(r->begin(), r->end()) == allowed, state);
    }
    auto bad = allowed_events(defaults(), "paused", D("2026-06-10"));
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.diagnostics()[0].code == "E0717");
}

TEST_CASE("care plan: every event from every state, allowed and refused") {
    const Patient p = patient();
    for (const auto& entry : kAllowed) {
        const auto& state = entry.first;
        const auto& allowed = entry.second;
        for (const auto& event : kEvents) {
            CAPTURE(state);
            CAPTURE(event);
            const CarePlanRecord before = in_state(state);
            auto r = apply_event(defaults(), p, before, ev(event, "2026-06-10T10:00", default_payload(event)));
            if (allowed.count(event)) {
                REQUIRE(r.ok());
                CHECK(r->state.state == expected_target(state, event));
                CHECK(r->from == state);
            } else {
                REQUIRE_FALSE(r.ok());
                const auto& d = r.diagnostics()[0];
                CHECK(d.code == "E0710");
                CHECK(d.message.find("'" + event + "'") != std::string::npos);
                CHECK(d.message.find("state '" + state + "'") != std::string::npos);
                // The allowed events are named.
                CHECK(d.message.find("allowed: ") != std::string::npos);
                for (const auto& a : allowed) CHECK(d.message.find(a) != std::string::npos);
                if (allowed.empty()) CHECK(d.message.find("allowed: none") != std::string::npos);
                CHECK(before.state == state);  // nothing changed
            }
        }
    }
}

TEST_CASE("care plan: unknown event, bad payload, out-of-order events are errors that change nothing") {
    const Patient p = patient();
    auto unknown = apply_event(defaults(), p, in_state("active"), ev("transferred", "2026-06-10T10:00"));
    REQUIRE_FALSE(unknown.ok());
    CHECK(unknown.diagnostics()[0].code == "E0711");
    CHECK(unknown.diagnostics()[0].message.find("transferred") != std::string::npos);

    auto field = apply_event(defaults(), p, in_state("active"), ev("phq9_recorded", "2026-06-10T10:00", {{"value", 12.0}}));
    REQUIRE_FALSE(field.ok());
    CHECK(field.diagnostics()[0].code == "E0713");
    CHECK(field.diagnostics()[0].message.find("'value'") != std::string::npos);
    CHECK(field.diagnostics()[0].message.find("score") != std::string::npos);

    auto type = apply_event(defaults(), p, in_state("active"),
                            ev("phq9_recorded", "2026-06-10T10:00", {{"score", std::string("12")}}));
    REQUIRE_FALSE(type.ok());
    CHECK(type.diagnostics()[0].code == "E0713");
    CHECK(type.diagnostics()[0].message.find("12") == std::string::npos);  // never the value

    CarePlanRecord later = in_state("active");
    later.last_event = T("2026-06-10T10:00");
    auto early = apply_event(defaults(), p, later, ev("admitted", "2026-06-10T09:59"));
    REQUIRE_FALSE(early.ok());
    CHECK(early.diagnostics()[0].code == "E0712");
    // The same minute is not earlier.
    CHECK(apply_event(defaults(), p, later, ev("admitted", "2026-06-10T10:00")).ok());

    auto state = apply_event(defaults(), p, in_state("paused"), ev("admitted", "2026-06-10T10:00"));
    REQUIRE_FALSE(state.ok());
    CHECK(state.diagnostics()[0].code == "E0717");
}

TEST_CASE("care plan: PHQ-9 guard at the threshold of 10") {
    const Patient p = patient();
    auto nine = apply_event(defaults(), p, in_state("active"), ev("phq9_recorded", "2026-06-10T10:00", {{"score", 9.0}}));
    REQUIRE(nine.ok());
    CHECK_FALSE(nine->transitioned);  // accepted, nothing happens
    CHECK(nine->state.state == "active");
    CHECK(nine->created.empty());
    CHECK(nine->state.applied == std::vector<std::string>{"phq9_recorded@2026-06-10T10:00"});

    auto ten = apply_event(defaults(), p, in_state("monitoring"), ev("phq9_recorded", "2026-06-10T10:00", {{"score", 10.0}}));
    REQUIRE(ten.ok());
    CHECK(ten->transitioned);
    CHECK(ten->state.state == "reassessment_due");
    REQUIRE(ten->created.size() == 1);
    CHECK(ten->created[0].id == "reassessment@2026-06-10T10:00");
    CHECK(due_text(ten->created[0]) == "2026-06-24");  // 14 days after 2026-06-10

    // No score: the guard is unknown, so the transition is not taken.
    auto none = apply_event(defaults(), p, in_state("active"), ev("phq9_recorded", "2026-06-10T10:00"));
    REQUIRE(none.ok());
    CHECK(none->state.state == "active");
}

TEST_CASE("care plan: completing a reassessment returns to active or planned") {
    const Patient p = patient();
    for (const char* from : {"reassessment_due", "in_transition"}) {
        CAPTURE(from);
        auto same = apply_event(defaults(), p, in_state(from), ev("assessment_completed", "2026-06-10T10:00", {{"plan_changed", false}}));
        REQUIRE(same.ok());
        CHECK(same->state.state == "active");
        auto changed = apply_event(defaults(), p, in_state(from), ev("assessment_completed", "2026-06-10T10:00", {{"plan_changed", true}}));
        REQUIRE(changed.ok());
        CHECK(changed->state.state == "planned");
    }
}

TEST_CASE("care plan: the periodic review reads the patient's last comprehensive assessment") {
    // Review on 2026-06-10: reassessment when the last assessment is on or before 2025-06-10.
    Patient p = patient();
    p.care_plan.last_comprehensive_assessment = D("2025-06-10");
    auto year = apply_event(defaults(), p, in_state("monitoring"), ev("review_due", "2026-06-10T10:00"));
    REQUIRE(year.ok());
    CHECK(year->state.state == "reassessment_due");
    REQUIRE(year->created.size() == 1);
    CHECK(due_text(year->created[0]) == "2026-06-24");

    p.care_plan.last_comprehensive_assessment = D("2025-06-11");
    auto recent = apply_event(defaults(), p, in_state("monitoring"), ev("review_due", "2026-06-10T10:00"));
    REQUIRE(recent.ok());
    CHECK(recent->state.state == "monitoring");
    CHECK(recent->created.empty());
}

TEST_CASE("care plan: discharge tasks come from the triggers ruleset, across Memorial Day") {
    // Friday 2026-05-22 15:00. Call: 72 clock hours -> Monday 2026-05-25 15:00 (a holiday does
    // not stop the clock). TCM contact: Monday is Memorial Day, so business day 1 is Tuesday
    // 05-26 and business day 2 Wednesday 05-27.
    auto r = apply_event(defaults(), patient(), in_state("reassessment_due"),
                         ev("discharged", "2026-05-22T15:00", {{"encounter", std::string("e1")}}));
    REQUIRE(r.ok());
    CHECK(r->state.state == "in_transition");
    REQUIRE(r->created.size() == 2);
    const auto& call = r->created[0];
    CHECK(call.id == "post_discharge_call@2026-05-22T15:00");
    CHECK(call.task == "post_discharge_call");
    CHECK(call.event == "discharged");
    REQUIRE(call.due_time.has_value());
    CHECK(due_text(call) == "2026-05-25T15:00");
    CHECK(call.due == D("2026-05-25"));
    CHECK(call.source == "seed_transition_management");
    CHECK(call.reason.find("2026-05-22T15:00") != std::string::npos);  // the trigger's reason, anchored at the event
    const auto& tcm = r->created[1];
    CHECK(tcm.id == "tcm_interactive_contact@2026-05-22T15:00");
    CHECK_FALSE(tcm.due_time.has_value());
    CHECK(due_text(tcm) == "2026-05-27");
    CHECK(tcm.source == "facts_tcm");
    CHECK_FALSE(tcm.action.empty());
}

TEST_CASE("care plan: TCM contact due dates on both sides of holidays") {
    struct Case { const char* discharge; const char* call; const char* contact; };
    const Case cases[] = {
        {"2026-05-14T09:00", "2026-05-17T09:00", "2026-05-18"},  // Thursday, no holiday: Fri, Mon
        {"2026-05-21T09:00", "2026-05-24T09:00", "2026-05-26"},  // Thursday before Memorial Day: Fri, (Mon) Tue
        {"2026-05-26T09:00", "2026-05-29T09:00", "2026-05-28"},  // Tuesday after: Wed, Thu
        {"2026-11-25T10:00", "2026-11-28T10:00", "2026-11-30"},  // Wednesday before Thanksgiving: (Thu) Fri, Mon
        {"2026-11-18T10:00", "2026-11-21T10:00", "2026-11-20"},  // a week earlier: Thu, Fri
    };
    for (const auto& c : cases) {
        CAPTURE(c.discharge);
        auto r = apply_event(defaults(), patient(), in_state("active"), ev("discharged", c.discharge));
        REQUIRE(r.ok());
        REQUIRE(r->created.size() == 2);
        CHECK(due_text(r->created[0]) == c.call);
        CHECK(due_text(r->created[1]) == c.contact);
    }
}

TEST_CASE("care plan: a discharge to a facility continues the transition without community follow-up") {
    Patient p = patient();
    p.encounters.push_back(inpatient_stay("e7", Disposition::snf));
    auto snf = apply_event(defaults(), p, in_state("reassessment_due"),
                           ev("discharged", "2026-05-22T15:00", {{"encounter", std::string("e7")}}));
    REQUIRE(snf.ok());
    CHECK(snf->state.state == "in_transition");
    CHECK(snf->created.empty());

    p.encounters[0].disposition = Disposition::home;  // a community setting
    auto home = apply_event(defaults(), p, in_state("reassessment_due"),
                            ev("discharged", "2026-05-22T15:00", {{"encounter", std::string("e7")}}));
    REQUIRE(home.ok());
    CHECK(home->created.size() == 2);

    p.encounters[0].disposition.reset();  // not recorded: follow up rather than miss it
    auto unknown = apply_event(defaults(), p, in_state("reassessment_due"),
                               ev("discharged", "2026-05-22T15:00", {{"encounter", std::string("e7")}}));
    REQUIRE(unknown.ok());
    CHECK(unknown->created.size() == 2);
    CHECK(unknown->missing == std::vector<std::string>{"encounters[].disposition"});
}

TEST_CASE("care plan: a hospitalization, a change in condition, a failed medication call for reassessment in 14 days") {
    for (const char* event : {"admitted", "condition_changed", "medication_failed", "tier_changed"}) {
        for (const char* from : {"active", "monitoring"}) {
            CAPTURE(event);
            CAPTURE(from);
            auto r = apply_event(defaults(), patient(), in_state(from), ev(event, "2026-05-18T08:00"));
            REQUIRE(r.ok());
            CHECK(r->state.state == "reassessment_due");
            REQUIRE(r->created.size() == 1);
            CHECK(r->created[0].id == "reassessment@2026-05-18T08:00");
            CHECK(due_text(r->created[0]) == "2026-06-01");  // 2026-05-18 + 14 calendar days
            CHECK(r->created[0].source == "facts_cmsa");
        }
    }
    // Enrollment: the initial assessment 14 days later.
    auto en = apply_event(defaults(), patient(), in_state("identified"), ev("enrolled", "2026-03-02T10:00"));
    REQUIRE(en.ok());
    REQUIRE(en->created.size() == 1);
    CHECK(en->created[0].id == "initial_assessment@2026-03-02T10:00");
    CHECK(due_text(en->created[0]) == "2026-03-16");
}

TEST_CASE("care plan: applying an event twice changes nothing the second time") {
    const Patient p = patient();
    auto first = apply_event(defaults(), p, in_state("active"), ev("discharged", "2026-05-22T15:00"));
    REQUIRE(first.ok());
    auto again = apply_event(defaults(), p, first->state, ev("discharged", "2026-05-22T15:00"));
    REQUIRE(again.ok());
    CHECK(again->duplicate);
    CHECK_FALSE(again->transitioned);
    CHECK(again->created.empty());
    CHECK(again->state.tasks.size() == 2);
    CHECK(again->state.applied.size() == 1);
    // A second discharge at another time is a new event with its own tasks.
    auto second = apply_event(defaults(), p, first->state, ev("discharged", "2026-05-29T11:00"));
    REQUIRE(second.ok());
    CHECK_FALSE(second->duplicate);
    CHECK(task_ids(second->state.tasks) ==
          std::vector<std::string>{"post_discharge_call@2026-05-22T15:00", "tcm_interactive_contact@2026-05-22T15:00",
                                   "post_discharge_call@2026-05-29T11:00", "tcm_interactive_contact@2026-05-29T11:00"});
}

TEST_CASE("care plan: replaying a patient's year, admission to closure") {
    Patient p = patient();
    p.encounters.push_back(inpatient_stay("e1", Disposition::home));
    p.care_plan.last_comprehensive_assessment = D("2026-03-10");

    const std::vector<CarePlanEvent> log = {
        // identified -> identified; initial_assessment due 2026-03-02 + 14 days = 2026-03-16
        ev("enrolled", "2026-03-02T10:00"),
        // identified -> assessed
        ev("assessment_completed", "2026-03-10T14:00"),
        // assessed -> planned
        ev("plan_agreed", "2026-03-12T11:00"),
        // planned -> active
        ev("services_started", "2026-03-16T09:00"),
        // active -> reassessment_due (a hospitalization); reassessment due 2026-05-18 + 14 = 2026-06-01
        ev("admitted", "2026-05-18T08:00", {{"encounter", std::string("e1")}}),
        // reassessment_due -> in_transition (discharged home, Friday before Memorial Day):
        // call due 72 hours later, 2026-05-25T15:00; TCM contact Tue 26 (1), Wed 27 (2) = 2026-05-27
        ev("discharged", "2026-05-22T15:00", {{"encounter", std::string("e1")}}),
        // follow-up done; the reassessment kept the plan: in_transition -> active
        ev("assessment_completed", "2026-05-27T11:00", {{"plan_changed", false}}),
        // active -> monitoring
        ev("review_due", "2026-08-28T09:00"),
        // PHQ-9 of 7 (< 10): accepted, monitoring stays
        ev("phq9_recorded", "2026-09-15T10:00", {{"score", 7.0}}),
        // PHQ-9 of 15 (>= 10): monitoring -> reassessment_due; reassessment due 2026-10-01 + 14 = 2026-10-15
        ev("phq9_recorded", "2026-10-01T09:00", {{"score", 15.0}}),
        // the plan changed: reassessment_due -> planned
        ev("assessment_completed", "2026-10-08T13:00", {{"plan_changed", true}}),
        // planned -> active
        ev("services_started", "2026-10-12T09:00"),
        // active -> closed
        ev("goals_met", "2026-11-20T16:00"),
    };
    const std::vector<std::pair<std::string, std::string>> expected_tasks = {
        {"initial_assessment@2026-03-02T10:00", "2026-03-16"},
        {"reassessment@2026-05-18T08:00", "2026-06-01"},
        {"post_discharge_call@2026-05-22T15:00", "2026-05-25T15:00"},
        {"tcm_interactive_contact@2026-05-22T15:00", "2026-05-27"},
        {"reassessment@2026-10-01T09:00", "2026-10-15"},
    };
    const std::vector<std::string> expected_states = {
        "identified", "assessed", "planned", "active", "reassessment_due", "in_transition", "active",
        "monitoring", "monitoring", "reassessment_due", "planned", "active", "closed"};

    // Step by step.
    auto rec = start_care_plan(defaults(), D("2026-03-02"));
    REQUIRE(rec.ok());
    CarePlanRecord s = *rec;
    for (std::size_t i = 0; i < log.size(); ++i) {
        CAPTURE(i);
        auto out = apply_event(defaults(), p, s, log[i]);
        REQUIRE(out.ok());
        CHECK(out->state.state == expected_states[i]);
        s = out->state;
    }
    auto check_final = [&](const CarePlanRecord& r) {
        CHECK(r.state == "closed");
        REQUIRE(r.tasks.size() == expected_tasks.size());
        for (std::size_t i = 0; i < expected_tasks.size(); ++i) {
            CHECK(r.tasks[i].id == expected_tasks[i].first);
            CHECK(due_text(r.tasks[i]) == expected_tasks[i].second);
        }
    };
    check_final(s);

    // The whole log, twice: the same state and tasks.
    auto a = replay_events(defaults(), p, log);
    auto b = replay_events(defaults(), p, log);
    REQUIRE(a.ok());
    REQUIRE(b.ok());
    check_final(*a);
    CHECK(task_ids(a->tasks) == task_ids(b->tasks));
    CHECK(a->applied == b->applied);
    CHECK(a->applied.size() == log.size());

    // Duplicated and shuffled entries change nothing.
    std::vector<CarePlanEvent> noisy(log.rbegin(), log.rend());
    noisy.push_back(log[5]);
    noisy.push_back(log[0]);
    auto c = replay_events(defaults(), p, noisy);
    REQUIRE(c.ok());
    check_final(*c);
    CHECK(c->applied == a->applied);

    // Replaying on top of the final record adds nothing either.
    CarePlanRecord again = *a;
    for (const auto& e : log) {
        auto out = apply_event(defaults(), p, again, e);
        REQUIRE(out.ok());
        CHECK(out->duplicate);
        again = out->state;
    }
    CHECK(again.tasks.size() == expected_tasks.size());
}

TEST_CASE("care plan: replay reports the position of a refused event") {
    const std::vector<CarePlanEvent> log = {
        ev("enrolled", "2026-03-02T10:00"),
        ev("services_started", "2026-03-03T10:00"),  // not allowed in identified
    };
    auto r = replay_events(defaults(), patient(), log);
    REQUIRE_FALSE(r.ok());
    CHECK(r.diagnostics()[0].code == "E0710");
    CHECK(r.diagnostics()[0].message.find("event 2 of the log") == 0);
    // An empty log is the initial state.
    auto empty = replay_events(defaults(), patient(), std::vector<CarePlanEvent>{});
    REQUIRE(empty.ok());
    CHECK(empty->state == "identified");
}

TEST_CASE("care plan: a workflow-only ruleset is not part of a determination") {
    auto det = defaults().evaluate(patient(), D("2026-06-10"));
    REQUIRE(det.ok());
    for (const auto& r : det->rulesets) CHECK(r.id != "care_plan");
    CHECK(det->rulesets.size() == 3);  // intensity, programs, triggers
}
