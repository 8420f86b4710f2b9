"""Run every migration forwards, all of them backwards, then forwards again, on the database
named by argv[1]; print the tables seen after each step. Used by test_migrations in a separate
process so the test session's own connection pool is untouched.

With ``forwards <id>`` or ``backwards <id>`` after the database, run only that step: forwards up
to and including migration ``<id>`` (``all``: every one), or backwards down to and including it
(test_partitions converts tables holding rows both ways)."""

from __future__ import annotations

import asyncio
import json
import sys

import asyncpg
from piccolo.apps.migrations.commands.backwards import run_backwards
from piccolo.apps.migrations.commands.forwards import run_forwards

import backend  # noqa: F401 - sets PICCOLO_CONF
from backend.platform.database import configure_engine
from backend.platform.migrate import MigrationFailed, migrate_backwards_all, migrate_forwards


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


async def step(dsn: str, direction: str, migration_id: str) -> None:
    configure_engine(dsn)
    if direction == "forwards":
        result = await run_forwards(app_name="credit", migration_id=migration_id)
    else:
        result = await run_backwards(app_name="credit", migration_id=migration_id, auto_agree=True)
    if not result.success:
        raise MigrationFailed(result.message or f"{direction} to {migration_id} failed")


if __name__ == "__main__":
    if len(sys.argv) == 4:
        asyncio.run(step(*sys.argv[1:4]))
    else:
        asyncio.run(main(sys.argv[1]))
