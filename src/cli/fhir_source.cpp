#include "cli/fhir_source.hpp"

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "load/ruleset_loader.hpp"  // load::read_file
#include "util/dir_list.hpp"

namespace carecoord::cli {

namespace fs = std::filesystem;

namespace {

void print_warnings(const std::vector<Diagnostic>& ds) {
    for (const auto& d : ds) std::fprintf(stderr, "%s\n", d.to_string().c_str());
}

}  // namespace

FhirSource::FhirSource(std::string format, std::vector<std::string> inputs, FhirOptions options)
    : format_(std::move(format)), inputs_(std::move(inputs)), options_(std::move(options)) {
    if (format_ != "fhir-bundle") return;
    // Bundles: directories expand to their .json files, sorted.
    std::vector<std::string> files;
    for (const auto& in : inputs_) {
        std::error_code ec;
        if (!fs::is_directory(in, ec)) {
            files.push_back(in);
            continue;
        }
        std::vector<std::string> found;
        std::vector<util::DirEntry> entries;
        util::list_directory(in, entries);  // an unreadable directory: reported when read as a Bundle
        for (const auto& e : entries)
            if (e.type == util::EntryType::regular && fs::path(e.name).extension() == ".json") found.push_back(e.path);
        files.insert(files.end(), found.begin(), found.end());
    }
    inputs_ = std::move(files);
}

FhirSource::~FhirSource() = default;

bool FhirSource::next_chunk(std::vector<FhirRecord>& out, std::size_t max, std::vector<Diagnostic>& errors) {
    out.clear();
    while (out.size() < max) {
        if (bulk_) {
            auto p = bulk_->next();
            if (!p) {
                bulk_.reset();
                continue;
            }
            std::string source = current_ + "#" + std::to_string(++patient_no_);
            if (p->ok()) {
                print_warnings((*p)->diagnostics);
                out.push_back(FhirRecord{std::move(source), std::move((*p)->patient)});
            } else {
                out.push_back(FhirRecord{std::move(source), p->diagnostics()});
            }
            continue;
        }
        if (next_input_ >= inputs_.size()) break;
        current_ = inputs_[next_input_++];
        if (format_ == "fhir-bulk") {
            auto reader = FhirBulkReader::open(current_, options_);
            if (!reader.ok()) {
                errors.insert(errors.end(), reader.diagnostics().begin(), reader.diagnostics().end());
                continue;
            }
            for (const auto& d : reader->export_diagnostics()) {
                if (d.severity == Severity::error) errors.push_back(d);
                else std::fprintf(stderr, "%s\n", d.to_string().c_str());
            }
            bulk_.emplace(std::move(*reader));
            patient_no_ = 0;
            continue;
        }
        std::string text;
        if (!load::read_file(current_, 64u << 20, text, errors)) continue;
        auto p = read_fhir_bundle(text, options_);
        std::vector<Diagnostic> ds = p.ok() ? p->diagnostics : p.diagnostics();
        for (auto& d : ds)
            if (d.file.empty()) d.file = current_;
        if (p.ok()) {
            print_warnings(ds);
            out.push_back(FhirRecord{current_, std::move(p->patient)});
        } else {
            out.push_back(FhirRecord{current_, std::move(ds)});
        }
    }
    return !out.empty() || next_input_ < inputs_.size() || bulk_.has_value();
}

}  // namespace carecoord::cli
