"""Assertions on RFC 9457 problem documents, shared by the identity API tests."""

from __future__ import annotations

from typing import Any

import httpx

TYPE_PREFIX = "urn:citizen-credit:problem:"


def assert_problem(
    response: httpx.Response, status: int, code: str, *, field: str | None = None
) -> dict[str, Any]:
    """The response is a problem+json document with this status, stable type code and field."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json"), response.headers
    body: dict[str, Any] = response.json()
    assert body["type"] == TYPE_PREFIX + code, body
    assert body["status"] == status, body
    assert body["title"], body
    assert body.get("requestId"), body
    assert "Traceback" not in response.text
    if field is not None:
        assert body.get("field") == field, body
    return body
