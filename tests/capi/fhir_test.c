/* The FHIR entry points of the C interface: CARECOORD_FORMAT_FHIR_BUNDLE and the bulk-export
 * reader (carecoord_fhir_bulk_*), over the real Synthea export. Expected values come from
 * the data (the Patient lines and their deceasedDateTime) and the rules, not from earlier
 * output.
 *
 * Usage: capi_fhir_test SOURCE_DIR EXPORT_DIR */
#include "carecoord.h"
#include "check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>


static const char* source_dir;
static const char* export_dir;


static carecoord_engine* load_engine(void) {
    char path[4096];
    carecoord_engine* engine = NULL;
    snprintf(path, sizeof path, "%s/rulesets", source_dir);
    if (carecoord_engine_load_path(&engine, path, NULL) != CARECOORD_OK) {
        fprintf(stderr, "cannot load %s\n", path);
        exit(2);
    }
    return engine;
}

/* The Patient lines of the export: ids, and which have a deceasedDateTime. */
#define MAX_PATIENTS 64
static char patient_ids[MAX_PATIENTS][65];
static int patient_deceased[MAX_PATIENTS];
static int patient_count = 0;
static int deceased_count = 0;

static void read_patient_file(void) {
    char* text = read_path(export_dir, "Patient.000.ndjson", NULL);
    char* line = text;
    while (line && *line) {
        char* end = strchr(line, '\n');
        const char* id;
        if (end) *end = '\0';
        id = strstr(line, "\"id\":\"");
        if (id && patient_count < MAX_PATIENTS) {
            size_t n;
            id += 6;
            n = strcspn(id, "\"");
            if (n > 64) n = 64;
            memcpy(patient_ids[patient_count], id, n);
            patient_ids[patient_count][n] = '\0';
            patient_deceased[patient_count] = strstr(line, "\"deceasedDateTime\"") != NULL;
            deceased_count += patient_deceased[patient_count];
            ++patient_count;
        }
        line = end ? end + 1 : NULL;
    }
    free(text);
}

static int patient_index(const char* id) {
    int i;
    for (i = 0; i < patient_count; ++i)
        if (strcmp(patient_ids[i], id) == 0) return i;
    return -1;
}

/* A collection Bundle of every line of the export that names patient `id`: its Patient
 * resource and the resources whose subject it is. */
static char* bundle_of(const char* id) {
    static const char* files[] = {"Patient.000.ndjson", "Condition.000.ndjson", "Encounter.000.ndjson",
                                  "MedicationRequest.000.ndjson"};
    size_t cap = 1 << 16, used = 0, i;
    char* out = malloc(cap);
    int first = 1;
    if (!out) exit(2);
    used += (size_t)sprintf(out, "{\"resourceType\":\"Bundle\",\"type\":\"collection\",\"entry\":[");
    for (i = 0; i < sizeof files / sizeof files[0]; ++i) {
        char* text = read_path(export_dir, files[i], NULL);
        char* line = text;
        while (line && *line) {
            char* end = strchr(line, '\n');
            size_t n;
            if (end) *end = '\0';
            n = strlen(line);
            if (n > 0 && strstr(line, id)) {
                while (used + n + 64 > cap) {
                    cap *= 2;
                    out = realloc(out, cap);
                    if (!out) exit(2);
                }
                used += (size_t)sprintf(out + used, "%s{\"resource\":", first ? "" : ",");
                memcpy(out + used, line, n);
                used += n;
                out[used++] = '}';
                first = 0;
            }
            line = end ? end + 1 : NULL;
        }
        free(text);
    }
    if (used + 4 > cap) {
        out = realloc(out, cap + 4);
        if (!out) exit(2);
    }
    strcpy(out + used, "]}");
    return out;
}

static void check_warning_list(const carecoord_error* w) {
    for (; w; w = carecoord_error_next(w)) {
        CHECK(carecoord_error_status(w) == CARECOORD_OK);
        CHECK(strncmp(carecoord_error_code(w), "E08", 3) == 0);
        CHECK(strcmp(carecoord_error_severity(w), "warning") == 0 || strcmp(carecoord_error_severity(w), "note") == 0);
        CHECK(carecoord_error_message(w)[0] != '\0');
    }
}

/* The bulk reader over the real export: every Patient line is a patient, the deceased
 * ones get no follow-up trigger. Returns the determination JSON of patient `want`. */
static char* test_bulk_reader(const char* want) {
    carecoord_engine* engine = load_engine();
    carecoord_fhir_bulk* reader = NULL;
    carecoord_error* err = NULL;
    carecoord_patient* kept = NULL;
    carecoord_result* r = NULL;
    char* want_json = NULL;
    int seen = 0, deceased_seen = 0, with_warnings = 0, status;
    int seen_flags[MAX_PATIENTS] = {0};

    CHECK(carecoord_fhir_bulk_open(&reader, export_dir, &err) == CARECOORD_OK);
    CHECK(err == NULL);
    CHECK(reader != NULL);
    if (!reader) return NULL;
    CHECK(carecoord_fhir_bulk_patient_count(reader) == (size_t)patient_count);
    check_warning_list(carecoord_fhir_bulk_export_diagnostics(reader));

    for (;;) {
        carecoord_patient* p = (carecoord_patient*)&err; /* not NULL: next must reset it */
        err = (carecoord_error*)&status;
        status = carecoord_fhir_bulk_next(reader, &p, &err);
        if (status == CARECOORD_END) {
            CHECK(p == NULL);
            CHECK(err == NULL);
            break;
        }
        CHECK(status == CARECOORD_OK || status == CARECOORD_OK_WITH_WARNINGS);
        CHECK(err == NULL);
        if (status != CARECOORD_OK && status != CARECOORD_OK_WITH_WARNINGS) {
            carecoord_error_free(err);
            break;
        }
        CHECK(p != NULL);
        ++seen;
        if (status == CARECOORD_OK_WITH_WARNINGS) {
            const carecoord_error* w = carecoord_patient_warnings(p);
            ++with_warnings;
            CHECK(w != NULL);
            check_warning_list(w);
            /* a warning names the resource and the element: "Condition/<id>.code" */
            CHECK(strchr(carecoord_error_field_path(w), '/') != NULL);
        } else {
            CHECK(carecoord_patient_warnings(p) == NULL);
        }
        CHECK(carecoord_evaluate(&r, engine, p, "2026-11-27", NULL) == CARECOORD_OK);
        {
            int i = patient_index(carecoord_result_patient_id(r));
            CHECK(i >= 0);
            if (i >= 0) {
                CHECK(!seen_flags[i]);
                seen_flags[i] = 1;
                if (patient_deceased[i]) {
                    ++deceased_seen;
                    CHECK(carecoord_result_trigger_count(r) == 0);
                }
            }
        }
        if (strcmp(carecoord_result_patient_id(r), want) == 0) {
            want_json = malloc(strlen(carecoord_result_json(r)) + 1);
            if (want_json) strcpy(want_json, carecoord_result_json(r));
        }
        carecoord_result_free(r);
        r = NULL;
        if (!kept) kept = p;
        else carecoord_patient_free(p);
    }
    CHECK(seen == patient_count);
    CHECK(deceased_seen == deceased_count);
    /* past the end, the end again */
    {
        carecoord_patient* p = NULL;
        CHECK(carecoord_fhir_bulk_next(reader, &p, &err) == CARECOORD_END);
        CHECK(p == NULL && err == NULL);
    }
    printf("bulk: %d patients (%d deceased, %d with warnings)\n", seen, deceased_seen, with_warnings);

    /* free order: the reader and the engine first, the patient it returned still works */
    carecoord_fhir_bulk_free(reader);
    carecoord_engine_free(engine);
    engine = load_engine();
    CHECK(kept != NULL);
    CHECK(carecoord_evaluate(&r, engine, kept, "2026-11-27", NULL) == CARECOORD_OK);
    carecoord_result_free(r);
    carecoord_patient_free(kept);
    carecoord_engine_free(engine);
    return want_json;
}

/* One patient of the export as a Bundle: the same determination as through the bulk reader. */
static void test_bundle_from_export(const char* id, const char* bulk_json) {
    carecoord_engine* engine = load_engine();
    carecoord_patient* p = NULL;
    carecoord_result* r = NULL;
    carecoord_error* err = NULL;
    char* bundle = bundle_of(id);
    int i = patient_index(id);
    CHECK(carecoord_patient_parse(&p, bundle, strlen(bundle), CARECOORD_FORMAT_FHIR_BUNDLE, &err) == CARECOORD_OK);
    CHECK(err == NULL);
    CHECK(p != NULL);
    check_warning_list(carecoord_patient_warnings(p));
    CHECK(carecoord_evaluate(&r, engine, p, "2026-11-27", NULL) == CARECOORD_OK);
    CHECK_STR(carecoord_result_patient_id(r), id);
    CHECK(bulk_json != NULL);
    if (bulk_json) CHECK_STR(carecoord_result_json(r), bulk_json);
    CHECK(i >= 0 && patient_deceased[i]);
    CHECK(carecoord_result_trigger_count(r) == 0); /* deceased: no follow-up */
    carecoord_result_free(r);
    carecoord_patient_free(p);
    carecoord_engine_free(engine);
    free(bundle);
}

/* A small Bundle: a condition coded in no known system is skipped, with a warning naming
 * the resource and the element, and no value of the data. */
static void test_bundle_warnings_and_errors(void) {
    static const char bundle[] =
        "{\"resourceType\": \"Bundle\", \"type\": \"collection\", \"entry\": ["
        " {\"resource\": {\"resourceType\": \"Patient\", \"id\": \"fx-1\", \"birthDate\": \"1950-06-15\","
        "   \"gender\": \"female\"}},"
        " {\"resource\": {\"resourceType\": \"Condition\", \"id\": \"cond-1\","
        "   \"subject\": {\"reference\": \"Patient/fx-1\"},"
        "   \"code\": {\"coding\": [{\"system\": \"http://example.org/local\", \"code\": \"SECRET42\"}]}}},"
        " {\"resource\": {\"resourceType\": \"Condition\", \"id\": \"cond-2\","
        "   \"subject\": {\"reference\": \"Patient/fx-1\"}, \"onsetDateTime\": \"2020-01-01\","
        "   \"code\": {\"coding\": [{\"system\": \"http://hl7.org/fhir/sid/icd-10-cm\", \"code\": \"E119\"}]}}}]}";
    static const char no_patient[] = "{\"resourceType\": \"Bundle\", \"type\": \"collection\", \"entry\": []}";
    carecoord_patient* p = NULL;
    carecoord_error* err = NULL;
    const carecoord_error* w;
    int found = 0;

    CHECK(carecoord_patient_parse(&p, bundle, sizeof bundle - 1, CARECOORD_FORMAT_FHIR_BUNDLE, &err) == CARECOORD_OK);
    CHECK(err == NULL);
    w = carecoord_patient_warnings(p);
    CHECK(w != NULL);
    check_warning_list(w);
    for (; w; w = carecoord_error_next(w)) {
        if (strncmp(carecoord_error_field_path(w), "Condition/cond-1", 16) == 0) {
            ++found;
            CHECK_STR(carecoord_error_code(w), "E0803");
            CHECK(strstr(carecoord_error_message(w), "SECRET42") == NULL);
            CHECK(strstr(carecoord_error_string(w), "SECRET42") == NULL);
        }
        CHECK(strncmp(carecoord_error_field_path(w), "Condition/cond-2", 16) != 0);
    }
    CHECK(found == 1);
    /* the patient is an ordinary patient: the builder works on it, the warnings stay */
    CHECK(carecoord_patient_set_field(p, "social.food_insecurity", "true", NULL) == CARECOORD_OK);
    CHECK(carecoord_patient_warnings(p) != NULL);
    carecoord_patient_free(p);

    /* patients from JSON, YAML and the builder have no warnings */
    {
        static const char doc[] = "{\"id\": \"j\", \"birth_date\": \"1950-01-01\"}";
        CHECK(carecoord_patient_parse(&p, doc, sizeof doc - 1, CARECOORD_FORMAT_JSON, NULL) == CARECOORD_OK);
    }
    CHECK(p != NULL && carecoord_patient_warnings(p) == NULL);
    carecoord_patient_free(p);

    /* no Patient in the Bundle; not JSON: patient errors */
    p = (carecoord_patient*)&err;
    CHECK(carecoord_patient_parse(&p, no_patient, sizeof no_patient - 1, CARECOORD_FORMAT_FHIR_BUNDLE, &err) ==
          CARECOORD_ERR_PATIENT);
    CHECK(p == NULL);
    CHECK(carecoord_error_status(err) == CARECOORD_ERR_PATIENT);
    CHECK(strncmp(carecoord_error_code(err), "E08", 3) == 0);
    carecoord_error_free(err);
    CHECK(carecoord_patient_parse(&p, "{not json", 9, CARECOORD_FORMAT_FHIR_BUNDLE, &err) == CARECOORD_ERR_PATIENT);
    CHECK(p == NULL && err != NULL);
    carecoord_error_free(err);
    CHECK(carecoord_patient_parse(&p, NULL, 0, CARECOORD_FORMAT_FHIR_BUNDLE, &err) == CARECOORD_ERR_PATIENT);
    carecoord_error_free(err);
    /* Issue 13: an entry without a resource, and a null entry, crashed the process. Now: the
       entry is skipped with a warning E0801 (entry[0].resource); without a Patient, E0806. */
    {
        static const char empty_entry[] = "{\"resourceType\":\"Bundle\",\"entry\":[{}]}";
        static const char null_entry[] = "{\"resourceType\":\"Bundle\",\"entry\":[null,{\"resource\":"
                                         "{\"resourceType\":\"Patient\",\"id\":\"n\",\"birthDate\":\"1950-01-01\"}}]}";
        const carecoord_error* w;
        CHECK(carecoord_patient_parse(&p, empty_entry, sizeof empty_entry - 1, CARECOORD_FORMAT_FHIR_BUNDLE, &err) ==
              CARECOORD_ERR_PATIENT);
        CHECK(p == NULL);
        CHECK_STR(carecoord_error_code(err), "E0806");
        carecoord_error_free(err);
        err = NULL;
        CHECK(carecoord_patient_parse(&p, null_entry, sizeof null_entry - 1, CARECOORD_FORMAT_FHIR_BUNDLE, &err) ==
              CARECOORD_OK); /* warnings are on the patient */
        CHECK(p != NULL);
        w = carecoord_patient_warnings(p);
        CHECK(w != NULL);
        if (w) {
            CHECK_STR(carecoord_error_code(w), "E0801");
            CHECK_STR(carecoord_error_field_path(w), "entry[0].resource");
            CHECK(carecoord_error_next(w) == NULL);
        }
        carecoord_patient_free(p);
    }
    CHECK(carecoord_patient_parse(&p, bundle, sizeof bundle - 1, 3, &err) == CARECOORD_ERR_ARGUMENT);
    CHECK_STR(carecoord_error_field_path(err), "format");
    carecoord_error_free(err);
}

static void test_null_arguments(void) {
    carecoord_fhir_bulk* reader = (carecoord_fhir_bulk*)&checks;
    carecoord_patient* p = NULL;
    carecoord_error* err = NULL;

    carecoord_fhir_bulk_free(NULL);
    CHECK(carecoord_fhir_bulk_patient_count(NULL) == 0);
    CHECK(carecoord_fhir_bulk_export_diagnostics(NULL) == NULL);
    CHECK(carecoord_patient_warnings(NULL) == NULL);
    CHECK_STR(carecoord_error_severity(NULL), "");
    CHECK_STR(carecoord_status_name(CARECOORD_OK_WITH_WARNINGS), "ok_with_warnings");
    CHECK_STR(carecoord_status_name(CARECOORD_END), "end");

    CHECK(carecoord_fhir_bulk_open(NULL, export_dir, &err) == CARECOORD_ERR_ARGUMENT);
    CHECK_STR(carecoord_error_field_path(err), "out");
    CHECK_STR(carecoord_error_severity(err), "error");
    carecoord_error_free(err);
    CHECK(carecoord_fhir_bulk_open(&reader, NULL, &err) == CARECOORD_ERR_ARGUMENT);
    CHECK(reader == NULL);
    CHECK_STR(carecoord_error_code(err), "E0901");
    CHECK_STR(carecoord_error_field_path(err), "directory");
    carecoord_error_free(err);
    CHECK(carecoord_fhir_bulk_open(&reader, "/nonexistent/carecoord-export", &err) == CARECOORD_ERR_PATIENT);
    CHECK(reader == NULL);
    CHECK_STR(carecoord_error_code(err), "E0809");
    carecoord_error_free(err);
    CHECK(carecoord_fhir_bulk_open(&reader, "/nonexistent/carecoord-export", NULL) == CARECOORD_ERR_PATIENT);
    /* A regular file, even one NDJSON file of the export, is not an export directory
     * (issue 15: it returned OK). */
    {
        char file[4096];
        snprintf(file, sizeof file, "%s/Patient.000.ndjson", export_dir);
        reader = (carecoord_fhir_bulk*)&checks;
        CHECK(carecoord_fhir_bulk_open(&reader, file, &err) == CARECOORD_ERR_PATIENT);
        CHECK(reader == NULL);
        CHECK_STR(carecoord_error_code(err), "E0809");
        carecoord_error_free(err);
        err = NULL;
        reader = (carecoord_fhir_bulk*)&checks;
        CHECK(carecoord_fhir_bulk_open(&reader, "/dev/null", NULL) == CARECOORD_ERR_PATIENT);
        CHECK(reader == NULL);
    }

    CHECK(carecoord_fhir_bulk_next(NULL, &p, &err) == CARECOORD_ERR_ARGUMENT);
    CHECK(p == NULL);
    CHECK_STR(carecoord_error_field_path(err), "reader");
    carecoord_error_free(err);
    CHECK(carecoord_fhir_bulk_open(&reader, export_dir, NULL) == CARECOORD_OK);
    CHECK(carecoord_fhir_bulk_next(reader, NULL, &err) == CARECOORD_ERR_ARGUMENT);
    CHECK_STR(carecoord_error_field_path(err), "out");
    carecoord_error_free(err);
    /* a reader freed before it is read to the end */
    {
        carecoord_status st = carecoord_fhir_bulk_next(reader, &p, NULL);
        CHECK(st == CARECOORD_OK || st == CARECOORD_OK_WITH_WARNINGS);
    }
    carecoord_fhir_bulk_free(reader);
    CHECK(p != NULL);
    carecoord_patient_free(p);
}

static int ends_with(const char* s, const char* suffix) {
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* tests/fhir/bulk-warnings (its README): a patient with a warning, one that cannot be
 * mapped, one clean, and a resource of a patient not in the export. */
static void test_bulk_fixture(void) {
    char dir[4096];
    carecoord_fhir_bulk* reader = NULL;
    carecoord_patient* p = NULL;
    carecoord_error* err = NULL;
    const carecoord_error* w;
    snprintf(dir, sizeof dir, "%s/tests/fhir/bulk-warnings", source_dir);
    CHECK(carecoord_fhir_bulk_open(&reader, dir, &err) == CARECOORD_OK);
    if (!reader) return;
    CHECK(carecoord_fhir_bulk_patient_count(reader) == 3);
    w = carecoord_fhir_bulk_export_diagnostics(reader);
    CHECK(w != NULL && carecoord_error_next(w) == NULL);
    CHECK_STR(carecoord_error_code(w), "E0806");
    CHECK_STR(carecoord_error_severity(w), "warning");
    CHECK(ends_with(carecoord_error_file(w), "Condition.ndjson") && carecoord_error_line(w) == 3);
    CHECK(strncmp(carecoord_error_field_path(w), "Condition/cond-3.", 17) == 0);

    /* fx-1: one warning, the condition in an unknown system */
    CHECK(carecoord_fhir_bulk_next(reader, &p, &err) == CARECOORD_OK_WITH_WARNINGS);
    CHECK(err == NULL);
    w = carecoord_patient_warnings(p);
    CHECK(w != NULL && carecoord_error_next(w) == NULL);
    CHECK_STR(carecoord_error_code(w), "E0803");
    CHECK(strncmp(carecoord_error_field_path(w), "Condition/cond-1.", 17) == 0);
    CHECK(ends_with(carecoord_error_file(w), "Condition.ndjson") && carecoord_error_line(w) == 1);
    CHECK(strstr(carecoord_error_string(w), "SECRET42") == NULL);
    carecoord_patient_free(p);

    /* fx-2: no birthDate; the reader goes on */
    CHECK(carecoord_fhir_bulk_next(reader, &p, &err) == CARECOORD_ERR_PATIENT);
    CHECK(p == NULL);
    CHECK_STR(carecoord_error_code(err), "E0802");
    CHECK(strncmp(carecoord_error_field_path(err), "Patient/fx-2.", 13) == 0);
    carecoord_error_free(err);

    /* fx-3: clean */
    CHECK(carecoord_fhir_bulk_next(reader, &p, &err) == CARECOORD_OK);
    CHECK(p != NULL && carecoord_patient_warnings(p) == NULL);
    carecoord_patient_free(p);
    CHECK(carecoord_fhir_bulk_next(reader, &p, &err) == CARECOORD_END);
    CHECK(p == NULL && err == NULL);
    carecoord_fhir_bulk_free(reader);
}

int main(int argc, char** argv) {
    char* bulk_json;
    int i, deceased = -1;
    if (argc != 3) {
        fprintf(stderr, "usage: %s SOURCE_DIR EXPORT_DIR\n", argv[0]);
        return 2;
    }
    source_dir = argv[1];
    export_dir = argv[2];
    read_patient_file();
    CHECK(patient_count == 13); /* the export's README: 13 patients, 3 deceased */
    CHECK(deceased_count == 3);
    for (i = 0; i < patient_count && deceased < 0; ++i)
        if (patient_deceased[i]) deceased = i;
    if (deceased < 0) return 1;
    bulk_json = test_bulk_reader(patient_ids[deceased]);
    test_bundle_from_export(patient_ids[deceased], bulk_json);
    free(bulk_json);
    test_bundle_warnings_and_errors();
    test_null_arguments();
    test_bulk_fixture();
    printf("%d checks, %d failed\n", checks, failures);
    return failures == 0 ? 0 : 1;
}
