"""Every migration runs forwards and backwards cleanly, and the append-only audit log holds."""

from __future__ import annotations

import json
import secrets
import subprocess
import sys

import asyncpg
import pytest

from backend.platform.config import REPO_ROOT
from tests.conftest import _with_database

EXPECTED = {
    "api_client",
    "audit_log",
    "citizen",
    "citizen_account",
    "officer",
    "one_time_code",
    "population_registry",
    "record",
    "record_history",
    "refresh_token",
    "credit_card",
    "score_history",
    "outbox_event",
    "query_log",
    "notification",
    "push_device",
    "push_delivery",
    "notification_preference",
    "points_percentile",
    "objection",
    "repair_application",
    "evidence_file",
    "case_step",
    "report",
    "credit_report",
    "measure_enforcement",
    "measure_event",
    "enforcer_webhook",
    "exchange_event",
    "quiz_attempt",
    "department_case_stat",
    "verification",
    "benefit_redemption",
    "consent",
    "credit_lock",
    "outbox_dedupe",
    "notice_acceptance",
    "data_export",
    "ingest_follow_up",
}
# The tables that only grow are partitioned by month: pg_tables lists the partitioned parents
# (above) and their partitions (<table>_YYYY_MM, months that depend on today, and
# <table>_default), so the partitions are checked by their default ones only
# (tests/platform/test_partitions.py checks the months).
PARTITIONED = {"audit_log", "query_log", "score_history", "outbox_event", "notification"}


async def test_migrations_run_forwards_backwards_and_forwards_again(
    servers: tuple[str, str],
) -> None:
    admin_url = servers[0]
    name = f"cc_migrations_{secrets.token_hex(4)}"
    conn = await asyncpg.connect(admin_url)
    await conn.execute(f'CREATE DATABASE "{name}"')
    try:
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "tests.platform.migration_roundtrip",
                _with_database(admin_url, name),
            ],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        steps = json.loads(result.stdout.strip().splitlines()[-1])
        assert set(steps["forwards"]) >= EXPECTED | {f"{t}_default" for t in PARTITIONED}
        assert set(steps["backwards"]) <= {"migration"}
        assert steps["again"] == steps["forwards"]
    finally:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.close()


async def test_audit_log_refuses_update_and_delete(database_url: str) -> None:
    conn = await asyncpg.connect(database_url)
    try:
        await conn.execute(
            "INSERT INTO audit_log (at, actor_kind, actor_id, action, object_type, object_id)"
            " VALUES (now(), 'system', 'test', 'test.action', 'thing', '1')"
        )
        with pytest.raises(asyncpg.RaiseError, match="append-only"):
            await conn.execute("UPDATE audit_log SET action = 'changed'")
        with pytest.raises(asyncpg.RaiseError, match="append-only"):
            await conn.execute("DELETE FROM audit_log")
        with pytest.raises(asyncpg.RaiseError, match="append-only"):
            await conn.execute("TRUNCATE audit_log")
    finally:
        await conn.close()


async def test_query_log_refuses_update_and_delete(database_url: str) -> None:
    conn = await asyncpg.connect(database_url)
    try:
        await conn.execute(
            "INSERT INTO query_log (citizen, at, actor_kind, actor_id, organisation, seen,"
            " purpose, basis) VALUES (1, now(), 'merchant', '1', 'm', 'x', 'y', 'z')"
        )
        for sql in ("UPDATE query_log SET seen = 'changed'", "DELETE FROM query_log"):
            with pytest.raises(asyncpg.RaiseError, match="query_log is append-only"):
                await conn.execute(sql)
    finally:
        await conn.close()
