"""Objection and repair indexes Piccolo's auto-migrations cannot express: one open case per
record (partial unique indexes), the deadline-ordered queues, the hourly deadline check, the
citizen's lists, evidence and steps per case, the statistic key, and status checks. Written by
hand; reversible."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from backend.platform.engine import DB

ID = "2026-11-22T10:29:58:000000"
VERSION = "1.38.0"
DESCRIPTION = "objection and repair indexes and checks"

_QUEUE_KEY = "(coalesce(due_on, DATE '9999-12-31')), id"

FORWARDS = [
    "CREATE UNIQUE INDEX objection_one_open_per_record ON objection (record)"
    " WHERE status IN ('submitted', 'accepted', 'verifying')",
    "CREATE UNIQUE INDEX repair_one_open_per_record ON repair_application (record)"
    " WHERE status IN ('submitted', 'accepted')",
    "ALTER TABLE objection ADD CONSTRAINT objection_status_check CHECK (status IN"
    " ('submitted', 'accepted', 'rejected', 'verifying', 'upheld', 'corrected', 'revoked'))",
    "ALTER TABLE repair_application ADD CONSTRAINT repair_status_check CHECK (status IN"
    " ('submitted', 'accepted', 'rejected', 'approved', 'denied'))",
    f"CREATE INDEX objection_queue_idx ON objection ({_QUEUE_KEY})",
    f"CREATE INDEX objection_department_queue_idx ON objection (department, {_QUEUE_KEY})",
    "CREATE INDEX objection_due_idx ON objection (due_on) WHERE due_on IS NOT NULL",
    "CREATE INDEX objection_citizen_idx ON objection (citizen, id DESC)",
    "CREATE INDEX objection_record_idx ON objection (record)",
    f"CREATE INDEX repair_queue_idx ON repair_application ({_QUEUE_KEY})",
    f"CREATE INDEX repair_department_queue_idx ON repair_application (department, {_QUEUE_KEY})",
    "CREATE INDEX repair_due_idx ON repair_application (due_on) WHERE due_on IS NOT NULL",
    "CREATE INDEX repair_citizen_idx ON repair_application (citizen, id DESC)",
    "CREATE INDEX repair_record_idx ON repair_application (record)",
    "CREATE INDEX evidence_file_case_idx ON evidence_file (case_kind, case_id, id)",
    "CREATE INDEX evidence_file_citizen_idx ON evidence_file (citizen)",
    "CREATE INDEX case_step_case_idx ON case_step (case_kind, case_id, id)",
    "CREATE UNIQUE INDEX department_case_stat_key ON department_case_stat (department, case_kind)",
]

BACKWARDS = [
    "DROP INDEX IF EXISTS department_case_stat_key",
    "DROP INDEX IF EXISTS case_step_case_idx",
    "DROP INDEX IF EXISTS evidence_file_citizen_idx",
    "DROP INDEX IF EXISTS evidence_file_case_idx",
    "DROP INDEX IF EXISTS repair_record_idx",
    "DROP INDEX IF EXISTS repair_citizen_idx",
    "DROP INDEX IF EXISTS repair_due_idx",
    "DROP INDEX IF EXISTS repair_department_queue_idx",
    "DROP INDEX IF EXISTS repair_queue_idx",
    "DROP INDEX IF EXISTS objection_record_idx",
    "DROP INDEX IF EXISTS objection_citizen_idx",
    "DROP INDEX IF EXISTS objection_due_idx",
    "DROP INDEX IF EXISTS objection_department_queue_idx",
    "DROP INDEX IF EXISTS objection_queue_idx",
    "ALTER TABLE repair_application DROP CONSTRAINT IF EXISTS repair_status_check",
    "ALTER TABLE objection DROP CONSTRAINT IF EXISTS objection_status_check",
    "DROP INDEX IF EXISTS repair_one_open_per_record",
    "DROP INDEX IF EXISTS objection_one_open_per_record",
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
