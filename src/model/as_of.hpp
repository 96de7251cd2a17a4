// The as-of rules, in one place. The as-of date is a horizon: what was recorded after it
// does not exist yet, and what happens after it has not happened yet. An evaluation in the
// past therefore sees what was known then. Dates are day numbers (days since 1970-01-01),
// date-times minutes since 1970-01-01 00:00, so the evaluator compares integers.
//
// Three kinds of rule: which list items exist on the as-of date (visible()), how a field of a
// record that exists reads on it (the AS_OF column of model/patient_schema.hpp, applied by the
// evaluator through the functions below), and what the engine itself decides from dates
// (coverage in force, a death known, the patient's history before the as-of date). Every
// comparison of a patient's date with the as-of date goes through this file.
#pragma once

#include <cstdint>

#include "carecoord/patient.hpp"

namespace carecoord::model::as_of {

inline std::int32_t day_number(Date d) { return static_cast<std::int32_t>(d.time_since_epoch().count()); }
inline std::int64_t minute_number(DateTime t) { return t.time_since_epoch().count(); }
// The day a date-time falls on (floor division: before 1970 too).
inline std::int64_t day_of_minute(std::int64_t minutes) {
    std::int64_t q = minutes / 1440;
    if (minutes % 1440 != 0 && minutes < 0) --q;
    return q;
}

// --- Which list items exist on the as-of date ---------------------------------------

// A coverage period that starts after the as-of date has not been recorded yet; one without
// a start is taken as always there.
inline bool visible(const Coverage& c, std::int32_t as_of) { return !c.start || day_number(*c.start) <= as_of; }

// A condition exists from the day it was recorded, else from its onset.
inline bool visible(const Condition& c, std::int32_t as_of) {
    if (c.recorded) return day_number(*c.recorded) <= as_of;
    if (c.onset) return day_number(*c.onset) <= as_of;
    return true;
}

// An encounter exists from the day of its admission.
inline bool visible(const Encounter& e, std::int32_t as_of) {
    return !e.admit || day_of_minute(minute_number(*e.admit)) <= as_of;
}

inline bool visible(const Observation& o, std::int32_t as_of) { return day_number(o.date) <= as_of; }
inline bool visible(const MedicationEvent& e, std::int32_t as_of) { return day_number(e.date) <= as_of; }

// Care-team members and medications carry no date: they are there whenever the data is.
inline bool visible(const CareTeamMember&, std::int32_t) { return true; }
inline bool visible(const Medication&, std::int32_t) { return true; }

// --- How a field reads on the as-of date ----------------------------------------------

// until_as_of: a date (or the day of a date-time) after the as-of date has not happened.
inline bool happened(std::int32_t day, std::int32_t as_of) { return day <= as_of; }
inline bool happened_minute(std::int64_t minutes, std::int32_t as_of) { return day_of_minute(minutes) <= as_of; }

// open_since: a placement decision opened after the as-of date was not open on it.
inline bool opened_later(const LtcPlacement& l, std::int32_t as_of) {
    return l.since && day_number(*l.since) > as_of;
}

// active_until_abated: a condition abated after the as-of date was still active on it.
inline ConditionStatus status_on(const Condition& c, std::int32_t as_of) {
    if (c.abatement && day_number(*c.abatement) > as_of &&
        (c.status == ConditionStatus::resolved || c.status == ConditionStatus::inactive ||
         c.status == ConditionStatus::remission))
        return ConditionStatus::active;
    return c.status;
}

// after_discharge: before the discharge has happened there is no disposition to know.
inline bool discharged(const Encounter& e, std::int32_t as_of) {
    return e.discharge && happened_minute(minute_number(*e.discharge), as_of);
}

// --- What the engine decides from dates ---------------------------------------------

inline bool happened(Date d, Date as_of) { return happened(day_number(d), day_number(as_of)); }

// A coverage period that exists (visible()) is in force unless it ended before the as-of date
// (it covers its last day). For a period already known to be visible.
inline bool in_force(const Coverage& c, std::int32_t as_of) { return !c.end || day_number(*c.end) >= as_of; }

// A death on or before the as-of date is known; one after it has not happened yet.
inline bool died(const Patient& p, Date as_of) { return p.deceased && happened(*p.deceased, as_of); }

// A patient born after the as-of date does not exist yet: no evaluation makes sense.
inline bool born(const Patient& p, Date as_of) { return happened(p.birth_date, as_of); }

}  // namespace carecoord::model::as_of
