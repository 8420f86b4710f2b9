"""Fault drills for push delivery against real processes: a worker started with
``python -m backend worker``, the fake FCM server, PostgreSQL and Redis.

Each drill seeds citizens, devices and one outbox event per citizen, breaks something (FCM
failing in each way, the worker killed or stopped mid-send, two workers pruning at once,
PostgreSQL cut, Redis stopped and started empty), waits until every delivery is closed, and
counts: what went in (one push per live device per event), what came out (distinct pushes FCM
accepted), what was lost and what was sent twice. The tests in ``test_push_faults.py`` run them
small; ``benchmarks/drill_faults.py`` runs them at 1,000 citizens and prints the table.
"""

from __future__ import annotations

import asyncio
import signal
import subprocess
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import msgspec
from arq import create_pool
from arq.connections import RedisSettings

from backend.platform.redis import namespaced
from tests.fakes.fcm import FcmServer
from tests.fakes.proxy import TcpProxy
from tests.fakes.redis_server import PrivateRedis
from tests.processes import start_worker, stop, wait_until

LIVE = ("pending", "sending")


@dataclass
class DrillSetup:
    """Where a drill runs: the database, Redis and environment for worker processes."""

    dsn: str
    env: dict[str, str]
    fcm: FcmServer
    citizens: int = 100
    in_flight: int = 50
    timeout: float = 90.0
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)
    logs: list[Path] = field(default_factory=list)  # every worker's log, kept for failures

    def worker_env(self, **overrides: str) -> dict[str, str]:
        env = {
            **self.env,
            "FCM_ENDPOINT": self.fcm.url,
            "FCM_STATIC_TOKEN": "fake-access-token",
            "FCM_PROJECT_ID": "citizen-credit-test",
            "PUSH_IN_FLIGHT": str(self.in_flight),
            "PUSH_CLAIM_SECONDS": "3",
            "LOG_LEVEL": "WARNING",
        }
        env.update(overrides)
        return env

    def start_worker(self, **overrides: str) -> subprocess.Popen[bytes]:
        # Numbered over the whole drill (not the live workers): a restarted worker must not
        # append to the log of the one it replaces.
        log = Path(self.env["VAR_DIR"]) / f"worker-{len(self.logs)}.log"
        worker = start_worker(self.worker_env(**overrides), log)
        self.workers.append(worker)
        self.logs.append(log)
        return worker

    def worker_logs(self) -> str:
        """What each worker wrote, to print when a drill fails."""
        return "\n".join(
            f"--- {log.name} ---\n{log.read_text(errors='replace') if log.exists() else ''}"
            for log in self.logs
        )

    def stop_workers(self) -> None:
        stop(*self.workers)
        self.workers.clear()


@dataclass
class DrillResult:
    name: str
    went_in: int
    came_out: int
    lost: int
    duplicated: int
    counted: int  # deliveries our side re-sent after a crash (push_delivery.reclaimed)
    expired: int
    seconds: float
    facts: dict[str, Any] = field(default_factory=dict)

    def row(self) -> str:
        return (
            f"{self.name:<28} in {self.went_in:6d}  out {self.came_out:6d}  lost {self.lost:4d}"
            f"  twice {self.duplicated:4d} (counted {self.counted:4d})  expired {self.expired:3d}"
            f"  {self.seconds:6.1f} s"
        )


async def _connect(dsn: str) -> asyncpg.Connection[Any]:
    return await asyncpg.connect(dsn)


def token(citizen: int, n: int = 0) -> str:
    return f"drill-token-{citizen:07d}-{n}-abcdefghijklmnopqrstuvwxyz"


async def seed(dsn: str, citizens: int, events_each: int = 1, first: int = 1) -> list[str]:
    """Citizens ``first..first+citizens-1`` with one device each (every tenth two) and
    ``events_each`` outbox events each; returns the tokens."""
    tokens: list[str] = []
    rows: list[tuple[int, str]] = []
    for c in range(first, first + citizens):
        for n in range(2 if c % 10 == 0 else 1):
            rows.append((c, token(c, n)))
            tokens.append(token(c, n))
    conn = await _connect(dsn)
    try:
        async with conn.transaction():
            await conn.executemany(
                "INSERT INTO push_device (citizen, token, platform, created_at, last_seen_at)"
                " VALUES ($1, $2, 'android', now(), now())",
                rows,
            )
            payloads = [
                (
                    c,
                    msgspec.json.encode(
                        {
                            "recordId": c * 10 + e,
                            "recordTitle": "演练记录",
                            "department": "演练部门",
                            "points": -5,
                        }
                    ).decode(),
                )
                for c in range(first, first + citizens)
                for e in range(events_each)
            ]
            await conn.executemany(
                "INSERT INTO outbox_event (citizen, kind, payload, created_at)"
                " VALUES ($1, 'record.added', $2::jsonb, now())",
                payloads,
            )
    finally:
        await conn.close()
    return tokens


async def open_deliveries(dsn: str) -> int:
    conn = await _connect(dsn)
    try:
        pending_events = await conn.fetchval(
            "SELECT count(*) FROM outbox_event WHERE delivered_at IS NULL"
        )
        open_pushes = await conn.fetchval(
            "SELECT count(*) FROM push_delivery WHERE status = ANY($1::text[])", list(LIVE)
        )
        return int(pending_events) + int(open_pushes)
    finally:
        await conn.close()


async def drained(setup: DrillSetup) -> None:
    async def done() -> bool:
        return await open_deliveries(setup.dsn) == 0

    await wait_until(done, setup.timeout)


async def tally(setup: DrillSetup, name: str, started: float, live_tokens: set[str]) -> DrillResult:
    """Count in and out, independently of our own delivery table. In: every event in the inbox
    times every live device of its citizen. Out: what the fake FCM accepted of those pairs."""
    conn = await _connect(setup.dsn)
    try:
        events = await conn.fetch("SELECT citizen, event_id FROM notification")
        deliveries = await conn.fetch("SELECT status, reclaimed FROM push_delivery")
        idle_in_tx = await conn.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND state LIKE 'idle in transaction%'"
        )
    finally:
        await conn.close()
    tokens_of: dict[int, list[str]] = {}
    for t in live_tokens:
        tokens_of.setdefault(int(t.split("-")[2]), []).append(t)
    copies = setup.fcm.fake.per_event()
    pairs = [(t, str(e["event_id"])) for e in events for t in tokens_of.get(e["citizen"], [])]
    return DrillResult(
        name=name,
        went_in=len(pairs),
        came_out=sum(1 for pair in pairs if copies.get(pair, 0) >= 1),
        lost=sum(1 for pair in pairs if copies.get(pair, 0) == 0),
        duplicated=sum(max(copies.get(pair, 0) - 1, 0) for pair in pairs),
        counted=sum(row["reclaimed"] for row in deliveries),
        expired=sum(row["status"] == "expired" for row in deliveries),
        seconds=time.monotonic() - started,
        facts={
            "idleInTransaction": int(idle_in_tx),
            "peakConnections": setup.fcm.fake.peak_connections,
            "busyRequests": setup.fcm.fake.busy,
            "requests": len(setup.fcm.fake.received),
        },
    )


# --- the drills -----------------------------------------------------------------------------


async def _run(
    setup: DrillSetup,
    name: str,
    fault: Callable[[], Awaitable[None]],
    **worker_env: str,
) -> DrillResult:
    tokens = set(await seed(setup.dsn, setup.citizens))
    started = time.monotonic()
    setup.start_worker(**worker_env)
    try:
        await fault()
        await drained(setup)
    finally:
        setup.stop_workers()
    return await tally(setup, name, started, tokens)


async def fcm_5xx_burst(setup: DrillSetup) -> DrillResult:
    """FCM answers 503 to as many requests as there are pushes, then 200 again."""
    deliveries = setup.citizens + setup.citizens // 10
    setup.fcm.fake.fail_next(deliveries, "unavailable")

    async def nothing() -> None:
        return None

    return await _run(setup, "FCM 503 burst then OK", nothing)


async def quota_outage(setup: DrillSetup, seconds: float = 8.0) -> DrillResult:
    """FCM answers 429 QUOTA_EXCEEDED with Retry-After for a while, then OK."""
    setup.fcm.fake.retry_after = "2"
    setup.fcm.fake.fail_for(seconds, "quota")

    async def nothing() -> None:
        return None

    result = await _run(setup, f"FCM 429 for {seconds:.0f} s", nothing)
    setup.fcm.fake.retry_after = None
    return result


async def slow_fcm_stopped(setup: DrillSetup, stops: int = 3) -> DrillResult:
    """FCM answers slowly; the worker is stopped (SIGTERM) mid-send and started again."""
    fake = setup.fcm.fake
    fake.delay = 0.5

    exit_codes: list[int] = []

    async def stop_and_start() -> None:
        for _ in range(stops):
            seen = len(fake.received)
            await wait_until(_more(fake, seen), 30)
            worker = setup.workers[-1]
            worker.send_signal(signal.SIGTERM)
            exit_codes.append(await asyncio.to_thread(worker.wait, 60))
            setup.start_worker()
        fake.delay = 0.0

    result = await _run(setup, f"slow FCM, stopped {stops}x", stop_and_start)
    # A stop on SIGTERM is graceful: each stopped worker exits 0 (not through a traceback).
    result.facts["exitCodes"] = exit_codes
    return result


def _more(fake: Any, seen: int) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        return len(fake.received) > seen

    return check


async def worker_killed(setup: DrillSetup, kills: int = 2) -> DrillResult:
    """FCM takes the messages but the worker is killed (SIGKILL) before it hears back."""
    fake = setup.fcm.fake

    async def kill() -> None:
        for _ in range(kills):
            seen = len(fake.received)
            fake.hold(accept=True)
            await wait_until(_more(fake, seen + setup.in_flight - 1), 30)
            worker = setup.workers[-1]
            worker.send_signal(signal.SIGKILL)
            await asyncio.to_thread(worker.wait, 30)
            fake.drop_held()
            setup.start_worker()

    return await _run(setup, f"worker killed {kills}x mid-send", kill)


async def concurrent_prunes(setup: DrillSetup) -> DrillResult:
    """Two workers send at once; one token in five is dead, each citizen has three events."""
    tokens = set(await seed(setup.dsn, setup.citizens, events_each=3))
    dead = {t for t in tokens if int(t.split("-")[2]) % 5 == 0}
    for t in dead:
        setup.fcm.fake.script(t, *(["unregistered"] * 6))
    deadlocks_before = await _deadlocks(setup.dsn)
    started = time.monotonic()
    setup.start_worker()
    setup.start_worker()
    try:
        await drained(setup)
    finally:
        setup.stop_workers()
    result = await tally(setup, "2 workers, 20% dead tokens", started, tokens - dead)
    result.facts["deadlocks"] = await _deadlocks(setup.dsn) - deadlocks_before
    result.facts["deadDevicesLeft"] = await _count(
        setup.dsn, "SELECT count(*) FROM push_device WHERE token = ANY($1::text[])", list(dead)
    )
    return result


async def _deadlocks(dsn: str) -> int:
    return await _count(
        dsn, "SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()"
    )


async def _count(dsn: str, sql: str, *args: Any) -> int:
    conn = await _connect(dsn)
    try:
        return int(await conn.fetchval(sql, *args))
    finally:
        await conn.close()


async def postgres_cut(setup: DrillSetup, seconds: float = 10.0) -> DrillResult:
    """PostgreSQL unreachable from the worker (a cut proxy) for ``seconds`` mid-send."""
    fake = setup.fcm.fake
    fake.delay = 0.2
    with TcpProxy.to_url(setup.dsn) as proxy:

        async def cut() -> None:
            await wait_until(_more(fake, setup.in_flight // 2), 30)
            proxy.cut()
            await asyncio.sleep(seconds)
            proxy.restore()
            fake.delay = 0.0
            await wait_until(_alive(setup), 5)

        # The claim outlives the cut, so outcomes FCM gave are recorded once it is over.
        return await _run(
            setup,
            f"PostgreSQL cut {seconds:.0f} s",
            cut,
            DATABASE_URL=proxy.url,
            PUSH_CLAIM_SECONDS=str(int(seconds * 3)),
        )


def _alive(setup: DrillSetup) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        return all(worker.poll() is None for worker in setup.workers)

    return check


async def redis_restarted_empty(
    setup: DrillSetup, redis: PrivateRedis, seconds: float = 5.0
) -> DrillResult:
    """The worker's Redis stops mid-run and comes back empty: pushes go on meanwhile (they need
    only PostgreSQL) and the same worker process carries on afterwards."""
    fake = setup.fcm.fake
    fake.delay = 0.2

    async def outage() -> None:
        await wait_until(_more(fake, 1), 30)
        redis.stop()
        redis.wipe()
        await asyncio.sleep(seconds)
        redis.start()
        fake.delay = 0.0
        await wait_until(_alive(setup), 5)
        facts["jobAfterwards"] = await _job_runs(setup, redis.url)

    facts: dict[str, Any] = {}
    result = await _run(
        setup, f"Redis away {seconds:.0f} s, back empty", outage, REDIS_URL=redis.url
    )
    result.facts.update(facts)
    return result


async def _job_runs(setup: DrillSetup, redis_url: str) -> bool:
    """The worker that lived through the outage takes a job from the Redis that came back."""
    pool = await create_pool(
        RedisSettings.from_dsn(redis_url),
        default_queue_name=namespaced(setup.env["REDIS_NAMESPACE"], "queue"),
    )
    try:
        job = await pool.enqueue_job("check_push_deliveries")
        assert job is not None
        await job.result(timeout=30)
        return True
    finally:
        await pool.aclose()
