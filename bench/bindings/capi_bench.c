/* The C side of the binding-overhead measurement (bench/bindings/overhead.py runs both):
 * decode one patient document, evaluate it, read the determination's JSON (or with `tier`,
 * only its tier), free, in a loop.
 *   capi_bench RULESETS PATIENT.json ITERATIONS [json|tier]  -> CPU microseconds per call */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "carecoord.h"

static char* read_all(const char* path, size_t* len) {
    FILE* f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char* buf = malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) { free(buf); buf = NULL; }
    fclose(f);
    if (buf) { buf[n] = 0; *len = (size_t)n; }
    return buf;
}

int main(int argc, char** argv) {
    if (argc != 4 && argc != 5) { fprintf(stderr, "usage: capi_bench RULESETS PATIENT.json ITERATIONS [json|tier]\n"); return 2; }
    const int tier_only = argc == 5 && strcmp(argv[4], "tier") == 0;
    if (argc == 5 && !tier_only && strcmp(argv[4], "json") != 0) { fprintf(stderr, "mode: json or tier\n"); return 2; }
    carecoord_engine* engine = NULL;
    carecoord_error* err = NULL;
    if (carecoord_engine_load_path(&engine, argv[1], &err) != CARECOORD_OK) { fprintf(stderr, "load failed\n"); return 1; }
    size_t len = 0;
    char* doc = read_all(argv[2], &len);
    if (!doc) return 1;
    long n = atol(argv[3]);
    size_t sink = 0;
    struct timespec t0, t1;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
    for (long i = 0; i < n; ++i) {
        carecoord_patient* p = NULL;
        carecoord_result* r = NULL;
        if (carecoord_patient_parse(&p, doc, len, CARECOORD_FORMAT_JSON, &err) != CARECOORD_OK) return 1;
        if (carecoord_evaluate_ymd(&r, engine, p, 2026, 11, 27, &err) != CARECOORD_OK) return 1;
        sink += strlen(tier_only ? carecoord_result_tier(r) : carecoord_result_json(r));
        carecoord_result_free(r);
        carecoord_patient_free(p);
    }
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
    double us = ((double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec)) / 1e3 / (double)n;
    printf("%.3f\n", us);
    free(doc);
    carecoord_engine_free(engine);
    return sink == 0;
}
