"""The texts each citizen accepted (PIPL, issue 18): one row per document (the privacy notice,
the user agreement, the separate consent to sensitive personal information) and version, with
the language shown, the SHA-256 of that exact text and when. Per citizen and Citus-ready
(``backend.platform.distribution``): ``citizen`` leads the primary key and the unique key.
Written by hand; reversible."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from backend.platform.engine import DB

ID = "2026-12-04T03:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "notice_acceptance: the privacy notice, user agreement and consent accepted"

FORWARDS = [
    "CREATE TABLE notice_acceptance ("
    " citizen bigint NOT NULL REFERENCES citizen (id) ON DELETE RESTRICT,"
    " id bigserial NOT NULL,"
    " document varchar(24) NOT NULL"
    " CHECK (document IN ('privacy-notice', 'user-agreement', 'sensitive-information')),"
    " version varchar(40) NOT NULL,"
    " language varchar(10) NOT NULL,"
    " text_sha256 char(64) NOT NULL,"
    " accepted_at timestamptz NOT NULL,"
    " PRIMARY KEY (citizen, id),"
    " CONSTRAINT notice_acceptance_once UNIQUE (citizen, document, version))",
]
BACKWARDS = ["DROP TABLE IF EXISTS notice_acceptance"]


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
