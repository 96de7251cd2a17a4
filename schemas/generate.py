#!/usr/bin/env python3
"""Writes the JSON Schemas of schemas/ (ruleset, tests file, patient document). The patient
schema's fields and enumerations are read from the decoder's tables (src/model/enums.hpp and
src/model/patient_schema.hpp), so that the schema an editor uses cannot drift from what the
engine accepts; tests/schemas checks that the committed files are what this script writes.

Usage: generate.py SOURCE_DIR [OUT_DIR]   (OUT_DIR defaults to SOURCE_DIR/schemas)
"""
import json
import os
import re
import sys

SOURCE = sys.argv[1]
OUT = sys.argv[2] if len(sys.argv) > 2 else os.path.join(SOURCE, "schemas")
BASE = "https://carecoord.example/schemas/"

enums_h = open(os.path.join(SOURCE, "src", "model", "enums.hpp")).read()
ENUMS = {m.group(1): re.findall(r'"([^"]+)"', m.group(2))
         for m in re.finditer(r"CARECOORD_ENUM_NAMES\((\w+),((?:\s*\"[^\"]*\",?)+)\)", enums_h)}
# The schema table (src/model/patient_schema.hpp): per record, CARECOORD_FIELDS_<Record>
# lists its fields, X(Record, member, "name", ...) for values and N(Record, "name", ...) for
# nested records, in document order.
schema_h = open(os.path.join(SOURCE, "src", "model", "patient_schema.hpp")).read()
TABLES = {}
for m in re.finditer(r"#define CARECOORD_FIELDS_(\w+)\(X, N\)((?:[^\n]*\\\n)*[^\n]*)", schema_h):
    TABLES["k" + m.group(1) + "Fields"] = [f.group(1) or f.group(2) for f in re.finditer(
        r'\bX\(\w+, \w+, "([^"]+)"|\bN\(\w+, "([^"]+)"', m.group(2))]

DATE = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$", "description": "a calendar date YYYY-MM-DD"}
DATETIME = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?$",
            "description": "YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS], wall-clock time of the care setting"}
STR = {"type": "string"}
BOOL = {"type": "boolean"}


def enum(name):
    return {"enum": ENUMS[name]}


def nullable(s):
    return {"anyOf": [s, {"type": "null"}]}


def obj(table, props, required=()):
    names = TABLES[table]
    missing = set(names) ^ set(props)
    if missing:
        raise SystemExit(f"generate.py: {table} and the schema differ in {sorted(missing)}")
    return {"type": "object", "additionalProperties": False, "required": list(required),
            "properties": {n: (props[n] if n in required else nullable(props[n])) for n in names}}


def array(items):
    return {"type": "array", "items": items}


patient = obj("kPatientFields", {
    "id": STR, "birth_date": DATE, "sex": enum("Sex"), "deceased": DATE,
    "language": obj("kLanguageFields", {"preferred": STR, "interpreter_needed": BOOL,
                                        "english_proficiency": enum("EnglishProficiency")}),
    "coverage": array(obj("kCoverageFields", {"payer": enum("Payer"), "plan": STR, "snp": enum("SnpType"),
                                              "medicaid_dual": enum("MedicaidDual"), "start": DATE, "end": DATE},
                          ["payer"])),
    "conditions": array(obj("kConditionFields", {"code": STR, "system": STR, "onset": DATE, "recorded": DATE,
                                                 "abatement": DATE, "status": enum("ConditionStatus")}, ["code"])),
    "encounters": array(obj("kEncounterFields", {"id": STR, "class": enum("EncounterClass"), "admit": DATETIME,
                                                 "discharge": DATETIME, "emergent": BOOL, "planned": BOOL,
                                                 "disposition": enum("Disposition"), "diagnosis": STR,
                                                 "diagnosis_system": STR, "complexity": enum("Complexity")},
                            ["class", "admit"])),
    "care_team": array(obj("kCareTeamMemberFields", {"role": enum("CareRole"), "specialty": STR}, ["role"])),
    "medications": array(obj("kMedicationFields", {
        "code": STR, "system": STR, "name": STR, "status": enum("MedicationStatus"),
        "events": array(obj("kMedicationEventFields", {"type": enum("MedicationEventType"), "date": DATE},
                            ["type", "date"]))}, ["code"])),
    "observations": array(obj("kObservationFields", {"code": STR, "system": STR, "date": DATETIME,
                                                     "value": {"type": ["number", "string", "boolean"]}},
                              ["code", "date"])),
    "social": obj("kSocialFields", {"housing_instability": BOOL, "food_insecurity": BOOL,
                                    "transportation_insecurity": BOOL, "social_support": enum("SocialSupport"),
                                    "health_literacy": enum("HealthLiteracy")}),
    "ltc_placement": obj("kLtcPlacementFields", {"decision_open": BOOL, "since": DATE,
                                        "expected_stay_days": {"type": "integer", "minimum": 0, "maximum": 36500},
                                        "assessed": DATE}),
    "care_plan": obj("kCarePlanFields", {"state": enum("CarePlanState"), "enrolled": DATE,
                                         "last_comprehensive_assessment": DATE, "last_hra": DATE, "tier": STR,
                                         "snp_enrolled": DATE}),
}, ["id", "birth_date"])
patient.update({"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": BASE + "patient.schema.json",
                "title": "carecoord patient document (docs/patient-schema.md)"})

ID = {"type": "string", "pattern": "^[a-z][a-z0-9_]*$"}
EXPR = {"type": "string", "description": "an expression (docs/ruleset-language.md)"}
TEXT = {"type": "string"}
SOURCE_REF = {"type": "string", "description": "a citation id declared under sources"}
SCALAR = {"type": ["string", "number", "boolean"]}


def strict(props, required=()):
    return {"type": "object", "additionalProperties": False, "required": list(required), "properties": props}


codes = {"type": "object", "additionalProperties": array({"type": ["string", "number"]})}
# A value set's display names: {system: {code: display}} (docs/ruleset-language.md#displays).
displays = {"type": "object", "description": "display names of the value set's codes, per code system",
            "additionalProperties": {"type": "object", "additionalProperties": {"type": "string", "minLength": 1}}}
rule = strict({"id": ID, "when": EXPR, "reason": TEXT, "source": SOURCE_REF, "description": TEXT}, ["id", "when"])
tier_rule = strict({"id": ID, "tier": ID, "when": EXPR, "reason": TEXT, "source": SOURCE_REF, "description": TEXT},
                   ["id", "tier", "when"])
sections = {
    "schema_version": {"type": "integer", "minimum": 1},
    "kind": {"enum": ["ruleset", "library"]},
    "ruleset": {"type": "string", "pattern": "^[a-z0-9][a-z0-9_-]*$"},
    "library": {"type": "string"},
    "version": {"type": "string", "pattern": r"^\d+\.\d+\.\d+([-+].*)?$"},
    "effective": strict({"from": DATE, "until": nullable(DATE)}, ["from"]),
    "description": TEXT,
    "sources": {"type": "object", "additionalProperties": strict({"title": TEXT, "url": TEXT, "note": TEXT})},
    "include": array(TEXT),
    "calendar": TEXT,
    "parameters": {"type": "object", "additionalProperties": {"anyOf": [
        SCALAR, array(SCALAR),
        strict({"value": {"anyOf": [SCALAR, array(SCALAR)]}, "description": TEXT, "source": SOURCE_REF}, ["value"])]}},
    "valuesets": {"type": "object", "additionalProperties": {
        "type": "object",
        "properties": {"description": TEXT, "source": SOURCE_REF,
                       "categories": {"type": "object", "additionalProperties": {
                           "type": "object", "properties": {"description": TEXT, "source": SOURCE_REF},
                           "additionalProperties": array({"type": ["string", "number"]})}},
                       "exclude": codes, "displays": displays},
        "additionalProperties": array({"type": ["string", "number"]})}},
    "facts": {"type": "object", "additionalProperties": {"anyOf": [
        EXPR, strict({"expr": EXPR, "description": TEXT, "source": SOURCE_REF}, ["expr"])]}},
    "calendars": {"type": "object", "additionalProperties": {
        "type": "object", "properties": {"weekend": array(TEXT), "description": TEXT,
                                         "holidays": array({"type": "object"})}, "additionalProperties": False}},
    "tiers": strict({"order": array(ID), "default": ID, "rules": array(tier_rule), "description": TEXT}, ["order"]),
    "flags": array(strict({"id": ID, "description": TEXT, "rules": array(rule)}, ["id", "rules"])),
    "programs": array(strict({"id": ID, "name": TEXT, "payers": array(enum("Payer")), "when": EXPR, "reason": TEXT,
                              "not_reason": TEXT, "source": SOURCE_REF, "description": TEXT}, ["id", "when"])),
    "triggers": array(strict({"id": ID, "anchor": EXPR, "when": EXPR, "due": EXPR, "action": TEXT, "reason": TEXT,
                              "source": SOURCE_REF, "description": TEXT}, ["id", "anchor", "due"])),
    "workflow": strict({"description": TEXT, "initial": ID, "states": {"type": "object"}, "events": {"type": "object"},
                        "transitions": {"type": "array"}}, ["initial", "states"]),
}
ruleset = {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": BASE + "ruleset.schema.json",
           "title": "carecoord ruleset or library (docs/ruleset-language.md)",
           "type": "object", "additionalProperties": False, "required": ["schema_version"], "properties": sections}

expect = strict({"tier": ID, "tier_rules": array(ID), "flags": array(ID),
                 "programs": {"type": "object", "additionalProperties": {"enum": ["eligible", "not_eligible", "unknown"]}},
                 "triggers": {"type": "object", "additionalProperties": {"anyOf": [
                     {"type": "null"}, strict({"due": DATETIME, "status": {"enum": ["open", "overdue"]}, "anchor": DATE})]}},
                 "absent_triggers": array(ID), "missing": array(TEXT),
                 # A date of death, or `no` (YAML 1.1 readers see false) for a patient alive at as_of.
                 "deceased": {"anyOf": [DATE, {"const": "no"}, {"const": False}]},
                 "error": strict({"code": {"type": "string", "pattern": r"^E\d{4}$"}, "field": TEXT}, ["code"]),
                 "care_plan": strict({"state": ID, "tasks": {"type": "object", "additionalProperties": DATETIME},
                                      "absent_tasks": array(TEXT), "task_count": {"type": "integer", "minimum": 0}})})
tests = {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": BASE + "tests.schema.json",
         "title": "carecoord tests file (docs/ruleset-language.md, Test cases)",
         "type": "object", "additionalProperties": False, "required": ["kind", "cases"],
         "properties": {"schema_version": {"type": "integer", "minimum": 1}, "kind": {"const": "tests"}, "description": TEXT,
                        "cases": array(strict({"name": TEXT, "description": TEXT, "as_of": DATE,
                                               "patient": {"$ref": "patient.schema.json"}, "patient_file": TEXT,
                                               "events": array({"type": "object"}), "workflow": TEXT,
                                               "expect": expect}, ["expect"]) | {
                                            # a workflow case (events:) needs no as_of
                                            "anyOf": [{"required": ["as_of"]}, {"required": ["events"]}]})}}

os.makedirs(OUT, exist_ok=True)
for name, schema in [("patient", patient), ("ruleset", ruleset), ("tests", tests)]:
    with open(os.path.join(OUT, name + ".schema.json"), "w") as f:
        json.dump(schema, f, indent=2)
        f.write("\n")
