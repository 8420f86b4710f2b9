"""Repair operations as a contract for the mobile app: a new application and new evidence are
named by ``Location`` (a GET there answers the same thing), and the texts a person reads (path
names, blockers, the commitment, problem details) follow Accept-Language."""

from __future__ import annotations

import httpx

from backend.identity.sms import MemorySmsSender
from tests.api.objections.helpers import (
    Citizen,
    assert_problem,
    citizen,
    days_ago,
    file_objection,
    repair_body,
)
from tests.api.objections.test_evidence import PDF

APPLY = "/v1/me/repair-applications"
DRINK = "TRAFFIC-DRINK-DRIVING"  # general: repair from 6 months on
PEDESTRIAN = "TRAFFIC-SIGNAL-VIOLATION-PEDESTRIAN"  # minor: repairable after 20 days


def _en(who: Citizen) -> dict[str, str]:
    return {**who.headers, "Accept-Language": "en"}


async def test_a_new_application_is_at_its_location(
    client: httpx.AsyncClient, sms: MemorySmsSender
) -> None:
    who = await citizen(client, sms, "13935100001", [(PEDESTRIAN, days_ago(20))])
    applied = await client.post(APPLY, headers=who.headers, json=repair_body(who.records[0]))
    assert applied.status_code == 201, applied.text
    application_id = applied.json()["application"]["id"]
    assert applied.headers["location"] == f"{APPLY}/{application_id}"
    again = await client.get(applied.headers["location"], headers=who.headers)
    assert again.status_code == 200 and again.json() == applied.json()

    uploaded = await client.post(
        f"{APPLY}/{application_id}/evidence",
        headers=who.headers,
        files=[("files", ("证书.pdf", PDF, "application/pdf"))],
    )
    assert uploaded.status_code == 201, uploaded.text
    assert uploaded.headers["location"] == f"/v1/me/evidence/{uploaded.json()[0]['id']}"
    got = await client.get(uploaded.headers["location"], headers=who.headers)
    assert got.content == PDF and got.headers["content-type"] == "application/pdf"


async def test_options_name_paths_and_blockers_in_the_requests_language(
    client: httpx.AsyncClient, sms: MemorySmsSender
) -> None:
    who = await citizen(client, sms, "13935100002", [(DRINK, days_ago(20))])
    url = f"/v1/me/records/{who.records[0]}/repair-options"
    zh = (await client.get(url, headers=who.headers)).json()
    en = (await client.get(url, headers=_en(who))).json()
    assert zh["recordTitle"] == "饮酒后驾驶机动车" and en["recordTitle"] == "Driving after drinking"
    assert [p["name"] for p in zh["paths"]] == ["信用修复培训或信用报告", "志愿服务"]
    assert [p["name"] for p in en["paths"]] == [
        "Credit-repair training or a credit report",
        "Volunteer service",
    ]
    assert en["paths"][1]["needs"] == en["paths"][1]["needsEn"]
    assert zh["blockedBy"]["code"] == en["blockedBy"]["code"] == "repair-too-early"
    day = zh["possibleFrom"]
    assert zh["blockedBy"]["reason"] == (
        f"记录（编号 {who.records[0]}）自 {day} 起可申请信用修复（最短公示期届满后）"
    )
    assert en["blockedBy"]["reason"] == (
        f"repair of record {who.records[0]} can be applied for from {day}, when its minimum"
        " display period has passed"
    )


async def test_refusals_read_in_the_requests_language(
    client: httpx.AsyncClient, sms: MemorySmsSender
) -> None:
    who = await citizen(client, sms, "13935100003", [(PEDESTRIAN, days_ago(20))])
    record_id = who.records[0]
    wrong_path = repair_body(record_id, "charitable_donation")
    zh = assert_problem(
        await client.post(APPLY, headers=who.headers, json=wrong_path),
        422,
        "repair-path-not-allowed",
        "path",
    )
    en = assert_problem(
        await client.post(APPLY, headers=_en(who), json=wrong_path),
        422,
        "repair-path-not-allowed",
        "path",
    )
    assert zh["detail"] == "该记录只能通过以下方式修复：主动履约、信用修复培训或信用报告、志愿服务"
    assert en["detail"] == (
        "this record can be repaired only by: Obligation fulfilled, Credit-repair training or a"
        " credit report, Volunteer service"
    )
    assert "training_report" not in zh["detail"] + en["detail"]  # names, never codes
    await file_objection(client, who, record_id)
    blocked = assert_problem(
        await client.post(APPLY, headers=_en(who), json=repair_body(record_id)),
        409,
        "objection-open",
        "recordId",
    )
    assert blocked["detail"].startswith(f"record {record_id} has an open objection")


async def test_the_commitment_comes_in_the_requests_language_unless_asked(
    client: httpx.AsyncClient, sms: MemorySmsSender
) -> None:
    who = await citizen(client, sms, "13935100004", [])
    url = "/v1/me/repair-commitment"
    by_default = (await client.get(url, headers=who.headers)).json()
    english = (await client.get(url, headers=_en(who))).json()
    asked = (await client.get(f"{url}?language=zh-CN", headers=_en(who))).json()
    assert (by_default["language"], by_default["title"]) == ("zh-CN", "信用承诺书")
    assert (english["language"], english["title"]) == ("en", "Credit commitment")
    assert asked["language"] == "zh-CN" and asked["sha256"] == by_default["sha256"]
    bad = await client.get(f"{url}?language=fr", headers=who.headers)
    assert_problem(bad, 422, "validation-failed", "language")
