"""Red and black list entries (``list_entry``) and their history (``list_entry_step``). Written
by hand; reversible (going back drops both tables)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from backend.platform.engine import DB

ID = "2026-12-02T11:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "red and black lists"

FORWARDS = [
    "CREATE TABLE list_entry ("
    " id BIGSERIAL PRIMARY KEY,"
    " citizen BIGINT NOT NULL REFERENCES citizen (id),"
    " list VARCHAR(8) NOT NULL CHECK (list IN ('red', 'black')),"
    " rule_code VARCHAR(60) NOT NULL,"
    " rules_version VARCHAR(40) NOT NULL,"
    " record BIGINT REFERENCES record (id),"
    " status VARCHAR(12) NOT NULL"
    " CHECK (status IN ('proposed', 'published', 'rejected', 'ended')),"
    " proposed_on DATE NOT NULL,"
    " publish_months INTEGER NOT NULL,"
    " reviewed_by BIGINT REFERENCES officer (id),"
    " reviewed_at TIMESTAMPTZ,"
    " review_reason TEXT,"
    " published_from DATE,"
    " published_until DATE,"
    " ended_on DATE,"
    " end_cause VARCHAR(20))",
    # One open entry per citizen, list, rule and record (NULL record: a grade rule).
    "CREATE UNIQUE INDEX list_entry_open_key ON list_entry"
    " (citizen, list, rule_code, coalesce(record, 0)) WHERE status IN ('proposed', 'published')",
    "CREATE INDEX list_entry_status_idx ON list_entry (status, id)",
    "CREATE INDEX list_entry_citizen_idx ON list_entry (citizen)",
    "CREATE TABLE list_entry_step ("
    " id BIGSERIAL PRIMARY KEY,"
    " entry BIGINT NOT NULL REFERENCES list_entry (id),"
    " at TIMESTAMPTZ NOT NULL,"
    " business_date DATE NOT NULL,"
    " actor_kind VARCHAR(20) NOT NULL,"
    " actor_id VARCHAR(64) NOT NULL,"
    " action VARCHAR(20) NOT NULL,"
    " from_status VARCHAR(12),"
    " to_status VARCHAR(12) NOT NULL,"
    " reason TEXT)",
    "CREATE INDEX list_entry_step_entry_idx ON list_entry_step (entry, id)",
]

BACKWARDS = ["DROP TABLE IF EXISTS list_entry_step", "DROP TABLE IF EXISTS list_entry"]


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
