// The patient document schema, written once over a small node adapter so that JSON
// (simdjson DOM, no intermediate tree) and YAML (yaml::YamlNode) go through the same field
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
//   template <class F> void fields(F&& f) const;   // objects: f(std::string_view key, const N& value, yaml::Mark key)
//   yaml::Mark mark() const;                       // {0,0} when the format has no positions
//
// Messages name fields and schema words only, never a value from the document.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "carecoord/diagnostic.hpp"
#include "carecoord/patient.hpp"
#include "yaml/yaml_tree.hpp"
#include "model/enums.hpp"
#include "model/patient_schema.hpp"
#include "time/calendar.hpp"
#include "util/text.hpp"
#include "util/suggest.hpp"
#include "util/codes.hpp"

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
inline constexpr const char* syntax = codes::patient_syntax;
inline constexpr const char* unknown_field = codes::patient_unknown_field;
inline constexpr const char* wrong_type = codes::patient_wrong_type;
inline constexpr const char* bad_date = codes::patient_bad_date;
inline constexpr const char* missing = codes::patient_missing;
inline constexpr const char* duplicate = codes::patient_duplicate_key;
inline constexpr const char* bad_enum = codes::patient_bad_enum;
inline constexpr const char* end_before_start = codes::patient_end_before_start;
inline constexpr const char* limit = codes::patient_limit;
inline constexpr const char* too_large = codes::patient_too_large;
inline constexpr const char* bad_value = codes::patient_bad_value;
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

    void error(const char* code, std::string message, yaml::Mark mark) {
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
    void error_at(std::string_view field, const char* code, std::string message, yaml::Mark mark) {
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

// A key that could be a field name of the schema rather than data: a lowercase letter, then
// lowercase letters, digits and '_', at most 32 characters and at most 2 digits (so that
// codes, ids and dates, which carry more digits or capitals, are never echoed).
inline bool looks_like_schema_word(std::string_view key) {
    if (key.empty() || key.size() > 32 || key[0] < 'a' || key[0] > 'z') return false;
    int digits = 0;
    for (char c : key) {
        if (c >= '0' && c <= '9') ++digits;
        else if ((c < 'a' || c > 'z') && c != '_') return false;
    }
    return digits <= 2;
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
    node.fields([&](std::string_view key, const N& value, yaml::Mark key_mark) {
        ++key_no;
        std::size_t idx = 0;
        while (idx < K && names[idx] != key) ++idx;
        if (idx == K) {
            // A key that looks like a schema word (a misspelt field name) is named, with the
            // closest fields; any other key may hold data and is named by its position only.
            if (looks_like_schema_word(key)) {
                std::vector<std::string> allowed;
                for (auto n : names) allowed.emplace_back(n);
                const auto close = util::closest_names(key, allowed);
                cx.error(code::unknown_field,
                         "unknown field '" + std::string(key) + "'" +
                             (close.empty() ? "" : " (did you mean '" + close.front() + "'?)") +
                             "; allowed fields: " + join_names(names),
                         key_mark);
                return;
            }
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
    // A well-formed but impossible date says so; the text itself is patient data.
    const std::string problem = time::date_problem(s, false);
    cx.error(code::bad_date,
             problem.rfind("is not a calendar date", 0) == 0 ? "not a calendar date (no such day or month)"
                                                              : "not a valid date (YYYY-MM-DD, years 1800-2999)",
             v.mark());
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
        cx.error(code::bad_date,
                 time::date_problem(s, false).rfind("is not a calendar date", 0) == 0
                     ? "not a calendar date (no such day or month)"
                     : "not a valid date or date-time (YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS])",
                 v.mark());
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
// The schema (model/patient_schema.hpp), turned into one decoder per record. Each record's
// keys are an enum generated from its rows beside its names, so dispatch is by name: a
// row inserted anywhere decodes into its own member.

// One field's columns as a type, handed to the code generated for it.
template <Kind K, Absence A, class T, Settable S>
struct Column {
    static constexpr Kind kind = K;
    static constexpr Absence absence = A;
    static constexpr Settable settable = S;
    using type = T;
};

template <class R> struct Schema;

#define CARECOORD_KEY_X(R, ID, NAME, MEMBER, ...) MEMBER,
#define CARECOORD_KEY_N(R, NAME, MEMBER, ...) MEMBER,
#define CARECOORD_NAME_X(R, ID, NAME, ...) NAME,
#define CARECOORD_NAME_N(R, NAME, ...) NAME,
#define CARECOORD_VISIT_X(R, ID, NAME, MEMBER, KIND, TYPE, ABSENCE, ASOF, SET) \
    CARECOORD_VISIT_N(R, NAME, MEMBER, KIND, TYPE, ABSENCE, ASOF, SET)
#define CARECOORD_VISIT_N(R, NAME, MEMBER, KIND, TYPE, ABSENCE, ASOF, SET)                   \
    case Key::MEMBER:                                                                         \
        fn(Column<Kind::KIND, Absence::ABSENCE, TYPE, Settable::SET>{}, out.MEMBER);           \
        return;
#define CARECOORD_SCHEMA(R)                                                                   \
    template <> struct Schema<R> {                                                            \
        enum class Key : std::uint8_t { CARECOORD_FIELDS_##R(CARECOORD_KEY_X, CARECOORD_KEY_N) }; \
        static constexpr std::string_view names_array[] = {                                    \
            CARECOORD_FIELDS_##R(CARECOORD_NAME_X, CARECOORD_NAME_N)};                        \
        static constexpr std::size_t size = std::size(names_array);                           \
        static constexpr FieldNames<size> names = [] {                                        \
            FieldNames<size> a{};                                                             \
            for (std::size_t i = 0; i < size; ++i) a[i] = names_array[i];                     \
            return a;                                                                         \
        }();                                                                                  \
        /* fn(Column<...>{}, member&) for the field `key` of `out`. */                        \
        template <class T, class F>                                                           \
        static void visit(Key key, T& out, F&& fn) {                                          \
            switch (key) { CARECOORD_FIELDS_##R(CARECOORD_VISIT_X, CARECOORD_VISIT_N) }      \
        }                                                                                     \
    };

#define CARECOORD_SCHEMA_OF(R, COLL) CARECOORD_SCHEMA(R)
CARECOORD_RULE_RECORDS(CARECOORD_SCHEMA_OF)
#undef CARECOORD_SCHEMA_OF

#undef CARECOORD_SCHEMA
#undef CARECOORD_VISIT_N
#undef CARECOORD_VISIT_X
#undef CARECOORD_NAME_N
#undef CARECOORD_NAME_X
#undef CARECOORD_KEY_N
#undef CARECOORD_KEY_X

// Whether `key` is the name of a field of any record: only such a key may be named in a
// field path (anything else could be patient data).
inline bool is_schema_word(std::string_view key) {
    auto in = [&](const auto& names) { return std::find(names.begin(), names.end(), key) != names.end(); };
#define CARECOORD_IN_RECORD(R, COLL) in(Schema<R>::names) ||
    return CARECOORD_RULE_RECORDS(CARECOORD_IN_RECORD) false;
#undef CARECOORD_IN_RECORD
}

template <class R>
constexpr std::size_t key_index(typename Schema<R>::Key k) {
    return static_cast<std::size_t>(k);
}

// What the decoding of one record saw, for the rules between its fields: where each field
// was (for the position of an error about it) and which fields were given (not null) and
// decoded without an error.
template <class R>
struct RecordState {
    using Key = typename Schema<R>::Key;
    std::array<yaml::Mark, Schema<R>::size> marks{};
    std::uint32_t given = 0;
    std::uint32_t valid = 0;

    yaml::Mark mark(Key k) const { return marks[key_index<R>(k)]; }
    bool is_given(Key k) const { return (given >> key_index<R>(k)) & 1u; }
    bool is_valid(Key k) const { return (valid >> key_index<R>(k)) & 1u; }
    // For the builder, which sets fields of a record already checked: everything counts.
    static RecordState all() {
        RecordState s;
        s.given = s.valid = ~std::uint32_t{0};
        return s;
    }
};

template <class R>
void error_at(Ctx& cx, typename Schema<R>::Key k, const char* c, std::string message, yaml::Mark mark) {
    cx.error_at(Schema<R>::names[key_index<R>(k)], c, std::move(message), mark);
}

// The rules between fields of one record ("its meaning" beyond the rows), run after the
// record is decoded and after the builder sets one of its fields.
template <class R>
void check_record(Ctx&, R&, const RecordState<R>&) {}

inline constexpr const char* kControlCharMessage = "an id must not contain control characters (U+0000-U+001F, U+007F)";

inline void check_record(Ctx& cx, Patient& p, const RecordState<Patient>& st) {
    using K = Schema<Patient>::Key;
    // Ids without control characters in every input format: a NUL cut a CSV row and
    // truncated carecoord_result_patient_id (two ids collided).
    if (util::has_control_char(p.id)) error_at<Patient>(cx, K::id, code::control_char, kControlCharMessage, st.mark(K::id));
    if (st.is_valid(K::birth_date) && p.deceased && *p.deceased < p.birth_date)
        error_at<Patient>(cx, K::deceased, code::end_before_start, "date of death is before birth_date",
                          st.mark(K::deceased));
}

inline void check_record(Ctx& cx, Coverage& c, const RecordState<Coverage>& st) {
    using K = Schema<Coverage>::Key;
    if (c.start && c.end && *c.end < *c.start)
        error_at<Coverage>(cx, K::end, code::end_before_start, "coverage end is before its start", st.mark(K::end));
}

inline void check_record(Ctx& cx, Condition& c, const RecordState<Condition>& st) {
    using K = Schema<Condition>::Key;
    if (c.onset && c.abatement && *c.abatement < *c.onset)
        error_at<Condition>(cx, K::abatement, code::end_before_start, "abatement is before onset",
                            st.mark(K::abatement));
}

inline void check_record(Ctx& cx, Encounter& e, const RecordState<Encounter>& st) {
    using K = Schema<Encounter>::Key;
    if (util::has_control_char(e.id))
        error_at<Encounter>(cx, K::id, code::control_char, kControlCharMessage, st.mark(K::id));
    if (e.admit && e.discharge && *e.discharge < *e.admit)
        error_at<Encounter>(cx, K::discharge, code::end_before_start, "discharge is before admit",
                            st.mark(K::discharge));
}

// An observation's system defaults by its code: the short names are carecoord's own. Its
// value must be within the range of its code (model/patient_schema.hpp), in a document and
// through the builder alike.
inline void check_record(Ctx& cx, Observation& o, const RecordState<Observation>& st) {
    using K = Schema<Observation>::Key;
    if (!st.is_given(K::system))
        o.system = is_short_observation_code(o.code) ? "carecoord" : "loinc";
    if (o.value)
        if (const ObservationRange* r = observation_range(o.code, o.system); r && !in_range(*r, *o.value))
            error_at<Observation>(cx, K::value, code::bad_value, std::string(r->words), st.mark(K::value));
}

template <class N, class R>
void decode_record(Ctx& cx, const N& obj, R& out);

// One field's value, by its columns.
template <class C, class N, class M>
void decode_value(Ctx& cx, const N& v, M& out) {
    constexpr Kind kind = C::kind;
    constexpr bool required = C::absence == Absence::required;
    if constexpr (kind == Kind::text || kind == Kind::code) {
        constexpr TextRole role = kind == Kind::code ? TextRole::code : TextRole::plain;
        if constexpr (std::is_same_v<M, std::optional<std::string>>) opt_text(cx, v, out);
        else if constexpr (required) required_text(cx, v, out, role);
        else text_field(cx, v, out, role);
    } else if constexpr (kind == Kind::system) {
        system_field(cx, v, out);
    } else if constexpr (kind == Kind::date) {
        if constexpr (required) required_date(cx, v, out);
        else opt_date(cx, v, out);
    } else if constexpr (kind == Kind::datetime) {
        opt_datetime(cx, v, out);
    } else if constexpr (kind == Kind::boolean) {
        opt_bool(cx, v, out);
    } else if constexpr (kind == Kind::enumeration) {
        if constexpr (required) required_enum(cx, v, out);
        else if constexpr (std::is_same_v<M, std::optional<typename C::type>>) opt_enum(cx, v, out);
        else enum_field(cx, v, out);
    } else if constexpr (kind == Kind::number) {
        opt_number(cx, v, out);
    } else if constexpr (kind == Kind::whole_number) {
        opt_int(cx, v, out, C::type::lo, C::type::hi);
    } else if constexpr (kind == Kind::list) {
        list_field(cx, v, out, [&](const N& it, typename C::type& item) {
            decode_record(cx, it, item);
            return true;
        });
    } else {
        static_assert(kind == Kind::object);
        object_field(cx, v, [&](const N& o) { decode_record(cx, o, out); });
    }
}

template <class N, class R>
void decode_record(Ctx& cx, const N& obj, R& out) {
    using S = Schema<R>;
    RecordState<R> st;
    std::uint32_t seen = for_fields(cx, obj, S::names, [&](std::size_t i, const N& v) {
        const std::uint32_t bit = std::uint32_t{1} << i;
        st.marks[i] = v.mark();
        if (v.kind() != NodeKind::null) st.given |= bit;
        const std::size_t before = cx.diagnostics().size();
        S::visit(static_cast<typename S::Key>(i), out,
                 [&](auto column, auto& member) { decode_value<decltype(column)>(cx, v, member); });
        if (cx.diagnostics().size() == before) st.valid |= bit;
    });
    for (std::size_t i = 0; i < S::size; ++i) {
        if (seen & (std::uint32_t{1} << i)) continue;
        S::visit(static_cast<typename S::Key>(i), out, [&](auto column, auto&) {
            if constexpr (decltype(column)::absence == Absence::required)
                cx.error_at(S::names[i], code::missing, "missing required field", obj.mark());
        });
    }
    check_record(cx, out, st);
}

template <class N>
void decode_patient(Ctx& cx, const N& root, Patient& p) {
    if (root.kind() != NodeKind::object) {
        cx.error(code::wrong_type,
                 "the document must be an object of patient fields, got " + std::string(kind_phrase(root.kind())),
                 root.mark());
        return;
    }
    decode_record(cx, root, p);
}

}  // namespace carecoord::model::detail
