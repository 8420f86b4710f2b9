"""One structured log format: with LOG_FORMAT=json every line of the API and the worker is one
JSON object carrying the request id (or the job id) and who made the request; one access line
per request names the route template, never the raw path or its query string."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import httpx
import msgspec
import pytest

from backend.identity.sms import MemorySmsSender
from backend.platform import runtime
from backend.platform.bootstrap import arq_redis_settings, queue_name
from backend.platform.config import Settings
from backend.platform.logs import configure_logging, log_format
from backend.worker import create_worker
from tests import factories as f

_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access", "arq", "arq.worker", "pgserver", "httpx")


class Lines:
    """The JSON lines the process logged since the fixture started."""

    def __init__(self, stream: io.StringIO) -> None:
        self.stream = stream

    def all(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.stream.getvalue().splitlines() if line]

    def access(self) -> list[dict[str, Any]]:
        return [line for line in self.all() if line["logger"] == "backend.access"]


@pytest.fixture
def json_lines(settings: Settings) -> Iterator[Lines]:
    """The process logs JSON at INFO into a buffer; the logging of before is back afterwards."""
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    saved_loggers = {
        name: (list(lg.handlers), lg.propagate, lg.level)
        for name in _LOGGERS
        for lg in [logging.getLogger(name)]
    }
    stream = io.StringIO()
    configure_logging(
        msgspec.structs.replace(settings, log_format="json", log_level="INFO"), stream=stream
    )
    yield Lines(stream)
    root.handlers, _ = saved[0], root.setLevel(saved[1])
    for name, (handlers, propagate, level) in saved_loggers.items():
        lg = logging.getLogger(name)
        lg.handlers, lg.propagate = handlers, propagate
        lg.setLevel(level)


def production(settings: Settings, **changes: Any) -> Settings:
    """The test settings as production accepts them (a real SMS provider)."""
    sms = {f"sms_{name}": "x" for name in ("access_key_id", "access_key_secret", "sign_name")}
    return msgspec.structs.replace(
        settings, env="production", sms_provider="aliyun", sms_template_id="SMS_1", **sms, **changes
    )


def test_the_format_is_json_in_production_and_console_elsewhere(settings: Settings) -> None:
    assert log_format(production(settings)) == "json"
    assert log_format(msgspec.structs.replace(settings, env="development")) == "console"
    assert log_format(production(settings, log_format="console")) == "console"


async def test_one_json_access_line_per_request_with_the_route_template(
    client: httpx.AsyncClient, json_lines: Lines
) -> None:
    found = await client.get(
        "/v1/public/learning/articles/no-such-article?idNumber=330102198806010011"
    )
    unmatched = await client.get("/no/such/path?phone=13900000000")
    options = await client.options("/v1/public/learning/articles")
    assert found.status_code == 404 and unmatched.status_code == 404

    lines = json_lines.access()
    assert len(lines) == 3, lines
    first, second, third = lines
    assert first["route"] == "/v1/public/learning/articles/{slug}"
    assert first["method"] == "GET" and first["status"] == 404
    assert first["request_id"] == found.headers["x-request-id"]
    assert first["level"] == "info" and isinstance(first["duration_ms"], float)
    assert first["timestamp"].endswith("Z")
    assert second["route"] == "unmatched" and second["status"] == 404
    assert second["request_id"] == unmatched.headers["x-request-id"]
    assert third["method"] == "OPTIONS" and third["status"] == options.status_code
    # Neither the raw path nor a query string (both may carry identity data) is ever logged.
    raw = json_lines.stream.getvalue()
    assert "330102198806010011" not in raw and "13900000000" not in raw
    assert "no-such-article" not in raw


async def test_lines_logged_inside_a_handler_carry_the_request_id(
    client: httpx.AsyncClient, json_lines: Lines
) -> None:
    response = await client.post(
        "/v1/auth/codes", json={"phone": "13900008801"}, headers={"X-Request-Id": "trace-me-0001"}
    )
    assert response.status_code == 200, response.text
    inside = [line for line in json_lines.all() if line["event"].startswith("one-time code sent")]
    assert inside, json_lines.all()
    assert all(line["request_id"] == "trace-me-0001" for line in inside)
    assert json_lines.access()[-1]["request_id"] == "trace-me-0001"


async def test_a_citizen_request_carries_the_citizen_id(
    client: httpx.AsyncClient, sms: MemorySmsSender, db: Any, json_lines: Lines
) -> None:
    _, citizen = await f.signed_up(client, sms, "13900008802")
    response = await client.get("/v1/me", headers=citizen)
    assert response.status_code == 200, response.text
    citizen_id = await db.fetchval("SELECT citizen FROM citizen_account")
    line = json_lines.access()[-1]
    assert line["route"] == "/v1/me" and line["citizen_id"] == citizen_id
    # The next request is someone else's: nothing of the citizen's is left bound.
    await client.get("/v1/public/learning/articles")
    assert "citizen_id" not in json_lines.access()[-1]


async def test_worker_job_lines_carry_the_job_id(
    app: object, settings: Settings, json_lines: Lines
) -> None:
    job = await runtime.current().arq.enqueue_job("purge_expired_credentials")
    assert job is not None
    worker = create_worker(
        redis_settings=arq_redis_settings(settings.redis_url or ""),
        queue_name=queue_name(settings),
        cron_jobs=[],
        on_startup=None,
        on_shutdown=None,
        burst=True,
        poll_delay=0.05,
        handle_signals=False,
    )
    try:
        await worker.main()
    finally:
        await worker.close()
    assert worker.jobs_complete == 1
    job_lines = [line for line in json_lines.all() if line.get("job_id") == job.job_id]
    assert job_lines, json_lines.all()
    assert any("purge_expired_credentials" in line["event"] for line in job_lines)
    # arq's own lines and the job's (the retention report) both carry the job's id and name.
    assert {line["logger"].split(".")[0] for line in job_lines} <= {"arq", "backend"}
    assert any(line["logger"].startswith("backend") for line in job_lines)
    assert all(
        line.get("job") == "purge_expired_credentials" for line in job_lines if "job" in line
    )


@pytest.mark.parametrize("fmt", ["json", "console"])
def test_a_traceback_never_prints_the_frames_local_variables(
    settings: Settings, json_lines: Lines, fmt: str
) -> None:
    stream = io.StringIO()
    configure_logging(msgspec.structs.replace(settings, log_format=fmt), stream=stream)

    def fail(id_number: str) -> None:
        secret_code = "SECRET-" + "493817"  # noqa: F841 - a local a traceback could show
        raise ValueError("boom")

    try:
        fail("330106" + "198801010016")  # built, so the source line does not hold it
    except ValueError:
        logging.getLogger("backend.test").exception("it failed")
    output = stream.getvalue()
    assert "it failed" in output and "ValueError" in output
    assert "SECRET-493817" not in output and "330106198801010016" not in output
