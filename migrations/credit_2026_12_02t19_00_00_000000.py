"""Credit reports made (``credit_report``): the number, the short code, the fingerprint and the
signature of each PDF, checkable for 30 days; never the content. Authorisations
(``report_authorisation``): a citizen lets one institution fetch their report once. Written by
hand; reversible."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from backend.platform.engine import DB

ID = "2026-12-02T19:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "credit reports"

FORWARDS = [
    "CREATE TABLE credit_report ("
    " number VARCHAR(24) PRIMARY KEY,"
    " short_code VARCHAR(12) NOT NULL UNIQUE,"
    " citizen BIGINT NOT NULL REFERENCES citizen (id),"
    " made_at TIMESTAMPTZ NOT NULL,"
    " expires_at TIMESTAMPTZ NOT NULL,"
    " fingerprint VARCHAR(64) NOT NULL,"
    " facts_sha256 VARCHAR(64) NOT NULL,"
    " signature VARCHAR(128) NOT NULL,"
    " kid VARCHAR(40) NOT NULL)",
    "CREATE INDEX credit_report_citizen_idx ON credit_report (citizen, made_at)",
    # a citizen lets one institution fetch their report once, for a purpose, until a day
    "CREATE TABLE report_authorisation ("
    " id BIGSERIAL PRIMARY KEY,"
    " citizen BIGINT NOT NULL REFERENCES citizen (id),"
    " institution BIGINT NOT NULL REFERENCES api_client (id),"
    " purpose TEXT NOT NULL,"
    " valid_until DATE NOT NULL,"
    " created_at TIMESTAMPTZ NOT NULL,"
    " revoked_at TIMESTAMPTZ,"
    " used_at TIMESTAMPTZ,"
    " report_number VARCHAR(24) REFERENCES credit_report (number))",
    "CREATE INDEX report_authorisation_citizen_idx ON report_authorisation (citizen, id)",
]
BACKWARDS = ["DROP TABLE IF EXISTS report_authorisation", "DROP TABLE IF EXISTS credit_report"]


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
