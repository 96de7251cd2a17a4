/* The C interface, function by function: success paths, failure paths, NULL arguments,
 * bad documents and free order. Expectations come from the default rulesets' rules
 * (rulesets/) and docs/patient-schema.md, not from earlier output.
 *
 * Usage: capi_test SOURCE_DIR */
#include "carecoord.h"
#include "check.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


static const char* source_dir;
static char rulesets_path[4096];

static char* read_file(const char* rel, size_t* len) { return read_path(source_dir, rel, len); }

static const char* kMiniRuleset =
    "schema_version: 1\n"
    "ruleset: mini\n"
    "version: 1.0.0\n"
    "effective: {from: 2020-01-01, until: null}\n"
    "description: One rule.\n"
    "tiers:\n"
    "  order: [routine, case_management]\n"
    "  default: routine\n"
    "  rules:\n"
    "    - id: food\n"
    "      tier: case_management\n"
    "      when: social.food_insecurity\n"
    "      reason: \"Food insecurity\"\n";

static int find_program(const carecoord_result* r, const char* id) {
    size_t i;
    for (i = 0; i < carecoord_result_program_count(r); ++i)
        if (strcmp(carecoord_result_program_id(r, i), id) == 0) return (int)i;
    return -1;
}

static int find_trigger(const carecoord_result* r, const char* id) {
    size_t i;
    for (i = 0; i < carecoord_result_trigger_count(r); ++i)
        if (strcmp(carecoord_result_trigger_id(r, i), id) == 0) return (int)i;
    return -1;
}

static int has_flag(const carecoord_result* r, const char* id) {
    size_t i;
    for (i = 0; i < carecoord_result_flag_count(r); ++i)
        if (strcmp(carecoord_result_flag_id(r, i), id) == 0) return 1;
    return 0;
}

static int has_tier_rule(const carecoord_result* r, const char* id) {
    size_t i;
    for (i = 0; i < carecoord_result_tier_rule_count(r); ++i)
        if (strcmp(carecoord_result_tier_rule_id(r, i), id) == 0) return 1;
    return 0;
}

static void test_versions(void) {
    char expected[64];
    snprintf(expected, sizeof expected, "%d.%d.%d", CARECOORD_VERSION_MAJOR, CARECOORD_VERSION_MINOR,
             CARECOORD_VERSION_PATCH);
    CHECK_STR(carecoord_version(), expected);
    CHECK(carecoord_version_number() == CARECOORD_VERSION_NUMBER);
    /* rulesets/ declare schema_version 1, which this library must accept */
    CHECK(carecoord_schema_version_min() <= 1);
    CHECK(carecoord_schema_version_max() >= 1);
    CHECK_STR(carecoord_status_name(CARECOORD_OK), "ok");
    CHECK_STR(carecoord_status_name(CARECOORD_ERR_NOMEM), "nomem");
    CHECK_STR(carecoord_status_name(999), "unknown");
}

static void test_free_null(void) {
    carecoord_engine_free(NULL);
    carecoord_patient_free(NULL);
    carecoord_result_free(NULL);
    carecoord_error_free(NULL);
    CHECK(1);
}

static void test_null_handles_in_getters(void) {
    CHECK(carecoord_result_json(NULL) == NULL);
    CHECK(carecoord_result_tier(NULL) == NULL);
    CHECK(carecoord_result_patient_id(NULL) == NULL);
    CHECK(carecoord_result_as_of(NULL) == NULL);
    CHECK(carecoord_result_tier_by_default(NULL) == 0);
    CHECK(carecoord_result_tier_rule_count(NULL) == 0);
    CHECK(carecoord_result_tier_rule_id(NULL, 0) == NULL);
    CHECK(carecoord_result_tier_rule_reason(NULL, 0) == NULL);
    CHECK(carecoord_result_flag_count(NULL) == 0);
    CHECK(carecoord_result_flag_id(NULL, 0) == NULL);
    CHECK(carecoord_result_program_count(NULL) == 0);
    CHECK(carecoord_result_program_id(NULL, 0) == NULL);
    CHECK(carecoord_result_program_status(NULL, 0) == CARECOORD_ELIGIBILITY_INVALID);
    CHECK(carecoord_result_program_status_name(NULL, 0) == NULL);
    CHECK(carecoord_result_program_reason(NULL, 0) == NULL);
    CHECK(carecoord_result_program_source(NULL, 0) == NULL);
    CHECK(carecoord_result_program_missing_count(NULL, 0) == 0);
    CHECK(carecoord_result_program_missing(NULL, 0, 0) == NULL);
    CHECK(carecoord_result_trigger_count(NULL) == 0);
    CHECK(carecoord_result_trigger_id(NULL, 0) == NULL);
    CHECK(carecoord_result_trigger_status(NULL, 0) == CARECOORD_TRIGGER_INVALID);
    CHECK(carecoord_result_trigger_status_name(NULL, 0) == NULL);
    CHECK(carecoord_result_trigger_anchor(NULL, 0) == NULL);
    CHECK(carecoord_result_trigger_due(NULL, 0) == NULL);
    CHECK(carecoord_result_trigger_due_time(NULL, 0) == NULL);
    CHECK(carecoord_result_trigger_action(NULL, 0) == NULL);
    CHECK(carecoord_result_trigger_reason(NULL, 0) == NULL);
    CHECK(carecoord_result_missing_count(NULL) == 0);
    CHECK(carecoord_result_missing(NULL, 0) == NULL);
    CHECK(carecoord_result_deceased(NULL) == NULL);
    CHECK(carecoord_engine_ruleset_count(NULL) == 0);
    CHECK(carecoord_engine_ruleset_id(NULL, 0) == NULL);
    CHECK(carecoord_engine_ruleset_version(NULL, 0) == NULL);
    CHECK(carecoord_engine_ruleset_effective_from(NULL, 0) == NULL);
    CHECK_STR(carecoord_error_code(NULL), "");
    CHECK_STR(carecoord_error_message(NULL), "");
    CHECK_STR(carecoord_error_file(NULL), "");
    CHECK_STR(carecoord_error_rule_id(NULL), "");
    CHECK_STR(carecoord_error_field_path(NULL), "");
    CHECK_STR(carecoord_error_string(NULL), "");
    CHECK(carecoord_error_line(NULL) == 0);
    CHECK(carecoord_error_column(NULL) == 0);
    CHECK(carecoord_error_count(NULL) == 0);
    CHECK(carecoord_error_next(NULL) == NULL);
    CHECK(carecoord_error_status(NULL) == CARECOORD_OK);
}

static carecoord_engine* load_default_engine(void) {
    carecoord_engine* engine = (carecoord_engine*)1;
    carecoord_error* err = (carecoord_error*)1;
    carecoord_status st = carecoord_engine_load_path(&engine, rulesets_path, &err);
    CHECK(st == CARECOORD_OK);
    CHECK(err == NULL);
    CHECK(engine != NULL);
    if (st != CARECOORD_OK) {
        fprintf(stderr, "load: %s\n", carecoord_error_string(err));
        exit(1);
    }
    return engine;
}

static void test_engine(void) {
    carecoord_engine* engine = load_default_engine();
    carecoord_engine* bad = (carecoord_engine*)1;
    carecoord_error* err = NULL;
    size_t i, n = carecoord_engine_ruleset_count(engine);
    int saw_intensity_v2 = 0;
    /* rulesets/: intensity 1.0.0 and 2.0.0, programs, triggers and the care_plan workflow
       (libraries are not rulesets) */
    CHECK(n == 5);
    for (i = 0; i < n; ++i)
        if (strcmp(carecoord_engine_ruleset_id(engine, i), "intensity") == 0 &&
            strcmp(carecoord_engine_ruleset_version(engine, i), "2.0.0") == 0) {
            saw_intensity_v2 = 1;
            CHECK_STR(carecoord_engine_ruleset_effective_from(engine, i), "2026-01-01");
        }
    CHECK(saw_intensity_v2);
    CHECK(carecoord_engine_ruleset_id(engine, n) == NULL);
    CHECK(carecoord_engine_ruleset_version(engine, n) == NULL);
    CHECK(carecoord_engine_ruleset_effective_from(engine, n) == NULL);
    carecoord_engine_free(engine);

    /* a path that does not exist */
    CHECK(carecoord_engine_load_path(&bad, "/nonexistent/carecoord-rules", &err) == CARECOORD_ERR_RULESET);
    CHECK(bad == NULL);
    CHECK(err != NULL);
    CHECK(carecoord_error_status(err) == CARECOORD_ERR_RULESET);
    CHECK(strlen(carecoord_error_code(err)) == 5 && carecoord_error_code(err)[0] == 'E');
    carecoord_error_free(err);

    /* NULL arguments: the error names the parameter */
    CHECK(carecoord_engine_load_path(&bad, NULL, &err) == CARECOORD_ERR_ARGUMENT);
    CHECK(bad == NULL);
    CHECK_STR(carecoord_error_field_path(err), "path");
    CHECK_STR(carecoord_error_code(err), "E0901");
    carecoord_error_free(err);
    CHECK(carecoord_engine_load_path(NULL, rulesets_path, &err) == CARECOORD_ERR_ARGUMENT);
    CHECK_STR(carecoord_error_field_path(err), "out");
    carecoord_error_free(err);
    /* err itself may be NULL */
    CHECK(carecoord_engine_load_path(&bad, NULL, NULL) == CARECOORD_ERR_ARGUMENT);
    CHECK(carecoord_engine_load_string(&bad, NULL, 5, "x.yaml", &err) == CARECOORD_ERR_ARGUMENT);
    carecoord_error_free(err);
}

static void test_engine_from_string(void) {
    carecoord_engine* engine = NULL;
    carecoord_patient* patient = NULL;
    carecoord_result* result = NULL;
    carecoord_error* err = NULL;
    char* broken;
    char* at;

    CHECK(carecoord_engine_load_string(&engine, kMiniRuleset, strlen(kMiniRuleset), "mini.yaml", &err) ==
          CARECOORD_OK);
    CHECK(carecoord_engine_ruleset_count(engine) == 1);
    CHECK_STR(carecoord_engine_ruleset_id(engine, 0), "mini");

    CHECK(carecoord_patient_new(&patient, "p-mini", "1950-01-01", &err) == CARECOORD_OK);
    /* social.food_insecurity unknown: the rule does not match, the field is reported missing */
    CHECK(carecoord_evaluate(&result, engine, patient, "2026-11-27", &err) == CARECOORD_OK);
    CHECK_STR(carecoord_result_tier(result), "routine");
    CHECK(carecoord_result_tier_by_default(result) == 1);
    CHECK(carecoord_result_missing_count(result) == 1);
    CHECK_STR(carecoord_result_missing(result, 0), "social.food_insecurity");
    CHECK(carecoord_result_missing(result, 1) == NULL);
    carecoord_result_free(result);

    CHECK(carecoord_patient_set_field(patient, "social.food_insecurity", "true", &err) == CARECOORD_OK);
    CHECK(carecoord_evaluate(&result, engine, patient, "2026-11-27", &err) == CARECOORD_OK);
    CHECK_STR(carecoord_result_tier(result), "case_management");
    CHECK(carecoord_result_tier_by_default(result) == 0);
    CHECK(carecoord_result_tier_rule_count(result) == 1);
    CHECK_STR(carecoord_result_tier_rule_id(result, 0), "food");
    CHECK_STR(carecoord_result_tier_rule_reason(result, 0), "Food insecurity");
    CHECK(carecoord_result_tier_rule_id(result, 1) == NULL);
    CHECK(carecoord_result_missing_count(result) == 0);
    CHECK(carecoord_result_deceased(result) == NULL);
    carecoord_result_free(result);

    /* died the day before as_of: the lowest tier, no rule, the date of death shown */
    CHECK(carecoord_patient_set_deceased(patient, "2026-11-26", &err) == CARECOORD_OK);
    CHECK(carecoord_evaluate(&result, engine, patient, "2026-11-27", &err) == CARECOORD_OK);
    CHECK_STR(carecoord_result_deceased(result), "2026-11-26");
    CHECK_STR(carecoord_result_tier(result), "routine");
    CHECK(carecoord_result_tier_rule_count(result) == 0);
    CHECK(strstr(carecoord_result_json(result), "\"deceased\":\"2026-11-26\"") != NULL);
    carecoord_result_free(result);
    /* a death the day after as_of is not known yet */
    CHECK(carecoord_patient_set_deceased(patient, "2026-11-28", &err) == CARECOORD_OK);
    CHECK(carecoord_evaluate(&result, engine, patient, "2026-11-27", &err) == CARECOORD_OK);
    CHECK(carecoord_result_deceased(result) == NULL);
    CHECK_STR(carecoord_result_tier(result), "case_management");
    CHECK(strstr(carecoord_result_json(result), "\"deceased\":null") != NULL);
    carecoord_result_free(result);
    CHECK(carecoord_patient_set_deceased(patient, NULL, &err) == CARECOORD_OK);

    /* before the ruleset's effective date nothing is in force */
    CHECK(carecoord_evaluate(&result, engine, patient, "2019-12-31", &err) == CARECOORD_ERR_EVALUATION);
    CHECK(result == NULL);
    CHECK_STR(carecoord_error_code(err), "E0501");
    carecoord_error_free(err);
    carecoord_patient_free(patient);
    carecoord_engine_free(engine);

    /* an unknown field in a rule: E0402 with file, line, column and the rule */
    broken = malloc(strlen(kMiniRuleset) + 16);
    strcpy(broken, kMiniRuleset);
    at = strstr(broken, "food_insecurity");
    memcpy(at, "food_insecurit_", 15);
    engine = (carecoord_engine*)1;
    CHECK(carecoord_engine_load_string(&engine, broken, strlen(broken), "broken.yaml", &err) == CARECOORD_ERR_RULESET);
    CHECK(engine == NULL);
    CHECK_STR(carecoord_error_code(err), "E0402");
    CHECK_STR(carecoord_error_file(err), "broken.yaml");
    CHECK(carecoord_error_line(err) == 12);  /* the `when:` line of the rule */
    CHECK(carecoord_error_column(err) > 0);
    CHECK_STR(carecoord_error_rule_id(err), "food");
    CHECK(strncmp(carecoord_error_string(err), "broken.yaml:12:", 15) == 0);
    carecoord_error_free(err);
    free(broken);

    /* not YAML at all; the name defaults to "<string>" */
    CHECK(carecoord_engine_load_string(&engine, "a: [", 4, NULL, &err) == CARECOORD_ERR_RULESET);
    CHECK_STR(carecoord_error_file(err), "<string>");
    carecoord_error_free(err);
}

static void test_parse(void) {
    carecoord_patient* patient = (carecoord_patient*)1;
    carecoord_error* err = NULL;
    const carecoord_error* e;
    size_t len;
    char* text = read_file("examples/patients/dual_ltc_placement.json", &len);
    static const char bad_json[] = "{\"id\": \"p-9\", \"birth_date\": \"2025-02-30\", \"sex\": \"F\"}";
    static const char bad_yaml[] = "id: p-9\nbirth_date: 1950-01-01\nconditions:\n  - {code: E11.9, onset: 2020-13-01}\n";

    CHECK(carecoord_patient_parse(&patient, text, len, CARECOORD_FORMAT_JSON, &err) == CARECOORD_OK);
    CHECK(patient != NULL && err == NULL);
    carecoord_patient_free(patient);
    free(text);

    /* two errors, both reported, with codes and field paths, and never the values */
    CHECK(carecoord_patient_parse(&patient, bad_json, strlen(bad_json), CARECOORD_FORMAT_JSON, &err) ==
          CARECOORD_ERR_PATIENT);
    CHECK(patient == NULL);
    CHECK(carecoord_error_count(err) == 2);
    CHECK(carecoord_error_status(err) == CARECOORD_ERR_PATIENT);
    for (e = err; e; e = carecoord_error_next(e)) {
        CHECK(strstr(carecoord_error_message(e), "2025-02-30") == NULL);
        CHECK(strstr(carecoord_error_string(e), "p-9") == NULL);
        CHECK(carecoord_error_status(e) == CARECOORD_ERR_PATIENT);
        if (strcmp(carecoord_error_field_path(e), "birth_date") == 0) CHECK_STR(carecoord_error_code(e), "E0204");
        else if (strcmp(carecoord_error_field_path(e), "sex") == 0) CHECK_STR(carecoord_error_code(e), "E0207");
        else CHECK(!"unexpected field path");
    }
    carecoord_error_free(err);

    /* YAML diagnostics carry line and column */
    CHECK(carecoord_patient_parse(&patient, bad_yaml, strlen(bad_yaml), CARECOORD_FORMAT_YAML, &err) ==
          CARECOORD_ERR_PATIENT);
    CHECK(carecoord_error_count(err) == 1);
    CHECK_STR(carecoord_error_code(err), "E0204");
    CHECK_STR(carecoord_error_field_path(err), "conditions[0].onset");
    CHECK(carecoord_error_line(err) == 4);
    CHECK(carecoord_error_column(err) > 0);
    carecoord_error_free(err);

    /* syntax error; empty document */
    CHECK(carecoord_patient_parse(&patient, "{\"id\":", 6, CARECOORD_FORMAT_JSON, &err) == CARECOORD_ERR_PATIENT);
    CHECK_STR(carecoord_error_code(err), "E0201");
    carecoord_error_free(err);
    CHECK(carecoord_patient_parse(&patient, NULL, 0, CARECOORD_FORMAT_JSON, &err) == CARECOORD_ERR_PATIENT);
    CHECK_STR(carecoord_error_code(err), "E0201");
    carecoord_error_free(err);

    /* arguments */
    CHECK(carecoord_patient_parse(&patient, NULL, 3, CARECOORD_FORMAT_JSON, &err) == CARECOORD_ERR_ARGUMENT);
    CHECK_STR(carecoord_error_field_path(err), "text");
    carecoord_error_free(err);
    CHECK(carecoord_patient_parse(&patient, "{}", 2, 7, &err) == CARECOORD_ERR_ARGUMENT);
    CHECK_STR(carecoord_error_field_path(err), "format");
    carecoord_error_free(err);
    CHECK(carecoord_patient_parse(NULL, "{}", 2, CARECOORD_FORMAT_JSON, &err) == CARECOORD_ERR_ARGUMENT);
    carecoord_error_free(err);
}

/* Builds the patient of the issue: Medicare FFS, four distinct active chronic condition
 * categories (diabetes E11.9, hypertension I10, heart failure I50.22, CKD N18.31), and a
 * discharge home from an inpatient stay on Wednesday 2026-11-25 at 15:00. */
static carecoord_patient* build_four_condition_patient(void) {
    carecoord_patient* p = NULL;
    carecoord_error* err = NULL;
    CHECK(carecoord_patient_new(&p, "p-4cc", "1950-06-15", &err) == CARECOORD_OK);
    CHECK(carecoord_patient_set_sex(p, "male", &err) == CARECOORD_OK);
    CHECK(carecoord_patient_add_coverage(p, "medicare_ffs", NULL, "2015-06-01", NULL, &err) == CARECOORD_OK);
    CHECK(carecoord_patient_add_condition(p, "E11.9", NULL, NULL, "2010-01-01", NULL, &err) == CARECOORD_OK);
    CHECK(carecoord_patient_add_condition(p, "I10", "icd10cm", "active", "2012-01-01", NULL, &err) == CARECOORD_OK);
    CHECK(carecoord_patient_add_condition(p, "I50.22", NULL, NULL, "2020-01-01", NULL, &err) == CARECOORD_OK);
    CHECK(carecoord_patient_add_condition(p, "N18.31", NULL, NULL, "2021-01-01", NULL, &err) == CARECOORD_OK);
    CHECK(carecoord_patient_set_field(p, "conditions[3].recorded", "2021-01-05", &err) == CARECOORD_OK);
    CHECK(carecoord_patient_add_encounter(p, "inpatient", "2026-11-20T08:00", "2026-11-25T15:00", &err) ==
          CARECOORD_OK);
    CHECK(carecoord_patient_set_field(p, "encounters[0].disposition", "home", &err) == CARECOORD_OK);
    CHECK(carecoord_patient_set_field(p, "encounters[0].complexity", "high", &err) == CARECOORD_OK);
    CHECK(carecoord_patient_set_field(p, "encounters[0].emergent", "true", &err) == CARECOORD_OK);
    CHECK(carecoord_patient_set_field(p, "encounters[0].id", "enc-1", &err) == CARECOORD_OK);
    CHECK(carecoord_patient_set_field(p, "encounters[0].diagnosis", "I50.23", &err) == CARECOORD_OK);
    CHECK(carecoord_patient_add_care_team_member(p, "pcp", "internal_medicine", &err) == CARECOORD_OK);
    CHECK(carecoord_patient_add_medication(p, "860975", NULL, "metformin", NULL, &err) == CARECOORD_OK);
    CHECK(carecoord_patient_add_medication_event(p, 0, "started", "2010-01-01", &err) == CARECOORD_OK);
    CHECK(carecoord_patient_add_observation(p, "phq9", NULL, "2026-10-01", 4.0, 1, &err) == CARECOORD_OK);
    CHECK(carecoord_patient_add_observation(p, "4548-4", NULL, "2026-10-01", 0.0, 0, &err) == CARECOORD_OK);
    CHECK(carecoord_patient_set_field(p, "social.housing_instability", "false", &err) == CARECOORD_OK);
    CHECK(carecoord_patient_set_field(p, "social.social_support", "reliable", &err) == CARECOORD_OK);
    CHECK(carecoord_patient_set_field(p, "language.preferred", "en", &err) == CARECOORD_OK);
    CHECK(carecoord_patient_set_field(p, "care_plan.state", "active", &err) == CARECOORD_OK);
    CHECK(carecoord_patient_set_field(p, "ltc_placement.expected_stay_days", "0", &err) == CARECOORD_OK);
    return p;
}

static void test_builder_and_evaluate(void) {
    carecoord_engine* engine = load_default_engine();
    carecoord_patient* p = build_four_condition_patient();
    carecoord_result* r = NULL;
    carecoord_result* r2 = NULL;
    carecoord_error* err = NULL;
    int ccm, call, contact;

    CHECK(carecoord_evaluate(&r, engine, p, "2026-11-27", &err) == CARECOORD_OK);
    CHECK(err == NULL);
    CHECK_STR(carecoord_result_patient_id(r), "p-4cc");
    CHECK_STR(carecoord_result_as_of(r), "2026-11-27");
    /* intensity-v2: 4 chronic categories >= case_management_min_conditions (4) */
    CHECK_STR(carecoord_result_tier(r), "case_management");
    CHECK(carecoord_result_tier_by_default(r) == 0);
    CHECK(has_tier_rule(r, "cm_chronic_conditions"));
    /* hchn_priority: 3 or more categories */
    CHECK(has_flag(r, "hchn_priority"));
    CHECK(carecoord_result_flag_id(r, carecoord_result_flag_count(r)) == NULL);
    /* ccm: Medicare, chronic_count >= 2 */
    ccm = find_program(r, "ccm");
    CHECK(ccm >= 0);
    CHECK(carecoord_result_program_status(r, (size_t)ccm) == CARECOORD_ELIGIBLE);
    CHECK_STR(carecoord_result_program_status_name(r, (size_t)ccm), "eligible");
    CHECK(strlen(carecoord_result_program_reason(r, (size_t)ccm)) > 0);
    CHECK_STR(carecoord_result_program_source(r, (size_t)ccm), "facts_ccm");
    CHECK(carecoord_result_program_missing_count(r, (size_t)ccm) == 0);
    CHECK(carecoord_result_program_missing(r, (size_t)ccm, 0) == NULL);
    CHECK(carecoord_result_program_id(r, carecoord_result_program_count(r)) == NULL);
    CHECK(carecoord_result_program_status(r, carecoord_result_program_count(r)) == CARECOORD_ELIGIBILITY_INVALID);
    /* post_discharge_call: 72 clock hours after 2026-11-25T15:00 */
    call = find_trigger(r, "post_discharge_call");
    CHECK(call >= 0);
    if (call >= 0) {
        CHECK_STR(carecoord_result_trigger_due(r, (size_t)call), "2026-11-28");
        CHECK_STR(carecoord_result_trigger_due_time(r, (size_t)call), "2026-11-28T15:00");
        CHECK_STR(carecoord_result_trigger_anchor(r, (size_t)call), "2026-11-25");
        CHECK(carecoord_result_trigger_status(r, (size_t)call) == CARECOORD_TRIGGER_OPEN);
        CHECK_STR(carecoord_result_trigger_status_name(r, (size_t)call), "open");
        CHECK(strlen(carecoord_result_trigger_action(r, (size_t)call)) > 0);
        CHECK(strlen(carecoord_result_trigger_reason(r, (size_t)call)) > 0);
    }
    /* tcm_interactive_contact: 2 business days after Wed 2026-11-25, skipping Thanksgiving
     * (Thu 26) and the weekend: Fri 27 is the first, Mon 30 the second */
    contact = find_trigger(r, "tcm_interactive_contact");
    CHECK(contact >= 0);
    if (contact >= 0) {
        CHECK_STR(carecoord_result_trigger_due(r, (size_t)contact), "2026-11-30");
        CHECK(carecoord_result_trigger_due_time(r, (size_t)contact) == NULL);
    }
    CHECK(carecoord_result_trigger_id(r, carecoord_result_trigger_count(r)) == NULL);
    CHECK(carecoord_result_trigger_due_time(r, carecoord_result_trigger_count(r)) == NULL);
    CHECK(carecoord_result_trigger_status(r, carecoord_result_trigger_count(r)) == CARECOORD_TRIGGER_INVALID);
    /* JSON: the same determination, with the fields the getters gave */
    CHECK(strncmp(carecoord_result_json(r), "{\"patient_id\":\"p-4cc\",\"as_of\":\"2026-11-27\"", 42) == 0);
    CHECK(strstr(carecoord_result_json(r), "\"id\":\"case_management\"") != NULL);

    /* the ymd form gives the same determination */
    CHECK(carecoord_evaluate_ymd(&r2, engine, p, 2026, 11, 27, &err) == CARECOORD_OK);
    CHECK_STR(carecoord_result_json(r2), carecoord_result_json(r));
    carecoord_result_free(r2);

    /* after 72 hours the call is overdue (as_of 2026-11-29 is after the due date) */
    CHECK(carecoord_evaluate_ymd(&r2, engine, p, 2026, 11, 29, &err) == CARECOORD_OK);
    call = find_trigger(r2, "post_discharge_call");
    CHECK(call >= 0 && carecoord_result_trigger_status(r2, (size_t)call) == CARECOORD_TRIGGER_OVERDUE);
    carecoord_result_free(r2);

    /* under the 2025 rules (intensity-v1) the evaluation still succeeds */
    CHECK(carecoord_evaluate(&r2, engine, p, "2025-06-01", &err) == CARECOORD_OK);
    CHECK(strstr(carecoord_result_json(r2), "\"version\":\"1.0.0\"") != NULL);
    carecoord_result_free(r2);

    /* free order: the engine and the patient go first, the result stays readable */
    carecoord_engine_free(engine);
    carecoord_patient_free(p);
    CHECK_STR(carecoord_result_tier(r), "case_management");
    CHECK(strstr(carecoord_result_json(r), "post_discharge_call") != NULL);
    carecoord_result_free(r);
}

static void test_evaluate_errors(void) {
    carecoord_engine* engine = load_default_engine();
    carecoord_patient* p = NULL;
    carecoord_result* r = (carecoord_result*)1;
    carecoord_error* err = NULL;
    CHECK(carecoord_patient_new(&p, "p-1", "1960-01-01", &err) == CARECOORD_OK);

    CHECK(carecoord_evaluate(&r, NULL, p, "2026-11-27", &err) == CARECOORD_ERR_ARGUMENT);
    CHECK(r == NULL);
    CHECK_STR(carecoord_error_field_path(err), "engine");
    carecoord_error_free(err);
    CHECK(carecoord_evaluate(&r, engine, NULL, "2026-11-27", &err) == CARECOORD_ERR_ARGUMENT);
    CHECK_STR(carecoord_error_field_path(err), "patient");
    carecoord_error_free(err);
    CHECK(carecoord_evaluate(&r, engine, p, NULL, &err) == CARECOORD_ERR_ARGUMENT);
    CHECK_STR(carecoord_error_field_path(err), "as_of");
    carecoord_error_free(err);
    CHECK(carecoord_evaluate(NULL, engine, p, "2026-11-27", &err) == CARECOORD_ERR_ARGUMENT);
    CHECK_STR(carecoord_error_field_path(err), "out");
    carecoord_error_free(err);
    CHECK(carecoord_evaluate(&r, engine, p, "2026-13-01", &err) == CARECOORD_ERR_ARGUMENT);
    CHECK_STR(carecoord_error_field_path(err), "as_of");
    CHECK_STR(carecoord_error_code(err), "E0902");
    carecoord_error_free(err);
    CHECK(carecoord_evaluate(&r, engine, p, "27/11/2026", NULL) == CARECOORD_ERR_ARGUMENT);
    CHECK(carecoord_evaluate_ymd(&r, engine, p, 2026, 2, 30, &err) == CARECOORD_ERR_ARGUMENT);
    CHECK_STR(carecoord_error_field_path(err), "as_of");
    carecoord_error_free(err);
    CHECK(carecoord_evaluate_ymd(&r, engine, p, 2026, 0, 1, NULL) == CARECOORD_ERR_ARGUMENT);
    /* no ruleset in force in 1990 */
    CHECK(carecoord_evaluate_ymd(&r, engine, p, 1990, 1, 1, &err) == CARECOORD_ERR_EVALUATION);
    CHECK(r == NULL);
    CHECK_STR(carecoord_error_code(err), "E0501");
    carecoord_error_free(err);

    carecoord_patient_free(p);
    carecoord_engine_free(engine);
}

static void expect_builder_error(carecoord_status st, carecoord_error* err, const char* code, const char* path) {
    CHECK(st == CARECOORD_ERR_PATIENT);
    CHECK_STR(carecoord_error_code(err), code);
    CHECK_STR(carecoord_error_field_path(err), path);
    if (strcmp(carecoord_error_code(err), code) != 0 || strcmp(carecoord_error_field_path(err), path) != 0)
        fprintf(stderr, "  got %s at '%s': %s\n", carecoord_error_code(err), carecoord_error_field_path(err),
                carecoord_error_message(err));
    carecoord_error_free(err);
}

static void test_builder_errors(void) {
    carecoord_patient* p = (carecoord_patient*)1;
    carecoord_error* err = NULL;
    carecoord_status st;

    st = carecoord_patient_new(&p, "", "1950-01-01", &err);
    CHECK(p == NULL);
    expect_builder_error(st, err, "E0205", "id");
    st = carecoord_patient_new(&p, NULL, "1950-01-01", &err);
    expect_builder_error(st, err, "E0205", "id");
    st = carecoord_patient_new(&p, "p", NULL, &err);
    expect_builder_error(st, err, "E0205", "birth_date");
    st = carecoord_patient_new(&p, "p", "1950-02-30", &err);
    expect_builder_error(st, err, "E0204", "birth_date");
    CHECK(carecoord_patient_new(NULL, "p", "1950-01-01", &err) == CARECOORD_ERR_ARGUMENT);
    carecoord_error_free(err);

    CHECK(carecoord_patient_new(&p, "p-b", "1950-01-01", &err) == CARECOORD_OK);
    st = carecoord_patient_set_sex(p, "F", &err);
    expect_builder_error(st, err, "E0207", "sex");
    CHECK(carecoord_patient_set_sex(p, NULL, &err) == CARECOORD_OK);
    st = carecoord_patient_set_deceased(p, "1949-12-31", &err);
    expect_builder_error(st, err, "E0208", "deceased");
    CHECK(carecoord_patient_set_deceased(p, NULL, &err) == CARECOORD_OK);

    st = carecoord_patient_add_coverage(p, "medicare", NULL, NULL, NULL, &err);
    expect_builder_error(st, err, "E0207", "coverage[0].payer");
    st = carecoord_patient_add_coverage(p, NULL, NULL, NULL, NULL, &err);
    expect_builder_error(st, err, "E0205", "coverage[0].payer");
    st = carecoord_patient_add_coverage(p, "medicaid", "X", "2025-01-01", "2024-12-31", &err);
    expect_builder_error(st, err, "E0208", "coverage[0].end");
    CHECK(carecoord_patient_add_coverage(p, "medicaid", "X", "2025-01-01", NULL, &err) == CARECOORD_OK);
    /* a refused item was not added: the coverage just added is number 0 */
    CHECK(carecoord_patient_set_field(p, "coverage[0].medicaid_dual", "full", &err) == CARECOORD_OK);
    st = carecoord_patient_set_field(p, "coverage[1].snp", "dual", &err);
    expect_builder_error(st, err, "E0202", "coverage[1].snp");
    st = carecoord_patient_set_field(p, "coverage[0].snp", "d-snp", &err);
    expect_builder_error(st, err, "E0207", "coverage[0].snp");

    st = carecoord_patient_add_condition(p, "", NULL, NULL, NULL, NULL, &err);
    expect_builder_error(st, err, "E0205", "conditions[0].code");
    st = carecoord_patient_add_condition(p, "E11.9", "ICD-10", NULL, NULL, NULL, &err);
    expect_builder_error(st, err, "E0211", "conditions[0].system");
    st = carecoord_patient_add_condition(p, "E11.9", NULL, "chronic", NULL, NULL, &err);
    expect_builder_error(st, err, "E0207", "conditions[0].status");
    st = carecoord_patient_add_condition(p, "E11.9", NULL, NULL, "2020-01-01", "2019-01-01", &err);
    expect_builder_error(st, err, "E0208", "conditions[0].abatement");

    st = carecoord_patient_add_encounter(p, "hospital", NULL, NULL, &err);
    expect_builder_error(st, err, "E0207", "encounters[0].class");
    st = carecoord_patient_add_encounter(p, "inpatient", "2026-01-05T10:00", "2026-01-05T09:00", &err);
    expect_builder_error(st, err, "E0208", "encounters[0].discharge");
    st = carecoord_patient_add_encounter(p, "inpatient", "2026-01-05T24:30", NULL, &err);
    expect_builder_error(st, err, "E0204", "encounters[0].admit");
    CHECK(carecoord_patient_add_encounter(p, "emergency", "2026-01-05", NULL, &err) == CARECOORD_OK);
    st = carecoord_patient_set_field(p, "encounters[0].emergent", "yes", &err);
    expect_builder_error(st, err, "E0203", "encounters[0].emergent");
    st = carecoord_patient_set_field(p, "encounters[0].diagnosis_system", "ICD", &err);
    expect_builder_error(st, err, "E0211", "encounters[0].diagnosis_system");
    st = carecoord_patient_set_field(p, "encounters[0].colour", "red", &err);
    expect_builder_error(st, err, "E0202", "encounters[0].colour");

    st = carecoord_patient_add_care_team_member(p, "nurse", NULL, &err);
    expect_builder_error(st, err, "E0207", "care_team[0].role");

    st = carecoord_patient_add_medication(p, NULL, NULL, NULL, NULL, &err);
    expect_builder_error(st, err, "E0205", "medications[0].code");
    st = carecoord_patient_add_medication(p, "860975", NULL, NULL, "paused", &err);
    expect_builder_error(st, err, "E0207", "medications[0].status");
    st = carecoord_patient_add_medication_event(p, 0, "started", "2020-01-01", &err);
    expect_builder_error(st, err, "E0202", "medications[0]");
    CHECK(carecoord_patient_add_medication(p, "860975", NULL, NULL, NULL, &err) == CARECOORD_OK);
    st = carecoord_patient_add_medication_event(p, 0, "begun", "2020-01-01", &err);
    expect_builder_error(st, err, "E0207", "medications[0].events[0].type");
    st = carecoord_patient_add_medication_event(p, 0, "started", NULL, &err);
    expect_builder_error(st, err, "E0205", "medications[0].events[0].date");

    st = carecoord_patient_add_observation(p, "phq9", NULL, NULL, 3.0, 1, &err);
    expect_builder_error(st, err, "E0205", "observations[0].date");
    st = carecoord_patient_add_observation(p, "phq9", NULL, "2026-01-01", HUGE_VAL, 1, &err);
    expect_builder_error(st, err, "E0211", "observations[0].value");
    /* The ranges of the patient schema (issue 15, facts.md section 7: a PHQ-9 total score is a
     * whole number 0-27), on both sides of each bound. */
    st = carecoord_patient_add_observation(p, "phq9", NULL, "2026-01-01", -1e308, 1, &err);
    expect_builder_error(st, err, "E0211", "observations[0].value");
    st = carecoord_patient_add_observation(p, "phq9", NULL, "2026-01-01", -1.0, 1, &err);
    expect_builder_error(st, err, "E0211", "observations[0].value");
    st = carecoord_patient_add_observation(p, "phq9", NULL, "2026-01-01", 28.0, 1, &err);
    expect_builder_error(st, err, "E0211", "observations[0].value");
    st = carecoord_patient_add_observation(p, "44261-6", NULL, "2026-01-01", 27.5, 1, &err);
    expect_builder_error(st, err, "E0211", "observations[0].value");
    st = carecoord_patient_add_observation(p, "bmi", NULL, "2026-01-01", -0.5, 1, &err);
    expect_builder_error(st, err, "E0211", "observations[0].value");
    CHECK(carecoord_patient_add_observation(p, "phq9", NULL, "2026-01-01", 0.0, 1, &err) == CARECOORD_OK);
    CHECK(carecoord_patient_add_observation(p, "phq9", NULL, "2026-01-01", 27.0, 1, &err) == CARECOORD_OK);
    CHECK(carecoord_patient_add_observation(p, "bmi", NULL, "2026-01-01", 0.0, 1, &err) == CARECOORD_OK);
    /* A LOINC code without a sourced range: any finite value. */
    CHECK(carecoord_patient_add_observation(p, "4548-4", NULL, "2026-01-01", -3.0, 1, &err) == CARECOORD_OK);

    st = carecoord_patient_set_field(p, "social.food", "true", &err);
    expect_builder_error(st, err, "E0202", "social.food");
    st = carecoord_patient_set_field(p, "social.food_insecurity", "True", &err);
    expect_builder_error(st, err, "E0203", "social.food_insecurity");
    st = carecoord_patient_set_field(p, "ltc_placement.expected_stay_days", "-1", &err);
    expect_builder_error(st, err, "E0203", "ltc_placement.expected_stay_days");
    st = carecoord_patient_set_field(p, "ltc_placement.expected_stay_days", "36501", &err);
    expect_builder_error(st, err, "E0211", "ltc_placement.expected_stay_days");
    st = carecoord_patient_set_field(p, "care_plan.enrolled", "2026-02-29", &err);
    expect_builder_error(st, err, "E0204", "care_plan.enrolled");
    CHECK(carecoord_patient_set_field(p, "care_plan.tier", NULL, &err) == CARECOORD_OK);
    st = carecoord_patient_set_field(p, "id", NULL, &err);
    expect_builder_error(st, err, "E0205", "id");
    st = carecoord_patient_set_field(p, "birth_date", NULL, &err);
    expect_builder_error(st, err, "E0205", "birth_date");
    CHECK(carecoord_patient_set_field(p, "deceased", "2020-01-01", &err) == CARECOORD_OK);
    st = carecoord_patient_set_field(p, "birth_date", "2021-01-01", &err);
    expect_builder_error(st, err, "E0208", "deceased");
    st = carecoord_patient_set_field(p, "sex", "M", &err);
    expect_builder_error(st, err, "E0207", "sex");
    CHECK(carecoord_patient_set_field(p, "deceased", NULL, &err) == CARECOORD_OK);
    CHECK(carecoord_patient_set_field(p, "id", "p-b2", &err) == CARECOORD_OK);
    CHECK(carecoord_patient_set_field(p, "birth_date", "1951-01-01", &err) == CARECOORD_OK);
    CHECK(carecoord_patient_set_field(p, "sex", "other", &err) == CARECOORD_OK);
    CHECK(carecoord_patient_set_field(p, NULL, "x", &err) == CARECOORD_ERR_ARGUMENT);
    CHECK_STR(carecoord_error_field_path(err), "path");
    carecoord_error_free(err);
    CHECK(carecoord_patient_set_field(NULL, "social.food_insecurity", "true", &err) == CARECOORD_ERR_ARGUMENT);
    CHECK_STR(carecoord_error_field_path(err), "patient");
    carecoord_error_free(err);
    CHECK(carecoord_patient_set_sex(NULL, "male", NULL) == CARECOORD_ERR_ARGUMENT);
    CHECK(carecoord_patient_add_coverage(NULL, "medicaid", NULL, NULL, NULL, NULL) == CARECOORD_ERR_ARGUMENT);
    CHECK(carecoord_patient_add_condition(NULL, "I10", NULL, NULL, NULL, NULL, NULL) == CARECOORD_ERR_ARGUMENT);
    CHECK(carecoord_patient_add_encounter(NULL, "inpatient", NULL, NULL, NULL) == CARECOORD_ERR_ARGUMENT);
    CHECK(carecoord_patient_add_care_team_member(NULL, "pcp", NULL, NULL) == CARECOORD_ERR_ARGUMENT);
    CHECK(carecoord_patient_add_medication(NULL, "1", NULL, NULL, NULL, NULL) == CARECOORD_ERR_ARGUMENT);
    CHECK(carecoord_patient_add_medication_event(NULL, 0, "started", "2020-01-01", NULL) == CARECOORD_ERR_ARGUMENT);
    CHECK(carecoord_patient_add_observation(NULL, "bmi", NULL, "2020-01-01", 1, 1, NULL) == CARECOORD_ERR_ARGUMENT);
    CHECK(carecoord_patient_set_deceased(NULL, NULL, NULL) == CARECOORD_ERR_ARGUMENT);
    carecoord_patient_free(p);
}

/* A document and the builder describe the same patient: same determination. */
static void test_builder_matches_document(void) {
    static const char doc[] =
        "{\"id\": \"p-same\", \"birth_date\": \"1950-06-15\","
        " \"coverage\": [{\"payer\": \"medicare_advantage\", \"snp\": \"chronic\", \"start\": \"2020-01-01\"}],"
        " \"conditions\": [{\"code\": \"I50.22\", \"onset\": \"2020-01-01\"}, {\"code\": \"F32.1\"}],"
        " \"observations\": [{\"code\": \"phq9\", \"date\": \"2026-09-01\", \"value\": 16}],"
        " \"social\": {\"food_insecurity\": false}}";
    carecoord_engine* engine = load_default_engine();
    carecoord_patient* a = NULL;
    carecoord_patient* b = NULL;
    carecoord_result* ra = NULL;
    carecoord_result* rb = NULL;
    CHECK(carecoord_patient_parse(&a, doc, sizeof doc - 1, CARECOORD_FORMAT_JSON, NULL) == CARECOORD_OK);
    CHECK(carecoord_patient_new(&b, "p-same", "1950-06-15", NULL) == CARECOORD_OK);
    CHECK(carecoord_patient_add_coverage(b, "medicare_advantage", NULL, "2020-01-01", NULL, NULL) == CARECOORD_OK);
    CHECK(carecoord_patient_set_field(b, "coverage[0].snp", "chronic", NULL) == CARECOORD_OK);
    CHECK(carecoord_patient_add_condition(b, "I50.22", NULL, NULL, "2020-01-01", NULL, NULL) == CARECOORD_OK);
    CHECK(carecoord_patient_add_condition(b, "F32.1", NULL, NULL, NULL, NULL, NULL) == CARECOORD_OK);
    CHECK(carecoord_patient_add_observation(b, "phq9", NULL, "2026-09-01", 16, 1, NULL) == CARECOORD_OK);
    CHECK(carecoord_patient_set_field(b, "social.food_insecurity", "false", NULL) == CARECOORD_OK);
    CHECK(carecoord_evaluate(&ra, engine, a, "2026-11-27", NULL) == CARECOORD_OK);
    CHECK(carecoord_evaluate(&rb, engine, b, "2026-11-27", NULL) == CARECOORD_OK);
    CHECK_STR(carecoord_result_json(ra), carecoord_result_json(rb));
    /* unknown social fields are reported as missing data */
    CHECK(carecoord_result_missing_count(ra) > 0);
    carecoord_result_free(ra);
    carecoord_result_free(rb);
    carecoord_patient_free(a);
    carecoord_patient_free(b);
    carecoord_engine_free(engine);
}

/* carecoord_evaluate_batch: one output line per input line, in order; determinations equal
 * to carecoord_result_json() of the same document; bad lines become error lines, never a
 * failed call. */
static const char* nth_line(const char* text, size_t n, size_t* len) {
    const char* end;
    for (; n > 0; --n) {
        text = strchr(text, '\n');
        if (!text) return NULL;
        ++text;
    }
    end = strchr(text, '\n');
    *len = end ? (size_t)(end - text) : strlen(text);
    return text;
}

static void check_line_is(const char* out, size_t n, const char* expected) {
    size_t len = 0;
    const char* line = nth_line(out, n, &len);
    CHECK(line != NULL && len == strlen(expected) && strncmp(line, expected, len) == 0);
}

static int line_contains(const char* out, size_t n, const char* needle) {
    size_t len = 0;
    const char* line = nth_line(out, n, &len);
    char buf[4096];
    if (!line || len >= sizeof buf) return 0;
    memcpy(buf, line, len);
    buf[len] = '\0';
    return strstr(buf, needle) != NULL;
}

static void test_batch(void) {
    static const char good_a[] = "{\"id\": \"b-1\", \"birth_date\": \"1950-06-15\","
                                 " \"coverage\": [{\"payer\": \"medicare_ffs\", \"start\": \"2015-01-01\"}],"
                                 " \"conditions\": [{\"code\": \"I50.22\"}, {\"code\": \"E11.9\"}]}";
    static const char good_b[] = "{\"id\": \"b-2\", \"birth_date\": \"1980-01-01\"}";
    char input[2048];
    carecoord_engine* engine = load_default_engine();
    carecoord_engine* mini = NULL;
    carecoord_batch* batch = NULL;
    carecoord_error* err = NULL;
    carecoord_patient* p = NULL;
    carecoord_result* ra = NULL;
    carecoord_result* rb = NULL;
    const char* out;
    size_t len = 0;

    /* good, bad date, empty line, good with CRLF, syntax error; no final newline */
    snprintf(input, sizeof input, "%s\n{\"id\": \"b-3\", \"birth_date\": \"1950-02-30\"}\n\n%s\r\n{not json", good_a,
             good_b);
    CHECK(carecoord_evaluate_batch(&batch, engine, input, strlen(input), "2026-11-27", &err) == CARECOORD_OK);
    CHECK(err == NULL);
    CHECK(carecoord_batch_count(batch) == 5);
    CHECK(carecoord_batch_error_count(batch) == 3);
    out = carecoord_batch_output(batch, &len);
    CHECK(out != NULL && len == strlen(out) && len > 0 && out[len - 1] == '\n');

    CHECK(carecoord_patient_parse(&p, good_a, sizeof good_a - 1, CARECOORD_FORMAT_JSON, NULL) == CARECOORD_OK);
    CHECK(carecoord_evaluate(&ra, engine, p, "2026-11-27", NULL) == CARECOORD_OK);
    carecoord_patient_free(p);
    p = NULL;
    CHECK(carecoord_patient_parse(&p, good_b, sizeof good_b - 1, CARECOORD_FORMAT_JSON, NULL) == CARECOORD_OK);
    CHECK(carecoord_evaluate(&rb, engine, p, "2026-11-27", NULL) == CARECOORD_OK);
    check_line_is(out, 0, carecoord_result_json(ra));
    check_line_is(out, 3, carecoord_result_json(rb));
    /* the bad date: a patient error on line 2 naming the field, never the value */
    CHECK(line_contains(out, 1, "{\"error\":{\"line\":2,\"status\":\"patient\""));
    CHECK(line_contains(out, 1, "\"code\":\"E0204\""));
    CHECK(line_contains(out, 1, "\"field_path\":\"birth_date\""));
    CHECK(!line_contains(out, 1, "1950-02-30"));
    CHECK(line_contains(out, 2, "{\"error\":{\"line\":3,\"status\":\"patient\""));
    CHECK(line_contains(out, 4, "{\"error\":{\"line\":5,\"status\":\"patient\""));
    CHECK(nth_line(out, 5, &len) != NULL && len == 0); /* nothing after the fifth line's newline */
    carecoord_batch_free(batch);
    batch = NULL;

    /* an evaluation error: no mini ruleset is in force in 2019 */
    CHECK(carecoord_engine_load_string(&mini, kMiniRuleset, strlen(kMiniRuleset), "mini.yaml", NULL) == CARECOORD_OK);
    CHECK(carecoord_evaluate_batch(&batch, mini, good_b, sizeof good_b - 1, "2019-06-01", NULL) == CARECOORD_OK);
    CHECK(carecoord_batch_count(batch) == 1 && carecoord_batch_error_count(batch) == 1);
    CHECK(line_contains(carecoord_batch_output(batch, NULL), 0, "{\"error\":{\"line\":1,\"status\":\"evaluation\""));
    carecoord_batch_free(batch);
    batch = NULL;

    /* an empty buffer: no lines; a final newline does not start a line */
    CHECK(carecoord_evaluate_batch(&batch, engine, NULL, 0, "2026-11-27", NULL) == CARECOORD_OK);
    CHECK(carecoord_batch_count(batch) == 0);
    CHECK_STR(carecoord_batch_output(batch, &len), "");
    CHECK(len == 0);
    carecoord_batch_free(batch);
    CHECK(carecoord_evaluate_batch(&batch, engine, "{}\n", 3, "2026-11-27", NULL) == CARECOORD_OK);
    CHECK(carecoord_batch_count(batch) == 1);
    carecoord_batch_free(batch);

    /* argument errors fail the call and set *out to NULL */
    batch = (carecoord_batch*)&len;
    CHECK(carecoord_evaluate_batch(&batch, NULL, "{}", 2, "2026-11-27", &err) == CARECOORD_ERR_ARGUMENT);
    CHECK(batch == NULL);
    CHECK_STR(carecoord_error_field_path(err), "engine");
    carecoord_error_free(err);
    CHECK(carecoord_evaluate_batch(&batch, engine, "{}", 2, "2026-13-01", &err) == CARECOORD_ERR_ARGUMENT);
    CHECK_STR(carecoord_error_field_path(err), "as_of");
    carecoord_error_free(err);
    CHECK(carecoord_evaluate_batch(&batch, engine, "{}", 2, NULL, NULL) == CARECOORD_ERR_ARGUMENT);
    CHECK(carecoord_evaluate_batch(&batch, engine, NULL, 2, "2026-11-27", NULL) == CARECOORD_ERR_ARGUMENT);
    CHECK(carecoord_evaluate_batch(NULL, engine, "{}", 2, "2026-11-27", NULL) == CARECOORD_ERR_ARGUMENT);

    /* NULL batches */
    carecoord_batch_free(NULL);
    CHECK(carecoord_batch_count(NULL) == 0 && carecoord_batch_error_count(NULL) == 0);
    len = 7;
    CHECK(carecoord_batch_output(NULL, &len) == NULL && len == 0);

    carecoord_result_free(ra);
    carecoord_result_free(rb);
    carecoord_patient_free(p);
    carecoord_engine_free(mini);
    carecoord_engine_free(engine);
}

/* Every path carecoord_patient_set_field documents (carecoord.h): a value of the right
 * kind is accepted, a value of the wrong kind is refused with the code of its kind (E0203
 * a boolean that is not true/false, E0204 a bad date, E0207 a word outside the enum) and
 * the path itself as field path, and NULL makes the field absent again. */
static void test_set_field_every_path(void) {
    static const struct {
        const char* path;
        const char* good;
        const char* bad;
        const char* code;
    } fields[] = {
        {"language.interpreter_needed", "true", "yes", "E0203"},
        {"language.english_proficiency", "not_well", "poor", "E0207"},
        {"social.housing_instability", "false", "1", "E0203"},
        {"social.food_insecurity", "true", "TRUE", "E0203"},
        {"social.transportation_insecurity", "true", "no", "E0203"},
        {"social.social_support", "limited", "some", "E0207"},
        {"social.health_literacy", "marginal", "low", "E0207"},
        {"ltc_placement.decision_open", "true", "open", "E0203"},
        {"ltc_placement.since", "2026-10-05", "2026-13-01", "E0204"},
        {"ltc_placement.assessed", "2026-10-09", "09/10/2026", "E0204"},
        {"care_plan.state", "monitoring", "paused", "E0207"},
        {"care_plan.enrolled", "2024-03-15", "2024-02-30", "E0204"},
        {"care_plan.last_comprehensive_assessment", "2025-11-03", "2025-11", "E0204"},
        {"care_plan.last_hra", "2026-03-01", "", "E0204"},
        {"care_plan.snp_enrolled", "2024-03-01", "1799-12-31", "E0204"},
        {"coverage[0].snp", "chronic", "special", "E0207"},
        {"coverage[0].medicaid_dual", "full", "half", "E0207"},
        {"conditions[0].recorded", "2022-08-16", "2022-8-16", "E0204"},
        {"encounters[0].emergent", "false", "maybe", "E0203"},
        {"encounters[0].planned", "true", "planned", "E0203"},
        {"encounters[0].disposition", "snf", "rehab", "E0207"},
        {"encounters[0].complexity", "moderate", "medium", "E0207"},
    };
    /* Not settable, malformed or past the end of a list: E0202 with the path. */
    static const char* unknown[] = {
        "encounters[1].id",       "encounters[].id",       "encounters[x].id", "encounters[0]id",
        "encounters[0].admit",    "coverage[0].plan",      "conditions[0].onset", "medications[0].code",
        "observations[0].value",  "encounters[99999999999].id", "care_plan",  "social",
        "language.spoken",        "",
    };
    carecoord_patient* p = NULL;
    carecoord_error* err = NULL;
    carecoord_status st;
    size_t i;
    CHECK(carecoord_patient_new(&p, "p-fields", "1940-01-01", NULL) == CARECOORD_OK);
    CHECK(carecoord_patient_add_coverage(p, "medicare_advantage", "H0000-001", "2024-01-01", NULL, NULL) == CARECOORD_OK);
    CHECK(carecoord_patient_add_condition(p, "I10", NULL, NULL, "2005-04-01", NULL, NULL) == CARECOORD_OK);
    CHECK(carecoord_patient_add_encounter(p, "inpatient", "2026-09-28T03:20", "2026-10-02T12:00", NULL) == CARECOORD_OK);
    for (i = 0; i < sizeof fields / sizeof fields[0]; ++i) {
        CHECK(carecoord_patient_set_field(p, fields[i].path, fields[i].good, &err) == CARECOORD_OK);
        CHECK(err == NULL);
        if (err) fprintf(stderr, "  %s = %s: %s\n", fields[i].path, fields[i].good, carecoord_error_string(err));
        carecoord_error_free(err);
        st = carecoord_patient_set_field(p, fields[i].path, fields[i].bad, &err);
        expect_builder_error(st, err, fields[i].code, fields[i].path);
        CHECK(carecoord_patient_set_field(p, fields[i].path, NULL, &err) == CARECOORD_OK);
        carecoord_error_free(err);
    }
    for (i = 0; i < sizeof unknown / sizeof unknown[0]; ++i) {
        st = carecoord_patient_set_field(p, unknown[i], "x", &err);
        expect_builder_error(st, err, "E0202", unknown[i]);
    }
    /* The two required fields cannot be cleared. */
    st = carecoord_patient_set_field(p, "id", NULL, &err);
    expect_builder_error(st, err, "E0205", "id");
    st = carecoord_patient_set_field(p, "birth_date", NULL, &err);
    expect_builder_error(st, err, "E0205", "birth_date");
    /* NULL arguments. */
    CHECK(carecoord_patient_set_field(NULL, "sex", "female", &err) == CARECOORD_ERR_ARGUMENT);
    CHECK_STR(carecoord_error_field_path(err), "patient");
    carecoord_error_free(err);
    CHECK(carecoord_patient_set_field(p, NULL, "female", &err) == CARECOORD_ERR_ARGUMENT);
    CHECK_STR(carecoord_error_field_path(err), "path");
    carecoord_error_free(err);
    carecoord_patient_free(p);
}

/* The enum getters agree with the name getters (carecoord.h: "eligible", "not_eligible",
 * "unknown"; "open", "overdue"), for every program and trigger of a result. A patient with
 * no coverage at all is not eligible for a program restricted to payers
 * (docs/ruleset-language.md, programs). */
static void test_result_enums(void) {
    carecoord_engine* engine = load_default_engine();
    carecoord_patient* p = NULL;
    carecoord_result* r = NULL;
    size_t i, not_eligible = 0;
    int ccm;
    CHECK(carecoord_patient_new(&p, "p-uncovered", "1950-06-01", NULL) == CARECOORD_OK);
    CHECK(carecoord_patient_add_condition(p, "E11.9", NULL, NULL, "2010-01-01", NULL, NULL) == CARECOORD_OK);
    CHECK(carecoord_patient_add_condition(p, "I10", NULL, NULL, "2010-01-01", NULL, NULL) == CARECOORD_OK);
    CHECK(carecoord_evaluate(&r, engine, p, "2026-11-27", NULL) == CARECOORD_OK);
    CHECK(carecoord_result_program_count(r) > 0);
    for (i = 0; i < carecoord_result_program_count(r); ++i) {
        const char* name = carecoord_result_program_status_name(r, i);
        carecoord_eligibility e = carecoord_result_program_status(r, i);
        CHECK(name != NULL);
        if (!name) continue;
        if (strcmp(name, "eligible") == 0) CHECK(e == CARECOORD_ELIGIBLE);
        else if (strcmp(name, "not_eligible") == 0) CHECK(e == CARECOORD_NOT_ELIGIBLE);
        else if (strcmp(name, "unknown") == 0) CHECK(e == CARECOORD_ELIGIBILITY_UNKNOWN);
        else CHECK(!"a program status name outside eligible, not_eligible, unknown");
        if (e == CARECOORD_NOT_ELIGIBLE) ++not_eligible;
    }
    /* ccm is for Medicare payers: no coverage, not eligible. */
    ccm = find_program(r, "ccm");
    CHECK(ccm >= 0);
    if (ccm >= 0) CHECK(carecoord_result_program_status(r, (size_t)ccm) == CARECOORD_NOT_ELIGIBLE);
    CHECK(not_eligible > 0);
    for (i = 0; i < carecoord_result_trigger_count(r); ++i) {
        const char* name = carecoord_result_trigger_status_name(r, i);
        carecoord_trigger_status t = carecoord_result_trigger_status(r, i);
        CHECK(name != NULL && ((strcmp(name, "open") == 0 && t == CARECOORD_TRIGGER_OPEN) ||
                               (strcmp(name, "overdue") == 0 && t == CARECOORD_TRIGGER_OVERDUE)));
    }
    CHECK(carecoord_result_program_status(r, carecoord_result_program_count(r)) == CARECOORD_ELIGIBILITY_INVALID);
    CHECK(carecoord_result_trigger_status(r, carecoord_result_trigger_count(r)) == CARECOORD_TRIGGER_INVALID);
    CHECK_STR(carecoord_status_name(CARECOORD_ERR_INTERNAL), "internal");
    carecoord_result_free(r);
    carecoord_engine_free(engine);
    /* A program whose rule needs a field the patient lacks is unknown (ruleset-language.md,
     * programs); food insecurity is not recorded for this patient. */
    {
        static const char* text = "schema_version: 1\nruleset: unk\nversion: 1.0.0\n"
                                  "effective: {from: 2020-01-01, until: null}\n"
                                  "programs:\n  - {id: food, when: social.food_insecurity, reason: food}\n";
        engine = NULL;
        r = NULL;
        CHECK(carecoord_engine_load_string(&engine, text, strlen(text), "unk.yaml", NULL) == CARECOORD_OK);
        CHECK(carecoord_evaluate(&r, engine, p, "2026-11-27", NULL) == CARECOORD_OK);
        CHECK(carecoord_result_program_count(r) == 1);
        CHECK(carecoord_result_program_status(r, 0) == CARECOORD_ELIGIBILITY_UNKNOWN);
        CHECK_STR(carecoord_result_program_status_name(r, 0), "unknown");
        CHECK(carecoord_result_program_missing_count(r, 0) == 1);
        CHECK_STR(carecoord_result_program_missing(r, 0, 0), "social.food_insecurity");
    }
    CHECK_STR(carecoord_status_name(CARECOORD_ERR_EVALUATION), "evaluation");
    carecoord_result_free(r);
    carecoord_patient_free(p);
    carecoord_engine_free(engine);
}

/* A builder string longer than max_string_length (4096 bytes, docs/patient-schema.md) is
 * refused with E0209 and its field path; 4096 bytes are accepted. */
static void test_builder_string_limit(void) {
    static char text[4098];
    carecoord_patient* p = NULL;
    carecoord_error* err = NULL;
    carecoord_status st;
    memset(text, 'a', 4097);
    text[4097] = '\0';
    CHECK(carecoord_patient_new(&p, "p-long", "1950-06-01", NULL) == CARECOORD_OK);
    st = carecoord_patient_add_medication(p, "860975", NULL, text, NULL, &err);
    expect_builder_error(st, err, "E0209", "medications[0].name");
    text[4096] = '\0';
    CHECK(carecoord_patient_add_medication(p, "860975", NULL, text, NULL, NULL) == CARECOORD_OK);
    carecoord_patient_free(p);
}

/* Ids refuse control characters, as in documents (E0215): a NUL would truncate the id that
 * carecoord_result_patient_id() returns, so two ids would collide. Text must be UTF-8 (E0216). */
static void test_builder_text_checks(void) {
    carecoord_patient* p = (carecoord_patient*)1;
    carecoord_error* err = NULL;
    carecoord_status st;
    st = carecoord_patient_new(&p, "a\x01" "b", "1950-06-01", &err);
    CHECK(p == NULL);
    expect_builder_error(st, err, "E0215", "id");
    st = carecoord_patient_new(&p, "a\x1f", "1950-06-01", &err);
    expect_builder_error(st, err, "E0215", "id");
    st = carecoord_patient_new(&p, "a\x7f", "1950-06-01", &err);
    expect_builder_error(st, err, "E0215", "id");
    st = carecoord_patient_new(&p, "a\xff", "1950-06-01", &err);
    expect_builder_error(st, err, "E0216", "id");
    /* U+0020 and U+007E, beside the refused characters, are accepted. */
    CHECK(carecoord_patient_new(&p, "a ~", "1950-06-01", &err) == CARECOORD_OK);
    st = carecoord_patient_set_field(p, "id", "x\ty", &err);
    expect_builder_error(st, err, "E0215", "id");
    CHECK(carecoord_patient_add_encounter(p, "inpatient", "2026-01-01T08:00", NULL, NULL) == CARECOORD_OK);
    st = carecoord_patient_set_field(p, "encounters[0].id", "e\n1", &err);
    expect_builder_error(st, err, "E0215", "encounters[0].id");
    CHECK(carecoord_patient_set_field(p, "encounters[0].id", "e 1", NULL) == CARECOORD_OK);
    /* Other text may hold a line break, not invalid UTF-8 (an overlong NUL). */
    CHECK(carecoord_patient_add_medication(p, "860975", NULL, "two\nlines", NULL, NULL) == CARECOORD_OK);
    st = carecoord_patient_add_medication(p, "860975", NULL, "x\xc0\x80", NULL, &err);
    expect_builder_error(st, err, "E0216", "medications[1].name");
    carecoord_patient_free(p);
}

int main(int argc, char** argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s SOURCE_DIR\n", argv[0]);
        return 2;
    }
    source_dir = argv[1];
    snprintf(rulesets_path, sizeof rulesets_path, "%s/rulesets", source_dir);
    test_versions();
    test_free_null();
    test_null_handles_in_getters();
    test_engine();
    test_engine_from_string();
    test_parse();
    test_builder_and_evaluate();
    test_evaluate_errors();
    test_builder_errors();
    test_builder_matches_document();
    test_batch();
    test_set_field_every_path();
    test_result_enums();
    test_builder_string_limit();
    test_builder_text_checks();
    printf("%d checks, %d failed\n", checks, failures);
    return failures == 0 ? 0 : 1;
}
