// The patient document schema, written once over a small node adapter so that JSON
// (simdjson DOM, no intermediate tree) and YAML (load::YamlNode) go through the same field
// rules, error codes and messages. Internal to src/model/patient_decode.cpp.
//
// A node adapter N provides:
//   NodeKind kind() const;                         // for "got ..." in type errors
//   bool text(std::string_view& out) const;        // a string; YAML: any non-boolean scalar, verbatim
//   bool boolean(bool& out) const;                 // true / false only
//   bool number(double& out) const;
//   bool integer(std::int64_t& out, bool& overflow) const;  // a whole number
//   std::size_t size() const;                      // arrays only
//   template <class F> void items(F&& f) const;    // arrays: f(const N&)
//   template <class F> void fields(F&& f) const;   // objects: f(std::string_view key, const N& value, load::Mark key)
//   load::Mark mark() const;                       // {0,0} when the format has no positions
//
// Messages name fields and schema words only, never a value from the document.
#pragma once

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "carecoord/diagnostic.hpp"
#include "carecoord/patient.hpp"
#include "load/yaml_tree.hpp"
#include "model/enums.hpp"
#include "time/calendar.hpp"
#include "util/text.hpp"

namespace carecoord::model::detail {

enum class NodeKind : std::uint8_t { null, boolean, number, string, object, array };

inline std::string_view kind_phrase(NodeKind k) {
    switch (k) {
        case NodeKind::null: return "null";
        case NodeKind::boolean: return "a boolean";
        case NodeKind::number: return "a number";
        case NodeKind::string: return "a string";
        case NodeKind::object: return "an object";
        case NodeKind::array: return "an array";
    }
    return "?";
}

// Error codes of patient documents (docs/patient-schema.md).
namespace code {
inline constexpr const char* syntax = "E0201";
inline constexpr const char* unknown_field = "E0202";
inline constexpr const char* wrong_type = "E0203";
inline constexpr const char* bad_date = "E0204";
inline constexpr const char* missing = "E0205";
inline constexpr const char* duplicate = "E0206";
inline constexpr const char* bad_enum = "E0207";
inline constexpr const char* end_before_start = "E0208";
inline constexpr const char* limit = "E0209";
inline constexpr const char* too_large = "E0210";
inline constexpr const char* bad_value = "E0211";
}  // namespace code

// Codes of the text checks shared by every input format (util/text.hpp).
namespace code {
inline constexpr const char* control_char = "E0215";
inline constexpr const char* bad_utf8 = "E0216";
}  // namespace code

// Diagnostics reported for one document before the decoder stops adding more.
inline constexpr std::size_t kMaxErrors = 100;

// Decoding state: the limits, the diagnostics so far and the current field path. The path
// is a stack of schema field names (static strings) and list indexes; it becomes text only
// when an error is reported, so the happy path never builds strings for it.
class Ctx {
public:
    explicit Ctx(const PatientLimits& limits) : limits_(limits) {}

    const PatientLimits& limits() const { return limits_; }
    // True once the error limit was hit: decoding may stop early.
    bool full() const { return stopped_; }
    std::vector<Diagnostic>& diagnostics() { return diags_; }

    void push(std::string_view field) { push_seg(Seg{field, npos}); }
    void push(std::size_t index) { push_seg(Seg{{}, index}); }
    void pop() {
        if (overflow_ > 0) --overflow_;
        else if (depth_ > 0) --depth_;
    }

    std::string path() const {
        std::string out;
        for (std::size_t i = 0; i < depth_; ++i) {
            const Seg& s = segs_[i];
            if (s.index == npos) {
                if (!out.empty()) out += '.';
                out += s.name;
            } else {
                out += '[';
                out += std::to_string(s.index);
                out += ']';
            }
        }
        return out;
    }

    void error(const char* code, std::string message, load::Mark mark) {
        if (stopped_) return;
        Diagnostic d;
        if (diags_.size() == kMaxErrors) {
            stopped_ = true;
            d.code = code::limit;
            d.message = "too many errors; reporting stopped after " + std::to_string(kMaxErrors) +
                        " (limit max_errors)";
            diags_.push_back(std::move(d));
            return;
        }
        d.code = code;
        d.message = std::move(message);
        d.line = mark.line;
        d.column = mark.column;
        d.field_path = path();
        diags_.push_back(std::move(d));
    }

    // An error about `field` of the object at the current path.
    void error_at(std::string_view field, const char* code, std::string message, load::Mark mark) {
        push(field);
        error(code, std::move(message), mark);
        pop();
    }

private:
    static constexpr std::size_t npos = static_cast<std::size_t>(-1);
    struct Seg {
        std::string_view name;
        std::size_t index = npos;
    };
    void push_seg(Seg s) {
        if (overflow_ > 0 || depth_ == segs_.size()) ++overflow_;  // deeper than any schema path
        else segs_[depth_++] = s;
    }

    const PatientLimits& limits_;
    std::vector<Diagnostic> diags_;
    std::array<Seg, 12> segs_{};
    std::size_t depth_ = 0;
    std::size_t overflow_ = 0;
    bool stopped_ = false;
};

// RAII path segment.
class PathGuard {
public:
    template <class S>
    PathGuard(Ctx& cx, S seg) : cx_(cx) { cx_.push(seg); }
    ~PathGuard() { cx_.pop(); }
    PathGuard(const PathGuard&) = delete;
    PathGuard& operator=(const PathGuard&) = delete;

private:
    Ctx& cx_;
};

template <std::size_t K>
using FieldNames = std::array<std::string_view, K>;

template <std::size_t K>
std::string join_names(const FieldNames<K>& names) {
    std::string out;
    for (auto n : names) {
        if (!out.empty()) out += ", ";
        out += n;
    }
    return out;
}

template <class E>
std::string enum_choices() {
    std::string out;
    for (auto n : enum_names<E>()) {
        if (!out.empty()) out += ", ";
        out += n;
    }
    return out;
}

inline std::string ordinal(std::size_t n) {
    std::string suffix = "th";
    if (n % 100 < 11 || n % 100 > 13) {
        if (n % 10 == 1) suffix = "st";
        else if (n % 10 == 2) suffix = "nd";
        else if (n % 10 == 3) suffix = "rd";
    }
    return std::to_string(n) + suffix;
}

// Iterates an object's fields against its schema: unknown keys (E0202) and repeated keys
// (E0206) are reported, every known field is handed to on_field(index, value) with the
// path extended by its name. Returns the bit set of fields seen. The caller has checked
// that `node` is an object.
template <class N, std::size_t K, class F>
std::uint32_t for_fields(Ctx& cx, const N& node, const FieldNames<K>& names, F&& on_field) {
    static_assert(K <= 32, "the seen-field mask is 32 bits");
    std::uint32_t seen = 0;
    std::size_t key_no = 0;
    node.fields([&](std::string_view key, const N& value, load::Mark key_mark) {
        ++key_no;
        std::size_t idx = 0;
        while (idx < K && names[idx] != key) ++idx;
        if (idx == K) {
            // The key itself is document text and is not echoed: the position says which.
            cx.error(code::unknown_field,
                     "unknown field (the " + ordinal(key_no) + " key of this object); allowed fields: " +
                         join_names(names),
                     key_mark);
            return;
        }
        const std::uint32_t bit = std::uint32_t{1} << idx;
        if (seen & bit) {
            cx.error_at(names[idx], code::duplicate, "duplicate key: a field may appear only once in an object",
                        key_mark);
            return;
        }
        seen |= bit;
        PathGuard g(cx, names[idx]);
        on_field(idx, value);
    });
    return seen;
}

template <std::size_t K>
constexpr std::uint32_t bit_of(const FieldNames<K>& names, std::string_view name) {
    for (std::size_t i = 0; i < K; ++i)
        if (names[i] == name) return std::uint32_t{1} << i;
    return 0;
}

// ---------------------------------------------------------------------------------------
// Scalars

// An id is text without control characters (util::has_control_char).
enum class TextRole : std::uint8_t { plain, code, id };

template <class N>
bool get_text(Ctx& cx, const N& v, std::string_view& out, TextRole role = TextRole::plain) {
    if (!v.text(out)) {
        if (role == TextRole::code)
            cx.error(code::wrong_type,
                     "expected a string, got " + std::string(kind_phrase(v.kind())) +
                         " (codes are always text; a JSON number would lose leading zeros)",
                     v.mark());
        else
            cx.error(code::wrong_type, "expected a string, got " + std::string(kind_phrase(v.kind())), v.mark());
        return false;
    }
    if (out.size() > cx.limits().max_string_length) {
        cx.error(code::limit,
                 "longer than the limit max_string_length (" + std::to_string(cx.limits().max_string_length) +
                     " bytes)",
                 v.mark());
        return false;
    }
    // JSON text was validated by simdjson; YAML text was not: every format refuses the same.
    if (!util::is_valid_utf8(out)) {
        cx.error(code::bad_utf8, "the text is not valid UTF-8", v.mark());
        return false;
    }
    if (role == TextRole::id && util::has_control_char(out)) {
        cx.error(code::control_char, "an id must not contain control characters (U+0000-U+001F, U+007F)", v.mark());
        return false;
    }
    return true;
}

// An optional text field: null or absent leaves `out` as it is (its default).
template <class N>
void text_field(Ctx& cx, const N& v, std::string& out, TextRole role = TextRole::plain) {
    if (v.kind() == NodeKind::null) return;
    std::string_view s;
    if (get_text(cx, v, s, role)) out.assign(s);
}

template <class N>
void opt_text(Ctx& cx, const N& v, std::optional<std::string>& out) {
    if (v.kind() == NodeKind::null) return;
    std::string_view s;
    if (get_text(cx, v, s)) out.emplace(s);
}

// A required, non-empty text field (id, code).
template <class N>
bool required_text(Ctx& cx, const N& v, std::string& out, TextRole role = TextRole::plain) {
    if (v.kind() == NodeKind::null) {
        cx.error(code::missing, "required field is null", v.mark());
        return false;
    }
    std::string_view s;
    if (!get_text(cx, v, s, role)) return false;
    if (s.empty()) {
        cx.error(code::missing, "required field is empty", v.mark());
        return false;
    }
    out.assign(s);
    return true;
}

// A coding-system name: a lowercase word (icd10cm, snomed, rxnorm, loinc, ...).
inline bool is_system_word(std::string_view s) {
    if (s.empty() || s.size() > 64 || s[0] < 'a' || s[0] > 'z') return false;
    for (char c : s)
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.')) return false;
    return true;
}

template <class N>
bool system_field(Ctx& cx, const N& v, std::string& out) {
    if (v.kind() == NodeKind::null) return false;
    std::string_view s;
    if (!get_text(cx, v, s)) return false;
    if (!is_system_word(s)) {
        cx.error(code::bad_value,
                 "a coding system must be a lowercase word of at most 64 characters (a-z, 0-9, '_', '-', '.'), "
                 "such as icd10cm, snomed, rxnorm or loinc",
                 v.mark());
        return false;
    }
    out.assign(s);
    return true;
}

template <class E, class N>
bool get_enum(Ctx& cx, const N& v, E& out) {
    std::string_view s;
    if (!v.text(s)) {
        cx.error(code::wrong_type,
                 "expected a string (one of: " + enum_choices<E>() + "), got " + std::string(kind_phrase(v.kind())),
                 v.mark());
        return false;
    }
    if (auto e = enum_from_name<E>(s)) {
        out = *e;
        return true;
    }
    cx.error(code::bad_enum, "not one of the allowed values: " + enum_choices<E>(), v.mark());
    return false;
}

// Null or absent keeps the default.
template <class E, class N>
void enum_field(Ctx& cx, const N& v, E& out) {
    if (v.kind() == NodeKind::null) return;
    get_enum(cx, v, out);
}

template <class E, class N>
void opt_enum(Ctx& cx, const N& v, std::optional<E>& out) {
    if (v.kind() == NodeKind::null) return;
    E e{};
    if (get_enum(cx, v, e)) out = e;
}

template <class E, class N>
bool required_enum(Ctx& cx, const N& v, E& out) {
    if (v.kind() == NodeKind::null) {
        cx.error(code::missing, "required field is null (allowed values: " + enum_choices<E>() + ")", v.mark());
        return false;
    }
    return get_enum(cx, v, out);
}

template <class N>
void opt_bool(Ctx& cx, const N& v, std::optional<bool>& out) {
    if (v.kind() == NodeKind::null) return;
    bool b = false;
    if (v.boolean(b)) out = b;
    else
        cx.error(code::wrong_type,
                 "expected a boolean (true or false, lowercase), got " + std::string(kind_phrase(v.kind())),
                 v.mark());
}

template <class N>
void opt_number(Ctx& cx, const N& v, std::optional<double>& out) {
    if (v.kind() == NodeKind::null) return;
    double d = 0;
    if (!v.number(d)) {
        cx.error(code::wrong_type, "expected a number, got " + std::string(kind_phrase(v.kind())), v.mark());
        return;
    }
    if (!std::isfinite(d)) {
        cx.error(code::bad_value, "the number is not finite", v.mark());
        return;
    }
    out = d;
}

template <class N>
void opt_int(Ctx& cx, const N& v, std::optional<int>& out, std::int64_t lo, std::int64_t hi) {
    if (v.kind() == NodeKind::null) return;
    std::int64_t i = 0;
    bool overflow = false;
    if (!v.integer(i, overflow) && !overflow) {
        if (v.kind() == NodeKind::number)
            cx.error(code::wrong_type, "expected a whole number (no fraction or exponent)", v.mark());
        else
            cx.error(code::wrong_type, "expected a whole number, got " + std::string(kind_phrase(v.kind())),
                     v.mark());
        return;
    }
    if (overflow || i < lo || i > hi) {
        cx.error(code::bad_value, "out of range (" + std::to_string(lo) + " to " + std::to_string(hi) + ")",
                 v.mark());
        return;
    }
    out = static_cast<int>(i);
}

template <class N>
bool get_date(Ctx& cx, const N& v, Date& out) {
    std::string_view s;
    if (!v.text(s)) {
        cx.error(code::wrong_type, "expected a date string (YYYY-MM-DD), got " + std::string(kind_phrase(v.kind())),
                 v.mark());
        return false;
    }
    if (auto d = time::parse_date(s)) {
        out = *d;
        return true;
    }
    cx.error(code::bad_date, "not a valid date (YYYY-MM-DD, years 1800-2999)", v.mark());
    return false;
}

template <class N>
void opt_date(Ctx& cx, const N& v, std::optional<Date>& out) {
    if (v.kind() == NodeKind::null) return;
    Date d{};
    if (get_date(cx, v, d)) out = d;
}

template <class N>
bool required_date(Ctx& cx, const N& v, Date& out) {
    if (v.kind() == NodeKind::null) {
        cx.error(code::missing, "required field is null", v.mark());
        return false;
    }
    return get_date(cx, v, out);
}

template <class N>
void opt_datetime(Ctx& cx, const N& v, std::optional<DateTime>& out) {
    if (v.kind() == NodeKind::null) return;
    std::string_view s;
    if (!v.text(s)) {
        cx.error(code::wrong_type,
                 "expected a date or date-time string (YYYY-MM-DD or YYYY-MM-DDTHH:MM), got " +
                     std::string(kind_phrase(v.kind())),
                 v.mark());
        return;
    }
    if (auto t = time::parse_datetime(s)) out = *t;
    else
        cx.error(code::bad_date, "not a valid date or date-time (YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS])", v.mark());
}

// ---------------------------------------------------------------------------------------
// Containers

// `fn(const N&)` decodes an object; null leaves the defaults.
template <class N, class F>
void object_field(Ctx& cx, const N& v, F&& fn) {
    if (v.kind() == NodeKind::null) return;
    if (v.kind() != NodeKind::object) {
        cx.error(code::wrong_type, "expected an object, got " + std::string(kind_phrase(v.kind())), v.mark());
        return;
    }
    fn(v);
}

// `item(const N&, T&) -> bool` decodes one object item; null leaves the list empty.
template <class T, class N, class F>
void list_field(Ctx& cx, const N& v, std::vector<T>& out, F&& item) {
    if (v.kind() == NodeKind::null) return;
    if (v.kind() != NodeKind::array) {
        cx.error(code::wrong_type, "expected an array (a list), got " + std::string(kind_phrase(v.kind())),
                 v.mark());
        return;
    }
    const std::size_t n = v.size();
    if (n > cx.limits().max_list_length) {
        cx.error(code::limit,
                 "has more items than the limit max_list_length (" + std::to_string(cx.limits().max_list_length) +
                     ")",
                 v.mark());
        return;
    }
    out.reserve(out.size() + n);
    std::size_t i = 0;
    v.items([&](const N& it) {
        if (cx.full()) return;
        PathGuard g(cx, i++);
        if (it.kind() != NodeKind::object) {
            cx.error(code::wrong_type, "expected an object, got " + std::string(kind_phrase(it.kind())), it.mark());
            return;
        }
        T t{};
        if (item(it, t)) out.push_back(std::move(t));
    });
}

// ---------------------------------------------------------------------------------------
// The schema. Field tables are the document's field names, in a fixed order; the switch
// in each decoder follows that order.

inline constexpr FieldNames<14> kPatientFields = {
    "id", "birth_date", "sex", "deceased", "language", "coverage", "conditions",
    "encounters", "care_team", "medications", "observations", "social", "ltc_placement", "care_plan"};
inline constexpr FieldNames<3> kLanguageFields = {"preferred", "interpreter_needed", "english_proficiency"};
inline constexpr FieldNames<6> kCoverageFields = {"payer", "plan", "snp", "medicaid_dual", "start", "end"};
inline constexpr FieldNames<6> kConditionFields = {"code", "system", "onset", "recorded", "abatement", "status"};
inline constexpr FieldNames<10> kEncounterFields = {"id",        "class",       "admit",     "discharge",
                                                    "emergent",  "planned",     "disposition", "diagnosis",
                                                    "diagnosis_system", "complexity"};
inline constexpr FieldNames<2> kCareTeamFields = {"role", "specialty"};
inline constexpr FieldNames<5> kMedicationFields = {"code", "system", "name", "status", "events"};
inline constexpr FieldNames<2> kMedicationEventFields = {"type", "date"};
inline constexpr FieldNames<4> kObservationFields = {"code", "system", "date", "value"};
inline constexpr FieldNames<5> kSocialFields = {"housing_instability", "food_insecurity",
                                                "transportation_insecurity", "social_support", "health_literacy"};
inline constexpr FieldNames<4> kLtcFields = {"decision_open", "since", "expected_stay_days", "assessed"};
inline constexpr FieldNames<6> kCarePlanFields = {"state", "enrolled", "last_comprehensive_assessment",
                                                  "last_hra", "tier", "snp_enrolled"};

// Longest accepted expected_stay_days: 100 years.
inline constexpr std::int64_t kMaxExpectedStayDays = 36500;

// Observation codes that are carecoord's own short names (system "carecoord").
inline bool is_short_observation_code(std::string_view c) {
    return c == "phq9" || c == "bmi" || c == "hemoglobin" || c == "sodium";
}

template <class N, std::size_t K>
void report_missing(Ctx& cx, const N& obj, std::uint32_t seen, const FieldNames<K>& names, std::string_view field) {
    if (!(seen & bit_of(names, field))) cx.error_at(field, code::missing, "missing required field", obj.mark());
}

template <class N>
void decode_language(Ctx& cx, const N& obj, Language& out) {
    for_fields(cx, obj, kLanguageFields, [&](std::size_t i, const N& v) {
        switch (i) {
            case 0: opt_text(cx, v, out.preferred); break;
            case 1: opt_bool(cx, v, out.interpreter_needed); break;
            case 2: opt_enum(cx, v, out.english_proficiency); break;
        }
    });
}

template <class N>
bool decode_coverage(Ctx& cx, const N& obj, Coverage& out) {
    load::Mark end_mark{};
    std::uint32_t seen = for_fields(cx, obj, kCoverageFields, [&](std::size_t i, const N& v) {
        switch (i) {
            case 0: required_enum(cx, v, out.payer); break;
            case 1: text_field(cx, v, out.plan); break;
            case 2: enum_field(cx, v, out.snp); break;
            case 3: enum_field(cx, v, out.medicaid_dual); break;
            case 4: opt_date(cx, v, out.start); break;
            case 5: opt_date(cx, v, out.end); end_mark = v.mark(); break;
        }
    });
    report_missing(cx, obj, seen, kCoverageFields, "payer");
    if (out.start && out.end && *out.end < *out.start)
        cx.error_at("end", code::end_before_start, "coverage end is before its start", end_mark);
    return true;
}

template <class N>
bool decode_condition(Ctx& cx, const N& obj, Condition& out) {
    load::Mark abatement_mark{};
    std::uint32_t seen = for_fields(cx, obj, kConditionFields, [&](std::size_t i, const N& v) {
        switch (i) {
            case 0: required_text(cx, v, out.code, TextRole::code); break;
            case 1: system_field(cx, v, out.system); break;
            case 2: opt_date(cx, v, out.onset); break;
            case 3: opt_date(cx, v, out.recorded); break;
            case 4: opt_date(cx, v, out.abatement); abatement_mark = v.mark(); break;
            case 5: enum_field(cx, v, out.status); break;
        }
    });
    report_missing(cx, obj, seen, kConditionFields, "code");
    if (out.onset && out.abatement && *out.abatement < *out.onset)
        cx.error_at("abatement", code::end_before_start, "abatement is before onset", abatement_mark);
    return true;
}

template <class N>
bool decode_encounter(Ctx& cx, const N& obj, Encounter& out) {
    load::Mark discharge_mark{};
    std::uint32_t seen = for_fields(cx, obj, kEncounterFields, [&](std::size_t i, const N& v) {
        switch (i) {
            case 0: text_field(cx, v, out.id, TextRole::id); break;
            case 1: required_enum(cx, v, out.encounter_class); break;
            case 2: opt_datetime(cx, v, out.admit); break;
            case 3: opt_datetime(cx, v, out.discharge); discharge_mark = v.mark(); break;
            case 4: opt_bool(cx, v, out.emergent); break;
            case 5: opt_bool(cx, v, out.planned); break;
            case 6: opt_enum(cx, v, out.disposition); break;
            case 7: text_field(cx, v, out.diagnosis, TextRole::code); break;
            case 8: system_field(cx, v, out.diagnosis_system); break;
            case 9: opt_enum(cx, v, out.complexity); break;
        }
    });
    report_missing(cx, obj, seen, kEncounterFields, "class");
    if (out.admit && out.discharge && *out.discharge < *out.admit)
        cx.error_at("discharge", code::end_before_start, "discharge is before admit", discharge_mark);
    return true;
}

template <class N>
bool decode_care_team_member(Ctx& cx, const N& obj, CareTeamMember& out) {
    std::uint32_t seen = for_fields(cx, obj, kCareTeamFields, [&](std::size_t i, const N& v) {
        switch (i) {
            case 0: required_enum(cx, v, out.role); break;
            case 1: text_field(cx, v, out.specialty); break;
        }
    });
    report_missing(cx, obj, seen, kCareTeamFields, "role");
    return true;
}

template <class N>
bool decode_medication_event(Ctx& cx, const N& obj, MedicationEvent& out) {
    std::uint32_t seen = for_fields(cx, obj, kMedicationEventFields, [&](std::size_t i, const N& v) {
        switch (i) {
            case 0: required_enum(cx, v, out.type); break;
            case 1: required_date(cx, v, out.date); break;
        }
    });
    report_missing(cx, obj, seen, kMedicationEventFields, "type");
    report_missing(cx, obj, seen, kMedicationEventFields, "date");
    return true;
}

template <class N>
bool decode_medication(Ctx& cx, const N& obj, Medication& out) {
    std::uint32_t seen = for_fields(cx, obj, kMedicationFields, [&](std::size_t i, const N& v) {
        switch (i) {
            case 0: required_text(cx, v, out.code, TextRole::code); break;
            case 1: system_field(cx, v, out.system); break;
            case 2: text_field(cx, v, out.name); break;
            case 3: enum_field(cx, v, out.status); break;
            case 4:
                list_field(cx, v, out.events,
                           [&](const N& it, MedicationEvent& e) { return decode_medication_event(cx, it, e); });
                break;
        }
    });
    report_missing(cx, obj, seen, kMedicationFields, "code");
    return true;
}

template <class N>
bool decode_observation(Ctx& cx, const N& obj, Observation& out) {
    bool system_given = false;
    std::uint32_t seen = for_fields(cx, obj, kObservationFields, [&](std::size_t i, const N& v) {
        switch (i) {
            case 0: required_text(cx, v, out.code, TextRole::code); break;
            case 1: system_given = system_field(cx, v, out.system); break;
            case 2: required_date(cx, v, out.date); break;
            case 3: opt_number(cx, v, out.value); break;
        }
    });
    report_missing(cx, obj, seen, kObservationFields, "code");
    report_missing(cx, obj, seen, kObservationFields, "date");
    if (!system_given) out.system = is_short_observation_code(out.code) ? "carecoord" : "loinc";
    return true;
}

template <class N>
void decode_social(Ctx& cx, const N& obj, Social& out) {
    for_fields(cx, obj, kSocialFields, [&](std::size_t i, const N& v) {
        switch (i) {
            case 0: opt_bool(cx, v, out.housing_instability); break;
            case 1: opt_bool(cx, v, out.food_insecurity); break;
            case 2: opt_bool(cx, v, out.transportation_insecurity); break;
            case 3: opt_enum(cx, v, out.social_support); break;
            case 4: opt_enum(cx, v, out.health_literacy); break;
        }
    });
}

template <class N>
void decode_ltc(Ctx& cx, const N& obj, LtcPlacement& out) {
    for_fields(cx, obj, kLtcFields, [&](std::size_t i, const N& v) {
        switch (i) {
            case 0: opt_bool(cx, v, out.decision_open); break;
            case 1: opt_date(cx, v, out.since); break;
            case 2: opt_int(cx, v, out.expected_stay_days, 0, kMaxExpectedStayDays); break;
            case 3: opt_date(cx, v, out.assessed); break;
        }
    });
}

template <class N>
void decode_care_plan(Ctx& cx, const N& obj, CarePlan& out) {
    for_fields(cx, obj, kCarePlanFields, [&](std::size_t i, const N& v) {
        switch (i) {
            case 0: opt_enum(cx, v, out.state); break;
            case 1: opt_date(cx, v, out.enrolled); break;
            case 2: opt_date(cx, v, out.last_comprehensive_assessment); break;
            case 3: opt_date(cx, v, out.last_hra); break;
            case 4: opt_text(cx, v, out.tier); break;
            case 5: opt_date(cx, v, out.snp_enrolled); break;
        }
    });
}

template <class N>
void decode_patient(Ctx& cx, const N& root, Patient& p) {
    if (root.kind() != NodeKind::object) {
        cx.error(code::wrong_type,
                 "the document must be an object of patient fields, got " + std::string(kind_phrase(root.kind())),
                 root.mark());
        return;
    }
    bool have_birth = false;
    load::Mark deceased_mark{};
    std::uint32_t seen = for_fields(cx, root, kPatientFields, [&](std::size_t i, const N& v) {
        switch (i) {
            case 0: required_text(cx, v, p.id, TextRole::id); break;
            case 1: have_birth = required_date(cx, v, p.birth_date); break;
            case 2: enum_field(cx, v, p.sex); break;
            case 3: opt_date(cx, v, p.deceased); deceased_mark = v.mark(); break;
            case 4: object_field(cx, v, [&](const N& o) { decode_language(cx, o, p.language); }); break;
            case 5:
                list_field(cx, v, p.coverage, [&](const N& o, Coverage& c) { return decode_coverage(cx, o, c); });
                break;
            case 6:
                list_field(cx, v, p.conditions, [&](const N& o, Condition& c) { return decode_condition(cx, o, c); });
                break;
            case 7:
                list_field(cx, v, p.encounters, [&](const N& o, Encounter& e) { return decode_encounter(cx, o, e); });
                break;
            case 8:
                list_field(cx, v, p.care_team,
                           [&](const N& o, CareTeamMember& m) { return decode_care_team_member(cx, o, m); });
                break;
            case 9:
                list_field(cx, v, p.medications,
                           [&](const N& o, Medication& m) { return decode_medication(cx, o, m); });
                break;
            case 10:
                list_field(cx, v, p.observations,
                           [&](const N& o, Observation& ob) { return decode_observation(cx, o, ob); });
                break;
            case 11: object_field(cx, v, [&](const N& o) { decode_social(cx, o, p.social); }); break;
            case 12: object_field(cx, v, [&](const N& o) { decode_ltc(cx, o, p.ltc_placement); }); break;
            case 13: object_field(cx, v, [&](const N& o) { decode_care_plan(cx, o, p.care_plan); }); break;
        }
    });
    report_missing(cx, root, seen, kPatientFields, "id");
    report_missing(cx, root, seen, kPatientFields, "birth_date");
    if (have_birth && p.deceased && *p.deceased < p.birth_date)
        cx.error_at("deceased", code::end_before_start, "date of death is before birth_date", deceased_mark);
}

}  // namespace carecoord::model::detail
