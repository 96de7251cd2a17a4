"""to_fhir() through the Python binding and `carecoord eval --format fhir`: every resource
emitted passes the R4B models of fhir.resources (an independent validator), and the values
are those worked out by hand from the example patient and the rulesets.

examples/patients/recent_hf_discharge_ffs.yaml as of 2026-11-27: discharged home with home
health on Tuesday 2026-11-24 13:15 after an emergent heart-failure admission, high MDM, last
comprehensive assessment 2025-10-20. So:
  - post_discharge_call: 72 clock hours later, 2026-11-27 13:15: open (due on the as-of date);
  - tcm_interactive_contact: 2nd business day after 11-24: Wed 11-25 (1st), Thu 11-26 is
    Thanksgiving (skipped), Fri 11-27 (2nd): open;
  - tcm_face_to_face: 7 calendar days for high MDM: 2026-12-01;
  - readmission_watch: 30 days after 11-24: 2026-12-24;
  - annual_reassessment: 2025-10-20 + 12 months = 2026-10-20, before the as-of date: overdue;
  - tier case_management: 5 chronic condition categories (I50.22, I48.20, N18.31, F33.1,
    M17.11), threshold 4 (rulesets/intensity/intensity-v2.yaml, in force from 2026-01-01).
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import pathlib
import subprocess

import pytest
import yaml
from fhir.resources.R4B import get_fhir_model_class

import carecoord

SOURCE = pathlib.Path(os.environ.get("CARECOORD_SOURCE_DIR", pathlib.Path(__file__).resolve().parents[3]))
RULESETS = SOURCE / "rulesets"
EXAMPLES = sorted((SOURCE / "examples" / "patients").iterdir())
HF = SOURCE / "examples" / "patients" / "recent_hf_discharge_ffs.yaml"
AS_OF = datetime.date(2026, 11, 27)
BASE = "https://carecoord.dev/fhir"


@pytest.fixture(scope="module")
def engine():
    return carecoord.Engine.load(RULESETS)


def document(path: pathlib.Path) -> dict:
    text = path.read_text(encoding="utf-8")
    return json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)


def as_json_doc(path):
    # YAML dates become date objects: the library reads the document as JSON text.
    return json.dumps(document(path), default=str)


def validate_all(bundle: dict) -> None:
    get_fhir_model_class("Bundle").model_validate(bundle)
    for e in bundle["entry"]:
        get_fhir_model_class(e["resource"]["resourceType"]).model_validate(e["resource"])


def resources(bundle, kind):
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def sha256_with_includes(path: pathlib.Path) -> str:
    """What RulesetRef.sha256 is (docs/determination.md): the file, then each include as
    written, a NUL and its text."""
    h = hashlib.sha256(path.read_bytes())
    for inc in yaml.safe_load(path.read_text(encoding="utf-8")).get("include", []) or []:
        h.update(inc.encode("utf-8") + b"\0" + (path.parent / inc).read_bytes())
    return h.hexdigest()


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
@pytest.mark.parametrize("as_of", ["2025-06-30", "2026-11-27", "2027-03-01"])
@pytest.mark.parametrize("options", [{}, {"care_plan_id": "cp-1", "utc_offset": "-05:00",
                                          "recorded": "2026-11-27T08:30:00.250+01:00"}])
def test_every_resource_validates(engine, path, as_of, options):
    _, text = engine.evaluate_fhir(as_json_doc(path), datetime.date.fromisoformat(as_of), **options)
    bundle = json.loads(text)
    assert bundle["resourceType"] == "Bundle" and bundle["type"] == "transaction"
    validate_all(bundle)
    # Every entry is a POST of its type; the Provenance targets every other entry.
    urls = [e["fullUrl"] for e in bundle["entry"]]
    assert len(set(urls)) == len(urls)
    for e in bundle["entry"]:
        assert e["request"]["method"] == "POST" and e["request"]["url"] == e["resource"]["resourceType"]
    (prov,) = resources(bundle, "Provenance")
    assert [t["reference"] for t in prov["target"]] == urls[:-1]
    assert bundle["entry"][-1]["resource"] is not None and bundle["entry"][-1]["resource"]["resourceType"] == "Provenance"
    for task in resources(bundle, "Task"):
        if options:
            assert task["basedOn"] == [{"reference": "CarePlan/cp-1"}]
        else:
            assert "basedOn" not in task


def test_the_hf_discharge_by_hand(engine):
    _, text = engine.evaluate_fhir(as_json_doc(HF), AS_OF, utc_offset="-05:00", care_plan_id="cp-77")
    bundle = json.loads(text)
    validate_all(bundle)
    pid = "ex-tcm-004"

    (risk,) = resources(bundle, "RiskAssessment")
    assert risk["status"] == "final"
    assert risk["subject"] == {"reference": f"Patient/{pid}"}
    assert risk["occurrenceDateTime"] == "2026-11-27"
    outcome = risk["prediction"][0]["outcome"]["coding"][0]
    assert outcome == {"system": f"{BASE}/CodeSystem/tier", "code": "case_management"}
    notes = [n["text"] for n in risk["note"]]
    assert any(n.startswith("rule cm_chronic_conditions: 5 active chronic condition categories") for n in notes)

    programs = resources(bundle, "Observation")
    ruleset_programs = [p["id"] for p in yaml.safe_load((RULESETS / "programs" / "programs.yaml").read_text())["programs"]]
    assert [o["code"]["coding"][0]["code"] for o in programs] == ruleset_programs
    for o in programs:
        assert o["category"][0]["coding"][0]["code"] == "program-eligibility"
        assert o["valueCodeableConcept"]["coding"][0]["system"] == f"{BASE}/CodeSystem/eligibility"
        assert o["valueCodeableConcept"]["coding"][0]["code"] in ("eligible", "not_eligible", "unknown")
    # Medicare FFS with 5 chronic conditions: CCM and TCM (discharged to the community).
    status = {o["code"]["coding"][0]["code"]: o["valueCodeableConcept"]["coding"][0]["code"] for o in programs}
    assert status["ccm"] == "eligible" and status["tcm"] == "eligible"

    tasks = {t["code"]["coding"][0]["code"]: t for t in resources(bundle, "Task")}
    expect = {
        "post_discharge_call": ("2026-11-24", "2026-11-27T13:15:00-05:00", "open"),
        "tcm_interactive_contact": ("2026-11-24", "2026-11-27", "open"),
        "tcm_face_to_face": ("2026-11-24", "2026-12-01", "open"),
        "readmission_watch": ("2026-11-24", "2026-12-24", "open"),
        "annual_reassessment": ("2025-10-20", "2026-10-20", "overdue"),
    }
    for trigger, (start, end, business) in expect.items():
        t = tasks[trigger]
        assert t["restriction"]["period"] == {"start": start, "end": end}, trigger
        assert t["businessStatus"]["coding"][0]["code"] == business
        assert t["priority"] == ("urgent" if business == "overdue" else "routine")
        assert t["for"] == {"reference": f"Patient/{pid}"}
        assert t["basedOn"] == [{"reference": "CarePlan/cp-77"}]
        assert t["status"] == "requested" and t["intent"] == "plan"
        assert t["identifier"] == [{"system": f"{BASE}/task-id", "value": f"{pid}/{trigger}@{start}"}]
        entry = next(e for e in bundle["entry"] if e["resource"] is t)
        assert entry["request"]["ifNoneExist"] == f"identifier={BASE}/task-id|{pid}/{trigger}@{start}"
    assert tasks["post_discharge_call"]["reasonCode"]["text"].startswith("Discharged 2026-11-24T13:15")

    (prov,) = resources(bundle, "Provenance")
    assert prov["recorded"] == "2026-11-27T00:00:00Z"
    assert prov["agent"][0]["who"]["display"] == f"carecoord {carecoord.library_version()}"
    entities = {e["what"]["identifier"]["value"]: e["extension"][0]["valueString"] for e in prov["entity"]}
    assert entities == {
        "intensity|2.0.0": sha256_with_includes(RULESETS / "intensity" / "intensity-v2.yaml"),
        "programs|1.0.0": sha256_with_includes(RULESETS / "programs" / "programs.yaml"),
        "triggers|1.0.0": sha256_with_includes(RULESETS / "triggers" / "triggers.yaml"),
    }


def test_an_hour_precise_due_time_without_an_offset_is_a_date_with_a_note(engine):
    _, text = engine.evaluate_fhir(as_json_doc(HF), AS_OF)
    call = next(t for t in resources(json.loads(text), "Task") if t["code"]["coding"][0]["code"] == "post_discharge_call")
    assert call["restriction"]["period"]["end"] == "2026-11-27"
    assert {"text": "due by 2026-11-27 13:15 local time of the care setting"} in call["note"]


def test_the_same_determination_gives_the_same_bytes_and_the_cli_writes_them(engine, tmp_path):
    a = engine.evaluate_fhir(as_json_doc(HF), AS_OF, utc_offset="+01:00")[1]
    b = engine.evaluate_fhir(as_json_doc(HF), AS_OF, utc_offset="+01:00")[1]
    assert a == b
    cli = os.environ.get("CARECOORD_CLI")
    if not cli:
        pytest.fail("CARECOORD_CLI is not set (the CTest entry sets it)")
    out = subprocess.run([cli, "eval", "--rules", str(RULESETS), "--as-of", "2026-11-27", "--format", "fhir",
                          "--utc-offset", "+01:00", *map(str, EXAMPLES)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert len(lines) == len(EXAMPLES)
    assert lines[[p.name for p in EXAMPLES].index(HF.name)] == a
    for line in lines:
        validate_all(json.loads(line))
    bad = subprocess.run([cli, "eval", "--rules", str(RULESETS), "--as-of", "2026-11-27", "--format", "fhir",
                          "--utc-offset", "+25:00", str(HF)], capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "--utc-offset" in bad.stderr


@pytest.mark.parametrize("options,code,field,exc", [
    ({"utc_offset": "+14:01"}, "E1003", "utc_offset", carecoord.ArgumentError),
    ({"utc_offset": "0500"}, "E1003", "utc_offset", carecoord.ArgumentError),
    ({"care_plan_id": "care plan/1"}, "E1002", "care_plan_id", carecoord.ArgumentError),
    ({"recorded": "2026-11-27"}, "E1004", "recorded", carecoord.ArgumentError),
    ({"recorded": "2026-11-27T25:00:00Z"}, "E1004", "recorded", carecoord.ArgumentError),
    ({"recorded": "2026-11-27T08:00:00"}, "E1004", "recorded", carecoord.ArgumentError),
])
def test_bad_options_are_refused_naming_the_field(engine, options, code, field, exc):
    with pytest.raises(exc) as info:
        engine.evaluate_fhir(as_json_doc(HF), AS_OF, **options)
    (d,) = info.value.diagnostics
    assert (d.code, d.field_path) == (code, field)
    for value in options.values():
        assert value not in d.message


def test_boundary_offsets_are_accepted(engine):
    for offset in ("+14:00", "-12:00", "Z", "+05:45"):
        _, text = engine.evaluate_fhir(as_json_doc(HF), AS_OF, utc_offset=offset)
        validate_all(json.loads(text))


def test_a_patient_id_that_is_not_a_fhir_id_is_refused(engine):
    doc = document(HF)
    doc["id"] = "member 42/x"
    with pytest.raises(carecoord.PatientError) as info:
        engine.evaluate_fhir(json.dumps(doc, default=str), AS_OF)
    (d,) = info.value.diagnostics
    assert (d.code, d.field_path) == ("E1001", "patient_id")
    assert "member 42" not in d.message
    doc["id"] = "x" * 64  # 64 characters: the longest FHIR id
    validate_all(json.loads(engine.evaluate_fhir(json.dumps(doc, default=str), AS_OF)[1]))
    doc["id"] = "x" * 65
    with pytest.raises(carecoord.PatientError):
        engine.evaluate_fhir(json.dumps(doc, default=str), AS_OF)
