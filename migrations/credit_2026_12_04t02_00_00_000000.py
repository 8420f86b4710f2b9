"""The schema ready for Citus (SCALING.md, ``backend.platform.distribution``): every per-citizen
table carries a NOT NULL ``citizen`` and has it in its primary key, its citizen-scoped unique keys
and its foreign keys to other per-citizen tables, because Citus enforces keys only inside one
shard and co-locates a citizen's rows by that column.

- ``citizen`` is added to the history tables that had only their parent's id (record_history,
  list_entry_step, measure_event, case_step) and backfilled from the parent; a report's steps and
  evidence, which belong to no citizen (the reporter is confidential), get citizen 0, which is
  also why evidence_file's foreign key to ``citizen`` goes (its citizen is the case's, written by
  the case machine).
- Primary keys become (citizen, id); ``id`` stays unique by its sequence and keeps a plain index
  for the look-ups by id alone.
- Unique keys whose meaning is per citizen already (one open objection per record, one measure per
  body, record and code, one redemption per verification) take ``citizen`` first: the same
  guarantee, since a record, a verification or a measure belongs to one citizen (now enforced by
  the foreign keys including ``citizen``). Keys that are global in meaning (GLOBAL_KEYS in
  ``backend.platform.distribution``) are left as they are.

The partitioned tables (query_log, audit_log, outbox_event, notification, score_history) are
another migration's. Written by hand; reversible; runs on a database with data (it fails, rather
than guessing, if a child row's citizen differs from its parent's)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from backend.platform.engine import DB

ID = "2026-12-04T02:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "citizen in the keys of every per-citizen table (Citus-ready)"

# Frozen here (not read from backend.platform.distribution): a migration must not change when
# the classification later does.
WITH_ID_KEY = [
    "benefit_redemption",
    "case_step",
    "citizen_account",
    "consent",
    "credit_card",
    "credit_lock",
    "evidence_file",
    "exchange_event",
    "list_entry",
    "list_entry_step",
    "measure_enforcement",
    "measure_event",
    "objection",
    "push_delivery",
    "push_device",
    "quiz_attempt",
    "record",
    "record_history",
    "repair_application",
    "report_authorisation",
    "verification",
]

# (table, constraint, columns, referenced table, referenced columns, actions) of the foreign keys
# between per-citizen tables, as they were and as they become.
ACTIONS_CASCADE = " ON UPDATE CASCADE ON DELETE RESTRICT"
FOREIGN_KEYS = [
    ("benefit_redemption", "verification", "verification", "id", ACTIONS_CASCADE),
    ("list_entry", "record", "record", "id", ""),
    ("list_entry_step", "entry", "list_entry", "id", ""),
    ("measure_enforcement", "record", "record", "id", ""),
    ("measure_event", "enforcement", "measure_enforcement", "id", ""),
    ("objection", "record", "record", "id", ACTIONS_CASCADE),
    ("record_history", "record", "record", "id", ACTIONS_CASCADE),
    ("repair_application", "record", "record", "id", ACTIONS_CASCADE),
    ("report_authorisation", "report_number", "credit_report", "number", ""),
    ("verification", "consent", "consent", "id", ACTIONS_CASCADE),
]

# (child, parent, the child's column naming the parent) of the tables given a citizen.
CHILDREN = [
    ("record_history", "record", "record"),
    ("list_entry_step", "list_entry", "entry"),
    ("measure_event", "measure_enforcement", "enforcement"),
]

OPEN_OBJECTION = "status IN ('submitted', 'accepted', 'verifying')"
OPEN_REPAIR = "status IN ('submitted', 'accepted')"


def _forwards() -> list[str]:
    statements: list[str] = []
    # 1. citizen on the history tables, from the parent
    for child, parent, column in CHILDREN:
        statements += [
            f"ALTER TABLE {child} ADD COLUMN citizen bigint",
            f"UPDATE {child} c SET citizen = p.citizen FROM {parent} p WHERE p.id = c.{column}",
            f"ALTER TABLE {child} ALTER COLUMN citizen SET NOT NULL",
        ]
    statements += [
        "ALTER TABLE case_step ADD COLUMN citizen bigint",
        "UPDATE case_step s SET citizen = COALESCE(CASE s.case_kind"
        " WHEN 'objection' THEN (SELECT o.citizen FROM objection o WHERE o.id = s.case_id)"
        " WHEN 'repair' THEN (SELECT r.citizen FROM repair_application r WHERE r.id = s.case_id)"
        " END, 0)",
        "ALTER TABLE case_step ALTER COLUMN citizen SET NOT NULL",
        # a report's evidence: citizen 0 (no citizen row), so no foreign key to citizen
        "ALTER TABLE evidence_file DROP CONSTRAINT evidence_file_citizen_fkey",
        "ALTER TABLE evidence_file DROP CONSTRAINT evidence_file_citizen_check",
        "UPDATE evidence_file SET citizen = 0 WHERE citizen IS NULL",
        "ALTER TABLE evidence_file ALTER COLUMN citizen SET NOT NULL",
        "ALTER TABLE evidence_file ADD CONSTRAINT evidence_file_citizen_check"
        " CHECK (citizen <> 0 OR case_kind = 'report')",
    ]
    # 2. the foreign keys between per-citizen tables go before the keys they point at
    statements += [
        f"ALTER TABLE {table} DROP CONSTRAINT {table}_{column}_fkey"
        for table, column, _, _, _ in FOREIGN_KEYS
    ]
    # 3. primary keys with citizen; id keeps an index for the look-ups by id alone
    for table in WITH_ID_KEY:
        statements += [
            f"ALTER TABLE {table} DROP CONSTRAINT {table}_pkey,"
            f" ADD CONSTRAINT {table}_pkey PRIMARY KEY (citizen, id)",
            f"CREATE INDEX {table}_id_idx ON {table} (id)",
        ]
    statements += [
        # a report's number stays unique across citizens (GLOBAL_KEYS): checked online by it
        "ALTER TABLE credit_report DROP CONSTRAINT credit_report_pkey,"
        " ADD CONSTRAINT credit_report_pkey PRIMARY KEY (citizen, number),"
        " ADD CONSTRAINT credit_report_number_key UNIQUE (number)",
        # 4. unique keys per citizen in meaning: citizen first
        "ALTER TABLE benefit_redemption DROP CONSTRAINT benefit_redemption_verification_key,"
        " ADD CONSTRAINT benefit_redemption_verification_key UNIQUE (citizen, verification)",
        "ALTER TABLE measure_enforcement"
        " DROP CONSTRAINT measure_enforcement_client_record_measure_key,"
        " ADD CONSTRAINT measure_enforcement_client_record_measure_key"
        " UNIQUE (citizen, client, record, measure)",
        "DROP INDEX objection_one_open_per_record",
        "CREATE UNIQUE INDEX objection_one_open_per_record ON objection (citizen, record)"
        f" WHERE {OPEN_OBJECTION}",
        "DROP INDEX repair_one_open_per_record",
        "CREATE UNIQUE INDEX repair_one_open_per_record ON repair_application (citizen, record)"
        f" WHERE {OPEN_REPAIR}",
    ]
    # 5. the foreign keys again, through citizen on both sides
    statements += [
        f"ALTER TABLE {table} ADD CONSTRAINT {table}_{column}_fkey"
        f" FOREIGN KEY (citizen, {column}) REFERENCES {parent} (citizen, {key}){actions}"
        for table, column, parent, key, actions in FOREIGN_KEYS
    ]
    # the history tables' own look-ups: by citizen and parent
    statements += [
        "DROP INDEX record_history_record_idx",
        "CREATE INDEX record_history_record_idx ON record_history (citizen, record, at)",
        "DROP INDEX list_entry_step_entry_idx",
        "CREATE INDEX list_entry_step_entry_idx ON list_entry_step (citizen, entry, id)",
        "CREATE INDEX measure_event_enforcement_idx ON measure_event (citizen, enforcement)",
    ]
    return statements


def _backwards() -> list[str]:
    statements = [
        "DROP INDEX IF EXISTS measure_event_enforcement_idx",
        "DROP INDEX list_entry_step_entry_idx",
        "CREATE INDEX list_entry_step_entry_idx ON list_entry_step (entry, id)",
        "DROP INDEX record_history_record_idx",
        "CREATE INDEX record_history_record_idx ON record_history (record, at)",
    ]
    statements += [
        f"ALTER TABLE {table} DROP CONSTRAINT {table}_{column}_fkey"
        for table, column, _, _, _ in FOREIGN_KEYS
    ]
    statements += [
        "DROP INDEX repair_one_open_per_record",
        "CREATE UNIQUE INDEX repair_one_open_per_record ON repair_application (record)"
        f" WHERE {OPEN_REPAIR}",
        "DROP INDEX objection_one_open_per_record",
        "CREATE UNIQUE INDEX objection_one_open_per_record ON objection (record)"
        f" WHERE {OPEN_OBJECTION}",
        "ALTER TABLE measure_enforcement"
        " DROP CONSTRAINT measure_enforcement_client_record_measure_key,"
        " ADD CONSTRAINT measure_enforcement_client_record_measure_key"
        " UNIQUE (client, record, measure)",
        "ALTER TABLE benefit_redemption DROP CONSTRAINT benefit_redemption_verification_key,"
        " ADD CONSTRAINT benefit_redemption_verification_key UNIQUE (verification)",
        "ALTER TABLE credit_report DROP CONSTRAINT credit_report_number_key,"
        " DROP CONSTRAINT credit_report_pkey,"
        " ADD CONSTRAINT credit_report_pkey PRIMARY KEY (number)",
    ]
    for table in WITH_ID_KEY:
        statements += [
            f"DROP INDEX {table}_id_idx",
            f"ALTER TABLE {table} DROP CONSTRAINT {table}_pkey,"
            f" ADD CONSTRAINT {table}_pkey PRIMARY KEY (id)",
        ]
    statements += [
        f"ALTER TABLE {table} ADD CONSTRAINT {table}_{column}_fkey"
        f" FOREIGN KEY ({column}) REFERENCES {parent} ({key}){actions}"
        for table, column, parent, key, actions in FOREIGN_KEYS
    ]
    statements += [
        "ALTER TABLE evidence_file DROP CONSTRAINT evidence_file_citizen_check",
        "ALTER TABLE evidence_file ALTER COLUMN citizen DROP NOT NULL",
        "UPDATE evidence_file SET citizen = NULL WHERE citizen = 0",
        "ALTER TABLE evidence_file ADD CONSTRAINT evidence_file_citizen_check"
        " CHECK (citizen IS NOT NULL OR case_kind = 'report')",
        "ALTER TABLE evidence_file ADD CONSTRAINT evidence_file_citizen_fkey"
        f" FOREIGN KEY (citizen) REFERENCES citizen (id){ACTIONS_CASCADE}",
        "ALTER TABLE case_step DROP COLUMN citizen",
    ]
    statements += [f"ALTER TABLE {child} DROP COLUMN citizen" for child, _, _ in CHILDREN]
    return statements


FORWARDS = _forwards()
BACKWARDS = _backwards()


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
