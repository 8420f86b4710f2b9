"""data_export: the copies of their data citizens asked for (PIPL art. 45, issue 18), one row
per export with the storage keys and sizes of its JSON and PDF files. Per citizen and
Citus-ready (``backend.platform.distribution``): ``citizen`` leads the primary key, and the
"one export in progress" rule is a unique index on ``citizen`` alone. Written by hand;
reversible."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from backend.platform.engine import DB

ID = "2026-12-04T05:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "data_export: a citizen's copy of their data"

FORWARDS = [
    "CREATE TABLE data_export ("
    " citizen bigint NOT NULL REFERENCES citizen (id) ON DELETE RESTRICT,"
    " id bigserial NOT NULL,"
    " status varchar(10) NOT NULL DEFAULT 'pending'"
    " CHECK (status IN ('pending', 'ready', 'failed', 'expired')),"
    " created_at timestamptz NOT NULL,"
    " ready_at timestamptz,"
    " expires_at timestamptz,"
    " json_sha256 varchar(64),"
    " pdf_sha256 varchar(64),"
    " json_bytes integer,"
    " pdf_bytes integer,"
    " failure text,"
    " PRIMARY KEY (citizen, id))",
    # at most one export in progress per citizen: a second request finds the first
    "CREATE UNIQUE INDEX data_export_one_pending ON data_export (citizen) WHERE status = 'pending'",
    # the expiry job finds the ready exports past their date by this index, not by a scan
    "CREATE INDEX data_export_expires_idx ON data_export (expires_at) WHERE status = 'ready'",
]
BACKWARDS = ["DROP TABLE IF EXISTS data_export"]


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
