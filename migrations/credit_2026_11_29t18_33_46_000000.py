"""Delivery and re-scoring that survive faults: the citizens whose card is behind their records
(partial index over the two counters, read by the minute sweep), due and in-flight push
deliveries, and the delivery states as a check. Written by hand; reversible."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from backend.platform.engine import DB

ID = "2026-11-29T18:33:46:000000"
VERSION = "1.38.0"
DESCRIPTION = "behind-citizens index, push claim index and delivery states"

FORWARDS = [
    "UPDATE citizen SET scored_counter = k.scored_counter FROM credit_card k"
    " WHERE k.citizen = citizen.id",
    "CREATE INDEX citizen_behind_idx ON citizen (id) WHERE change_counter <> scored_counter",
    "DROP INDEX IF EXISTS push_delivery_due_idx",
    "CREATE INDEX push_delivery_due_idx ON push_delivery (not_before, id)"
    " WHERE status IN ('pending', 'sending')",
    "CREATE INDEX push_delivery_open_age_idx ON push_delivery (created_at)"
    " WHERE status IN ('pending', 'sending')",
    "ALTER TABLE push_delivery ADD CONSTRAINT push_delivery_status_check CHECK (status IN"
    " ('pending', 'sending', 'sent', 'skipped', 'pruned', 'failed', 'expired'))",
]

BACKWARDS = [
    "ALTER TABLE push_delivery DROP CONSTRAINT IF EXISTS push_delivery_status_check",
    "UPDATE push_delivery SET status = 'pending' WHERE status = 'sending'",
    "UPDATE push_delivery SET status = 'failed' WHERE status = 'expired'",
    "DROP INDEX IF EXISTS push_delivery_open_age_idx",
    "DROP INDEX IF EXISTS push_delivery_due_idx",
    "CREATE INDEX push_delivery_due_idx ON push_delivery (not_before, id) WHERE status = 'pending'",
    "DROP INDEX IF EXISTS citizen_behind_idx",
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
