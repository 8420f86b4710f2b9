"""Apply and inspect Piccolo migrations programmatically (make run, tests, /readyz)."""

from __future__ import annotations

import contextlib
import io
import logging
from pathlib import Path

from piccolo.apps.migrations.commands.backwards import run_backwards
from piccolo.apps.migrations.commands.forwards import run_forwards

from backend.platform.config import REPO_ROOT
from backend.platform.database import connection

log = logging.getLogger("backend.migrate")
MIGRATIONS_DIR = REPO_ROOT / "migrations"


class MigrationFailed(RuntimeError):
    pass


def known_migration_ids(folder: Path = MIGRATIONS_DIR) -> set[str]:
    ids: set[str] = set()
    for path in folder.glob("credit_*.py"):
        for line in path.read_text().splitlines():
            if line.startswith("ID = "):
                ids.add(line.split("=", 1)[1].strip().strip('"'))
    return ids


async def applied_migration_ids() -> set[str]:
    async with connection() as conn:
        exists = await conn.fetchval("SELECT to_regclass('migration') IS NOT NULL")
        if not exists:
            return set()
        rows = await conn.fetch("SELECT name FROM migration WHERE app_name = 'credit'")
    return {row["name"] for row in rows}


async def pending_migrations() -> set[str]:
    return known_migration_ids() - await applied_migration_ids()


async def migrate_forwards() -> None:
    # Piccolo prints its progress; keep it out of the API's stdout and in our log.
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        result = await run_forwards(app_name="credit", migration_id="all")
    log.info("migrations: %s", out.getvalue().strip().replace("\n", " | "))
    if not result.success:
        raise MigrationFailed(result.message or "forwards migration failed")


async def migrate_backwards_all() -> None:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        result = await run_backwards(app_name="credit", migration_id="all", auto_agree=True)
    if not result.success:
        raise MigrationFailed(result.message or "backwards migration failed")
