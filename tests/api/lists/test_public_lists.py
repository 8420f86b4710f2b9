"""The public disclosure of the red list and the serious-dishonesty list: masked, filtered,
paged newest first, gone the day an entry's period or reason ends (before any job), cacheable
for a minute with an ETag; and the look-up of one person by full name plus full ID number,
which tells a stranger nothing and is limited per address."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import httpx
import pytest
from litestar import Litestar
from redis.asyncio import Redis

from backend.identity.service import id_number_index
from backend.lists import service as lists
from backend.platform import runtime
from backend.records.catalog import add_months
from tests import factories as f
from tests.api.identity.problems import assert_problem
from tests.api.lists.test_lists import BATCH, ENTRIES, _officer
from tests.conftest import NAMESPACE, TABLES, BusinessDate

PUBLIC = "/v1/public/lists"
LOOK_UPS = f"{PUBLIC}/look-ups"
DRUNK = "TRAFFIC-DRUNK-DRIVING"  # serious: the serious-dishonesty list
TAX = "TAX-EVASION"  # serious, another domain
HONOUR = "HONOUR-BRAVERY"  # the red list (published 12 months)


async def _report(
    client: httpx.AsyncClient,
    key: str,
    person: tuple[str, str],
    ref: str,
    record_type: str,
    decided: dt.date,
) -> int:
    """A record about ``person`` (ID number, name) decided on ``decided``; its id."""
    number, name = person
    day = decided.isoformat()
    item = f.record(number, ref, record_type, citizenName=name, occurredOn=day, decidedOn=day)
    posted = await client.post(BATCH, headers={"X-Api-Key": key}, json={"records": [item]})
    assert posted.json()["accepted"] == 1, posted.text
    record_id: int = posted.json()["items"][0]["recordId"]
    return record_id


async def _publish(client: httpx.AsyncClient, officer: dict[str, str]) -> list[int]:
    """Propose what the rules find today and approve every proposal; the entry ids."""
    await lists.propose()
    page = await client.get(f"{ENTRIES}?status=proposed&limit=100", headers=officer)
    approved = []
    for entry in page.json()["items"]:
        done = await client.post(
            f"{ENTRIES}/{entry['id']}/approval", headers=officer, json={"reason": "予以公示"}
        )
        assert done.status_code == 200, done.text
        approved.append(entry["id"])
    return approved


async def _items(client: httpx.AsyncClient, which: str, query: str = "") -> list[dict[str, Any]]:
    response = await client.get(f"{PUBLIC}/{which}/entries{query}")
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def _look_up(client: httpx.AsyncClient, name: str, number: str) -> httpx.Response:
    return await client.post(LOOK_UPS, json={"name": name, "idNumber": number})


def _masked(number: str) -> str:
    return number[:4] + "*" * 10 + number[-4:]


async def test_the_lists_show_published_entries_masked(client: httpx.AsyncClient) -> None:
    today = runtime.clock().today()
    traffic = await f.department("traffic", ["domain:traffic_safety"])
    civic = await f.department("civic", ["domain:honours"])
    drunk, hero, waiting = (
        (f.id_number(), "张三丰"),
        (f.id_number(), "李四"),
        (f.id_number(), "欧阳小明"),
    )
    decided = today - dt.timedelta(days=30)
    await _report(client, traffic, drunk, "d-1", DRUNK, decided)
    await _report(client, civic, hero, "h-1", HONOUR, today)
    officer = await _officer(client, "reviewer", ["officer"])
    await _publish(client, officer)
    await _report(client, traffic, waiting, "d-2", DRUNK, decided)
    await lists.propose()  # 欧阳小明 proposed (and 李四 by the grade rule), never approved

    [black] = await _items(client, "black")
    assert black["list"] == "black"
    assert (black["nameMasked"], black["idNumberMasked"]) == ("张**", _masked(drunk[0]))
    assert (black["recordType"], black["recordTypeZh"], black["recordTypeEn"]) == (
        DRUNK,
        "醉酒驾驶机动车",
        "Driving while drunk",
    )
    assert (black["domain"], black["domainNameZh"], black["domainNameEn"]) == (
        "traffic_safety",
        "交通安全",
        "Traffic safety",
    )
    assert black["decisionDocumentNo"] == "公交决字〔2026〕d-1号"
    assert black["department"] == "Department traffic"
    assert black["decidedOn"] == decided.isoformat()
    assert black["publishedFrom"] == today.isoformat()
    # The record leaves display (36 months from its decision) before the publication period
    # (36 months from today) ends: the earlier end is the one shown.
    assert black["publishedUntil"] == add_months(decided, 36).isoformat()
    assert black["legalBasis"].startswith("《中华人民共和国道路交通安全法》第九十一条")
    assert (black["ruleCode"], black["reasonZh"], black["reasonEn"]) == (
        "black-serious",
        "存在严重失信行为记录",
        "A record of serious dishonesty",
    )

    [red] = await _items(client, "red")
    assert (red["list"], red["nameMasked"], red["recordType"]) == ("red", "李*", HONOUR)
    assert red["publishedUntil"] == add_months(today, 12).isoformat()

    # Neither the full name nor the full ID number is in any public answer, in any language.
    for language in ("zh-CN", "en"):
        for which in ("red", "black"):
            text = (
                await client.get(f"{PUBLIC}/{which}/entries", headers={"Accept-Language": language})
            ).text
            for number, name in (drunk, hero, waiting):
                assert number not in text and name not in text
    found = await _look_up(client, drunk[1], drunk[0])
    assert [e["id"] for e in found.json()] == [black["id"]]
    assert drunk[0] not in found.text and drunk[1] not in found.text

    assert_problem(
        await client.get(f"{PUBLIC}/grey/entries"), 422, "validation-failed", field="list"
    )


async def test_a_grade_rule_red_entry_has_no_record_and_leaves_with_the_grade(
    client: httpx.AsyncClient, sms: Any, db: Any, run_worker: Any
) -> None:
    number, _ = await f.signed_up(client, sms, "13981000001")
    key = await f.department("traffic", ["domain:traffic_safety"])
    await client.post(BATCH, headers={"X-Api-Key": key}, json={"records": [f.record(number, "g")]})
    await run_worker()
    await db.execute("UPDATE credit_card SET grade = 'AAA', clean_years_flag = true")
    officer = await _officer(client, "reviewer", ["officer"])
    await _publish(client, officer)
    # Approval re-scores the card (its red-list mark): hold the grade the rule asks for.
    await db.execute("UPDATE credit_card SET grade = 'AAA', clean_years_flag = true")
    [red] = await _items(client, "red")
    assert red["ruleCode"] == "red-top-grade-clean" and red["nameMasked"] == "陈*"
    assert [red[k] for k in ("recordType", "recordTypeZh", "domain", "decidedOn")] == [None] * 4
    assert red["legalBasis"] == red["reasonZh"] == "信用等级 AAA 且连续三年无不良记录"
    # A grade rule's entry is left out by a domain or department filter: it has neither.
    assert await _items(client, "red", "?domain=traffic_safety") == []
    # The card loses the grade: the rule's own test (in Python, over the SQL) ends it at once.
    await db.execute("UPDATE credit_card SET grade = 'AA'")
    assert await _items(client, "red") == []


async def test_filters_by_domain_and_department(client: httpx.AsyncClient, db: Any) -> None:
    today = runtime.clock().today()
    traffic = await f.department("traffic", ["domain:traffic_safety"])
    tax = await f.department("tax", ["domain:tax_payment"])
    await _report(client, traffic, (f.id_number(), "周一"), "t-1", DRUNK, today)
    tax_record = await _report(client, tax, (f.id_number(), "吴二"), "x-1", TAX, today)
    await _publish(client, await _officer(client, "reviewer", ["officer"]))

    assert len(await _items(client, "black")) == 2
    [only_tax] = await _items(client, "black", "?domain=tax_payment")
    assert (only_tax["domain"], only_tax["recordTypeZh"], only_tax["department"]) == (
        "tax_payment",
        "逃避缴纳税款",
        "Department tax",
    )
    [only_traffic] = await _items(client, "black", "?department=traffic")
    assert only_traffic["domain"] == "traffic_safety"
    assert await _items(client, "black", "?domain=tax_payment&department=traffic") == []
    assert await _items(client, "black", "?domain=food_drugs") == []  # known, nobody on it
    assert await _items(client, "black", "?department=nobody") == []
    assert_problem(
        await client.get(f"{PUBLIC}/black/entries?domain=no_such_domain"),
        422,
        "domain-unknown",
        field="domain",
    )

    # While an accepted objection (异议) is verified, the record's penalty is suspended and
    # its entry is not disclosed; it shows again when the objection is decided against it.
    await db.execute("UPDATE record SET under_objection = true WHERE id = $1", tax_record)
    assert await _items(client, "black", "?domain=tax_payment") == []
    await db.execute("UPDATE record SET under_objection = false WHERE id = $1", tax_record)
    assert len(await _items(client, "black", "?domain=tax_payment")) == 1


async def test_pages_newest_first_with_a_cursor(
    client: httpx.AsyncClient, business_date: BusinessDate
) -> None:
    today = runtime.clock().today()
    traffic = await f.department("traffic", ["domain:traffic_safety"])
    for n in range(5):
        person = (f.id_number(), f"郑{'一二三四五'[n]}")
        await _report(client, traffic, person, f"p-{n}", DRUNK, today - dt.timedelta(days=60))
    officer = await _officer(client, "reviewer", ["officer"])
    business_date(today - dt.timedelta(days=10))
    await lists.propose()
    proposed = (await client.get(f"{ENTRIES}?status=proposed", headers=officer)).json()["items"]
    ids = sorted(e["id"] for e in proposed)
    published = {}
    for entry_id, days_ago in zip(ids, (10, 10, 5, 5, 5), strict=True):
        business_date(today - dt.timedelta(days=days_ago))
        await client.post(
            f"{ENTRIES}/{entry_id}/approval", headers=officer, json={"reason": "予以公示"}
        )
        published[entry_id] = (today - dt.timedelta(days=days_ago)).isoformat()
    business_date(today)

    expected = sorted(published, key=lambda i: (published[i], i), reverse=True)
    seen: list[int] = []
    cursor: str | None = None
    pages = 0
    while True:
        query = "?limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = (await client.get(f"{PUBLIC}/black/entries{query}")).json()
        assert len(page["items"]) <= 2
        for item in page["items"]:
            assert item["publishedFrom"] == published[item["id"]]
        seen += [item["id"] for item in page["items"]]
        pages += 1
        cursor = page["nextCursor"]
        if cursor is None:
            break
    assert seen == expected and pages == 3
    assert seen[:3] == sorted(ids[2:], reverse=True)  # the later day first, then by id
    assert_problem(
        await client.get(f"{PUBLIC}/black/entries?cursor=not-a-cursor"),
        422,
        "validation-failed",
        field="cursor",
    )


async def test_an_entry_shows_on_its_last_day_and_not_the_day_its_publication_ends(
    client: httpx.AsyncClient, business_date: BusinessDate
) -> None:
    today = runtime.clock().today()
    civic = await f.department("civic", ["domain:honours"])
    traffic = await f.department("traffic", ["domain:traffic_safety"])
    await _report(client, civic, (f.id_number(), "冯见义"), "h-1", HONOUR, today)
    # Display ends in two days (36 months after the decision): sooner than the publication.
    decided = add_months(today, -36) + dt.timedelta(days=2)
    await _report(client, traffic, (f.id_number(), "陈醉"), "d-1", DRUNK, decided)
    await _publish(client, await _officer(client, "reviewer", ["officer"]))

    [black] = await _items(client, "black")
    display_end = today + dt.timedelta(days=2)
    assert black["publishedUntil"] == display_end.isoformat()
    business_date(display_end - dt.timedelta(days=1))
    assert [e["id"] for e in await _items(client, "black")] == [black["id"]]
    business_date(display_end)
    assert await _items(client, "black") == []

    business_date(today)
    [red] = await _items(client, "red")
    until = add_months(today, 12)
    assert red["publishedUntil"] == until.isoformat()
    business_date(until - dt.timedelta(days=1))
    assert [e["id"] for e in await _items(client, "red")] == [red["id"]]
    business_date(until)
    assert await _items(client, "red") == []


async def test_a_record_repaired_revoked_or_corrected_today_leaves_today_before_any_job(
    client: httpx.AsyncClient, db: Any
) -> None:
    today = runtime.clock().today()
    traffic = await f.department("traffic", ["domain:traffic_safety", "domain:tax_payment"])
    people = [(f.id_number(), name) for name in ("褚一", "卫二", "蒋三", "沈四")]
    decided = today - dt.timedelta(days=40)
    records = [
        await _report(client, traffic, person, f"r-{n}", DRUNK, decided)
        for n, person in enumerate(people)
    ]
    await _publish(client, await _officer(client, "reviewer", ["officer"]))
    assert len(await _items(client, "black")) == 4

    revoked = await client.post(
        f"/v1/department/records/{records[0]}/revocation",
        headers={"X-Api-Key": traffic},
        json={"reason": "经复议撤销处罚决定"},
    )
    assert revoked.status_code == 200, revoked.text
    # A repair approved today (the repair workflow's effect on the record).
    await db.execute(
        "UPDATE record SET status = 'repaired', repaired_on = $2 WHERE id = $1", records[1], today
    )
    corrected = await client.post(
        f"/v1/department/records/{records[3]}/correction",
        headers={"X-Api-Key": traffic},
        json={"reason": "经复核为饮酒驾驶", "recordType": "TRAFFIC-DRINK-DRIVING"},
    )
    assert corrected.status_code == 200, corrected.text

    [left] = await _items(client, "black")
    assert left["idNumberMasked"] == _masked(people[2][0])
    # Page by page too: what the rule's test ends (the correction, newest) is skipped and the
    # page filled from further on, with no cursor to an empty page.
    page = (await client.get(f"{PUBLIC}/black/entries?limit=1")).json()
    assert ([e["id"] for e in page["items"]], page["nextCursor"]) == ([left["id"]], None)
    for number, name in (people[0], people[1], people[3]):
        assert (await _look_up(client, name, number)).json() == []
    # No job has run: the entries are still published in the table; the reads applied the test.
    published = await db.fetchval("SELECT count(*) FROM list_entry WHERE status = 'published'")
    assert published == 4
    assert await lists.end_lapsed() == 3
    assert [e["id"] for e in await _items(client, "black")] == [left["id"]]


async def test_the_look_up_finds_only_the_person_named_by_full_name_and_full_id(
    client: httpx.AsyncClient, db: Any, redis: Redis, caplog: pytest.LogCaptureFixture
) -> None:
    today = runtime.clock().today()
    traffic = await f.department("traffic", ["domain:traffic_safety"])
    tax = await f.department("tax", ["domain:tax_payment"])
    civic = await f.department("civic", ["domain:honours"])
    wang, zhao, sun = (f.id_number(), "王小明"), (f.id_number(), "赵六"), (f.id_number(), "孙七")
    await _report(client, traffic, wang, "w-1", DRUNK, today)
    await _report(client, civic, wang, "w-2", HONOUR, today)
    await _report(client, tax, zhao, "z-1", TAX, today)
    await _publish(client, await _officer(client, "reviewer", ["officer"]))
    await _report(client, tax, sun, "s-1", TAX, today)
    assert await lists.propose() == 1  # 孙七: proposed only, nothing published

    rows_before = await _row_counts(db)
    keys_before = await _keys(redis)
    caplog.set_level(logging.DEBUG)

    found = await _look_up(client, "王小明", wang[0])
    assert found.status_code == 200 and found.headers["cache-control"] == "no-store"
    assert sorted(e["list"] for e in found.json()) == ["black", "red"]
    assert {e["idNumberMasked"] for e in found.json()} == {_masked(wang[0])}
    assert {e["nameMasked"] for e in found.json()} == {"王**"}
    wangs = await _items(client, "red") + await _items(client, "black", "?department=traffic")
    assert {e["id"] for e in found.json()} == {e["id"] for e in wangs}

    nothing = [
        await _look_up(client, "王小明", zhao[0]),  # another person's ID number
        await _look_up(client, "王小", wang[0]),  # part of the name
        await _look_up(client, "王大明", wang[0]),  # a wrong name
        await _look_up(client, "王小明", f.id_number()),  # an ID number nobody has
        await _look_up(client, "孙七", sun[0]),  # right, but nothing published
    ]
    for answer in nothing:
        assert (answer.status_code, answer.content) == (200, b"[]")
        assert _shape(answer) == _shape(nothing[0])

    # Nothing was written about anyone: no row anywhere, only the address's counter in Redis.
    assert await _row_counts(db) == rows_before
    new_keys = await _keys(redis) - keys_before
    assert new_keys and all(":public-look-up:" in k or ":rl:" in k for k in new_keys), new_keys
    for secret in (wang[0], zhao[0], sun[0], id_number_index(wang[0]), "王小明"):
        assert all(secret not in k for k in new_keys)
        assert secret not in caplog.text

    bad = wang[0][:-1] + ("0" if wang[0][-1] != "0" else "1")  # a wrong check digit
    assert_problem(
        await _look_up(client, "王小明", bad), 422, "invalid-id-number", field="idNumber"
    )
    assert_problem(
        await _look_up(client, "王小明", wang[0][:17]), 422, "validation-failed", field="idNumber"
    )
    assert_problem(
        await client.post(LOOK_UPS, json={"idNumber": wang[0]}),
        422,
        "validation-failed",
        field="name",
    )


def _shape(response: httpx.Response) -> set[str]:
    """The headers a response carries (names; the request id differs by nature)."""
    return {k for k in response.headers if k not in ("x-request-id", "date")}


async def _row_counts(db: Any) -> dict[str, int]:
    existing = await db.fetch(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
        " AND tablename = ANY($1::text[])",
        TABLES,
    )
    return {row[0]: await db.fetchval(f'SELECT count(*) FROM "{row[0]}"') for row in existing}


async def _keys(redis: Redis) -> set[str]:
    return {k.decode() async for k in redis.scan_iter(match=f"{NAMESPACE}:*", count=500)}


async def test_the_eleventh_look_up_in_an_hour_is_refused(
    client: httpx.AsyncClient, app: Litestar
) -> None:
    for _ in range(10):
        assert (await _look_up(client, "王小明", f.id_number())).status_code == 200
    refused = assert_problem(
        await _look_up(client, "王小明", f.id_number()), 429, "look-up-limited"
    )
    assert refused["detail"]
    limited = await _look_up(client, "王小明", f.id_number())
    assert 1 <= int(limited.headers["retry-after"]) <= 3600
    # An invalid ID number is refused before it is counted, and still refused as invalid.
    assert (await _look_up(client, "王小明", "123")).status_code == 422
    # The list itself is not limited by the look-ups, and another address has its own count.
    assert (await client.get(f"{PUBLIC}/black/entries")).status_code == 200
    transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 4000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as other:
        assert (await _look_up(other, "王小明", f.id_number())).status_code == 200


async def test_the_list_answers_conditional_gets_and_may_be_cached_a_minute(
    client: httpx.AsyncClient,
) -> None:
    url = f"{PUBLIC}/black/entries"
    first = await client.get(url)
    etag = first.headers["etag"]
    assert etag.startswith('W/"') and first.headers["cache-control"] == "public, max-age=60"
    again = await client.get(url, headers={"If-None-Match": etag})
    assert (again.status_code, again.content) == (304, b"")
    assert again.headers["etag"] == etag
    assert again.headers["cache-control"] == "public, max-age=60"
    assert (await client.get(url, headers={"If-None-Match": '"other"'})).status_code == 200
    # The body is the same in every language: so is its ETag.
    english = await client.get(url, headers={"Accept-Language": "en"})
    assert english.headers["etag"] == etag

    head = await client.head(url)
    assert (head.status_code, head.content) == (200, b"")
    assert head.headers["etag"] == etag
    assert head.headers["cache-control"] == "public, max-age=60"
    assert (await client.head(url, headers={"If-None-Match": etag})).status_code == 304

    options = await client.options(url)
    assert options.status_code < 500
    assert (await client.options(LOOK_UPS)).status_code < 500

    # A change to what is published changes the ETag.
    traffic = await f.department("traffic", ["domain:traffic_safety"])
    today = runtime.clock().today()
    await _report(client, traffic, (f.id_number(), "韩八"), "e-1", DRUNK, today)
    await _publish(client, await _officer(client, "reviewer", ["officer"]))
    changed = await client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag
    assert len(changed.json()["items"]) == 1
