"""An index on the sign-outs (``refresh_token.revoked_at``): after Redis lost its list of
signed-out sessions, the list is rebuilt from the refresh tokens revoked within an access
token's lifetime (``backend.identity.revocation``), which must not scan every token ever issued.
Written by hand; reversible."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from backend.platform.engine import DB

ID = "2026-12-03T01:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "index of revoked refresh tokens"

FORWARDS = [
    "CREATE INDEX refresh_token_revoked_at_idx ON refresh_token (revoked_at)"
    " WHERE revoked_at IS NOT NULL",
]
BACKWARDS = ["DROP INDEX IF EXISTS refresh_token_revoked_at_idx"]


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
