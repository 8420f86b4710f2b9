"""evidence_file.purged_at (issue 18): when the retention job deleted the file's content, the
case having closed more than the catalog's ``[evidence] retention_years`` before. The row stays
(the name, type, size and SHA-256 the decision relied on); only the blob goes. Written by hand;
reversible."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from backend.platform.engine import DB

ID = "2026-12-04T07:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "evidence_file.purged_at: evidence content deleted after its retention"

FORWARDS = [
    "ALTER TABLE evidence_file ADD COLUMN purged_at timestamptz",
    # The daily retention job looks for the cases whose files still hold content: few, once the
    # older ones are purged.
    "CREATE INDEX evidence_file_unpurged_idx ON evidence_file (case_kind, case_id)"
    " WHERE purged_at IS NULL",
]
BACKWARDS = [
    "DROP INDEX IF EXISTS evidence_file_unpurged_idx",
    "ALTER TABLE evidence_file DROP COLUMN IF EXISTS purged_at",
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
