"""carecoord: care-management tiers, payer program eligibility and follow-up triggers.

Python bindings over the C library libcarecoord (see ``capi/carecoord.h``), pure Python
over ctypes. The library is found through the ``CARECOORD_LIBRARY`` environment variable,
then in this package's directory, then on the system.

Example::

    import datetime, carecoord
    with carecoord.Engine.load("rulesets") as engine:
        det = engine.evaluate({"id": "p-1", "birth_date": "1950-01-01"},
                              as_of=datetime.date(2026, 11, 27))
        print(det.tier, det.programs, det.triggers)

Thread safety: an :class:`Engine` may be shared between threads (evaluation does not
modify it); a :class:`Patient` being built must not be modified concurrently. Results
(:class:`Determination`) are plain immutable Python data.
"""

from __future__ import annotations

import ctypes
import datetime
import json as _json
import os
import threading
import contextlib
import dataclasses
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ContextManager, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple, TypeVar, Union

if TYPE_CHECKING:  # pandas is optional: only Batch.to_pandas() imports it
    import pandas

from . import _native as _n
from ._native import lib as _lib

__all__ = [
    "__version__", "library_version", "schema_versions",
    "Engine", "Patient", "Determination", "Program", "Trigger", "TierRule", "RulesetInfo",
    "Diagnostic", "BatchError", "DateLike", "DateTimeLike", "CarecoordError", "ArgumentError", "RulesetError", "PatientError", "EvaluationError",
    "EngineOptions", "Batch", "default_rulesets",
    "CarePlanEvent", "CarePlanTask", "CarePlanRecord", "EventOutcome", "EventInput", "PayloadValue",
    "Explanation", "RuleExplanation", "ConditionExplanation", "Boundary", "CodeNote",
]

__version__ = "0.2.0"


def library_version() -> str:
    """The version of the loaded libcarecoord ("MAJOR.MINOR.PATCH")."""
    return _n.text(_lib.carecoord_version())


def schema_versions() -> Tuple[int, int]:
    """The lowest and highest ruleset ``schema_version`` the library accepts."""
    return _lib.carecoord_schema_version_min(), _lib.carecoord_schema_version_max()


def default_rulesets() -> str:
    """The directory of the default rulesets (intensity, programs, triggers, workflow), so
    that ``Engine.load(carecoord.default_rulesets())`` works after a plain ``pip install``:
    the wheel ships them inside the package (``carecoord/rulesets``). In a source checkout
    (``PYTHONPATH=capi/python``) it is the repository's ``rulesets/``. Raises
    FileNotFoundError when neither is there."""
    here = os.path.dirname(os.path.abspath(__file__))
    for candidate in (os.path.join(here, "rulesets"),
                      os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(here))), "rulesets")):
        if os.path.isfile(os.path.join(candidate, "workflow", "care-plan.yaml")):
            return candidate
    raise FileNotFoundError("carecoord: the default rulesets are not installed with this package "
                            "(build the wheel with `make wheel`, or pass a rulesets path)")


# ---- errors ------------------------------------------------------------------------


@dataclass(frozen=True)
class Diagnostic:
    """One problem: a stable code (``E0204``), a message that names fields and never
    patient values, and where it is (ruleset file, line, column, rule, field path)."""

    code: str
    message: str
    file: str = ""
    line: int = 0
    column: int = 0
    rule_id: str = ""
    field_path: str = ""
    #: "error", "warning" (FHIR warnings) or "note".
    severity: str = "error"

    def __str__(self) -> str:
        where = self.file or ""
        if self.line:
            where += f":{self.line}:{self.column}"
        prefix = f"{where}: " if where else ""
        path = f" ({self.field_path})" if self.field_path else ""
        return f"{prefix}{self.severity or 'error'}[{self.code}]: {self.message}{path}"


class CarecoordError(Exception):
    """A failed call. ``code``, ``message``, ``file``, ``line``, ``column``, ``rule_id`` and
    ``field_path`` describe the first diagnostic; ``diagnostics`` holds all of them;
    ``status`` is the C status name ("ruleset", "patient", ...)."""

    def __init__(self, status: str, diagnostics: List[Diagnostic]):
        self.status = status
        self.diagnostics = diagnostics
        first = diagnostics[0] if diagnostics else Diagnostic(code="", message=status)
        self.code = first.code
        self.message = first.message
        self.file = first.file
        self.line = first.line
        self.column = first.column
        self.rule_id = first.rule_id
        self.field_path = first.field_path
        text = "; ".join(str(d) for d in diagnostics[:5])
        if len(diagnostics) > 5:
            text += f"; and {len(diagnostics) - 5} more"
        super().__init__(text or status)


class ArgumentError(CarecoordError, ValueError):
    """An invalid argument (a malformed as-of date, a NULL the library refused)."""


class RulesetError(CarecoordError):
    """Rulesets could not be read or failed their checks; every diagnostic is listed."""


class PatientError(CarecoordError, ValueError):
    """A patient document or builder value is invalid; each diagnostic names its field path."""


class EvaluationError(CarecoordError):
    """The evaluation failed, e.g. no ruleset is in force at the as-of date."""


@dataclass(frozen=True)
class BatchError:
    """A document of :meth:`Engine.evaluate_batch` that could not be decoded or evaluated:
    its 1-based position in the batch, the status ("patient", "evaluation", "internal")
    and every diagnostic. Use :meth:`exception` for the matching :class:`CarecoordError`."""

    line: int
    status: str
    diagnostics: List[Diagnostic]

    def __str__(self) -> str:
        return "; ".join(str(d) for d in self.diagnostics) or self.status

    def exception(self) -> "CarecoordError":
        cls = {"patient": PatientError, "evaluation": EvaluationError}.get(self.status, CarecoordError)
        return cls(self.status, self.diagnostics)

    @classmethod
    def _from_json(cls, line: str) -> "BatchError":
        e = _json.loads(line)["error"]
        return cls(line=e["line"], status=e["status"],
                   diagnostics=[Diagnostic(code=d["code"], message=d["message"], field_path=d["field_path"])
                                for d in e["diagnostics"]])


_ERRORS = {
    _n.ERR_ARGUMENT: ArgumentError,
    _n.ERR_RULESET: RulesetError,
    _n.ERR_PATIENT: PatientError,
    _n.ERR_EVALUATION: EvaluationError,
}


def _check(status: int, err: ctypes.c_void_p) -> None:
    """Raises the error a C call returned, and frees the C error object."""
    if status == _n.OK:
        return
    try:
        diagnostics = _diagnostics(err.value)
    finally:
        _lib.carecoord_error_free(err)
    if status == _n.ERR_NOMEM:
        raise MemoryError("carecoord: out of memory")
    name = _n.text(_lib.carecoord_status_name(status))
    raise _ERRORS.get(status, CarecoordError)(name, diagnostics)


def _diagnostics(e: Optional[int]) -> List[Diagnostic]:
    """The diagnostics of a C error list, from its first object (borrowed, not freed)."""
    diagnostics = []
    while e:
        diagnostics.append(Diagnostic(
            code=_n.text(_lib.carecoord_error_code(e)),
            message=_n.text(_lib.carecoord_error_message(e)),
            file=_n.text(_lib.carecoord_error_file(e)),
            line=_lib.carecoord_error_line(e),
            column=_lib.carecoord_error_column(e),
            rule_id=_n.text(_lib.carecoord_error_rule_id(e)),
            field_path=_n.text(_lib.carecoord_error_field_path(e)),
            severity=_n.text(_lib.carecoord_error_severity(e)),
        ))
        e = _lib.carecoord_error_next(e)
    return diagnostics


def _call(fn, *args) -> None:
    err = ctypes.c_void_p()
    _check(fn(*args, ctypes.byref(err)), err)


def _create(fn, *args) -> ctypes.c_void_p:
    out = ctypes.c_void_p()
    err = ctypes.c_void_p()
    _check(fn(ctypes.byref(out), *args, ctypes.byref(err)), err)
    return out


_H = TypeVar("_H", bound="_Handle")


class _Handle:
    """Owns one C handle: freed by close(), by the context manager, or when collected.

    ctypes releases the GIL during a call into the library, so another thread may call
    close() while a call on this handle is in flight. As with .NET's SafeHandle, every call
    holds a use count (:meth:`_use`); close() marks the handle closed at once (later calls
    raise ValueError) and the C handle is freed when the last call in flight returns, never
    under it. A call that changes the C object (a patient's builder, a bulk reader's next)
    holds it alone (:meth:`_use_exclusive`): it waits for the calls reading it, and they
    wait for it, so no thread ever reads a C object while another changes it."""

    _free = None  # the C free function, set by subclasses

    def __init__(self, ptr: ctypes.c_void_p):
        self._ptr: Optional[ctypes.c_void_p] = ptr
        # Held only while the counts below change, never across a call into the library, so
        # that a read (the common case: evaluate on a shared Engine) costs one acquire and
        # release of a plain lock on entry and one on exit. The condition over the same lock
        # is made, waited on and notified only when a call cannot enter yet (a writer behind
        # readers, a reader behind a writer; _waiting counts them), so a handle that is never
        # contended (a patient decoded for one call) does not pay for it either.
        self._lock = threading.Lock()
        self._changed: Optional[threading.Condition] = None
        self._users = 0
        self._writing = False
        self._closing = False
        self._waiting = 0

    def close(self) -> None:
        """Frees the C handle, now or, when calls on other threads are in flight, as the
        last of them returns. Idempotent."""
        with self._lock:
            self._closing = True
            if self._users or self._writing:
                return
            ptr, self._ptr = self._ptr, None
        if ptr:
            type(self)._free(ptr)

    @property
    def closed(self) -> bool:
        return self._closing or not self._ptr

    def _enter(self, exclusive: bool = False) -> ctypes.c_void_p:
        """The C handle, counted as in use until the matching :meth:`_leave`."""
        lock = self._lock
        lock.acquire()  # acquire/try/release: half the cost of a with-statement
        try:
            ptr = self._ptr
            if not self._writing and not self._closing and ptr:
                if not exclusive:
                    self._users += 1
                    return ptr
                if not self._users:
                    self._writing = True
                    return ptr
            return self._enter_waiting(exclusive)
        finally:
            lock.release()

    def _enter_waiting(self, exclusive: bool) -> ctypes.c_void_p:
        """_enter when the handle is closed or another call is in the way (self._lock held)."""
        while (self._writing or (exclusive and self._users)) and not self._closing:
            if self._changed is None:
                self._changed = threading.Condition(self._lock)
            self._waiting += 1
            try:
                self._changed.wait()
            finally:
                self._waiting -= 1
        if self._closing or not self._ptr:
            raise ValueError(f"this {type(self).__name__} is closed")
        if exclusive:
            self._writing = True
        else:
            self._users += 1
        return self._ptr

    def _leave(self, exclusive: bool = False) -> None:
        lock = self._lock
        lock.acquire()
        try:
            if exclusive:
                self._writing = False
            else:
                self._users -= 1
            if self._waiting:
                self._changed.notify_all()  # type: ignore[union-attr]  # made by the first waiter
            if not self._closing or self._users or self._writing:
                return
            ptr, self._ptr = self._ptr, None
        finally:
            lock.release()
        if ptr:
            type(self)._free(ptr)

    @contextlib.contextmanager
    def _hold(self, exclusive: bool) -> Iterator[ctypes.c_void_p]:
        ptr = self._enter(exclusive)
        try:
            yield ptr
        finally:
            self._leave(exclusive)

    def _use(self) -> ContextManager[ctypes.c_void_p]:
        """The C handle for a call that only reads it, kept alive until the with-block ends."""
        return self._hold(exclusive=False)

    def _use_exclusive(self) -> ContextManager[ctypes.c_void_p]:
        """The C handle for a call that changes it: no other call is in flight meanwhile."""
        return self._hold(exclusive=True)

    def _invoke(self, fn, *args) -> None:
        """_call(fn, handle, *args) for a call that changes the C object (a builder's)."""
        with self._use_exclusive() as h:
            _call(fn, h, *args)

    def __enter__(self: _H) -> _H:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            if getattr(self, "_lock", None) is not None:
                self.close()
        except Exception:  # interpreter shutdown: the library may already be gone
            pass


# ---- patients ----------------------------------------------------------------------

PatientInput = Union["Patient", Mapping[str, Any], str, bytes]
#: A date as a ``datetime.date`` or a "YYYY-MM-DD" string.
DateLike = Union[datetime.date, str]
#: A date-time as a ``datetime.datetime`` (wall-clock, no offset), a date, or a "YYYY-MM-DDTHH:MM" string.
DateTimeLike = Union[datetime.datetime, datetime.date, str]


def _as_of_text(value: DateLike) -> str:
    if isinstance(value, datetime.datetime):
        raise TypeError("as_of must be a datetime.date (a day), not a datetime")
    return value if isinstance(value, str) else value.isoformat()


def _date_text(value: Optional[DateTimeLike]) -> Optional[str]:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%dT%H:%M")
    return value.isoformat()


class Patient(_Handle):
    """One patient: decoded from a document (:meth:`from_json`, :meth:`from_yaml`,
    :meth:`from_dict`) or built with :meth:`new` and the ``add_*``/``set_*`` methods.
    Field names and values are those of docs/patient-schema.md. Invalid values raise
    :class:`PatientError` naming the field path; the patient is then unchanged."""

    _free = _lib.carecoord_patient_free

    @classmethod
    def from_json(cls, text: Union[str, bytes]) -> "Patient":
        return cls._parse(text, _n.FORMAT_JSON)

    @classmethod
    def from_yaml(cls, text: Union[str, bytes]) -> "Patient":
        return cls._parse(text, _n.FORMAT_YAML)

    @classmethod
    def from_dict(cls, document: Mapping[str, Any]) -> "Patient":
        """A patient document as Python data (dates as "YYYY-MM-DD" strings or date objects)."""
        return cls.from_json(_json.dumps(document, default=_date_text))

    @classmethod
    def from_file(cls, path: Union[str, os.PathLike]) -> "Patient":
        """A .json, .yaml or .yml patient document."""
        with open(path, "rb") as f:
            data = f.read()
        return cls.from_json(data) if str(path).endswith(".json") else cls.from_yaml(data)

    @classmethod
    def from_fhir_bundle(cls, bundle: Union[str, bytes, Mapping[str, Any]]) -> "Patient":
        """A patient from a FHIR R4 Bundle (JSON text, or the Bundle as Python data) holding
        one Patient and that patient's resources (docs/fhir.md). Resources that cannot be
        mapped are skipped and listed in :attr:`warnings`. Raises :class:`PatientError` when
        the Bundle cannot be read, holds no Patient or several, or the Patient has no
        birthDate. Bulk exports: :func:`read_fhir_bulk`."""
        if isinstance(bundle, Mapping):
            bundle = _json.dumps(bundle)
        return cls._parse(bundle, _n.FORMAT_FHIR_BUNDLE)

    @property
    def warnings(self) -> List[Diagnostic]:
        """The warnings of the FHIR reading that produced this patient (resources or
        elements skipped or not understood), each naming the resource and element in
        ``field_path`` ("Condition/<id>.code") and, from a bulk export, the file and line.
        Empty for a patient not read from FHIR."""
        with self._use() as h:
            return _diagnostics(_lib.carecoord_patient_warnings(h))

    @classmethod
    def _parse(cls, text: Union[str, bytes], fmt: int) -> "Patient":
        data = text.encode("utf-8") if isinstance(text, str) else bytes(text)
        return cls(_create(_lib.carecoord_patient_parse, data, len(data), fmt))

    @classmethod
    def new(cls, id: str, birth_date: DateLike) -> "Patient":
        """An empty patient with its two required fields."""
        return cls(_create(_lib.carecoord_patient_new, _n.opt_bytes(id), _n.opt_bytes(_date_text(birth_date))))

    def set_sex(self, sex: Optional[str]) -> "Patient":
        self._invoke(_lib.carecoord_patient_set_sex, _n.opt_bytes(sex))
        return self

    def set_deceased(self, date: Optional[DateLike]) -> "Patient":
        self._invoke(_lib.carecoord_patient_set_deceased, _n.opt_bytes(_date_text(date)))
        return self

    def add_coverage(self, payer: str, plan: Optional[str] = None, start: Optional[DateLike] = None,
                     end: Optional[DateLike] = None) -> "Patient":
        self._invoke(_lib.carecoord_patient_add_coverage, _n.opt_bytes(payer), _n.opt_bytes(plan),
              _n.opt_bytes(_date_text(start)), _n.opt_bytes(_date_text(end)))
        return self

    def add_condition(self, code: str, system: Optional[str] = None, status: Optional[str] = None,
                      onset: Optional[DateLike] = None, abatement: Optional[DateLike] = None) -> "Patient":
        self._invoke(_lib.carecoord_patient_add_condition, _n.opt_bytes(code), _n.opt_bytes(system),
              _n.opt_bytes(status), _n.opt_bytes(_date_text(onset)), _n.opt_bytes(_date_text(abatement)))
        return self

    def add_encounter(self, encounter_class: str, admit: Optional[DateTimeLike] = None,
                      discharge: Optional[DateTimeLike] = None) -> "Patient":
        """admit/discharge: datetime.datetime, datetime.date or "YYYY-MM-DDTHH:MM"."""
        self._invoke(_lib.carecoord_patient_add_encounter, _n.opt_bytes(encounter_class),
              _n.opt_bytes(_date_text(admit)), _n.opt_bytes(_date_text(discharge)))
        return self

    def add_care_team_member(self, role: str, specialty: Optional[str] = None) -> "Patient":
        self._invoke(_lib.carecoord_patient_add_care_team_member, _n.opt_bytes(role),
              _n.opt_bytes(specialty))
        return self

    def add_medication(self, code: str, system: Optional[str] = None, name: Optional[str] = None,
                       status: Optional[str] = None) -> "Patient":
        self._invoke(_lib.carecoord_patient_add_medication, _n.opt_bytes(code), _n.opt_bytes(system),
              _n.opt_bytes(name), _n.opt_bytes(status))
        return self

    def add_medication_event(self, medication: int, type: str, date: DateLike) -> "Patient":
        self._invoke(_lib.carecoord_patient_add_medication_event, medication, _n.opt_bytes(type),
              _n.opt_bytes(_date_text(date)))
        return self

    def add_observation(self, code: str, date: DateLike, value: Optional[float] = None,
                        system: Optional[str] = None) -> "Patient":
        self._invoke(_lib.carecoord_patient_add_observation, _n.opt_bytes(code), _n.opt_bytes(system),
              _n.opt_bytes(_date_text(date)), float(value) if value is not None else 0.0,
              1 if value is not None else 0)
        return self

    def set_field(self, path: str, value: Union[str, bool, int, datetime.date, None]) -> "Patient":
        """Sets a scalar field by document path ("social.food_insecurity", "encounters[0].disposition").
        Booleans, numbers and dates are converted to their document text; None clears the field."""
        if isinstance(value, bool):
            value = "true" if value else "false"
        elif isinstance(value, int):
            value = str(value)
        elif isinstance(value, datetime.date):
            value = _date_text(value)
        self._invoke(_lib.carecoord_patient_set_field, _n.opt_bytes(path), _n.opt_bytes(value))
        return self


# ---- FHIR input (docs/fhir.md) --------------------------------------------------------------


class FhirBulkReader(_Handle):
    """An iterator over a FHIR bulk-data export directory (``Patient.ndjson``,
    ``Condition.000.ndjson``...): one :class:`Patient` at a time, in the order of the
    Patient files, each with its :attr:`Patient.warnings`. Memory is bounded by an index of
    byte offsets, not by the export (docs/fhir.md). Threads may share a reader: each
    patient goes to one of them (the calls are serialised).

    A patient that cannot be mapped (no birthDate, an unreadable Patient resource) is
    skipped and its :class:`PatientError` kept in :attr:`errors`; with ``strict=True`` it is
    raised instead (iterating again goes on with the next patient). Raises
    :class:`PatientError` at once when the export cannot be read (E0809)."""

    _free = _lib.carecoord_fhir_bulk_free

    def __init__(self, directory: Union[str, os.PathLike], strict: bool = False):
        super().__init__(_create(_lib.carecoord_fhir_bulk_open, os.fsencode(directory)))
        self.strict = strict
        #: The patients skipped because they could not be mapped, one PatientError each.
        self.errors: List[PatientError] = []

    @property
    def patient_count(self) -> int:
        """The number of Patient resources in the export."""
        with self._use() as h:
            return _lib.carecoord_fhir_bulk_patient_count(h)

    @property
    def export_diagnostics(self) -> List[Diagnostic]:
        """Problems that belong to no patient (unreadable lines, resources of a patient not
        in the export, resource types not read), with file and line."""
        with self._use_exclusive() as h:  # next adds to them
            return _diagnostics(_lib.carecoord_fhir_bulk_export_diagnostics(h))

    def __iter__(self) -> "FhirBulkReader":
        return self

    def __next__(self) -> Patient:
        while True:
            out = ctypes.c_void_p()
            err = ctypes.c_void_p()
            with self._use_exclusive() as h:  # next moves the reader: one thread at a time
                status = _lib.carecoord_fhir_bulk_next(h, ctypes.byref(out), ctypes.byref(err))
            if status == _n.END:
                raise StopIteration
            if status in (_n.OK, _n.OK_WITH_WARNINGS):
                return Patient(out)
            try:
                _check(status, err)
            except PatientError as e:
                if self.strict:
                    raise
                self.errors.append(e)


def read_fhir_bulk(directory: Union[str, os.PathLike], strict: bool = False) -> FhirBulkReader:
    """The patients of a FHIR bulk-data export directory, one at a time: see
    :class:`FhirBulkReader`. Example::

        for patient in carecoord.read_fhir_bulk("export/"):
            det = engine.evaluate(patient, as_of)
            for w in patient.warnings: print(w)
    """
    return FhirBulkReader(directory, strict=strict)


__all__ += ["FhirBulkReader", "read_fhir_bulk"]


# ---- determinations -----------------------------------------------------------------


@dataclass(frozen=True)
class TierRule:
    """A tier rule that matched, with its reason."""

    id: str
    reason: str


@dataclass(frozen=True)
class Program:
    """A payer program: ``status`` is "eligible", "not_eligible" or "unknown" (then
    ``missing`` names the absent patient fields)."""

    id: str
    status: str
    reason: str
    source: str
    missing: List[str] = field(default_factory=list)

    @property
    def eligible(self) -> bool:
        return self.status == "eligible"


@dataclass(frozen=True)
class Trigger:
    """A follow-up that is due: ``status`` is "open" or "overdue"; ``due_time`` is set
    when the trigger counts hours (72 hours after discharge), as a naive wall-clock time."""

    id: str
    status: str
    anchor: datetime.date
    due: datetime.date
    due_time: Optional[datetime.datetime]
    action: str
    reason: str


# Prebound for the per-call paths (Engine.evaluate and the Determination's first reads):
# a global name costs one dict lookup, ``ctypes.byref`` or ``_lib.carecoord_...`` two.
_c_void_p = ctypes.c_void_p
_byref = ctypes.byref
_date = datetime.date
_fromisoformat = datetime.date.fromisoformat
_patient_parse = _lib.carecoord_patient_parse
_patient_free = _lib.carecoord_patient_free
_evaluate_ymd = _lib.carecoord_evaluate_ymd
_result_tier = _lib.carecoord_result_tier
_result_patient_id = _lib.carecoord_result_patient_id


def _result_json(r: ctypes.c_void_p) -> str:
    text = _lib.carecoord_result_json(r)
    if text is None:  # the library could not allocate the text; a later read tries again
        raise MemoryError("carecoord_result_json: out of memory")
    return text.decode("utf-8")


def _result_programs(r: ctypes.c_void_p) -> List[Program]:
    t, lib = _n.text, _lib
    return [Program(id=t(lib.carecoord_result_program_id(r, i)), status=t(lib.carecoord_result_program_status_name(r, i)),
                    reason=t(lib.carecoord_result_program_reason(r, i)),
                    source=t(lib.carecoord_result_program_source(r, i)),
                    missing=[t(lib.carecoord_result_program_missing(r, i, j))
                             for j in range(lib.carecoord_result_program_missing_count(r, i))])
            for i in range(lib.carecoord_result_program_count(r))]


def _result_triggers(r: ctypes.c_void_p) -> List[Trigger]:
    t, lib, date = _n.text, _lib, datetime.date.fromisoformat
    out = []
    for i in range(lib.carecoord_result_trigger_count(r)):
        due_time = lib.carecoord_result_trigger_due_time(r, i)
        out.append(Trigger(id=t(lib.carecoord_result_trigger_id(r, i)),
                           status=t(lib.carecoord_result_trigger_status_name(r, i)),
                           anchor=date(t(lib.carecoord_result_trigger_anchor(r, i))),
                           due=date(t(lib.carecoord_result_trigger_due(r, i))),
                           due_time=datetime.datetime.fromisoformat(due_time.decode("ascii")) if due_time else None,
                           action=t(lib.carecoord_result_trigger_action(r, i)),
                           reason=t(lib.carecoord_result_trigger_reason(r, i))))
    return out


def _result_deceased(r: ctypes.c_void_p) -> Optional[datetime.date]:
    text = _lib.carecoord_result_deceased(r)
    return datetime.date.fromisoformat(text.decode("ascii")) if text else None


def _read_tier(r: ctypes.c_void_p) -> str:
    v = _result_tier(r)
    return v.decode("utf-8") if v is not None else ""


def _read_patient_id(r: ctypes.c_void_p) -> str:
    v = _result_patient_id(r)
    return v.decode("utf-8") if v is not None else ""


# How each field of a Determination is read from a carecoord_result, one accessor call per
# value (each costs a ctypes call, well under a microsecond; only the fields read are paid for).
_RESULT_READERS = {
    "patient_id": _read_patient_id,
    "as_of": lambda r: _fromisoformat(_lib.carecoord_result_as_of(r).decode("ascii")),
    "tier": _read_tier,
    "tier_by_default": lambda r: bool(_lib.carecoord_result_tier_by_default(r)),
    "tier_rules": lambda r: [TierRule(_n.text(_lib.carecoord_result_tier_rule_id(r, i)),
                                      _n.text(_lib.carecoord_result_tier_rule_reason(r, i)))
                             for i in range(_lib.carecoord_result_tier_rule_count(r))],
    "flags": lambda r: [_n.text(_lib.carecoord_result_flag_id(r, i)) for i in range(_lib.carecoord_result_flag_count(r))],
    "programs": _result_programs,
    "triggers": _result_triggers,
    "missing": lambda r: [_n.text(_lib.carecoord_result_missing(r, i))
                          for i in range(_lib.carecoord_result_missing_count(r))],
    "json": _result_json,
    "deceased": _result_deceased,
}
_DETERMINATION_FIELDS = tuple(_RESULT_READERS)
_UNSET = object()


def _field(name: str) -> Any:
    """The property of one Determination field: the value kept, or read on first access
    (from the C result, or by parsing the JSON text the determination was made from). One
    frame on a hit, two on a first read from the result."""
    read = _RESULT_READERS[name]

    def get(self: "Determination") -> Any:
        values = self._values
        v = values.get(name, _UNSET)
        if v is _UNSET:
            r = self._result
            if r is not None:
                v = values[name] = read(r)
            else:  # from JSON text: parsed whole on the first access
                values.update(_parse_determination(values["json"]))
                v = values[name]
        return v

    return property(get)


class Determination:
    """What one evaluation answers. ``json`` is the determination exactly as
    ``carecoord eval --format ndjson`` writes it.

    A determination from :meth:`Engine.evaluate` holds the library's result and reads each
    field from it on first access (one call into the library for ``tier``; the JSON text is
    made only when ``json`` or :meth:`to_dict` is read), then keeps it. It is immutable;
    equal determinations compare equal whatever they were read from."""

    __slots__ = ("_values", "_result")

    def __init__(self, patient_id: str, as_of: datetime.date, tier: str, tier_by_default: bool,
                 tier_rules: List[TierRule], flags: List[str], programs: List[Program], triggers: List[Trigger],
                 missing: List[str], json: str, deceased: Optional[datetime.date] = None):
        values = dict(patient_id=patient_id, as_of=as_of, tier=tier, tier_by_default=tier_by_default,
                      tier_rules=tier_rules, flags=flags, programs=programs, triggers=triggers, missing=missing,
                      json=json, deceased=deceased)
        object.__setattr__(self, "_values", values)
        object.__setattr__(self, "_result", None)

    patient_id: str = _field("patient_id")
    as_of: datetime.date = _field("as_of")
    tier: str = _field("tier")
    tier_by_default: bool = _field("tier_by_default")
    tier_rules: List[TierRule] = _field("tier_rules")
    flags: List[str] = _field("flags")
    programs: List[Program] = _field("programs")
    triggers: List[Trigger] = _field("triggers")
    missing: List[str] = _field("missing")
    json: str = _field("json")
    # The date of death when the patient died on or before as_of (then the tier is the
    # lowest, with no flag, program or trigger); None for a living patient.
    deceased: Optional[datetime.date] = _field("deceased")

    def program(self, id: str) -> Optional[Program]:
        return next((p for p in self.programs if p.id == id), None)

    def trigger(self, id: str) -> Optional[Trigger]:
        return next((t for t in self.triggers if t.id == id), None)

    def to_dict(self) -> Dict[str, Any]:
        """The full determination (rulesets, reasons, sources) as Python data."""
        return _json.loads(self.json)

    def __setattr__(self, name: str, value: Any) -> None:
        raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise dataclasses.FrozenInstanceError(f"cannot delete field {name!r}")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Determination):
            return NotImplemented
        return all(self._get(n) == other._get(n) for n in _DETERMINATION_FIELDS)

    __hash__ = None  # type: ignore[assignment]  # lists inside, as the dataclass it was

    def __repr__(self) -> str:
        return "Determination(" + ", ".join(f"{n}={self._get(n)!r}" for n in _DETERMINATION_FIELDS) + ")"

    def __reduce__(self):
        return (Determination._from_json, (self.json,))

    def __del__(self, _free=_lib.carecoord_result_free) -> None:
        # The free function is bound at definition: at interpreter shutdown the module's
        # globals may already be cleared while determinations are still collected.
        r = getattr(self, "_result", None)
        if r is not None:
            _free(r)

    def _get(self, name: str) -> Any:
        return _FIELDS[name].__get__(self)

    @classmethod
    def _from_result(cls, r: ctypes.c_void_p) -> "Determination":
        """Takes ownership of a carecoord_result: freed with the Determination."""
        return _determination_of_result(r)

    @classmethod
    def from_json(cls, text: Union[str, bytes]) -> "Determination":
        """A Determination from its JSON form (what :attr:`json` holds, a line of
        ``carecoord eval --format ndjson``, or a line of :meth:`Engine.evaluate_ndjson`).
        Raises ValueError for text that is not a determination."""
        if isinstance(text, bytes):
            text = text.decode("utf-8")
        try:
            return cls(**_parse_determination(text))
        except (KeyError, TypeError, AttributeError) as e:
            raise ValueError(f"not a carecoord determination: missing or malformed field {e}") from None

    @classmethod
    def _from_json(cls, text: str) -> "Determination":
        """A Determination over the library's JSON form of one (what ``json`` holds), parsed
        on first access."""
        d = cls.__new__(cls)
        object.__setattr__(d, "_values", {"json": text})
        object.__setattr__(d, "_result", None)
        return d


_FIELDS = {name: Determination.__dict__[name] for name in _DETERMINATION_FIELDS}
_new_object = object.__new__
_set_values = Determination.__dict__["_values"].__set__
_set_result = Determination.__dict__["_result"].__set__


def _determination_of_result(r: ctypes.c_void_p) -> Determination:
    """A Determination owning the carecoord_result ``r`` (freed with it), its fields read
    on first access: what Determination._from_result does, without the frozen class's
    __setattr__ and the classmethod's frame on the per-call path."""
    d = _new_object(Determination)
    _set_values(d, {})
    _set_result(d, r)
    return d


def _parse_determination(text: str) -> Dict[str, Any]:
    d = _json.loads(text)
    date = datetime.date.fromisoformat
    tier = d["tier"]
    return dict(
        patient_id=d["patient_id"],
        as_of=date(d["as_of"]),
        tier=tier["id"],
        tier_by_default=tier["by_default"],
        tier_rules=[TierRule(m["rule"], m["reason"]) for m in tier["matched"]],
        flags=[f["id"] for f in d["flags"]],
        programs=[Program(id=p["id"], status=p["status"], reason=p["reason"], source=p["source"],
                          missing=list(p["missing"])) for p in d["programs"]],
        triggers=[Trigger(id=t["id"], status=t["status"], anchor=date(t["anchor"]), due=date(t["due"]),
                          due_time=datetime.datetime.fromisoformat(t["due_time"]) if t["due_time"] else None,
                          action=t["action"], reason=t["reason"]) for t in d["triggers"]],
        missing=list(d["missing"]),
        json=text,
        deceased=date(d["deceased"]) if d["deceased"] else None,
    )


# ---- batches --------------------------------------------------------------------------


class Batch(Tuple[Union[Determination, BatchError], ...]):
    """The result of :meth:`Engine.evaluate_batch`: an immutable sequence with, per document
    and in order, a :class:`Determination` or a :class:`BatchError`."""

    __slots__ = ()

    @property
    def errors(self) -> List[BatchError]:
        return [x for x in self if isinstance(x, BatchError)]

    #: The fixed columns of :meth:`to_pandas`, in order (docs/c-api.md#python).
    COLUMNS = ("position", "patient_id", "as_of", "tier", "tier_by_default", "tier_rules", "flags", "missing",
               "error_status", "error_code", "error_field_path")

    def to_pandas(self) -> "pandas.DataFrame":
        """One row per document, flat columns for data teams:

        - ``position`` (1-based, as in :attr:`BatchError.line`), ``patient_id``, ``as_of``
          (datetime.date), ``tier``, ``tier_by_default`` (bool);
        - ``tier_rules``, ``flags``, ``missing``: the ids joined with ";" ("" when none);
        - ``error_status``, ``error_code``, ``error_field_path``: the failure of a document
          that could not be evaluated (its other columns are None), None otherwise;
        - ``program.<id>``: "eligible", "not_eligible" or "unknown", one column per program
          of the batch, in the order first seen;
        - ``trigger.<id>.due`` (datetime.date) and ``trigger.<id>.status`` ("open",
          "overdue"), one pair per trigger due anywhere in the batch; None where not due.
        """
        try:
            import pandas  # noqa: F811 (the run-time import of the optional dependency)
        except ImportError as e:
            raise ImportError("Batch.to_pandas() needs pandas (pip install pandas)") from e
        programs: List[str] = []
        triggers: List[str] = []
        for x in self:
            if isinstance(x, Determination):
                programs += [p.id for p in x.programs if p.id not in programs]
                triggers += [t.id for t in x.triggers if t.id not in triggers]
        columns = list(self.COLUMNS) + [f"program.{p}" for p in programs]
        for t in triggers:
            columns += [f"trigger.{t}.due", f"trigger.{t}.status"]
        rows = []
        for i, x in enumerate(self, start=1):
            row: Dict[str, Any] = dict.fromkeys(columns)
            row["position"] = i
            if isinstance(x, BatchError):
                first = x.diagnostics[0] if x.diagnostics else None
                row["error_status"] = x.status
                row["error_code"] = first.code if first else ""
                row["error_field_path"] = first.field_path if first else ""
            else:
                row.update(patient_id=x.patient_id, as_of=x.as_of, tier=x.tier, tier_by_default=x.tier_by_default,
                           tier_rules=";".join(r.id for r in x.tier_rules), flags=";".join(x.flags),
                           missing=";".join(x.missing))
                for p in x.programs:
                    row[f"program.{p.id}"] = p.status
                for t in x.triggers:
                    row[f"trigger.{t.id}.due"] = t.due
                    row[f"trigger.{t.id}.status"] = t.status
            rows.append(row)
        return pandas.DataFrame(rows, columns=columns)


@dataclass(frozen=True)
class EngineOptions:
    """Options of :meth:`Engine.load` and :meth:`Engine.from_string`: the input limits of
    docs/reliability.md by name (``{"ruleset.max_file_bytes": 1 << 20,
    "patient.max_list_length": 500}``; names and defaults in docs/c-api.md) and
    ``ignore_effective`` (every ruleset in force at any date, as ``carecoord diff
    --ignore-effective``). The patient limits also apply to the documents of the engine's
    batches. ``include_roots``: directories an ``include:`` may lead into besides the tree
    being loaded (the parent of the including file's directory; docs/ruleset-language.md,
    "Includes and the tree"), as ``--include-root``."""

    limits: Mapping[str, int] = field(default_factory=dict)
    ignore_effective: bool = False
    include_roots: Sequence[Union[str, "os.PathLike[str]"]] = ()

    def _handle(self) -> ctypes.c_void_p:
        h = _create(_lib.carecoord_engine_options_new)
        try:
            for name, value in self.limits.items():
                if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                    raise ArgumentError("argument", [Diagnostic(code="E0902", message=f"limit {name} must be an integer of at least 1",
                                                                field_path="value")])
                _call(_lib.carecoord_engine_options_set_limit, h, name.encode("utf-8"), value)
            _call(_lib.carecoord_engine_options_set_ignore_effective, h, 1 if self.ignore_effective else 0)
            for root in self.include_roots:
                _call(_lib.carecoord_engine_options_add_include_root, h, os.fsencode(root))
        except BaseException:
            _lib.carecoord_engine_options_free(h)
            raise
        return h


# ---- care plans ---------------------------------------------------------------------------

#: A payload value: a number, a boolean, a string, or a date or date-time (sent as its text;
#: the workflow's declaration says how it is read).
PayloadValue = Union[str, float, int, bool, datetime.date, datetime.datetime]


def _datetime_text(value: DateTimeLike) -> str:
    text = _date_text(value)
    assert text is not None
    return text


@dataclass(frozen=True)
class CarePlanEvent:
    """One event of a care plan: its type ("discharged"), its wall-clock time, and the
    payload fields the workflow declares for it (``{"encounter": "e1"}``)."""

    type: str
    time: datetime.datetime
    payload: Mapping[str, PayloadValue] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "CarePlanEvent":
        """An event as the event logs write it: ``{"type": ..., "time": "2026-05-22T15:00",
        "payload": {...}}`` (time also as a datetime)."""
        unknown = set(d) - {"type", "time", "payload"}
        if unknown:
            raise ValueError(f"unknown key in a care-plan event: {sorted(unknown)[0]} (type, time, payload)")
        if "type" not in d or "time" not in d:
            raise ValueError("a care-plan event needs type and time")
        t = d["time"]
        if isinstance(t, str):
            t = datetime.datetime.fromisoformat(t)
        elif isinstance(t, datetime.date) and not isinstance(t, datetime.datetime):
            t = datetime.datetime(t.year, t.month, t.day)
        return cls(type=d["type"], time=t, payload=dict(d.get("payload") or {}))

    def _handle(self) -> ctypes.c_void_p:
        h = _create(_lib.carecoord_event_new, _n.opt_bytes(self.type), _n.opt_bytes(_datetime_text(self.time)))
        try:
            for name, value in self.payload.items():
                key = name.encode("utf-8")
                if isinstance(value, bool):
                    _call(_lib.carecoord_event_set_bool, h, key, 1 if value else 0)
                elif isinstance(value, (int, float)):
                    _call(_lib.carecoord_event_set_number, h, key, float(value))
                elif isinstance(value, (str, datetime.date)):
                    _call(_lib.carecoord_event_set_string, h, key, _datetime_text(value).encode("utf-8"))
                else:
                    raise TypeError(f"payload field {name} must be a number, boolean, string, date or datetime")
        except BaseException:
            _lib.carecoord_event_free(h)
            raise
        return h


#: An event as a CarePlanEvent or as a dict ({"type", "time", "payload"}).
EventInput = Union[CarePlanEvent, Mapping[str, Any]]


def _event(e: EventInput) -> CarePlanEvent:
    return e if isinstance(e, CarePlanEvent) else CarePlanEvent.from_dict(e)


@dataclass(frozen=True)
class CarePlanTask:
    """A task a care-plan event created: ``id`` is stable ("post_discharge_call@2026-05-22T15:00");
    ``due_time`` is set when the due rule counts hours (72 hours after discharge)."""

    id: str
    task: str
    event: str
    event_time: datetime.datetime
    due: datetime.date
    due_time: Optional[datetime.datetime]
    action: str
    reason: str
    source: str


@dataclass(frozen=True)
class CarePlanRecord:
    """The workflow state of one patient's care plan: the state, every task created so far
    (in creation order), the keys of the events applied and the time of the latest. A value:
    keep it anywhere (:meth:`to_json` / :meth:`from_json`) and pass it back to
    :meth:`Engine.apply_event`."""

    workflow: str
    state: str
    tasks: Tuple[CarePlanTask, ...]
    applied: Tuple[str, ...]
    last_event: Optional[datetime.datetime]

    def to_json(self) -> str:
        """The record as the C library writes it (carecoord_care_plan_json), without the workflow."""
        dt = lambda t: t.strftime("%Y-%m-%dT%H:%M") if t else None  # noqa: E731
        return _json.dumps({
            "state": self.state, "last_event": dt(self.last_event), "applied": list(self.applied),
            "tasks": [{"id": t.id, "task": t.task, "event": t.event, "event_time": dt(t.event_time),
                       "due": t.due.isoformat(), "due_time": dt(t.due_time), "action": t.action,
                       "reason": t.reason, "source": t.source} for t in self.tasks],
        }, separators=(",", ":"), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: Union[str, bytes], workflow: str = "care_plan") -> "CarePlanRecord":
        """A record from :meth:`to_json` (checked by the library: :class:`ArgumentError` with
        E0720/E0721 and the field path)."""
        data = text.encode("utf-8") if isinstance(text, str) else bytes(text)
        h = _create(_lib.carecoord_care_plan_from_json, workflow.encode("utf-8"), data, len(data))
        try:
            return cls._from_handle(h)
        finally:
            _lib.carecoord_care_plan_free(h)

    def _handle(self) -> ctypes.c_void_p:
        data = self.to_json().encode("utf-8")
        return _create(_lib.carecoord_care_plan_from_json, self.workflow.encode("utf-8"), data, len(data))

    @classmethod
    def _from_handle(cls, h: ctypes.c_void_p) -> "CarePlanRecord":
        t = lambda f, i: _n.text(f(h, i))  # noqa: E731
        dt = lambda s: datetime.datetime.fromisoformat(s) if s else None  # noqa: E731
        tasks = tuple(CarePlanTask(
            id=t(_lib.carecoord_care_plan_task_id, i), task=t(_lib.carecoord_care_plan_task_name, i),
            event=t(_lib.carecoord_care_plan_task_event, i),
            event_time=datetime.datetime.fromisoformat(t(_lib.carecoord_care_plan_task_event_time, i)),
            due=datetime.date.fromisoformat(t(_lib.carecoord_care_plan_task_due, i)),
            due_time=dt(t(_lib.carecoord_care_plan_task_due_time, i)),
            action=t(_lib.carecoord_care_plan_task_action, i), reason=t(_lib.carecoord_care_plan_task_reason, i),
            source=t(_lib.carecoord_care_plan_task_source, i),
        ) for i in range(_lib.carecoord_care_plan_task_count(h)))
        return cls(
            workflow=_n.text(_lib.carecoord_care_plan_workflow(h)),
            state=_n.text(_lib.carecoord_care_plan_state(h)),
            tasks=tasks,
            applied=tuple(t(_lib.carecoord_care_plan_applied, i) for i in range(_lib.carecoord_care_plan_applied_count(h))),
            last_event=dt(_n.text(_lib.carecoord_care_plan_last_event(h))),
        )


@dataclass(frozen=True)
class EventOutcome:
    """What :meth:`Engine.apply_event` did: the new record, the state before, whether a
    transition was taken, whether the event had been applied before (then nothing changed),
    the tasks it created and the patient fields a guard needed and did not have."""

    record: CarePlanRecord
    previous_state: str
    transitioned: bool
    duplicate: bool
    created: Tuple[CarePlanTask, ...]
    missing: Tuple[str, ...]


# ---- explanations ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ConditionExplanation:
    """One condition of a rule: its text, "true"/"false"/"unknown", and for a comparison the
    two sides as evaluated, the operator and how far a failing numeric one is from passing."""

    text: str
    result: str
    left: str = ""
    op: str = ""
    right: str = ""
    gap: Optional[float] = None


@dataclass(frozen=True)
class RuleExplanation:
    kind: str  # "tier", "flag" or "program"
    id: str
    target: str
    result: str
    conditions: Tuple[ConditionExplanation, ...]


@dataclass(frozen=True)
class Boundary:
    """The smallest change that would make a rule of a higher tier match."""

    tier: str
    rule: str
    condition: str
    now: str
    needs: str
    gap: Optional[float]


@dataclass(frozen=True)
class CodeNote:
    """A condition code of the patient with what the rulesets in force make of it: the value
    sets (and categories) that contain it, the display a value set gives it, and the display
    the data recorded with it (FHIR input); docs/c-api.md#explanations."""

    code: str
    system: str
    valuesets: Tuple[str, ...]
    display: Optional[str] = None
    recorded_display: Optional[str] = None


@dataclass(frozen=True)
class Explanation:
    """Why a determination came out as it did. ``text`` is what ``carecoord explain`` prints;
    ``json`` its structured form (docs/c-api.md#explanations), parsed into the other fields."""

    text: str
    json: str
    determination: Determination
    rules: Tuple[RuleExplanation, ...]
    nearest: Tuple[Boundary, ...]
    facts: Mapping[str, str]
    codes: Tuple[CodeNote, ...] = ()

    @classmethod
    def _from(cls, text: str, json_text: str) -> "Explanation":
        d = _json.loads(json_text)
        det = d["determination"]
        return cls(
            text=text, json=json_text,
            determination=Determination._from_json(_json.dumps(det, separators=(",", ":"), ensure_ascii=False)),
            rules=tuple(RuleExplanation(kind=r["kind"], id=r["id"], target=r["target"], result=r["result"],
                                        conditions=tuple(ConditionExplanation(**c) for c in r["conditions"]))
                        for r in d["rules"]),
            nearest=tuple(Boundary(**b) for b in d["nearest"]),
            facts=dict(det.get("facts", {})),
            codes=tuple(CodeNote(code=c["code"], system=c["system"], valuesets=tuple(c["valuesets"]),
                                 display=c.get("display"), recorded_display=c.get("recorded_display"))
                        for c in d.get("codes", [])),
        )


# ---- the engine ---------------------------------------------------------------------


@dataclass(frozen=True)
class RulesetInfo:
    id: str
    version: str
    effective_from: datetime.date


class Engine(_Handle):
    """Loaded, compiled rulesets. Immutable: one engine may evaluate on many threads.
    Use as a context manager or call :meth:`close`; determinations outlive the engine."""

    _free = _lib.carecoord_engine_free

    @classmethod
    def load(cls, path: Union[str, os.PathLike], options: Optional[EngineOptions] = None) -> "Engine":
        """Every ruleset in a file or directory (:func:`default_rulesets` for the shipped
        ones). Raises :class:`RulesetError` with every diagnostic (file, line, column) when a
        ruleset is invalid."""
        opts = options._handle() if options is not None else None
        try:
            return cls(_create(_lib.carecoord_engine_load_path_v2, os.fsencode(path), opts))
        finally:
            _lib.carecoord_engine_options_free(opts)

    @classmethod
    def from_string(cls, text: Union[str, bytes], name: str = "<string>",
                    options: Optional[EngineOptions] = None) -> "Engine":
        """One ruleset from YAML text; ``name`` is the file name diagnostics report."""
        data = text.encode("utf-8") if isinstance(text, str) else bytes(text)
        opts = options._handle() if options is not None else None
        try:
            return cls(_create(_lib.carecoord_engine_load_string_v2, data, len(data), name.encode("utf-8"), opts))
        finally:
            _lib.carecoord_engine_options_free(opts)

    @property
    def rulesets(self) -> List[RulesetInfo]:
        with self._use() as h:
            return [RulesetInfo(_n.text(_lib.carecoord_engine_ruleset_id(h, i)),
                                _n.text(_lib.carecoord_engine_ruleset_version(h, i)),
                                datetime.date.fromisoformat(_n.text(_lib.carecoord_engine_ruleset_effective_from(h, i))))
                    for i in range(_lib.carecoord_engine_ruleset_count(h))]

    def check(self, analysis: bool = True) -> List[Diagnostic]:
        """What ``carecoord check`` reports about the loaded rulesets beyond load errors
        (``carecoord_engine_check``): version gaps (E0315), tier rules that can never or
        always match or are shadowed, unused facts and parameters, overlapping value-set
        entries (W0701-W0707), each a :class:`Diagnostic` with file, line and column and
        severity "warning" (or "note"). ``analysis=False`` gives only the version gaps. The
        value sets are read from the ruleset files again: for an engine loaded from a string
        a note (E0330) says they were not checked."""
        findings = ctypes.c_void_p()
        err = ctypes.c_void_p()
        with self._use() as h:
            _check(_lib.carecoord_engine_check(h, 1 if analysis else 0, ctypes.byref(findings), ctypes.byref(err)), err)
        try:
            return _diagnostics(findings.value)
        finally:
            _lib.carecoord_error_free(findings)

    def evaluate_ndjson(self, ndjson: bytes, as_of: DateLike) -> bytes:
        """Evaluates every line of an NDJSON buffer in one call into the library
        (``carecoord_evaluate_batch``) and returns the output NDJSON: per input line, in
        order, the determination JSON (as :attr:`Determination.json`) or an error object
        line starting with ``{"error":``. A bad line never raises; a malformed ``as_of``
        does (:class:`ArgumentError`)."""
        with self._use() as h:
            out = _create(_lib.carecoord_evaluate_batch, h, bytes(ndjson), len(ndjson),
                          _as_of_text(as_of).encode("ascii"))
        try:
            n = ctypes.c_size_t()
            ptr = _lib.carecoord_batch_output(out, ctypes.byref(n))
            return ctypes.string_at(ptr, n.value) if n.value else b""
        finally:
            _lib.carecoord_batch_free(out)

    def evaluate_batch_json(self, documents: Sequence[Union[Mapping[str, Any], str, bytes, None]],
                            as_of: DateLike) -> List[Union[str, BatchError]]:
        """Evaluates patient documents (dicts, or JSON text) with one call into the library
        (``carecoord_evaluate_documents``: each document passed as it is, no framing).
        Returns, per document and in order, the determination JSON (byte for byte what
        ``carecoord eval --format ndjson`` writes) or a :class:`BatchError`; a bad document
        never raises. ``None`` is an empty document (an error)."""
        parts = []
        for d in documents:
            if d is None:
                parts.append(b"")
            elif isinstance(d, Mapping):
                parts.append(_json.dumps(d, default=_date_text).encode("utf-8"))
            else:
                parts.append(d.encode("utf-8") if isinstance(d, str) else bytes(d))
        if not parts:
            return []
        docs = (_n.Document * len(parts))(*[_n.Document(p, len(p)) for p in parts])
        with self._use() as h:
            out = _create(_lib.carecoord_evaluate_documents, h, docs, len(parts), _n.FORMAT_JSON,
                          _as_of_text(as_of).encode("ascii"))
        try:
            n = ctypes.c_size_t()
            ptr = _lib.carecoord_batch_output(out, ctypes.byref(n))
            lines = ctypes.string_at(ptr, n.value).decode("utf-8").split("\n")
        finally:
            _lib.carecoord_batch_free(out)
        lines.pop()  # after the final newline
        return [BatchError._from_json(x) if x.startswith('{"error":') else x for x in lines]

    def evaluate_batch(self, documents: Sequence[Union[Mapping[str, Any], str, bytes, None]],
                       as_of: DateLike) -> Batch:
        """As :meth:`evaluate_batch_json`, with a :class:`Determination` per document that
        was evaluated: a :class:`Batch` (a tuple; :meth:`Batch.to_pandas` for a DataFrame)."""
        return Batch(x if isinstance(x, BatchError) else Determination._from_json(x)
                     for x in self.evaluate_batch_json(documents, as_of))

    def evaluate(self, patient: PatientInput, as_of: DateLike) -> Determination:
        """Evaluates a patient (a :class:`Patient`, a document as a dict, or JSON text) with
        the ruleset versions in force at ``as_of`` (a date; never the clock)."""
        # The per-call path is written out (prebound functions, no helper frames, one error
        # slot for both calls): a typed evaluate of JSON text costs five ctypes calls and
        # little more (bench/bindings/compare.py, issue 18).
        if isinstance(patient, str):
            data = patient.encode("utf-8")
        elif isinstance(patient, bytes):
            data = patient
        else:
            with self._patient(patient) as p:
                ph = p._enter()
                try:
                    return _determination_of_result(self._evaluate(ph, as_of))
                finally:
                    p._leave()
        # A document decoded for this call only: its C handle, without a Patient object.
        ph = _c_void_p()
        err = _c_void_p()
        status = _patient_parse(_byref(ph), data, len(data), _n.FORMAT_JSON, _byref(err))
        if status:
            _check(status, err)
        try:
            return _determination_of_result(self._evaluate(ph, as_of))
        finally:
            _patient_free(ph)

    def _evaluate(self, ph: ctypes.c_void_p, as_of: DateLike) -> ctypes.c_void_p:
        """The carecoord_result of one evaluation of the patient handle ``ph`` (held by the
        caller), owned by the caller."""
        if type(as_of) is not _date:  # a date subclass, a datetime, a string
            if isinstance(as_of, datetime.datetime):
                raise TypeError("as_of must be a datetime.date (a day), not a datetime")
            if not isinstance(as_of, _date):
                return self._evaluate_text(ph, as_of)
        out = _c_void_p()
        err = _c_void_p()
        eh = self._enter()
        try:
            status = _evaluate_ymd(_byref(out), eh, ph, as_of.year, as_of.month, as_of.day, _byref(err))
        finally:
            self._leave()
        if status:
            _check(status, err)
        return out

    def _evaluate_text(self, ph: ctypes.c_void_p, as_of: str) -> ctypes.c_void_p:
        out = ctypes.c_void_p()
        err = ctypes.c_void_p()
        eh = self._enter()
        try:
            status = _lib.carecoord_evaluate(ctypes.byref(out), eh, ph, _n.opt_bytes(as_of), ctypes.byref(err))
        finally:
            self._leave()
        _check(status, err)
        return out

    def evaluate_fhir(self, patient: PatientInput, as_of: DateLike, *, care_plan_id: Optional[str] = None,
                      utc_offset: Optional[str] = None,
                      recorded: Optional[str] = None) -> Tuple[Determination, str]:
        """Evaluates like :meth:`evaluate` and also renders the determination as a FHIR R4
        transaction Bundle (docs/fhir-output.md): byte for byte what
        ``carecoord eval --format fhir`` writes. ``care_plan_id`` sets Task.basedOn,
        ``utc_offset`` ("Z", "+HH:MM", "-HH:MM") the offset of due times counted in hours,
        ``recorded`` Provenance.recorded (a FHIR instant). Returns (determination, bundle
        JSON text). A malformed option raises :class:`ArgumentError` (E1002-E1004), a patient
        id that is not a FHIR id :class:`PatientError` (E1001)."""
        det = self.evaluate(patient, as_of)
        bundle = ctypes.c_void_p()
        err = ctypes.c_void_p()
        _check(_lib.carecoord_result_fhir(ctypes.byref(bundle), det._result, _n.opt_bytes(care_plan_id),
                                          _n.opt_bytes(utc_offset), _n.opt_bytes(recorded), ctypes.byref(err)), err)
        try:
            text = ctypes.string_at(bundle).decode("utf-8")
        finally:
            _lib.carecoord_string_free(bundle)
        return det, text

    # ---- care plans (docs/c-api.md#care-plans) -------------------------------------------

    def start_care_plan(self, on: DateLike, workflow: str = "care_plan") -> CarePlanRecord:
        """The initial record of ``workflow`` in the version in force ``on``."""
        with self._use() as eh:
            h = _create(_lib.carecoord_care_plan_start, eh, workflow.encode("utf-8"), _as_of_text(on).encode("ascii"))
        try:
            return CarePlanRecord._from_handle(h)
        finally:
            _lib.carecoord_care_plan_free(h)

    def apply_event(self, patient: PatientInput, record: CarePlanRecord, event: EventInput) -> EventOutcome:
        """Applies one event (a :class:`CarePlanEvent` or a dict) to ``record`` for
        ``patient``. ``record`` is not changed; an event applied before is recognized
        (``duplicate``) and creates nothing. Raises :class:`EvaluationError` with the
        workflow's code (E0710 not allowed in this state, E0711 unknown event, E0712 earlier
        than the last event, E0713 payload, ...)."""
        ev = _event(event)
        with self._patient(patient) as p:
            rh = record._handle()
            eh = None
            out = None
            try:
                eh = ev._handle()
                with self._use() as engine_h, p._use() as ph:
                    out = _create(_lib.carecoord_care_plan_apply, engine_h, ph, rh, eh)
                new = CarePlanRecord._from_handle(out)
                created = _lib.carecoord_care_plan_created_count(out)
                return EventOutcome(
                    record=new,
                    previous_state=_n.text(_lib.carecoord_care_plan_previous_state(out)),
                    transitioned=bool(_lib.carecoord_care_plan_transitioned(out)),
                    duplicate=bool(_lib.carecoord_care_plan_duplicate(out)),
                    created=new.tasks[len(new.tasks) - created:] if created else (),
                    missing=tuple(_n.text(_lib.carecoord_care_plan_missing(out, i))
                                  for i in range(_lib.carecoord_care_plan_missing_count(out))),
                )
            finally:
                _lib.carecoord_care_plan_free(out)
                _lib.carecoord_event_free(eh)
                _lib.carecoord_care_plan_free(rh)

    def replay_events(self, patient: PatientInput, events: Sequence[EventInput],
                      workflow: str = "care_plan") -> CarePlanRecord:
        """Replays an event log from the initial state (in time order; equal times keep
        their order); events already applied are skipped, so a log replayed twice over
        gives the same record."""
        evs = [_event(e) for e in events]
        with self._patient(patient) as p:
            handles: List[ctypes.c_void_p] = []
            out = None
            try:
                for e in evs:
                    handles.append(e._handle())
                array = (ctypes.c_void_p * max(len(handles), 1))(*[h.value for h in handles])
                with self._use() as eh, p._use() as ph:
                    out = _create(_lib.carecoord_care_plan_replay, eh, ph, workflow.encode("utf-8"), array, len(handles))
                return CarePlanRecord._from_handle(out)
            finally:
                _lib.carecoord_care_plan_free(out)
                for h in handles:
                    _lib.carecoord_event_free(h)

    def allowed_events(self, state: str, on: DateLike, workflow: str = "care_plan") -> List[str]:
        """The events allowed in ``state`` (declaration order) in the workflow in force ``on``."""
        with self._use() as eh:
            h = _create(_lib.carecoord_allowed_events, eh, workflow.encode("utf-8"), state.encode("utf-8"),
                        _as_of_text(on).encode("ascii"))
        try:
            return [_n.text(_lib.carecoord_strings_get(h, i)) for i in range(_lib.carecoord_strings_count(h))]
        finally:
            _lib.carecoord_strings_free(h)

    def explain(self, patient: PatientInput, as_of: DateLike) -> Explanation:
        """Why the determination at ``as_of`` is what it is: :attr:`Explanation.text` (what
        ``carecoord explain`` prints) and the structured form."""
        with self._patient(patient) as p:
            with self._use() as eh, p._use() as ph:
                h = _create(_lib.carecoord_explain, eh, ph, _as_of_text(as_of).encode("ascii"))
            try:
                return Explanation._from(_n.text(_lib.carecoord_explanation_text(h)),
                                         _n.text(_lib.carecoord_explanation_json(h)))
            finally:
                _lib.carecoord_explanation_free(h)

    def _patient(self, patient: PatientInput) -> "_Borrowed":
        if isinstance(patient, Patient):
            return _Borrowed(patient, owned=False)
        if isinstance(patient, (str, bytes)):
            return _Borrowed(Patient.from_json(patient), owned=True)
        if isinstance(patient, Mapping):
            return _Borrowed(Patient.from_dict(patient), owned=True)
        raise TypeError("patient must be a Patient, a dict or a JSON string")


class _Borrowed:
    """A patient for the length of one call: closed afterwards when the call decoded it."""

    def __init__(self, patient: Patient, owned: bool):
        self.patient, self.owned = patient, owned

    def __enter__(self) -> Patient:
        return self.patient

    def __exit__(self, *exc) -> None:
        if self.owned:
            self.patient.close()
