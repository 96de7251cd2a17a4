"""A CDS Hooks 2.0 service over the carecoord engine (docs/cds-hooks.md).

    python -m carecoord.cds_hooks --rules rulesets --jwks ehr-jwks.json --issuer https://ehr.example.org

Two services: ``carecoord-patient-view`` (hook ``patient-view``: a card with the tier and why,
the programs the patient is eligible for, and the follow-ups due or overdue) and
``carecoord-encounter-discharge`` (hook ``encounter-discharge``: the post-discharge call and
TCM contact due from this discharge, as suggestions whose actions create FHIR Tasks). Data
comes from the request's prefetch, else from its ``fhirServer`` with the
``fhirAuthorization`` bearer token, else the call is answered 412. Every hook and feedback
call must carry the client's signed JWT (``auth.py``); discovery is public.

The log holds no patient data: request lines name the service, the status and the time; the
feedback log holds card, suggestion, hook-instance and patient ids, outcomes and override
reason codes, never comments or clinical values.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import datetime
import json
import logging
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, IO, List, Optional, Sequence, Tuple

import httpx
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .. import CarecoordError, Determination, Engine, Patient, PatientError, library_version
from .auth import AuthError, JwksSource, Verifier

log = logging.getLogger("carecoord.cds_hooks")

PATIENT_VIEW = "carecoord-patient-view"
ENCOUNTER_DISCHARGE = "carecoord-encounter-discharge"

# The resources carecoord reads (docs/fhir.md), for the patient in context.
PREFETCH = {
    "patient": "Patient/{{context.patientId}}",
    "conditions": "Condition?patient={{context.patientId}}",
    "encounters": "Encounter?patient={{context.patientId}}",
    "coverage": "Coverage?patient={{context.patientId}}",
    "observations": "Observation?patient={{context.patientId}}",
    "medications": "MedicationRequest?patient={{context.patientId}}",
}

# The triggers the discharge hook turns into suggestions (ids of rulesets/triggers).
DEFAULT_DISCHARGE_TRIGGERS = ("post_discharge_call", "tcm_interactive_contact")

MAX_BODY_BYTES = 8 << 20          # a hook request (prefetch included)
MAX_FHIR_BYTES = 32 << 20         # everything fetched from fhirServer for one call
MAX_FHIR_PAGES = 20               # pages followed per search (prefetch or fetch)
FHIR_TIMEOUT_S = 5.0
MAX_FEEDBACK_ITEMS = 100
MAX_CARDS_REMEMBERED = 50_000     # card uuid -> (service, hookInstance, patient id) for feedback

OVERRIDE_REASONS = [
    {"system": "https://carecoord.dev/fhir/CodeSystem/override-reason", "code": "already-addressed",
     "display": "Already addressed"},
    {"system": "https://carecoord.dev/fhir/CodeSystem/override-reason", "code": "data-out-of-date",
     "display": "The chart data behind this is out of date"},
    {"system": "https://carecoord.dev/fhir/CodeSystem/override-reason", "code": "not-appropriate",
     "display": "Not appropriate for this patient"},
]


class HookError(Exception):
    """A request the service answers with `status` and a message naming the field."""

    def __init__(self, status: int, message: str, field: Optional[str] = None):
        super().__init__(message)
        self.status = status
        self.field = field

    def response(self) -> JSONResponse:
        body: Dict[str, Any] = {"error": str(self)}
        if self.field:
            body["field"] = self.field
        return JSONResponse(body, status_code=self.status)


@dataclass
class Config:
    rules: str
    jwks: str
    issuers: Sequence[str]
    base_url: str                                   # what the EHR calls: the JWT audience
    fhir_servers: Sequence[str] = ()                # trusted fhirServer base URLs (prefixes)
    as_of: Optional[datetime.date] = None           # fixed evaluation date; else today
    utc_offset: Optional[datetime.timezone] = None  # the care setting's; else the machine's
    discharge_triggers: Sequence[str] = DEFAULT_DISCHARGE_TRIGGERS
    feedback_log: Optional[str] = None              # JSON lines; else the log
    clock: Callable[[], datetime.datetime] = field(default=lambda: datetime.datetime.now().astimezone())


def offset_text(tz: datetime.timezone, moment: datetime.datetime) -> str:
    off = tz.utcoffset(moment) or datetime.timedelta(0)
    minutes = int(off.total_seconds() // 60)
    if minutes == 0:
        return "Z"
    sign = "+" if minutes > 0 else "-"
    minutes = abs(minutes)
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"


# ---- FHIR data: prefetch, else fhirServer ------------------------------------------------


def _resources_of(value: Any, key: str) -> Optional[List[Dict[str, Any]]]:
    """The resources of one prefetch value: a resource, a searchset Bundle (its entries that
    are not OperationOutcomes), or None (the client has no data). None back when the value is
    an OperationOutcome (the client could not prefetch: the service fetches instead)."""
    if value is None:
        return []
    if not isinstance(value, dict) or not isinstance(value.get("resourceType"), str):
        raise HookError(400, "prefetch value is not a FHIR resource", f"prefetch.{key}")
    if value["resourceType"] == "OperationOutcome":
        return None
    if value["resourceType"] != "Bundle":
        return [value]
    out = []
    entries = value.get("entry", [])
    if not isinstance(entries, list):
        raise HookError(400, "Bundle.entry is not an array", f"prefetch.{key}.entry")
    for i, e in enumerate(entries):
        r = e.get("resource") if isinstance(e, dict) else None
        if not isinstance(r, dict) or not isinstance(r.get("resourceType"), str):
            raise HookError(400, "Bundle entry has no resource", f"prefetch.{key}.entry[{i}].resource")
        if r["resourceType"] != "OperationOutcome":
            out.append(r)
    return out


def _next_link(bundle: Dict[str, Any]) -> Optional[str]:
    for link in bundle.get("link", []) or []:
        if isinstance(link, dict) and link.get("relation") == "next" and isinstance(link.get("url"), str):
            return link["url"]
    return None


class FhirFetcher:
    """Reads the templates a request did not prefetch from its fhirServer, with its bearer
    token. Only servers under a configured trusted base are called (a JWT proves who the
    client is, not that every URL it names is safe to call from here)."""

    def __init__(self, trusted: Sequence[str], client: httpx.AsyncClient):
        self.trusted = [t.rstrip("/") + "/" for t in trusted]
        self.client = client

    def usable(self, server: Optional[str]) -> bool:
        if not server or not isinstance(server, str):
            return False
        base = server.rstrip("/") + "/"
        return any(base.startswith(t) for t in self.trusted)

    async def fetch(self, server: str, token: Optional[str], path: str, budget: List[int]) -> List[Dict[str, Any]]:
        url: Optional[str] = server.rstrip("/") + "/" + path
        headers = {"Accept": "application/fhir+json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        out: List[Dict[str, Any]] = []
        for _ in range(MAX_FHIR_PAGES):
            if url is None:
                break
            if not self.usable(url):
                raise HookError(412, "fhirServer paging left the trusted server", "fhirServer")
            try:
                r = await self.client.get(url, headers=headers, timeout=FHIR_TIMEOUT_S)
            except httpx.HTTPError as e:
                raise HookError(412, f"fhirServer could not be read ({type(e).__name__})", "fhirServer") from None
            if r.status_code == 404 and "?" not in path:
                return []
            if r.status_code != 200:
                raise HookError(412, f"fhirServer answered {r.status_code}", "fhirServer")
            budget[0] -= len(r.content)
            if budget[0] < 0:
                raise HookError(412, "fhirServer data exceeds 32 MiB for one call", "fhirServer")
            try:
                doc = r.json()
            except ValueError:
                raise HookError(412, "fhirServer answered with something other than JSON", "fhirServer") from None
            got = _resources_of(doc, path.split("?")[0])
            if got is None:
                raise HookError(412, "fhirServer answered with an OperationOutcome", "fhirServer")
            out.extend(got)
            url = _next_link(doc) if isinstance(doc, dict) and doc.get("resourceType") == "Bundle" else None
        else:
            if url is not None:
                raise HookError(412, f"fhirServer search has more than {MAX_FHIR_PAGES} pages", "fhirServer")
        return out


async def gather_resources(body: Dict[str, Any], patient_id: str, fetcher: FhirFetcher) -> List[Dict[str, Any]]:
    """Every resource of the prefetch templates for the patient, from the prefetch where the
    client sent it, else from fhirServer; 412 when a template is neither."""
    prefetch = body.get("prefetch") or {}
    if not isinstance(prefetch, dict):
        raise HookError(400, "prefetch is not an object", "prefetch")
    server = body.get("fhirServer")
    auth = body.get("fhirAuthorization")
    token = None
    if auth is not None:
        if not isinstance(auth, dict) or not isinstance(auth.get("access_token"), str):
            raise HookError(400, "fhirAuthorization has no access_token", "fhirAuthorization.access_token")
        if str(auth.get("token_type", "Bearer")).lower() != "bearer":
            raise HookError(400, "fhirAuthorization.token_type is not Bearer", "fhirAuthorization.token_type")
        token = auth["access_token"]
    resources: List[Dict[str, Any]] = []
    missing: List[str] = []
    for key in PREFETCH:
        got = _resources_of(prefetch[key], key) if key in prefetch else None
        if got is None:
            missing.append(key)
        else:
            resources.extend(got)
    if missing:
        if not fetcher.usable(server):
            raise HookError(412, "prefetch lacks " + ", ".join(missing) +
                            " and there is no fhirServer this service can read", "prefetch")
        budget = [MAX_FHIR_BYTES]
        results = await asyncio.gather(*(
            fetcher.fetch(server, token, PREFETCH[k].replace("{{context.patientId}}", patient_id), budget)
            for k in missing))
        for got in results:
            resources.extend(got)
    if not any(r.get("resourceType") == "Patient" and r.get("id") == patient_id for r in resources):
        raise HookError(412, "no Patient resource for context.patientId in prefetch or fhirServer", "prefetch.patient")
    return resources


def collection(resources: List[Dict[str, Any]]) -> Dict[str, Any]:
    return {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": r} for r in resources]}


# ---- cards ---------------------------------------------------------------------------------


def _source(full: Dict[str, Any]) -> Dict[str, Any]:
    rulesets = ", ".join(f"{r['id']} {r['version']}" for r in full["rulesets"])
    return {"label": f"carecoord {library_version()}" + (f" ({rulesets})" if rulesets else ""),
            "topic": {"system": "https://carecoord.dev/fhir/CodeSystem/card-topic", "code": "care-coordination",
                      "display": "Care coordination"}}


def _trigger_due(t: Any) -> str:
    return t.due_time.strftime("%Y-%m-%d %H:%M") if t.due_time else t.due.isoformat()


def patient_view_card(d: Determination) -> Dict[str, Any]:
    full = d.to_dict()
    eligible = [p.id for p in d.programs if p.status == "eligible"]
    unknown = [p for p in d.programs if p.status == "unknown"]
    overdue = [t for t in d.triggers if t.status == "overdue"]
    summary = f"Care-intensity tier: {d.tier}"
    if eligible:
        summary += f"; eligible for {len(eligible)} program" + ("s" if len(eligible) > 1 else "")
    if d.triggers:
        summary += f"; {len(d.triggers)} follow-up" + ("s" if len(d.triggers) > 1 else "") + " due"
        if overdue:
            summary += f" ({len(overdue)} overdue)"
    lines = [f"**Tier: {d.tier}**", ""]
    if d.tier_by_default:
        lines.append("No tier rule matched: the ruleset's default tier.")
    for m in full["tier"]["matched"]:
        lines.append(f"- {m['reason'] or m['rule']}" + (f" ({m['source']})" if m["source"] else ""))
    for f in full["flags"]:
        lines.append(f"- flag **{f['id']}**")
    lines += ["", "**Programs**", ""]
    if eligible:
        lines += [f"- eligible: {p.id}" + (f": {p.reason}" if p.reason else "") for p in d.programs if p.status == "eligible"]
    else:
        lines.append("- eligible for none of the programs")
    for p in unknown:
        lines.append(f"- unknown: {p.id} (missing {', '.join(p.missing)})")
    lines += ["", "**Follow-ups due**", ""]
    if d.triggers:
        for t in d.triggers:
            lines.append(f"- {t.action or t.id}: due {_trigger_due(t)}" + (" (**overdue**)" if t.status == "overdue" else "")
                         + (f"; {t.reason}" if t.reason else ""))
    else:
        lines.append("- none")
    return {
        "uuid": str(uuid.uuid4()),
        "summary": summary[:139],
        "detail": "\n".join(lines),
        "indicator": "warning" if overdue else "info",
        "source": _source(full),
        "overrideReasons": OVERRIDE_REASONS,
    }


def discharge_card(d: Determination, bundle: Dict[str, Any], discharge_date: datetime.date,
                   trigger_ids: Sequence[str], encounter_id: str) -> Optional[Dict[str, Any]]:
    tasks = {}
    for e in bundle["entry"]:
        r = e["resource"]
        if r["resourceType"] == "Task":
            tasks[r["code"]["coding"][0]["code"]] = r
    chosen = [t for t in d.triggers if t.id in trigger_ids and t.anchor == discharge_date]
    if not chosen:
        return None
    suggestions = []
    for t in chosen:
        task = dict(tasks[t.id])
        task["focus"] = {"reference": f"Encounter/{encounter_id}"}
        suggestions.append({
            "label": f"Create task: {t.action or t.id}, due {_trigger_due(t)}"[:139],
            "uuid": str(uuid.uuid4()),
            "isRecommended": True,
            "actions": [{"type": "create", "description": f"Create a Task for {t.id} due {_trigger_due(t)}",
                         "resource": task}],
        })
    summary = "After this discharge: " + "; ".join(f"{t.id.replace('_', ' ')} by {_trigger_due(t)}" for t in chosen)
    detail = ["The follow-ups this discharge starts, with the rule that sets each:", ""]
    for t in chosen:
        detail.append(f"- **{t.action or t.id}**: due {_trigger_due(t)}" + (f"; {t.reason}" if t.reason else ""))
    return {
        "uuid": str(uuid.uuid4()),
        "summary": summary[:139],
        "detail": "\n".join(detail),
        "indicator": "warning" if any(t.status == "overdue" for t in chosen) else "info",
        "source": _source(d.to_dict()),
        "selectionBehavior": "any",
        "suggestions": suggestions,
        "overrideReasons": OVERRIDE_REASONS,
    }


# ---- the application -----------------------------------------------------------------------


class FeedbackLog:
    """One JSON line per feedback item: ids, outcome, override reason code, time received."""

    def __init__(self, path: Optional[str]):
        self._lock = threading.Lock()
        self._file: Optional[IO[str]] = open(path, "a", encoding="utf-8") if path else None
        self._log = logging.getLogger("carecoord.cds_hooks.feedback")

    def write(self, record: Dict[str, Any]) -> None:
        line = json.dumps(record, sort_keys=True)
        if self._file is None:
            self._log.info("%s", line)
            return
        with self._lock:
            self._file.write(line + "\n")
            self._file.flush()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


class CdsService:
    def __init__(self, config: Config, transport: Optional[httpx.AsyncBaseTransport] = None):
        self.config = config
        self.engine = Engine.load(config.rules)
        self.verifier = Verifier(JwksSource(config.jwks), config.issuers)
        self.base_url = config.base_url.rstrip("/")
        self.client = httpx.AsyncClient(transport=transport, follow_redirects=False)
        self.fetcher = FhirFetcher(config.fhir_servers, self.client)
        self.feedback = FeedbackLog(config.feedback_log)
        self.cards: "collections.OrderedDict[str, Tuple[str, str, str]]" = collections.OrderedDict()
        self._cards_lock = threading.Lock()

    # Discovery is public (no JWT): it names the services and their prefetch templates.
    def discovery(self) -> Dict[str, Any]:
        return {"services": [
            {"hook": "patient-view", "id": PATIENT_VIEW, "title": "carecoord: tier, programs and follow-ups",
             "description": "The patient's care-intensity tier and why, the care-management programs they are "
                            "eligible for, and the follow-ups due or overdue.",
             "prefetch": dict(PREFETCH)},
            {"hook": "encounter-discharge", "id": ENCOUNTER_DISCHARGE, "title": "carecoord: post-discharge follow-up",
             "description": "The post-discharge call and TCM interactive contact due from this discharge, as "
                            "suggestions that create FHIR Tasks.",
             "prefetch": dict(PREFETCH)},
        ]}

    async def authorize(self, request: Request, service_id: str) -> Dict[str, Any]:
        endpoint = f"{self.base_url}/cds-services/{service_id}"
        audiences = [endpoint, endpoint + "/feedback"] if request.url.path.endswith("/feedback") else [endpoint]
        header = request.headers.get("authorization")
        if self.verifier.jwks.is_url:
            return await run_in_threadpool(self.verifier.verify, header, audiences)
        return self.verifier.verify(header, audiences)

    def _remember(self, cards: List[Dict[str, Any]], service_id: str, hook_instance: str, patient_id: str) -> None:
        with self._cards_lock:
            for c in cards:
                self.cards[c["uuid"]] = (service_id, hook_instance, patient_id)
                while len(self.cards) > MAX_CARDS_REMEMBERED:
                    self.cards.popitem(last=False)

    def _now(self) -> datetime.datetime:
        now = self.config.clock()
        if now.tzinfo is None:  # a naive clock is the machine's local time
            now = now.astimezone()
        if self.config.utc_offset is not None:
            now = now.astimezone(self.config.utc_offset)
        return now

    def _as_of(self, now: datetime.datetime) -> datetime.date:
        return self.config.as_of or now.date()

    async def hook(self, service_id: str, body: Dict[str, Any]) -> Dict[str, Any]:
        expected = {PATIENT_VIEW: "patient-view", ENCOUNTER_DISCHARGE: "encounter-discharge"}[service_id]
        if body.get("hook") != expected:
            raise HookError(400, f"hook must be {expected} for this service", "hook")
        hook_instance = body.get("hookInstance")
        if not isinstance(hook_instance, str) or not hook_instance:
            raise HookError(400, "hookInstance is required", "hookInstance")
        context = body.get("context")
        if not isinstance(context, dict):
            raise HookError(400, "context is required", "context")
        patient_id = context.get("patientId")
        if not isinstance(patient_id, str) or not patient_id:
            raise HookError(400, "context.patientId is required", "context.patientId")
        encounter_id = context.get("encounterId")
        if service_id == ENCOUNTER_DISCHARGE and (not isinstance(encounter_id, str) or not encounter_id):
            raise HookError(400, "context.encounterId is required", "context.encounterId")

        resources = await gather_resources(body, patient_id, self.fetcher)
        now = self._now()
        offset = offset_text(now.tzinfo, now)  # type: ignore[arg-type]
        if service_id == PATIENT_VIEW:
            as_of = self._as_of(now)
            d, _ = self._evaluate(resources, as_of, offset, now)
            cards = [patient_view_card(d)]
        else:
            discharge, resources = self._discharged(resources, encounter_id, now)
            d, text = self._evaluate(resources, discharge.date(), offset, now)
            bundle = json.loads(text)
            card = discharge_card(d, bundle, discharge.date(), self.config.discharge_triggers, encounter_id)
            cards = [card] if card else []
        self._remember(cards, service_id, hook_instance, patient_id)
        return {"cards": cards}

    def _discharged(self, resources: List[Dict[str, Any]], encounter_id: str,
                    now: datetime.datetime) -> Tuple[datetime.datetime, List[Dict[str, Any]]]:
        """The encounter being discharged, ended now when the client has not recorded its end
        yet (the hook fires during the discharge), and its discharge time."""
        out = []
        found = None
        for r in resources:
            if r.get("resourceType") == "Encounter" and r.get("id") == encounter_id:
                r = json.loads(json.dumps(r))
                period = r.setdefault("period", {})
                if not isinstance(period, dict):
                    raise HookError(422, "Encounter.period is not an object", "prefetch.encounters.period")
                if not period.get("end"):
                    period["end"] = now.isoformat(timespec="seconds")
                    r["status"] = "finished"
                try:
                    found = datetime.datetime.fromisoformat(period["end"].replace("Z", "+00:00"))
                except (TypeError, ValueError):
                    raise HookError(422, "Encounter.period.end is not a dateTime", "prefetch.encounters.period.end") from None
            out.append(r)
        if found is None:
            raise HookError(412, "no Encounter resource for context.encounterId in prefetch or fhirServer",
                            "prefetch.encounters")
        # carecoord reads times as wall-clock times of the care setting (docs/fhir.md).
        return found, out

    def _evaluate(self, resources: List[Dict[str, Any]], as_of: datetime.date, offset: str,
                  now: datetime.datetime):
        try:
            # check_circular off: the resources came from json.loads, they hold no cycle.
            patient = Patient.from_fhir_bundle(json.dumps(collection(resources), check_circular=False))
        except PatientError as e:
            raise HookError(422, "the patient's FHIR data cannot be read: " +
                            "; ".join(f"{x.code} {x.field_path}" for x in e.diagnostics), "prefetch") from None
        try:
            # Provenance.recorded: the time of this call (a FHIR instant, with its offset).
            d, text = self.engine.evaluate_fhir(patient, as_of, utc_offset=offset,
                                                recorded=now.isoformat(timespec="seconds"))
        except PatientError as e:
            raise HookError(422, "the patient cannot be written as FHIR: " +
                            "; ".join(f"{x.code} {x.field_path}" for x in e.diagnostics), "context.patientId") from None
        except CarecoordError as e:
            raise HookError(500, "evaluation failed: " + "; ".join(x.code for x in e.diagnostics)) from None
        finally:
            patient.close()
        return d, text

    def record_feedback(self, service_id: str, body: Dict[str, Any]) -> int:
        items = body.get("feedback")
        if not isinstance(items, list) or not items:
            raise HookError(400, "feedback must be a non-empty array", "feedback")
        if len(items) > MAX_FEEDBACK_ITEMS:
            raise HookError(400, f"feedback has more than {MAX_FEEDBACK_ITEMS} items", "feedback")
        records = []
        for i, item in enumerate(items):
            where = f"feedback[{i}]"
            if not isinstance(item, dict):
                raise HookError(400, "feedback item is not an object", where)
            card = item.get("card")
            if not isinstance(card, str) or not card:
                raise HookError(400, "card is required", f"{where}.card")
            outcome = item.get("outcome")
            if outcome not in ("accepted", "overridden"):
                raise HookError(400, "outcome must be accepted or overridden", f"{where}.outcome")
            ts = item.get("outcomeTimestamp")
            if not isinstance(ts, str):
                raise HookError(400, "outcomeTimestamp is required", f"{where}.outcomeTimestamp")
            rec: Dict[str, Any] = {"service": service_id, "card": card, "outcome": outcome, "outcomeTimestamp": ts}
            with self._cards_lock:
                known = self.cards.get(card)
            if known:
                rec["hookInstance"], rec["patientId"] = known[1], known[2]
            if outcome == "accepted":
                accepted = item.get("acceptedSuggestions")
                if not isinstance(accepted, list) or not accepted:
                    raise HookError(400, "acceptedSuggestions is required when accepted", f"{where}.acceptedSuggestions")
                ids = []
                for j, s in enumerate(accepted):
                    if not isinstance(s, dict) or not isinstance(s.get("id"), str):
                        raise HookError(400, "accepted suggestion has no id", f"{where}.acceptedSuggestions[{j}].id")
                    ids.append(s["id"])
                rec["acceptedSuggestions"] = ids
            reason = item.get("overrideReason")
            if reason is not None:
                if outcome != "overridden" or not isinstance(reason, dict):
                    raise HookError(400, "overrideReason is for overridden cards only", f"{where}.overrideReason")
                coding = reason.get("reason")
                if isinstance(coding, dict):
                    rec["overrideReason"] = {k: coding[k] for k in ("system", "code") if isinstance(coding.get(k), str)}
                # The comment is free text a clinician typed: it may name the patient.
                rec["userComment"] = isinstance(reason.get("userComment"), str)
            records.append(rec)
        received = self._now().isoformat(timespec="seconds")
        for rec in records:
            rec["received"] = received
            self.feedback.write(rec)
        return len(records)

    async def close(self) -> None:
        await self.client.aclose()
        self.feedback.close()


async def _json_body(request: Request) -> Dict[str, Any]:
    length = request.headers.get("content-length")
    if length is not None and (not length.isdigit() or int(length) > MAX_BODY_BYTES):
        raise HookError(413, "request body is larger than 8 MiB")
    data = bytearray()
    async for chunk in request.stream():
        data += chunk
        if len(data) > MAX_BODY_BYTES:
            raise HookError(413, "request body is larger than 8 MiB")
    try:
        body = json.loads(bytes(data))
    except ValueError as e:
        raise HookError(400, f"request body is not JSON (line {getattr(e, 'lineno', 0)} column {getattr(e, 'colno', 0)})") from None
    if not isinstance(body, dict):
        raise HookError(400, "request body is not a JSON object")
    return body


def create_app(config: Config, transport: Optional[httpx.AsyncBaseTransport] = None) -> Starlette:
    service = CdsService(config, transport)
    services = (PATIENT_VIEW, ENCOUNTER_DISCHARGE)

    async def discovery(request: Request) -> Response:
        return JSONResponse(service.discovery())

    def timed(kind: str):
        def wrap(handler):
            async def run(request: Request) -> Response:
                started = time.perf_counter()
                service_id = request.path_params["service_id"]
                status = 500
                try:
                    if service_id not in services:
                        raise HookError(404, "no such CDS service", "service id")
                    try:
                        await service.authorize(request, service_id)
                    except AuthError as e:
                        status = 401
                        return JSONResponse({"error": str(e)}, status_code=401,
                                            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
                    response = await handler(request, service_id)
                    status = response.status_code
                    return response
                except HookError as e:
                    status = e.status
                    return e.response()
                except Exception as e:  # the log names the type only: a message may quote data
                    log.error("%s %s: internal error %s", kind, service_id, type(e).__name__)
                    return JSONResponse({"error": "internal error"}, status_code=500)
                finally:
                    log.info("%s %s -> %d in %.1f ms", kind, service_id, status, (time.perf_counter() - started) * 1e3)
            return run
        return wrap

    @timed("hook")
    async def call(request: Request, service_id: str) -> Response:
        return JSONResponse(await service.hook(service_id, await _json_body(request)))

    @timed("feedback")
    async def feedback(request: Request, service_id: str) -> Response:
        service.record_feedback(service_id, await _json_body(request))
        return Response(status_code=200)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette):
        yield
        await service.close()

    app = Starlette(routes=[
        Route("/cds-services", discovery, methods=["GET"]),
        Route("/cds-services/{service_id}", call, methods=["POST"]),
        Route("/cds-services/{service_id}/feedback", feedback, methods=["POST"]),
    ], lifespan=lifespan)
    app.state.service = service
    return app


__all__ = ["Config", "create_app", "CdsService", "PATIENT_VIEW", "ENCOUNTER_DISCHARGE", "PREFETCH"]
