// The C interface over the C++ API. Every entry point is wrapped in guard(): no
// exception crosses extern "C", and every failure becomes a status plus an owned error.
#include "carecoord.h"

#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <initializer_list>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>
#include <new>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "carecoord/care_plan.hpp"
#include "carecoord/carecoord.hpp"
#include "carecoord/explain.hpp"
#include "carecoord/fhir.hpp"
#include "yaml/yaml_tree.hpp"
#include "model/enums.hpp"
#include "model/patient_builder.hpp"
#include "output/json_writer.hpp"
#include "time/calendar.hpp"
#include "util/text.hpp"
#include "util/codes.hpp"

// One version, three places: carecoord.h, carecoord/version.hpp (which define the same
// macros, so a mismatch is a redefinition error) and project() in CMakeLists.txt, which
// also names the SONAME.
static_assert(CARECOORD_VERSION_MAJOR == CARECOORD_PROJECT_VERSION_MAJOR &&
                  CARECOORD_VERSION_MINOR == CARECOORD_PROJECT_VERSION_MINOR &&
                  CARECOORD_VERSION_PATCH == CARECOORD_PROJECT_VERSION_PATCH,
              "carecoord.h and project(VERSION) in CMakeLists.txt disagree");

using carecoord::Date;
using carecoord::Diagnostic;

struct carecoord_error {
    carecoord_status status = CARECOORD_ERR_INTERNAL;
    Diagnostic diagnostic;
    std::string text;  // diagnostic.to_string(), kept for carecoord_error_string()
    std::unique_ptr<carecoord_error> next;
};

struct carecoord_engine {
    carecoord::Engine engine;
    std::vector<std::string> effective_from;  // per ruleset, for the borrowed getter
    std::vector<carecoord::RulesetInfo> rulesets;
    carecoord::PatientLimits patient_limits;  // for the documents of batches (engine options)
};

struct carecoord_engine_options {
    carecoord::EngineOptions engine;
    carecoord::PatientLimits patient;
};

struct carecoord_event {
    carecoord::CarePlanEvent event;
};

struct carecoord_care_plan {
    std::string workflow;
    carecoord::CarePlanRecord record;
    std::string json, last_event;
    std::vector<std::string> event_times, dues, due_times;
    // What the event of carecoord_care_plan_apply() did.
    std::optional<std::string> previous_state;
    bool transitioned = false, duplicate = false;
    std::size_t created = 0;
    std::vector<std::string> missing;
};

struct carecoord_strings {
    std::vector<std::string> items;
};

struct carecoord_explanation {
    std::string text, json;
};

struct carecoord_patient {
    carecoord::Patient patient;
    // The warnings of the FHIR reading that produced it (carecoord_patient_warnings()).
    std::unique_ptr<carecoord_error> warnings;
};

struct carecoord_fhir_bulk {
    carecoord::FhirBulkReader reader;
    std::unique_ptr<carecoord_error> export_diagnostics;
    bool ended = false;
    // The patient read but not yet handed out: kept when handing it out ran out of memory,
    // so that the call made again returns it instead of skipping it.
    std::optional<carecoord::Result<carecoord::FhirPatient>> pending;
};

struct carecoord_batch {
    std::string output;  // NDJSON, one line per input line
    std::size_t count = 0, errors = 0;
};

// A result holds the determination itself; the getters read it in place. The texts it has no
// string for (the JSON, trigger dates) are made on the first read, not by the evaluation: most
// callers read a few fields and never the JSON. A result may be read from several threads at
// once (docs/threading.md), hence the lock around the first read.
struct carecoord_result {
    struct TriggerDates {
        char anchor[11];
        char due[11];
        char due_time[17];  // "" when the trigger counts days
    };

    carecoord::Determination determination;
    char as_of[11] = {};
    char deceased[11] = {};  // "": alive at as_of

    // The JSON, or NULL when its memory could not be allocated (a later call tries again).
    const char* json() const noexcept;
    // The dates of trigger i, formatted on the first read of any of them.
    const TriggerDates* trigger_dates(std::size_t i) const noexcept;

    mutable std::mutex first_read;
    mutable std::atomic<bool> json_ready{false}, dates_ready{false};
    mutable std::string json_text;
    mutable std::vector<TriggerDates> dates;  // sized by the evaluation, filled on first read
};

namespace {

namespace model = carecoord::model;

// Handed out when even an error object cannot be allocated; never freed.
carecoord_error& out_of_memory_error() {
    static carecoord_error e = [] {
        carecoord_error x;
        x.status = CARECOORD_ERR_NOMEM;
        x.diagnostic.code = carecoord::codes::out_of_memory;
        x.diagnostic.message = "out of memory";
        x.text = x.diagnostic.to_string();
        return x;
    }();
    return e;
}

// A failure: a status and the diagnostics that explain it. Thrown inside this file only.
struct Failure {
    carecoord_status status;
    std::vector<Diagnostic> diagnostics;
};

Diagnostic make_diagnostic(const char* code, std::string message, std::string field_path = {}) {
    Diagnostic d;
    d.code = code;
    d.message = std::move(message);
    d.field_path = std::move(field_path);
    return d;
}

[[noreturn]] void fail(carecoord_status status, const char* code, std::string message, std::string field_path = {}) {
    throw Failure{status, {make_diagnostic(code, std::move(message), std::move(field_path))}};
}

// C API argument errors have their own codes (docs/c-api.md).
constexpr const char* kNullArgument = carecoord::codes::null_argument;
constexpr const char* kBadArgument = carecoord::codes::bad_argument;

template <class T>
T* need(T* p, const char* name) {
    if (!p) fail(CARECOORD_ERR_ARGUMENT, kNullArgument, std::string(name) + " must not be NULL", name);
    return p;
}

carecoord_error* make_error(carecoord_status status, const std::vector<Diagnostic>& diagnostics) {
    std::unique_ptr<carecoord_error> head;
    carecoord_error* tail = nullptr;
    auto add = [&](const Diagnostic& d) {
        auto e = std::make_unique<carecoord_error>();
        e->status = status;
        e->diagnostic = d;
        e->text = d.to_string();
        carecoord_error* raw = e.get();
        if (tail) tail->next = std::move(e);
        else head = std::move(e);
        tail = raw;
    };
    for (const auto& d : diagnostics) add(d);
    if (!head) add(make_diagnostic(carecoord::codes::internal_error, "internal error: a failure without a diagnostic"));
    return head.release();
}

// Built when the library is loaded, so that reporting an allocation failure never needs
// memory: a function-local static first built inside a catch block would throw there.
[[maybe_unused]] const carecoord_error& out_of_memory_error_ready = out_of_memory_error();

// Sets *err; returns the status to report, CARECOORD_ERR_NOMEM when even the error object
// could not be allocated (then *err is the static out-of-memory error, whose status says so).
carecoord_status report(carecoord_error** err, carecoord_status status, const std::vector<Diagnostic>& diagnostics) {
    if (!err) return status;
    try {
        *err = make_error(status, diagnostics);
        return status;
    } catch (...) {
        *err = &out_of_memory_error();
        return CARECOORD_ERR_NOMEM;
    }
}

// Runs the body of an entry point: OK, or the status of what went wrong with its error.
template <class F>
carecoord_status guard(carecoord_error** err, F&& body) noexcept {
    if (err) *err = nullptr;
    try {
        body();
        return CARECOORD_OK;
    } catch (const Failure& f) {
        return report(err, f.status, f.diagnostics);
    } catch (const std::bad_alloc&) {
        if (err) *err = &out_of_memory_error();
        return CARECOORD_ERR_NOMEM;
    } catch (const std::exception& e) {
        try {
            return report(err, CARECOORD_ERR_INTERNAL,
                          {make_diagnostic(carecoord::codes::internal_error, std::string("internal error: ") + e.what())});
        } catch (...) {
            if (err) *err = &out_of_memory_error();
            return CARECOORD_ERR_NOMEM;
        }
    } catch (...) {
        return report(err, CARECOORD_ERR_INTERNAL, {});
    }
}

// Moves a successfully built object into *out (which guard's caller reset to NULL).
template <class T>
void hand_out(T** out, std::unique_ptr<T> value) {
    *out = value.release();
}

// The status of a failed core call: the core reports allocation failures (E0001, thrown
// as std::bad_alloc here) and its own bugs (E0002, internal) with two codes; anything else
// gets `status`, the status of the step that failed.
carecoord_status failure_status(const std::vector<Diagnostic>& d, carecoord_status status) {
    if (!d.empty() && d.front().code == carecoord::codes::out_of_memory) throw std::bad_alloc();
    return !d.empty() && d.front().code == carecoord::codes::internal_error ? CARECOORD_ERR_INTERNAL : status;
}

template <class T, class U>
T unwrap(carecoord::Result<U>&& r, carecoord_status status) {
    if (!r.ok()) throw Failure{failure_status(r.diagnostics(), status), r.diagnostics()};
    return std::move(r).value();
}

carecoord_engine* make_engine(carecoord::Engine engine, const carecoord::PatientLimits& patient_limits = {}) {
    auto out = std::make_unique<carecoord_engine>(carecoord_engine{std::move(engine), {}, {}, patient_limits});
    out->rulesets = out->engine.rulesets();
    for (const auto& r : out->rulesets) out->effective_from.push_back(carecoord::time::format_date(r.effective_from));
    return out.release();
}

// ---- builder values ----------------------------------------------------------------
// Every check is the document decoder's (model/patient_builder.hpp): this layer only
// turns the diagnostics into a status.

void patient_ok(std::vector<Diagnostic> diagnostics) {
    if (!diagnostics.empty()) throw Failure{CARECOORD_ERR_PATIENT, std::move(diagnostics)};
}

// "YYYY-MM-DD" into a buffer, without allocating (the result's getters never allocate).
void put_date(char (&out)[11], Date d) {
    const std::chrono::year_month_day ymd{d};
    const int y = int{ymd.year()};
    const unsigned m = unsigned{ymd.month()}, day = unsigned{ymd.day()};
    // Years outside 0-9999 are not dates a determination holds (as_of is 1800-2999).
    const unsigned yy = y < 0 ? 0u : (y > 9999 ? 9999u : static_cast<unsigned>(y));
    const char text[11] = {static_cast<char>('0' + yy / 1000),     static_cast<char>('0' + yy / 100 % 10),
                           static_cast<char>('0' + yy / 10 % 10),  static_cast<char>('0' + yy % 10),
                           '-',
                           static_cast<char>('0' + m / 10),         static_cast<char>('0' + m % 10),
                           '-',
                           static_cast<char>('0' + day / 10),       static_cast<char>('0' + day % 10),
                           '\0'};
    std::memcpy(out, text, sizeof text);
}

// "YYYY-MM-DDTHH:MM".
void put_datetime(char (&out)[17], carecoord::DateTime t) {
    const Date d = carecoord::time::date_of(t);
    char date[11];
    put_date(date, d);
    const auto minute = static_cast<unsigned>((t - carecoord::time::start_of(d)).count());  // 0..1439
    std::memcpy(out, date, 10);
    const char hhmm[7] = {'T',
                          static_cast<char>('0' + minute / 60 / 10), static_cast<char>('0' + minute / 60 % 10),
                          ':',
                          static_cast<char>('0' + minute % 60 / 10), static_cast<char>('0' + minute % 60 % 10),
                          '\0'};
    std::memcpy(out + 10, hhmm, sizeof hhmm);
}

carecoord_status evaluate(carecoord_result** out, const carecoord_engine* engine, const carecoord_patient* patient,
                          std::optional<Date> as_of, carecoord_error** err) {
    return guard(err, [&] {
        need(out, "out");
        *out = nullptr;
        need(engine, "engine");
        need(patient, "patient");
        if (!as_of) fail(CARECOORD_ERR_ARGUMENT, kBadArgument, "as_of must be a valid date YYYY-MM-DD", "as_of");
        auto r = std::make_unique<carecoord_result>();
        r->determination = unwrap<carecoord::Determination>(engine->engine.evaluate(patient->patient, *as_of),
                                                            CARECOORD_ERR_EVALUATION);
        const auto& d = r->determination;
        put_date(r->as_of, d.as_of);
        if (d.deceased) put_date(r->deceased, *d.deceased);
        r->dates.resize(d.triggers.size());
        hand_out(out, std::move(r));
    });
}

// One error line of a batch: {"error":{"line":N,"status":S,"diagnostics":[...]}}.
void append_batch_error(std::string& out, std::size_t line, carecoord_status status,
                        const std::vector<Diagnostic>& diagnostics) {
    carecoord::output::JsonWriter w(out);
    w.begin_object();
    w.key("error");
    w.begin_object();
    w.key("line");
    w.value(static_cast<long long>(line));
    w.key("status");
    w.value(carecoord_status_name(status));
    w.key("diagnostics");
    w.begin_array();
    for (const auto& d : diagnostics) {
        w.begin_object();
        w.key("code");
        w.value(d.code);
        w.key("message");
        w.value(d.message);
        w.key("field_path");
        w.value(d.field_path);
        w.key("string");
        w.value(d.to_string());
        w.end_object();
    }
    w.end_array();
    w.end_object();
    w.end_object();
}

// Evaluates one NDJSON line into `out` (a determination or an error line, with its '\n').
void evaluate_batch_line(carecoord_batch& b, const carecoord_engine& engine_handle, std::string_view line, Date as_of,
                         carecoord::DocumentFormat format = carecoord::DocumentFormat::json) {
    const carecoord::Engine& engine = engine_handle.engine;
    ++b.count;
    if (format == carecoord::DocumentFormat::json && !line.empty() && line.back() == '\r') line.remove_suffix(1);
    auto patient = carecoord::parse_patient(line, format, engine_handle.patient_limits);
    if (!patient.ok()) {
        ++b.errors;
        append_batch_error(b.output, b.count, failure_status(patient.diagnostics(), CARECOORD_ERR_PATIENT),
                           patient.diagnostics());
    } else if (auto det = engine.evaluate(*patient, as_of); !det.ok()) {
        ++b.errors;
        append_batch_error(b.output, b.count, failure_status(det.diagnostics(), CARECOORD_ERR_EVALUATION),
                           det.diagnostics());
    } else {
        b.output += carecoord::to_json(*det);
    }
    b.output += '\n';
}

// Borrowed getters: NULL-safe, index-checked.
template <class V>
const auto* at(const V& v, std::size_t i) {
    return i < v.size() ? &v[i] : nullptr;
}

const char* c_str_or_null(const std::string* s) { return s ? s->c_str() : nullptr; }

// A string member of an item, or NULL when there is no such item.
template <class T>
const char* member(const T* item, std::string T::*field) {
    return item ? (item->*field).c_str() : nullptr;
}

const carecoord::RuleMatch* tier_rule(const carecoord_result* r, std::size_t i) {
    return r ? at(r->determination.tier.matched, i) : nullptr;
}

const carecoord::FlagResult* flag(const carecoord_result* r, std::size_t i) {
    return r ? at(r->determination.flags, i) : nullptr;
}

const carecoord::ProgramResult* program(const carecoord_result* r, std::size_t i) {
    return r ? at(r->determination.programs, i) : nullptr;
}

const carecoord::TriggerResult* trigger(const carecoord_result* r, std::size_t i) {
    return r ? at(r->determination.triggers, i) : nullptr;
}

const char* error_text(const carecoord_error* e, std::string Diagnostic::*field) {
    return e ? (e->diagnostic.*field).c_str() : "";
}

// ---- FHIR --------------------------------------------------------------------------

// A list of warnings as error objects (status OK), or nullptr when there is none.
std::unique_ptr<carecoord_error> diagnostic_list(const std::vector<Diagnostic>& diagnostics) {
    if (diagnostics.empty()) return nullptr;
    return std::unique_ptr<carecoord_error>(make_error(CARECOORD_OK, diagnostics));
}

// Leaves `read` untouched when it throws (the warnings are built before the patient moves).
std::unique_ptr<carecoord_patient> fhir_patient(carecoord::FhirPatient&& read) {
    auto p = std::make_unique<carecoord_patient>();
    p->warnings = diagnostic_list(read.diagnostics);
    p->patient = std::move(read.patient);
    return p;
}

// The limit a carecoord_engine_options_set_limit() name designates, or nullptr.
std::size_t* limit_field(carecoord_engine_options& o, std::string_view name) {
    auto& r = o.engine.limits;
    auto& p = o.patient;
    if (name == "ruleset.max_file_bytes") return &r.max_file_bytes;
    if (name == "ruleset.max_yaml_depth") return &r.max_yaml_depth;
    if (name == "ruleset.max_expression_depth") return &r.max_expression_depth;
    if (name == "ruleset.max_expression_nodes") return &r.max_expression_nodes;
    if (name == "ruleset.max_string_length") return &r.max_string_length;
    if (name == "patient.max_document_bytes") return &p.max_document_bytes;
    if (name == "patient.max_list_length") return &p.max_list_length;
    if (name == "patient.max_string_length") return &p.max_string_length;
    if (name == "patient.max_depth") return &p.max_depth;
    return nullptr;
}

std::optional<Date> need_date(const char* text, const char* name) {
    need(text, name);
    auto d = carecoord::time::parse_date(text);
    if (!d) fail(CARECOORD_ERR_ARGUMENT, kBadArgument, std::string(name) + " must be a valid date YYYY-MM-DD", name);
    return d;
}

// A record handle with the borrowed strings of its getters.
std::unique_ptr<carecoord_care_plan> make_care_plan(std::string workflow, carecoord::CarePlanRecord record) {
    auto p = std::make_unique<carecoord_care_plan>();
    p->workflow = std::move(workflow);
    p->record = std::move(record);
    p->json = carecoord::to_json(p->record);
    if (p->record.last_event) p->last_event = carecoord::time::format_datetime(*p->record.last_event);
    for (const auto& t : p->record.tasks) {
        p->event_times.push_back(carecoord::time::format_datetime(t.event_time));
        p->dues.push_back(carecoord::time::format_date(t.due));
        p->due_times.push_back(t.due_time ? carecoord::time::format_datetime(*t.due_time) : std::string());
    }
    return p;
}

const carecoord::CarePlanTask* task(const carecoord_care_plan* p, std::size_t i) {
    return p && i < p->record.tasks.size() ? &p->record.tasks[i] : nullptr;
}

void set_payload(carecoord_event* event, const char* name, carecoord::PayloadValue value) {
    need(event, "event");
    need(name, "name");
    if (!*name) fail(CARECOORD_ERR_ARGUMENT, kBadArgument, "name must not be empty", "name");
    event->event.payload[name] = std::move(value);
}

// ---- a care-plan record from its JSON (carecoord_care_plan_from_json) ----------------

[[noreturn]] void bad_record(const char* code, const std::string& message, const std::string& path,
                             const carecoord::yaml::YamlNode& at) {
    Diagnostic d = make_diagnostic(code, message, path);
    d.line = at.mark.line;
    d.column = at.mark.column;
    throw Failure{CARECOORD_ERR_ARGUMENT, {std::move(d)}};
}

void only_keys(const carecoord::yaml::YamlNode& n, std::initializer_list<std::string_view> keys, const std::string& path) {
    for (const auto& e : n.entries)
        if (std::find(keys.begin(), keys.end(), e.key.scalar) == keys.end()) {
            std::string field = path.empty() ? e.key.scalar : path + "." + e.key.scalar;
            bad_record(carecoord::codes::care_plan_record_unknown_key, "unknown key in a care-plan record", field, e.key);
        }
}

const carecoord::yaml::YamlNode& record_field(const carecoord::yaml::YamlNode& n, std::string_view key,
                                              const std::string& path) {
    const auto* v = n.find(key);
    std::string field = path.empty() ? std::string(key) : path + "." + std::string(key);
    if (!v) bad_record(carecoord::codes::care_plan_record_malformed, "missing from the care-plan record", field, n);
    return *v;
}

std::string record_string(const carecoord::yaml::YamlNode& n, std::string_view key, const std::string& path) {
    const auto& v = record_field(n, key, path);
    std::string field = path.empty() ? std::string(key) : path + "." + std::string(key);
    if (!v.is_scalar() || (!v.quoted && carecoord::yaml::is_plain_null(v.scalar)))
        bad_record(carecoord::codes::care_plan_record_malformed, "must be a string", field, v);
    return v.scalar;
}

std::optional<carecoord::DateTime> record_datetime(const carecoord::yaml::YamlNode& n, std::string_view key,
                                                   const std::string& path, bool nullable) {
    const auto& v = record_field(n, key, path);
    std::string field = path.empty() ? std::string(key) : path + "." + std::string(key);
    if (nullable && (v.is_null() || (v.is_scalar() && !v.quoted && carecoord::yaml::is_plain_null(v.scalar))))
        return std::nullopt;
    auto t = v.is_scalar() ? carecoord::time::parse_datetime(v.scalar) : std::nullopt;
    if (!t) bad_record(carecoord::codes::care_plan_record_malformed, std::string("must be a date-time YYYY-MM-DDTHH:MM") + (nullable ? " or null" : ""), field, v);
    return t;
}

carecoord::CarePlanRecord parse_record(std::string_view json) {
    auto tree = carecoord::yaml::parse_yaml(json, "<care plan>");
    if (!tree.ok()) throw Failure{CARECOORD_ERR_ARGUMENT, tree.diagnostics()};
    const auto& root = *tree;
    if (!root.is_mapping()) bad_record(carecoord::codes::care_plan_record_malformed, "a care-plan record must be an object", "", root);
    only_keys(root, {"state", "last_event", "applied", "tasks"}, "");
    carecoord::CarePlanRecord r;
    r.state = record_string(root, "state", "");
    r.last_event = record_datetime(root, "last_event", "", true);
    const auto& applied = record_field(root, "applied", "");
    if (!applied.is_sequence()) bad_record(carecoord::codes::care_plan_record_malformed, "must be a list of event keys", "applied", applied);
    for (std::size_t i = 0; i < applied.items.size(); ++i) {
        const auto& a = applied.items[i];
        std::string field = "applied[" + std::to_string(i) + "]";
        if (!a.is_scalar() || a.scalar.find('@') == std::string::npos)
            bad_record(carecoord::codes::care_plan_record_malformed, "must be an event key type@YYYY-MM-DDTHH:MM", field, a);
        r.applied.push_back(a.scalar);
    }
    const auto& tasks = record_field(root, "tasks", "");
    if (!tasks.is_sequence()) bad_record(carecoord::codes::care_plan_record_malformed, "must be a list", "tasks", tasks);
    for (std::size_t i = 0; i < tasks.items.size(); ++i) {
        const auto& t = tasks.items[i];
        std::string path = "tasks[" + std::to_string(i) + "]";
        if (!t.is_mapping()) bad_record(carecoord::codes::care_plan_record_malformed, "must be an object", path, t);
        only_keys(t, {"id", "task", "event", "event_time", "due", "due_time", "action", "reason", "source"}, path);
        carecoord::CarePlanTask task;
        task.id = record_string(t, "id", path);
        task.task = record_string(t, "task", path);
        task.event = record_string(t, "event", path);
        task.event_time = *record_datetime(t, "event_time", path, false);
        const auto& due = record_field(t, "due", path);
        auto d = due.is_scalar() ? carecoord::time::parse_date(due.scalar) : std::nullopt;
        if (!d) bad_record(carecoord::codes::care_plan_record_malformed, "must be a date YYYY-MM-DD", path + ".due", due);
        task.due = *d;
        task.due_time = record_datetime(t, "due_time", path, true);
        task.action = record_string(t, "action", path);
        task.reason = record_string(t, "reason", path);
        task.source = record_string(t, "source", path);
        r.tasks.push_back(std::move(task));
    }
    return r;
}

}  // namespace

extern "C" {

// ---- versions ----------------------------------------------------------------------

const char* carecoord_version(void) { return CARECOORD_VERSION_STRING; }
int carecoord_version_number(void) { return CARECOORD_VERSION_NUMBER; }
int carecoord_schema_version_min(void) { return CARECOORD_SCHEMA_VERSION_MIN; }
int carecoord_schema_version_max(void) { return CARECOORD_SCHEMA_VERSION_MAX; }

const char* carecoord_status_name(int status) {
    switch (status) {
        case CARECOORD_OK: return "ok";
        case CARECOORD_ERR_ARGUMENT: return "argument";
        case CARECOORD_ERR_RULESET: return "ruleset";
        case CARECOORD_ERR_PATIENT: return "patient";
        case CARECOORD_ERR_EVALUATION: return "evaluation";
        case CARECOORD_ERR_NOMEM: return "nomem";
        case CARECOORD_ERR_INTERNAL: return "internal";
        case CARECOORD_OK_WITH_WARNINGS: return "ok_with_warnings";
        case CARECOORD_END: return "end";
    }
    return "unknown";
}

// ---- errors ------------------------------------------------------------------------

void carecoord_error_free(carecoord_error* err) {
    if (!err || err == &out_of_memory_error()) return;
    // Unlink iteratively: a long list must not recurse once per diagnostic.
    std::unique_ptr<carecoord_error> next = std::move(err->next);
    while (next) next = std::move(next->next);
    delete err;
}

carecoord_status carecoord_error_status(const carecoord_error* err) { return err ? err->status : CARECOORD_OK; }
const carecoord_error* carecoord_error_next(const carecoord_error* err) { return err ? err->next.get() : nullptr; }
size_t carecoord_error_count(const carecoord_error* err) {
    size_t n = 0;
    for (; err; err = err->next.get()) ++n;
    return n;
}
const char* carecoord_error_code(const carecoord_error* err) { return error_text(err, &Diagnostic::code); }
const char* carecoord_error_message(const carecoord_error* err) { return error_text(err, &Diagnostic::message); }
const char* carecoord_error_file(const carecoord_error* err) { return error_text(err, &Diagnostic::file); }
int carecoord_error_line(const carecoord_error* err) { return err ? err->diagnostic.line : 0; }
int carecoord_error_column(const carecoord_error* err) { return err ? err->diagnostic.column : 0; }
const char* carecoord_error_rule_id(const carecoord_error* err) { return error_text(err, &Diagnostic::rule_id); }
const char* carecoord_error_field_path(const carecoord_error* err) { return error_text(err, &Diagnostic::field_path); }
const char* carecoord_error_string(const carecoord_error* err) { return err ? err->text.c_str() : ""; }

// ---- engine ------------------------------------------------------------------------

carecoord_status carecoord_engine_load_path(carecoord_engine** out, const char* path, carecoord_error** err) {
    return carecoord_engine_load_path_v2(out, path, nullptr, err);
}

carecoord_status carecoord_engine_load_string(carecoord_engine** out, const char* text, size_t len, const char* name,
                                              carecoord_error** err) {
    return carecoord_engine_load_string_v2(out, text, len, name, nullptr, err);
}

carecoord_status carecoord_engine_load_path_v2(carecoord_engine** out, const char* path,
                                               const carecoord_engine_options* options, carecoord_error** err) {
    return guard(err, [&] {
        need(out, "out");
        *out = nullptr;
        need(path, "path");
        const carecoord_engine_options defaults;
        const carecoord_engine_options& o = options ? *options : defaults;
        *out = make_engine(unwrap<carecoord::Engine>(carecoord::Engine::load_path(path, o.engine), CARECOORD_ERR_RULESET),
                           o.patient);
    });
}

carecoord_status carecoord_engine_load_string_v2(carecoord_engine** out, const char* text, size_t len, const char* name,
                                                 const carecoord_engine_options* options, carecoord_error** err) {
    return guard(err, [&] {
        need(out, "out");
        *out = nullptr;
        if (len > 0) need(text, "text");
        std::string_view yaml(text ? text : "", len);
        const carecoord_engine_options defaults;
        const carecoord_engine_options& o = options ? *options : defaults;
        *out = make_engine(unwrap<carecoord::Engine>(carecoord::Engine::load_string(yaml, name ? name : "<string>", o.engine),
                                                     CARECOORD_ERR_RULESET),
                           o.patient);
    });
}

carecoord_status carecoord_engine_check(const carecoord_engine* engine, int analysis, carecoord_error** findings,
                                        carecoord_error** err) {
    return guard(err, [&] {
        need(findings, "findings");
        *findings = nullptr;
        need(engine, "engine");
        carecoord::CheckOptions options;
        options.analysis = analysis != 0;
        auto list = carecoord::check(engine->engine, options);
        // check() turns its own failures into one E0001/E0002 error: the call fails with it.
        for (const auto& d : list)
            if (d.code == carecoord::codes::out_of_memory || d.code == carecoord::codes::internal_error)
                throw Failure{failure_status({d}, CARECOORD_ERR_INTERNAL), {d}};
        *findings = diagnostic_list(list).release();
    });
}

// ---- engine options ----------------------------------------------------------------

carecoord_status carecoord_engine_options_new(carecoord_engine_options** out, carecoord_error** err) {
    return guard(err, [&] {
        need(out, "out");
        *out = nullptr;
        hand_out(out, std::make_unique<carecoord_engine_options>());
    });
}

void carecoord_engine_options_free(carecoord_engine_options* options) { delete options; }

carecoord_status carecoord_engine_options_set_limit(carecoord_engine_options* options, const char* name, size_t value,
                                                    carecoord_error** err) {
    return guard(err, [&] {
        need(options, "options");
        need(name, "name");
        std::size_t* field = limit_field(*options, name);
        if (!field)
            fail(CARECOORD_ERR_ARGUMENT, kBadArgument,
                 "name must be one of the limits of docs/c-api.md (ruleset.max_file_bytes, patient.max_document_bytes, ...)",
                 "name");
        if (value == 0) fail(CARECOORD_ERR_ARGUMENT, kBadArgument, "value must be at least 1", "value");
        *field = value;
    });
}

size_t carecoord_engine_options_limit(const carecoord_engine_options* options, const char* name) {
    if (!options || !name) return 0;
    const std::size_t* field = limit_field(const_cast<carecoord_engine_options&>(*options), name);
    return field ? *field : 0;
}

carecoord_status carecoord_engine_options_set_ignore_effective(carecoord_engine_options* options, int ignore_effective,
                                                               carecoord_error** err) {
    return guard(err, [&] {
        need(options, "options");
        options->engine.ignore_effective = ignore_effective != 0;
    });
}

carecoord_status carecoord_engine_options_add_include_root(carecoord_engine_options* options, const char* directory,
                                                           carecoord_error** err) {
    return guard(err, [&] {
        need(options, "options");
        need(directory, "directory");
        if (!*directory) fail(CARECOORD_ERR_ARGUMENT, kBadArgument, "directory must not be empty", "directory");
        options->engine.include_roots.emplace_back(directory);
    });
}

void carecoord_engine_free(carecoord_engine* engine) { delete engine; }

size_t carecoord_engine_ruleset_count(const carecoord_engine* engine) { return engine ? engine->rulesets.size() : 0; }
const char* carecoord_engine_ruleset_id(const carecoord_engine* engine, size_t i) {
    const auto* r = engine ? at(engine->rulesets, i) : nullptr;
    return r ? r->id.c_str() : nullptr;
}
const char* carecoord_engine_ruleset_version(const carecoord_engine* engine, size_t i) {
    const auto* r = engine ? at(engine->rulesets, i) : nullptr;
    return r ? r->version.c_str() : nullptr;
}
const char* carecoord_engine_ruleset_effective_from(const carecoord_engine* engine, size_t i) {
    return engine ? c_str_or_null(at(engine->effective_from, i)) : nullptr;
}

// ---- patients ----------------------------------------------------------------------

carecoord_status carecoord_patient_parse(carecoord_patient** out, const char* text, size_t len, int format,
                                         carecoord_error** err) {
    return carecoord_patient_parse_v2(out, text, len, format, nullptr, err);
}

carecoord_status carecoord_patient_parse_v2(carecoord_patient** out, const char* text, size_t len, int format,
                                            const carecoord_engine_options* options, carecoord_error** err) {
    return guard(err, [&] {
        need(out, "out");
        *out = nullptr;
        if (len > 0) need(text, "text");
        if (format == CARECOORD_FORMAT_FHIR_BUNDLE) {
            hand_out(out, fhir_patient(unwrap<carecoord::FhirPatient>(
                              carecoord::read_fhir_bundle(std::string_view(text ? text : "", len)),
                              CARECOORD_ERR_PATIENT)));
            return;
        }
        if (format != CARECOORD_FORMAT_JSON && format != CARECOORD_FORMAT_YAML)
            fail(CARECOORD_ERR_ARGUMENT, kBadArgument,
                 "format must be CARECOORD_FORMAT_JSON, CARECOORD_FORMAT_YAML or CARECOORD_FORMAT_FHIR_BUNDLE",
                 "format");
        auto f = format == CARECOORD_FORMAT_JSON ? carecoord::DocumentFormat::json : carecoord::DocumentFormat::yaml;
        auto p = std::make_unique<carecoord_patient>();
        const carecoord::PatientLimits limits = options ? options->patient : carecoord::PatientLimits{};
        p->patient = unwrap<carecoord::Patient>(
            carecoord::parse_patient(std::string_view(text ? text : "", len), f, limits), CARECOORD_ERR_PATIENT);
        hand_out(out, std::move(p));
    });
}

void carecoord_patient_free(carecoord_patient* patient) { delete patient; }

carecoord_status carecoord_patient_new(carecoord_patient** out, const char* id, const char* birth_date,
                                       carecoord_error** err) {
    return guard(err, [&] {
        need(out, "out");
        *out = nullptr;
        auto p = std::make_unique<carecoord_patient>();
        patient_ok(model::set_field(p->patient, "id", id));
        patient_ok(model::set_field(p->patient, "birth_date", birth_date));
        hand_out(out, std::move(p));
    });
}

carecoord_status carecoord_patient_set_sex(carecoord_patient* patient, const char* sex, carecoord_error** err) {
    return guard(err, [&] {
        need(patient, "patient");
        patient_ok(model::set_field(patient->patient, "sex", sex));
    });
}

carecoord_status carecoord_patient_set_deceased(carecoord_patient* patient, const char* date, carecoord_error** err) {
    return guard(err, [&] {
        need(patient, "patient");
        patient_ok(model::set_field(patient->patient, "deceased", date));
    });
}

carecoord_status carecoord_patient_add_coverage(carecoord_patient* patient, const char* payer, const char* plan,
                                                const char* start, const char* end, carecoord_error** err) {
    return guard(err, [&] {
        need(patient, "patient");
        patient_ok(model::add_item(patient->patient, "coverage",
                                   {{"payer", payer}, {"plan", plan}, {"start", start}, {"end", end}}));
    });
}

carecoord_status carecoord_patient_add_condition(carecoord_patient* patient, const char* code, const char* system,
                                                 const char* status, const char* onset, const char* abatement,
                                                 carecoord_error** err) {
    return guard(err, [&] {
        need(patient, "patient");
        patient_ok(model::add_item(patient->patient, "conditions",
                                   {{"code", code},
                                    {"system", system},
                                    {"status", status},
                                    {"onset", onset},
                                    {"abatement", abatement}}));
    });
}

carecoord_status carecoord_patient_add_encounter(carecoord_patient* patient, const char* encounter_class,
                                                 const char* admit, const char* discharge, carecoord_error** err) {
    return guard(err, [&] {
        need(patient, "patient");
        patient_ok(model::add_item(patient->patient, "encounters",
                                   {{"class", encounter_class}, {"admit", admit}, {"discharge", discharge}}));
    });
}

carecoord_status carecoord_patient_add_care_team_member(carecoord_patient* patient, const char* role,
                                                        const char* specialty, carecoord_error** err) {
    return guard(err, [&] {
        need(patient, "patient");
        patient_ok(model::add_item(patient->patient, "care_team", {{"role", role}, {"specialty", specialty}}));
    });
}

carecoord_status carecoord_patient_add_medication(carecoord_patient* patient, const char* code, const char* system,
                                                  const char* name, const char* status, carecoord_error** err) {
    return guard(err, [&] {
        need(patient, "patient");
        patient_ok(model::add_item(patient->patient, "medications",
                                   {{"code", code}, {"system", system}, {"name", name}, {"status", status}}));
    });
}

carecoord_status carecoord_patient_add_medication_event(carecoord_patient* patient, size_t medication,
                                                        const char* type, const char* date, carecoord_error** err) {
    return guard(err, [&] {
        need(patient, "patient");
        std::string list = "medications[" + std::to_string(medication) + "].events";
        patient_ok(model::add_item(patient->patient, list, {{"type", type}, {"date", date}}));
    });
}

carecoord_status carecoord_patient_add_observation(carecoord_patient* patient, const char* code, const char* system,
                                                   const char* date, double value, int has_value,
                                                   carecoord_error** err) {
    return guard(err, [&] {
        need(patient, "patient");
        patient_ok(model::add_item(
            patient->patient, "observations",
            {{"code", code},
             {"system", system},
             {"date", date},
             {"value", has_value ? model::FieldValue::number(value) : model::FieldValue()}}));
    });
}

carecoord_status carecoord_patient_set_field(carecoord_patient* patient, const char* path, const char* value,
                                             carecoord_error** err) {
    return guard(err, [&] {
        need(patient, "patient");
        need(path, "path");
        patient_ok(model::set_field(patient->patient, path, value));
    });
}

// ---- FHIR input (docs/fhir.md) -----------------------------------------------------

const carecoord_error* carecoord_patient_warnings(const carecoord_patient* patient) {
    return patient ? patient->warnings.get() : nullptr;
}

const char* carecoord_error_severity(const carecoord_error* err) {
    if (!err) return "";
    switch (err->diagnostic.severity) {
        case carecoord::Severity::error: return "error";
        case carecoord::Severity::warning: return "warning";
        case carecoord::Severity::note: return "note";
    }
    return "";
}

carecoord_status carecoord_fhir_bulk_open(carecoord_fhir_bulk** out, const char* directory, carecoord_error** err) {
    return guard(err, [&] {
        need(out, "out");
        *out = nullptr;
        need(directory, "directory");
        // The C++ reader also reads one NDJSON file; this entry point is documented for a
        // directory (an export), and a file named here is a mistake to report, not to read.
        struct stat st {};
        if (::stat(directory, &st) == 0 && !S_ISDIR(st.st_mode))
            fail(CARECOORD_ERR_PATIENT, carecoord::codes::fhir_unreadable,
                 "not a directory: carecoord_fhir_bulk_open reads a bulk-export directory");
        auto reader = unwrap<carecoord::FhirBulkReader>(carecoord::FhirBulkReader::open(directory),
                                                        CARECOORD_ERR_PATIENT);
        auto r = std::unique_ptr<carecoord_fhir_bulk>(new carecoord_fhir_bulk{std::move(reader), nullptr, false, std::nullopt});
        r->export_diagnostics = diagnostic_list(r->reader.export_diagnostics());
        hand_out(out, std::move(r));
    });
}

carecoord_status carecoord_fhir_bulk_next(carecoord_fhir_bulk* reader, carecoord_patient** out,
                                          carecoord_error** err) {
    carecoord_status found = CARECOORD_END;
    auto status = guard(err, [&] {
        need(out, "out");
        *out = nullptr;
        need(reader, "reader");
        if (reader->ended) return;
        // Out of memory anywhere below leaves the patient where a call made again finds it:
        // the C++ reader moves on only once it has returned the patient, and it stays in
        // `pending` until its patient or error object has been built.
        if (!reader->pending) {
            auto next = reader->reader.next();
            if (!next) {
                reader->ended = true;
                return;
            }
            reader->pending.emplace(std::move(*next));
        }
        carecoord::Result<carecoord::FhirPatient>& r = *reader->pending;
        if (!r.ok()) {
            const carecoord_status st = failure_status(r.diagnostics(), CARECOORD_ERR_PATIENT);
            std::unique_ptr<carecoord_error> e(err ? make_error(st, r.diagnostics()) : nullptr);
            reader->pending.reset();
            found = st;
            if (err) *err = e.release();
            return;
        }
        auto p = fhir_patient(std::move(r.value()));
        reader->pending.reset();
        found = p->warnings ? CARECOORD_OK_WITH_WARNINGS : CARECOORD_OK;
        hand_out(out, std::move(p));
    });
    return status == CARECOORD_OK ? found : status;
}

size_t carecoord_fhir_bulk_patient_count(const carecoord_fhir_bulk* reader) {
    return reader ? reader->reader.patient_count() : 0;
}

const carecoord_error* carecoord_fhir_bulk_export_diagnostics(const carecoord_fhir_bulk* reader) {
    return reader ? reader->export_diagnostics.get() : nullptr;
}

void carecoord_fhir_bulk_free(carecoord_fhir_bulk* reader) { delete reader; }

// ---- evaluation --------------------------------------------------------------------

carecoord_status carecoord_evaluate(carecoord_result** out, const carecoord_engine* engine,
                                    const carecoord_patient* patient, const char* as_of, carecoord_error** err) {
    std::optional<Date> date;
    if (as_of) date = carecoord::time::parse_date(as_of);
    if (!as_of) {
        // Report the NULL itself rather than "not a valid date".
        return guard(err, [&] {
            if (out) *out = nullptr;
            need(as_of, "as_of");
        });
    }
    return evaluate(out, engine, patient, date, err);
}

carecoord_status carecoord_evaluate_ymd(carecoord_result** out, const carecoord_engine* engine,
                                        const carecoord_patient* patient, int year, int month, int day,
                                        carecoord_error** err) {
    std::optional<Date> date;
    if (year >= 1800 && year <= 2999 && month >= 1 && month <= 12 && day >= 1 && day <= 31) {
        std::chrono::year_month_day ymd{std::chrono::year{year}, std::chrono::month{static_cast<unsigned>(month)},
                                        std::chrono::day{static_cast<unsigned>(day)}};
        if (ymd.ok()) date = Date{ymd};
    }
    return evaluate(out, engine, patient, date, err);
}

void carecoord_result_free(carecoord_result* result) { delete result; }

const char* carecoord_result::json() const noexcept {
    if (!json_ready.load(std::memory_order_acquire)) {
        try {
            std::lock_guard<std::mutex> lock(first_read);
            if (!json_ready.load(std::memory_order_relaxed)) {
                json_text = carecoord::to_json(determination);
                json_ready.store(true, std::memory_order_release);
            }
        } catch (...) {  // std::bad_alloc (to_json throws nothing else); std::system_error from the lock
            return nullptr;
        }
    }
    return json_text.c_str();
}

const carecoord_result::TriggerDates* carecoord_result::trigger_dates(std::size_t i) const noexcept {
    if (i >= dates.size()) return nullptr;
    if (!dates_ready.load(std::memory_order_acquire)) {
        try {
            std::lock_guard<std::mutex> lock(first_read);
            if (!dates_ready.load(std::memory_order_relaxed)) {
                for (std::size_t k = 0; k < dates.size(); ++k) {
                    const auto& t = determination.triggers[k];
                    put_date(dates[k].anchor, t.anchor);
                    put_date(dates[k].due, t.due);
                    if (t.due_time) put_datetime(dates[k].due_time, *t.due_time);
                    else dates[k].due_time[0] = '\0';
                }
                dates_ready.store(true, std::memory_order_release);
            }
        } catch (...) {  // std::system_error from the lock: nothing here allocates
            return nullptr;
        }
    }
    return &dates[i];
}

const char* carecoord_result_json(const carecoord_result* r) { return r ? r->json() : nullptr; }
const char* carecoord_result_patient_id(const carecoord_result* r) {
    return r ? r->determination.patient_id.c_str() : nullptr;
}
const char* carecoord_result_as_of(const carecoord_result* r) { return r ? r->as_of : nullptr; }
const char* carecoord_result_tier(const carecoord_result* r) { return r ? r->determination.tier.tier.c_str() : nullptr; }
int carecoord_result_tier_by_default(const carecoord_result* r) { return r && r->determination.tier.by_default ? 1 : 0; }
size_t carecoord_result_tier_rule_count(const carecoord_result* r) {
    return r ? r->determination.tier.matched.size() : 0;
}
const char* carecoord_result_tier_rule_id(const carecoord_result* r, size_t i) {
    return member(tier_rule(r, i), &carecoord::RuleMatch::rule_id);
}
const char* carecoord_result_tier_rule_reason(const carecoord_result* r, size_t i) {
    return member(tier_rule(r, i), &carecoord::RuleMatch::reason);
}

size_t carecoord_result_flag_count(const carecoord_result* r) { return r ? r->determination.flags.size() : 0; }
const char* carecoord_result_flag_id(const carecoord_result* r, size_t i) {
    return member(flag(r, i), &carecoord::FlagResult::id);
}

size_t carecoord_result_program_count(const carecoord_result* r) { return r ? r->determination.programs.size() : 0; }
const char* carecoord_result_program_id(const carecoord_result* r, size_t i) {
    return member(program(r, i), &carecoord::ProgramResult::id);
}
carecoord_eligibility carecoord_result_program_status(const carecoord_result* r, size_t i) {
    const auto* p = program(r, i);
    if (!p) return CARECOORD_ELIGIBILITY_INVALID;
    switch (p->status) {
        case carecoord::Eligibility::eligible: return CARECOORD_ELIGIBLE;
        case carecoord::Eligibility::not_eligible: return CARECOORD_NOT_ELIGIBLE;
        case carecoord::Eligibility::unknown: return CARECOORD_ELIGIBILITY_UNKNOWN;
    }
    return CARECOORD_ELIGIBILITY_INVALID;
}
const char* carecoord_result_program_status_name(const carecoord_result* r, size_t i) {
    const auto* p = program(r, i);
    return p ? carecoord::to_string(p->status).data() : nullptr;  // string literals: NUL-terminated
}
const char* carecoord_result_program_reason(const carecoord_result* r, size_t i) {
    return member(program(r, i), &carecoord::ProgramResult::reason);
}
const char* carecoord_result_program_source(const carecoord_result* r, size_t i) {
    return member(program(r, i), &carecoord::ProgramResult::source);
}
size_t carecoord_result_program_missing_count(const carecoord_result* r, size_t i) {
    const auto* p = program(r, i);
    return p ? p->missing.size() : 0;
}
const char* carecoord_result_program_missing(const carecoord_result* r, size_t i, size_t j) {
    const auto* p = program(r, i);
    return p ? c_str_or_null(at(p->missing, j)) : nullptr;
}

size_t carecoord_result_trigger_count(const carecoord_result* r) { return r ? r->determination.triggers.size() : 0; }
const char* carecoord_result_trigger_id(const carecoord_result* r, size_t i) {
    return member(trigger(r, i), &carecoord::TriggerResult::id);
}
carecoord_trigger_status carecoord_result_trigger_status(const carecoord_result* r, size_t i) {
    const auto* t = trigger(r, i);
    if (!t) return CARECOORD_TRIGGER_INVALID;
    return t->status == carecoord::TriggerStatus::open ? CARECOORD_TRIGGER_OPEN : CARECOORD_TRIGGER_OVERDUE;
}
const char* carecoord_result_trigger_status_name(const carecoord_result* r, size_t i) {
    const auto* t = trigger(r, i);
    return t ? carecoord::to_string(t->status).data() : nullptr;
}
const char* carecoord_result_trigger_anchor(const carecoord_result* r, size_t i) {
    const auto* t = r ? r->trigger_dates(i) : nullptr;
    return t ? t->anchor : nullptr;
}
const char* carecoord_result_trigger_due(const carecoord_result* r, size_t i) {
    const auto* t = r ? r->trigger_dates(i) : nullptr;
    return t ? t->due : nullptr;
}
const char* carecoord_result_trigger_due_time(const carecoord_result* r, size_t i) {
    const auto* t = r ? r->trigger_dates(i) : nullptr;
    return t && t->due_time[0] != '\0' ? t->due_time : nullptr;
}
const char* carecoord_result_trigger_action(const carecoord_result* r, size_t i) {
    return member(trigger(r, i), &carecoord::TriggerResult::action);
}
const char* carecoord_result_trigger_reason(const carecoord_result* r, size_t i) {
    return member(trigger(r, i), &carecoord::TriggerResult::reason);
}

size_t carecoord_result_missing_count(const carecoord_result* r) { return r ? r->determination.missing.size() : 0; }
const char* carecoord_result_missing(const carecoord_result* r, size_t i) {
    return r ? c_str_or_null(at(r->determination.missing, i)) : nullptr;
}
const char* carecoord_result_deceased(const carecoord_result* r) {
    return r && r->deceased[0] != '\0' ? r->deceased : nullptr;
}

// ---- batches -----------------------------------------------------------------------

carecoord_status carecoord_evaluate_batch(carecoord_batch** out, const carecoord_engine* engine, const char* ndjson,
                                          size_t len, const char* as_of, carecoord_error** err) {
    return guard(err, [&] {
        need(out, "out");
        *out = nullptr;
        need(engine, "engine");
        need(as_of, "as_of");
        if (len > 0) need(ndjson, "ndjson");
        auto date = carecoord::time::parse_date(as_of);
        if (!date) fail(CARECOORD_ERR_ARGUMENT, kBadArgument, "as_of must be a valid date YYYY-MM-DD", "as_of");
        auto b = std::make_unique<carecoord_batch>();
        std::string_view text(ndjson ? ndjson : "", len);
        b->output.reserve(len * 2);
        while (!text.empty()) {
            auto end = text.find('\n');
            evaluate_batch_line(*b, *engine, text.substr(0, end), *date);
            text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
        }
        hand_out(out, std::move(b));
    });
}

carecoord_status carecoord_result_fhir(char** out, const carecoord_result* result, const char* care_plan_id,
                                      const char* utc_offset, const char* recorded, carecoord_error** err) {
    return guard(err, [&] {
        need(out, "out");
        *out = nullptr;
        need(result, "result");
        carecoord::FhirOutputOptions options;
        if (care_plan_id) options.care_plan_id = care_plan_id;
        if (utc_offset) options.utc_offset = utc_offset;
        if (recorded) options.recorded = recorded;
        auto bundle = carecoord::to_fhir(result->determination, options);
        if (!bundle) {
            const auto& ds = bundle.diagnostics();
            bool patient = ds.size() == 1 && ds.front().code == carecoord::codes::fhir_out_patient_id;
            throw Failure{patient ? CARECOORD_ERR_PATIENT : CARECOORD_ERR_ARGUMENT, ds};
        }
        const std::string& text = *bundle;
        auto copy = std::make_unique<char[]>(text.size() + 1);
        std::memcpy(copy.get(), text.data(), text.size());
        copy[text.size()] = '\0';
        *out = copy.release();
    });
}

void carecoord_string_free(char* s) { delete[] s; }

void carecoord_batch_free(carecoord_batch* batch) { delete batch; }
size_t carecoord_batch_count(const carecoord_batch* batch) { return batch ? batch->count : 0; }
size_t carecoord_batch_error_count(const carecoord_batch* batch) { return batch ? batch->errors : 0; }
const char* carecoord_batch_output(const carecoord_batch* batch, size_t* len) {
    if (len) *len = batch ? batch->output.size() : 0;
    return batch ? batch->output.c_str() : nullptr;
}

carecoord_status carecoord_evaluate_documents(carecoord_batch** out, const carecoord_engine* engine,
                                              const carecoord_document* docs, size_t count, int format,
                                              const char* as_of, carecoord_error** err) {
    return guard(err, [&] {
        need(out, "out");
        *out = nullptr;
        need(engine, "engine");
        need(as_of, "as_of");
        if (count > 0) need(docs, "docs");
        if (format != CARECOORD_FORMAT_JSON && format != CARECOORD_FORMAT_YAML)
            fail(CARECOORD_ERR_ARGUMENT, kBadArgument, "format must be CARECOORD_FORMAT_JSON or CARECOORD_FORMAT_YAML",
                 "format");
        auto date = carecoord::time::parse_date(as_of);
        if (!date) fail(CARECOORD_ERR_ARGUMENT, kBadArgument, "as_of must be a valid date YYYY-MM-DD", "as_of");
        for (size_t i = 0; i < count; ++i)
            if (!docs[i].data && docs[i].len > 0) {
                std::string path = "docs[" + std::to_string(i) + "].data";
                fail(CARECOORD_ERR_ARGUMENT, kNullArgument, path + " must not be NULL when its len is not 0", path);
            }
        const auto f = format == CARECOORD_FORMAT_JSON ? carecoord::DocumentFormat::json : carecoord::DocumentFormat::yaml;
        auto b = std::make_unique<carecoord_batch>();
        for (size_t i = 0; i < count; ++i)
            evaluate_batch_line(*b, *engine, std::string_view(docs[i].data ? docs[i].data : "", docs[i].len), *date, f);
        hand_out(out, std::move(b));
    });
}

// ---- care plans --------------------------------------------------------------------

carecoord_status carecoord_event_new(carecoord_event** out, const char* type, const char* time, carecoord_error** err) {
    return guard(err, [&] {
        need(out, "out");
        *out = nullptr;
        need(type, "type");
        need(time, "time");
        if (!*type) fail(CARECOORD_ERR_ARGUMENT, kBadArgument, "type must not be empty", "type");
        auto t = carecoord::time::parse_datetime(time);
        if (!t) fail(CARECOORD_ERR_ARGUMENT, kBadArgument, "time must be a valid date-time YYYY-MM-DDTHH:MM", "time");
        auto e = std::make_unique<carecoord_event>();
        e->event.type = type;
        e->event.time = *t;
        hand_out(out, std::move(e));
    });
}

void carecoord_event_free(carecoord_event* event) { delete event; }

carecoord_status carecoord_event_set_string(carecoord_event* event, const char* name, const char* value,
                                            carecoord_error** err) {
    return guard(err, [&] {
        need(value, "value");
        set_payload(event, name, std::string(value));
    });
}

carecoord_status carecoord_event_set_number(carecoord_event* event, const char* name, double value,
                                            carecoord_error** err) {
    return guard(err, [&] {
        if (!std::isfinite(value)) fail(CARECOORD_ERR_ARGUMENT, kBadArgument, "value must be a finite number", "value");
        set_payload(event, name, value);
    });
}

carecoord_status carecoord_event_set_bool(carecoord_event* event, const char* name, int value, carecoord_error** err) {
    return guard(err, [&] { set_payload(event, name, value != 0); });
}

carecoord_status carecoord_care_plan_start(carecoord_care_plan** out, const carecoord_engine* engine,
                                           const char* workflow, const char* on, carecoord_error** err) {
    return guard(err, [&] {
        need(out, "out");
        *out = nullptr;
        need(engine, "engine");
        auto date = need_date(on, "on");
        std::string wf = workflow ? workflow : "care_plan";
        auto record = unwrap<carecoord::CarePlanRecord>(carecoord::start_care_plan(engine->engine, *date, wf),
                                                        CARECOORD_ERR_EVALUATION);
        hand_out(out, make_care_plan(std::move(wf), std::move(record)));
    });
}

carecoord_status carecoord_care_plan_apply(carecoord_care_plan** out, const carecoord_engine* engine,
                                           const carecoord_patient* patient, const carecoord_care_plan* current,
                                           const carecoord_event* event, carecoord_error** err) {
    return guard(err, [&] {
        need(out, "out");
        *out = nullptr;
        need(engine, "engine");
        need(patient, "patient");
        need(current, "current");
        need(event, "event");
        auto outcome = unwrap<carecoord::EventOutcome>(
            carecoord::apply_event(engine->engine, patient->patient, current->record, event->event, current->workflow),
            CARECOORD_ERR_EVALUATION);
        auto p = make_care_plan(current->workflow, std::move(outcome.state));
        p->previous_state = std::move(outcome.from);
        p->transitioned = outcome.transitioned;
        p->duplicate = outcome.duplicate;
        p->created = outcome.created.size();
        p->missing = std::move(outcome.missing);
        hand_out(out, std::move(p));
    });
}

carecoord_status carecoord_care_plan_replay(carecoord_care_plan** out, const carecoord_engine* engine,
                                            const carecoord_patient* patient, const char* workflow,
                                            const carecoord_event* const* events, size_t count, carecoord_error** err) {
    return guard(err, [&] {
        need(out, "out");
        *out = nullptr;
        need(engine, "engine");
        need(patient, "patient");
        if (count > 0) need(events, "events");
        std::vector<carecoord::CarePlanEvent> log;
        log.reserve(count);
        for (size_t i = 0; i < count; ++i) {
            std::string path = "events[" + std::to_string(i) + "]";
            if (!events[i]) fail(CARECOORD_ERR_ARGUMENT, kNullArgument, path + " must not be NULL", path);
            log.push_back(events[i]->event);
        }
        std::string wf = workflow ? workflow : "care_plan";
        auto record = unwrap<carecoord::CarePlanRecord>(carecoord::replay_events(engine->engine, patient->patient, log, wf),
                                                        CARECOORD_ERR_EVALUATION);
        hand_out(out, make_care_plan(std::move(wf), std::move(record)));
    });
}

carecoord_status carecoord_care_plan_from_json(carecoord_care_plan** out, const char* workflow, const char* json,
                                               size_t len, carecoord_error** err) {
    return guard(err, [&] {
        need(out, "out");
        *out = nullptr;
        if (len > 0) need(json, "json");
        auto record = parse_record(std::string_view(json ? json : "", len));
        hand_out(out, make_care_plan(workflow ? workflow : "care_plan", std::move(record)));
    });
}

void carecoord_care_plan_free(carecoord_care_plan* plan) { delete plan; }

const char* carecoord_care_plan_workflow(const carecoord_care_plan* p) { return p ? p->workflow.c_str() : nullptr; }
const char* carecoord_care_plan_state(const carecoord_care_plan* p) { return p ? p->record.state.c_str() : nullptr; }
const char* carecoord_care_plan_last_event(const carecoord_care_plan* p) {
    return p && p->record.last_event ? p->last_event.c_str() : nullptr;
}
size_t carecoord_care_plan_applied_count(const carecoord_care_plan* p) { return p ? p->record.applied.size() : 0; }
const char* carecoord_care_plan_applied(const carecoord_care_plan* p, size_t i) {
    return p ? c_str_or_null(at(p->record.applied, i)) : nullptr;
}
size_t carecoord_care_plan_task_count(const carecoord_care_plan* p) { return p ? p->record.tasks.size() : 0; }
const char* carecoord_care_plan_task_id(const carecoord_care_plan* p, size_t i) {
    return member(task(p, i), &carecoord::CarePlanTask::id);
}
const char* carecoord_care_plan_task_name(const carecoord_care_plan* p, size_t i) {
    return member(task(p, i), &carecoord::CarePlanTask::task);
}
const char* carecoord_care_plan_task_event(const carecoord_care_plan* p, size_t i) {
    return member(task(p, i), &carecoord::CarePlanTask::event);
}
const char* carecoord_care_plan_task_event_time(const carecoord_care_plan* p, size_t i) {
    return p ? c_str_or_null(at(p->event_times, i)) : nullptr;
}
const char* carecoord_care_plan_task_due(const carecoord_care_plan* p, size_t i) {
    return p ? c_str_or_null(at(p->dues, i)) : nullptr;
}
const char* carecoord_care_plan_task_due_time(const carecoord_care_plan* p, size_t i) {
    const auto* t = task(p, i);
    return t && t->due_time ? p->due_times[i].c_str() : nullptr;
}
const char* carecoord_care_plan_task_action(const carecoord_care_plan* p, size_t i) {
    return member(task(p, i), &carecoord::CarePlanTask::action);
}
const char* carecoord_care_plan_task_reason(const carecoord_care_plan* p, size_t i) {
    return member(task(p, i), &carecoord::CarePlanTask::reason);
}
const char* carecoord_care_plan_task_source(const carecoord_care_plan* p, size_t i) {
    return member(task(p, i), &carecoord::CarePlanTask::source);
}
const char* carecoord_care_plan_json(const carecoord_care_plan* p) { return p ? p->json.c_str() : nullptr; }
const char* carecoord_care_plan_previous_state(const carecoord_care_plan* p) {
    return p && p->previous_state ? p->previous_state->c_str() : nullptr;
}
int carecoord_care_plan_transitioned(const carecoord_care_plan* p) { return p && p->transitioned ? 1 : 0; }
int carecoord_care_plan_duplicate(const carecoord_care_plan* p) { return p && p->duplicate ? 1 : 0; }
size_t carecoord_care_plan_created_count(const carecoord_care_plan* p) { return p ? p->created : 0; }
size_t carecoord_care_plan_missing_count(const carecoord_care_plan* p) { return p ? p->missing.size() : 0; }
const char* carecoord_care_plan_missing(const carecoord_care_plan* p, size_t i) {
    return p ? c_str_or_null(at(p->missing, i)) : nullptr;
}

carecoord_status carecoord_allowed_events(carecoord_strings** out, const carecoord_engine* engine, const char* workflow,
                                          const char* state, const char* on, carecoord_error** err) {
    return guard(err, [&] {
        need(out, "out");
        *out = nullptr;
        need(engine, "engine");
        need(state, "state");
        auto date = need_date(on, "on");
        auto list = std::make_unique<carecoord_strings>();
        list->items = unwrap<std::vector<std::string>>(
            carecoord::allowed_events(engine->engine, state, *date, workflow ? workflow : "care_plan"),
            CARECOORD_ERR_EVALUATION);
        hand_out(out, std::move(list));
    });
}

size_t carecoord_strings_count(const carecoord_strings* s) { return s ? s->items.size() : 0; }
const char* carecoord_strings_get(const carecoord_strings* s, size_t i) { return s ? c_str_or_null(at(s->items, i)) : nullptr; }
void carecoord_strings_free(carecoord_strings* s) { delete s; }

// ---- explanations ------------------------------------------------------------------

carecoord_status carecoord_explain(carecoord_explanation** out, const carecoord_engine* engine,
                                   const carecoord_patient* patient, const char* as_of, carecoord_error** err) {
    return guard(err, [&] {
        need(out, "out");
        *out = nullptr;
        need(engine, "engine");
        need(patient, "patient");
        auto date = need_date(as_of, "as_of");
        auto ex = unwrap<carecoord::Explanation>(carecoord::explain(engine->engine, patient->patient, *date),
                                                 CARECOORD_ERR_EVALUATION);
        auto e = std::make_unique<carecoord_explanation>();
        e->text = carecoord::to_text(ex);
        e->json = carecoord::to_json(ex);
        hand_out(out, std::move(e));
    });
}

void carecoord_explanation_free(carecoord_explanation* e) { delete e; }
const char* carecoord_explanation_text(const carecoord_explanation* e) { return e ? e->text.c_str() : nullptr; }
const char* carecoord_explanation_json(const carecoord_explanation* e) { return e ? e->json.c_str() : nullptr; }

}  // extern "C"
