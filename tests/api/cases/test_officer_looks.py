"""Every look by an officer at a citizen's case, record or evidence is written to that citizen's
query log (查询日志) with the officer's display name and a purpose (issue 18): the route's own
(the handling of the case) and, with ``?purpose=``, the officer's words added to it. The
citizen reads the entries at GET /v1/me/queries; another citizen's log gains nothing."""

from __future__ import annotations

from typing import Any

import httpx

from backend.identity.sms import MemorySmsSender
from backend.lists import service as lists
from backend.platform import runtime
from tests import factories as f
from tests.api.console.test_console import _signed_in
from tests.api.lists.test_lists import BATCH, _serious_record
from tests.api.objections.helpers import citizen, count, days_ago, file_objection, officer

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
DISPLAY_NAME = "信用办审核员"  # the display name tests' officers get (objections helpers)


async def _citizen_id(db: Any, objection_id: int) -> int:
    citizen_id: int = await db.fetchval("SELECT citizen FROM objection WHERE id = $1", objection_id)
    return citizen_id


async def test_an_officer_reading_a_citizens_case_and_evidence_is_in_their_query_log(
    client: httpx.AsyncClient, sms: MemorySmsSender, db: Any
) -> None:
    drink = ("TRAFFIC-DRINK-DRIVING", days_ago(20))
    a = await citizen(client, sms, "13953000001", [drink])
    b = await citizen(client, sms, "13953000002", [drink], key=a.key)
    case_a = (await file_objection(client, a, a.records[0])).json()["objection"]["id"]
    case_b = (await file_objection(client, b, b.records[0])).json()["objection"]["id"]
    uploaded = await client.post(
        f"/v1/me/objections/{case_a}/evidence",
        headers=a.headers,
        files=[("files", ("proof.pdf", PDF, "application/pdf"))],
    )
    evidence_id = uploaded.json()[0]["id"]
    headers = await officer(client)

    queue = await client.get("/v1/officer/objections", headers=headers)
    assert queue.status_code == 200
    assert await count(db, "SELECT count(*) FROM query_log") == 0  # a queue shows no one
    case = await client.get(
        f"/v1/officer/objections/{case_a}", params={"purpose": "复核异议材料"}, headers=headers
    )
    assert case.status_code == 200, case.text
    assert case.json()["record"]["record"]["id"] == a.records[0]  # the record is in the look
    download = await client.get(f"/v1/officer/evidence/{evidence_id}", headers=headers)
    assert download.status_code == 200 and download.content == PDF

    looks = await db.fetch(
        "SELECT citizen, actor_kind, organisation, purpose, basis FROM query_log ORDER BY id"
    )
    citizen_a = await _citizen_id(db, case_a)
    assert [r["citizen"] for r in looks] == [citizen_a, citizen_a]
    assert {r["actor_kind"] for r in looks} == {"officer"}
    assert all(DISPLAY_NAME in r["organisation"] for r in looks)
    assert looks[0]["purpose"] == f"handling objection {case_a} (异议处理): 复核异议材料"
    assert looks[1]["purpose"] == f"handling objection {case_a}"  # no words: the route's own
    assert {r["basis"] for r in looks} == {f"objection {case_a}"}
    citizen_b = await _citizen_id(db, case_b)
    assert await count(db, "SELECT count(*) FROM query_log WHERE citizen = $1", citizen_b) == 0

    mine = await client.get("/v1/me/queries", headers=a.headers)
    assert mine.status_code == 200, mine.text
    entries = mine.json()["items"]
    assert len(entries) == 2
    assert all(e["actorKind"] == "officer" and DISPLAY_NAME in e["organisation"] for e in entries)
    assert any("复核异议材料" in e["purpose"] for e in entries)
    theirs = await client.get("/v1/me/queries", headers=b.headers)
    assert theirs.json()["items"] == []


async def test_a_stated_purpose_is_bounded(client: httpx.AsyncClient, sms: MemorySmsSender) -> None:
    a = await citizen(client, sms, "13953000003", [("TRAFFIC-DRINK-DRIVING", days_ago(20))])
    case_a = (await file_objection(client, a, a.records[0])).json()["objection"]["id"]
    headers = await officer(client)
    refused = await client.get(
        f"/v1/officer/objections/{case_a}", params={"purpose": "x" * 201}, headers=headers
    )
    assert refused.status_code in (400, 422), refused.text


async def test_an_officer_reading_a_case_in_the_console_is_in_the_query_log(
    client: httpx.AsyncClient, sms: MemorySmsSender, db: Any
) -> None:
    a = await citizen(client, sms, "13953000004", [("TRAFFIC-DRINK-DRIVING", days_ago(20))])
    case_a = (await file_objection(client, a, a.records[0])).json()["objection"]["id"]
    await _signed_in(client, "张科员", ["officer"])

    page = await client.get(f"/console/cases/objections/{case_a}", params={"purpose": "电话咨询"})

    assert page.status_code == 200, page.text[:300]
    looks = await db.fetch("SELECT citizen, organisation, purpose FROM query_log")
    assert [r["citizen"] for r in looks] == [await _citizen_id(db, case_a)]
    assert "张科员" in looks[0]["organisation"]
    assert looks[0]["purpose"].endswith(": 电话咨询")


async def test_an_officer_reading_a_list_entry_is_in_the_persons_query_log(
    client: httpx.AsyncClient, sms: MemorySmsSender, db: Any
) -> None:
    today = runtime.clock().today()
    a_headers, key, a_record = await _serious_record(client, sms, "13953000011", today)
    b_number, b_headers = await f.signed_up(client, sms, "13953000012")
    day = today.isoformat()
    b_item = f.record(b_number, "s-b", "TRAFFIC-DRUNK-DRIVING", occurredOn=day, decidedOn=day)
    posted = await client.post(BATCH, headers={"X-Api-Key": key}, json={"records": [b_item]})
    assert posted.status_code == 200, posted.text
    assert await lists.propose() == 2
    headers = await officer(client)
    queue = await client.get("/v1/officer/lists/entries?status=proposed", headers=headers)
    assert queue.status_code == 200, queue.text
    assert await count(db, "SELECT count(*) FROM query_log") == 0  # a queue shows no one
    entry_a, citizen_a = await db.fetchrow(
        "SELECT id, citizen FROM list_entry WHERE record = $1", a_record
    )
    looked = await client.get(
        f"/v1/officer/lists/entries/{entry_a}", params={"purpose": "审核公示"}, headers=headers
    )
    assert looked.status_code == 200, looked.text
    [look] = await db.fetch(
        "SELECT citizen, actor_kind, organisation, purpose, basis FROM query_log"
    )
    assert look["citizen"] == citizen_a
    assert look["actor_kind"] == "officer" and DISPLAY_NAME in look["organisation"]
    assert look["purpose"].endswith(": 审核公示") and look["basis"] == f"list entry {entry_a}"
    # Deciding on the entry is audited as the decision, not logged as another look.
    approved = await client.post(
        f"/v1/officer/lists/entries/{entry_a}/approval",
        headers=headers,
        json={"reason": "予以公示"},
    )
    assert approved.status_code == 200, approved.text
    assert await count(db, "SELECT count(*) FROM query_log") == 1
    mine = (await client.get("/v1/me/queries", headers=a_headers)).json()["items"]
    assert [e["basis"] for e in mine] == [f"list entry {entry_a}"]
    assert (await client.get("/v1/me/queries", headers=b_headers)).json()["items"] == []
    unknown = await client.get("/v1/officer/lists/entries/999", headers=headers)
    assert unknown.status_code == 404
    assert await count(db, "SELECT count(*) FROM query_log") == 1
