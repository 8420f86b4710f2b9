"""API client key rotation: a client's previous key keeps working until the end of an overlap
window, so a department can switch keys without a gap. Written by hand; reversible (going back
drops the previous key: only the current one works)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from backend.platform.engine import DB

ID = "2026-12-02T10:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "api client key rotation"

FORWARDS = [
    "ALTER TABLE api_client ADD COLUMN previous_key_prefix VARCHAR(16) UNIQUE,"
    " ADD COLUMN previous_key_hash VARCHAR(64),"
    " ADD COLUMN previous_key_expires_at TIMESTAMPTZ",
]

BACKWARDS = [
    "ALTER TABLE api_client DROP COLUMN IF EXISTS previous_key_prefix,"
    " DROP COLUMN IF EXISTS previous_key_hash, DROP COLUMN IF EXISTS previous_key_expires_at",
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
