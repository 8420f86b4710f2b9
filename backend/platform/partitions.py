"""Monthly partitions of the tables that only grow: create them ahead, drop the expired ones.

The five tables are partitioned by range on their time column, one partition per calendar month
in Asia/Shanghai (the business calendar; China keeps no summer time, so a month starts at
00:00+08), named ``<table>_YYYY_MM``, plus a DEFAULT partition ``<table>_default``. The default
partition is a safety net: a write never fails because a month is missing (the cron stopped, a
test or a benchmark writes an old date); :func:`ensure_partitions` moves what it holds into the
month's own partition. The migration ``2026-12-04T01:00:00`` made the tables; this module keeps
them going, for the daily jobs and for benchmarks that load history.

Retention drops whole partitions (no row-by-row DELETE) of two tables only: delivered outbox
events and the citizen's inbox. The query log is kept long-term (the Shandong notice:
查询日志应当长期保存), the audit log is append-only and kept, and the score history is the
citizen's chart: none of those is ever dropped here.

A leaf of the platform: it names the tables as SQL names and imports no domain.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Final

import asyncpg

Connection = Any  # an asyncpg connection, or a pool's proxy of one

# table -> its partition column
PARTITIONED: Final[dict[str, str]] = {
    "audit_log": "at",
    "query_log": "at",
    "score_history": "at",
    "outbox_event": "created_at",
    "notification": "created_at",
}
# The append-only tables and the trigger function that refuses a change. A statement-level
# TRUNCATE trigger is not cloned to partitions (row triggers are), so each partition gets one.
APPEND_ONLY: Final[dict[str, str]] = {
    "audit_log": "audit_log_append_only()",
    "query_log": "refuse_append_only_change('query_log')",
}
MONTH_START_OFFSET: Final = "+08"  # Asia/Shanghai
# Every run that creates or drops partitions holds this transaction-level advisory lock, so two
# workers (or a worker and a benchmark) never race on the same DDL.
_LOCK_KEY: Final = 0x70617274  # "part"


def month_of(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(month: dt.date, months: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def partition_name(table: str, month: dt.date) -> str:
    return f"{table}_{month:%Y_%m}"


def default_partition(table: str) -> str:
    return f"{table}_default"


def _bound(month: dt.date) -> str:
    return f"'{month.isoformat()} 00:00:00{MONTH_START_OFFSET}'"


def _months(start: dt.date, end: dt.date) -> list[dt.date]:
    """Each month from ``start``'s through ``end``'s."""
    months, month = [], month_of(start)
    while month <= month_of(end):
        months.append(month)
        month = add_months(month, 1)
    return months


def _truncate_guard(table: str, partition: str) -> list[str]:
    function = APPEND_ONLY.get(table)
    if function is None:
        return []
    return [
        f"CREATE TRIGGER {partition}_no_truncate BEFORE TRUNCATE ON {partition}"
        f" FOR EACH STATEMENT EXECUTE FUNCTION {function}"
    ]


def month_partition_ddl(table: str, month: dt.date) -> list[str]:
    """The statements that create ``table``'s partition of ``month`` (none of its rows may be in
    the default partition)."""
    name = partition_name(table, month)
    create = (
        f"CREATE TABLE IF NOT EXISTS {name} PARTITION OF {table}"
        f" FOR VALUES FROM ({_bound(month)}) TO ({_bound(add_months(month, 1))})"
    )
    return [create, *_truncate_guard(table, name)]


def default_partition_ddl(table: str) -> list[str]:
    name = default_partition(table)
    return [f"CREATE TABLE {name} PARTITION OF {table} DEFAULT", *_truncate_guard(table, name)]


async def _exists(conn: Connection, name: str) -> bool:
    found: bool = await conn.fetchval("SELECT to_regclass($1) IS NOT NULL", name)
    return found


async def _default_holds(conn: Connection, table: str, month: dt.date) -> bool:
    if not await _exists(conn, default_partition(table)):
        return False
    column = PARTITIONED[table]
    held: bool = await conn.fetchval(
        f"SELECT EXISTS (SELECT 1 FROM {default_partition(table)}"
        f" WHERE {column} >= {_bound(month)} AND {column} < {_bound(add_months(month, 1))})"
    )
    return held


async def _create_month(conn: Connection, table: str, month: dt.date) -> bool:
    """Create the partition unless it exists; True when created."""
    if await _exists(conn, partition_name(table, month)):
        return False
    if not await _default_holds(conn, table, month):
        for statement in month_partition_ddl(table, month):
            await conn.execute(statement)
        return True
    # PostgreSQL refuses a partition whose rows sit in the default one. The rows are moved by
    # INSERT only (the append-only triggers refuse DELETE): the default partition is detached,
    # the month and a new default are created, its rows are inserted through the parent (each
    # lands in its own partition) and the detached copy is dropped, all in one transaction.
    old = default_partition(table)
    moving = f"{table}_default_moving"
    await conn.execute(f"ALTER TABLE {table} DETACH PARTITION {old}")
    await conn.execute(f"ALTER TABLE {old} RENAME TO {moving}")
    for statement in [*month_partition_ddl(table, month), *default_partition_ddl(table)]:
        await conn.execute(statement)
    await conn.execute(f"INSERT INTO {table} SELECT * FROM {moving}")
    await conn.execute(f"DROP TABLE {moving}")
    return True


async def _months_in_default(conn: Connection, table: str) -> list[dt.date]:
    """The months of the rows the default partition holds (it should hold none)."""
    if not await _exists(conn, default_partition(table)):
        return []
    column = PARTITIONED[table]
    rows = await conn.fetch(
        f"SELECT DISTINCT date_trunc('month', {column} AT TIME ZONE 'Asia/Shanghai')::date"
        f" AS month FROM {default_partition(table)} ORDER BY month"
    )
    return [row["month"] for row in rows]


async def _ensure(conn: Connection, months: list[dt.date], *, from_default: bool) -> list[str]:
    created: list[str] = []
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1)", _LOCK_KEY)
        for table in PARTITIONED:
            extra = await _months_in_default(conn, table) if from_default else []
            for month in sorted({*months, *extra}):
                if await _create_month(conn, table, month):
                    created.append(partition_name(table, month))
    return created


async def ensure_partitions(conn: Connection, *, today: dt.date, months_ahead: int) -> list[str]:
    """Create every table's partitions from ``today``'s month through ``months_ahead`` months
    later, and those of any month whose rows wait in a default partition; the names created.
    Idempotent, and safe when two run at once (an advisory lock serialises them)."""
    start = month_of(today)
    return await _ensure(conn, _months(start, add_months(start, months_ahead)), from_default=True)


async def ensure_partitions_between(conn: Connection, *, start: dt.date, end: dt.date) -> list[str]:
    """Create every table's partitions from ``start``'s month through ``end``'s (both included),
    e.g. before a benchmark copies history in; the names created."""
    return await _ensure(conn, _months(start, end), from_default=False)


async def month_partitions(conn: Connection, table: str) -> dict[dt.date, str]:
    """``table``'s monthly partitions by month (the default partition is not one)."""
    rows = await conn.fetch(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
        " WHERE i.inhparent = $1::regclass ORDER BY c.relname",
        table,
    )
    found: dict[dt.date, str] = {}
    for row in rows:
        suffix = row["relname"].removeprefix(f"{table}_")
        try:
            found[dt.datetime.strptime(suffix, "%Y_%m").date()] = row["relname"]
        except ValueError:
            continue  # the default partition
    return found


def _expired(month: dt.date, today: dt.date, retention_months: int) -> bool:
    """Every moment of ``month`` is at least ``retention_months`` months before ``today``."""
    return add_months(month, 1 + retention_months) <= today


async def _undelivered(conn: Connection, month: dt.date) -> bool:
    """Whether an outbox event of ``month`` is not relayed yet (in the month's partition, or in
    the default one if it waits there)."""
    waiting: bool = await conn.fetchval(
        "SELECT EXISTS (SELECT 1 FROM outbox_event WHERE delivered_at IS NULL"
        f" AND created_at >= {_bound(month)} AND created_at < {_bound(add_months(month, 1))})"
    )
    return waiting


async def _drop_unless_waiting(conn: Connection, table: str, month: dt.date) -> bool:
    """Drop the partition unless the outbox of its month still waits to be relayed, or its lock
    is not granted soon (the relay holds it); True when dropped. A savepoint keeps a refused
    lock from aborting the whole run."""
    name = partition_name(table, month)
    try:
        async with conn.transaction():
            if table == "outbox_event":
                # No relay may add or leave an event in it between the check and the drop.
                await conn.execute(f"LOCK TABLE {name} IN SHARE MODE")
            if await _undelivered(conn, month):
                return False
            await conn.execute(f"DROP TABLE {name}")
    except asyncpg.LockNotAvailableError:
        return False
    return True


async def drop_expired_partitions(
    conn: Connection, *, today: dt.date, outbox_months: int, inbox_months: int
) -> list[str]:
    """Drop the whole monthly partitions past their retention; the names dropped.

    - ``outbox_event``: a month that ended ``outbox_months`` months ago or earlier, and only
      when every event in it is delivered (the partition is locked while this is checked).
    - ``notification`` (the inbox): a month that ended ``inbox_months`` months ago or earlier,
      read or not ("expired" is by age alone: a partition is dropped whole). A month whose
      outbox still has undelivered events is kept: the relay dates an inbox row with its
      event's time, so those events will still land in it.

    Nothing else is ever dropped: the query log and the audit log are kept long-term."""
    if outbox_months < 1 or inbox_months < 1:
        raise ValueError("retention is at least one month")
    dropped: list[str] = []
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1)", _LOCK_KEY)
        # Dropping a partition locks its parent: wait a little, never stall the relay for long.
        await conn.execute("SET LOCAL lock_timeout = '5s'")
        for table, months in (("outbox_event", outbox_months), ("notification", inbox_months)):
            for month, name in (await month_partitions(conn, table)).items():
                if _expired(month, today, months) and await _drop_unless_waiting(
                    conn, table, month
                ):
                    dropped.append(name)
    return dropped
