"""Reports of dishonest behaviour (举报): filed by a citizen, routed to the competent department,
accepted and decided within working days, the reporter told the outcome with reasons; the
reporter's identity confidential from everyone but the ``reports`` role; limits against abuse."""

from __future__ import annotations

import base64
import datetime as dt
import re
from typing import Any

import httpx
from litestar import Litestar

from backend.cases.deadlines import check_deadlines
from backend.identity import service as identity
from backend.identity.id_number import mask_id_number
from backend.identity.sms import MemorySmsSender
from backend.notifications.relay import relay_all
from backend.platform import runtime
from backend.platform.calendar import add_working_days
from backend.platform.database import connection
from backend.reports.kind import REPORT
from tests import factories as f
from tests.api.identity.problems import assert_problem
from tests.conftest import BusinessDate

PASSWORD = "correct horse battery staple"
MINE = "/v1/me/reports"
CODE = "91350100M000100Y43"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PARAMETER = re.compile(r"{(\w+):(\w+)}")


async def _officer(client: httpx.AsyncClient, username: str, roles: list[str]) -> dict[str, str]:
    await identity.create_officer(username, PASSWORD, username, roles)
    signed = await client.post(
        "/v1/auth/officer/sign-in", json={"username": username, "password": PASSWORD}
    )
    return {"Authorization": f"Bearer {signed.json()['accessToken']}"}


class People:
    """A reporter (李四), the person reported (陈静, with an account too), the food department
    the category routes to and another department."""

    reporter: dict[str, str]
    reporter_number: str
    reporter_phone = "13960000001"
    reported: dict[str, str]
    reported_number: str
    food: dict[str, str]
    other: dict[str, str]


async def _people(client: httpx.AsyncClient, sms: MemorySmsSender) -> People:
    p = People()
    p.reported_number, p.reported = await f.signed_up(client, sms, "13960000002")
    registrar = await f.department("registrar-2", ["registry:write"])
    p.reporter_number = f.id_number()
    tokens = await f.citizen_tokens(
        client,
        sms,
        phone=p.reporter_phone,
        name="李四",
        number=p.reporter_number,
        registrar_key=registrar,
    )
    p.reporter = f.bearer(tokens)
    p.food = {"X-Api-Key": await f.department("city-market", ["domain:food_drugs"])}
    p.other = {"X-Api-Key": await f.department("city-env", ["domain:environmental_protection"])}
    return p


def _report(**extra: Any) -> dict[str, Any]:
    return {
        "subjectKind": "organisation",
        "subjectName": "某某餐饮管理有限公司",
        "subjectCreditCode": CODE,
        "category": "food_drugs",
        "description": "2026年11月20日购买的熟食已过保质期，店员拒绝退换，附照片和小票。",
        **extra,
    }


async def test_a_report_is_routed_accepted_decided_and_the_reporter_hears_why(
    client: httpx.AsyncClient, sms: MemorySmsSender
) -> None:
    p = await _people(client, sms)
    filed = await client.post(MINE, headers=p.reporter, json=_report())
    assert filed.status_code == 201, filed.text
    report = filed.json()["report"]
    today = runtime.clock().today()
    assert report["status"] == "submitted" and report["department"] == "Department city-market"
    assert report["subjectCodeMasked"] == "9135***********Y43"
    assert report["deadline"]["stage"] == "accept"
    assert report["deadline"]["dueOn"] == add_working_days(today, 5).isoformat()
    assert filed.headers["location"] == f"{MINE}/{report['id']}"
    one = f"/v1/department/reports/{report['id']}"

    queue = (await client.get("/v1/department/reports", headers=p.food)).json()["items"]
    assert [r["id"] for r in queue] == [report["id"]]
    assert (await client.get("/v1/department/reports", headers=p.other)).json()["items"] == []
    assert_problem(await client.get(one, headers=p.other), 404, "report-not-found")
    seen = (await client.get(one, headers=p.food)).json()
    assert seen["subjectName"] == "某某餐饮管理有限公司" and seen["subjectCode"] == CODE

    accepted = await client.post(f"{one}/acceptance", headers=p.food, json={"reason": "予以受理"})
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["deadline"]["dueOn"] == add_working_days(today, 20).isoformat()
    decided = await client.post(
        f"{one}/decision",
        headers=p.food,
        json={"outcome": "substantiated", "reason": "经现场检查，情况属实，已立案处罚"},
    )
    assert decided.status_code == 200, decided.text
    assert decided.json()["status"] == "substantiated" and decided.json()["deadline"] is None
    again = await client.post(
        f"{one}/decision", headers=p.food, json={"outcome": "malicious", "reason": "再次决定"}
    )
    assert_problem(again, 409, "case-closed")

    mine = (await client.get(f"{MINE}/{report['id']}", headers=p.reporter)).json()
    assert mine["report"]["decisionReason"] == "经现场检查，情况属实，已立案处罚"
    assert [s["action"] for s in mine["steps"]] == ["submit", "accept", "decide"]
    await relay_all()
    inbox = (await client.get("/v1/me/notifications", headers=p.reporter)).json()["items"]
    told = [n for n in inbox if n["kind"] == "report.changed"]
    assert len(told) == 3
    assert any("举报属实" in n["body"] and "已立案处罚" in n["body"] for n in told), told
    async with connection() as conn:
        stat = await conn.fetchrow(
            "SELECT handled, on_time FROM department_case_stat WHERE case_kind = 'report'"
        )
    assert (stat["handled"], stat["on_time"]) == (1, 1)


def _traces(p: People) -> list[str]:
    """What would name the reporter: their ID number (whole or masked), phone, name."""
    return [p.reporter_number, mask_id_number(p.reporter_number), p.reporter_phone, "李四"]


def _operations(app: Litestar, prefix: str) -> list[tuple[str, str]]:
    found = []
    for route in app.routes:
        if not route.path.startswith(prefix):
            continue
        for handler in getattr(route, "route_handlers", []):
            for method in sorted(handler.http_methods - {"OPTIONS", "HEAD"}):
                found.append((method, route.path))
    return found


async def test_nobody_but_the_reports_role_learns_who_reported(
    client: httpx.AsyncClient, sms: MemorySmsSender, app: Litestar
) -> None:
    p = await _people(client, sms)
    about_person = _report(
        subjectKind="person",
        subjectName="陈静",
        subjectCreditCode=None,
        subjectIdNumber=p.reported_number,
    )
    report_id = (await client.post(MINE, headers=p.reporter, json=about_person)).json()["report"][
        "id"
    ]
    upload = await client.post(
        f"{MINE}/{report_id}/evidence",
        headers=p.reporter,
        files={"files": ("receipt.png", PNG, "image/png")},
    )
    assert upload.status_code == 201, upload.text
    evidence_id = upload.json()[0]["id"]
    ids = {"report_id": str(report_id), "evidence_id": str(evidence_id)}
    traces = _traces(p)
    leaked: list[Any] = []
    swept = 0
    # every route the department and the reported citizen can call, read from the app
    for who, headers, prefix in (
        ("department", p.food, "/v1/department/"),
        ("reported", p.reported, "/v1/me"),
    ):
        for method, template in _operations(app, prefix):
            path = PARAMETER.sub(lambda m: ids.get(m.group(1), "1"), template)
            response = await client.request(method, path, headers=headers, json={})
            assert response.status_code < 500, (who, method, path, response.text)
            swept += 1
            for trace in traces:
                if trace in response.text:
                    leaked.append((who, method, path, trace))
    assert leaked == [] and swept > 60, (leaked, swept)
    # the reported citizen has no way to the report at all
    reported_view = await client.get(f"{MINE}/{report_id}", headers=p.reported)
    assert_problem(reported_view, 404, "report-not-found")
    file_view = await client.get(f"/v1/me/evidence/{evidence_id}", headers=p.reported)
    assert file_view.status_code == 404
    assert (await client.get(f"/v1/me/evidence/{evidence_id}", headers=p.reporter)).content == PNG
    download = await client.get(f"/v1/department/evidence/{evidence_id}", headers=p.food)
    assert download.content == PNG and "receipt" not in download.headers["content-disposition"]
    staff_files = (await client.get(f"/v1/department/reports/{report_id}", headers=p.food)).json()
    assert [e["originalName"] for e in staff_files["evidence"]] == [f"evidence-{evidence_id}.png"]
    mine = (await client.get(f"{MINE}/{report_id}", headers=p.reporter)).json()
    assert [e["originalName"] for e in mine["evidence"]] == ["receipt.png"]

    # officers: the case and its steps name the reporter only as a pseudonym
    officer = await _officer(client, "officer-1", ["officer"])
    admin = await _officer(client, "admin-1", ["admin"])
    keeper = await _officer(client, "keeper-1", ["reports"])
    case = await client.get(f"/v1/officer/reports/{report_id}", headers=officer)
    assert case.status_code == 200 and all(t not in case.text for t in traces)
    assert {s["actorId"] for s in case.json()["steps"] if s["actorKind"] == "citizen"} == {
        "reporter"
    }
    reveal = f"/v1/officer/reports/{report_id}/reporter-disclosure"
    for headers in (officer, admin, p.reporter):
        refused = await client.post(reveal, headers=headers, json={"reason": "核实身份"})
        assert refused.status_code == 403
    assert (await client.post(reveal, headers=p.food, json={"reason": "核实"})).status_code in (
        401,
        403,
    )
    shown = await client.post(reveal, headers=keeper, json={"reason": "核实举报人身份以便奖励"})
    assert shown.status_code == 200, shown.text
    assert shown.json()["idNumber"] == p.reporter_number and shown.json()["name"] == "李四"
    assert shown.headers["cache-control"] == "no-store"
    async with connection() as conn:
        audit = await conn.fetch("SELECT actor_id, action, after FROM audit_log")
        looks = await conn.fetchval("SELECT count(*) FROM query_log")
        outbox = await conn.fetch("SELECT citizen FROM outbox_event WHERE kind = 'report.changed'")
        reporter_id = await conn.fetchval(
            "SELECT citizen FROM citizen_account WHERE phone_index = $1",
            identity.phone_index(p.reporter_phone),
        )
    report_audit = [a for a in audit if a["action"].startswith(("report.", "evidence."))]
    assert report_audit and all(a["actor_id"] != str(reporter_id) for a in report_audit)
    assert all(p.reporter_number not in str(a["after"]) for a in audit)
    assert "report.reporter-disclosed" in {a["action"] for a in audit}
    assert looks == 0  # a report is nobody's credit: no query log entry for anyone
    assert {row["citizen"] for row in outbox} == {reporter_id}  # notices to the reporter alone


async def test_limits_against_abuse_and_clear_refusals(
    client: httpx.AsyncClient, sms: MemorySmsSender
) -> None:
    p = await _people(client, sms)
    assert (await client.post(MINE, headers=p.reporter, json=_report())).status_code == 201
    duplicate = await client.post(MINE, headers=p.reporter, json=_report())
    assert_problem(duplicate, 409, "report-duplicate")
    for n in range(4):
        other = _report(subjectName=f"第{n}家餐饮店", subjectCreditCode=None)
        assert (await client.post(MINE, headers=p.reporter, json=other)).status_code == 201
    sixth = _report(subjectName="第六家餐饮店", subjectCreditCode=None)
    assert_problem(
        await client.post(MINE, headers=p.reporter, json=sixth), 409, "report-limit-reached"
    )

    _, someone = await f.signed_up(client, sms, "13960000003")
    bad_id = _report(subjectKind="person", subjectCreditCode=None, subjectIdNumber="123")
    refused = await client.post(MINE, headers=someone, json=bad_id)
    assert_problem(refused, 422, "invalid-id-number", field="subjectIdNumber")
    bad_code = _report(subjectCreditCode="91350100M000100Y44")
    refused = await client.post(MINE, headers=someone, json=bad_code)
    assert_problem(refused, 422, "invalid-credit-code", field="subjectCreditCode")
    refused = await client.post(MINE, headers=someone, json=_report(category="astrology"))
    assert_problem(refused, 422, "category-unknown", field="category")
    refused = await client.post(MINE, headers=someone, json=_report(category="tax_payment"))
    assert_problem(refused, 409, "no-competent-department", field="category")
    refused = await client.post(MINE, headers=someone, json=_report(description="太短"))
    assert_problem(refused, 422, "description-length", field="description")
    refused = await client.post(MINE, headers=someone, json=_report(subjectKind="robot"))
    assert_problem(refused, 422, "validation-failed", field="subjectKind")
    assert (await client.post(MINE, json=_report())).status_code == 401


async def test_a_malicious_report_suspends_the_reporter_for_a_while(
    client: httpx.AsyncClient, sms: MemorySmsSender, business_date: BusinessDate
) -> None:
    p = await _people(client, sms)
    report_id = (await client.post(MINE, headers=p.reporter, json=_report())).json()["report"]["id"]
    one = f"/v1/department/reports/{report_id}"
    await client.post(f"{one}/acceptance", headers=p.food, json={"reason": "受理"})
    await client.post(
        f"{one}/decision", headers=p.food, json={"outcome": "malicious", "reason": "捏造事实"}
    )
    again = await client.post(MINE, headers=p.reporter, json=_report(subjectName="另一家店"))
    body = assert_problem(again, 409, "report-suspended")
    until = dt.date.fromisoformat(body["extra"]["until"])
    business_date(until)
    later = await client.post(MINE, headers=p.reporter, json=_report(subjectName="另一家店"))
    assert later.status_code == 201, later.text


async def test_deadlines_escalate_and_count_against_the_department(
    client: httpx.AsyncClient, sms: MemorySmsSender, business_date: BusinessDate
) -> None:
    p = await _people(client, sms)
    report = (await client.post(MINE, headers=p.reporter, json=_report())).json()["report"]
    due = dt.date.fromisoformat(report["deadline"]["dueOn"])
    business_date(due)
    assert (await check_deadlines(REPORT, due))["near"] == 1
    late = add_working_days(due, 1)
    business_date(late)
    assert (await check_deadlines(REPORT, late))["escalated"] == 1
    assert (await check_deadlines(REPORT, late))["escalated"] == 0  # once per deadline
    queue = await client.get("/v1/department/reports?overdue=true", headers=p.food)
    [overdue] = queue.json()["items"]
    assert overdue["escalated"] is True and overdue["deadline"]["overdue"] is True
    async with connection() as conn:
        late_count = await conn.fetchval(
            "SELECT late FROM department_case_stat WHERE case_kind = 'report'"
        )
    assert late_count == 1
    officer = await _officer(client, "stats-1", ["officer"])
    numbers = (await client.get("/v1/officer/statistics/cases", headers=officer)).json()
    assert numbers["reports"]["late"] == 1
    [department] = [d for d in numbers["departments"] if d["department"]["code"] == "city-market"]
    assert department["reports"]["late"] == 1


async def test_the_credit_office_transfers_extends_and_the_reporter_withdraws(
    client: httpx.AsyncClient, sms: MemorySmsSender
) -> None:
    p = await _people(client, sms)
    officer = await _officer(client, "officer-2", ["officer"])
    report_id = (await client.post(MINE, headers=p.reporter, json=_report())).json()["report"]["id"]
    base = f"/v1/officer/reports/{report_id}"
    unknown = await client.post(
        f"{base}/transfer", headers=officer, json={"department": "nowhere", "reason": "转办"}
    )
    assert_problem(unknown, 422, "department-unknown", field="department")
    moved = await client.post(
        f"{base}/transfer", headers=officer, json={"department": "city-env", "reason": "属环保"}
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["department"] == "Department city-env"
    assert (
        await client.get(f"/v1/department/reports/{report_id}", headers=p.food)
    ).status_code == 404
    one = f"/v1/department/reports/{report_id}"
    await client.post(f"{one}/acceptance", headers=p.other, json={"reason": "受理"})
    extended = await client.post(f"{one}/extension", headers=p.other, json={"reason": "案情复杂"})
    assert extended.status_code == 200 and extended.json()["extended"] is True
    twice = await client.post(f"{one}/extension", headers=p.other, json={"reason": "再次延期"})
    assert_problem(twice, 409, "already-extended")
    withdrawn = await client.post(
        f"{MINE}/{report_id}/withdrawal", headers=p.reporter, json={"reason": "已协商解决"}
    )
    assert withdrawn.status_code == 200 and withdrawn.json()["report"]["status"] == "withdrawn"
    again = await client.post(f"{MINE}/{report_id}/withdrawal", headers=p.reporter)
    assert_problem(again, 409, "case-closed")
    others = await client.post(f"{MINE}/{report_id}/withdrawal", headers=p.reported)
    assert_problem(others, 404, "report-not-found")


async def test_a_substantiated_report_lets_its_department_report_a_record_naming_it(
    client: httpx.AsyncClient, sms: MemorySmsSender
) -> None:
    p = await _people(client, sms)
    about = _report(
        subjectKind="person",
        subjectName="陈静",
        subjectCreditCode=None,
        subjectIdNumber=p.reported_number,
    )
    report_id = (await client.post(MINE, headers=p.reporter, json=about)).json()["report"]["id"]
    one = f"/v1/department/reports/{report_id}"
    batch = "/v1/department/records:batch"

    def item(ref: str, number: str) -> dict[str, Any]:
        return f.record(number, ref, "FOOD-UNLICENSED-OPERATION", reportId=report_id)

    early = await client.post(
        batch, headers=p.food, json={"records": [item("r-1", p.reported_number)]}
    )
    assert early.json()["items"][0]["field"] == "reportId"  # not decided yet
    await client.post(f"{one}/acceptance", headers=p.food, json={"reason": "受理"})
    await client.post(
        f"{one}/decision", headers=p.food, json={"outcome": "substantiated", "reason": "属实"}
    )
    other_person = f.id_number()
    posted = await client.post(
        batch,
        headers=p.food,
        json={"records": [item("r-2", p.reported_number), item("r-3", other_person)]},
    )
    assert [i["status"] for i in posted.json()["items"]] == ["accepted", "rejected"], posted.text
    assert posted.json()["items"][1]["field"] == "reportId"
    record_id = posted.json()["items"][0]["recordId"]
    elsewhere = await client.post(
        batch,
        headers={"X-Api-Key": await f.department("city-food-2", ["domain:food_drugs"])},
        json={"records": [item("r-4", p.reported_number)]},
    )
    assert elsewhere.json()["items"][0]["field"] == "reportId"  # another department's report
    assert (await client.get(one, headers=p.food)).json()["records"] == [record_id]
    # the person reported sees the record, never the report behind it
    records = await client.get("/v1/me/records", headers=p.reported)
    assert str(report_id) not in str([r.get("reportId") for r in records.json()["items"]])
    assert "reportId" not in records.json()["items"][0]


async def test_a_transfer_starts_the_new_department_clean_and_cursors_stay_in_range(
    client: httpx.AsyncClient, sms: MemorySmsSender, business_date: BusinessDate
) -> None:
    p = await _people(client, sms)
    officer = await _officer(client, "officer-3", ["officer"])
    report = (await client.post(MINE, headers=p.reporter, json=_report())).json()["report"]
    late = add_working_days(dt.date.fromisoformat(report["deadline"]["dueOn"]), 1)
    business_date(late)
    assert (await check_deadlines(REPORT, late))["escalated"] == 1
    moved = await client.post(
        f"/v1/officer/reports/{report['id']}/transfer",
        headers=officer,
        json={"department": "city-env", "reason": "属环保职责"},
    )
    assert moved.json()["escalated"] is False and moved.json()["deadline"]["overdue"] is False
    seen = (await client.get(f"/v1/department/reports/{report['id']}", headers=p.other)).json()
    assert seen["departmentLate"] is False
    huge = base64.urlsafe_b64encode(b"[99999999999999999999]").decode().rstrip("=")
    refused = await client.get(f"{MINE}?cursor={huge}", headers=p.reporter)
    assert_problem(refused, 422, "validation-failed", field="cursor")
