// Bytes -> one rule-language expression: parse, type-check and compile it as a fact of a
// small ruleset, then evaluate it against a fixed patient.
#include <cstddef>
#include <cstdint>
#include <string>

#include "carecoord/carecoord.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string expr(reinterpret_cast<const char*>(data), size);
    // A YAML single-quoted scalar on one line: quotes doubled, line breaks folded away.
    std::string quoted;
    for (char c : expr) {
        if (c == '\n' || c == '\r') c = ' ';
        if (c == '\'') quoted += '\'';
        quoted += c;
    }
    std::string yaml = std::string(carecoord::fuzz::kRulesetHeader) + "facts:\n  f: '" + quoted +
                       "'\ntiers:\n  order: [low, high]\n  default: low\n  rules:\n    - {id: r, tier: high, when: 'exists(f)', reason: '{f}'}\n";
    auto engine = carecoord::Engine::load_string(yaml, "expr.yaml");
    if (engine.ok()) {
        carecoord::EvaluateOptions o;
        o.include_facts = true;
        (void)engine->evaluate(carecoord::fuzz::sample_patient(), carecoord::fuzz::kAsOf, o);
    }
    return 0;
}
