"""Quiz attempts (``quiz_attempt``): every answer sheet a citizen hands in, and at most one pass
per citizen and quiz (the badge, earned once). Written by hand; reversible (going back drops the
table)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from backend.platform.engine import DB

ID = "2026-12-02T13:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "quiz attempts and badges"

FORWARDS = [
    "CREATE TABLE quiz_attempt ("
    " id BIGSERIAL PRIMARY KEY,"
    " citizen BIGINT NOT NULL REFERENCES citizen (id),"
    " quiz_code VARCHAR(60) NOT NULL,"
    " learning_version VARCHAR(40) NOT NULL,"
    " correct INTEGER NOT NULL,"
    " total INTEGER NOT NULL,"
    " passed BOOLEAN NOT NULL,"
    " earned_badge BOOLEAN NOT NULL,"
    " badge_zh TEXT NOT NULL,"
    " badge_en TEXT NOT NULL,"
    " business_date DATE NOT NULL,"
    " at TIMESTAMPTZ NOT NULL)",
    # the badge is earned once: one passing attempt per citizen and quiz
    "CREATE UNIQUE INDEX quiz_attempt_pass_key ON quiz_attempt (citizen, quiz_code)"
    " WHERE earned_badge",
    "CREATE INDEX quiz_attempt_citizen_idx ON quiz_attempt (citizen, id)",
]

BACKWARDS = ["DROP TABLE IF EXISTS quiz_attempt"]


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
