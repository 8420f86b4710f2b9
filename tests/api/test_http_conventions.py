"""HTTP conventions every route keeps: no 5xx for any request shape, conditional GETs,
compression, Idempotency-Key, Retry-After, separate rate-limit buckets."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import httpx
from litestar import Litestar
from redis.asyncio import Redis

from backend.identity.sms import MemorySmsSender
from backend.platform.config import Settings
from backend.platform.database import connection
from tests import factories as f
from tests.api.verification import helpers as h

PARAMETER = re.compile(r"{(\w+):(\w+)}")


def _concrete(path: str) -> str:
    return PARAMETER.sub(lambda m: "1" if m.group(2) == "int" else "x1", path)


def _all_paths(app: Litestar) -> list[str]:
    paths = sorted({_concrete(route.path) for route in app.routes})
    assert len(paths) > 60, paths  # read from the app, not a hand-kept list
    return paths


async def _every_path(
    client: httpx.AsyncClient, app: Litestar, method: str, headers: dict[str, str]
) -> list[tuple[str, int]]:
    failures = []
    for path in _all_paths(app):
        response = await client.request(method, path, headers=headers)
        if response.status_code >= 500:
            failures.append((path, response.status_code))
    return failures


async def test_options_and_head_never_fail_on_any_route(
    client: httpx.AsyncClient, app: Litestar, sms: MemorySmsSender
) -> None:
    _, citizen = await f.signed_up(client, sms, "13900005001")
    department = {"X-Api-Key": await f.department("dept-shapes")}
    for headers in ({}, citizen, department, {"Authorization": "Bearer junk"}):
        for method in ("OPTIONS", "HEAD"):
            assert await _every_path(client, app, method, headers) == [], (method, headers)


async def test_head_tells_what_get_would_without_the_body(
    client: httpx.AsyncClient, sms: MemorySmsSender
) -> None:
    _, headers = await f.signed_up(client, sms, "13900005030")
    for path, who in (("/healthz", {}), ("/v1/public/benefits", {}), ("/v1/me/records", headers)):
        get = await client.get(path, headers=who)
        head = await client.head(path, headers=who)
        assert head.status_code == get.status_code == 200, path
        assert head.content == b"" and head.headers["content-type"] == get.headers["content-type"]
    assert (await client.head("/v1/me/records")).status_code == 401
    assert (await client.head("/v1/auth/codes")).status_code == 405


async def test_options_answers_allow_without_credentials(client: httpx.AsyncClient) -> None:
    response = await client.options("/v1/me/card")
    assert response.status_code == 204
    assert "GET" in response.headers["allow"]


async def test_preflights_do_not_spend_the_sign_in_budget(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    for _ in range(settings.auth_rate_per_minute + 5):
        await client.options("/v1/auth/codes")
    response = await client.post("/v1/auth/codes", json={"phone": "13900005002"})
    assert response.status_code == 200, response.text


async def test_public_reads_cannot_lock_an_address_out_of_sign_in(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    for _ in range(settings.auth_rate_per_minute + 5):
        assert (await client.get("/v1/public/verification-key")).status_code == 200
    response = await client.post("/v1/auth/codes", json={"phone": "13900005003"})
    assert response.status_code == 200, response.text


async def test_the_rate_limiters_429_says_when_to_retry(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    statuses = []
    for n in range(settings.auth_rate_per_minute + 1):
        phone = f"1390000{6000 + n}"
        statuses.append((await client.post("/v1/auth/codes", json={"phone": phone})).status_code)
    limited = await client.post("/v1/auth/codes", json={"phone": "13900007999"})
    assert limited.status_code == 429, statuses
    assert limited.headers["content-type"].startswith("application/problem+json")
    assert 1 <= int(limited.headers["retry-after"]) <= 60


async def test_citizen_lists_answer_304_when_unchanged(
    client: httpx.AsyncClient, sms: MemorySmsSender
) -> None:
    _, headers = await f.signed_up(client, sms, "13900005004")
    for path in ("/v1/me/records", "/v1/me/benefits", "/v1/me/notifications", "/v1/me/plan"):
        first = await client.get(path, headers=headers)
        assert first.status_code == 200, (path, first.text)
        assert first.headers["cache-control"] == "private, no-cache"
        etag = first.headers["etag"]
        again = await client.get(path, headers={**headers, "If-None-Match": etag})
        assert again.status_code == 304, path
        assert again.content == b"" and again.headers["etag"] == etag
        other = await client.get(path, headers={**headers, "If-None-Match": '"stale"'})
        assert other.status_code == 200 and other.content == first.content


async def test_a_change_changes_the_etag(client: httpx.AsyncClient, sms: MemorySmsSender) -> None:
    await h.merchant()
    _, headers = await f.signed_up(client, sms, "13900005005")
    before = await client.get(h.CONSENTS, headers=headers)
    created = await client.post(
        h.CONSENTS,
        json={"organisation": "city-library", "purpose": "借书", "days": 30},
        headers=headers,
    )
    assert created.status_code == 201, created.text
    after = await client.get(
        h.CONSENTS, headers={**headers, "If-None-Match": before.headers["etag"]}
    )
    assert after.status_code == 200 and after.headers["etag"] != before.headers["etag"]


async def test_large_answers_are_compressed(client: httpx.AsyncClient) -> None:
    response = await client.get("/schema/openapi.json", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["content-encoding"] == "gzip"
    small = await client.get("/healthz", headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in small.headers
    brotli = await client.get("/schema/openapi.json", headers={"Accept-Encoding": "br, gzip"})
    assert brotli.headers["content-encoding"] == "br"
    assert brotli.json()["openapi"].startswith("3.1")  # httpx decodes it: it is real brotli


async def _consents(number: str) -> int:
    async with connection() as conn:
        return int(
            await conn.fetchval(
                "SELECT count(*) FROM consent WHERE citizen = $1", await h.citizen_id(number)
            )
        )


CONSENT = {"organisation": "city-library", "purpose": "借书", "days": 30}


async def test_two_taps_with_one_idempotency_key_make_one_consent(
    client: httpx.AsyncClient, sms: MemorySmsSender
) -> None:
    await h.merchant()
    number, headers = await f.signed_up(client, sms, "13900005006")
    keyed = {**headers, "Idempotency-Key": "tap-0001-consent"}
    first = await client.post(h.CONSENTS, json=CONSENT, headers=keyed)
    second = await client.post(h.CONSENTS, json=CONSENT, headers=keyed)
    assert first.status_code == second.status_code == 201, second.text
    assert second.json() == first.json()
    assert second.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert await _consents(number) == 1
    # A new key is a new action.
    new_key = {**headers, "Idempotency-Key": "tap-0002-consent"}
    third = await client.post(h.CONSENTS, json=CONSENT, headers=new_key)
    assert third.status_code == 201 and third.json()["id"] != first.json()["id"]
    assert await _consents(number) == 2


async def test_concurrent_taps_create_one_verification_code(
    client: httpx.AsyncClient, sms: MemorySmsSender
) -> None:
    _, headers = await f.signed_up(client, sms, "13900005007")
    keyed = {**headers, "Idempotency-Key": "tap-0001-code"}
    responses = await asyncio.gather(
        *(client.post(h.CODES, json={"benefit": h.LIBRARY}, headers=keyed) for _ in range(3))
    )
    made = [r for r in responses if r.status_code == 201]
    waiting = [r for r in responses if r.status_code == 409]
    assert made and len(made) + len(waiting) == 3, [r.text for r in responses]
    assert len({r.json()["verificationId"] for r in made}) == 1
    for response in waiting:
        assert response.json()["type"].endswith(":request-in-progress")
        assert response.headers["retry-after"] == "1"


async def test_a_key_reused_with_another_body_is_refused(
    client: httpx.AsyncClient, sms: MemorySmsSender
) -> None:
    await h.merchant()
    number, headers = await f.signed_up(client, sms, "13900005008")
    keyed = {**headers, "Idempotency-Key": "tap-0001-reused"}
    assert (await client.post(h.CONSENTS, json=CONSENT, headers=keyed)).status_code == 201
    other = await client.post(h.CONSENTS, json={**CONSENT, "days": 7}, headers=keyed)
    assert other.status_code == 422
    assert other.json()["type"].endswith(":idempotency-key-reused")
    assert other.json()["field"] == "Idempotency-Key"
    assert await _consents(number) == 1


async def test_a_failed_request_keeps_nothing_under_its_key(
    client: httpx.AsyncClient, sms: MemorySmsSender
) -> None:
    await h.merchant()
    number, headers = await f.signed_up(client, sms, "13900005009")
    keyed = {**headers, "Idempotency-Key": "tap-0001-fixed"}
    bad = await client.post(h.CONSENTS, json={**CONSENT, "days": 0}, headers=keyed)
    assert bad.status_code == 422
    good = await client.post(h.CONSENTS, json=CONSENT, headers=keyed)
    assert good.status_code == 201 and await _consents(number) == 1


async def test_keys_are_per_citizen_and_well_formed(
    client: httpx.AsyncClient, sms: MemorySmsSender
) -> None:
    await h.merchant()
    one, first = await f.signed_up(client, sms, "13900005010")
    two, second = await f.signed_up(client, sms, "13900005011")
    key = {"Idempotency-Key": "shared-key-0001"}
    a = await client.post(h.CONSENTS, json=CONSENT, headers={**first, **key})
    b = await client.post(h.CONSENTS, json=CONSENT, headers={**second, **key})
    assert a.status_code == b.status_code == 201 and a.json()["id"] != b.json()["id"]
    assert await _consents(one) == await _consents(two) == 1
    short = await client.post(h.CONSENTS, json=CONSENT, headers={**first, "Idempotency-Key": "x"})
    assert short.status_code == 422 and short.json()["field"] == "Idempotency-Key"


async def test_without_redis_the_request_still_runs(
    client: httpx.AsyncClient, sms: MemorySmsSender, app: Litestar
) -> None:
    await h.merchant()
    number, headers = await f.signed_up(client, sms, "13900005012")
    working: Redis = app.state.redis
    app.state.redis = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2)
    try:
        keyed = {**headers, "Idempotency-Key": "tap-0001-noredis"}
        response = await client.post(h.CONSENTS, json=CONSENT, headers=keyed)
    finally:
        app.state.redis = working
    assert response.status_code == 201, response.text
    assert await _consents(number) == 1


def _problem_type(response: httpx.Response) -> Any:
    return response.json()["type"].rsplit(":", 1)[-1]


async def test_auth_problems_follow_the_callers_language(client: httpx.AsyncClient) -> None:
    zh = await client.get("/v1/me", headers={"Authorization": "Bearer junk"})
    english = {"Authorization": "Bearer junk", "Accept-Language": "en"}
    en = await client.get("/v1/me", headers=english)
    assert _problem_type(zh) == _problem_type(en) == "token-invalid"
    assert zh.json()["title"] == "登录凭证无效" and zh.headers["content-language"] == "zh-CN"
    assert en.json()["title"] == "The access token is not valid"
    assert zh.json()["requestId"] == zh.headers["x-request-id"]


async def test_a_json_operation_refuses_other_media_types(client: httpx.AsyncClient) -> None:
    body = b'{"phone":"13900005020"}'
    for content_type in ("text/plain", "application/x-www-form-urlencoded"):
        response = await client.post(
            "/v1/auth/codes", content=body, headers={"content-type": content_type}
        )
        assert response.status_code == 415, response.text
        assert response.json()["type"].endswith(":unsupported-media-type")
        assert response.json()["field"] == "Content-Type"
    fine = await client.post(
        "/v1/auth/codes", content=body, headers={"content-type": "application/json; charset=utf-8"}
    )
    assert fine.status_code == 200, fine.text
