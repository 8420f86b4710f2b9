"""The public listing of the red list and serious-dishonesty disclosures reads published entries
of one list, newest first: an index for that order. Written by hand; reversible."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from backend.platform.engine import DB

ID = "2026-12-02T14:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "public list index"

FORWARDS = [
    "CREATE INDEX list_entry_published_idx ON list_entry (list, published_from DESC, id DESC)"
    " WHERE status = 'published'"
]
BACKWARDS = ["DROP INDEX IF EXISTS list_entry_published_idx"]


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
