// Value-set display names (docs/ruleset-language.md#displays): the loader's checks, each at
// the file:line:col of the entry, and what `explain` prints with and without them. Expected
// titles are ICD-10-CM FY2026 titles (E11.9 "Type 2 diabetes mellitus without
// complications", I10 "Essential (primary) hypertension"), typed from the table, not from
// the program's output.
#include <doctest/doctest.h>

#include <string>
#include <tuple>
#include <vector>

#include "carecoord/carecoord.hpp"
#include "carecoord/fhir.hpp"

using namespace carecoord;
using std::chrono::sys_days;
using std::chrono::year;

namespace {

const std::string kHeader = "schema_version: 1\nruleset: t\nversion: 1.0.0\neffective: {from: 2020-01-01, until: null}\n";
// Line 5 on: one tier rule that counts the value set's codes (so the plan uses it).
const std::string kTiers =
    "tiers:\n  order: [routine, care_coordination]\n  default: routine\n  rules:\n"
    "    - {id: cc, tier: care_coordination, when: 'exists(conditions where code in chronic)', reason: r}\n";

struct Expected {
    const char* code;
    int line, column;
    const char* message;  // a part of the message
};

// The ruleset fails with exactly one diagnostic: the expected one.
void expect_one(const std::string& yaml, const Expected& want) {
    auto r = Engine::load_string(yaml, "t.yaml");
    REQUIRE_FALSE(r.ok());
    std::string all;
    for (const auto& d : r.diagnostics()) all += d.to_string() + "\n";
    CAPTURE(all);
    REQUIRE(r.diagnostics().size() == 1);
    const Diagnostic& d = r.diagnostics()[0];
    CHECK(d.code == want.code);
    CHECK(d.file == "t.yaml");
    CHECK(d.line == want.line);
    CHECK(d.column == want.column);
    CHECK(d.message.find(want.message) != std::string::npos);
}

Patient patient(std::vector<std::pair<const char*, const char*>> codes) {
    Patient p;
    p.id = "x";
    p.birth_date = sys_days{year{1950} / 1 / 1};
    for (const auto& [code, system] : codes) {
        Condition c;
        c.code = code;
        c.system = system;
        c.onset = sys_days{year{2015} / 1 / 1};
        p.conditions.push_back(c);
    }
    return p;
}

const Date kAsOf = sys_days{year{2026} / 11 / 27};

std::string explain_text(const std::string& yaml, const Patient& p, bool facts = false) {
    auto engine = Engine::load_string(yaml, "t.yaml");
    std::string all;
    if (!engine.ok())
        for (const auto& d : engine.diagnostics()) all += d.to_string() + "\n";
    CAPTURE(all);
    REQUIRE(engine.ok());
    auto ex = explain(*engine, p, kAsOf);
    REQUIRE(ex.ok());
    return to_text(*ex, facts);
}

}  // namespace

TEST_CASE("displays: a flat value set and one with categories load, and old value sets are unchanged") {
    // Displays beside categories, for codes of two categories and two systems.
    CHECK(Engine::load_string(kHeader + kTiers +
                                  "valuesets:\n  chronic:\n    categories:\n"
                                  "      diabetes: {icd10cm: [E08-E11], snomed: ['44054006']}\n"
                                  "      hypertension: {icd10cm: [I10]}\n"
                                  "    displays:\n"
                                  "      icd10cm: {E11.9: Type 2 diabetes mellitus without complications, I10: Essential (primary) hypertension}\n"
                                  "      snomed: {'44054006': Diabetes mellitus type 2 (disorder)}\n",
                              "t.yaml")
              .ok());
    CHECK(Engine::load_string(kHeader + kTiers + "valuesets:\n  chronic:\n    icd10cm: [E11]\n    displays: {icd10cm: {E11: Type 2 diabetes mellitus}}\n",
                              "t.yaml")
              .ok());
    CHECK(Engine::load_string(kHeader + kTiers + "valuesets:\n  chronic: {icd10cm: [E11], displays: null}\n", "t.yaml").ok());
    CHECK(Engine::load_string(kHeader + kTiers + "valuesets:\n  chronic: {icd10cm: [E11]}\n", "t.yaml").ok());
}

TEST_CASE("displays: a code the value set does not contain, on both sides of a range and an exclusion") {
    const std::string vs = kHeader + kTiers + "valuesets:\n  chronic:\n    icd10cm: [E08-E11]\n    exclude: {icd10cm: [E11.8]}\n    displays:\n      icd10cm:\n";
    // Line 16 is the display entry, its code at column 9 (line 10 is "valuesets:").
    // E11.9 is in E08-E11 (the range's last category); E13.9 is past it.
    CHECK(Engine::load_string(vs + "        E11.9: Type 2 diabetes mellitus without complications\n", "t.yaml").ok());
    CHECK(Engine::load_string(vs + "        E08.9: Diabetes mellitus due to underlying condition without complications\n", "t.yaml").ok());
    expect_one(vs + "        E13.9: Other specified diabetes mellitus without complications\n",
               {"E0340", 16, 9, "a display for icd10cm code 'E13.9', which value set 'chronic' does not contain"});
    expect_one(vs + "        E07.9: Disorder of thyroid, unspecified\n", {"E0340", 16, 9, "does not contain"});
    expect_one(vs + "        E11.8: Type 2 diabetes mellitus with unspecified complications\n",
               {"E0340", 16, 9, "which value set 'chronic' excludes"});
    // Exact codes (SNOMED CT) match exactly: a prefix of a listed code is not in the set.
    expect_one(kHeader + kTiers + "valuesets:\n  chronic:\n    snomed: ['44054006']\n    displays: {snomed: {'4405400': x}}\n",
               {"E0340", 13, 25, "snomed code '4405400'"});
}

TEST_CASE("displays: shapes, systems and places, each at the entry") {
    const std::string vs = kHeader + kTiers + "valuesets:\n  chronic:\n    icd10cm: [E11]\n";
    // Line 13: "    displays: ..."
    expect_one(vs + "    displays: [E11]\n", {"E0303", 13, 15, "displays must be a mapping of code systems"});
    expect_one(vs + "    displays: {icd10: {E11: Type 2 diabetes mellitus}}\n",
               {"E0301", 13, 16, "value set 'chronic' lists no 'icd10' codes to display (did you mean 'icd10cm'?"});
    expect_one(vs + "    displays: {icd10cm: [E11]}\n", {"E0303", 13, 25, "the displays of 'icd10cm' must be a mapping"});
    expect_one(vs + "    displays: {icd10cm: {E11: [Type 2]}}\n", {"E0303", 13, 31, "the display of 'E11' must be text"});
    expect_one(vs + "    displays: {icd10cm: {E11: ''}}\n", {"E0303", 13, 31, "the display of 'E11' is empty"});
    // In a category or an exclude list: they go at the value set's level.
    expect_one(kHeader + kTiers +
                   "valuesets:\n  chronic:\n    categories:\n      diabetes:\n        icd10cm: [E11]\n        displays: {icd10cm: {E11: x}}\n",
               {"E0301", 15, 9, "displays go at the value set's level"});
    expect_one(vs + "    exclude:\n      icd10cm: [E11.9]\n      displays: {icd10cm: {E11.9: x}}\n",
               {"E0301", 15, 7, "not in exclude"});
}

TEST_CASE("displays: one code, one display across the value sets of a ruleset and its library") {
    const std::string two = kHeader + kTiers +
                            "valuesets:\n  chronic:\n    icd10cm: [E11]\n    displays: {icd10cm: {E11.9: Type 2 diabetes mellitus without complications}}\n"
                            "  diabetes:\n    icd10cm: [E08-E13]\n";
    // The same display twice is fine; written without the dot it is the same code.
    CHECK(Engine::load_string(two + "    displays: {icd10cm: {E119: Type 2 diabetes mellitus without complications}}\n", "t.yaml").ok());
    expect_one(two + "    displays: {icd10cm: {E11.9: Type 2 diabetes}}\n",
               {"E0341", 16, 26, "icd10cm code 'E11.9' has another display at t.yaml:13:26"});
}

TEST_CASE("explain: codes with a display print it in the summary and the facts; codes without keep one line") {
    const std::string rules = kHeader + kTiers +
                              "facts:\n  chronic_list: conditions where code in chronic\n"
                              "valuesets:\n  chronic:\n    categories:\n"
                              "      diabetes: {icd10cm: [E08-E11]}\n      hypertension: {icd10cm: [I10]}\n"
                              "    displays:\n      icd10cm: {E11.9: Type 2 diabetes mellitus without complications}\n";
    std::string text = explain_text(rules, patient({{"E11.9", "icd10cm"}, {"I10", "icd10cm"}, {"J02.9", "icd10cm"}}), true);
    CAPTURE(text);
    CHECK(text.find("  Conditions:\n"
                    "    E11.9      icd10cm  Type 2 diabetes mellitus without complications\n"
                    "                        chronic: diabetes\n"
                    "    I10        icd10cm  chronic: hypertension\n"
                    "    J02.9      icd10cm  (in no value set)\n") != std::string::npos);
    CHECK(text.find("  chronic_list                                 = E11.9 (Type 2 diabetes mellitus without complications), I10\n") !=
          std::string::npos);

    // The same patient without displays: the lines the summary had before.
    const std::string plain = kHeader + kTiers +
                              "facts:\n  chronic_list: conditions where code in chronic\n"
                              "valuesets:\n  chronic:\n    categories:\n"
                              "      diabetes: {icd10cm: [E08-E11]}\n      hypertension: {icd10cm: [I10]}\n";
    text = explain_text(plain, patient({{"E11.9", "icd10cm"}, {"I10", "icd10cm"}}), true);
    CHECK(text.find("  Conditions:\n"
                    "    E11.9      icd10cm  chronic: diabetes\n"
                    "    I10        icd10cm  chronic: hypertension\n") != std::string::npos);
    CHECK(text.find("  chronic_list                                 = E11.9, I10\n") != std::string::npos);

    // A display names one code: E11's title is not shown for E11.65, and the patient's code
    // is printed as the patient wrote it.
    const std::string parent = kHeader + kTiers +
                               "valuesets:\n  chronic:\n    icd10cm: [E11]\n    displays: {icd10cm: {E11: Type 2 diabetes mellitus}}\n";
    text = explain_text(parent, patient({{"E11.65", "icd10cm"}, {"e11", "icd10cm"}}));
    CHECK(text.find("    E11.65     icd10cm  chronic\n") != std::string::npos);
    CHECK(text.find("    e11        icd10cm  Type 2 diabetes mellitus\n") != std::string::npos);
}

TEST_CASE("explain JSON: each condition code with its value sets and, when a value set gives one, its display") {
    auto engine = Engine::load_string(kHeader + kTiers +
                                          "valuesets:\n  chronic:\n    snomed: ['44054006', '38341003']\n"
                                          "    displays: {snomed: {'44054006': Diabetes mellitus type 2 (disorder)}}\n",
                                      "t.yaml");
    REQUIRE(engine.ok());
    auto ex = explain(*engine, patient({{"44054006", "snomed"}, {"38341003", "snomed"}}), kAsOf);
    REQUIRE(ex.ok());
    REQUIRE(ex->codes.size() == 2);
    CHECK(ex->codes[0].display == "Diabetes mellitus type 2 (disorder)");
    CHECK(ex->codes[1].display.empty());
    std::string json = to_json(*ex);
    CHECK(json.find(R"j("codes":[{"code":"44054006","system":"snomed","display":"Diabetes mellitus type 2 (disorder)","valuesets":["chronic"]},)j"
                    R"j({"code":"38341003","system":"snomed","valuesets":["chronic"]}])j") != std::string::npos);
}

TEST_CASE("explain of the default rulesets: ICD-10-CM titles beside the codes (rulesets/common/clinical.yaml)") {
    auto engine = Engine::load_directory(CARECOORD_SOURCE_DIR "/rulesets");
    REQUIRE(engine.ok());
    auto ex = explain(*engine, patient({{"I50.22", "icd10cm"}, {"E11.9", "icd10cm"}}), kAsOf);
    REQUIRE(ex.ok());
    REQUIRE(ex->codes.size() == 2);
    CHECK(ex->codes[0].display == "Chronic systolic (congestive) heart failure");
    CHECK(ex->codes[1].display == "Type 2 diabetes mellitus without complications");
}

namespace {

// A Bundle with one Patient and one Condition per (system URI, code, display).
std::string bundle(std::vector<std::tuple<const char*, const char*, const char*>> codings) {
    std::string out = R"({"resourceType":"Bundle","type":"collection","entry":[)"
                      R"({"resource":{"resourceType":"Patient","id":"p1","birthDate":"1950-01-01"}})";
    int i = 0;
    for (const auto& [system, code, display] : codings) {
        out += R"(,{"resource":{"resourceType":"Condition","id":"c)" + std::to_string(i++) +
               R"(","subject":{"reference":"Patient/p1"},"onsetDateTime":"2015-01-01",)"
               R"("clinicalStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/condition-clinical","code":"active"}]},)"
               R"("code":{"coding":[{"system":")" +
               system + R"(","code":")" + code + R"(","display":")" + display + R"("}]}}})";
    }
    return out + "]}";
}

}  // namespace

TEST_CASE("explain of FHIR input: the coding's display, as recorded, where no value set gives one") {
    const std::string rules = kHeader + kTiers +
                              "facts:\n  chronic_list: conditions where code in chronic\n"
                              "valuesets:\n  chronic:\n    snomed: ['44054006', '38341003']\n"
                              "    displays: {snomed: {'44054006': Diabetes mellitus type 2 (disorder)}}\n";
    // 44054006: the value set's display wins over the EHR's text; 38341003: the value set has
    // none, so the EHR's is shown quoted and marked; the tab in it becomes a space.
    auto p = parse_fhir_bundle(bundle({{"http://snomed.info/sct", "44054006", "Type 2 diabetes"},
                                       {"http://snomed.info/sct", "38341003", "High\\tblood pressure"}}));
    REQUIRE(p.ok());
    REQUIRE(p->conditions.size() == 2);
    CHECK(p->conditions[0].display == "Type 2 diabetes");
    std::string text = explain_text(rules, *p, true);
    CAPTURE(text);
    CHECK(text.find("    44054006   snomed   Diabetes mellitus type 2 (disorder)\n"
                    "                        chronic\n"
                    "    38341003   snomed   \"High blood pressure\" (as recorded)\n"
                    "                        chronic\n") != std::string::npos);
    CHECK(text.find("Type 2 diabetes\"") == std::string::npos);
    CHECK(text.find("  chronic_list                                 = 44054006 (Diabetes mellitus type 2 (disorder)), "
                    "38341003 (\"High blood pressure\" (as recorded))\n") != std::string::npos);

    auto engine = Engine::load_string(rules, "t.yaml");
    REQUIRE(engine.ok());
    auto ex = explain(*engine, *p, kAsOf);
    REQUIRE(ex.ok());
    std::string json = to_json(*ex);
    // JSON keeps the recorded text as it is (escaped), beside the value set's display.
    CHECK(json.find(R"j({"code":"44054006","system":"snomed","display":"Diabetes mellitus type 2 (disorder)","recorded_display":"Type 2 diabetes",)j") !=
          std::string::npos);
    CHECK(json.find(R"j({"code":"38341003","system":"snomed","recorded_display":"High\tblood pressure",)j") != std::string::npos);
}
