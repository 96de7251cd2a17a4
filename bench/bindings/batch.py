"""Batch throughput through the Python package against the C++ command-line tool, on the
same NDJSON records, one thread each:

    python3 bench/bindings/batch.py RECORDS.ndjson

Prints records per second for `Engine.evaluate_ndjson` (one call into the library per
chunk of 4,096 records, the chunk size `carecoord eval` reads with, as a Spark batch would
be) and for `carecoord eval --jobs 1 --format ndjson`, and their ratio.
"""
import datetime
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("CARECOORD_BUILD", os.path.join(ROOT, "build"))
os.environ.setdefault("CARECOORD_LIBRARY", os.path.join(BUILD, "capi", "libcarecoord.so"))
sys.path.insert(0, os.path.join(ROOT, "capi", "python"))
import carecoord  # noqa: E402

path = sys.argv[1]
data = open(path, "rb").read()
n = data.count(b"\n")
lines = data.splitlines(keepends=True)
chunks = [b"".join(lines[i:i + 4096]) for i in range(0, len(lines), 4096)]
engine = carecoord.Engine.load(os.path.join(ROOT, "rulesets"))
as_of = datetime.date(2026, 11, 27)
py, cli = [], []
for _ in range(3):
    t0 = time.process_time()
    for chunk in chunks:
        engine.evaluate_ndjson(chunk, as_of)
    py.append(time.process_time() - t0)
    r = subprocess.run(["/usr/bin/time", "-f", "%U %S", os.path.join(BUILD, "carecoord"), "eval", "--rules",
                        os.path.join(ROOT, "rulesets"), "--as-of", "2026-11-27", "--format", "ndjson", "--jobs", "1",
                        path], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=True)
    u, s = r.stderr.decode().strip().splitlines()[-1].split()
    cli.append(float(u) + float(s))
p, c = min(py), min(cli)
print(f"{n} records, CPU seconds, best of 3")
print(f"Python Engine.evaluate_ndjson: {n / p:10.0f} records/s")
print(f"carecoord eval --jobs 1:       {n / c:10.0f} records/s")
print(f"Python / C++ throughput: {c / p:.0%}")
