"""The card's short path (backend.scoring.hotpath) answers exactly as the application does, and
a request it cannot finish goes to the application counted once, with the gate's decision."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
from redis.asyncio import Redis

from backend.identity.security import VERIFIED_TOKENS
from backend.identity.sms import MemorySmsSender
from backend.platform import runtime
from backend.platform.calendar import today_in_shanghai
from backend.platform.metrics import HTTP_REQUESTS
from backend.scoring.hotpath import SHORT_PATH
from tests import factories as f
from tests.api.identity.problems import assert_problem
from tests.api.records.helpers import post_batch
from tests.redis_trips import Sent

CARD = "/v1/me/card"


def _count(outcome: str) -> float:
    value: float = SHORT_PATH.labels(outcome=outcome)._value.get()
    return value


def _served_counts() -> float:
    value: float = HTTP_REQUESTS.labels(method="GET", route=CARD, status="200")._value.get()
    return value


def _comparable(response: httpx.Response) -> dict[str, Any]:
    """Everything a client sees, but the request id and the limit's live numbers."""
    headers: dict[str, Any] = {}
    for name, value in response.headers.multi_items():
        if name in ("x-request-id", "ratelimit-remaining", "ratelimit-reset"):
            continue
        if name == "vary":
            headers.setdefault("vary", set()).update(v.strip() for v in value.split(","))
        else:
            assert name not in headers, name
            headers[name] = value
    return {"status": response.status_code, "headers": headers, "body": response.content}


async def _application_then_short(
    client: httpx.AsyncClient, method: str, headers: dict[str, str]
) -> tuple[httpx.Response, httpx.Response]:
    """The same request answered by the application (its token forgotten: the short path passes
    it on), then by the short path (the application has remembered the token again)."""
    token = headers["Authorization"].removeprefix("Bearer ")
    VERIFIED_TOKENS.discard(token)
    passed, served = _count("passed"), _count("served")
    application = await client.request(method, CARD, headers=headers)
    assert (_count("passed"), _count("served")) == (passed + 1, served)
    short = await client.request(method, CARD, headers=headers)
    assert (_count("passed"), _count("served")) == (passed + 1, served + 1)
    remaining = int(application.headers["ratelimit-remaining"])
    assert int(short.headers["ratelimit-remaining"]) == remaining - 1  # each counted once
    return application, short


async def _citizen_with_records(client: httpx.AsyncClient, sms: MemorySmsSender) -> Any:
    """A citizen whose card has reasons both ways: more than the compression's 1,024 bytes."""
    key = await f.department("multi", ["domain:traffic_safety", "domain:volunteer_service"])
    number, headers = await f.signed_up(client, sms, "13970003001")
    ago = (today_in_shanghai() - dt.timedelta(days=20)).isoformat()
    await post_batch(
        client,
        key,
        [
            f.record(number, "bad", occurredOn=ago),
            f.record(number, "good", "VOLUNTEER-SERVICE-HOURS", occurredOn=ago, quantity=10),
        ],
    )
    return headers


async def test_the_short_path_answers_as_the_application_does(
    client: httpx.AsyncClient, sms: MemorySmsSender
) -> None:
    headers = await _citizen_with_records(client, sms)
    first = await client.get(CARD, headers=headers)  # scores the citizen, fills the cache
    assert first.status_code == 200, first.text
    assert first.json()["topDown"] and first.json()["topUp"]
    etag = first.headers["etag"]
    variants: list[tuple[str, dict[str, str]]] = [
        ("GET", {}),
        ("GET", {"Accept-Language": "en-GB,en;q=0.9"}),
        ("GET", {"If-None-Match": etag}),
        ("GET", {"If-None-Match": '"another", ' + etag.removeprefix("W/")}),
        ("HEAD", {}),
        ("GET", {"Accept-Encoding": "gzip"}),
        ("GET", {"Accept-Encoding": "gzip, deflate, br"}),
        ("HEAD", {"Accept-Encoding": "br", "Accept-Language": "en"}),
    ]
    for method, extra in variants:
        application, short = await _application_then_short(client, method, {**headers, **extra})
        assert _comparable(short) == _comparable(application), (method, extra)
    # the variants did what they say
    assert (await client.get(CARD, headers={**headers, "If-None-Match": etag})).status_code == 304
    compressed = await client.get(CARD, headers={**headers, "Accept-Encoding": "br"})
    assert compressed.headers["content-encoding"] == "br" and compressed.json() == first.json()
    assert len(first.content) > 1024
    english = await client.get(CARD, headers={**headers, "Accept-Language": "en"})
    assert english.headers["content-language"] == "en" and english.headers["etag"] != etag


async def test_a_served_read_has_its_route_in_the_metrics(
    client: httpx.AsyncClient, sms: MemorySmsSender
) -> None:
    _, headers = await f.signed_up(client, sms, "13970003002")
    assert (await client.get(CARD, headers=headers)).status_code == 200
    served, counted = _count("served"), _served_counts()
    assert (await client.get(CARD, headers=headers)).status_code == 200
    assert (_count("served"), _served_counts()) == (served + 1, counted + 1)


async def test_a_card_missing_from_redis_is_handed_over_counted_once_in_one_trip(
    client: httpx.AsyncClient, sms: MemorySmsSender, redis: Redis, sent: Sent
) -> None:
    _, headers = await f.signed_up(client, sms, "13970003003")
    first = await client.get(CARD, headers=headers)
    namespace = runtime.current().settings.redis_namespace
    await redis.delete(*[k async for k in redis.scan_iter(match=f"{namespace}:card2:*")])
    handed = _count("handed_over")
    sent.reset()
    again = await client.get(CARD, headers=headers)
    assert again.status_code == 200 and again.content == first.content
    assert _count("handed_over") == handed + 1
    trips = sent.trips()
    assert len(trips) == 2, trips  # the gate's (once, in front), then the cache filled back
    remaining = int(first.headers["ratelimit-remaining"])
    assert int(again.headers["ratelimit-remaining"]) == remaining - 1


async def test_a_signed_out_session_is_refused_through_the_application(
    client: httpx.AsyncClient, sms: MemorySmsSender
) -> None:
    _, headers = await f.signed_up(client, sms, "13970003004")
    assert (await client.get(CARD, headers=headers)).status_code == 200
    assert (await client.post("/v1/auth/sign-out", headers=headers)).status_code == 204
    handed = _count("handed_over")
    refused = await client.get(CARD, headers={**headers, "Accept-Language": "en"})
    assert_problem(refused, 401, "session-revoked")
    assert refused.headers["content-language"] == "en"
    assert _count("handed_over") == handed + 1


async def test_other_requests_to_the_card_are_not_taken(
    client: httpx.AsyncClient, sms: MemorySmsSender
) -> None:
    _, headers = await f.signed_up(client, sms, "13970003005")
    assert (await client.get(CARD, headers=headers)).status_code == 200
    served = _count("served")
    assert_problem(await client.get(CARD), 401, "token-invalid")
    assert_problem(
        await client.get(CARD, headers={"Authorization": "Bearer not-a-token"}),
        401,
        "token-invalid",
    )
    assert (await client.post(CARD, headers=headers)).status_code == 405
    assert (await client.options(CARD)).status_code == 204
    assert _count("served") == served
