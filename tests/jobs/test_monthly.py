"""The nightly percentile and the monthly summary in the inbox, sent once per month."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx

from backend.identity.sms import MemorySmsSender
from backend.notifications.jobs import monthly_summary
from backend.notifications.relay import relay_all
from backend.platform.calendar import today_in_shanghai
from backend.platform.database import connection
from backend.scoring import service
from backend.scoring.jobs import nightly_statistics
from tests import factories as f

BATCH = "/v1/department/records:batch"


async def _scored(client: httpx.AsyncClient, sms: MemorySmsSender, phone: str, key: str,
                  bad: int) -> Any:  # fmt: skip
    number, headers = await f.signed_up(client, sms, phone)
    records = [f.record(number, f"{phone}-{n}") for n in range(bad)]
    if records:
        await client.post(BATCH, headers={"X-Api-Key": key}, json={"records": records})
    async with connection() as conn:
        citizen_id = await conn.fetchval("SELECT max(id) FROM citizen")
    await service.rescore(citizen_id)
    return headers


async def _inbox(client: httpx.AsyncClient, headers: Any) -> list[Any]:
    items: list[Any] = (await client.get("/v1/me/notifications", headers=headers)).json()["items"]
    return items


async def test_monthly_summary_with_percentile(
    client: httpx.AsyncClient, sms: MemorySmsSender
) -> None:
    key = await f.department()
    low = await _scored(client, sms, "13970000001", key, bad=1)
    high = await _scored(client, sms, "13970000002", key, bad=0)
    assert await nightly_statistics({}) == 2
    first_of_next = (today_in_shanghai().replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    assert await monthly_summary({}, first_of_next.isoformat()) == 2
    assert await monthly_summary({}, first_of_next.isoformat()) == 2  # rerun: deduplicated
    await relay_all()
    top = [n for n in await _inbox(client, high) if n["kind"] == "monthly.summary"]
    bottom = [n for n in await _inbox(client, low) if n["kind"] == "monthly.summary"]
    assert len(top) == len(bottom) == 1
    assert top[0]["kind"] == "monthly.summary" and top[0]["data"]["percentile"] == 100
    assert bottom[0]["data"]["percentile"] == 0
    assert bottom[0]["data"]["points"] == 970
    assert "超过 0% 的市民" in bottom[0]["body"]
    assert top[0]["data"]["nextStep"] == "+30 → AA"
