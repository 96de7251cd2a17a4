#!/usr/bin/env python3
"""A bulk export of exactly N patients made from a Synthea export by copying: patient k is a
copy of source patient k mod S with the id suffix -c<k div S> on its own id and on every
reference to it. Each resource type file keeps the source's order, copy after copy, so the
export is grouped as the source is.

Usage: make_population.py SOURCE_DIR OUT_DIR N
"""
import json
import os
import sys


def main():
    src, out, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    os.makedirs(out, exist_ok=True)
    files = sorted(f for f in os.listdir(src) if f.endswith(".ndjson"))
    ids = [json.loads(line)["id"] for f in files if f.startswith("Patient") for line in open(os.path.join(src, f))]
    copies = (n + len(ids) - 1) // len(ids)
    for name in files:
        lines = open(os.path.join(src, name)).read().splitlines()
        with open(os.path.join(out, name), "w") as w:
            for c in range(copies):
                # Only the first n patients: the last copy stops part-way through the patients.
                keep = ids if (c + 1) * len(ids) <= n else ids[: n - c * len(ids)]
                for line in lines:
                    owner = next((pid for pid in ids if pid in line), None)
                    if owner is None or owner not in keep:
                        continue
                    w.write(line.replace(owner, f"{owner}-c{c}") + "\n")


if __name__ == "__main__":
    main()
