// The C interface over the C++ API. Every entry point is wrapped in guard(): no
// exception crosses extern "C", and every failure becomes a status plus an owned error.
#include "carecoord.h"

#include <cmath>
#include <cstdint>
#include <memory>
#include <optional>
#include <new>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "carecoord/carecoord.hpp"
#include "carecoord/fhir.hpp"
#include "model/enums.hpp"
#include "model/patient_decoder.hpp"
#include "output/json_writer.hpp"
#include "time/calendar.hpp"
#include "util/text.hpp"

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

struct carecoord_result {
    carecoord::Determination determination;
    std::string json;
    std::string as_of;
    std::vector<std::string> anchors, dues, due_times;
};

namespace {

namespace code = carecoord::model::detail::code;

// Handed out when even an error object cannot be allocated; never freed.
carecoord_error& out_of_memory_error() {
    static carecoord_error e = [] {
        carecoord_error x;
        x.status = CARECOORD_ERR_NOMEM;
        x.diagnostic.code = "E0001";
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
constexpr const char* kNullArgument = "E0901";
constexpr const char* kBadArgument = "E0902";

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
    if (!head) add(make_diagnostic("E0002", "internal error: a failure without a diagnostic"));
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
                          {make_diagnostic("E0002", std::string("internal error: ") + e.what())});
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
    if (!d.empty() && d.front().code == "E0001") throw std::bad_alloc();
    return !d.empty() && d.front().code == "E0002" ? CARECOORD_ERR_INTERNAL : status;
}

template <class T, class U>
T unwrap(carecoord::Result<U>&& r, carecoord_status status) {
    if (!r.ok()) throw Failure{failure_status(r.diagnostics(), status), r.diagnostics()};
    return std::move(r).value();
}

carecoord_engine* make_engine(carecoord::Engine engine) {
    auto out = std::make_unique<carecoord_engine>(carecoord_engine{std::move(engine), {}, {}});
    out->rulesets = out->engine.rulesets();
    for (const auto& r : out->rulesets) out->effective_from.push_back(carecoord::time::format_date(r.effective_from));
    return out.release();
}

// ---- builder values --------------------------------------------------------------

[[noreturn]] void bad_patient_value(const char* code, std::string message, std::string path) {
    fail(CARECOORD_ERR_PATIENT, code, std::move(message), std::move(path));
}

std::string text_value(const char* value, const std::string& path, bool required) {
    if (!value || !*value) {
        if (required) bad_patient_value(code::missing, "required field is absent or empty", path);
        return {};
    }
    std::string_view s(value);
    if (s.size() > carecoord::PatientLimits{}.max_string_length)
        bad_patient_value(code::limit, "string longer than the limit max_string_length", path);
    // The same checks as the document decoder (model/patient_decoder.hpp).
    if (!carecoord::util::is_valid_utf8(s)) bad_patient_value(code::bad_utf8, "the text is not valid UTF-8", path);
    const bool is_id = path == "id" || (path.size() >= 3 && path.compare(path.size() - 3, 3, ".id") == 0);
    if (is_id && carecoord::util::has_control_char(s))
        bad_patient_value(code::control_char, "an id must not contain control characters (U+0000-U+001F, U+007F)", path);
    return std::string(s);
}

Date date_value(const char* value, const std::string& path) {
    auto d = carecoord::time::parse_date(need(value, "value"));
    if (!d) bad_patient_value(code::bad_date, "not a valid date (YYYY-MM-DD, years 1800-2999)", path);
    return *d;
}

std::optional<Date> optional_date(const char* value, const std::string& path) {
    if (!value) return std::nullopt;
    return date_value(value, path);
}

std::optional<carecoord::DateTime> optional_datetime(const char* value, const std::string& path) {
    if (!value) return std::nullopt;
    auto t = carecoord::time::parse_datetime(value);
    if (!t) bad_patient_value(code::bad_date, "not a valid date-time (YYYY-MM-DD or YYYY-MM-DDTHH:MM)", path);
    return t;
}

template <class E>
E enum_value(const char* value, const std::string& path) {
    if (!value || !*value) bad_patient_value(code::missing, "required field is absent or empty", path);
    if (auto e = carecoord::model::enum_from_name<E>(value)) return *e;
    std::string allowed;
    for (auto n : carecoord::model::enum_names<E>()) allowed += (allowed.empty() ? "" : ", ") + std::string(n);
    bad_patient_value(code::bad_enum, "must be one of: " + allowed, path);
}

bool bool_value(const char* value, const std::string& path) {
    std::string_view s(value);
    if (s == "true") return true;
    if (s == "false") return false;
    bad_patient_value(code::wrong_type, "must be true or false", path);
}

std::string system_value(const char* value, const char* fallback, const std::string& path) {
    if (!value) return fallback;
    if (!carecoord::model::detail::is_system_word(value))
        bad_patient_value(code::bad_value,
                          "a coding system must be a lowercase word of at most 64 characters (a-z, 0-9, '_', '-', "
                          "'.'), such as icd10cm, snomed, rxnorm or loinc",
                          path);
    return value;
}

void check_order(const std::optional<Date>& start, const std::optional<Date>& end, const char* what,
                 const std::string& path) {
    if (start && end && *end < *start) bad_patient_value(code::end_before_start, what, path);
}

std::string item_path(const char* list, std::size_t i, const char* field) {
    return std::string(list) + "[" + std::to_string(i) + "]." + field;
}

// Optional fields: value NULL clears them, otherwise parse(value).
template <class T, class Parse>
void set_optional(std::optional<T>& field, const char* value, Parse parse) {
    if (!value) field.reset();
    else field = parse(value);
}

// "encounters[3].disposition" -> list "encounters", index 3, field "disposition".
struct ItemPath {
    std::string list;
    std::size_t index = 0;
    std::string field;
};

std::optional<ItemPath> split_item_path(std::string_view path) {
    auto open = path.find('[');
    auto close = path.find("].");
    if (open == std::string_view::npos || close == std::string_view::npos || close < open + 2) return std::nullopt;
    std::size_t index = 0;
    for (char c : path.substr(open + 1, close - open - 1)) {
        if (c < '0' || c > '9' || index > 100000000) return std::nullopt;
        index = index * 10 + static_cast<std::size_t>(c - '0');
    }
    return ItemPath{std::string(path.substr(0, open)), index, std::string(path.substr(close + 2))};
}

[[noreturn]] void unknown_path(const std::string& path) {
    bad_patient_value(code::unknown_field, "not a settable field (see carecoord_patient_set_field in carecoord.h)",
                      path);
}

template <class T>
T& item(std::vector<T>& list, const ItemPath& p, const std::string& path) {
    if (p.index >= list.size()) bad_patient_value(code::unknown_field, "no list item with this index", path);
    return list[p.index];
}

void set_item_field(carecoord::Patient& pt, const ItemPath& p, const char* v, const std::string& path) {
    using namespace carecoord;
    if (p.list == "coverage") {
        auto& c = item(pt.coverage, p, path);
        if (p.field == "snp") c.snp = v ? enum_value<SnpType>(v, path) : SnpType::none;
        else if (p.field == "medicaid_dual") c.medicaid_dual = v ? enum_value<MedicaidDual>(v, path) : MedicaidDual::none;
        else unknown_path(path);
    } else if (p.list == "conditions") {
        auto& c = item(pt.conditions, p, path);
        if (p.field == "recorded") set_optional(c.recorded, v, [&](const char* s) { return date_value(s, path); });
        else unknown_path(path);
    } else if (p.list == "encounters") {
        auto& e = item(pt.encounters, p, path);
        if (p.field == "id") e.id = text_value(v, path, false);
        else if (p.field == "emergent") set_optional(e.emergent, v, [&](const char* s) { return bool_value(s, path); });
        else if (p.field == "planned") set_optional(e.planned, v, [&](const char* s) { return bool_value(s, path); });
        else if (p.field == "disposition")
            set_optional(e.disposition, v, [&](const char* s) { return enum_value<Disposition>(s, path); });
        else if (p.field == "complexity")
            set_optional(e.complexity, v, [&](const char* s) { return enum_value<Complexity>(s, path); });
        else if (p.field == "diagnosis") e.diagnosis = text_value(v, path, false);
        else if (p.field == "diagnosis_system") e.diagnosis_system = system_value(v, "icd10cm", path);
        else unknown_path(path);
    } else {
        unknown_path(path);
    }
}

void set_object_field(carecoord::Patient& pt, const std::string& path, const char* v) {
    using namespace carecoord;
    auto date = [&](const char* s) { return date_value(s, path); };
    auto boolean = [&](const char* s) { return bool_value(s, path); };
    if (path == "id") pt.id = text_value(v, path, true);
    else if (path == "birth_date") {
        if (!v) bad_patient_value(code::missing, "required field is absent", path);
        pt.birth_date = date_value(v, path);
        check_order(pt.birth_date, pt.deceased, "date of death is before birth_date", "deceased");
    } else if (path == "sex") pt.sex = v ? enum_value<Sex>(v, path) : Sex::unknown;
    else if (path == "deceased") {
        set_optional(pt.deceased, v, date);
        check_order(pt.birth_date, pt.deceased, "date of death is before birth_date", path);
    } else if (path == "language.preferred")
        set_optional(pt.language.preferred, v, [&](const char* s) { return text_value(s, path, true); });
    else if (path == "language.interpreter_needed") set_optional(pt.language.interpreter_needed, v, boolean);
    else if (path == "language.english_proficiency")
        set_optional(pt.language.english_proficiency, v, [&](const char* s) { return enum_value<EnglishProficiency>(s, path); });
    else if (path == "social.housing_instability") set_optional(pt.social.housing_instability, v, boolean);
    else if (path == "social.food_insecurity") set_optional(pt.social.food_insecurity, v, boolean);
    else if (path == "social.transportation_insecurity") set_optional(pt.social.transportation_insecurity, v, boolean);
    else if (path == "social.social_support")
        set_optional(pt.social.social_support, v, [&](const char* s) { return enum_value<SocialSupport>(s, path); });
    else if (path == "social.health_literacy")
        set_optional(pt.social.health_literacy, v, [&](const char* s) { return enum_value<HealthLiteracy>(s, path); });
    else if (path == "ltc_placement.decision_open") set_optional(pt.ltc_placement.decision_open, v, boolean);
    else if (path == "ltc_placement.since") set_optional(pt.ltc_placement.since, v, date);
    else if (path == "ltc_placement.assessed") set_optional(pt.ltc_placement.assessed, v, date);
    else if (path == "ltc_placement.expected_stay_days")
        set_optional(pt.ltc_placement.expected_stay_days, v, [&](const char* s) {
            std::string_view t(s);
            long long n = 0;
            bool digits = !t.empty() && t.size() <= 9;
            for (char c : t) digits = digits && c >= '0' && c <= '9';
            if (!digits) bad_patient_value(code::wrong_type, "must be a whole number", path);
            for (char c : t) n = n * 10 + (c - '0');
            if (n > carecoord::model::detail::kMaxExpectedStayDays)
                bad_patient_value(code::bad_value, "must be from 0 to 36500", path);
            return static_cast<int>(n);
        });
    else if (path == "care_plan.state")
        set_optional(pt.care_plan.state, v, [&](const char* s) { return enum_value<CarePlanState>(s, path); });
    else if (path == "care_plan.enrolled") set_optional(pt.care_plan.enrolled, v, date);
    else if (path == "care_plan.last_comprehensive_assessment")
        set_optional(pt.care_plan.last_comprehensive_assessment, v, date);
    else if (path == "care_plan.last_hra") set_optional(pt.care_plan.last_hra, v, date);
    else if (path == "care_plan.snp_enrolled") set_optional(pt.care_plan.snp_enrolled, v, date);
    else if (path == "care_plan.tier")
        set_optional(pt.care_plan.tier, v, [&](const char* s) { return text_value(s, path, true); });
    else if (auto item = split_item_path(path))
        set_item_field(pt, *item, v, path);
    else
        unknown_path(path);
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
        r->json = carecoord::to_json(d);
        r->as_of = carecoord::time::format_date(d.as_of);
        for (const auto& t : d.triggers) {
            r->anchors.push_back(carecoord::time::format_date(t.anchor));
            r->dues.push_back(carecoord::time::format_date(t.due));
            r->due_times.push_back(t.due_time ? carecoord::time::format_datetime(*t.due_time) : std::string());
        }
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
void evaluate_batch_line(carecoord_batch& b, const carecoord::Engine& engine, std::string_view line, Date as_of) {
    ++b.count;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    auto patient = carecoord::parse_patient(line, carecoord::DocumentFormat::json);
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
    return guard(err, [&] {
        need(out, "out");
        *out = nullptr;
        need(path, "path");
        *out = make_engine(unwrap<carecoord::Engine>(carecoord::Engine::load_path(path), CARECOORD_ERR_RULESET));
    });
}

carecoord_status carecoord_engine_load_string(carecoord_engine** out, const char* text, size_t len, const char* name,
                                              carecoord_error** err) {
    return guard(err, [&] {
        need(out, "out");
        *out = nullptr;
        if (len > 0) need(text, "text");
        std::string_view yaml(text ? text : "", len);
        *out = make_engine(unwrap<carecoord::Engine>(carecoord::Engine::load_string(yaml, name ? name : "<string>"),
                                                     CARECOORD_ERR_RULESET));
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
        p->patient = unwrap<carecoord::Patient>(carecoord::parse_patient(std::string_view(text ? text : "", len), f),
                                                CARECOORD_ERR_PATIENT);
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
        p->patient.id = text_value(id, "id", true);
        if (!birth_date) bad_patient_value(code::missing, "required field is absent", "birth_date");
        p->patient.birth_date = date_value(birth_date, "birth_date");
        hand_out(out, std::move(p));
    });
}

carecoord_status carecoord_patient_set_sex(carecoord_patient* patient, const char* sex, carecoord_error** err) {
    return guard(err, [&] {
        need(patient, "patient");
        patient->patient.sex = sex ? enum_value<carecoord::Sex>(sex, "sex") : carecoord::Sex::unknown;
    });
}

carecoord_status carecoord_patient_set_deceased(carecoord_patient* patient, const char* date, carecoord_error** err) {
    return guard(err, [&] {
        need(patient, "patient");
        auto d = optional_date(date, "deceased");
        check_order(patient->patient.birth_date, d, "date of death is before birth_date", "deceased");
        patient->patient.deceased = d;
    });
}

carecoord_status carecoord_patient_add_coverage(carecoord_patient* patient, const char* payer, const char* plan,
                                                const char* start, const char* end, carecoord_error** err) {
    return guard(err, [&] {
        need(patient, "patient");
        auto i = patient->patient.coverage.size();
        carecoord::Coverage c;
        c.payer = enum_value<carecoord::Payer>(payer, item_path("coverage", i, "payer"));
        c.plan = text_value(plan, item_path("coverage", i, "plan"), false);
        c.start = optional_date(start, item_path("coverage", i, "start"));
        c.end = optional_date(end, item_path("coverage", i, "end"));
        check_order(c.start, c.end, "coverage end is before its start", item_path("coverage", i, "end"));
        patient->patient.coverage.push_back(std::move(c));
    });
}

carecoord_status carecoord_patient_add_condition(carecoord_patient* patient, const char* code, const char* system,
                                                 const char* status, const char* onset, const char* abatement,
                                                 carecoord_error** err) {
    return guard(err, [&] {
        need(patient, "patient");
        auto i = patient->patient.conditions.size();
        carecoord::Condition c;
        c.code = text_value(code, item_path("conditions", i, "code"), true);
        c.system = system_value(system, "icd10cm", item_path("conditions", i, "system"));
        if (status) c.status = enum_value<carecoord::ConditionStatus>(status, item_path("conditions", i, "status"));
        c.onset = optional_date(onset, item_path("conditions", i, "onset"));
        c.abatement = optional_date(abatement, item_path("conditions", i, "abatement"));
        check_order(c.onset, c.abatement, "abatement is before onset", item_path("conditions", i, "abatement"));
        patient->patient.conditions.push_back(std::move(c));
    });
}

carecoord_status carecoord_patient_add_encounter(carecoord_patient* patient, const char* encounter_class,
                                                 const char* admit, const char* discharge, carecoord_error** err) {
    return guard(err, [&] {
        need(patient, "patient");
        auto i = patient->patient.encounters.size();
        carecoord::Encounter e;
        e.encounter_class = enum_value<carecoord::EncounterClass>(encounter_class, item_path("encounters", i, "class"));
        e.admit = optional_datetime(admit, item_path("encounters", i, "admit"));
        e.discharge = optional_datetime(discharge, item_path("encounters", i, "discharge"));
        if (e.admit && e.discharge && *e.discharge < *e.admit)
            bad_patient_value(code::end_before_start, "discharge is before admit", item_path("encounters", i, "discharge"));
        patient->patient.encounters.push_back(std::move(e));
    });
}

carecoord_status carecoord_patient_add_care_team_member(carecoord_patient* patient, const char* role,
                                                        const char* specialty, carecoord_error** err) {
    return guard(err, [&] {
        need(patient, "patient");
        auto i = patient->patient.care_team.size();
        carecoord::CareTeamMember m;
        m.role = enum_value<carecoord::CareRole>(role, item_path("care_team", i, "role"));
        m.specialty = text_value(specialty, item_path("care_team", i, "specialty"), false);
        patient->patient.care_team.push_back(std::move(m));
    });
}

carecoord_status carecoord_patient_add_medication(carecoord_patient* patient, const char* code, const char* system,
                                                  const char* name, const char* status, carecoord_error** err) {
    return guard(err, [&] {
        need(patient, "patient");
        auto i = patient->patient.medications.size();
        carecoord::Medication m;
        m.code = text_value(code, item_path("medications", i, "code"), true);
        m.system = system_value(system, "rxnorm", item_path("medications", i, "system"));
        m.name = text_value(name, item_path("medications", i, "name"), false);
        if (status) m.status = enum_value<carecoord::MedicationStatus>(status, item_path("medications", i, "status"));
        patient->patient.medications.push_back(std::move(m));
    });
}

carecoord_status carecoord_patient_add_medication_event(carecoord_patient* patient, size_t medication,
                                                        const char* type, const char* date, carecoord_error** err) {
    return guard(err, [&] {
        need(patient, "patient");
        auto& meds = patient->patient.medications;
        std::string base = "medications[" + std::to_string(medication) + "]";
        if (medication >= meds.size()) bad_patient_value(code::unknown_field, "no list item with this index", base);
        auto j = meds[medication].events.size();
        std::string path = base + ".events[" + std::to_string(j) + "].";
        carecoord::MedicationEvent e;
        e.type = enum_value<carecoord::MedicationEventType>(type, path + "type");
        if (!date) bad_patient_value(code::missing, "required field is absent", path + "date");
        e.date = date_value(date, path + "date");
        meds[medication].events.push_back(e);
    });
}

carecoord_status carecoord_patient_add_observation(carecoord_patient* patient, const char* code, const char* system,
                                                   const char* date, double value, int has_value,
                                                   carecoord_error** err) {
    return guard(err, [&] {
        need(patient, "patient");
        auto i = patient->patient.observations.size();
        carecoord::Observation o;
        o.code = text_value(code, item_path("observations", i, "code"), true);
        o.system = system_value(system,
                                carecoord::model::detail::is_short_observation_code(o.code) ? "carecoord" : "loinc",
                                item_path("observations", i, "system"));
        if (!date) bad_patient_value(code::missing, "required field is absent", item_path("observations", i, "date"));
        o.date = date_value(date, item_path("observations", i, "date"));
        if (has_value) {
            if (!std::isfinite(value))
                bad_patient_value(code::bad_value, "must be a finite number", item_path("observations", i, "value"));
            o.value = value;
        }
        patient->patient.observations.push_back(std::move(o));
    });
}

carecoord_status carecoord_patient_set_field(carecoord_patient* patient, const char* path, const char* value,
                                             carecoord_error** err) {
    return guard(err, [&] {
        need(patient, "patient");
        need(path, "path");
        // Work on a copy so that a refused value leaves the patient unchanged.
        carecoord::Patient copy = patient->patient;
        set_object_field(copy, path, value);
        patient->patient = std::move(copy);
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

const char* carecoord_result_json(const carecoord_result* r) { return r ? r->json.c_str() : nullptr; }
const char* carecoord_result_patient_id(const carecoord_result* r) {
    return r ? r->determination.patient_id.c_str() : nullptr;
}
const char* carecoord_result_as_of(const carecoord_result* r) { return r ? r->as_of.c_str() : nullptr; }
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
    return r ? c_str_or_null(at(r->anchors, i)) : nullptr;
}
const char* carecoord_result_trigger_due(const carecoord_result* r, size_t i) {
    return r ? c_str_or_null(at(r->dues, i)) : nullptr;
}
const char* carecoord_result_trigger_due_time(const carecoord_result* r, size_t i) {
    const auto* t = trigger(r, i);
    return t && t->due_time ? r->due_times[i].c_str() : nullptr;
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
            evaluate_batch_line(*b, engine->engine, text.substr(0, end), *date);
            text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
        }
        hand_out(out, std::move(b));
    });
}

void carecoord_batch_free(carecoord_batch* batch) { delete batch; }
size_t carecoord_batch_count(const carecoord_batch* batch) { return batch ? batch->count : 0; }
size_t carecoord_batch_error_count(const carecoord_batch* batch) { return batch ? batch->errors : 0; }
const char* carecoord_batch_output(const carecoord_batch* batch, size_t* len) {
    if (len) *len = batch ? batch->output.size() : 0;
    return batch ? batch->output.c_str() : nullptr;
}

}  // extern "C"
