"""Notifications delivered per second through the outbox relay and firebase-admin to a fake FCM
server (run in its own process). Baseline in the same run: the same number of messages sent
straight through firebase-admin to the same fake, with no database work.

    .venv/bin/python benchmarks/bench_push.py --events 5000
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import sys
import time
from pathlib import Path

import msgspec

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from backend.identity.security import build_jwt_auth
from backend.notifications.events import RecordAdded, emit_event
from backend.notifications.push import FirebasePushSender, PushMessage
from backend.notifications.relay import relay_all
from backend.notifications.sending import send_once
from backend.platform.config import load_settings
from backend.platform.database import transaction
from backend.wiring import start_runtime, stop_runtime
from benchmarks._server import bench_database


def _serve_fake(port_out: multiprocessing.connection.Connection) -> None:
    from tests.fakes.fcm import FcmServer

    server = FcmServer()
    port_out.send(server.url)
    server.httpd.serve_forever()


async def _send_all() -> int:
    """Send batches until none is due (the worker's pump does the same, one batch at a time)."""
    total = 0
    while sent := await send_once():
        total += sent
    return total


async def _seed(citizens: int, events: int) -> None:
    async with transaction() as conn:
        await conn.executemany(
            "INSERT INTO push_device (citizen, token, platform, created_at, last_seen_at)"
            " VALUES ($1, $2, 'android', now(), now())",
            [(c, f"bench-token-{c:08d}-abcdefghijklmnop") for c in range(1, citizens + 1)],
        )
        for n in range(events):
            event = RecordAdded(
                record_id=n, record_title="饮酒后驾驶机动车", department="交警", points=-30
            )
            await emit_event(conn, n % citizens + 1, event)


async def _run(dsn: str, redis_url: str, fcm_url: str, citizens: int, events: int) -> None:
    settings = msgspec.structs.replace(
        load_settings(),
        fcm_endpoint=fcm_url,
        fcm_static_token="bench",
        fcm_project_id="bench",
        relay_batch_size=500,
    )
    sender = FirebasePushSender(settings)
    rt = await start_runtime(
        settings, dsn, redis_url, jwt_auth=build_jwt_auth(settings), push=sender
    )
    try:
        await _seed(citizens, events)
        started = time.perf_counter()
        relayed = await relay_all()
        relay_done = time.perf_counter()
        sent = await _send_all()
        finished = time.perf_counter()
        messages = [
            PushMessage(f"baseline-{n}-abcdefghijklmnopqrstu", "t", "b", {"k": "v"}, "c")
            for n in range(sent)
        ]
        base_start = time.perf_counter()
        for chunk in range(0, len(messages), 500):
            await sender.send(messages[chunk : chunk + 500])
        baseline = sent / (time.perf_counter() - base_start)
        total = finished - started
        print(
            f"events relayed : {relayed:8d} in {relay_done - started:6.2f} s"
            f"  ({relayed / (relay_done - started):8.0f}/s into inbox + deliveries)"
        )
        print(
            f"pushes sent    : {sent:8d} in {finished - relay_done:6.2f} s"
            f"  ({sent / (finished - relay_done):8.0f}/s through firebase-admin)"
        )
        print(f"end to end     : {sent / total:8.0f} notifications/s (relay + push)")
        print(f"baseline       : {baseline:8.0f} pushes/s straight through firebase-admin")
        print(f"ratio          : {sent / total / baseline:8.2f} of the bare send rate")
    finally:
        await stop_runtime(rt)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--citizens", type=int, default=2000)
    args = parser.parse_args()
    receive, send = multiprocessing.Pipe(duplex=False)
    fake = multiprocessing.Process(target=_serve_fake, args=(send,), daemon=True)
    fake.start()
    fcm_url = receive.recv()
    try:
        with bench_database() as (dsn, env):
            asyncio.run(_run(dsn, env["REDIS_URL"], fcm_url, args.citizens, args.events))
    finally:
        fake.terminate()


if __name__ == "__main__":
    main()
