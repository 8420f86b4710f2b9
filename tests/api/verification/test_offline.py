"""Offline checks: a merchant verifies a QR payload's signature and expiry with nothing but the
public key published at /v1/public/verification-key; a tampered payload fails."""

from __future__ import annotations

import base64
import json
import time

import httpx
import jwt
import msgspec
import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from backend.identity.sms import MemorySmsSender
from backend.verification import signing
from tests import factories as f
from tests.api.identity.problems import assert_problem
from tests.api.verification import helpers as h


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def merchant_offline_check(payload: str, public_key_b64: str) -> dict[str, object]:
    """What a merchant's scanner does with no network: only the public key and a clock."""
    header, claims, signature = payload.split(".")
    key = Ed25519PublicKey.from_public_bytes(_unb64(public_key_b64))
    key.verify(_unb64(signature), f"{header}.{claims}".encode())  # InvalidSignature if tampered
    body: dict[str, object] = json.loads(_unb64(claims))
    if int(body["exp"]) <= time.time():  # type: ignore[call-overload]
        raise ValueError("expired")
    return body


async def test_a_merchant_verifies_a_payload_offline_with_only_the_public_key(
    client: httpx.AsyncClient, sms: MemorySmsSender
) -> None:
    _, citizen = await f.signed_up(client, sms, "13963000001")
    issued = await h.make_code(client, citizen)
    published = (await client.get(h.KEY)).json()  # fetched once, before going offline
    assert published["algorithm"] == "EdDSA" and published["curve"] == "Ed25519"
    assert published["jwk"]["x"] == published["publicKey"]

    claims = merchant_offline_check(issued["payload"], published["publicKey"])
    assert claims["jti"] == issued["verificationId"] and claims["ben"] == h.LIBRARY
    assert claims["elg"] is True and claims["grd"] == "A" and claims["nm"] == "陈*"
    assert set(claims) == {"iss", "jti", "ben", "elg", "grd", "nm", "iat", "exp"}
    assert int(claims["exp"]) - int(claims["iat"]) == 120  # type: ignore[call-overload]
    # The same check by the reference implementation, and by a stock JWT library (EdDSA).
    raw_key = _unb64(published["publicKey"])
    assert signing.verify_offline(issued["payload"], raw_key).jti == issued["verificationId"]
    pem_key = load_pem_public_key(published["publicKeyPem"].encode())
    decoded = jwt.decode(
        issued["payload"],
        pem_key,
        algorithms=["EdDSA"],  # type: ignore[arg-type]
        issuer=signing.ISSUER,
    )
    assert decoded["ben"] == h.LIBRARY
    assert jwt.get_unverified_header(issued["payload"])["kid"] == published["keyId"]


async def test_a_tampered_payload_fails_offline_and_online(
    client: httpx.AsyncClient, sms: MemorySmsSender
) -> None:
    _, citizen = await f.signed_up(client, sms, "13963000002")
    issued = await h.make_code(client, citizen, "xin-yi-dai")  # not eligible: AA needed
    public = (await client.get(h.KEY)).json()["publicKey"]
    header, claims, signature = issued["payload"].split(".")
    forged = json.loads(_unb64(claims))
    assert forged["elg"] is False
    forged["elg"] = True  # claim the citizen qualifies
    tampered = f"{header}.{_b64(json.dumps(forged).encode())}.{signature}"
    with pytest.raises(InvalidSignature):
        merchant_offline_check(tampered, public)
    with pytest.raises(signing.OfflineCheckError) as error:
        signing.verify_offline(tampered, _unb64(public))
    assert error.value.reason == "signature"
    bank = await h.merchant("city-bank", "市农商银行", ("xin-yi-dai",))
    online = await h.redeem(client, bank, payload=tampered)
    assert_problem(online, 422, "verification-payload-invalid", field="payload")
    # Re-signed with another key: refused as well.
    other = Ed25519PrivateKey.generate().private_bytes_raw()
    resigned = signing.sign(signing.CodeClaims(**forged), other)
    assert_problem(
        await h.redeem(client, bank, payload=resigned), 422, "verification-payload-invalid"
    )
    # The genuine payload still works, and says "not eligible".
    assert (await h.redeem(client, bank, payload=issued["payload"])).json()["eligible"] is False


def test_offline_checks_refuse_expired_and_malformed_payloads() -> None:
    key = Ed25519PrivateKey.generate().private_bytes_raw()
    public = signing.public_key_bytes(key)
    claims = signing.CodeClaims(
        iss=signing.ISSUER,
        jti="vf_test",
        ben=h.LIBRARY,
        elg=True,
        grd="A",
        nm="张*",
        iat=1_000,
        exp=1_120,
    )
    token = signing.sign(claims, key)
    assert signing.verify_offline(token, public, now=1_119) == claims
    with pytest.raises(signing.OfflineCheckError) as expired:
        signing.verify_offline(token, public, now=1_120)
    assert expired.value.reason == "expired"
    assert signing.verify_offline(token, public, now=5_000, check_expiry=False) == claims
    for bad in ("", "a.b", "a.b.c", token + "x", token.replace(".", "..", 1)):
        with pytest.raises(signing.OfflineCheckError):
            signing.verify_offline(bad, public)
    wrong_issuer = signing.sign(msgspec.structs.replace(claims, iss="x"), key)
    with pytest.raises(signing.OfflineCheckError, match="issuer"):
        signing.verify_offline(wrong_issuer, public, now=1_000)


async def test_the_key_endpoint_is_public_and_matches_the_settings(
    client: httpx.AsyncClient,
) -> None:
    from backend.platform import runtime

    response = await client.get(h.KEY)
    assert response.status_code == 200
    private = runtime.current().settings.key_bytes("verification_signing_key")
    assert _unb64(response.json()["publicKey"]) == signing.public_key_bytes(private)
    assert "PRIVATE" not in response.text
