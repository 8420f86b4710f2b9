"""Operations endpoints, problem documents, request ids and the OpenAPI document."""

from __future__ import annotations

from pathlib import Path

import httpx

from backend.identity.sms import MemorySmsSender
from backend.platform.config import Settings
from tests import factories as f
from tests.fakes.proxy import TcpProxy
from tests.fakes.redis_server import PrivateRedis
from tests.processes import service_env, start_api, stop, wait_for_api, wait_until

PROBLEM = "application/problem+json"
UNAVAILABLE = "urn:citizen-credit:problem:service-unavailable"


async def test_health_and_readiness(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {
        "status": "ready",
        "postgres": "ok",
        "redis": "ok",
        "migrations": "current",
    }


async def test_unknown_route_is_a_problem_document(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/public/nothing-here")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert body["type"] == "urn:citizen-credit:problem:not-found"
    assert body["status"] == 404 and body["requestId"] == response.headers["x-request-id"]


async def test_wrong_method(client: httpx.AsyncClient) -> None:
    response = await client.delete("/healthz")
    assert response.status_code == 405
    assert response.json()["type"].endswith(":method-not-allowed")


async def test_validation_error_names_field_and_reason(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/auth/codes", json={"phone": "12345"})
    assert response.status_code == 422
    body = response.json()
    assert body["type"] == "urn:citizen-credit:problem:validation-failed"
    assert body["field"] == "phone"
    # Plain words, in Chinese by default and in English when asked; never the regex.
    assert body["errors"][0]["reason"] == "应为 11 位手机号码，以 1 开头"
    english = await client.post(
        "/v1/auth/codes", json={"phone": "12345"}, headers={"Accept-Language": "en-GB,en;q=0.9"}
    )
    assert english.json()["errors"][0]["reason"] == "must be an 11-digit mobile number"
    assert english.json()["title"] == "The request is not valid"
    assert english.headers["content-language"] == "en"
    assert "regex" not in english.text and "[3-9]" not in english.text


async def test_malformed_json_is_a_client_error(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/auth/codes", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert 400 <= response.status_code < 500
    assert response.headers["content-type"].startswith(PROBLEM)
    assert "Traceback" not in response.text


async def test_unknown_field_is_refused(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/auth/codes", json={"phone": "13900000000", "admin": True})
    assert response.status_code == 422
    assert response.json()["field"] == "admin"


async def test_request_id_is_echoed_or_made(client: httpx.AsyncClient) -> None:
    given = await client.get("/healthz", headers={"x-request-id": "trace-12345678"})
    assert given.headers["x-request-id"] == "trace-12345678"
    made = await client.get("/healthz", headers={"x-request-id": "bad id with spaces"})
    assert len(made.headers["x-request-id"]) == 32


async def test_openapi_documents_every_route(client: httpx.AsyncClient, app: object) -> None:
    schema = (await client.get("/schema/openapi.json")).json()
    assert schema["openapi"].startswith("3.1")
    paths = set(schema["paths"])
    for path in (
        "/v1/auth/codes",
        "/v1/auth/sign-up",
        "/v1/auth/sign-in",
        "/v1/auth/refresh",
        "/v1/auth/sign-out",
        "/v1/auth/officer/sign-in",
        "/v1/me",
        "/v1/me/records",
        "/v1/department/records:batch",
        "/v1/department/records/{record_id}",
        "/v1/department/records/{record_id}/correction",
        "/v1/department/records/{record_id}/revocation",
        "/v1/department/registry/entries:batch",
        "/v1/officer/audit-log",
        "/healthz",
        "/readyz",
    ):
        assert path in paths, path
    schemes = schema["components"]["securitySchemes"]
    assert set(schemes) == {"ApiKey", "AccessToken"}
    assert "name" not in schemes["AccessToken"]  # OpenAPI forbids it on http schemes
    assert "security" not in schema  # each operation says what it accepts
    assert schema["paths"]["/v1/auth/sign-in"]["post"]["security"] == []
    assert schema["paths"]["/v1/auth/sign-out"]["post"]["security"] == [{"AccessToken": []}]
    assert schema["paths"]["/v1/me/card"]["get"]["security"] == [{"AccessToken": []}]
    assert schema["paths"]["/healthz"]["get"]["security"] == []
    batch = schema["paths"]["/v1/department/records:batch"]["post"]
    assert batch["security"] == [{"ApiKey": []}]
    assert "Problem" in schema["components"]["schemas"]
    assert "422" in batch["responses"] and "401" in batch["responses"]


def _assert_unavailable(response: httpx.Response, service: str) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["retry-after"] == "5"
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert (body["type"], body["status"]) == (UNAVAILABLE, 503)
    assert service in body["detail"] and body["extra"] == {"service": service.lower()}
    assert body["requestId"] == response.headers["x-request-id"]


async def test_postgres_or_redis_away_is_503_with_retry_after(
    client: httpx.AsyncClient,
    sms: MemorySmsSender,
    settings: Settings,
    pg_proxy: TcpProxy,
    private_redis: PrivateRedis,
    tmp_path: Path,
) -> None:
    """A real API process whose PostgreSQL (through a proxy) and Redis (its own) go away."""
    _, headers = await f.signed_up(client, sms, "13900000503")
    key = await f.department()
    env = service_env(
        settings, database_url=pg_proxy.url, redis_url=private_redis.url, var=tmp_path
    )
    api, base = start_api(env, tmp_path / "api.log")
    try:
        await wait_for_api(base)
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:
            assert (await http.get("/v1/me", headers=headers)).status_code == 200
            card = await http.get("/v1/me/card", headers=headers)
            assert card.status_code == 200, card.text

            pg_proxy.cut()
            _assert_unavailable(await http.get("/v1/me", headers=headers), "PostgreSQL")
            # The API-key check in the middleware reads PostgreSQL too: the same answer.
            batch = {"records": [f.record(f.id_number(), "away")]}
            posted = await http.post(
                "/v1/department/records:batch", headers={"X-Api-Key": key}, json=batch
            )
            _assert_unavailable(posted, "PostgreSQL")

            pg_proxy.restore()

            async def back() -> bool:
                return (await http.get("/v1/me", headers=headers)).status_code == 200

            await wait_until(back, seconds=10)

            private_redis.stop()
            # The card's gate fails open (no limit, no session list) and the card comes from
            # PostgreSQL: through the short path too (backend.scoring.hotpath), which has
            # remembered the token.
            again = await http.get("/v1/me/card", headers=headers)
            assert again.status_code == 200, again.text
            assert again.content == card.content and again.headers["etag"] == card.headers["etag"]
            assert "ratelimit-limit" not in again.headers
            # Sign-out must reach Redis (it revokes the access tokens there): no failing open.
            _assert_unavailable(await http.post("/v1/auth/sign-out", headers=headers), "Redis")
    finally:
        stop(api)
    log = (tmp_path / "api.log").read_text()
    assert "PostgreSQL unavailable on GET /v1/me" in log
    assert "Redis unavailable on POST /v1/auth/sign-out" in log
    assert "Redis unavailable: citizen limit and session not checked" in log
    assert "unhandled error" not in log
