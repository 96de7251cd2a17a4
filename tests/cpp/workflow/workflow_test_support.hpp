// Shared helpers for the workflow suites: the default rulesets, dates and events.
#pragma once

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "carecoord/care_plan.hpp"
#include "carecoord/engine.hpp"
#include "time/calendar.hpp"

namespace wf_test {

using namespace carecoord;

inline const Engine& defaults() {
    static const Engine engine = Engine::load_directory(CARECOORD_SOURCE_DIR "/rulesets").value();
    return engine;
}

inline DateTime T(const char* s) {
    auto t = time::parse_datetime(s);
    REQUIRE_MESSAGE(t.has_value(), s);
    return *t;
}

inline Date D(const char* s) {
    auto d = time::parse_date(s);
    REQUIRE_MESSAGE(d.has_value(), s);
    return *d;
}

inline CarePlanEvent ev(std::string type, const char* when, std::map<std::string, PayloadValue> payload = {}) {
    return CarePlanEvent{std::move(type), T(when), std::move(payload)};
}

inline CarePlanRecord in_state(std::string state) {
    CarePlanRecord r;
    r.state = std::move(state);
    return r;
}

inline Patient patient() {
    Patient p;
    p.id = "p1";
    p.birth_date = D("1950-03-01");
    return p;
}

// An inpatient stay admitted Monday 2026-05-18 08:00, discharged Friday 2026-05-22 15:00.
inline Encounter inpatient_stay(std::string id, std::optional<Disposition> disposition) {
    Encounter e;
    e.id = std::move(id);
    e.encounter_class = EncounterClass::inpatient;
    e.admit = T("2026-05-18T08:00");
    e.discharge = T("2026-05-22T15:00");
    e.disposition = disposition;
    return e;
}

inline std::string due_text(const CarePlanTask& t) {
    return t.due_time ? time::format_datetime(*t.due_time) : time::format_date(t.due);
}

inline std::vector<std::string> task_ids(const std::vector<CarePlanTask>& tasks) {
    std::vector<std::string> out;
    for (const auto& t : tasks) out.push_back(t.id);
    return out;
}

}  // namespace wf_test
