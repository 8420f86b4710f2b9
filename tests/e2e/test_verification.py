"""End to end: a citizen makes a code → a merchant redeems it and learns only what the benefit
needs → the citizen's query log shows it → the code never counts twice → an expired code and an
unscoped merchant are refused → the credit lock stops everything until it is switched off."""

from __future__ import annotations

from typing import Any

import httpx

from backend.identity.sms import MemorySmsSender
from tests import factories as f
from tests.api.identity.problems import assert_problem
from tests.api.verification import helpers as h


async def test_code_to_query_log_to_lock_and_back(
    client: httpx.AsyncClient, sms: MemorySmsSender, db: Any
) -> None:
    number, citizen = await f.signed_up(client, sms, "13960000001")
    library = await h.merchant()
    bikes = await h.merchant("city-bikes", "市公共自行车公司", (h.BIKES,))

    # 1. The citizen makes a code for the library deposit waiver; the library redeems it.
    issued = await h.make_code(client, citizen)
    assert len(issued["code"]) == 8 and issued["code"].isdigit() and issued["eligible"] is True
    answer = await h.redeem(client, library, code=issued["code"])
    assert answer.status_code == 200, answer.text
    body = answer.json()
    # 2. Only the allowed fields: eligible, the grade band needed, masked name, verification id.
    assert set(body) == h.ANSWER_FIELDS
    assert body["eligible"] is True and body["basis"] == "code"
    assert body["verificationId"] == issued["verificationId"]
    assert body["requiredGrade"] == {"code": "A", "nameZh": "诚信良好", "nameEn": "Good integrity"}
    assert body["citizenName"] == "陈*"
    assert body["benefit"]["code"] == h.LIBRARY
    # The citizen's app sees its code redeemed.
    mine = (await client.get(f"{h.CODES}/{issued['verificationId']}", headers=citizen)).json()
    assert mine["status"] == "redeemed" and mine["redeemedAt"] == body["checkedAt"]
    for leak in ("points", "grade", "records", "idNumber", number, "1000"):
        assert leak not in answer.text

    # 3. The citizen's query log shows who looked, why and on what basis.
    [entry] = (await client.get(h.QUERIES, headers=citizen)).json()["items"]
    assert entry["organisation"] == "市图书馆" and entry["actorKind"] == "merchant"
    assert entry["basis"] == f"verification code {issued['verificationId']}"
    # Read in either language, so both, by the benefit's name (never its code).
    assert (
        entry["purpose"]
        == "守信激励：图书馆免押金借阅 (benefit: Library borrowing without deposit)"
    )
    assert "图书馆免押金借阅" in entry["seen"] and h.LIBRARY not in entry["seen"]
    assert (
        await db.fetchval("SELECT count(*) FROM outbox_event WHERE kind = 'verification.redeemed'")
        == 1
    )

    # 4. A second redemption of the same code is refused.
    again = await h.redeem(client, library, code=issued["code"])
    assert_problem(again, 409, "verification-code-used")

    # 5. An expired code is refused.
    late = await h.make_code(client, citizen)
    await h.expire(late["verificationId"])
    assert_problem(
        await h.redeem(client, library, code=late["code"]), 410, "verification-code-expired"
    )

    # 6. A merchant not scoped to the benefit is refused, and the code stays usable.
    fresh = await h.make_code(client, citizen)
    out_of_scope = await h.redeem(client, bikes, code=fresh["code"])
    assert_problem(out_of_scope, 404, "verification-code-unknown")

    # 7. After the lock no code can be made or redeemed; after unlocking it works again.
    locked = await client.post(h.LOCK, headers=citizen)
    assert locked.status_code == 200 and locked.json()["locked"] is True
    refused = await client.post(h.CODES, json={"benefit": h.LIBRARY}, headers=citizen)
    assert "信用锁" in assert_problem(refused, 423, "credit-locked")["detail"]
    assert_problem(await h.redeem(client, library, code=fresh["code"]), 423, "credit-locked")
    unlocked = await client.delete(h.LOCK, headers=citizen)
    assert unlocked.status_code == 200 and unlocked.json()["locked"] is False
    assert (await h.redeem(client, library, code=fresh["code"])).status_code == 200
    assert (
        await client.post(h.CODES, json={"benefit": h.LIBRARY}, headers=citizen)
    ).status_code == 201

    # Only the two successful redemptions were logged, newest first.
    log = (await client.get(h.QUERIES, headers=citizen)).json()["items"]
    assert [e["basis"] for e in log] == [
        f"verification code {fresh['verificationId']}",
        f"verification code {issued['verificationId']}",
    ]
