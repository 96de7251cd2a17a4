// Bytes -> load, check and compile as a ruleset -> evaluate a fixed patient.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "carecoord/carecoord.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    carecoord::EngineOptions options;
    options.limits.max_file_bytes = 1u << 16;
    auto engine = carecoord::Engine::load_string(text, "fuzz.yaml", options);
    if (engine.ok()) {
        auto d = engine->evaluate(carecoord::fuzz::sample_patient(), carecoord::fuzz::kAsOf);
        if (d.ok()) (void)carecoord::to_json(*d);
    } else {
        for (const auto& d : engine.diagnostics()) (void)d.to_string();
    }
    return 0;
}
