// Load-time checks of a workflow section: each error with its code, line and column (counted
// by hand in the YAML text below), and a small workflow whose guards read the patient and
// whose due rules count business days from the event.
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <unistd.h>

#include "workflow_test_support.hpp"

using namespace wf_test;

namespace {

// Lines 1-4 of every document below.
const std::string kHeader =
    "schema_version: 1\n"                              // 1
    "ruleset: wf\n"                                    // 2
    "version: 1.0.0\n"                                 // 3
    "effective: {from: 2024-01-01, until: null}\n";    // 4

std::vector<Diagnostic> load_errors(const std::string& body) {
    auto r = Engine::load_string(kHeader + body, "wf.yaml");
    REQUIRE_FALSE(r.ok());
    return r.diagnostics();
}

bool has(const std::vector<Diagnostic>& ds, const char* code, int line, int column) {
    for (const auto& d : ds)
        if (d.code == code && d.line == line && d.column == column && d.file == "wf.yaml") return true;
    return false;
}

std::string dump(const std::vector<Diagnostic>& ds) {
    std::string out;
    for (const auto& d : ds) out += d.to_string() + "\n";
    return out;
}

// A valid three-state workflow; the tests replace its transitions.
std::string workflow(const std::string& transitions, const std::string& extra_states = "") {
    return "workflow:\n"                 // 5
           "  initial: a\n"              // 6
           "  states:\n"                 // 7
           "    a: {}\n"                 // 8
           "    b: {}\n"                 // 9
           "    c: {final: true}\n"      // 10
           + extra_states +
           "  events:\n"
           "    go: {}\n"
           "    stop: {payload: {score: number}}\n"
           "  transitions:\n" + transitions;
}

}  // namespace

TEST_CASE("workflow load: a valid workflow loads") {
    auto r = Engine::load_string(kHeader + workflow("    - {from: a, on: go, to: b}\n"
                                                    "    - {from: b, on: stop, to: c}\n"),
                                 "wf.yaml");
    CHECK_MESSAGE(r.ok(), dump(r.diagnostics()));
}

TEST_CASE("workflow load: unknown states and events (E0701, E0702)") {
    // Lines 11-14 are events; transitions start on line 15.
    //                   col: 1234567890123456789012345678901
    auto ds = load_errors(workflow("    - {from: a, on: go, to: x}\n"        // 15: x at column 29
                                   "    - {from: b, on: jump, to: c}\n"      // 16: jump at column 21
                                   "    - {from: [b, q], on: stop, to: c}\n"));  // 17: q at column 18
    CHECK_MESSAGE(has(ds, "E0701", 15, 29), dump(ds));
    CHECK_MESSAGE(has(ds, "E0702", 16, 21), dump(ds));
    CHECK_MESSAGE(has(ds, "E0701", 17, 18), dump(ds));
    for (const auto& d : ds)
        if (d.code == "E0701") CHECK(d.message.find("states: a, b, c") != std::string::npos);

    auto init = load_errors("workflow:\n  initial: z\n  states: {a: {final: true}}\n  events: {go: {}}\n  transitions: []\n");
    CHECK_MESSAGE(has(init, "E0701", 6, 12), dump(init));
}

TEST_CASE("workflow load: unreachable states (E0703) and states with no way out (E0704)") {
    // d (line 11) has a transition out but none in.
    auto unreachable = load_errors(workflow("    - {from: a, on: go, to: b}\n"
                                            "    - {from: b, on: stop, to: c}\n"
                                            "    - {from: d, on: go, to: c}\n",
                                            "    d: {}\n"));
    CHECK_MESSAGE(has(unreachable, "E0703", 11, 5), dump(unreachable));
    CHECK(unreachable.size() == 1);

    // b (line 9) only loops back to itself; c (line 10) is then unreachable.
    auto stuck = load_errors(workflow("    - {from: a, on: go, to: b}\n"
                                      "    - {from: b, on: stop, to: b}\n"));
    CHECK_MESSAGE(has(stuck, "E0704", 9, 5), dump(stuck));
    CHECK_MESSAGE(has(stuck, "E0703", 10, 5), dump(stuck));
    CHECK(stuck.size() == 2);
}

TEST_CASE("workflow load: two unguarded transitions on one event from one state (E0705)") {
    auto ds = load_errors(workflow("    - {from: a, on: go, to: b}\n"                  // 15
                                   "    - {from: [b, a], on: go, to: c}\n"             // 16: go at column 26
                                   "    - {from: b, on: stop, to: c}\n"));
    CHECK_MESSAGE(has(ds, "E0705", 16, 26), dump(ds));
    CHECK(ds[0].message.find("state 'a'") != std::string::npos);
    CHECK(ds[0].message.find("line 15") != std::string::npos);

    // The other side: a guard on the first makes the second its fallback.
    auto ok = Engine::load_string(kHeader + workflow("    - {from: a, on: go, to: b, when: age >= 65}\n"
                                                     "    - {from: a, on: go, to: c}\n"
                                                     "    - {from: b, on: stop, to: c}\n"),
                                  "wf.yaml");
    CHECK_MESSAGE(ok.ok(), dump(ok.diagnostics()));
}

TEST_CASE("workflow load: an unknown trigger (E0706) and event names in expressions") {
    auto ds = load_errors(workflow("    - from: a\n"                                    // 15
                                   "      on: go\n"                                     // 16
                                   "      to: b\n"                                      // 17
                                   "      actions:\n"                                   // 18
                                   "        - task: {trigger: post_discharge_cal}\n"    // 19: column 27
                                   "    - {from: b, on: stop, to: c}\n"));
    CHECK_MESSAGE(has(ds, "E0706", 19, 27), dump(ds));

    // go declares no payload: event.payload.score is unknown there. `{` is column 7, `when:`
    // 32-36, the expression starts at column 38.
    auto payload = load_errors(workflow("    - {from: a, on: go, to: b, when: event.payload.score > 3}\n"
                                        "    - {from: b, on: stop, to: c}\n"));
    CHECK_MESSAGE(has(payload, "E0402", 15, 38), dump(payload));
    CHECK(payload[0].message.find("declared: none") != std::string::npos);

    // stop declares score as a number: comparing it with a string is a type error, reported
    // at the operator: the expression starts at column 40, `==` at 40 + 20 = 60.
    auto type = load_errors(workflow("    - {from: a, on: go, to: b}\n"
                                     "    - {from: b, on: stop, to: c, when: event.payload.score == \"x\"}\n"));
    CHECK_MESSAGE(has(type, "E0403", 16, 60), dump(type));

    // `event` outside a workflow: `{` is column 5, `anchor:` 13-19, `event` at 21.
    auto trig = Engine::load_string(kHeader + "triggers:\n  - {id: t, anchor: event, due: 1 day after anchor}\n", "wf.yaml");
    REQUIRE_FALSE(trig.ok());
    CHECK_MESSAGE(has(trig.diagnostics(), "E0406", 6, 21), dump(trig.diagnostics()));
}

TEST_CASE("workflow load: one transition on several events reports a mistake once") {
    // `{` is column 7; `when:` 40-44; the expression starts at 46 and `nope` is unknown.
    auto ds = load_errors(workflow("    - {from: a, on: [go, stop], to: b, when: nope}\n"   // 15
                                   "    - {from: b, on: stop, to: c}\n"));
    CHECK_MESSAGE(has(ds, "E0402", 15, 46), dump(ds));
    CHECK(ds.size() == 1);
}

TEST_CASE("workflow load: a task needs an id and a due rule, or a trigger without one") {
    auto ds = load_errors(workflow("    - from: a\n"                                               // 15
                                   "      on: go\n"                                                // 16
                                   "      to: b\n"                                                 // 17
                                   "      actions:\n"                                              // 18
                                   "        - task: {trigger: t1, due: 1 day after event}\n"       // 19: `{` col 17, due value col 36
                                   "        - task: {id: call}\n"                                  // 20: col 17
                                   "    - {from: b, on: stop, to: c}\n"));
    CHECK_MESSAGE(has(ds, "E0304", 19, 36), dump(ds));
    CHECK_MESSAGE(has(ds, "E0302", 20, 17), dump(ds));
}

TEST_CASE("workflow: guards read the patient; due rules count business days from the event") {
    const std::string yaml = kHeader + workflow(
        "    - from: a\n"
        "      on: go\n"
        "      to: b\n"
        "      when: age >= 65\n"
        "      actions:\n"
        "        - task: {id: contact, due: 2 business days after event, reason: \"{event.type} at {event}\"}\n"
        "    - {from: b, on: stop, to: c, when: event.payload.score < 5}\n"
        "    - {from: b, on: stop, to: a}\n");
    auto engine = Engine::load_string(yaml, "wf.yaml");
    REQUIRE_MESSAGE(engine.ok(), dump(engine.diagnostics()));

    Patient p = patient();
    CarePlanRecord start = in_state("a");
    // 65 on the event's date (birthday 1961-05-22): the guard holds.
    p.birth_date = D("1961-05-22");
    auto old = apply_event(*engine, p, start, ev("go", "2026-05-22T15:00"), "wf");
    REQUIRE(old.ok());
    CHECK(old->state.state == "b");
    REQUIRE(old->created.size() == 1);
    // Friday 15:00; Monday 05-25 is Memorial Day: Tuesday is business day 1, Wednesday 2.
    CHECK(due_text(old->created[0]) == "2026-05-27T15:00");
    CHECK(old->created[0].reason == "go at 2026-05-22T15:00");
    // 64 until the next day: the guard does not hold, the event changes nothing.
    p.birth_date = D("1961-05-23");
    auto young = apply_event(*engine, p, start, ev("go", "2026-05-22T15:00"), "wf");
    REQUIRE(young.ok());
    CHECK_FALSE(young->transitioned);
    CHECK(young->state.state == "a");

    // Payload guard: score 4 closes, 5 goes back to a.
    auto four = apply_event(*engine, p, in_state("b"), ev("stop", "2026-05-22T15:00", {{"score", 4.0}}), "wf");
    REQUIRE(four.ok());
    CHECK(four->state.state == "c");
    auto five = apply_event(*engine, p, in_state("b"), ev("stop", "2026-05-22T15:00", {{"score", 5.0}}), "wf");
    REQUIRE(five.ok());
    CHECK(five->state.state == "a");

    // A due rule that needs data the patient does not have: an error naming the field.
    auto unknown_due = Engine::load_string(kHeader + workflow(
        "    - from: a\n"
        "      on: go\n"
        "      to: b\n"
        "      actions:\n"
        "        - task: {id: visit, due: if social.food_insecurity then date(event) else 1 day after date(event)}\n"
        "    - {from: b, on: stop, to: c}\n"), "wf.yaml");
    REQUIRE_MESSAGE(unknown_due.ok(), dump(unknown_due.diagnostics()));
    auto missing = apply_event(*unknown_due, p, start, ev("go", "2026-05-22T15:00"), "wf");
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.diagnostics()[0].code == "E0714");
    CHECK(missing.diagnostics()[0].message.find("social.food_insecurity") != std::string::npos);
    p.social.food_insecurity = false;
    auto known = apply_event(*unknown_due, p, start, ev("go", "2026-05-22T15:00"), "wf");
    REQUIRE(known.ok());
    CHECK(due_text(known->created[0]) == "2026-05-23");

    // A ruleset without a workflow section, or an unknown id.
    auto none = apply_event(*engine, p, start, ev("go", "2026-05-22T15:00"), "care_plan");
    REQUIRE_FALSE(none.ok());
    CHECK(none.diagnostics()[0].code == "E0715");
}

TEST_CASE("workflow: a trigger task uses the trigger version in force at the event's date") {
    // The trigger ruleset starts on 2026-06-01; its anchor is a date, so the event's date
    // anchors it: 3 days after 2026-06-01 is 2026-06-04.
    namespace fs = std::filesystem;
    fs::path dir = fs::temp_directory_path() / ("carecoord_workflow_trigger_test_" + std::to_string(::getpid()));
    fs::create_directories(dir);
    std::ofstream(dir / "wf.yaml") << kHeader + workflow("    - from: a\n"
                                                         "      on: go\n"
                                                         "      to: b\n"
                                                         "      actions: [{task: {trigger: call}}]\n"
                                                         "    - {from: b, on: stop, to: c}\n");
    std::ofstream(dir / "trig.yaml") << "schema_version: 1\nruleset: trig\nversion: 1.0.0\n"
                                        "effective: {from: 2026-06-01, until: null}\n"
                                        "triggers:\n  - {id: call, anchor: as_of, due: 3 days after anchor, action: Call}\n";
    auto engine = Engine::load_directory(dir.string());
    fs::remove_all(dir);
    REQUIRE_MESSAGE(engine.ok(), dump(engine.diagnostics()));
    auto before = apply_event(*engine, patient(), in_state("a"), ev("go", "2026-05-31T23:59"), "wf");
    REQUIRE_FALSE(before.ok());
    CHECK(before.diagnostics()[0].code == "E0716");
    auto on = apply_event(*engine, patient(), in_state("a"), ev("go", "2026-06-01T00:00"), "wf");
    REQUIRE(on.ok());
    REQUIRE(on->created.size() == 1);
    CHECK(on->created[0].id == "call@2026-06-01T00:00");
    CHECK(due_text(on->created[0]) == "2026-06-04");
    CHECK(on->created[0].action == "Call");
}

TEST_CASE("workflow load: tier is not available in a workflow") {
    auto ds = load_errors(workflow("    - {from: a, on: go, to: b, when: tier == \"routine\"}\n"
                                   "    - {from: b, on: stop, to: c}\n"));
    REQUIRE(!ds.empty());
    CHECK(ds[0].code == "E0406");
    CHECK(ds[0].message.find("workflow") != std::string::npos);
}
