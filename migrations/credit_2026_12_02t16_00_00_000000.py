"""Measures between bodies (联合惩戒): ``measure_enforcement`` (one row per enforcing body,
record and measure: whether it is in force and what the body fed back), ``measure_event`` (the
outbox of triggers and lifts towards the bodies, delivered by webhook or read from a feed) and
``enforcer_webhook`` (where a body receives them, with its signing secret sealed). Written by
hand; reversible (going back drops the three tables)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from backend.platform.engine import DB

ID = "2026-12-02T16:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "measures between bodies"

FORWARDS = [
    "CREATE TABLE measure_enforcement ("
    " id BIGSERIAL PRIMARY KEY,"
    " client BIGINT NOT NULL REFERENCES api_client (id),"
    " citizen BIGINT NOT NULL REFERENCES citizen (id),"
    " record BIGINT NOT NULL REFERENCES record (id),"
    " measure VARCHAR(60) NOT NULL,"
    " in_force BOOLEAN NOT NULL,"
    " status VARCHAR(16) NOT NULL CHECK (status IN ('triggered', 'applied', 'not-applicable',"
    " 'lift-sent', 'lifted')),"
    " triggered_on DATE NOT NULL,"
    " applied_on DATE,"
    " lift_sent_on DATE,"
    " lifted_on DATE,"
    " feedback_reason TEXT,"
    " feedback_due_on DATE,"
    " feedback_late BOOLEAN NOT NULL DEFAULT false,"
    " escalated_at TIMESTAMPTZ,"
    " updated_at TIMESTAMPTZ NOT NULL,"
    " UNIQUE (client, record, measure))",
    "CREATE INDEX measure_enforcement_in_force_idx ON measure_enforcement (record) WHERE in_force",
    "CREATE INDEX measure_enforcement_due_idx ON measure_enforcement (feedback_due_on)"
    " WHERE feedback_due_on IS NOT NULL",
    "CREATE INDEX measure_enforcement_citizen_idx ON measure_enforcement (citizen)",
    "CREATE TABLE measure_event ("
    " id BIGSERIAL PRIMARY KEY,"
    " enforcement BIGINT NOT NULL REFERENCES measure_enforcement (id),"
    " client BIGINT NOT NULL REFERENCES api_client (id),"
    " action VARCHAR(8) NOT NULL CHECK (action IN ('trigger', 'lift')),"
    " payload JSONB NOT NULL,"
    " business_date DATE NOT NULL,"
    " created_at TIMESTAMPTZ NOT NULL,"
    " delivered_at TIMESTAMPTZ,"
    " attempts INTEGER NOT NULL DEFAULT 0,"
    " next_attempt_at TIMESTAMPTZ,"
    " last_error TEXT,"
    # what the body answered to this event, kept per event so a later cycle never erases it
    " feedback_due_on DATE NOT NULL,"
    " answered_on DATE,"
    " late BOOLEAN NOT NULL DEFAULT false)",
    "CREATE INDEX measure_event_unanswered_idx ON measure_event (feedback_due_on)"
    " WHERE answered_on IS NULL AND NOT late",
    "CREATE INDEX measure_event_pending_idx ON measure_event (client, id)"
    " WHERE delivered_at IS NULL",
    "CREATE INDEX measure_event_client_idx ON measure_event (client, id)",
    "CREATE TABLE enforcer_webhook ("
    " client BIGINT PRIMARY KEY REFERENCES api_client (id),"
    " url TEXT NOT NULL,"
    " secret_sealed BYTEA NOT NULL,"
    " created_at TIMESTAMPTZ NOT NULL)",
]

BACKWARDS = [
    "DROP TABLE IF EXISTS enforcer_webhook",
    "DROP TABLE IF EXISTS measure_event",
    "DROP TABLE IF EXISTS measure_enforcement",
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
