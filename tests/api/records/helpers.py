"""Helpers for the records API tests: problem-document assertions, batch posting and dates
relative to today in Asia/Shanghai."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx

from backend.platform.calendar import today_in_shanghai
from backend.records.jobs import run_follow_ups

BATCH = "/v1/department/records:batch"
PROBLEM = "urn:citizen-credit:problem:"


def today() -> dt.date:
    return today_in_shanghai()


def days_ago(days: int) -> str:
    return (today() - dt.timedelta(days=days)).isoformat()


def days_ahead(days: int) -> str:
    return (today() + dt.timedelta(days=days)).isoformat()


def api_key(key: str) -> dict[str, str]:
    return {"X-Api-Key": key}


async def post_batch(
    client: httpx.AsyncClient,
    key: str,
    records: list[dict[str, Any]],
    language: str = "zh-CN",
    *,
    follow_up: bool = True,
) -> dict[str, Any]:
    """Post a batch; per-item reasons come back in ``language`` (Accept-Language). Then, unless
    ``follow_up`` is False, run the batch's follow-up as the worker would (records.jobs: its
    exchange events and change counters)."""
    headers = {**api_key(key), "Accept-Language": language}
    response = await client.post(BATCH, headers=headers, json={"records": records})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    if follow_up:
        await run_follow_ups()
    return body


def assert_problem(
    response: httpx.Response, status: int, code: str, field: str | None = None
) -> dict[str, Any]:
    """An RFC 9457 problem document with the stable type, the status and, if given, the field."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["type"] == PROBLEM + code, body
    assert body["status"] == status
    assert body["title"]
    assert body["requestId"] == response.headers["x-request-id"]
    assert "Traceback" not in response.text
    if field is not None:
        assert body.get("field") == field, body
        assert any(e["field"] == field for e in body.get("errors") or []), body
    return body
