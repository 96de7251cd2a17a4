// Patient data stays out of errors: documents and events carrying marker values go through
// every error path of the library, and no diagnostic (message, field path, rule id or file)
// may contain a marker. Determinations are output, not errors, and may carry patient data.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "carecoord/carecoord.hpp"

using namespace carecoord;

namespace {

const std::vector<std::string> kMarkers = {"MRKID7731", "MRKCODE1", "MRKPLAN9", "MRKNAME4", "MRKSPEC2", "1911-11-11", "MRKENC5"};

void check_clean(const std::vector<Diagnostic>& ds) {
    for (const auto& d : ds)
        for (const auto& m : kMarkers) {
            INFO("marker " << m << " in: " << d.to_string());
            CHECK(d.message.find(m) == std::string::npos);
            CHECK(d.field_path.find(m) == std::string::npos);
            CHECK(d.rule_id.find(m) == std::string::npos);
            CHECK(d.file.find(m) == std::string::npos);
        }
}

// A valid patient full of markers.
const char* kPatient = R"({"id":"MRKID7731","birth_date":"1911-11-11",
 "coverage":[{"payer":"medicare_ffs","plan":"MRKPLAN9","start":"2020-01-01"}],
 "conditions":[{"code":"MRKCODE1","onset":"2020-01-01"},{"code":"I50.9","onset":"2020-01-01"}],
 "encounters":[{"id":"MRKENC5","class":"inpatient","admit":"2026-11-20T09:00","discharge":"2026-11-24T15:00","disposition":"home"}],
 "care_team":[{"role":"specialist","specialty":"MRKSPEC2"}],
 "medications":[{"code":"860975","name":"MRKNAME4"}]})";

const Date kAsOf = std::chrono::sys_days{std::chrono::year{2026} / 11 / 27};

const Engine& engine() {
    static const Engine e = Engine::load_directory(CARECOORD_SOURCE_DIR "/rulesets").value();
    return e;
}

}  // namespace

TEST_CASE("privacy: malformed documents carrying markers") {
    // Every field of the marker patient made wrong in turn: types, dates, enums, unknown keys.
    const std::vector<std::string> broken = {
        R"({"id":"MRKID7731","birth_date":"MRKCODE1"})",
        R"({"id":"MRKID7731","birth_date":"1911-11-11","conditions":[{"code":"MRKCODE1","onset":"MRKNAME4"}]})",
        R"({"id":"MRKID7731","birth_date":"1911-11-11","coverage":[{"payer":"MRKPLAN9"}]})",
        R"({"id":"MRKID7731","birth_date":"1911-11-11","MRKNAME4":1})",
        R"({"id":"MRKID7731","birth_date":"1911-11-11","encounters":[{"id":"MRKENC5","class":"MRKSPEC2"}]})",
        R"({"id":"MRKID7731","birth_date":"1911-11-11","encounters":[{"id":"MRKENC5","class":"inpatient","admit":"2026-11-20","discharge":"1911-11-11"}]})",
        R"({"id":"MRKID7731","birth_date":"1911-11-11","conditions":[{"code":"MRKCODE1","onset":"2020-01-01","abatement":"1911-11-11"}]})",
        R"({"id":"MRKID7731","birth_date":"1911-11-11","id":"MRKID7731"})",
        R"({"id":"MRKID7731","birth_date":"1911-11-11","social":{"food_insecurity":"MRKNAME4"}})",
        std::string(kPatient) + "MRKCODE1",
    };
    for (const auto& doc : broken) {
        auto r = parse_patient_json(doc);
        CHECK_FALSE(r.ok());
        check_clean(r.diagnostics());
    }
    // The same through YAML: a YAML document may be JSON.
    for (const auto& doc : broken) check_clean(parse_patient_yaml(doc).diagnostics());
}

TEST_CASE("privacy: evaluation errors") {
    auto p = parse_patient_json(kPatient);
    REQUIRE(p.ok());
    // No ruleset in force at an as-of date long before any effective date.
    auto r = engine().evaluate(*p, std::chrono::sys_days{std::chrono::year{1990} / 1 / 1});
    CHECK_FALSE(r.ok());
    check_clean(r.diagnostics());
    // A successful evaluation is output: it may name the patient.
    auto ok = engine().evaluate(*p, kAsOf);
    REQUIRE(ok.ok());
    CHECK(ok->patient_id == "MRKID7731");
}

TEST_CASE("privacy: care-plan events refused") {
    auto p = parse_patient_json(kPatient);
    REQUIRE(p.ok());
    auto start = start_care_plan(engine(), kAsOf);
    REQUIRE(start.ok());
    CarePlanEvent e;
    e.time = DateTime{kAsOf} + std::chrono::hours{9};
    // Not allowed in the initial state.
    e.type = "discharged";
    e.payload["encounter"] = std::string("MRKENC5");
    auto refused = apply_event(engine(), *p, *start, e);
    CHECK_FALSE(refused.ok());
    check_clean(refused.diagnostics());
    // A payload value of the wrong type.
    e.type = "enrolled";
    e.payload.clear();
    e.payload["score"] = std::string("MRKCODE1");
    check_clean(apply_event(engine(), *p, *start, e).diagnostics());
}
