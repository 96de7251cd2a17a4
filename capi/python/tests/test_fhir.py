"""FHIR input through the Python bindings: Patient.from_fhir_bundle and read_fhir_bulk over
the real Synthea export (../shared/data/fhir-synthea-10 beside the source tree, or
CARECOORD_FHIR_EXPORT). Expected counts come from the export's Patient lines; determinations
are compared byte for byte with ``carecoord eval --input-format fhir-bulk``.
"""

from __future__ import annotations

import datetime
import json
import os
import pathlib
import subprocess

import pytest

import carecoord

SOURCE = pathlib.Path(os.environ.get("CARECOORD_SOURCE_DIR", pathlib.Path(__file__).resolve().parents[3]))
RULESETS = SOURCE / "rulesets"
EXPORT = pathlib.Path(os.environ.get("CARECOORD_FHIR_EXPORT", SOURCE.parent / "shared" / "data" / "fhir-synthea-10"))
AS_OF = datetime.date(2026, 11, 27)


def _patient_lines():
    with open(EXPORT / "Patient.000.ndjson", encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


PATIENTS = _patient_lines()
DECEASED = {p["id"] for p in PATIENTS if "deceasedDateTime" in p}


def _bundle_of(patient_id: str) -> dict:
    """A collection Bundle of the patient's resource and every resource whose subject it is."""
    entries = []
    for name in ("Patient.000.ndjson", "Condition.000.ndjson", "Encounter.000.ndjson", "MedicationRequest.000.ndjson"):
        with open(EXPORT / name, encoding="utf-8") as f:
            for line in f:
                if not line.strip():
                    continue
                r = json.loads(line)
                ref = r.get("subject", {}).get("reference")
                if r["id"] == patient_id and r["resourceType"] == "Patient" or ref == f"Patient/{patient_id}":
                    entries.append({"resource": r})
    return {"resourceType": "Bundle", "type": "collection", "entry": entries}


@pytest.fixture(scope="module")
def engine():
    with carecoord.Engine.load(RULESETS) as e:
        yield e


@pytest.fixture(scope="module")
def cli_lines():
    """The tool's determinations for the export, one NDJSON line per patient."""
    cli = os.environ.get("CARECOORD_CLI")
    if not cli:
        pytest.fail("CARECOORD_CLI is not set (ctest sets it to the built carecoord tool)")
    out = subprocess.run([cli, "eval", "--rules", str(RULESETS), "--as-of", AS_OF.isoformat(), "--input-format",
                          "fhir-bulk", "--format", "ndjson", str(EXPORT)], check=True, capture_output=True)
    return out.stdout.rstrip(b"\n").split(b"\n")


def test_the_export():
    # The export's README: 13 patients, 3 with a deceasedDateTime.
    assert len(PATIENTS) == 13
    assert len(DECEASED) == 3


def test_bulk_reads_every_patient(engine):
    with carecoord.read_fhir_bulk(EXPORT) as reader:
        assert reader.patient_count == len(PATIENTS)
        patients = list(reader)
        assert reader.errors == []
        assert all(d.file for d in reader.export_diagnostics)
    ids = [engine.evaluate(p, AS_OF).patient_id for p in patients]
    assert ids == [p["id"] for p in PATIENTS]  # the order of the Patient file
    for p in patients:
        for w in p.warnings:
            assert w.code.startswith("E08") and w.severity in ("warning", "note")
            assert "/" in w.field_path and w.file  # the resource and element, the export file
        p.close()


def test_bulk_equals_the_tool_byte_for_byte(engine, cli_lines):
    jsons = []
    for patient in carecoord.read_fhir_bulk(EXPORT):
        with patient:
            jsons.append(engine.evaluate(patient, AS_OF).json.encode("utf-8"))
    assert len(jsons) == len(cli_lines) == len(PATIENTS)
    for ours, tool in zip(jsons, cli_lines):
        assert ours == tool


def test_deceased_patients_get_no_follow_up(engine):
    seen = set()
    for patient in carecoord.read_fhir_bulk(EXPORT):
        det = engine.evaluate(patient, AS_OF)
        if det.patient_id in DECEASED:
            seen.add(det.patient_id)
            assert det.triggers == []
    assert seen == DECEASED


def test_bundle_equals_bulk(engine, cli_lines):
    patient_id = sorted(DECEASED)[0]
    bundle = _bundle_of(patient_id)
    tool = {json.loads(line)["patient_id"]: line for line in cli_lines}[patient_id]
    for doc in (bundle, json.dumps(bundle), json.dumps(bundle).encode("utf-8")):
        with carecoord.Patient.from_fhir_bundle(doc) as patient:
            det = engine.evaluate(patient, AS_OF)
        assert det.json.encode("utf-8") == tool
        assert det.triggers == []


def test_bundle_warnings_name_resource_and_element():
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": [
        {"resource": {"resourceType": "Patient", "id": "fx-1", "birthDate": "1950-06-15"}},
        {"resource": {"resourceType": "Condition", "id": "cond-1", "subject": {"reference": "Patient/fx-1"},
                      "code": {"coding": [{"system": "http://example.org/local", "code": "SECRET42"}]}}},
    ]}
    with carecoord.Patient.from_fhir_bundle(bundle) as p:
        warnings = p.warnings
    assert len(warnings) == 1
    w = warnings[0]
    assert w.code == "E0803" and w.severity == "warning"
    assert w.field_path.startswith("Condition/cond-1.")
    assert "SECRET42" not in str(w)
    assert "warning[E0803]" in str(w)
    with carecoord.Patient.from_json('{"id": "j", "birth_date": "1950-01-01"}') as p:
        assert p.warnings == []


def test_errors():
    with pytest.raises(carecoord.PatientError) as e:
        carecoord.Patient.from_fhir_bundle({"resourceType": "Bundle", "type": "collection", "entry": []})
    assert e.value.code.startswith("E08")
    with pytest.raises(carecoord.PatientError):
        carecoord.Patient.from_fhir_bundle("{not json")
    # Issue 13: an entry without a resource, or a null entry, crashed the process.
    with pytest.raises(carecoord.PatientError) as e:
        carecoord.Patient.from_fhir_bundle('{"resourceType":"Bundle","entry":[{}]}')
    assert e.value.code == "E0806"
    with carecoord.Patient.from_fhir_bundle(
            '{"resourceType":"Bundle","entry":[null,{"resource":'
            '{"resourceType":"Patient","id":"n","birthDate":"1950-01-01"}}]}') as p:
        assert [(w.code, w.field_path) for w in p.warnings] == [("E0801", "entry[0].resource")]
    with pytest.raises(carecoord.PatientError) as e:
        carecoord.read_fhir_bulk(EXPORT / "no-such-directory")
    assert e.value.code == "E0809"
    reader = carecoord.read_fhir_bulk(EXPORT)
    reader.close()
    with pytest.raises(ValueError):
        next(reader)


FIXTURE = SOURCE / "tests" / "fhir" / "bulk-warnings"  # see its README


def test_bulk_warnings_and_unmapped_patients(engine):
    reader = carecoord.read_fhir_bulk(FIXTURE)
    assert reader.patient_count == 3
    [export] = reader.export_diagnostics
    assert export.code == "E0806" and export.line == 3 and export.file.endswith("Condition.ndjson")
    assert export.field_path.startswith("Condition/cond-3.")
    patients = list(reader)
    assert [engine.evaluate(p, AS_OF).patient_id for p in patients] == ["fx-1", "fx-3"]
    [w] = patients[0].warnings
    assert w.code == "E0803" and w.severity == "warning" and w.line == 1
    assert w.field_path.startswith("Condition/cond-1.") and "SECRET42" not in str(w)
    assert patients[1].warnings == []
    [skipped] = reader.errors
    assert skipped.code == "E0802" and skipped.field_path.startswith("Patient/fx-2.")
    reader.close()


def test_bulk_strict_raises_and_goes_on():
    with carecoord.read_fhir_bulk(FIXTURE, strict=True) as reader:
        first = next(reader)
        with pytest.raises(carecoord.PatientError) as e:
            next(reader)
        assert e.value.code == "E0802"
        third = next(reader)
        with pytest.raises(StopIteration):
            next(reader)
    assert first.warnings and not third.warnings
