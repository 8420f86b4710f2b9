"""POST /v1/merchant/verifications:redeem against a running server: code redemptions per second
and p50/p99 latency at several concurrency levels, typed codes and scanned (signed) payloads,
with GET /healthz measured in the same run as the framework's ceiling.

Every request redeems a different live code, so each one does the real work: one atomic
UPDATE ... RETURNING, the query-log row and the outbox event in one transaction (plus, for a
payload, the Ed25519 signature check). The codes are made up front the way the service makes
them (signed payload, 8-digit code), directly in the database so the per-citizen limit on live
codes does not get in the way of a load test.

    .venv/bin/python benchmarks/bench_verify.py --seconds 3 --levels 1,16,64
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import statistics
import sys
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from backend.identity import service as identity
from backend.identity.id_number import make_id_number, mask_name
from backend.identity.security import build_jwt_auth
from backend.identity.sms import MemorySmsSender
from backend.platform.config import load_settings
from backend.platform.database import connection
from backend.verification import signing
from backend.wiring import start_runtime, stop_runtime
from benchmarks._report import Ratio, ratio
from benchmarks._server import api_server, bench_database
from benchmarks.bench_card import _get, _load

BENEFIT = "library-deposit-waiver"
REDEEM = "/v1/merchant/verifications:redeem"
CITIZENS = 50


async def _prepare(dsn: str, redis_url: str, count: int) -> tuple[str, list[tuple[str, str]]]:
    """A scoped merchant and ``count`` live codes; returns (API key, [(code, payload)])."""
    settings = load_settings()
    rt = await start_runtime(
        settings, dsn, redis_url, sms=MemorySmsSender(), jwt_auth=build_jwt_auth(settings)
    )
    try:
        _, key = await identity.create_api_client(
            "merchant", "bench-library", "Bench library", [f"benefit:{BENEFIT}"]
        )
        citizens = [
            await identity.find_or_create_citizen(
                make_id_number("330106", dt.date(1990, 1, 1), n), "张三"
            )
            for n in range(CITIZENS)
        ]
        private = settings.key_bytes("verification_signing_key")
        issued = dt.datetime.now(dt.UTC).replace(microsecond=0)
        rows, codes = [], []
        for n in range(count):
            public_id = f"vf_bench{n:012d}"
            claims = signing.new_claims(
                public_id, BENEFIT, True, "A", mask_name("张三"), issued, 3600
            )
            payload = signing.sign(claims, private)
            code = f"{n:08d}"
            rows.append(
                (
                    public_id,
                    citizens[n % CITIZENS],
                    BENEFIT,
                    code,
                    payload,
                    issued,
                    issued + dt.timedelta(hours=1),
                )
            )
            codes.append((code, payload))
        async with connection() as conn:
            await conn.executemany(
                "INSERT INTO verification (public_id, citizen, benefit, method, numeric_code,"
                " payload, eligible, required_grade, created_at, expires_at, live)"
                " VALUES ($1, $2, $3, 'code', $4, $5, true, 'A', $6, $7, true)",
                rows,
            )
        return key, codes
    finally:
        await stop_runtime(rt)


def _request(host: str, key: str, body: dict[str, str]) -> bytes:
    data = json.dumps(body).encode()
    head = (
        f"POST {REDEEM} HTTP/1.1\r\nHost: {host}\r\nX-Api-Key: {key}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n\r\n"
    )
    return head.encode() + data


async def _redeem_load(
    base: str, key: str, codes: Iterator[tuple[str, str]], field: str, users: int, seconds: float
) -> tuple[float, float, float, int]:
    """(redemptions/s, p50 ms, p99 ms, redemptions) with ``users`` keep-alive connections."""
    host, port = base.removeprefix("http://").split(":")
    latencies: list[float] = []
    connections = [await asyncio.open_connection(host, int(port)) for _ in range(users)]
    deadline = time.perf_counter() + seconds

    async def user(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while time.perf_counter() < deadline:
            code, payload = next(codes)
            request = _request(host, key, {field: code if field == "code" else payload})
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
    return len(latencies) / elapsed, statistics.median(latencies) * 1000, p99 * 1000, len(latencies)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--levels", default="1,16,64")
    parser.add_argument("--codes", type=int, default=60_000)
    args = parser.parse_args()
    levels = [int(n) for n in args.levels.split(",")]
    with bench_database() as (dsn, env):
        key, codes = asyncio.run(_prepare(dsn, env["REDIS_URL"], args.codes))
        supply = iter(codes)
        with api_server(env) as base:
            print(f"{'concurrency':>11} {'endpoint':>16} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}")
            for level in levels:
                ceiling = asyncio.run(_load(base, "/healthz", {}, level, args.seconds))
                print(
                    f"{level:>11} {'/healthz':>16} {ceiling[0]:>8.0f} {ceiling[1]:>8.2f}"
                    f" {ceiling[2]:>8.2f}"
                )
                for field in ("code", "payload"):
                    rps, p50, p99, _ = asyncio.run(
                        _redeem_load(base, key, supply, field, level, args.seconds)
                    )
                    name = f"redeem {field}"
                    print(
                        f"{level:>11} {name:>16} {rps:>8.0f} {p50:>8.2f} {p99:>8.2f}"
                        f"   ({rps / ceiling[0]:.2f} of /healthz)"
                    )
                    ratio(
                        Ratio(
                            name=f"merchant {name}, {level} connections",
                            value=rps,
                            unit="req/s",
                            baseline=ceiling[0],
                            baseline_name="/healthz",
                        )
                    )


if __name__ == "__main__":
    main()
