#include "carecoord/diagnostic.hpp"

namespace carecoord {

std::string Diagnostic::to_string() const {
    std::string out;
    if (!file.empty()) {
        out += file;
        if (line > 0) {
            out += ':' + std::to_string(line);
            if (column > 0) out += ':' + std::to_string(column);
        }
        out += ": ";
    }
    out += severity == Severity::error ? "error" : severity == Severity::warning ? "warning" : "note";
    if (!code.empty()) out += "[" + code + "]";
    out += ": ";
    if (!field_path.empty()) out += field_path + ": ";
    out += message;
    if (!rule_id.empty()) out += " (in " + rule_id + ")";
    return out;
}

namespace {
std::string summarize(const std::vector<Diagnostic>& ds) {
    if (ds.empty()) return "carecoord error";
    std::string s = ds.front().to_string();
    if (ds.size() > 1) s += " (and " + std::to_string(ds.size() - 1) + " more)";
    return s;
}
}  // namespace

Error::Error(std::vector<Diagnostic> diagnostics)
    : diagnostics_(std::move(diagnostics)), what_(summarize(diagnostics_)) {}

}  // namespace carecoord
