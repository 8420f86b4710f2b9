"""Government integrity on ingest (政务诚信): each record keeps the day it was reported beside the
day of its decision and whether that was later than the content's limit (7 working days, on the
public-holiday calendar), and names the subject's key occupational group (重点职业人群) only from
the list in content, by code or Chinese name; a record type the catalog marks for some groups
only needs one of them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import asyncpg
import httpx
import pytest

from backend.platform import runtime
from backend.records import integrity
from backend.records.catalog import catalogs_from_sources, default_catalog_dir
from tests import factories as f
from tests.api.records.helpers import api_key, assert_problem, post_batch
from tests.conftest import BusinessDate

D = dt.date
AGENT_TYPE = "REAL-ESTATE-AGENT-MISCONDUCT"  # intermediary_services, general
SCOPES = ["domain:traffic_safety", "domain:intermediary_services"]


def _url(record_id: int, action: str | None = None) -> str:
    return f"/v1/department/records/{record_id}" + (f"/{action}" if action else "")


async def _stored(db: asyncpg.Connection[Any], reference: str) -> asyncpg.Record:
    row = await db.fetchrow(
        "SELECT id, occupational_group, decided_on, reported_on, reported_late FROM record"
        " WHERE source_reference = $1",
        reference,
    )
    assert row is not None, reference
    return row


@pytest.fixture
def agents_only(app: object) -> Iterator[None]:
    """The running app on the shipped catalog with one change: the real-estate agents' record
    type applies to real-estate agents and asset appraisers only."""
    rt = runtime.current()
    previous = rt.catalogs
    text = (default_catalog_dir() / "2026.1.toml").read_text(encoding="utf-8")
    anchor = f'code = "{AGENT_TYPE}"\n'
    marked = text.replace(
        anchor, anchor + 'occupational_groups = ["real-estate-agent", "asset-appraiser"]\n'
    )
    assert marked != text
    groups = integrity.integrity_set().group_codes()
    rt.catalogs = catalogs_from_sources([("catalog/2026.1.toml", marked)], groups)
    yield
    rt.catalogs = previous


# --- occupational groups ------------------------------------------------------------------------


async def test_a_group_is_named_by_code_or_chinese_name_and_stored_as_its_code(
    client: httpx.AsyncClient, db: asyncpg.Connection[Any]
) -> None:
    key = await f.department("police")
    number = f.id_number()
    body = await post_batch(
        client,
        key,
        [
            f.record(number, "g-1", occupationalGroup="physician"),
            f.record(number, "g-2", occupationalGroup="医师"),
            f.record(number, "g-3", occupationalGroup=" Teacher "),
            f.record(number, "g-4", occupationalGroup="注册会计师"),  # an alias in content
            f.record(number, "g-5", occupationalGroup=""),
            f.record(number, "g-6"),
        ],
    )
    assert [item["status"] for item in body["items"]] == ["accepted"] * 6, body
    stored = [(await _stored(db, f"g-{n}"))["occupational_group"] for n in range(1, 7)]
    assert stored == ["physician", "physician", "teacher", "accountant", None, None]
    record = (await client.get(_url(body["items"][1]["recordId"]), headers=api_key(key))).json()
    assert record["occupationalGroup"] == "physician"


async def test_anything_else_is_rejected_on_occupational_group(
    client: httpx.AsyncClient, db: asyncpg.Connection[Any]
) -> None:
    key = await f.department("police")
    number = f.id_number()
    items = [
        f.record(number, "u-1", occupationalGroup="医生"),
        f.record(number, "u-2", occupationalGroup="astrologer"),
        f.record(number, "u-3"),
    ]
    body = await post_batch(client, key, items)
    assert [(i["status"], i["field"]) for i in body["items"]] == [
        ("rejected", "occupationalGroup"),
        ("rejected", "occupationalGroup"),
        ("accepted", None),
    ]
    assert body["items"][0]["reason"] == (
        "'医生' 不是重点职业人群名录（2026.1）中的人群：请填写人群代码（如 physician）或中文名称"
        "（如 医师）"
    )
    english = await post_batch(client, key, items[:2], language="en")
    assert english["items"][1]["reason"] == (
        "'astrologer' is not a key occupational group of the list in force (2026.1): give a"
        " group's code (e.g. physician) or its Chinese name (e.g. 医师)"
    )
    assert await db.fetchval("SELECT count(*) FROM record") == 1


async def test_a_group_only_record_type_needs_one_of_its_groups(
    client: httpx.AsyncClient, db: asyncpg.Connection[Any], agents_only: None
) -> None:
    key = await f.department("housing", SCOPES)
    number = f.id_number()
    body = await post_batch(
        client,
        key,
        [
            f.record(number, "a-1", AGENT_TYPE),
            f.record(number, "a-2", AGENT_TYPE, occupationalGroup="lawyer"),
            f.record(number, "a-3", AGENT_TYPE, occupationalGroup="房地产中介从业人员"),
            f.record(number, "a-4", AGENT_TYPE, occupationalGroup="asset-appraiser"),
            f.record(number, "a-5", occupationalGroup="lawyer"),  # an unmarked type: any group
        ],
    )
    results = [(i["status"], i["field"]) for i in body["items"]]
    assert results == [
        ("rejected", "occupationalGroup"),
        ("rejected", "occupationalGroup"),
        ("accepted", None),
        ("accepted", None),
        ("accepted", None),
    ]
    assert body["items"][0]["reason"] == (
        f"记录类型 '{AGENT_TYPE}' 仅适用于以下重点职业人群：房地产中介从业人员、资产评估人员；"
        "请注明其中之一"
    )
    assert body["items"][1]["reason"] == body["items"][0]["reason"]
    assert (await _stored(db, "a-3"))["occupational_group"] == "real-estate-agent"

    # A correction to the group-only type is refused for a record naming none of its groups.
    lawyer = (await _stored(db, "a-5"))["id"]
    response = await client.post(
        _url(lawyer, "correction"),
        headers=api_key(key),
        json={"reason": "记录类型报送有误，予以更正", "recordType": AGENT_TYPE},
    )
    body = assert_problem(response, 422, "validation-failed", "recordType")
    assert "仅适用于以下重点职业人群" in body["detail"]


# --- late reporting -----------------------------------------------------------------------------


async def test_a_report_after_seven_working_days_is_late_across_a_weekend(
    client: httpx.AsyncClient, db: asyncpg.Connection[Any], business_date: BusinessDate
) -> None:
    """Decided on Friday 2026-11-06: seven working days run to Tuesday 11-17 (two weekends)."""
    key = await f.department("police")
    number = f.id_number()
    decided = {"occurredOn": "2026-11-06", "decidedOn": "2026-11-06"}
    business_date(D(2026, 11, 17))
    await post_batch(client, key, [f.record(number, "w-1", **decided)])
    business_date(D(2026, 11, 18))
    await post_batch(client, key, [f.record(number, "w-2", **decided)])
    on_time, late = await _stored(db, "w-1"), await _stored(db, "w-2")
    assert (on_time["reported_on"], on_time["reported_late"]) == (D(2026, 11, 17), False)
    assert (late["reported_on"], late["reported_late"]) == (D(2026, 11, 18), True)
    shown = (await client.get(_url(late["id"]), headers=api_key(key))).json()
    assert (shown["reportedOn"], shown["reportedLate"]) == ("2026-11-18", True)
    assert shown["record"]["decidedOn"] == "2026-11-06"


async def test_the_holiday_calendar_counts_not_the_calendar_days(
    client: httpx.AsyncClient, db: asyncpg.Connection[Any], business_date: BusinessDate
) -> None:
    """Decided on 2026-09-25 (Mid-Autumn, a day off): the National Day holiday and the make-up
    Saturday 10-10 put the seventh working day on Monday 10-12, seventeen days later."""
    key = await f.department("police")
    number = f.id_number()
    decided = {"occurredOn": "2026-09-24", "decidedOn": "2026-09-25"}
    for day, reference in ((D(2026, 10, 9), "h-1"), (D(2026, 10, 12), "h-2")):
        business_date(day)
        await post_batch(client, key, [f.record(number, reference, **decided)])
    business_date(D(2026, 10, 13))
    await post_batch(client, key, [f.record(number, "h-3", **decided)])
    flags = [(await _stored(db, f"h-{n}"))["reported_late"] for n in (1, 2, 3)]
    assert flags == [False, False, True]


async def test_a_corrected_decision_day_judges_the_report_again(
    client: httpx.AsyncClient, db: asyncpg.Connection[Any], business_date: BusinessDate
) -> None:
    key = await f.department("police")
    number = f.id_number()
    business_date(D(2026, 11, 17))
    body = await post_batch(
        client, key, [f.record(number, "c-1", occurredOn="2026-11-05", decidedOn="2026-11-06")]
    )
    record_id = body["items"][0]["recordId"]
    assert not (await _stored(db, "c-1"))["reported_late"]
    business_date(D(2026, 11, 20))
    response = await client.post(
        _url(record_id, "correction"),
        headers=api_key(key),
        json={"reason": "决定日期录入有误，予以更正", "decidedOn": "2026-11-05"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["reportedLate"] is True  # 11-05 + 7 working days = 11-16
    row = await _stored(db, "c-1")
    assert (row["reported_on"], row["reported_late"]) == (D(2026, 11, 17), True)
    back = await client.post(
        _url(record_id, "correction"),
        headers=api_key(key),
        json={"reason": "再次更正决定日期", "decidedOn": "2026-11-10"},
    )
    assert back.json()["reportedLate"] is True  # once late, a correction cannot undo it
