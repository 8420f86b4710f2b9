"""Measures between bodies (发起 → 响应 → 反馈): a serious record triggers its measures at the
bodies that enforce them, by signed webhook or the feed; they feed back; a repair lifts them the
same day; the citizen sees each step; a receiver that fails for a while, and a sender cut off
mid-delivery, lose nothing and deliver each event once per id, in order."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from backend.enforcement import delivery, service
from backend.identity.sms import MemorySmsSender
from backend.platform import runtime
from backend.platform.calendar import add_working_days
from tests import factories as f
from tests.api.identity.problems import assert_problem
from tests.api.objections.helpers import citizen, days_ago, repair_body
from tests.conftest import BusinessDate
from tests.fakes.webhook import WebhookReceiver

DEBTOR = "JUDICIAL-DISHONEST-JUDGMENT-DEBTOR"  # serious; high consumption, flights, rail, …
COURT = ["domain:judicial_litigation"]
FEED = "/v1/department/measure-events"


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    server = WebhookReceiver().start()
    yield server
    server.stop()


async def _bodies(
    client: httpx.AsyncClient, receiver: WebhookReceiver
) -> tuple[dict[str, str], dict[str, str]]:
    """Two enforcing bodies: the venues (webhook) and the airlines (feed)."""
    venues = {"X-Api-Key": await f.department("venues", ["measure:high-consumption-restriction"])}
    airlines = {"X-Api-Key": await f.department("airlines", ["measure:flight-restriction"])}
    admin = await _admin(client)
    venues_id = await _client_id("venues")
    bad = await client.put(
        f"/v1/officer/api-clients/{venues_id}/webhook", headers=admin, json={"url": "ftp://x.cn/e"}
    )
    assert_problem(bad, 422, "validation-failed", field="url")
    hook = await client.put(
        f"/v1/officer/api-clients/{venues_id}/webhook", headers=admin, json={"url": receiver.url}
    )
    assert hook.status_code == 200, hook.text
    receiver.secret = hook.json()["secret"]
    return venues, airlines


async def _admin(client: httpx.AsyncClient) -> dict[str, str]:
    from backend.identity import service as identity

    await identity.create_officer("boss", "correct horse battery staple", "boss", ["admin"])
    signed = await client.post(
        "/v1/auth/officer/sign-in",
        json={"username": "boss", "password": "correct horse battery staple"},
    )
    return {"Authorization": f"Bearer {signed.json()['accessToken']}"}


async def _client_id(code: str) -> int:
    from backend.platform.database import connection

    async with connection() as conn:
        found: int = await conn.fetchval("SELECT id FROM api_client WHERE code = $1", code)
    return found


async def _run_jobs() -> dict[str, int]:
    changed = await service.reconcile()
    changed |= await delivery.deliver_all()
    return changed


async def test_a_serious_record_is_triggered_applied_repaired_and_lifted_the_same_day(
    client: httpx.AsyncClient, sms: MemorySmsSender, receiver: WebhookReceiver
) -> None:
    venues, airlines = await _bodies(client, receiver)
    court = await f.department("court", COURT)
    who = await citizen(client, sms, "13950000001", [(DEBTOR, days_ago(400))], key=court)
    assert (await _run_jobs())["triggered"] == 2
    assert (await service.reconcile())["triggered"] == 0  # idempotent

    [pushed] = receiver.received
    assert pushed.signed and pushed.body["action"] == "trigger"
    assert pushed.body["payload"]["measure"]["code"] == "high-consumption-restriction"
    assert pushed.body["payload"]["person"]["idNumber"] == who.number
    page = (await client.get(f"{FEED}?after=0", headers=airlines)).json()
    [pulled] = page["items"]
    assert pulled["payload"]["measure"]["code"] == "flight-restriction"
    assert (await client.get(FEED, headers=venues)).json()["items"][0]["id"] == pushed.event_id

    today = runtime.clock().today().isoformat()
    for headers, event_id in ((venues, pushed.event_id), (airlines, pulled["id"])):
        answered = await client.post(
            f"{FEED}/{event_id}/feedback", headers=headers, json={"result": "applied"}
        )
        assert answered.status_code == 200, answered.text
        assert answered.json()["status"] == "applied" and answered.json()["appliedOn"] == today
    mine = (await client.get("/v1/me/measures", headers=who.headers)).json()["items"]
    assert {(m["body"], m["status"]) for m in mine} == {
        ("Department venues", "applied"),
        ("Department airlines", "applied"),
    }

    # the citizen repairs the record; the court approves; both bodies get the lift today
    applied = await client.post(
        "/v1/me/repair-applications",
        headers=who.headers,
        json=repair_body(who.records[0], "obligation_fulfilled"),
    )
    assert applied.status_code == 201, applied.text
    case = applied.json()["application"]["id"]
    reason = {"reason": "已履行判决义务"}
    await client.post(
        f"/v1/department/repairs/{case}/acceptance", headers={"X-Api-Key": court}, json=reason
    )
    approved = await client.post(
        f"/v1/department/repairs/{case}/approval", headers={"X-Api-Key": court}, json=reason
    )
    assert approved.status_code == 200, approved.text
    assert (await _run_jobs())["lifted"] == 2
    lift = receiver.received[-1]
    assert lift.body["action"] == "lift" and lift.body["payload"]["cause"] == "repaired"
    page = (await client.get(f"{FEED}?after={pulled['id']}", headers=airlines)).json()
    [lifted] = page["items"]
    for headers, event_id in ((venues, lift.event_id), (airlines, lifted["id"])):
        answered = await client.post(
            f"{FEED}/{event_id}/feedback", headers=headers, json={"result": "lifted"}
        )
        assert answered.json()["liftedOn"] == today, answered.text
    mine = (await client.get("/v1/me/measures", headers=who.headers)).json()["items"]
    assert {(m["status"], m["inForce"], m["liftSentOn"], m["liftedOn"]) for m in mine} == {
        ("lifted", False, today, today)
    }


async def test_feedback_is_checked_and_late_feedback_escalates(
    client: httpx.AsyncClient,
    sms: MemorySmsSender,
    receiver: WebhookReceiver,
    business_date: BusinessDate,
) -> None:
    venues, airlines = await _bodies(client, receiver)
    court = await f.department("court", COURT)
    await citizen(client, sms, "13950000002", [(DEBTOR, days_ago(30))], key=court)
    await _run_jobs()
    [event] = (await client.get(FEED, headers=airlines)).json()["items"]
    url = f"{FEED}/{event['id']}/feedback"
    wrong = await client.post(url, headers=airlines, json={"result": "lifted"})
    assert_problem(wrong, 422, "feedback-not-for-this-event", field="result")
    bare = await client.post(url, headers=airlines, json={"result": "not-applicable"})
    assert_problem(bare, 422, "reason-required", field="reason")
    other = await client.post(url, headers=venues, json={"result": "applied"})
    assert_problem(other, 404, "measure-event-not-found")
    missing = await client.post(
        f"{FEED}/999999999/feedback", headers=venues, json={"result": "applied"}
    )
    assert_problem(missing, 404, "measure-event-not-found")

    due = add_working_days(runtime.clock().today(), 5)
    business_date(due)
    assert await service.escalate() == 0
    business_date(add_working_days(due, 1))
    assert await service.escalate() == 2  # both bodies let it lapse
    late = await client.post(
        url, headers=airlines, json={"result": "not-applicable", "reason": "当事人无乘机记录"}
    )
    assert late.status_code == 200 and late.json()["escalated"] is True
    again = await client.post(
        url, headers=airlines, json={"result": "not-applicable", "reason": "当事人无乘机记录"}
    )
    assert again.status_code == 200  # the same answer twice changes nothing
    officer = await _officer_token(client)
    queue = (await client.get(FEED.replace("department", "officer"), headers=officer)).json()
    assert [(i["body"], i["lapsed"]) for i in queue["items"]] == [("Department venues", True)]
    changed = await client.post(url, headers=airlines, json={"result": "applied"})
    assert_problem(changed, 409, "feedback-out-of-date")
    # the body's late answer counts against it beside its reporting and case handling
    from backend.statistics import service as statistics

    bodies = {b.department.code: b for b in (await statistics.integrity_statistics(12)).bodies}
    assert (bodies["airlines"].feedback.handled, bodies["airlines"].feedback.late) == (1, 1)
    assert (bodies["venues"].feedback.handled, bodies["venues"].feedback.late) == (0, 1)


async def _pass_time(db: Any) -> None:
    """The backoff has passed (a test does not wait minutes)."""
    await db.execute("UPDATE measure_event SET next_attempt_at = now() WHERE delivered_at IS NULL")


async def test_a_failing_receiver_and_a_cut_sender_lose_nothing_and_keep_the_order(
    client: httpx.AsyncClient, sms: MemorySmsSender, receiver: WebhookReceiver, db: Any
) -> None:
    venues, _ = await _bodies(client, receiver)
    court = await f.department("court", COURT)
    records = []
    for n in range(3):
        who = await citizen(client, sms, f"1395000010{n}", [(DEBTOR, days_ago(30 + n))], key=court)
        records += who.records
    assert (await service.reconcile())["triggered"] == 6  # 3 citizens × 2 bodies
    receiver.fail_next(4)  # the receiver is down for a while
    for _ in range(4):
        result = await delivery.deliver_all()
        assert (
            result["delivered"] == 0 and result["failed"] == 1
        )  # the head waits, the rest behind it
        await _pass_time(db)
    # a sender cut off while the receiver holds the request: the event stays undelivered
    receiver.hold = threading.Event()
    with pytest.raises(asyncio.TimeoutError):
        await asyncio.wait_for(delivery.deliver_all(), timeout=0.5)
    receiver.hold.set()
    receiver.hold = None
    await asyncio.sleep(0.2)
    await _pass_time(db)
    assert (await delivery.deliver_all())["delivered"] == 3
    ours = [e["id"] for e in (await client.get(FEED, headers=venues)).json()["items"]]
    assert receiver.acknowledged == ours  # each once, in event order
    statuses = [r.status for r in receiver.received if r.event_id == ours[0]]
    assert statuses[:4] == [500] * 4 and statuses.count(200) >= 1
    # the other three are the airlines' feed events: never pushed, read from the feed

    # the records are revoked: the lifts go the same way through a receiver that fails a while
    for record_id in records:
        revoked = await client.post(
            f"/v1/department/records/{record_id}/revocation",
            headers={"X-Api-Key": court},
            json={"reason": "判决已撤销"},
        )
        assert revoked.status_code == 200, revoked.text
    assert (await service.reconcile())["lifted"] == 6
    receiver.fail_next(2)
    for _ in range(2):
        assert (await delivery.deliver_all())["failed"] == 1
        await _pass_time(db)
    assert (await delivery.deliver_all())["delivered"] == 3
    pushed = [e for e in (await client.get(f"{FEED}?limit=500", headers=venues)).json()["items"]]
    assert receiver.acknowledged == [e["id"] for e in pushed]  # triggers, then lifts, each once
    assert [e["action"] for e in pushed] == ["trigger"] * 3 + ["lift"] * 3
    per_record = {}
    for e in pushed:  # in order per citizen and measure: a record's trigger before its lift
        per_record.setdefault(e["payload"]["record"]["id"], []).append(e["action"])
    assert set(map(tuple, per_record.values())) == {("trigger", "lift")}


async def test_a_correction_that_no_longer_carries_the_measure_lifts_it(
    client: httpx.AsyncClient, sms: MemorySmsSender, receiver: WebhookReceiver
) -> None:
    venues, airlines = await _bodies(client, receiver)
    court = await f.department("court", COURT)
    who = await citizen(client, sms, "13950000201", [(DEBTOR, days_ago(30))], key=court)
    assert (await _run_jobs())["triggered"] == 2
    corrected = await client.post(
        f"/v1/department/records/{who.records[0]}/correction",
        headers={"X-Api-Key": court},
        json={"reason": "更正为一般失信", "recordType": "LITIGATION-BREACH-JUDGMENT"},
    )
    assert corrected.status_code == 200, corrected.text
    assert (await _run_jobs())["lifted"] == 2
    lift = receiver.received[-1]
    assert lift.body["action"] == "lift" and lift.body["payload"]["cause"] == "no-longer-applies"
    [trigger, lifted] = (await client.get(FEED, headers=airlines)).json()["items"]
    # the old trigger is no longer the one to answer
    stale = await client.post(
        f"{FEED}/{trigger['id']}/feedback", headers=airlines, json={"result": "applied"}
    )
    assert_problem(stale, 409, "feedback-out-of-date")
    answered = await client.post(
        f"{FEED}/{lifted['id']}/feedback", headers=airlines, json={"result": "lifted"}
    )
    assert answered.status_code == 200 and answered.json()["status"] == "lifted"
    future = await client.post(
        f"{FEED}/{lift.event_id}/feedback",
        headers=venues,
        json={"result": "lifted", "on": "2099-01-01"},
    )
    assert_problem(future, 422, "feedback-date-out-of-range", field="on")
    assert "idNumber" not in str(await _stored_payloads())  # never at rest in a payload


async def _stored_payloads() -> list[str]:
    from backend.platform.database import connection

    async with connection() as conn:
        return [r["payload"] for r in await conn.fetch("SELECT payload::text FROM measure_event")]


@pytest.mark.parametrize(
    "url",
    [
        "http://enforce.example.gov.cn/events",  # not https
        "https://127.0.0.1/events",
        "https://10.1.2.3/events",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/events",
        "https://localhost/events",
    ],
)
async def test_production_webhooks_never_point_inside(url: str) -> None:
    from backend.enforcement.webhooks import check_url
    from backend.platform.errors import InvalidInput

    with pytest.raises(InvalidInput) as refused:
        await check_url(url, production=True)
    assert refused.value.field == "url"
    await check_url(url, production=False)  # development and tests deliver locally


async def _officer_token(client: httpx.AsyncClient) -> dict[str, str]:
    from backend.identity import service as identity

    await identity.create_officer("watcher", "correct horse battery staple", "w", ["officer"])
    signed = await client.post(
        "/v1/auth/officer/sign-in",
        json={"username": "watcher", "password": "correct horse battery staple"},
    )
    return {"Authorization": f"Bearer {signed.json()['accessToken']}"}
