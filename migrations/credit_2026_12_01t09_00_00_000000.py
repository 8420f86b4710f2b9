"""Content versions (``content_version``): every version of every kind of content (catalog,
rules, benefits, notification texts, commitments, calendar overrides), seeded from the files
under ``content/`` and published later without a deploy. Written by hand; reversible (going
back drops the table: the files are the seed again)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from backend.platform.engine import DB

ID = "2026-12-01T09:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "content versions"

FORWARDS = [
    "CREATE TABLE content_version ("
    " id BIGSERIAL PRIMARY KEY,"
    " kind VARCHAR(40) NOT NULL,"
    " version VARCHAR(40) NOT NULL,"
    " effective_from DATE NOT NULL,"
    " body TEXT NOT NULL,"
    " sha256 VARCHAR(64) NOT NULL,"
    " imported_at TIMESTAMPTZ NOT NULL,"
    " published_by VARCHAR(120) NOT NULL,"
    " CONSTRAINT content_version_kind_version_key UNIQUE (kind, version),"
    " CONSTRAINT content_version_kind_date_key UNIQUE (kind, effective_from))",
]

BACKWARDS = ["DROP TABLE IF EXISTS content_version"]


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
