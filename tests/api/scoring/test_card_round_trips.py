"""The card read makes one Redis round trip: the session check, the rate-limit counter and the
card's bytes in one script call. Every behaviour stays: 304 for a matching ETag, HEAD, the
RateLimit-* headers, 429 with Retry-After (counted), the rebuild of the signed-out list after a
Redis wipe, and the card from PostgreSQL when the cache misses."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import msgspec
import pytest
from litestar import Litestar
from redis.asyncio import Redis

from backend.app import create_app
from backend.identity import service as identity
from backend.identity.sms import MemorySmsSender
from backend.platform import runtime
from backend.platform.config import Settings
from backend.platform.gate import SCRIPT_SHA
from backend.platform.metrics import RATE_LIMIT_REFUSALS
from tests import factories as f
from tests.api.identity.problems import assert_problem
from tests.redis_trips import Sent

CARD = "/v1/me/card"


async def _card_once(client: httpx.AsyncClient, headers: dict[str, str]) -> httpx.Response:
    response = await client.get(CARD, headers=headers)
    assert response.status_code == 200, response.text
    return response


async def test_a_card_read_is_one_redis_round_trip(
    client: httpx.AsyncClient, sms: MemorySmsSender, sent: Sent
) -> None:
    _, headers = await f.signed_up(client, sms, "13970002001")
    first = await _card_once(client, headers)  # scores, caches, remembers the token
    sent.reset()
    again = await _card_once(client, headers)
    trips = sent.trips()
    assert len(trips) == 1, trips
    assert b"EVALSHA" in trips[0] and SCRIPT_SHA.encode() in trips[0]
    assert again.content == first.content and again.headers["etag"] == first.headers["etag"]
    assert again.headers["ratelimit-limit"] and int(again.headers["ratelimit-remaining"]) >= 0

    # 304 for a matching ETag, HEAD: the same one trip
    for method, extra, status in (
        ("GET", {"If-None-Match": first.headers["etag"]}, 304),
        ("HEAD", {}, 200),
    ):
        sent.reset()
        response = await client.request(method, CARD, headers={**headers, **extra})
        assert response.status_code == status and response.content == b""
        assert len(sent.trips()) == 1, (method, sent.trips())


async def test_a_cache_miss_reads_the_snapshot_and_fills_the_cache(
    client: httpx.AsyncClient, sms: MemorySmsSender, redis: Redis, sent: Sent
) -> None:
    _, headers = await f.signed_up(client, sms, "13970002002")
    first = await _card_once(client, headers)
    keys = [
        k
        async for k in redis.scan_iter(
            match=f"{runtime.current().settings.redis_namespace}:card2:*"
        )
    ]
    assert keys
    await redis.delete(*keys)
    sent.reset()
    again = await _card_once(client, headers)
    assert again.content == first.content and again.headers["etag"] == first.headers["etag"]
    assert len(sent.trips()) == 2, sent.trips()  # the gate's, then the cache filled back
    sent.reset()
    await _card_once(client, headers)
    assert len(sent.trips()) == 1


async def test_after_a_redis_wipe_the_signed_out_list_is_rebuilt_first(
    client: httpx.AsyncClient, sms: MemorySmsSender, redis: Redis
) -> None:
    _, out = await f.signed_up(client, sms, "13970002003")
    _, still = await f.signed_up(client, sms, "13970002004")
    await _card_once(client, out)
    assert (await client.post("/v1/auth/sign-out", headers=out)).status_code == 204
    namespace = runtime.current().settings.redis_namespace
    wiped = [k async for k in redis.scan_iter(match=f"{namespace}:revoked-session:*")]
    assert wiped
    await redis.delete(*wiped)
    assert_problem(await client.get(CARD, headers=out), 401, "session-revoked")
    await _card_once(client, still)
    assert await redis.exists(f"{namespace}:revoked-session::complete")


@pytest.fixture
async def limited(
    app: Litestar, settings: Settings, sms: MemorySmsSender
) -> AsyncIterator[httpx.AsyncClient]:
    """An app whose citizens may make three requests a minute."""
    second = create_app(msgspec.structs.replace(settings, citizen_rate_per_minute=3), sms=sms)
    second.state.settings = settings
    second.state.redis = runtime.current().redis
    transport = httpx.ASGITransport(app=second)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http
    await second.stores.get("rate_limit")._redis.aclose()  # type: ignore[attr-defined]


async def test_the_citizen_limit_answers_429_with_retry_after_and_counts_it(
    client: httpx.AsyncClient, limited: httpx.AsyncClient, sms: MemorySmsSender
) -> None:
    _, headers = await f.signed_up(client, sms, "13970002005")
    refused_before = RATE_LIMIT_REFUSALS.labels(bucket="citizen")._value.get()
    remaining = []
    for _ in range(3):
        response = await limited.get(CARD, headers=headers)
        assert response.status_code == 200, response.text
        assert response.headers["ratelimit-policy"] == "3; w=60"
        assert response.headers["ratelimit-limit"] == "3"
        remaining.append(response.headers["ratelimit-remaining"])
        assert 0 < int(response.headers["ratelimit-reset"]) <= 60
    assert remaining == ["2", "1", "0"]
    refused = await limited.get(CARD, headers=headers)
    assert_problem(refused, 429, "too-many-requests")
    assert refused.headers["ratelimit-remaining"] == "0"
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert RATE_LIMIT_REFUSALS.labels(bucket="citizen")._value.get() == refused_before + 1
    # a preflight spends nothing and is not refused
    options = await limited.options(CARD)
    assert options.status_code != 429
    # another citizen has a budget of their own
    _, other = await f.signed_up(client, sms, "13970002006")
    assert (await limited.get(CARD, headers=other)).status_code == 200


async def test_the_card_is_still_for_citizens_only(client: httpx.AsyncClient) -> None:
    """The card's controller relies on the citizen router's guard (not repeated on it)."""
    await identity.create_officer("card-auditor", "correct horse battery", "审计员", ["officer"])
    signed_in = await client.post(
        "/v1/auth/officer/sign-in",
        json={"username": "card-auditor", "password": "correct horse battery"},
    )
    assert signed_in.status_code == 200, signed_in.text
    assert_problem(await client.get(CARD, headers=f.bearer(signed_in.json())), 403, "citizen-only")
