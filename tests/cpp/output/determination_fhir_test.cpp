// to_fhir() on hand-built determinations: option checks on both sides of each boundary,
// escaping, empty strings left out (a FHIR string is never empty), the default tier's
// rationale, stable urn:uuid full URLs. The resources are validated against the FHIR R4B
// models in capi/python/cds_tests/test_fhir_output.py.
#include <doctest/doctest.h>

#include <string>

#include "carecoord/determination_fhir.hpp"

using namespace carecoord;

namespace {

Determination sample() {
    Determination d;
    d.patient_id = "p-1.A";
    d.as_of = Date{std::chrono::year{2026} / 11 / 27};
    d.engine_version = "0.1.0";
    d.rulesets = {{"triggers", "1.0.0", "abc123"}};
    d.tier.tier = "routine";
    d.tier.by_default = true;
    ProgramResult p;
    p.id = "ccm";
    p.status = Eligibility::unknown;
    p.missing = {"coverage"};
    d.programs.push_back(p);
    TriggerResult t;
    t.id = "post_discharge_call";
    t.anchor = Date{std::chrono::year{2026} / 11 / 24};
    t.due = Date{std::chrono::year{2026} / 11 / 27};
    t.due_time = DateTime{t.due} + std::chrono::hours{13} + std::chrono::minutes{15};
    t.action = "Call \"soon\"";
    t.reason = "";
    d.triggers.push_back(t);
    return d;
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

std::string code_of(const Result<std::string>& r) { return r.ok() ? "" : r.diagnostics().front().code; }

}  // namespace

TEST_CASE("to_fhir: a default tier, an unknown program and an hour-precise trigger") {
    auto r = to_fhir(sample());
    REQUIRE(r.ok());
    const std::string& s = *r;
    CHECK(s.rfind(R"({"resourceType":"Bundle","type":"transaction","entry":[)", 0) == 0);
    CHECK(contains(s, R"("rationale":"No tier rule matched: the ruleset's default tier.")"));
    CHECK(contains(s, R"("valueCodeableConcept":{"coding":[{"system":"https://carecoord.dev/fhir/CodeSystem/eligibility","code":"unknown"}],"text":"unknown"})"));
    CHECK(contains(s, R"({"text":"missing: coverage"})"));
    // No offset: the due date, and the local time in a note.
    CHECK(contains(s, R"("period":{"start":"2026-11-24","end":"2026-11-27"})"));
    CHECK(contains(s, R"({"text":"due by 2026-11-27 13:15 local time of the care setting"})"));
    CHECK(contains(s, R"("description":"Call \"soon\"")"));
    // The empty reason and program reason are left out, not written as "".
    CHECK_FALSE(contains(s, R"(:"")"));
    CHECK_FALSE(contains(s, "reasonCode"));
    CHECK(contains(s, R"("recorded":"2026-11-27T00:00:00Z")"));
    CHECK(contains(s, R"("value":"triggers|1.0.0")"));
    CHECK(contains(s, R"("valueString":"abc123")"));
    // Same determination, same bytes; full URLs are RFC 9562 version 8, variant 10xx.
    CHECK(*to_fhir(sample()) == s);
    auto at = s.find("urn:uuid:");
    REQUIRE(at != std::string::npos);
    std::string uuid = s.substr(at + 9, 36);
    CHECK(uuid[14] == '8');
    CHECK(std::string("89ab").find(uuid[19]) != std::string::npos);
    Determination other = sample();
    other.patient_id = "p-2";
    CHECK(to_fhir(other)->find(uuid) == std::string::npos);
}

TEST_CASE("to_fhir: the offset makes the due time a dateTime") {
    FhirOutputOptions o;
    o.utc_offset = "+05:45";
    o.care_plan_id = "cp.9";
    o.recorded = "2026-11-27T08:00:00.5-03:00";
    auto r = to_fhir(sample(), o);
    REQUIRE(r.ok());
    CHECK(contains(*r, R"("end":"2026-11-27T13:15:00+05:45")"));
    CHECK(contains(*r, R"("basedOn":[{"reference":"CarePlan/cp.9"}])"));
    CHECK(contains(*r, R"("recorded":"2026-11-27T08:00:00.5-03:00")"));
    CHECK_FALSE(contains(*r, "local time of the care setting"));
}

TEST_CASE("to_fhir: option boundaries") {
    auto with = [](std::string offset, std::string plan, std::string recorded) {
        FhirOutputOptions o;
        o.utc_offset = std::move(offset);
        o.care_plan_id = std::move(plan);
        o.recorded = std::move(recorded);
        return code_of(to_fhir(sample(), o));
    };
    CHECK(with("+14:00", "", "") == "");
    CHECK(with("+14:01", "", "") == "E1003");
    CHECK(with("-12:59", "", "") == "");
    CHECK(with("-12:60", "", "") == "E1003");
    CHECK(with("Z", "", "") == "");
    CHECK(with("z", "", "") == "E1003");
    CHECK(with("+0500", "", "") == "E1003");
    CHECK(with("", std::string(64, 'a'), "") == "");
    CHECK(with("", std::string(65, 'a'), "") == "E1002");
    CHECK(with("", "a_b", "") == "E1002");
    CHECK(with("", "", "2026-11-27T23:59:59Z") == "");
    CHECK(with("", "", "2026-11-27T23:59:60Z") == "E1004");
    CHECK(with("", "", "2026-11-27T24:00:00Z") == "E1004");
    CHECK(with("", "", "2026-02-29T10:00:00Z") == "E1004");
    CHECK(with("", "", "2026-11-27T10:00:00.Z") == "E1004");
    CHECK(with("", "", "2026-11-27T10:00:00") == "E1004");

    Determination d = sample();
    d.patient_id = std::string(64, '9');
    CHECK(to_fhir(d).ok());
    d.patient_id += "9";
    auto bad = to_fhir(d);
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.diagnostics().front().code == "E1001");
    CHECK(bad.diagnostics().front().field_path == "patient_id");
    CHECK(bad.diagnostics().front().message.find(d.patient_id) == std::string::npos);
    d.patient_id = "";
    CHECK(code_of(to_fhir(d)) == "E1001");
    // Every problem at once, each naming its field.
    FhirOutputOptions o;
    o.utc_offset = "x";
    o.care_plan_id = "y/z";
    o.recorded = "w";
    auto all = to_fhir(d, o);
    REQUIRE_FALSE(all.ok());
    CHECK(all.diagnostics().size() == 4);
}
