"""Credit checks in a department's procedures (应查必查): only for procedures in the department's
scopes, only under the name on file, answering what the procedure needs (the grade band, the
lists, the measures that apply and the records the department may see) and written to the
citizen's query log."""

from __future__ import annotations

from typing import Any

import httpx

from backend.identity import service as identity
from backend.identity.sms import MemorySmsSender
from backend.lists import service as lists
from backend.notifications.relay import relay_all
from backend.platform import runtime
from tests import factories as f
from tests.api.identity.problems import assert_problem

PASSWORD = "correct horse battery staple"
BATCH = "/v1/department/records:batch"
CHECKS = "/v1/department/credit-checks"
DEBTOR = "JUDICIAL-DISHONEST-JUDGMENT-DEBTOR"


async def _officer(client: httpx.AsyncClient) -> dict[str, str]:
    await identity.create_officer("reviewer", PASSWORD, "reviewer", ["officer"])
    signed = await client.post(
        "/v1/auth/officer/sign-in", json={"username": "reviewer", "password": PASSWORD}
    )
    return {"Authorization": f"Bearer {signed.json()['accessToken']}"}


async def _report(
    client: httpx.AsyncClient, key: str, number: str, ref: str, record_type: str
) -> None:
    day = runtime.clock().today().isoformat()
    item = f.record(number, ref, record_type, occurredOn=day, decidedOn=day)
    posted = await client.post(BATCH, headers={"X-Api-Key": key}, json={"records": [item]})
    assert posted.json()["accepted"] == 1, posted.text


async def _black_listed(
    client: httpx.AsyncClient, sms: MemorySmsSender, run_worker: Any, court: str
) -> tuple[str, dict[str, str]]:
    """A signed-up citizen the court found a dishonest judgment debtor, re-scored and published
    on the black list by an officer: (ID number, the citizen's headers)."""
    number, citizen = await f.signed_up(client, sms, "13970000001")
    await _report(client, court, number, "zx-1", DEBTOR)
    await run_worker()
    officer = await _officer(client)
    assert await lists.propose() == 1
    entries = "/v1/officer/lists/entries"
    [proposed] = (await client.get(f"{entries}?status=proposed", headers=officer)).json()["items"]
    approved = await client.post(
        f"{entries}/{proposed['id']}/approval", headers=officer, json={"reason": "决定书已生效"}
    )
    assert approved.status_code == 200, approved.text
    return number, citizen


def _check(number: str, procedure: str, matter: str, name: str = "陈静") -> dict[str, Any]:
    return {"idNumber": number, "name": name, "procedure": procedure, "matterReference": matter}


async def _checked(
    client: httpx.AsyncClient, key: str, body: dict[str, Any], language: str = "zh-CN"
) -> dict[str, Any]:
    response = await client.post(
        CHECKS, headers={"X-Api-Key": key, "Accept-Language": language}, json=body
    )
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


async def _queries(client: httpx.AsyncClient, citizen: dict[str, str]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = (await client.get("/v1/me/queries", headers=citizen)).json()[
        "items"
    ]
    return items


async def test_a_black_listed_citizen_checked_in_a_procedure_shows_its_measures_and_the_log(
    client: httpx.AsyncClient, sms: MemorySmsSender, run_worker: Any
) -> None:
    court = await f.department(
        "court",
        ["domain:judicial_litigation", "procedure:government-procurement", "procedure:honours"],
    )
    exam_office = await f.department("exam-office", ["procedure:civil-service-exam"])
    finance = await f.department("finance", ["procedure:government-procurement"])
    tender_office = await f.department("tender-office", [f"record:{DEBTOR}", "procedure:bidding"])
    number, citizen = await _black_listed(client, sms, run_worker, court)
    card = (await client.get("/v1/me/card", headers=citizen)).json()
    mine = (await client.get("/v1/me/benefits", headers=citizen)).json()
    display_until = {m["code"]: m["endsOn"] for m in mine["restrictions"]}

    # The exam office: its one measure, mandatory, with its basis and end; the judicial record
    # is outside its scopes, so only counted.
    exam = await _checked(
        client, exam_office, _check(number, "civil-service-exam", "衢人社考录〔2026〕第0312号")
    )
    assert exam["onFile"] is True
    assert exam["procedure"]["code"] == "civil-service-exam"
    assert exam["procedure"]["name"] == "人事考试录用"
    assert exam["grade"]["code"] == card["grade"]["code"]
    assert "points" not in exam and "points" not in exam["grade"]
    assert (exam["onBlackList"], exam["onRedList"]) == (True, False)
    [measure] = exam["measures"]
    assert measure["code"] == "civil-service-exclusion"
    assert (measure["kind"], measure["name"]) == ("mandatory", "不得录用为公务员")
    assert measure["legalBasis"] == "《公务员录用规定》第十八条"
    assert measure["endsOn"] == display_until["civil-service-exclusion"]
    assert (measure["records"], measure["recordsWithheld"]) == ([], 1)

    # Procurement by the court (its domain, which the procedure lists): the record is shown;
    # the same procedure by the finance bureau (no judicial scope) only counts it.
    procurement = _check(number, "government-procurement", "衢财采〔2026〕88号")
    by_court = await _checked(client, court, procurement, "en")
    assert [m["code"] for m in by_court["measures"]] == [
        "legal-representative-restriction",
        "key-supervision",
    ]
    assert [m["kind"] for m in by_court["measures"]] == ["mandatory", "recommended"]
    for shown in by_court["measures"]:
        [record] = shown["records"]
        assert record["recordType"] == DEBTOR and record["domain"] == "judicial_litigation"
        assert record["recordTitle"].startswith("Dishonest judgment debtor")
        assert record["decisionDocumentNo"] == "公交决字〔2026〕zx-1号"
        assert record["department"] == "Department court"
        assert shown["recordsWithheld"] == 0
    by_finance = await _checked(client, finance, procurement)
    assert [(m["records"], m["recordsWithheld"]) for m in by_finance["measures"]] == [
        ([], 1),
        ([], 1),
    ]
    # A `record:<TYPE>` scope covers the record too.
    bidding = await _checked(client, tender_office, _check(number, "bidding", "招标2026-17"))
    assert all(len(m["records"]) == 1 for m in bidding["measures"])
    # The court's scope covers the record, but honours do not see judicial records.
    [honours] = (await _checked(client, court, _check(number, "honours", "评优2026-3")))["measures"]
    assert honours["code"] == "no-government-honours"
    assert (honours["records"], honours["recordsWithheld"]) == ([], 1)

    # The citizen's query log shows each check: who, the procedure and the matter, the basis,
    # what was answered; and the daily "who looked" notice.
    logged = await _queries(client, citizen)
    assert len(logged) == 5
    by_exam = next(q for q in logged if q["organisation"] == "Department exam-office")
    assert by_exam["actorKind"] == "department"
    assert by_exam["basis"] == "procedure:civil-service-exam"
    assert (
        "人事考试录用" in by_exam["purpose"] and "衢人社考录〔2026〕第0312号" in by_exam["purpose"]
    )
    assert "黑名单：是" in by_exam["seen"] and "不得录用为公务员" in by_exam["seen"]
    assert "1 counted only" in by_exam["seen"]
    court_bases = sorted(q["basis"] for q in logged if q["organisation"] == "Department court")
    assert court_bases == ["procedure:government-procurement", "procedure:honours"]
    await relay_all()
    inbox = (await client.get("/v1/me/notifications", headers=citizen)).json()["items"]
    looked = [n for n in inbox if n["kind"] == "query.made"]
    assert looked and all("查询了你的信用信息" in n["body"] for n in looked)


async def test_a_procedure_outside_the_scopes_or_unknown_is_refused_and_not_logged(
    client: httpx.AsyncClient, sms: MemorySmsSender, run_worker: Any
) -> None:
    court = await f.department("court", ["domain:judicial_litigation"])
    exam_office = await f.department("exam-office", ["procedure:civil-service-exam"])
    number, citizen = await _black_listed(client, sms, run_worker, court)
    refused = await client.post(
        CHECKS, headers={"X-Api-Key": exam_office}, json=_check(number, "honours", "评优2026-3")
    )
    body = assert_problem(refused, 403, "procedure-not-in-scope", field="procedure")
    assert "procedure:honours" in body["detail"]
    # The court reports records but runs no procedure in its scopes.
    assert_problem(
        await client.post(
            CHECKS, headers={"X-Api-Key": court}, json=_check(number, "civil-service-exam", "x")
        ),
        403,
        "procedure-not-in-scope",
        field="procedure",
    )
    assert_problem(
        await client.post(
            CHECKS, headers={"X-Api-Key": exam_office}, json=_check(number, "astrology", "x")
        ),
        422,
        "procedure-unknown",
        field="procedure",
    )
    assert_problem(
        await client.post(
            CHECKS,
            headers={"X-Api-Key": exam_office},
            json=_check(number, "civil-service-exam", "   "),
        ),
        422,
        "validation-failed",
        field="matterReference",
    )
    assert await _queries(client, citizen) == []
    # In scope, the same department is answered and logged.
    await _checked(client, exam_office, _check(number, "civil-service-exam", "考录-1"))
    assert [q["basis"] for q in await _queries(client, citizen)] == ["procedure:civil-service-exam"]


async def test_the_name_must_be_the_one_on_file_and_an_unknown_person_has_no_information(
    client: httpx.AsyncClient, sms: MemorySmsSender, db: Any
) -> None:
    exam_office = await f.department("exam-office", ["procedure:civil-service-exam"])
    number, citizen = await f.signed_up(client, sms, "13970000011")
    wrong = await client.post(
        CHECKS,
        headers={"X-Api-Key": exam_office},
        json=_check(number, "civil-service-exam", "考录-2", name="陈晶"),
    )
    assert_problem(wrong, 422, "name-mismatch", field="name")
    assert_problem(
        await client.post(
            CHECKS,
            headers={"X-Api-Key": exam_office},
            json=_check(
                number[:-1] + ("0" if number[-1] != "0" else "1"), "civil-service-exam", "x"
            ),
        ),
        422,
        "invalid-id-number",
        field="idNumber",
    )
    assert await _queries(client, citizen) == []

    # A clean citizen under the name on file: a grade band, no list, no measure.
    clean = await _checked(client, exam_office, _check(number, "civil-service-exam", "考录-3"))
    assert (clean["onFile"], clean["grade"]["code"], clean["measures"]) == (True, "A", [])
    assert (clean["onBlackList"], clean["onRedList"]) == (False, False)
    [logged] = await _queries(client, citizen)
    assert "适用于该事项的惩戒措施：无" in logged["seen"]

    # Nobody on file under this ID number: no credit information, kept in the audit log.
    stranger = f.id_number()
    unknown = await _checked(client, exam_office, _check(stranger, "civil-service-exam", "考录-4"))
    assert unknown["onFile"] is False
    assert (unknown["grade"], unknown["measures"], unknown["onBlackList"]) == (None, [], False)
    audited = await db.fetchrow(
        "SELECT actor_kind, object_id, after FROM audit_log"
        " WHERE action = 'credit-check.not-on-file'"
    )
    assert (audited["actor_kind"], audited["object_id"]) == ("department", "civil-service-exam")
    assert stranger not in audited["after"] and "考录-4" in audited["after"]


async def test_a_procedure_whose_measures_are_not_the_citizens_lists_none(
    client: httpx.AsyncClient, sms: MemorySmsSender, run_worker: Any
) -> None:
    police = await f.department("traffic", ["domain:traffic_safety"])
    market = await f.department("market", ["procedure:enterprise-head"])
    exam_office = await f.department("exam-office", ["procedure:civil-service-exam"])
    number, _ = await f.signed_up(client, sms, "13970000021")
    # Drunk driving is serious: the measures for any serious record are in force (civil-service
    # exclusion among them), but not the bar on serving as a company's legal representative.
    await _report(client, police, number, "dd-1", "TRAFFIC-DRUNK-DRIVING")
    await run_worker()
    head = await _checked(client, market, _check(number, "enterprise-head", "衢市监登〔2026〕5号"))
    assert head["onFile"] is True and head["measures"] == []
    exam = await _checked(client, exam_office, _check(number, "civil-service-exam", "考录-5"))
    assert [m["code"] for m in exam["measures"]] == ["civil-service-exclusion"]
    assert exam["measures"][0]["endsOn"] > runtime.clock().today().isoformat()
