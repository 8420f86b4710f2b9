"""Index Piccolo's auto-migrations cannot express. Written by hand; reversible."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from backend.platform.engine import DB

ID = "2026-11-22T10:04:14:000000"
VERSION = "1.38.0"
DESCRIPTION = "score history index per citizen"

FORWARDS = [
    "CREATE INDEX score_history_citizen_idx ON score_history (citizen, id DESC)",
]

BACKWARDS = [
    "DROP INDEX IF EXISTS score_history_citizen_idx",
]


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="credit", description=DESCRIPTION)

    async def run() -> None:
        for statement in FORWARDS:
            await DB.run_ddl(statement)

    async def run_backwards() -> None:
        for statement in BACKWARDS:
            await DB.run_ddl(statement)

    manager.add_raw(run)
    manager.add_raw_backwards(run_backwards)
    return manager
