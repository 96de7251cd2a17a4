// A FHIR bulk-data export (NDJSON per resource type) -> one Patient at a time.
//
// open(): one pass over every file. Each line is parsed once to learn its resource type, id
// and patient; what is kept is a run of consecutive lines of one patient in one file (file,
// byte offset, length, first line number). The runs are then sorted by patient. next():
// reads back one patient's runs, parses each line again and maps it. See docs/fhir.md.
#include <algorithm>
#include <sys/types.h>
#include <unistd.h>

#include <cstdint>
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
#include "util/file.hpp"
#include "util/text.hpp"

namespace carecoord {

using fhir::Element;
using fhir::Origin;
namespace fs = std::filesystem;

namespace {

using util::File;

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
};

// Index entries held in memory before a sorted run of them is written to the spill file:
// 32,768 entries, 1 MiB. Past that the index lives on disk, so memory does not grow with the
// number of resources (docs/fhir.md).
constexpr std::size_t kRunEntries = std::size_t{1} << 15;
// Entries read back at a time from each run of the spill file.
constexpr std::size_t kCursorEntries = 256;

// The index as sorted runs: either one run in memory (a small export), or runs in a spill
// file, each sorted by patient (stable: file order within a patient).
struct RunSet {
    std::vector<Extent> memory;                               // the last, or only, run
    File spill;                                               // runs written so far
    std::vector<std::pair<std::uint64_t, std::uint64_t>> runs;  // (first entry, entries) in spill
    std::uint64_t spilled = 0;
    bool write_failed = false;

    // Sorts the entries held and writes them as one run (when the spill file is in use).
    void seal(bool last) {
        std::stable_sort(memory.begin(), memory.end(), [](const Extent& a, const Extent& b) { return a.patient < b.patient; });
        if (last && !spill) return;  // everything fits in memory: no file
        if (!spill) spill.reset(std::tmpfile());
        if (!spill || write_failed) {
            write_failed = true;
            return;
        }
        if (!memory.empty()) {
            const ssize_t want = static_cast<ssize_t>(memory.size() * sizeof(Extent));
            const ssize_t put = ::pwrite(::fileno(spill.get()), memory.data(), static_cast<std::size_t>(want),
                                         static_cast<off_t>(spilled * sizeof(Extent)));
            if (put != want) write_failed = true;
            runs.emplace_back(spilled, memory.size());
            spilled += memory.size();
        }
        memory.clear();
        if (last) memory.shrink_to_fit();
    }

    void add(const Extent& x) {
        memory.push_back(x);
        if (memory.size() == kRunEntries) seal(false);
    }
};

// Reads the runs back in patient order: take(p) for ascending p.
class RunMerge {
public:
    explicit RunMerge(const RunSet& set) : set_(set) {
        if (set.spill)
            for (const auto& [first, n] : set.runs) cursors_.push_back(Cursor{first, n, {}, 0});
    }

    // The extents of patient p, in file order, appended to `out`; extents of patients before
    // p are passed over. False on a read error of the spill file.
    bool take(std::uint32_t p, std::vector<Extent>& out) {
        if (!set_.spill) {
            while (mem_ < set_.memory.size() && set_.memory[mem_].patient < p) ++mem_;
            // The cursor moves past an extent only once it is in `out`: a take() cut short by a
            // refused allocation goes on, when made again, where it stopped.
            while (mem_ < set_.memory.size() && set_.memory[mem_].patient == p) {
                out.push_back(set_.memory[mem_]);
                ++mem_;
            }
            return true;
        }
        for (auto& c : cursors_) {
            for (;;) {
                if (c.pos == c.buf.size() && !fill(c)) return false;
                if (c.pos == c.buf.size()) break;  // run exhausted
                const Extent& x = c.buf[c.pos];
                if (x.patient > p) break;
                if (x.patient == p) out.push_back(x);
                ++c.pos;
            }
        }
        return true;
    }

private:
    struct Cursor {
        std::uint64_t next, left;
        std::vector<Extent> buf;
        std::size_t pos;
    };
    bool fill(Cursor& c) {
        c.buf.clear();
        c.pos = 0;
        if (c.left == 0) return true;
        const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(c.left, kCursorEntries));
        c.buf.resize(n);
        const ssize_t want = static_cast<ssize_t>(n * sizeof(Extent));
        if (::pread(::fileno(set_.spill.get()), c.buf.data(), static_cast<std::size_t>(want),
                    static_cast<off_t>(c.next * sizeof(Extent))) != want) {
            c.buf.clear();
            return false;
        }
        c.next += n;
        c.left -= n;
        return true;
    }

    const RunSet& set_;
    std::vector<Cursor> cursors_;
    std::size_t mem_ = 0;
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
    std::vector<PatientEntry> patients;  // by patient number (order of first appearance)
    std::size_t with_resource = 0;       // patients that have a Patient resource
    RunSet index_runs;
    std::unique_ptr<RunMerge> merge;     // next()'s pass over the index
    std::uint32_t next_patient = 0;
    std::vector<Extent> patient_extents;  // the current patient's, reused
    // Whose extents patient_extents holds, and whether all of them: next() cut short by a
    // refused allocation is made again for the same patient, and the merge has moved on.
    std::uint32_t extents_of = UINT32_MAX;
    bool extents_complete = false;
    bool extents_read = false;
    // Medication resources (they belong to no patient): id -> the line, read when a request
    // names it. One entry per Medication, not per patient.
    std::unordered_map<std::string, Extent> medications;
    fhir::DiagnosticSink sink;
    std::vector<Diagnostic> export_diagnostics;
    FhirBulkStats stats;
    simdjson::dom::parser parser;
    std::string line;

    explicit Impl(const FhirOptions& o) : options(o), sink(o.max_diagnostics) {}

    // Parses `line`; false when it is not a JSON object.
    // Out of memory is std::bad_alloc, not an unreadable line. simdjson keeps the capacity
    // it failed to allocate, so the parser is replaced before it can be used again.
    bool parse(Element& out) {
        const std::string_view text = util::strip_bom(line);  // a file's first line may carry one
        const auto err = parser.parse(text.data(), text.size(), true).get(out);
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
        if (added) patients.push_back(PatientEntry{std::string(id), false});
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
            if (open_run) index_runs.add(run);
            open_run = false;
        };
        while (reader.next(line, start, size, too_long)) {
            ++line_no;
            if (too_long) {
                flush();
                sink.add(export_diagnostic(codes::fhir_limit, Severity::error, files[f], static_cast<int>(line_no),
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
                sink.add(export_diagnostic(codes::fhir_not_json, Severity::error, files[f], static_cast<int>(line_no),
                                           "not a JSON object (a FHIR resource): skipped"));
                continue;
            }
            std::string_view type, id;
            type = fhir::string_member(r, "resourceType");
            id = fhir::string_member(r, "id");
            const Origin origin{files[f], static_cast<int>(line_no), -1};
            std::string_view owner;
            if (type == "Patient") {
                if (auto problem = fhir::patient_id_problem(id, origin, fhir::resource_label(type, id, origin))) {
                    flush();
                    sink.add(std::move(*problem));
                    continue;
                }
                owner = id;
            } else if (type == "Medication") {
                flush();
                if (fhir::is_fhir_id(id)) medications.try_emplace(std::string(id), Extent{0, f, line_no, 1, start, size});
                continue;
            } else if (fhir::is_mapped_type(type)) {
                owner = fhir::patient_reference(r);
                if (owner.empty()) {
                    flush();
                    sink.add(fhir::make_diagnostic(codes::fhir_required_element, Severity::warning, origin,
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
                ++with_resource;
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
            sink.add(export_diagnostic(codes::fhir_unreadable, Severity::error, files[f], 0, "read error: the rest of the file is not read"));
    }
    for (const auto& [type, n] : not_read)
        sink.add(fhir::make_diagnostic(codes::fhir_not_read, Severity::note, Origin{}, type, "",
                                       std::to_string(n) + " resource(s) of this type are not read"));

    // Group the runs by patient (stable: file order, then offset, within a patient), in
    // memory or as sorted runs on disk.
    const std::size_t total = index_runs.spilled + index_runs.memory.size();
    index_runs.seal(true);
    if (index_runs.write_failed)
        sink.add(export_diagnostic(codes::fhir_unreadable, Severity::error, "", 0,
                                   "the index cannot be written to a temporary file (TMPDIR): the export is not read"));
    stats.patients = with_resource;
    stats.index_extents = total;
    stats.index_bytes = index_runs.memory.capacity() * sizeof(Extent) + patients.capacity() * sizeof(PatientEntry) +
                        index_runs.runs.capacity() * sizeof(index_runs.runs[0]) +
                        index_runs.runs.size() * kCursorEntries * sizeof(Extent);
    for (const auto& p : patients) stats.index_bytes += p.id.capacity();
    for (const auto& [id, x] : medications) stats.index_bytes += sizeof(x) + id.capacity();
}

// Resources whose patient has no Patient resource in the export.
void FhirBulkReader::Impl::report_orphans() {
    RunMerge pass(index_runs);
    std::vector<Extent> xs;
    for (std::uint32_t n = 0; n < patients.size(); ++n) {
        if (patients[n].has_resource) continue;
        xs.clear();
        if (!pass.take(n, xs)) {
            sink.add(export_diagnostic(codes::fhir_unreadable, Severity::error, "", 0, "the index cannot be read back from its temporary file"));
            return;
        }
        for (const Extent& x : xs) {
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
                sink.add(fhir::make_diagnostic(codes::fhir_no_patient, Severity::warning, origin,
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
        return export_diagnostic(codes::fhir_unreadable, Severity::error, directory, 0, "the directory cannot be listed");
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
            return export_diagnostic(codes::fhir_unreadable, Severity::error, directory, 0, "the directory cannot be listed");
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
            return export_diagnostic(codes::fhir_unreadable, Severity::error, directory, 0, "no .ndjson files in this directory");
    } else {
        return export_diagnostic(codes::fhir_unreadable, Severity::error, directory, 0, "no such file or directory");
    }
    for (const auto& f : impl->files) {
        impl->handles.emplace_back(std::fopen(f.c_str(), "rb"));
        if (!impl->handles.back())
            impl->sink.add(export_diagnostic(codes::fhir_unreadable, Severity::error, f, 0, "cannot open the file"));
    }
    if (auto zone = fhir::care_setting_zone(options); !zone.ok()) return zone.diagnostics();
    impl->index();
    if (impl->index_runs.write_failed) return impl->sink.take();
    impl->report_orphans();
    impl->merge = std::make_unique<RunMerge>(impl->index_runs);
    impl->export_diagnostics = impl->sink.take();
    return FhirBulkReader(std::move(impl));
}

std::optional<Result<FhirPatient>> FhirBulkReader::next() {
    Impl& m = *impl_;
    while (m.next_patient < m.patients.size() && !m.patients[m.next_patient].has_resource) ++m.next_patient;
    if (m.next_patient >= m.patients.size()) return std::nullopt;
    // next_patient moves on only when the patient is returned: a refused allocation below
    // leaves it where a call made again reads it (the C ABI's retry promise).
    const std::uint32_t number = m.next_patient;
    const PatientEntry& p = m.patients[number];
    fhir::PatientAssembler assembler(m.options);
    // The file may have changed since open() (truncated, rewritten in place): every line that
    // no longer holds a resource of this patient is an error, so the patient is not evaluated
    // from a part of its record.
    auto changed = [&](const Origin& origin, std::string message) {
        assembler.report(fhir::make_diagnostic(codes::fhir_unreadable, Severity::error, origin, "", "", std::move(message)));
    };
    if (m.extents_of != number) {
        m.patient_extents.clear();
        m.extents_of = number;
        m.extents_complete = false;
    }
    if (!m.extents_complete) {
        m.extents_read = m.merge->take(number, m.patient_extents);
        m.extents_complete = true;
    }
    if (!m.extents_read)
        changed(Origin{}, "the index cannot be read back from its temporary file: this patient's resources are not read");
    for (const Extent& x : m.patient_extents) {
        LineReader reader(m.handles[x.file].get(), x.offset, x.length, m.options.max_resource_bytes);
        std::uint64_t start = 0, size = 0, bytes = 0;
        bool too_long = false;
        std::uint32_t line_no = x.first_line;
        for (; reader.next(m.line, start, size, too_long); ++line_no) {
            bytes += size;
            const Origin origin{m.files[x.file], static_cast<int>(line_no), -1};
            Element r;
            if (too_long || !m.parse(r)) {
                changed(origin, "the line no longer holds the resource indexed at open (the file changed)");
                continue;
            }
            const std::string_view type = fhir::string_member(r, "resourceType");
            const std::string_view owner = type == "Patient" ? fhir::string_member(r, "id") : fhir::patient_reference(r);
            if (owner != p.id) {
                changed(origin, "the line no longer holds a resource of this patient (the file changed since open)");
                continue;
            }
            assembler.add(r, origin);
        }
        if (reader.failed() || bytes < x.length) {
            const std::uint32_t missing = x.first_line + x.lines - line_no;
            changed(Origin{m.files[x.file], static_cast<int>(line_no), -1},
                    reader.failed() ? "read error: the rest of this patient's resources in the file cannot be read"
                                    : "the file is shorter than at open: " + std::to_string(missing) +
                                          " line(s) of this patient can no longer be read");
        }
    }
    // Separate Medication resources named by this patient's requests.
    for (const auto& id : assembler.wanted_medications()) {
        auto it = m.medications.find(id);
        if (it == m.medications.end()) continue;  // finish() reports the dangling reference
        const Extent& x = it->second;
        LineReader reader(m.handles[x.file].get(), x.offset, x.length, m.options.max_resource_bytes);
        std::uint64_t start = 0, size = 0;
        bool too_long = false;
        const Origin origin{m.files[x.file], static_cast<int>(x.first_line), -1};
        Element r;
        if (!reader.next(m.line, start, size, too_long) || too_long || !m.parse(r) ||
            fhir::string_member(r, "id") != id) {
            changed(origin, "the line no longer holds the Medication indexed at open (the file changed)");
            continue;
        }
        assembler.add(r, origin);
    }
    std::optional<Result<FhirPatient>> result(assembler.finish());
    ++m.next_patient;
    return result;
}

std::size_t FhirBulkReader::patient_count() const { return impl_->with_resource; }
const std::vector<Diagnostic>& FhirBulkReader::export_diagnostics() const { return impl_->export_diagnostics; }
FhirBulkStats FhirBulkReader::stats() const { return impl_->stats; }

}  // namespace carecoord
