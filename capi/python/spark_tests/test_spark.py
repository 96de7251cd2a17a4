"""carecoord.spark on PySpark in local mode (local[2]): a generated population, evaluated
on Spark, must give the determinations `carecoord eval --format ndjson` gives for the same
records, byte for byte; bad records become error rows, never a failed job.

Environment (set by ctest): CARECOORD_LIBRARY, CARECOORD_SOURCE_DIR, CARECOORD_CLI and
CARECOORD_POPGEN (build/bench/popgen). pyspark is required: this test does not skip
(`make test` installs it: scripts/install-deps.sh spark).
"""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys

import pytest
from pyspark.sql import SparkSession

import carecoord
from carecoord import spark as ccs

SOURCE = pathlib.Path(os.environ.get("CARECOORD_SOURCE_DIR", pathlib.Path(__file__).resolve().parents[3]))
RULESETS = SOURCE / "rulesets"
CLI = os.environ.get("CARECOORD_CLI", str(SOURCE / "build" / "carecoord"))
POPGEN = os.environ.get("CARECOORD_POPGEN", str(SOURCE / "build" / "bench" / "popgen"))
AS_OF = "2026-11-27"
COUNT = 300

BAD_DATE = json.dumps({"id": "bad-date", "birth_date": "1950-02-30"})
BAD_JSON = '{"id": "bad-json", '


@pytest.fixture(scope="module")
def population(tmp_path_factory):
    path = tmp_path_factory.mktemp("pop") / "population.ndjson"
    subprocess.run([POPGEN, "--as-of", AS_OF, "--count", str(COUNT), "--seed", "11", "--output", str(path)],
                   check=True)
    return path.read_text().splitlines()


@pytest.fixture(scope="module")
def expected(population, tmp_path_factory):
    """`carecoord eval --format ndjson` over the same records: patient id -> JSON line."""
    out = subprocess.run([CLI, "eval", "--rules", str(RULESETS), "--as-of", AS_OF, "--format", "ndjson", "--jobs", "1",
                          "-"], input="\n".join(population) + "\n", capture_output=True, text=True, check=True)
    lines = out.stdout.splitlines()
    assert len(lines) == len(population)
    return {json.loads(x)["patient_id"]: x for x in lines}


@pytest.fixture(scope="module")
def session():
    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable
    # local[2, 4]: two task slots, and up to 4 attempts per task as on a cluster
    # (spark.task.maxFailures; local mode otherwise allows 1). A bad record never fails a
    # task (it becomes an error row), so retries hide nothing of carecoord's; they absorb a
    # Python worker that fails to start on a busy machine (seen once: EOFException from
    # PythonWorkerFactory.createSocket).
    s = (SparkSession.builder.master("local[2, 4]").appName("carecoord-test")
         .config("spark.ui.enabled", "false")
         .config("spark.sql.shuffle.partitions", "2")
         .config("spark.driver.memory", "1g")
         # several Arrow batches per task: the cached engine serves more than one batch
         .config("spark.sql.execution.arrow.maxRecordsPerBatch", "64")
         .getOrCreate())
    s.sparkContext.setLogLevel("ERROR")
    yield s
    s.stop()


@pytest.fixture(scope="module")
def result(session, population):
    documents = population + [BAD_DATE, BAD_JSON, None]
    df = session.createDataFrame([(i, d) for i, d in enumerate(documents)], "row long, document string").repartition(4)
    out = ccs.evaluate(df, ccs.Rulesets.from_path(RULESETS), as_of=AS_OF, keep=["row"])
    rows = out.collect()
    return documents, {r["row"]: r for r in rows}, out


def test_one_row_per_record_and_the_schema(result):
    documents, rows, out = result
    assert sorted(rows) == list(range(len(documents)))
    assert out.columns[:3] == ["row", "patient_id", "as_of"]
    assert [(f.name, f.dataType.simpleString()) for f in out.schema.fields[1:]] == \
        [(f.name, f.dataType.simpleString()) for f in ccs.output_schema().fields]


def test_determinations_equal_the_cli_byte_for_byte(result, expected, population):
    _, rows, _ = result
    for i, doc in enumerate(population):
        r = rows[i]
        assert r["error"] is None
        pid = json.loads(doc)["id"]
        assert r["patient_id"] == pid
        assert r["determination"] == expected[pid]


def test_typed_columns_agree_with_the_determination(result, population):
    _, rows, _ = result
    tiers = set()
    for i in range(len(population)):
        r = rows[i]
        d = json.loads(r["determination"])
        tiers.add(r["tier"])
        assert r["as_of"].isoformat() == d["as_of"] == AS_OF
        assert (r["tier"], r["tier_by_default"]) == (d["tier"]["id"], d["tier"]["by_default"])
        assert r["flags"] == [f["id"] for f in d["flags"]]
        assert [(p["id"], p["status"], p["eligible"], p["reason"], p["missing"]) for p in r["programs"]] == \
            [(p["id"], p["status"], p["status"] == "eligible", p["reason"], p["missing"]) for p in d["programs"]]
        assert [(t["id"], t["status"], t["anchor"].isoformat(), t["due"].isoformat(), t["due_time"], t["action"])
                for t in r["triggers"]] == \
            [(t["id"], t["status"], t["anchor"], t["due"], t["due_time"], t["action"]) for t in d["triggers"]]
        assert [(x["id"], x["version"], x["sha256"]) for x in r["rulesets"]] == \
            [(x["id"], x["version"], x["sha256"]) for x in d["rulesets"]]
        assert r["missing"] == d["missing"]
        assert (r["deceased"].isoformat() if r["deceased"] else None) == d["deceased"]
        if d["deceased"]:  # off every worklist (docs/determination.md#the-deceased)
            assert r["tier"] == "routine" and r["flags"] == [] and r["triggers"] == []
    # the generated population reaches every tier of the default rulesets
    assert tiers == {"routine", "care_coordination", "case_management"}


def test_bad_records_are_error_rows(result, population):
    _, rows, _ = result
    n = len(population)
    bad_date, bad_json, null = rows[n], rows[n + 1], rows[n + 2]
    assert bad_date["patient_id"] == "bad-date"
    assert bad_date["error"]["status"] == "patient"
    assert (bad_date["error"]["code"], bad_date["error"]["field_path"]) == ("E0204", "birth_date")
    assert not any("1950-02-30" in d for d in bad_date["error"]["diagnostics"])  # never a patient value
    for r in (bad_date, bad_json, null):
        assert r["error"] is not None and r["determination"] is None and r["tier"] is None
    assert bad_json["error"]["code"] == "E0201" and bad_json["patient_id"] is None
    assert null["error"]["code"] == "E0201"


def test_rulesets_on_worker_paths_give_the_same_answers(session, population, expected):
    df = session.createDataFrame([(d,) for d in population[:20]], "document string")
    rows = ccs.evaluate(df, ccs.Rulesets.on_workers(str(RULESETS)), as_of=AS_OF).collect()
    assert sorted(r["determination"] for r in rows) == sorted(expected[json.loads(d)["id"]] for d in population[:20])


def test_engine_cached_per_process_by_ruleset_content():
    a = ccs.Rulesets.from_path(RULESETS)
    b = ccs.Rulesets.from_texts(dict(a.texts))
    assert a.key == b.key
    assert ccs.engine_for(a) is ccs.engine_for(b)
    changed = dict(a.texts)
    name = next(iter(changed))
    changed[name] += "\n# a comment\n"
    assert ccs.Rulesets.from_texts(changed).key != a.key
    assert isinstance(ccs.engine_for(a), carecoord.Engine)


def test_engine_loaded_once_per_worker_process(session, result):
    """After 4 tasks of 2 Arrow batches each on 2 reused Python workers, every worker that
    evaluated loaded the engine once."""
    key = ccs.Rulesets.from_path(RULESETS).key

    def report(batches):  # run by the same kind of (Arrow) Python workers as evaluate()
        import pyarrow as pa

        from carecoord import spark as worker_side
        for _ in batches:
            pass
        yield pa.RecordBatch.from_pylist([{"pid": os.getpid(), "loads": worker_side.loads.get(key, 0)}])

    df = session.range(0, 8, numPartitions=8)
    seen = df.mapInArrow(report, "pid long, loads long").collect()
    counts = {r["pid"]: r["loads"] for r in seen if r["loads"]}
    assert counts, "no worker that evaluated was reused (spark.python.worker.reuse)"
    assert set(counts.values()) == {1}
