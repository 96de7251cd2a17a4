"""The Python bindings. Expectations come from the default rulesets (rulesets/) and the
patient schema; the examples are compared byte for byte with the command-line tool.

Environment (set by ctest): CARECOORD_LIBRARY (the built libcarecoord.so),
CARECOORD_SOURCE_DIR (the source tree), CARECOORD_CLI (the built carecoord tool).
"""

from __future__ import annotations

import concurrent.futures
import datetime
import gc
import json
import os
import pathlib
import subprocess
import sys

import pytest

import carecoord

SOURCE = pathlib.Path(os.environ.get("CARECOORD_SOURCE_DIR", pathlib.Path(__file__).resolve().parents[3]))
RULESETS = SOURCE / "rulesets"
EXAMPLES = sorted(p for p in (SOURCE / "examples" / "patients").iterdir() if p.suffix in (".json", ".yaml", ".yml"))
AS_OF = datetime.date(2026, 11, 27)

MINI = """\
schema_version: 1
ruleset: mini
version: 1.0.0
effective: {from: 2020-01-01, until: null}
description: One rule.
tiers:
  order: [routine, case_management]
  default: routine
  rules:
    - id: food
      tier: case_management
      when: social.food_insecurity
      reason: "Food insecurity"
"""

# Medicare FFS with four distinct active chronic condition categories (diabetes, hypertension,
# heart failure, CKD), discharged home from an inpatient stay on Wednesday 2026-11-25 at 15:00.
FOUR_CONDITIONS = {
    "id": "py-4cc",
    "birth_date": "1950-06-15",
    "coverage": [{"payer": "medicare_ffs", "start": "2015-06-01"}],
    "conditions": [{"code": c, "onset": "2020-01-01"} for c in ("E11.9", "I10", "I50.22", "N18.31")],
    "encounters": [{"class": "inpatient", "admit": "2026-11-20T08:00", "discharge": "2026-11-25T15:00",
                    "disposition": "home", "complexity": "high"}],
}


@pytest.fixture(scope="module")
def engine():
    with carecoord.Engine.load(RULESETS) as e:
        yield e


def test_versions():
    assert carecoord.library_version() == carecoord.__version__
    low, high = carecoord.schema_versions()
    assert low <= 1 <= high  # rulesets/ use schema_version 1


def test_rulesets_listed(engine):
    infos = {(r.id, r.version): r for r in engine.rulesets}
    assert infos[("intensity", "2.0.0")].effective_from == datetime.date(2026, 1, 1)
    assert infos[("intensity", "1.0.0")].effective_from == datetime.date(2024, 1, 1)
    assert ("programs", "1.0.0") in infos and ("triggers", "1.0.0") in infos


def test_deceased_shown_and_off_every_worklist(engine):
    # Died the day before as_of: the lowest tier, no flag, no program, no trigger.
    dead = engine.evaluate(dict(FOUR_CONDITIONS, deceased="2026-11-26"), as_of=AS_OF)
    assert dead.deceased == datetime.date(2026, 11, 26)
    assert dead.tier == "routine" and dead.tier_rules == [] and dead.flags == [] and dead.triggers == []
    assert all(p.status == "not_eligible" for p in dead.programs)
    assert dead.to_dict()["deceased"] == "2026-11-26"
    # A death the day after as_of is not known yet.
    alive = engine.evaluate(dict(FOUR_CONDITIONS, deceased="2026-11-28"), as_of=AS_OF)
    assert alive.deceased is None and alive.tier == "case_management"


def test_four_chronic_conditions_on_medicare(engine):
    det = engine.evaluate(FOUR_CONDITIONS, as_of=AS_OF)
    assert isinstance(det, carecoord.Determination)
    assert det.patient_id == "py-4cc"
    assert det.as_of == AS_OF
    # intensity-v2: 4 categories reach case_management_min_conditions (4)
    assert det.tier == "case_management"
    assert not det.tier_by_default
    assert "cm_chronic_conditions" in [r.id for r in det.tier_rules]
    assert "hchn_priority" in det.flags  # 3 or more categories
    ccm = det.program("ccm")
    assert ccm is not None and ccm.eligible and ccm.status == "eligible" and ccm.missing == []
    call = det.trigger("post_discharge_call")
    assert call is not None
    assert call.anchor == datetime.date(2026, 11, 25)
    assert call.due == datetime.date(2026, 11, 28)
    assert call.due_time == datetime.datetime(2026, 11, 28, 15, 0)  # 72 clock hours
    assert call.status == "open"
    contact = det.trigger("tcm_interactive_contact")
    # 2 business days after Wed 2026-11-25: Thanksgiving and the weekend are skipped
    assert contact.due == datetime.date(2026, 11, 30) and contact.due_time is None
    assert det.to_dict()["tier"]["id"] == "case_management"


def test_as_of_forms_agree(engine):
    a = engine.evaluate(FOUR_CONDITIONS, as_of=AS_OF)
    b = engine.evaluate(json.dumps(FOUR_CONDITIONS), as_of="2026-11-27")
    assert a == b
    later = engine.evaluate(FOUR_CONDITIONS, as_of=datetime.date(2026, 11, 29))
    assert later.trigger("post_discharge_call").status == "overdue"


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_same_json_as_the_cli(engine, path):
    cli = os.environ.get("CARECOORD_CLI")
    if not cli:
        pytest.fail("CARECOORD_CLI is not set (ctest sets it to the built carecoord tool)")
    out = subprocess.run([cli, "eval", "--rules", str(RULESETS), "--as-of", AS_OF.isoformat(),
                          "--format", "ndjson", str(path)], check=True, capture_output=True)
    expected = out.stdout.rstrip(b"\n")
    with carecoord.Patient.from_file(path) as patient:
        det = engine.evaluate(patient, as_of=AS_OF)
    assert det.json.encode("utf-8") == expected


def test_builder_matches_document(engine):
    p = (carecoord.Patient.new("py-4cc", datetime.date(1950, 6, 15))
         .add_coverage("medicare_ffs", start=datetime.date(2015, 6, 1)))
    for code in ("E11.9", "I10", "I50.22", "N18.31"):
        p.add_condition(code, onset="2020-01-01")
    p.add_encounter("inpatient", datetime.datetime(2026, 11, 20, 8, 0), "2026-11-25T15:00")
    p.set_field("encounters[0].disposition", "home").set_field("encounters[0].complexity", "high")
    with p:
        assert engine.evaluate(p, as_of=AS_OF) == engine.evaluate(FOUR_CONDITIONS, as_of=AS_OF)
    assert p.closed


def test_builder_everything(engine):
    with carecoord.Patient.new("py-b", "1960-01-01") as p:
        p.set_sex("female").set_deceased(None)
        p.add_care_team_member("pcp", "family_medicine")
        p.add_medication("860975", name="metformin").add_medication_event(0, "failed", datetime.date(2026, 1, 2))
        p.add_observation("phq9", "2026-10-01", 12).add_observation("4548-4", "2026-10-01")
        p.set_field("social.food_insecurity", True).set_field("ltc_placement.expected_stay_days", 10)
        p.set_field("care_plan.enrolled", datetime.date(2026, 1, 1)).set_field("care_plan.tier", None)
        det = engine.evaluate(p, as_of=AS_OF)
    assert det.tier == "case_management"  # cm_food_insecurity
    assert "cm_food_insecurity" in [r.id for r in det.tier_rules]


def test_builder_errors_name_the_field():
    with carecoord.Patient.new("py-e", "1960-01-01") as p:
        with pytest.raises(carecoord.PatientError) as e:
            p.set_sex("F")
        assert (e.value.code, e.value.field_path) == ("E0207", "sex")
        with pytest.raises(carecoord.PatientError) as e:
            p.add_coverage("medicaid", start="2025-01-01", end="2024-01-01")
        assert (e.value.code, e.value.field_path) == ("E0208", "coverage[0].end")
        with pytest.raises(carecoord.PatientError) as e:
            p.set_field("social.food", True)
        assert e.value.code == "E0202"
    with pytest.raises(carecoord.PatientError) as e:
        carecoord.Patient.new("", "1960-01-01")
    assert (e.value.code, e.value.field_path) == ("E0205", "id")


def test_bad_document_reports_every_field_without_values(engine):
    doc = {"id": "secret-id-77", "birth_date": "2025-02-30", "sex": "F"}
    with pytest.raises(carecoord.PatientError) as e:
        engine.evaluate(doc, as_of=AS_OF)
    err = e.value
    assert err.status == "patient"
    assert {(d.field_path, d.code) for d in err.diagnostics} == {("birth_date", "E0204"), ("sex", "E0207")}
    assert "secret-id-77" not in str(err) and "2025-02-30" not in str(err)
    assert isinstance(err, ValueError)


def test_yaml_errors_have_positions():
    with pytest.raises(carecoord.PatientError) as e:
        carecoord.Patient.from_yaml("id: p\nbirth_date: 1950-01-01\nconditions:\n  - {code: E11.9, onset: 2020-13-01}\n")
    assert (e.value.code, e.value.field_path, e.value.line) == ("E0204", "conditions[0].onset", 4)
    assert e.value.column > 0


def test_ruleset_errors():
    with pytest.raises(carecoord.RulesetError) as e:
        carecoord.Engine.from_string(MINI.replace("food_insecurity", "food_insecurit_"), name="broken.yaml")
    err = e.value
    assert (err.code, err.file, err.line, err.rule_id) == ("E0402", "broken.yaml", 12, "food")
    assert err.column > 0
    with pytest.raises(carecoord.RulesetError):
        carecoord.Engine.load("/nonexistent/carecoord-rules")
    # a ruleset given as a string has no directory to resolve an include against
    with pytest.raises(carecoord.RulesetError) as e:
        carecoord.Engine.from_string(MINI.replace("tiers:", "include: [common.yaml]\ntiers:"))
    assert e.value.code == "E0307" and e.value.line == 6


def test_engine_from_string():
    with carecoord.Engine.from_string(MINI) as e:
        det = e.evaluate({"id": "p", "birth_date": "1950-01-01"}, as_of=AS_OF)
        assert (det.tier, det.tier_by_default, det.missing) == ("routine", True, ["social.food_insecurity"])
        det = e.evaluate({"id": "p", "birth_date": "1950-01-01", "social": {"food_insecurity": True}}, as_of=AS_OF)
        assert det.tier == "case_management" and det.tier_rules == [carecoord.TierRule("food", "Food insecurity")]
        with pytest.raises(carecoord.EvaluationError) as err:
            e.evaluate({"id": "p", "birth_date": "1950-01-01"}, as_of=datetime.date(2019, 12, 31))
        assert err.value.code == "E0501"


def test_argument_errors(engine):
    with pytest.raises(carecoord.ArgumentError) as e:
        engine.evaluate(FOUR_CONDITIONS, as_of="2026-13-01")
    assert e.value.field_path == "as_of"
    with pytest.raises(TypeError):
        engine.evaluate(42, as_of=AS_OF)
    with pytest.raises(TypeError):
        engine.evaluate(FOUR_CONDITIONS, as_of=datetime.datetime(2026, 11, 27, 10, 0))


def test_lifetimes():
    e = carecoord.Engine.load(RULESETS)
    p = carecoord.Patient.from_dict(FOUR_CONDITIONS)
    det = e.evaluate(p, as_of=AS_OF)
    e.close()
    e.close()  # idempotent
    assert e.closed
    with pytest.raises(ValueError):
        e.evaluate(p, as_of=AS_OF)
    del p
    gc.collect()
    assert det.tier == "case_management"  # plain data, independent of the handles
    with carecoord.Engine.load(RULESETS) as e2:
        pass
    assert e2.closed


def test_threads_share_one_engine(engine):
    expected = engine.evaluate(FOUR_CONDITIONS, as_of=AS_OF)
    with concurrent.futures.ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(lambda _: engine.evaluate(FOUR_CONDITIONS, as_of=AS_OF), range(60)))
    assert all(r == expected for r in results)


def test_close_waits_for_the_calls_in_flight():
    """close() during a call marks the handle closed at once and frees it when the call
    returns (a C handle is never freed under a call: ctypes releases the GIL)."""
    e = carecoord.Engine.load(RULESETS)
    p = carecoord.Patient.from_dict(FOUR_CONDITIONS)
    with e._use(), p._use():  # what evaluate holds while it is inside the library
        e.close()
        p.close()
        assert e.closed and p.closed
        assert e._ptr and p._ptr  # still held by the call in flight
        with pytest.raises(ValueError):
            e.evaluate(FOUR_CONDITIONS, as_of=AS_OF)
        with pytest.raises(ValueError):
            p.add_condition("I10")
    assert not e._ptr and not p._ptr  # freed by the last user


# Threads evaluate, build patients and read a FHIR export while the main thread closes the
# handles they use. Before the handles counted their users, the engine was freed under
# evaluate and the interpreter crashed; run in a child process so that a crash is a
# failure of this test, not of the whole suite.
_CLOSE_RACE = """
import datetime, sys, threading, carecoord
rulesets, export = sys.argv[1], sys.argv[2]
doc = {"id": "race", "birth_date": "1950-06-15",
       "coverage": [{"payer": "medicare_ffs", "start": "2015-06-01"}],
       "encounters": [{"class": "ambulatory", "admit": "2026-%02d-%02dT08:00" % (1 + i % 10, 1 + i % 28)}
                      for i in range(2000)]}
as_of = datetime.date(2026, 11, 27)
closed = 0
for round in range(20):
    engine = carecoord.Engine.load(rulesets)
    patient = carecoord.Patient.from_dict(doc)
    reader = carecoord.FhirBulkReader(export)
    go = threading.Event()
    def work(fn):
        global closed
        go.wait()
        try:
            for _ in range(50):
                fn()
        except ValueError:  # used after close: the documented error
            closed += 1
    jobs = [lambda: engine.evaluate(patient, as_of), lambda: engine.evaluate(doc, as_of),
            lambda: engine.evaluate_batch(['{"id": "b", "birth_date": "1950-01-01"}'], as_of),
            lambda: engine.rulesets, lambda: patient.add_condition("I10"), lambda: patient.warnings,
            lambda: next(reader, None), lambda: reader.patient_count]
    threads = [threading.Thread(target=work, args=(j,)) for j in jobs for _ in range(2)]
    for t in threads:
        t.start()
    go.set()
    for h in (engine, patient, reader):
        h.close()
    for t in threads:
        t.join()
print("closed-errors", closed)
"""


def test_close_while_threads_use_every_handle():
    export = SOURCE.parent / "shared" / "data" / "fhir-synthea-10"
    if not export.is_dir():
        export = SOURCE / "tests" / "fhir" / "bulk-warnings"
    run = subprocess.run([sys.executable, "-c", _CLOSE_RACE, str(RULESETS), str(export)],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    assert "closed-errors" in run.stdout


def test_pip_install_finds_the_library_in_the_package(tmp_path):
    """`pip install ./capi/python` works offline (in-tree build backend); a library copied
    into the installed package directory is found without CARECOORD_LIBRARY."""
    import shutil
    import sys

    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "--quiet",
                    "--target", str(target), str(SOURCE / "capi" / "python")], check=True, capture_output=True)
    shutil.copy(os.environ["CARECOORD_LIBRARY"], target / "carecoord" / "libcarecoord.so.0")
    env = {k: v for k, v in os.environ.items() if k not in ("CARECOORD_LIBRARY", "PYTHONPATH")}
    env["PYTHONPATH"] = str(target)
    script = ("import carecoord, os; import carecoord._native as n;"
              "print(carecoord.__file__); print(n.lib._name); print(carecoord.library_version())")
    out = subprocess.run([sys.executable, "-c", script], check=True, capture_output=True, text=True, env=env,
                         cwd=tmp_path).stdout.split("\n")
    assert out[0].startswith(str(target))
    assert out[1].startswith(str(target / "carecoord"))
    assert out[2] == carecoord.library_version()


# ---- batches (carecoord_evaluate_documents) --------------------------------------------


def test_evaluate_batch_matches_single_evaluations(engine):
    docs = [p.read_text() for p in EXAMPLES if p.suffix == ".json"] + [json.dumps(FOUR_CONDITIONS, indent=2)]
    out = engine.evaluate_batch_json(docs, as_of=AS_OF)
    assert len(out) == len(docs)
    for doc, line in zip(docs, out):
        assert line == engine.evaluate(doc, as_of=AS_OF).json  # a pretty-printed document too
    dets = engine.evaluate_batch(docs + [FOUR_CONDITIONS], as_of=AS_OF)  # a dict too
    assert isinstance(dets, carecoord.Batch) and isinstance(dets, tuple)
    assert all(isinstance(d, carecoord.Determination) for d in dets)
    assert dets[-1] == engine.evaluate(FOUR_CONDITIONS, as_of=AS_OF)
    assert dets[-1] == carecoord.Determination.from_json(dets[-1].json)
    assert carecoord.Determination.from_json(dets[-1].json.encode()) == dets[-1]


def test_determination_from_json_refuses_other_json():
    with pytest.raises(ValueError):
        carecoord.Determination.from_json('{"patient_id": "x"}')
    with pytest.raises(ValueError):
        carecoord.Determination.from_json("not json")


def test_evaluate_batch_bad_documents_are_errors_in_place(engine):
    good = json.dumps(FOUR_CONDITIONS)
    bad_date = json.dumps({"id": "x", "birth_date": "1950-02-30"})
    out = engine.evaluate_batch([good, bad_date, None, "{not json", FOUR_CONDITIONS], as_of="2026-11-27")
    assert [isinstance(x, carecoord.Determination) for x in out] == [True, False, False, False, True]
    assert len(out.errors) == 3
    err = out[1]
    assert isinstance(err, carecoord.BatchError)
    assert (err.line, err.status) == (2, "patient")
    assert err.diagnostics[0].code == "E0204" and err.diagnostics[0].field_path == "birth_date"
    assert "1950-02-30" not in str(err)  # messages never carry patient values
    assert isinstance(err.exception(), carecoord.PatientError)
    assert out[2].line == 3 and out[3].line == 4


def test_evaluate_batch_line_breaks(engine):
    pretty = json.dumps(FOUR_CONDITIONS, indent=2).replace("\n", "\r\n")
    raw_break_in_string = '{"id": "a\nb", "birth_date": "1950-01-01"}'  # invalid JSON: a raw control character
    ok, bad = engine.evaluate_batch_json([pretty, raw_break_in_string], as_of=AS_OF)
    assert ok == engine.evaluate(FOUR_CONDITIONS, as_of=AS_OF).json
    assert isinstance(bad, carecoord.BatchError) and bad.diagnostics[0].code == "E0201"
    with pytest.raises(carecoord.PatientError):  # as a single document would be
        engine.evaluate(raw_break_in_string, as_of=AS_OF)


def test_evaluate_batch_evaluation_error_and_arguments():
    with carecoord.Engine.from_string(MINI) as mini:
        (err,) = mini.evaluate_batch([json.dumps({"id": "x", "birth_date": "1950-01-01"})], as_of="2019-06-01")
        assert err.status == "evaluation"
        assert isinstance(err.exception(), carecoord.EvaluationError)
        assert mini.evaluate_batch([], as_of=AS_OF) == ()
        with pytest.raises(carecoord.ArgumentError):
            mini.evaluate_batch(["{}"], as_of="2026-02-30")


def test_batch_to_pandas_flat_columns(engine):
    pandas = pytest.importorskip("pandas")
    batch = engine.evaluate_batch([FOUR_CONDITIONS, {"id": "x", "birth_date": "1950-02-30"}], as_of=AS_OF)
    df = batch.to_pandas()
    assert isinstance(df, pandas.DataFrame)
    assert list(df.columns[:11]) == list(carecoord.Batch.COLUMNS)
    assert len(df) == 2
    first, second = df.iloc[0], df.iloc[1]
    det = batch[0]
    assert first["position"] == 1 and first["patient_id"] == "py-4cc" and first["as_of"] == AS_OF
    assert first["tier"] == det.tier and first["flags"] == ";".join(det.flags)
    assert first["error_status"] is None
    for p in det.programs:
        assert first[f"program.{p.id}"] == p.status
    # Discharged Wednesday 2026-11-25 15:00: the call 72 hours later, Saturday 11-28 (as_of 11-27: open).
    assert first["trigger.post_discharge_call.due"] == datetime.date(2026, 11, 28)
    assert first["trigger.post_discharge_call.status"] == "open"
    assert second["position"] == 2 and second["patient_id"] is None
    assert (second["error_status"], second["error_code"], second["error_field_path"]) == ("patient", "E0204", "birth_date")


def test_engine_options():
    with pytest.raises(carecoord.RulesetError):  # the rulesets are larger than 100 bytes
        carecoord.Engine.load(RULESETS, carecoord.EngineOptions(limits={"ruleset.max_file_bytes": 100}))
    with pytest.raises(carecoord.ArgumentError) as e:
        carecoord.Engine.load(RULESETS, carecoord.EngineOptions(limits={"no.such": 3}))
    assert e.value.field_path == "name"
    doc = '{"id": "p1", "birth_date": "1950-01-01"}'  # 40 bytes
    with carecoord.Engine.from_string(MINI, options=carecoord.EngineOptions(limits={"patient.max_document_bytes": 40})) as ok:
        assert isinstance(ok.evaluate_batch([doc], as_of=AS_OF)[0], carecoord.Determination)
    with carecoord.Engine.from_string(MINI, options=carecoord.EngineOptions(limits={"patient.max_document_bytes": 39})) as small:
        assert isinstance(small.evaluate_batch([doc], as_of=AS_OF)[0], carecoord.BatchError)
    later = MINI.replace("effective: {from: 2020-01-01, until: null}", "effective: {from: 2030-01-01, until: null}")
    with carecoord.Engine.from_string(later) as e2:
        with pytest.raises(carecoord.EvaluationError):
            e2.evaluate(doc, as_of=AS_OF)
    with carecoord.Engine.from_string(later, options=carecoord.EngineOptions(ignore_effective=True)) as e3:
        assert e3.evaluate(doc, as_of=AS_OF).tier == "routine"


def test_include_roots(tmp_path):
    # tree/rules/r.yaml includes ../../libs/lib.yaml: out of its tree (tree/), E0351, until
    # libs/ is an include root.
    (tmp_path / "tree" / "rules").mkdir(parents=True)
    (tmp_path / "libs").mkdir()
    (tmp_path / "libs" / "lib.yaml").write_text("schema_version: 1\nkind: library\nlibrary: shared\nparameters: {threshold: 2}\n")
    (tmp_path / "tree" / "rules" / "r.yaml").write_text(
        "schema_version: 1\nruleset: r\nversion: 1.0.0\neffective: {from: 2024-01-01}\n"
        "include: ['../../libs/lib.yaml']\nprograms:\n  - {id: p, when: 'threshold > 1', reason: x}\n")
    rules = tmp_path / "tree" / "rules"
    with pytest.raises(carecoord.RulesetError) as e:
        carecoord.Engine.load(str(rules))
    assert e.value.code == "E0351"
    with carecoord.Engine.load(str(rules), carecoord.EngineOptions(include_roots=[tmp_path / "libs"])) as engine:
        assert [r.id for r in engine.rulesets] == ["r"]


def test_default_rulesets_load():
    path = carecoord.default_rulesets()
    assert os.path.isfile(os.path.join(path, "workflow", "care-plan.yaml"))
    with carecoord.Engine.load(path) as e:
        assert {"intensity", "programs", "triggers", "care_plan"} <= {r.id for r in e.rulesets}


def test_check_findings_of_a_ruleset():
    # tests/cli/data/analysis/findings.yaml: the positions `carecoord check` prints for it
    # (tests/cli/cli_tests.py), counted by hand there.
    path = SOURCE / "tests" / "cli" / "data" / "analysis" / "findings.yaml"
    with carecoord.Engine.load(path) as e:
        findings = e.check()
        assert [(d.code, d.line, d.column) for d in findings] == [
            ("W0701", 21, 7), ("W0703", 29, 7), ("W0701", 33, 7), ("W0705", 7, 24), ("W0704", 16, 16),
            ("W0706", 11, 39), ("W0707", 13, 28), ("W0707", 13, 56)]
        assert all(d.severity == "warning" and d.file == str(path) for d in findings)
        assert findings[1].rule_id == "cc_conditions"
        assert e.check(analysis=False) == []


def test_check_from_string_notes_the_value_sets_it_cannot_read():
    with carecoord.Engine.from_string(MINI, name="mini.yaml") as e:
        findings = e.check()
    assert [(d.code, d.severity, d.file) for d in findings] == [("E0330", "note", "mini.yaml")]
