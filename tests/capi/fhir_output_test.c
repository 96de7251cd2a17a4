/* carecoord_result_fhir() and carecoord_string_free(): an owned string, NULL arguments, the
 * option errors with their codes and field paths, and the bytes equal for equal inputs.
 * The patient: Medicare FFS, discharged home Tuesday 2026-11-24 13:15 (the example
 * recent_hf_discharge_ffs.yaml); as of 2026-11-27 the 72-hour call is due 2026-11-27 13:15. */
#include <string.h>

#include "carecoord.h"
#include "check.h"

static carecoord_status fhir(char** out, const carecoord_result* r, const char* plan, const char* offset,
                             const char* recorded, const char* code, const char* field) {
    carecoord_error* err = NULL;
    carecoord_status st = carecoord_result_fhir(out, r, plan, offset, recorded, &err);
    if (code) {
        CHECK(err != NULL);
        CHECK(*out == NULL);
        CHECK_STR(carecoord_error_code(err), code);
        CHECK_STR(carecoord_error_field_path(err), field);
    } else {
        CHECK(err == NULL);
    }
    carecoord_error_free(err);
    return st;
}

int main(int argc, char** argv) {
    carecoord_engine* engine = NULL;
    carecoord_patient* patient = NULL;
    carecoord_result* result = NULL;
    carecoord_error* err = NULL;
    char* a = NULL;
    char* b = NULL;
    char* text;
    size_t len;
    if (argc != 2) {
        fprintf(stderr, "usage: fhir_output_test SOURCE_DIR\n");
        return 2;
    }
    text = read_path(argv[1], "examples/patients/recent_hf_discharge_ffs.yaml", &len);
    {
        char dir[4096];
        snprintf(dir, sizeof dir, "%s/rulesets", argv[1]);
        CHECK(carecoord_engine_load_path(&engine, dir, &err) == CARECOORD_OK);
    }
    CHECK(carecoord_patient_parse(&patient, text, len, CARECOORD_FORMAT_YAML, &err) == CARECOORD_OK);
    CHECK(carecoord_evaluate(&result, engine, patient, "2026-11-27", &err) == CARECOORD_OK);

    CHECK(fhir(&a, result, "cp-1", "-05:00", NULL, NULL, NULL) == CARECOORD_OK);
    {
        static const char head[] = "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",";
        CHECK(a != NULL && strncmp(a, head, sizeof head - 1) == 0);
    }
    CHECK(a != NULL && strstr(a, "\"end\":\"2026-11-27T13:15:00-05:00\"") != NULL);
    CHECK(a != NULL && strstr(a, "\"basedOn\":[{\"reference\":\"CarePlan/cp-1\"}]") != NULL);
    CHECK(fhir(&b, result, "cp-1", "-05:00", "", NULL, NULL) == CARECOORD_OK);  /* "" = NULL */
    CHECK(a != NULL && b != NULL && strcmp(a, b) == 0);
    carecoord_string_free(b);
    b = NULL;
    /* Without an offset the hour-precise due time is a date, the time in a note. */
    CHECK(fhir(&b, result, NULL, NULL, NULL, NULL, NULL) == CARECOORD_OK);
    CHECK(b != NULL && strstr(b, "due by 2026-11-27 13:15 local time of the care setting") != NULL);
    CHECK(b != NULL && strstr(b, "basedOn") == NULL);
    carecoord_string_free(b);
    b = NULL;

    CHECK(fhir(&b, result, NULL, "+14:01", NULL, "E1003", "utc_offset") == CARECOORD_ERR_ARGUMENT);
    CHECK(fhir(&b, result, NULL, "+14:00", NULL, NULL, NULL) == CARECOORD_OK);
    carecoord_string_free(b);
    b = NULL;
    CHECK(fhir(&b, result, "a/b", NULL, NULL, "E1002", "care_plan_id") == CARECOORD_ERR_ARGUMENT);
    CHECK(fhir(&b, result, NULL, NULL, "2026-11-27T08:00", "E1004", "recorded") == CARECOORD_ERR_ARGUMENT);
    CHECK(fhir(&b, NULL, NULL, NULL, NULL, "E0901", "result") == CARECOORD_ERR_ARGUMENT);
    CHECK(carecoord_result_fhir(NULL, result, NULL, NULL, NULL, &err) == CARECOORD_ERR_ARGUMENT);
    CHECK_STR(carecoord_error_field_path(err), "out");
    carecoord_error_free(err);
    carecoord_string_free(NULL);

    carecoord_string_free(a);
    carecoord_result_free(result);
    carecoord_patient_free(patient);
    carecoord_engine_free(engine);
    free(text);
    printf("%d checks, %d failed\n", checks, failures);
    return failures ? 1 : 0;
}
