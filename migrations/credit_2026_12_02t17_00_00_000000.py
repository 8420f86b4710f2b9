"""Government integrity (政务诚信): each record keeps the business day it was reported
(``record.reported_on``, Asia/Shanghai) beside the day of its decision (``decided_on``), and
whether it was reported late (``record.reported_late``: more than the integrity content's limit,
default 7 working days, after the decision), set at ingest so the statistics count late reports
per department without judging every record again. Two partial indexes serve the statistics: by
reporting day (with the department and the flag, for an index-only count) and by decision day
over the records that name an occupational group. Written by hand; reversible (going back drops
both columns and indexes).

Records stored before this migration get the day of their ``created_at`` in Asia/Shanghai, and
are judged with the default limit (7 working days) on the public-holiday calendar the code knows
(``chinese-calendar``; weekends only for a year it does not know): the calendar overrides and
the integrity content are content in PostgreSQL, not read by a migration."""

import datetime as dt

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from backend.platform.calendar import add_working_days
from backend.platform.engine import DB

ID = "2026-12-02T17:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "record reporting timeliness"

DEFAULT_LIMIT = 7  # working days: content/integrity/2026.1.toml report_within_working_days

FORWARDS = [
    "ALTER TABLE record ADD COLUMN reported_on DATE,"
    " ADD COLUMN reported_late BOOLEAN NOT NULL DEFAULT false",
    "UPDATE record SET reported_on = (created_at AT TIME ZONE 'Asia/Shanghai')::date",
    "ALTER TABLE record ALTER COLUMN reported_on SET NOT NULL,"
    " ALTER COLUMN reported_on SET DEFAULT ((now() AT TIME ZONE 'Asia/Shanghai')::date)",
    "CREATE INDEX record_reported_on_idx ON record (reported_on, department)"
    " INCLUDE (reported_late) WHERE status <> 'revoked'",
    "CREATE INDEX record_occupational_group_idx ON record (decided_on)"
    " INCLUDE (occupational_group, polarity, severity)"
    " WHERE occupational_group IS NOT NULL AND status <> 'revoked'",
]
# Only a report eight or more calendar days after its decision can be more than seven working
# days late; each such pair of days is judged once.
LATE_CANDIDATES = (
    "SELECT DISTINCT decided_on, reported_on FROM record"
    f" WHERE reported_on - decided_on > {DEFAULT_LIMIT}"
)

BACKWARDS = [
    "DROP INDEX IF EXISTS record_occupational_group_idx",
    "DROP INDEX IF EXISTS record_reported_on_idx",
    "ALTER TABLE record DROP COLUMN IF EXISTS reported_late, DROP COLUMN IF EXISTS reported_on",
]


def _late(decided_on: dt.date, reported_on: dt.date) -> bool:
    return reported_on > add_working_days(decided_on, DEFAULT_LIMIT)


async def _mark_late_reports() -> None:
    pairs = await DB.run_ddl(LATE_CANDIDATES)
    for pair in pairs:
        decided_on, reported_on = pair["decided_on"], pair["reported_on"]
        if _late(decided_on, reported_on):
            await DB.run_ddl(
                "UPDATE record SET reported_late = true"
                f" WHERE decided_on = DATE '{decided_on.isoformat()}'"
                f" AND reported_on = DATE '{reported_on.isoformat()}'"
            )


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="credit", description=DESCRIPTION)

    async def run() -> None:
        for statement in FORWARDS[:3]:
            await DB.run_ddl(statement)
        await _mark_late_reports()
        for statement in FORWARDS[3:]:
            await DB.run_ddl(statement)

    async def run_backwards() -> None:
        for statement in BACKWARDS:
            await DB.run_ddl(statement)

    manager.add_raw(run)
    manager.add_raw_backwards(run_backwards)
    return manager
