"""Push sending is concurrent and still exactly once: several batches are at FCM at once (the fast
fake FCM, in its own process, sees overlapping requests), never more than ``push_in_flight``,
and every push reaches it once. Not timed: the fake holds each answer a while, so the batches
overlap however slow the machine is; the throughput itself is benchmarks/bench_push.py's."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any

import msgspec
import pytest

from backend.notifications.events import RecordAdded, emit_event
from backend.notifications.pump import PushPump
from backend.notifications.push import FirebasePushSender
from backend.notifications.relay import relay_all
from backend.notifications.sending import batch_sizes, send_once
from backend.platform import runtime
from backend.platform.config import Settings
from backend.platform.database import connection, transaction
from tests.fakes.fcm_fast import fast_fcm_process, stats
from tests.processes import wait_until

IN_FLIGHT, CONCURRENCY = 40, 4
CITIZENS = 150  # one live device each; every 15th citizen also has a dead one (10)


@pytest.fixture
def fast_fcm() -> Iterator[str]:
    # Each answer waits 0.3 s at the fake: a batch is still there when the next one arrives.
    with fast_fcm_process(delay=0.3) as url:
        yield url


@pytest.fixture
async def fast_firebase(app: object, settings: Settings, fast_fcm: str) -> AsyncIterator[str]:
    """firebase-admin over HTTP/2 to the fast fake, with the sender's concurrency settings."""
    rt = runtime.current()
    original = rt.push, rt.settings
    rt.settings = msgspec.structs.replace(
        rt.settings, push_in_flight=IN_FLIGHT, push_concurrency=CONCURRENCY
    )
    rt.push = FirebasePushSender(
        msgspec.structs.replace(
            rt.settings,
            fcm_endpoint=fast_fcm,
            fcm_static_token="fake-access-token",
            fcm_project_id="citizen-credit-test",
            fcm_h2c=True,
        )
    )
    yield fast_fcm
    await rt.push.aclose()
    rt.push, rt.settings = original


async def _seed() -> None:
    devices = [(c, f"live-{c:05d}-abcdefghijklmnopqrstuvwxyz") for c in range(1, CITIZENS + 1)]
    devices += [
        (c, f"dead-{c:05d}-abcdefghijklmnopqrstuvwxyz") for c in range(15, CITIZENS + 1, 15)
    ]
    async with transaction() as conn:
        await conn.executemany(
            "INSERT INTO push_device (citizen, token, platform, created_at, last_seen_at)"
            " VALUES ($1, $2, 'android', now(), now())",
            devices,
        )
        for citizen in range(1, CITIZENS + 1):
            event = RecordAdded(
                record_id=citizen, record_title="演练记录", department="演练部门", points=-5
            )
            await emit_event(conn, citizen, event)
    assert await relay_all() == CITIZENS


async def _statuses() -> dict[str, int]:
    async with connection() as conn:
        rows = await conn.fetch("SELECT status, count(*) AS n FROM push_delivery GROUP BY status")
    return {row["status"]: row["n"] for row in rows}


async def _all_closed() -> bool:
    statuses = await _statuses()
    return not statuses.get("pending") and not statuses.get("sending")


def test_in_flight_is_split_among_the_batches() -> None:
    assert batch_sizes(100, 4) == [25, 25, 25, 25]
    assert batch_sizes(50, 4) == [13, 13, 12, 12]
    assert batch_sizes(3, 4) == [1, 1, 1]
    assert batch_sizes(10, 0) == [10]


async def test_one_round_sends_its_batches_at_once_and_never_more_than_in_flight(
    fast_firebase: str,
) -> None:
    await _seed()
    assert await send_once() == IN_FLIGHT
    seen = await asyncio.to_thread(stats, fast_firebase)
    # More than one batch was at the fake at once, and never more than push_in_flight.
    assert IN_FLIGHT // CONCURRENCY < seen["peakBusy"] <= IN_FLIGHT, seen
    assert seen["requests"] == seen["h2Streams"] == IN_FLIGHT, seen  # HTTP/2, one stream each


async def test_pump_delivers_every_push_once_with_batches_overlapping(fast_firebase: str) -> None:
    await _seed()
    pump = PushPump(idle_seconds=0.1)
    pump.start()
    try:
        await wait_until(_all_closed, 120)
    finally:
        await pump.stop()
    seen: dict[str, Any] = await asyncio.to_thread(stats, fast_firebase)
    assert seen["accepted"] == CITIZENS and seen["acceptedTwice"] == 0, seen
    assert seen["answers"] == {"ok": CITIZENS, "unregistered": CITIZENS // 15}, seen
    assert IN_FLIGHT // CONCURRENCY < seen["peakBusy"] <= IN_FLIGHT, seen
    assert await _statuses() == {"sent": CITIZENS, "pruned": CITIZENS // 15}
    async with connection() as conn:
        dead = await conn.fetchval("SELECT count(*) FROM push_device WHERE token LIKE 'dead-%'")
    assert dead == 0
    # stop() waited for every loop of the pump: none is left running.
    assert not [t.get_name() for t in asyncio.all_tasks() if t.get_name().startswith("push-")]
