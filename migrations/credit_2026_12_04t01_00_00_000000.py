"""The tables that only grow become partitioned by month (native range partitioning on their time
column, one partition per Asia/Shanghai month plus a default one; ``backend.platform.partitions``
creates the months ahead and drops expired ones). Written by hand; reversible, with the rows.

Each table is converted in place, keeping every row and its id: the plain table is renamed, the
partitioned one is made like it (same columns and defaults, so the same id sequence), the months
from its oldest row's through three months ahead are created, the rows are copied in id order,
the plain table is dropped, then the keys, indexes and triggers are built on the parent (which
builds them on every partition). Backwards does the same into a plain table with the old keys.

Keys: PostgreSQL wants the partition column in every primary and unique key, and Citus wants
``citizen`` in them: ``(citizen, id, <time>)``, ``(id, at)`` for the audit log (no citizen). The
old ``(citizen, id DESC)`` indexes and ``outbox_event(citizen)`` are prefixes of those keys (a
b-tree reads backwards as well), so they are not rebuilt. The two uniques that made retries
idempotent become:

- ``outbox_event.dedupe_key``: the small unpartitioned ``outbox_dedupe (citizen, dedupe_key)``
  written in the same statement as the event, so a retry months later still writes nothing;
- ``notification.event_id``: ``(citizen, event_id, created_at)`` where ``created_at`` is the
  event's own time (the store dates an inbox row so), hence the same on every retry.

The append-only triggers of the query log and the audit log are rebuilt on the parents (row
triggers are cloned to every partition; TRUNCATE triggers are added to each partition too); the
query log's names the parent table in its message, not the partition.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from backend.platform.engine import DB

ID = "2026-12-04T01:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "monthly partitions of the query log, audit log, outbox, inbox and score history"

MONTHS_AHEAD = 3

# Frozen here (not read from backend.platform.partitions): a migration must not change when the
# module later does. Per table: the primary key of the partitioned table; its partition column;
# its other keys, indexes and triggers; those of the plain table it was (and is again backwards).
PARTITIONED_KEYS = {
    "query_log": "PRIMARY KEY (citizen, id, at)",
    "audit_log": "PRIMARY KEY (id, at)",
    "score_history": "PRIMARY KEY (citizen, id, at)",
    "outbox_event": "PRIMARY KEY (citizen, id, created_at)",
    "notification": "PRIMARY KEY (citizen, id, created_at)",
}
COLUMN = {
    "query_log": "at",
    "audit_log": "at",
    "score_history": "at",
    "outbox_event": "created_at",
    "notification": "created_at",
}
PARTITIONED_EXTRA = {
    "query_log": [
        "CREATE TRIGGER query_log_no_update BEFORE UPDATE OR DELETE ON query_log"
        " FOR EACH ROW EXECUTE FUNCTION refuse_append_only_change('query_log')",
        "CREATE TRIGGER query_log_no_truncate BEFORE TRUNCATE ON query_log"
        " FOR EACH STATEMENT EXECUTE FUNCTION refuse_append_only_change('query_log')",
    ],
    "audit_log": [
        "CREATE INDEX audit_log_object_idx ON audit_log (object_type, object_id, at)",
        "CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log"
        " FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()",
        "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log"
        " FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()",
    ],
    "score_history": [
        "ALTER TABLE score_history ADD CONSTRAINT score_history_citizen_fkey FOREIGN KEY"
        " (citizen) REFERENCES citizen (id) ON UPDATE CASCADE ON DELETE RESTRICT",
    ],
    "outbox_event": [
        "CREATE INDEX outbox_event_pending_idx ON outbox_event (id) WHERE delivered_at IS NULL",
    ],
    "notification": [
        "ALTER TABLE notification ADD CONSTRAINT notification_event_id_key"
        " UNIQUE (citizen, event_id, created_at)",
        "CREATE INDEX notification_unread_idx ON notification (citizen) WHERE read_at IS NULL",
    ],
}
PLAIN_EXTRA = {
    "query_log": [
        "CREATE INDEX query_log_citizen_idx ON query_log (citizen, id DESC)",
        "CREATE TRIGGER query_log_no_update BEFORE UPDATE OR DELETE ON query_log"
        " FOR EACH ROW EXECUTE FUNCTION refuse_append_only_change()",
        "CREATE TRIGGER query_log_no_truncate BEFORE TRUNCATE ON query_log"
        " FOR EACH STATEMENT EXECUTE FUNCTION refuse_append_only_change()",
    ],
    "audit_log": PARTITIONED_EXTRA["audit_log"],
    "score_history": [
        "CREATE INDEX score_history_citizen_idx ON score_history (citizen, id DESC)",
        *PARTITIONED_EXTRA["score_history"],
    ],
    "outbox_event": [
        "ALTER TABLE outbox_event ADD CONSTRAINT outbox_event_dedupe_key_key UNIQUE (dedupe_key)",
        "CREATE INDEX outbox_event_citizen ON outbox_event (citizen)",
        *PARTITIONED_EXTRA["outbox_event"],
    ],
    "notification": [
        "ALTER TABLE notification ADD CONSTRAINT notification_event_id_key UNIQUE (event_id)",
        "CREATE INDEX notification_citizen_idx ON notification (citizen, id DESC)",
        "CREATE INDEX notification_unread_idx ON notification (citizen) WHERE read_at IS NULL",
    ],
}
APPEND_ONLY = {
    "audit_log": "audit_log_append_only()",
    "query_log": "refuse_append_only_change('query_log')",
}

# The query log's trigger names the table it was given, not the partition a row sits in.
REFUSAL = """CREATE OR REPLACE FUNCTION refuse_append_only_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', coalesce(TG_ARGV[0], TG_TABLE_NAME);
END $$"""
OLD_REFUSAL = """CREATE OR REPLACE FUNCTION refuse_append_only_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END $$"""


def _partitions(table: str, source: str) -> str:
    """A block creating the month partitions of ``table`` from the month of ``source``'s oldest
    row (this month when it has none) through MONTHS_AHEAD months ahead, and the default one;
    months start at 00:00 Asia/Shanghai (+08, no summer time)."""
    column, guard = COLUMN[table], APPEND_ONLY.get(table)
    truncate = (
        "EXECUTE format('CREATE TRIGGER %I BEFORE TRUNCATE ON %I FOR EACH STATEMENT"
        f" EXECUTE FUNCTION {guard.replace(chr(39), chr(39) * 2)}', part || '_no_truncate', part);"
        if guard
        else ""
    )
    return f"""DO $$
DECLARE
    month_start date;
    part text;
    first_month date := (SELECT date_trunc('month', coalesce(min({column}), now())
                   AT TIME ZONE 'Asia/Shanghai')::date FROM {source});
    last_month date := (date_trunc('month', now() AT TIME ZONE 'Asia/Shanghai')
                  + interval '{MONTHS_AHEAD} months')::date;
BEGIN
    FOR month_start IN SELECT generate_series(least(first_month, last_month), last_month,
                                              interval '1 month')::date LOOP
        part := '{table}_' || to_char(month_start, 'YYYY_MM');
        EXECUTE format('CREATE TABLE %I PARTITION OF {table} FOR VALUES FROM (%L) TO (%L)',
            part, month_start || ' 00:00:00+08',
            (month_start + interval '1 month')::date || ' 00:00:00+08');
        {truncate}
    END LOOP;
    part := '{table}_default';
    EXECUTE format('CREATE TABLE %I PARTITION OF {table} DEFAULT', part);
    {truncate}
END $$"""


def _copy(table: str, old: str) -> list[str]:
    """Move every row of ``old`` (the table renamed) into the new ``table``, keeping its ids and
    its sequence (which ``LIKE ... INCLUDING DEFAULTS`` keeps as the id's default)."""
    return [
        f"ALTER SEQUENCE {table}_id_seq OWNED BY {table}.id",
        f"INSERT INTO {table} SELECT * FROM {old} ORDER BY id",
        f"DROP TABLE {old}",
    ]


def partition(table: str) -> list[str]:
    old = f"{table}_unpartitioned"
    return [
        f"ALTER TABLE {table} RENAME TO {old}",
        f"CREATE TABLE {table} (LIKE {old} INCLUDING DEFAULTS INCLUDING STORAGE)"
        f" PARTITION BY RANGE ({COLUMN[table]})",
        _partitions(table, old),
        *_copy(table, old),
        f"ALTER TABLE {table} ADD CONSTRAINT {table}_pkey {PARTITIONED_KEYS[table]}",
        *PARTITIONED_EXTRA[table],
    ]


def unpartition(table: str) -> list[str]:
    old = f"{table}_partitioned"
    return [
        f"ALTER TABLE {table} RENAME TO {old}",
        f"CREATE TABLE {table} (LIKE {old} INCLUDING DEFAULTS INCLUDING STORAGE)",
        *_copy(table, old),
        f"ALTER TABLE {table} ADD CONSTRAINT {table}_pkey PRIMARY KEY (id)",
        *PLAIN_EXTRA[table],
    ]


FORWARDS = [
    REFUSAL,
    # One row per dedupe key ever written, kept for good: a retried change is refused by it
    # whichever month the retry comes in, even after its event's partition is dropped.
    "CREATE TABLE outbox_dedupe (citizen bigint NOT NULL, dedupe_key varchar(160) NOT NULL,"
    " created_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (citizen, dedupe_key))",
    "INSERT INTO outbox_dedupe (citizen, dedupe_key, created_at)"
    " SELECT citizen, dedupe_key, min(created_at) FROM outbox_event"
    " WHERE dedupe_key IS NOT NULL GROUP BY citizen, dedupe_key",
    *(statement for table in COLUMN for statement in partition(table)),
]
BACKWARDS = [
    *(statement for table in reversed(COLUMN) for statement in unpartition(table)),
    "DROP TABLE IF EXISTS outbox_dedupe",
    OLD_REFUSAL,
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
