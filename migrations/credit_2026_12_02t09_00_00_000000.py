"""Content drafts (``content_draft``): versions of content an officer drafted and an admin
publishes (maker-checker), or the drafter withdraws. Written by hand; reversible (going back
drops the table: drafts are work in progress, the published versions stay)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from backend.platform.engine import DB

ID = "2026-12-02T09:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "content drafts"

FORWARDS = [
    "CREATE TABLE content_draft ("
    " id BIGSERIAL PRIMARY KEY,"
    " kind VARCHAR(40) NOT NULL,"
    " version VARCHAR(40) NOT NULL,"
    " effective_from DATE NOT NULL,"
    " body TEXT NOT NULL,"
    " sha256 VARCHAR(64) NOT NULL,"
    " status VARCHAR(20) NOT NULL DEFAULT 'draft'"
    " CHECK (status IN ('draft', 'published', 'withdrawn')),"
    " drafted_by BIGINT NOT NULL REFERENCES officer (id),"
    " drafted_at TIMESTAMPTZ NOT NULL,"
    " decided_by BIGINT REFERENCES officer (id),"
    " decided_at TIMESTAMPTZ,"
    " reason TEXT)",
    "CREATE INDEX content_draft_kind_idx ON content_draft (kind, id DESC)",
]

BACKWARDS = ["DROP TABLE IF EXISTS content_draft"]


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
