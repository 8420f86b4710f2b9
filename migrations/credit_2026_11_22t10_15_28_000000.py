"""The query log is append-only like the audit log; indexes for the citizen's query list and
for the outbox relay's pending events. Written by hand; reversible."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from backend.platform.engine import DB

ID = "2026-11-22T10:15:28:000000"
VERSION = "1.38.0"
DESCRIPTION = "append-only query log, outbox and query-log indexes"

FORWARDS = [
    """CREATE FUNCTION refuse_append_only_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
    END $$""",
    "CREATE TRIGGER query_log_no_update BEFORE UPDATE OR DELETE ON query_log"
    " FOR EACH ROW EXECUTE FUNCTION refuse_append_only_change()",
    "CREATE TRIGGER query_log_no_truncate BEFORE TRUNCATE ON query_log"
    " FOR EACH STATEMENT EXECUTE FUNCTION refuse_append_only_change()",
    "CREATE INDEX query_log_citizen_idx ON query_log (citizen, id DESC)",
    "CREATE INDEX outbox_event_pending_idx ON outbox_event (id) WHERE delivered_at IS NULL",
]

BACKWARDS = [
    "DROP INDEX IF EXISTS outbox_event_pending_idx",
    "DROP INDEX IF EXISTS query_log_citizen_idx",
    "DROP TRIGGER IF EXISTS query_log_no_truncate ON query_log",
    "DROP TRIGGER IF EXISTS query_log_no_update ON query_log",
    "DROP FUNCTION IF EXISTS refuse_append_only_change()",
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
