// A FHIR bulk-data export (NDJSON per resource type) -> one Patient at a time.
//
// open(): one pass over every file. Each line is parsed once to learn its resource type, id
// and patient; what is kept is a run of consecutive lines of one patient in one file (file,
// byte offset, length, first line number). The runs are then sorted by patient. next():
// reads back one patient's runs, parses each line again and maps it. See docs/fhir.md.
#include <algorithm>
#include <sys/types.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <new>
#include <string>
#include <unordered_map>

#include "carecoord/fhir.hpp"
#include "fhir/mapper.hpp"
#include "util/dir_list.hpp"

namespace carecoord {

using fhir::Element;
using fhir::Origin;
namespace code = fhir::code;
namespace fs = std::filesystem;

namespace {

struct FileCloser {
    void operator()(std::FILE* f) const {
        if (f) std::fclose(f);
    }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

// Reads lines of a file (or of a byte range of it) through a fixed buffer. A line longer
// than `max` is not kept: it is reported as too long and skipped to its end.
class LineReader {
public:
    LineReader(std::FILE* f, std::uint64_t offset, std::uint64_t length, std::size_t max)
        : f_(f),
          offset_(offset),
          end_(length == 0 ? UINT64_MAX : offset + length),
          max_(max),
          // A range is read with one buffer of its size (up to 1 MiB): no read past its end.
          buf_(length == 0 ? std::size_t{1} << 20 : static_cast<std::size_t>(std::min<std::uint64_t>(length, 1u << 20))) {}

    // False at the end. `line` excludes the newline (and a '\r' before it); `start` and
    // `size` are the line's bytes in the file, newline included.
    bool next(std::string& line, std::uint64_t& start, std::uint64_t& size, bool& too_long) {
        line.clear();
        too_long = false;
        start = offset_;
        bool any = false;
        while (offset_ < end_) {
            if (pos_ == len_) {
                // pread: one system call per buffer, at the offset, whatever was read before.
                const ssize_t got = ::pread(::fileno(f_), buf_.data(),
                                            static_cast<std::size_t>(std::min<std::uint64_t>(buf_.size(), end_ - offset_)),
                                            static_cast<off_t>(offset_));
                if (got < 0) error_ = true;
                len_ = got > 0 ? static_cast<std::size_t>(got) : 0;
                pos_ = 0;
                if (len_ == 0) break;
            }
            any = true;
            const std::size_t avail = static_cast<std::size_t>(std::min<std::uint64_t>(len_ - pos_, end_ - offset_));
            const char* p = buf_.data() + pos_;
            const void* nl = std::memchr(p, '\n', avail);
            const std::size_t take = nl ? static_cast<std::size_t>(static_cast<const char*>(nl) - p) : avail;
            if (!too_long) {
                if (line.size() + take > max_) {
                    too_long = true;
                    line.clear();
                    line.shrink_to_fit();
                } else {
                    line.append(p, take);
                }
            }
            pos_ += take;
            offset_ += take;
            if (nl) {
                ++pos_;
                ++offset_;
                break;
            }
        }
        if (!line.empty() && line.back() == '\r') line.pop_back();
        size = offset_ - start;
        return any;
    }

    bool failed() const { return error_; }

private:
    std::FILE* f_;
    bool error_ = false;
    std::uint64_t offset_, end_;
    std::size_t max_;
    std::vector<char> buf_;
    std::size_t pos_ = 0, len_ = 0;
};

bool is_blank(const std::string& s) {
    return s.find_first_not_of(" \t\r") == std::string::npos;
}

// A run of consecutive lines of one patient in one file.
struct Extent {
    std::uint32_t patient = 0;
    std::uint32_t file = 0;
    std::uint32_t first_line = 0;
    std::uint32_t lines = 0;
    std::uint64_t offset = 0;
    std::uint64_t length = 0;
};

struct PatientEntry {
    std::string id;
    bool has_resource = false;
    std::uint32_t first = 0;  // extents [first, first + count)
    std::uint32_t count = 0;
};

// A diagnostic about a file or a line of it, not about a resource.
Diagnostic export_diagnostic(const char* c, Severity s, const std::string& file, int line, std::string message) {
    return fhir::make_diagnostic(c, s, Origin{file, line, -1}, "", "", std::move(message));
}

}  // namespace

struct FhirBulkReader::Impl {
    FhirOptions options;
    std::vector<std::string> files;
    std::vector<File> handles;
    std::vector<PatientEntry> patients;
    std::vector<std::uint32_t> order;  // patients with a Patient resource, in file order
    std::vector<Extent> extents;
    fhir::DiagnosticSink sink;
    std::vector<Diagnostic> export_diagnostics;
    FhirBulkStats stats;
    std::size_t next = 0;
    simdjson::dom::parser parser;
    std::string line;

    explicit Impl(const FhirOptions& o) : options(o), sink(o.max_diagnostics) {}

    // Parses `line`; false when it is not a JSON object.
    // Out of memory is std::bad_alloc, not an unreadable line. simdjson keeps the capacity
    // it failed to allocate, so the parser is replaced before it can be used again.
    bool parse(Element& out) {
        const auto err = parser.parse(line.data(), line.size(), true).get(out);
        if (err == simdjson::MEMALLOC) {
            parser = simdjson::dom::parser{};
            throw std::bad_alloc();
        }
        return err == simdjson::SUCCESS && out.is_object();
    }

    void index();
    void report_orphans();
};

void FhirBulkReader::Impl::index() {
    std::unordered_map<std::string, std::uint32_t> by_id;
    std::map<std::string, std::size_t> not_read;
    auto patient_no = [&](std::string_view id) {
        auto [it, added] = by_id.try_emplace(std::string(id), static_cast<std::uint32_t>(patients.size()));
        if (added) patients.push_back(PatientEntry{std::string(id), false, 0, 0});
        return it->second;
    };
    for (std::uint32_t f = 0; f < files.size(); ++f) {
        std::FILE* fp = handles[f].get();
        if (!fp) continue;
        ++stats.files;
        LineReader reader(fp, 0, 0, options.max_resource_bytes);
        std::uint64_t start = 0, size = 0;
        bool too_long = false;
        std::uint32_t line_no = 0;
        Extent run;
        bool open_run = false;
        auto flush = [&] {
            if (open_run) extents.push_back(run);
            open_run = false;
        };
        while (reader.next(line, start, size, too_long)) {
            ++line_no;
            if (too_long) {
                flush();
                sink.add(export_diagnostic(code::limit, Severity::error, files[f], static_cast<int>(line_no),
                                           "the resource is larger than the limit max_resource_bytes (" +
                                               std::to_string(options.max_resource_bytes) + " bytes): skipped"));
                ++stats.resources;
                continue;
            }
            if (is_blank(line)) continue;
            ++stats.resources;
            Element r;
            if (!parse(r)) {
                flush();
                sink.add(export_diagnostic(code::syntax, Severity::error, files[f], static_cast<int>(line_no),
                                           "not a JSON object (a FHIR resource): skipped"));
                continue;
            }
            std::string_view type, id;
            type = fhir::string_member(r, "resourceType");
            id = fhir::string_member(r, "id");
            const Origin origin{files[f], static_cast<int>(line_no), -1};
            std::string_view owner;
            if (type == "Patient") {
                if (!fhir::is_fhir_id(id)) {
                    flush();
                    sink.add(fhir::make_diagnostic(code::missing, Severity::error, origin,
                                                   fhir::resource_label(type, id, origin), "id",
                                                   "a Patient without a valid id: skipped"));
                    continue;
                }
                owner = id;
            } else if (fhir::is_mapped_type(type)) {
                owner = fhir::patient_reference(r);
                if (owner.empty()) {
                    flush();
                    sink.add(fhir::make_diagnostic(code::missing, Severity::warning, origin,
                                                   fhir::resource_label(type, id, origin), "subject",
                                                   "no reference to a patient: skipped"));
                    continue;
                }
            } else {
                flush();
                ++not_read[fhir::is_type_name(type) ? std::string(type) : std::string("(unnamed type)")];
                continue;
            }
            const std::uint32_t p = patient_no(owner);
            if (type == "Patient" && !patients[p].has_resource) {
                patients[p].has_resource = true;
                order.push_back(p);
            }
            if (open_run && run.patient == p && run.offset + run.length == start) {
                run.length += size;
                ++run.lines;
            } else {
                flush();
                run = Extent{p, f, line_no, 1, start, size};
                open_run = true;
            }
        }
        flush();
        if (reader.failed())
            sink.add(export_diagnostic(code::io, Severity::error, files[f], 0, "read error: the rest of the file is not read"));
    }
    for (const auto& [type, n] : not_read)
        sink.add(fhir::make_diagnostic(code::unsupported, Severity::note, Origin{}, type, "",
                                       std::to_string(n) + " resource(s) of this type are not read"));

    // Group the runs by patient (stable: file order, then offset, within a patient).
    std::stable_sort(extents.begin(), extents.end(),
                     [](const Extent& a, const Extent& b) { return a.patient < b.patient; });
    for (std::uint32_t i = 0; i < extents.size(); ++i) {
        PatientEntry& e = patients[extents[i].patient];
        if (e.count == 0) e.first = i;
        ++e.count;
    }
    stats.patients = order.size();
    stats.index_extents = extents.size();
    stats.index_bytes = extents.capacity() * sizeof(Extent) + patients.capacity() * sizeof(PatientEntry) +
                        order.capacity() * sizeof(std::uint32_t);
    for (const auto& p : patients) stats.index_bytes += p.id.capacity();
}

// Resources whose patient has no Patient resource in the export.
void FhirBulkReader::Impl::report_orphans() {
    for (const auto& p : patients) {
        if (p.has_resource) continue;
        for (std::uint32_t i = p.first; i < p.first + p.count; ++i) {
            const Extent& x = extents[i];
            LineReader reader(handles[x.file].get(), x.offset, x.length, options.max_resource_bytes);
            std::uint64_t start = 0, size = 0;
            bool too_long = false;
            for (std::uint32_t line_no = x.first_line; reader.next(line, start, size, too_long); ++line_no) {
                Element r;
                if (too_long || is_blank(line) || !parse(r)) continue;
                std::string_view type, id;
                type = fhir::string_member(r, "resourceType");
                id = fhir::string_member(r, "id");
                const Origin origin{files[x.file], static_cast<int>(line_no), -1};
                sink.add(fhir::make_diagnostic(code::no_patient, Severity::warning, origin,
                                               fhir::resource_label(type, id, origin), "subject",
                                               "refers to a Patient that is not in the export: skipped"));
            }
        }
    }
}

FhirBulkReader::FhirBulkReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
FhirBulkReader::FhirBulkReader(FhirBulkReader&&) noexcept = default;
FhirBulkReader& FhirBulkReader::operator=(FhirBulkReader&&) noexcept = default;
FhirBulkReader::~FhirBulkReader() = default;

Result<FhirBulkReader> FhirBulkReader::open(const std::string& directory, const FhirOptions& options) {
    // Exceptions do not escape the API: a file-system error while listing is a diagnostic.
    try {
        return open_impl(directory, options);
    } catch (const std::bad_alloc&) {
        throw;
    } catch (const std::exception&) {
        return export_diagnostic(code::io, Severity::error, directory, 0, "the directory cannot be listed");
    }
}

Result<FhirBulkReader> FhirBulkReader::open_impl(const std::string& directory, const FhirOptions& options) {
    auto impl = std::make_unique<Impl>(options);
    std::error_code ec;
    if (fs::is_regular_file(directory, ec)) {
        impl->files.push_back(directory);
    } else if (fs::is_directory(directory, ec)) {
        std::vector<util::DirEntry> entries;
        if (!util::list_directory(directory, entries))
            return export_diagnostic(code::io, Severity::error, directory, 0, "the directory cannot be listed");
        for (const auto& e : entries) {
            const auto ext = fs::path(e.name).extension().string();
            if (e.type == util::EntryType::regular && (ext == ".ndjson" || ext == ".jsonl")) impl->files.push_back(e.path);
        }
        // Patient files first, then the others, each group by name.
        std::sort(impl->files.begin(), impl->files.end(), [](const std::string& a, const std::string& b) {
            const bool pa = fs::path(a).filename().string().rfind("Patient", 0) == 0;
            const bool pb = fs::path(b).filename().string().rfind("Patient", 0) == 0;
            return pa != pb ? pa : a < b;
        });
        if (impl->files.empty())
            return export_diagnostic(code::io, Severity::error, directory, 0, "no .ndjson files in this directory");
    } else {
        return export_diagnostic(code::io, Severity::error, directory, 0, "no such file or directory");
    }
    for (const auto& f : impl->files) {
        impl->handles.emplace_back(std::fopen(f.c_str(), "rb"));
        if (!impl->handles.back())
            impl->sink.add(export_diagnostic(code::io, Severity::error, f, 0, "cannot open the file"));
    }
    impl->index();
    impl->report_orphans();
    impl->export_diagnostics = impl->sink.take();
    return FhirBulkReader(std::move(impl));
}

std::optional<Result<FhirPatient>> FhirBulkReader::next() {
    Impl& m = *impl_;
    if (m.next >= m.order.size()) return std::nullopt;
    // m.next moves on at the end: when memory runs out (std::bad_alloc) the patient is read
    // again by the next call, not skipped.
    const PatientEntry& p = m.patients[m.order[m.next]];
    fhir::PatientAssembler assembler(m.options);
    for (std::uint32_t i = p.first; i < p.first + p.count; ++i) {
        const Extent& x = m.extents[i];
        LineReader reader(m.handles[x.file].get(), x.offset, x.length, m.options.max_resource_bytes);
        std::uint64_t start = 0, size = 0;
        bool too_long = false;
        for (std::uint32_t line_no = x.first_line; reader.next(m.line, start, size, too_long); ++line_no) {
            const Origin origin{m.files[x.file], static_cast<int>(line_no), -1};
            Element r;
            if (too_long || !m.parse(r)) {
                // The file changed since open().
                assembler.report(fhir::make_diagnostic(code::io, Severity::error, origin, "", "",
                                                       "the line no longer holds the resource indexed at open"));
                continue;
            }
            assembler.add(r, origin);
        }
    }
    auto result = assembler.finish();
    ++m.next;
    return result;
}

std::size_t FhirBulkReader::patient_count() const { return impl_->order.size(); }
const std::vector<Diagnostic>& FhirBulkReader::export_diagnostics() const { return impl_->export_diagnostics; }
FhirBulkStats FhirBulkReader::stats() const { return impl_->stats; }

}  // namespace carecoord
