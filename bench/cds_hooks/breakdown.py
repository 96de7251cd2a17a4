"""CPU time of each step of one patient-view call, in this process and without HTTP, to set
beside the service's CPU per request measured by load_test.py (bench/RESULTS.md).

    python3 bench/cds_hooks/breakdown.py [PATIENT_ID]
"""
import datetime
import json
import os
import pathlib
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "capi" / "python"), str(ROOT / "capi" / "python" / "cds_tests")]
os.environ.setdefault("CARECOORD_LIBRARY", str(ROOT / "build" / "capi" / "libcarecoord.so"))
import carecoord  # noqa: E402
import harness  # noqa: E402
import jwt  # noqa: E402
from carecoord.cds_hooks import collection, patient_view_card  # noqa: E402
from carecoord.cds_hooks.auth import JwksSource  # noqa: E402
data=harness.load_export()
PID = sys.argv[1] if len(sys.argv) > 1 else "a4a401d1-a46a-eb4a-8a38-760d5d79d6ec"
raw=json.dumps({"hookInstance":"x","hook":"patient-view","context":{"patientId":PID},"prefetch":harness.prefetch_for(data,PID)}).encode()
keys = harness.Keys(pathlib.Path(tempfile.mkdtemp()))
key = JwksSource(str(keys.jwks_path)).key(harness.KID)
toks=[keys.token('a') for _ in range(200)]
e = carecoord.Engine.load(str(ROOT / "rulesets"))
N=200
def t(name,f):
    f(); s=time.process_time()
    for _ in range(N): f()
    print(f"{name:28s} {(time.process_time()-s)/N*1e3:.2f} ms")
b=json.loads(raw); res=[b['prefetch']['patient']]+[r['resource'] for k in ('conditions','encounters','medications') for r in b['prefetch'][k]['entry']]
it=iter(toks*2)
t('jwt verify (ES384)', lambda: jwt.decode(next(it), key=key, algorithms=['ES384'], audience='a'))
t('json.loads request', lambda: json.loads(raw))
txt=json.dumps(collection(res),check_circular=False)
t('json.dumps bundle', lambda: json.dumps(collection(res),check_circular=False))
t('Patient.from_fhir_bundle', lambda: carecoord.Patient.from_fhir_bundle(txt).close())
p=carecoord.Patient.from_fhir_bundle(txt)
t('evaluate_fhir', lambda: e.evaluate_fhir(p, datetime.date(2026,11,8), utc_offset='-05:00'))
d,_=e.evaluate_fhir(p, datetime.date(2026,11,8))
t('card', lambda: patient_view_card(d))
t('json.dumps response', lambda: json.dumps({"cards":[patient_view_card(d)]}))
print(f"request: {len(raw) / 1024:.0f} KiB")
