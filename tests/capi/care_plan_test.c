/* The 0.2.0 additions of the C interface: care plans (start, apply, replay, allowed events),
 * explanations, engine options with the _v2 loads, batches of documents and the static
 * analysis (carecoord_engine_check). The care-plan
 * scenario is the one every binding runs (tests/data/care-plan/memorial-day-events.yaml has
 * the dates worked by hand): a discharge home on Friday 2026-05-22 15:00, before Memorial Day.
 * Usage: capi_care_plan_test SOURCE_DIR */
#define _XOPEN_SOURCE 700 /* mkdtemp, mkdir (a temporary tree for the include-root test) */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <string.h>

#include "carecoord.h"
#include "check.h"

static const char* rules_dir;
static char data_dir[2048];

/* The scenario's log as event handles (the same five events as the YAML file). */
static size_t make_log(carecoord_event** log) {
    size_t n = 0;
    CHECK(carecoord_event_new(&log[n++], "enrolled", "2026-05-01T09:00", NULL) == CARECOORD_OK);
    CHECK(carecoord_event_new(&log[n], "assessment_completed", "2026-05-05T10:00", NULL) == CARECOORD_OK);
    CHECK(carecoord_event_set_bool(log[n++], "plan_changed", 1, NULL) == CARECOORD_OK);
    CHECK(carecoord_event_new(&log[n++], "plan_agreed", "2026-05-08T10:00", NULL) == CARECOORD_OK);
    CHECK(carecoord_event_new(&log[n++], "services_started", "2026-05-11T09:00", NULL) == CARECOORD_OK);
    CHECK(carecoord_event_new(&log[n], "discharged", "2026-05-22T15:00", NULL) == CARECOORD_OK);
    CHECK(carecoord_event_set_string(log[n++], "encounter", "e1", NULL) == CARECOORD_OK);
    return n;
}

/* The three tasks of the scenario, in creation order, with their due dates. */
static void check_scenario_tasks(const carecoord_care_plan* plan) {
    CHECK_STR(carecoord_care_plan_state(plan), "in_transition");
    CHECK(carecoord_care_plan_task_count(plan) == 3);
    CHECK_STR(carecoord_care_plan_task_id(plan, 0), "initial_assessment@2026-05-01T09:00");
    CHECK_STR(carecoord_care_plan_task_due(plan, 0), "2026-05-15");
    CHECK(carecoord_care_plan_task_due_time(plan, 0) == NULL);
    CHECK_STR(carecoord_care_plan_task_id(plan, 1), "post_discharge_call@2026-05-22T15:00");
    CHECK_STR(carecoord_care_plan_task_name(plan, 1), "post_discharge_call");
    CHECK_STR(carecoord_care_plan_task_event(plan, 1), "discharged");
    CHECK_STR(carecoord_care_plan_task_event_time(plan, 1), "2026-05-22T15:00");
    CHECK_STR(carecoord_care_plan_task_due(plan, 1), "2026-05-25");
    CHECK_STR(carecoord_care_plan_task_due_time(plan, 1), "2026-05-25T15:00");
    CHECK_STR(carecoord_care_plan_task_id(plan, 2), "tcm_interactive_contact@2026-05-22T15:00");
    CHECK_STR(carecoord_care_plan_task_due(plan, 2), "2026-05-27");
    CHECK(carecoord_care_plan_task_due_time(plan, 2) == NULL);
    CHECK_STR(carecoord_care_plan_task_source(plan, 2), "facts_tcm");
    CHECK(strlen(carecoord_care_plan_task_action(plan, 2)) > 0);
    CHECK(carecoord_care_plan_task_reason(plan, 1) != NULL);
    CHECK(carecoord_care_plan_task_id(plan, 3) == NULL);
    CHECK(carecoord_care_plan_applied_count(plan) == 5);
    CHECK_STR(carecoord_care_plan_applied(plan, 4), "discharged@2026-05-22T15:00");
    CHECK(carecoord_care_plan_applied(plan, 5) == NULL);
    CHECK_STR(carecoord_care_plan_last_event(plan), "2026-05-22T15:00");
}

static void test_care_plan(const carecoord_engine* engine, const carecoord_patient* patient) {
    carecoord_event* log[10];
    carecoord_care_plan *plan = NULL, *next = NULL, *replayed = NULL, *twice = NULL, *again = NULL;
    carecoord_error* err = NULL;
    size_t n = make_log(log), i;
    CHECK(n == 5);

    /* Step by step: the states, and the tasks each event created. */
    CHECK(carecoord_care_plan_start(&plan, engine, NULL, "2026-05-01", &err) == CARECOORD_OK && err == NULL);
    CHECK_STR(carecoord_care_plan_workflow(plan), "care_plan");
    CHECK_STR(carecoord_care_plan_state(plan), "identified");
    CHECK(carecoord_care_plan_task_count(plan) == 0);
    CHECK(carecoord_care_plan_last_event(plan) == NULL);
    CHECK(carecoord_care_plan_previous_state(plan) == NULL);
    {
        static const char* const states[] = {"identified", "assessed", "planned", "active", "in_transition"};
        static const size_t created[] = {1, 0, 0, 0, 2};
        for (i = 0; i < n; ++i) {
            CHECK(carecoord_care_plan_apply(&next, engine, patient, plan, log[i], &err) == CARECOORD_OK);
            CHECK_STR(carecoord_care_plan_state(next), states[i]);
            CHECK_STR(carecoord_care_plan_previous_state(next), i == 0 ? "identified" : states[i - 1]);
            CHECK(carecoord_care_plan_transitioned(next) == 1);
            CHECK(carecoord_care_plan_duplicate(next) == 0);
            CHECK(carecoord_care_plan_created_count(next) == created[i]);
            CHECK(carecoord_care_plan_missing_count(next) == 0);
            /* A record is a value: the one passed in did not change. */
            CHECK(carecoord_care_plan_applied_count(plan) == i);
            carecoord_care_plan_free(plan);
            plan = next;
        }
    }
    check_scenario_tasks(plan);

    /* The discharge again: recognized, nothing created. */
    CHECK(carecoord_care_plan_apply(&again, engine, patient, plan, log[4], NULL) == CARECOORD_OK);
    CHECK(carecoord_care_plan_duplicate(again) == 1);
    CHECK(carecoord_care_plan_transitioned(again) == 0);
    CHECK(carecoord_care_plan_created_count(again) == 0);
    CHECK(carecoord_care_plan_task_count(again) == 3);
    carecoord_care_plan_free(again);

    /* Replay the log, then the log twice over: the same record. */
    CHECK(carecoord_care_plan_replay(&replayed, engine, patient, NULL, (const carecoord_event* const*)log, n, &err) ==
          CARECOORD_OK);
    check_scenario_tasks(replayed);
    for (i = 0; i < n; ++i) log[n + i] = log[i];
    CHECK(carecoord_care_plan_replay(&twice, engine, patient, "care_plan", (const carecoord_event* const*)log, 2 * n,
                                     &err) == CARECOORD_OK);
    check_scenario_tasks(twice);
    CHECK_STR(carecoord_care_plan_json(twice), carecoord_care_plan_json(plan));
    CHECK(strncmp(carecoord_care_plan_json(plan), "{\"state\":\"in_transition\",\"last_event\":\"2026-05-22T15:00\",", 57) == 0);
    CHECK(strstr(carecoord_care_plan_json(plan),
                 "{\"id\":\"post_discharge_call@2026-05-22T15:00\",\"task\":\"post_discharge_call\",\"event\":\"discharged\","
                 "\"event_time\":\"2026-05-22T15:00\",\"due\":\"2026-05-25\",\"due_time\":\"2026-05-25T15:00\"") != NULL);
    carecoord_care_plan_free(replayed);
    carecoord_care_plan_free(twice);

    /* A record kept as JSON and restored: the same record, and the discharge it has seen
     * is still recognized. */
    {
        carecoord_care_plan *restored = NULL, *after = NULL, *none = NULL;
        const char* json = carecoord_care_plan_json(plan);
        static const char bad_due[] =
            "{\"state\":\"active\",\"last_event\":null,\"applied\":[],\"tasks\":[{\"id\":\"a@2026-05-01T09:00\","
            "\"task\":\"a\",\"event\":\"enrolled\",\"event_time\":\"2026-05-01T09:00\",\"due\":\"2026-02-30\","
            "\"due_time\":null,\"action\":\"\",\"reason\":\"\",\"source\":\"\"}]}";
        static const char extra[] = "{\"state\":\"active\",\"last_event\":null,\"applied\":[],\"tasks\":[],\"owner\":\"x\"}";
        static const char no_state[] = "{\"last_event\":null,\"applied\":[],\"tasks\":[]}";
        CHECK(carecoord_care_plan_from_json(&restored, NULL, json, strlen(json), &err) == CARECOORD_OK);
        check_scenario_tasks(restored);
        CHECK_STR(carecoord_care_plan_json(restored), json);
        CHECK(carecoord_care_plan_apply(&after, engine, patient, restored, log[4], &err) == CARECOORD_OK);
        CHECK(carecoord_care_plan_duplicate(after) == 1 && carecoord_care_plan_created_count(after) == 0);
        carecoord_care_plan_free(after);
        carecoord_care_plan_free(restored);
        CHECK(carecoord_care_plan_from_json(&none, NULL, bad_due, sizeof bad_due - 1, &err) == CARECOORD_ERR_ARGUMENT);
        CHECK(none == NULL);
        CHECK_STR(carecoord_error_code(err), "E0720");
        CHECK_STR(carecoord_error_field_path(err), "tasks[0].due");
        CHECK(strstr(carecoord_error_message(err), "2026-02-30") == NULL); /* never the value */
        carecoord_error_free(err);
        CHECK(carecoord_care_plan_from_json(&none, NULL, extra, sizeof extra - 1, &err) == CARECOORD_ERR_ARGUMENT);
        CHECK_STR(carecoord_error_code(err), "E0721");
        CHECK_STR(carecoord_error_field_path(err), "owner");
        carecoord_error_free(err);
        CHECK(carecoord_care_plan_from_json(&none, NULL, no_state, sizeof no_state - 1, &err) == CARECOORD_ERR_ARGUMENT);
        CHECK_STR(carecoord_error_code(err), "E0720");
        CHECK_STR(carecoord_error_field_path(err), "state");
        carecoord_error_free(err);
        CHECK(carecoord_care_plan_from_json(&none, NULL, "[1", 2, &err) == CARECOORD_ERR_ARGUMENT);
        carecoord_error_free(err);
    }

    /* The workflow's errors reach the caller with their codes; nothing changes. */
    {
        carecoord_event *early = NULL, *bad = NULL, *unknown = NULL;
        carecoord_care_plan* none = plan; /* must be set to NULL */
        CHECK(carecoord_event_new(&early, "condition_changed", "2026-05-20T08:00", NULL) == CARECOORD_OK);
        CHECK(carecoord_care_plan_apply(&none, engine, patient, plan, early, &err) == CARECOORD_ERR_EVALUATION);
        CHECK(none == NULL);
        CHECK_STR(carecoord_error_code(err), "E0712");
        carecoord_error_free(err);
        CHECK(carecoord_event_new(&bad, "phq9_recorded", "2026-05-23T08:00", NULL) == CARECOORD_OK);
        CHECK(carecoord_event_set_string(bad, "score", "high", NULL) == CARECOORD_OK);
        CHECK(carecoord_care_plan_apply(&none, engine, patient, plan, bad, &err) == CARECOORD_ERR_EVALUATION);
        CHECK_STR(carecoord_error_code(err), "E0713");
        carecoord_error_free(err);
        CHECK(carecoord_event_new(&unknown, "teleported", "2026-05-23T08:00", NULL) == CARECOORD_OK);
        CHECK(carecoord_care_plan_apply(&none, engine, patient, plan, unknown, &err) == CARECOORD_ERR_EVALUATION);
        CHECK_STR(carecoord_error_code(err), "E0711");
        carecoord_error_free(err);
        /* In the log, the error names the event's position. */
        CHECK(carecoord_care_plan_replay(&none, engine, patient, NULL, (const carecoord_event* const*)&unknown, 1,
                                         &err) == CARECOORD_ERR_EVALUATION);
        CHECK(none == NULL);
        CHECK(strstr(carecoord_error_message(err), "event 1 of the log") != NULL);
        carecoord_error_free(err);
        CHECK(carecoord_care_plan_task_count(plan) == 3);
        carecoord_event_free(early);
        carecoord_event_free(bad);
        carecoord_event_free(unknown);
    }

    /* Argument errors. */
    {
        carecoord_event* e = NULL;
        carecoord_care_plan* p = NULL;
        CHECK(carecoord_event_new(&e, "discharged", "2026-05-22", NULL) == CARECOORD_OK); /* a date is 00:00 */
        carecoord_event_free(e);
        CHECK(carecoord_event_new(&e, "discharged", "2026-05-32T10:00", &err) == CARECOORD_ERR_ARGUMENT && e == NULL);
        CHECK_STR(carecoord_error_field_path(err), "time");
        carecoord_error_free(err);
        CHECK(carecoord_event_new(&e, "", "2026-05-22T10:00", &err) == CARECOORD_ERR_ARGUMENT);
        CHECK_STR(carecoord_error_field_path(err), "type");
        carecoord_error_free(err);
        CHECK(carecoord_event_set_number(NULL, "score", 3, &err) == CARECOORD_ERR_ARGUMENT);
        CHECK_STR(carecoord_error_code(err), "E0901");
        carecoord_error_free(err);
        CHECK(carecoord_care_plan_start(&p, engine, NULL, "May 1", &err) == CARECOORD_ERR_ARGUMENT && p == NULL);
        CHECK_STR(carecoord_error_field_path(err), "on");
        carecoord_error_free(err);
        CHECK(carecoord_care_plan_start(&p, engine, "no_such_workflow", "2026-05-01", &err) == CARECOORD_ERR_EVALUATION);
        CHECK_STR(carecoord_error_code(err), "E0715");
        carecoord_error_free(err);
        CHECK(carecoord_care_plan_replay(&p, engine, patient, NULL, NULL, 1, &err) == CARECOORD_ERR_ARGUMENT);
        CHECK_STR(carecoord_error_field_path(err), "events");
        carecoord_error_free(err);
        CHECK(carecoord_care_plan_state(NULL) == NULL && carecoord_care_plan_task_count(NULL) == 0);
        carecoord_care_plan_free(NULL);
        carecoord_event_free(NULL);
    }

    /* The events allowed in a state, in declaration order (rulesets/workflow/care-plan.yaml). */
    {
        carecoord_strings* allowed = NULL;
        static const char* const expected[] = {"assessment_completed", "admitted", "discharged", "condition_changed",
                                               "medication_failed", "phq9_recorded", "tier_changed", "declined", "died"};
        CHECK(carecoord_allowed_events(&allowed, engine, NULL, "in_transition", "2026-05-22", &err) == CARECOORD_OK);
        CHECK(carecoord_strings_count(allowed) == 9);
        for (i = 0; i < 9; ++i) CHECK_STR(carecoord_strings_get(allowed, i), expected[i]);
        CHECK(carecoord_strings_get(allowed, 9) == NULL);
        carecoord_strings_free(allowed);
        CHECK(carecoord_allowed_events(&allowed, engine, NULL, "closed", "2026-05-22", &err) == CARECOORD_OK);
        CHECK(carecoord_strings_count(allowed) == 0);
        carecoord_strings_free(allowed);
        CHECK(carecoord_allowed_events(&allowed, engine, NULL, "nirvana", "2026-05-22", &err) == CARECOORD_ERR_EVALUATION);
        CHECK(allowed == NULL);
        CHECK_STR(carecoord_error_code(err), "E0717");
        carecoord_error_free(err);
        carecoord_strings_free(NULL);
    }

    for (i = 0; i < n; ++i) carecoord_event_free(log[i]);
    carecoord_care_plan_free(plan);
}

static void test_explain(const carecoord_engine* engine, const carecoord_patient* patient) {
    carecoord_explanation* ex = NULL;
    carecoord_error* err = NULL;
    const char* text;
    const char* json;
    CHECK(carecoord_explain(&ex, engine, patient, "2026-05-23", &err) == CARECOORD_OK && err == NULL);
    text = carecoord_explanation_text(ex);
    json = carecoord_explanation_json(ex);
    CHECK(strncmp(text, "Patient cp-memorial as of 2026-05-23\n", 37) == 0);
    CHECK(strstr(text, "\nTier rules ([x] matched, [ ] did not, [?] unknown: data missing):\n") != NULL);
    /* The discharge's triggers (due dates as in the scenario). */
    CHECK(strstr(text, "due 2026-05-25 at 15:00 (from 2026-05-22)") != NULL);
    CHECK(strstr(text, "due 2026-05-27 (from 2026-05-22)") != NULL);
    CHECK(text[strlen(text) - 1] == '\n');
    {
        static const char prefix[] = "{\"determination\":{\"patient_id\":\"cp-memorial\",\"as_of\":\"2026-05-23\",";
        CHECK(strncmp(json, prefix, sizeof prefix - 1) == 0);
    }
    CHECK(strstr(json, "\"rules\":[{\"kind\":\"tier\"") != NULL);
    CHECK(strstr(json, "\"nearest\":[") != NULL);
    CHECK(json[strlen(json) - 1] == '}');
    carecoord_explanation_free(ex);
    CHECK(carecoord_explain(&ex, engine, patient, "2026-13-01", &err) == CARECOORD_ERR_ARGUMENT && ex == NULL);
    CHECK_STR(carecoord_error_field_path(err), "as_of");
    carecoord_error_free(err);
    CHECK(carecoord_explain(&ex, engine, NULL, "2026-05-23", &err) == CARECOORD_ERR_ARGUMENT);
    CHECK_STR(carecoord_error_field_path(err), "patient");
    carecoord_error_free(err);
    CHECK(carecoord_explanation_text(NULL) == NULL);
    carecoord_explanation_free(NULL);
}

static void test_options(void) {
    carecoord_engine_options* o = NULL;
    carecoord_engine* engine = NULL;
    carecoord_patient* patient = NULL;
    carecoord_error* err = NULL;
    static const char doc[] = "{\"id\": \"p1\", \"birth_date\": \"1950-01-01\"}"; /* 40 bytes */
    CHECK(carecoord_engine_options_new(&o, &err) == CARECOORD_OK);
    /* The documented defaults (docs/c-api.md, docs/reliability.md). */
    CHECK(carecoord_engine_options_limit(o, "ruleset.max_file_bytes") == 4u << 20);
    CHECK(carecoord_engine_options_limit(o, "ruleset.max_yaml_depth") == 64);
    CHECK(carecoord_engine_options_limit(o, "patient.max_document_bytes") == 4u << 20);
    CHECK(carecoord_engine_options_limit(o, "patient.max_list_length") == 10000);
    CHECK(carecoord_engine_options_limit(o, "no.such_limit") == 0);
    CHECK(carecoord_engine_options_set_limit(o, "no.such_limit", 5, &err) == CARECOORD_ERR_ARGUMENT);
    CHECK_STR(carecoord_error_code(err), "E0902");
    CHECK_STR(carecoord_error_field_path(err), "name");
    carecoord_error_free(err);
    CHECK(carecoord_engine_options_set_limit(o, "patient.max_depth", 0, &err) == CARECOORD_ERR_ARGUMENT);
    CHECK_STR(carecoord_error_field_path(err), "value");
    carecoord_error_free(err);
    CHECK(carecoord_engine_options_limit(o, "patient.max_depth") == 32);

    /* A ruleset file limit below the size of the rulesets: the load fails naming the limit. */
    CHECK(carecoord_engine_options_set_limit(o, "ruleset.max_file_bytes", 100, NULL) == CARECOORD_OK);
    CHECK(carecoord_engine_load_path_v2(&engine, rules_dir, o, &err) == CARECOORD_ERR_RULESET && engine == NULL);
    carecoord_error_free(err);
    CHECK(carecoord_engine_options_set_limit(o, "ruleset.max_file_bytes", 4u << 20, NULL) == CARECOORD_OK);

    /* The patient document limit on both sides: 40 bytes pass at 40, fail at 39. */
    CHECK(carecoord_engine_options_set_limit(o, "patient.max_document_bytes", 40, NULL) == CARECOORD_OK);
    CHECK(carecoord_patient_parse_v2(&patient, doc, sizeof doc - 1, CARECOORD_FORMAT_JSON, o, &err) == CARECOORD_OK);
    carecoord_patient_free(patient);
    CHECK(carecoord_engine_options_set_limit(o, "patient.max_document_bytes", 39, NULL) == CARECOORD_OK);
    CHECK(carecoord_patient_parse_v2(&patient, doc, sizeof doc - 1, CARECOORD_FORMAT_JSON, o, &err) ==
          CARECOORD_ERR_PATIENT);
    CHECK(patient == NULL);
    carecoord_error_free(err);
    /* Without options: the defaults. */
    CHECK(carecoord_patient_parse_v2(&patient, doc, sizeof doc - 1, CARECOORD_FORMAT_JSON, NULL, &err) == CARECOORD_OK);
    carecoord_patient_free(patient);

    /* The engine keeps the patient limits for its batches. */
    CHECK(carecoord_engine_load_path_v2(&engine, rules_dir, o, &err) == CARECOORD_OK);
    {
        carecoord_batch* b = NULL;
        carecoord_document docs[1];
        docs[0].data = doc;
        docs[0].len = sizeof doc - 1;
        CHECK(carecoord_evaluate_documents(&b, engine, docs, 1, CARECOORD_FORMAT_JSON, "2026-05-23", &err) == CARECOORD_OK);
        CHECK(carecoord_batch_error_count(b) == 1);
        carecoord_batch_free(b);
    }
    carecoord_engine_free(engine);

    /* ignore_effective: a ruleset effective only from 2030 is in force in 2026 with it. */
    {
        static const char later[] =
            "schema_version: 1\nruleset: later\nversion: 1.0.0\neffective: {from: 2030-01-01, until: null}\n"
            "description: In force from 2030.\n"
            "tiers:\n  order: [routine, high]\n  default: routine\n  rules:\n"
            "    - {id: adult, tier: high, when: age >= 18, reason: adult}\n";
        carecoord_result* r = NULL;
        carecoord_patient* p = NULL;
        CHECK(carecoord_patient_parse(&p, doc, sizeof doc - 1, CARECOORD_FORMAT_JSON, NULL) == CARECOORD_OK);
        CHECK(carecoord_engine_load_string_v2(&engine, later, sizeof later - 1, "later.yaml", NULL, &err) == CARECOORD_OK);
        CHECK(carecoord_evaluate(&r, engine, p, "2026-05-23", &err) == CARECOORD_ERR_EVALUATION);
        carecoord_error_free(err);
        carecoord_engine_free(engine);
        CHECK(carecoord_engine_options_set_ignore_effective(o, 1, NULL) == CARECOORD_OK);
        CHECK(carecoord_engine_load_string_v2(&engine, later, sizeof later - 1, "later.yaml", o, &err) == CARECOORD_OK);
        if (err) fprintf(stderr, "%s\n", carecoord_error_string(err));
        CHECK(carecoord_evaluate(&r, engine, p, "2026-05-23", &err) == CARECOORD_OK);
        CHECK_STR(carecoord_result_tier(r), "high");
        carecoord_result_free(r);
        carecoord_engine_free(engine);
        carecoord_patient_free(p);
    }
    CHECK(carecoord_engine_options_set_ignore_effective(NULL, 1, &err) == CARECOORD_ERR_ARGUMENT);
    carecoord_error_free(err);
    carecoord_engine_options_free(o);
    carecoord_engine_options_free(NULL);
}

static void write_text(const char* path, const char* text) {
    FILE* f = fopen(path, "w");
    CHECK(f != NULL);
    if (!f) return;
    fputs(text, f);
    fclose(f);
}

/* An include out of the tree (tmp/tree/rules/r.yaml includes ../../libs/lib.yaml; the tree
 * is tmp/tree) is E0351; carecoord_engine_options_add_include_root(tmp/libs) lets it in. */
static void test_include_root(void) {
    char tmp[] = "/tmp/carecoord-capi-root-XXXXXX";
    char dir[512], lib[512], rules[512], ruleset[512];
    carecoord_engine_options* o = NULL;
    carecoord_engine* engine = NULL;
    carecoord_error* err = NULL;
    if (!mkdtemp(tmp)) {
        CHECK(0);
        return;
    }
    snprintf(dir, sizeof dir, "%s/tree", tmp);
    CHECK(mkdir(dir, 0700) == 0);
    snprintf(rules, sizeof rules, "%s/tree/rules", tmp);
    CHECK(mkdir(rules, 0700) == 0);
    snprintf(dir, sizeof dir, "%s/libs", tmp);
    CHECK(mkdir(dir, 0700) == 0);
    snprintf(lib, sizeof lib, "%s/libs/lib.yaml", tmp);
    write_text(lib, "schema_version: 1\nkind: library\nlibrary: shared\nparameters: {threshold: 2}\n");
    snprintf(ruleset, sizeof ruleset, "%s/tree/rules/r.yaml", tmp);
    write_text(ruleset,
               "schema_version: 1\nruleset: r\nversion: 1.0.0\neffective: {from: 2024-01-01}\n"
               "include: ['../../libs/lib.yaml']\nprograms:\n  - {id: p, when: 'threshold > 1', reason: x}\n");
    CHECK(carecoord_engine_load_path(&engine, rules, &err) == CARECOORD_ERR_RULESET);
    CHECK(engine == NULL);
    CHECK_STR(carecoord_error_code(err), "E0351");
    carecoord_error_free(err);
    err = NULL;
    CHECK(carecoord_engine_options_new(&o, NULL) == CARECOORD_OK);
    CHECK(carecoord_engine_options_add_include_root(o, dir, &err) == CARECOORD_OK);
    CHECK(carecoord_engine_load_path_v2(&engine, rules, o, &err) == CARECOORD_OK);
    if (err) fprintf(stderr, "%s\n", carecoord_error_string(err));
    carecoord_engine_free(engine);
    CHECK(carecoord_engine_options_add_include_root(o, "", &err) == CARECOORD_ERR_ARGUMENT);
    CHECK_STR(carecoord_error_field_path(err), "directory");
    carecoord_error_free(err);
    CHECK(carecoord_engine_options_add_include_root(o, NULL, &err) == CARECOORD_ERR_ARGUMENT);
    carecoord_error_free(err);
    CHECK(carecoord_engine_options_add_include_root(NULL, dir, &err) == CARECOORD_ERR_ARGUMENT);
    carecoord_error_free(err);
    carecoord_engine_options_free(o);
    remove(ruleset);
    remove(lib);
    rmdir(rules);
    snprintf(rules, sizeof rules, "%s/tree", tmp);
    rmdir(rules);
    rmdir(dir);
    rmdir(tmp);
}

static void test_documents(const carecoord_engine* engine, const char* patient_json, size_t patient_len) {
    /* Three documents: the scenario patient (a JSON document over several lines), the same
     * patient as YAML would fail as JSON, and an empty document. */
    static const char yaml_doc[] = "id: y1\nbirth_date: 1950-01-01\n";
    carecoord_document docs[3];
    carecoord_batch* b = NULL;
    carecoord_error* err = NULL;
    carecoord_result* r = NULL;
    carecoord_patient* p = NULL;
    const char* out;
    size_t len = 0;
    char* expected;
    size_t first_len;
    docs[0].data = patient_json;
    docs[0].len = patient_len;
    docs[1].data = yaml_doc;
    docs[1].len = sizeof yaml_doc - 1;
    docs[2].data = NULL;
    docs[2].len = 0;
    CHECK(carecoord_evaluate_documents(&b, engine, docs, 3, CARECOORD_FORMAT_JSON, "2026-05-23", &err) == CARECOORD_OK);
    CHECK(carecoord_batch_count(b) == 3);
    CHECK(carecoord_batch_error_count(b) == 2);
    out = carecoord_batch_output(b, &len);
    /* Line 1 is byte for byte the determination of carecoord_evaluate(). */
    CHECK(carecoord_patient_parse(&p, patient_json, patient_len, CARECOORD_FORMAT_JSON, NULL) == CARECOORD_OK);
    CHECK(carecoord_evaluate(&r, engine, p, "2026-05-23", NULL) == CARECOORD_OK);
    first_len = strlen(carecoord_result_json(r));
    expected = malloc(first_len + 2);
    memcpy(expected, carecoord_result_json(r), first_len);
    expected[first_len] = '\n';
    expected[first_len + 1] = '\0';
    CHECK(strncmp(out, expected, first_len + 1) == 0);
    {
        static const char line2[] = "{\"error\":{\"line\":2,\"status\":\"patient\",\"diagnostics\":[{\"code\":\"E0201\"";
        CHECK(strncmp(out + first_len + 1, line2, sizeof line2 - 1) == 0);
    }
    CHECK(strstr(out, "{\"error\":{\"line\":3,\"status\":\"patient\"") != NULL);
    CHECK(out[len - 1] == '\n');
    free(expected);
    carecoord_batch_free(b);
    /* As YAML, document 2 reads. */
    CHECK(carecoord_evaluate_documents(&b, engine, docs + 1, 1, CARECOORD_FORMAT_YAML, "2026-05-23", &err) == CARECOORD_OK);
    CHECK(carecoord_batch_error_count(b) == 0);
    CHECK(strncmp(carecoord_batch_output(b, NULL), "{\"patient_id\":\"y1\"", 18) == 0);
    carecoord_batch_free(b);
    /* No documents: an empty batch. */
    CHECK(carecoord_evaluate_documents(&b, engine, NULL, 0, CARECOORD_FORMAT_JSON, "2026-05-23", &err) == CARECOORD_OK);
    CHECK(carecoord_batch_count(b) == 0);
    carecoord_batch_free(b);
    /* Argument errors. */
    docs[2].len = 5;
    CHECK(carecoord_evaluate_documents(&b, engine, docs, 3, CARECOORD_FORMAT_JSON, "2026-05-23", &err) ==
          CARECOORD_ERR_ARGUMENT);
    CHECK(b == NULL);
    CHECK_STR(carecoord_error_field_path(err), "docs[2].data");
    carecoord_error_free(err);
    CHECK(carecoord_evaluate_documents(&b, engine, docs, 1, CARECOORD_FORMAT_FHIR_BUNDLE, "2026-05-23", &err) ==
          CARECOORD_ERR_ARGUMENT);
    CHECK_STR(carecoord_error_field_path(err), "format");
    carecoord_error_free(err);
    CHECK(carecoord_evaluate_documents(&b, engine, NULL, 2, CARECOORD_FORMAT_JSON, "2026-05-23", &err) ==
          CARECOORD_ERR_ARGUMENT);
    CHECK_STR(carecoord_error_field_path(err), "docs");
    carecoord_error_free(err);
    carecoord_result_free(r);
    carecoord_patient_free(p);
}

/* carecoord_engine_check: the findings of tests/cli/data/analysis/findings.yaml, in order,
 * at the positions counted by hand in tests/cli/cli_tests.py. */
static void test_check(const char* source_dir) {
    static const char* const codes[] = {"W0701", "W0703", "W0701", "W0705", "W0704", "W0706", "W0707", "W0707"};
    static const int lines[] = {21, 29, 33, 7, 16, 11, 13, 13};
    static const int columns[] = {7, 7, 7, 24, 16, 39, 28, 56};
    char path[4096];
    carecoord_engine* engine = NULL;
    carecoord_error* err = NULL;
    carecoord_error* findings = NULL;
    const carecoord_error* f;
    size_t i = 0;
    snprintf(path, sizeof path, "%s/tests/cli/data/analysis/findings.yaml", source_dir);
    CHECK(carecoord_engine_load_path(&engine, path, &err) == CARECOORD_OK);
    CHECK(carecoord_engine_check(engine, 1, &findings, &err) == CARECOORD_OK);
    CHECK(err == NULL);
    CHECK(carecoord_error_count(findings) == 8);
    for (f = findings; f && i < 8; f = carecoord_error_next(f), ++i) {
        CHECK_STR(carecoord_error_code(f), codes[i]);
        CHECK(carecoord_error_line(f) == lines[i]);
        CHECK(carecoord_error_column(f) == columns[i]);
        CHECK_STR(carecoord_error_severity(f), "warning");
        CHECK_STR(carecoord_error_file(f), path);
        CHECK(carecoord_error_status(f) == CARECOORD_OK);
    }
    CHECK_STR(carecoord_error_rule_id(carecoord_error_next(findings)), "cc_conditions");
    carecoord_error_free(findings);
    findings = NULL;
    /* Without the analysis: only version gaps, and there are none. */
    CHECK(carecoord_engine_check(engine, 0, &findings, &err) == CARECOORD_OK);
    CHECK(findings == NULL);
    /* NULL arguments. */
    CHECK(carecoord_engine_check(NULL, 1, &findings, &err) == CARECOORD_ERR_ARGUMENT);
    CHECK(findings == NULL);
    CHECK_STR(carecoord_error_field_path(err), "engine");
    carecoord_error_free(err);
    err = NULL;
    CHECK(carecoord_engine_check(engine, 1, NULL, &err) == CARECOORD_ERR_ARGUMENT);
    CHECK_STR(carecoord_error_field_path(err), "findings");
    carecoord_error_free(err);
    err = NULL;
    carecoord_engine_free(engine);
    engine = NULL;
    /* From a string: the value sets cannot be read again, and a note says so. */
    {
        static const char yaml[] = "schema_version: 1\nruleset: s\nversion: 1.0.0\n"
                                   "effective: {from: 2024-01-01, until: null}\n"
                                   "programs:\n  - {id: p, when: 'true'}\n";
        CHECK(carecoord_engine_load_string(&engine, yaml, sizeof yaml - 1, "inline.yaml", &err) == CARECOORD_OK);
        CHECK(carecoord_engine_check(engine, 1, &findings, &err) == CARECOORD_OK);
        CHECK(carecoord_error_count(findings) == 1);
        CHECK_STR(carecoord_error_code(findings), "E0330");
        CHECK_STR(carecoord_error_severity(findings), "note");
        CHECK_STR(carecoord_error_file(findings), "inline.yaml");
        carecoord_error_free(findings);
        carecoord_engine_free(engine);
    }
}

int main(int argc, char** argv) {
    char rules[2048];
    carecoord_engine* engine = NULL;
    carecoord_patient* patient = NULL;
    carecoord_error* err = NULL;
    char* json;
    size_t len = 0;
    if (argc != 2) {
        fprintf(stderr, "usage: %s SOURCE_DIR\n", argv[0]);
        return 2;
    }
    snprintf(rules, sizeof rules, "%s/rulesets", argv[1]);
    snprintf(data_dir, sizeof data_dir, "%s/tests/data/care-plan", argv[1]);
    rules_dir = rules;
    CHECK(carecoord_version_number() == 200);
    CHECK_STR(carecoord_version(), "0.2.0");
    if (carecoord_engine_load_path(&engine, rules_dir, &err) != CARECOORD_OK) {
        fprintf(stderr, "%s\n", carecoord_error_string(err));
        return 1;
    }
    json = read_path(data_dir, "memorial-day-patient.json", &len);
    CHECK(carecoord_patient_parse(&patient, json, len, CARECOORD_FORMAT_JSON, &err) == CARECOORD_OK);
    test_care_plan(engine, patient);
    test_explain(engine, patient);
    test_options();
    test_include_root();
    test_documents(engine, json, len);
    test_check(argv[1]);
    carecoord_patient_free(patient);
    carecoord_engine_free(engine);
    free(json);
    printf("%d checks, %d failures\n", checks, failures);
    return failures ? 1 : 0;
}
