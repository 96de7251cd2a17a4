"""The Python package of this checkout against the package at a git revision, in one process.

Both copies of capi/python/carecoord are imported side by side (the baseline under another
module name, from `git archive REV capi/python/carecoord`) over the same libcarecoord, and
`Engine.evaluate(json_text, as_of).tier` on the same document is timed for each in
alternating runs (CPU time of the process, one run = ITERATIONS calls), so both see the
same machine load. Prints per run the microseconds per call of each and, at the end, the
medians with min-max and the ratio. Usage (after `make`):

    python3 bench/bindings/compare.py REV [PATIENT.json] [ITERATIONS] [RUNS]
"""
import datetime
import importlib.util
import io
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("CARECOORD_BUILD", os.path.join(ROOT, "build"))
os.environ.setdefault("CARECOORD_LIBRARY", os.path.join(BUILD, "capi", "libcarecoord.so"))
sys.path.insert(0, os.path.join(ROOT, "capi", "python"))
import carecoord  # noqa: E402


def baseline(rev: str, into: str):
    """The package at ``rev`` imported as the module ``carecoord_baseline``."""
    data = subprocess.check_output(["git", "-C", ROOT, "archive", rev, "capi/python/carecoord"])
    tarfile.open(fileobj=io.BytesIO(data)).extractall(into)
    pkg = os.path.join(into, "capi", "python", "carecoord")
    spec = importlib.util.spec_from_file_location("carecoord_baseline", os.path.join(pkg, "__init__.py"),
                                                  submodule_search_locations=[pkg])
    module = importlib.util.module_from_spec(spec)
    sys.modules["carecoord_baseline"] = module
    spec.loader.exec_module(module)
    return module


def per_call_us(engine, doc, as_of, n):
    t0 = time.process_time()
    for _ in range(n):
        engine.evaluate(doc, as_of).tier
    return (time.process_time() - t0) / n * 1e6


def main():
    rev = sys.argv[1]
    patient_path = sys.argv[2] if len(sys.argv) > 2 else os.path.join(ROOT, "examples", "patients", "dual_ltc_placement.json")
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 5000
    runs = int(sys.argv[4]) if len(sys.argv) > 4 else 5
    doc = open(patient_path).read()
    as_of = datetime.date(2026, 11, 27)
    rulesets = os.path.join(ROOT, "rulesets")
    with tempfile.TemporaryDirectory() as tmp:
        old = baseline(rev, tmp)
        engines = {"baseline": old.Engine.load(rulesets), "this checkout": carecoord.Engine.load(rulesets)}
        # The same determination from both (the classes differ, so compare the JSON).
        assert engines["baseline"].evaluate(doc, as_of).json == engines["this checkout"].evaluate(doc, as_of).json
        times = {k: [] for k in engines}
        for name, e in engines.items():  # warm-up, not counted
            per_call_us(e, doc, as_of, 200)
        for r in range(runs):
            order = list(engines) if r % 2 == 0 else list(reversed(engines))
            for name in order:
                times[name].append(per_call_us(engines[name], doc, as_of, n))
            print(f"run {r + 1}: " + ", ".join(f"{k} {times[k][-1]:.2f} us" for k in engines), flush=True)
    print(f"patient {os.path.basename(patient_path)}, {n} calls x {runs} runs, baseline {rev}")
    for name, t in times.items():
        print(f"{name:>14}: median {statistics.median(t):7.2f} us per call (min-max {min(t):.2f}-{max(t):.2f})")
    ratios = [b / a for a, b in zip(times["baseline"], times["this checkout"])]
    print(f"this checkout / baseline: median {statistics.median(ratios):.3f} "
          f"(min-max {min(ratios):.3f}-{max(ratios):.3f}, per run)")


if __name__ == "__main__":
    main()
