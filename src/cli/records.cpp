#include "cli/records.hpp"

#include <unistd.h>

#include <filesystem>
#include <iostream>

#include "load/ruleset_loader.hpp"

namespace carecoord::cli {

namespace fs = std::filesystem;

namespace {

bool is_ndjson(const fs::path& p) {
    auto e = p.extension().string();
    return e == ".ndjson" || e == ".jsonl";
}

bool is_document(const fs::path& p) {
    auto e = p.extension().string();
    return e == ".yaml" || e == ".yml" || e == ".json" || is_ndjson(p);
}

Diagnostic file_error(const std::string& file, std::string message) {
    Diagnostic d;
    d.code = "E0311";
    d.file = file;
    d.message = std::move(message);
    return d;
}

}  // namespace

void print_diagnostics(const std::vector<Diagnostic>& ds) {
    for (const auto& d : ds) std::fprintf(stderr, "%s\n", d.to_string().c_str());
}

std::vector<std::string> expand_inputs(const std::vector<std::string>& inputs, std::vector<Diagnostic>& errors) {
    std::vector<std::string> files;
    for (const auto& in : inputs) {
        std::error_code ec;
        if (in == "-") files.push_back(in);
        else if (fs::is_directory(in, ec)) {
            std::vector<std::string> found;
            for (const auto& e : fs::directory_iterator(in, ec))
                if (e.is_regular_file() && is_document(e.path())) found.push_back(e.path().string());
            std::sort(found.begin(), found.end());
            files.insert(files.end(), found.begin(), found.end());
        } else if (fs::is_regular_file(in, ec)) files.push_back(in);
        else errors.push_back(file_error(in, "no such file or directory"));
    }
    return files;
}

double RecordReader::fraction_read() const {
    if (unsized_ || total_bytes_ == 0) return -1;
    return std::min(1.0, static_cast<double>(done_bytes_ + current_bytes_) / static_cast<double>(total_bytes_));
}

void Progress::update(std::size_t done, double fraction, bool final) {
    if (!enabled_) return;
    const auto now = std::chrono::steady_clock::now();
    // The final line (once something was drawn): the total and the overall rate, no time left.
    if (final && !drawn_) return;
    if (!final && now - last_ < std::chrono::milliseconds(250)) return;
    last_ = now;
    const double seconds = std::chrono::duration<double>(now - start_).count();
    const double rate = seconds > 0 ? static_cast<double>(done) / seconds : 0;
    std::string text = "\r" + std::to_string(done) + " records, " + std::to_string(static_cast<long long>(rate)) + "/s";
    if (!final && fraction > 0 && fraction < 1) {
        const auto left = static_cast<long long>(seconds * (1 - fraction) / fraction + 0.5);
        text += ", about " + std::to_string(left) + " s left";
    }
    text += final ? "   \n" : "   ";  // the spaces clear the end of a longer previous line
    std::fputs(text.c_str(), stderr);
    drawn_ = true;
}

bool progress_wanted(std::optional<bool> forced) { return forced ? *forced : ::isatty(2) == 1; }

bool RecordReader::next_chunk(std::vector<Record>& out, std::size_t max, std::vector<Diagnostic>& errors) {
    if (!sized_) {
        sized_ = true;
        for (const auto& f : files_) {
            std::error_code ec;
            if (f == "-") unsized_ = true;
            else if (auto size = fs::file_size(f, ec); !ec) total_bytes_ += size;
        }
    }
    out.clear();
    while (out.size() < max) {
        if (stream_) {
            std::string line;
            if (std::getline(*stream_, line)) {
                ++line_;
                current_bytes_ += line.size() + 1;
                if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
                out.push_back(Record{current_ + ":" + std::to_string(line_), std::move(line), DocumentFormat::json});
                continue;
            }
            stream_ = nullptr;
            file_stream_.reset();
            done_bytes_ += current_bytes_;
            current_bytes_ = 0;
        }
        if (next_ >= files_.size()) break;
        current_ = files_[next_++];
        line_ = 0;
        if (current_ == "-") {
            stream_ = &std::cin;
            current_ = "<stdin>";
        } else if (is_ndjson(current_)) {
            file_stream_ = std::make_unique<std::ifstream>(current_);
            if (!*file_stream_) {
                errors.push_back(file_error(current_, "cannot open the file"));
                continue;
            }
            stream_ = file_stream_.get();
        } else {
            std::string text;
            if (!load::read_file(current_, 64u << 20, text, errors)) continue;
            done_bytes_ += text.size();
            auto ext = fs::path(current_).extension().string();
            out.push_back(Record{current_, std::move(text), ext == ".json" ? DocumentFormat::json : DocumentFormat::yaml});
        }
    }
    return !out.empty() || next_ < files_.size() || stream_;
}

std::optional<Patient> decode_record(const Record& r, std::string& errors) {
    auto patient = r.decoded ? *r.decoded : parse_patient(r.text, r.format);
    if (patient.ok()) return std::move(patient.value());
    for (const auto& d : patient.diagnostics())
        errors += r.source + ": error[" + d.code + "]: " + (d.field_path.empty() ? "" : d.field_path + ": ") + d.message + "\n";
    return std::nullopt;
}

void append_errors(const Record& r, const std::vector<Diagnostic>& ds, std::string& errors) {
    for (const auto& d : ds) errors += r.source + ": " + d.to_string() + "\n";
}

std::optional<Determination> evaluate_record(const Engine& engine, const Record& r, Date as_of, std::string& errors) {
    auto patient = decode_record(r, errors);
    if (!patient) return std::nullopt;
    auto det = engine.evaluate(*patient, as_of);
    if (!det.ok()) {
        append_errors(r, det.diagnostics(), errors);
        return std::nullopt;
    }
    return std::move(det.value());
}

}  // namespace carecoord::cli
