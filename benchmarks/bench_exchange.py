"""Events per second pushed to the provincial platform: records are reported (each writes its
event into the outbox in the batch's transaction), then the exchange reads them in id order,
joins in each person (the ID number decrypted), signs and posts batches to a fake platform (run
in its own process) and records each item's answer. Baseline in the same run: the same number
of events in batches of the same size and shape, signed and posted straight to the same fake
with no database work (the platform's own ceiling for this sender).

    .venv/bin/python benchmarks/bench_exchange.py --records 10000
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import multiprocessing
import sys
import time
from multiprocessing.connection import Connection as Pipe
from pathlib import Path
from typing import Any

import httpx
import msgspec

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from backend.exchange import delivery
from backend.identity import service as identity
from backend.identity.id_number import make_id_number
from backend.identity.principals import ClientPrincipal
from backend.identity.security import build_jwt_auth
from backend.platform.config import load_settings
from backend.records.jobs import run_follow_ups
from backend.records.service import ingest_batch
from backend.wiring import start_runtime, stop_runtime
from benchmarks._report import Ratio, ratio
from benchmarks._server import bench_database

SECRET = "bench-provincial-secret"


def _serve_platform(url_out: Pipe) -> None:
    from tests.fakes.provincial import ProvincialPlatform

    platform = ProvincialPlatform().start()
    url_out.send(platform.url)
    while True:
        time.sleep(3600)


def _items(start: int, count: int) -> list[dict[str, Any]]:
    occurred = (dt.date.today() - dt.timedelta(days=30)).isoformat()
    return [
        {
            "citizenIdNumber": make_id_number("330106", dt.date(1970, 1, 1) + dt.timedelta(n), 1),
            "citizenName": "测试",
            "recordType": "TRAFFIC-DRINK-DRIVING",
            "occurredOn": occurred,
            "decisionDocumentNo": f"公交决字〔2026〕{n}号",
            "sourceReference": f"bench-exchange-{n}",
            "evidenceSummary": "benchmark",
        }
        for n in range(start, start + count)
    ]


def _bare_bodies(events: int, size: int) -> list[bytes]:
    """Batches shaped like the exchange's (same fields, similar sizes), ids past the real ones."""
    created = dt.datetime.now(dt.UTC)
    bodies = []
    for start in range(0, events, size):
        batch = [
            {
                "id": 10_000_000 + n,
                "kind": "record.added",
                "subject": n,
                "createdAt": created,
                "payload": {
                    "department": 1,
                    "sourceReference": f"bench-exchange-{n}",
                    "record_type": "TRAFFIC-DRINK-DRIVING",
                    "occurred_on": "2026-11-01",
                    "decided_on": "2026-11-01",
                    "quantity": 1,
                    "decision_document_no": f"公交决字〔2026〕{n}号",
                    "evidence_summary": "benchmark",
                    "status": "active",
                },
                "person": {"name": "测试", "idNumber": "330106197001010011"},
            }
            for n in range(start, min(start + size, events))
        ]
        bodies.append(msgspec.json.encode({"batchId": f"bare-{start}", "events": batch}))
    return bodies


async def _baseline(url: str, bodies: list[bytes], events: int) -> float:
    async with httpx.AsyncClient(timeout=httpx.Timeout(30.0)) as http:
        started = time.perf_counter()
        for n, body in enumerate(bodies):
            headers = {
                "Content-Type": "application/json",
                delivery.SIGNATURE: delivery.signature(SECRET, body, int(time.time())),
                delivery.BATCH_ID: f"bare-{n}",
            }
            answer = await http.post(url, content=body, headers=headers)
            msgspec.json.decode(answer.content, type=delivery.Answer)
        return events / (time.perf_counter() - started)


async def _run(dsn: str, redis_url: str, url: str, records: int, size: int) -> None:
    settings = load_settings()
    rt = await start_runtime(settings, dsn, redis_url, jwt_auth=build_jwt_auth(settings))
    try:
        dept_id, _ = await identity.create_api_client(
            "department", "bench-traffic", "交警", ["domain:traffic_safety"]
        )
        principal = ClientPrincipal(
            client_id=dept_id,
            kind="department",
            code="bench-traffic",
            name="交警",
            scopes=frozenset({"domain:traffic_safety"}),
        )
        started = time.perf_counter()
        for start in range(0, records, 1000):
            await ingest_batch(_items(start, min(1000, records - start)), principal)
        await run_follow_ups()  # the records' events, as the worker writes them after a batch
        written = time.perf_counter()
        sent = await delivery.send_pending(endpoint=url, secret=SECRET, batch_size=size)
        finished = time.perf_counter()
        acknowledged = sent["acknowledged"]
        assert acknowledged == records, sent
        baseline = await _baseline(url, _bare_bodies(records, size), records)
        rate = acknowledged / (finished - written)
        print(f"records + events : {records:7d} written in {written - started:6.2f} s (ingest)")
        print(
            f"events exchanged : {acknowledged:7d} in {finished - written:6.2f} s"
            f"  ({rate:7.0f}/s in {sent['batches']} signed batches of {size}, answers recorded)"
        )
        print(f"baseline         : {baseline:7.0f} events/s in bare signed batches to the fake")
        print(f"ratio            : {rate / baseline:7.2f} of the fake platform's ceiling")
        ratio(
            Ratio(
                name="provincial exchange events",
                value=rate,
                unit="events/s",
                baseline=baseline,
                baseline_name="bare signed batches",
            )
        )
    finally:
        await stop_runtime(rt)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=10000)
    parser.add_argument("--batch-size", type=int, default=200)
    args = parser.parse_args()
    receive, send = multiprocessing.Pipe(duplex=False)
    fake = multiprocessing.Process(target=_serve_platform, args=(send,), daemon=True)
    fake.start()
    url = receive.recv()
    try:
        with bench_database() as (dsn, env):
            asyncio.run(_run(dsn, env["REDIS_URL"], url, args.records, args.batch_size))
    finally:
        fake.terminate()


if __name__ == "__main__":
    main()
