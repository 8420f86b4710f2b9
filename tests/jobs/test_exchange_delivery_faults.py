"""The exchange with the provincial platform run by real worker processes: the platform holds
a batch and the worker is killed (SIGKILL) while it waits for the answer; the next worker sends
the unanswered events again, and the platform, deduplicating on the event id, acknowledges
every event exactly once; none is lost."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from backend.platform.config import Settings
from backend.platform.database import connection
from tests import factories as f
from tests.api.objections.helpers import days_ago
from tests.fakes.provincial import ProvincialPlatform
from tests.processes import service_env, start_worker, stop, wait_until

SECRET = "provincial-fault-secret"
EVENTS = 7
BATCH = 3


@pytest.fixture
def platform() -> Iterator[ProvincialPlatform]:
    server = ProvincialPlatform(secret=SECRET).start()
    yield server
    if server.hold is not None:
        server.hold.set()
    server.stop()


async def _unacknowledged() -> int:
    async with connection() as conn:
        count: int = await conn.fetchval(
            "SELECT count(*) FROM exchange_event WHERE status <> 'acknowledged'"
        )
    return count


async def test_a_worker_killed_mid_batch_loses_nothing_and_sends_nothing_twice(
    client: httpx.AsyncClient, settings: Settings, platform: ProvincialPlatform, tmp_path: Path
) -> None:
    key = await f.department("traffic", ["domain:traffic_safety"])
    items = [f.record(f.id_number(), f"x-{n}", occurredOn=days_ago(10 + n)) for n in range(EVENTS)]
    posted = await client.post(
        "/v1/department/records:batch", headers={"X-Api-Key": key}, json={"records": items}
    )
    assert posted.json()["accepted"] == EVENTS, posted.text
    platform.hold = threading.Event()  # the platform takes the first batch and keeps it
    env = service_env(
        settings,
        database_url=settings.database_url or "",
        redis_url=settings.redis_url or "",
        var=tmp_path,
    )
    env.update(
        PROVINCIAL_ENDPOINT=platform.url,
        PROVINCIAL_SECRET=SECRET,
        PROVINCIAL_BATCH_SIZE=str(BATCH),
    )
    first = start_worker(env, tmp_path / "worker-1.log")
    second = None
    try:

        async def in_the_air() -> bool:
            return platform.pending > 0

        await wait_until(in_the_air, seconds=60)
        first.send_signal(signal.SIGKILL)  # killed while its batch waits for the answer
        first.wait(timeout=10)
        async with connection() as conn:
            in_flight = await conn.fetch(
                "SELECT status, count(*) AS n FROM exchange_event GROUP BY status"
            )
        assert {r["status"]: r["n"] for r in in_flight} == {"sent": BATCH, "pending": 4}
        platform.hold.set()  # the platform answers, to nobody
        second = start_worker(env, tmp_path / "worker-2.log")

        async def drained() -> bool:
            return await _unacknowledged() == 0

        await wait_until(drained, seconds=60)
    finally:
        stop(first, second)
    async with connection() as conn:
        ids = [r["id"] for r in await conn.fetch("SELECT id FROM exchange_event ORDER BY id")]
    assert len(ids) == EVENTS
    assert platform.acknowledged == ids  # each once, in event order
    assert all(b.signed for b in platform.batches)
    sent: list[Any] = [i for b in platform.batches for i in b.ids]
    assert sorted(set(sent)) == ids
    assert sent[:BATCH] == ids[:BATCH] and sent.count(ids[0]) == 2  # the batch in the air, again
    assert len(sent) == EVENTS + BATCH
