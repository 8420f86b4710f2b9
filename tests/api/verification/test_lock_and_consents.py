"""The credit lock stops every merchant check; consents let one organisation check for a purpose
and period, are revocable at once, and nobody without one (or a code) learns anything."""

from __future__ import annotations

from typing import Any

import httpx

from backend.identity.sms import MemorySmsSender
from tests import factories as f
from tests.api.identity.problems import assert_problem
from tests.api.verification import helpers as h


async def test_the_lock_is_one_call_each_way_idempotent_and_audited(
    client: httpx.AsyncClient, sms: MemorySmsSender, db: Any
) -> None:
    _, citizen = await f.signed_up(client, sms, "13964000001")
    assert (await client.get(h.LOCK, headers=citizen)).json() == {
        "locked": False,
        "changedAt": None,
    }
    assert (await client.delete(h.LOCK, headers=citizen)).json()["locked"] is False
    first = (await client.post(h.LOCK, headers=citizen)).json()
    again = (await client.post(h.LOCK, headers=citizen)).json()
    assert first["locked"] is again["locked"] is True and first["changedAt"] == again["changedAt"]
    assert (await client.get(h.LOCK, headers=citizen)).json()["locked"] is True
    assert (await client.delete(h.LOCK, headers=citizen)).json()["locked"] is False
    actions = await db.fetch(
        "SELECT action FROM audit_log WHERE object_type = 'citizen' ORDER BY id"
    )
    assert [r["action"] for r in actions] == ["credit.lock", "credit.unlock"]
    assert_problem(await client.post(h.LOCK), 401, "token-invalid")


async def test_a_code_made_before_the_lock_cannot_be_redeemed_while_locked(
    client: httpx.AsyncClient, sms: MemorySmsSender, db: Any
) -> None:
    _, citizen = await f.signed_up(client, sms, "13964000002")
    library = await h.merchant()
    issued = await h.make_code(client, citizen)
    await client.post(h.LOCK, headers=citizen)
    for body in ({"code": issued["code"]}, {"payload": issued["payload"]}):
        refused = await client.post(h.REDEEM, json=body, headers=library)
        assert "信用锁" in assert_problem(refused, 423, "credit-locked")["detail"]
    assert await db.fetchval("SELECT count(*) FROM query_log") == 0
    await client.delete(h.LOCK, headers=citizen)
    assert (await h.redeem(client, library, code=issued["code"])).status_code == 200


async def test_a_consent_lets_its_organisation_check_and_the_log_says_so(
    client: httpx.AsyncClient, sms: MemorySmsSender, db: Any
) -> None:
    _, citizen = await f.signed_up(client, sms, "13964000003")
    library = await h.merchant()
    granted = await client.post(
        h.CONSENTS,
        json={"organisation": "city-library", "purpose": "年度借阅免押金", "days": 90},
        headers=citizen,
    )
    assert granted.status_code == 201, granted.text
    consent = granted.json()
    assert (consent["organisation"], consent["organisationName"], consent["status"]) == (
        "city-library",
        "市图书馆",
        "active",
    )
    check = await client.post(
        h.CONSENT_CHECKS, json={"consentId": consent["id"], "benefit": h.LIBRARY}, headers=library
    )
    assert check.status_code == 200, check.text
    assert set(check.json()) == h.ANSWER_FIELDS
    assert check.json()["basis"] == "consent" and check.json()["eligible"] is True
    [entry] = (await client.get(h.QUERIES, headers=citizen)).json()["items"]
    assert entry["basis"] == f"consent {consent['id']}" and entry["organisation"] == "市图书馆"
    # A standing consent can be used again (each look is logged).
    again = await client.post(
        h.CONSENT_CHECKS, json={"consentId": consent["id"], "benefit": h.LIBRARY}, headers=library
    )
    assert again.status_code == 200
    assert await db.fetchval("SELECT count(*) FROM query_log") == 2
    assert await db.fetchval("SELECT count(*) FROM outbox_event") == 2
    # The check can carry a recorded redemption like a code.
    vid = check.json()["verificationId"]
    recorded = await client.post(
        f"/v1/merchant/verifications/{vid}/redemption",
        json={"description": "年卡免押金"},
        headers=library,
    )
    assert recorded.status_code == 201


async def test_without_a_valid_consent_an_organisation_gets_nothing(
    client: httpx.AsyncClient, sms: MemorySmsSender, db: Any
) -> None:
    _, citizen = await f.signed_up(client, sms, "13964000004")
    _, other_citizen = await f.signed_up(client, sms, "13964000005")
    library = await h.merchant()
    bikes = await h.merchant("city-bikes", "市公共自行车公司", (h.LIBRARY, h.BIKES))
    consent = (
        await client.post(
            h.CONSENTS,
            json={"organisation": "city-library", "purpose": "借阅", "days": 30},
            headers=citizen,
        )
    ).json()
    body = {"consentId": consent["id"], "benefit": h.LIBRARY}

    # Another organisation cannot use it, even scoped to the benefit.
    assert_problem(
        await client.post(h.CONSENT_CHECKS, json=body, headers=bikes), 404, "consent-not-found"
    )
    # Unknown benefit, unscoped benefit, malformed body.
    unknown = {"consentId": consent["id"], "benefit": "free-lunch"}
    assert_problem(
        await client.post(h.CONSENT_CHECKS, json=unknown, headers=library), 422, "benefit-unknown"
    )
    unscoped = {"consentId": consent["id"], "benefit": h.BIKES}
    assert_problem(
        await client.post(h.CONSENT_CHECKS, json=unscoped, headers=library),
        403,
        "benefit-scope-missing",
    )
    assert_problem(
        await client.post(
            h.CONSENT_CHECKS, json={"consentId": 0, "benefit": h.LIBRARY}, headers=library
        ),
        422,
        "validation-failed",
    )
    # Locked: nothing.
    await client.post(h.LOCK, headers=citizen)
    assert_problem(
        await client.post(h.CONSENT_CHECKS, json=body, headers=library), 423, "credit-locked"
    )
    await client.delete(h.LOCK, headers=citizen)
    # Another citizen cannot revoke it; its citizen can, at once.
    path = f"{h.CONSENTS}/{consent['id']}"
    assert_problem(await client.delete(path, headers=other_citizen), 404, "consent-not-found")
    revoked = await client.delete(path, headers=citizen)
    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"
    assert (await client.delete(path, headers=citizen)).json()["revokedAt"] == (
        revoked.json()["revokedAt"]
    )
    refused = await client.post(h.CONSENT_CHECKS, json=body, headers=library)
    assert assert_problem(refused, 403, "consent-not-valid")["detail"] == "该市民已撤回此授权"
    # An expired consent is no consent.
    second = (
        await client.post(
            h.CONSENTS,
            json={"organisation": "city-library", "purpose": "借阅", "days": 1},
            headers=citizen,
        )
    ).json()
    await db.execute(
        "UPDATE consent SET valid_until = now() - interval '1 minute' WHERE id = $1", second["id"]
    )
    expired = await client.post(
        h.CONSENT_CHECKS, json={"consentId": second["id"], "benefit": h.LIBRARY}, headers=library
    )
    assert assert_problem(expired, 403, "consent-not-valid")["detail"] == "此授权已过期"
    assert await db.fetchval("SELECT count(*) FROM query_log") == 0


async def test_consents_are_listed_newest_first_and_checked_on_the_way_in(
    client: httpx.AsyncClient, sms: MemorySmsSender
) -> None:
    _, citizen = await f.signed_up(client, sms, "13964000006")
    await h.merchant()
    await h.merchant("city-bikes", "市公共自行车公司", (h.BIKES,))
    ids = []
    for organisation in ("city-library", "city-bikes", "city-library"):
        response = await client.post(
            h.CONSENTS,
            json={"organisation": organisation, "purpose": "会员", "days": 10},
            headers=citizen,
        )
        ids.append(response.json()["id"])
    await client.delete(f"{h.CONSENTS}/{ids[1]}", headers=citizen)
    page = (await client.get(f"{h.CONSENTS}?limit=2", headers=citizen)).json()
    assert [c["id"] for c in page["items"]] == [ids[2], ids[1]] and page["nextCursor"]
    rest = (
        await client.get(f"{h.CONSENTS}?limit=2&cursor={page['nextCursor']}", headers=citizen)
    ).json()
    assert [c["id"] for c in rest["items"]] == [ids[0]] and rest["nextCursor"] is None
    active = (await client.get(f"{h.CONSENTS}?status=active", headers=citizen)).json()
    assert [c["id"] for c in active["items"]] == [ids[2], ids[0]]

    for body, field in (
        ({"organisation": "no-such-shop", "purpose": "x", "days": 10}, "organisation"),
        ({"organisation": "registrar", "purpose": "x", "days": 10}, "organisation"),
    ):
        assert_problem(
            await client.post(h.CONSENTS, json=body, headers=citizen),
            422,
            "organisation-unknown",
            field=field,
        )
    for body in (
        {"organisation": "city-library", "purpose": "x", "days": 0},
        {"organisation": "city-library", "purpose": "x", "days": 366},
        {"organisation": "city-library", "purpose": "", "days": 10},
        {"organisation": "city-library", "days": 10},
    ):
        assert_problem(
            await client.post(h.CONSENTS, json=body, headers=citizen), 422, "validation-failed"
        )
    assert_problem(
        await client.delete(f"{h.CONSENTS}/999999", headers=citizen), 404, "consent-not-found"
    )
    assert_problem(
        await client.get(f"{h.CONSENTS}?cursor=nonsense", headers=citizen),
        422,
        "validation-failed",
        field="cursor",
    )
