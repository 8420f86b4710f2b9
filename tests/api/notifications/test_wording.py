"""Every notification names records by the catalog's human name in the citizen's language, never
by a record-type code; the words the relay fills in (effect, monthly change and ranking)."""

from __future__ import annotations

import re
from typing import Any

import httpx
import msgspec
import pytest

from backend.identity.sms import MemorySmsSender
from backend.notifications.events import EVENT_TYPES, emit_event
from backend.notifications.relay import relay_all
from backend.notifications.wording import change_words, effect_words, ranking_words, signed
from backend.platform import runtime
from backend.platform.database import connection, transaction
from tests import factories as f

RECORD_TYPE = "TRAFFIC-DRINK-DRIVING"
NAME_ZH, NAME_EN = "饮酒后驾驶机动车", "Driving after drinking"

# A realistic value for every field an event may carry, by field name; ``None`` for the record id
# is filled with the real record's. An event kind with a field not listed here fails the test
# (add a realistic value for it), so no new kind escapes the check.
REALISTIC: dict[str, Any] = {
    "record_id": None,
    "record_title": RECORD_TYPE,  # the worst an emitter ever wrote: the code itself
    "department": "市公安局交通警察支队",
    "points": -30,
    "counting": "counted",
    "catalog_points": None,
    "on": None,
    "effect": "",
    "reason": "决定书文号有误",
    "previous_points": 1000,
    "grade": "A",
    "previous_grade": "AA",
    "grade_name": "诚信良好",
    "grade_name_en": "Good integrity",
    "badge": "volunteer-50h",
    "badge_name": "志愿服务 50 小时",
    "badge_name_en": "50 volunteer hours",
    "repairable_from": "2026-06-01",
    "display_until": "2026-12-01",
    "benefit": "library-deposit-waiver",
    "benefit_name": "图书馆借阅免押金",
    "benefit_name_en": "Library deposit waiver",
    "change_zh": "可以享受",
    "change_en": "available to you",
    "organisation": "市图书馆",
    "purpose": "异议核查",
    "case_kind": "objection",
    "case_id": 12,
    "state": "accepted",
    "case_kind_name": "",
    "state_name": "",
    "subject": "张*",
    "category_name": "食品药品",
    "category_name_en": "Food and drugs",
    "due_on": "2026-12-04",
    "reason_text": "",
    "list_name_zh": "严重失信主体名单",
    "list_name_en": "serious-dishonesty list",
    "reason_en": "A record of serious dishonesty",
    "published_until": "2029-11-29",
    "case_kind_zh": "异议申请",
    "case_kind_en": "objection",
    "objection_id": 11,
    "cause_zh": "异议（编号 11）处理后",
    "cause_en": "after objection #11",
    "outcome": "revoked",
    "outcome_zh": "已撤销",
    "outcome_en": "was revoked",
    "month": "2026-10",
    "points_change": -30,
    "compared_with": 1000,
    "first_month": True,
    "percentile": 35,
    "new_badges": 1,
    "next_step": "+30 → AA",
    "change": "",
    "ranking": "",
}
# Where a field name means something else in one kind.
OVERRIDES: dict[str, dict[str, Any]] = {
    "verification.redeemed": {"benefit": "图书馆免押金借阅", "benefit_name_en": ""},
    "score.changed": {"points": 970},
    "monthly.summary": {"points": 970},
}


def _catalog_codes() -> set[str]:
    """Every code of every catalog version: record types and domains."""
    codes: set[str] = set()
    for catalog in runtime.current().catalogs:
        codes |= set(catalog.record_types) | set(catalog.domains)
    return codes


def _realistic_event(kind: str, record_id: int) -> Any:
    cls = EVENT_TYPES[kind]
    values: dict[str, Any] = {}
    for field in msgspec.structs.fields(cls):
        assert field.name in REALISTIC, f"{kind}: add a realistic value for {field.name!r}"
        values[field.name] = OVERRIDES.get(kind, {}).get(field.name, REALISTIC[field.name])
    if "record_id" in values:
        values["record_id"] = record_id
    return cls(**values)


async def _citizen_with_record(
    client: httpx.AsyncClient, sms: MemorySmsSender, phone: str, language: str
) -> tuple[int, int, Any]:
    key = await f.department("police", ["domain:traffic_safety"])
    number, headers = await f.signed_up(client, sms, phone)
    posted = await client.post(
        "/v1/department/records:batch",
        headers={"X-Api-Key": key},
        json={"records": [f.record(number, f"w-{phone}", RECORD_TYPE)]},
    )
    assert posted.status_code == 200, posted.text
    async with connection() as conn:
        citizen_id = await conn.fetchval("SELECT max(id) FROM citizen")
        await conn.execute(
            "UPDATE citizen_account SET language = $1 WHERE citizen = $2", language, citizen_id
        )
    return citizen_id, posted.json()["items"][0]["recordId"], headers


async def _inbox(client: httpx.AsyncClient, headers: Any) -> list[Any]:
    response = await client.get("/v1/me/notifications?limit=100", headers=headers)
    items: list[Any] = response.json()["items"]
    return items


@pytest.mark.parametrize(("language", "name"), [("zh-CN", NAME_ZH), ("en", NAME_EN)])
async def test_no_template_shows_a_catalog_code(
    client: httpx.AsyncClient, sms: MemorySmsSender, language: str, name: str
) -> None:
    phone = "13951000001" if language == "zh-CN" else "13951000002"
    citizen_id, record_id, headers = await _citizen_with_record(client, sms, phone, language)
    async with transaction() as conn:
        for kind in EVENT_TYPES:
            await emit_event(conn, citizen_id, _realistic_event(kind, record_id))
    await relay_all()
    inbox = {item["kind"]: item for item in await _inbox(client, headers)}
    assert set(inbox) == set(EVENT_TYPES)
    codes = _catalog_codes()
    for kind, item in inbox.items():
        text = f"{item['title']}\n{item['body']}"
        leaked = {c for c in codes if re.search(rf"(?<![\w-]){re.escape(c)}(?![\w-])", text)}
        assert not leaked, f"{kind} ({language}) shows catalog codes {leaked}: {text}"
        assert "你的信用信息有更新" not in text and "has changed" not in item["title"], kind
        if "recordTitle" in item["data"]:
            assert name in text, f"{kind} ({language}) does not name the record: {text}"


async def test_a_record_is_named_without_its_id_too(
    client: httpx.AsyncClient, sms: MemorySmsSender
) -> None:
    """An emitter that gives no record id: a code or the zh name still reads as the name."""
    citizen_id, _, headers = await _citizen_with_record(client, sms, "13951000003", "en")
    async with transaction() as conn:
        for title in (RECORD_TYPE, NAME_ZH, "某项未知记录"):
            await emit_event(
                conn,
                citizen_id,
                EVENT_TYPES["record.revoked"](
                    record_id=0, record_title=title, department="市交警支队", reason="误报"
                ),
            )
    await relay_all()
    bodies = [item["body"] for item in await _inbox(client, headers)]
    assert sum(NAME_EN in body for body in bodies) == 2
    assert any("某项未知记录" in body for body in bodies)  # no catalog knows it: kept as written


async def test_a_merchant_check_names_the_benefit_in_english_with_or_without_its_english_name(
    client: httpx.AsyncClient, sms: MemorySmsSender
) -> None:
    """An emitter that gives no English name (older events, or one not yet changed): the relay
    finds it by the Chinese name; a name no benefits version knows is kept as written."""
    citizen_id, _, headers = await _citizen_with_record(client, sms, "13951000004", "en")
    made = EVENT_TYPES["verification.redeemed"]
    async with transaction() as conn:
        for event in (
            made(organisation="市图书馆", benefit="图书馆免押金借阅"),
            made(organisation="市图书馆", benefit="图书馆免押金借阅", benefit_name_en="Library"),
            made(organisation="市图书馆", benefit="某项未知权益"),
        ):
            await emit_event(conn, citizen_id, event)
    await relay_all()
    bodies = [i["body"] for i in await _inbox(client, headers) if i["kind"] == made.kind]
    assert sorted(bodies) == sorted(
        [
            "市图书馆 checked your credit for “Library borrowing without deposit”.",
            "市图书馆 checked your credit for “Library”.",
            "市图书馆 checked your credit for “某项未知权益”.",
        ]
    )


def test_points_are_signed_and_nothing_says_why() -> None:
    assert (signed(10), signed(-30), signed(0)) == ("+10", "-30", "0")
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({"points": -30}, "-30", "-30"),
        (
            {"points": 10, "counting": "capped", "catalogPoints": 24},
            "+10（本年度同类加分已达上限，应得 +24）",
            "+10 (the yearly cap for this kind was reached; +24 earned)",
        ),
        (
            {"points": 0, "counting": "capped", "catalogPoints": 24},
            "不计分（本年度同类加分已达上限，应得 +24）",
            "none (the yearly cap for this kind was reached; +24 earned)",
        ),
        (
            {"points": 0, "counting": "display_period_over", "on": "2025-10-01"},
            "不计分（公示期已于 2025-10-01 届满）",
            "none (its display period ended on 2025-10-01)",
        ),
        (
            {"points": 0, "counting": "suspended", "catalogPoints": -30},
            "暂不计分（异议核查期间暂停扣分，暂缓 -30）",
            "none for now (-30 withheld while your objection is verified)",
        ),
        (
            {"points": 0, "counting": "revoked"},
            "不计分（记录已撤销）",
            "none (the record was revoked)",
        ),
        (
            {"points": 0, "counting": "repaired"},
            "不计分（已完成信用修复）",
            "none (the record was repaired)",
        ),
        (
            {"points": 0, "counting": "not_yet_decided", "on": "2026-12-01"},
            "暂不计分（自 2026-12-01 起计入）",
            "none yet (it counts from 2026-12-01)",
        ),
        (
            {"points": 0, "counting": "no_points"},
            "不计分（该类记录不加减分）",
            "none (this kind of record carries no points)",
        ),
        (
            {"points": 0},
            "不计分（该类记录不加减分）",
            "none (this kind of record carries no points)",
        ),
    ]
    for payload, zh, en in cases:
        assert (effect_words(payload, False), effect_words(payload, True)) == (zh, en), payload


def test_monthly_words() -> None:
    first = {"pointsChange": -30, "comparedWith": 1000, "firstMonth": True}
    assert change_words(first, False) == "首月，较初始积分 1000 -30"
    assert change_words(first, True) == "your first month: -30 from the starting 1000"
    level = {"pointsChange": 0, "comparedWith": 1000, "firstMonth": True}
    assert (change_words(level, False), change_words(level, True)) == (
        "首月，与初始积分 1000 持平",
        "your first month: level with the starting 1000",
    )
    later = {"pointsChange": 12, "comparedWith": 958, "firstMonth": False}
    assert (change_words(later, False), change_words(later, True)) == (
        "较上月 +12",
        "+12 on last month",
    )
    same = {"pointsChange": 0, "comparedWith": 970, "firstMonth": False}
    assert (change_words(same, False), change_words(same, True)) == (
        "与上月持平",
        "same as last month",
    )
    assert ranking_words({"percentile": 35}, False) == "超过 35% 的市民"
    assert ranking_words({"percentile": None}, True) == "ranking not yet computed"
