"""A rules version drafted and published by the office scores the cards from its effective day,
not a day before, through the nightly re-score, and the card names it."""

from __future__ import annotations

import httpx

from backend.content.live import live_content
from backend.identity.sms import MemorySmsSender
from backend.scoring.jobs import nightly_rescore
from tests import factories as f
from tests.api.policy.conftest import Officer
from tests.api.policy.test_policy_versions import CONTENT, RULES, rules_body, tomorrow
from tests.conftest import BusinessDate, RunWorker

BATCH = "/v1/department/records:batch"


async def test_published_rules_score_cards_on_their_day_and_not_before(
    client: httpx.AsyncClient,
    sms: MemorySmsSender,
    seeded: None,
    officer: Officer,
    run_worker: RunWorker,
    business_date: BusinessDate,
) -> None:
    key = await f.department()
    number, citizen = await f.signed_up(client, sms, "13960000001")
    await client.post(BATCH, headers={"X-Api-Key": key}, json={"records": [f.record(number, "r")]})
    await run_worker()
    before = (await client.get("/v1/me/card", headers=citizen)).json()
    assert before["rulesVersion"] == "2026.1"

    drafter = await officer("drafter", ["officer"])
    checker = await officer("checker", ["officer", "admin"])
    day = tomorrow()
    body = rules_body("2099.1", day, base_points=1010)
    made = await client.post(f"{RULES}/drafts", headers=drafter, json={"body": body})
    assert made.status_code == 201, made.text
    published = await client.post(
        f"{CONTENT}/drafts/{made.json()['draft']['id']}/publication",
        headers=checker,
        json={"reason": "2099 年度规则"},
    )
    assert published.status_code == 200, published.text
    await live_content().refresh()  # what every process's poller does within two seconds

    # Today: the nightly run finds nobody on older rules, and the card is as it was.
    assert (await nightly_rescore({}))["rulesVersion"] == 0
    await run_worker()
    assert (await client.get("/v1/me/card", headers=citizen)).json() == before

    # On the effective day the nightly run re-scores the card on the new version.
    business_date(day)
    assert (await nightly_rescore({}))["rulesVersion"] == 1
    await run_worker()
    after = (await client.get("/v1/me/card", headers=citizen)).json()
    assert after["rulesVersion"] == "2099.1"
    assert after["points"] == before["points"] + 10
