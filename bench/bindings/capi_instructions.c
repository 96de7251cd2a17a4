/* Instructions per full determination through the C ABI, for callgrind (bench/report.py):
 * every patient of an NDJSON population is decoded first, then `measured_pass` evaluates
 * each (carecoord_evaluate_ymd), reads its tier and frees the result. Run it as
 *   valgrind --tool=callgrind --toggle-collect=measured_pass capi_instructions RULESETS POP.ndjson
 * and divide the instructions collected by the patient count it prints. A first pass
 * (`warm_pass`, not collected) runs the same loop so that one-time costs (first-use tables,
 * the allocator's first pages) are not counted. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "carecoord.h"

static size_t run(carecoord_engine* engine, carecoord_patient** patients, size_t n) {
    size_t sink = 0;
    for (size_t i = 0; i < n; ++i) {
        carecoord_result* r = NULL;
        carecoord_error* err = NULL;
        if (carecoord_evaluate_ymd(&r, engine, patients[i], 2026, 11, 27, &err) != CARECOORD_OK) {
            fprintf(stderr, "patient %zu: %s\n", i + 1, carecoord_error_string(err));
            carecoord_error_free(err);
            exit(1);
        }
        sink += strlen(carecoord_result_tier(r));
        carecoord_result_free(r);
    }
    return sink;
}

/* Two functions, so that callgrind collects the second only. */
__attribute__((noinline)) size_t warm_pass(carecoord_engine* e, carecoord_patient** p, size_t n) { return run(e, p, n); }
__attribute__((noinline)) size_t measured_pass(carecoord_engine* e, carecoord_patient** p, size_t n) { return run(e, p, n); }

int main(int argc, char** argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: capi_instructions RULESETS POPULATION.ndjson\n");
        return 2;
    }
    carecoord_engine* engine = NULL;
    carecoord_error* err = NULL;
    if (carecoord_engine_load_path(&engine, argv[1], &err) != CARECOORD_OK) {
        fprintf(stderr, "%s\n", carecoord_error_string(err));
        return 1;
    }
    FILE* f = fopen(argv[2], "rb");
    if (!f) {
        perror(argv[2]);
        return 1;
    }
    size_t cap = 1024, n = 0;
    carecoord_patient** patients = malloc(cap * sizeof *patients);
    char* line = NULL;
    size_t line_cap = 0;
    ssize_t len;
    while (patients && (len = getline(&line, &line_cap, f)) > 0) {
        if (n == cap) {
            carecoord_patient** grown = realloc(patients, 2 * cap * sizeof *patients);
            if (!grown) break;
            patients = grown;
            cap *= 2;
        }
        if (carecoord_patient_parse(&patients[n], line, (size_t)len, CARECOORD_FORMAT_JSON, &err) != CARECOORD_OK) {
            fprintf(stderr, "%s:%zu: %s\n", argv[2], n + 1, carecoord_error_string(err));
            return 1;
        }
        ++n;
    }
    free(line);
    if (ferror(f) || !patients) {
        fprintf(stderr, "%s: read failed\n", argv[2]);
        return 1;
    }
    fclose(f);
    size_t sink = warm_pass(engine, patients, n);
    sink += measured_pass(engine, patients, n);
    printf("patients %zu\n", n);
    for (size_t i = 0; i < n; ++i) carecoord_patient_free(patients[i]);
    free(patients);
    carecoord_engine_free(engine);
    return sink == 0;
}
