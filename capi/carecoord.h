/*
 * carecoord.h: the stable C interface of carecoord (libcarecoord.so).
 *
 * carecoord answers, for one patient at one as-of date: the care-intensity tier, payer
 * program eligibility, and the follow-up triggers that are due. The rules live in YAML
 * rulesets (docs/ruleset-language.md); patients are JSON or YAML documents
 * (docs/patient-schema.md), FHIR R4 Bundles or bulk-data exports (docs/fhir.md), or are built
 * with the carecoord_patient_* functions below. Since 0.2.0 it also drives care-plan
 * workflows (carecoord_care_plan_*) and explains determinations (carecoord_explain).
 * This header is the manual; docs/c-api.md is the overview.
 *
 * CONVENTIONS
 *
 *  - Handles are opaque. Every handle has a create function and a free function; the free
 *    functions accept NULL and then do nothing. What the library allocates, the library
 *    frees: never pass one of its pointers to free(), and never free a borrowed string.
 *
 *  - Functions that can fail return a carecoord_status (CARECOORD_OK is 0). Out-params
 *    come first and are called `out`; on failure *out is set to NULL. The last parameter
 *    `carecoord_error** err` may be NULL (no details wanted); otherwise *err is set to NULL
 *    on success and to a new error object on failure, which the caller frees with
 *    carecoord_error_free(). Errors are owned objects, not thread-local state, so they
 *    may be read on any thread.
 *
 *  - Strings are UTF-8 and NUL-terminated unless a length is passed. A `const char*`
 *    returned by a getter is borrowed: it stays valid until the handle it came from is
 *    freed, and is never NULL unless the function says so.
 *
 *  - Dates are "YYYY-MM-DD" strings (years 1800-2999); date-times are
 *    "YYYY-MM-DDTHH:MM", wall-clock times of the care setting (docs/patient-schema.md).
 *    Enum values of the patient document ("female", "medicare_ffs", "inpatient") are
 *    passed as the same strings.
 *
 *  - No C++ exception ever crosses this interface. Running out of memory is reported as
 *    CARECOORD_ERR_NOMEM.
 *
 * THREAD SAFETY
 *
 *  - Anything passed as a const pointer may be shared between threads and used
 *    concurrently: one `const carecoord_engine*` can evaluate patients on any number of
 *    threads at once, and a `const carecoord_patient*`, `const carecoord_result*` or
 *    `const carecoord_error*` can be read from several threads.
 *  - A non-const pointer (a patient being built, a handle being freed) must not be used
 *    by another thread at the same time.
 *  - Handles are independent: a result keeps everything it needs, so the engine and the
 *    patient it came from may be freed before it, in any order, on any thread.
 *
 * VERSIONING AND GROWTH
 *
 *  - The header version is CARECOORD_VERSION_MAJOR/MINOR/PATCH; the library's is
 *    carecoord_version(). The shared library's SONAME carries the major version
 *    (libcarecoord.so.0); a program built against this header runs with any library of
 *    the same major version and an equal or greater minor version.
 *  - The ruleset `schema_version` values the engine accepts are
 *    carecoord_schema_version_min() .. carecoord_schema_version_max().
 *  - Functions never change signature. New behaviour comes as new functions (a `_v2`
 *    suffix where it replaces one), and new enum values may be added: treat unknown
 *    status codes as errors.
 */
#ifndef CARECOORD_H
#define CARECOORD_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Symbols are exported only when building the library (hidden visibility elsewhere). */
#if defined(CARECOORD_BUILDING) && defined(__GNUC__)
#define CARECOORD_API __attribute__((visibility("default")))
#else
#define CARECOORD_API
#endif

/* ===================================================================================
 * Versions
 * =================================================================================== */

#define CARECOORD_VERSION_MAJOR 0
#define CARECOORD_VERSION_MINOR 2
#define CARECOORD_VERSION_PATCH 0
/* major * 10000 + minor * 100 + patch */
#define CARECOORD_VERSION_NUMBER \
    (CARECOORD_VERSION_MAJOR * 10000 + CARECOORD_VERSION_MINOR * 100 + CARECOORD_VERSION_PATCH)

/* The library's version, "MAJOR.MINOR.PATCH". Static storage; never freed. */
CARECOORD_API const char* carecoord_version(void);

/* The library's version as CARECOORD_VERSION_NUMBER computes it. Compare it with the
 * header's macro to detect a library older than the header. */
CARECOORD_API int carecoord_version_number(void);

/* The lowest and highest ruleset `schema_version` this library accepts. */
CARECOORD_API int carecoord_schema_version_min(void);
CARECOORD_API int carecoord_schema_version_max(void);

/* ===================================================================================
 * Status codes and errors
 * =================================================================================== */

/* What a function returns. The values are stable; new ones may be added. */
typedef enum carecoord_status {
    CARECOORD_OK = 0,
    /* A NULL or malformed argument: a NULL handle or string where one is required, an
     * as-of date that is not YYYY-MM-DD, an unknown format. The error names the
     * parameter in its field path. */
    CARECOORD_ERR_ARGUMENT = 1,
    /* Rulesets could not be read or failed their checks (codes E01xx, E03xx, E04xx). The
     * error lists every diagnostic, each with file, line and column. */
    CARECOORD_ERR_RULESET = 2,
    /* A patient document or a builder value is invalid (codes E01xx, E02xx). Each
     * diagnostic names the field path (conditions[3].onset), never a patient value. */
    CARECOORD_ERR_PATIENT = 3,
    /* Evaluation failed, e.g. no ruleset is in force at the as-of date (E05xx). */
    CARECOORD_ERR_EVALUATION = 4,
    /* Out of memory. */
    CARECOORD_ERR_NOMEM = 5,
    /* An unexpected failure inside the library (a bug: please report it). */
    CARECOORD_ERR_INTERNAL = 6,
    /* Not failures: returned only by carecoord_fhir_bulk_next() (see there). A patient
     * was read and has warnings; there are no more patients. */
    CARECOORD_OK_WITH_WARNINGS = 7,
    CARECOORD_END = 8
} carecoord_status;

/* A short constant name for a status ("ok", "argument", "ruleset", "patient",
 * "evaluation", "nomem", "internal", "ok_with_warnings", "end"; "unknown" for other values). Static storage.
 * `status` is an int so that any value, even one this version does not know, is
 * defined behaviour; pass a carecoord_status. */
CARECOORD_API const char* carecoord_status_name(int status);

/* One or more diagnostics explaining a failure, as a list: the object returned through
 * `err` is the first diagnostic, carecoord_error_next() walks the rest. Only the first
 * one is freed, with carecoord_error_free(), which frees the whole list. */
typedef struct carecoord_error carecoord_error;

/* Frees an error and every diagnostic after it. NULL: no-op. Pass only an error that a
 * function returned through `err`, never one obtained from carecoord_error_next(). */
CARECOORD_API void carecoord_error_free(carecoord_error* err);

/* The status of the failing call (the same for every diagnostic of the list);
 * CARECOORD_OK for a NULL err. */
CARECOORD_API carecoord_status carecoord_error_status(const carecoord_error* err);

/* The next diagnostic, or NULL after the last. Borrowed: valid until the first error of
 * the list is freed. */
CARECOORD_API const carecoord_error* carecoord_error_next(const carecoord_error* err);

/* How many diagnostics there are from `err` to the end of the list: 1 or more, 0 for a
 * NULL err. */
CARECOORD_API size_t carecoord_error_count(const carecoord_error* err);

/* The stable code of this diagnostic, e.g. "E0204" (docs/patient-schema.md,
 * docs/ruleset-language.md, docs/c-api.md). The getters below return borrowed strings,
 * valid until the error is freed; an empty string (never NULL) when the information
 * does not apply. With a NULL err they return "" and 0. */
CARECOORD_API const char* carecoord_error_code(const carecoord_error* err);
/* The message. It names fields, rules and files, never patient values. */
CARECOORD_API const char* carecoord_error_message(const carecoord_error* err);
/* The ruleset file or document name the diagnostic is about. */
CARECOORD_API const char* carecoord_error_file(const carecoord_error* err);
/* 1-based line and column in that file; 0 when unknown. */
CARECOORD_API int carecoord_error_line(const carecoord_error* err);
CARECOORD_API int carecoord_error_column(const carecoord_error* err);
/* The rule, fact or trigger the diagnostic is about, if any. */
CARECOORD_API const char* carecoord_error_rule_id(const carecoord_error* err);
/* The patient field path ("conditions[3].onset"), or the parameter name for
 * CARECOORD_ERR_ARGUMENT ("path", "as_of"). */
CARECOORD_API const char* carecoord_error_field_path(const carecoord_error* err);
/* "file:line:col: error[CODE]: message", the format editors and CI parse. */
CARECOORD_API const char* carecoord_error_string(const carecoord_error* err);

/* ===================================================================================
 * Engine: loaded and compiled rulesets
 * =================================================================================== */

/* An engine is immutable once loaded: a `const carecoord_engine*` may be used by any
 * number of threads at once. */
typedef struct carecoord_engine carecoord_engine;

/* Loads every ruleset under `path`: a file, or a directory read recursively (*.yaml,
 * *.yml). All diagnostics are collected, not just the first (CARECOORD_ERR_RULESET).
 * `path` is read only during the call. On success *out is a new engine, freed with
 * carecoord_engine_free(). */
CARECOORD_API carecoord_status carecoord_engine_load_path(carecoord_engine** out, const char* path,
                                                          carecoord_error** err);

/* Loads one ruleset from `len` bytes of YAML text (need not be NUL-terminated).
 * `name` (may be NULL: "<string>") is the file name diagnostics report. A ruleset
 * loaded from a string cannot `include` other files. Both strings are read only during
 * the call. */
CARECOORD_API carecoord_status carecoord_engine_load_string(carecoord_engine** out, const char* text, size_t len,
                                                            const char* name, carecoord_error** err);

/* Frees an engine. NULL: no-op. Results already computed with it stay valid. Must not
 * run while another thread is evaluating with the same engine. */
CARECOORD_API void carecoord_engine_free(carecoord_engine* engine);

/* The number of ruleset versions loaded (all versions, in force or not). 0 for NULL. */
CARECOORD_API size_t carecoord_engine_ruleset_count(const carecoord_engine* engine);
/* The id, version and effective-from date ("YYYY-MM-DD") of the i-th loaded ruleset
 * version. Borrowed, valid until the engine is freed; NULL when i is out of range. */
CARECOORD_API const char* carecoord_engine_ruleset_id(const carecoord_engine* engine, size_t i);
CARECOORD_API const char* carecoord_engine_ruleset_version(const carecoord_engine* engine, size_t i);
CARECOORD_API const char* carecoord_engine_ruleset_effective_from(const carecoord_engine* engine, size_t i);

/* --- Engine options (0.2.0) ---------------------------------------------------------
 *
 * The limits on ruleset and patient input (docs/reliability.md#limits) and the choice to
 * ignore effective dates, for the _v2 load functions. An options object is read only during
 * the call it is passed to; one object may serve any number of loads. Every limit has the
 * documented default until it is set. */
typedef struct carecoord_engine_options carecoord_engine_options;

/* A new options object with the defaults; freed with carecoord_engine_options_free(). */
CARECOORD_API carecoord_status carecoord_engine_options_new(carecoord_engine_options** out, carecoord_error** err);

/* Frees an options object. NULL: no-op. Engines loaded with it are not affected. */
CARECOORD_API void carecoord_engine_options_free(carecoord_engine_options* options);

/* Sets one limit by its name (docs/c-api.md lists them with their defaults):
 *   ruleset.max_file_bytes | ruleset.max_yaml_depth | ruleset.max_expression_depth
 *   ruleset.max_expression_nodes | ruleset.max_string_length
 *   patient.max_document_bytes | patient.max_list_length | patient.max_string_length
 *   patient.max_depth
 * `value` must be at least 1. An unknown name, or 0, is CARECOORD_ERR_ARGUMENT (E0902,
 * field path "name" or "value") and changes nothing. The patient limits apply to the
 * documents of the engine's batches (carecoord_evaluate_documents(), carecoord_evaluate_batch())
 * and to carecoord_patient_parse_v2(). */
CARECOORD_API carecoord_status carecoord_engine_options_set_limit(carecoord_engine_options* options, const char* name,
                                                                  size_t value, carecoord_error** err);

/* The current value of a limit by name; 0 for an unknown name or a NULL options. */
CARECOORD_API size_t carecoord_engine_options_limit(const carecoord_engine_options* options, const char* name);

/* ignore_effective: non-zero makes every loaded ruleset in force at any as-of date, the
 * latest effective.from winning among versions of one id (what `carecoord diff
 * --ignore-effective` does). Default 0. */
CARECOORD_API carecoord_status carecoord_engine_options_set_ignore_effective(carecoord_engine_options* options,
                                                                             int ignore_effective, carecoord_error** err);

/* Adds a directory an include: may lead into besides the tree being loaded (by default an
 * include stays in the tree of the file naming it, the parent of that file's directory;
 * an absolute path, a '..' out of it or a symbolic link leading out is E0350-E0352:
 * docs/ruleset-language.md, "Includes and the tree"). Repeatable. directory NULL or empty:
 * CARECOORD_ERR_ARGUMENT. */
CARECOORD_API carecoord_status carecoord_engine_options_add_include_root(carecoord_engine_options* options,
                                                                         const char* directory, carecoord_error** err);

/* carecoord_engine_load_path() and carecoord_engine_load_string() with options (NULL: the
 * defaults, exactly as the functions without _v2). */
CARECOORD_API carecoord_status carecoord_engine_load_path_v2(carecoord_engine** out, const char* path,
                                                             const carecoord_engine_options* options,
                                                             carecoord_error** err);
CARECOORD_API carecoord_status carecoord_engine_load_string_v2(carecoord_engine** out, const char* text, size_t len,
                                                               const char* name,
                                                               const carecoord_engine_options* options,
                                                               carecoord_error** err);

/* --- Static analysis (0.2.0) ----------------------------------------------------------
 *
 * What `carecoord check` reports about the loaded rulesets beyond load errors
 * (docs/errors.md): version gaps (E0315), tier rules that can never or always match or are
 * shadowed (W0701-W0703), unused facts and parameters (W0704, W0705), overlapping value-set
 * entries (W0706, W0707), in that order, each with file, line and column; a note E0330 for
 * a ruleset file whose value sets could not be read again (one loaded from a string).
 * `analysis` 0 gives only the structural findings (E0315), as `check --no-analysis`.
 * On CARECOORD_OK, *findings is the list (carecoord_error_next(), carecoord_error_severity():
 * "warning" or "note"; carecoord_error_status() CARECOORD_OK), or NULL when there is none;
 * freed with carecoord_error_free(). */
CARECOORD_API carecoord_status carecoord_engine_check(const carecoord_engine* engine, int analysis,
                                                      carecoord_error** findings, carecoord_error** err);

/* ===================================================================================
 * Patients
 * =================================================================================== */

/* One patient's data. Built from a document or with the builder functions; not thread
 * safe while it is being built, shareable as `const carecoord_patient*` afterwards. */
typedef struct carecoord_patient carecoord_patient;

typedef enum carecoord_format {
    CARECOORD_FORMAT_JSON = 0,
    CARECOORD_FORMAT_YAML = 1,
    /* A FHIR R4 Bundle holding one Patient and its resources (docs/fhir.md); its
     * warnings are kept on the patient: carecoord_patient_warnings(). */
    CARECOORD_FORMAT_FHIR_BUNDLE = 2
} carecoord_format;

/* Decodes one patient document of `len` bytes (need not be NUL-terminated; read only
 * during the call) in `format`, a carecoord_format value (an int, so that a wrong value
 * is an argument error, CARECOORD_ERR_ARGUMENT, rather than undefined). Every error in the document is reported (CARECOORD_ERR_PATIENT),
 * each with its code and field path; YAML errors also carry line and column. On success
 * *out is a new patient, freed with carecoord_patient_free(). With
 * CARECOORD_FORMAT_FHIR_BUNDLE the status is CARECOORD_OK even when resources were
 * skipped: read those warnings with carecoord_patient_warnings(). */
CARECOORD_API carecoord_status carecoord_patient_parse(carecoord_patient** out, const char* text, size_t len,
                                                       int format, carecoord_error** err);

/* Frees a patient. NULL: no-op. Results computed from it stay valid. */
CARECOORD_API void carecoord_patient_free(carecoord_patient* patient);

/* --- The builder ------------------------------------------------------------------
 *
 * For callers with structured data. Start with carecoord_patient_new(), then add list
 * items and set fields; each call checks its values as the document decoder does
 * (same codes: E0204 bad date, E0207 bad enum value, E0205 missing required value,
 * E0202 unknown field, E0203 wrong type, E0208 an end before its start, E0211 out of
 * range) and returns CARECOORD_ERR_PATIENT without changing the patient when a value
 * is refused. Field paths in errors are those of the document ("coverage[0].start").
 * Optional `const char*` parameters may be NULL: the value is then absent, with the
 * meaning docs/patient-schema.md gives absence. All strings are copied.
 *
 * List items are numbered from 0 in the order they were added, per list; that number is
 * the index used by carecoord_patient_set_field() and carecoord_patient_add_medication_event().
 */

/* A new patient with its two required fields: `id` (non-empty) and `birth_date`. */
CARECOORD_API carecoord_status carecoord_patient_new(carecoord_patient** out, const char* id,
                                                     const char* birth_date, carecoord_error** err);

/* sex: "female", "male", "other" or "unknown" (the default). */
CARECOORD_API carecoord_status carecoord_patient_set_sex(carecoord_patient* patient, const char* sex,
                                                         carecoord_error** err);

/* Date of death (not before the birth date); NULL: alive (the default). */
CARECOORD_API carecoord_status carecoord_patient_set_deceased(carecoord_patient* patient, const char* date,
                                                              carecoord_error** err);

/* A coverage period. payer (required): "medicare_ffs", "medicare_advantage",
 * "medicaid", "commercial", "other", "uninsured". plan: plan id or NULL. start: NULL
 * when not recorded; end: last day covered, NULL when open-ended. Set `snp` and
 * `medicaid_dual` with carecoord_patient_set_field("coverage[i].snp", ...). */
CARECOORD_API carecoord_status carecoord_patient_add_coverage(carecoord_patient* patient, const char* payer,
                                                              const char* plan, const char* start,
                                                              const char* end, carecoord_error** err);

/* A problem-list condition. code (required), e.g. "E11.9"; system: NULL for "icd10cm";
 * status: NULL for "active" (or "recurrence", "relapse", "inactive", "remission",
 * "resolved"); onset: NULL when unknown; abatement: NULL when not abated. Set
 * `recorded` with carecoord_patient_set_field("conditions[i].recorded", ...). */
CARECOORD_API carecoord_status carecoord_patient_add_condition(carecoord_patient* patient, const char* code,
                                                               const char* system, const char* status,
                                                               const char* onset, const char* abatement,
                                                               carecoord_error** err);

/* An encounter. encounter_class (required): "inpatient", "inpatient_psych",
 * "observation", "emergency", "snf", "irf", "ltch", "nursing_facility", "home_health",
 * "ambulatory", "virtual", "partial_hospitalization". admit and discharge are
 * date-times ("2025-08-29T15:00" or a date alone, 00:00); admit NULL: unknown;
 * discharge NULL: still there. Set id, emergent, planned, disposition, complexity,
 * diagnosis and diagnosis_system with carecoord_patient_set_field("encounters[i].<field>"). */
CARECOORD_API carecoord_status carecoord_patient_add_encounter(carecoord_patient* patient,
                                                               const char* encounter_class, const char* admit,
                                                               const char* discharge, carecoord_error** err);

/* A care-team member. role (required): "pcp", "specialist", "behavioral",
 * "case_manager", "other"; specialty: NULL or e.g. "nephrology". */
CARECOORD_API carecoord_status carecoord_patient_add_care_team_member(carecoord_patient* patient, const char* role,
                                                                      const char* specialty, carecoord_error** err);

/* A medication. code (required), e.g. "860975"; system: NULL for "rxnorm"; name: NULL
 * or a display name; status: NULL for "active" (or "on_hold", "stopped", "completed",
 * "unknown"). */
CARECOORD_API carecoord_status carecoord_patient_add_medication(carecoord_patient* patient, const char* code,
                                                                const char* system, const char* name,
                                                                const char* status, carecoord_error** err);

/* An event of the medication numbered `medication` (0-based, in the order added). type
 * (required): "started", "changed", "failed", "stopped", "adverse_reaction"; date
 * (required). */
CARECOORD_API carecoord_status carecoord_patient_add_medication_event(carecoord_patient* patient, size_t medication,
                                                                      const char* type, const char* date,
                                                                      carecoord_error** err);

/* An observation. code (required): "phq9", "bmi", "hemoglobin", "sodium" or a LOINC
 * code; system: NULL for the default ("carecoord" for the four short names, else
 * "loinc"); date (required); value: used only when has_value is non-zero (otherwise
 * the value is unknown); it must be finite and within the range of its code (a PHQ-9
 * score a whole number 0-27; BMI, hemoglobin, sodium not negative: docs/patient-schema.md,
 * "Value ranges"), else E0211 with the field path observations[i].value. */
CARECOORD_API carecoord_status carecoord_patient_add_observation(carecoord_patient* patient, const char* code,
                                                                 const char* system, const char* date,
                                                                 double value, int has_value, carecoord_error** err);

/* Sets one scalar field by its document path, with the value written as in a YAML
 * document: "true"/"false" for booleans, "YYYY-MM-DD" for dates, digits for whole
 * numbers, the enum word for enums, any text for strings. value NULL: the field becomes
 * absent again. The paths:
 *   id | birth_date | sex | deceased   (id and birth_date are required: NULL is E0205)
 *   language.preferred | language.interpreter_needed | language.english_proficiency
 *   social.housing_instability | social.food_insecurity | social.transportation_insecurity
 *   social.social_support | social.health_literacy
 *   ltc_placement.decision_open | ltc_placement.since | ltc_placement.expected_stay_days
 *   ltc_placement.assessed
 *   care_plan.state | care_plan.enrolled | care_plan.last_comprehensive_assessment
 *   care_plan.last_hra | care_plan.tier | care_plan.snp_enrolled
 *   coverage[i].snp | coverage[i].medicaid_dual
 *   conditions[i].recorded
 *   encounters[i].id | encounters[i].emergent | encounters[i].planned
 *   encounters[i].disposition | encounters[i].complexity | encounters[i].diagnosis
 *   encounters[i].diagnosis_system
 * An unknown path is E0202; an index past the end of its list is E0202 too. Required
 * fields, lists and cross-field checks are handled by the add functions. */
CARECOORD_API carecoord_status carecoord_patient_set_field(carecoord_patient* patient, const char* path,
                                                           const char* value, carecoord_error** err);

/* carecoord_patient_parse() with the patient limits of `options` (NULL: the defaults). */
CARECOORD_API carecoord_status carecoord_patient_parse_v2(carecoord_patient** out, const char* text, size_t len,
                                                          int format, const carecoord_engine_options* options,
                                                          carecoord_error** err);

/* ===================================================================================
 * FHIR R4 input: Bundles and bulk-data exports (docs/fhir.md)
 * =================================================================================== */

/* The warnings of the FHIR reading that produced `patient` (resources or elements that
 * were skipped or not understood), as a list walked with carecoord_error_next() and read
 * with the carecoord_error_* getters: the code (E08xx), the message, the field path
 * "<ResourceType>/<id>.<element>" (the resource id and the field), and for a bulk export
 * the file and line. carecoord_error_status() of a warning is CARECOORD_OK. Borrowed:
 * valid until the patient is freed; never pass it to carecoord_error_free(). NULL when
 * there is none, for a NULL patient, and for a patient not read from FHIR. */
CARECOORD_API const carecoord_error* carecoord_patient_warnings(const carecoord_patient* patient);

/* "error", "warning" or "note": the severity of one diagnostic ("" for NULL). Failures
 * are errors; FHIR warnings are warnings or notes. */
CARECOORD_API const char* carecoord_error_severity(const carecoord_error* err);

/* A reader over a FHIR bulk-data export directory (Patient.ndjson, Condition.000.ndjson,
 * ...), yielding one patient at a time in the order of the Patient files. Not thread
 * safe: one reader per thread. Patients it yields are independent of it. */
typedef struct carecoord_fhir_bulk carecoord_fhir_bulk;

/* Opens the export in `directory` (read only during the call; the files are read again
 * by carecoord_fhir_bulk_next(), so they must stay in place until the reader is freed).
 * Indexes every *.ndjson and *.jsonl file of the directory (byte offsets, not
 * resources: see docs/fhir.md for the memory bound). On success *out is a new reader,
 * freed with carecoord_fhir_bulk_free(). An export that cannot be read (no such
 * directory, not a directory, no .ndjson file, a read error: E0809) is CARECOORD_ERR_PATIENT. Lines that
 * belong to no patient do not fail the call: see carecoord_fhir_bulk_export_diagnostics(). */
CARECOORD_API carecoord_status carecoord_fhir_bulk_open(carecoord_fhir_bulk** out, const char* directory,
                                                        carecoord_error** err);

/* Reads the next patient. The protocol, by status:
 *   CARECOORD_OK                a patient: *out is a new patient (carecoord_patient_free()),
 *                               without warnings;
 *   CARECOORD_OK_WITH_WARNINGS  a patient, as for CARECOORD_OK, with warnings to read
 *                               with carecoord_patient_warnings(*out);
 *   CARECOORD_END               no more patients: *out is NULL (and stays so on every
 *                               later call);
 *   CARECOORD_ERR_PATIENT       this patient cannot be mapped (its Patient resource is
 *                               unreadable or has no birthDate): *out is NULL and *err says
 *                               why; the reader has moved past it, call again for the next;
 *   CARECOORD_ERR_ARGUMENT      a NULL reader or out; other failures as usual.
 * For every status but the failures, *err is set to NULL. Loop while the status is not
 * CARECOORD_END (and stop on a failure other than CARECOORD_ERR_PATIENT). */
CARECOORD_API carecoord_status carecoord_fhir_bulk_next(carecoord_fhir_bulk* reader, carecoord_patient** out,
                                                        carecoord_error** err);

/* The number of patients (Patient resources) indexed; 0 for NULL. */
CARECOORD_API size_t carecoord_fhir_bulk_patient_count(const carecoord_fhir_bulk* reader);

/* Problems that belong to no patient (unreadable lines, resources whose patient is not in
 * the export, unsupported resource types as notes, duplicate Patient ids), each with file
 * and line, as a list read like carecoord_patient_warnings(); errors among them have
 * severity "error". Borrowed: valid until the reader is freed. NULL when there is none
 * and for NULL. */
CARECOORD_API const carecoord_error* carecoord_fhir_bulk_export_diagnostics(const carecoord_fhir_bulk* reader);

/* Frees a reader. NULL: no-op. Patients it returned stay valid. */
CARECOORD_API void carecoord_fhir_bulk_free(carecoord_fhir_bulk* reader);

/* ===================================================================================
 * Evaluation and results
 * =================================================================================== */

/* A determination: the answer for one patient at one as-of date. Immutable; keeps its
 * own copy of everything, so it outlives the engine and the patient. */
typedef struct carecoord_result carecoord_result;

/* Evaluates `patient` with the ruleset versions in force at `as_of` ("YYYY-MM-DD";
 * never the clock). On success *out is a new result, freed with carecoord_result_free().
 * Safe to call from several threads at once with the same engine and patient. */
CARECOORD_API carecoord_status carecoord_evaluate(carecoord_result** out, const carecoord_engine* engine,
                                                  const carecoord_patient* patient, const char* as_of,
                                                  carecoord_error** err);

/* The same, with the as-of date as year, month (1-12) and day (1-31). */
CARECOORD_API carecoord_status carecoord_evaluate_ymd(carecoord_result** out, const carecoord_engine* engine,
                                                      const carecoord_patient* patient, int year, int month,
                                                      int day, carecoord_error** err);

/* Frees a result. NULL: no-op. */
CARECOORD_API void carecoord_result_free(carecoord_result* result);

/* The getters below return borrowed strings, valid until the result is freed. Getters
 * with an index return NULL (or -1 for enums) when the index is out of range or the
 * result is NULL; count getters return 0 for NULL. */

/* The whole determination as JSON, byte for byte what `carecoord eval --format ndjson`
 * writes for the same patient and date (fixed key order, no trailing newline). The text is
 * built on the first call (the other getters read the determination in place and never
 * allocate); NULL when the memory for it could not be allocated, and a later call tries
 * again. */
CARECOORD_API const char* carecoord_result_json(const carecoord_result* result);
/* The patient id and the as-of date ("YYYY-MM-DD"). */
CARECOORD_API const char* carecoord_result_patient_id(const carecoord_result* result);
CARECOORD_API const char* carecoord_result_as_of(const carecoord_result* result);

/* The tier: "routine", "care_coordination", "case_management" (names of the ruleset). */
CARECOORD_API const char* carecoord_result_tier(const carecoord_result* result);
/* 1 when no tier rule matched and the ruleset's default tier applies, else 0. */
CARECOORD_API int carecoord_result_tier_by_default(const carecoord_result* result);
/* Every tier rule that matched, highest tier first: its rule id and rendered reason. */
CARECOORD_API size_t carecoord_result_tier_rule_count(const carecoord_result* result);
CARECOORD_API const char* carecoord_result_tier_rule_id(const carecoord_result* result, size_t i);
CARECOORD_API const char* carecoord_result_tier_rule_reason(const carecoord_result* result, size_t i);

/* The flags raised ("hchn_priority", "manual_review"...). */
CARECOORD_API size_t carecoord_result_flag_count(const carecoord_result* result);
CARECOORD_API const char* carecoord_result_flag_id(const carecoord_result* result, size_t i);

typedef enum carecoord_eligibility {
    CARECOORD_ELIGIBILITY_INVALID = -1, /* returned for an out-of-range index */
    CARECOORD_ELIGIBLE = 0,
    CARECOORD_NOT_ELIGIBLE = 1,
    CARECOORD_ELIGIBILITY_UNKNOWN = 2 /* data is missing: see the program's missing list */
} carecoord_eligibility;

/* Every program of the rulesets in force, in ruleset order. */
CARECOORD_API size_t carecoord_result_program_count(const carecoord_result* result);
CARECOORD_API const char* carecoord_result_program_id(const carecoord_result* result, size_t i);
CARECOORD_API carecoord_eligibility carecoord_result_program_status(const carecoord_result* result, size_t i);
/* "eligible", "not_eligible", "unknown" (the JSON names); NULL when out of range. */
CARECOORD_API const char* carecoord_result_program_status_name(const carecoord_result* result, size_t i);
CARECOORD_API const char* carecoord_result_program_reason(const carecoord_result* result, size_t i);
CARECOORD_API const char* carecoord_result_program_source(const carecoord_result* result, size_t i);
/* The patient fields whose absence made the program's answer unknown. */
CARECOORD_API size_t carecoord_result_program_missing_count(const carecoord_result* result, size_t i);
CARECOORD_API const char* carecoord_result_program_missing(const carecoord_result* result, size_t i, size_t j);

typedef enum carecoord_trigger_status {
    CARECOORD_TRIGGER_INVALID = -1, /* returned for an out-of-range index */
    CARECOORD_TRIGGER_OPEN = 0,
    CARECOORD_TRIGGER_OVERDUE = 1 /* the due date is before the as-of date */
} carecoord_trigger_status;

/* The triggers due (open or overdue), by due date then id. */
CARECOORD_API size_t carecoord_result_trigger_count(const carecoord_result* result);
CARECOORD_API const char* carecoord_result_trigger_id(const carecoord_result* result, size_t i);
CARECOORD_API carecoord_trigger_status carecoord_result_trigger_status(const carecoord_result* result, size_t i);
/* "open" or "overdue"; NULL when out of range. */
CARECOORD_API const char* carecoord_result_trigger_status_name(const carecoord_result* result, size_t i);
/* The date of the event the trigger counts from, and the due date ("YYYY-MM-DD"). */
CARECOORD_API const char* carecoord_result_trigger_anchor(const carecoord_result* result, size_t i);
CARECOORD_API const char* carecoord_result_trigger_due(const carecoord_result* result, size_t i);
/* The due date-time ("YYYY-MM-DDTHH:MM") when the trigger counts hours (72 hours after
 * discharge); NULL when it counts days, or when i is out of range. */
CARECOORD_API const char* carecoord_result_trigger_due_time(const carecoord_result* result, size_t i);
CARECOORD_API const char* carecoord_result_trigger_action(const carecoord_result* result, size_t i);
CARECOORD_API const char* carecoord_result_trigger_reason(const carecoord_result* result, size_t i);

/* Every patient field that was needed and absent ("social.food_insecurity"...). */
CARECOORD_API size_t carecoord_result_missing_count(const carecoord_result* result);
CARECOORD_API const char* carecoord_result_missing(const carecoord_result* result, size_t i);

/* The date of death ("YYYY-MM-DD") when the patient died on or before the as-of date, NULL
 * for a living patient (or a NULL result). A deceased patient has the lowest tier, no
 * flag, no trigger, and every program not eligible (docs/determination.md). */
CARECOORD_API const char* carecoord_result_deceased(const carecoord_result* result);
/* The determination as a FHIR R4 transaction Bundle (docs/fhir-output.md): byte for byte
 * what `carecoord eval --format fhir` writes for the same patient and date (with the same
 * --utc-offset and no care plan). care_plan_id (Task.basedOn CarePlan/<id>), utc_offset
 * ("Z", "+HH:MM", "-HH:MM": the care setting's offset, for due times counted in hours) and
 * recorded (Provenance.recorded, a FHIR instant): NULL or "" for none. On success *out is
 * a new NUL-terminated string, owned by the caller and freed with carecoord_string_free().
 * Errors: a NULL out or result (E0901), a malformed option (E1002-E1004), all
 * CARECOORD_ERR_ARGUMENT; a patient id that is not a FHIR id (E1001),
 * CARECOORD_ERR_PATIENT. Safe to call from several threads at once on the same result. */
CARECOORD_API carecoord_status carecoord_result_fhir(char** out, const carecoord_result* result,
                                                     const char* care_plan_id, const char* utc_offset,
                                                     const char* recorded, carecoord_error** err);

/* Frees a string the library handed over as owned (carecoord_result_fhir()). NULL: no-op. */
CARECOORD_API void carecoord_string_free(char* s);

/* ===================================================================================
 * Batches: many patient documents in one call
 * =================================================================================== */

/* The determinations of a batch of patient documents, as one NDJSON buffer. Immutable
 * once made; shareable between threads for reading. For population runs (Spark executors,
 * docs/scale.md): one call into the library per batch instead of one per patient. */
typedef struct carecoord_batch carecoord_batch;

/* Evaluates every line of `ndjson` (`len` bytes, need not be NUL-terminated; read only
 * during the call): each line is one JSON patient document, lines end with '\n' (a '\r'
 * before it is ignored, and a final '\n' does not start another line), as `carecoord eval`
 * reads an .ndjson file. All lines use the ruleset versions in force at `as_of`
 * ("YYYY-MM-DD").
 *
 * The output (carecoord_batch_output) has exactly one line per input line, in input order,
 * each ending with '\n':
 *   - the determination, byte for byte what carecoord_result_json() and
 *     `carecoord eval --format ndjson` give for that document (it starts with
 *     {"patient_id":), or
 *   - for a line that cannot be decoded or evaluated (an empty line too), an error object
 *     {"error":{"line":N,"status":"patient","diagnostics":[{"code":"E0204",
 *     "message":"...","field_path":"birth_date","string":"..."}]}} where N is the 1-based
 *     line number, status is carecoord_status_name() of the failure ("patient",
 *     "evaluation", "internal") and the diagnostics are those carecoord_patient_parse()
 *     and carecoord_evaluate() would report (never a patient value). A line is an error
 *     exactly when it starts with {"error":.
 * A bad line never fails the call: the call fails only for its own arguments
 * (CARECOORD_ERR_ARGUMENT: a NULL out, engine or as_of, a malformed as_of, NULL ndjson with
 * len > 0) or when memory runs out (CARECOORD_ERR_NOMEM: no partial batch). On success
 * *out is a new batch, freed with carecoord_batch_free(). Safe to call from several threads
 * at once with the same engine; one call evaluates on the calling thread only. */
CARECOORD_API carecoord_status carecoord_evaluate_batch(carecoord_batch** out, const carecoord_engine* engine,
                                                        const char* ndjson, size_t len, const char* as_of,
                                                        carecoord_error** err);

/* Frees a batch. NULL: no-op. */
CARECOORD_API void carecoord_batch_free(carecoord_batch* batch);

/* The number of lines (input lines = output lines), and how many of them are errors.
 * 0 for NULL. */
CARECOORD_API size_t carecoord_batch_count(const carecoord_batch* batch);
CARECOORD_API size_t carecoord_batch_error_count(const carecoord_batch* batch);

/* The output NDJSON, NUL-terminated, borrowed: valid until the batch is freed. When `len`
 * is not NULL, *len is set to its length in bytes (without the NUL). NULL (and *len 0) for
 * a NULL batch. */
CARECOORD_API const char* carecoord_batch_output(const carecoord_batch* batch, size_t* len);

/* One document of carecoord_evaluate_documents(): `len` bytes at `data` (need not be
 * NUL-terminated). */
typedef struct carecoord_document {
    const char* data;
    size_t len;
} carecoord_document;

/* Evaluates `count` patient documents, each in `format` (CARECOORD_FORMAT_JSON or
 * CARECOORD_FORMAT_YAML), so that a binding passes its documents as they are, with no
 * framing of its own (a document may contain newlines). The output is that of
 * carecoord_evaluate_batch(): one line per document, in order, a determination or an error
 * object whose "line" is the 1-based position of the document in the array. A document
 * with data NULL and len 0 is an empty document (an error line). The call fails only for
 * its own arguments (CARECOORD_ERR_ARGUMENT: NULL out, engine or as_of, a malformed as_of,
 * docs NULL with count > 0, a document with data NULL and len > 0 (field path
 * "docs[i].data"), another format) or when memory runs out. The engine's patient limits
 * (carecoord_engine_options_set_limit()) apply to each document. */
CARECOORD_API carecoord_status carecoord_evaluate_documents(carecoord_batch** out, const carecoord_engine* engine,
                                                            const carecoord_document* docs, size_t count,
                                                            int format, const char* as_of, carecoord_error** err);

/* ===================================================================================
 * Care plans: the workflow of a ruleset driven by events (0.2.0)
 * =================================================================================== */

/* The workflow (by default the ruleset `care_plan`, rulesets/workflow/care-plan.yaml) moves
 * one patient's care plan between states on events and creates tasks with due dates
 * (docs/ruleset-language.md#workflow). A record is a value: applying an event never changes
 * the record passed in, it returns a new one. Every task has a stable id
 * "<task>@<event time>", and an event already applied (same type and time) changes nothing,
 * so replaying a log twice never creates a task twice.
 *
 * The errors of the workflow reach the caller with their codes, as CARECOORD_ERR_EVALUATION:
 * E0710 event not allowed in the current state, E0711 unknown event, E0712 an event earlier
 * than the last one applied, E0713 a payload field unknown or of the wrong type, E0714 a due
 * date needs data that is missing, E0715 no workflow in force, E0716 a referenced trigger not
 * in force, E0717 a state the workflow does not have. */

/* An event: its type ("discharged"), its time ("YYYY-MM-DDTHH:MM", wall clock of the care
 * setting) and payload fields as the workflow declares them. Built, then passed to
 * carecoord_care_plan_apply() or carecoord_care_plan_replay(), which copy it. */
typedef struct carecoord_event carecoord_event;

/* A new event. `type` non-empty; `time` a date-time (E0902 otherwise, field path "time"). */
CARECOORD_API carecoord_status carecoord_event_new(carecoord_event** out, const char* type, const char* time,
                                                   carecoord_error** err);
/* Frees an event. NULL: no-op. */
CARECOORD_API void carecoord_event_free(carecoord_event* event);
/* Payload fields; setting a field again replaces its value. A string is also how a date
 * ("YYYY-MM-DD") or date-time field is given: the workflow's declaration decides how it is
 * read. Whether the field exists and has that type is checked when the event is applied
 * (E0713). `name` non-empty; `value` non-NULL. */
CARECOORD_API carecoord_status carecoord_event_set_string(carecoord_event* event, const char* name, const char* value,
                                                          carecoord_error** err);
CARECOORD_API carecoord_status carecoord_event_set_number(carecoord_event* event, const char* name, double value,
                                                          carecoord_error** err);
CARECOORD_API carecoord_status carecoord_event_set_bool(carecoord_event* event, const char* name, int value,
                                                        carecoord_error** err);

/* A care-plan record: the state, the tasks created so far and the keys of the events
 * applied; after carecoord_care_plan_apply() also what that event did. Immutable. */
typedef struct carecoord_care_plan carecoord_care_plan;

/* The initial state of `workflow` (NULL: "care_plan") in the version in force `on`
 * ("YYYY-MM-DD"). On success *out is a new record, freed with carecoord_care_plan_free(). */
CARECOORD_API carecoord_status carecoord_care_plan_start(carecoord_care_plan** out, const carecoord_engine* engine,
                                                         const char* workflow, const char* on, carecoord_error** err);

/* Applies one event to `current` for `patient` (whose data the guards and due dates read).
 * On success *out is a new record (`current` is unchanged, and both must be freed); on
 * failure nothing changes. The workflow is the one `current` was started or replayed with. */
CARECOORD_API carecoord_status carecoord_care_plan_apply(carecoord_care_plan** out, const carecoord_engine* engine,
                                                         const carecoord_patient* patient,
                                                         const carecoord_care_plan* current,
                                                         const carecoord_event* event, carecoord_error** err);

/* Replays an event log from the initial state: `count` events (in time order; equal times
 * keep their array order), events already applied skipped. `workflow` NULL: "care_plan".
 * An error names the event's 1-based position in its message. From an array
 * `carecoord_event* log[n]`, C needs the cast `(const carecoord_event* const*)log` (C++ does
 * not). */
CARECOORD_API carecoord_status carecoord_care_plan_replay(carecoord_care_plan** out, const carecoord_engine* engine,
                                                          const carecoord_patient* patient, const char* workflow,
                                                          const carecoord_event* const* events, size_t count,
                                                          carecoord_error** err);

/* Frees a record. NULL: no-op. */
CARECOORD_API void carecoord_care_plan_free(carecoord_care_plan* plan);

/* The getters return borrowed strings, valid until the record is freed; NULL for a NULL
 * record or an index out of range, unless said otherwise. */
/* The workflow id and the current state ("in_transition"). */
CARECOORD_API const char* carecoord_care_plan_workflow(const carecoord_care_plan* plan);
CARECOORD_API const char* carecoord_care_plan_state(const carecoord_care_plan* plan);
/* The time of the latest event applied; NULL when none was. */
CARECOORD_API const char* carecoord_care_plan_last_event(const carecoord_care_plan* plan);
/* The keys of the events applied, in order ("discharged@2026-05-22T15:00"). */
CARECOORD_API size_t carecoord_care_plan_applied_count(const carecoord_care_plan* plan);
CARECOORD_API const char* carecoord_care_plan_applied(const carecoord_care_plan* plan, size_t i);
/* Every task created so far, in creation order. */
CARECOORD_API size_t carecoord_care_plan_task_count(const carecoord_care_plan* plan);
/* The stable id "post_discharge_call@2026-05-22T15:00", the task or trigger id, the event
 * type that created it and its time. */
CARECOORD_API const char* carecoord_care_plan_task_id(const carecoord_care_plan* plan, size_t i);
CARECOORD_API const char* carecoord_care_plan_task_name(const carecoord_care_plan* plan, size_t i);
CARECOORD_API const char* carecoord_care_plan_task_event(const carecoord_care_plan* plan, size_t i);
CARECOORD_API const char* carecoord_care_plan_task_event_time(const carecoord_care_plan* plan, size_t i);
/* The due date ("YYYY-MM-DD"), and the due date-time when the due rule counts hours (NULL
 * when it counts days). */
CARECOORD_API const char* carecoord_care_plan_task_due(const carecoord_care_plan* plan, size_t i);
CARECOORD_API const char* carecoord_care_plan_task_due_time(const carecoord_care_plan* plan, size_t i);
CARECOORD_API const char* carecoord_care_plan_task_action(const carecoord_care_plan* plan, size_t i);
CARECOORD_API const char* carecoord_care_plan_task_reason(const carecoord_care_plan* plan, size_t i);
CARECOORD_API const char* carecoord_care_plan_task_source(const carecoord_care_plan* plan, size_t i);
/* The record as JSON (docs/c-api.md#care-plans), what `carecoord plan --format json` writes. */
CARECOORD_API const char* carecoord_care_plan_json(const carecoord_care_plan* plan);

/* A record from its JSON (carecoord_care_plan_json(), or a record stored by the caller), so
 * that a care plan can be kept between calls, in a database or in a binding's own value
 * type. `workflow` NULL: "care_plan". A document that is not such a record is
 * CARECOORD_ERR_ARGUMENT: E0720 (a field missing or of the wrong type) or E0721 (an unknown
 * key), with the field path ("tasks[1].due"). Whether its state belongs to the workflow is
 * checked when an event is applied (E0717). */
CARECOORD_API carecoord_status carecoord_care_plan_from_json(carecoord_care_plan** out, const char* workflow,
                                                             const char* json, size_t len, carecoord_error** err);

/* What the event of carecoord_care_plan_apply() did (for a record from start or replay:
 * nothing, i.e. previous state NULL, 0, 0, 0). The state before it: */
CARECOORD_API const char* carecoord_care_plan_previous_state(const carecoord_care_plan* plan);
/* 1 when a transition was taken (possibly back to the same state), else 0. */
CARECOORD_API int carecoord_care_plan_transitioned(const carecoord_care_plan* plan);
/* 1 when the event had been applied before and changed nothing, else 0. */
CARECOORD_API int carecoord_care_plan_duplicate(const carecoord_care_plan* plan);
/* How many tasks the event created: the last ones of the task list. */
CARECOORD_API size_t carecoord_care_plan_created_count(const carecoord_care_plan* plan);
/* Patient fields a guard needed and did not have ("encounters[].disposition"). */
CARECOORD_API size_t carecoord_care_plan_missing_count(const carecoord_care_plan* plan);
CARECOORD_API const char* carecoord_care_plan_missing(const carecoord_care_plan* plan, size_t i);

/* A list of strings (carecoord_allowed_events()). Immutable. */
typedef struct carecoord_strings carecoord_strings;
/* The events allowed in `state` of `workflow` (NULL: "care_plan") in force `on`
 * ("YYYY-MM-DD"), in declaration order. An unknown state is E0717. */
CARECOORD_API carecoord_status carecoord_allowed_events(carecoord_strings** out, const carecoord_engine* engine,
                                                        const char* workflow, const char* state, const char* on,
                                                        carecoord_error** err);
CARECOORD_API size_t carecoord_strings_count(const carecoord_strings* strings);
/* Borrowed, valid until the list is freed; NULL out of range. */
CARECOORD_API const char* carecoord_strings_get(const carecoord_strings* strings, size_t i);
CARECOORD_API void carecoord_strings_free(carecoord_strings* strings);

/* ===================================================================================
 * Explanations: why a determination came out as it did (0.2.0)
 * =================================================================================== */

/* Every tier rule, flag rule and program condition with the values that decided it, and
 * the nearest boundary to a higher tier: what `carecoord explain` prints. Immutable; keeps
 * its own copy, so it outlives the engine and the patient. */
typedef struct carecoord_explanation carecoord_explanation;

/* Explains `patient` at `as_of` ("YYYY-MM-DD"). Errors as carecoord_evaluate(). */
CARECOORD_API carecoord_status carecoord_explain(carecoord_explanation** out, const carecoord_engine* engine,
                                                 const carecoord_patient* patient, const char* as_of,
                                                 carecoord_error** err);
CARECOORD_API void carecoord_explanation_free(carecoord_explanation* explanation);
/* The text, byte for byte what `carecoord explain` prints (lines end with '\n'). Borrowed. */
CARECOORD_API const char* carecoord_explanation_text(const carecoord_explanation* explanation);
/* The same as one JSON object (docs/c-api.md#explanations), what `carecoord explain
 * --format json` prints without its final newline. Borrowed. */
CARECOORD_API const char* carecoord_explanation_json(const carecoord_explanation* explanation);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* CARECOORD_H */
