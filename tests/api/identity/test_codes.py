"""One-time codes: sending, throttles, wrong and expired codes, lock-out, single use."""

from __future__ import annotations

import asyncpg
import httpx
import pytest
from litestar import Litestar
from redis.asyncio import Redis

from backend.identity import service as identity
from backend.identity.sms import MemorySmsSender
from backend.platform.config import Settings
from tests import factories as f
from tests.api.identity.problems import assert_problem


def _resend_key(settings: Settings, phone: str) -> str:
    return f.otp_key("resend", phone)


def _other_code(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


async def _signed_up(
    client: httpx.AsyncClient, sms: MemorySmsSender, phone: str, registrar: str | None = None
) -> str:
    """Register and sign up a citizen with this phone; returns the registrar's key."""
    registrar = registrar or await f.registrar()
    await f.citizen_tokens(
        client, sms, phone=phone, name="赵敏", number=f.id_number(), registrar_key=registrar
    )
    return registrar


async def _fresh_code(
    client: httpx.AsyncClient, sms: MemorySmsSender, settings: Settings, redis: Redis, phone: str
) -> str:
    """Skip the resend throttle (as if a minute had passed) and send a new code."""
    await redis.delete(_resend_key(settings, phone))
    response = await client.post("/v1/auth/codes", json={"phone": phone})
    assert response.status_code == 200, response.text
    return sms.last(phone)


async def _expire_codes(settings: Settings, phone: str) -> None:
    conn = await asyncpg.connect(settings.database_url)
    try:
        await conn.execute(
            "UPDATE one_time_code SET expires_at = now() - interval '1 second'"
            " WHERE phone_index = $1",
            identity.phone_index(phone),
        )
    finally:
        await conn.close()


async def test_request_code_sends_six_digits_and_answers_with_the_masked_phone(
    client: httpx.AsyncClient, sms: MemorySmsSender, settings: Settings
) -> None:
    response = await client.post("/v1/auth/codes", json={"phone": "13900001001"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == {
        "phone": "139****1001",
        "expiresIn": settings.otp_ttl_seconds,
        "resendAfter": settings.otp_resend_seconds,
    }
    code = sms.last("13900001001")
    assert len(code) == 6 and code.isdigit()


async def test_code_is_stored_hashed_not_in_clear(
    client: httpx.AsyncClient, sms: MemorySmsSender, settings: Settings
) -> None:
    await client.post("/v1/auth/codes", json={"phone": "13900001002"})
    code = sms.last("13900001002")
    conn = await asyncpg.connect(settings.database_url)
    try:
        row = await conn.fetchrow(
            "SELECT code_hash, attempts, expires_at - created_at AS ttl FROM one_time_code"
            " WHERE phone_index = $1",
            identity.phone_index("13900001002"),
        )
    finally:
        await conn.close()
    assert row is not None
    assert code not in row["code_hash"]
    assert row["attempts"] == 0
    assert row["ttl"].total_seconds() == settings.otp_ttl_seconds


async def test_invalid_phone_format_is_refused_naming_the_field(client: httpx.AsyncClient) -> None:
    for phone in ("12345", "23900001003", "1390000100a", "139000010031"):
        response = await client.post("/v1/auth/codes", json={"phone": phone})
        body = assert_problem(response, 422, "validation-failed", field="phone")
        assert body["errors"][0]["field"] == "phone"


async def test_missing_phone_is_refused(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/auth/codes", json={})
    body = assert_problem(response, 422, "validation-failed")
    assert body["detail"] == "phone: 必填"
    english = await client.post("/v1/auth/codes", json={}, headers={"Accept-Language": "en"})
    assert assert_problem(english, 422, "validation-failed")["detail"] == "phone: is required"


async def test_missing_phone_is_refused_naming_the_field(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/auth/codes", json={})
    assert_problem(response, 422, "validation-failed", field="phone")


async def test_unknown_json_field_is_refused(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/auth/codes", json={"phone": "13900001004", "channel": "voice"}
    )
    body = assert_problem(response, 422, "validation-failed")
    assert "channel" in body["detail"]


async def test_malformed_json_is_refused(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/auth/codes",
        content=b'{"phone": "1390000',
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code in (400, 422), response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["type"].startswith("urn:citizen-credit:problem:")


async def test_resend_within_the_throttle_is_refused_with_retry_after(
    client: httpx.AsyncClient, sms: MemorySmsSender, settings: Settings
) -> None:
    phone = "13900001005"
    assert (await client.post("/v1/auth/codes", json={"phone": phone})).status_code == 200
    response = await client.post("/v1/auth/codes", json={"phone": phone})
    body = assert_problem(response, 429, "code-resend-too-soon")
    retry_after = int(response.headers["retry-after"])
    assert 1 <= retry_after <= settings.otp_resend_seconds
    assert body["extra"]["retryAfter"] == retry_after
    assert len(sms.sent[phone]) == 1


async def test_resend_throttle_is_per_phone(client: httpx.AsyncClient) -> None:
    assert (await client.post("/v1/auth/codes", json={"phone": "13900001006"})).status_code == 200
    assert (await client.post("/v1/auth/codes", json={"phone": "13900001007"})).status_code == 200


async def test_hourly_limit_per_phone(
    client: httpx.AsyncClient, sms: MemorySmsSender, settings: Settings, redis: Redis
) -> None:
    phone = "13900001008"
    for _ in range(settings.otp_max_per_phone_per_hour):
        await redis.delete(_resend_key(settings, phone))
        assert (await client.post("/v1/auth/codes", json={"phone": phone})).status_code == 200
    await redis.delete(_resend_key(settings, phone))
    response = await client.post("/v1/auth/codes", json={"phone": phone})
    assert_problem(response, 429, "code-hourly-limit")
    assert int(response.headers["retry-after"]) >= 1
    assert len(sms.sent[phone]) == settings.otp_max_per_phone_per_hour
    other = await client.post("/v1/auth/codes", json={"phone": "13900001009"})
    assert other.status_code == 200


async def test_a_new_code_replaces_the_previous_one(
    client: httpx.AsyncClient, sms: MemorySmsSender, settings: Settings, redis: Redis
) -> None:
    phone = "13900001010"
    await _signed_up(client, sms, phone)
    first = await _fresh_code(client, sms, settings, redis, phone)
    second = await _fresh_code(client, sms, settings, redis, phone)
    if first != second:
        stale = await client.post("/v1/auth/sign-in", json={"phone": phone, "code": first})
        assert_problem(stale, 401, "code-wrong", field="code")
    response = await client.post("/v1/auth/sign-in", json={"phone": phone, "code": second})
    assert response.status_code == 200, response.text


async def test_wrong_code_is_refused_and_attempts_count_down(
    client: httpx.AsyncClient, sms: MemorySmsSender, settings: Settings, redis: Redis
) -> None:
    phone = "13900001011"
    await _signed_up(client, sms, phone)
    wrong = _other_code(await _fresh_code(client, sms, settings, redis, phone))
    lefts = []
    for _ in range(settings.otp_max_attempts):
        response = await client.post("/v1/auth/sign-in", json={"phone": phone, "code": wrong})
        body = assert_problem(response, 401, "code-wrong", field="code")
        lefts.append(body["extra"]["attemptsLeft"])
    assert lefts == list(range(settings.otp_max_attempts - 1, -1, -1))


async def test_after_five_wrong_tries_even_the_right_code_is_refused(
    client: httpx.AsyncClient, sms: MemorySmsSender, settings: Settings, redis: Redis
) -> None:
    phone = "13900001012"
    await _signed_up(client, sms, phone)
    right = await _fresh_code(client, sms, settings, redis, phone)
    for _ in range(settings.otp_max_attempts):
        response = await client.post(
            "/v1/auth/sign-in", json={"phone": phone, "code": _other_code(right)}
        )
        assert response.status_code == 401
    response = await client.post("/v1/auth/sign-in", json={"phone": phone, "code": right})
    assert_problem(response, 429, "code-locked", field="code")
    # A new code starts a fresh count.
    fresh = await _fresh_code(client, sms, settings, redis, phone)
    response = await client.post("/v1/auth/sign-in", json={"phone": phone, "code": fresh})
    assert response.status_code == 200, response.text


async def test_wrong_tries_count_on_sign_up_too(
    client: httpx.AsyncClient, sms: MemorySmsSender, settings: Settings
) -> None:
    phone, number = "13900001013", f.id_number()
    await f.register_person(client, await f.registrar(), number, "周芷", phone)
    await client.post("/v1/auth/codes", json={"phone": phone})
    right = sms.last(phone)
    body = {"phone": phone, "name": "周芷", "idNumber": number, **f.ACCEPTED_NOTICES}
    for _ in range(settings.otp_max_attempts):
        response = await client.post("/v1/auth/sign-up", json={**body, "code": _other_code(right)})
        assert_problem(response, 401, "code-wrong", field="code")
    response = await client.post("/v1/auth/sign-up", json={**body, "code": right})
    assert_problem(response, 429, "code-locked", field="code")


async def test_expired_code_is_refused(
    client: httpx.AsyncClient, sms: MemorySmsSender, settings: Settings, redis: Redis
) -> None:
    phone = "13900001014"
    await _signed_up(client, sms, phone)
    code = await _fresh_code(client, sms, settings, redis, phone)
    await _expire_codes(settings, phone)
    response = await client.post("/v1/auth/sign-in", json={"phone": phone, "code": code})
    assert_problem(response, 401, "code-expired", field="code")


async def test_sign_in_without_any_code_requested_is_refused(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/auth/sign-in", json={"phone": "13900001015", "code": "123456"}
    )
    assert_problem(response, 401, "code-expired", field="code")


async def test_a_code_works_only_once(client: httpx.AsyncClient, sms: MemorySmsSender) -> None:
    phone = "13900001016"
    await _signed_up(client, sms, phone)
    # The sign-up consumed its code: the same code cannot sign in.
    response = await client.post("/v1/auth/sign-in", json={"phone": phone, "code": sms.last(phone)})
    assert_problem(response, 401, "code-expired", field="code")


async def test_a_sign_in_code_cannot_be_replayed(
    client: httpx.AsyncClient, sms: MemorySmsSender, settings: Settings, redis: Redis
) -> None:
    phone = "13900001017"
    await _signed_up(client, sms, phone)
    payload = {"phone": phone, "code": await _fresh_code(client, sms, settings, redis, phone)}
    assert (await client.post("/v1/auth/sign-in", json=payload)).status_code == 200
    again = await client.post("/v1/auth/sign-in", json=payload)
    assert_problem(again, 401, "code-expired", field="code")


async def test_a_code_is_bound_to_its_phone(
    client: httpx.AsyncClient, sms: MemorySmsSender, settings: Settings, redis: Redis
) -> None:
    registrar = await _signed_up(client, sms, "13900001018")
    await _signed_up(client, sms, "13900001019", registrar)
    code_a = await _fresh_code(client, sms, settings, redis, "13900001018")
    code_b = await _fresh_code(client, sms, settings, redis, "13900001019")
    if code_a != code_b:
        response = await client.post(
            "/v1/auth/sign-in", json={"phone": "13900001019", "code": code_a}
        )
        assert_problem(response, 401, "code-wrong", field="code")


async def test_code_must_be_six_digits(client: httpx.AsyncClient) -> None:
    for code in ("12345", "1234567", "12a456"):
        response = await client.post(
            "/v1/auth/sign-in", json={"phone": "13900001020", "code": code}
        )
        assert_problem(response, 422, "validation-failed", field="code")


async def test_auth_endpoints_are_rate_limited_per_ip(
    client: httpx.AsyncClient, settings: Settings, app: Litestar
) -> None:
    for i in range(settings.auth_rate_per_minute):
        response = await client.post("/v1/auth/codes", json={"phone": f"139000011{i:02d}"})
        assert response.status_code == 200, (i, response.text)
    refused = await client.post("/v1/auth/codes", json={"phone": "13900001199"})
    assert_problem(refused, 429, "too-many-requests")
    assert refused.headers["ratelimit-limit"] == str(settings.auth_rate_per_minute)
    assert refused.headers["ratelimit-remaining"] == "0"
    assert int(refused.headers["ratelimit-reset"]) > 0
    # Every /v1/auth route shares the per-IP budget.
    refused = await client.post("/v1/auth/sign-in", json={"phone": "13900001198", "code": "123456"})
    assert_problem(refused, 429, "too-many-requests")
    # Another address still gets through.
    transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as other:
        response = await other.post("/v1/auth/codes", json={"phone": "13900001197"})
        assert response.status_code == 200, response.text


async def test_codes_are_refused_clearly_while_redis_is_away(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without Redis the per-phone throttle cannot hold: no code is sent, and the client
    hears why (503 with Retry-After), not an internal error."""
    from redis.exceptions import ConnectionError as RedisConnectionError

    from backend.platform import runtime

    async def down(*args: object, **kwargs: object) -> None:
        raise RedisConnectionError("redis is away")

    monkeypatch.setattr(runtime.current().redis, "set", down)
    response = await client.post("/v1/auth/codes", json={"phone": "13900000299"})
    assert response.status_code == 503
    assert response.json()["type"] == "urn:citizen-credit:problem:codes-unavailable"
    assert response.headers["retry-after"] == "60"
