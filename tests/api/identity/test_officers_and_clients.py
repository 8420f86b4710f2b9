"""Officers (password sign-in, audit log) and API clients (keys, scopes, the registry feed)."""

from __future__ import annotations

from typing import Any

import asyncpg
import httpx
import jwt
import pytest

from backend.identity import service as identity
from backend.platform.config import Settings
from backend.platform.crypto import sha256_hex
from backend.platform.errors import Conflict, InvalidInput
from tests import factories as f
from tests.api.identity.problems import assert_problem

PASSWORD = "correct horse battery staple"
REGISTRY = "/v1/department/registry/entries:batch"


async def _fetch(settings: Settings, query: str, *args: Any) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(settings.database_url)
    try:
        return await conn.fetch(query, *args)
    finally:
        await conn.close()


async def _admin(client: httpx.AsyncClient, username: str = "admin") -> dict[str, Any]:
    await identity.create_officer(username, PASSWORD, "信用办管理员", ["officer", "admin"])
    response = await client.post(
        "/v1/auth/officer/sign-in", json={"username": username, "password": PASSWORD}
    )
    assert response.status_code == 200, response.text
    tokens: dict[str, Any] = response.json()
    return tokens


def _entry(number: str, phone: str, name: str = "刘洋") -> dict[str, str]:
    return {"idNumber": number, "name": name, "phone": phone}


# --- officers ---------------------------------------------------------------------------------


async def test_officer_signs_in_with_username_and_password(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    tokens = await _admin(client)
    assert tokens["tokenType"] == "Bearer"
    claims = jwt.decode(tokens["accessToken"], settings.jwt_secret, algorithms=["HS256"])
    assert claims["extras"]["kind"] == "officer"
    assert claims["extras"]["usr"] == "admin"
    assert sorted(claims["extras"]["roles"]) == ["admin", "officer"]


async def test_officer_password_is_stored_with_argon2(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    await _admin(client)
    rows = await _fetch(settings, "SELECT password_hash FROM officer")
    assert rows[0]["password_hash"].startswith("$argon2")
    assert PASSWORD not in rows[0]["password_hash"]


async def test_officer_wrong_password_is_refused(client: httpx.AsyncClient) -> None:
    await _admin(client)
    response = await client.post(
        "/v1/auth/officer/sign-in", json={"username": "admin", "password": PASSWORD + "!"}
    )
    assert_problem(response, 401, "bad-credentials")


async def test_unknown_officer_gets_the_same_answer_as_a_wrong_password(
    client: httpx.AsyncClient,
) -> None:
    await _admin(client)
    wrong = await client.post(
        "/v1/auth/officer/sign-in", json={"username": "admin", "password": "nope-nope-nope"}
    )
    unknown = await client.post(
        "/v1/auth/officer/sign-in", json={"username": "nobody", "password": "nope-nope-nope"}
    )
    a = assert_problem(wrong, 401, "bad-credentials")
    b = assert_problem(unknown, 401, "bad-credentials")
    assert a["detail"] == b["detail"]


async def test_disabled_officer_cannot_sign_in_or_refresh(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    tokens = await _admin(client)
    await _fetch(settings, "UPDATE officer SET active = false")
    response = await client.post(
        "/v1/auth/officer/sign-in", json={"username": "admin", "password": PASSWORD}
    )
    assert_problem(response, 401, "bad-credentials")
    refresh = await client.post("/v1/auth/refresh", json={"refreshToken": tokens["refreshToken"]})
    assert_problem(refresh, 401, "officer-disabled")


async def test_officer_refresh_keeps_the_roles(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    tokens = await _admin(client)
    response = await client.post("/v1/auth/refresh", json={"refreshToken": tokens["refreshToken"]})
    assert response.status_code == 200, response.text
    claims = jwt.decode(response.json()["accessToken"], settings.jwt_secret, algorithms=["HS256"])
    assert claims["extras"]["kind"] == "officer"
    assert sorted(claims["extras"]["roles"]) == ["admin", "officer"]
    log = await client.get("/v1/officer/audit-log", headers=f.bearer(response.json()))
    assert log.status_code == 200, log.text


async def test_officer_sign_out_revokes_the_session(client: httpx.AsyncClient) -> None:
    tokens = await _admin(client)
    assert (await client.post("/v1/auth/sign-out", headers=f.bearer(tokens))).status_code == 204
    log = await client.get("/v1/officer/audit-log", headers=f.bearer(tokens))
    assert_problem(log, 401, "session-revoked")


async def test_create_officer_needs_a_long_password() -> None:
    with pytest.raises(InvalidInput) as caught:
        await identity.create_officer("shorty", "elevenchars", "短密码", ["officer"])
    assert caught.value.field == "password"


async def test_create_officer_refuses_a_taken_username() -> None:
    await identity.create_officer("twice", PASSWORD, "一", ["officer"])
    with pytest.raises(Conflict):
        await identity.create_officer("twice", PASSWORD, "二", ["officer"])


async def test_officer_reads_the_audit_log_with_the_sign_in(client: httpx.AsyncClient) -> None:
    tokens = await _admin(client)
    response = await client.get("/v1/officer/audit-log", headers=f.bearer(tokens))
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    assert items[0]["action"] == "officer.sign-in"
    assert items[0]["actorKind"] == "officer"
    assert items[0]["objectType"] == "officer"
    assert items[0]["requestId"]
    assert "officer.create" in [item["action"] for item in items]
    ids = [item["id"] for item in items]
    assert ids == sorted(ids, reverse=True)


async def test_audit_log_pages_by_cursor(client: httpx.AsyncClient) -> None:
    tokens = await _admin(client)
    await f.department("dept-a")
    await f.department("dept-b")
    full = (await client.get("/v1/officer/audit-log", headers=f.bearer(tokens))).json()
    assert full["nextCursor"] is None
    assert len(full["items"]) >= 4

    seen: list[int] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 1}
        if cursor:
            params["cursor"] = cursor
        page = await client.get("/v1/officer/audit-log", params=params, headers=f.bearer(tokens))
        assert page.status_code == 200, page.text
        body = page.json()
        assert len(body["items"]) <= 1
        seen.extend(item["id"] for item in body["items"])
        cursor = body["nextCursor"]
        if cursor is None:
            break
    assert seen == [item["id"] for item in full["items"]]


async def test_audit_log_filters_by_object_type(client: httpx.AsyncClient) -> None:
    tokens = await _admin(client)
    await f.department("dept-a")
    response = await client.get(
        "/v1/officer/audit-log", params={"objectType": "api_client"}, headers=f.bearer(tokens)
    )
    items = response.json()["items"]
    assert [item["action"] for item in items] == ["api-client.create"]
    assert items[0]["after"]["code"] == "dept-a"


async def test_audit_log_refuses_a_forged_cursor(client: httpx.AsyncClient) -> None:
    tokens = await _admin(client)
    response = await client.get(
        "/v1/officer/audit-log", params={"cursor": "!!not-ours!!"}, headers=f.bearer(tokens)
    )
    assert_problem(response, 422, "validation-failed", field="cursor")


async def test_audit_log_refuses_an_out_of_range_limit(client: httpx.AsyncClient) -> None:
    tokens = await _admin(client)
    for limit in (0, 101):
        response = await client.get(
            "/v1/officer/audit-log", params={"limit": limit}, headers=f.bearer(tokens)
        )
        assert_problem(response, 422, "validation-failed", field="limit")


async def test_audit_log_needs_a_token(client: httpx.AsyncClient) -> None:
    assert_problem(await client.get("/v1/officer/audit-log"), 401, "token-invalid")


# --- API keys ---------------------------------------------------------------------------------


async def test_missing_api_key_is_refused(client: httpx.AsyncClient) -> None:
    response = await client.post(REGISTRY, json={"entries": [_entry(f.id_number(), "13900004001")]})
    assert_problem(response, 401, "api-key-missing")


async def test_wrong_api_key_is_refused(client: httpx.AsyncClient) -> None:
    real = await f.registrar()
    prefix = real.split("_")[1]
    for key in ("hello", "ccd_deadbeef_" + "x" * 43, f"ccd_{prefix}_" + "y" * 43, real + "z"):
        response = await client.post(
            REGISTRY,
            json={"entries": [_entry(f.id_number(), "13900004002")]},
            headers={"X-Api-Key": key},
        )
        assert_problem(response, 401, "api-key-invalid")


async def test_merchant_key_on_department_endpoints_is_refused(client: httpx.AsyncClient) -> None:
    _, merchant = await identity.create_api_client(
        "merchant", "shop-1", "便民超市", ["registry:write", "domain:traffic_safety"]
    )
    response = await client.post(
        REGISTRY,
        json={"entries": [_entry(f.id_number(), "13900004003")]},
        headers={"X-Api-Key": merchant},
    )
    assert_problem(response, 401, "api-key-invalid")
    response = await client.post(
        "/v1/department/records:batch",
        json={"records": [f.record(f.id_number(), "m-1")]},
        headers={"X-Api-Key": merchant},
    )
    assert_problem(response, 401, "api-key-invalid")


async def test_disabled_api_key_is_refused(client: httpx.AsyncClient, settings: Settings) -> None:
    key = await f.registrar()
    await _fetch(settings, "UPDATE api_client SET active = false")
    response = await client.post(
        REGISTRY,
        json={"entries": [_entry(f.id_number(), "13900004004")]},
        headers={"X-Api-Key": key},
    )
    assert_problem(response, 401, "api-key-disabled")


async def test_department_without_the_registry_scope_is_forbidden(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    key = await f.department("traffic", ["domain:traffic_safety"])
    response = await client.post(
        REGISTRY,
        json={"entries": [_entry(f.id_number(), "13900004005")]},
        headers={"X-Api-Key": key},
    )
    body = assert_problem(response, 403, "scope-missing")
    assert "registry:write" in body["detail"]
    assert await _fetch(settings, "SELECT id FROM population_registry") == []


async def test_registry_batch_rejects_a_bad_item_and_upserts_the_others(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    key = await f.registrar()
    good_a, good_b = f.id_number(), f.id_number()
    bad = good_a[:-1] + ("0" if good_a[-1] != "0" else "1")
    response = await client.post(
        REGISTRY,
        json={
            "entries": [
                _entry(good_a, "13900004006"),
                _entry(bad, "13900004007"),
                _entry(good_b, "13900004008"),
            ]
        },
        headers={"X-Api-Key": key},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["upserted"] == 2 and body["rejected"] == 1
    assert [item["status"] for item in body["items"]] == ["upserted", "rejected", "upserted"]
    assert [item["index"] for item in body["items"]] == [0, 1, 2]
    assert body["items"][1]["field"] == "idNumber"
    assert body["items"][1]["reason"] == "校验码不正确（GB 11643）"
    rows = await _fetch(settings, "SELECT phone_encrypted, updated_by FROM population_registry")
    phones = sorted(identity.decrypt_phone(r["phone_encrypted"]) for r in rows)
    assert phones == ["13900004006", "13900004008"]
    assert all(r["updated_by"] is not None for r in rows)


async def test_registry_batch_rejects_an_id_number_of_wrong_length_per_item(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    key = await f.registrar()
    good = f.id_number()
    response = await client.post(
        REGISTRY,
        json={"entries": [_entry(good, "13900004009"), _entry(good[:17], "13900004010")]},
        headers={"X-Api-Key": key, "Accept-Language": "en"},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert [item["status"] for item in body["items"]] == ["upserted", "rejected"]
    assert body["items"][1]["field"] == "idNumber"
    assert "18 characters" in body["items"][1]["reason"]
    assert len(await _fetch(settings, "SELECT id FROM population_registry")) == 1


async def test_registry_upsert_updates_an_existing_entry(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    key = await f.registrar()
    number = f.id_number()
    await f.register_person(client, key, number, "刘洋", "13900004011")
    await f.register_person(client, key, number, "刘阳", "13900004012")
    rows = await _fetch(settings, "SELECT name, phone_encrypted FROM population_registry")
    found = [(r["name"], identity.decrypt_phone(r["phone_encrypted"])) for r in rows]
    assert found == [("刘阳", "13900004012")]


async def test_registry_upsert_is_audited(client: httpx.AsyncClient, settings: Settings) -> None:
    key = await f.registrar()
    await f.register_person(client, key, f.id_number(), "刘洋", "13900004013")
    rows = await _fetch(
        settings,
        "SELECT actor_kind, after FROM audit_log WHERE action = 'registry.upsert'",
    )
    assert len(rows) == 1
    assert rows[0]["actor_kind"] == "department"


async def test_registry_batch_must_not_be_empty_or_oversized(client: httpx.AsyncClient) -> None:
    key = await f.registrar()
    empty = await client.post(REGISTRY, json={"entries": []}, headers={"X-Api-Key": key})
    assert_problem(empty, 422, "validation-failed")
    entries = [_entry(f.id_number(seq=i), f"139{i:08d}") for i in range(1001)]
    large = await client.post(REGISTRY, json={"entries": entries}, headers={"X-Api-Key": key})
    assert_problem(large, 422, "validation-failed")


async def test_api_keys_are_stored_hashed(settings: Settings) -> None:
    department = await f.department("dept-hash", ["registry:write"])
    _, merchant = await identity.create_api_client("merchant", "shop-hash", "商户", ["benefit:x"])
    rows = await _fetch(
        settings, "SELECT code, key_hash, row_to_json(c)::text AS j FROM api_client c ORDER BY code"
    )
    by_code = {r["code"]: r for r in rows}
    for code, key in (("dept-hash", department), ("shop-hash", merchant)):
        row = by_code[code]
        assert row["key_hash"] == sha256_hex(key)
        assert row["key_hash"] != key
        secret_part = key.split("_", 2)[2]
        assert key not in row["j"] and secret_part not in row["j"]
    audit = await _fetch(settings, "SELECT row_to_json(a)::text AS j FROM audit_log a")
    assert all(department not in r["j"] and merchant not in r["j"] for r in audit)


async def test_api_keys_name_their_kind(settings: Settings) -> None:
    department = await f.department("dept-kind")
    _, merchant = await identity.create_api_client("merchant", "shop-kind", "商户", [])
    assert department.startswith("ccd_")
    assert merchant.startswith("ccm_")
    assert department != merchant
    with pytest.raises(InvalidInput):
        await identity.create_api_client("bank", "bank-1", "银行", [])
