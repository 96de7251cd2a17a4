#include "cli/records.hpp"

#include <unistd.h>

#include <filesystem>
#include <iostream>

#include "load/ruleset_loader.hpp"
#include "util/dir_list.hpp"
#include "util/codes.hpp"

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

// A named pipe (mkfifo, or a shell's <(...) as /dev/fd/N): read as a stream of NDJSON, like
// standard input, whatever its name: it has no size and can be read only once.
bool is_pipe(const std::string& path) {
    std::error_code ec;
    return fs::is_fifo(path, ec);
}

Diagnostic file_error(const std::string& file, std::string message) {
    Diagnostic d;
    d.code = codes::unreadable_file;
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
            std::vector<util::DirEntry> entries;
            if (!util::list_directory(in, entries)) errors.push_back(file_error(in, "the directory cannot be read"));
            for (const auto& e : entries)
                if (e.type == util::EntryType::regular && is_document(fs::path(e.path))) found.push_back(e.path);
            files.insert(files.end(), found.begin(), found.end());
        } else if (fs::is_regular_file(in, ec) || is_pipe(in)) files.push_back(in);
        else errors.push_back(file_error(in, fs::exists(in, ec) ? "not a file, directory or named pipe" : "no such file or directory"));
    }
    return files;
}

void RecordReader::close_file() {
    if (file_ && owned_) std::fclose(file_);  // read only: nothing to lose at close
    file_ = nullptr;
    owned_ = false;
}

bool RecordReader::read_line(std::string& line, bool& too_long, bool& read_error) {
    const std::size_t limit = PatientLimits{}.max_document_bytes;
    line.clear();
    too_long = false;
    read_error = false;
    int c;
    while ((c = getc_unlocked(file_)) != EOF) {
        if (c == '\n') return true;
        if (line.size() < limit) line.push_back(static_cast<char>(c));
        else too_long = true;  // stop buffering; skip to the newline
    }
    if (std::ferror(file_)) {
        read_error = true;
        return false;
    }
    return !line.empty() || too_long;  // a last line without its newline
}

double RecordReader::fraction_read() const {
    if (unsized_ || total_bytes_ == 0) return -1;
    return std::min(1.0, static_cast<double>(done_bytes_ + current_bytes_) / static_cast<double>(total_bytes_));
}

void Progress::update(std::size_t done, double fraction, bool final) {
    if (!enabled_) return;
    const auto now = std::chrono::steady_clock::now();
    // The final line, always (a run shorter than one redraw still ends with its total): the
    // total and the overall rate, no time left.
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
}

bool progress_wanted(std::optional<bool> forced) { return forced ? *forced : ::isatty(2) == 1; }

bool RecordReader::next_chunk(std::vector<Record>& out, std::size_t max, std::vector<Diagnostic>& errors) {
    if (!sized_) {
        sized_ = true;
        for (const auto& f : files_) {
            std::error_code ec;
            if (f == "-" || is_pipe(f)) unsized_ = true;
            else if (auto size = fs::file_size(f, ec); !ec) total_bytes_ += size;
        }
    }
    out.clear();
    while (out.size() < max) {
        if (file_) {
            std::string line;
            bool too_long = false, read_error = false;
            if (read_line(line, too_long, read_error)) {
                ++line_;
                current_bytes_ += line.size() + 1;
                std::string source = current_ + ":" + std::to_string(line_);
                if (too_long) {
                    // One record lost, said so in its place; the records after it are read.
                    Diagnostic d;
                    d.code = codes::patient_too_large;
                    d.message = "the line is larger than the limit max_document_bytes (" +
                                std::to_string(PatientLimits{}.max_document_bytes) + " bytes): skipped";
                    out.push_back(Record{std::move(source), {}, DocumentFormat::json, Result<Patient>(std::move(d))});
                    continue;
                }
                if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
                out.push_back(Record{std::move(source), std::move(line), DocumentFormat::json});
                continue;
            }
            // A read error is an error, never the end of the input.
            if (read_error) errors.push_back(file_error(current_, "read error after line " + std::to_string(line_)));
            close_file();
            done_bytes_ += current_bytes_;
            current_bytes_ = 0;
        }
        if (next_ >= files_.size()) break;
        current_ = files_[next_++];
        line_ = 0;
        if (current_ == "-") {
            file_ = stdin;
            current_ = "<stdin>";
        } else if (is_ndjson(current_) || is_pipe(current_)) {
            file_ = std::fopen(current_.c_str(), "rb");
            if (!file_) {
                errors.push_back(file_error(current_, "cannot open the file"));
                continue;
            }
            owned_ = true;
        } else {
            std::string text;
            if (!load::read_file(current_, 64u << 20, text, errors)) continue;
            done_bytes_ += text.size();
            auto ext = fs::path(current_).extension().string();
            out.push_back(Record{current_, std::move(text), ext == ".json" ? DocumentFormat::json : DocumentFormat::yaml});
        }
    }
    return !out.empty() || next_ < files_.size() || file_;
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
