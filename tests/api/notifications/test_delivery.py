"""Outbox → relay → inbox and push through the real firebase-admin path to a fake FCM server."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
import pytest

from backend.identity import service as identity
from backend.identity.sms import MemorySmsSender
from backend.notifications.events import CaseChanged, RecordAdded, ScoreChanged, emit_event
from backend.notifications.health import expire_overdue
from backend.notifications.relay import quiet_until, relay_all
from backend.notifications.sending import send_once
from backend.platform.audit import Actor
from backend.platform.database import connection, transaction
from backend.verification.query_log import write_query_log
from tests import factories as f
from tests.conftest import RunWorker
from tests.fakes.fcm import FakeFcm

TOKEN_A = "fcm-token-aaaaaaaaaaaaaaaaaaaaaaaa"
TOKEN_B = "fcm-token-bbbbbbbbbbbbbbbbbbbbbbbb"


async def send_all(now: dt.datetime | None = None) -> int:
    """Send batches until none is due (the worker's pump does the same, one batch at a time)."""
    total = 0
    while sent := await send_once(now):
        total += sent
    return total


async def _citizen(client: httpx.AsyncClient, sms: MemorySmsSender, phone: str) -> Any:
    _, headers = await f.signed_up(client, sms, phone)
    async with connection() as conn:
        citizen_id = await conn.fetchval("SELECT max(id) FROM citizen")
    return citizen_id, headers


async def _device(client: httpx.AsyncClient, headers: Any, token: str) -> int:
    response = await client.post(
        "/v1/me/devices", headers=headers, json={"token": token, "platform": "android"}
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


async def _emit(citizen_id: int, event: Any, dedupe: str | None = None) -> None:
    async with transaction() as conn:
        await emit_event(conn, citizen_id, event, dedupe_key=dedupe)


def _record_added(points: int = -30) -> RecordAdded:
    return RecordAdded(
        record_id=7, record_title="饮酒后驾驶机动车", department="市交警支队", points=points
    )


async def test_event_reaches_inbox_and_phone(
    client: httpx.AsyncClient, sms: MemorySmsSender, fcm: FakeFcm, firebase: None
) -> None:
    citizen_id, headers = await _citizen(client, sms, "13950000001")
    await _device(client, headers, TOKEN_A)
    await _emit(citizen_id, _record_added())
    assert await relay_all() == 1
    assert await relay_all() == 0  # idempotent
    assert await send_all() == 1
    [push] = fcm.delivered()
    assert push.token == TOKEN_A and push.title == "新增信用记录"
    assert "饮酒后驾驶机动车" in push.body and push.data["kind"] == "record.added"
    assert push.collapse_key == f"citizen-{citizen_id}"
    assert push.authorization == "Bearer fake-access-token"
    assert push.path == "/v1/projects/citizen-credit-test/messages:send"
    inbox = (await client.get("/v1/me/notifications", headers=headers)).json()
    assert inbox["unread"] == 1 and inbox["items"][0]["title"] == "新增信用记录"
    assert await send_all() == 0


async def test_inbox_read_and_paging(client: httpx.AsyncClient, sms: MemorySmsSender) -> None:
    citizen_id, headers = await _citizen(client, sms, "13950000002")
    for points in (-10, -20, -30):
        await _emit(citizen_id, _record_added(points))
    await relay_all()
    first = (await client.get("/v1/me/notifications?limit=2", headers=headers)).json()
    assert len(first["items"]) == 2 and first["unread"] == 3 and first["nextCursor"]
    rest = (
        await client.get(f"/v1/me/notifications?cursor={first['nextCursor']}", headers=headers)
    ).json()
    assert len(rest["items"]) == 1
    one = first["items"][0]["id"]
    read = await client.post(f"/v1/me/notifications/{one}/read", headers=headers)
    assert read.status_code == 200 and read.json()["readAt"]
    unread = (await client.get("/v1/me/notifications?unreadOnly=true", headers=headers)).json()
    assert unread["unread"] == 2 and one not in [n["id"] for n in unread["items"]]
    assert (await client.post("/v1/me/notifications:read-all", headers=headers)).json() == {
        "marked": 2
    }
    _, other_headers = await _citizen(client, sms, "13950000003")
    stolen = await client.post(f"/v1/me/notifications/{one}/read", headers=other_headers)
    assert stolen.status_code == 404


async def test_5xx_then_success_is_delivered_once(
    client: httpx.AsyncClient, sms: MemorySmsSender, fcm: FakeFcm, firebase: None
) -> None:
    citizen_id, headers = await _citizen(client, sms, "13950000004")
    await _device(client, headers, TOKEN_A)
    fcm.script(TOKEN_A, "unavailable")
    await _emit(citizen_id, _record_added())
    await relay_all()
    await send_all()
    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=10)
    await send_all(later)
    assert len(fcm.delivered()) == 1
    assert [r.answered for r in fcm.received] == ["unavailable", "ok"]
    async with connection() as conn:
        status = await conn.fetchval("SELECT status FROM push_delivery")
    assert status == "sent"


async def test_quota_exceeded_is_retried_later(
    client: httpx.AsyncClient, sms: MemorySmsSender, fcm: FakeFcm, firebase: None
) -> None:
    citizen_id, headers = await _citizen(client, sms, "13950000005")
    await _device(client, headers, TOKEN_A)
    fcm.script(TOKEN_A, "quota")
    await _emit(citizen_id, _record_added())
    await relay_all()
    assert await send_all() == 1
    assert fcm.delivered() == []
    async with connection() as conn:
        row = await conn.fetchrow("SELECT status, attempts, not_before FROM push_delivery")
    assert row["status"] == "pending" and row["attempts"] == 1
    assert await send_all(row["not_before"]) == 1
    assert len(fcm.delivered()) == 1


async def test_unregistered_token_is_pruned_without_retry(
    client: httpx.AsyncClient, sms: MemorySmsSender, fcm: FakeFcm, firebase: None
) -> None:
    citizen_id, headers = await _citizen(client, sms, "13950000006")
    await _device(client, headers, TOKEN_A)
    await _device(client, headers, TOKEN_B)
    fcm.script(TOKEN_B, "unregistered")
    await _emit(citizen_id, _record_added())
    await relay_all()
    await send_all()
    await send_all(dt.datetime.now(dt.UTC) + dt.timedelta(hours=1))
    assert [r.token for r in fcm.received] == [TOKEN_A, TOKEN_B] or sorted(
        r.token for r in fcm.received
    ) == sorted([TOKEN_A, TOKEN_B])
    devices = (await client.get("/v1/me/devices", headers=headers)).json()
    assert [d["tokenTail"] for d in devices] == [TOKEN_A[-6:]]
    async with connection() as conn:
        statuses = sorted(r[0] for r in await conn.fetch("SELECT status FROM push_delivery"))
    assert statuses == ["pruned", "sent"]


async def test_preferences_and_quiet_hours_hold_push_but_not_legal_notices(
    client: httpx.AsyncClient, sms: MemorySmsSender, fcm: FakeFcm, firebase: None
) -> None:
    citizen_id, headers = await _citizen(client, sms, "13950000007")
    await _device(client, headers, TOKEN_A)
    now = dt.datetime.now(dt.UTC)
    local = now.astimezone(dt.timezone(dt.timedelta(hours=8)))
    start = (local - dt.timedelta(hours=1)).time().replace(microsecond=0, second=0)
    end = (local + dt.timedelta(hours=1)).time().replace(microsecond=0, second=0)
    prefs = await client.put(
        "/v1/me/notification-preferences",
        headers=headers,
        json={"pushOff": ["score"], "quietStart": start.isoformat(), "quietEnd": end.isoformat()},
    )
    assert prefs.status_code == 200, prefs.text
    await _emit(
        citizen_id,
        ScoreChanged(
            points=970,
            previous_points=1000,
            grade="A",
            previous_grade="A",
            grade_name="诚信良好",
            grade_name_en="Good integrity",
        ),
    )
    await _emit(citizen_id, _record_added())
    await _emit(
        citizen_id,
        CaseChanged(
            case_kind="objection", case_id=1, state="accepted", record_title="饮酒后驾驶机动车"
        ),
    )
    await relay_all(now)
    await send_all(now)
    assert [r.data["kind"] for r in fcm.delivered()] == ["case.changed"]  # legal: at once
    inbox = (await client.get("/v1/me/notifications", headers=headers)).json()
    assert inbox["unread"] == 3  # the inbox keeps everything
    await send_all(now + dt.timedelta(hours=2))  # quiet hours over
    assert sorted(r.data["kind"] for r in fcm.delivered()) == ["case.changed", "record.added"]


async def test_preferences_refuse_switching_off_legal_notices(
    client: httpx.AsyncClient, sms: MemorySmsSender
) -> None:
    _, headers = await _citizen(client, sms, "13950000008")
    response = await client.put(
        "/v1/me/notification-preferences", headers=headers, json={"pushOff": ["cases"]}
    )
    assert response.status_code == 422 and response.json()["field"] == "pushOff"
    assert response.json()["detail"] == "办件进度等依法告知的消息不能关闭推送"
    half = await client.put(
        "/v1/me/notification-preferences",
        headers={**headers, "Accept-Language": "en"},
        json={"quietStart": "22:00:00"},
    )
    assert half.status_code == 422 and half.json()["field"] == "quietEnd"
    assert half.json()["detail"] == "give both quietStart and quietEnd, or neither"


async def test_benefit_news_can_be_switched_off(
    client: httpx.AsyncClient, sms: MemorySmsSender
) -> None:
    _, headers = await _citizen(client, sms, "13950000027")
    response = await client.put(
        "/v1/me/notification-preferences", headers=headers, json={"pushOff": ["benefits"]}
    )
    assert response.status_code == 200, response.text
    assert response.json()["pushOff"] == ["benefits"]
    assert response.json()["legalCategories"] == ["cases"]


async def test_quiet_hours_are_wall_clock_times(
    client: httpx.AsyncClient, sms: MemorySmsSender
) -> None:
    _, headers = await _citizen(client, sms, "13950000028")
    path = "/v1/me/notification-preferences"
    saved = await client.put(
        path, headers=headers, json={"quietStart": "22:00", "quietEnd": "07:00"}
    )
    assert saved.status_code == 200, saved.text
    assert (saved.json()["quietStart"], saved.json()["quietEnd"]) == ("22:00:00", "07:00:00")
    assert (await client.get(path, headers=headers)).json() == saved.json()
    wrong = await client.put(
        path,
        headers={**headers, "Accept-Language": "en"},
        json={"quietStart": "25:00", "quietEnd": "07:00"},
    )
    assert wrong.status_code == 422 and wrong.json()["field"] == "quietStart"
    assert "24-hour time" in wrong.json()["errors"][0]["reason"]


def test_quiet_hours_wrap_midnight() -> None:
    shanghai = dt.timezone(dt.timedelta(hours=8))
    at = dt.datetime(2026, 11, 22, 23, 30, tzinfo=shanghai)
    until = quiet_until(at, dt.time(22, 0), dt.time(7, 0))
    assert until == dt.datetime(2026, 11, 23, 7, 0, tzinfo=shanghai)
    assert quiet_until(at.replace(hour=12), dt.time(22, 0), dt.time(7, 0)) is None
    early = quiet_until(at.replace(hour=6), dt.time(22, 0), dt.time(7, 0))
    assert early == dt.datetime(2026, 11, 22, 7, 0, tzinfo=shanghai)


async def test_without_credentials_push_is_skipped_and_the_inbox_works(
    client: httpx.AsyncClient, sms: MemorySmsSender
) -> None:
    citizen_id, headers = await _citizen(client, sms, "13950000009")
    await _device(client, headers, TOKEN_A)
    await _emit(citizen_id, _record_added())
    await relay_all()
    await send_all()
    async with connection() as conn:
        assert await conn.fetchval("SELECT status FROM push_delivery") == "skipped"
    assert (await client.get("/v1/me/notifications", headers=headers)).json()["unread"] == 1


async def test_a_device_token_follows_the_account_signed_in(
    client: httpx.AsyncClient, sms: MemorySmsSender
) -> None:
    _, first = await _citizen(client, sms, "13950000010")
    _, second = await _citizen(client, sms, "13950000011")
    await _device(client, first, TOKEN_A)
    device_id = await _device(client, second, TOKEN_A)
    assert (await client.get("/v1/me/devices", headers=first)).json() == []
    removed = await client.delete(f"/v1/me/devices/{device_id}", headers=first)
    assert removed.status_code == 404
    assert (await client.delete(f"/v1/me/devices/{device_id}", headers=second)).status_code == 204
    bad = await client.post("/v1/me/devices", headers=second, json={"token": "x", "platform": "x"})
    assert bad.status_code == 422


async def test_registering_a_device_creates_it_once_and_refreshes_it_after(
    client: httpx.AsyncClient, sms: MemorySmsSender
) -> None:
    _, headers = await _citizen(client, sms, "13950000025")
    body = {"token": TOKEN_B, "platform": "android"}
    created = await client.post("/v1/me/devices", headers=headers, json=body)
    assert created.status_code == 201, created.text
    location = created.headers["location"]
    assert location == f"/v1/me/devices/{created.json()['id']}"
    shown = await client.get(location, headers=headers)
    assert shown.status_code == 200 and shown.json() == created.json()
    assert created.json()["tokenTail"] == TOKEN_B[-6:]
    again = await client.post("/v1/me/devices", headers=headers, json={**body, "platform": "ios"})
    assert again.status_code == 200 and "location" not in again.headers
    assert again.json()["id"] == created.json()["id"] and again.json()["platform"] == "ios"
    assert again.json()["createdAt"] == created.json()["createdAt"]
    assert [d["id"] for d in (await client.get("/v1/me/devices", headers=headers)).json()] == [
        created.json()["id"]
    ]


async def test_a_device_that_is_not_yours_is_not_found_in_your_language(
    client: httpx.AsyncClient, sms: MemorySmsSender
) -> None:
    _, headers = await _citizen(client, sms, "13950000026")
    zh = await client.get("/v1/me/devices/999999", headers=headers)
    assert zh.status_code == 404 and zh.json()["detail"] == "你的设备中没有编号为 999999 的设备"
    en = await client.delete("/v1/me/devices/999999", headers={**headers, "Accept-Language": "en"})
    assert en.status_code == 404 and en.json()["detail"] == "device 999999 is not one of yours"
    bad = await client.post(
        "/v1/me/devices",
        headers=headers,
        json={"token": "bad token with spaces!", "platform": "ios"},
    )
    assert bad.status_code == 422 and bad.json()["field"] == "token"
    assert "[" not in bad.json()["errors"][0]["reason"]  # words, not the pattern


@pytest.mark.parametrize("language", ["en"])
async def test_texts_follow_the_citizen_language(
    client: httpx.AsyncClient, sms: MemorySmsSender, language: str
) -> None:
    citizen_id, headers = await _citizen(client, sms, "13950000012")
    async with connection() as conn:
        await conn.execute("UPDATE citizen_account SET language = $1", language)
    await _emit(citizen_id, _record_added())
    await relay_all()
    item = (await client.get("/v1/me/notifications", headers=headers)).json()["items"][0]
    assert item["title"] == "New credit record"


async def test_department_record_to_phone_end_to_end(
    client: httpx.AsyncClient,
    sms: MemorySmsSender,
    fcm: FakeFcm,
    firebase: None,
    run_worker: RunWorker,
) -> None:
    key = await f.department("police", ["domain:traffic_safety"])
    number, headers = await f.signed_up(client, sms, "13950000013")
    await _device(client, headers, TOKEN_A)
    posted = await client.post(
        "/v1/department/records:batch",
        headers={"X-Api-Key": key},
        json={"records": [f.record(number, "e2e-1")]},
    )
    record_id = posted.json()["items"][0]["recordId"]
    assert await relay_all() == 0  # told once re-scoring knows what the record moved
    assert await run_worker() >= 1
    assert await relay_all() == 1
    await send_all()
    [push] = fcm.delivered()
    assert push.token == TOKEN_A and push.title == "新增信用记录"
    # Only ids travel through FCM; the words are in the notification, the facts in the inbox.
    assert set(push.data) == {"kind", "notificationId", "eventId"}
    assert push.data["kind"] == "record.added" and push.data["eventId"].isdigit()
    inbox = (await client.get("/v1/me/notifications", headers=headers)).json()["items"]
    assert inbox[0]["data"]["recordId"] == record_id and "Department police" in inbox[0]["body"]


async def test_case_states_are_named_in_the_citizen_language(
    client: httpx.AsyncClient, sms: MemorySmsSender
) -> None:
    citizen_id, headers = await _citizen(client, sms, "13950000014")
    await _emit(
        citizen_id,
        CaseChanged(
            case_kind="objection", case_id=3, state="accepted", record_title="饮酒后驾驶机动车"
        ),
    )
    await relay_all()
    item = (await client.get("/v1/me/notifications", headers=headers)).json()["items"][0]
    assert item["title"] == "异议申请办理进度"
    assert item["body"] == "你关于“饮酒后驾驶机动车”的异议申请（编号 3）：已受理。"


async def test_an_officer_look_is_news_once_a_day_and_merchants_send_their_own(
    client: httpx.AsyncClient, sms: MemorySmsSender
) -> None:
    citizen_id, headers = await _citizen(client, sms, "13950000015")
    for _ in range(2):
        async with transaction() as conn:
            await write_query_log(
                conn,
                citizen_id,
                Actor("officer", "9"),
                "市信用办",
                seen="case",
                purpose="异议核查",
                basis="objection 1",
            )
    async with transaction() as conn:
        await write_query_log(
            conn,
            citizen_id,
            Actor("merchant", "3"),
            "市图书馆",
            seen="x",
            purpose="免押金",
            basis="code",
        )
    await relay_all()
    items = (await client.get("/v1/me/notifications", headers=headers)).json()["items"]
    assert [i["kind"] for i in items] == ["query.made"]
    assert items[0]["body"].startswith("市信用办查询了你的信用信息")


async def test_delivery_for_a_phone_that_changed_hands_is_closed_not_sent(
    client: httpx.AsyncClient, sms: MemorySmsSender, fcm: FakeFcm, firebase: None
) -> None:
    first, first_headers = await _citizen(client, sms, "13950000021")
    await _device(client, first_headers, TOKEN_A)
    await _emit(first, _record_added())
    await relay_all()
    _, second_headers = await _citizen(client, sms, "13950000022")
    await _device(client, second_headers, TOKEN_A)  # the phone now belongs to someone else
    await send_all()
    assert fcm.received == []  # the first citizen's news never reaches the new owner
    async with connection() as conn:
        row = await conn.fetchrow("SELECT status, last_error FROM push_delivery")
    assert row["status"] == "pruned" and "another account" in row["last_error"]


async def _officer_headers(client: httpx.AsyncClient) -> dict[str, str]:
    await identity.create_officer("push-watch", "correct horse battery", "值班员", ["officer"])
    signed = await client.post(
        "/v1/auth/officer/sign-in",
        json={"username": "push-watch", "password": "correct horse battery"},
    )
    return {"Authorization": f"Bearer {signed.json()['accessToken']}"}


async def test_retryable_push_is_retried_to_its_deadline_then_expired_and_counted(
    client: httpx.AsyncClient, sms: MemorySmsSender, fcm: FakeFcm, firebase: None
) -> None:
    citizen_id, headers = await _citizen(client, sms, "13950000023")
    await _device(client, headers, TOKEN_A)
    fcm.script(TOKEN_A, *(["quota"] * 50))
    await _emit(citizen_id, _record_added())
    await relay_all()
    now = dt.datetime.now(dt.UTC)
    for hours in range(0, 30, 2):  # quota errors all day: tried again and again, never dropped
        await send_all(now + dt.timedelta(hours=hours))
    async with connection() as conn:
        row = await conn.fetchrow("SELECT status, attempts FROM push_delivery")
    assert row["status"] == "expired" and 10 <= row["attempts"] <= 13, dict(row)
    officer = await _officer_headers(client)
    health = (await client.get("/v1/officer/push-deliveries/health", headers=officer)).json()
    assert health["expiredLastDay"] == 1 and health["overdue"] == 0 and health["pending"] == 0
    assert health["deadlineHours"] == 24
    citizen = await client.get("/v1/officer/push-deliveries/health", headers=headers)
    assert citizen.status_code in (401, 403)


async def test_five_minute_check_expires_what_no_sender_reached(
    client: httpx.AsyncClient, sms: MemorySmsSender
) -> None:
    citizen_id, headers = await _citizen(client, sms, "13950000024")
    await _device(client, headers, TOKEN_A)
    await _emit(citizen_id, _record_added())
    await relay_all()
    later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=25)
    assert await expire_overdue(later) == {"expired": 1, "overdueInFlight": 0}
    assert await expire_overdue(later) == {"expired": 0, "overdueInFlight": 0}


async def test_register_device_documents_both_answers(client: httpx.AsyncClient) -> None:
    document = (await client.get("/schema/openapi.json")).json()
    register = document["paths"]["/v1/me/devices"]["post"]
    assert register["operationId"] == "registerDevice"
    assert register["responses"]["201"]["headers"]["Location"]["required"] is True
    assert "already registered" in register["responses"]["200"]["description"]
    assert document["paths"]["/v1/me/devices/{device_id}"]["get"]["operationId"] == "getMyDevice"
