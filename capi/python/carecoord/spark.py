"""carecoord on Apache Spark: evaluate a DataFrame of patient documents.

Example::

    from carecoord.spark import Rulesets, evaluate
    members = spark.read.text("s3://bucket/members/*.ndjson").withColumnRenamed("value", "document")
    out = evaluate(members, Rulesets.from_path("rulesets"), as_of="2026-11-27")
    out.write.parquet("s3://bucket/determinations/2026-11-27")

``evaluate`` runs with ``mapInArrow``: each Arrow batch of documents (at most
``spark.sql.execution.arrow.maxRecordsPerBatch`` rows, 10,000 by default) is evaluated with
one call into libcarecoord (``carecoord_evaluate_documents``), by an engine loaded once per
Python worker process and kept for every later batch and task of that worker (a module
cache keyed by the rulesets' content or path). A document that cannot be read or
evaluated gives a row whose ``error`` column is set; it never fails the job.

The input column holds carecoord patient documents as JSON text (docs/patient-schema.md).
FHIR R4 Bundles are not accepted here: the C interface (capi/carecoord.h) decodes patient
documents only; map FHIR to patient documents first (``carecoord eval --input-format``
reads FHIR on one machine).

How to ship the package and the rulesets to a cluster: docs/scale.md.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import shutil
import tempfile
import threading
from dataclasses import dataclass
from typing import Any, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple, Union

from . import BatchError, Engine

__all__ = ["Rulesets", "evaluate", "SCHEMA", "output_schema"]

#: The determination columns, as Spark DDL. ``determination`` is the full determination
#: JSON, byte for byte what ``carecoord eval --format ndjson`` writes; it and the typed
#: columns are null when ``error`` is set.
SCHEMA = ", ".join([
    "patient_id string",
    "as_of date",
    "tier string",
    "tier_by_default boolean",
    "flags array<string>",
    "programs array<struct<id: string, status: string, eligible: boolean, reason: string, missing: array<string>>>",
    "triggers array<struct<id: string, status: string, anchor: date, due: date, due_time: string, action: string>>",
    "rulesets array<struct<id: string, version: string, sha256: string>>",
    "missing array<string>",
    "deceased date",
    "determination string",
    "error struct<status: string, code: string, message: string, field_path: string, diagnostics: array<string>>",
])


@dataclass(frozen=True)
class Rulesets:
    """Where the workers get their rulesets.

    - :meth:`from_path`: read on the driver now, every ``*.yaml``/``*.yml`` under a file or
      directory; the texts travel to the executors as a Spark broadcast. Nothing needs to
      be installed on the nodes beyond the carecoord wheel.
    - :meth:`from_texts`: the same, from texts already in memory (``{relative path: text}``).
    - :meth:`on_workers`: a path every worker can read (shared storage mounted on each node,
      or a directory shipped with ``--files``/``--archives``); read once per worker process.
    """

    key: str
    texts: Optional[Tuple[Tuple[str, str], ...]] = None
    path: Optional[str] = None

    @classmethod
    def from_texts(cls, texts: Mapping[str, str]) -> "Rulesets":
        items = tuple(sorted((str(k), str(v)) for k, v in texts.items()))
        for name, _ in items:
            if os.path.isabs(name) or ".." in name.split("/"):
                raise ValueError(f"ruleset names must be relative paths inside the ruleset tree: {name}")
        digest = hashlib.sha256()
        for name, text in items:
            for part in (name, text):
                data = part.encode("utf-8")
                digest.update(len(data).to_bytes(8, "little") + data)
        return cls(key="sha256:" + digest.hexdigest(), texts=items)

    @classmethod
    def from_path(cls, path: Union[str, os.PathLike]) -> "Rulesets":
        path = os.fspath(path)
        if os.path.isfile(path):
            files = {os.path.basename(path): path}
        else:
            files = {}
            for dirpath, dirnames, filenames in os.walk(path):
                dirnames.sort()
                for f in sorted(filenames):
                    if f.endswith((".yaml", ".yml")):
                        full = os.path.join(dirpath, f)
                        files[os.path.relpath(full, path).replace(os.sep, "/")] = full
        if not files:
            raise FileNotFoundError(f"no ruleset (*.yaml, *.yml) under {path}")
        texts = {}
        for name, full in files.items():
            with open(full, encoding="utf-8") as f:
                texts[name] = f.read()
        return cls.from_texts(texts)

    @classmethod
    def on_workers(cls, path: str) -> "Rulesets":
        return cls(key="path:" + path, path=path)


# ---- the worker side ----------------------------------------------------------------

_engines: Dict[str, Engine] = {}
_engines_lock = threading.Lock()
#: How many times this process loaded an engine, per rulesets key (1 when the cache works).
loads: Dict[str, int] = {}


def _load_texts(texts: Sequence[Tuple[str, str]]) -> Engine:
    """Loads rulesets held as texts: written to a private directory (so that `include`
    between them works as on disk), loaded, and the directory removed."""
    tmp = tempfile.mkdtemp(prefix="carecoord-rulesets-")
    try:
        for name, text in texts:
            full = os.path.join(tmp, *name.split("/"))
            os.makedirs(os.path.dirname(full), exist_ok=True)
            with open(full, "w", encoding="utf-8") as f:
                f.write(text)
        return Engine.load(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def engine_for(rulesets: Rulesets, texts=None) -> Engine:
    """The engine of this worker process for `rulesets`, loaded on first use and cached.
    `texts` (a broadcast, or the texts themselves) is read only on a cache miss."""
    with _engines_lock:
        engine = _engines.get(rulesets.key)
        if engine is None:
            if rulesets.path is not None:
                engine = Engine.load(rulesets.path)
            else:
                value = texts.value if hasattr(texts, "value") else (texts or rulesets.texts)
                engine = _load_texts(value)
            _engines[rulesets.key] = engine
            loads[rulesets.key] = loads.get(rulesets.key, 0) + 1
        return engine


def _patient_id_of(document: Optional[str]) -> Optional[str]:
    """The "id" of a document that failed, when it can be read at all (for the error row)."""
    try:
        value = json.loads(document) if document else None
    except ValueError:
        return None
    pid = value.get("id") if isinstance(value, dict) else None
    return pid if isinstance(pid, str) else None


def _error(err: BatchError) -> Dict[str, Any]:
    first = err.diagnostics[0] if err.diagnostics else None
    return {
        "status": err.status,
        "code": first.code if first else "",
        "message": first.message if first else err.status,
        "field_path": first.field_path if first else "",
        "diagnostics": [str(d) for d in err.diagnostics],
    }


def evaluate_documents(engine: Engine, documents: Sequence[Optional[str]], as_of: str) -> Dict[str, List[Any]]:
    """The Python side of one Arrow batch, as columns: ``determination`` (the JSON, or
    None), ``error`` (a dict, or None) and ``__carecoord_error_patient_id`` (the "id" of a document
    that failed, when it can be read). The typed columns are derived from the JSON by Spark
    itself (``from_json``, in the JVM): building them in Python costs more than the
    evaluation."""
    dets: List[Optional[str]] = []
    errors: List[Optional[Dict[str, Any]]] = []
    ids: List[Optional[str]] = []
    for doc, out in zip(documents, engine.evaluate_batch_json(documents, as_of=as_of)):
        if isinstance(out, BatchError):
            dets.append(None)
            errors.append(_error(out))
            ids.append(_patient_id_of(doc))
        else:
            dets.append(out)
            errors.append(None)
            ids.append(None)
    return {"determination": dets, "error": errors, _ERROR_ID: ids}


# ---- the driver side ----------------------------------------------------------------


_ERROR_TYPE = ("struct<status: string, code: string, message: string, field_path: string, "
               "diagnostics: array<string>>")

# How the determination JSON is read back by Spark (docs: the determination of
# docs/c-api.md and `carecoord eval --format ndjson`); only the fields the typed columns use.
_DETERMINATION_TYPE = (
    "struct<patient_id: string, as_of: date, "
    "rulesets: array<struct<id: string, version: string, sha256: string>>, "
    "tier: struct<id: string, by_default: boolean>, flags: array<struct<id: string>>, "
    "programs: array<struct<id: string, status: string, reason: string, missing: array<string>>>, "
    "triggers: array<struct<id: string, status: string, anchor: date, due: date, due_time: string, action: string>>, "
    "missing: array<string>, deceased: date>"
)

# The typed columns of SCHEMA as Spark SQL over the parsed determination (internal column
# names that cannot clash with the columns a caller keeps).
_D = "__carecoord_d"
_ERROR_ID = "__carecoord_error_patient_id"
_TYPED_COLUMNS = [
    ("patient_id", f"coalesce({_D}.patient_id, {_ERROR_ID})"),
    ("as_of", f"{_D}.as_of"),
    ("tier", f"{_D}.tier.id"),
    ("tier_by_default", f"{_D}.tier.by_default"),
    ("flags", f"transform({_D}.flags, f -> f.id)"),
    ("programs", f"transform({_D}.programs, p -> named_struct('id', p.id, 'status', p.status, "
                 "'eligible', p.status = 'eligible', 'reason', p.reason, 'missing', p.missing))"),
    ("triggers", f"{_D}.triggers"),
    ("rulesets", f"{_D}.rulesets"),
    ("missing", f"{_D}.missing"),
    ("deceased", f"{_D}.deceased"),
]


def output_schema(df=None, keep: Sequence[str] = ()):
    """The Spark schema of :func:`evaluate`'s result: the columns in `keep` (taken from
    `df`), then those of :data:`SCHEMA`."""
    from pyspark.sql.types import StructType, _parse_datatype_string

    fields = [df.schema[c] for c in keep] if keep else []
    return StructType(fields + list(_parse_datatype_string(SCHEMA).fields))


def evaluate(df, rulesets: Union[Rulesets, str, os.PathLike], as_of: Union[str, datetime.date],
             document_col: str = "document", keep: Sequence[str] = ()):
    """Evaluates every row of `df` (a column `document_col` of JSON patient documents) at
    `as_of` and returns a DataFrame with the columns of :data:`SCHEMA`, preceded by the
    input columns named in `keep` (a member key, a partition column), one row per input
    row. `rulesets` is a :class:`Rulesets`, or a path read on the driver
    (:meth:`Rulesets.from_path`)."""
    import pyarrow as pa
    from pyspark.sql import functions as F
    from pyspark.sql.pandas.types import to_arrow_schema
    from pyspark.sql.types import StructType, _parse_datatype_string

    if not isinstance(rulesets, Rulesets):
        rulesets = Rulesets.from_path(rulesets)
    if isinstance(as_of, datetime.datetime):
        raise TypeError("as_of must be a datetime.date (a day), not a datetime")
    as_of_text = as_of if isinstance(as_of, str) else as_of.isoformat()
    # Fail on the driver, before the job, when the date is bad or the rulesets shipped from
    # here do not load (a path on the workers may not exist on the driver).
    if rulesets.texts is not None:
        engine_for(rulesets).evaluate_ndjson(b"", as_of=as_of_text)
    else:
        datetime.date.fromisoformat(as_of_text)
    keep = list(keep)
    raw_schema = StructType([df.schema[c] for c in keep] + list(_parse_datatype_string(
        f"determination string, error {_ERROR_TYPE}, {_ERROR_ID} string").fields))
    arrow_schema = to_arrow_schema(raw_schema)
    # The texts go once to each executor as a broadcast; the closure carries only the key.
    texts = df.sparkSession.sparkContext.broadcast(rulesets.texts) if rulesets.texts is not None else None
    light = Rulesets(key=rulesets.key, path=rulesets.path)

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        engine = engine_for(light, texts)
        for batch in batches:
            cols = evaluate_documents(engine, batch.column(document_col).to_pylist(), as_of_text)
            arrays = [batch.column(c) for c in keep] + [
                pa.array(cols[f.name], type=f.type) for f in list(arrow_schema)[len(keep):]]
            yield pa.RecordBatch.from_arrays(arrays, schema=arrow_schema)

    raw = df.select(*(keep + [document_col])).mapInArrow(run, raw_schema)
    parsed = raw.withColumn(_D, F.from_json("determination", _DETERMINATION_TYPE))
    return parsed.select(*keep, *(F.expr(e).alias(name) for name, e in _TYPED_COLUMNS), "determination", "error")
