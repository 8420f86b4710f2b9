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
from tests.conftest import BusinessDate

BATCH = "/v1/department/records:batch"


async def _scored(
    client: httpx.AsyncClient, sms: MemorySmsSender, phone: str, key: str, bad: int
) -> Any:
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
    # Both were first scored this month: the change is from the base points, said as a first.
    assert (bottom[0]["data"]["pointsChange"], bottom[0]["data"]["firstMonth"]) == (-30, True)
    assert "本月积分 970（首月，较初始积分 1000 -30）" in bottom[0]["body"]
    assert (top[0]["data"]["pointsChange"], top[0]["data"]["comparedWith"]) == (0, 1000)
    assert "本月积分 1000（首月，与初始积分 1000 持平）" in top[0]["body"]


def _first_of_next_month(day: dt.date) -> dt.date:
    return (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)


async def test_a_later_month_compares_with_the_month_before(
    client: httpx.AsyncClient, sms: MemorySmsSender, db: Any, business_date: BusinessDate
) -> None:
    key = await f.department()
    number, headers = await f.signed_up(client, sms, "13970000003")
    today = today_in_shanghai()
    last_month_end = today.replace(day=1) - dt.timedelta(days=1)
    early = (today - dt.timedelta(days=60)).isoformat()
    await client.post(
        BATCH,
        headers={"X-Api-Key": key},
        json={"records": [f.record(number, "m-1", occurredOn=early)]},
    )
    citizen_id = await db.fetchval("SELECT max(id) FROM citizen")
    business_date(last_month_end)
    await service.rescore(citizen_id)  # first scored last month: 970
    business_date(0)
    later = f.record(number, "m-2", occurredOn=today.isoformat())
    await client.post(BATCH, headers={"X-Api-Key": key}, json={"records": [later]})
    await service.rescore(citizen_id)  # this month: 940
    await db.execute("UPDATE citizen_account SET language = 'en'")
    assert await monthly_summary({}, _first_of_next_month(today).isoformat()) == 1
    await relay_all()
    [summary] = [n for n in await _inbox(client, headers) if n["kind"] == "monthly.summary"]
    data = summary["data"]
    assert (data["points"], data["pointsChange"], data["comparedWith"]) == (940, -30, 970)
    assert data["firstMonth"] is False and data["percentile"] is None
    assert summary["body"] == (
        "Points 940 (-30 on last month), grade Fair integrity, ranking not yet computed,"
        " 0 new badges. Next: +20 → A"
    )
