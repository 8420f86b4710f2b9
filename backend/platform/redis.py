"""Redis client and key naming. Every key this app writes starts with the namespace."""

from __future__ import annotations

from redis.asyncio import Redis


def create_redis(url: str) -> Redis:
    client: Redis = Redis.from_url(url, decode_responses=False)
    return client


def namespaced(namespace: str, *parts: str | int) -> str:
    return ":".join([namespace, *(str(p) for p in parts)])
