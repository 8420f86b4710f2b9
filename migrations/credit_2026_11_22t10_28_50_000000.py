"""Indexes for verification codes and consents. Written by hand; reversible.

A numeric code is unique among live codes only (``live`` is cleared when a code is redeemed or
swept as expired), so the 8-digit space is reused; the citizen's live codes and the expiry sweep
read small partial indexes."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from backend.platform.engine import DB

ID = "2026-11-22T10:28:50:000000"
VERSION = "1.38.0"
DESCRIPTION = "verification live-code and consent indexes"

FORWARDS = [
    "CREATE UNIQUE INDEX verification_live_code_idx ON verification (numeric_code) WHERE live",
    "CREATE INDEX verification_citizen_live_idx ON verification (citizen) WHERE live",
    "CREATE INDEX verification_live_expiry_idx ON verification (expires_at) WHERE live",
    "CREATE INDEX consent_citizen_idx ON consent (citizen, id DESC)",
]

BACKWARDS = [
    "DROP INDEX IF EXISTS consent_citizen_idx",
    "DROP INDEX IF EXISTS verification_live_expiry_idx",
    "DROP INDEX IF EXISTS verification_citizen_live_idx",
    "DROP INDEX IF EXISTS verification_live_code_idx",
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
