"""python -m carecoord.cds_hooks: the CDS Hooks service on uvicorn (docs/cds-hooks.md)."""

from __future__ import annotations

import argparse
import datetime
import logging
import re
import sys
from typing import List, Optional

from . import Config, create_app


def _offset(text: str) -> datetime.timezone:
    m = re.fullmatch(r"Z|([+-])(\d\d):(\d\d)", text)
    if not m or (m.group(2) and (int(m.group(2)) > 14 or int(m.group(3)) > 59)):
        raise argparse.ArgumentTypeError("must be Z, +HH:MM or -HH:MM")
    if text == "Z":
        return datetime.timezone.utc
    minutes = int(m.group(2)) * 60 + int(m.group(3))
    return datetime.timezone(datetime.timedelta(minutes=minutes if m.group(1) == "+" else -minutes))


def _date(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError("must be a date YYYY-MM-DD") from None


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m carecoord.cds_hooks",
                                description="A CDS Hooks 2.0 service over the carecoord engine.")
    p.add_argument("--rules", required=True, help="ruleset file or directory")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8080, help="port (default 8080)")
    p.add_argument("--jwks", required=True, help="the CDS Client's JWK Set: a file or an http(s) URL")
    p.add_argument("--issuer", action="append", required=True, help="a trusted JWT iss (repeatable)")
    p.add_argument("--base-url", help="the URL the EHR calls, e.g. https://cds.example.org (JWT aud); "
                                      "default http://HOST:PORT")
    p.add_argument("--fhir-server", action="append", default=[],
                   help="a trusted fhirServer base URL (repeatable): only those are read when prefetch is missing")
    p.add_argument("--as-of", type=_date, help="evaluate at this date instead of today (replays, demos)")
    p.add_argument("--utc-offset", type=_offset, help="the care setting's UTC offset (default: the machine's)")
    p.add_argument("--feedback-log", help="append feedback as JSON lines to this file (default: the log)")
    p.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])
    return p.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    import uvicorn

    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    base = args.base_url or f"http://{args.host}:{args.port}"
    config = Config(rules=args.rules, jwks=args.jwks, issuers=args.issuer, base_url=base,
                    fhir_servers=args.fhir_server, as_of=args.as_of, utc_offset=args.utc_offset,
                    feedback_log=args.feedback_log)
    try:
        app = create_app(config)
    except Exception as e:  # a ruleset or JWK Set that cannot be read: say which, then stop
        print(f"carecoord.cds_hooks: cannot start: {e}", file=sys.stderr)
        return 2
    # uvicorn's access log would print request paths and client addresses only, but it is
    # off: the service logs each call itself (service, status, time).
    uvicorn.run(app, host=args.host, port=args.port, access_log=False, log_level=args.log_level)
    return 0


if __name__ == "__main__":
    sys.exit(main())
