// Peak memory of the bulk reader against the number of patients: reads a bulk export
// (FhirBulkReader), maps every patient and evaluates it with the default rulesets, then
// prints one line: patients, resources, index entries and bytes, peak RSS (getrusage). Run it
// on exports of different sizes (bench/fhir/bulk_memory.sh makes them from the Synthea
// sample): the peak RSS should not depend on the number of patients (docs/fhir.md).
//
// Usage: fhir_bulk_memory EXPORT_DIR [RULESETS_DIR]
#include <sys/resource.h>

#include <cstdio>
#include <string>

#include "carecoord/carecoord.hpp"
#include "carecoord/fhir.hpp"
#include "time/calendar.hpp"

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s EXPORT_DIR [RULESETS_DIR]\n", argv[0]);
        return 2;
    }
    const std::string rules = argc > 2 ? argv[2] : std::string(CARECOORD_SOURCE_DIR) + "/rulesets";
    auto engine = carecoord::Engine::load_directory(rules);
    if (!engine.ok()) {
        for (const auto& d : engine.diagnostics()) std::fprintf(stderr, "%s\n", d.to_string().c_str());
        return 1;
    }
    auto reader = carecoord::FhirBulkReader::open(argv[1]);
    if (!reader.ok()) {
        for (const auto& d : reader.diagnostics()) std::fprintf(stderr, "%s\n", d.to_string().c_str());
        return 1;
    }
    const auto as_of = *carecoord::time::parse_date("2026-11-27");
    std::size_t mapped = 0, failed = 0, evaluated = 0;
    while (auto p = reader->next()) {
        if (!p->ok()) {
            ++failed;
            continue;
        }
        ++mapped;
        auto d = engine->evaluate((*p)->patient, as_of);
        if (d.ok()) ++evaluated;
    }
    struct rusage usage {};
    getrusage(RUSAGE_SELF, &usage);
    const auto s = reader->stats();
    std::printf("patients=%zu mapped=%zu failed=%zu evaluated=%zu resources=%zu index_extents=%zu index_bytes=%zu "
                "peak_rss_kb=%ld\n",
                s.patients, mapped, failed, evaluated, s.resources, s.index_extents, s.index_bytes, usage.ru_maxrss);
    return failed == 0 && evaluated == mapped ? 0 : 1;
}
