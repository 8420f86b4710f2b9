"""Red and black lists: proposed by the rules, reviewed by an officer, published, and ended on
the day their reason ends (revocation, end of display, a lost grade) or by an officer; every
step kept; the citizen sees their own and why."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx

from backend.identity import service as identity
from backend.identity.sms import MemorySmsSender
from backend.lists import service as lists
from backend.notifications.relay import relay_all
from backend.platform import runtime
from backend.records.catalog import add_months
from tests import factories as f
from tests.api.identity.problems import assert_problem
from tests.conftest import BusinessDate

PASSWORD = "correct horse battery staple"
BATCH = "/v1/department/records:batch"
ENTRIES = "/v1/officer/lists/entries"


async def _officer(client: httpx.AsyncClient, username: str, roles: list[str]) -> dict[str, str]:
    await identity.create_officer(username, PASSWORD, username, roles)
    signed = await client.post(
        "/v1/auth/officer/sign-in", json={"username": username, "password": PASSWORD}
    )
    return {"Authorization": f"Bearer {signed.json()['accessToken']}"}


async def _serious_record(
    client: httpx.AsyncClient, sms: MemorySmsSender, phone: str, decided: dt.date
) -> tuple[dict[str, str], str, int]:
    """A signed-up citizen with a serious record decided on ``decided``: (headers, key, id)."""
    key = await f.department("traffic", ["domain:traffic_safety"])
    number, headers = await f.signed_up(client, sms, phone)
    day = decided.isoformat()
    item = f.record(number, f"s-{phone}", "TRAFFIC-DRUNK-DRIVING", occurredOn=day, decidedOn=day)
    posted = await client.post(BATCH, headers={"X-Api-Key": key}, json={"records": [item]})
    assert posted.json()["accepted"] == 1, posted.text
    record_id = (await client.get("/v1/me/records", headers=headers)).json()["items"][0]["id"]
    return headers, key, record_id


async def _proposal(client: httpx.AsyncClient, officer: dict[str, str]) -> dict[str, Any]:
    page = (await client.get(f"{ENTRIES}?status=proposed", headers=officer)).json()
    [proposed] = page["items"]
    return dict(proposed)


async def test_a_serious_record_is_proposed_reviewed_published_and_leaves_when_revoked(
    client: httpx.AsyncClient, sms: MemorySmsSender, db: Any
) -> None:
    today = runtime.clock().today()
    citizen, key, record_id = await _serious_record(client, sms, "13980000001", today)
    other_citizen = (await f.signed_up(client, sms, "13980000002"))[1]
    officer = await _officer(client, "reviewer", ["officer"])
    assert await lists.propose() == 1
    assert await lists.propose() == 0  # the same day again: nothing new
    proposed = await _proposal(client, officer)
    assert proposed["list"] == "black" and proposed["why"]["recordId"] == record_id
    assert proposed["idNumberMasked"].count("*") == 10
    assert (await client.get("/v1/me/lists", headers=citizen)).json() == []

    approved = await client.post(
        f"{ENTRIES}/{proposed['id']}/approval", headers=officer, json={"reason": "决定书已生效"}
    )
    assert approved.status_code == 200, approved.text
    entry = approved.json()["entry"]
    assert entry["status"] == "published" and entry["publishedFrom"] == today.isoformat()
    assert entry["publishedUntil"] == add_months(today, 36).isoformat()
    [mine] = (await client.get("/v1/me/lists", headers=citizen)).json()
    assert mine["onList"] is True and mine["why"]["reason"] == "存在严重失信行为记录"
    assert (await client.get("/v1/me/lists", headers=other_citizen)).json() == []
    assert_problem(
        await client.post(
            f"{ENTRIES}/{proposed['id']}/approval", headers=officer, json={"reason": "再次"}
        ),
        409,
        "list-entry-state",
    )

    revoked = await client.post(
        f"/v1/department/records/{record_id}/revocation",
        headers={"X-Api-Key": key},
        json={"reason": "经复议撤销处罚决定"},
    )
    assert revoked.status_code == 200, revoked.text
    # The same day, before any job: it reads as ended, with the cause.
    [mine] = (await client.get("/v1/me/lists", headers=citizen)).json()
    assert (mine["onList"], mine["endCause"], mine["endedOn"]) == (
        False,
        "revoked",
        today.isoformat(),
    )
    assert await lists.end_lapsed() == 1
    await relay_all()
    inbox = (await client.get("/v1/me/notifications", headers=citizen)).json()["items"]
    told = {n["kind"]: n for n in inbox if n["kind"].startswith("list.")}
    assert told["list.entered"]["title"] == "你已列入严重失信主体名单"
    assert "记录已撤销" in told["list.exited"]["body"]
    detail = (await client.get(f"{ENTRIES}/{proposed['id']}", headers=officer)).json()
    assert detail["entry"]["status"] == "ended" and detail["entry"]["endCause"] == "revoked"
    assert [s["action"] for s in detail["steps"]] == ["propose", "approve", "end"]
    assert await lists.propose() == 0  # a revoked record is not proposed again
    audited = await db.fetchval("SELECT count(*) FROM audit_log WHERE object_type = 'list_entry'")
    assert audited == 1


async def test_an_entry_leaves_on_the_day_its_record_leaves_display_not_a_day_later(
    client: httpx.AsyncClient, sms: MemorySmsSender, business_date: BusinessDate
) -> None:
    today = runtime.clock().today()
    decided = add_months(today, -36) + dt.timedelta(days=2)  # display ends in two days
    citizen, _, _ = await _serious_record(client, sms, "13980000011", decided)
    officer = await _officer(client, "reviewer", ["officer"])
    await lists.propose()
    proposed = await _proposal(client, officer)
    await client.post(
        f"{ENTRIES}/{proposed['id']}/approval", headers=officer, json={"reason": "予以公示"}
    )
    business_date(today + dt.timedelta(days=1))
    [mine] = (await client.get("/v1/me/lists", headers=citizen)).json()
    assert mine["onList"] is True
    leaves = today + dt.timedelta(days=2)
    business_date(leaves)
    [mine] = (await client.get("/v1/me/lists", headers=citizen)).json()
    assert (mine["onList"], mine["endCause"], mine["endedOn"]) == (
        False,
        "display-ended",
        leaves.isoformat(),
    )
    assert await lists.end_lapsed() == 1


async def test_a_rejected_honour_is_not_proposed_again_and_an_officer_removes_with_a_reason(
    client: httpx.AsyncClient, sms: MemorySmsSender
) -> None:
    key = await f.department("civic", ["domain:honours"])
    officer = await _officer(client, "reviewer", ["officer"])
    citizens = []
    for phone, ref in (("13980000021", "h-1"), ("13980000022", "h-2")):
        number, headers = await f.signed_up(client, sms, phone)
        citizens.append(headers)
        item = f.record(number, ref, "HONOUR-BRAVERY")
        assert (
            await client.post(BATCH, headers={"X-Api-Key": key}, json={"records": [item]})
        ).json()["accepted"] == 1
    assert await lists.propose() == 2
    page = (await client.get(f"{ENTRIES}?status=proposed&list=red", headers=officer)).json()
    first, second = page["items"]
    rejected = await client.post(
        f"{ENTRIES}/{first['id']}/rejection", headers=officer, json={"reason": "材料不全"}
    )
    assert rejected.json()["entry"]["status"] == "rejected"

    async def marks() -> list[bool]:
        return [(await client.get("/v1/me/card", headers=h)).json()["redList"] for h in citizens]

    assert await marks() == [False, False]
    await client.post(
        f"{ENTRIES}/{second['id']}/approval", headers=officer, json={"reason": "见义勇为"}
    )
    # The card shows the red-list mark at once, and only on that citizen's card.
    assert sorted(await marks()) == [False, True]
    # Neither honour is proposed again (the rejected one included); what the second run finds
    # is the grade rule, now that the honours lifted both cards to AAA.
    await lists.propose()
    again = (await client.get(f"{ENTRIES}?status=proposed", headers=officer)).json()["items"]
    assert {e["why"]["ruleCode"] for e in again} <= {"red-top-grade-clean"}
    assert_problem(
        await client.post(
            f"{ENTRIES}/{second['id']}/removal", headers=officer, json={"reason": "x"}
        ),
        422,
        "validation-failed",
    )
    removed = await client.post(
        f"{ENTRIES}/{second['id']}/removal", headers=officer, json={"reason": "荣誉被撤销"}
    )
    entry = removed.json()["entry"]
    assert (entry["status"], entry["endCause"]) == ("ended", "removed")
    assert await marks() == [False, False]
    steps = (await client.get(f"{ENTRIES}/{second['id']}", headers=officer)).json()["steps"]
    assert [(s["action"], s["reason"]) for s in steps][-1] == ("remove", "荣誉被撤销")


async def test_a_grade_rule_follows_the_card(
    client: httpx.AsyncClient, sms: MemorySmsSender, db: Any, run_worker: Any
) -> None:
    number, citizen = await f.signed_up(client, sms, "13980000031")
    key = await f.department("traffic", ["domain:traffic_safety"])
    await client.post(BATCH, headers={"X-Api-Key": key}, json={"records": [f.record(number, "g")]})
    await run_worker()
    await db.execute("UPDATE credit_card SET grade = 'AAA', clean_years_flag = true")
    assert await lists.propose() == 1
    officer = await _officer(client, "reviewer", ["officer"])
    proposed = await _proposal(client, officer)
    assert (
        proposed["why"]["ruleCode"] == "red-top-grade-clean" and proposed["why"]["recordId"] is None
    )
    await client.post(
        f"{ENTRIES}/{proposed['id']}/approval", headers=officer, json={"reason": "连续三年无不良"}
    )
    await db.execute("UPDATE credit_card SET grade = 'AA'")
    [mine] = (await client.get("/v1/me/lists", headers=citizen)).json()
    assert (mine["onList"], mine["endCause"]) == (False, "grade-changed")


async def test_roles_on_the_list_routes(client: httpx.AsyncClient, sms: MemorySmsSender) -> None:
    reader = await _officer(client, "reader", ["reports"])
    plain = await _officer(client, "plain", ["officer"])
    _, citizen = await f.signed_up(client, sms, "13980000041")
    assert (await client.get(ENTRIES, headers=reader)).status_code == 200
    assert_problem(
        await client.post(f"{ENTRIES}/1/approval", headers=reader, json={"reason": "通过"}),
        403,
        "officer-role-required",
    )
    assert_problem(
        await client.post(f"{ENTRIES}/1/approval", headers=plain, json={"reason": "通过"}),
        404,
        "list-entry-not-found",
    )
    assert_problem(await client.get(ENTRIES, headers=citizen), 403, "officer-only")
    assert_problem(await client.get("/v1/me/lists", headers=plain), 403, "citizen-only")
    assert_problem(await client.get(ENTRIES), 401, "token-invalid")
