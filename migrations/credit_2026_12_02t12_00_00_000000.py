"""The red-list mark on the card (``credit_card.red_list``): the card shows it while the citizen
is published on the red list (守信红名单). Written by hand; reversible (going back drops it)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from backend.platform.engine import DB

ID = "2026-12-02T12:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "red-list mark on the card"

FORWARDS = ["ALTER TABLE credit_card ADD COLUMN red_list BOOLEAN NOT NULL DEFAULT false"]
BACKWARDS = ["ALTER TABLE credit_card DROP COLUMN IF EXISTS red_list"]


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
