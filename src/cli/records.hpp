// Patient records for the commands that read populations (eval, diff, check --population):
// finding the input files, reading them in bounded chunks, decoding them, and running work
// over them on several threads with the results kept in input order.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <cstdio>
#include <fstream>
#include <istream>
#include <memory>
#include <optional>
#include <string>
#include <future>
#include <thread>
#include <vector>

#include "carecoord/determination.hpp"
#include "carecoord/diagnostic.hpp"
#include "carecoord/engine.hpp"
#include "carecoord/patient.hpp"

namespace carecoord::cli {

struct Record {
    std::string source;  // "file" or "file:line"
    std::string text;
    DocumentFormat format = DocumentFormat::json;
    std::optional<Result<Patient>> decoded = std::nullopt;  // FHIR input: already mapped
};

// Files (.yaml, .yml, .json: one patient; .ndjson, .jsonl: one JSON patient per line),
// directories (every such file in them, sorted) and "-" (NDJSON on standard input).
std::vector<std::string> expand_inputs(const std::vector<std::string>& inputs, std::vector<Diagnostic>& errors);

// Reads records one input at a time, in bounded chunks, so that memory does not grow with
// the size of an NDJSON batch.
class RecordReader {
public:
    explicit RecordReader(std::vector<std::string> files) : files_(std::move(files)) {}
    ~RecordReader() { close_file(); }
    RecordReader(const RecordReader&) = delete;
    RecordReader& operator=(const RecordReader&) = delete;
    // Fills up to `max` records; false when nothing is left.
    bool next_chunk(std::vector<Record>& out, std::size_t max, std::vector<Diagnostic>& errors);
    // How much of the input has been read, 0..1 (by bytes of the files; standard input has
    // no size: -1), for the time-left estimate of the progress line.
    double fraction_read() const;

private:
    std::vector<std::string> files_;
    std::uintmax_t total_bytes_ = 0;      // of the regular files, summed on the first read
    std::uintmax_t done_bytes_ = 0;       // of the files finished
    std::uintmax_t current_bytes_ = 0;    // read of the current NDJSON file
    bool sized_ = false;
    bool unsized_ = false;                // standard input is among the inputs
    std::size_t next_ = 0;
    // Reads the next line of file_ into `line` (without its newline), never holding more
    // than the document limit: a longer line is skipped to its newline and `too_long` set.
    // False at the end of the input, and on a read error (`read_error` set).
    bool read_line(std::string& line, bool& too_long, bool& read_error);
    void close_file();

    std::string current_;
    std::size_t line_ = 0;
    std::FILE* file_ = nullptr;  // the NDJSON input being read (stdin or an opened file)
    bool owned_ = false;         // file_ was opened here
};

// Decodes a record; on failure appends one line per problem to `errors`, naming the record
// and the field, never a value from the document.
std::optional<Patient> decode_record(const Record& r, std::string& errors);

// Appends the diagnostics of an evaluation of the record to `errors`, one line each.
void append_errors(const Record& r, const std::vector<Diagnostic>& ds, std::string& errors);

// Decodes and evaluates a record; on failure appends to `errors` and gives nothing.
std::optional<Determination> evaluate_record(const Engine& engine, const Record& r, Date as_of, std::string& errors);

void print_diagnostics(const std::vector<Diagnostic>& ds);

struct BatchStats {
    std::size_t total = 0;
    std::size_t bad = 0;       // records whose work reported an error
    bool input_failed = false; // an input could not be found or opened
};

// The progress line of a long run on standard error: records done, the rate, and the time
// left when the reader knows how much is left. Redrawn at most a few times a second.
class Progress {
public:
    explicit Progress(bool enabled) : enabled_(enabled), start_(std::chrono::steady_clock::now()), last_(start_) {}
    void update(std::size_t done, double fraction, bool final = false);

private:
    bool enabled_;
    std::chrono::steady_clock::time_point start_, last_;
};

// Whether to show progress: --progress / --no-progress, else when standard error is a terminal.
bool progress_wanted(std::optional<bool> forced);

template <class Reader>
double reader_fraction(const Reader& reader) {
    if constexpr (requires { reader.fraction_read(); }) return reader.fraction_read();
    else return -1;
}

// One chunk of a batch on its way through run_batch(): read, evaluated, written.
template <class R>
struct BatchChunk {
    std::vector<Record> records;
    std::vector<Diagnostic> read_errors;  // what the reader reported while reading it
    double fraction = -1;                 // of the input read once it was read (-1: unknown)
    bool more = false;                    // false: the input ended (records is then empty)
    std::vector<R> results;
    std::vector<std::string> messages;
};

// Runs `work(record, result, errors)` over every record of `reader` on `jobs` threads, a
// chunk at a time, then `emit(record, result)` for each record in input order; a record
// whose work wrote errors is reported on standard error instead of emitted, and also handed
// to `on_bad(record, errors)` when given (the CSV writes it as a row with an error column).
// With `progress`, the progress line goes to standard error.
// `reader` is a RecordReader or anything else with its next_chunk().
//
// With one job everything runs on the calling thread, one chunk after another. With more,
// the three steps overlap: the next chunk is read and the previous one written (emit,
// on_bad, standard error, progress: in input order, on one thread at a time) while the
// `jobs` threads evaluate the current one.
// Records read, evaluated and written per step of run_batch.
inline constexpr std::size_t kBatchChunkSize = 4096;

template <class R, class Reader, class Work, class Emit>
BatchStats run_batch(Reader& reader, unsigned jobs, Work work, Emit emit, bool progress = false,
                     const std::function<void(const Record&, const std::string&)>& on_bad = {}) {
    using Chunk = BatchChunk<R>;
    Progress line(progress);
    BatchStats stats;
    jobs = std::max(1u, jobs ? jobs : std::thread::hardware_concurrency());
    auto read = [&reader](Chunk& c) {
        c.read_errors.clear();
        c.more = reader.next_chunk(c.records, kBatchChunkSize, c.read_errors);
        c.fraction = reader_fraction(reader);
        if (!c.more) c.records.clear();
    };
    auto evaluate = [&work, jobs](Chunk& c) {
        c.results.assign(c.records.size(), R{});
        c.messages.assign(c.records.size(), {});
        std::atomic<std::size_t> next{0};
        auto run = [&] {
            for (std::size_t i; (i = next.fetch_add(1)) < c.records.size();) work(c.records[i], c.results[i], c.messages[i]);
        };
        std::vector<std::thread> threads;
        const unsigned n = std::min<unsigned>(jobs, static_cast<unsigned>(c.records.size()));
        for (unsigned t = 1; t < n; ++t) threads.emplace_back(run);
        run();
        for (auto& t : threads) t.join();
    };
    // The read errors first, as a reader reading on this thread would have printed them.
    auto write = [&](const Chunk& c) {
        print_diagnostics(c.read_errors);
        stats.input_failed |= !c.read_errors.empty();
        for (std::size_t i = 0; i < c.records.size(); ++i) {
            ++stats.total;
            if (!c.messages[i].empty()) {
                ++stats.bad;
                std::fputs(c.messages[i].c_str(), stderr);
                if (on_bad) on_bad(c.records[i], c.messages[i]);
                continue;
            }
            emit(c.records[i], c.results[i]);
        }
        if (c.more) line.update(stats.total, c.fraction);
    };
    if (jobs == 1) {
        Chunk c;
        for (read(c); c.more; read(c)) {
            evaluate(c);
            write(c);
        }
        write(c);  // the reader's last errors
    } else {
        // Chunk k is read into slot k % 3 while chunk k - 1 is evaluated and k - 2 written.
        Chunk slots[3];
        std::future<void> reading, writing;
        std::size_t k = 0;
        read(slots[0]);
        while (slots[k % 3].more) {
            Chunk& current = slots[k % 3];
            Chunk& next = slots[(k + 1) % 3];  // chunk k - 2's, written before chunk k - 1 was handed on
            reading = std::async(std::launch::async, [&read, &next] { read(next); });
            evaluate(current);
            if (writing.valid()) writing.get();
            writing = std::async(std::launch::async, [&write, &current] { write(current); });
            reading.get();
            ++k;
        }
        if (writing.valid()) writing.get();
        write(slots[k % 3]);
    }
    line.update(stats.total, 1.0, true);
    return stats;
}

}  // namespace carecoord::cli
