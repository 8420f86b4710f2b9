"""GET /v1/me/card against a running server: requests per second and p50/p99 latency at several
concurrency levels, with /healthz measured in the same run as the framework's ceiling.

The load comes from wrk when it is installed (Debian's ``wrk``: ``make bench`` installs it where
it can), else from an asyncio client in this process; either way outside the server's process,
and both endpoints of a pair from the same generator. The table says which.

    make bench-card     # or: .venv/bin/python benchmarks/bench_card.py --seconds 4
"""

from __future__ import annotations

import argparse
import asyncio
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import backend.domains  # noqa: F401  (registers the worker's jobs, as the app does: the records enqueue theirs)
from backend.identity import service as identity
from backend.identity.principals import ClientPrincipal
from backend.identity.schemas import RegistryBatch, RegistryEntryIn, SignUp
from backend.identity.security import build_jwt_auth
from backend.identity.sms import MemorySmsSender
from backend.platform.config import load_settings
from backend.platform.database import connection
from backend.records import service as records
from backend.scoring import service as scoring
from backend.wiring import start_runtime, stop_runtime
from benchmarks._report import Ratio, ratio
from benchmarks._server import api_server, bench_database

PHONE = "13700000001"
ID_NUMBER = "330106199003071236"


async def _prepare_citizen(dsn: str, redis_url: str) -> str:
    """A signed-up citizen with a few records, scored; returns an access token."""
    settings = load_settings()
    sms = MemorySmsSender()
    rt = await start_runtime(settings, dsn, redis_url, sms=sms, jwt_auth=build_jwt_auth(settings))
    try:
        scopes = ["registry:write", "domain:traffic_safety", "domain:volunteer_service"]
        client_id, _ = await identity.create_api_client("department", "bench", "Bench", scopes)
        dept = ClientPrincipal(client_id, "department", "bench", "Bench", frozenset(scopes))
        entry = RegistryEntryIn(id_number=ID_NUMBER, name="张三", phone=PHONE)
        await identity.upsert_registry(RegistryBatch(entries=[entry]), dept)
        items: list[Any] = [
            {
                "citizenIdNumber": ID_NUMBER,
                "citizenName": "张三",
                "recordType": t,
                "occurredOn": "2026-06-01",
                "decisionDocumentNo": f"doc-{i}",
                "sourceReference": f"bench-{i}",
                "evidenceSummary": "bench",
                "quantity": q,
            }
            for i, (t, q) in enumerate(
                [("TRAFFIC-DRINK-DRIVING", 1), ("VOLUNTEER-SERVICE-HOURS", 12)]
            )
        ]
        await records.ingest_batch(items, dept)
        await identity.request_code(PHONE)
        sign_up = SignUp(
            phone=PHONE,
            code=sms.last(PHONE),
            name="张三",
            id_number=ID_NUMBER,
            notices_version="2026.1",  # the seed's (content/notices/)
            accept_privacy_notice=True,
            accept_user_agreement=True,
            consent_to_sensitive_information=True,
        )
        tokens = await identity.sign_up(sign_up)
        async with connection() as conn:
            citizen_id = await conn.fetchval("SELECT id FROM citizen")
        await scoring.rescore(citizen_id)
        return tokens.access_token
    finally:
        await stop_runtime(rt)


async def _get(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes) -> int:
    """One keep-alive HTTP/1.1 GET; a bare client so the load generator is not the bottleneck."""
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n"):
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
    await reader.readexactly(length)
    return status


async def _load(
    base: str, path: str, headers: dict[str, str], concurrency: int, seconds: float
) -> tuple[float, float, float]:
    host, port = base.removeprefix("http://").split(":")
    extra = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    request = f"GET {path} HTTP/1.1\r\nHost: {host}\r\n{extra}\r\n".encode()
    latencies: list[float] = []
    connections = [await asyncio.open_connection(host, int(port)) for _ in range(concurrency)]
    for reader, writer in connections:
        assert await _get(reader, writer, request) == 200
    deadline = time.perf_counter() + seconds

    async def user(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            status = await _get(reader, writer, request)
            latencies.append(time.perf_counter() - started)
            assert status == 200, status

    started = time.perf_counter()
    await asyncio.gather(*(user(r, w) for r, w in connections))
    elapsed = time.perf_counter() - started
    for _, writer in connections:
        writer.close()
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    return len(latencies) / elapsed, statistics.median(latencies) * 1000, p99 * 1000


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([0-9.]+)(us|ms|s)", text.strip()).groups()  # type: ignore[union-attr]
    return float(value) * _UNITS[unit]


def _load_wrk(
    wrk: str, base: str, path: str, headers: dict[str, str], concurrency: int, seconds: float
) -> tuple[float, float, float]:
    """(requests/s, p50 ms, p99 ms) from wrk: one thread (a core for the server), keep-alive."""
    command = [wrk, "-t1", f"-c{concurrency}", f"-d{max(1, round(seconds))}s", "--latency"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    out = subprocess.run(
        [*command, base + path], capture_output=True, text=True, check=True, timeout=seconds + 60
    ).stdout
    if "Non-2xx or 3xx responses" in out:
        raise SystemExit(f"{path}: wrk saw error responses\n{out}")
    rps = float(re.search(r"Requests/sec:\s+([0-9.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
    return rps, p50, p99


def _measure(
    base: str, path: str, headers: dict[str, str], concurrency: int, seconds: float
) -> tuple[float, float, float]:
    wrk = shutil.which("wrk")
    if wrk is not None:
        return _load_wrk(wrk, base, path, headers, concurrency, seconds)
    return asyncio.run(_load(base, path, headers, concurrency, seconds))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--levels", default="1,8,32,64")
    args = parser.parse_args()
    levels = [int(n) for n in args.levels.split(",")]
    with bench_database() as (dsn, env):
        token = asyncio.run(_prepare_citizen(dsn, env["REDIS_URL"]))
        with api_server(env) as base:
            headers = {"Authorization": f"Bearer {token}"}
            generator = "wrk" if shutil.which("wrk") else "asyncio client (no wrk installed)"
            print(f"load generator: {generator}, in its own process")
            print(f"{'concurrency':>11} {'endpoint':>12} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}")
            for level in levels:
                ceiling = _measure(base, "/healthz", {}, level, args.seconds)
                card = _measure(base, "/v1/me/card", headers, level, args.seconds)
                for name, (rps, p50, p99) in (("/healthz", ceiling), ("/v1/me/card", card)):
                    print(f"{level:>11} {name:>12} {rps:>8.0f} {p50:>8.2f} {p99:>8.2f}")
                print(f"{'':>11} {'card/healthz':>12} {card[0] / ceiling[0]:>8.2f}")
                ratio(
                    Ratio(
                        name=f"GET /v1/me/card, {level} connections",
                        value=card[0],
                        unit="req/s",
                        baseline=ceiling[0],
                        baseline_name="/healthz",
                        floor=0.35 if level == 32 else None,
                        goal=0.5 if level == 32 else None,
                    )
                )


if __name__ == "__main__":
    main()
