"""Notifications delivered per second through the outbox relay and firebase-admin to a fast fake
FCM server (tests/fakes/fcm_fast.py, asyncio, HTTP/2 without TLS, in its own process), with
three rates from the same run to read it against:

- end to end: events seeded in the outbox, the worker's own PushPump (relay + concurrent
  senders) until every push is accepted by the fake;
- bare firebase-admin: the same number of messages sent straight through the same sender, as
  many at once as the pump keeps in flight, with no database work;
- the fake's ceiling: a bare HTTP/2 client (h2, no httpx) with many streams open at once, and
  httpx with as many concurrent requests: what the fake answers when the client costs little,
  and what one Python process with httpx can send at all.

    .venv/bin/python benchmarks/bench_push.py --events 5000
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path
from typing import Any

import asyncpg
import h2.config
import h2.connection
import h2.events
import httpx
import msgspec

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from backend.identity.security import build_jwt_auth
from backend.notifications.events import RecordAdded, emit_event
from backend.notifications.pump import PushPump
from backend.notifications.push import FirebasePushSender, PushMessage
from backend.notifications.sending import batch_sizes
from backend.platform.config import Settings, load_settings
from backend.platform.database import transaction
from backend.wiring import start_runtime, stop_runtime
from benchmarks._report import Ratio, ratio
from benchmarks._server import bench_database
from tests.fakes.fcm_fast import fast_fcm_process, reset, stats

SEND_PATH = "/v1/projects/bench/messages:send"


# --- the fake's ceiling --------------------------------------------------------------------------


async def h2_ceiling(url: str, requests: int, streams: int) -> float:
    """Requests/s a bare HTTP/2 client gets from the fake: one connection, ``streams`` open."""
    host, port = url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    conn = h2.connection.H2Connection(config=h2.config.H2Configuration(client_side=True))
    conn.initiate_connection()
    writer.write(conn.data_to_send())
    conn.receive_data(await reader.read(65536))  # the fake's settings: how many streams at once
    body = json.dumps({"message": {"token": "ceiling", "data": {"eventId": "0"}}}).encode()
    headers = [
        (":method", "POST"),
        (":path", SEND_PATH),
        (":scheme", "http"),
        (":authority", f"{host}:{port}"),
        ("content-type", "application/json"),
        ("content-length", str(len(body))),
    ]
    sent = answered = 0
    started = time.perf_counter()
    while answered < requests:
        while sent < requests and sent - answered < streams:
            stream = conn.get_next_available_stream_id()
            conn.send_headers(stream, headers)
            conn.send_data(stream, body, end_stream=True)
            sent += 1
        writer.write(conn.data_to_send())
        data = await reader.read(65536)
        if not data:
            raise RuntimeError("the fake closed the connection")
        for event in conn.receive_data(data):
            if isinstance(event, h2.events.DataReceived):
                conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
            elif isinstance(event, h2.events.StreamEnded):
                answered += 1
    rate = requests / (time.perf_counter() - started)
    writer.close()
    return rate


async def httpx_ceiling(url: str, requests: int, concurrent: int) -> float:
    """Requests/s httpx alone (HTTP/2, ``concurrent`` requests at once) gets from the fake."""
    limits = httpx.Limits(max_connections=concurrent, max_keepalive_connections=concurrent)
    async with httpx.AsyncClient(http1=False, http2=True, limits=limits) as client:
        gate = asyncio.Semaphore(concurrent)

        async def one(n: int) -> None:
            async with gate:
                message = {"message": {"token": f"httpx-{n}", "data": {"eventId": "0"}}}
                response = await client.post(url + SEND_PATH, json=message)
                response.raise_for_status()

        started = time.perf_counter()
        await asyncio.gather(*(one(n) for n in range(requests)))
        return requests / (time.perf_counter() - started)


# --- bare firebase-admin -------------------------------------------------------------------------


async def bare_rate(sender: FirebasePushSender, settings: Settings, count: int) -> float:
    """The same sender, fed as the pump feeds it (its batches at once), no database."""
    messages = [
        PushMessage(f"baseline-{n}-abcdefghijklmnopqrstu", "t", "b", {"eventId": str(n)}, "c")
        for n in range(count)
    ]
    queue = iter(messages)

    async def lane(size: int) -> None:
        while batch := [m for _, m in zip(range(size), queue, strict=False)]:
            await sender.send(batch)

    sizes = batch_sizes(settings.push_in_flight, settings.push_concurrency)
    started = time.perf_counter()
    await asyncio.gather(*(lane(size) for size in sizes))
    return count / (time.perf_counter() - started)


# --- end to end ----------------------------------------------------------------------------------


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


async def _open_work(probe: asyncpg.Connection[Any]) -> tuple[int, int]:
    """Events not relayed yet, and pushes not closed yet."""
    row = await probe.fetchrow(
        "SELECT (SELECT count(*) FROM outbox_event WHERE delivered_at IS NULL) AS events,"
        " (SELECT count(*) FROM push_delivery WHERE status IN ('pending', 'sending')) AS pushes"
    )
    assert row is not None
    return int(row["events"]), int(row["pushes"])


async def end_to_end(dsn: str) -> tuple[float, float]:
    """Seconds until the outbox is relayed, and until every push is closed, with the pump."""
    probe = await asyncpg.connect(dsn)
    pump = PushPump(idle_seconds=0.2)
    started = time.perf_counter()
    pump.start()
    relayed_at = 0.0
    try:
        while True:
            events, pushes = await _open_work(probe)
            now = time.perf_counter() - started
            if events == 0 and not relayed_at:
                relayed_at = now
            if events == 0 and pushes == 0:
                return relayed_at, now
            await asyncio.sleep(0.02)
    finally:
        await pump.stop()
        await probe.close()


async def _run(dsn: str, redis_url: str, fcm_url: str, args: argparse.Namespace) -> None:
    settings = msgspec.structs.replace(
        load_settings(),
        fcm_endpoint=fcm_url,
        fcm_static_token="bench",
        fcm_project_id="bench",
        fcm_h2c=True,
        relay_batch_size=500,
        push_in_flight=args.in_flight,
        push_concurrency=args.concurrency,
    )
    sender = FirebasePushSender(settings)
    rt = await start_runtime(
        settings, dsn, redis_url, jwt_auth=build_jwt_auth(settings), push=sender
    )
    try:
        await _seed(args.citizens, args.events)
        await asyncio.to_thread(reset, fcm_url)
        relayed, total = await end_to_end(dsn)
        delivered = await asyncio.to_thread(stats, fcm_url)
        bare = await bare_rate(sender, settings, args.events)
    finally:
        await stop_runtime(rt)
    ceiling = await h2_ceiling(fcm_url, args.events, streams=args.in_flight)
    client = await httpx_ceiling(fcm_url, args.events, concurrent=args.in_flight)
    _report(args, relayed, total, delivered, (bare, ceiling, client))


FLOOR_RATE = 1_000  # issue 17: notifications per second end to end, at least
GOAL_RATE = 2_000


def _report(
    args: argparse.Namespace,
    relayed: float,
    total: float,
    delivered: dict[str, Any],
    rates: tuple[float, float, float],
) -> None:
    bare, ceiling, client = rates
    rate = args.events / total
    print(
        f"push_in_flight {args.in_flight}, push_concurrency {args.concurrency}, "
        f"{args.events} events to {args.citizens} citizens"
    )
    print(
        f"relay done     : {relayed:6.2f} s ({args.events / relayed:6.0f} events/s, beside sending)"
    )
    print(f"end to end     : {rate:8.0f} notifications/s (outbox -> relay -> FCM accepted)")
    print(
        f"  fake saw     : {delivered['accepted']} accepted, {delivered['acceptedTwice']} twice,"
        f" {delivered['peakBusy']} requests at once at most, {delivered['h2Streams']} h2 streams"
    )
    print(f"bare firebase  : {bare:8.0f} pushes/s straight through firebase-admin, no database")
    print(f"fake ceiling   : {ceiling:8.0f} requests/s from a bare HTTP/2 client")
    print(f"httpx ceiling  : {client:8.0f} requests/s from httpx alone (HTTP/2)")
    print(
        f"ratios         : end to end / bare {rate / bare:5.2f}, bare / fake {bare / ceiling:5.2f},"
        f" end to end / fake {rate / ceiling:5.2f}"
    )
    ratio(
        Ratio(
            name="notifications end to end (floor and goal in notifications/s)",
            value=rate,
            unit="notifications/s",
            baseline=bare,
            baseline_name="bare send_each_async",
            floor=FLOOR_RATE,
            goal=GOAL_RATE,
            judged_on="value",
        )
    )
    ratio(
        Ratio(
            name="bare firebase-admin against the fake's own ceiling",
            value=bare,
            unit="pushes/s",
            baseline=ceiling,
            baseline_name="bare HTTP/2 client",
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--citizens", type=int, default=2000)
    parser.add_argument("--in-flight", type=int, default=100, help="PUSH_IN_FLIGHT")
    parser.add_argument("--concurrency", type=int, default=4, help="PUSH_CONCURRENCY")
    args = parser.parse_args()
    with fast_fcm_process() as fcm_url, bench_database() as (dsn, env):
        asyncio.run(_run(dsn, env["REDIS_URL"], fcm_url, args))


if __name__ == "__main__":
    main()
