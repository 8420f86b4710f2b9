"""Cases a citizen withdraws (撤回: objections and repair applications) and repair applications
an objection closed because it revoked or corrected their record (终止): the status checks
allow ``withdrawn`` and ``terminated``. Written by hand; reversible (going back, such cases
read as ``rejected``, the closest closed status the old checks know)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from backend.platform.engine import DB

ID = "2026-11-30T14:12:37:000000"
VERSION = "1.38.0"
DESCRIPTION = "withdrawn and terminated case statuses"

FORWARDS = [
    "ALTER TABLE objection DROP CONSTRAINT IF EXISTS objection_status_check",
    "ALTER TABLE objection ADD CONSTRAINT objection_status_check CHECK (status IN"
    " ('submitted', 'accepted', 'rejected', 'verifying', 'upheld', 'corrected', 'revoked',"
    " 'withdrawn'))",
    "ALTER TABLE repair_application DROP CONSTRAINT IF EXISTS repair_status_check",
    "ALTER TABLE repair_application ADD CONSTRAINT repair_status_check CHECK (status IN"
    " ('submitted', 'accepted', 'rejected', 'approved', 'denied', 'withdrawn', 'terminated'))",
]

BACKWARDS = [
    "ALTER TABLE repair_application DROP CONSTRAINT IF EXISTS repair_status_check",
    "UPDATE repair_application SET status = 'rejected' WHERE status IN ('withdrawn', 'terminated')",
    "ALTER TABLE repair_application ADD CONSTRAINT repair_status_check CHECK (status IN"
    " ('submitted', 'accepted', 'rejected', 'approved', 'denied'))",
    "ALTER TABLE objection DROP CONSTRAINT IF EXISTS objection_status_check",
    "UPDATE objection SET status = 'rejected' WHERE status = 'withdrawn'",
    "ALTER TABLE objection ADD CONSTRAINT objection_status_check CHECK (status IN"
    " ('submitted', 'accepted', 'rejected', 'verifying', 'upheld', 'corrected', 'revoked'))",
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
