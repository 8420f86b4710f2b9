"""Access and refresh tokens: expiry, rotation, reuse detection, sign-out, and route guards."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import asyncpg
import httpx
import jwt

from backend.identity import service as identity
from backend.identity.sms import MemorySmsSender
from backend.platform.config import Settings
from backend.platform.crypto import sha256_hex
from tests import factories as f
from tests.api.identity.problems import assert_problem


async def _citizen(
    client: httpx.AsyncClient, sms: MemorySmsSender, phone: str, registrar: str | None = None
) -> dict[str, Any]:
    return await f.citizen_tokens(
        client,
        sms,
        phone=phone,
        name="孙莉",
        number=f.id_number(),
        registrar_key=registrar or await f.registrar(),
    )


async def _refresh(client: httpx.AsyncClient, refresh_token: str) -> httpx.Response:
    return await client.post("/v1/auth/refresh", json={"refreshToken": refresh_token})


async def _execute(settings: Settings, query: str, *args: Any) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(settings.database_url)
    try:
        return await conn.fetch(query, *args)
    finally:
        await conn.close()


def _claims(settings: Settings, token: str) -> dict[str, Any]:
    claims: dict[str, Any] = jwt.decode(token, settings.jwt_secret, algorithms=["HS256"])
    return claims


async def test_me_without_a_token_is_unauthorized(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/me")
    assert_problem(response, 401, "token-invalid")


async def test_garbage_tokens_are_unauthorized(client: httpx.AsyncClient) -> None:
    for header in ("Bearer not-a-jwt", "Bearer ", "Bearer a.b.c", "Basic dXNlcjpwYXNz"):
        response = await client.get("/v1/me", headers={"Authorization": header})
        assert_problem(response, 401, "token-invalid")


async def test_token_signed_with_another_secret_is_unauthorized(
    client: httpx.AsyncClient, sms: MemorySmsSender, settings: Settings
) -> None:
    tokens = await _citizen(client, sms, "13900003001")
    forged = jwt.encode(
        _claims(settings, tokens["accessToken"]), "another-secret-entirely-32-bytes!"
    )
    response = await client.get("/v1/me", headers={"Authorization": f"Bearer {forged}"})
    assert_problem(response, 401, "token-invalid")


async def test_unsigned_token_is_unauthorized(
    client: httpx.AsyncClient, sms: MemorySmsSender, settings: Settings
) -> None:
    tokens = await _citizen(client, sms, "13900003002")
    unsigned = jwt.encode(_claims(settings, tokens["accessToken"]), None, algorithm="none")
    response = await client.get("/v1/me", headers={"Authorization": f"Bearer {unsigned}"})
    assert_problem(response, 401, "token-invalid")


async def test_expired_access_token_is_unauthorized(
    client: httpx.AsyncClient, sms: MemorySmsSender, settings: Settings
) -> None:
    tokens = await _citizen(client, sms, "13900003003")
    claims = _claims(settings, tokens["accessToken"])
    now = int(time.time())
    claims.update(iat=now - 20 * 60, exp=now - 10)
    expired = jwt.encode(claims, settings.jwt_secret, algorithm="HS256")
    response = await client.get("/v1/me", headers={"Authorization": f"Bearer {expired}"})
    assert_problem(response, 401, "token-expired")
    assert "token-expired" in response.headers["www-authenticate"]
    # The same claims, still valid, are accepted: only the expiry made the difference.
    claims.update(exp=now + 60)
    fresh = jwt.encode(claims, settings.jwt_secret, algorithm="HS256")
    assert (
        await client.get("/v1/me", headers={"Authorization": f"Bearer {fresh}"})
    ).status_code == 200


async def test_access_token_lives_fifteen_minutes(
    client: httpx.AsyncClient, sms: MemorySmsSender, settings: Settings
) -> None:
    tokens = await _citizen(client, sms, "13900003004")
    claims = _claims(settings, tokens["accessToken"])
    assert claims["exp"] - claims["iat"] == 15 * 60
    assert claims["extras"]["kind"] == "citizen"
    assert claims["extras"]["sid"]


async def test_refresh_rotates_the_refresh_token(
    client: httpx.AsyncClient, sms: MemorySmsSender, settings: Settings
) -> None:
    first = await _citizen(client, sms, "13900003005")
    response = await _refresh(client, first["refreshToken"])
    assert response.status_code == 200, response.text
    second = response.json()
    assert second["refreshToken"] != first["refreshToken"]
    assert second["accessToken"] != first["accessToken"]
    old_sid = _claims(settings, first["accessToken"])["extras"]["sid"]
    assert _claims(settings, second["accessToken"])["extras"]["sid"] == old_sid
    assert (await client.get("/v1/me", headers=f.bearer(second))).status_code == 200
    third = await _refresh(client, second["refreshToken"])
    assert third.status_code == 200, third.text


async def test_refresh_tokens_are_stored_hashed(
    client: httpx.AsyncClient, sms: MemorySmsSender, settings: Settings
) -> None:
    tokens = await _citizen(client, sms, "13900003006")
    rows = await _execute(settings, "SELECT token_hash FROM refresh_token")
    assert [r["token_hash"] for r in rows] == [sha256_hex(tokens["refreshToken"])]


async def test_unknown_refresh_token_is_refused(client: httpx.AsyncClient) -> None:
    response = await _refresh(client, "x" * 43)
    assert_problem(response, 401, "refresh-token-invalid")


async def test_expired_refresh_token_is_refused(
    client: httpx.AsyncClient, sms: MemorySmsSender, settings: Settings
) -> None:
    tokens = await _citizen(client, sms, "13900003007")
    await _execute(settings, "UPDATE refresh_token SET expires_at = now() - interval '1 second'")
    response = await _refresh(client, tokens["refreshToken"])
    assert_problem(response, 401, "refresh-token-expired")


async def test_reusing_a_rotated_refresh_token_revokes_the_whole_family(
    client: httpx.AsyncClient, sms: MemorySmsSender
) -> None:
    first = await _citizen(client, sms, "13900003008")
    rotated = await _refresh(client, first["refreshToken"])
    assert rotated.status_code == 200, rotated.text
    newest = rotated.json()

    reuse = await _refresh(client, first["refreshToken"])
    assert_problem(reuse, 401, "refresh-token-reused")

    # The newest refresh token of the family is dead too ...
    assert_problem(await _refresh(client, newest["refreshToken"]), 401, "refresh-token-revoked")
    # ... and so are the access tokens issued in the family.
    assert_problem(await client.get("/v1/me", headers=f.bearer(newest)), 401, "session-revoked")
    assert_problem(await client.get("/v1/me", headers=f.bearer(first)), 401, "session-revoked")
    # Presenting the stolen token again changes nothing.
    assert (await _refresh(client, first["refreshToken"])).status_code == 401


async def test_reuse_in_one_session_leaves_other_sessions_alone(
    client: httpx.AsyncClient, sms: MemorySmsSender
) -> None:
    registrar = await f.registrar()
    mine = await _citizen(client, sms, "13900003009", registrar)
    other = await _citizen(client, sms, "13900003010", registrar)
    await _refresh(client, mine["refreshToken"])
    assert (await _refresh(client, mine["refreshToken"])).status_code == 401
    assert (await client.get("/v1/me", headers=f.bearer(other))).status_code == 200
    assert (await _refresh(client, other["refreshToken"])).status_code == 200


async def test_sign_out_revokes_the_session(
    client: httpx.AsyncClient, sms: MemorySmsSender, settings: Settings
) -> None:
    tokens = await _citizen(client, sms, "13900003011")
    response = await client.post("/v1/auth/sign-out", headers=f.bearer(tokens))
    assert response.status_code == 204, response.text
    assert_problem(await _refresh(client, tokens["refreshToken"]), 401, "refresh-token-revoked")
    assert_problem(await client.get("/v1/me", headers=f.bearer(tokens)), 401, "session-revoked")
    rows = await _execute(settings, "SELECT revoked_at FROM refresh_token")
    assert rows and all(r["revoked_at"] is not None for r in rows)


async def test_sign_out_ends_only_that_session(
    client: httpx.AsyncClient, sms: MemorySmsSender, settings: Settings, redis: Any
) -> None:
    phone = "13900003012"
    phone_one = await _citizen(client, sms, phone)
    await redis.delete(f.otp_key("resend", phone))
    await client.post("/v1/auth/codes", json={"phone": phone})
    sign_in = await client.post("/v1/auth/sign-in", json={"phone": phone, "code": sms.last(phone)})
    phone_two = sign_in.json()
    assert (await client.post("/v1/auth/sign-out", headers=f.bearer(phone_one))).status_code == 204
    assert (await client.get("/v1/me", headers=f.bearer(phone_one))).status_code == 401
    assert (await client.get("/v1/me", headers=f.bearer(phone_two))).status_code == 200
    assert (await _refresh(client, phone_two["refreshToken"])).status_code == 200


async def test_sign_out_needs_a_token(client: httpx.AsyncClient) -> None:
    assert_problem(await client.post("/v1/auth/sign-out"), 401, "token-invalid")


async def test_concurrent_refreshes_of_one_token_let_exactly_one_through(
    client: httpx.AsyncClient, sms: MemorySmsSender, settings: Settings
) -> None:
    tokens = await _citizen(client, sms, "13900003013")
    responses = await asyncio.gather(*(_refresh(client, tokens["refreshToken"]) for _ in range(4)))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200, 401, 401, 401], [r.text for r in responses]
    for loser in (r for r in responses if r.status_code == 401):
        body = loser.json()
        assert body["type"].rsplit(":", 1)[-1] in ("refresh-token-reused", "refresh-token-revoked")
    # Only one new refresh token was ever minted from the shared one.
    rows = await _execute(settings, "SELECT count(*) AS n FROM refresh_token")
    assert rows[0]["n"] == 2


async def test_citizen_token_on_officer_endpoint_is_forbidden(
    client: httpx.AsyncClient, sms: MemorySmsSender
) -> None:
    tokens = await _citizen(client, sms, "13900003014")
    response = await client.get("/v1/officer/audit-log", headers=f.bearer(tokens))
    assert_problem(response, 403, "officer-only")


async def test_officer_token_on_citizen_endpoint_is_forbidden(client: httpx.AsyncClient) -> None:
    await identity.create_officer("auditor", "correct horse battery", "审计员", ["officer"])
    signed_in = await client.post(
        "/v1/auth/officer/sign-in",
        json={"username": "auditor", "password": "correct horse battery"},
    )
    assert signed_in.status_code == 200, signed_in.text
    response = await client.get("/v1/me", headers=f.bearer(signed_in.json()))
    assert_problem(response, 403, "citizen-only")


async def test_department_api_key_on_citizen_endpoint_is_unauthorized(
    client: httpx.AsyncClient,
) -> None:
    key = await f.department()
    response = await client.get("/v1/me", headers={"X-Api-Key": key})
    assert_problem(response, 401, "token-invalid")
    response = await client.get("/v1/me", headers={"Authorization": f"Bearer {key}"})
    assert_problem(response, 401, "token-invalid")


async def test_citizen_token_on_department_endpoint_is_unauthorized(
    client: httpx.AsyncClient, sms: MemorySmsSender
) -> None:
    tokens = await _citizen(client, sms, "13900003015")
    response = await client.post(
        "/v1/department/records:batch",
        json={"records": [f.record(f.id_number(), "t-1")]},
        headers=f.bearer(tokens),
    )
    assert_problem(response, 401, "api-key-missing")
