"""A new record is told once the card is re-scored, with the points it actually moved (after the
yearly cap, the display period and a suspension), once, and never lost with the queue."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx

from backend.identity.sms import MemorySmsSender
from backend.notifications.relay import relay_all
from backend.platform import runtime
from backend.platform.calendar import today_in_shanghai
from backend.records.catalog import add_months
from backend.records.jobs import follow_up_sweep
from backend.scoring import service
from backend.scoring.jobs import rescore_behind
from tests import factories as f
from tests.conftest import BusinessDate, RunWorker

BATCH = "/v1/department/records:batch"


async def _post(client: httpx.AsyncClient, key: str, *records: dict[str, Any]) -> list[int]:
    response = await client.post(BATCH, headers={"X-Api-Key": key}, json={"records": records})
    assert response.status_code == 200, response.text
    assert response.json()["accepted"] == len(records), response.text
    return [item["recordId"] for item in response.json()["items"]]


async def _record_notices(client: httpx.AsyncClient, headers: Any) -> dict[int, Any]:
    items = (await client.get("/v1/me/notifications?limit=100", headers=headers)).json()["items"]
    notices: dict[int, Any] = {}
    for item in items:
        if item["kind"] == "record.added":
            assert item["data"]["recordId"] not in notices, "a record told twice"
            notices[item["data"]["recordId"]] = item
    return notices


async def _set_language(db: Any, language: str) -> None:
    await db.execute("UPDATE citizen_account SET language = $1", language)


async def test_each_record_states_what_it_moved_on_the_card(
    client: httpx.AsyncClient,
    sms: MemorySmsSender,
    run_worker: RunWorker,
    db: Any,
    business_date: BusinessDate,
) -> None:
    key = await f.department("civic", ["domain:traffic_safety", "domain:volunteer_service"])
    number, headers = await f.signed_up(client, sms, "13921000001")
    today = today_in_shanghai()
    volunteer = runtime.current().rules.latest.cap("volunteer")
    assert volunteer is not None and volunteer.yearly_cap is not None
    cap = volunteer.yearly_cap
    assert cap > 10
    long_ago = add_months(today, -13)  # drink driving shows 12 months: already over
    first, capped, counted, expired = await _post(
        client,
        key,
        f.record(
            number,
            "hours-1",
            "VOLUNTEER-SERVICE-HOURS",
            occurredOn=today.isoformat(),
            quantity=cap - 10,
        ),
        f.record(
            number, "hours-2", "VOLUNTEER-SERVICE-HOURS", occurredOn=today.isoformat(), quantity=24
        ),
        f.record(number, "drink-1", occurredOn=(today - dt.timedelta(days=3)).isoformat()),
        f.record(number, "drink-old", occurredOn=long_ago.isoformat()),
    )
    await relay_all()
    assert await _record_notices(client, headers) == {}  # not before re-scoring knows
    assert await run_worker() >= 1
    await relay_all()
    notices = await _record_notices(client, headers)
    assert set(notices) == {first, capped, counted, expired}
    assert notices[first]["data"]["points"] == cap - 10
    assert f"积分影响：+{cap - 10}。" in notices[first]["body"]
    # 24 hours are worth +24 by the catalog; the cap left +10, and the notice says +10.
    assert notices[capped]["data"]["points"] == 10
    assert "积分影响：+10（本年度同类加分已达上限，应得 +24）。" in notices[capped]["body"]
    assert "志愿服务时长" in notices[capped]["body"]
    assert "积分影响：-30。" in notices[counted]["body"]
    # Reported already past its display period: it moved nothing, and says why.
    display_end = add_months(long_ago, 12)
    assert notices[expired]["data"]["points"] == 0
    assert (
        f"积分影响：不计分（公示期已于 {display_end.isoformat()} 届满）。"
        in (notices[expired]["body"])
    )
    card = (await client.get("/v1/me/card", headers=headers)).json()
    assert card["points"] == 1000 + cap - 30
    assert sum(n["data"]["points"] for n in notices.values()) == card["points"] - 1000

    # Re-scored again, by the job or by the nightly run: nothing is told twice.
    citizen_id = await db.fetchval("SELECT max(id) FROM citizen")
    await service.rescore(citizen_id, reason="full-rescore")
    business_date(today + dt.timedelta(days=1))
    await service.rescore(citizen_id, reason="date-boundary")
    await relay_all()
    assert len(await _record_notices(client, headers)) == 4
    assert await db.fetchval("SELECT count(*) FROM outbox_event WHERE kind = 'record.added'") == 4


async def test_the_notice_is_in_the_citizen_language(
    client: httpx.AsyncClient, sms: MemorySmsSender, run_worker: RunWorker, db: Any
) -> None:
    key = await f.department("police", ["domain:traffic_safety"])
    number, headers = await f.signed_up(client, sms, "13921000002")
    await _set_language(db, "en")
    long_ago = add_months(today_in_shanghai(), -13)
    counted, expired = await _post(
        client,
        key,
        f.record(number, "en-1"),
        f.record(number, "en-old", occurredOn=long_ago.isoformat()),
    )
    await run_worker()
    await relay_all()
    notices = await _record_notices(client, headers)
    assert notices[counted]["body"] == (
        "Department police reported a record: Driving after drinking. Points effect: -30."
    )
    assert notices[expired]["body"].endswith(
        f"Points effect: none (its display period ended on {add_months(long_ago, 12)})."
    )
    for notice in notices.values():
        assert "TRAFFIC-DRINK-DRIVING" not in notice["title"] + notice["body"]


async def test_a_record_after_the_first_card_is_told_with_the_score_change(
    client: httpx.AsyncClient, sms: MemorySmsSender, run_worker: RunWorker, db: Any
) -> None:
    key = await f.department("police", ["domain:traffic_safety"])
    number, headers = await f.signed_up(client, sms, "13921000003")
    assert (await client.get("/v1/me/card", headers=headers)).json()["points"] == 1000
    [record_id] = await _post(client, key, f.record(number, "later-1"))
    await run_worker()
    await relay_all()
    items = (await client.get("/v1/me/notifications", headers=headers)).json()["items"]
    kinds = [item["kind"] for item in items]
    assert kinds.count("record.added") == 1 and kinds.count("score.changed") == 1
    [notice] = [item for item in items if item["kind"] == "record.added"]
    assert notice["data"]["recordId"] == record_id and "积分影响：-30。" in notice["body"]


async def test_a_notice_lost_with_the_queue_is_sent_by_the_sweep(
    client: httpx.AsyncClient, sms: MemorySmsSender, run_worker: RunWorker, db: Any
) -> None:
    key = await f.department("police", ["domain:traffic_safety"])
    number, headers = await f.signed_up(client, sms, "13921000004")
    [record_id] = await _post(client, key, f.record(number, "lost-1"))
    assert await follow_up_sweep({}) == 1  # the counter moves; its re-scoring job is queued
    redis = runtime.current().redis
    namespace = runtime.current().settings.redis_namespace
    lost = [k async for k in redis.scan_iter(match=f"arq:*{namespace}*")]
    lost += [k async for k in redis.scan_iter(match=f"{namespace}:queue*")]
    await redis.delete(*lost)  # as if Redis lost the queue with the re-scoring job in it
    assert await run_worker() == 0
    assert await rescore_behind({}) == 1
    assert await run_worker() == 1
    await relay_all()
    assert set(await _record_notices(client, headers)) == {record_id}


async def test_a_suspended_record_says_its_penalty_waits(
    client: httpx.AsyncClient, sms: MemorySmsSender, db: Any
) -> None:
    """Under objection before the card counted it (an objection filed at once): 0, in words."""
    key = await f.department("police", ["domain:traffic_safety"])
    number, headers = await f.signed_up(client, sms, "13921000005")
    [record_id] = await _post(client, key, f.record(number, "held-1"))
    await db.execute("UPDATE record SET under_objection = true WHERE id = $1", record_id)
    citizen_id = await db.fetchval("SELECT max(id) FROM citizen")
    await service.rescore(citizen_id)
    await relay_all()
    notice = (await _record_notices(client, headers))[record_id]
    assert notice["data"]["points"] == 0 and notice["data"]["counting"] == "suspended"
    assert "积分影响：暂不计分（异议核查期间暂停扣分，暂缓 -30）。" in notice["body"]
