/* One engine, one patient, several threads evaluating at once: every thread must get the
 * determination a single thread gets (a const carecoord_engine* is shareable).
 *
 * Usage: concurrency_test SOURCE_DIR */
#include "carecoord.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { kThreads = 8, kRounds = 200 };

static const carecoord_engine* engine;
static const carecoord_patient* patient;
static const char* expected_json;

static void* worker(void* arg) {
    long bad = 0;
    int i;
    (void)arg;
    for (i = 0; i < kRounds; ++i) {
        carecoord_result* r = NULL;
        carecoord_error* err = NULL;
        /* alternate the two as-of forms so both entry points run concurrently */
        carecoord_status st = (i % 2) ? carecoord_evaluate(&r, engine, patient, "2026-11-27", &err)
                                      : carecoord_evaluate_ymd(&r, engine, patient, 2026, 11, 27, &err);
        if (st != CARECOORD_OK || strcmp(carecoord_result_json(r), expected_json) != 0 ||
            strcmp(carecoord_result_tier(r), "case_management") != 0)
            ++bad;
        carecoord_result_free(r);
        carecoord_error_free(err);
    }
    return (void*)bad;
}

int main(int argc, char** argv) {
    char path[4096];
    carecoord_engine* e = NULL;
    carecoord_patient* p = NULL;
    carecoord_result* reference = NULL;
    pthread_t threads[kThreads];
    long bad = 0;
    int i;
    if (argc != 2) return 2;
    snprintf(path, sizeof path, "%s/rulesets", argv[1]);
    if (carecoord_engine_load_path(&e, path, NULL) != CARECOORD_OK) return 1;
    /* four chronic categories on Medicare: case_management under intensity-v2 */
    if (carecoord_patient_new(&p, "p-threads", "1948-02-29", NULL) != CARECOORD_OK) return 1;
    carecoord_patient_add_coverage(p, "medicare_ffs", NULL, "2013-03-01", NULL, NULL);
    carecoord_patient_add_condition(p, "E11.9", NULL, NULL, NULL, NULL, NULL);
    carecoord_patient_add_condition(p, "I10", NULL, NULL, NULL, NULL, NULL);
    carecoord_patient_add_condition(p, "I50.22", NULL, NULL, NULL, NULL, NULL);
    carecoord_patient_add_condition(p, "N18.31", NULL, NULL, NULL, NULL, NULL);
    carecoord_patient_add_encounter(p, "inpatient", "2026-11-10T10:00", "2026-11-20T12:00", NULL);
    carecoord_patient_set_field(p, "encounters[0].disposition", "home", NULL);
    if (carecoord_evaluate(&reference, e, p, "2026-11-27", NULL) != CARECOORD_OK) return 1;
    engine = e;
    patient = p;
    expected_json = carecoord_result_json(reference);
    for (i = 0; i < kThreads; ++i)
        if (pthread_create(&threads[i], NULL, worker, NULL) != 0) return 1;
    for (i = 0; i < kThreads; ++i) {
        void* r;
        pthread_join(threads[i], &r);
        bad += (long)r;
    }
    printf("%d threads x %d evaluations, %ld mismatches\n", kThreads, kRounds, bad);
    carecoord_result_free(reference);
    carecoord_patient_free(p);
    carecoord_engine_free(e);
    return bad == 0 ? 0 : 1;
}
