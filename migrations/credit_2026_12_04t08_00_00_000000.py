"""ingest_follow_up (issue 17): what an ingested batch still owes once its request has answered,
its records' exchange events and its citizens' change counters, written in the batch's
transaction and run by a job (``backend.records.jobs``). Written by hand; reversible.

Forwards on a database with data: nothing to convert (the batches ingested before wrote their
events and counters in the request). Backwards: the follow-ups still pending are run first, as
the job would, so no event and no counter is lost with the table."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from backend.platform.engine import DB

ID = "2026-12-04T08:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "ingest_follow_up: a batch's exchange events and change counters after the request"

FORWARDS = [
    "CREATE TABLE ingest_follow_up ("
    " id BIGSERIAL PRIMARY KEY,"
    " department INTEGER NOT NULL,"
    " records BIGINT[] NOT NULL,"
    " first_record BIGINT NOT NULL,"
    " last_record BIGINT NOT NULL,"
    " created_at TIMESTAMPTZ NOT NULL DEFAULT now())",
]
BACKWARDS = [
    "WITH done AS (DELETE FROM ingest_follow_up RETURNING records),"
    " added AS (SELECT r.* FROM (SELECT unnest(records) AS id FROM done) d"
    " JOIN record r ON r.id = d.id),"
    " exchange AS (INSERT INTO exchange_event (kind, subject, citizen, payload)"
    " SELECT 'record.added', id, citizen, jsonb_build_object('department', department,"
    " 'sourceReference', source_reference, 'record_type', record_type, 'occurred_on',"
    " occurred_on, 'decided_on', decided_on, 'quantity', quantity, 'decision_document_no',"
    " decision_document_no, 'evidence_summary', evidence_summary, 'status', 'active')"
    " FROM added ORDER BY id)"
    " UPDATE citizen SET change_counter = change_counter + 1"
    " WHERE id IN (SELECT citizen FROM added)",
    "DROP TABLE IF EXISTS ingest_follow_up",
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
