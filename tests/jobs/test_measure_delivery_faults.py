"""Measure triggers delivered by real worker processes while the receiver holds a request and
the worker is killed (SIGKILL) mid-delivery: the next worker sends it again, and the receiver,
deduplicating on the event id, acknowledges every event exactly once and in order."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from backend.enforcement import service
from backend.platform.config import Settings
from backend.platform.database import connection
from tests import factories as f
from tests.api.objections.helpers import citizen, days_ago
from tests.fakes.webhook import WebhookReceiver
from tests.processes import service_env, start_worker, stop, wait_until

DEBTOR = "JUDICIAL-DISHONEST-JUDGMENT-DEBTOR"


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    server = WebhookReceiver().start()
    yield server
    if server.hold is not None:
        server.hold.set()
    server.stop()


async def _undelivered() -> int:
    async with connection() as conn:
        count: int = await conn.fetchval(
            "SELECT count(*) FROM measure_event WHERE delivered_at IS NULL"
        )
    return count


async def test_a_worker_killed_mid_delivery_loses_nothing(
    client: httpx.AsyncClient,
    sms: Any,
    settings: Settings,
    receiver: WebhookReceiver,
    tmp_path: Path,
) -> None:
    from backend.enforcement.webhooks import set_hook
    from backend.identity.principals import OfficerPrincipal

    body_id, _ = await _enforcer()
    hook = await set_hook(body_id, receiver.url, OfficerPrincipal(1, "t", ("admin",), "t"))
    receiver.secret = hook.secret
    court = await f.department("court", ["domain:judicial_litigation"])
    for n in range(5):
        await citizen(client, sms, f"1394000010{n}", [(DEBTOR, days_ago(40 + n))], key=court)
    assert (await service.reconcile())["triggered"] == 5
    receiver.hold = threading.Event()  # the receiver takes the first request and keeps it
    env = service_env(
        settings,
        database_url=settings.database_url or "",
        redis_url=settings.redis_url or "",
        var=tmp_path,
    )
    first = start_worker(env, tmp_path / "worker-1.log")
    second = None
    try:
        await wait_until(lambda: _any_request(receiver), seconds=60)
        first.send_signal(signal.SIGKILL)  # killed while its request is in the air
        first.wait(timeout=10)
        receiver.hold.set()
        assert await _undelivered() == 5  # nothing was recorded as delivered
        second = start_worker(env, tmp_path / "worker-2.log")

        async def drained() -> bool:
            return await _undelivered() == 0

        await wait_until(drained, seconds=60)
    finally:
        stop(first, second)
    async with connection() as conn:
        ids = [r["id"] for r in await conn.fetch("SELECT id FROM measure_event ORDER BY id")]
    assert receiver.acknowledged == ids  # each once, in event order
    assert all(r.signed for r in receiver.received)
    sent = [r.event_id for r in receiver.received]
    assert sent.count(ids[0]) == 2 and len(sent) == len(ids) + 1  # the one in the air came again


async def _any_request(receiver: WebhookReceiver) -> bool:
    return receiver.pending > 0 or len(receiver.received) > 0


async def _enforcer() -> tuple[int, str]:
    from backend.identity import service as identity

    return await identity.create_api_client(
        "department", "venues", "场所", ["measure:high-consumption-restriction"]
    )
