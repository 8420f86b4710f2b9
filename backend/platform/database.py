"""The Piccolo engine's connection pool, and raw asyncpg access for bulk statements."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg

from backend.platform.engine import DB

log = logging.getLogger("backend.database")


def configure_engine(dsn: str) -> None:
    """Point the one Piccolo engine at ``dsn`` (before the pool opens)."""
    DB.config = {"dsn": dsn}


async def open_pool(min_size: int, max_size: int) -> None:
    await DB.start_connection_pool(min_size=min_size, max_size=max_size)


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
