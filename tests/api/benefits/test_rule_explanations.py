"""Explanation of automated decisions (PIPL art. 24, issue 18): the grade, each benefit, each
restriction measure and each list entry says which rule decided it.

- the card's grade: the rules version and the band's thresholds;
- a benefit: its rule (lowest grade and the conditions on top) and its source documents;
- a restriction in force and a measure at a body: the measure's rule and its legal basis;
- a list entry: the rule's code, the list rules version and the documents it follows.
"""

from __future__ import annotations

from typing import Any

import httpx

from backend.enforcement import service as enforcement
from backend.identity import service as identity
from backend.identity.sms import MemorySmsSender
from backend.lists import service as lists
from tests import factories as f
from tests.api.objections.helpers import citizen, days_ago

DEBTOR = "JUDICIAL-DISHONEST-JUDGMENT-DEBTOR"  # serious: measures, the serious-dishonesty list
COURT = ["domain:judicial_litigation"]
PASSWORD = "correct horse battery staple"


async def _debtor(client: httpx.AsyncClient, sms: MemorySmsSender, phone: str) -> Any:
    court = await f.department("court", COURT)
    return await citizen(client, sms, phone, [(DEBTOR, days_ago(400))], key=court)


async def test_the_grade_and_every_benefit_and_restriction_name_their_rule(
    client: httpx.AsyncClient, sms: MemorySmsSender
) -> None:
    who = await _debtor(client, sms, "13954000001")
    card = (await client.get("/v1/me/card", headers=who.headers)).json()
    assert card["rulesVersion"] and "minPoints" in card["grade"] and "maxPoints" in card["grade"]

    found = (await client.get("/v1/me/benefits", headers=who.headers)).json()
    statuses = [*found["available"], *found["oneGradeAway"], *found["later"]]
    assert statuses and found["benefitsVersion"]
    for status in statuses:
        rule = status["rule"]
        assert rule["minGrade"] == status["requiredGrade"]["code"], status["code"]
        assert rule["source"] and {"cleanYears", "noSeriousRecord", "noBadRecord"} <= set(rule)
    assert found["restrictions"], "a serious judgment debtor is restricted"
    for restriction in found["restrictions"]:
        rule = restriction["rule"]
        triggered = (
            DEBTOR in rule["triggerRecordTypes"]
            or rule["triggerAnySerious"]
            or "judicial_litigation" in rule["triggerSeriousDomains"]
        )
        assert triggered and rule["source"] and restriction["legalBasis"], restriction["code"]


async def test_a_measure_at_a_body_names_its_legal_basis(
    client: httpx.AsyncClient, sms: MemorySmsSender
) -> None:
    await f.department("airlines", ["measure:flight-restriction"])
    who = await _debtor(client, sms, "13954000002")
    assert (await enforcement.reconcile())["triggered"] >= 1

    mine = (await client.get("/v1/me/measures", headers=who.headers)).json()["items"]

    assert mine
    for item in mine:
        assert item["legalBasis"], item
        assert item["measureKind"] in ("mandatory", "recommended")


async def test_a_list_entry_names_its_rule_version_and_source(
    client: httpx.AsyncClient, sms: MemorySmsSender
) -> None:
    who = await _debtor(client, sms, "13954000003")
    await identity.create_officer("reviewer", PASSWORD, "审核员", ["officer"])
    signed = await client.post(
        "/v1/auth/officer/sign-in", json={"username": "reviewer", "password": PASSWORD}
    )
    officer = {"Authorization": f"Bearer {signed.json()['accessToken']}"}
    assert await lists.propose() >= 1
    page = await client.get("/v1/officer/lists/entries?status=proposed", headers=officer)
    [proposed] = page.json()["items"]
    assert proposed["why"]["ruleCode"] and proposed["why"]["rulesVersion"]
    assert proposed["why"]["rulesVersion"] == proposed["rulesVersion"]
    approved = await client.post(
        f"/v1/officer/lists/entries/{proposed['id']}/approval",
        headers=officer,
        json={"reason": "决定书已生效"},
    )
    assert approved.status_code == 200, approved.text

    [mine] = (await client.get("/v1/me/lists", headers=who.headers)).json()

    assert mine["why"]["ruleCode"] == proposed["why"]["ruleCode"]
    assert mine["why"]["rulesVersion"] == proposed["rulesVersion"]
    assert mine["why"]["ruleSource"], mine
