"""Records per second through POST /v1/department/records:batch against a running server.

Starts a fresh database (on BENCH_DATABASE_URL, TEST_DATABASE_URL, or an embedded server),
runs the API with uvicorn in a subprocess (one worker) and posts batches of 1,000 records to it
from this process, bodies encoded before the clock starts, as a load generator sends them.
The records' exchange events and their citizens' change counters are written after the request
by the batch's follow-up job (backend/records/jobs.py); the bench then runs those follow-ups the
way the worker does and prints their rate too, so the work moved off the request is measured.
Baseline, measured in the same run: the same rows the endpoint stored (same citizens, columns
and values; only the source references differ) written straight into the record table with one
asyncpg INSERT per batch, the database's own ceiling for this work. Prints both, the ratio, and
each against the floor and goal of issue 17 (10,000 records/s; 0.4 of the raw insert).

    make bench            # or: .venv/bin/python benchmarks/bench_ingest.py --batches 50
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import msgspec

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from backend.identity.id_number import make_id_number
from backend.platform.config import REPO_ROOT
from backend.platform.embedded import EmbeddedServers, start_postgres, start_redis
from backend.records import store as record_store
from backend.records.jobs import FOLLOW_UP_PAGE
from benchmarks._report import Ratio, ratio


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _batch(start: int, size: int, citizens: int) -> list[dict[str, Any]]:
    items = []
    for n in range(start, start + size):
        person = n % citizens
        born = dt.date(1980, 1, 1) + dt.timedelta(days=person % 9000)
        items.append(
            {
                "citizenIdNumber": make_id_number("330106", born, person // 9000),
                "citizenName": "测试",
                "recordType": "TRAFFIC-DRINK-DRIVING",
                "occurredOn": "2026-06-01",
                "decisionDocumentNo": f"公交决字〔2026〕{n}号",
                "sourceReference": f"bench-{n}",
                "evidenceSummary": "benchmark",
            }
        )
    return items


FLOOR_RATE = 10_000  # records/s through the endpoint: issue 17's floor and goal
FLOOR_RATIO = 0.4  # of the raw INSERT of the same rows in the same run


async def _run_server_bench(base: str, key: str, batches: int, size: int, citizens: int) -> float:
    bodies = [
        msgspec.json.encode({"records": _batch(b * size, size, citizens)}) for b in range(batches)
    ]
    headers = {"X-Api-Key": key, "Content-Type": "application/json"}
    async with httpx.AsyncClient(base_url=base, timeout=120) as http:
        warm = await http.post(
            "/v1/department/records:batch",
            content=msgspec.json.encode({"records": _batch(10**8, 50, 50)}),
            headers=headers,
        )
        assert warm.status_code == 200, warm.text
        started = time.perf_counter()
        for body in bodies:
            response = await http.post(
                "/v1/department/records:batch", content=body, headers=headers
            )
            assert response.status_code == 200, response.text
            accepted = msgspec.json.decode(response.content)["accepted"]
            assert accepted == size, response.text[:500]
        elapsed = time.perf_counter() - started
    return batches * size / elapsed


# The columns the endpoint writes; the baseline copies the rows it stored.
_COLUMNS = (
    "department, catalog_version, citizen, record_type, domain, polarity, severity, quantity,"
    " occurred_on, decided_on, decision_document_no, source_reference, evidence_summary,"
    " occupational_group, display_until, repairable_from, reported_late, reported_on, status,"
    " created_at, updated_at, version"
)
_BASELINE_INSERT = (
    f"INSERT INTO record ({_COLUMNS}) SELECT t.*, 'active', now(), now(), 1"
    " FROM unnest($1::int[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[],"
    " $7::text[], $8::int[], $9::date[], $10::date[], $11::text[], $12::text[], $13::text[],"
    " $14::text[], $15::date[], $16::date[], $17::boolean[], $18::date[]) AS t(department,"
    " catalog_version, citizen, record_type, domain, polarity, severity, quantity, occurred_on,"
    " decided_on, decision_document_no, source_reference, evidence_summary, occupational_group,"
    " display_until, repairable_from, reported_late, reported_on)"
    " ON CONFLICT (department, source_reference) DO NOTHING"
)


async def _run_baseline(dsn: str, batches: int, size: int) -> float:
    """The rows the endpoint stored, in the batches it got them, inserted again under new source
    references: one statement (and one transaction) per batch."""
    conn = await asyncpg.connect(dsn)
    try:
        rows = await conn.fetch(
            "SELECT department, catalog_version, citizen, record_type, domain, polarity,"
            " severity, quantity, occurred_on, decided_on, decision_document_no,"
            " 'baseline-' || source_reference, evidence_summary, occupational_group,"
            " display_until, repairable_from, reported_late, reported_on FROM record"
            " WHERE source_reference LIKE 'bench-%' ORDER BY id"
        )
        rows = rows[-batches * size :]  # the timed batches, after the warm-up's
        assert len(rows) == batches * size, len(rows)
        columns = [
            [list(column) for column in zip(*rows[b * size : (b + 1) * size], strict=True)]
            for b in range(batches)
        ]
        started = time.perf_counter()
        for batch in columns:
            await conn.execute(_BASELINE_INSERT, *batch)
        return batches * size / (time.perf_counter() - started)
    finally:
        await conn.close()


async def _run_follow_ups(dsn: str) -> tuple[int, float]:
    """The pending follow-ups of the batches the endpoint took, run as the worker runs them (20
    to a transaction): (records followed up, records per second)."""
    conn = await asyncpg.connect(dsn)
    try:
        records = await conn.fetchval(
            "SELECT coalesce(sum(cardinality(records)), 0) FROM ingest_follow_up"
        )
        started = time.perf_counter()
        while True:
            async with conn.transaction():
                ids = await record_store.pending_follow_ups(conn, limit=FOLLOW_UP_PAGE)
                await record_store.run_follow_ups(conn, ids)
            if len(ids) < FOLLOW_UP_PAGE:
                break
        elapsed = time.perf_counter() - started
        assert await conn.fetchval("SELECT count(*) FROM ingest_follow_up") == 0
        return records, records / elapsed
    finally:
        await conn.close()


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "BELOW"


def _prepare(env: dict[str, str]) -> str:
    subprocess.run(
        [sys.executable, "-m", "backend", "migrate"],
        cwd=REPO_ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "backend",
            "create-client",
            "department",
            "bench-dept",
            "Bench",
            "--scope",
            "domain:traffic_safety",
        ],
        cwd=REPO_ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return next(line.strip() for line in out.splitlines() if line.strip().startswith("ccd_"))


def _wait_ready(base: str) -> None:
    for _ in range(240):
        try:
            if httpx.get(base + "/readyz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    raise SystemExit("server did not become ready")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--batches", type=int, default=50)
    parser.add_argument("--size", type=int, default=1000)
    parser.add_argument("--citizens", type=int, default=5000)
    args = parser.parse_args()
    embedded = EmbeddedServers()
    var = Path(tempfile.mkdtemp(prefix="cc-bench-"))
    admin = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    admin = admin or start_postgres(var, embedded)
    redis_url = os.environ.get("TEST_REDIS_URL") or start_redis(var, embedded)
    name = f"cc_bench_{secrets.token_hex(4)}"
    dsn = (
        admin.rsplit("/", 1)[0] + f"/{name}"
        if "?" not in admin
        else admin.replace("/postgres?", f"/{name}?")
    )
    asyncio.run(_create_db(admin, name))
    env = {
        **os.environ,
        "DATABASE_URL": dsn,
        "REDIS_URL": redis_url,
        "VAR_DIR": str(var),
        "REDIS_NAMESPACE": f"ccbench-{name}",
        "LOG_LEVEL": "WARNING",
        "CLIENT_RATE_PER_MINUTE": "100000",
    }
    server = None
    try:
        key = _prepare(env)
        port = _free_port()
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "backend.app:create_app",
                "--factory",
                "--port",
                str(port),
                "--no-access-log",
                "--log-level",
                "warning",
            ],
            cwd=REPO_ROOT,
            env=env,
        )
        base = f"http://127.0.0.1:{port}"
        _wait_ready(base)
        api_rate = asyncio.run(_run_server_bench(base, key, args.batches, args.size, args.citizens))
        baseline = asyncio.run(_run_baseline(dsn, args.batches, args.size))
        followed, follow_rate = asyncio.run(_run_follow_ups(dsn))
        of_raw = api_rate / baseline
        shape = f"{args.batches} batches of {args.size}, {args.citizens} citizens, one worker"
        print(f"batch endpoint : {api_rate:10.0f} records/s  ({shape})")
        print(f"baseline (SQL) : {baseline:10.0f} records/s  (same rows, one INSERT per batch)")
        print(f"ratio          : {of_raw:10.2f} of the raw database insert")
        print(
            f"follow-up      : {follow_rate:10.0f} records/s  ({followed} records' exchange"
            " events and change counters, after the request, as the worker runs them)"
        )
        print(
            f"floor/goal     : {FLOOR_RATE:10,} records/s  {_verdict(api_rate >= FLOOR_RATE)};"
            f" ratio {FLOOR_RATIO}  {_verdict(of_raw >= FLOOR_RATIO)}"
        )
        for judged_on, floor in (("ratio", FLOOR_RATIO), ("value", FLOOR_RATE)):
            ratio(
                Ratio(
                    name=f"batch ingest ({judged_on} floor)",
                    value=api_rate,
                    unit="records/s",
                    baseline=baseline,
                    baseline_name="raw INSERT",
                    floor=floor,
                    goal=floor,
                    judged_on=judged_on,
                )
            )
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        asyncio.run(_drop_db(admin, name))
        embedded.stop()


async def _create_db(admin: str, name: str) -> None:
    conn = await asyncpg.connect(admin)
    await conn.execute(f'CREATE DATABASE "{name}"')
    await conn.close()


async def _drop_db(admin: str, name: str) -> None:
    conn = await asyncpg.connect(admin)
    await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await conn.close()


if __name__ == "__main__":
    main()
