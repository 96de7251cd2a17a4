"""What the CDS Hooks tests and the load test share: the test signing keys and their JWK Set,
tokens, a FHIR server on loopback serving the Synthea export (../shared/data), and the
service on uvicorn on a loopback port. Every server listens on 127.0.0.1 only, and every
wait is bounded in time."""

from __future__ import annotations

import copy
import datetime
import json
import os
import pathlib
import re
import socket
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Dict, List, Optional
from urllib.parse import parse_qs, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import ec
from jwt.algorithms import ECAlgorithm

SOURCE = pathlib.Path(os.environ.get("CARECOORD_SOURCE_DIR", pathlib.Path(__file__).resolve().parents[3]))
RULESETS = SOURCE / "rulesets"
EXPORT = pathlib.Path(os.environ.get("CARECOORD_FHIR_EXPORT", SOURCE.parent / "shared" / "data" / "fhir-synthea-10"))
ISSUER = "https://ehr.example.org/"
KID = "test-ehr-key"
FHIR_TOKEN = "loopback-fhir-token-7f3a"


class Keys:
    """The EHR's signing key (ES384, as the specification recommends) with its JWK Set, and a
    second key the service does not know."""

    def __init__(self, directory: pathlib.Path):
        self.private = ec.generate_private_key(ec.SECP384R1())
        self.stranger = ec.generate_private_key(ec.SECP384R1())
        jwk = json.loads(ECAlgorithm.to_jwk(self.private.public_key()))
        jwk.update({"kid": KID, "use": "sig", "alg": "ES384"})
        self.jwks_path = directory / "ehr-jwks.json"
        self.jwks_path.write_text(json.dumps({"keys": [jwk]}), encoding="utf-8")

    def token(self, aud: Any, *, exp_in: int = 120, iss: str = ISSUER, jti: Optional[str] = None,
              key: Any = None, kid: str = KID, alg: str = "ES384", drop: Optional[str] = None,
              iat_in: int = 0) -> str:
        now = int(time.time())
        claims = {"iss": iss, "aud": aud, "iat": now + iat_in, "exp": now + exp_in, "jti": jti or str(uuid.uuid4())}
        if drop:
            del claims[drop]
        return jwt.encode(claims, key or self.private, algorithm=alg, headers={"kid": kid, "typ": "JWT"})


def unsigned_token(aud: str) -> str:
    now = int(time.time())
    return jwt.encode({"iss": ISSUER, "aud": aud, "iat": now, "exp": now + 120, "jti": str(uuid.uuid4())},
                      None, algorithm="none", headers={"kid": KID, "typ": "JWT"})


def free_socket() -> socket.socket:
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", 0))
    return s


# ---- the FHIR server of the EHR, on loopback ---------------------------------------------------


# The export ends in 2023 and the default rulesets are in force from 2024: the test EHR moves
# every date of the export forward by a whole number of weeks (weekdays are kept), as
# synthetic data is commonly re-dated. 2022-11-11 (a Friday) becomes 2026-11-06 (a Friday).
SHIFT = datetime.timedelta(weeks=208)
_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?$")


def shifted(value: Any) -> Any:
    """`value` with every FHIR date and dateTime string moved by SHIFT."""
    if isinstance(value, dict):
        return {k: shifted(v) for k, v in value.items()}
    if isinstance(value, list):
        return [shifted(v) for v in value]
    if isinstance(value, str):
        m = _DATE.match(value)
        if m:
            day = datetime.date.fromisoformat(m.group(1)) + SHIFT
            return day.isoformat() + (m.group(2) or "")
    return value


def load_export() -> Dict[str, Dict[str, List[Dict[str, Any]]]]:
    """Resources by patient id, then by type, from the bulk export, re-dated by SHIFT."""
    by_patient: Dict[str, Dict[str, List[Dict[str, Any]]]] = {}
    for path in sorted(EXPORT.glob("*.ndjson")):
        with open(path, encoding="utf-8") as f:
            for line in f:
                if not line.strip():
                    continue
                r = shifted(json.loads(line))
                if r["resourceType"] == "Patient":
                    pid = r["id"]
                else:
                    ref = (r.get("subject") or r.get("patient") or r.get("beneficiary") or {}).get("reference", "")
                    pid = ref.split("/", 1)[1] if ref.startswith("Patient/") else ""
                by_patient.setdefault(pid, {}).setdefault(r["resourceType"], []).append(r)
    return by_patient


def searchset(resources: List[Dict[str, Any]], next_url: Optional[str] = None) -> Dict[str, Any]:
    b: Dict[str, Any] = {"resourceType": "Bundle", "type": "searchset", "total": len(resources),
                         "entry": [{"resource": r, "search": {"mode": "match"}} for r in resources]}
    if next_url:
        b["link"] = [{"relation": "next", "url": next_url}]
    return b


class FhirServer:
    """GET Patient/{id} and {Type}?patient={id} (a searchset Bundle, paged by PAGE entries with
    next links) over the export, for requests carrying Bearer FHIR_TOKEN only. Records every
    request's path and Authorization header."""

    PAGE = 10

    def __init__(self, data: Dict[str, Dict[str, List[Dict[str, Any]]]]):
        self.data = copy.deepcopy(data)
        self.requests: List[Dict[str, str]] = []
        self.jwks: Optional[bytes] = None  # served at /jwks.json (no token needed) when set
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def do_GET(self) -> None:
                outer.requests.append({"path": self.path, "authorization": self.headers.get("Authorization", "")})
                if self.path == "/jwks.json" and outer.jwks is not None:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(outer.jwks)))
                    self.end_headers()
                    self.wfile.write(outer.jwks)
                    return
                if self.headers.get("Authorization") != f"Bearer {FHIR_TOKEN}":
                    return self._send(401, {"resourceType": "OperationOutcome", "issue": [
                        {"severity": "error", "code": "login"}]})
                parts = urlsplit(self.path)
                segs = [s for s in parts.path.split("/") if s][1:]  # after /fhir
                query = parse_qs(parts.query)
                if len(segs) == 2 and segs[0] == "Patient":
                    found = outer.data.get(segs[1], {}).get("Patient")
                    return self._send(200, found[0]) if found else self._send(404, {"resourceType": "OperationOutcome"})
                if len(segs) == 1 and "patient" in query:
                    items = outer.data.get(query["patient"][0], {}).get(segs[0], [])
                    page = int(query.get("_page", ["0"])[0])
                    chunk = items[page * outer.PAGE:(page + 1) * outer.PAGE]
                    more = (page + 1) * outer.PAGE < len(items)
                    nxt = f"{outer.base}/{segs[0]}?patient={query['patient'][0]}&_page={page + 1}" if more else None
                    return self._send(200, searchset(chunk, nxt))
                return self._send(400, {"resourceType": "OperationOutcome"})

            def _send(self, status: int, doc: Dict[str, Any]) -> None:
                body = json.dumps(doc).encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/fhir+json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.base = f"{self.origin}/fhir"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)

    def __enter__(self) -> "FhirServer":
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=10)


def prefetch_for(data: Dict[str, Dict[str, List[Dict[str, Any]]]], patient_id: str) -> Dict[str, Any]:
    """What a CDS Client sends for the service's prefetch templates."""
    r = data[patient_id]
    return {
        "patient": r["Patient"][0],
        "conditions": searchset(r.get("Condition", [])),
        "encounters": searchset(r.get("Encounter", [])),
        "coverage": None,        # the client has no Coverage for this patient
        "observations": None,
        "medications": searchset(r.get("MedicationRequest", [])),
    }


# ---- the CDS service on uvicorn ------------------------------------------------------------------


class CdsServer:
    """The service app on uvicorn in a thread, on a loopback socket bound first: the app is
    made by `make_app(base_url)`, since the JWT audience is the service's own URL."""

    def __init__(self, make_app: Callable[[str], Any]):
        import uvicorn

        self.sock = free_socket()
        self.port = self.sock.getsockname()[1]
        self.base = f"http://127.0.0.1:{self.port}"
        app = make_app(self.base)
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on"))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    def start(self, timeout: float = 20.0) -> None:
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)

    def stop(self, timeout: float = 20.0) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=timeout)
        self.sock.close()


def clock_at(text: str) -> Callable[[], datetime.datetime]:
    moment = datetime.datetime.fromisoformat(text)
    return lambda: moment
