"""Triggers delivered per second to an enforcing body's webhook: records that carry a measure are
reported, the reconcile writes a trigger per record into the outbox, and the delivery signs and
posts them in order to a local receiver (run in its own process). Baseline in the same run: the
same number of signed posts sent straight to the same receiver, with no database work (the
receiver's own ceiling for this sender).

    .venv/bin/python benchmarks/bench_measures.py --records 2000
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

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from backend.enforcement import delivery, service
from backend.enforcement.webhooks import set_hook
from backend.identity import service as identity
from backend.identity.id_number import make_id_number
from backend.identity.principals import OfficerPrincipal
from backend.identity.security import build_jwt_auth
from backend.platform.config import load_settings
from backend.records.service import ingest_batch
from backend.wiring import start_runtime, stop_runtime
from benchmarks._report import Ratio, ratio
from benchmarks._server import bench_database

DEBTOR = "JUDICIAL-DISHONEST-JUDGMENT-DEBTOR"


def _serve_receiver(port_out: Pipe) -> None:
    from tests.fakes.webhook import WebhookReceiver

    receiver = WebhookReceiver().start()
    port_out.send(receiver.url)
    while True:
        time.sleep(3600)


def _items(count: int) -> list[dict[str, Any]]:
    decided = (dt.date.today() - dt.timedelta(days=30)).isoformat()
    return [
        {
            "citizenIdNumber": make_id_number("330106", dt.date(1980, 1, 1) + dt.timedelta(n), 1),
            "citizenName": "测试",
            "recordType": DEBTOR,
            "occurredOn": decided,
            "decisionDocumentNo": f"（2026）浙0106执{n}号",
            "sourceReference": f"bench-measure-{n}",
            "evidenceSummary": "benchmark",
        }
        for n in range(count)
    ]


async def _baseline(url: str, count: int) -> float:
    body = b'{"id": 1, "action": "trigger", "payload": {}}'
    async with httpx.AsyncClient(timeout=delivery.TIMEOUT) as http:
        started = time.perf_counter()
        for n in range(count):
            signed = delivery.signature("whsec_bench", body, int(time.time()))
            await http.post(
                url, content=body, headers={delivery.SIGNATURE: signed, delivery.EVENT_ID: str(n)}
            )
        return count / (time.perf_counter() - started)


async def _run(dsn: str, redis_url: str, url: str, records: int) -> None:
    settings = load_settings()
    rt = await start_runtime(settings, dsn, redis_url, jwt_auth=build_jwt_auth(settings))
    try:
        court_id, _ = await identity.create_api_client(
            "department", "bench-court", "法院", ["domain:judicial_litigation"]
        )
        body_id, _ = await identity.create_api_client(
            "department", "bench-venues", "场所", ["measure:high-consumption-restriction"]
        )
        admin = OfficerPrincipal(1, "bench", ("admin",), "bench")
        await set_hook(body_id, url, admin)
        principal = await _principal(court_id)
        for start in range(0, records, 1000):
            await ingest_batch(_items(records)[start : start + 1000], principal)
        started = time.perf_counter()
        changed = await service.reconcile()
        reconciled = time.perf_counter()
        sent = await delivery.deliver_all()
        finished = time.perf_counter()
        baseline = await _baseline(url, sent["delivered"])
        rate = sent["delivered"] / (finished - reconciled)
        print(f"triggers written : {changed['triggered']:7d} in {reconciled - started:6.2f} s")
        print(
            f"triggers posted  : {sent['delivered']:7d} in {finished - reconciled:6.2f} s"
            f"  ({rate:7.0f}/s signed, in order, recorded)"
        )
        print(f"end to end       : {sent['delivered'] / (finished - started):7.0f} triggers/s")
        print(f"baseline         : {baseline:7.0f} signed posts/s straight to the receiver")
        print(f"ratio            : {rate / baseline:7.2f} of the bare post rate")
        ratio(
            Ratio(
                name="measure triggers to enforcers' webhooks",
                value=rate,
                unit="triggers/s",
                baseline=baseline,
                baseline_name="bare signed posts",
            )
        )
    finally:
        await stop_runtime(rt)


async def _principal(client_id: int) -> Any:
    from backend.identity.principals import ClientPrincipal

    return ClientPrincipal(
        client_id=client_id,
        kind="department",
        code="bench-court",
        name="法院",
        scopes=frozenset({"domain:judicial_litigation"}),
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=2000)
    args = parser.parse_args()
    receive, send = multiprocessing.Pipe(duplex=False)
    fake = multiprocessing.Process(target=_serve_receiver, args=(send,), daemon=True)
    fake.start()
    url = receive.recv()
    try:
        with bench_database() as (dsn, env):
            asyncio.run(_run(dsn, env["REDIS_URL"], url, args.records))
    finally:
        fake.terminate()


if __name__ == "__main__":
    main()
