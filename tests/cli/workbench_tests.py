#!/usr/bin/env python3
"""The analyst's workbench end to end: the mistakes an analyst makes in a copy of the default
rulesets and what carecoord says about them (the text and its position), the single-file test
run, explain by id, the policy diff, the CSV columns and the progress line.

Each test copies rulesets/ to a scratch directory and makes one edit, as an analyst would.
Expected positions are worked out from the edited file (the line holding the edited text and
the column where the mistake starts, found in the test from the text), never copied from the
tool's output; expected suggestions are the names an analyst would want, worked out from the
rulesets by hand.

Usage: workbench_tests.py CARECOORD SOURCE_DIR TEST_NAME
"""
import csv
import io
import json
import re
import os
import shutil
import subprocess
import sys
import tempfile

CARECOORD, SOURCE, NAME = sys.argv[1:4]
DATA = os.path.join("tests", "cli", "data", "workbench")
AS_OF = "2026-11-27"
failures = []


def run(*args, cwd=None, stdin=None):
    p = subprocess.run([CARECOORD, *args], cwd=cwd or SOURCE, input=stdin, capture_output=True, text=True, timeout=120)
    return p.returncode, p.stdout, p.stderr


def check(cond, what):
    if not cond:
        failures.append(what)


def contains(text, needle, where):
    check(needle in text, f"{where}: expected to contain {needle!r}\n--- got ---\n{text}")


def expect_rc(rc, want, what, out="", err=""):
    check(rc == want, f"{what}: exit status {rc}, expected {want}\n--- stdout ---\n{out}\n--- stderr ---\n{err}")


class Copy:
    """A scratch copy of rulesets/ under a temporary directory, as `r/`."""

    def __enter__(self):
        self.dir = tempfile.mkdtemp(prefix="carecoord-wb-")
        shutil.copytree(os.path.join(SOURCE, "rulesets"), os.path.join(self.dir, "r"))
        return self

    def __exit__(self, *exc):
        shutil.rmtree(self.dir)

    def path(self, rel):
        return os.path.join(self.dir, "r", rel)

    def edit(self, rel, old, new, occurrence=1):
        """Replaces the n-th occurrence of `old`; returns (line, column) of where it was."""
        text = open(self.path(rel)).read()
        at = -1
        for _ in range(occurrence):
            at = text.index(old, at + 1)
        line = text.count("\n", 0, at) + 1
        column = at - (text.rfind("\n", 0, at) + 1) + 1
        with open(self.path(rel), "w") as f:
            f.write(text[:at] + new + text[at + len(old):])
        return line, column

    def append(self, rel, text):
        with open(self.path(rel), "a") as f:
            f.write(text)
        return open(self.path(rel)).read().count("\n")

    def check(self, *extra):
        return run("check", *extra, "r", cwd=self.dir)


# ---- errors that teach ------------------------------------------------------------------

def test_did_you_mean_tier():
    with Copy() as c:
        # The first `tier: case_management` of intensity v2; the value starts 6 columns in.
        line, col = c.edit("intensity/intensity-v2.yaml", "tier: case_management", "tier: case_managment")
        rc, out, err = c.check()
        expect_rc(rc, 1, "unknown tier", out, err)
        contains(err, f"r/intensity/intensity-v2.yaml:{line}:{col + 6}: error[E0309]: unknown tier 'case_managment' "
                      "(did you mean 'case_management'? tiers: routine, care_coordination, case_management)", "unknown tier")
        contains(err, "1 error(s)", "unknown tier")


def test_did_you_mean_name():
    with Copy() as c:
        line, col = c.edit("intensity/intensity-v2.yaml", "when: hospitalizations_12m", "when: hospitalisations_12m")
        rc, out, err = c.check()
        expect_rc(rc, 1, "unknown name", out, err)
        # One edit from the fact hospitalizations_12m; hospital_admissions_12m is one edit
        # further and suggested too; nothing else is as close.
        contains(err, f"r/intensity/intensity-v2.yaml:{line}:{col + 6}: error[E0402]: unknown name 'hospitalisations_12m' "
                      "(did you mean 'hospitalizations_12m'", "unknown name")


def test_did_you_mean_field():
    with Copy() as c:
        line, col = c.edit("common/clinical.yaml", "social.housing_instability", "social.housing_instabilty")
        rc, out, err = c.check()
        expect_rc(rc, 1, "unknown field", out, err)
        # The member expression is reported at its start, `social`; the five social fields
        # are listed (docs/ruleset-language.md).
        contains(err, f"r/common/clinical.yaml:{line}:{col}: error[E0402]: 'social' has no field 'housing_instabilty' "
                      "(did you mean 'housing_instability'? fields: housing_instability, food_insecurity, "
                      "transportation_insecurity, social_support, health_literacy)", "unknown field")
        # A library's mistake, once, though four rulesets include common/clinical.yaml.
        check(err.count("housing_instabilty") == 1, "a library error printed more than once:\n" + err)
        contains(err, "1 error(s)", "library error once")
        check("/../" not in err, "an unnormalised path:\n" + err)


def test_did_you_mean_valueset():
    with Copy() as c:
        line, col = c.edit("common/clinical.yaml", "where code in chronic_conditions", "where code in chronic_condtions")
        rc, out, err = c.check()
        expect_rc(rc, 1, "unknown value set", out, err)
        # `where code in ` is 14 characters before the name.
        contains(err, f"r/common/clinical.yaml:{line}:{col + 14}: error[E0402]: unknown name 'chronic_condtions' "
                      "(did you mean 'chronic_conditions'?)", "unknown value set")


def test_did_you_mean_key():
    with Copy() as c:
        line, _ = c.edit("intensity/intensity-v2.yaml", "\nparameters:", "\nparametres:")
        rc, out, err = c.check()
        expect_rc(rc, 1, "misspelt section", out, err)
        contains(err, f"r/intensity/intensity-v2.yaml:{line + 1}:1: error[E0301]: unknown key 'parametres' in a ruleset "
                      "(did you mean 'parameters'? allowed: ", "misspelt section")
        # One mistake, one error: every use of a parameter declared under it is a note.
        errors = [l for l in err.splitlines() if ": error[" in l]
        notes = [l for l in err.splitlines() if ": note[E0402]: follow-on of the unknown key 'parametres'" in l]
        check(len(errors) == 1, "follow-ons reported as errors:\n" + err)
        check(len(notes) >= 1, "no follow-on notes:\n" + err)
        contains(err, f"1 error(s), {len(notes)} follow-on note(s)", "misspelt section")


def test_yaml_positions():
    with Copy() as c:
        # An unclosed `[`: reported on its own line, at the bracket.
        line, col = c.edit("intensity/intensity-v2.yaml", "order: [routine, care_coordination, case_management]",
                           "order: [routine, care_coordination, case_management")
        rc, out, err = c.check()
        expect_rc(rc, 1, "unclosed [", out, err)
        contains(err, f"r/intensity/intensity-v2.yaml:{line}:{col + 7}: error[E0101]: YAML syntax error: "
                      "the '[' opened here is never closed by ']'", "unclosed [")
    with Copy() as c:
        # An unterminated string at the end of the file: a syntax error where it opens.
        last = c.append("intensity/intensity-v2.yaml", "x: \"not closed\n")
        rc, out, err = c.check()
        expect_rc(rc, 1, "unterminated string", out, err)
        contains(err, f"r/intensity/intensity-v2.yaml:{last}:4: error[E0101]: YAML syntax error: "
                      "the string opened here with \" is never closed", "unterminated string")
        check("E0301" not in err, "an unterminated string reported as an unknown key:\n" + err)


def test_impossible_dates():
    with Copy() as c:
        line, col = c.edit("intensity/intensity-v2.yaml", "from: 2026-01-01", "from: 2026-02-30")
        rc, out, err = c.check()
        expect_rc(rc, 1, "impossible effective date", out, err)
        # 2026 is not a leap year: February has 28 days.
        contains(err, f"r/intensity/intensity-v2.yaml:{line}:{col + 6}: error[E0304]: effective.from: 2026-02-30 "
                      "is not a calendar date (February 2026 has 28 days)", "impossible effective date")
    rc, out, err = run("eval", "--rules", "rulesets", "--as-of", "2024-04-31", "examples/patients")
    expect_rc(rc, 2, "impossible --as-of", out, err)
    contains(err, "--as-of 2024-04-31 is not a calendar date (April 2024 has 30 days)", "impossible --as-of")
    # In a patient document the value is patient data: the field is named, the date is not.
    rc, out, err = run("eval", "--rules", "rulesets", "--as-of", AS_OF, "--format", "ndjson", "-",
                       stdin='{"id":"d1","birth_date":"1950-02-29","sex":"female"}\n')
    expect_rc(rc, 1, "impossible birth date", out, err)
    contains(err, "birth_date: not a calendar date (no such day or month)", "impossible birth date")
    check("1950-02-29" not in err, "a patient's date echoed:\n" + err)


def test_patient_keys():
    # `socail` looks like a schema word: named, with the field it is closest to. `MRN 4471`
    # could hold data: named by its position only (the 5th key of the object).
    doc = '{"id":"k1","birth_date":"1950-01-01","sex":"female","socail":{},"MRN 4471":1}\n'
    rc, out, err = run("eval", "--rules", "rulesets", "--as-of", AS_OF, "--format", "ndjson", "-", stdin=doc)
    expect_rc(rc, 1, "unknown patient keys", out, err)
    contains(err, "error[E0202]: unknown field 'socail' (did you mean 'social'?)", "schema-like key")
    contains(err, "unknown field (the 5th key of this object)", "data-like key")
    check("MRN" not in err and "4471" not in err, "a data-like key echoed:\n" + err)


def test_check_file_exit():
    # One edited file alone: its library's facts and parameters are unused by the other
    # rulesets it would be checked with, so check reports warnings and fails; the last line
    # says "failed", never "ok", whenever the exit status is 1.
    rc, out, err = run("check", "rulesets/programs/programs.yaml")
    last = out.strip().splitlines()[-1]
    if rc == 0:
        check(last.startswith("ok:"), f"check exit 0 but the last line is {last!r}")
    else:
        expect_rc(rc, 1, "check one file", out, err)
        check(last.startswith("failed:"), f"check exit 1 but the last line is {last!r}")
    rc, out, err = run("check", "rulesets")
    expect_rc(rc, 0, "check rulesets", out, err)
    check(out.strip().splitlines()[-1].startswith("ok:"), "check rulesets: " + out)


# ---- tests the way analysts work ----------------------------------------------------------

def test_single_file_test_run():
    f = f"{DATA}/analyst-cases.yaml"
    rc, out, err = run("test", f, "--rules", "rulesets")
    expect_rc(rc, 1, "test FILE --rules", out, err)
    # Case 1 (line 5) passes: I10 is one chronic condition category, care coordination.
    # Case 2 (line 9) expects case management: the aligned table, columns as wide as their
    # widest cell ("case_management" is 15 wide, "what" padded to "tier"'s 4).
    contains(out, f"FAIL {f}:9: a case expecting the wrong tier, to show the failure table", "test FILE --rules")
    contains(out, "    what  expected         actual\n    tier  case_management  care_coordination\n", "aligned table")
    # Case 3 (line 13): the tier and program do not exist: errors at their keys, with the
    # valid tiers and the closest program (ccm).
    contains(out, f"{f}:16:20: error[E0610]: no loaded ruleset defines tier 'routine_care' "
                  "(tiers: routine, care_coordination, case_management)", "undefined tier")
    contains(out, f"{f}:16:45: error[E0610]: no loaded ruleset defines program 'ccn' (did you mean 'ccm'?)",
             "undefined program")
    # Case 4 (line 17): as_of on line 18, the value at column 12.
    contains(out, f"{f}:18:12: error[E0304]: as_of: 2026-02-30 is not a calendar date (February 2026 has 28 days)",
             "impossible as_of")
    contains(out, "1 passed, 3 failed", "test FILE --rules")
    check("not exercised:" not in out, "a single-file run lists the whole rulesets' coverage:\n" + out)
    check("triggers due:" not in out, "an empty section printed:\n" + out)
    # The tests file alone finds no ruleset, and says how to give one.
    rc, out, err = run("test", f)
    expect_rc(rc, 2, "test FILE alone", out, err)
    contains(err, "carecoord test FILE.yaml --rules DIR", "test FILE alone")


def test_explain_by_id():
    pop = os.path.join("tests", "cli", "data", "population", "diff-six.ndjson")
    # d2-routine-to-cm (line 2): two inpatient stays in the 12 months before the as-of date:
    # case management by cm_hospitalizations (threshold 2), which cites the seed's decision
    # boundaries; its title is printed, not the citation id.
    rc, out, err = run("explain", "--rules", "rulesets", "--as-of", AS_OF, "--id", "d2-routine-to-cm", pop)
    expect_rc(rc, 0, "explain --id", out, err)
    contains(out, "Patient d2-routine-to-cm as of 2026-11-27\n\nSummary\n  Tier: case_management, because 2 hospitalizations",
             "explain --id summary first")
    contains(out, "source: Care Coordination and Case Management in Healthcare (seed), Decision boundaries", "citation title")
    check("[seed_decision_boundaries]" not in out, "a citation id instead of its title:\n" + out)
    # The facts only with --facts.
    check("\nFacts:\n" not in out, "facts listed without --facts:\n" + out)
    rc, out, err = run("explain", "--rules", "rulesets", "--as-of", AS_OF, "--facts", "--id", "d2-routine-to-cm", pop)
    contains(out, "\nFacts:\n", "explain --facts")
    # Several patients and no --id: a usage error; an id that is not there: exit 1, the id
    # not echoed.
    rc, out, err = run("explain", "--rules", "rulesets", "--as-of", AS_OF, pop)
    expect_rc(rc, 2, "explain NDJSON without --id", out, err)
    contains(err, "holds 6 patients: give --id ID", "explain NDJSON without --id")
    rc, out, err = run("explain", "--rules", "rulesets", "--as-of", AS_OF, "--id", "zz-missing", pop)
    expect_rc(rc, 1, "explain unknown id", out, err)
    contains(err, "no patient with the --id given among the 6 record(s)", "explain unknown id")
    check("zz-missing" not in err, "the id echoed:\n" + err)
    # `not in` shows the value compared: recent_hf_discharge_ffs.yaml has social_support
    # limited, which is not in reliable_social_support.
    rc, out, err = run("explain", "--rules", "rulesets", "--as-of", AS_OF, "examples/patients/recent_hf_discharge_ffs.yaml")
    contains(out, "social.social_support not in reliable_social_support   (limited not in reliable_social_support)",
             "not in with its value")
    # Codes beside what the rulesets make of them: I50.22 is under I50, the heart_failure
    # category of chronic_conditions (rulesets/common/clinical.yaml); N18.31 under N18,
    # chronic_kidney_disease. Listed in the summary, before the rule-by-rule detail.
    contains(out, "    I50.22     icd10cm  chronic_conditions: heart_failure;", "code with its category")
    contains(out, "    N18.31     icd10cm  chronic_conditions: chronic_kidney_disease", "code with its category")
    check(out.index("I50.22     icd10cm") < out.index("Tier rules ("), "codes not in the summary:\n" + out)


def test_explain_fhir_bulk():
    # tests/fhir/bulk-warnings: fx-1 has a diabetes Condition (E119, read as E11.9) with an
    # onset: one chronic condition category, care coordination.
    rc, out, err = run("explain", "--rules", "rulesets", "--as-of", AS_OF, "--input-format", "fhir-bulk", "--id", "fx-1",
                       os.path.join("tests", "fhir", "bulk-warnings"))
    expect_rc(rc, 0, "explain fhir-bulk", out, err)
    contains(out, "Patient fx-1 as of 2026-11-27", "explain fhir-bulk")
    contains(out, "Tier: care_coordination, because 1 active chronic condition categories, from E11.9", "explain fhir-bulk")


def test_csv_columns():
    # The documented columns (docs/cli.md, CSV columns), in order: record columns, one per
    # program and two per trigger of the rulesets in force, then error.
    rc, out, err = run("eval", "--rules", "rulesets", "--as-of", AS_OF, "--format", "csv",
                       "examples/patients/recent_hf_discharge_ffs.yaml")
    expect_rc(rc, 0, "eval csv", out, err)
    header = next(csv.reader(io.StringIO(out)))
    check(header[:6] == ["source", "patient_id", "as_of", "tier", "tier_by_default", "flags"] and header[-1] == "error",
          f"csv header: {header}")
    # Every program and trigger the default rulesets define, as a column.
    for program in ["ccm", "pcm", "tcm", "c_snp"]:
        check("program_" + program in header, f"no column for program {program}: {header}")
    for trigger in ["post_discharge_call", "annual_reassessment"]:
        check("trigger_" + trigger + "_due" in header and "trigger_" + trigger + "_status" in header,
              f"no columns for trigger {trigger}: {header}")
    rows = list(csv.DictReader(io.StringIO(out)))
    check(len(rows) == 1, f"one row per record: {out}")
    r = rows[0]
    # Discharged 2026-11-24T13:15: the call is due 72 hours later, the time kept; the last
    # comprehensive assessment 2025-10-20 + 1 year is 2026-10-20, before the as-of date:
    # overdue (a status column, not a `!` marker).
    check(r["trigger_post_discharge_call_due"] == "2026-11-27T13:15", f"due time: {r}")
    check(r["trigger_post_discharge_call_status"] == "open", f"status: {r}")
    check(r["trigger_annual_reassessment_due"] == "2026-10-20" and r["trigger_annual_reassessment_status"] == "overdue",
          f"overdue: {r}")
    check(r["program_ccm"] == "eligible" and r["tier"] == "case_management" and r["tier_by_default"] == "false", f"row: {r}")
    check("!" not in out and "?" not in out, "undocumented markers in the CSV:\n" + out)
    check(r["error"] == "", f"error column of a good record: {r}")


def test_progress_only_for_a_terminal():
    # Standard error here is a pipe: no progress line unless forced, and forced it goes to
    # standard error only (standard output stays the CSV).
    pop = os.path.join("tests", "cli", "data", "population", "diff-six.ndjson")
    rc, out, err = run("eval", "--rules", "rulesets", "--as-of", AS_OF, "--format", "csv", pop)
    expect_rc(rc, 0, "eval to a pipe", out, err)
    check("records, " not in err, "progress on a pipe:\n" + err)
    rc, out2, err = run("eval", "--rules", "rulesets", "--as-of", AS_OF, "--format", "csv", "--progress", pop)
    expect_rc(rc, 0, "eval --progress", out2, err)
    check(out2 == out, "--progress changed standard output")
    # The line is redrawn every 250 ms, in chunks of 4096, so the count moves in 4096s; the
    # final line, always drawn, is the total with no time left. 5,000 patients: a second or
    # more under the sanitizers (lines while counting), a fraction of it on a fast machine
    # (the final line only); both are checked below.
    rc, out, err = run("check", "--progress", "--sample", "5000", "--as-of", AS_OF, "rulesets")
    expect_rc(rc, 0, "check --sample --progress", out, err)
    # (text mode reads the carriage returns that redraw the line as line breaks)
    lines = [l.strip() for l in err.splitlines() if "records, " in l]
    check(len(lines) >= 1, "no progress line with --progress:\n" + err)
    check(all(re.fullmatch(r"\d+ records, \d+/s(, about \d+ s left)?", l) for l in lines), f"progress lines: {lines}")
    check("s left" not in lines[-1], f"time left on the final line: {lines}")
    check(bool(lines) and re.fullmatch(r"5000 records, \d+/s", lines[-1]) is not None, f"the final line is not the total: {lines}")
    check(len(lines) == 1 or "s left" in lines[0], f"no time left while counting: {lines}")
    check("records, " not in out, "progress on standard output")
    rc, out, err = run("check", "--progress", "--no-progress", "--sample", "5000", "--as-of", AS_OF, "rulesets")
    check("records, " not in err, "--no-progress (the last) still drew progress:\n" + err)


class TwoCopies:
    """Two scratch copies of rulesets/, `a/` as shipped and `b/` edited: the diff of a policy."""

    def __enter__(self):
        self.dir = tempfile.mkdtemp(prefix="carecoord-wb-")
        for side in ("a", "b"):
            shutil.copytree(os.path.join(SOURCE, "rulesets"), os.path.join(self.dir, side))
        return self

    def __exit__(self, *exc):
        shutil.rmtree(self.dir)

    def edit(self, rel, old, new):
        path = os.path.join(self.dir, "b", rel)
        text = open(path).read()
        check(old in text, f"fixture edit: {old!r} not in {rel}")
        with open(path, "w") as f:
            f.write(text.replace(old, new, 1))

    def diff(self, *extra):
        pop = os.path.join(SOURCE, "tests", "cli", "data", "population", "diff-six.ndjson")
        return run("diff", "--from", "a/intensity/intensity-v2.yaml", "--to", "b/intensity/intensity-v2.yaml",
                   "--with", "a/programs", "--as-of", AS_OF, *extra, pop, cwd=self.dir)


def edit_policy(c):
    # The analyst's change: one threshold, one value-set entry added and one removed, one rule
    # removed, one rule's condition changed, and one rule added.
    c.edit("intensity/intensity-v2.yaml", "  case_management_min_conditions:\n    value: 4",
           "  case_management_min_conditions:\n    value: 3")
    # (the chronic categories' heart_failure holds exactly I50; atrial_fibrillation I48 and one
    # SNOMED code: each line below is unique in the file)
    c.edit("common/clinical.yaml", '        icd10cm: ["I50"]\n', '        icd10cm: ["I50", "I11.0"]\n')
    c.edit("common/clinical.yaml", '        icd10cm: ["I48"]\n        snomed: ["49436004"]',
           '        icd10cm: ["I48"]\n        snomed: []')
    c.edit("intensity/intensity-v2.yaml",
           '    - id: cm_food_insecurity\n      tier: case_management\n      when: food_insecurity\n',
           '    - id: cm_food_and_housing\n      tier: case_management\n      when: food_insecurity and housing_instability\n')
    c.edit("intensity/intensity-v2.yaml", "when: hospitalizations_12m >= case_management_min_hospitalizations",
           "when: hospitalizations_12m >= case_management_min_hospitalizations + 1")


def test_policy_diff_text():
    with TwoCopies() as c:
        edit_policy(c)
        rc, out, err = c.diff()
        expect_rc(rc, 0, "policy diff", out, err)
        # Five changes: the parameter, the value set (one change, an entry added and one
        # removed), and three rules (removed, added, changed).
        contains(out, "Policy changes: 5\n", "policy diff count")
        contains(out, "  intensity: parameter case_management_min_conditions 4 -> 3\n", "parameter change")
        contains(out, "  intensity: tier rule cm_food_and_housing added (tier: case_management; when: food_insecurity and housing_instability)\n",
                 "rule added")
        contains(out, "  intensity: tier rule cm_food_insecurity removed (was tier: case_management; when: food_insecurity)\n", "rule removed")
        contains(out, "  intensity: tier rule cm_hospitalizations changed: tier: case_management; when: hospitalizations_12m >= "
                      "case_management_min_hospitalizations -> tier: case_management; when: hospitalizations_12m >= "
                      "case_management_min_hospitalizations + 1\n", "rule changed")
        contains(out, "  intensity: value set chronic_conditions: +category heart_failure: icd10cm I11.0; "
                      "-category atrial_fibrillation: snomed 49436004\n", "value-set entries")
        # Next to the counts: the policy changes come before the transition matrix.
        check(out.index("Policy changes") < out.index("Tier transitions"), "policy changes after the counts:\n" + out)
        # The same rulesets on both sides: no change.
    with TwoCopies() as c:
        rc, out, err = c.diff()
        contains(out, "Policy changes: 0\n", "no policy change")


def test_policy_diff_json():
    with TwoCopies() as c:
        edit_policy(c)
        rc, out, err = c.diff("--format", "json")
        expect_rc(rc, 0, "policy diff json", out, err)
        changes = json.loads(out)["policy_changes"]
        by = {(ch["kind"], ch["name"]): ch for ch in changes}
        check(by.get(("parameter", "case_management_min_conditions")) ==
              {"ruleset": "intensity", "kind": "parameter", "name": "case_management_min_conditions", "change": "changed", "before": "4", "after": "3"},
              f"json parameter: {changes}")
        vs = by.get(("value set", "chronic_conditions"), {})
        check(vs.get("added") == ["category heart_failure: icd10cm I11.0"] and
              vs.get("removed") == ["category atrial_fibrillation: snomed 49436004"], f"json value set: {vs}")
        check(by.get(("tier rule", "cm_food_insecurity"), {}).get("after", "x") is None, f"json removed rule: {changes}")
        check(by.get(("tier rule", "cm_food_and_housing"), {}).get("before", "x") is None, f"json added rule: {changes}")
        check(len(changes) == 5, f"json: {len(changes)} changes: {changes}")


def test_citations_ship():
    # Every section a default ruleset cites ("docs/sources.md §9") is a heading of
    # docs/sources.md, and nothing cites facts.md, which does not ship.
    import glob
    sources = open(os.path.join(SOURCE, "docs", "sources.md")).read()
    headings = set(re.findall(r"^## (§\d+) ", sources, re.M))
    cited = set()
    for path in glob.glob(os.path.join(SOURCE, "rulesets", "**", "*.yaml"), recursive=True):
        text = open(path).read()
        check("facts.md" not in text, f"{path} cites facts.md")
        cited |= set(re.findall(r"docs/sources\.md (§\d+)", text))
        if "(seed)" in text:
            check("## The seed: Care Coordination and Case Management in Healthcare" in sources, "the seed is not in docs/sources.md")
    check(len(cited) >= 5, f"too few citations found: {cited}")
    check(cited <= headings, f"cited sections missing from docs/sources.md: {sorted(cited - headings)}")


def test_cli_doc_outputs():
    # docs/cli.md shows real output: every fenced block after a marker
    #   <!-- output of: carecoord ARGS -->
    #   <!-- output of, after editing FILE 'OLD' -> 'NEW': carecoord ARGS -->
    # is compared with what the command prints now (standard output and error): each line of
    # the block, except "...", must be a line of the output, in order. So the numbers in the
    # page cannot drift from the commands they describe.
    doc = open(os.path.join(SOURCE, "docs", "cli.md")).read()
    marker = re.compile(r"<!-- output of(?:, after editing (\S+) '([^\n]*?)' -> '([^\n]*?)')?: carecoord ([^\n]*?) -->\n+"
                        r"( *)```[a-z]*\n(.*?)\n *```", re.S)
    blocks = marker.findall(doc)
    check(len(blocks) == doc.count("<!-- output of"), "a marker in docs/cli.md is not followed by a fenced block")
    check(len(blocks) >= 8, f"only {len(blocks)} checked output blocks in docs/cli.md")
    for path, old, new, args, indent, block in blocks:
        block = "\n".join(l[len(indent):] if l.startswith(indent) else l for l in block.split("\n"))
        with Copy() as c:
            for d in ("examples", "tests", "docs", "schemas"):
                os.symlink(os.path.join(SOURCE, d), os.path.join(c.dir, d))
            os.rename(os.path.join(c.dir, "r"), os.path.join(c.dir, "rulesets"))
            os.symlink(os.path.join(SOURCE, "rulesets"), os.path.join(c.dir, "rulesets-before"))
            if path:
                text = open(os.path.join(c.dir, path)).read()
                check(old.replace("\\n", "\n") in text, f"docs/cli.md: {old!r} is not in {path}")
                with open(os.path.join(c.dir, path), "w") as f:
                    f.write(text.replace(old.replace("\\n", "\n"), new.replace("\\n", "\n"), 1))
            p = subprocess.run([CARECOORD, *args.split()], cwd=c.dir, capture_output=True, text=True, timeout=120)
            got = [l.rstrip() for l in (p.stdout + p.stderr).splitlines()]
            at = 0
            for want in block.rstrip("\n").split("\n"):
                if want.strip() == "...":
                    continue
                want = want.rstrip()
                while at < len(got) and got[at] != want:
                    at += 1
                if at == len(got):
                    failures.append(f"docs/cli.md, `carecoord {args}`: the line {want!r} is not in the output (in order):\n"
                                    + "\n".join(got[:60]))
                    break
                at += 1


TESTS = {name[5:]: fn for name, fn in globals().items() if name.startswith("test_")}

if __name__ == "__main__":
    if NAME not in TESTS:
        print(f"unknown test {NAME}; known: {', '.join(sorted(TESTS))}")
        sys.exit(2)
    TESTS[NAME]()
    for f in failures:
        print("FAILED:", f, "\n")
    print(f"{NAME}: {'FAIL' if failures else 'ok'}")
    sys.exit(1 if failures else 0)
