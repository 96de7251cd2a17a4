"""The ctypes layer: finds libcarecoord and declares the prototypes of carecoord.h.

Internal to the package; use the classes of :mod:`carecoord`.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import glob
import os
from typing import Optional

c_char_p = ctypes.c_char_p
c_size_t = ctypes.c_size_t
c_int = ctypes.c_int
c_void_p = ctypes.c_void_p
c_double = ctypes.c_double

#: Status codes of carecoord.h (``carecoord_status``).
OK = 0
ERR_ARGUMENT = 1
ERR_RULESET = 2
ERR_PATIENT = 3
ERR_EVALUATION = 4
ERR_NOMEM = 5
ERR_INTERNAL = 6

FORMAT_JSON = 0
FORMAT_YAML = 1


def _candidates() -> list:
    env = os.environ.get("CARECOORD_LIBRARY")
    if env:
        # An explicit choice: use it or fail, never fall back silently to another copy.
        return [env]
    here = os.path.dirname(os.path.abspath(__file__))
    found = sorted(glob.glob(os.path.join(here, "libcarecoord.so*")))
    system = ctypes.util.find_library("carecoord")
    return found + ([system] if system else []) + ["libcarecoord.so.0", "libcarecoord.so"]


def _load() -> ctypes.CDLL:
    errors = []
    for name in _candidates():
        try:
            return ctypes.CDLL(name)
        except OSError as e:  # try the next place
            errors.append(f"{name}: {e}")
    raise ImportError(
        "carecoord: cannot load libcarecoord (set CARECOORD_LIBRARY to its path): " + "; ".join(errors)
    )


lib = _load()

# Opaque handles travel as void pointers.
_ERR_OUT = ctypes.POINTER(c_void_p)
_OUT = ctypes.POINTER(c_void_p)


def _fn(name: str, restype, *argtypes) -> None:
    f = getattr(lib, name)
    f.restype = restype
    f.argtypes = list(argtypes)


_fn("carecoord_version", c_char_p)
_fn("carecoord_version_number", c_int)
_fn("carecoord_schema_version_min", c_int)
_fn("carecoord_schema_version_max", c_int)
_fn("carecoord_status_name", c_char_p, c_int)

_fn("carecoord_error_free", None, c_void_p)
_fn("carecoord_error_status", c_int, c_void_p)
_fn("carecoord_error_next", c_void_p, c_void_p)
_fn("carecoord_error_count", c_size_t, c_void_p)
for _name in ("code", "message", "file", "rule_id", "field_path", "string"):
    _fn(f"carecoord_error_{_name}", c_char_p, c_void_p)
_fn("carecoord_error_line", c_int, c_void_p)
_fn("carecoord_error_column", c_int, c_void_p)

_fn("carecoord_engine_load_path", c_int, _OUT, c_char_p, _ERR_OUT)
_fn("carecoord_engine_load_string", c_int, _OUT, c_char_p, c_size_t, c_char_p, _ERR_OUT)
_fn("carecoord_engine_free", None, c_void_p)
_fn("carecoord_engine_ruleset_count", c_size_t, c_void_p)
for _name in ("id", "version", "effective_from"):
    _fn(f"carecoord_engine_ruleset_{_name}", c_char_p, c_void_p, c_size_t)

_fn("carecoord_patient_parse", c_int, _OUT, c_char_p, c_size_t, c_int, _ERR_OUT)
_fn("carecoord_patient_free", None, c_void_p)
_fn("carecoord_patient_new", c_int, _OUT, c_char_p, c_char_p, _ERR_OUT)
_fn("carecoord_patient_set_sex", c_int, c_void_p, c_char_p, _ERR_OUT)
_fn("carecoord_patient_set_deceased", c_int, c_void_p, c_char_p, _ERR_OUT)
_fn("carecoord_patient_add_coverage", c_int, c_void_p, c_char_p, c_char_p, c_char_p, c_char_p, _ERR_OUT)
_fn("carecoord_patient_add_condition", c_int, c_void_p, c_char_p, c_char_p, c_char_p, c_char_p, c_char_p, _ERR_OUT)
_fn("carecoord_patient_add_encounter", c_int, c_void_p, c_char_p, c_char_p, c_char_p, _ERR_OUT)
_fn("carecoord_patient_add_care_team_member", c_int, c_void_p, c_char_p, c_char_p, _ERR_OUT)
_fn("carecoord_patient_add_medication", c_int, c_void_p, c_char_p, c_char_p, c_char_p, c_char_p, _ERR_OUT)
_fn("carecoord_patient_add_medication_event", c_int, c_void_p, c_size_t, c_char_p, c_char_p, _ERR_OUT)
_fn("carecoord_patient_add_observation", c_int, c_void_p, c_char_p, c_char_p, c_char_p, c_double, c_int, _ERR_OUT)
_fn("carecoord_patient_set_field", c_int, c_void_p, c_char_p, c_char_p, _ERR_OUT)

# FHIR input (carecoord.h, "FHIR R4 input").
OK_WITH_WARNINGS = 7
END = 8
FORMAT_FHIR_BUNDLE = 2
_fn("carecoord_patient_warnings", c_void_p, c_void_p)
_fn("carecoord_error_severity", c_char_p, c_void_p)
_fn("carecoord_fhir_bulk_open", c_int, _OUT, c_char_p, _ERR_OUT)
_fn("carecoord_fhir_bulk_next", c_int, c_void_p, _OUT, _ERR_OUT)
_fn("carecoord_fhir_bulk_patient_count", c_size_t, c_void_p)
_fn("carecoord_fhir_bulk_export_diagnostics", c_void_p, c_void_p)
_fn("carecoord_fhir_bulk_free", None, c_void_p)

_fn("carecoord_evaluate", c_int, _OUT, c_void_p, c_void_p, c_char_p, _ERR_OUT)
_fn("carecoord_evaluate_ymd", c_int, _OUT, c_void_p, c_void_p, c_int, c_int, c_int, _ERR_OUT)
_fn("carecoord_result_free", None, c_void_p)
for _name in ("json", "patient_id", "as_of", "tier", "deceased"):
    _fn(f"carecoord_result_{_name}", c_char_p, c_void_p)
_fn("carecoord_result_tier_by_default", c_int, c_void_p)
for _name in ("tier_rule", "flag", "program", "trigger", "missing"):
    _fn(f"carecoord_result_{_name}_count", c_size_t, c_void_p)
for _name in ("tier_rule_id", "tier_rule_reason", "flag_id", "program_id", "program_status_name", "program_reason",
              "program_source", "trigger_id", "trigger_status_name", "trigger_anchor", "trigger_due",
              "trigger_due_time", "trigger_action", "trigger_reason", "missing"):
    _fn(f"carecoord_result_{_name}", c_char_p, c_void_p, c_size_t)
_fn("carecoord_result_program_missing_count", c_size_t, c_void_p, c_size_t)

_fn("carecoord_evaluate_batch", c_int, _OUT, c_void_p, c_char_p, c_size_t, c_char_p, _ERR_OUT)
_fn("carecoord_batch_free", None, c_void_p)
_fn("carecoord_batch_count", c_size_t, c_void_p)
_fn("carecoord_batch_error_count", c_size_t, c_void_p)
# The output is read with ctypes.string_at(pointer, length): one copy, no NUL scan.
_fn("carecoord_batch_output", c_void_p, c_void_p, ctypes.POINTER(c_size_t))
_fn("carecoord_result_program_missing", c_char_p, c_void_p, c_size_t, c_size_t)
# FHIR output: an owned string (c_void_p, not c_char_p, so that ctypes keeps the pointer to
# free it).
_fn("carecoord_result_fhir", c_int, _OUT, c_void_p, c_char_p, c_char_p, c_char_p, _ERR_OUT)
_fn("carecoord_string_free", None, c_void_p)

# 0.2.0: engine options, batches of documents, care plans, explanations.
_fn("carecoord_engine_options_new", c_int, _OUT, _ERR_OUT)
_fn("carecoord_engine_options_free", None, c_void_p)
_fn("carecoord_engine_options_set_limit", c_int, c_void_p, c_char_p, c_size_t, _ERR_OUT)
_fn("carecoord_engine_options_limit", c_size_t, c_void_p, c_char_p)
_fn("carecoord_engine_options_set_ignore_effective", c_int, c_void_p, c_int, _ERR_OUT)
_fn("carecoord_engine_options_add_include_root", c_int, c_void_p, c_char_p, _ERR_OUT)
_fn("carecoord_engine_load_path_v2", c_int, _OUT, c_char_p, c_void_p, _ERR_OUT)
_fn("carecoord_engine_load_string_v2", c_int, _OUT, c_char_p, c_size_t, c_char_p, c_void_p, _ERR_OUT)
_fn("carecoord_engine_check", c_int, c_void_p, c_int, _OUT, _ERR_OUT)
_fn("carecoord_patient_parse_v2", c_int, _OUT, c_char_p, c_size_t, c_int, c_void_p, _ERR_OUT)


class Document(ctypes.Structure):
    """carecoord_document: one document of carecoord_evaluate_documents()."""

    _fields_ = [("data", c_char_p), ("len", c_size_t)]


_fn("carecoord_evaluate_documents", c_int, _OUT, c_void_p, ctypes.POINTER(Document), c_size_t, c_int, c_char_p,
    _ERR_OUT)

_fn("carecoord_event_new", c_int, _OUT, c_char_p, c_char_p, _ERR_OUT)
_fn("carecoord_event_free", None, c_void_p)
_fn("carecoord_event_set_string", c_int, c_void_p, c_char_p, c_char_p, _ERR_OUT)
_fn("carecoord_event_set_number", c_int, c_void_p, c_char_p, c_double, _ERR_OUT)
_fn("carecoord_event_set_bool", c_int, c_void_p, c_char_p, c_int, _ERR_OUT)
_fn("carecoord_care_plan_start", c_int, _OUT, c_void_p, c_char_p, c_char_p, _ERR_OUT)
_fn("carecoord_care_plan_apply", c_int, _OUT, c_void_p, c_void_p, c_void_p, c_void_p, _ERR_OUT)
_fn("carecoord_care_plan_replay", c_int, _OUT, c_void_p, c_void_p, c_char_p, ctypes.POINTER(c_void_p), c_size_t,
    _ERR_OUT)
_fn("carecoord_care_plan_from_json", c_int, _OUT, c_char_p, c_char_p, c_size_t, _ERR_OUT)
_fn("carecoord_care_plan_free", None, c_void_p)
for _name in ("workflow", "state", "last_event", "json", "previous_state"):
    _fn(f"carecoord_care_plan_{_name}", c_char_p, c_void_p)
for _name in ("transitioned", "duplicate"):
    _fn(f"carecoord_care_plan_{_name}", c_int, c_void_p)
for _name in ("applied_count", "task_count", "created_count", "missing_count"):
    _fn(f"carecoord_care_plan_{_name}", c_size_t, c_void_p)
for _name in ("applied", "missing", "task_id", "task_name", "task_event", "task_event_time", "task_due",
              "task_due_time", "task_action", "task_reason", "task_source"):
    _fn(f"carecoord_care_plan_{_name}", c_char_p, c_void_p, c_size_t)
_fn("carecoord_allowed_events", c_int, _OUT, c_void_p, c_char_p, c_char_p, c_char_p, _ERR_OUT)
_fn("carecoord_strings_count", c_size_t, c_void_p)
_fn("carecoord_strings_get", c_char_p, c_void_p, c_size_t)
_fn("carecoord_strings_free", None, c_void_p)
_fn("carecoord_explain", c_int, _OUT, c_void_p, c_void_p, c_char_p, _ERR_OUT)
_fn("carecoord_explanation_free", None, c_void_p)
_fn("carecoord_explanation_text", c_char_p, c_void_p)
_fn("carecoord_explanation_json", c_char_p, c_void_p)


def text(value: Optional[bytes]) -> str:
    """A borrowed C string as a Python str ('' for NULL)."""
    return value.decode("utf-8") if value is not None else ""


def opt_bytes(value: Optional[str]) -> Optional[bytes]:
    """A Python str (or None) as a C string argument."""
    return None if value is None else value.encode("utf-8")
