#!/usr/bin/env python3
"""Builds the seed corpora of the fhir_bundle and fhir_bulk fuzz targets (and the Bundle seeds
of the C ABI target) from ../shared/data: the US Core 9.0.0 examples, each in a Bundle with the
US Core example Patient; the STU3 and DSTU2 Synthea Bundles; Synthea R4 patients as Bundles and
as bulk exports. Run from the repository root: python3 tests/fuzz/make_fhir_seeds.py
The seeds are committed; this script says how they were made."""
import json
import os
import struct

DATA = os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "data")
OUT = os.path.join(os.path.dirname(__file__), "corpus")
US_CORE = os.path.join(DATA, "us-core-9.0.0-examples")
SYNTHEA = os.path.join(DATA, "fhir-synthea-10")


def write(target, name, data):
    os.makedirs(os.path.join(OUT, target), exist_ok=True)
    with open(os.path.join(OUT, target, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def compact(obj):
    return json.dumps(obj, separators=(",", ":"))


def bundle(resources):
    return compact({"resourceType": "Bundle", "type": "collection",
                    "entry": [{"fullUrl": f"urn:uuid:{r.get('id', i)}", "resource": r} for i, r in enumerate(resources)]})


def synthea_patients(limit_per_type=25):
    """{patient id: {file name: [lines]}} for the export's patients, a few lines per file."""
    out = {}
    files = sorted(f for f in os.listdir(SYNTHEA) if f.endswith(".ndjson"))
    for name in files:
        for line in open(os.path.join(SYNTHEA, name)):
            r = json.loads(line)
            pid = r["id"] if r["resourceType"] == "Patient" else r.get("subject", {}).get("reference", "").split("/")[-1]
            rows = out.setdefault(pid, {}).setdefault(name, [])
            if len(rows) < limit_per_type:
                rows.append(line.rstrip("\n"))
    return out


def main():
    patient = json.load(open(os.path.join(US_CORE, "patient-example.json")))
    # The crashes of issue 13, and what is near them.
    write("fhir_bundle", "entry-without-resource", '{"resourceType":"Bundle","entry":[{}]}')
    write("fhir_bundle", "entry-null", '{"resourceType":"Bundle","entry":[null]}')
    write("fhir_bundle", "entry-resource-null", '{"resourceType":"Bundle","entry":[{"resource":null},1,"x",[]]}')
    write("fhir_bundle", "lone-patient", compact(patient))
    for name in sorted(os.listdir(US_CORE)):
        path = os.path.join(US_CORE, name)
        if not name.endswith(".json") or os.path.getsize(path) > 16000:
            continue
        r = json.load(open(path))
        seed = compact(r) if r.get("resourceType") in ("Bundle", "Patient") else bundle([patient, r])
        write("fhir_bundle", "us-core-" + name[:-5], seed)
    for version in ("stu3", "dstu2"):
        d = os.path.join(DATA, "fhir-non-r4", f"{version}-synthea")
        for name in sorted(os.listdir(d)):
            b = json.load(open(os.path.join(d, name)))
            b["entry"] = b["entry"][:30]
            write("fhir_bundle", f"{version}-{name[:-5]}", compact(b))
    patients = synthea_patients()
    for k, (pid, files) in enumerate(sorted(patients.items())[:4]):
        resources = [json.loads(l) for rows in files.values() for l in rows]
        write("fhir_bundle", f"synthea-r4-{k}", bundle(resources))
        seed = "".join(f"@@ {name}\n" + "\n".join(rows) + "\n" for name, rows in sorted(files.items()))
        write("fhir_bulk", f"synthea-{k}", seed)
        if k == 0:
            write("fhir_bulk", "synthea-0-truncated", seed[: len(seed) // 2])
    # Claims with a contained Coverage, a separate Medication, a DSTU2-shaped Condition.
    write("fhir_bulk", "claims-medication-dstu2", "\n".join([
        compact({"resourceType": "Patient", "id": "p1", "birthDate": "1950-01-01"}),
        "@@ ExplanationOfBenefit.ndjson",
        compact({"resourceType": "ExplanationOfBenefit", "id": "eob1", "patient": {"reference": "Patient/p1"},
                 "billablePeriod": {"start": "2026-10-01T20:00:00Z"},
                 "contained": [{"resourceType": "Coverage", "id": "c", "type": {"text": "dual_eligible"}}],
                 "insurance": [{"coverage": {"reference": "#c"}}]}),
        "@@ Medication.ndjson",
        compact({"resourceType": "Medication", "id": "m1",
                 "code": {"coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "860975"}]}}),
        "@@ MedicationRequest.ndjson",
        compact({"resourceType": "MedicationRequest", "id": "mr1", "status": "active", "subject": {"reference": "Patient/p1"},
                 "medicationReference": {"reference": "Medication/m1"}, "authoredOn": "2026-01-01"}),
        "@@ Condition.ndjson",
        compact({"resourceType": "Condition", "id": "c1", "patient": {"reference": "Patient/p1"}, "clinicalStatus": "active",
                 "code": {"coding": [{"system": "http://snomed.info/sct", "code": "44054006"}]}}),
        ""]))
    # The C ABI target: op 1 (parse) into slot 0, text of at most 255 bytes, format 2 (Bundle);
    # then op 0 (engine, fixed ruleset), op 6 (evaluate), op 7 (read the result).
    for name, text in (("fhir-bundle-entry-without-resource", '{"resourceType":"Bundle","entry":[{}]}'),
                       ("fhir-bundle-evaluate", '{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Patient",'
                        '"id":"p","birthDate":"1950"}},{"resource":{"resourceType":"Condition","subject":'
                        '{"reference":"Patient/p"},"code":{"coding":[{"system":"http://snomed.info/sct",'
                        '"code":"44054006"}]}}}]}')):
        t = text.encode()
        assert len(t) < 256
        seed = bytes([1, 0, 0, len(t)]) + t + bytes([2]) + bytes([0, 0, 0, 1]) + bytes([6, 0, 0, 1, 0]) + bytes([7, 0, 0, 255])
        write("capi", name, seed)


if __name__ == "__main__":
    main()
