// Allocation failure at the C interface. This program replaces the global operator new
// (every form: plain, array, nothrow, aligned), so every allocation of libcarecoord.so,
// yaml-cpp, simdjson and libstdc++ goes through it. For N = 1, 2, ... it makes the Nth
// allocation of one load-and-evaluate path through the C API fail, and checks that:
//
//  - every call returns a status: CARECOORD_OK, or CARECOORD_ERR_NOMEM once an allocation
//    has failed (never abort, never an exception across extern "C", never a wrong status
//    such as "ruleset" or "patient" for a document that is valid);
//  - the error object, when one is returned, says CARECOORD_ERR_NOMEM and can be freed;
//  - nothing leaks: the allocations outstanding after the path are those before it.
//
// Each path runs on a new thread. Two modes: "once" fails only the Nth allocation (the library must recover and may go on
// succeeding), "from" fails the Nth and every later one (reporting the failure must not
// need memory). The sweep ends at the first N the path completes without reaching.
//
// Usage: capi_alloc_failure_test SOURCE_DIR
#include "carecoord.h"

#include <atomic>
#include <cstdio>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <new>
#include <sstream>
#include <string>
#include <thread>

namespace {

std::atomic<long> g_live{0};        // allocations outstanding (operator new minus delete)
std::atomic<long> g_countdown{0};   // 0: disarmed; else the allocation that fails when it reaches 1
std::atomic<bool> g_fail_after{false};
std::atomic<bool> g_failing{false}; // "from" mode: set once the first allocation failed
std::atomic<long> g_failed{0};      // allocations refused in this run

bool refuse() {
    if (g_failing.load(std::memory_order_relaxed)) {
        ++g_failed;
        return true;
    }
    long c = g_countdown.load(std::memory_order_relaxed);
    if (c == 0) return false;
    if (c == 1) {
        g_countdown.store(0, std::memory_order_relaxed);
        if (g_fail_after.load(std::memory_order_relaxed)) g_failing.store(true, std::memory_order_relaxed);
        ++g_failed;
        return true;
    }
    g_countdown.store(c - 1, std::memory_order_relaxed);
    return false;
}

void* allocate(std::size_t n, std::size_t align) noexcept {
    if (refuse()) return nullptr;
    if (n == 0) n = 1;
    void* p = nullptr;
    if (align <= alignof(std::max_align_t)) p = std::malloc(n);
    else if (posix_memalign(&p, align, n) != 0) p = nullptr;
    if (p) ++g_live;
    return p;
}

void release(void* p) noexcept {
    if (!p) return;
    --g_live;
    std::free(p);
}

}  // namespace

void* operator new(std::size_t n) {
    if (void* p = allocate(n, 0)) return p;
    throw std::bad_alloc();
}
void* operator new[](std::size_t n) {
    if (void* p = allocate(n, 0)) return p;
    throw std::bad_alloc();
}
void* operator new(std::size_t n, std::align_val_t a) {
    if (void* p = allocate(n, static_cast<std::size_t>(a))) return p;
    throw std::bad_alloc();
}
void* operator new[](std::size_t n, std::align_val_t a) {
    if (void* p = allocate(n, static_cast<std::size_t>(a))) return p;
    throw std::bad_alloc();
}
void* operator new(std::size_t n, const std::nothrow_t&) noexcept { return allocate(n, 0); }
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept { return allocate(n, 0); }
void* operator new(std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
    return allocate(n, static_cast<std::size_t>(a));
}
void* operator new[](std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
    return allocate(n, static_cast<std::size_t>(a));
}
void operator delete(void* p) noexcept { release(p); }
void operator delete[](void* p) noexcept { release(p); }
void operator delete(void* p, std::size_t) noexcept { release(p); }
void operator delete[](void* p, std::size_t) noexcept { release(p); }
void operator delete(void* p, std::align_val_t) noexcept { release(p); }
void operator delete[](void* p, std::align_val_t) noexcept { release(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { release(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { release(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { release(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { release(p); }
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { release(p); }
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept { release(p); }

namespace {

// A ruleset with a tier rule, a flag, a program and a trigger: loading it runs the YAML
// reader, the checker and the compiler; evaluating it runs every kind of result.
const char* kRuleset =
    "schema_version: 1\n"
    "ruleset: alloc\n"
    "version: 1.0.0\n"
    "effective: {from: 2020-01-01, until: null}\n"
    "description: Allocation-failure test ruleset.\n"
    "tiers:\n"
    "  order: [routine, case_management]\n"
    "  default: routine\n"
    "  rules:\n"
    "    - id: food\n"
    "      tier: case_management\n"
    "      when: social.food_insecurity\n"
    "      reason: \"Food insecurity\"\n";

std::string g_patient;  // a full patient document (examples/patients, JSON)
int g_failures = 0;

#define EXPECT(cond, ...)                                                    \
    do {                                                                     \
        if (!(cond)) {                                                       \
            ++g_failures;                                                    \
            std::fprintf(stderr, "%s:%d: %s: ", __FILE__, __LINE__, #cond); \
            std::fprintf(stderr, __VA_ARGS__);                               \
            std::fputc('\n', stderr);                                        \
        }                                                                    \
    } while (0)

// One call's outcome: OK, or NOMEM with a NOMEM error once an allocation has failed.
bool check_status(const char* what, carecoord_status st, carecoord_error* err, long n, const char* mode) {
    if (st == CARECOORD_OK) {
        EXPECT(err == nullptr, "%s: OK with an error object (N=%ld, %s)", what, n, mode);
        return true;
    }
    EXPECT(g_failed.load() > 0, "%s failed with %s but no allocation was refused (N=%ld, %s): %s", what,
           carecoord_status_name(st), n, mode, carecoord_error_string(err));
    EXPECT(st == CARECOORD_ERR_NOMEM, "%s returned %s, not nomem (N=%ld, %s): %s", what, carecoord_status_name(st), n,
           mode, carecoord_error_string(err));
    EXPECT(err != nullptr, "%s: no error object (N=%ld, %s)", what, n, mode);
    if (err) EXPECT(carecoord_error_status(err) == st, "%s: error status differs from the returned one (N=%ld, %s)",
                    what, n, mode);
    carecoord_error_free(err);
    return false;
}

std::string g_expected_json;  // the determination, from the run without failures

// One step of the path. In "once" mode a step that failed is called again: only one
// allocation failed, so it must now succeed (the library recovers; nothing it keeps per
// thread was left half-built).
template <class Call>
bool step(const char* what, long n, const char* mode, Call call) {
    carecoord_error* err = nullptr;
    carecoord_status first = call(&err);
    if (check_status(what, first, err, n, mode)) return true;
    if (std::strcmp(mode, "once") != 0) return false;
    err = nullptr;
    carecoord_status st = call(&err);
    EXPECT(st == CARECOORD_OK, "%s failed again after one refused allocation (N=%ld): %s", what, n,
           carecoord_error_string(err));
    carecoord_error_free(err);
    return st == CARECOORD_OK;
}

// The path: load a ruleset from a string, parse a patient, evaluate, read every
// accessor, parse a bad document (an error to report), free. Returns true when it ran to the end.
bool run_path(long n, const char* mode) {
    carecoord_engine* engine = nullptr;
    carecoord_patient* patient = nullptr;
    carecoord_result* result = nullptr;
    bool completed = false;
    if (step("carecoord_engine_load_string", n, mode,
             [&](carecoord_error** err) {
                 carecoord_status st =
                     carecoord_engine_load_string(&engine, kRuleset, std::strlen(kRuleset), "alloc.yaml", err);
                 EXPECT(st == CARECOORD_OK || engine == nullptr, "load: *out set on failure (N=%ld)", n);
                 return st;
             }) &&
        step("carecoord_patient_parse", n, mode,
             [&](carecoord_error** err) {
                 carecoord_status st = carecoord_patient_parse(&patient, g_patient.data(), g_patient.size(),
                                                               CARECOORD_FORMAT_JSON, err);
                 EXPECT(st == CARECOORD_OK || patient == nullptr, "parse: *out set on failure (N=%ld)", n);
                 return st;
             }) &&
        step("carecoord_evaluate", n, mode, [&](carecoord_error** err) {
            carecoord_status st = carecoord_evaluate(&result, engine, patient, "2026-11-27", err);
            EXPECT(st == CARECOORD_OK || result == nullptr, "evaluate: *out set on failure (N=%ld)", n);
            return st;
        })) {
        // The accessors do not allocate; they must answer whatever the allocator does.
        std::size_t total = std::strlen(carecoord_result_tier(result));
        for (std::size_t i = 0; i < carecoord_result_tier_rule_count(result); ++i)
            total += std::strlen(carecoord_result_tier_rule_id(result, i)) +
                     std::strlen(carecoord_result_tier_rule_reason(result, i));
        for (std::size_t i = 0; i < carecoord_result_flag_count(result); ++i)
            total += std::strlen(carecoord_result_flag_id(result, i));
        for (std::size_t i = 0; i < carecoord_result_program_count(result); ++i)
            total += std::strlen(carecoord_result_program_id(result, i));
        for (std::size_t i = 0; i < carecoord_result_trigger_count(result); ++i)
            total += std::strlen(carecoord_result_trigger_due(result, i));
        for (std::size_t i = 0; i < carecoord_result_missing_count(result); ++i)
            total += std::strlen(carecoord_result_missing(result, i));
        EXPECT(total > 0, "empty result (N=%ld, %s)", n, mode);
        // Food insecurity is false in the patient: the default tier.
        EXPECT(std::strcmp(carecoord_result_tier(result), "routine") == 0, "tier %s (N=%ld, %s)",
               carecoord_result_tier(result), n, mode);
        if (g_expected_json.empty()) g_expected_json = carecoord_result_json(result);
        EXPECT(g_expected_json == carecoord_result_json(result), "a different determination (N=%ld, %s)", n, mode);
        // A call that fails on its own (a bad document): its error must be reported as
        // such, or as out of memory when building the report needed memory that was refused.
        static const char bad[] = "{\"id\": \"p\", \"birth_date\": \"1950-02-30\"}";
        carecoord_patient* never = nullptr;
        carecoord_error* err = nullptr;
        long refused_before = g_failed.load();
        carecoord_status st = carecoord_patient_parse(&never, bad, sizeof bad - 1, CARECOORD_FORMAT_JSON, &err);
        bool refused = g_failed.load() > refused_before;
        EXPECT(st == CARECOORD_ERR_PATIENT || (refused && st == CARECOORD_ERR_NOMEM),
               "a bad document gave %s (N=%ld, %s)", carecoord_status_name(st), n, mode);
        EXPECT(never == nullptr && err != nullptr && carecoord_error_status(err) == st,
               "a bad document: out-param or error object wrong (N=%ld, %s)", n, mode);
        carecoord_error_free(err);
        completed = true;
    }
    carecoord_result_free(result);
    carecoord_patient_free(patient);
    carecoord_engine_free(engine);
    return completed;
}

// The 0.2.0 entry points on the same terms: a workflow with one task, an event, start,
// apply, the record's JSON read back, the events allowed, an explanation and a batch of
// documents. Returns true when it ran to the end.
const char* kWorkflow =
    "schema_version: 1\nruleset: alloc_flow\nversion: 1.0.0\neffective: {from: 2020-01-01, until: null}\n"
    "description: Allocation-failure test workflow.\n"
    "workflow:\n  description: One task.\n  initial: open\n"
    "  states:\n    open: {description: Open}\n    closed: {description: Closed, final: true}\n"
    "  events:\n    seen:\n      description: Seen\n      payload: {note: string}\n    done: {description: Done}\n"
    "  transitions:\n    - from: open\n      on: seen\n      to: open\n      actions:\n"
    "        - task: {id: call, due: 3 days after date(event), action: Call the patient, reason: \"Seen {date(event)}\"}\n"
    "    - {from: open, on: done, to: closed}\n";

bool run_care_plan_path(long n, const char* mode) {
    carecoord_engine* engine = nullptr;
    carecoord_patient* patient = nullptr;
    carecoord_event* event = nullptr;
    carecoord_care_plan *start = nullptr, *next = nullptr, *restored = nullptr;
    carecoord_strings* allowed = nullptr;
    carecoord_explanation* ex = nullptr;
    carecoord_batch* batch = nullptr;
    carecoord_engine_options* options = nullptr;
    bool completed = false;
    auto out_null = [&](carecoord_status st, const void* out, const char* what) {
        EXPECT(st == CARECOORD_OK || out == nullptr, "%s: *out set on failure (N=%ld)", what, n);
        return st;
    };
    if (step("carecoord_engine_options_new", n, mode,
             [&](carecoord_error** err) {
                 return out_null(carecoord_engine_options_new(&options, err), options, "options_new");
             }) &&
        step("carecoord_engine_options_set_limit", n, mode,
             [&](carecoord_error** err) {
                 return carecoord_engine_options_set_limit(options, "patient.max_list_length", 100, err);
             }) &&
        step("carecoord_engine_load_string_v2", n, mode,
             [&](carecoord_error** err) {
                 return out_null(carecoord_engine_load_string_v2(&engine, kWorkflow, std::strlen(kWorkflow), "flow.yaml",
                                                                 options, err),
                                 engine, "load_string_v2");
             }) &&
        step("carecoord_patient_parse", n, mode,
             [&](carecoord_error** err) {
                 return out_null(carecoord_patient_parse(&patient, g_patient.data(), g_patient.size(),
                                                         CARECOORD_FORMAT_JSON, err),
                                 patient, "patient_parse");
             }) &&
        step("carecoord_event_new", n, mode,
             [&](carecoord_error** err) {
                 return out_null(carecoord_event_new(&event, "seen", "2026-05-02T10:00", err), event, "event_new");
             }) &&
        step("carecoord_event_set_string", n, mode,
             [&](carecoord_error** err) { return carecoord_event_set_string(event, "note", "first visit", err); }) &&
        step("carecoord_care_plan_start", n, mode,
             [&](carecoord_error** err) {
                 return out_null(carecoord_care_plan_start(&start, engine, "alloc_flow", "2026-05-01", err), start,
                                 "care_plan_start");
             }) &&
        step("carecoord_care_plan_apply", n, mode,
             [&](carecoord_error** err) {
                 return out_null(carecoord_care_plan_apply(&next, engine, patient, start, event, err), next,
                                 "care_plan_apply");
             }) &&
        step("carecoord_care_plan_from_json", n, mode,
             [&](carecoord_error** err) {
                 const char* json = carecoord_care_plan_json(next);
                 return out_null(carecoord_care_plan_from_json(&restored, "alloc_flow", json, std::strlen(json), err),
                                 restored, "care_plan_from_json");
             }) &&
        step("carecoord_allowed_events", n, mode,
             [&](carecoord_error** err) {
                 return out_null(carecoord_allowed_events(&allowed, engine, "alloc_flow", "open", "2026-05-02", err),
                                 allowed, "allowed_events");
             }) &&
        step("carecoord_explain", n, mode,
             [&](carecoord_error** err) {
                 return out_null(carecoord_explain(&ex, engine, patient, "2026-05-02", err), ex, "explain");
             }) &&
        step("carecoord_evaluate_documents", n, mode, [&](carecoord_error** err) {
            carecoord_document doc = {g_patient.data(), g_patient.size()};
            return out_null(carecoord_evaluate_documents(&batch, engine, &doc, 1, CARECOORD_FORMAT_JSON, "2026-05-02", err),
                            batch, "evaluate_documents");
        })) {
        // 3 days after Saturday 2026-05-02 (calendar days): Tuesday 2026-05-05.
        EXPECT(carecoord_care_plan_task_count(restored) == 1 &&
                   std::strcmp(carecoord_care_plan_task_due(restored, 0), "2026-05-05") == 0,
               "the restored record's task (N=%ld, %s)", n, mode);
        EXPECT(std::strcmp(carecoord_care_plan_json(restored), carecoord_care_plan_json(next)) == 0,
               "the record does not read back the same (N=%ld, %s)", n, mode);
        EXPECT(carecoord_strings_count(allowed) == 2, "allowed events (N=%ld, %s)", n, mode);
        EXPECT(std::strlen(carecoord_explanation_text(ex)) > 0 && carecoord_batch_count(batch) == 1,
               "explanation or batch empty (N=%ld, %s)", n, mode);
        completed = true;
    }
    carecoord_batch_free(batch);
    carecoord_explanation_free(ex);
    carecoord_strings_free(allowed);
    carecoord_care_plan_free(restored);
    carecoord_care_plan_free(next);
    carecoord_care_plan_free(start);
    carecoord_event_free(event);
    carecoord_patient_free(patient);
    carecoord_engine_free(engine);
    carecoord_engine_options_free(options);
    return completed;
}

std::string read_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        std::fprintf(stderr, "cannot open %s\n", path.c_str());
        std::exit(2);
    }
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

long sweep(bool from, long limit, bool (*path)(long, const char*) = run_path) {
    const char* mode = from ? "from" : "once";
    long n = 1;
    for (; n <= limit; ++n) {
        long before = g_live.load();
        bool completed = false;
        // On a new thread each time, so that the per-thread state the library creates on a
        // thread's first use (the evaluator's scratch area, the JSON parser's buffers) is
        // created under failing allocations too, and destroyed when the thread ends.
        std::thread worker([&] {
            g_failed = 0;
            g_failing = false;
            g_fail_after = from;
            g_countdown = n;
            completed = path(n, mode);
            g_countdown = 0;
            g_failing = false;
        });
        worker.join();
        bool reached = g_failed.load() > 0;
        long leaked = g_live.load() - before;
        EXPECT(leaked == 0, "%ld allocations outstanding after the path (N=%ld, %s)", leaked, n, mode);
        if (!reached) {
            EXPECT(completed, "the path did not complete with no allocation refused (N=%ld, %s)", n, mode);
            break;
        }
        if (g_failures > 20) break;
    }
    return n;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) return 2;
    g_patient = read_text(std::string(argv[1]) + "/examples/patients/dual_ltc_placement.json");
    // A first run without failures: the allocations that live as long as the process (the
    // evaluator's per-thread scratch area, libstdc++'s locale) happen here, not in the sweep.
    EXPECT(run_path(0, "warm-up"), "the path fails without allocation failures");
    run_path(0, "warm-up");
    // "from" first: nothing the library builds lazily to report an error exists yet.
    long from = sweep(true, 1000000);
    long once = sweep(false, 1000000);
    // The replacement operator new must have seen the library's allocations: otherwise
    // the sweep would end at N=1 and prove nothing.
    EXPECT(once > 100, "only %ld allocations on the path: is operator new replaced?", once - 1);
    std::printf("allocation failure: %ld allocations on the path; every one failed in turn, once and from then on: %s\n",
                once - 1, g_failures ? "FAILED" : "ok");
    if (from != once)
        std::printf("note: the path took %ld allocations in 'once' mode, %ld in 'from' mode\n", once - 1, from - 1);
    // The care-plan, explanation, options and document-batch entry points (0.2.0).
    EXPECT(run_care_plan_path(0, "warm-up"), "the care-plan path fails without allocation failures");
    long plan_from = sweep(true, 1000000, run_care_plan_path);
    long plan_once = sweep(false, 1000000, run_care_plan_path);
    EXPECT(plan_once > 100, "only %ld allocations on the care-plan path", plan_once - 1);
    std::printf("allocation failure: %ld allocations on the care-plan path (%ld from then on): %s\n", plan_once - 1,
                plan_from - 1, g_failures ? "FAILED" : "ok");
    return g_failures ? 1 : 0;
}
