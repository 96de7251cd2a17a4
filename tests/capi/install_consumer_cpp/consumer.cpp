// A C++ program outside the tree, built against an installed carecoord (find_package's
// carecoord::cpp, or pkg-config's carecoord-cpp): the shared care-plan scenario replayed
// through the C++ API, printed as the .NET consumer prints it.
// Usage: consumer RULESETS PATIENT_JSON
#include <carecoord/care_plan.hpp>
#include <carecoord/carecoord.hpp>
#include <carecoord/explain.hpp>
#include <carecoord/version.hpp>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace cc = carecoord;

static cc::DateTime at(int month, int day, int hour) {
    using namespace std::chrono;
    return cc::DateTime{sys_days{year{2026} / month / day}.time_since_epoch() + hours{hour}};
}

static std::string minute(cc::DateTime t) {
    auto days = std::chrono::floor<std::chrono::days>(t);
    std::chrono::year_month_day ymd{std::chrono::sys_days{days.time_since_epoch()}};
    auto minutes = (t - days).count();
    char buf[32];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()), static_cast<int>(minutes / 60),
                  static_cast<int>(minutes % 60));
    return buf;
}

int main(int argc, char** argv) {
    if (argc != 3) return 2;
    auto engine = cc::Engine::load_path(argv[1]);
    if (!engine) {
        for (const auto& d : engine.diagnostics()) std::fprintf(stderr, "%s\n", d.to_string().c_str());
        return 1;
    }
    std::ifstream in(argv[2], std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto patient = cc::parse_patient(text, cc::DocumentFormat::json);
    if (!patient) return 1;
    const std::vector<cc::CarePlanEvent> log = {
        {"enrolled", at(5, 1, 9), {}},
        {"assessment_completed", at(5, 5, 10), {{"plan_changed", true}}},
        {"plan_agreed", at(5, 8, 10), {}},
        {"services_started", at(5, 11, 9), {}},
        {"discharged", at(5, 22, 15), {{"encounter", std::string("e1")}}},
    };
    auto record = cc::replay_events(*engine, *patient, log);
    if (!record) {
        for (const auto& d : record.diagnostics()) std::fprintf(stderr, "%s\n", d.to_string().c_str());
        return 1;
    }
    std::printf("library %s\nstate %s\n", cc::engine_version(), record->state.c_str());
    for (const auto& t : record->tasks) {
        std::string due = t.due_time ? minute(*t.due_time) : minute(cc::DateTime{t.due.time_since_epoch()}).substr(0, 10);
        std::printf("task %s due %s\n", t.id.c_str(), due.c_str());
    }
    auto ex = cc::explain(*engine, *patient, cc::Date{std::chrono::sys_days{std::chrono::year{2026} / 5 / 23}});
    if (!ex || cc::to_text(*ex).rfind("Patient cp-memorial as of 2026-05-23\n", 0) != 0) return 1;
    return 0;
}
