// Building a patient field by field (the C builder, capi/carecoord.cpp, forwards here). The
// fields, their rules and their error codes are the document decoder's: a value is checked
// exactly as the same value in a YAML document would be, through the rows of
// model/patient_schema.hpp, so the builder re-states none of them.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "carecoord/diagnostic.hpp"
#include "carecoord/patient.hpp"

namespace carecoord::model {

// A value handed to the builder: absent (the field becomes absent again), text written as
// in a YAML document ("true", "2026-01-05", "inpatient", "120"), or a number.
class FieldValue {
public:
    FieldValue() = default;
    FieldValue(std::nullopt_t) {}  // NOLINT: implicit by design
    FieldValue(const char* text) : form_(text ? Form::text : Form::absent), text_(text ? text : "") {}  // NOLINT
    FieldValue(std::string_view text) : form_(Form::text), text_(text) {}  // NOLINT
    static FieldValue number(double n) {
        FieldValue v;
        v.form_ = Form::number;
        v.number_ = n;
        return v;
    }

    bool absent() const { return form_ == Form::absent; }
    bool is_number() const { return form_ == Form::number; }
    std::string_view text() const { return text_; }
    double number_value() const { return number_; }

private:
    enum class Form : unsigned char { absent, text, number };
    Form form_ = Form::absent;
    std::string_view text_;
    double number_ = 0;
};

// Sets one field by its document path ("social.food_insecurity", "encounters[2].disposition").
// Only the fields the schema marks settable (SET column `set`) have a path; the others are
// given to add_item. An unknown or unsettable path, or an index past the end of its list, is
// E0202 naming the path. Empty: set. On an error the patient is unchanged.
[[nodiscard]] std::vector<Diagnostic> set_field(Patient& patient, std::string_view path, FieldValue value);

// Appends one item to the list at `list_path` ("coverage", "medications[0].events") with the
// given fields (any field of the item, by name); fields not named keep their defaults, and
// required fields must be given. Empty: added. On an error nothing is added; a bad list path
// is E0202 naming the path up to the part that failed.
[[nodiscard]] std::vector<Diagnostic> add_item(Patient& patient, std::string_view list_path,
                                               std::initializer_list<std::pair<std::string_view, FieldValue>> fields);

// The paths set_field accepts, with `[i]` for a list index, in schema order (for the list in
// capi/carecoord.h and its test).
std::vector<std::string> settable_paths();

}  // namespace carecoord::model
