#!/usr/bin/env python3
"""Every ruleset, library, tests file and example patient validated against schemas/ with a
real JSON Schema validator (Debian python3-jsonschema, Draft 2020-12); the committed schemas are
what schemas/generate.py writes from the decoder's tables; and the schemas can fail: a
misspelt key, a bad enum word and an impossible date shape are each rejected. YAML is read as
an editor's YAML language server reads it (YAML 1.2: an unquoted date is a string).

Usage: validate.py SOURCE_DIR
"""
import glob
import json
import os
import subprocess
import sys
import tempfile

import jsonschema
import yaml

SOURCE = sys.argv[1]
failures = []


class Yaml12Loader(yaml.SafeLoader):
    pass


# YAML 1.1 timestamps (and yes/no booleans) are not YAML 1.2: keep dates as strings.
Yaml12Loader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag not in ("tag:yaml.org,2002:timestamp",)]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()}

schemas = {n: json.load(open(os.path.join(SOURCE, "schemas", n + ".schema.json"))) for n in ("patient", "ruleset", "tests")}
# tests.schema.json refers to patient.schema.json: resolved from these files, never fetched.
try:
    from referencing import Registry, Resource  # jsonschema >= 4.18
    registry = Registry().with_resources([(s["$id"], Resource.from_contents(s)) for s in schemas.values()])
    validators = {n: jsonschema.Draft202012Validator(s, registry=registry) for n, s in schemas.items()}
except ImportError:  # Debian 12's jsonschema 4.10
    store = {s["$id"]: s for s in schemas.values()}
    validators = {n: jsonschema.Draft202012Validator(s, resolver=jsonschema.RefResolver.from_schema(s, store=store))
                  for n, s in schemas.items()}


def errors_of(kind, doc):
    return [f"{'/'.join(map(str, e.absolute_path)) or '(top)'}: {e.message}" for e in validators[kind].iter_errors(doc)]


def load(path):
    with open(path) as f:
        if path.endswith(".json"):
            return json.load(f)
        return yaml.load(f, Loader=Yaml12Loader)


# 1. The committed schemas are the generator's output.
with tempfile.TemporaryDirectory() as d:
    subprocess.run([sys.executable, os.path.join(SOURCE, "schemas", "generate.py"), SOURCE, d], check=True)
    for n in schemas:
        if open(os.path.join(d, n + ".schema.json")).read() != open(os.path.join(SOURCE, "schemas", n + ".schema.json")).read():
            failures.append(f"schemas/{n}.schema.json is not what schemas/generate.py writes: run it")

# 2. Every shipped file validates.
count = 0
for path in sorted(glob.glob(os.path.join(SOURCE, "rulesets", "**", "*.yaml"), recursive=True)):
    doc = load(path)
    kind = "tests" if doc.get("kind") == "tests" else "ruleset"
    for e in errors_of(kind, doc):
        failures.append(f"{os.path.relpath(path, SOURCE)}: {e}")
    count += 1
    # The default rulesets carry the modeline that gives VS Code completion and inline errors.
    first = open(path).readline()
    want = f"# yaml-language-server: $schema=../../schemas/{kind}.schema.json"
    if first.strip() != want:
        failures.append(f"{os.path.relpath(path, SOURCE)}: first line is {first.strip()!r}, expected {want!r}")
for path in sorted(glob.glob(os.path.join(SOURCE, "examples", "patients", "*"))):
    if not path.endswith((".yaml", ".yml", ".json")):
        continue
    for e in errors_of("patient", load(path)):
        failures.append(f"{os.path.relpath(path, SOURCE)}: {e}")
    count += 1
if count < 10:
    failures.append(f"only {count} files validated")

# 3. The schemas reject what the engine rejects.
bad = [
    ("ruleset", {"schema_version": 1, "ruleset": "x", "version": "1.0.0", "effective": {"from": "2026-01-01"},
                 "parametres": {"n": 1}}, "parametres"),
    # A display that is not text, and displays inside a category (they go at the value set's level).
    ("ruleset", {"schema_version": 1, "kind": "library", "library": "x",
                 "valuesets": {"v": {"icd10cm": ["E11"], "displays": {"icd10cm": {"E11.9": 5}}}}}, "E11.9"),
    ("ruleset", {"schema_version": 1, "kind": "library", "library": "x",
                 "valuesets": {"v": {"categories": {"dm": {"icd10cm": ["E11"], "displays": {"icd10cm": {"E11.9": "T2DM"}}}}}}},
     "dm/displays"),
    ("patient", {"id": "p", "birth_date": "1950-01-01", "sex": "F"}, "sex"),
    ("patient", {"id": "p", "birth_date": "1950-1-1"}, "birth_date"),
    ("patient", {"id": "p", "birth_date": "1950-01-01", "socail": {}}, "socail"),
    ("tests", {"kind": "tests", "cases": [{"as_of": "2026-11-27", "expect": {"programs": {"ccm": "yes"}}}]}, "ccm"),
]
for kind, doc, word in bad:
    errs = errors_of(kind, doc)
    if not any(word in e for e in errs):
        failures.append(f"the {kind} schema accepted a document with a bad {word!r}: {errs}")

for f in failures:
    print("FAILED:", f)
print(f"schemas: {count} files validated;", "FAIL" if failures else "ok")
sys.exit(1 if failures else 0)
