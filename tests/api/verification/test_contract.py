"""What the verification routes promise a client: every 201 names the new thing in Location and
a GET there answers the same thing; the QR images are served as documented; problems speak the
caller's language."""

from __future__ import annotations

from typing import Any

import httpx

from backend.identity.sms import MemorySmsSender
from tests import factories as f
from tests.api.identity.problems import assert_problem
from tests.api.verification import helpers as h


async def test_a_new_code_is_at_its_location_and_shows_what_became_of_it(
    client: httpx.AsyncClient, sms: MemorySmsSender
) -> None:
    _, citizen = await f.signed_up(client, sms, "13965000001")
    _, other = await f.signed_up(client, sms, "13965000002")
    library = await h.merchant()
    made = await client.post(h.CODES, json={"benefit": h.LIBRARY}, headers=citizen)
    assert made.status_code == 201, made.text
    issued = made.json()
    assert made.headers["location"] == f"{h.CODES}/{issued['verificationId']}"
    read = await client.get(made.headers["location"], headers=citizen)
    assert read.status_code == 200 and read.json() == issued
    assert issued["status"] == "live" and issued["redeemedAt"] is None
    assert_problem(
        await client.get(made.headers["location"], headers=other), 404, "verification-not-found"
    )
    redeemed = (await h.redeem(client, library, code=issued["code"])).json()
    after = (await client.get(made.headers["location"], headers=citizen)).json()
    assert (after["status"], after["redeemedAt"]) == ("redeemed", redeemed["checkedAt"])
    # A spent code's QR is gone for good (410), like an expired one's.
    gone = await client.get(issued["qrPng"], headers=citizen)
    assert_problem(gone, 410, "verification-code-used")
    assert gone.json()["title"] == "核验码已使用"
    late = await h.make_code(client, citizen)
    await h.expire(late["verificationId"])
    expired = (await client.get(f"{h.CODES}/{late['verificationId']}", headers=citizen)).json()
    assert expired["status"] == "expired"


async def test_a_new_consent_is_at_its_location(
    client: httpx.AsyncClient, sms: MemorySmsSender
) -> None:
    _, citizen = await f.signed_up(client, sms, "13965000003")
    _, other = await f.signed_up(client, sms, "13965000004")
    await h.merchant()
    granted = await client.post(
        h.CONSENTS,
        json={"organisation": "city-library", "purpose": "办理免押金借阅", "days": 30},
        headers=citizen,
    )
    assert granted.status_code == 201, granted.text
    consent = granted.json()
    assert granted.headers["location"] == f"{h.CONSENTS}/{consent['id']}"
    read = await client.get(granted.headers["location"], headers=citizen)
    assert read.status_code == 200 and read.json() == consent
    for path in (granted.headers["location"], f"{h.CONSENTS}/99999999999999999999"):
        assert_problem(await client.get(path, headers=other), 404, "consent-not-found")
    assert_problem(
        await client.delete(f"{h.CONSENTS}/99999999999999999999", headers=citizen),
        404,
        "consent-not-found",
    )
    await client.delete(granted.headers["location"], headers=citizen)
    revoked = (await client.get(granted.headers["location"], headers=citizen)).json()
    assert revoked["status"] == "revoked" and revoked["revokedAt"] is not None


async def test_a_recorded_redemption_is_at_its_location(
    client: httpx.AsyncClient, sms: MemorySmsSender
) -> None:
    _, citizen = await f.signed_up(client, sms, "13965000005")
    library = await h.merchant()
    branch = await h.merchant("city-library-east", "市图书馆东区分馆")
    issued = await h.make_code(client, citizen)
    vid = (await h.redeem(client, library, code=issued["code"])).json()["verificationId"]
    path = f"/v1/merchant/verifications/{vid}/redemption"
    assert_problem(await client.get(path, headers=library), 404, "redemption-not-found")
    recorded = await client.post(
        path, json={"description": "押金免除 200 元", "reference": "LIB-1"}, headers=library
    )
    assert recorded.status_code == 201, recorded.text
    assert recorded.headers["location"] == path
    assert recorded.json()["benefitName"] == "图书馆免押金借阅"
    read = await client.get(path, headers=library)
    assert read.status_code == 200 and read.json() == recorded.json()
    english = await client.get(path, headers={**library, "Accept-Language": "en"})
    assert english.json()["benefitName"] == "Library borrowing without deposit"
    assert_problem(await client.get(path, headers=branch), 404, "redemption-not-found")


async def test_problems_follow_the_callers_language(
    client: httpx.AsyncClient, sms: MemorySmsSender
) -> None:
    _, citizen = await f.signed_up(client, sms, "13965000006")
    await client.post(h.LOCK, headers=citizen)
    body = {"benefit": h.LIBRARY}
    chinese = assert_problem(
        await client.post(h.CODES, json=body, headers=citizen), 423, "credit-locked"
    )
    assert chinese["title"] == "信用锁已开启"
    assert chinese["detail"].startswith("该市民已开启信用锁")
    english = assert_problem(
        await client.post(h.CODES, json=body, headers={**citizen, "Accept-Language": "en"}),
        423,
        "credit-locked",
    )
    assert english["title"] == "The citizen has locked their credit"
    assert english["detail"].startswith("the citizen has switched on the credit lock")


async def test_the_document_says_what_the_routes_serve(client: httpx.AsyncClient) -> None:
    document: dict[str, Any] = (await client.get("/schema/openapi.json")).json()
    paths = document["paths"]
    for kind, media_type in (("png", "image/png"), ("svg", "image/svg+xml")):
        operation = paths[f"/v1/me/verification-codes/{{verification_id}}/qr.{kind}"]["get"]
        content = operation["responses"]["200"]["content"]
        assert content == {
            media_type: {"schema": {"type": "string", "contentMediaType": media_type}}
        }
        assert {"404", "410"} <= set(operation["responses"])
        assert "409" not in operation["responses"]
    for path, operation_id in (
        ("/v1/me/verification-codes", "makeVerificationCode"),
        ("/v1/me/consents", "grantConsent"),
        ("/v1/merchant/verifications/{verification_id}/redemption", "recordRedemption"),
    ):
        operation = paths[path]["post"]
        assert operation["operationId"] == operation_id
        assert "Location" in operation["responses"]["201"]["headers"]
    schemas = document["components"]["schemas"]
    assert {"VerificationCodeRequest", "SignInCodeRequest"} <= set(schemas)
    assert not [name for name in schemas if "CodeRequest" in name and "_" in name]
