"""Merchants redeem codes: once, only when scoped, never revealing more than the benefit needs;
parallel redemptions of one code let exactly one through; redemptions can be recorded."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from backend.identity.sms import MemorySmsSender
from backend.verification.service import GUESS_LIMIT
from tests import factories as f
from tests.api.identity.problems import assert_problem
from tests.api.verification import helpers as h


async def test_redeeming_by_payload_answers_the_same_and_counts_once(
    client: httpx.AsyncClient, sms: MemorySmsSender, db: Any
) -> None:
    _, citizen = await f.signed_up(client, sms, "13962000001")
    library = await h.merchant()
    issued = await h.make_code(client, citizen)
    answer = await h.redeem(client, library, payload=issued["payload"])
    assert answer.status_code == 200, answer.text
    assert set(answer.json()) == h.ANSWER_FIELDS and answer.json()["eligible"] is True
    # Once redeemed by its payload, the typed code is spent too.
    assert_problem(
        await h.redeem(client, library, code=issued["code"]), 409, "verification-code-used"
    )
    assert_problem(
        await h.redeem(client, library, payload=issued["payload"]), 409, "verification-code-used"
    )
    assert await db.fetchval("SELECT count(*) FROM query_log") == 1
    event = await db.fetchrow("SELECT kind, payload FROM outbox_event")
    assert event["kind"] == "verification.redeemed"
    assert '"organisation": "市图书馆"' in event["payload"]


async def test_two_parallel_redemptions_of_one_code_exactly_one_succeeds(
    client: httpx.AsyncClient, sms: MemorySmsSender, db: Any
) -> None:
    _, citizen = await f.signed_up(client, sms, "13962000002")
    library = await h.merchant()
    branch = await h.merchant("city-library-east", "市图书馆东区分馆")
    for round_ in range(5):
        issued = await h.make_code(client, citizen)
        first, second = await asyncio.gather(
            h.redeem(client, library, code=issued["code"]),
            h.redeem(client, branch, payload=issued["payload"]),
        )
        statuses = sorted([first.status_code, second.status_code])
        assert statuses == [200, 409], (round_, first.text, second.text)
        loser = first if first.status_code == 409 else second
        assert_problem(loser, 409, "verification-code-used")
    assert await db.fetchval("SELECT count(*) FROM query_log") == 5
    assert await db.fetchval("SELECT count(*) FROM outbox_event") == 5
    assert await db.fetchval("SELECT count(*) FROM verification WHERE redeemed_at IS NULL") == 0


async def test_many_merchants_racing_for_one_code_still_one_wins(
    client: httpx.AsyncClient, sms: MemorySmsSender, db: Any
) -> None:
    _, citizen = await f.signed_up(client, sms, "13962000003")
    library = await h.merchant()
    issued = await h.make_code(client, citizen)
    responses = await asyncio.gather(
        *(h.redeem(client, library, code=issued["code"]) for _ in range(8))
    )
    assert sorted(r.status_code for r in responses) == [200] + [409] * 7
    assert await db.fetchval("SELECT count(*) FROM query_log") == 1


async def test_bad_codes_and_merchants_are_refused_with_problems(
    client: httpx.AsyncClient, sms: MemorySmsSender
) -> None:
    _, citizen = await f.signed_up(client, sms, "13962000004")
    library = await h.merchant()
    bikes = await h.merchant("city-bikes", "市公共自行车公司", ("public-bike-deposit-waiver",))
    issued = await h.make_code(client, citizen)
    assert_problem(
        await h.redeem(client, library, code="00000000"), 404, "verification-code-unknown"
    )
    for body in (
        {"code": "1234"},
        {"code": "abcdefgh"},
        {},
        {"code": issued["code"], "payload": issued["payload"]},
    ):
        response = await client.post(h.REDEEM, json=body, headers=library)
        assert_problem(response, 422, "validation-failed")
    garbage = await h.redeem(client, library, payload="x" * 40)
    assert_problem(garbage, 422, "verification-payload-invalid", field="payload")
    # Unscoped: refused as an unknown code, and the code is still there for the right merchant.
    assert_problem(
        await h.redeem(client, bikes, code=issued["code"]), 404, "verification-code-unknown"
    )
    department = {"X-Api-Key": await f.department()}
    assert_problem(await h.redeem(client, department, code=issued["code"]), 401, "api-key-invalid")
    assert_problem(await h.redeem(client, {}, code=issued["code"]), 401, "api-key-missing")
    citizen_token = await h.redeem(client, citizen, code=issued["code"])
    assert_problem(citizen_token, 401, "api-key-missing")
    assert (await h.redeem(client, library, code=issued["code"])).status_code == 200


async def test_a_merchant_guessing_codes_is_paused(
    client: httpx.AsyncClient, sms: MemorySmsSender
) -> None:
    _, citizen = await f.signed_up(client, sms, "13962000005")
    library = await h.merchant()
    other = await h.merchant("city-library-west", "市图书馆西区分馆")
    issued = await h.make_code(client, citizen)
    for n in range(GUESS_LIMIT):
        guess = f"{n:08d}" if f"{n:08d}" != issued["code"] else "99999999"
        assert (await h.redeem(client, library, code=guess)).status_code == 404
    paused = await h.redeem(client, library, code=issued["code"])
    assert_problem(paused, 429, "verification-guesses-exceeded")
    assert int(paused.headers["retry-after"]) > 0
    # Another merchant is not affected, and the code was not spent.
    assert (await h.redeem(client, other, code=issued["code"])).status_code == 200


async def test_a_redemption_is_recorded_once_by_the_merchant_that_checked(
    client: httpx.AsyncClient, sms: MemorySmsSender, db: Any
) -> None:
    _, citizen = await f.signed_up(client, sms, "13962000006")
    library = await h.merchant()
    branch = await h.merchant("city-library-east", "市图书馆东区分馆")
    issued = await h.make_code(client, citizen)
    vid = (await h.redeem(client, library, code=issued["code"])).json()["verificationId"]
    path = f"/v1/merchant/verifications/{vid}/redemption"
    body = {"description": "免除借书押金 100 元", "reference": "LIB-2026-0001"}
    recorded = await client.post(path, json=body, headers=library)
    assert recorded.status_code == 201, recorded.text
    assert recorded.json()["verificationId"] == vid and recorded.json()["benefit"] == h.LIBRARY
    assert_problem(
        await client.post(path, json=body, headers=library), 409, "redemption-already-recorded"
    )
    assert_problem(
        await client.post(path, json=body, headers=branch), 404, "verification-not-found"
    )
    assert_problem(
        await client.post(path, json={"description": ""}, headers=library), 422, "validation-failed"
    )
    unredeemed = await h.make_code(client, citizen)
    pending = f"/v1/merchant/verifications/{unredeemed['verificationId']}/redemption"
    assert_problem(
        await client.post(pending, json=body, headers=library), 404, "verification-not-found"
    )
    assert (
        await db.fetchval("SELECT count(*) FROM audit_log WHERE action = 'benefit.redemption'") == 1
    )


async def test_nothing_is_recorded_for_a_citizen_who_does_not_qualify(
    client: httpx.AsyncClient, sms: MemorySmsSender
) -> None:
    _, citizen = await f.signed_up(client, sms, "13962000007")
    bank = await h.merchant("city-bank", "市农商银行", ("xin-yi-dai",))
    issued = await h.make_code(client, citizen, "xin-yi-dai")
    vid = (await h.redeem(client, bank, code=issued["code"])).json()["verificationId"]
    response = await client.post(
        f"/v1/merchant/verifications/{vid}/redemption",
        json={"description": "发放信用贷款"},
        headers=bank,
    )
    assert_problem(response, 409, "not-eligible")


async def test_the_openapi_document_describes_the_verification_routes(
    client: httpx.AsyncClient,
) -> None:
    schema = (await client.get("/schema/openapi.json")).json()
    redeem = schema["paths"]["/v1/merchant/verifications:redeem"]["post"]
    assert redeem["security"] == [{"ApiKey": []}]
    assert {"403", "404", "409", "410", "422", "423", "429"} <= set(redeem["responses"])
    for path in (
        "/v1/me/benefits",
        "/v1/me/plan",
        "/v1/me/verification-codes",
        "/v1/me/lock",
        "/v1/me/consents",
        "/v1/me/consents/{consent_id}",
        "/v1/me/queries",
        "/v1/me/verification-codes/{verification_id}/qr.svg",
        "/v1/merchant/verifications/{verification_id}/redemption",
        "/v1/merchant/consent-checks",
        "/v1/public/verification-key",
        "/v1/public/benefits",
    ):
        assert path in schema["paths"], path
