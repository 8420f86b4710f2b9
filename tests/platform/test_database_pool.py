"""The pool's release: no reset round trip for a plain connection, the whole reset for one that
held session state (a session advisory lock its holder did not release)."""

from __future__ import annotations

from typing import Any, cast

import asyncpg
from litestar import Litestar

from backend.platform.database import PooledConnection, connection, session_connection

LOCK = 918_273_645


async def _one_connection_pool(database_url: str) -> asyncpg.Pool[Any]:
    pool: asyncpg.Pool[Any] = await asyncpg.create_pool(
        database_url, min_size=1, max_size=1, connection_class=PooledConnection
    )
    return pool


async def test_a_plain_release_sends_no_reset(database_url: str) -> None:
    pool = await _one_connection_pool(database_url)
    try:
        async with pool.acquire() as first:
            # Session state our code never sets: left as it is, which shows no reset was sent.
            await first.execute("SET application_name = 'kept-by-the-pool'")
            backend_pid = first.get_server_pid()
        async with pool.acquire() as second:
            assert second.get_server_pid() == backend_pid
            assert await second.fetchval("SHOW application_name") == "kept-by-the-pool"
    finally:
        await pool.close()


async def test_a_marked_release_resets_the_session(database_url: str) -> None:
    pool = await _one_connection_pool(database_url)
    try:
        async with pool.acquire() as first:
            cast(PooledConnection, first).hold_session_state()
            await first.execute("SET application_name = 'reset-on-release'")
            assert await first.fetchval("SELECT pg_try_advisory_lock($1)", LOCK)
        async with pool.acquire() as second:
            assert await second.fetchval("SHOW application_name") != "reset-on-release"
            # The lock went with the reset: this session takes it and gives it back.
            assert await second.fetchval("SELECT pg_try_advisory_lock($1)", LOCK)
            assert await second.fetchval("SELECT pg_advisory_unlock($1)", LOCK)
            # And the mark is gone with it: the next plain release sends nothing again.
            await second.execute("SET application_name = 'kept-again'")
        async with pool.acquire() as third:
            assert await third.fetchval("SHOW application_name") == "kept-again"
    finally:
        await pool.close()


async def test_a_session_lock_left_held_is_released_with_its_connection(
    app: Litestar, db: asyncpg.Connection[Any]
) -> None:
    async with session_connection() as holder:
        assert await holder.fetchval("SELECT pg_try_advisory_lock($1)", LOCK)
        assert not await db.fetchval("SELECT pg_try_advisory_lock($1)", LOCK)
        # The holder "forgets" to unlock (a job cancelled in its finally).
    assert await db.fetchval("SELECT pg_try_advisory_lock($1)", LOCK)
    assert await db.fetchval("SELECT pg_advisory_unlock($1)", LOCK)
    async with connection() as plain:
        assert isinstance(plain, asyncpg.pool.PoolConnectionProxy)
        assert await plain.fetchval("SELECT 1") == 1
