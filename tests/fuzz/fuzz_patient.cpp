// Bytes -> a patient document (JSON or YAML, by CARECOORD_FUZZ_FORMAT) -> evaluate with the
// default rulesets when it decodes.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "carecoord/carecoord.hpp"
#include "fuzz_support.hpp"

#ifndef CARECOORD_FUZZ_FORMAT
#define CARECOORD_FUZZ_FORMAT json
#endif

// One-time set-up (loading the default rulesets) happens here, not in the first input that
// decodes: libFuzzer's per-input timeout would otherwise count it against that input.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
    (void)carecoord::fuzz::default_engine();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    auto p = carecoord::parse_patient(text, carecoord::DocumentFormat::CARECOORD_FUZZ_FORMAT);
    if (p.ok()) {
        if (const auto* engine = carecoord::fuzz::default_engine()) {
            auto d = engine->evaluate(*p, carecoord::fuzz::kAsOf);
            if (d.ok()) (void)carecoord::to_json(*d);
        }
    } else {
        for (const auto& d : p.diagnostics()) (void)d.to_string();
    }
    return 0;
}
