// Bytes -> a random sequence of C ABI calls: load engines (from strings the input holds, or
// a small fixed ruleset), build and parse patients (JSON, YAML, FHIR Bundle, the builder),
// evaluate, read every accessor with any index, evaluate batches, and free in any order.
// Nothing the input does through the API may crash, hang or leak.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "carecoord.h"

namespace {

const char kRuleset[] = R"(schema_version: 1
ruleset: fuzz
version: 1.0.0
effective: {from: 2020-01-01}
valuesets:
  chronic: {categories: {diabetes: {icd10cm: [E11]}, hf: {icd10cm: [I50]}}}
facts:
  n: count_distinct(conditions where code in chronic, category(code, chronic))
tiers:
  order: [low, high]
  default: low
  rules: [{id: r, tier: high, when: 'n >= 2 or social.food_insecurity', reason: '{n}'}]
programs: [{id: p, when: 'n >= 1', reason: '{codes(conditions)}'}]
triggers:
  - {id: t, anchor: 'latest(encounters where exists(discharge), discharge)', due: '72 hours after anchor'}
)";

class Input {
public:
    Input(const std::uint8_t* d, std::size_t n) : d_(d), n_(n) {}
    bool empty() const { return i_ >= n_; }
    std::uint8_t byte() { return i_ < n_ ? d_[i_++] : 0; }
    // A string of up to 255 bytes from the input (NUL-terminated by the caller's copy).
    std::string text() {
        std::size_t len = byte();
        len = std::min(len, n_ - std::min(i_, n_));
        std::string s(reinterpret_cast<const char*>(d_ + i_), len);
        i_ += len;
        return s;
    }

private:
    const std::uint8_t* d_;
    std::size_t n_;
    std::size_t i_ = 0;
};

constexpr int kSlots = 3;

struct State {
    carecoord_engine* engines[kSlots] = {};
    carecoord_patient* patients[kSlots] = {};
    carecoord_result* results[kSlots] = {};
    carecoord_batch* batches[kSlots] = {};

    ~State() {
        for (int i = 0; i < kSlots; ++i) {
            carecoord_result_free(results[i]);
            carecoord_batch_free(batches[i]);
            carecoord_patient_free(patients[i]);
            carecoord_engine_free(engines[i]);
        }
    }
};

void read_result(const carecoord_result* r, std::size_t i) {
    (void)carecoord_result_json(r);
    (void)carecoord_result_tier(r);
    (void)carecoord_result_tier_by_default(r);
    (void)carecoord_result_tier_rule_id(r, i);
    (void)carecoord_result_tier_rule_reason(r, i);
    (void)carecoord_result_flag_id(r, i);
    for (std::size_t k = 0; k < carecoord_result_program_count(r); ++k) {
        (void)carecoord_result_program_id(r, k);
        (void)carecoord_result_program_status_name(r, k);
        (void)carecoord_result_program_reason(r, k);
        (void)carecoord_result_program_missing(r, k, i);
    }
    (void)carecoord_result_program_id(r, i);
    (void)carecoord_result_trigger_id(r, i);
    (void)carecoord_result_trigger_due(r, i);
    (void)carecoord_result_trigger_due_time(r, i);
    (void)carecoord_result_missing(r, i);
}

void drop(carecoord_error* err) {
    if (err) {
        (void)carecoord_error_string(err);
        (void)carecoord_error_field_path(err);
        carecoord_error_free(err);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    Input in(data, size);
    State s;
    for (int step = 0; step < 64 && !in.empty(); ++step) {
        const int op = in.byte() % 10;
        const int a = in.byte() % kSlots;
        const int b = in.byte() % kSlots;
        carecoord_error* err = nullptr;
        switch (op) {
            case 0:  // an engine from the fixed ruleset, or from the input's text
                carecoord_engine_free(s.engines[a]);
                s.engines[a] = nullptr;
                if (in.byte() & 1) {
                    carecoord_engine_load_string(&s.engines[a], kRuleset, sizeof kRuleset - 1, "fuzz.yaml", &err);
                } else {
                    std::string t = in.text();
                    carecoord_engine_load_string(&s.engines[a], t.data(), t.size(), "input.yaml", &err);
                }
                break;
            case 1: {  // a patient document: JSON, YAML or a FHIR Bundle (or a bad format value)
                std::string t = in.text();
                carecoord_patient_free(s.patients[a]);
                s.patients[a] = nullptr;
                carecoord_patient_parse(&s.patients[a], t.data(), t.size(), static_cast<int>(in.byte() % 4), &err);
                break;
            }
            case 2: {  // the builder, with values from the input
                std::string id = in.text(), birth = in.byte() & 1 ? std::string("1950-03-14") : in.text();
                carecoord_patient_free(s.patients[a]);
                s.patients[a] = nullptr;
                carecoord_patient_new(&s.patients[a], id.c_str(), birth.c_str(), &err);
                break;
            }
            case 3: {
                std::string code = in.text(), onset = in.text();
                carecoord_patient_add_condition(s.patients[a], code.c_str(), in.byte() & 1 ? "icd10cm" : nullptr,
                                                in.byte() & 1 ? "active" : nullptr, onset.c_str(), nullptr, &err);
                break;
            }
            case 4: {
                std::string cls = in.byte() & 1 ? std::string("inpatient") : in.text();
                std::string admit = in.text(), discharge = in.text();
                carecoord_patient_add_encounter(s.patients[a], cls.c_str(), admit.c_str(),
                                                discharge.empty() ? nullptr : discharge.c_str(), &err);
                break;
            }
            case 5: {
                std::string path = in.text(), value = in.text();
                carecoord_patient_set_field(s.patients[a], path.c_str(), value.c_str(), &err);
                break;
            }
            case 6: {  // evaluate into a result slot, the as-of date from the input
                std::string as_of = in.byte() & 1 ? std::string("2026-11-27") : in.text();
                carecoord_result_free(s.results[b]);
                s.results[b] = nullptr;
                carecoord_evaluate(&s.results[b], s.engines[a], s.patients[in.byte() % kSlots], as_of.c_str(), &err);
                break;
            }
            case 7:  // accessors with any index, on results that may be NULL
                read_result(s.results[a], in.byte());
                break;
            case 8: {  // a batch of NDJSON lines from the input
                std::string lines = in.text();
                carecoord_batch_free(s.batches[b]);
                s.batches[b] = nullptr;
                carecoord_evaluate_batch(&s.batches[b], s.engines[a], lines.data(), lines.size(), "2026-11-27", &err);
                std::size_t len = 0;
                (void)carecoord_batch_output(s.batches[b], &len);
                break;
            }
            default:  // frees, in any order: results and batches outlive their engine and patient
                switch (in.byte() % 4) {
                    case 0: carecoord_engine_free(s.engines[a]); s.engines[a] = nullptr; break;
                    case 1: carecoord_patient_free(s.patients[a]); s.patients[a] = nullptr; break;
                    case 2: carecoord_result_free(s.results[a]); s.results[a] = nullptr; break;
                    default: carecoord_batch_free(s.batches[a]); s.batches[a] = nullptr; break;
                }
                break;
        }
        drop(err);
    }
    return 0;
}
