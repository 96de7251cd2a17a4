#!/usr/bin/env python3
"""Scale a FHIR bulk export for throughput measurement: N copies of every patient, each copy
with its own patient ids (suffix -cN), written as one NDJSON file per input file.

Usage: scale_export.py SOURCE_DIR OUT_DIR COPIES
"""
import json
import os
import sys


def main():
    src, out, copies = sys.argv[1], sys.argv[2], int(sys.argv[3])
    os.makedirs(out, exist_ok=True)
    files = sorted(f for f in os.listdir(src) if f.endswith(".ndjson"))
    ids = [json.loads(line)["id"] for f in files if f.startswith("Patient") for line in open(os.path.join(src, f))]
    for name in files:
        lines = open(os.path.join(src, name)).read().splitlines()
        with open(os.path.join(out, name), "w") as w:
            for k in range(copies):
                for line in lines:
                    for pid in ids:
                        if pid in line:
                            line = line.replace(pid, f"{pid}-c{k}")
                    w.write(line + "\n")


if __name__ == "__main__":
    main()
