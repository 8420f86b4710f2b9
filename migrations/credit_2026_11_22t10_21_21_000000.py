"""Indexes for the inbox (newest first, unread count) and for due push deliveries. Written by
hand; reversible."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from backend.platform.engine import DB

ID = "2026-11-22T10:21:21:000000"
VERSION = "1.38.0"
DESCRIPTION = "inbox and push delivery indexes"

FORWARDS = [
    "CREATE INDEX notification_citizen_idx ON notification (citizen, id DESC)",
    "CREATE INDEX notification_unread_idx ON notification (citizen) WHERE read_at IS NULL",
    "CREATE INDEX push_delivery_due_idx ON push_delivery (not_before, id) WHERE status = 'pending'",
    "CREATE INDEX push_delivery_device_idx ON push_delivery (device) WHERE status = 'pending'",
]

BACKWARDS = [
    "DROP INDEX IF EXISTS push_delivery_device_idx",
    "DROP INDEX IF EXISTS push_delivery_due_idx",
    "DROP INDEX IF EXISTS notification_unread_idx",
    "DROP INDEX IF EXISTS notification_citizen_idx",
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
