"""A merchant's redemption makes one Redis round trip: the gate reads the merchant's
unknown-code counter with its rate limit. A miss adds one (the count and the window in one
transaction), and the window starts at the first miss: later misses do not extend it."""

from __future__ import annotations

from typing import Any

import httpx
from redis.asyncio import Redis

from backend.identity.sms import MemorySmsSender
from backend.platform.gate import SCRIPT_SHA
from backend.verification.service import GUESS_LIMIT, GUESS_WINDOW_SECONDS, guess_key
from tests import factories as f
from tests.api.identity.problems import assert_problem
from tests.api.verification import helpers as h
from tests.redis_trips import Sent


async def _merchant_id(db: Any, code: str) -> int:
    return int(await db.fetchval("SELECT id FROM api_client WHERE code = $1", code))


async def test_a_typed_code_redemption_is_one_redis_round_trip(
    client: httpx.AsyncClient, sms: MemorySmsSender, sent: Sent
) -> None:
    _, citizen = await f.signed_up(client, sms, "13962100001")
    library = await h.merchant()
    warm_up = await h.make_code(client, citizen)  # the pool's connections are open after it
    assert (await h.redeem(client, library, code=warm_up["code"])).status_code == 200
    issued = await h.make_code(client, citizen)
    sent.reset()
    answer = await h.redeem(client, library, code=issued["code"])
    assert answer.status_code == 200, answer.text
    trips = sent.trips()
    assert len(trips) == 1, trips
    assert b"EVALSHA" in trips[0] and SCRIPT_SHA.encode() in trips[0]
    assert b"verify-misses" in trips[0]  # the counter rode along


async def test_a_miss_is_counted_in_one_more_trip_and_the_window_is_not_extended(
    client: httpx.AsyncClient, sms: MemorySmsSender, sent: Sent, redis: Redis, db: Any
) -> None:
    _, citizen = await f.signed_up(client, sms, "13962100002")
    library = await h.merchant()
    issued = await h.make_code(client, citizen)
    unknown = "99999999" if issued["code"] != "99999999" else "99999998"
    assert (await h.redeem(client, library, payload=issued["payload"])).status_code == 200
    sent.reset()
    assert_problem(await h.redeem(client, library, code=unknown), 404, "verification-code-unknown")
    assert len(sent.trips()) == 2, sent.trips()  # the gate, then INCR and EXPIRE NX together
    key = guess_key(await _merchant_id(db, "city-library"))
    assert await redis.get(key) == b"1"
    # A window already running is left as it is by the next miss.
    await redis.expire(key, 30)
    assert_problem(await h.redeem(client, library, code=unknown), 404, "verification-code-unknown")
    assert await redis.get(key) == b"2"
    assert 0 < await redis.ttl(key) <= 30 < GUESS_WINDOW_SECONDS


async def test_the_pause_still_comes_from_the_counter_the_gate_read(
    client: httpx.AsyncClient, sms: MemorySmsSender, redis: Redis, db: Any
) -> None:
    _, citizen = await f.signed_up(client, sms, "13962100003")
    library = await h.merchant()
    issued = await h.make_code(client, citizen)
    key = guess_key(await _merchant_id(db, "city-library"))
    await redis.set(key, GUESS_LIMIT, ex=42)
    paused = await h.redeem(client, library, code=issued["code"])
    assert_problem(paused, 429, "verification-guesses-exceeded")
    assert 0 < int(paused.headers["retry-after"]) <= 42
    # A scanned payload is not a guess: it goes through while typed codes wait.
    assert (await h.redeem(client, library, payload=issued["payload"])).status_code == 200
