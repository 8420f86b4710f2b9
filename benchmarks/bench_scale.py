"""A million citizens on one box (issue 17): not part of ``make test``.

Generates ``--citizens`` citizens (default 1,000,000) with about ``--records-per-citizen``
records each (default 5) by ``COPY`` into a fresh database, with a progress bar, then measures
the real code paths against that database:

1. ``rescore-all``: ``python -m backend rescore-all --restart`` (the real CLI, its own process)
   on business date D-1, citizens per second end to end. Baseline in the same run: plain SQL
   reading the same citizens' records (the scoring query's columns, 500 citizens a statement)
   and writing one row per citizen (an UPDATE of the card row), one transaction per batch.
2. the nightly re-score (``scoring.jobs.nightly_rescore`` with the real runtime, then a real arq
   worker in burst mode until the queue is empty) on a day 0.1 % of citizens cross a date
   (a record leaves display) and on a day 1 % do. Floor: the 1 % day within 60 s; the cost
   follows the citizens due, not the population (time per due citizen alike on both days).
3. the monthly summary (``notifications.monthly.send_monthly_summaries``, then
   ``notifications.relay.relay_all`` moving the events into the inbox and push deliveries) to
   every citizen with an account. Floor: 1,000,000 inbox rows in under 10 minutes (the rate,
   projected to a million rows). Baseline: the same inbox rows inserted again by plain SQL.
4. ``GET /v1/me/card`` p50/p99: the API in its own process (uvicorn, one worker) against this
   database, ``--card-users`` citizens signed in through the real one-time-code sign-in, load
   from a separate process: each citizen's first read (card from the PostgreSQL snapshot), then
   ``--card-seconds`` of repeated reads (from the Redis copy). The same against a
   ``--small-citizens`` (10,000) database generated in the same run; the ratio.
5. ingest: ``POST /v1/department/records:batch`` (batches of 1,000 records about existing
   citizens spread over the whole database) against the same server; the same against the
   10,000-citizen database, and the raw INSERT of the same rows (as ``bench_ingest.py``).

The data: citizens with encrypted ID numbers and blind indexes (each one encrypted for real,
the cost is printed), population-registry rows, accounts (``--account-share``, default 60 %) with
one push device each, records over the last three years from the real catalog (good and bad of
every severity; some revoked or repaired), and for each citizen the card and score history the
real re-scoring would write: ``points_engine.assess`` and the service's own ``fingerprint`` and
``encode_cards`` in bulk (not ``rescore-all``, whose first run tells every citizen of every record),
and the nightly percentiles by the real ``compute_percentiles``.

Dates: the cards are scored on D-2 (the 12th of the month below); the business day of the
nightly runs is built into the data: no record of an ordinary citizen has a date on the 14th or
15th of any month, and ``--small-cross-share`` (0.1 %) of citizens have a bad record that leaves
display on the 14th, ``--cross-share`` (1 %) one that leaves on the 15th. The counts the nightly
finds are printed beside the planned ones.

    .venv/bin/python benchmarks/bench_scale.py                     # the full million (long)
    .venv/bin/python benchmarks/bench_scale.py --citizens 20000    # a couple of minutes
    .venv/bin/python benchmarks/bench_scale.py --keep              # keep the generated database
    .venv/bin/python benchmarks/bench_scale.py --skip-generate --database cc_scale_...

``--only rescore,nightly,monthly,served`` picks measurements (the nightly brings the cards to
D-1 itself when rescore-all did not run); ``BENCH_WORKER_JOBS`` sets the burst worker's
concurrent jobs (arq's default, 10).

With ``--keep`` the generated database is kept untouched (its keys under
``var/bench-scale/<name>/``) and every measurement runs on a copy of it (``CREATE DATABASE
... TEMPLATE``), dropped at the end; ``--skip-generate --database NAME`` measures again on a
fresh copy of a kept one, under its kept keys. PostgreSQL and Redis: BENCH_DATABASE_URL (or
TEST_DATABASE_URL) and TEST_REDIS_URL, else embedded servers. Redis keys live under the
database's own namespace and are deleted at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import datetime as dt
import multiprocessing
import os
import random
import secrets
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import msgspec
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from backend.identity.id_number import make_id_number
from backend.platform.config import REPO_ROOT
from benchmarks._server import (
    api_server,
    app_env,
    bench_servers,
    create_database,
    database_url,
    drop_database,
    forget_redis_keys,
    migrate,
)

console = Console()

# The business days, fixed so a kept database stays valid: cards scored on SCORED_ON,
# rescore-all on RESCORE_ON, the nightly on SMALL_DAY (0.1 % cross) and BIG_DAY (1 % cross),
# the monthly summary on MONTH_DAY (for November).
SCORED_ON = dt.date(2026, 11, 12)
RESCORE_ON = dt.date(2026, 11, 13)
SMALL_DAY = dt.date(2026, 11, 14)
BIG_DAY = dt.date(2026, 11, 15)
MONTH_DAY = dt.date(2026, 12, 1)
QUIET_DAYS = {SMALL_DAY.day, BIG_DAY.day}  # no ordinary record has a date on these days
HISTORY_YEARS = 3

NIGHTLY_FLOOR_S = 60.0
MONTHLY_FLOOR_ROWS = 1_000_000
MONTHLY_FLOOR_S = 600.0
DEPARTMENT = "scale-dept"
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志文"


# --- who the generated citizens are (a pure function of their number) -----------------------


def id_number(n: int) -> str:
    """Citizen number ``n`` (0-based): a valid ID number, distinct for n < 9,000,000."""
    born = dt.date(1960, 1, 1) + dt.timedelta(days=n % 16000)
    return make_id_number("330106", born, n // 16000)


def person_name(n: int) -> str:
    g = len(GIVEN)
    return SURNAMES[n % len(SURNAMES)] + GIVEN[(n // 7) % g] + GIVEN[(n // 131) % g]


def phone(n: int) -> str:
    return f"139{n:08d}"


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f}/{five:.2f}/{fifteen:.2f}"


@dataclass
class Measured:
    name: str
    value: str
    floor: str = ""
    verdict: str = ""
    baseline: str = ""
    ratio: str = ""
    load_start: str = ""
    load_end: str = ""


@dataclass
class Report:
    rows: list[Measured] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, row: Measured) -> None:
        self.rows.append(row)
        console.print(
            f"[bold]{row.name}[/bold]: {row.value}"
            + (f"  floor/goal {row.floor} [bold]{row.verdict}[/bold]" if row.floor else "")
            + (f"  baseline {row.baseline}" if row.baseline else "")
            + (f"  ratio {row.ratio}" if row.ratio else "")
            + f"  (load {row.load_start} → {row.load_end})"
        )

    def note(self, text: str) -> None:
        self.notes.append(text)
        console.print(f"  {text}")


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


# --- generation ------------------------------------------------------------------------------

CITIZEN_COLUMNS = ["id", "id_number_index", "id_number_encrypted", "name", "created_at"]
REGISTRY_COLUMNS = [
    "id_number_index",
    "id_number_encrypted",
    "name",
    "phone_encrypted",
    "phone_index",
    "updated_at",
]
ACCOUNT_COLUMNS = [
    "citizen",
    "phone_encrypted",
    "phone_index",
    "language",
    "created_at",
    "last_sign_in_at",
]
DEVICE_COLUMNS = ["citizen", "token", "platform", "created_at", "last_seen_at"]
RECORD_COLUMNS = [
    "id",
    "citizen",
    "department",
    "record_type",
    "catalog_version",
    "domain",
    "polarity",
    "severity",
    "quantity",
    "occurred_on",
    "decided_on",
    "decision_document_no",
    "source_reference",
    "evidence_summary",
    "status",
    "display_until",
    "repairable_from",
    "repaired_on",
    "reported_on",
    "reported_late",
    "created_at",
    "updated_at",
]
CARD_COLUMNS = [
    "citizen",
    "points",
    "grade",
    "rules_version",
    "clean_years_flag",
    "as_of",
    "next_change_on",
    "scored_counter",
    "fingerprint",
    "assessment_json",
    "card_json",
    "assessed_at",
    "percentile",
    "red_list",
    "revision",
]
HISTORY_COLUMNS = [
    "citizen",
    "points",
    "grade",
    "previous_points",
    "previous_grade",
    "rules_version",
    "reason",
    "as_of",
    "at",
]


@dataclass
class Plan:
    citizens: int
    records_per_citizen: int
    account_share: float
    cross_share: float
    small_cross_share: float
    seed: int
    chunk: int


@dataclass
class Generated:
    citizens: int = 0
    records: int = 0
    accounts: int = 0
    small_crossers: int = 0
    big_crossers: int = 0
    seconds: float = 0.0
    crypto_seconds: float = 0.0
    engine_seconds: float = 0.0
    copy_seconds: float = 0.0
    account_numbers: list[int] = field(default_factory=list)  # a sample, for sign-ins


def _day(rng: random.Random, low: dt.date, high: dt.date) -> dt.date:
    """A day in [low, high] that is not on a quiet day of the month."""
    span = (high - low).days
    while True:
        day = low + dt.timedelta(days=rng.randint(0, span))
        if day.day not in QUIET_DAYS:
            return day


class Generator:
    """Rows for a chunk of citizens, reproducible from the seed and the chunk's first number."""

    def __init__(self, plan: Plan, department: int, department_code: str) -> None:
        from backend.platform import runtime
        from backend.records.catalog import add_months

        rt = runtime.current()
        self.plan = plan
        self.department = department
        self.department_code = department_code
        self.catalog = rt.catalogs.in_force(SCORED_ON)
        self.rules = rt.rules.in_force(SCORED_ON)
        self.add_months = add_months
        usable = [t for t in self.catalog.record_types.values() if t.occupational_groups is None]
        self.good = [t for t in usable if t.polarity == "good"]
        self.bad = [t for t in usable if t.polarity == "bad"]
        self.leaving = [t for t in self.bad if t.display_months >= 1]
        self.history_from = SCORED_ON - dt.timedelta(days=365 * HISTORY_YEARS)

    def citizen_records(
        self, rng: random.Random, citizen: int, next_id: int, crosses_on: dt.date | None
    ) -> list[dict[str, Any]]:
        count = rng.randint(1, 2 * self.plan.records_per_citizen - 1)
        rows = []
        for i in range(count):
            crossing = crosses_on is not None and i == 0
            if crossing:
                assert crosses_on is not None
                t = rng.choice(self.leaving)
                decided = self.add_months(crosses_on, -t.display_months)
                occurred = _day(rng, decided - dt.timedelta(days=30), decided)
            else:
                t = rng.choice(self.good) if rng.random() < 0.6 else rng.choice(self.bad)
                decided = _day(rng, self.history_from, SCORED_ON - dt.timedelta(days=1))
                occurred = _day(rng, decided - dt.timedelta(days=30), decided)
            until = self.add_months(decided, t.display_months)
            repairable = (
                self.add_months(decided, t.min_display_months)
                if t.polarity == "bad" and t.repair_paths
                else None
            )
            status, repaired_on = "active", None
            roll = rng.random()
            if not crossing and roll < 0.03:
                status = "revoked"
            elif (
                not crossing
                and roll < 0.08
                and repairable is not None
                and repairable < SCORED_ON - dt.timedelta(days=45)
            ):
                status = "repaired"
                repaired_on = _day(
                    rng, repairable + dt.timedelta(days=1), repairable + dt.timedelta(days=40)
                )
            quantity = rng.choice((2, 4, 8, 16, 24)) if t.unit == "hour" else 1
            rid = next_id + i
            rows.append(
                {
                    "id": rid,
                    "citizen": citizen,
                    "record_type": t.code,
                    "catalog_version": self.catalog.version,
                    "domain": t.domain,
                    "polarity": t.polarity,
                    "severity": t.severity,
                    "quantity": quantity,
                    "occurred_on": occurred,
                    "decided_on": decided,
                    "display_until": until,
                    "repairable_from": repairable,
                    "status": status,
                    "under_objection": False,
                    "repaired_on": repaired_on,
                    "department": self.department_code,
                }
            )
        return rows


async def _ensure_partitions(conn: asyncpg.Connection, history_from: dt.date) -> str:
    """Monthly partitions (when the tables are partitioned): the score history's for the
    three years of history the generator writes; every table's for the business days measured
    and the real present (the rows the product writes carry the real time). The other
    tables get no partitions for the past, as in production where retention drops them."""
    try:
        from backend.platform import partitions
    except ImportError:
        return "no backend.platform.partitions: tables not partitioned"
    recent = min(SCORED_ON, dt.date.today()) - dt.timedelta(days=31)
    made, month = 0, partitions.month_of(history_from)
    while month <= partitions.month_of(recent):
        for statement in partitions.month_partition_ddl("score_history", month):
            await conn.execute(statement)
        made, month = made + 1, partitions.add_months(month, 1)
    end = max(MONTH_DAY, dt.date.today()) + dt.timedelta(days=62)
    made += len(await partitions.ensure_partitions_between(conn, start=recent, end=end))
    return f"partitions: score_history from {history_from}, every table {recent}..{end}: {made}"


async def generate(plan: Plan, dsn: str, redis_url: str) -> Generated:
    """COPY the population into the (migrated, empty) database at ``dsn``."""
    from backend.identity import service as identity
    from backend.identity.security import build_jwt_auth
    from backend.identity.sms import MemorySmsSender
    from backend.platform.config import load_settings
    from backend.platform.language import DEFAULT as DEFAULT_LANGUAGE
    from backend.scoring.service import encode_cards, fact_from_row, fingerprint
    from backend.scoring.statistics import compute_percentiles
    from backend.wiring import start_runtime, stop_runtime
    from points_engine import assess

    settings = load_settings()
    rt = await start_runtime(
        settings, dsn, redis_url, sms=MemorySmsSender(), jwt_auth=build_jwt_auth(settings)
    )
    out = Generated()
    began = time.perf_counter()
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("SET synchronous_commit = off")
        scopes = ["registry:write"] + [f"domain:{d}" for d in rt.catalogs.latest.domains]
        department, _ = await identity.create_api_client(
            "department", DEPARTMENT, "规模测试数据报送单位", scopes
        )
        gen = Generator(plan, department, DEPARTMENT)
        console.print(await _ensure_partitions(conn, gen.history_from))
        rules = gen.rules
        id_ring = settings.keyrings
        from backend.platform.crypto import keyed_index, seal

        now = dt.datetime.now(dt.UTC)
        next_record = 1
        sample_every = max(1, plan.citizens // 5000)
        columns = Progress(
            TextColumn("[bold]generating"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("citizens"),
            TimeElapsedColumn(),
            console=console,
        )
        with columns as progress:
            task = progress.add_task("citizens", total=plan.citizens)
            for start in range(0, plan.citizens, plan.chunk):
                rng = random.Random(plan.seed * 1_000_003 + start)
                stop = min(plan.citizens, start + plan.chunk)
                citizens, registry, accounts, devices = [], [], [], []
                records: list[tuple[Any, ...]] = []
                cards: list[tuple[Any, ...]] = []
                history: list[tuple[Any, ...]] = []
                t0 = time.perf_counter()
                sealed: list[tuple[str, bytes, bytes, str]] = []
                for n in range(start, stop):
                    number = id_number(n)
                    sealed.append(
                        (
                            keyed_index(id_ring.id_index, number),
                            seal(id_ring.id_encryption, number),
                            # phones at rest as the service stores them (issue 18)
                            seal(id_ring.id_encryption, phone(n), b"phone"),
                            keyed_index(id_ring.phone_index, phone(n)),
                        )
                    )
                out.crypto_seconds += time.perf_counter() - t0
                for n in range(start, stop):
                    cid = n + 1
                    index, blob, phone_blob, phone_key = sealed[n - start]
                    name = person_name(n)
                    joined = now - dt.timedelta(days=rng.randint(1, 3 * 365))
                    citizens.append((cid, index, blob, name, joined))
                    registry.append((index, blob, name, phone_blob, phone_key, joined))
                    if rng.random() < plan.account_share:
                        language = "en" if rng.random() < 0.1 else "zh-CN"
                        accounts.append((cid, phone_blob, phone_key, language, joined, joined))
                        devices.append(
                            (cid, f"scale-{cid:09d}-{secrets.token_hex(12)}", "android", now, now)
                        )
                        out.accounts += 1
                        if n % sample_every == 0:
                            out.account_numbers.append(n)
                    roll = rng.random()
                    crosses_on = None
                    if roll < plan.small_cross_share:
                        crosses_on = SMALL_DAY
                        out.small_crossers += 1
                    elif roll < plan.small_cross_share + plan.cross_share:
                        crosses_on = BIG_DAY
                        out.big_crossers += 1
                    rows = gen.citizen_records(rng, cid, next_record, crosses_on)
                    next_record += len(rows)
                    for r in rows:
                        reported = r["decided_on"] + dt.timedelta(days=rng.randint(0, 5))
                        at = dt.datetime.combine(reported, dt.time(10), tzinfo=dt.UTC)
                        records.append(
                            (
                                r["id"],
                                cid,
                                department,
                                r["record_type"],
                                r["catalog_version"],
                                r["domain"],
                                r["polarity"],
                                r["severity"],
                                r["quantity"],
                                r["occurred_on"],
                                r["decided_on"],
                                f"决字〔{r['decided_on'].year}〕{r['id']}号",
                                f"scale-{r['id']}",
                                "generated by bench_scale",
                                r["status"],
                                r["display_until"],
                                r["repairable_from"],
                                r["repaired_on"],
                                reported,
                                False,
                                at,
                                at,
                            )
                        )
                    e0 = time.perf_counter()
                    facts = [fact_from_row(r) for r in rows]
                    card = assess(facts, rules, SCORED_ON)
                    first_on = min(r["decided_on"] for r in rows)
                    first = assess(facts, rules, first_on)
                    fp = fingerprint(card, red_list=False)
                    bodies = encode_cards(card, now, None, red_list=False)
                    out.engine_seconds += time.perf_counter() - e0
                    cards.append(
                        (
                            cid,
                            card.points,
                            card.grade.code,
                            card.rules_version,
                            card.clean_years_flag,
                            SCORED_ON,
                            card.next_change_on,
                            0,
                            fp,
                            msgspec.json.encode(card),
                            bodies[DEFAULT_LANGUAGE],
                            now,
                            None,
                            False,
                            1,
                        )
                    )
                    first_at = dt.datetime.combine(first_on, dt.time(12), tzinfo=dt.UTC)
                    history.append(
                        (
                            cid,
                            first.points,
                            first.grade.code,
                            None,
                            None,
                            card.rules_version,
                            "first-assessment",
                            first_on,
                            first_at,
                        )
                    )
                    if (first.points, first.grade.code) != (card.points, card.grade.code):
                        history.append(
                            (
                                cid,
                                card.points,
                                card.grade.code,
                                first.points,
                                first.grade.code,
                                card.rules_version,
                                "records-changed",
                                SCORED_ON,
                                now,
                            )
                        )
                c0 = time.perf_counter()
                async with conn.transaction():
                    for table, rows_, cols in (
                        ("citizen", citizens, CITIZEN_COLUMNS),
                        ("population_registry", registry, REGISTRY_COLUMNS),
                        ("citizen_account", accounts, ACCOUNT_COLUMNS),
                        ("push_device", devices, DEVICE_COLUMNS),
                        ("record", records, RECORD_COLUMNS),
                        ("credit_card", cards, CARD_COLUMNS),
                        ("score_history", history, HISTORY_COLUMNS),
                    ):
                        if rows_:
                            await conn.copy_records_to_table(table, records=rows_, columns=cols)
                out.copy_seconds += time.perf_counter() - c0
                out.citizens += stop - start
                out.records += len(records)
                progress.update(task, advance=stop - start)
        for table, column in (("citizen", "id"), ("record", "id")):
            await conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'),"
                f" (SELECT max({column}) FROM {table}))"
            )
        console.print("ranking points (the real nightly compute_percentiles) …")
        await compute_percentiles(SCORED_ON)
        console.print("VACUUM ANALYZE …")
        await conn.execute("VACUUM ANALYZE")
    finally:
        await conn.close()
        await stop_runtime(rt)
    out.seconds = time.perf_counter() - began
    return out


# --- measurement helpers ---------------------------------------------------------------------


@contextmanager
def app_runtime(env: dict[str, str], day: dt.date | None = None) -> Iterator[Runner]:
    """A loop with the real runtime on this database (the process's env points at it)."""
    runner = Runner(env, day)
    try:
        runner.run(runner.start())
        yield runner
    finally:
        runner.run(runner.stop())
        runner.loop.close()


class Runner:
    def __init__(self, env: dict[str, str], day: dt.date | None) -> None:
        self.env = env
        self.day = day
        self.loop = asyncio.new_event_loop()
        self.rt: Any = None
        self.sms: Any = None

    def run(self, work: Awaitable[Any]) -> Any:
        return self.loop.run_until_complete(work)

    async def start(self) -> None:
        from backend.identity.security import build_jwt_auth
        from backend.identity.sms import MemorySmsSender
        from backend.platform.config import load_settings
        from backend.wiring import start_runtime
        from backend.worker import WorkerSettings

        assert WorkerSettings.functions  # imported: the worker's jobs are registered for enqueue
        for key in ("DATABASE_URL", "REDIS_URL", "VAR_DIR", "REDIS_NAMESPACE"):
            os.environ[key] = self.env[key]
        settings = load_settings()
        self.sms = MemorySmsSender()
        self.rt = await start_runtime(
            settings,
            self.env["DATABASE_URL"],
            self.env["REDIS_URL"],
            sms=self.sms,
            jwt_auth=build_jwt_auth(settings),
        )
        if self.day is not None:
            self.on(self.day)

    def on(self, day: dt.date) -> None:
        from backend.platform import runtime
        from backend.platform.clock import shifted

        runtime.set_clock(shifted(day))

    async def stop(self) -> None:
        from backend.wiring import stop_runtime

        if self.rt is not None:
            await stop_runtime(self.rt)


async def drain_queue(env: dict[str, str]) -> tuple[int, int]:
    """Run a real arq worker (the worker's job functions) in burst mode until the queue is
    empty; returns (jobs completed, jobs failed)."""
    from arq.worker import Worker

    from backend.platform import runtime
    from backend.platform.bootstrap import arq_redis_settings, queue_name
    from backend.worker import WorkerSettings

    worker = Worker(
        functions=WorkerSettings.functions,
        redis_settings=arq_redis_settings(env["REDIS_URL"]),
        queue_name=queue_name(runtime.current().settings),
        burst=True,
        poll_delay=0.05,
        handle_signals=False,
        max_jobs=int(os.environ.get("BENCH_WORKER_JOBS", "10")),
    )
    try:
        await worker.main()
        return worker.jobs_complete, worker.jobs_failed
    finally:
        await worker.close()


async def _fetch_int(dsn: str, sql: str, *args: Any) -> int:
    conn = await asyncpg.connect(dsn)
    try:
        return int(await conn.fetchval(sql, *args) or 0)
    finally:
        await conn.close()


def fetch_int(dsn: str, sql: str, *args: Any) -> int:
    return asyncio.run(_fetch_int(dsn, sql, *args))


# --- 1. rescore-all --------------------------------------------------------------------------

_BASELINE_READ = (
    "SELECT r.id, r.citizen, r.record_type, r.catalog_version, r.domain, r.polarity, r.severity,"
    " r.quantity, r.occurred_on, r.decided_on, r.display_until, r.repairable_from, r.status,"
    " r.under_objection, r.repaired_on, d.code AS department"
    " FROM record r JOIN api_client d ON d.id = r.department"
    " WHERE r.citizen = ANY($1::bigint[])"
)
_BASELINE_WRITE = (
    "UPDATE credit_card k SET as_of = $2, scored_counter = k.scored_counter,"
    " assessed_at = now() WHERE k.citizen = ANY($1::bigint[])"
)


async def raw_read_write(dsn: str, batch: int = 500) -> tuple[int, float]:
    """The ceiling: every citizen's records read and one card row per citizen written, by plain
    SQL, ``batch`` citizens a statement, one transaction per batch."""
    conn = await asyncpg.connect(dsn)
    try:
        done, last = 0, 0
        started = time.perf_counter()
        while True:
            ids = [
                r[0]
                for r in await conn.fetch(
                    "SELECT id FROM citizen WHERE id > $1 ORDER BY id LIMIT $2", last, batch
                )
            ]
            if not ids:
                break
            async with conn.transaction():
                await conn.fetch(_BASELINE_READ, ids)
                await conn.execute(_BASELINE_WRITE, ids, RESCORE_ON)
            done += len(ids)
            last = ids[-1]
        return done, time.perf_counter() - started
    finally:
        await conn.close()


def measure_rescore_all(env: dict[str, str], citizens: int, report: Report) -> None:
    dsn = env["DATABASE_URL"]
    console.rule("rescore-all (the real CLI, its own process) on " + RESCORE_ON.isoformat())
    before_revision = fetch_int(dsn, "SELECT coalesce(sum(revision), 0) FROM credit_card")
    start_load = load()
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "backend", "rescore-all", "--restart"],
        cwd=REPO_ROOT,
        env={**env, "BUSINESS_DATE": RESCORE_ON.isoformat()},
        check=True,
    )
    elapsed = time.perf_counter() - started
    end_load = load()
    changed = fetch_int(dsn, "SELECT coalesce(sum(revision), 0) FROM credit_card") - before_revision
    confirmed = fetch_int(dsn, "SELECT count(*) FROM credit_card WHERE as_of = $1", RESCORE_ON)
    b_load = load()
    done, base_elapsed = asyncio.run(raw_read_write(dsn))
    rate, base_rate = citizens / elapsed, done / base_elapsed
    report.add(
        Measured(
            "rescore-all",
            f"{rate:,.0f} citizens/s ({citizens:,} in {elapsed:,.1f} s, process start included)",
            baseline=f"{base_rate:,.0f}/s raw SQL read + 1 row write (load {b_load})",
            ratio=f"{rate / base_rate:.3f}",
            load_start=start_load,
            load_end=end_load,
        )
    )
    report.note(
        f"rescore-all: {changed:,} cards changed (a date of theirs fell on {RESCORE_ON}),"
        f" {confirmed:,} cards now as of {RESCORE_ON} (the others confirmed by one UPDATE);"
        f" projected for 1,000,000 citizens: {1_000_000 / rate / 60:,.1f} min"
    )


# --- 2. the nightly re-score -----------------------------------------------------------------


def measure_nightly(
    env: dict[str, str], planned: dict[dt.date, int], population: int, report: Report
) -> None:
    from backend.platform.database import connection
    from backend.scoring import store
    from backend.scoring.jobs import nightly_rescore

    console.rule("nightly re-score (nightly_rescore + a real arq worker in burst mode)")
    results: dict[dt.date, tuple[int, float, float, float]] = {}
    with app_runtime(env) as runner:
        # The cards are as of SCORED_ON; rescore-all (measurement 1) brings them to RESCORE_ON.
        # Without it, the nightly of RESCORE_ON does the same for the cards due that day first.
        runner.on(RESCORE_ON)
        caught_up = runner.run(nightly_rescore({}))["due"]
        if caught_up:
            runner.run(drain_queue(env))
            report.note(
                f"nightly: {caught_up:,} cards due on {RESCORE_ON} re-scored first (untimed)"
            )
        for day in (SMALL_DAY, BIG_DAY):
            runner.on(day)

            async def find(day: dt.date = day) -> float:
                t = time.perf_counter()
                async with connection() as conn:
                    await store.cards_due(conn, by=day, after=0, limit=1_000_000_000)
                return time.perf_counter() - t

            find_s = runner.run(find())
            start_load = load()
            t0 = time.perf_counter()
            found = runner.run(nightly_rescore({}))
            t1 = time.perf_counter()
            done, failed = runner.run(drain_queue(env))
            t2 = time.perf_counter()
            end_load = load()
            due = int(found["due"])
            total = t2 - t0
            results[day] = (due, total, t1 - t0, t2 - t1)
            share = "0.1 %" if day == SMALL_DAY else "1 %"
            plan = f", planned {planned[day]:,}"
            per = total / due * 1000 if due else 0.0
            report.add(
                Measured(
                    f"nightly re-score, {share} day ({day})",
                    f"{due:,} due{plan}: {total:,.2f} s (enqueue {t1 - t0:.2f} s,"
                    f" worker {t2 - t1:.2f} s; {done:,} jobs, {failed} failed;"
                    f" {per:.2f} ms per due citizen)",
                    floor=f"{NIGHTLY_FLOOR_S:.0f} s" if day == BIG_DAY else "",
                    verdict=verdict(total <= NIGHTLY_FLOOR_S) if day == BIG_DAY else "",
                    load_start=start_load,
                    load_end=end_load,
                )
            )
            report.note(f"finding the due cards (cards_due, indexed) alone: {find_s * 1000:.1f} ms")
    (n_small, t_small, _, _), (n_big, t_big, _, _) = results[SMALL_DAY], results[BIG_DAY]
    if n_small and n_big > n_small:
        # t = fixed + n * marginal: the fixed part is what the population could cost.
        marginal = (t_big - t_small) / (n_big - n_small)
        fixed = t_small - n_small * marginal
        report.add(
            Measured(
                "nightly cost follows the due citizens",
                f"{n_big / n_small:.1f}x the due citizens took {t_big / t_small:.1f}x the time;"
                f" {marginal * 1000:.2f} ms per due citizen + {fixed:.2f} s fixed",
                floor="fixed part ≤ 2 s",
                verdict=verdict(fixed <= 2.0),
                baseline=f"{per_day_all(n_big, t_big, population):,.0f} s if all were due",
            )
        )


def per_day_all(due: int, seconds: float, population: int) -> float:
    """The time the same work would take for every citizen."""
    return seconds / due * population if due else 0.0


# --- 3. the monthly summary ------------------------------------------------------------------

_INBOX_BASELINE = (
    "INSERT INTO notification (event_id, citizen, kind, category, legal, title, body, data,"
    " created_at) SELECT -t.event_id, t.citizen, t.kind, t.category, t.legal, t.title, t.body,"
    " t.data, now() FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[],"
    " $5::boolean[], $6::text[], $7::text[], $8::jsonb[]) AS t(event_id, citizen, kind,"
    " category, legal, title, body, data)"
)


async def raw_inbox(dsn: str, kind: str, batch: int = 500) -> tuple[int, float]:
    """The same inbox rows read and inserted again by plain SQL (under negated event ids;
    deleted afterwards): ``batch`` rows a page, one INSERT and transaction per page."""
    conn = await asyncpg.connect(dsn)
    try:
        done, last = 0, 0
        started = time.perf_counter()
        while True:
            rows = await conn.fetch(
                "SELECT id, event_id, citizen, kind, category, legal, title, body, data::text"
                " FROM notification WHERE kind = $1 AND id > $2 AND event_id > 0"
                " ORDER BY id LIMIT $3",
                kind,
                last,
                batch,
            )
            if not rows:
                break
            cols = [list(c) for c in zip(*rows, strict=True)]
            async with conn.transaction():
                await conn.execute(_INBOX_BASELINE, *cols[1:])
            done += len(rows)
            last = rows[-1]["id"]
        elapsed = time.perf_counter() - started
        await conn.execute("DELETE FROM notification WHERE event_id < 0")
        return done, elapsed
    finally:
        await conn.close()


def measure_monthly(env: dict[str, str], report: Report) -> None:
    from backend.notifications.monthly import send_monthly_summaries
    from backend.notifications.relay import relay_all

    dsn = env["DATABASE_URL"]
    console.rule(f"monthly summary on {MONTH_DAY} (send_monthly_summaries + relay_all)")
    with app_runtime(env, MONTH_DAY) as runner:
        earlier = runner.run(relay_all())  # what the runs before left in the outbox, untimed
        report.note(f"monthly: {earlier:,} earlier events relayed first (untimed)")
        start_load = load()
        t0 = time.perf_counter()
        summaries = runner.run(send_monthly_summaries(MONTH_DAY))
        t1 = time.perf_counter()
        relayed = runner.run(relay_all())
        t2 = time.perf_counter()
        end_load = load()
    kind = "monthly.summary"
    inbox = fetch_int(dsn, "SELECT count(*) FROM notification WHERE kind = $1", kind)
    if not inbox:  # the event kind's name, whatever it is
        kind = str(
            asyncio.run(_fetch_text(dsn, "SELECT kind FROM notification ORDER BY id DESC LIMIT 1"))
        )
        inbox = fetch_int(dsn, "SELECT count(*) FROM notification WHERE kind = $1", kind)
    pushes = fetch_int(dsn, "SELECT count(*) FROM push_delivery")
    total = t2 - t1 + (t1 - t0)
    rate = inbox / total if total else 0.0
    projected = MONTHLY_FLOOR_ROWS / rate if rate else float("inf")
    b_load = load()
    base_rows, base_s = asyncio.run(raw_inbox(dsn, kind))
    base_rate = base_rows / base_s if base_s else 0.0
    report.add(
        Measured(
            "monthly summary",
            f"{inbox:,} inbox rows ({summaries:,} summaries, {relayed:,} relayed) in"
            f" {total:,.1f} s (outbox {t1 - t0:.1f} s, relay {t2 - t1:.1f} s) = {rate:,.0f}"
            f" rows/s; 1,000,000 rows in {projected / 60:,.1f} min",
            floor="1,000,000 in < 10 min",
            verdict=verdict(projected < MONTHLY_FLOOR_S),
            baseline=f"{base_rate:,.0f} rows/s raw INSERT of the same rows (load {b_load})",
            ratio=f"{rate / base_rate:.3f}" if base_rate else "",
            load_start=start_load,
            load_end=end_load,
        )
    )
    report.note(f"monthly: push deliveries queued in all (every run so far): {pushes:,}")


async def _fetch_text(dsn: str, sql: str) -> str:
    conn = await asyncpg.connect(dsn)
    try:
        return str(await conn.fetchval(sql))
    finally:
        await conn.close()


# --- 4. the card -----------------------------------------------------------------------------


def sign_in_citizens(env: dict[str, str], numbers: list[int]) -> list[str]:
    """Access tokens of these citizens, through the real one-time-code sign-in."""
    from backend.identity import service as identity

    async def sign_in_all(runner: Runner) -> list[str]:
        tokens = []
        for n in numbers:
            await identity.request_code(phone(n))
            pair = await identity.sign_in(phone(n), runner.sms.last(phone(n)))
            tokens.append(pair.access_token)
        return tokens

    with app_runtime(env, MONTH_DAY) as runner:
        result: list[str] = runner.run(sign_in_all(runner))
        return result


async def _get(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes) -> int:
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n"):
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
    await reader.readexactly(length)
    return status


async def _card_load(
    base: str, tokens: list[str], concurrency: int, seconds: float
) -> tuple[list[float], list[float], float]:
    """Each citizen's first read (cold), then ``seconds`` of reads cycling through them (warm)."""
    host, port = base.removeprefix("http://").split(":")
    requests = [
        f"GET /v1/me/card HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {t}\r\n\r\n".encode()
        for t in tokens
    ]
    connections = [await asyncio.open_connection(host, int(port)) for _ in range(concurrency)]
    cold: list[float] = []
    warm: list[float] = []
    queue = iter(range(len(requests)))

    async def first_reads(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        for i in queue:
            started = time.perf_counter()
            status = await _get(reader, writer, requests[i])
            cold.append(time.perf_counter() - started)
            assert status == 200, status

    await asyncio.gather(*(first_reads(r, w) for r, w in connections))
    deadline = time.perf_counter() + seconds

    async def reads(k: int, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        i = k * 7919
        while time.perf_counter() < deadline:
            i = (i + 1) % len(requests)
            started = time.perf_counter()
            status = await _get(reader, writer, requests[i])
            warm.append(time.perf_counter() - started)
            assert status == 200, status

    began = time.perf_counter()
    await asyncio.gather(*(reads(k, r, w) for k, (r, w) in enumerate(connections)))
    elapsed = time.perf_counter() - began
    for _, writer in connections:
        writer.close()
    return cold, warm, elapsed


def _load_process(base: str, tokens: list[str], concurrency: int, seconds: float, out: Any) -> None:
    out.send(asyncio.run(_card_load(base, tokens, concurrency, seconds)))


def card_latency(
    base: str, tokens: list[str], concurrency: int, seconds: float
) -> tuple[list[float], list[float], float]:
    """The load from a process of its own (spawned: nothing shared with this one)."""
    ctx = multiprocessing.get_context("spawn")
    receive, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_load_process, args=(base, tokens, concurrency, seconds, send))
    proc.start()
    result: tuple[list[float], list[float], float] = receive.recv()
    proc.join()
    return result


def percentiles(latencies: list[float]) -> tuple[float, float]:
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return statistics.median(ordered) * 1000, p99 * 1000


# --- 5. ingest -------------------------------------------------------------------------------


def _ingest_bodies(run: str, citizens: int, batches: int, size: int, seed: int) -> list[bytes]:
    rng = random.Random(seed)
    occurred = (MONTH_DAY - dt.timedelta(days=20)).isoformat()
    bodies = []
    for b in range(batches):
        items = []
        for i in range(size):
            n = rng.randrange(citizens)
            items.append(
                {
                    "citizenIdNumber": id_number(n),
                    "citizenName": person_name(n),
                    "recordType": "TRAFFIC-DRINK-DRIVING",
                    "occurredOn": occurred,
                    "decisionDocumentNo": f"公交决字〔2026〕{run}-{b}-{i}号",
                    "sourceReference": f"ingest-{run}-{b}-{i}",
                    "evidenceSummary": "bench_scale",
                }
            )
        bodies.append(msgspec.json.encode({"records": items}))
    return bodies


_INGEST_BASELINE = (
    "INSERT INTO record (department, catalog_version, citizen, record_type, domain, polarity,"
    " severity, quantity, occurred_on, decided_on, decision_document_no, source_reference,"
    " evidence_summary, occupational_group, display_until, repairable_from, reported_late,"
    " reported_on, status, created_at, updated_at, version) SELECT t.*, 'active', now(), now(), 1"
    " FROM unnest($1::int[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[],"
    " $7::text[], $8::int[], $9::date[], $10::date[], $11::text[], $12::text[], $13::text[],"
    " $14::text[], $15::date[], $16::date[], $17::boolean[], $18::date[]) AS t"
    " ON CONFLICT (department, source_reference) DO NOTHING"
)


async def _raw_ingest(dsn: str, run: str, size: int) -> tuple[int, float]:
    """The rows the endpoint stored, in batches of ``size``, inserted again under new source
    references: one statement and transaction per batch (as bench_ingest.py)."""
    conn = await asyncpg.connect(dsn)
    try:
        rows = await conn.fetch(
            "SELECT department, catalog_version, citizen, record_type, domain, polarity,"
            " severity, quantity, occurred_on, decided_on, decision_document_no,"
            " 'raw-' || source_reference, evidence_summary, occupational_group,"
            " display_until, repairable_from, reported_late, reported_on FROM record"
            " WHERE source_reference LIKE $1 ORDER BY id",
            f"ingest-{run}-%",
        )
        columns = [
            [list(c) for c in zip(*rows[i : i + size], strict=True)]
            for i in range(0, len(rows), size)
        ]
        started = time.perf_counter()
        for cols in columns:
            await conn.execute(_INGEST_BASELINE, *cols)
        return len(rows), time.perf_counter() - started
    finally:
        await conn.close()


def ingest_key(env: dict[str, str]) -> str:
    from backend.identity import service as identity

    async def make() -> str:
        from backend.platform import runtime

        domains = runtime.current().catalogs.latest.domains
        _, key = await identity.create_api_client(
            "department",
            f"scale-ingest-{secrets.token_hex(3)}",
            "规模测试报送",
            ["registry:write"] + [f"domain:{d}" for d in domains],
        )
        return key

    with app_runtime(env, MONTH_DAY) as runner:
        result: str = runner.run(make())
        return result


async def _post_batches(base: str, key: str, bodies: list[bytes], size: int) -> float:
    headers = {"X-Api-Key": key, "Content-Type": "application/json"}
    took: list[float] = []
    async with httpx.AsyncClient(base_url=base, timeout=300) as http:
        started = time.perf_counter()
        for body in bodies:
            sent = time.perf_counter()
            response = await http.post(
                "/v1/department/records:batch", content=body, headers=headers
            )
            took.append(time.perf_counter() - sent)
            assert response.status_code == 200, response.text[:500]
            accepted = msgspec.json.decode(response.content)["accepted"]
            assert accepted == size, response.text[:500]
        elapsed = time.perf_counter() - started
    console.print("  batch seconds: " + " ".join(f"{t:.2f}" for t in took))
    return len(bodies) * size / elapsed


# --- 4 + 5 on one server ---------------------------------------------------------------------


@dataclass
class ServedNumbers:
    cold: tuple[float, float]
    warm: tuple[float, float]
    warm_rps: float
    ingest_rate: float
    raw_ingest_rate: float
    load_card: tuple[str, str]
    load_ingest: tuple[str, str]


def measure_served(
    env: dict[str, str], citizens: int, numbers: list[int], args: argparse.Namespace
) -> ServedNumbers:
    tokens = sign_in_citizens(env, numbers)
    key = ingest_key(env)
    run = secrets.token_hex(3)
    bodies = _ingest_bodies(run, citizens, args.ingest_batches, args.ingest_size, args.seed)
    server_env = {**env, "BUSINESS_DATE": MONTH_DAY.isoformat()}
    with api_server(server_env) as base:
        # Warm the server (imports, pools) on a handful of reads before the clock.
        asyncio.run(_card_load(base, tokens[:4], 2, 0.5))
        l0 = load()
        cold, warm, elapsed = card_latency(
            base, tokens[4:], args.card_concurrency, args.card_seconds
        )
        l1 = load()
        rate = asyncio.run(_post_batches(base, key, bodies, args.ingest_size))
        l2 = load()
    stored, raw_s = asyncio.run(_raw_ingest(env["DATABASE_URL"], run, args.ingest_size))
    return ServedNumbers(
        cold=percentiles(cold),
        warm=percentiles(warm),
        warm_rps=len(warm) / elapsed,
        ingest_rate=rate,
        raw_ingest_rate=stored / raw_s,
        load_card=(l0, l1),
        load_ingest=(l1, l2),
    )


def measure_card_and_ingest(
    big: ServedNumbers, small: ServedNumbers, citizens: int, small_n: int, report: Report
) -> None:
    size = f"{citizens:,}"
    for label, (b50, b99), (s50, s99) in (
        ("first read (PostgreSQL snapshot)", big.cold, small.cold),
        ("repeat read (Redis copy)", big.warm, small.warm),
    ):
        report.add(
            Measured(
                f"card p50/p99, {label}",
                f"{b50:.2f}/{b99:.2f} ms at {size}",
                baseline=f"{s50:.2f}/{s99:.2f} ms at {small_n:,}",
                ratio=f"p50 {b50 / s50:.2f}, p99 {b99 / s99:.2f}",
                load_start=big.load_card[0],
                load_end=big.load_card[1],
            )
        )
    report.add(
        Measured(
            "card repeat reads throughput",
            f"{big.warm_rps:,.0f} req/s at {size}",
            baseline=f"{small.warm_rps:,.0f} req/s at {small_n:,}",
            ratio=f"{big.warm_rps / small.warm_rps:.2f}",
            load_start=big.load_card[0],
            load_end=big.load_card[1],
        )
    )
    report.add(
        Measured(
            "ingest (batch endpoint, 1 worker)",
            f"{big.ingest_rate:,.0f} records/s at {size}",
            floor="10,000 records/s",
            verdict=verdict(big.ingest_rate >= 10_000),
            baseline=(
                f"{small.ingest_rate:,.0f}/s at {small_n:,};"
                f" raw INSERT {big.raw_ingest_rate:,.0f}/s"
            ),
            ratio=(
                f"{big.ingest_rate / small.ingest_rate:.2f} of 10k,"
                f" {big.ingest_rate / big.raw_ingest_rate:.2f} of raw"
            ),
            load_start=big.load_ingest[0],
            load_end=big.load_ingest[1],
        )
    )


# --- the run ---------------------------------------------------------------------------------


def _sample(numbers: list[int], count: int) -> list[int]:
    if len(numbers) <= count:
        return numbers
    step = len(numbers) / count
    return [numbers[int(i * step)] for i in range(count)]


def _account_sample(dsn: str, count: int) -> list[int]:
    """Citizen numbers (0-based) of ``count`` account holders spread over the id range."""

    async def fetch() -> list[int]:
        conn = await asyncpg.connect(dsn)
        try:
            total = int(await conn.fetchval("SELECT count(*) FROM citizen_account"))
            every = max(1, total // count)
            rows = await conn.fetch(
                "SELECT citizen FROM (SELECT citizen, row_number() OVER (ORDER BY citizen) AS k"
                " FROM citizen_account) s WHERE k % $1 = 0 LIMIT $2",
                every,
                count,
            )
            return [int(r[0]) - 1 for r in rows]
        finally:
            await conn.close()

    return asyncio.run(fetch())


def _table_sizes(dsn: str) -> str:
    async def fetch() -> str:
        conn = await asyncpg.connect(dsn)
        try:
            rows = await conn.fetch(
                "SELECT relname, pg_size_pretty(pg_total_relation_size(c.oid))"
                " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                " WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')"
                " ORDER BY pg_total_relation_size(c.oid) DESC LIMIT 6"
            )
            size = await conn.fetchval(
                "SELECT pg_size_pretty(pg_database_size(current_database()))"
            )
            return f"database {size}; " + ", ".join(f"{r[0]} {r[1]}" for r in rows)
        finally:
            await conn.close()

    return asyncio.run(fetch())


def kept_keys(name: str) -> Path:
    """Where a kept database's keys live (``VAR_DIR/secrets.json``: the ID numbers' encryption
    and blind-index keys, the phones' too): a later ``--skip-generate`` must find its citizens
    under the keys they were written with, not under a new run's."""
    return REPO_ROOT / "var" / "bench-scale" / name


def _generate_into(admin: str, redis_url: str, var: Path, name: str, plan: Plan) -> Generated:
    create_database(admin, name)
    dsn = database_url(admin, name)
    env = app_env(dsn, redis_url, var, name)
    migrate(env)
    for key in ("DATABASE_URL", "REDIS_URL", "VAR_DIR", "REDIS_NAMESPACE"):
        os.environ[key] = env[key]
    try:
        return asyncio.run(generate(plan, dsn, redis_url))
    finally:
        forget_redis_keys(redis_url, env["REDIS_NAMESPACE"])


def _describe(label: str, g: Generated, report: Report) -> None:
    report.note(
        f"{label}: {g.citizens:,} citizens, {g.records:,} records, {g.accounts:,} accounts,"
        f" crossing {SMALL_DAY}: {g.small_crossers:,}, {BIG_DAY}: {g.big_crossers:,};"
        f" generated in {g.seconds:,.1f} s (ID encryption + blind index {g.crypto_seconds:.1f} s,"
        f" engine + card bodies {g.engine_seconds:.1f} s, COPY {g.copy_seconds:.1f} s)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--citizens", type=int, default=1_000_000)
    parser.add_argument("--records-per-citizen", type=int, default=5)
    parser.add_argument("--account-share", type=float, default=0.6)
    parser.add_argument("--cross-share", type=float, default=0.01, help="cross a date on the 15th")
    parser.add_argument(
        "--small-cross-share", type=float, default=0.001, help="cross a date on the 14th"
    )
    parser.add_argument("--small-citizens", type=int, default=10_000, help="the card's reference")
    parser.add_argument("--card-users", type=int, default=1000)
    parser.add_argument("--card-seconds", type=float, default=10.0)
    parser.add_argument("--card-concurrency", type=int, default=16)
    parser.add_argument("--ingest-batches", type=int, default=30)
    parser.add_argument("--ingest-size", type=int, default=1000)
    parser.add_argument("--chunk", type=int, default=5000, help="citizens per COPY")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--keep", action="store_true", help="keep the generated database")
    parser.add_argument("--skip-generate", action="store_true", help="measure a kept database")
    parser.add_argument("--database", help="the kept database (with --skip-generate)")
    parser.add_argument(
        "--only",
        default="rescore,nightly,monthly,served",
        help="measurements to run (comma-separated): rescore,nightly,monthly,served",
    )
    args = parser.parse_args()
    if args.skip_generate and not args.database:
        parser.error("--skip-generate needs --database NAME")
    if args.skip_generate and not (kept_keys(args.database) / "secrets.json").exists():
        parser.error(f"no keys kept for {args.database} in {kept_keys(args.database)}")
    only = set(args.only.split(","))
    plan = Plan(
        citizens=args.citizens,
        records_per_citizen=args.records_per_citizen,
        account_share=args.account_share,
        cross_share=args.cross_share,
        small_cross_share=args.small_cross_share,
        seed=args.seed,
        chunk=args.chunk,
    )
    report = Report()
    citizens = args.citizens
    token = secrets.token_hex(3)
    console.print(
        f"bench_scale: {args.citizens:,} citizens, ~{args.records_per_citizen} records each;"
        f" load at start {load()}; {os.cpu_count()} cores"
    )
    with bench_servers() as (admin, redis_url, var):
        made: list[str] = []
        kept = args.database if args.skip_generate else None
        try:
            generated: Generated | None = None
            if kept is None:
                name = f"cc_scale_{token}"
                made.append(name)
                keys = kept_keys(name) if args.keep else var
                generated = _generate_into(admin, redis_url, keys, name, plan)
                _describe("generated", generated, report)
                if args.keep:
                    kept = name
                    made.remove(name)
                    console.print(f"[green]kept database {name}[/green]")
            if kept is not None:
                work = f"{kept}_run_{token}"
                console.print(f"copying {kept} → {work} …")
                made.append(work)
                t = time.perf_counter()
                create_database(admin, work, template=kept)
                report.note(f"copy of the kept database: {time.perf_counter() - t:.1f} s")
            else:
                work = name
            dsn = database_url(admin, work)
            env = app_env(dsn, redis_url, var if kept is None else kept_keys(kept), work)
            citizens = fetch_int(dsn, "SELECT count(*) FROM citizen")
            report.note(_table_sizes(dsn))
            # The citizens built to cross a date: no other record has one on those days.
            planned = {
                day: fetch_int(
                    dsn,
                    "SELECT count(DISTINCT citizen) FROM record WHERE status = 'active'"
                    " AND display_until = $1",
                    day,
                )
                for day in (SMALL_DAY, BIG_DAY)
            }
            try:
                if "rescore" in only:
                    measure_rescore_all(env, citizens, report)
                if "nightly" in only:
                    measure_nightly(env, planned, citizens, report)
                if "monthly" in only:
                    measure_monthly(env, report)
                if "served" in only:
                    numbers = _account_sample(dsn, args.card_users + 4)
                    big = measure_served(env, citizens, numbers, args)
                    small_name = f"cc_scale_{token}_small"
                    made.append(small_name)
                    small_plan = dataclasses.replace(plan, citizens=args.small_citizens)
                    small_generated = _generate_into(admin, redis_url, var, small_name, small_plan)
                    _describe("reference database", small_generated, report)
                    small_dsn = database_url(admin, small_name)
                    small_env = app_env(small_dsn, redis_url, var, small_name)
                    small_numbers = _account_sample(small_dsn, args.card_users + 4)
                    try:
                        small = measure_served(small_env, args.small_citizens, small_numbers, args)
                    finally:
                        forget_redis_keys(redis_url, small_env["REDIS_NAMESPACE"])
                    measure_card_and_ingest(big, small, citizens, args.small_citizens, report)
            finally:
                forget_redis_keys(redis_url, env["REDIS_NAMESPACE"])
        finally:
            for name in made:
                drop_database(admin, name)
    _summary(report, citizens)
    return 0


def _summary(report: Report, citizens: int) -> None:
    table = Table(title=f"bench_scale: {citizens:,} citizens (issue 17)")
    for column in ("measurement", "value", "floor/goal", "verdict", "baseline", "ratio", "load"):
        table.add_column(column, overflow="fold")
    for row in report.rows:
        table.add_row(
            row.name,
            row.value,
            row.floor,
            row.verdict,
            row.baseline,
            row.ratio,
            f"{row.load_start} → {row.load_end}" if row.load_start else "",
        )
    wide = Console(width=200)
    wide.print(table)
    for note in report.notes:
        wide.print(f"- {note}")
    wide.print(f"load at end {load()}")


if __name__ == "__main__":
    raise SystemExit(main())
