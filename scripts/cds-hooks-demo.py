"""`make demo`'s CDS Hooks part: starts `python -m carecoord.cds_hooks` on a loopback port
with a demo signing key, sends it one patient-view and one encounter-discharge request (as
an EHR would, with prefetch and a signed JWT), prints the cards, and stops it.

    python3 scripts/cds-hooks-demo.py BUILD_DIR FHIR_EXPORT

The patient is the Synthea patient of the tests (capi/python/cds_tests), re-dated as there:
an inpatient stay ending Friday 2026-11-06 16:28, discharged home."""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys
import tempfile
import textwrap
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
PID = "a4a401d1-a46a-eb4a-8a38-760d5d79d6ec"
EID = "8dee71b9-9de3-8d2d-3ebc-a816fb44c39c"


def show(title: str, status: int, answer: dict) -> None:
    print(f"-- {title}: HTTP {status}, {len(answer.get('cards', []))} card(s)")
    for card in answer.get("cards", []):
        print(f"   [{card['indicator']}] {card['summary']}")
        print(f"   source: {card['source']['label']}")
        print(textwrap.indent(card.get("detail", ""), "     "))
        for s in card.get("suggestions", []):
            task = s["actions"][0]["resource"]
            print(f"   suggestion: {s['label']}")
            print(f"     -> create Task {task['identifier'][0]['value']}, due {task['restriction']['period']['end']}")


def main() -> int:
    build, export = pathlib.Path(sys.argv[1]).resolve(), pathlib.Path(sys.argv[2]).resolve()
    os.environ.setdefault("CARECOORD_LIBRARY", str(build / "capi" / "libcarecoord.so"))
    os.environ["CARECOORD_FHIR_EXPORT"] = str(export)
    sys.path[:0] = [str(ROOT / "capi" / "python"), str(ROOT / "capi" / "python" / "cds_tests")]
    import httpx

    import harness

    data = harness.load_export()
    for e in data[PID]["Encounter"]:
        if e["id"] == EID:  # the EHR records the disposition as it discharges
            e["hospitalization"] = {"dischargeDisposition": {
                "coding": [{"system": "http://www.nubc.org/patient-discharge", "code": "01"}]}}
    prefetch = harness.prefetch_for(data, PID)
    with tempfile.TemporaryDirectory() as tmp:
        keys = harness.Keys(pathlib.Path(tmp))
        sock = harness.free_socket()
        port = sock.getsockname()[1]
        sock.close()
        base = f"http://127.0.0.1:{port}"
        proc = subprocess.Popen(
            [sys.executable, "-m", "carecoord.cds_hooks", "--rules", str(ROOT / "rulesets"), "--host", "127.0.0.1",
             "--port", str(port), "--jwks", str(keys.jwks_path), "--issuer", harness.ISSUER,
             "--as-of", "2026-11-09", "--utc-offset=-05:00", "--log-level", "warning",
             "--feedback-log", os.path.join(tmp, "feedback.jsonl")],
            env=dict(os.environ, PYTHONPATH=str(ROOT / "capi" / "python")))
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    discovery = httpx.get(f"{base}/cds-services", timeout=1.0)
                    break
                except httpx.HTTPError:
                    if proc.poll() is not None or time.monotonic() > deadline:
                        print("the CDS Hooks service did not start", file=sys.stderr)
                        return 1
                    time.sleep(0.1)
            print(f"-- GET {base}/cds-services: " +
                  ", ".join(f"{s['id']} ({s['hook']})" for s in discovery.json()["services"]))
            with httpx.Client(base_url=base, timeout=30.0) as client:
                for service, hook, title in [
                        ("carecoord-patient-view", "patient-view", "patient-view as of 2026-11-09 (service --as-of)"),
                        ("carecoord-encounter-discharge", "encounter-discharge",
                         "encounter-discharge of the stay ending 2026-11-06 16:28")]:
                    body = {"hookInstance": f"demo-{hook}", "hook": hook, "prefetch": prefetch,
                            "context": {"userId": "Practitioner/example", "patientId": PID, "encounterId": EID}}
                    token = keys.token(f"{base}/cds-services/{service}")
                    r = client.post(f"/cds-services/{service}", json=body, headers={"Authorization": f"Bearer {token}"})
                    show(title, r.status_code, r.json())
                    if r.status_code != 200:
                        return 1
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=20)
    print("-- service stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
