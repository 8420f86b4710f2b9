"""The lock-out of repeated failed officer sign-ins (per username and per address), kept in
Redis so every API process sees the same counts."""

from __future__ import annotations

from backend.platform import runtime
from backend.platform.errors import TooManyRequests
from backend.platform.language import say
from backend.platform.redis import namespaced

# A username is locked after this many failures within the window, an address after
# ADDRESS_FAILURES (an office shares one address, so it tolerates more).
USERNAME_FAILURES = 5
ADDRESS_FAILURES = 20
LOCK_SECONDS = 15 * 60


def _failure_keys(username: str, address: str | None) -> list[str]:
    ns = runtime.current().settings.redis_namespace
    keys = [namespaced(ns, "officer-sign-in", "user", username.lower())]
    if address:
        keys.append(namespaced(ns, "officer-sign-in", "address", address))
    return keys


async def refuse_if_locked_out(username: str, address: str | None) -> None:
    """429 ``sign-in-locked`` with Retry-After while the username or the address has failed too
    often within the window; checked before the password, so a locked name reveals nothing."""
    redis = runtime.current().redis
    keys = _failure_keys(username, address)
    counts = await redis.mget(keys)
    limits = [USERNAME_FAILURES, ADDRESS_FAILURES]
    for key, count, limit in zip(keys, counts, limits, strict=False):
        if count is not None and int(count) >= limit:
            left = await redis.ttl(key)
            raise TooManyRequests(
                say(
                    "登录失败次数过多，请稍后再试",
                    "too many failed sign-ins; try again later",
                ),
                code="sign-in-locked",
                retry_after=max(int(left), 1),
            )


async def count_failure(username: str, address: str | None) -> None:
    redis = runtime.current().redis
    async with redis.pipeline(transaction=True) as pipe:
        for key in _failure_keys(username, address):
            pipe.incr(key)
            pipe.expire(key, LOCK_SECONDS)
        await pipe.execute()


async def clear_sign_in_failures(username: str) -> None:
    await runtime.current().redis.delete(_failure_keys(username, None)[0])
