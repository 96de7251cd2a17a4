"""Care plans and explanations from Python: the shared scenario of the C, C# and C++ tests
(tests/data/care-plan/memorial-day-events.yaml works the dates by hand): a discharge home on
Friday 2026-05-22 15:00, the Friday before Memorial Day (Monday 2026-05-25)."""

from __future__ import annotations

import dataclasses
import datetime
import json
import os
import pathlib

import pytest

import carecoord

SOURCE = pathlib.Path(os.environ.get("CARECOORD_SOURCE_DIR", pathlib.Path(__file__).resolve().parents[3]))
DATA = SOURCE / "tests" / "data" / "care-plan"
PATIENT = json.loads((DATA / "memorial-day-patient.json").read_text())
LOG = json.loads((DATA / "memorial-day-events.json").read_text())["events"]
DT = datetime.datetime

# (id, due, due_time), worked by hand: enrolment + 14 days; 72 clock hours after the
# discharge (the holiday does not stop the clock); 2 business days with Sat, Sun and
# Memorial Day skipped (Tue 05-26 is day 1, Wed 05-27 day 2).
EXPECTED_TASKS = [
    ("initial_assessment@2026-05-01T09:00", datetime.date(2026, 5, 15), None),
    ("post_discharge_call@2026-05-22T15:00", datetime.date(2026, 5, 25), DT(2026, 5, 25, 15, 0)),
    ("tcm_interactive_contact@2026-05-22T15:00", datetime.date(2026, 5, 27), None),
]


@pytest.fixture(scope="module")
def engine():
    with carecoord.Engine.load(SOURCE / "rulesets") as e:
        yield e


@pytest.fixture(scope="module")
def patient():
    with carecoord.Patient.from_dict(PATIENT) as p:
        yield p


def check_scenario(record: carecoord.CarePlanRecord) -> None:
    assert record.workflow == "care_plan"
    assert record.state == "in_transition"
    assert [(t.id, t.due, t.due_time) for t in record.tasks] == EXPECTED_TASKS
    assert record.applied[-1] == "discharged@2026-05-22T15:00" and len(record.applied) == 5
    assert record.last_event == DT(2026, 5, 22, 15, 0)
    call = record.tasks[1]
    assert (call.task, call.event, call.event_time) == ("post_discharge_call", "discharged", DT(2026, 5, 22, 15, 0))
    assert record.tasks[2].source == "facts_tcm" and record.tasks[2].action


def test_step_by_step(engine, patient):
    record = engine.start_care_plan(datetime.date(2026, 5, 1))
    assert (record.state, record.tasks, record.applied, record.last_event) == ("identified", (), (), None)
    states = ["identified", "assessed", "planned", "active", "in_transition"]
    created = [1, 0, 0, 0, 2]
    for i, event in enumerate(LOG):  # events as dicts
        before = record
        out = engine.apply_event(patient, record, event)
        assert out.record.state == states[i]
        assert out.previous_state == (states[i - 1] if i else "identified")
        assert out.transitioned and not out.duplicate and out.missing == ()
        assert len(out.created) == created[i]
        assert before == record  # values: the record passed in is unchanged
        record = out.record
    check_scenario(record)
    assert [t.id for t in out.created] == [EXPECTED_TASKS[1][0], EXPECTED_TASKS[2][0]]

    # The discharge again, as a CarePlanEvent: recognized, nothing created.
    again = engine.apply_event(patient, record, carecoord.CarePlanEvent("discharged", DT(2026, 5, 22, 15, 0),
                                                                         {"encounter": "e1"}))
    assert again.duplicate and not again.transitioned and again.created == ()
    assert again.record.tasks == record.tasks


def test_replay_twice_creates_nothing_new(engine, patient):
    once = engine.replay_events(PATIENT, LOG)  # the patient as a dict too
    check_scenario(once)
    twice = engine.replay_events(patient, LOG + LOG)
    assert twice == once
    events = [carecoord.CarePlanEvent.from_dict(e) for e in LOG]
    assert engine.replay_events(patient, events) == once


def test_records_are_frozen_values_that_round_trip(engine, patient):
    record = engine.replay_events(patient, LOG)
    with pytest.raises(dataclasses.FrozenInstanceError):
        record.state = "closed"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        record.tasks[0].due = datetime.date(2026, 1, 1)  # type: ignore[misc]
    text = record.to_json()
    assert carecoord.CarePlanRecord.from_json(text) == record
    with pytest.raises(carecoord.ArgumentError) as e:
        carecoord.CarePlanRecord.from_json(text.replace('"due":"2026-05-15"', '"due":"2026-02-30"'))
    assert (e.value.code, e.value.field_path) == ("E0720", "tasks[0].due")


def test_workflow_errors_reach_python(engine, patient):
    record = engine.replay_events(patient, LOG)
    with pytest.raises(carecoord.EvaluationError) as e:
        engine.apply_event(patient, record, {"type": "condition_changed", "time": "2026-05-20T08:00"})
    assert e.value.code == "E0712"  # earlier than the last event
    with pytest.raises(carecoord.EvaluationError) as e:
        engine.apply_event(patient, record, {"type": "phq9_recorded", "time": "2026-05-23T08:00",
                                             "payload": {"score": "high"}})
    assert e.value.code == "E0713"
    with pytest.raises(carecoord.EvaluationError) as e:
        engine.apply_event(patient, record, {"type": "teleported", "time": "2026-05-23T08:00"})
    assert e.value.code == "E0711"
    closed = dataclasses.replace(record, state="closed")
    with pytest.raises(carecoord.EvaluationError) as e:
        engine.apply_event(patient, closed, {"type": "admitted", "time": "2026-05-23T08:00"})
    assert e.value.code == "E0710"
    with pytest.raises(ValueError):
        carecoord.CarePlanEvent.from_dict({"type": "admitted", "when": "2026-05-23T08:00"})
    with pytest.raises(carecoord.ArgumentError) as e:
        engine.start_care_plan("2026-05-32")
    assert e.value.field_path == "on"


def test_allowed_events(engine):
    assert engine.allowed_events("in_transition", datetime.date(2026, 5, 22)) == [
        "assessment_completed", "admitted", "discharged", "condition_changed", "medication_failed",
        "phq9_recorded", "tier_changed", "declined", "died"]
    assert engine.allowed_events("closed", "2026-05-22") == []
    with pytest.raises(carecoord.EvaluationError) as e:
        engine.allowed_events("nirvana", "2026-05-22")
    assert e.value.code == "E0717"


def test_explain_text_and_structure(engine, patient):
    ex = engine.explain(patient, datetime.date(2026, 5, 23))
    assert ex.text.startswith("Patient cp-memorial as of 2026-05-23\n")
    assert "due 2026-05-25 at 15:00 (from 2026-05-22)" in ex.text
    assert "due 2026-05-27 (from 2026-05-22)" in ex.text
    assert ex.determination.patient_id == "cp-memorial"
    assert ex.determination.tier == engine.evaluate(patient, "2026-05-23").tier
    call = ex.determination.trigger("post_discharge_call")
    assert call is not None and call.due_time == DT(2026, 5, 25, 15, 0)
    tier_rules = [r for r in ex.rules if r.kind == "tier"]
    assert tier_rules and all(r.result in ("true", "false", "unknown") for r in tier_rules)
    assert all(isinstance(c, carecoord.ConditionExplanation) for r in ex.rules for c in r.conditions)
    assert ex.facts  # the facts of the determination, by name
    assert json.loads(ex.json)["determination"]["patient_id"] == "cp-memorial"


def test_explain_codes_with_their_titles(engine):
    # I50.22 is in the heart_failure category of chronic_conditions; its ICD-10-CM FY2026
    # title is the default value sets' display (rulesets/common/clinical.yaml). J02.9 (acute
    # pharyngitis) is in no value set and has none.
    p = {"id": "cn-1", "birth_date": "1950-01-01",
         "conditions": [{"code": "I50.22", "onset": "2020-01-01"}, {"code": "J02.9", "onset": "2026-05-01"}]}
    ex = engine.explain(p, datetime.date(2026, 5, 23))
    assert [c.code for c in ex.codes] == ["I50.22", "J02.9"]
    hf, throat = ex.codes
    assert isinstance(hf, carecoord.CodeNote) and hf.system == "icd10cm"
    assert hf.display == "Chronic systolic (congestive) heart failure"
    assert "chronic_conditions: heart_failure" in hf.valuesets
    assert throat.display is None and throat.valuesets == () and throat.recorded_display is None
    assert "    I50.22     icd10cm  Chronic systolic (congestive) heart failure\n" in ex.text


def test_same_record_as_the_cpp_api(engine, patient):
    """Python (through the C getters) and the C++ API (carecoord plan, no C layer) give the
    same record, byte for byte."""
    import subprocess
    cli = os.environ.get("CARECOORD_CLI")
    if not cli:
        pytest.fail("CARECOORD_CLI is not set (ctest sets it to the built carecoord tool)")
    out = subprocess.run([cli, "plan", "replay", "--rules", str(SOURCE / "rulesets"), "--patient",
                          str(DATA / "memorial-day-patient.json"), "--format", "json",
                          str(DATA / "memorial-day-events.yaml")], check=True, capture_output=True, text=True).stdout
    assert engine.replay_events(patient, LOG).to_json() + "\n" == out
