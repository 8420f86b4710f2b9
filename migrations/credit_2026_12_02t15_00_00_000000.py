"""Reports of dishonest behaviour (``report``, 举报), the third kind of case. The reporter is
sealed (``reporter_sealed``, AES-GCM) and found again only by a keyed hash (``reporter_token``);
a report's evidence files name no citizen; case steps hold the longer report statuses; a record
a department reports on a founded report names it (``record.report``). Written by hand;
reversible (going back drops the table and the column and restores the old widths)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from backend.platform.engine import DB

ID = "2026-12-02T15:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "reports of dishonest behaviour"

OPEN = "('submitted', 'accepted')"
FORWARDS = [
    "CREATE TABLE report ("
    " id BIGSERIAL PRIMARY KEY,"
    " department BIGINT NOT NULL REFERENCES api_client (id),"
    " reporter_token VARCHAR(64) NOT NULL,"
    " reporter_sealed BYTEA NOT NULL,"
    " subject_kind VARCHAR(12) NOT NULL CHECK (subject_kind IN ('person', 'organisation')),"
    " subject_name TEXT NOT NULL,"
    " subject_name_masked TEXT NOT NULL,"
    " subject_code_encrypted BYTEA,"
    " subject_code_masked TEXT,"
    " subject_key VARCHAR(64) NOT NULL,"
    " category VARCHAR(40) NOT NULL,"
    " statement TEXT NOT NULL,"
    " status VARCHAR(16) NOT NULL CHECK (status IN ('submitted', 'accepted', 'rejected',"
    " 'withdrawn', 'substantiated', 'unsubstantiated', 'malicious')),"
    " filed_on DATE NOT NULL,"
    " accepted_on DATE,"
    " decision_reason TEXT,"
    " decided_on DATE,"
    " due_on DATE,"
    " near_flagged_for DATE,"
    " escalated_for DATE,"
    " escalated_at TIMESTAMPTZ,"
    " department_late BOOLEAN NOT NULL DEFAULT false,"
    " extended BOOLEAN NOT NULL DEFAULT false,"
    " extension_reason TEXT,"
    " duplicate_of BIGINT REFERENCES report (id),"
    " created_at TIMESTAMPTZ NOT NULL,"
    " updated_at TIMESTAMPTZ NOT NULL,"
    " closed_at TIMESTAMPTZ)",
    "CREATE INDEX report_reporter_idx ON report (reporter_token, id)",
    "CREATE INDEX report_queue_idx ON report (department, due_on, id)",
    "CREATE INDEX report_due_idx ON report (due_on) WHERE due_on IS NOT NULL",
    "CREATE INDEX report_subject_idx ON report (subject_key, category)",
    # one open report per reporter, subject and category (a second is a duplicate)
    "CREATE UNIQUE INDEX report_open_duplicate_key ON report"
    f" (reporter_token, subject_key, category) WHERE status IN {OPEN}",
    "ALTER TABLE case_step ALTER COLUMN from_status TYPE VARCHAR(16),"
    " ALTER COLUMN to_status TYPE VARCHAR(16)",
    "ALTER TABLE evidence_file ALTER COLUMN citizen DROP NOT NULL",
    "ALTER TABLE evidence_file ADD CONSTRAINT evidence_file_citizen_check"
    " CHECK (citizen IS NOT NULL OR case_kind = 'report')",
    "ALTER TABLE record ADD COLUMN report BIGINT REFERENCES report (id)",
    "CREATE INDEX record_report_idx ON record (report) WHERE report IS NOT NULL",
]

BACKWARDS = [
    "ALTER TABLE record DROP COLUMN IF EXISTS report",
    "DELETE FROM evidence_file WHERE case_kind = 'report'",
    "ALTER TABLE evidence_file DROP CONSTRAINT IF EXISTS evidence_file_citizen_check",
    "ALTER TABLE evidence_file ALTER COLUMN citizen SET NOT NULL",
    "DELETE FROM case_step WHERE case_kind = 'report'",
    "DELETE FROM department_case_stat WHERE case_kind = 'report'",
    "ALTER TABLE case_step ALTER COLUMN from_status TYPE VARCHAR(12),"
    " ALTER COLUMN to_status TYPE VARCHAR(12)",
    "DROP TABLE IF EXISTS report",
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
