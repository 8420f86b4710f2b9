"""Run every migration forwards, all of them backwards, then forwards again, on the database
named by argv[1]; print the tables seen after each step. Used by test_migrations in a separate
process so the test session's own connection pool is untouched."""

from __future__ import annotations

import asyncio
import json
import sys

import asyncpg

import backend  # noqa: F401 - sets PICCOLO_CONF
from backend.platform.database import configure_engine
from backend.platform.migrate import migrate_backwards_all, migrate_forwards


async def tables(dsn: str) -> list[str]:
    conn = await asyncpg.connect(dsn)
    try:
        rows = await conn.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
        )
        return [r["tablename"] for r in rows]
    finally:
        await conn.close()


async def main(dsn: str) -> None:
    configure_engine(dsn)
    steps = {}
    await migrate_forwards()
    steps["forwards"] = await tables(dsn)
    await migrate_backwards_all()
    steps["backwards"] = await tables(dsn)
    await migrate_forwards()
    steps["again"] = await tables(dsn)
    print(json.dumps(steps))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
