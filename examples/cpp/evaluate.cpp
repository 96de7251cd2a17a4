// The C interface from C++: the ABI-stable way to embed carecoord (libcarecoord.so), with
// each handle owned by a std::unique_ptr. Same output as examples/c.
// Usage: evaluate RULESETS PATIENT.{json,yaml} YYYY-MM-DD
#include <carecoord.h>

#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

struct Free {
    void operator()(carecoord_engine* p) const { carecoord_engine_free(p); }
    void operator()(carecoord_patient* p) const { carecoord_patient_free(p); }
    void operator()(carecoord_result* p) const { carecoord_result_free(p); }
    void operator()(carecoord_error* p) const { carecoord_error_free(p); }
    void operator()(carecoord_event* p) const { carecoord_event_free(p); }
    void operator()(carecoord_care_plan* p) const { carecoord_care_plan_free(p); }
};
template <class T>
using Owned = std::unique_ptr<T, Free>;

// Turns a failed call into an exception carrying every diagnostic.
void check(carecoord_status status, carecoord_error* raw) {
    Owned<carecoord_error> err(raw);
    if (status == CARECOORD_OK) return;
    std::string text = carecoord_status_name(status);
    for (const carecoord_error* e = err.get(); e; e = carecoord_error_next(e))
        text += std::string("\n  ") + carecoord_error_string(e);
    throw std::runtime_error(text);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 4) {
        std::cerr << "usage: " << argv[0] << " RULESETS PATIENT AS_OF\n";
        return 2;
    }
    try {
        carecoord_error* err = nullptr;
        carecoord_engine* e = nullptr;
        check(carecoord_engine_load_path(&e, argv[1], &err), err);
        Owned<carecoord_engine> engine(e);

        std::ifstream in(argv[2], std::ios::binary);
        if (!in) throw std::runtime_error(std::string("cannot read ") + argv[2]);
        std::stringstream buf;
        buf << in.rdbuf();
        const std::string text = buf.str();
        const std::string path = argv[2];
        const bool json = path.size() > 5 && path.compare(path.size() - 5, 5, ".json") == 0;
        carecoord_patient* p = nullptr;
        check(carecoord_patient_parse(&p, text.data(), text.size(), json ? CARECOORD_FORMAT_JSON : CARECOORD_FORMAT_YAML,
                                      &err),
              err);
        Owned<carecoord_patient> patient(p);

        carecoord_result* r = nullptr;
        check(carecoord_evaluate(&r, engine.get(), patient.get(), argv[3], &err), err);
        Owned<carecoord_result> result(r);

        std::cout << "patient " << carecoord_result_patient_id(r) << " as of " << carecoord_result_as_of(r) << "\n";
        std::cout << "tier: " << carecoord_result_tier(r) << "\n";
        for (size_t i = 0; i < carecoord_result_program_count(r); ++i)
            std::cout << "program " << carecoord_result_program_id(r, i) << ": "
                      << carecoord_result_program_status_name(r, i) << "\n";
        for (size_t i = 0; i < carecoord_result_trigger_count(r); ++i) {
            const char* due_time = carecoord_result_trigger_due_time(r, i);
            std::cout << "trigger " << carecoord_result_trigger_id(r, i) << ": "
                      << carecoord_result_trigger_status_name(r, i) << ", due "
                      << (due_time ? due_time : carecoord_result_trigger_due(r, i)) << "\n";
        }

        // The care plan: the care team's event log, replayed from the initial state.
        struct LogEntry { const char* type; const char* time; const char* encounter; };
        const LogEntry log[] = {
            {"enrolled", "2026-11-02T09:00", nullptr},          {"assessment_completed", "2026-11-04T10:00", nullptr},
            {"plan_agreed", "2026-11-06T10:00", nullptr},       {"services_started", "2026-11-09T09:00", nullptr},
            {"discharged", "2026-11-24T13:15", "adm-7730912"},
        };
        std::vector<Owned<carecoord_event>> events;
        std::vector<const carecoord_event*> raw;
        for (const auto& entry : log) {
            carecoord_event* ev = nullptr;
            check(carecoord_event_new(&ev, entry.type, entry.time, &err), err);
            events.emplace_back(ev);
            if (entry.encounter) check(carecoord_event_set_string(ev, "encounter", entry.encounter, &err), err);
            raw.push_back(ev);
        }
        carecoord_care_plan* cp = nullptr;
        check(carecoord_care_plan_replay(&cp, engine.get(), patient.get(), nullptr, raw.data(), raw.size(), &err), err);
        Owned<carecoord_care_plan> plan(cp);
        std::cout << "care plan: " << carecoord_care_plan_state(cp) << "\n";
        for (size_t i = 0; i < carecoord_care_plan_task_count(cp); ++i) {
            const char* due_time = carecoord_care_plan_task_due_time(cp, i);
            std::cout << "task " << carecoord_care_plan_task_id(cp, i) << ": due "
                      << (due_time ? due_time : carecoord_care_plan_task_due(cp, i)) << "\n";
        }
        return 0;
    } catch (const std::exception& ex) {
        std::cerr << "error: " << ex.what() << "\n";
        return 1;
    }
}
