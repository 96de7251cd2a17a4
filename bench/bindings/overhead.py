"""What a call through the Python package costs over the same call from C.

Runs the C program (capi_bench, the same document decoded, evaluated, its JSON read and
freed) and the Python package on the same patient, alternately, and prints both and the
difference. Usage (after `make`):

    python3 bench/bindings/overhead.py [PATIENT.json] [ITERATIONS]
"""
import datetime
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("CARECOORD_BUILD", os.path.join(ROOT, "build"))
os.environ.setdefault("CARECOORD_LIBRARY", os.path.join(BUILD, "capi", "libcarecoord.so"))
sys.path.insert(0, os.path.join(ROOT, "capi", "python"))
import carecoord  # noqa: E402

patient_path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "examples", "patients", "dual_ltc_placement.json")
n = int(sys.argv[2]) if len(sys.argv) > 2 else 5000
rulesets = os.path.join(ROOT, "rulesets")
doc = open(patient_path).read()
as_of = datetime.date(2026, 11, 27)
c_bench = os.path.join(BUILD, "bench", "capi_bench")

engine = carecoord.Engine.load(rulesets)
c_runs, py_runs, raw_runs = [], [], []
for _ in range(5):
    c_runs.append(float(subprocess.check_output([c_bench, rulesets, patient_path, str(n)]).decode()))
    t0 = time.perf_counter()
    for _ in range(n):
        engine.evaluate(doc, as_of)
    py_runs.append((time.perf_counter() - t0) / n * 1e6)
c, py = statistics.median(c_runs), statistics.median(py_runs)
print(f"patient {os.path.basename(patient_path)}, {n} calls x 5 runs (medians)")
print(f"C   (capi_bench):               {c:8.2f} us per call")
print(f"Python (Engine.evaluate -> typed Determination): {py:8.2f} us per call")
print(f"difference: {py - c:8.2f} us per call ({py / c:.2f}x)")
