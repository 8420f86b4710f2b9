"""GET /v1/me/records: the signed-in citizen's own records, newest first, cursor-paged and
filterable by polarity, domain and status."""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any

import httpx
import pytest

from backend.identity.sms import MemorySmsSender
from backend.records.catalog import add_months, display_until, load_catalogs, repairable_from
from tests import factories as f
from tests.api.records.helpers import api_key, assert_problem, days_ago, post_batch, today

ME = "/v1/me/records"
SCOPES = [
    "domain:traffic_safety",
    "domain:volunteer_service",
    "domain:public_welfare",
    "domain:health_care",
]


async def _citizen(
    client: httpx.AsyncClient,
    sms: MemorySmsSender,
    phone: str,
    name: str = "陈静",
    registrar: str | None = None,
) -> tuple[str, dict[str, str]]:
    registrar = registrar or await f.registrar()
    number = f.id_number()
    tokens = await f.citizen_tokens(
        client, sms, phone=phone, name=name, number=number, registrar_key=registrar
    )
    return number, f.bearer(tokens)


async def _list(client: httpx.AsyncClient, auth: dict[str, str], **params: Any) -> dict[str, Any]:
    response = await client.get(ME, headers=auth, params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    return body


def _cursor(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


async def test_records_are_listed_newest_first_with_department_dates_and_legal_basis(
    client: httpx.AsyncClient, sms: MemorySmsSender
) -> None:
    number, auth = await _citizen(client, sms, "13910000201")
    police = await f.department("police", SCOPES)
    league = await f.department("league", ["domain:volunteer_service"])
    police_body = await post_batch(
        client,
        police,
        [
            f.record(number, "p-1", occurredOn=days_ago(50), decidedOn=days_ago(45)),
            f.record(number, "p-2", occurredOn=days_ago(5)),
            f.record(
                number,
                "p-3",
                record_type="TRAFFIC-SIGNAL-VIOLATION-PEDESTRIAN",
                occurredOn=days_ago(20),
            ),
        ],
    )
    league_body = await post_batch(
        client,
        league,
        [f.record(number, "v-1", record_type="VOLUNTEER-SERVICE-HOURS", occurredOn=days_ago(10))],
    )
    ids = {i["sourceReference"]: i["recordId"] for i in police_body["items"]}
    ids["v-1"] = league_body["items"][0]["recordId"]

    body = await _list(client, auth)
    assert [item["id"] for item in body["items"]] == [ids[r] for r in ("p-2", "v-1", "p-3", "p-1")]
    assert body["nextCursor"] is None
    catalog = load_catalogs().in_force(today())
    for item in body["items"]:
        record_type = catalog.get(item["recordType"])
        assert record_type is not None
        decided = dt.date.fromisoformat(item["decidedOn"])
        assert item["title"] == item["titleZh"] == record_type.name_zh
        assert item["titleEn"] == record_type.name_en
        assert item["domainName"] == catalog.domains[record_type.domain].name_zh
        assert item["legalBasis"] == record_type.legal_basis and item["legalBasis"]
        assert item["domainNameZh"] == catalog.domains[record_type.domain].name_zh
        assert item["displayUntil"] == display_until(record_type, decided).isoformat()
        repair = repairable_from(record_type, decided)
        assert item["repairPossibleFrom"] == (repair.isoformat() if repair else None)
        assert item["status"] == "active"
        assert item["catalogVersion"] == catalog.version
        assert set(item) >= {"reportedAt", "updatedAt", "evidenceSummary", "decisionDocumentNo"}
    # Names in the request's language (Accept-Language), never a code.
    english = (await client.get(ME, headers={**auth, "Accept-Language": "en"})).json()
    for item in english["items"]:
        record_type = catalog.get(item["recordType"])
        assert record_type is not None
        assert item["title"] == record_type.name_en
        assert item["domainName"] == catalog.domains[record_type.domain].name_en
    departments = {item["id"]: item["department"] for item in body["items"]}
    assert departments[ids["p-1"]] == {"code": "police", "name": "Department police"}
    assert departments[ids["v-1"]] == {"code": "league", "name": "Department league"}
    assert number not in str(body)


async def test_cursor_paging_returns_every_record_exactly_once_in_order(
    client: httpx.AsyncClient, sms: MemorySmsSender
) -> None:
    number, auth = await _citizen(client, sms, "13910000202")
    key = await f.department("police", SCOPES)
    # Two pairs share an occurredOn, so the id must break the tie.
    days = [9, 3, 3, 12, 9]
    await post_batch(
        client,
        key,
        [f.record(number, f"g-{i}", occurredOn=days_ago(d)) for i, d in enumerate(days)],
    )
    everything = [item["id"] for item in (await _list(client, auth, limit=100))["items"]]
    assert len(everything) == 5

    seen: list[int] = []
    sizes: list[int] = []
    cursor: str | None = None
    for _ in range(10):
        params: dict[str, Any] = {"limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = await _list(client, auth, **params)
        seen.extend(item["id"] for item in page["items"])
        sizes.append(len(page["items"]))
        cursor = page["nextCursor"]
        if cursor is None:
            break
    assert sizes == [2, 2, 1]
    assert seen == everything
    assert len(set(seen)) == 5
    dates = [item["occurredOn"] for item in (await _list(client, auth))["items"]]
    assert dates == sorted(dates, reverse=True)


async def test_exactly_a_full_last_page_has_no_next_cursor(
    client: httpx.AsyncClient, sms: MemorySmsSender
) -> None:
    number, auth = await _citizen(client, sms, "13910000203")
    key = await f.department("police", SCOPES)
    await post_batch(
        client, key, [f.record(number, f"e-{i}", occurredOn=days_ago(i)) for i in range(4)]
    )
    first = await _list(client, auth, limit=2)
    second = await _list(client, auth, limit=2, cursor=first["nextCursor"])
    assert len(second["items"]) == 2
    assert second["nextCursor"] is None


@pytest.mark.parametrize(
    "cursor",
    [
        "!!!",
        "not-a-cursor",
        _cursor(b'["2026-01-01"]'),
        _cursor(b'[1, "2026-01-01"]'),
        _cursor(b'{"after": 1}'),
        _cursor(b'["2026-02-30", 1]'),
        _cursor(b'["2026-01-01", 18446744073709551615]'),
        _cursor(b'["2026-01-01", 9223372036854775808]'),
        _cursor(b'["2026-01-01", -9223372036854775809]'),
        "é",
    ],
)
async def test_a_forged_cursor_is_refused_naming_the_cursor(
    client: httpx.AsyncClient, sms: MemorySmsSender, cursor: str
) -> None:
    """Ids beyond bigint in a cursor used to reach asyncpg and fail with a 500."""
    _, auth = await _citizen(client, sms, "13910000204")
    response = await client.get(ME, headers=auth, params={"cursor": cursor})
    assert_problem(response, 422, "validation-failed", field="cursor")


@pytest.mark.parametrize("limit", ["0", "101", "-1", "abc", "1.5"])
async def test_a_limit_outside_1_to_100_is_refused_naming_the_limit(
    client: httpx.AsyncClient, sms: MemorySmsSender, limit: str
) -> None:
    _, auth = await _citizen(client, sms, "13910000205")
    response = await client.get(ME, headers=auth, params={"limit": limit})
    assert response.status_code in (400, 422), response.text
    assert_problem(response, response.status_code, "validation-failed", field="limit")


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "deleted"}, "status"),
        ({"status": "ACTIVE"}, "status"),
        ({"polarity": "neutral"}, "polarity"),
        ({"domain": "x" * 41}, "domain"),
    ],
)
async def test_unknown_filter_values_are_refused_naming_the_parameter(
    client: httpx.AsyncClient, sms: MemorySmsSender, params: dict[str, str], field: str
) -> None:
    _, auth = await _citizen(client, sms, "13910000206")
    response = await client.get(ME, headers=auth, params=params)
    body = assert_problem(response, 422, "validation-failed", field=field)
    assert field in body["detail"]


async def test_filters_by_polarity_domain_and_status(
    client: httpx.AsyncClient, sms: MemorySmsSender
) -> None:
    number, auth = await _citizen(client, sms, "13910000207")
    key = await f.department("multi", SCOPES)
    # A minor record decided long ago has left display (display_until <= today): expired.
    long_ago = add_months(today(), -7).isoformat()
    body = await post_batch(
        client,
        key,
        [
            f.record(number, "bad-1", occurredOn=days_ago(10)),
            f.record(
                number,
                "bad-old",
                record_type="TRAFFIC-SIGNAL-VIOLATION-PEDESTRIAN",
                occurredOn=long_ago,
            ),
            f.record(
                number, "good-1", record_type="VOLUNTEER-SERVICE-HOURS", occurredOn=days_ago(3)
            ),
            f.record(number, "good-2", record_type="BLOOD-DONATION-UNPAID", occurredOn=days_ago(4)),
            f.record(number, "gone", occurredOn=days_ago(6)),
        ],
    )
    ids = {i["sourceReference"]: i["recordId"] for i in body["items"]}
    revoked = await client.post(
        f"/v1/department/records/{ids['gone']}/revocation",
        headers=api_key(key),
        json={"reason": "依法撤销"},
    )
    assert revoked.status_code == 200

    async def listed(**params: Any) -> set[str]:
        items = (await _list(client, auth, **params))["items"]
        by_id = {v: k for k, v in ids.items()}
        return {by_id[item["id"]] for item in items}

    assert await listed() == {"bad-1", "good-1", "good-2"}
    assert await listed(status="active") == {"bad-1", "good-1", "good-2"}
    assert await listed(polarity="good") == {"good-1", "good-2"}
    assert await listed(polarity="bad") == {"bad-1"}
    assert await listed(domain="public_welfare") == {"good-2"}
    assert await listed(domain="traffic_safety") == {"bad-1"}
    assert await listed(domain="no_such_domain") == set()
    assert await listed(status="expired") == {"bad-old"}
    assert await listed(status="revoked") == {"gone"}
    assert await listed(status="all") == set(ids)
    assert await listed(status="all", polarity="bad") == {"bad-1", "bad-old", "gone"}
    assert await listed(status="all", domain="traffic_safety", polarity="good") == set()
    expired = (await _list(client, auth, status="expired"))["items"][0]
    assert expired["status"] == "expired"
    assert dt.date.fromisoformat(expired["displayUntil"]) <= today()


async def test_a_record_leaves_display_on_its_display_until_date(
    client: httpx.AsyncClient, sms: MemorySmsSender
) -> None:
    """display_until is an exclusive end: on that day the record is already expired."""
    number, auth = await _citizen(client, sms, "13910000208")
    key = await f.department("health", SCOPES)
    code = "HEALTH-SMOKING-BAN-VIOLATION"  # displayed for 1 month
    record_type = load_catalogs().in_force(today()).get(code)
    assert record_type is not None
    candidates = [today() - dt.timedelta(days=n) for n in range(20, 40)]
    ends_today = next(d for d in candidates if display_until(record_type, d) == today())
    ends_tomorrow = next(
        d for d in candidates if display_until(record_type, d) == today() + dt.timedelta(days=1)
    )
    await post_batch(
        client,
        key,
        [
            f.record(number, "ends-today", record_type=code, occurredOn=ends_today.isoformat()),
            f.record(number, "ends-later", record_type=code, occurredOn=ends_tomorrow.isoformat()),
        ],
    )
    active = (await _list(client, auth))["items"]
    expired = (await _list(client, auth, status="expired"))["items"]
    assert [i["occurredOn"] for i in active] == [ends_tomorrow.isoformat()]
    assert [i["occurredOn"] for i in expired] == [ends_today.isoformat()]


async def test_a_citizen_never_sees_another_citizens_records(
    client: httpx.AsyncClient, sms: MemorySmsSender
) -> None:
    registrar = await f.registrar()
    alice_id, alice = await _citizen(client, sms, "13910000209", "李丽", registrar)
    bob_id, bob = await _citizen(client, sms, "13910000210", "王波", registrar)
    key = await f.department("police", SCOPES)
    body = await post_batch(
        client,
        key,
        [
            f.record(alice_id, "a-1", occurredOn=days_ago(3)),
            f.record(bob_id, "b-1", occurredOn=days_ago(2)),
            f.record(bob_id, "b-2", record_type="VOLUNTEER-SERVICE-HOURS", occurredOn=days_ago(1)),
        ],
    )
    ids = {i["sourceReference"]: i["recordId"] for i in body["items"]}
    for auth, mine in ((alice, {"a-1"}), (bob, {"b-1", "b-2"})):
        for params in ({}, {"status": "all"}, {"polarity": "bad"}, {"domain": "traffic_safety"}):
            items = (await _list(client, auth, **params))["items"]
            assert {item["id"] for item in items} <= {ids[r] for r in mine}, params
        assert {i["id"] for i in (await _list(client, auth, status="all"))["items"]} == {
            ids[r] for r in mine
        }
    # Bob's cursor carries only a sort key: Alice using it still sees only her own records.
    bob_page = await _list(client, bob, limit=1)
    assert bob_page["nextCursor"]
    alice_page = await _list(client, alice, cursor=bob_page["nextCursor"])
    assert {item["id"] for item in alice_page["items"]} <= {ids["a-1"]}
    alice_text = str(await _list(client, alice, status="all"))
    assert bob_id not in alice_text and bob_id[-4:] + "王波" not in alice_text


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer not-a-token"}, {"Authorization": "Basic abc"}],
    ids=["none", "garbage", "basic"],
)
async def test_listing_needs_a_signed_in_citizen(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    response = await client.get(ME, headers=headers)
    assert response.status_code == 401, response.text
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_a_department_key_cannot_read_a_citizens_records(
    client: httpx.AsyncClient, sms: MemorySmsSender
) -> None:
    number, _ = await _citizen(client, sms, "13910000211")
    key = await f.department("police", SCOPES)
    await post_batch(client, key, [f.record(number, "k-1", occurredOn=days_ago(2))])
    response = await client.get(ME, headers=api_key(key))
    assert response.status_code in (401, 403), response.text
    assert response.headers["content-type"].startswith("application/problem+json")
