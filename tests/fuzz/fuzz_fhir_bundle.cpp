// Bytes -> a FHIR Bundle (read_fhir_bundle) -> evaluate with the default rulesets when it maps.
// Nothing a Bundle holds may crash or hang the reader: an entry without a resource, null
// entries, wrong JSON types anywhere, non-R4 shapes.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "carecoord/carecoord.hpp"
#include "carecoord/fhir.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    (void)carecoord::fuzz::default_engine();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    carecoord::FhirOptions options;
    // Every other input also in the care setting's zone: the time-zone conversion is fuzzed too.
    if (size > 0 && (data[0] & 1)) options.time_zone = "America/New_York";
    auto r = carecoord::read_fhir_bundle(text, options);
    if (r.ok()) {
        for (const auto& d : r->diagnostics) (void)d.to_string();
        if (const auto* engine = carecoord::fuzz::default_engine()) {
            auto d = engine->evaluate(r->patient, carecoord::fuzz::kAsOf);
            if (d.ok()) (void)carecoord::to_json(*d);
        }
    } else {
        for (const auto& d : r.diagnostics()) (void)d.to_string();
    }
    return 0;
}
