// Golden bytes of to_json() for hand-built determinations and care-plan records. Every
// expected string is written by hand from docs/determination.md (key order of the table,
// `due_time` null when hours do not count, `facts` only when filled, `deceased` last and null
// for the living) and from the key order documented in carecoord/care_plan.hpp; escaping is
// RFC 8259 section 7: `"` and `\` escaped, \n \r \t by their short forms, every other control
// character below U+0020 as \u00XX (lower-case hex), everything else (DEL, '/', UTF-8
// multi-byte sequences) copied as is.
#include <doctest/doctest.h>

#include <chrono>
#include <string>

#include "carecoord/care_plan.hpp"
#include "carecoord/determination.hpp"

using namespace carecoord;

namespace {

Date ymd(int y, unsigned m, unsigned d) { return Date{std::chrono::year{y} / std::chrono::month{m} / std::chrono::day{d}}; }

DateTime at(Date d, int h, int min) { return DateTime{d} + std::chrono::hours{h} + std::chrono::minutes{min}; }

Determination full() {
    Determination d;
    d.patient_id = "p-1";
    d.as_of = ymd(2026, 11, 27);
    d.engine_version = "0.2.0";
    d.rulesets = {{"intensity", "2.0.0", "aa11"}, {"programs", "1.0.0", "bb22"}};
    d.rulesets_not_in_force = {"triggers"};
    d.tier.tier = "case_management";
    d.tier.by_default = false;
    d.tier.matched = {{"cm_chronic", "4 conditions; threshold 4", "seed_decision_boundaries"},
                      {"cc_chronic", "4 conditions", ""}};
    d.flags = {{"hchn_priority", {{"hchn_rule", "r", "src"}}}};
    ProgramResult ccm;
    ccm.id = "ccm";
    ccm.status = Eligibility::eligible;
    ccm.reason = "ok";
    ccm.source = "facts_ccm";
    ProgramResult tcm;
    tcm.id = "tcm";
    tcm.status = Eligibility::unknown;
    tcm.reason = "no discharge";
    tcm.missing = {"encounters[].disposition", "coverage"};
    d.programs = {ccm, tcm};
    TriggerResult annual;
    annual.id = "annual_reassessment";
    annual.status = TriggerStatus::overdue;
    annual.anchor = ymd(2025, 10, 20);
    annual.due = ymd(2026, 10, 20);
    annual.action = "Complete";
    annual.reason = "Last 2025-10-20";
    annual.source = "facts_reassessment";
    TriggerResult call;
    call.id = "post_discharge_call";
    call.status = TriggerStatus::open;
    call.anchor = ymd(2026, 11, 24);
    call.due = ymd(2026, 11, 27);
    call.due_time = at(ymd(2026, 11, 27), 13, 15);
    call.action = "Call";
    call.reason = "Discharged";
    call.source = "seed";
    d.triggers = {annual, call};
    d.missing = {"social.food_insecurity"};
    return d;
}

}  // namespace

TEST_CASE("to_json: every key of a determination, in the documented order") {
    CHECK(to_json(full()) ==
          R"({"patient_id":"p-1","as_of":"2026-11-27","engine_version":"0.2.0",)"
          R"("rulesets":[{"id":"intensity","version":"2.0.0","sha256":"aa11"},)"
          R"({"id":"programs","version":"1.0.0","sha256":"bb22"}],)"
          R"("rulesets_not_in_force":["triggers"],)"
          R"("tier":{"id":"case_management","by_default":false,"matched":[)"
          R"({"rule":"cm_chronic","reason":"4 conditions; threshold 4","source":"seed_decision_boundaries"},)"
          R"({"rule":"cc_chronic","reason":"4 conditions","source":""}]},)"
          R"("flags":[{"id":"hchn_priority","matched":[{"rule":"hchn_rule","reason":"r","source":"src"}]}],)"
          R"("programs":[{"id":"ccm","status":"eligible","reason":"ok","source":"facts_ccm","missing":[]},)"
          R"({"id":"tcm","status":"unknown","reason":"no discharge","source":"",)"
          R"("missing":["encounters[].disposition","coverage"]}],)"
          R"("triggers":[{"id":"annual_reassessment","status":"overdue","anchor":"2025-10-20","due":"2026-10-20",)"
          R"("due_time":null,"action":"Complete","reason":"Last 2025-10-20","source":"facts_reassessment"},)"
          R"({"id":"post_discharge_call","status":"open","anchor":"2026-11-24","due":"2026-11-27",)"
          R"("due_time":"2026-11-27T13:15","action":"Call","reason":"Discharged","source":"seed"}],)"
          R"("missing":["social.food_insecurity"],"deceased":null})");
}

TEST_CASE("to_json: empty lists, facts when filled, a date of death, not_eligible") {
    Determination d;
    d.as_of = ymd(2026, 11, 27);
    d.deceased = ymd(2026, 11, 26);
    d.tier.tier = "routine";
    d.tier.by_default = false;
    ProgramResult p;
    p.id = "ccm";
    p.status = Eligibility::not_eligible;
    p.reason = "Deceased 2026-11-26";
    d.programs = {p};
    d.facts = {{"active_chronic", "3"}, {"alive", "false"}};
    CHECK(to_json(d) ==
          R"({"patient_id":"","as_of":"2026-11-27","engine_version":"","rulesets":[],"rulesets_not_in_force":[],)"
          R"("tier":{"id":"routine","by_default":false,"matched":[]},"flags":[],)"
          R"("programs":[{"id":"ccm","status":"not_eligible","reason":"Deceased 2026-11-26","source":"","missing":[]}],)"
          R"("triggers":[],"missing":[],"facts":{"active_chronic":"3","alive":"false"},"deceased":"2026-11-26"})");

    // The default tier: by_default true. Facts empty: no "facts" key at all.
    Determination routine;
    routine.as_of = ymd(2026, 1, 1);
    routine.tier.tier = "routine";
    const std::string json = to_json(routine);
    CHECK(json.find(R"("tier":{"id":"routine","by_default":true,"matched":[]})") != std::string::npos);
    CHECK(json.find("facts") == std::string::npos);
    CHECK(json.ends_with(R"("triggers":[],"missing":[],"deceased":null})"));
}

TEST_CASE("to_json: dates on both sides of padding boundaries") {
    Determination d;
    d.as_of = ymd(999, 1, 9);  // a year below 1000 keeps four digits
    d.deceased = ymd(2026, 12, 31);
    TriggerResult t;
    t.anchor = ymd(2026, 10, 10);
    t.due = ymd(2026, 9, 1);
    t.due_time = at(ymd(2026, 9, 1), 0, 0);  // midnight
    d.triggers = {t};
    TriggerResult late = t;
    late.due_time = at(ymd(2026, 9, 1), 23, 59);
    d.triggers.push_back(late);
    const std::string json = to_json(d);
    CHECK(json.starts_with(R"({"patient_id":"","as_of":"0999-01-09",)"));
    CHECK(json.find(R"("anchor":"2026-10-10","due":"2026-09-01","due_time":"2026-09-01T00:00",)") != std::string::npos);
    CHECK(json.find(R"("due_time":"2026-09-01T23:59",)") != std::string::npos);
    CHECK(json.ends_with(R"("deceased":"2026-12-31"})"));
}

TEST_CASE("to_json: escaping of quotes, backslashes, control characters; UTF-8 and DEL copied") {
    Determination d;
    d.as_of = ymd(2026, 11, 27);
    d.tier.tier = "routine";
    // Every byte class at the start, middle and end of a string, and runs between escapes.
    d.patient_id = "\"";
    d.engine_version = "\\";
    d.tier.matched = {
        {"r1", std::string("a\"b\\c\nd\re\tf\x01g\x1fh\x7fi/j\bk\fl") + std::string(1, '\0') + "m", "\"x\""},
        {"r2", "caf\xc3\xa9 \xe2\x80\x94 \xf0\x9f\x98\x80 \x20", "\n"},
    };
    d.missing = {"", "\x1f\x1f", "plain"};
    CHECK(to_json(d) ==
          R"({"patient_id":"\"","as_of":"2026-11-27","engine_version":"\\","rulesets":[],"rulesets_not_in_force":[],)"
          R"("tier":{"id":"routine","by_default":true,"matched":[)"
          R"({"rule":"r1","reason":"a\"b\\c\nd\re\tf\u0001g\u001fh)"
          "\x7f"
          R"(i/j\u0008k\u000cl\u0000m","source":"\"x\""},)"
          R"({"rule":"r2","reason":")"
          "caf\xc3\xa9 \xe2\x80\x94 \xf0\x9f\x98\x80  "
          R"(","source":"\n"}]},)"
          R"("flags":[],"programs":[],"triggers":[],"missing":["","\u001f\u001f","plain"],"deceased":null})");
}

TEST_CASE("to_json: long strings are copied whole around escapes") {
    Determination d;
    d.as_of = ymd(2026, 11, 27);
    const std::string run(5000, 'a');
    d.patient_id = run + "\"" + run;
    const std::string json = to_json(d);
    CHECK(json.starts_with("{\"patient_id\":\"" + run + "\\\"" + run + "\",\"as_of\""));
}

TEST_CASE("to_json(CarePlanRecord): key order, a null last_event and due_time") {
    CarePlanRecord fresh;
    fresh.state = "identified";
    CHECK(to_json(fresh) == R"({"state":"identified","last_event":null,"applied":[],"tasks":[]})");

    CarePlanRecord r;
    r.state = "in_transition";
    r.last_event = at(ymd(2026, 5, 22), 15, 0);
    r.applied = {"discharged@2026-05-22T15:00"};
    CarePlanTask call;
    call.id = "post_discharge_call@2026-05-22T15:00";
    call.task = "post_discharge_call";
    call.event = "discharged";
    call.event_time = at(ymd(2026, 5, 22), 15, 0);
    call.due = ymd(2026, 5, 25);
    call.due_time = at(ymd(2026, 5, 25), 15, 0);
    call.action = "Call \"within\" 72 hours";
    call.reason = "r";
    call.source = "seed_transition_management";
    CarePlanTask contact = call;
    contact.id = "tcm_contact@2026-05-22T15:00";
    contact.task = "tcm_contact";
    contact.due = ymd(2026, 5, 27);
    contact.due_time.reset();
    contact.action = "Contact";
    contact.source = "";
    r.tasks = {call, contact};
    CHECK(to_json(r) ==
          R"({"state":"in_transition","last_event":"2026-05-22T15:00","applied":["discharged@2026-05-22T15:00"],)"
          R"("tasks":[{"id":"post_discharge_call@2026-05-22T15:00","task":"post_discharge_call","event":"discharged",)"
          R"("event_time":"2026-05-22T15:00","due":"2026-05-25","due_time":"2026-05-25T15:00",)"
          R"("action":"Call \"within\" 72 hours","reason":"r","source":"seed_transition_management"},)"
          R"({"id":"tcm_contact@2026-05-22T15:00","task":"tcm_contact","event":"discharged",)"
          R"("event_time":"2026-05-22T15:00","due":"2026-05-27","due_time":null,)"
          R"("action":"Contact","reason":"r","source":""}]})");
}

TEST_CASE("to_json: an escape at every offset of strings around the 8-byte copy step") {
    // The writer copies runs eight bytes at a time; put each kind of byte at each position of
    // strings of 0 to 24 bytes and compare with the escaping spelled out byte by byte.
    const auto spelled = [](const std::string& s) {
        static constexpr char hex[] = "0123456789abcdef";
        std::string out;
        for (unsigned char c : s) {
            if (c == '"') out += "\\\"";
            else if (c == '\\') out += "\\\\";
            else if (c == '\n') out += "\\n";
            else if (c == '\r') out += "\\r";
            else if (c == '\t') out += "\\t";
            else if (c < 0x20) out += std::string("\\u00") + hex[c >> 4] + hex[c & 15];
            else out += static_cast<char>(c);
        }
        return out;
    };
    const std::string specials = std::string("\"\\\n\x01\x1f ") + std::string(1, '\0') + "\x7f\xc3";
    for (std::size_t len = 0; len <= 24; ++len) {
        for (std::size_t at = 0; at < len; ++at) {
            for (char special : specials) {
                std::string s(len, 'x');
                s[at] = special;
                Determination d;
                d.as_of = ymd(2026, 11, 27);
                d.patient_id = s;
                const std::string json = to_json(d);
                CAPTURE(len);
                CAPTURE(at);
                CHECK(json.substr(0, json.find("\",\"as_of\"")) == "{\"patient_id\":\"" + spelled(s));
            }
        }
    }
}
