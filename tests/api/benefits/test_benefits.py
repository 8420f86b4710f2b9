"""GET /v1/me/benefits, GET /v1/me/plan and GET /v1/public/benefits against the real stack."""

from __future__ import annotations

from typing import Any

import httpx

from backend.identity.sms import MemorySmsSender
from backend.scoring.service import stored_assessment
from backend.scoring.teaser import benefits_teaser
from tests import factories as f
from tests.api.identity.problems import assert_problem
from tests.api.verification import helpers as h

BATCH = "/v1/department/records:batch"


async def _report(client: httpx.AsyncClient, key: str, records: list[dict[str, Any]]) -> Any:
    response = await client.post(BATCH, headers={"X-Api-Key": key}, json={"records": records})
    assert response.status_code == 200, response.text
    return response.json()


async def test_a_citizen_without_records_sees_what_grade_a_gives_and_what_aa_would(
    client: httpx.AsyncClient, sms: MemorySmsSender
) -> None:
    _, headers = await f.signed_up(client, sms, "13950000001")
    response = await client.get("/v1/me/benefits", headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["points"], body["grade"]["code"], body["nextGrade"]["code"]) == (1000, "A", "AA")
    assert body["pointsToNextGrade"] == 30 and body["benefitsVersion"] == "2026.1"
    available = [b["code"] for b in body["available"]]
    assert {"library-deposit-waiver", "green-channel", "rongque-shouli"} <= set(available)
    xin_yi_dai = next(b for b in body["oneGradeAway"] if b["code"] == "xin-yi-dai")
    assert xin_yi_dai["requiredGrade"]["code"] == "AA" and xin_yi_dai["eligible"] is False
    assert xin_yi_dai["unmet"] == [
        {
            "kind": "grade",
            "text": "需达到 AA（诚信优秀）：还差 30 分",
            "textZh": "需达到 AA（诚信优秀）：还差 30 分",
            "textEn": "Needs grade AA (Excellent integrity): 30 more points",
            "grade": "AA",
            "pointsNeeded": 30,
            "metOn": None,
            "recordIds": [],
        }
    ]
    assert (
        xin_yi_dai["name"] == "信易贷·信用贷款"
        and xin_yi_dai["requiredGrade"]["name"] == "诚信优秀"
    )
    assert body["restrictions"] == []


async def test_a_judgment_debtor_sees_the_measures_with_the_record_and_their_end(
    client: httpx.AsyncClient, sms: MemorySmsSender
) -> None:
    key = await f.department("court", ["domain:judicial_litigation"])
    number, headers = await f.signed_up(client, sms, "13950000002")
    posted = await _report(
        client,
        key,
        [
            f.record(
                number, "debtor-1", "JUDICIAL-DISHONEST-JUDGMENT-DEBTOR", occurredOn=h.days_ago(30)
            ),
        ],
    )
    record_id = posted["items"][0]["recordId"]
    records = (await client.get("/v1/me/records", headers=headers)).json()["items"]
    display_until = next(r for r in records if r["id"] == record_id)["displayUntil"]
    body = (await client.get("/v1/me/benefits", headers=headers)).json()
    assert body["grade"]["code"] == "B"
    measures = {r["code"]: r for r in body["restrictions"]}
    high = measures["high-consumption-restriction"]
    assert high["kind"] == "mandatory" and high["endsOn"] == display_until
    assert [(r["recordId"], r["displayUntil"], r["repairPossible"]) for r in high["records"]] == [
        (record_id, display_until, False)
    ]
    assert measures["key-supervision"]["kind"] == "recommended"
    assert high["name"] == "限制高消费" and high["records"][0]["recordTitle"].startswith(
        "失信被执行人"
    )
    # 信易医 needs A, the next grade up; the serious record stands in the way too.
    next_up = {b["code"]: b for b in body["oneGradeAway"]}
    unmet = next_up["xin-yi-yi"]["unmet"]
    assert [u["kind"] for u in unmet] == ["grade", "no_serious_record"]
    assert unmet[1]["recordIds"] == [record_id] and unmet[1]["metOn"] == display_until


async def test_the_plan_is_the_engines_and_names_what_it_unlocks(
    client: httpx.AsyncClient, sms: MemorySmsSender
) -> None:
    _, headers = await f.signed_up(client, sms, "13950000003")
    body = (await client.get("/v1/me/plan", headers=headers)).json()
    assert body["reachable"] is True and body["target"]["code"] == "AA"
    assert [(s["kind"], s["recordType"], s["units"]) for s in body["steps"]] == [
        ("bonus", "VOLUNTEER-SERVICE-HOURS", 30)
    ]
    assert "xin-yi-zu" in [b["code"] for b in body["unlocks"]]
    assert body["criterion"].startswith("步骤最少")
    assert body["steps"][0]["recordTitle"] == "志愿服务时长" and body["text"] == body["textZh"]
    top = (await client.get("/v1/me/plan?grade=AAA", headers=headers)).json()
    assert top["target"]["code"] == "AAA" and top["pointsNeeded"] == 50
    below = await client.get("/v1/me/plan?grade=B", headers=headers)
    detail = assert_problem(below, 422, "plan-target-invalid", field="grade")["detail"]
    assert detail == "目标等级 B 不高于当前等级 A，请选择更高的等级"
    below_en = await client.get("/v1/me/plan?grade=B", headers={**headers, "Accept-Language": "en"})
    detail = assert_problem(below_en, 422, "plan-target-invalid", field="grade")["detail"]
    assert detail == "grade B is not above your current grade A"
    unknown = await client.get("/v1/me/plan?grade=ZZZ", headers=headers)
    detail = assert_problem(unknown, 422, "plan-target-invalid", field="grade")["detail"]
    assert detail == "“ZZZ”不是信用等级，可选：AAA、AA、A、B、C、D"
    too_long = await client.get("/v1/me/plan?grade=AAAAAAAAAA", headers=headers)
    assert_problem(too_long, 422, "validation-failed")


async def test_benefits_need_a_citizen_and_the_catalog_is_public(client: httpx.AsyncClient) -> None:
    for path in ("/v1/me/benefits", "/v1/me/plan"):
        assert_problem(await client.get(path), 401, "token-invalid")
    public = await client.get("/v1/public/benefits")
    assert public.status_code == 200
    body = public.json()
    assert len(body["benefits"]) >= 12 and len(body["measures"]) >= 5
    library = next(b for b in body["benefits"] if b["code"] == "library-deposit-waiver")
    assert library["minGrade"] == "A" and "Xiamen" in library["source"]


async def test_the_card_teaser_names_the_highest_benefits_held(
    client: httpx.AsyncClient, sms: MemorySmsSender
) -> None:
    key = await f.department("civic", ["domain:volunteer_service"])
    number, headers = await f.signed_up(client, sms, "13950000004")
    await _report(
        client,
        key,
        [
            f.record(
                number, "hours", "VOLUNTEER-SERVICE-HOURS", occurredOn=h.days_ago(3), quantity=35
            ),
        ],
    )
    assessment = await stored_assessment(await h.citizen_id(number))
    assert assessment.points == 1035
    assert benefits_teaser(assessment) == ("xin-yi-dai", "xin-yi-zu", "xin-yi-xing")
    assert (await client.get("/v1/me/benefits", headers=headers)).json()["grade"]["code"] == "AA"


async def test_benefits_and_the_plan_follow_the_request_language(
    client: httpx.AsyncClient, sms: MemorySmsSender
) -> None:
    _, headers = await f.signed_up(client, sms, "13950000005")
    english = {**headers, "Accept-Language": "en"}
    body = (await client.get("/v1/me/benefits", headers=english)).json()
    xin_yi_dai = next(b for b in body["oneGradeAway"] if b["code"] == "xin-yi-dai")
    assert xin_yi_dai["name"] == "Credit-based loans (信易贷)"
    assert xin_yi_dai["nameZh"] == "信易贷·信用贷款"  # both languages stay
    assert xin_yi_dai["offeredBy"] == xin_yi_dai["offeredByEn"]
    assert xin_yi_dai["unmet"][0]["text"] == "Needs grade AA (Excellent integrity): 30 more points"
    assert body["grade"]["name"] == "Good integrity"
    plan = (await client.get("/v1/me/plan", headers=english)).json()
    assert plan["criterion"].startswith("fewest steps, then least effort")
    assert plan["steps"][0]["recordTitle"] == "Registered volunteer service hours"
    assert plan["text"] == plan["textEn"] and plan["target"]["name"] == "Excellent integrity"
    unlocked = {b["code"]: b["name"] for b in plan["unlocks"]}
    assert unlocked["xin-yi-zu"] == "Deposit-free rental (信易租)"
    public = (await client.get("/v1/public/benefits", headers={"Accept-Language": "en"})).json()
    library = next(b for b in public["benefits"] if b["code"] == "library-deposit-waiver")
    assert library["name"] == "Library borrowing without deposit"
    high = next(m for m in public["measures"] if m["code"] == "high-consumption-restriction")
    assert (high["name"], high["appliedBy"][0]) == (
        "High-consumption restriction",
        "People's courts",
    )
    public_zh = (await client.get("/v1/public/benefits")).json()
    assert public_zh["measures"][0]["name"] == public_zh["measures"][0]["nameZh"]
