// Diagnostics and the result type used across the public C++ API.
#pragma once

#include <exception>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace carecoord {

enum class Severity { error, warning, note };

// One problem found while loading a ruleset, decoding a patient, or evaluating.
// Messages name fields, rules and files, never patient values.
struct Diagnostic {
    std::string code;        // stable code, e.g. "E1203"; see docs/errors.md
    Severity severity = Severity::error;
    std::string message;
    std::string file;        // ruleset or document name; empty when not from a file
    int line = 0;            // 1-based; 0 when unknown
    int column = 0;          // 1-based; 0 when unknown
    std::string rule_id;     // the rule, fact, trigger... the problem is in, if any
    std::string field_path;  // e.g. "conditions[3].onset" for patient documents

    // "file:line:col: error[CODE]: message" (the format editors and CI parse).
    std::string to_string() const;
};

// The one exception type the C++ API throws (only from the throwing convenience
// functions such as Result::value()); it carries every diagnostic.
class Error : public std::exception {
public:
    explicit Error(std::vector<Diagnostic> diagnostics);
    const char* what() const noexcept override { return what_.c_str(); }
    const std::vector<Diagnostic>& diagnostics() const noexcept { return diagnostics_; }

private:
    std::vector<Diagnostic> diagnostics_;
    std::string what_;
};

// A value or the diagnostics that explain why there is none. [[nodiscard]]: a dropped Result
// is a dropped error.
template <class T>
class [[nodiscard]] Result {
public:
    Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
    Result(std::vector<Diagnostic> diagnostics) : v_(std::move(diagnostics)) {}  // NOLINT
    Result(Diagnostic diagnostic) : v_(std::vector<Diagnostic>{std::move(diagnostic)}) {}  // NOLINT

    bool ok() const noexcept { return v_.index() == 0; }
    explicit operator bool() const noexcept { return ok(); }

    // Throws carecoord::Error when there is no value.
    T& value() & {
        if (!ok()) throw Error(std::get<1>(v_));
        return std::get<0>(v_);
    }
    const T& value() const& {
        if (!ok()) throw Error(std::get<1>(v_));
        return std::get<0>(v_);
    }
    T&& value() && {
        if (!ok()) throw Error(std::get<1>(v_));
        return std::move(std::get<0>(v_));
    }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }

    // Empty when ok().
    const std::vector<Diagnostic>& diagnostics() const noexcept {
        static const std::vector<Diagnostic> none;
        return ok() ? none : std::get<1>(v_);
    }

private:
    std::variant<T, std::vector<Diagnostic>> v_;
};

}  // namespace carecoord
