"""Retention jobs remove exactly what is past its period (issue 18): for each job, what is just
inside its period stays, what is just past it goes, and the job's report counts what went.

- one-time codes and refresh tokens: ONE_TIME_CODE_RETENTION_DAYS, REFRESH_TOKEN_RETENTION_DAYS
  after expiry (``purge_expired_credentials``);
- read inbox items: READ_INBOX_RETENTION_MONTHS after arrival, unread ones kept
  (``purge_read_inbox``);
- evidence files of closed cases: the catalog's ``[evidence] retention_years`` after closing
  (``purge_closed_case_evidence``): the content goes, the row stays marked;
- idempotency keys: Redis's TTL, IDEMPOTENCY_KEY_RETENTION_HOURS.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import tomllib
from typing import Any

import httpx
import msgspec
import pytest
from litestar import Litestar

from backend.cases.jobs import evidence_cutoff, purge_closed_case_evidence, years_before
from backend.identity.jobs import purge_expired_credentials
from backend.identity.sms import MemorySmsSender
from backend.notifications.jobs import months_before, purge_read_inbox
from backend.platform import runtime
from backend.platform.clock import SHANGHAI
from backend.platform.config import REPO_ROOT, Settings
from backend.platform.storage import local_storage
from backend.records.catalog import CatalogError, catalog_from_mapping
from tests import factories as f
from tests.api.objections.helpers import Citizen, citizen, count, days_ago, file_objection
from tests.api.verification import helpers as h

MINUTE = dt.timedelta(minutes=1)
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"


def _use(monkeypatch: pytest.MonkeyPatch, **settings: Any) -> None:
    current = runtime.current()
    monkeypatch.setattr(current, "settings", msgspec.structs.replace(current.settings, **settings))


# --- one-time codes and refresh tokens ----------------------------------------------------------


async def _codes(client: httpx.AsyncClient, phones: list[str]) -> None:
    for phone in phones:
        assert (await client.post("/v1/auth/codes", json={"phone": phone})).status_code == 200


async def _expire(db: Any, table: str, ages: list[dt.timedelta]) -> list[int]:
    """Give the table's rows (oldest id first) expiry times ``ages`` before now; their ids."""
    ids = [r["id"] for r in await db.fetch(f"SELECT id FROM {table} ORDER BY id")]
    assert len(ids) >= len(ages), (table, ids)
    for row_id, age in zip(ids, ages, strict=False):
        await db.execute(
            f"UPDATE {table} SET expires_at = now() - $2::interval WHERE id = $1", row_id, age
        )
    return ids[: len(ages)]


async def test_credentials_go_exactly_after_their_days(
    app: Litestar,
    client: httpx.AsyncClient,
    sms: MemorySmsSender,
    db: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _use(monkeypatch, one_time_code_retention_days=2, refresh_token_retention_days=7)
    await _codes(client, ["13950000001", "13950000002", "13950000003"])
    # Two signed-up citizens leave a refresh token each (their codes are consumed, not expired).
    await f.signed_up(client, sms, "13950000004")
    await f.signed_up(client, sms, "13950000005")
    day = dt.timedelta(days=1)
    await db.execute("UPDATE one_time_code SET expires_at = now() + interval '5 minutes'")
    codes = await _expire(db, "one_time_code", [2 * day + MINUTE, 2 * day - MINUTE, -MINUTE])
    tokens = await _expire(db, "refresh_token", [7 * day + MINUTE, 7 * day - MINUTE])

    report = await purge_expired_credentials({})

    assert report == {"codes": 1, "refreshTokens": 1}
    left_codes = {r["id"] for r in await db.fetch("SELECT id FROM one_time_code")}
    assert codes[0] not in left_codes and {codes[1], codes[2]} <= left_codes
    left_tokens = {r["id"] for r in await db.fetch("SELECT id FROM refresh_token")}
    assert tokens[0] not in left_tokens and tokens[1] in left_tokens
    assert await purge_expired_credentials({}) == {"codes": 0, "refreshTokens": 0}


# --- read inbox items ---------------------------------------------------------------------------


async def _notification(db: Any, citizen_id: int, at: dt.datetime, *, read: bool) -> int:
    event_id = await db.fetchval("SELECT coalesce(max(event_id), 0) + 1 FROM notification")
    notification_id: int = await db.fetchval(
        "INSERT INTO notification (event_id, citizen, kind, category, legal, title, body, data,"
        " created_at, read_at) VALUES ($1, $2, 'record.added', 'records', false, 't', 'b',"
        " '{}'::jsonb, $3::timestamptz, CASE WHEN $4 THEN $3::timestamptz + interval '1 hour' END)"
        " RETURNING id",
        event_id,
        citizen_id,
        at,
        read,
    )
    return notification_id


async def _delivery(db: Any, citizen_id: int, notification_id: int, status: str) -> None:
    await db.execute(
        "INSERT INTO push_delivery (notification, citizen, status, not_before, attempts,"
        " reclaimed, created_at) VALUES ($1, $2, $3, now(), 1, 0, now())",
        notification_id,
        citizen_id,
        status,
    )


async def test_read_inbox_items_go_exactly_after_their_months(
    app: Litestar, db: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _use(monkeypatch, read_inbox_retention_months=12, retention_batch_size=2)
    today = dt.date(2026, 6, 15)
    cutoff = dt.datetime(2025, 6, 15, tzinfo=SHANGHAI)  # 12 months before, 00:00 Shanghai
    just_past = cutoff - dt.timedelta(microseconds=1)
    gone = [
        await _notification(db, 7, just_past - dt.timedelta(days=d), read=True) for d in range(5)
    ]
    kept_read = await _notification(db, 7, cutoff, read=True)
    kept_unread = await _notification(db, 7, cutoff - dt.timedelta(days=400), read=False)
    other = await _notification(db, 8, cutoff + MINUTE, read=True)
    await _delivery(db, 7, gone[0], "sent")
    await _delivery(db, 7, gone[1], "pruned")
    await _delivery(db, 7, kept_read, "sent")

    report = await purge_read_inbox({}, today.isoformat())

    assert report == {"notifications": 5, "pushDeliveries": 2}  # three batches of at most two
    left = {r["id"] for r in await db.fetch("SELECT id FROM notification")}
    assert left == {kept_read, kept_unread, other}
    assert await count(db, "SELECT count(*) FROM push_delivery") == 1
    assert await purge_read_inbox({}, today.isoformat()) == {
        "notifications": 0,
        "pushDeliveries": 0,
    }


def test_months_before_keeps_the_day_or_the_months_end() -> None:
    assert months_before(dt.date(2026, 6, 15), 12) == dt.date(2025, 6, 15)
    assert months_before(dt.date(2026, 3, 31), 1) == dt.date(2026, 2, 28)
    assert months_before(dt.date(2026, 1, 10), 13) == dt.date(2024, 12, 10)


# --- evidence files of closed cases -------------------------------------------------------------


async def _case_with_file(
    client: httpx.AsyncClient, sms: MemorySmsSender, phone: str, content: bytes, key: str | None
) -> tuple[Citizen, int, int]:
    who = await citizen(client, sms, phone, [("TRAFFIC-DRINK-DRIVING", days_ago(20))], key=key)
    case_id = (await file_objection(client, who, who.records[0])).json()["objection"]["id"]
    uploaded = await client.post(
        f"/v1/me/objections/{case_id}/evidence",
        headers=who.headers,
        files=[("files", ("proof.pdf", content, "application/pdf"))],
    )
    assert uploaded.status_code == 201, uploaded.text
    return who, case_id, uploaded.json()[0]["id"]


async def _closed(db: Any, case_id: int, at: dt.datetime) -> None:
    await db.execute("UPDATE objection SET closed_at = $2 WHERE id = $1", case_id, at)


async def test_evidence_of_cases_closed_past_retention_is_purged_exactly(
    app: Litestar,
    client: httpx.AsyncClient,
    sms: MemorySmsSender,
    db: Any,
    settings: Settings,
) -> None:
    today = dt.date(2031, 6, 15)
    cutoff = evidence_cutoff(today)  # the catalog in force: 5 years unless it says otherwise
    assert cutoff == dt.datetime.combine(years_before(today, 5), dt.time(), tzinfo=SHANGHAI)
    alone = PDF + b"% alone\n"
    shared = PDF + b"% shared\n"
    old, old_case, old_file = await _case_with_file(client, sms, "13951000001", alone, None)
    _, inside_case, inside_file = await _case_with_file(
        client, sms, "13951000002", PDF + b"% inside\n", old.key
    )
    _, twin_case, twin_file = await _case_with_file(client, sms, "13951000003", shared, old.key)
    _, _, open_file = await _case_with_file(client, sms, "13951000004", shared, old.key)
    just_past = cutoff - dt.timedelta(microseconds=1)
    await _closed(db, old_case, just_past)
    await _closed(db, inside_case, cutoff)
    await _closed(db, twin_case, just_past)  # its content is also an open case's: kept
    storage = local_storage(str(settings.evidence_path))

    report = await purge_closed_case_evidence({}, today.isoformat())

    assert report == {"files": 2, "blobs": 1, "bytes": len(alone) + len(shared)}
    purged = await db.fetch("SELECT id FROM evidence_file WHERE purged_at IS NOT NULL")
    assert {r["id"] for r in purged} == {old_file, twin_file}
    assert await count(db, "SELECT count(*) FROM evidence_file") == 4  # every row stays
    assert not await storage.exists(hashlib.sha256(alone).hexdigest())
    assert await storage.exists(hashlib.sha256(shared).hexdigest())
    assert await storage.exists(hashlib.sha256(PDF + b"% inside\n").hexdigest())
    assert {inside_file, open_file}.isdisjoint({r["id"] for r in purged})
    assert await purge_closed_case_evidence({}, today.isoformat()) == {
        "files": 0,
        "blobs": 0,
        "bytes": 0,
    }
    # The citizen still sees the file's facts, and that its content is gone.
    files = (await client.get(f"/v1/me/objections/{old_case}", headers=old.headers)).json()
    assert files["evidence"][0]["purgedAt"] is not None
    assert files["evidence"][0]["sha256"] == hashlib.sha256(alone).hexdigest()
    gone = await client.get(f"/v1/me/evidence/{old_file}", headers=old.headers)
    assert gone.status_code == 404 and gone.json()["type"].endswith("evidence-purged")


def test_the_catalog_sets_the_evidence_retention() -> None:
    text = (REPO_ROOT / "content" / "catalog" / "2026.1.toml").read_text(encoding="utf-8")
    assert catalog_from_mapping(tomllib.loads(text), "seed").evidence_retention_years == 5
    longer = tomllib.loads(text + "\n[evidence]\nretention_years = 10\n")
    assert catalog_from_mapping(longer, "longer").evidence_retention_years == 10
    with pytest.raises(CatalogError, match="retention_years"):
        catalog_from_mapping(tomllib.loads(text + "\n[evidence]\nretention_years = 0\n"), "x")
    assert years_before(dt.date(2028, 2, 29), 5) == dt.date(2023, 2, 28)


# --- idempotency keys ---------------------------------------------------------------------------


async def test_idempotency_keys_expire_with_their_setting(
    app: Litestar,
    client: httpx.AsyncClient,
    sms: MemorySmsSender,
    redis: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Redis's TTL is the retention: a kept answer expires IDEMPOTENCY_KEY_RETENTION_HOURS
    after it was kept (the setting is read per request)."""
    _, headers = await f.signed_up(client, sms, "13952000001")
    previous = app.state.settings
    app.state.settings = msgspec.structs.replace(previous, idempotency_key_retention_hours=2)
    try:
        response = await client.post(
            h.CODES,
            headers={**headers, "Idempotency-Key": "retention-test-0001"},
            json={"benefit": h.LIBRARY},
        )
    finally:
        app.state.settings = previous
    assert response.status_code == 201, response.text
    keys = [k async for k in redis.scan_iter(match="*:idem:*")]
    assert len(keys) == 1
    assert 2 * 3600 - 60 <= await redis.ttl(keys[0]) <= 2 * 3600
