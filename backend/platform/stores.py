"""Litestar's Redis store, failing open for rate limits: while Redis is away the API keeps
answering (and departments keep reporting) instead of turning every request into a 500."""

from __future__ import annotations

import logging
from datetime import timedelta

from litestar.stores.redis import RedisStore
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger("backend.stores")
_DOWN = (RedisConnectionError, RedisTimeoutError, OSError)


class FailOpenRedisStore(RedisStore):
    async def set(
        self, key: str, value: str | bytes, expires_in: int | timedelta | None = None
    ) -> None:
        try:
            await super().set(key, value, expires_in)
        except _DOWN:
            log.warning("Redis unavailable: %s not stored (rate limits open)", self.namespace)

    async def get(self, key: str, renew_for: int | timedelta | None = None) -> bytes | None:
        try:
            return await super().get(key, renew_for)
        except _DOWN:
            log.warning("Redis unavailable: %s not read (rate limits open)", self.namespace)
            return None
