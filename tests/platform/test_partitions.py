"""The tables that only grow are partitioned by month: the migration converts tables holding rows
both ways, months are created ahead and expired ones dropped, the append-only triggers and the
dedupe keys hold across months, and the hot queries still find an index. Each test has a
database of its own (copied from a migrated one), since it creates and drops partitions."""

from __future__ import annotations

import asyncio
import datetime as dt
import secrets
import subprocess
import sys
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest

from backend.notifications import store
from backend.platform.config import REPO_ROOT
from backend.platform.migrate import known_migration_ids
from backend.platform.partitions import (
    PARTITIONED,
    drop_expired_partitions,
    ensure_partitions,
    ensure_partitions_between,
    month_partitions,
)
from tests.conftest import _with_database

MIGRATION = "2026-12-04T01:00:00:000000"
SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def _at(day: dt.date, hour: int = 12) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=SHANGHAI)


def _migrate(dsn: str, direction: str, migration_id: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "tests.platform.migration_roundtrip", dsn, direction, migration_id],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr


async def _create_database(admin_url: str, template: str | None = None) -> str:
    name = f"cc_partitions_{secrets.token_hex(4)}"
    conn = await asyncpg.connect(admin_url)
    try:
        await conn.execute(
            f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")
        )
    finally:
        await conn.close()
    return name


async def _drop_database(admin_url: str, name: str) -> None:
    conn = await asyncpg.connect(admin_url)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@pytest.fixture(scope="module")
async def migrated(servers: tuple[str, str]) -> AsyncIterator[str]:
    """A database with every migration applied, copied by each test."""
    name = await _create_database(servers[0])
    _migrate(_with_database(servers[0], name), "forwards", "all")
    yield name
    await _drop_database(servers[0], name)


@pytest.fixture
async def conn(servers: tuple[str, str], migrated: str) -> AsyncIterator[Any]:
    name = await _create_database(servers[0], template=migrated)
    connection = await asyncpg.connect(_with_database(servers[0], name))
    try:
        yield connection
    finally:
        await connection.close()
        await _drop_database(servers[0], name)


# --- the migration, on a database holding rows --------------------------------------------------

MONTHS = [dt.date(2025, 12, 31), dt.date(2026, 2, 1), dt.date(2026, 2, 28), dt.date(2026, 5, 15)]

SEED = [
    "INSERT INTO citizen (id_number_index) VALUES ('a'), ('b')",
    "INSERT INTO query_log (citizen, at, actor_kind, organisation)"
    " SELECT 1 + n % 2, t, 'merchant', 'shop ' || n FROM unnest($1::timestamptz[])"
    " WITH ORDINALITY AS u(t, n)",
    "INSERT INTO audit_log (at, actor_kind, action, object_type, object_id)"
    " SELECT t, 'officer', 'thing.do', 'thing', n::text FROM unnest($1::timestamptz[])"
    " WITH ORDINALITY AS u(t, n)",
    "INSERT INTO score_history (citizen, points, grade, as_of, at)"
    " SELECT 1 + n % 2, 1000 + n, 'A', t::date, t FROM unnest($1::timestamptz[])"
    " WITH ORDINALITY AS u(t, n)",
    "INSERT INTO outbox_event (citizen, kind, payload, dedupe_key, created_at, delivered_at)"
    " SELECT 1 + n % 2, 'record.added', '{}', 'key:' || n, t, CASE WHEN n > 1 THEN t END"
    " FROM unnest($1::timestamptz[]) WITH ORDINALITY AS u(t, n)",
    "INSERT INTO notification (event_id, citizen, kind, category, title, body, data, created_at)"
    " SELECT id, citizen, kind, 'records', 't', 'b', payload, created_at FROM outbox_event",
]


async def _contents(conn: Any) -> dict[str, tuple[int, str]]:
    """Per table: the row count and a digest of every row in id order."""
    found = {}
    for table in PARTITIONED:
        row = await conn.fetchrow(
            f"SELECT count(*), md5(string_agg(t::text, '|' ORDER BY id)) FROM {table} t"
        )
        found[table] = (row[0], row[1])
    return found


async def _kinds(conn: Any) -> dict[str, str]:
    rows = await conn.fetch(
        "SELECT relname, relkind::text FROM pg_class WHERE relname = ANY($1::text[])",
        list(PARTITIONED),
    )
    return {row["relname"]: row["relkind"] for row in rows}


async def _keys(conn: Any, table: str) -> set[str]:
    rows = await conn.fetch(
        "SELECT pg_get_indexdef(indexrelid) AS d FROM pg_index WHERE indrelid = $1::regclass",
        table,
    )
    return {row["d"].split(" USING ", 1)[1] for row in rows}


def _previous_migration() -> str:
    earlier = sorted(i for i in known_migration_ids() if i < MIGRATION)
    return earlier[-1]


async def test_the_migration_converts_tables_with_rows_both_ways(servers: tuple[str, str]) -> None:
    name = await _create_database(servers[0])
    dsn = _with_database(servers[0], name)
    try:
        _migrate(dsn, "forwards", _previous_migration())
        conn = await asyncpg.connect(dsn)
        try:
            for statement in SEED:
                await conn.execute(
                    statement, *([[_at(d) for d in MONTHS]] if "$1" in statement else [])
                )
            before = await _contents(conn)
            assert {count for count, _ in before.values()} == {len(MONTHS)}
            for direction, kind in (("forwards", "p"), ("backwards", "r"), ("forwards", "p")):
                _migrate(dsn, direction, "all" if direction == "forwards" else MIGRATION)
                assert await _contents(conn) == before
                assert set((await _kinds(conn)).values()) == {kind}
            assert await _keys(conn, "notification") == {
                "btree (citizen, id, created_at)",
                "btree (citizen, event_id, created_at)",
                "btree (citizen) WHERE (read_at IS NULL)",
            }
            partitions = await month_partitions(conn, "audit_log")
            assert {dt.date(2025, 12, 1), dt.date(2026, 2, 1), dt.date(2026, 5, 1)} <= set(
                partitions
            )
            # Rows sit in their Shanghai month: 2026-02-01 12:00+08 is February.
            where = await conn.fetch(
                "SELECT tableoid::regclass::text AS p FROM audit_log ORDER BY id"
            )
            assert [r["p"] for r in where] == [
                "audit_log_2025_12",
                "audit_log_2026_02",
                "audit_log_2026_02",
                "audit_log_2026_05",
            ]
            # The sequence goes on after the copied ids.
            new_id = await conn.fetchval(
                "INSERT INTO audit_log (at, actor_kind, action, object_type, object_id)"
                " VALUES (now(), 'system', 'x', 'y', 'z') RETURNING id"
            )
            assert new_id == len(MONTHS) + 1
            assert await conn.fetchval("SELECT count(*) FROM outbox_dedupe") == len(MONTHS)
        finally:
            await conn.close()
    finally:
        await _drop_database(servers[0], name)


# --- creating months -----------------------------------------------------------------------------


async def test_ensure_creates_the_months_ahead_once_even_when_two_run_at_once(
    conn: Any, servers: tuple[str, str]
) -> None:
    today = dt.date(2031, 5, 20)
    other = await asyncpg.connect(
        _with_database(servers[0], await conn.fetchval("SELECT current_database()"))
    )
    try:
        first, second = await asyncio.gather(
            ensure_partitions(conn, today=today, months_ahead=2),
            ensure_partitions(other, today=today, months_ahead=2),
        )
    finally:
        await other.close()
    expected = {f"{t}_{m}" for t in PARTITIONED for m in ("2031_05", "2031_06", "2031_07")}
    assert sorted(first + second) == sorted(expected)
    assert await ensure_partitions(conn, today=today, months_ahead=2) == []


async def test_ensure_between_creates_the_history_a_benchmark_loads(conn: Any) -> None:
    created = await ensure_partitions_between(
        conn, start=dt.date(2020, 1, 15), end=dt.date(2020, 3, 2)
    )
    assert len(created) == 3 * len(PARTITIONED)
    await conn.execute(
        "INSERT INTO query_log (citizen, at) VALUES (1, $1)", _at(dt.date(2020, 3, 31), 23)
    )
    assert await conn.fetchval("SELECT tableoid::regclass::text FROM query_log") == (
        "query_log_2020_03"
    )
    assert (
        await ensure_partitions_between(conn, start=dt.date(2020, 1, 1), end=dt.date(2020, 3, 1))
        == []
    )


async def test_rows_of_a_missing_month_wait_in_the_default_partition_then_move(conn: Any) -> None:
    old = _at(dt.date(2019, 7, 4))
    entry = await conn.fetchval(
        "INSERT INTO audit_log (at, actor_kind, action, object_type, object_id)"
        " VALUES ($1, 'officer', 'a', 'b', 'c') RETURNING id",
        old,
    )
    await conn.execute(
        "INSERT INTO notification (event_id, citizen, created_at) VALUES (9, 1, $1)", old
    )
    assert (
        await conn.fetchval("SELECT tableoid::regclass::text FROM audit_log") == "audit_log_default"
    )
    created = await ensure_partitions(conn, today=dt.date(2026, 11, 30), months_ahead=0)
    assert {"audit_log_2019_07", "notification_2019_07"} <= set(created)
    row = await conn.fetchrow("SELECT id, at, tableoid::regclass::text AS p FROM audit_log")
    assert (row["id"], row["at"], row["p"]) == (entry, old, "audit_log_2019_07")
    assert await conn.fetchval("SELECT count(*) FROM audit_log_default") == 0
    # The moved-to partition and the new default one are append-only too.
    for partition in ("audit_log_2019_07", "audit_log_default", "audit_log"):
        with pytest.raises(asyncpg.RaiseError, match="append-only"):
            await conn.execute(f"TRUNCATE {partition}")
    with pytest.raises(asyncpg.RaiseError, match="append-only"):
        await conn.execute("DELETE FROM audit_log_2019_07")


# --- append-only on every partition -------------------------------------------------------------


async def test_the_logs_refuse_changes_on_every_partition(conn: Any) -> None:
    await ensure_partitions_between(conn, start=dt.date(2024, 1, 1), end=dt.date(2024, 1, 1))
    # A month of its own, this month, and one with no partition (in the default one).
    for day in (dt.date(2024, 1, 10), dt.date.today(), dt.date(2019, 3, 3)):
        await conn.execute(
            "INSERT INTO query_log (citizen, at, actor_kind, actor_id, organisation, seen,"
            " purpose, basis) VALUES (1, $1, 'merchant', '1', 'm', 'x', 'y', 'z')",
            _at(day),
        )
        await conn.execute(
            "INSERT INTO audit_log (at, actor_kind, actor_id, action, object_type, object_id)"
            " VALUES ($1, 'system', 'test', 'test.action', 'thing', '1')",
            _at(day),
        )
    for table in ("query_log", "audit_log"):
        for target in (table, f"{table}_2024_01", f"{table}_default"):
            for sql in (f"UPDATE {target} SET actor_id = 'changed'", f"DELETE FROM {target}"):
                with pytest.raises(asyncpg.RaiseError, match=f"{table} is append-only"):
                    await conn.execute(sql)
            with pytest.raises(asyncpg.RaiseError, match=f"{table} is append-only"):
                await conn.execute(f"TRUNCATE {target}")
    assert await conn.fetchval("SELECT count(*) FROM query_log") == 3


# --- retention ----------------------------------------------------------------------------------


async def _event(conn: Any, day: dt.date, *, delivered: bool, citizen: int = 1) -> int:
    event_id: int = await conn.fetchval(
        "INSERT INTO outbox_event (citizen, kind, payload, created_at, delivered_at)"
        " VALUES ($1, 'record.added', '{}', $2, CASE WHEN $3 THEN $2::timestamptz END)"
        " RETURNING id",
        citizen,
        _at(day),
        delivered,
    )
    await conn.execute(
        "INSERT INTO notification (event_id, citizen, created_at) VALUES ($1, $2, $3)",
        event_id,
        citizen,
        _at(day),
    )
    return event_id


async def test_retention_drops_exactly_the_expired_months_and_never_undelivered_ones(
    conn: Any,
) -> None:
    await ensure_partitions_between(conn, start=dt.date(2026, 1, 1), end=dt.date(2026, 6, 1))
    await _event(conn, dt.date(2026, 1, 31), delivered=True)
    await _event(conn, dt.date(2026, 2, 10), delivered=False)  # the relay has not got to it
    await _event(conn, dt.date(2026, 3, 31), delivered=True)
    await _event(conn, dt.date(2026, 4, 1), delivered=True)
    await conn.execute(
        "INSERT INTO query_log (citizen, at) VALUES (1, $1)", _at(dt.date(2026, 1, 5))
    )
    with pytest.raises(ValueError):
        await drop_expired_partitions(
            conn, today=dt.date(2026, 7, 15), outbox_months=0, inbox_months=4
        )

    # 15 July: outbox months that ended three months ago (up to March) and inbox months that
    # ended four months ago (up to February).
    dropped = await drop_expired_partitions(
        conn, today=dt.date(2026, 7, 15), outbox_months=3, inbox_months=4
    )
    assert sorted(dropped) == [
        "notification_2026_01",
        "outbox_event_2026_01",
        "outbox_event_2026_03",
    ]
    assert await conn.fetchval("SELECT count(*) FROM outbox_event") == 2  # February's, April's
    assert await conn.fetchval("SELECT count(*) FROM notification") == 3
    assert await conn.fetchval("SELECT count(*) FROM query_log") == 1  # kept long-term
    assert dt.date(2026, 1, 1) in await month_partitions(conn, "audit_log")
    assert (
        await drop_expired_partitions(
            conn, today=dt.date(2026, 7, 15), outbox_months=3, inbox_months=4
        )
        == []
    )

    # Once February's event is relayed, its outbox and inbox months go too.
    await conn.execute("UPDATE outbox_event SET delivered_at = now()")
    dropped = await drop_expired_partitions(
        conn, today=dt.date(2026, 7, 15), outbox_months=3, inbox_months=4
    )
    assert sorted(dropped) == ["notification_2026_02", "outbox_event_2026_02"]


# --- dedupe across months -----------------------------------------------------------------------


async def test_a_retried_event_is_written_once_whatever_the_month(conn: Any) -> None:
    await ensure_partitions_between(conn, start=dt.date(2026, 1, 1), end=dt.date(2026, 1, 1))
    # The first write, in January (the migration put its key in outbox_dedupe, as the store does).
    await conn.execute(
        "INSERT INTO outbox_event (citizen, kind, payload, dedupe_key, created_at, delivered_at)"
        " VALUES (1, 'record.added', '{}', 'record.added:7:1', $1, $1)",
        _at(dt.date(2026, 1, 20)),
    )
    await conn.execute(
        "INSERT INTO outbox_dedupe (citizen, dedupe_key) VALUES (1, 'record.added:7:1')"
    )
    # The retry, today: nothing; and still nothing once January's outbox is dropped.
    for _ in range(2):
        await store.insert_event(conn, 1, "record.added", "{}", dedupe_key="record.added:7:1")
        assert await conn.fetchval("SELECT count(*) FROM outbox_event WHERE citizen = 1") <= 1
        await drop_expired_partitions(
            conn, today=dt.date(2026, 11, 30), outbox_months=3, inbox_months=3
        )
    assert await conn.fetchval("SELECT count(*) FROM outbox_event") == 0
    # A new key writes one event; another citizen's same key is theirs.
    for citizen in (1, 1, 2):
        await store.insert_event(conn, citizen, "record.added", "{}", dedupe_key="record.added:8:1")
    await store.insert_event(conn, 1, "record.added", "{}", dedupe_key=None)
    await store.insert_event(conn, 1, "record.added", "{}", dedupe_key=None)
    assert await conn.fetchval("SELECT count(*) FROM outbox_event") == 4


async def test_an_event_reaches_the_inbox_once_dated_with_its_own_time(conn: Any) -> None:
    await ensure_partitions_between(conn, start=dt.date(2026, 2, 1), end=dt.date(2026, 2, 1))
    event_id = await conn.fetchval(
        "INSERT INTO outbox_event (citizen, kind, payload, created_at)"
        " VALUES (3, 'record.added', '{}', $1) RETURNING id",
        _at(dt.date(2026, 2, 10)),
    )
    new = store.NewNotification(
        event_id=event_id,
        citizen=3,
        kind="record.added",
        category="records",
        legal=False,
        title="t",
        body="b",
        data="{}",
        created_at=dt.datetime.now(dt.UTC),
    )
    assert await store.insert_notification(conn, new) is not None
    assert await store.insert_notification(conn, new) is None  # a retry, months later
    row = await conn.fetchrow("SELECT created_at, tableoid::regclass::text AS p FROM notification")
    assert (row["created_at"], row["p"]) == (_at(dt.date(2026, 2, 10)), "notification_2026_02")


# --- the hot queries still use an index ---------------------------------------------------------

HOT = {
    "relay: undelivered, oldest first": "SELECT id FROM outbox_event WHERE delivered_at IS NULL"
    " ORDER BY id LIMIT 50",
    "relay: mark delivered": "UPDATE outbox_event SET delivered_at = now()"
    " WHERE id = ANY('{1,2}'::bigint[]) AND delivered_at IS NULL",
    "inbox by citizen": "SELECT id FROM notification WHERE citizen = 1 AND id < 99"
    " ORDER BY id DESC LIMIT 20",
    "unread count": "SELECT count(*) FROM notification WHERE citizen = 1 AND read_at IS NULL",
    "inbox item": "SELECT id FROM notification WHERE citizen = 1 AND id = 5",
    "query log by citizen": "SELECT id FROM query_log WHERE citizen = 1 ORDER BY id DESC LIMIT 20",
    "score history by citizen": "SELECT points FROM score_history WHERE citizen = 1"
    " ORDER BY id DESC LIMIT 20",
    "audit by object": "SELECT id FROM audit_log WHERE object_type = 'x' AND object_id = '1'",
}


@pytest.mark.parametrize("name", list(HOT))
async def test_the_hot_queries_use_an_index(conn: Any, name: str) -> None:
    async with conn.transaction():
        await conn.execute("SET LOCAL enable_seqscan = off")
        plan = "\n".join(r[0] for r in await conn.fetch(f"EXPLAIN {HOT[name]}"))
    assert "Seq Scan" not in plan, plan
    assert "Index" in plan, plan
