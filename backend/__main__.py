"""Command line: ``python -m backend <command>``.

run            migrate, load demo data, start the API and the arq worker together
api            serve the API (uvicorn, WEB_CONCURRENCY processes, our log format)
worker         run the worker (arq jobs and crons, push sending); rides out Redis outages
worker-health  exit 0 while this host's worker beats (container health check), else 1
migrate        apply migrations
demo           load demo data
create-client  create a department or merchant API client (prints its key once)
create-admin   create a credit-office admin
rescore-all    re-score every citizen (progress bar; resumable)
rotate-keys    re-encrypt and re-index every row still under an old ID key (resumable)
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

from rich.console import Console

from backend.platform.bootstrap import close_connections, open_connections, resolve_services
from backend.platform.config import Settings, get_settings
from backend.platform.embedded import EmbeddedServers
from backend.platform.logs import configure_logging
from backend.platform.migrate import migrate_forwards
from backend.wiring import import_content_seed, start_runtime, stop_runtime

console = Console()


async def _with_runtime(
    settings: Settings, database_url: str, redis_url: str, work: Callable[[], Awaitable[Any]]
) -> Any:
    rt = await start_runtime(settings, database_url, redis_url)
    try:
        return await work()
    finally:
        await stop_runtime(rt)


def _services(settings: Settings) -> tuple[str, str, EmbeddedServers]:
    return resolve_services(settings)


async def _migrate(settings: Settings, database_url: str, redis_url: str) -> int:
    """Apply the migrations, then import the content seed (the files under ``content/``
    whose version is new) and tell running processes; no runtime: content is loaded from
    the tables this creates."""
    connections = await open_connections(settings, database_url, redis_url)
    try:
        await migrate_forwards()
        return await import_content_seed(settings, announce_with=connections.redis)
    finally:
        await close_connections(connections)


def cmd_migrate(settings: Settings) -> None:
    db, rd, embedded = _services(settings)
    try:
        imported = asyncio.run(_migrate(settings, db, rd))
        console.print(f"[green]migrations applied; {imported} content versions imported[/green]")
    finally:
        embedded.stop()


def _print_welcome(credentials: dict[str, Any], port: int) -> None:
    base = f"http://127.0.0.1:{port}"
    console.rule("[bold]Citizen Credit Card backend is running")
    console.print(f"API docs:     {base}/schema   (OpenAPI JSON: {base}/schema/openapi.json)")
    console.print(f"Health:       {base}/readyz")
    console.print(
        f"Demo citizen: phone {credentials.get('citizenPhone')} — request a code with\n"
        f"  curl -s -X POST {base}/v1/auth/codes -H 'content-type: application/json'"
        f' -d \'{{"phone":"{credentials.get("citizenPhone")}"}}\'\n'
        '  the code appears in this log ("SMS to ..."), then POST /v1/auth/sign-in.'
    )
    console.print("Officer and API keys: var/demo-credentials.json")
    console.rule()


def cmd_run(settings: Settings, port: int) -> None:
    from backend.demo import load_demo

    db, rd, embedded = _services(settings)
    children: list[subprocess.Popen[bytes]] = []
    try:
        asyncio.run(_migrate(settings, db, rd))
        credentials = asyncio.run(_with_runtime(settings, db, rd, load_demo))
        env = {**os.environ, "DATABASE_URL": db, "REDIS_URL": rd}
        children.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "backend",
                    "api",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                ],
                env=env,
            )
        )
        children.append(_start_worker(env))
        time.sleep(2)
        _print_welcome(credentials, port)
        signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
        _supervise(children, env)
    except KeyboardInterrupt:
        console.print("stopping…")
    finally:
        for child in children:
            child.terminate()
        for child in children:
            child.wait(timeout=20)
        embedded.stop()


def _start_worker(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "backend", "worker"], env=env)


def _supervise(children: list[subprocess.Popen[bytes]], env: dict[str, str]) -> None:
    """Until the API stops: a worker that exits (e.g. Redis away at its start) is restarted,
    as compose's ``restart: unless-stopped`` does in production."""
    api, pause = children[0], 1.0
    while api.poll() is None:
        worker = children[-1]
        if worker.poll() is not None:
            console.print(f"[yellow]worker exited ({worker.returncode}); restarting[/yellow]")
            time.sleep(pause)
            pause = min(pause * 2, 30.0)
            children.append(_start_worker(env))
        time.sleep(0.5)


def cmd_api(host: str, port: int, workers: int) -> None:
    """The API under uvicorn in this process, so uvicorn's own lines (its supervisor's too) go
    through the one log format; with several workers and ``PROMETHEUS_MULTIPROC_DIR`` set, that
    directory is emptied first (samples of a previous run would be added to this one's)."""
    from pathlib import Path

    import uvicorn

    samples = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if samples:
        for stale in Path(samples).glob("*.db"):
            stale.unlink()
        Path(samples).mkdir(parents=True, exist_ok=True)
    uvicorn.run(
        "backend.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_config=None,  # ours (configure_logging) stays in place
        access_log=False,  # the request-id middleware writes one access line per request
        proxy_headers=True,
        forwarded_allow_ips=os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"),
    )


def cmd_worker() -> None:
    from backend.worker import run

    run()


def cmd_worker_health(settings: Settings) -> None:
    """For the container health check: one line, exit 0 while the worker on this host writes
    its heartbeat to Redis, 1 once it stopped (or Redis cannot be reached)."""
    from backend.worker import check_heartbeat

    code, line = asyncio.run(check_heartbeat(settings))
    print(line)
    sys.exit(code)


def cmd_demo(settings: Settings) -> None:
    from backend.demo import load_demo

    db, rd, embedded = _services(settings)
    try:
        credentials = asyncio.run(_with_runtime(settings, db, rd, load_demo))
        console.print_json(data=credentials)
    finally:
        embedded.stop()


def cmd_create_client(settings: Settings, args: argparse.Namespace) -> None:
    from backend.identity.service import create_api_client

    db, rd, embedded = _services(settings)
    try:
        _, key = asyncio.run(
            _with_runtime(
                settings,
                db,
                rd,
                lambda: create_api_client(args.kind, args.code, args.name, args.scope or []),
            )
        )
        console.print(f"API key for {args.code} (shown once, store it now):\n{key}")
    finally:
        embedded.stop()


def cmd_create_admin(settings: Settings, args: argparse.Namespace) -> None:
    from backend.identity.service import create_officer

    password = os.environ.get("ADMIN_PASSWORD") or getpass.getpass("Password (12+ characters): ")
    db, rd, embedded = _services(settings)
    try:
        roles = ["officer", "admin"]
        asyncio.run(
            _with_runtime(
                settings,
                db,
                rd,
                lambda: create_officer(args.username, password, args.display_name, roles),
            )
        )
        console.print(f"[green]admin {args.username} created[/green]")
    finally:
        embedded.stop()


def cmd_rescore_all(settings: Settings, args: argparse.Namespace) -> None:
    import gc

    from rich.progress import Progress

    from backend.scoring.bulk import count_remaining, resume_point
    from backend.scoring.rescore_all import rescore_everyone

    async def work() -> int:
        # What the runtime loaded (content, catalogs, rules) lives to the end of this process:
        # out of the collector's way, whose full passes would walk it again and again while
        # the batches allocate (about 5 % of the run).
        gc.freeze()
        version, last = await resume_point(args.restart)
        total = await count_remaining(last)
        with Progress(console=console) as progress:
            task = progress.add_task(f"re-scoring on rules {version}", total=total)
            return await rescore_everyone(
                args.batch, on_progress=lambda n: progress.advance(task, n)
            )

    db, rd, embedded = _services(settings)
    try:
        done = asyncio.run(_with_runtime(settings, db, rd, work))
        console.print(f"[green]{done} citizens re-scored[/green]")
    finally:
        embedded.stop()


def cmd_rotate_keys(settings: Settings, args: argparse.Namespace) -> None:
    from rich.progress import Progress, TaskID

    from backend import domains  # noqa: F401 (each domain registers the columns it keeps sealed)
    from backend.identity import rotation

    async def work() -> dict[str, int]:
        with Progress(console=console) as progress:
            for rewrite in rotation.rewrites():
                task = progress.add_task(rewrite.table, total=await rotation.count_stale(rewrite))

                def advance(n: int, task: TaskID = task) -> None:
                    progress.advance(task, n)

                await rotation.rotate_table(rewrite, args.batch, on_progress=advance)
        return await rotation.stale_counts()

    db, rd, embedded = _services(settings)
    try:
        left = asyncio.run(_with_runtime(settings, db, rd, work))
    finally:
        embedded.stop()
    rings = settings.keyrings
    current = (
        f"encryption key {rings.id_encryption.current_id}, index key {rings.id_index.current_id}"
    )
    if any(left.values()):
        busy = ", ".join(f"{table}: {n}" for table, n in left.items() if n)
        console.print(
            f"[yellow]rows still under an old key ({busy}): run rotate-keys again[/yellow]"
        )
        sys.exit(1)
    console.print(
        f"[green]every row is under the current keys ({current});"
        " the old ID_ENCRYPTION/ID_INDEX keys can be removed[/green]"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m backend", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="migrate, load demo data, start API and worker")
    run.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    api = sub.add_parser("api", help="serve the API (uvicorn; WEB_CONCURRENCY processes)")
    api.add_argument("--host", default=os.environ.get("HOST", "0.0.0.0"))  # noqa: S104
    api.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    api.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "1")))
    sub.add_parser("worker", help="run the worker (jobs, crons, push sending)")
    sub.add_parser("worker-health", help="exit 0 if this host's worker beat recently, else 1")
    sub.add_parser("migrate", help="apply migrations")
    sub.add_parser("demo", help="load demo data")
    client = sub.add_parser("create-client", help="create a department or merchant API client")
    client.add_argument("kind", choices=["department", "merchant"])
    client.add_argument("code")
    client.add_argument("name")
    client.add_argument("--scope", action="append", help="e.g. domain:tax_payment, registry:write")
    admin = sub.add_parser("create-admin", help="create a credit-office admin")
    admin.add_argument("username")
    admin.add_argument("--display-name", default="管理员")
    everyone = sub.add_parser("rescore-all", help="re-score every citizen (resumable)")
    everyone.add_argument("--batch", type=int, default=500)
    everyone.add_argument("--restart", action="store_true", help="ignore saved progress")
    rotate = sub.add_parser("rotate-keys", help="move every row to the current ID keys")
    rotate.add_argument("--batch", type=int, default=500)
    args = parser.parse_args(argv)
    settings = get_settings()
    configure_logging(settings)
    if args.command == "run":
        cmd_run(settings, args.port)
    elif args.command == "api":
        cmd_api(args.host, args.port, args.workers)
    elif args.command == "worker":
        cmd_worker()
    elif args.command == "worker-health":
        cmd_worker_health(settings)
    elif args.command == "migrate":
        cmd_migrate(settings)
    elif args.command == "demo":
        cmd_demo(settings)
    elif args.command == "create-client":
        cmd_create_client(settings, args)
    elif args.command == "create-admin":
        cmd_create_admin(settings, args)
    elif args.command == "rescore-all":
        cmd_rescore_all(settings, args)
    elif args.command == "rotate-keys":
        cmd_rotate_keys(settings, args)


if __name__ == "__main__":
    main()
