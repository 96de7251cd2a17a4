// Bytes -> a bulk-data export directory of NDJSON files -> FhirBulkReader -> evaluate each
// patient. The input is split into files at each line "@@ <Name>.ndjson" (the seeds are
// Synthea export files joined this way); bytes before the first such line go to
// Patient.ndjson. Nothing in the files may crash or hang the reader.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <string_view>

#include "carecoord/carecoord.hpp"
#include "carecoord/fhir.hpp"
#include "fuzz_support.hpp"

namespace {

namespace fs = std::filesystem;

// One directory per process, emptied for each input and removed at exit.
struct ExportDir {
    fs::path path;
    ExportDir() : path(fs::temp_directory_path() / ("carecoord-fuzz-bulk-" + std::to_string(::getpid()))) {
        fs::create_directories(path);
    }
    ~ExportDir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
};

const fs::path& export_dir() {
    static const ExportDir dir;
    return dir.path;
}

bool write_file(const fs::path& path, std::string_view bytes) {
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (!f) return false;
    const bool ok = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
    return std::fclose(f) == 0 && ok;
}

// A file name from the marker line: letters, digits and '.' only, at most 40 characters.
std::string file_name(std::string_view marker) {
    std::string out;
    for (char c : marker)
        if (((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.') && out.size() < 40)
            out += c;
    if (out.empty() || out == "." || out == "..") out = "Other";
    if (out.size() < 7 || out.compare(out.size() - 7, 7, ".ndjson") != 0) out += ".ndjson";
    return out;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    (void)carecoord::fuzz::default_engine();
    (void)export_dir();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const fs::path& dir = export_dir();
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec)) fs::remove(e.path(), ec);

    std::string_view rest(reinterpret_cast<const char*>(data), size);
    std::string name = "Patient.ndjson";
    int files = 0;
    while (files < 16) {
        std::size_t marker = rest.rfind("@@ ", 0) == 0 ? 0 : rest.find("\n@@ ");
        std::string_view body = marker == std::string_view::npos ? rest : rest.substr(0, marker);
        // Files of the same name are appended to: the first write creates it.
        const fs::path path = dir / name;
        std::string previous;
        if (fs::exists(path, ec)) {
            if (std::FILE* f = std::fopen(path.c_str(), "rb")) {
                char buf[4096];
                std::size_t n;
                while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) previous.append(buf, n);
                std::fclose(f);
            }
        }
        if (!write_file(path, previous + std::string(body))) return 0;
        ++files;
        if (marker == std::string_view::npos) break;
        rest = rest.substr(marker + (rest[marker] == '\n' ? 1 : 0) + 3);
        const std::size_t eol = rest.find('\n');
        name = file_name(rest.substr(0, eol));
        rest = eol == std::string_view::npos ? std::string_view{} : rest.substr(eol + 1);
    }

    carecoord::FhirOptions options;
    options.max_diagnostics = 20;
    if (size > 0 && (data[size - 1] & 1)) options.time_zone = "America/Chicago";
    auto reader = carecoord::FhirBulkReader::open(dir.string(), options);
    if (!reader.ok()) {
        for (const auto& d : reader.diagnostics()) (void)d.to_string();
        return 0;
    }
    for (const auto& d : reader->export_diagnostics()) (void)d.to_string();
    const auto* engine = carecoord::fuzz::default_engine();
    while (auto p = reader->next()) {
        if (!p->ok()) continue;
        if (engine) {
            auto d = engine->evaluate((*p)->patient, carecoord::fuzz::kAsOf);
            if (d.ok()) (void)carecoord::to_json(*d);
        }
    }
    return 0;
}
