#!/usr/bin/env python3
"""Loads the rulesets, evaluates one patient document at an as-of date, and prints the
tier, the programs and the triggers, then replays a care-plan event log for the patient and
prints the state and the tasks (the same output as examples/c).

Usage: evaluate.py RULESETS PATIENT.{json,yaml} YYYY-MM-DD
(with `pip install ./capi/python`, and CARECOORD_LIBRARY if libcarecoord is not installed)
"""

import datetime
import sys

import carecoord


# The care team's event log (enrolment to an active plan, then the discharge).
LOG = [
    {"type": "enrolled", "time": "2026-11-02T09:00"},
    {"type": "assessment_completed", "time": "2026-11-04T10:00"},
    {"type": "plan_agreed", "time": "2026-11-06T10:00"},
    {"type": "services_started", "time": "2026-11-09T09:00"},
    {"type": "discharged", "time": "2026-11-24T13:15", "payload": {"encounter": "adm-7730912"}},
]


def main(argv):
    if len(argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    rulesets, patient_path, as_of = argv[1], argv[2], datetime.date.fromisoformat(argv[3])
    try:
        with carecoord.Engine.load(rulesets) as engine, carecoord.Patient.from_file(patient_path) as patient:
            det = engine.evaluate(patient, as_of=as_of)
            plan = engine.replay_events(patient, LOG)
    except carecoord.CarecoordError as e:
        print(f"{e.status} error:", file=sys.stderr)
        for d in e.diagnostics:
            print(f"  {d}", file=sys.stderr)
        return 1
    print(f"patient {det.patient_id} as of {det.as_of.isoformat()}")
    print(f"tier: {det.tier}")
    for p in det.programs:
        print(f"program {p.id}: {p.status}")
    for t in det.triggers:
        due = t.due_time.strftime("%Y-%m-%dT%H:%M") if t.due_time else t.due.isoformat()
        print(f"trigger {t.id}: {t.status}, due {due}")
    print(f"care plan: {plan.state}")
    for task in plan.tasks:
        due = task.due_time.strftime("%Y-%m-%dT%H:%M") if task.due_time else task.due.isoformat()
        print(f"task {task.id}: due {due}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
