#!/usr/bin/env python3
"""Tests of the carecoord command-line tool: output and exit status of each command on good
and bad input. Every expected value is worked out by hand from the fixture files under
tests/cli/data and the rulesets (the comments say how), never copied from the tool's output.

Usage: cli_tests.py CARECOORD POPGEN SOURCE_DIR TEST_NAME
"""
import csv
import io
import json
import os
import re
import subprocess
import sys
import xml.dom.minidom

import harness
from harness import check, contains, expect_rc, failures, run

CARECOORD, POPGEN, SOURCE, NAME = sys.argv[1:5]
harness.CARECOORD, harness.SOURCE = CARECOORD, SOURCE
DATA = os.path.join("tests", "cli", "data")
AS_OF = "2026-11-27"


# ---- help and usage -------------------------------------------------------------------

def test_help():
    for cmd in ["check", "test", "eval", "explain", "diff", "plan"]:
        rc, out, err = run(cmd, "--help")
        expect_rc(rc, 0, f"{cmd} --help", out, err)
        contains(out, "Usage: carecoord " + cmd, f"{cmd} --help")
        contains(out, "Example", f"{cmd} --help")
    rc, out, _ = run("--help")
    expect_rc(rc, 0, "--help")
    contains(out, "diff --from PATH --to PATH", "carecoord --help")
    rc, _, err = run()
    expect_rc(rc, 2, "no command")
    rc, _, err = run("frobnicate")
    expect_rc(rc, 2, "unknown command")
    contains(err, "unknown command", "unknown command")
    rc, _, err = run("diff", "--from", "rulesets", "--to", "rulesets", f"{DATA}/population/diff-six.ndjson")
    expect_rc(rc, 2, "diff without a date", err=err)
    contains(err, "--as-of", "diff without a date")
    rc, _, err = run("check", "--sample", "10", "rulesets")
    expect_rc(rc, 2, "check --sample without --as-of", err=err)


# ---- check ----------------------------------------------------------------------------

def test_check_default_rulesets():
    rc, out, err = run("check", "rulesets")
    expect_rc(rc, 0, "check rulesets", out, err)
    # intensity v1 and v2, programs, triggers and the care_plan workflow: 5 versions.
    contains(out, "5 ruleset version(s) loaded with no errors; 0 warning(s)", "check rulesets")


def test_check_several_errors():
    # tests/cli/data/errors/several-errors.yaml, counted by hand:
    #   line 3  `version: one`                 the value starts at column 10
    #   line 5  `colour: blue`                 the unknown key at column 1
    #   line 16 `      when: conditon_count >= 2`  the misspelt name at column 13
    #   line 18 `      source: nowhere`        the value at column 15
    #   line 21 `      when: age >= "old"`     the comparison `>=` at column 17
    rc, out, err = run("check", f"{DATA}/errors")
    expect_rc(rc, 1, "check several errors", out, err)
    f = f"{DATA}/errors/several-errors.yaml"
    for where in [f"{f}:3:10: error[E0304]", f"{f}:5:1: error[E0301]", f"{f}:16:13: error[E0402]",
                  f"{f}:18:15: error[E0309]", f"{f}:21:17: error[E0403]"]:
        contains(err, where, "check several errors")
    contains(err, "5 error(s)", "check several errors")


def test_check_analysis():
    # tests/cli/data/analysis/findings.yaml, positions counted by hand (rules are reported at
    # their `id`, column 7 after `    - `; flow-sequence entries at their opening quote).
    rc, out, err = run("check", f"{DATA}/analysis")
    expect_rc(rc, 1, "check analysis", out, err)
    f = f"{DATA}/analysis/findings.yaml"
    expected = [
        f"{f}:21:7: warning[W0701]: tier rule 'cm_never' can never match",        # when: 1 > 2
        f"{f}:29:7: warning[W0703]: tier rule 'cc_conditions' has the same `when` as 'cm_conditions' (line 25",
        f"{f}:33:7: warning[W0701]: tier rule 'cc_any' can never match",          # ... and false
        f"{f}:7:24: warning[W0705]: parameter 'forgotten_threshold'",
        f"{f}:16:16: warning[W0704]: fact 'unused_fact'",
        f"{f}:11:39: warning[W0706]: value-set entry 'E11.9' overlaps 'E10-E11'",
        f"{f}:13:28: warning[W0707]: value-set entry 'N18.6' of category 'dialysis' overlaps 'N18'",
        f"{f}:13:56: warning[W0707]: value-set entry '46177005' of category 'dialysis'",
    ]
    for e in expected:
        contains(err, e, "check analysis")
    contains(out, "8 warning(s)", "check analysis")
    # min_conditions and chronic_count are used: not reported.
    check("'min_conditions'" not in err and "'chronic_count'" not in err, "used names reported as unused:\n" + err)
    rc, out, err = run("check", "--no-analysis", f"{DATA}/analysis")
    expect_rc(rc, 0, "check --no-analysis", out, err)


def test_check_gaps():
    # gaps.yaml: cm_very_old (age >= 100, line 9) and cc_conditions (any condition).
    # population.ndjson: g1 (70, one condition) and g3 (50, one condition) are care
    # coordination; g2 (40, no condition) matches no rule. Nobody is 100.
    f = f"{DATA}/gaps/gaps.yaml"
    args = ["check", "--as-of", AS_OF, f]
    rc, out, err = run(*args[:-1], "--population", f"{DATA}/gaps/population.ndjson", f)
    expect_rc(rc, 1, "check gaps", out, err)
    contains(err, f"{f}:9:7: warning[W0708]: tier rule 'cm_very_old' matched none of the 3 patients", "check gaps")
    contains(err, f"{f}: note[W0709]: 1 of the 3 patients of the population matched no tier rule and got the default tier 'routine' (e.g. g2)", "check gaps")
    contains(out, "1 warning(s)", "check gaps")
    # population-all.ndjson adds g4, born 1925: 101 years old, case management. Every rule
    # matched; the default is only a note, so the exit status is 0 unless --strict-default.
    rc, out, err = run(*args[:-1], "--population", f"{DATA}/gaps/population-all.ndjson", f)
    expect_rc(rc, 0, "check gaps, every rule matched", out, err)
    check("W0708" not in err, "no W0708 expected:\n" + err)
    rc, out, err = run(*args[:-1], "--strict-default", "--population", f"{DATA}/gaps/population-all.ndjson", f)
    expect_rc(rc, 1, "check gaps --strict-default", out, err)
    contains(err, f"{f}: warning[W0709]: 1 of the 4 patients", "check gaps --strict-default")


def test_check_sample():
    # A generated sample over the default rulesets: evaluated, and every tier rule of
    # intensity 2.0.0 is reached by 2,000 patients of the popgen mix.
    rc, out, err = run("check", "--sample", "2000", "--as-of", AS_OF, "rulesets")
    expect_rc(rc, 0, "check --sample", out, err)
    contains(out, "gap analysis: 2000 patients evaluated as of 2026-11-27", "check --sample")
    check("W0708" not in err, "a default tier rule was not reached by the sample:\n" + err)


# ---- test -----------------------------------------------------------------------------

def test_failing_case_side_by_side():
    # failing/tests.yaml: case 1 (one condition -> cc_one, care_coordination) passes;
    # case 2 (line 9) has two conditions, so cm_many makes it case_management, not the
    # care_coordination it expects.
    rc, out, err = run("test", f"{DATA}/failing")
    expect_rc(rc, 1, "test failing", out, err)
    contains(out, f"FAIL {DATA}/failing/tests.yaml:9: two conditions expected as care coordination", "test failing")
    lines = out.splitlines()
    header = [l for l in lines if l.split() == ["what", "expected", "actual"]]
    row = [l for l in lines if l.split() == ["tier", "care_coordination", "case_management"]]
    check(len(header) == 1 and len(row) == 1, "side-by-side table missing:\n" + out)
    contains(out, "rules fired: cm_many cc_one", "test failing")
    contains(out, "1 passed, 1 failed", "test failing")
    rc, out, err = run("test", "rulesets")
    expect_rc(rc, 0, "test rulesets", out, err)


def test_test_coverage():
    # failing/: two tier rules, each matched by a case (case 2 matches both): covered.
    rc, out, err = run("test", "--coverage", f"{DATA}/failing")
    contains(out, "coverage: 2 of 2 rules, programs and triggers exercised", "test --coverage")
    expect_rc(rc, 1, "test --coverage (a case fails)", out, err)
    # gaps/ has no test cases at all: nothing is exercised, cm_very_old and cc_conditions
    # are listed; "no test cases found" is exit status 1.
    rc, out, err = run("test", "--coverage", f"{DATA}/gaps")
    expect_rc(rc, 1, "test --coverage without cases", out, err)
    contains(out, "not exercised: tier rule cm_very_old", "test --coverage")
    contains(out, "--coverage: 2 item(s) not exercised", "test --coverage")
    rc, out, err = run("test", "--bogus", "rulesets")
    expect_rc(rc, 2, "test --bogus", out, err)


# ---- eval -----------------------------------------------------------------------------

def test_eval_mixed_batch():
    # mixed.ndjson: m1 (I10: care_coordination), line 2 is bad (2025-02-30 is not a date,
    # "F" is not a sex), m3 (nothing: routine).
    rc, out, err = run("eval", "--rules", "rulesets", "--as-of", AS_OF, "--format", "ndjson", "--jobs", "3",
                       f"{DATA}/population/mixed.ndjson")
    expect_rc(rc, 1, "eval mixed", out, err)
    dets = [json.loads(l) for l in out.splitlines()]
    check([d["patient_id"] for d in dets] == ["m1", "m3"], f"eval mixed: good records in order, got {out}")
    check([d["tier"]["id"] for d in dets] == ["care_coordination", "routine"], f"eval mixed tiers: {out}")
    contains(err, f"{DATA}/population/mixed.ndjson:2: error[E0204]: birth_date:", "eval mixed")
    contains(err, f"{DATA}/population/mixed.ndjson:2: error[E0207]: sex:", "eval mixed")
    contains(err, "1 of 3 records failed", "eval mixed")
    for value in ["secret-id-m2", "2025-02-30", '"F"']:
        check(value not in err, f"eval mixed: the error shows a patient value {value!r}:\n{err}")
    # The same batch as CSV on standard input.
    with open(os.path.join(SOURCE, DATA, "population", "mixed.ndjson")) as f:
        rc, out, err = run("eval", "--rules", "rulesets", "--as-of", AS_OF, "--format", "csv", stdin=f.read())
    expect_rc(rc, 1, "eval mixed csv", out, err)
    # One row per input record (docs/cli.md, CSV columns): the bad record is a row with its
    # source and an error, and nothing else.
    rows = list(csv.DictReader(io.StringIO(out)))
    check([(r["patient_id"], r["tier"]) for r in rows] == [("m1", "care_coordination"), ("", ""), ("m3", "routine")],
          "eval csv:\n" + out)
    check(len(rows) == 3 and rows[1]["source"] == "<stdin>:2" and "error[E0204]: birth_date:" in rows[1]["error"]
          and rows[0]["error"] == "" and rows[2]["error"] == "", "eval csv error row:\n" + out)
    contains(err, "<stdin>:2: error[E0204]", "eval mixed csv")


def test_eval_jobs_pipeline():
    # Three chunks of 4,096 records and more (docs/cli.md: reading, evaluating and writing
    # overlap from --jobs 2 on), with bad lines in the first, second and last chunk: every
    # --jobs gives the good records in input order and the errors in input order.
    rc, pop, err = run("--as-of", AS_OF, "--count", "9000", "--seed", "5", prog=POPGEN)
    expect_rc(rc, 0, "popgen for jobs", err=err)
    lines = pop.splitlines()
    bad = {0, 4097, 8999}  # 0-based positions in the input of the lines made unreadable
    for i in sorted(bad):
        lines.insert(i, '{"id": "x", "birth_date": "2025-02-30"}')
    text = "\n".join(lines) + "\n"
    want_ids = [json.loads(l)["id"] for i, l in enumerate(lines) if i not in bad]
    want_errors = [f"<stdin>:{i + 1}: error[E0204]: birth_date:" for i in sorted(bad)]
    outputs = []
    for jobs in ["1", "2", "3"]:
        rc, out, err = run("eval", "--rules", "rulesets", "--as-of", AS_OF, "--format", "ndjson", "--jobs", jobs,
                           stdin=text)
        expect_rc(rc, 1, f"eval --jobs {jobs}", err=err)
        got_ids = [json.loads(l)["patient_id"] for l in out.splitlines()]
        check(got_ids == want_ids, f"eval --jobs {jobs}: {len(got_ids)} determinations, not the input's order")
        got_errors = [l for l in err.splitlines() if "error[" in l]
        check(len(got_errors) == 3 and all(g.startswith(w) for g, w in zip(got_errors, want_errors)),
              f"eval --jobs {jobs}: errors {got_errors}")
        contains(err, "3 of 9003 records failed", f"eval --jobs {jobs}")
        outputs.append(out)
    check(outputs[0] == outputs[1] == outputs[2], "eval: --jobs 1, 2 and 3 differ")


def test_eval_examples():
    rc, out, err = run("eval", "--rules", "rulesets", "--as-of", AS_OF, "examples/patients")
    expect_rc(rc, 0, "eval examples", out, err)
    check(len(json.loads(out)) == 5, "eval examples: 5 determinations")


# ---- popgen ---------------------------------------------------------------------------

def test_popgen_decodes():
    rc, out, err = run("--as-of", AS_OF, "--count", "1500", "--seed", "11", prog=POPGEN)
    expect_rc(rc, 0, "popgen", err=err)
    lines = out.splitlines()
    check(len(lines) == 1500, f"popgen: {len(lines)} lines")
    rc2, out2, _ = run("--as-of", AS_OF, "--count", "1500", "--seed", "11", prog=POPGEN)
    check(out == out2, "popgen is not deterministic")
    rc, ev, err = run("eval", "--rules", "rulesets", "--as-of", AS_OF, "--format", "csv", stdin=out)
    expect_rc(rc, 0, "every generated record decodes and evaluates", err=err[:2000])
    check(len(ev.splitlines()) == 1501, "popgen eval: one row per patient")
    rc, _, err = run("--count", "3", prog=POPGEN)
    expect_rc(rc, 2, "popgen without --as-of", err=err)


# ---- diff -----------------------------------------------------------------------------

DIFF_ARGS = ["diff", "--from", "rulesets/intensity/intensity-v1.yaml", "--to", "rulesets/intensity/intensity-v2.yaml",
             "--with", "rulesets/programs", "--ignore-effective", "--as-of", AS_OF]


def test_diff_by_hand():
    # diff-six.ndjson, as of 2026-11-27. Every patient has English, no social need and
    # known screens, so only chronic counts and hospitalizations decide. v1: case management
    # at 5 conditions or 3 hospitalizations; v2: 4 and 2. Care coordination at 1 condition.
    #   d1: 4 conditions (E11.9 diabetes, I10 hypertension, N18.4 CKD, J44.9 COPD):
    #       v1 care_coordination (cc_chronic_conditions) -> v2 case_management (cm_chronic_conditions)
    #   d2: no condition, 2 inpatient stays in 2026: v1 routine (default) -> v2 case_management
    #       (cm_hospitalizations)
    #   d3: 5 conditions: case_management on both
    #   d4: nothing: routine on both
    #   d5: I10 only: care_coordination on both
    #   d6: 3 inpatient stays in 2026: case_management on both
    # Programs: complex_ccm needs 2+ conditions, case management and Medicare: d3 on both
    # sides, d1 (Medicare FFS) only after: gained by d1. Acme complex case management needs
    # case management and an acme plan: d2 (acme_ppo) only after. CCM (Medicare, 2+
    # conditions): d1 and d3 on both sides. PCM (Medicare, 1+): d1, d3, d6 on both sides.
    rc, out, err = run(*DIFF_ARGS, "--format", "json", f"{DATA}/population/diff-six.ndjson")
    expect_rc(rc, 0, "diff by hand", out, err)
    r = json.loads(out)
    check(r["patients"] == 6 and r["moved_up"] == 2 and r["moved_down"] == 0, f"diff totals: {r}")
    check(r["tiers"] == ["routine", "care_coordination", "case_management"], f"diff tiers {r['tiers']}")
    cells = {(t["from"], t["to"]): t for t in r["transitions"]}
    want = {("routine", "routine"): 1, ("routine", "case_management"): 1, ("care_coordination", "care_coordination"): 1,
            ("care_coordination", "case_management"): 1, ("case_management", "case_management"): 2}
    check({k: v["count"] for k, v in cells.items()} == want, f"diff matrix: {cells}")
    check(cells[("care_coordination", "case_management")]["examples"] == ["d1-cc-to-cm"], "diff example d1")
    check(cells[("routine", "case_management")]["examples"] == ["d2-routine-to-cm"], "diff example d2")
    check(cells[("case_management", "case_management")]["examples"] == ["d3-cm-both", "d6-cm-hospitalizations-both"], "diff examples cm")
    check(cells[("care_coordination", "case_management")]["from_rules"] == {"cc_chronic_conditions": 1}, "d1 rules before")
    check(cells[("care_coordination", "case_management")]["to_rules"] == {"cc_chronic_conditions": 1, "cm_chronic_conditions": 1}, "d1 rules after")
    check(cells[("routine", "case_management")]["from_rules"] == {"(no rule: the default tier)": 1}, "d2 rules before")
    check(cells[("routine", "case_management")]["to_rules"] == {"cm_hospitalizations": 1}, "d2 rules after")
    programs = {p["id"]: p for p in r["programs"]}
    check(programs["complex_ccm"]["gained"] == {"count": 1, "examples": ["d1-cc-to-cm"]}, f"complex_ccm {programs['complex_ccm']}")
    check((programs["complex_ccm"]["eligible_from"], programs["complex_ccm"]["eligible_to"]) == (1, 2), "complex_ccm counts")
    check(programs["acme_complex_case_management"]["gained"]["examples"] == ["d2-routine-to-cm"], "acme gained")
    check((programs["ccm"]["eligible_from"], programs["ccm"]["eligible_to"]) == (2, 2), "ccm counts")
    check((programs["pcm"]["eligible_from"], programs["pcm"]["eligible_to"]) == (3, 3), "pcm counts")
    for pid, p in programs.items():
        check(p["lost"]["count"] == 0, f"{pid} lost by nobody")
        if pid not in ("complex_ccm", "acme_complex_case_management"):
            check(p["gained"]["count"] == 0 and p["other"]["count"] == 0, f"{pid} unchanged")

    rc, out, err = run(*DIFF_ARGS, f"{DATA}/population/diff-six.ndjson")
    expect_rc(rc, 0, "diff text", out, err)
    contains(out, "2 patient(s) changed tier: 2 up, 0 down; 4 unchanged", "diff text")
    contains(out, "care_coordination -> case_management: 1 (e.g. d1-cc-to-cm)", "diff text")
    contains(out, "stayed case_management: 2 (e.g. d3-cm-both, d6-cm-hospitalizations-both)", "diff text")
    row = [l.split() for l in out.splitlines() if l.startswith("care_coordination ")]
    check(row == [["care_coordination", "0", "1", "1", "2"]], f"diff text matrix row: {row}")

    rc, out, err = run(*DIFF_ARGS, "--format", "html", f"{DATA}/population/diff-six.ndjson")
    expect_rc(rc, 0, "diff html", out, err)
    check(out.startswith("<!DOCTYPE html>") and out.count("<svg") == 2, "diff html: two inline SVG charts")
    for external in ["http://", "https://", "<script", "<link", "src="]:
        check(external not in out.replace('xmlns="http://www.w3.org/2000/svg"', ""), f"diff html refers to {external}")
    contains(out, "d1-cc-to-cm", "diff html")
    for svg in re.findall(r"<svg.*?</svg>", out, re.S):
        try:
            xml.dom.minidom.parseString(svg)
        except Exception as e:  # noqa: BLE001 - any parse error is a failure
            failures.append(f"diff html: an SVG chart is not well-formed XML: {e}")


def test_diff_dates_and_errors():
    # The same rulesets/ directory the day before and the day version 2 takes effect: d1
    # and d2 move as above (the population's data are the same on both days).
    rc, out, err = run("diff", "--from", "rulesets", "--to", "rulesets", "--from-as-of", "2025-12-31",
                       "--to-as-of", "2026-01-01", "--format", "json", f"{DATA}/population/diff-six.ndjson")
    expect_rc(rc, 0, "diff by dates", out, err)
    r = json.loads(out)
    check([x["version"] for x in r["from"]["rulesets"] if x["id"] == "intensity"] == ["1.0.0"], "from intensity 1.0.0")
    check([x["version"] for x in r["to"]["rulesets"] if x["id"] == "intensity"] == ["2.0.0"], "to intensity 2.0.0")
    # Without --ignore-effective, version 1 is not in force at 2026-11-27: a clear error.
    rc, out, err = run(*[a for a in DIFF_ARGS if a != "--ignore-effective"], f"{DATA}/population/diff-six.ndjson")
    expect_rc(rc, 2, "diff v1 out of force", out, err)
    contains(err, "add --ignore-effective", "diff v1 out of force")
    # --ignore-effective with both versions on one side is ambiguous.
    rc, out, err = run("diff", "--from", "rulesets", "--to", "rulesets/intensity/intensity-v2.yaml", "--ignore-effective",
                       "--as-of", AS_OF, f"{DATA}/population/diff-six.ndjson")
    expect_rc(rc, 2, "diff ambiguous versions", out, err)
    contains(err, "must load one version of ruleset 'intensity'", "diff ambiguous versions")
    # A bad record is named and left out; the rest is reported; exit status 1.
    rc, out, err = run(*DIFF_ARGS, "--format", "json", f"{DATA}/population/mixed.ndjson")
    expect_rc(rc, 1, "diff with a bad record", out, err)
    check(json.loads(out)["patients"] == 2, "diff counts the two good records")
    contains(err, "mixed.ndjson:2: error[E0204]: birth_date:", "diff with a bad record")
    check("secret-id-m2" not in err, "diff error shows a patient value")
    # A ruleset with errors on one side.
    rc, out, err = run("diff", "--from", f"{DATA}/errors", "--to", "rulesets", "--as-of", AS_OF, f"{DATA}/population/diff-six.ndjson")
    expect_rc(rc, 2, "diff with a broken ruleset", out, err)
    contains(err, "several-errors.yaml:3:10: error[E0304]", "diff with a broken ruleset")


# ---- lost output -----------------------------------------------------------------------


def run_to_full_disk(*args, prog=None):
    """Runs with stdout on /dev/full, where every write fails with ENOSPC."""
    with open("/dev/full", "w") as full:
        p = subprocess.run([prog or CARECOORD, *args], cwd=SOURCE, stdout=full, stderr=subprocess.PIPE, text=True,
                           timeout=120)
    return p.returncode, p.stderr


def test_full_disk():
    """Every command, writing to stdout or --output: a failed write is an error (E0602, exit
    status 2) naming the output, never exit 0 with nothing written."""
    ev = ["eval", "--rules", "rulesets", "--as-of", AS_OF]
    stdout_cases = {
        "eval csv": ev + ["--format", "csv", "examples/patients"],
        "eval ndjson": ev + ["--format", "ndjson", "examples/patients"],
        "eval json": ev + ["--format", "json", "examples/patients"],
        "explain": ["explain", "--rules", "rulesets", "--as-of", AS_OF, "examples/patients/recent_hf_discharge_ffs.yaml"],
        "check": ["check", "rulesets"],
        "test": ["test", f"{DATA}/failing"],
        "diff": DIFF_ARGS + [f"{DATA}/population/diff-six.ndjson"],
        "help": ["--help"],
        "version": ["--version"],
    }
    for what, args in stdout_cases.items():
        rc, err = run_to_full_disk(*args)
        expect_rc(rc, 2, f"{what} > /dev/full", "", err)
        contains(err, "error[E0602]: cannot write the output (standard output): No space left on device", what)
    for what, args in {"eval --output": ev + ["--output", "/dev/full", "examples/patients"],
                       "diff --output": DIFF_ARGS + ["--output", "/dev/full", f"{DATA}/population/diff-six.ndjson"]}.items():
        rc, out, err = run(*args)
        expect_rc(rc, 2, what, out, err)
        contains(err, "error[E0602]: cannot write the output (/dev/full): No space left on device", what)
    rc, err = run_to_full_disk("--as-of", AS_OF, "--count", "3", prog=POPGEN)
    expect_rc(rc, 2, "popgen > /dev/full", "", err)
    contains(err, "cannot write standard output: No space left on device", "popgen > /dev/full")
    rc, out, err = run("--as-of", AS_OF, "--count", "3", "--output", "/dev/full", prog=POPGEN)
    expect_rc(rc, 2, "popgen --output /dev/full", out, err)
    contains(err, "cannot write /dev/full: No space left on device", "popgen --output /dev/full")


# ---- NDJSON lines ----------------------------------------------------------------------


def test_ndjson_long_line():
    """A line over max_document_bytes (4 MiB) is not buffered whole: it is E0210 with its line
    number, skipped to its newline, and the records after it are read (exit status 1). A
    read error is an error, never the end of the input."""
    good = '{"id": "p-%d", "birth_date": "1950-01-01"}'
    huge = '{"id": "p-big", "birth_date": "1950-01-01", "x": "' + "a" * (5 << 20) + '"}'
    text = "\n".join([good % 1, huge, good % 3, huge + " ", good % 5]) + "\n"
    args = ["eval", "--rules", "rulesets", "--as-of", AS_OF, "--format", "csv"]
    rc, out, err = run(*args, "-", stdin=text)
    expect_rc(rc, 1, "eval with long lines", out, err)
    # One row per record (docs/cli.md, CSV columns): the long lines are rows with an error.
    rows = list(csv.DictReader(io.StringIO(out)))
    ids = [r["patient_id"] for r in rows if not r["error"]]
    check(ids == ["p-1", "p-3", "p-5"], f"records after the long lines are read: {ids}")
    check([r["source"] for r in rows if r["error"]] == ["<stdin>:2", "<stdin>:4"], f"long lines are error rows: {rows}")
    contains(err, "<stdin>:2: error[E0210]: the line is larger than the limit max_document_bytes (4194304 bytes): skipped",
             "long line 2")
    contains(err, "<stdin>:4: error[E0210]", "long line 4")
    contains(err, "2 of 5 records failed", "long lines counted")
    # A line of exactly 4194304 bytes is read whole and decoded (its unknown field "x" is
    # E0202, a decoder error); one byte more is E0210.
    pad = 4194304 - len('{"id": "p-edge", "birth_date": "1950-01-01", "x": ""}')
    edge = '{"id": "p-edge", "birth_date": "1950-01-01", "x": "' + "b" * pad + '"}'
    check(len(edge) == 4194304, "edge line length")
    rc, out, err = run(*args, "-", stdin=edge + "\n" + edge + "b\n")
    contains(err, "<stdin>:1: error[E0202]: unknown field", "a line of exactly the limit is decoded")
    contains(err, "<stdin>:2: error[E0210]", "one byte over the limit")
    # stdin that cannot be read (a directory: EISDIR) is a read error, exit status 1.
    fd = os.open(os.path.join(SOURCE, "rulesets"), os.O_RDONLY)
    try:
        p = subprocess.run([CARECOORD, *args, "-"], cwd=SOURCE, stdin=fd, capture_output=True, text=True, timeout=120)
    finally:
        os.close(fd)
    expect_rc(p.returncode, 1, "eval on an unreadable stdin", p.stdout, p.stderr)
    contains(p.stderr, "<stdin>: error[E0311]: read error after line 0", "unreadable stdin")


# ---- CSV cells -------------------------------------------------------------------------


def test_csv_cells():
    """CSV through one escaping routine: quotes doubled, commas quoted, and a cell starting
    with =, +, -, @ neutralised with a leading apostrophe (CSV injection); an id with a
    control character is refused (E0215), so a row is never cut or fused."""
    records = [
        {"id": "=HYPERLINK(1)", "birth_date": "1950-01-01"},
        {"id": "+1", "birth_date": "1950-01-01"},
        {"id": "-2", "birth_date": "1950-01-01"},
        {"id": "@x", "birth_date": "1950-01-01"},
        {"id": 'a,"b"', "birth_date": "1950-01-01"},
        {"id": "nul\u0000cut", "birth_date": "1950-01-01"},
        {"id": "plain-3", "birth_date": "1950-01-01"},
        {"id": "line\nbreak", "birth_date": "1950-01-01"},
    ]
    text = "\n".join(json.dumps(r) for r in records) + "\n"
    rc, out, err = run("eval", "--rules", "rulesets", "--as-of", AS_OF, "--format", "csv", "-", stdin=text)
    expect_rc(rc, 1, "csv with hostile ids", out, err)
    rows = out.splitlines()
    check(len(rows) == 9, f"8 records in: one row each (2 of them errors) and the header, got {len(rows)}")
    # The raw patient_id cell, after the source cell (<stdin>:N has no comma).
    cells = [r.split(",", 1)[1].split(",2026-11-27,")[0] for r in rows[1:] if ",2026-11-27," in r]
    check(cells == ['"\'=HYPERLINK(1)"', '"\'+1"', '"\'-2"', '"\'@x"', '"a,""b"""', "plain-3"],
          f"csv id cells: {cells}")
    errors = [r for r in csv.DictReader(io.StringIO(out)) if r["error"]]
    check([r["source"] for r in errors] == ["<stdin>:6", "<stdin>:8"], f"the refused ids are error rows: {errors}")
    contains(err, "<stdin>:6: error[E0215]: id: an id must not contain control characters", "NUL in an id")
    contains(err, "<stdin>:8: error[E0215]: id:", "line break in an id")


# ---- files never skipped silently ------------------------------------------------------


def test_kind_from_document():
    """The kind of a file is read from the parsed document: a ruleset whose quoted description
    wraps onto a line starting "kind: tests" is a ruleset (tests/cli/data/kind/wrapped.yaml).
    A tests file that does not parse is an error for check and test, never left out."""
    rc, out, err = run("check", f"{DATA}/kind")
    expect_rc(rc, 0, "check a wrapped description", out, err)
    contains(out, "ok: 1 ruleset version(s) loaded", "check a wrapped description")
    # One condition: the ruleset's only rule matches.
    rc, out, err = run("eval", "--rules", f"{DATA}/kind", "--as-of", AS_OF, "--format", "csv", "-",
                       stdin='{"id": "k1", "birth_date": "1960-01-01", "conditions": [{"code": "I10"}]}\n')
    expect_rc(rc, 0, "eval with a wrapped description", out, err)
    check(out.splitlines()[1].startswith("<stdin>:1,k1,2026-11-27,case_management,"), f"wrapped ruleset evaluated: {out}")
    for cmd in ("test", "check"):
        rc, out, err = run(cmd, f"{DATA}/broken-tests")
        check(rc != 0, f"{cmd} with a broken tests file: exit status {rc}\n{out}\n{err}")
        contains(err, "broken-tests/tests.yaml:", f"{cmd} names the broken tests file")
        contains(err, "error[E0101]", f"{cmd} reports the YAML error")


def test_versions():
    """One ruleset id and version with two contents is an error (E0314), whatever the periods;
    a gap between versions is a check warning (E0315) naming the days without a version;
    contiguous versions (until 2025-12-31, from 2026-01-01) are no gap."""
    rc, out, err = run("check", f"{DATA}/versions/dup")
    expect_rc(rc, 1, "check id+version twice", out, err)
    contains(err, "dup/b.yaml:4:12: error[E0314]: ruleset 'dup' version 1.0.0 has different contents in", "E0314")
    rc, out, err = run("eval", "--rules", f"{DATA}/versions/dup", "--as-of", AS_OF, "-", stdin="")
    expect_rc(rc, 2, "eval refuses id+version twice", out, err)
    rc, out, err = run("check", f"{DATA}/versions/gap")
    expect_rc(rc, 1, "check a version gap", out, err)
    contains(err, "gap/v2.yaml:4:12: warning[E0315]: no version of ruleset 'gap' is in force from 2024-12-31 to "
             "2025-01-01 (after version 1.0.0, before version 2.0.0)", "E0315")
    check(err.count("E0315") == 1, f"one gap only (v2 to v3 is contiguous):\n{err}")
    rc, out, err = run("check", "--no-analysis", f"{DATA}/versions/gap")
    contains(err, "warning[E0315]", "a gap is reported with --no-analysis too")
# ---- the deceased ---------------------------------------------------------------------

DECEASED_BATCH = "\n".join(json.dumps(d) for d in [
    # 4 chronic categories and food insecurity: case management with hchn_priority when alive
    {"id": "dead-before", "birth_date": "1941-04-04", "deceased": "2026-11-26", "social": {"food_insecurity": True},
     "coverage": [{"payer": "medicare_ffs", "plan": "original_medicare", "start": "2010-01-01"}],
     "conditions": [{"code": c, "onset": "2010-01-01"} for c in ["E11.9", "I50.22", "J44.9", "I10"]]},
    {"id": "dead-after", "birth_date": "1941-04-04", "deceased": "2026-11-28", "social": {"food_insecurity": True},
     "coverage": [{"payer": "medicare_ffs", "plan": "original_medicare", "start": "2010-01-01"}],
     "conditions": [{"code": c, "onset": "2010-01-01"} for c in ["E11.9", "I50.22", "J44.9", "I10"]]},
]) + "\n"


def test_eval_deceased():
    # CSV: the deceased column holds the date of death when it is on or before as_of.
    # dead-before: routine, no flag, no program, no trigger. dead-after (death not known yet):
    # case management (4 categories, food insecurity), hchn_priority; programs eligible: CCM
    # (2+), complex CCM (2+ and case management), PCM (1+): in ruleset order.
    rc, out, err = run("eval", "--rules", "rulesets", "--as-of", AS_OF, "--format", "csv", stdin=DECEASED_BATCH)
    expect_rc(rc, 0, "eval deceased csv", out, err)
    rows = list(csv.DictReader(io.StringIO(out)))
    check(len(rows) == 2 and all(r["error"] == "" for r in rows), "csv rows:\n" + out)
    dead, alive = rows
    check((dead["patient_id"], dead["tier"], dead["flags"], dead["deceased"]) == ("dead-before", "routine", "", "2026-11-26"),
          "csv deceased row:\n" + out)
    check(all(v == "not_eligible" for k, v in dead.items() if k.startswith("program_")), "deceased: every program not eligible:\n" + out)
    check(all(v == "" for k, v in dead.items() if k.startswith("trigger_")), "deceased: no trigger:\n" + out)
    check((alive["tier"], alive["flags"], alive["deceased"]) == ("case_management", "hchn_priority", ""), "csv alive row:\n" + out)
    check([alive["program_" + p] for p in ("ccm", "complex_ccm", "pcm")] == ["eligible"] * 3, "csv alive programs:\n" + out)
    # NDJSON through the population summary: the deceased counted apart.
    rc, out, err = run("eval", "--rules", "rulesets", "--as-of", AS_OF, "--format", "ndjson", stdin=DECEASED_BATCH)
    expect_rc(rc, 0, "eval deceased ndjson", out, err)
    dets = [json.loads(x) for x in out.splitlines()]
    check([d["deceased"] for d in dets] == ["2026-11-26", None], f"deceased in JSON: {out}")
    summary = subprocess.run(["bash", os.path.join(SOURCE, "scripts", "population-summary.sh")], input=out,
                             capture_output=True, text=True)
    check(summary.returncode == 0, "population-summary.sh failed: " + summary.stderr)
    contains(summary.stdout, "patients: 2\n", "population summary")
    contains(summary.stdout, "deceased at the as-of date: 1 ", "population summary")
    contains(summary.stdout, "living: 1\n", "population summary")
    check(re.search(r"case_management +1\n", summary.stdout) is not None and
          re.search(r"^ +routine ", summary.stdout, re.M) is None,
          "population summary: the living patient is case management, the deceased is not in the tiers:\n" + summary.stdout)
    # explain says so, and offers no boundary to a higher tier.
    import tempfile
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        f.write(DECEASED_BATCH.splitlines()[0])
        one = f.name
    try:
        rc, out, err = run("explain", "--rules", "rulesets", "--as-of", AS_OF, one)
        expect_rc(rc, 0, "explain deceased", out, err)
        contains(out, "Tier: routine\n  deceased 2026-11-26: off every worklist", "explain deceased")
        contains(out, "Nearest boundary: none", "explain deceased")
    finally:
        os.remove(one)
    # diff between the day before and the day after dead-after's death: one more deceased.
    with tempfile.NamedTemporaryFile("w", suffix=".ndjson", delete=False) as f:
        f.write(DECEASED_BATCH)
        path = f.name
    try:
        rc, out, err = run("diff", "--from", "rulesets", "--to", "rulesets", "--from-as-of", "2026-11-27",
                           "--to-as-of", "2026-11-28", "--format", "json", path)
        expect_rc(rc, 0, "diff deceased", out, err)
        r = json.loads(out)
        check(r["deceased_from"] == 1 and r["deceased_to"] == 2, f"diff deceased counts: {out[:400]}")
        rc, out, err = run("diff", "--from", "rulesets", "--to", "rulesets", "--from-as-of", "2026-11-27",
                           "--to-as-of", "2026-11-28", path)
        contains(out, "deceased at the as-of date (lowest tier, no program), counted in the matrix: from 1, to 2", "diff text")
    finally:
        os.remove(path)
# ---- explain --format json and plan ------------------------------------------------------

def test_explain_json():
    path = "examples/patients/recent_hf_discharge_ffs.yaml"
    rc, out, err = run("explain", "--rules", "rulesets", "--as-of", AS_OF, "--format", "json", path)
    expect_rc(rc, 0, "explain --format json", out, err)
    ex = json.loads(out)
    check(list(ex) == ["determination", "rules", "codes", "nearest"], f"explain JSON keys: {list(ex)}")
    # The condition codes with their value sets and the value sets' display (I50.22's
    # ICD-10-CM title; docs/c-api.md#explanations).
    hf = [c for c in ex["codes"] if c["code"] == "I50.22"]
    check(len(hf) == 1 and hf[0]["system"] == "icd10cm"
          and hf[0].get("display") == "Chronic systolic (congestive) heart failure"
          and "chronic_conditions: heart_failure" in hf[0]["valuesets"], f"explain JSON codes: {ex['codes']}")
    det = ex["determination"]
    # The determination of `eval`, with the facts explain adds.
    rc, ev, err = run("eval", "--rules", "rulesets", "--as-of", AS_OF, "--format", "ndjson", path)
    facts = det.pop("facts", None)
    check(isinstance(facts, dict) and facts, "explain JSON has the facts")
    check(det == json.loads(ev), "explain JSON's determination is eval's")
    kinds = {r["kind"] for r in ex["rules"]}
    check({"tier", "flag"} <= kinds, f"explain JSON rule kinds: {kinds}")
    check(all(r["result"] in ("true", "false", "unknown") for r in ex["rules"]), "rule results")
    rc, out, err = run("explain", "--rules", "rulesets", "--as-of", AS_OF, "--format", "csv", path)
    expect_rc(rc, 2, "explain --format csv", out, err)


PLAN_PATIENT = "tests/data/care-plan/memorial-day-patient.json"
PLAN_LOG = "tests/data/care-plan/memorial-day-events.yaml"


def test_plan():
    # A new plan is identified; identified allows, in the workflow's declaration order of
    # events: enrolled, assessment_completed, declined, died.
    rc, out, err = run("plan", "start", "--rules", "rulesets", "--on", "2026-05-01")
    expect_rc(rc, 0, "plan start", out, err)
    contains(out, "Care plan (workflow care_plan): identified", "plan start")
    contains(out, "Allowed events: enrolled, assessment_completed, declined, died", "plan start")
    rc, out, err = run("plan", "allowed", "--rules", "rulesets", "--state", "in_transition", "--on", "2026-05-22")
    expect_rc(rc, 0, "plan allowed", out, err)
    check(out.split() == ["assessment_completed", "admitted", "discharged", "condition_changed", "medication_failed",
                          "phq9_recorded", "tier_changed", "declined", "died"], "plan allowed in_transition:\n" + out)
    rc, out, err = run("plan", "allowed", "--rules", "rulesets", "--state", "nirvana", "--on", "2026-05-22")
    expect_rc(rc, 1, "plan allowed of an unknown state", out, err)
    contains(err, "error[E0717]", "plan allowed of an unknown state")
    # The shared scenario (the log's comments work the dates): in_transition, the call due
    # Monday 15:00 (72 clock hours), the contact Wednesday (Memorial Day skipped).
    rc, out, err = run("plan", "replay", "--rules", "rulesets", "--patient", PLAN_PATIENT, PLAN_LOG)
    expect_rc(rc, 0, "plan replay", out, err)
    contains(out, "Care plan (workflow care_plan): in_transition", "plan replay")
    contains(out, "5 events applied, the last at 2026-05-22T15:00", "plan replay")
    for task, due in [("initial_assessment@2026-05-01T09:00", "2026-05-15"),
                      ("post_discharge_call@2026-05-22T15:00", "2026-05-25 15:00"),
                      ("tcm_interactive_contact@2026-05-22T15:00", "2026-05-27")]:
        check(re.search(re.escape(task) + r"\s+due " + re.escape(due) + r"\s", out) is not None,
              f"plan replay: {task} due {due}\n{out}")
    # JSON log, JSON output: the same record.
    rc, out, err = run("plan", "replay", "--rules", "rulesets", "--patient", PLAN_PATIENT, "--format", "json",
                       "tests/data/care-plan/memorial-day-events.json")
    expect_rc(rc, 0, "plan replay --format json", out, err)
    rec = json.loads(out)
    check(rec["state"] == "in_transition" and rec["last_event"] == "2026-05-22T15:00", "plan replay JSON state")
    check([(t["id"], t["due"], t["due_time"]) for t in rec["tasks"]] == [
        ("initial_assessment@2026-05-01T09:00", "2026-05-15", None),
        ("post_discharge_call@2026-05-22T15:00", "2026-05-25", "2026-05-25T15:00"),
        ("tcm_interactive_contact@2026-05-22T15:00", "2026-05-27", None)], "plan replay JSON tasks:\n" + out)
    # apply: each step in log order.
    rc, out, err = run("plan", "apply", "--rules", "rulesets", "--patient", PLAN_PATIENT, PLAN_LOG)
    expect_rc(rc, 0, "plan apply", out, err)
    contains(out, "1. enrolled@2026-05-01T09:00: identified -> identified", "plan apply")
    contains(out, "4. services_started@2026-05-11T09:00: planned -> active", "plan apply")
    contains(out, "5. discharged@2026-05-22T15:00: active -> in_transition", "plan apply")
    rc, out, err = run("plan", "apply", "--rules", "rulesets", "--patient", PLAN_PATIENT, "--format", "json", PLAN_LOG)
    steps = [json.loads(l) for l in out.splitlines()]
    check(len(steps) == 5 and steps[4]["created"] == ["post_discharge_call@2026-05-22T15:00",
                                                     "tcm_interactive_contact@2026-05-22T15:00"], "plan apply JSON:\n" + out)
    # The third event (line 4 of the file) is earlier than the second.
    rc, out, err = run("plan", "apply", "--rules", "rulesets", "--patient", PLAN_PATIENT, f"{DATA}/plan/out-of-order.yaml")
    expect_rc(rc, 1, "plan apply out of order", out, err)
    contains(err, f"{DATA}/plan/out-of-order.yaml:4:3: error[E0712]: event 3 (plan_agreed)", "plan apply out of order")
    check("2026-05-04" not in err, "plan apply: the event's time in a message")
    # A malformed log: every problem, with line and column and the field path.
    rc, out, err = run("plan", "replay", "--rules", "rulesets", "--patient", PLAN_PATIENT, f"{DATA}/plan/malformed.json")
    expect_rc(rc, 1, "plan replay of a malformed log", out, err)
    # Line 4: the value of "time" starts at column 44; line 5: the key "by" at column 55.
    contains(err, f"{DATA}/plan/malformed.json:4:44: error[E0718]: events[1].time: must be a date-time", "malformed log")
    contains(err, f"{DATA}/plan/malformed.json:5:55: error[E0719]: events[2].by: unknown key", "malformed log")
    check("2026-05-32" not in err and "nurse" not in err, "malformed log: a value in a message")
    for args in (["plan"], ["plan", "frobnicate"], ["plan", "replay", "--rules", "rulesets", PLAN_LOG],
                 ["plan", "start", "--rules", "rulesets"], ["plan", "allowed", "--rules", "rulesets", "--on", "2026-05-01"]):
        rc, out, err = run(*args)
        expect_rc(rc, 2, " ".join(args), out, err)


def test_plan_cases():
    # A workflow case expecting the TCM contact on Memorial Day fails, side by side (the
    # workflow needs the default rulesets loaded beside it).
    rc, out, err = run("test", "rulesets", f"{DATA}/plan/failing")
    expect_rc(rc, 1, "test plan/failing", out, err)
    contains(out, "FAIL " + f"{DATA}/plan/failing/tests.yaml:5: the TCM contact expected on the holiday", "test plan/failing")
    row = [l for l in out.splitlines()
           if l.split() == ["care_plan.tasks.tcm_interactive_contact@2026-05-22T15:00.due", "2026-05-25", "2026-05-27"]]
    check(len(row) == 1, "workflow mismatch row missing:\n" + out)
    failed = re.search(r"(\d+) passed, (\d+) failed", out)
    # The default rulesets' cases pass, the six workflow cases among them.
    rc, out2, err = run("test", "rulesets")
    expect_rc(rc, 0, "test rulesets", out2, err)
    passed = re.search(r"(\d+) passed, 0 failed", out2)
    check(failed is not None and passed is not None and failed.group(1) == passed.group(1) and failed.group(2) == "1",
          "test counts:\n" + out + out2)


# ---- issue 15: confinement, numbers, pipes, byte order marks --------------------------


INCLUDE_LIBRARY = "schema_version: 1\nkind: library\nlibrary: shared\nparameters: {threshold: 2}\n"
INCLUDE_RULESET = ("schema_version: 1\nruleset: r\nversion: 1.0.0\neffective: {from: 2024-01-01}\n"
                   "include: ['../../libs/lib.yaml']\n"
                   "programs:\n  - {id: p, when: 'threshold > 1', reason: x}\n"
                   "tiers: {order: [a, b], default: a, rules: [{id: t, tier: b, when: 'count(conditions) > threshold'}]}\n")
INCLUDE_TESTS = ("schema_version: 1\nkind: tests\ncases:\n  - name: c\n    as_of: 2026-11-27\n"
                 "    patient: {id: c1, birth_date: 1950-01-01}\n    expect: {programs: {p: eligible}}\n")


def test_include_root():
    """An include leaving the tree (tree/rules/r.yaml includes ../../libs/lib.yaml, the tree
    being tree/) is E0351 in every command that loads rulesets; --include-root DIR lets it
    in (docs/ruleset-language.md#includes-and-the-tree)."""
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        os.makedirs(os.path.join(tmp, "tree", "rules"))
        os.makedirs(os.path.join(tmp, "libs"))
        with open(os.path.join(tmp, "libs", "lib.yaml"), "w") as f:
            f.write(INCLUDE_LIBRARY)
        rules = os.path.join(tmp, "tree", "rules")
        with open(os.path.join(rules, "r.yaml"), "w") as f:
            f.write(INCLUDE_RULESET)
        with open(os.path.join(rules, "tests.yaml"), "w") as f:
            f.write(INCLUDE_TESTS)
        root = ["--include-root", os.path.join(tmp, "libs")]
        patient = "examples/patients/recent_hf_discharge_ffs.yaml"
        commands = {
            "check": (["check", rules], ["check", *root, rules]),
            "test": (["test", rules], ["test", *root, rules]),
            "eval": (["eval", "--rules", rules, "--as-of", AS_OF, patient],
                     ["eval", "--rules", rules, *root, "--as-of", AS_OF, patient]),
            "explain": (["explain", "--rules", rules, "--as-of", AS_OF, patient],
                        ["explain", *root, "--rules", rules, "--as-of", AS_OF, patient]),
            "diff": (["diff", "--from", rules, "--to", rules, "--as-of", AS_OF, f"{DATA}/population/diff-six.ndjson"],
                     ["diff", "--from", rules, "--to", rules, *root, "--as-of", AS_OF,
                      f"{DATA}/population/diff-six.ndjson"]),
        }
        for what, (confined, widened) in commands.items():
            rc, out, err = run(*confined)
            check(rc != 0, f"{what} without --include-root: exit 0\n{out}{err}")
            contains(err, "r.yaml:5:11: error[E0351]", f"{what} without --include-root")
            check("threshold: 2" not in err, f"{what}: the library's content in a message:\n{err}")
            rc, out, err = run(*widened)
            expect_rc(rc, 0, f"{what} --include-root", out, err)
            check("E035" not in err, f"{what} --include-root:\n{err}")
        # plan: the ruleset has no workflow, so the command fails either way; the include
        # is refused without the option and accepted with it.
        rc, out, err = run("plan", "start", "--rules", rules, "--on", AS_OF)
        contains(err, "error[E0351]", "plan without --include-root")
        rc, out, err = run("plan", "start", "--rules", rules, *root, "--on", AS_OF)
        check("E0351" not in err, "plan --include-root:\n" + err)
        rc, out, err = run("check", "--include-root")
        expect_rc(rc, 2, "--include-root without a directory", out, err)


def test_numeric_options():
    """--jobs is a whole number from 1 to 1024; every numeric option is digits only: no sign,
    no trailing characters, no overflow (exit status 2, a usage error)."""
    ev = ["eval", "--rules", "rulesets", "--as-of", AS_OF, "--format", "ndjson"]
    one = '{"id": "p-1", "birth_date": "1950-01-01"}\n'
    for bad in ["-1", "0", "1025", "2x", " 2", "+2", "", "18446744073709551617", "1e3"]:
        rc, out, err = run(*ev, "--jobs", bad, "-", stdin=one)
        expect_rc(rc, 2, f"eval --jobs {bad!r}", out, err)
        contains(err, "--jobs needs a whole number of threads from 1 to 1024", f"eval --jobs {bad!r}")
        rc, out, err = run(*DIFF_ARGS, "--jobs", bad, f"{DATA}/population/diff-six.ndjson")
        expect_rc(rc, 2, f"diff --jobs {bad!r}", out, err)
    for good in ["1", "1024"]:
        rc, out, err = run(*ev, "--jobs", good, "-", stdin=one)
        expect_rc(rc, 0, f"eval --jobs {good}", out, err)
    for bad in ["-1", "3x", "1001"]:
        rc, out, err = run(*DIFF_ARGS, "--examples", bad, f"{DATA}/population/diff-six.ndjson")
        expect_rc(rc, 2, f"diff --examples {bad!r}", out, err)
    rc, out, err = run(*DIFF_ARGS, "--examples", "1000", f"{DATA}/population/diff-six.ndjson")
    expect_rc(rc, 0, "diff --examples 1000", out, err)
    for opt, bad in [("--sample", "-1"), ("--sample", "0"), ("--sample", "5k"), ("--sample", "100000001"),
                     ("--seed", "-1"), ("--seed", "18446744073709551616"), ("--seed", "7 ")]:
        rc, out, err = run("check", "--as-of", AS_OF, "--sample", "5" if opt == "--seed" else bad,
                           *(["--seed", bad] if opt == "--seed" else []), "rulesets")
        expect_rc(rc, 2, f"check {opt} {bad!r}", out, err)
        contains(err, f"{opt} needs a whole number", f"check {opt} {bad!r}")
    rc, out, err = run("check", "--as-of", AS_OF, "--sample", "5", "--seed", "18446744073709551615", "rulesets")
    check(rc in (0, 1), f"check --seed at its maximum: exit {rc}\n{err}")
    for bad in ["-1", "1000", "12m"]:
        rc, out, err = run(*ev, "--input-format", "fhir-bundle", "--claims-grace-months", bad, "-", stdin="")
        expect_rc(rc, 2, f"--claims-grace-months {bad!r}", out, err)


def test_eval_fifo():
    """A named pipe given to eval is read (as NDJSON, like standard input), not reported
    missing."""
    import tempfile
    import threading
    with tempfile.TemporaryDirectory() as tmp:
        fifo = os.path.join(tmp, "members")
        os.mkfifo(fifo)
        lines = "".join('{"id": "p-%d", "birth_date": "1950-01-01"}\n' % i for i in range(3))

        def feed():
            with open(fifo, "w") as f:
                f.write(lines)
        writer = threading.Thread(target=feed, daemon=True)
        writer.start()
        rc, out, err = run("eval", "--rules", "rulesets", "--as-of", AS_OF, "--format", "ndjson", fifo)
        if writer.is_alive():
            # eval never opened the pipe: open its read end, so the writer is not left blocked.
            fd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
            writer.join(timeout=10)
            os.close(fd)
        writer.join(timeout=30)
        expect_rc(rc, 0, "eval FIFO", out, err)
        ids = [json.loads(l)["patient_id"] for l in out.splitlines() if l.strip()]
        check(ids == ["p-0", "p-1", "p-2"], f"eval FIFO: {ids}")


def test_ndjson_bom():
    """A UTF-8 byte order mark at the start of an NDJSON file (and of a line) is skipped, as
    YAML skips it: the record is read."""
    bom = "\ufeff"
    text = bom + '{"id": "p-1", "birth_date": "1950-01-01"}\n' + bom + '{"id": "p-2", "birth_date": "1950-01-01"}\n'
    rc, out, err = run("eval", "--rules", "rulesets", "--as-of", AS_OF, "--format", "ndjson", "-", stdin=text)
    expect_rc(rc, 0, "NDJSON with byte order marks", out, err)
    ids = [json.loads(l)["patient_id"] for l in out.splitlines() if l.strip()]
    check(ids == ["p-1", "p-2"], f"NDJSON with byte order marks: {ids}")


if __name__ == "__main__":
    harness.main(NAME, globals())
