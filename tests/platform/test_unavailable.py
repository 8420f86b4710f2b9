"""Which failures are a backing service away (503) and which are not (500): real errors from the
client libraries, raised by connecting to a port where nothing listens."""

from __future__ import annotations

import asyncpg
import pytest
import redis.exceptions
from redis.asyncio import Redis

from backend.platform.errors import POSTGRES, REDIS, unavailable_service
from tests.processes import free_port


async def _postgres_refused() -> BaseException:
    with pytest.raises(OSError) as caught:
        await asyncpg.connect(f"postgresql://postgres@127.0.0.1:{free_port()}/x", timeout=5)
    return caught.value


async def _redis_refused() -> BaseException:
    client = Redis.from_url(f"redis://127.0.0.1:{free_port()}/0")
    with pytest.raises(redis.exceptions.ConnectionError) as caught:
        await client.ping()
    await client.aclose()
    return caught.value


async def test_a_refused_connect_names_the_service_that_refused() -> None:
    assert unavailable_service(await _postgres_refused()) == POSTGRES
    assert unavailable_service(await _redis_refused()) == REDIS


async def test_the_cause_or_context_of_a_wrapping_error_counts() -> None:
    refused = await _postgres_refused()
    try:
        try:
            raise refused
        except OSError as exc:
            raise RuntimeError("the store failed") from exc
    except RuntimeError as wrapped:
        assert unavailable_service(wrapped) == POSTGRES
    try:
        try:
            raise await _redis_refused()
        except redis.exceptions.ConnectionError:
            raise KeyError("while handling it") from None
    except KeyError as suppressed:
        # ``from None`` hides the context from tracebacks, not from __context__.
        assert unavailable_service(suppressed) == REDIS


def test_errors_of_a_working_server_or_of_our_own_code_are_not_outages() -> None:
    assert unavailable_service(asyncpg.UniqueViolationError("duplicate key")) is None
    assert unavailable_service(asyncpg.QueryCanceledError("statement timeout")) is None
    assert unavailable_service(asyncpg.InterfaceError("another operation is in progress")) is None
    assert unavailable_service(redis.exceptions.ResponseError("WRONGTYPE")) is None
    assert unavailable_service(FileNotFoundError("evidence/ab/cd")) is None
    assert unavailable_service(ValueError("bad")) is None


def test_connection_errors_of_the_drivers_are_outages() -> None:
    assert unavailable_service(asyncpg.ConnectionDoesNotExistError("closed")) == POSTGRES
    assert unavailable_service(asyncpg.CannotConnectNowError("starting up")) == POSTGRES
    assert unavailable_service(asyncpg.TooManyConnectionsError("too many")) == POSTGRES
    assert unavailable_service(asyncpg.InterfaceError("connection is closed")) == POSTGRES
    assert unavailable_service(asyncpg.InterfaceError("pool is closing")) == POSTGRES
    assert unavailable_service(redis.exceptions.TimeoutError("Timeout reading")) == REDIS
    assert unavailable_service(redis.exceptions.BusyLoadingError("loading")) == REDIS
