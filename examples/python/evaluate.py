#!/usr/bin/env python3
"""Loads the rulesets, evaluates one patient document at an as-of date, and prints the
tier, the programs and the triggers (the same output as examples/c).

Usage: evaluate.py RULESETS PATIENT.{json,yaml} YYYY-MM-DD
(with `pip install ./capi/python`, and CARECOORD_LIBRARY if libcarecoord is not installed)
"""

import datetime
import sys

import carecoord


def main(argv):
    if len(argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    rulesets, patient_path, as_of = argv[1], argv[2], datetime.date.fromisoformat(argv[3])
    try:
        with carecoord.Engine.load(rulesets) as engine, carecoord.Patient.from_file(patient_path) as patient:
            det = engine.evaluate(patient, as_of=as_of)
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
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
