// The builder over the schema decoder: a path is walked through the records of
// model/patient_schema.hpp, and the value is decoded by the same column rules as a document.
#include "model/patient_builder.hpp"

#include <charconv>
#include <string>

#include "model/patient_decoder.hpp"
#include "util/diagnostics.hpp"

namespace carecoord::model {

namespace {

using detail::Ctx;
using detail::NodeKind;
using detail::PathGuard;
using detail::RecordState;
using detail::Schema;
namespace code = detail::code;

// A node adapter (patient_decoder.hpp) over one builder value, read as a YAML scalar would
// be except that any text is text: "true" is refused for a boolean only when misspelt.
class ValueNode {
public:
    explicit ValueNode(const FieldValue& v) : v_(v) {}

    NodeKind kind() const {
        if (v_.absent()) return NodeKind::null;
        if (v_.is_number()) return NodeKind::number;
        if (v_.text() == "true" || v_.text() == "false") return NodeKind::boolean;
        return NodeKind::string;
    }
    bool text(std::string_view& out) const {
        if (v_.absent() || v_.is_number()) return false;
        out = v_.text();
        return true;
    }
    bool boolean(bool& out) const {
        if (v_.absent() || v_.is_number()) return false;
        if (v_.text() == "true") out = true;
        else if (v_.text() == "false") out = false;
        else return false;
        return true;
    }
    bool number(double& out) const {
        if (v_.is_number()) {
            out = v_.number_value();
            return true;
        }
        if (v_.absent()) return false;
        auto t = v_.text();
        auto r = std::from_chars(t.data(), t.data() + t.size(), out);
        return r.ec == std::errc{} && r.ptr == t.data() + t.size() && !t.empty();
    }
    // Digits only: a sign is not a whole number of days.
    bool integer(std::int64_t& out, bool& overflow) const {
        overflow = false;
        if (v_.absent() || v_.is_number()) return false;
        auto t = v_.text();
        if (t.empty()) return false;
        for (char c : t)
            if (c < '0' || c > '9') return false;
        if (t.size() > 18) {
            overflow = true;
            return false;
        }
        std::from_chars(t.data(), t.data() + t.size(), out);
        return true;
    }
    std::size_t size() const { return 0; }
    template <class F> void items(F&&) const {}
    template <class F> void fields(F&&) const {}
    yaml::Mark mark() const { return {}; }

private:
    const FieldValue& v_;
};

template <class R>
std::optional<std::size_t> key_of(std::string_view name) {
    for (std::size_t i = 0; i < Schema<R>::size; ++i)
        if (Schema<R>::names[i] == name) return i;
    return std::nullopt;
}

// Walks `path` from the record `rec`, pushing each step onto the context's path, and calls
// on_end(column, member) at the field where the path ends. Returns false when the path
// names no field; `failed_at` is then the end of the part that failed.
template <class R, class F>
bool walk(Ctx& cx, R& rec, std::string_view full, std::size_t pos, std::size_t& failed_at, F&& on_end) {
    std::size_t end = full.find_first_of(".[", pos);
    if (end == std::string_view::npos) end = full.size();
    auto key = key_of<R>(full.substr(pos, end - pos));
    if (!key) {
        failed_at = end;
        return false;
    }
    bool found = false;
    Schema<R>::visit(static_cast<typename Schema<R>::Key>(*key), rec, [&](auto column, auto& member) {
        using C = decltype(column);
        PathGuard g(cx, Schema<R>::names[*key]);
        if (end == full.size()) {
            found = on_end(rec, *key, column, member);
            if (!found) failed_at = end;
            return;
        }
        if constexpr (C::kind == Kind::object) {
            if (full[end] != '.') {
                failed_at = end;
                return;
            }
            found = walk(cx, member, full, end + 1, failed_at, on_end);
        } else if constexpr (C::kind == Kind::list) {
            // "[<digits>]." and the item's field
            std::size_t close = full.find(']', end);
            if (full[end] != '[' || close == std::string_view::npos || close == end + 1 || close - end > 10) {
                failed_at = close == std::string_view::npos ? full.size() : close + 1;
                return;
            }
            std::size_t index = 0;
            for (std::size_t i = end + 1; i < close; ++i) {
                if (full[i] < '0' || full[i] > '9') {
                    failed_at = close + 1;
                    return;
                }
                index = index * 10 + static_cast<std::size_t>(full[i] - '0');
            }
            if (index >= member.size() || close + 1 >= full.size() || full[close + 1] != '.') {
                failed_at = close + 1;
                return;
            }
            PathGuard gi(cx, index);
            found = walk(cx, member[index], full, close + 2, failed_at, on_end);
        } else {
            failed_at = end;
        }
    });
    return found;
}

Diagnostic not_a_path(std::string_view path, std::string message) {
    return util::make(code::unknown_field, std::move(message)).field(std::string(path)).build();
}

// The default value of field `key` of a record R (the value an absent field has).
template <class R, class M>
void reset_to_default(std::size_t key, M& member) {
    R fresh{};
    Schema<R>::visit(static_cast<typename Schema<R>::Key>(key), fresh, [&](auto, auto& d) {
        if constexpr (std::is_same_v<std::remove_reference_t<decltype(d)>, M>) member = std::move(d);
    });
}

// Decodes `value` into field `key` by its column, at the context's current path (the
// field's). An absent value resets an optional field to its default; a required field
// refuses it (E0205), as a document's null would be.
template <class C, class R, class M>
void set_member(Ctx& cx, std::size_t key, M& member, const FieldValue& value, RecordState<R>& st) {
    const std::uint32_t bit = std::uint32_t{1} << key;
    if (value.absent()) st.given &= ~bit;
    else st.given |= bit;
    if (value.absent() && C::absence != Absence::required) {
        reset_to_default<R>(key, member);
        return;
    }
    detail::decode_value<C>(cx, ValueNode(value), member);
}

template <class R>
void add_fields(Ctx& cx, R& item, std::initializer_list<std::pair<std::string_view, FieldValue>> fields,
                std::vector<Diagnostic>& bad_names) {
    RecordState<R> st = RecordState<R>::all();
    st.given = 0;
    for (const auto& [name, value] : fields) {
        auto key = key_of<R>(name);
        if (!key) {
            // A caller's mistake in naming a field, reported with the item's path.
            bad_names.push_back(not_a_path(cx.path() + "." + std::string(name), "unknown field of this list item"));
            continue;
        }
        const FieldValue& v = value;
        const std::size_t k = *key;
        Schema<R>::visit(static_cast<typename Schema<R>::Key>(k), item, [&](auto column, auto& member) {
            using C = decltype(column);
            if constexpr (C::kind == Kind::list || C::kind == Kind::object) {
                bad_names.push_back(not_a_path(cx.path() + "." + std::string(Schema<R>::names[k]),
                                               "a list or object is not set with a value"));
            } else {
                PathGuard g(cx, Schema<R>::names[k]);
                set_member<C, R>(cx, k, member, v, st);
            }
        });
    }
    detail::check_record(cx, item, st);
}

}  // namespace

std::vector<Diagnostic> set_field(Patient& patient, std::string_view path, FieldValue value) {
    PatientLimits limits;
    Ctx cx(limits);
    std::size_t failed_at = 0;
    bool found = walk(cx, patient, path, 0, failed_at, [&](auto& rec, std::size_t key, auto column, auto& member) {
        using C = decltype(column);
        using R = std::remove_reference_t<decltype(rec)>;
        if constexpr (C::kind == Kind::list || C::kind == Kind::object) {
            return false;
        } else {
            if (C::settable != Settable::set) return false;
            auto saved = member;
            RecordState<R> st = RecordState<R>::all();
            set_member<C, R>(cx, key, member, value, st);
            if (cx.diagnostics().empty()) {
                // The record's rules between fields name their own fields, from the record's path.
                cx.pop();
                detail::check_record(cx, rec, st);
                cx.push(Schema<R>::names[key]);
            }
            if (!cx.diagnostics().empty()) member = std::move(saved);
            return true;
        }
    });
    if (!found)
        return {not_a_path(path, "not a settable field (see carecoord_patient_set_field in carecoord.h)")};
    return std::move(cx.diagnostics());
}

std::vector<Diagnostic> add_item(Patient& patient, std::string_view list_path,
                                 std::initializer_list<std::pair<std::string_view, FieldValue>> fields) {
    PatientLimits limits;
    Ctx cx(limits);
    std::size_t failed_at = 0;
    std::vector<Diagnostic> bad_names;
    bool found = walk(cx, patient, list_path, 0, failed_at, [&](auto&, std::size_t, auto column, auto& member) {
        using C = decltype(column);
        if constexpr (C::kind == Kind::list) {
            if (member.size() >= limits.max_list_length) {
                cx.error(code::limit,
                         "has as many items as the limit max_list_length (" + std::to_string(limits.max_list_length) +
                             ")",
                         {});
                return true;
            }
            typename C::type item{};
            {
                PathGuard g(cx, member.size());
                add_fields(cx, item, fields, bad_names);
            }
            if (cx.diagnostics().empty() && bad_names.empty()) member.push_back(std::move(item));
            return true;
        } else {
            return false;
        }
    });
    if (!found) {
        std::string_view failed = list_path.substr(0, failed_at);
        return {not_a_path(failed, "no list item with this index, or not a list")};
    }
    auto diags = std::move(cx.diagnostics());
    for (auto& d : bad_names) diags.push_back(std::move(d));
    return diags;
}

namespace {

template <class R>
void collect_paths(const std::string& prefix, std::vector<std::string>& out) {
    R rec{};
    for (std::size_t k = 0; k < Schema<R>::size; ++k) {
        Schema<R>::visit(static_cast<typename Schema<R>::Key>(k), rec, [&](auto column, auto&) {
            using C = decltype(column);
            std::string path = prefix + std::string(Schema<R>::names[k]);
            if constexpr (C::kind == Kind::object) collect_paths<typename C::type>(path + ".", out);
            else if constexpr (C::kind == Kind::list) collect_paths<typename C::type>(path + "[i].", out);
            else if (C::settable == Settable::set) out.push_back(path);
        });
    }
}

}  // namespace

std::vector<std::string> settable_paths() {
    std::vector<std::string> out;
    collect_paths<Patient>("", out);
    return out;
}

}  // namespace carecoord::model
