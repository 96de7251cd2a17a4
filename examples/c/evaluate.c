/* Loads the rulesets, evaluates one patient document at an as-of date, and prints the
 * tier, the programs and the triggers; then replays a care-plan event log for the patient
 * (enrolment to an active plan, then the discharge of examples/patients/recent_hf_discharge_ffs.yaml)
 * and prints the state and the tasks. Usage: evaluate RULESETS PATIENT.{json,yaml} YYYY-MM-DD */
#include <carecoord.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char* read_all(const char* path, size_t* len) {
    FILE* f = fopen(path, "rb");
    char* buf = NULL;
    size_t cap = 0, n = 0, got;
    if (!f) return NULL;
    do {
        if (n == cap) {
            char* bigger = realloc(buf, cap = cap ? cap * 2 : 4096);
            if (!bigger) break;
            buf = bigger;
        }
        got = fread(buf + n, 1, cap - n, f);
        n += got;
    } while (got > 0);
    fclose(f);
    *len = n;
    return buf;
}

/* The care team's event log: type, time, and the encounter of the discharge (or NULL). */
static const char* const kLog[][3] = {
    {"enrolled", "2026-11-02T09:00", NULL},
    {"assessment_completed", "2026-11-04T10:00", NULL},
    {"plan_agreed", "2026-11-06T10:00", NULL},
    {"services_started", "2026-11-09T09:00", NULL},
    {"discharged", "2026-11-24T13:15", "adm-7730912"},
};
#define LOG_LENGTH (sizeof kLog / sizeof kLog[0])

static int fail(const char* what, carecoord_error* err) {
    const carecoord_error* e;
    fprintf(stderr, "%s failed (%s):\n", what, carecoord_status_name(carecoord_error_status(err)));
    for (e = err; e; e = carecoord_error_next(e)) fprintf(stderr, "  %s\n", carecoord_error_string(e));
    carecoord_error_free(err);
    return 1;
}

int main(int argc, char** argv) {
    carecoord_engine* engine = NULL;
    carecoord_patient* patient = NULL;
    carecoord_result* result = NULL;
    carecoord_care_plan* plan = NULL;
    carecoord_event* events[LOG_LENGTH] = {NULL};
    carecoord_error* err = NULL;
    size_t len = 0, i;
    char* text;
    const char* ext;
    if (argc != 4) {
        fprintf(stderr, "usage: %s RULESETS PATIENT AS_OF\n", argv[0]);
        return 2;
    }
    if (carecoord_engine_load_path(&engine, argv[1], &err) != CARECOORD_OK) return fail("loading rulesets", err);
    if (!(text = read_all(argv[2], &len))) {
        perror(argv[2]);
        return 1;
    }
    ext = strrchr(argv[2], '.');
    if (carecoord_patient_parse(&patient, text, len,
                                ext && strcmp(ext, ".json") == 0 ? CARECOORD_FORMAT_JSON : CARECOORD_FORMAT_YAML,
                                &err) != CARECOORD_OK)
        return fail("reading the patient", err);
    free(text);
    if (carecoord_evaluate(&result, engine, patient, argv[3], &err) != CARECOORD_OK) return fail("evaluating", err);

    printf("patient %s as of %s\n", carecoord_result_patient_id(result), carecoord_result_as_of(result));
    printf("tier: %s\n", carecoord_result_tier(result));
    for (i = 0; i < carecoord_result_program_count(result); ++i)
        printf("program %s: %s\n", carecoord_result_program_id(result, i), carecoord_result_program_status_name(result, i));
    for (i = 0; i < carecoord_result_trigger_count(result); ++i) {
        const char* due_time = carecoord_result_trigger_due_time(result, i);
        printf("trigger %s: %s, due %s\n", carecoord_result_trigger_id(result, i),
               carecoord_result_trigger_status_name(result, i), due_time ? due_time : carecoord_result_trigger_due(result, i));
    }
    carecoord_result_free(result);

    /* The care plan: the events, replayed from the initial state. */
    for (i = 0; i < LOG_LENGTH; ++i) {
        if (carecoord_event_new(&events[i], kLog[i][0], kLog[i][1], &err) != CARECOORD_OK) return fail("an event", err);
        if (kLog[i][2] && carecoord_event_set_string(events[i], "encounter", kLog[i][2], &err) != CARECOORD_OK)
            return fail("an event's payload", err);
    }
    if (carecoord_care_plan_replay(&plan, engine, patient, NULL, (const carecoord_event* const*)events, LOG_LENGTH,
                                   &err) != CARECOORD_OK)
        return fail("replaying the care plan", err);
    printf("care plan: %s\n", carecoord_care_plan_state(plan));
    for (i = 0; i < carecoord_care_plan_task_count(plan); ++i) {
        const char* due_time = carecoord_care_plan_task_due_time(plan, i);
        printf("task %s: due %s\n", carecoord_care_plan_task_id(plan, i),
               due_time ? due_time : carecoord_care_plan_task_due(plan, i));
    }
    carecoord_care_plan_free(plan);
    for (i = 0; i < LOG_LENGTH; ++i) carecoord_event_free(events[i]);
    carecoord_patient_free(patient);
    carecoord_engine_free(engine);
    return 0;
}
