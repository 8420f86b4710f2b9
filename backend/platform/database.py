"""The Piccolo engine's connection pool, and raw asyncpg access for bulk statements."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, cast

import asyncpg

from backend.platform.engine import DB

log = logging.getLogger("backend.database")


def configure_engine(dsn: str) -> None:
    """Point the one Piccolo engine at ``dsn`` (before the pool opens)."""
    DB.config = {"dsn": dsn}


class PooledConnection(asyncpg.Connection):
    """A pooled connection whose release costs no round trip unless it may hold session state.

    asyncpg sends ``SELECT pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL`` every
    time a connection goes back to the pool: one more round trip for every request (a profile
    of merchant redemption put it at 5 % of the server's time). Our code keeps no session
    state (no ``SET``, ``LISTEN`` or holdable cursor; transactions are rolled back by asyncpg
    either way) except the session advisory locks of :func:`session_connection`, which mark
    their connection so that its release still runs the whole reset.
    """

    _holds_session_state = False

    def hold_session_state(self) -> None:
        self._holds_session_state = True

    def get_reset_query(self) -> str:
        if not self._holds_session_state:
            return ""
        self._holds_session_state = False
        return str(super().get_reset_query())


async def open_pool(min_size: int, max_size: int) -> None:
    await DB.start_connection_pool(
        min_size=min_size, max_size=max_size, connection_class=PooledConnection
    )


# A connection still held when a process stops (a job cancelled mid-query) would make asyncpg's
# close wait forever, and the process never exit: wait this long, then cut what is left.
POOL_CLOSE_SECONDS = 10.0


async def close_pool() -> None:
    pool = DB.pool
    if pool is None:
        return
    try:
        await asyncio.wait_for(pool.close(), POOL_CLOSE_SECONDS)
    except TimeoutError:
        log.warning(
            "connections still in use after %.0f s at shutdown: closed anyway", POOL_CLOSE_SECONDS
        )
        pool.terminate()
    DB.pool = None


@asynccontextmanager
async def connection() -> AsyncIterator[asyncpg.Connection[Any]]:
    """The current Piccolo transaction's connection, or one from the pool."""
    current = DB.current_transaction.get()
    if current is not None:
        yield current.connection
        return
    if DB.pool is None:
        conn = await asyncpg.connect(dsn=DB.config["dsn"])
        try:
            yield conn
        finally:
            await conn.close()
        return
    async with DB.pool.acquire() as pooled:
        yield pooled  # type: ignore[misc]


@asynccontextmanager
async def session_connection() -> AsyncIterator[asyncpg.Connection[Any]]:
    """A connection of its own (never the current transaction's) for session state, such as a
    session advisory lock held across transactions: its release resets the whole session, so
    a lock its holder failed to release (a cancelled job) goes with it."""
    if DB.pool is None:
        conn = await asyncpg.connect(dsn=DB.config["dsn"])
        try:
            yield conn
        finally:
            await conn.close()
        return
    async with DB.pool.acquire() as pooled:
        # The pool's proxy passes the call on to the connection (our class, see open_pool).
        cast("PooledConnection", pooled).hold_session_state()
        yield pooled  # type: ignore[misc]


@asynccontextmanager
async def transaction() -> AsyncIterator[asyncpg.Connection[Any]]:
    """The one way a service opens a transaction, yielding its connection; stores and the
    writers of the audit log, the outbox and the query log take that connection explicitly.

    Inside another transaction this is a savepoint (asyncpg's nested transaction): a failure
    inside rolls back only the inner work and the outer transaction decides. Piccolo's own
    nested ``transaction()`` would silently join the outer one instead.
    """
    current = DB.current_transaction.get()
    if current is not None:
        async with current.connection.transaction():
            yield current.connection
        return
    async with DB.transaction() as opened:
        yield opened.connection


async def ping() -> bool:
    async with connection() as conn:
        return bool(await conn.fetchval("SELECT 1"))
