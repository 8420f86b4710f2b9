"""The exchange with the provincial platform: ``exchange_event``, the outbox of records added,
corrected, revoked and repaired and of list entries published and ended, written in the
transaction of each change and pushed in signed batches. ``status``: pending (to send, again
after a failure once ``next_attempt_at`` comes), sent (in a batch awaiting its answer),
acknowledged (the platform accepted it) or rejected (with ``rejection_reason``; never sent
again); ``acknowledged_at`` is when the platform answered the item, either way. ``payload``
never holds an ID number: the person is joined in at send time. Written by hand; reversible
(going back drops the table)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from backend.platform.engine import DB

ID = "2026-12-02T18:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "exchange with the provincial platform"

FORWARDS = [
    "CREATE TABLE exchange_event ("
    " id BIGSERIAL PRIMARY KEY,"
    " kind VARCHAR(20) NOT NULL CHECK (kind IN ('record.added', 'record.corrected',"
    " 'record.revoked', 'record.repaired', 'list.entered', 'list.exited')),"
    " subject BIGINT NOT NULL,"
    " citizen BIGINT NOT NULL REFERENCES citizen (id),"
    " payload JSONB NOT NULL,"
    " created_at TIMESTAMPTZ NOT NULL DEFAULT now(),"
    " status VARCHAR(12) NOT NULL DEFAULT 'pending'"
    " CHECK (status IN ('pending', 'sent', 'acknowledged', 'rejected')),"
    " batch VARCHAR(40),"
    " attempts INTEGER NOT NULL DEFAULT 0,"
    " next_attempt_at TIMESTAMPTZ NOT NULL DEFAULT now(),"
    " last_error TEXT,"
    " sent_at TIMESTAMPTZ,"
    " acknowledged_at TIMESTAMPTZ,"
    " rejection_reason TEXT)",
    # the sender reads the unanswered events in id order; the office counts them
    "CREATE INDEX exchange_event_open_idx ON exchange_event (id)"
    " WHERE status IN ('pending', 'sent')",
    "CREATE INDEX exchange_event_rejected_idx ON exchange_event (acknowledged_at)"
    " WHERE status = 'rejected'",
]

BACKWARDS = ["DROP TABLE IF EXISTS exchange_event"]


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
