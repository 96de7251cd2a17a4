"""Load test of the CDS Hooks service: patient-view with full prefetch, N concurrent clients
for a bounded time on loopback, p50/p99 latency and throughput (bench/RESULTS.md).

    python3 bench/cds_hooks/load_test.py [--clients 50] [--seconds 15] [--max-requests 5000] [--interval-ms 0]

The service runs as its own process (`python -m carecoord.cds_hooks`, uvicorn, one worker)
on 127.0.0.1; the clients are httpx AsyncClient tasks in this process, each sending its next
request when the previous one is answered. Every request carries its own signed JWT (a new
jti: the service refuses replays), signed before the timed window so that signing is not
measured. The run stops at --seconds or --max-requests, whichever comes first; a 10-second
warm-up (--warmup, 5 s) precedes it. With --interval-ms each client
sends one request per interval (an EHR's pace) instead of back to back (saturation). Latency is from sending the request to reading the whole response.

The patient: the Synthea patient of the tests (capi/python/cds_tests), re-dated as there,
as of 2026-11-08: 34 conditions, 44 encounters and 8 medication requests in the prefetch
(121 KiB of JSON per request).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
# The library of the build tree unless the caller names one (make bench-cds-hooks does).
os.environ.setdefault("CARECOORD_LIBRARY", str(ROOT / "build" / "capi" / "libcarecoord.so"))
sys.path[:0] = [str(ROOT / "capi" / "python"), str(ROOT / "capi" / "python" / "cds_tests")]

import httpx  # noqa: E402

import harness  # noqa: E402

PID = "a4a401d1-a46a-eb4a-8a38-760d5d79d6ec"
SERVICE = "carecoord-patient-view"


def process_cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process (Linux /proc), for the server's CPU per request:
    on a shared machine the wall-clock figures depend on the other load, this does not."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(xs, p):
    xs = sorted(xs)
    k = (len(xs) - 1) * p
    f = int(k)
    c = min(f + 1, len(xs) - 1)
    return xs[f] + (xs[c] - xs[f]) * (k - f)


async def run(base: str, body: bytes, tokens: list, clients: int, seconds: float, warmup: float, max_requests: int,
              interval: float):
    aud = f"{base}/cds-services/{SERVICE}"
    latencies = []
    errors = {}
    next_token = iter(tokens)

    async def one(client, record: bool) -> bool:
        try:
            token = next(next_token)
        except StopIteration:
            return False
        t0 = time.perf_counter()
        r = await client.post(f"/cds-services/{SERVICE}", content=body,
                              headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        await r.aread()
        dt = time.perf_counter() - t0
        if r.status_code != 200:
            errors[r.status_code] = errors.get(r.status_code, 0) + 1
        elif record:
            latencies.append(dt)
        return True

    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30.0) as client:
        async def worker(i: int, until: float, record: bool, budget: list):
            # Paced clients start spread over one interval and send every `interval` s
            # (or at once when the previous answer came later); 0: back to back.
            next_at = time.perf_counter() + interval * i / clients
            while budget[0] > 0:
                if interval:
                    await asyncio.sleep(max(0.0, next_at - time.perf_counter()))
                    next_at += interval
                if time.perf_counter() >= until:
                    return
                budget[0] -= 1
                if not await one(client, record):
                    return

        t = time.perf_counter()
        await asyncio.gather(*(worker(i, t + warmup, False, [max_requests]) for i in range(clients)))
        budget = [max_requests]
        t0 = time.perf_counter()
        await asyncio.gather(*(worker(i, t0 + seconds, True, budget) for i in range(clients)))
        elapsed = time.perf_counter() - t0
    return latencies, errors, elapsed, aud


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=15.0)
    ap.add_argument("--warmup", type=float, default=5.0)
    ap.add_argument("--max-requests", type=int, default=5000)
    ap.add_argument("--patient", default=PID)
    ap.add_argument("--interval-ms", type=float, default=0.0,
                    help="each client sends one request per interval (0: the next as soon as answered)")
    args = ap.parse_args()
    if not (1 <= args.clients <= 200 and 0 < args.seconds <= 120 and 0 <= args.warmup <= 30):
        ap.error("--clients 1-200, --seconds up to 120, --warmup up to 30")

    data = harness.load_export()
    prefetch = harness.prefetch_for(data, args.patient)
    body = json.dumps({"hookInstance": "5bf2f1a8-6cb3-4c2b-9a5e-000000000001", "hook": "patient-view",
                       "context": {"userId": "Practitioner/example", "patientId": args.patient},
                       "prefetch": prefetch}).encode("utf-8")
    with tempfile.TemporaryDirectory() as tmp:
        keys = harness.Keys(pathlib.Path(tmp))
        sock = harness.free_socket()
        port = sock.getsockname()[1]
        sock.close()  # the service binds it again at once (SO_REUSEADDR): loopback only
        base = f"http://127.0.0.1:{port}"
        aud = f"{base}/cds-services/{SERVICE}"
        n_tokens = args.max_requests * 2
        t_sign = time.perf_counter()
        tokens = [keys.token(aud, exp_in=590) for _ in range(n_tokens)]
        sign_s = time.perf_counter() - t_sign
        env = dict(os.environ, PYTHONPATH=str(ROOT / "capi" / "python"))
        proc = subprocess.Popen([sys.executable, "-m", "carecoord.cds_hooks", "--rules", str(ROOT / "rulesets"),
                                 "--host", "127.0.0.1", "--port", str(port), "--jwks", str(keys.jwks_path),
                                 "--issuer", harness.ISSUER, "--as-of", "2026-11-08", "--utc-offset=-05:00",
                                 "--log-level", "warning", "--feedback-log", os.devnull],
                                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    if httpx.get(f"{base}/cds-services", timeout=1.0).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if proc.poll() is not None or time.monotonic() > deadline:
                    print("the service did not start:", proc.stderr.read().decode()[-2000:], file=sys.stderr)
                    return 1
                time.sleep(0.1)
            cpu0 = process_cpu_s(proc.pid)
            latencies, errors, elapsed, _ = asyncio.run(
                run(base, body, tokens, args.clients, args.seconds, args.warmup, args.max_requests,
                    args.interval_ms / 1e3))
            server_cpu = process_cpu_s(proc.pid) - cpu0
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=20)
    n = len(latencies)
    if n == 0:
        print("no successful request", errors, file=sys.stderr)
        return 1
    ms = [x * 1e3 for x in latencies]
    pacing = f"each every {args.interval_ms:.0f} ms" if args.interval_ms else "back to back"
    print(f"patient-view with prefetch ({len(body) / 1024:.0f} KiB request), {args.clients} concurrent clients "
          f"({pacing}), {elapsed:.1f} s on loopback")
    print(f"requests: {n} ok, errors: {errors or 'none'}; throughput {n / elapsed:.1f} req/s")
    print(f"latency ms: p50 {percentile(ms, 0.50):.1f}  p90 {percentile(ms, 0.90):.1f}  p99 {percentile(ms, 0.99):.1f}  "
          f"max {max(ms):.1f}  mean {statistics.fmean(ms):.1f}")
    print(f"server CPU: {server_cpu * 1e3 / (n + sum(errors.values())):.1f} ms per request "
          f"(warm-up excluded); load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"(tokens signed beforehand: {n_tokens} in {sign_s:.1f} s)")
    return 0 if not errors else 1


if __name__ == "__main__":
    sys.exit(main())
