"""Constraints and indexes Piccolo's auto-migrations cannot express, and the append-only
audit log. Written by hand; reversible."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from backend.platform.engine import DB

ID = "2026-11-22T09:27:46:000000"
VERSION = "1.38.0"
DESCRIPTION = "record uniqueness and indexes, append-only audit log"

FORWARDS = [
    "ALTER TABLE record ADD CONSTRAINT record_department_source_reference_key"
    " UNIQUE (department, source_reference)",
    "CREATE INDEX record_citizen_occurred_idx ON record (citizen, occurred_on DESC, id DESC)",
    "CREATE INDEX record_display_until_idx ON record (display_until) WHERE status = 'active'",
    "CREATE INDEX record_history_record_idx ON record_history (record, at)",
    "CREATE INDEX one_time_code_phone_created_idx ON one_time_code (phone, created_at DESC)",
    "CREATE INDEX audit_log_object_idx ON audit_log (object_type, object_id, at)",
    """CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'audit_log is append-only';
    END $$""",
    "CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log"
    " FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()",
    "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log"
    " FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()",
]

BACKWARDS = [
    "DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log",
    "DROP TRIGGER IF EXISTS audit_log_no_update ON audit_log",
    "DROP FUNCTION IF EXISTS audit_log_append_only()",
    "DROP INDEX IF EXISTS audit_log_object_idx",
    "DROP INDEX IF EXISTS one_time_code_phone_created_idx",
    "DROP INDEX IF EXISTS record_history_record_idx",
    "DROP INDEX IF EXISTS record_display_until_idx",
    "DROP INDEX IF EXISTS record_citizen_occurred_idx",
    "ALTER TABLE record DROP CONSTRAINT IF EXISTS record_department_source_reference_key",
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
