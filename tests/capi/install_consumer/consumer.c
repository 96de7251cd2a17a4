/* A program outside the tree, built against an installed carecoord. Usage: consumer RULESETS */
#include <carecoord.h>

#include <stdio.h>
#include <string.h>

int main(int argc, char** argv) {
    carecoord_engine* engine = NULL;
    carecoord_patient* patient = NULL;
    carecoord_result* result = NULL;
    carecoord_error* err = NULL;
    int ok;
    if (argc != 2) return 2;
    if (strcmp(carecoord_version(), "") == 0 || carecoord_version_number() / 10000 != CARECOORD_VERSION_MAJOR) return 1;
    if (carecoord_engine_load_path(&engine, argv[1], &err) != CARECOORD_OK) {
        fprintf(stderr, "%s\n", carecoord_error_string(err));
        carecoord_error_free(err);
        return 1;
    }
    carecoord_patient_new(&patient, "consumer-1", "1950-01-01", NULL);
    carecoord_patient_add_coverage(patient, "medicare_ffs", NULL, "2015-01-01", NULL, NULL);
    carecoord_patient_add_condition(patient, "E11.9", NULL, NULL, NULL, NULL, NULL);
    carecoord_patient_add_condition(patient, "I10", NULL, NULL, NULL, NULL, NULL);
    carecoord_patient_add_condition(patient, "I50.22", NULL, NULL, NULL, NULL, NULL);
    carecoord_patient_add_condition(patient, "N18.31", NULL, NULL, NULL, NULL, NULL);
    if (carecoord_evaluate(&result, engine, patient, "2026-11-27", &err) != CARECOORD_OK) {
        fprintf(stderr, "%s\n", carecoord_error_string(err));
        carecoord_error_free(err);
        return 1;
    }
    printf("carecoord %s: tier %s\n", carecoord_version(), carecoord_result_tier(result));
    ok = strcmp(carecoord_result_tier(result), "case_management") == 0;
    carecoord_result_free(result);
    carecoord_patient_free(patient);
    carecoord_engine_free(engine);
    return ok ? 0 : 1;
}
