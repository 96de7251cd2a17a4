// Building diagnostics, and the one place where exceptions become them. The library's own
// failures have two codes: E0001 out of memory, E0002 internal error (a bug). No exception
// escapes the public API: each entry point runs its body through diagnose_exceptions().
#pragma once

#include <exception>
#include <new>
#include <string>
#include <string_view>
#include <utility>

#include "carecoord/diagnostic.hpp"
#include "util/codes.hpp"

namespace carecoord::util {

// A diagnostic, built field by field: make(codes::x, "message").at(file, line, col).rule(id).
class DiagnosticBuilder {
public:
    DiagnosticBuilder(const char* code, std::string message) {
        d_.code = code;
        d_.message = std::move(message);
    }
    DiagnosticBuilder& severity(Severity s) { d_.severity = s; return *this; }
    DiagnosticBuilder& file(std::string f) { d_.file = std::move(f); return *this; }
    DiagnosticBuilder& at(int line, int column) { d_.line = line; d_.column = column; return *this; }
    DiagnosticBuilder& rule(std::string id) { d_.rule_id = std::move(id); return *this; }
    DiagnosticBuilder& field(std::string path) { d_.field_path = std::move(path); return *this; }
    Diagnostic build() && { return std::move(d_); }
    Diagnostic build() const& { return d_; }
    // Both: a chain of setters ends on an lvalue (make(...).at(...) converts by copy).
    operator Diagnostic() && { return std::move(d_); }  // NOLINT: implicit by design
    operator Diagnostic() const& { return d_; }          // NOLINT: implicit by design

private:
    Diagnostic d_;
};

inline DiagnosticBuilder make(const char* code, std::string message) { return {code, std::move(message)}; }

// The diagnostic of the exception being handled: called inside a catch block, it rethrows
// and sorts it out (std::bad_alloc: E0001 out of memory; any other: E0002 internal error),
// with `what` saying what was being done ("evaluating"). Every site where exceptions become
// diagnostics goes through here:  } catch (...) { return util::exception_diagnostic("x"); }
inline Diagnostic exception_diagnostic(std::string_view what) {
    try {
        throw;
    } catch (const std::bad_alloc&) {
        return make(codes::out_of_memory, "out of memory while " + std::string(what));
    } catch (const std::exception& e) {
        return make(codes::internal_error, "internal error while " + std::string(what) + ": " + e.what());
    } catch (...) {
        return make(codes::internal_error, "internal error while " + std::string(what) + ": an unknown exception");
    }
}

}  // namespace carecoord::util
