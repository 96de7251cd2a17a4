// Event logs in JSON or YAML (src/workflow/event_log.hpp), the record's JSON, and the shared
// Memorial Day scenario through the C++ API: the same states, tasks and due dates the C,
// Python and C# tests check (tests/data/care-plan/memorial-day-events.yaml works them by hand).
#include <fstream>
#include <iterator>

#include "carecoord/explain.hpp"
#include "workflow/event_log.hpp"
#include "workflow_test_support.hpp"

using namespace wf_test;

namespace {

std::string read(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    REQUIRE_MESSAGE(in.good(), path);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

const std::string kData = CARECOORD_SOURCE_DIR "/tests/data/care-plan/";

Patient memorial_patient() {
    auto p = parse_patient(read(kData + "memorial-day-patient.json"), DocumentFormat::json);
    REQUIRE(p.ok());
    return std::move(p.value());
}

void check_scenario(const CarePlanRecord& r) {
    CHECK(r.state == "in_transition");
    REQUIRE(r.tasks.size() == 3);
    CHECK(r.tasks[0].id == "initial_assessment@2026-05-01T09:00");
    CHECK(r.tasks[0].due == D("2026-05-15"));
    CHECK_FALSE(r.tasks[0].due_time.has_value());
    CHECK(r.tasks[1].id == "post_discharge_call@2026-05-22T15:00");
    CHECK(r.tasks[1].due == D("2026-05-25"));
    REQUIRE(r.tasks[1].due_time.has_value());
    CHECK(*r.tasks[1].due_time == T("2026-05-25T15:00"));
    CHECK(r.tasks[2].id == "tcm_interactive_contact@2026-05-22T15:00");
    CHECK(r.tasks[2].due == D("2026-05-27"));
    CHECK(r.applied.size() == 5);
}

}  // namespace

TEST_CASE("event log: the YAML and JSON forms of the scenario read the same") {
    auto yaml = workflow::parse_event_log(read(kData + "memorial-day-events.yaml"), "events.yaml");
    auto json = workflow::parse_event_log(read(kData + "memorial-day-events.json"), "events.json");
    REQUIRE(yaml.ok());
    REQUIRE(json.ok());
    REQUIRE(yaml->events.size() == 5);
    REQUIRE(json->events.size() == 5);
    CHECK(yaml->workflow == std::optional<std::string>("care_plan"));
    for (std::size_t i = 0; i < 5; ++i) {
        CHECK(yaml->events[i].type == json->events[i].type);
        CHECK(yaml->events[i].time == json->events[i].time);
        CHECK(yaml->events[i].payload == json->events[i].payload);
    }
    CHECK(yaml->events[1].payload.at("plan_changed") == PayloadValue(true));
    CHECK(yaml->events[4].payload.at("encounter") == PayloadValue(std::string("e1")));
    CHECK(yaml->events[4].time == T("2026-05-22T15:00"));
    CHECK(yaml->marks[4].line == 18);  // the discharge is on line 18 of the YAML file
    CHECK(yaml->marks[4].column == 5);
}

TEST_CASE("event log: a bare list with numbers, booleans and quoted strings") {
    auto log = workflow::parse_event_log(
        "- {type: phq9_recorded, time: \"2026-04-01T09:00\", payload: {score: 9.5}}\n"
        "- {type: assessment_completed, time: 2026-04-02T10:00, payload: {plan_changed: false}}\n"
        "- {type: admitted, time: \"2026-04-03T08:00\", payload: {encounter: \"12\"}}\n",
        "log.yaml");
    REQUIRE(log.ok());
    CHECK_FALSE(log->workflow.has_value());
    CHECK(log->events[0].payload.at("score") == PayloadValue(9.5));
    CHECK(log->events[1].payload.at("plan_changed") == PayloadValue(false));
    CHECK(log->events[2].payload.at("encounter") == PayloadValue(std::string("12")));  // quoted: a string
}

TEST_CASE("event log: every error, with its position and field path") {
    auto log = workflow::parse_event_log(
        "events:\n"
        "  - {type: enrolled, time: \"2026-05-01T09:00\", when: now}\n"   // line 2: unknown key
        "  - {time: \"2026-05-02T09:00\"}\n"                              // line 3: no type
        "  - {type: plan_agreed, time: \"2026-02-30T10:00\"}\n"           // line 4: impossible date
        "  - {type: admitted, time: \"2026-05-04T10:00\", payload: [1]}\n"  // line 5: payload a list
        "owner: x\n",                                                     // line 6: unknown key
        "log.yaml");
    REQUIRE_FALSE(log.ok());
    const auto& d = log.diagnostics();
    REQUIRE(d.size() == 5);
    CHECK(d[0].code == "E0719");
    CHECK(d[0].line == 6);
    CHECK(d[1].code == "E0719");
    CHECK(d[1].field_path == "events[0].when");
    CHECK(d[1].line == 2);
    CHECK(d[2].code == "E0718");
    CHECK(d[2].field_path == "events[1].type");
    CHECK(d[3].field_path == "events[2].time");
    CHECK(d[3].line == 4);
    CHECK(d[3].message.find("2026-02-30") == std::string::npos);  // never the value
    CHECK(d[4].field_path == "events[3].payload");
    CHECK_FALSE(workflow::parse_event_log("{events: 3}", "x").ok());
    CHECK_FALSE(workflow::parse_event_log("{workflow: care_plan}", "x").ok());
    CHECK_FALSE(workflow::parse_event_log("[", "x").ok());
}

TEST_CASE("care plan: the shared Memorial Day scenario through the C++ API, replayed twice over") {
    const Patient p = memorial_patient();
    auto log = workflow::parse_event_log(read(kData + "memorial-day-events.yaml"), "events.yaml");
    REQUIRE(log.ok());
    auto once = replay_events(defaults(), p, log->events);
    REQUIRE(once.ok());
    check_scenario(*once);
    std::vector<CarePlanEvent> twice = log->events;
    twice.insert(twice.end(), log->events.begin(), log->events.end());
    auto again = replay_events(defaults(), p, twice);
    REQUIRE(again.ok());
    check_scenario(*again);
    CHECK(to_json(*again) == to_json(*once));
    // The record's JSON, key by key.
    const std::string json = to_json(*once);
    CHECK(json.rfind("{\"state\":\"in_transition\",\"last_event\":\"2026-05-22T15:00\",\"applied\":[\"enrolled@2026-05-01T09:00\",", 0) == 0);
    CHECK(json.find("{\"id\":\"tcm_interactive_contact@2026-05-22T15:00\",\"task\":\"tcm_interactive_contact\","
                    "\"event\":\"discharged\",\"event_time\":\"2026-05-22T15:00\",\"due\":\"2026-05-27\",\"due_time\":null,") !=
          std::string::npos);
    CarePlanRecord empty;
    empty.state = "identified";
    CHECK(to_json(empty) == "{\"state\":\"identified\",\"last_event\":null,\"applied\":[],\"tasks\":[]}");
}

TEST_CASE("care plan: a date payload field given as its text, on both sides of its guard") {
    // `seen` declares `on: date`; the guard compares it with the event's date.
    static const char* kFlow =
        "schema_version: 1\nruleset: mini_flow\nversion: 1.0.0\neffective: {from: 2024-01-01, until: null}\n"
        "description: A date payload.\n"
        "workflow:\n  description: Two states.\n  initial: open\n"
        "  states:\n    open: {description: o}\n    late: {description: l}\n    closed: {description: c, final: true}\n"
        "  events:\n    seen:\n      description: s\n      payload: {on: date}\n    done: {description: d}\n"
        "  transitions:\n"
        "    - {from: open, on: seen, to: late, when: event.payload.on < date(event)}\n"
        "    - {from: [open, late], on: seen, to: open}\n"
        "    - {from: [open, late], on: done, to: closed}\n";
    auto engine = Engine::load_string(kFlow, "mini_flow.yaml");
    REQUIRE_MESSAGE(engine.ok(), (engine.ok() ? "" : engine.diagnostics()[0].to_string()));
    const Patient p = patient();
    auto open = in_state("open");
    // 2026-05-09 is before the event's date 2026-05-10: late; 2026-05-10 is not: stays open.
    auto before = apply_event(*engine, p, open, ev("seen", "2026-05-10T12:00", {{"on", std::string("2026-05-09")}}), "mini_flow");
    REQUIRE(before.ok());
    CHECK(before->state.state == "late");
    auto same = apply_event(*engine, p, open, ev("seen", "2026-05-10T12:00", {{"on", std::string("2026-05-10")}}), "mini_flow");
    REQUIRE(same.ok());
    CHECK(same->state.state == "open");
    auto typed = apply_event(*engine, p, open, ev("seen", "2026-05-10T12:00", {{"on", D("2026-05-09")}}), "mini_flow");
    REQUIRE(typed.ok());
    CHECK(typed->state.state == "late");
    for (const char* bad : {"May 9", "2026-02-30", "2026-05-09T08:00"}) {
        CAPTURE(bad);
        auto r = apply_event(*engine, p, open, ev("seen", "2026-05-10T12:00", {{"on", std::string(bad)}}), "mini_flow");
        REQUIRE_FALSE(r.ok());
        CHECK(r.diagnostics()[0].code == "E0713");
    }
}

TEST_CASE("explain: the text and JSON forms of one explanation") {
    const Patient p = memorial_patient();
    auto ex = explain(defaults(), p, D("2026-05-23"));
    REQUIRE(ex.ok());
    const std::string text = to_text(*ex);
    CHECK(text.rfind("Patient cp-memorial as of 2026-05-23\n", 0) == 0);
    CHECK(text.find("\nTier: ") != std::string::npos);
    CHECK(text.find("due 2026-05-25 at 15:00 (from 2026-05-22)") != std::string::npos);
    const std::string json = to_json(*ex);
    CHECK(json.rfind("{\"determination\":{\"patient_id\":\"cp-memorial\",", 0) == 0);
    CHECK(json.find("\"facts\":{") != std::string::npos);
    CHECK(json.find(",\"rules\":[{\"kind\":\"tier\",") != std::string::npos);
    CHECK(json.back() == '}');
    // Every rule of the explanation appears in the JSON, in order.
    std::size_t at = 0;
    for (const auto& r : ex->rules) {
        at = json.find("{\"kind\":\"" + r.kind + "\",\"id\":\"" + r.id + "\"", at);
        CHECK_MESSAGE(at != std::string::npos, r.id);
    }
}
