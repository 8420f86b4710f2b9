"""The office's own accounts: admins manage officers; every officer lists and ends sessions;
repeated failed sign-ins lock a username out. Two of each role, and the bad paths."""

from __future__ import annotations

from typing import Any

import httpx

from backend.identity import service as identity
from backend.identity.sms import MemorySmsSender
from tests import factories as f
from tests.api.identity.problems import assert_problem

PASSWORD = "correct horse battery staple"
OFFICERS = "/v1/officer/officers"
SIGN_IN = "/v1/auth/officer/sign-in"


async def _sign_in(client: httpx.AsyncClient, username: str, password: str = PASSWORD) -> Any:
    return await client.post(SIGN_IN, json={"username": username, "password": password})


async def _officer(client: httpx.AsyncClient, username: str, roles: list[str]) -> dict[str, str]:
    await identity.create_officer(username, PASSWORD, f"信用办 {username}", roles)
    response = await _sign_in(client, username)
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['accessToken']}"}


async def test_admins_create_and_list_officers_and_nobody_else_may(
    client: httpx.AsyncClient, sms: MemorySmsSender, db: Any
) -> None:
    admin = await _officer(client, "admin-a", ["officer", "admin"])
    plain = await _officer(client, "plain", ["officer"])
    reports = await _officer(client, "reader", ["reports"])
    _, citizen = await f.signed_up(client, sms, "13970000101")
    new = {
        "username": "li.wei",
        "displayName": "李伟",
        "password": "another long password",
        "roles": ["officer"],
    }
    made = await client.post(OFFICERS, headers=admin, json=new)
    assert made.status_code == 201, made.text
    assert made.json()["username"] == "li.wei" and made.json()["active"] is True
    assert "password" not in made.text
    assert_problem(await client.post(OFFICERS, headers=admin, json=new), 409, "conflict")
    listed = (await client.get(OFFICERS, headers=admin)).json()
    assert [o["username"] for o in listed] == ["admin-a", "li.wei", "plain", "reader"]
    officer_id = made.json()["id"]
    for headers in (plain, reports, citizen):
        expected = "officer-only" if headers is citizen else "admin-only"
        assert_problem(await client.get(OFFICERS, headers=headers), 403, expected)
        assert_problem(await client.post(OFFICERS, headers=headers, json=new), 403, expected)
        assert_problem(
            await client.post(
                f"{OFFICERS}/{officer_id}/roles", headers=headers, json={"roles": ["admin"]}
            ),
            403,
            expected,
        )
    assert_problem(await client.get(OFFICERS), 401, "token-invalid")
    assert (await _sign_in(client, "li.wei", "another long password")).status_code == 200
    assert_problem(
        await client.post(OFFICERS, headers=admin, json={**new, "password": "short"}),
        422,
        "validation-failed",
        field="password",
    )
    actions = [r["action"] for r in await db.fetch("SELECT action FROM audit_log ORDER BY id")]
    assert "officer.create" in actions


async def test_roles_change_but_the_last_admin_stays(client: httpx.AsyncClient) -> None:
    admin = await _officer(client, "only-admin", ["officer", "admin"])
    listed = (await client.get(OFFICERS, headers=admin)).json()
    me = listed[0]["id"]
    assert_problem(
        await client.post(f"{OFFICERS}/{me}/roles", headers=admin, json={"roles": ["officer"]}),
        409,
        "last-admin",
    )
    assert_problem(
        await client.post(f"{OFFICERS}/{me}/deactivation", headers=admin, json={"reason": "离职"}),
        409,
        "last-admin",
    )
    await _officer(client, "second", ["officer"])
    second = next(o for o in (await client.get(OFFICERS, headers=admin)).json() if o["id"] != me)
    changed = await client.post(
        f"{OFFICERS}/{second['id']}/roles", headers=admin, json={"roles": ["admin", "officer"]}
    )
    assert changed.json()["roles"] == ["admin", "officer"], changed.text
    demoted = await client.post(
        f"{OFFICERS}/{me}/roles", headers=admin, json={"roles": ["officer"]}
    )
    assert demoted.json()["roles"] == ["officer"], demoted.text
    assert_problem(
        await client.post(f"{OFFICERS}/999/roles", headers=admin, json={"roles": ["officer"]}),
        404,
        "officer-not-found",
    )
    assert_problem(
        await client.post(f"{OFFICERS}/{me}/roles", headers=admin, json={"roles": ["king"]}),
        422,
        "validation-failed",
    )


async def test_a_disabled_officer_is_out_at_once_and_back_when_enabled(
    client: httpx.AsyncClient,
) -> None:
    admin = await _officer(client, "admin-a", ["officer", "admin"])
    victim = await _officer(client, "leaving", ["officer"])
    victim_id = next(
        o["id"]
        for o in (await client.get(OFFICERS, headers=admin)).json()
        if o["username"] == "leaving"
    )
    assert (await client.get("/v1/officer/sessions", headers=victim)).status_code == 200
    disabled = await client.post(
        f"{OFFICERS}/{victim_id}/deactivation", headers=admin, json={"reason": "调离信用办"}
    )
    assert disabled.json()["active"] is False, disabled.text
    assert_problem(await client.get("/v1/officer/sessions", headers=victim), 401, "session-revoked")
    assert_problem(await _sign_in(client, "leaving"), 401, "bad-credentials")
    enabled = await client.post(
        f"{OFFICERS}/{victim_id}/activation", headers=admin, json={"reason": "返岗"}
    )
    assert enabled.json()["active"] is True
    assert (await _sign_in(client, "leaving")).status_code == 200


async def test_a_password_reset_ends_every_session(client: httpx.AsyncClient) -> None:
    admin = await _officer(client, "admin-a", ["officer", "admin"])
    old = await _officer(client, "forgetful", ["officer"])
    officer_id = next(
        o["id"]
        for o in (await client.get(OFFICERS, headers=admin)).json()
        if o["username"] == "forgetful"
    )
    reset = await client.post(
        f"{OFFICERS}/{officer_id}/password", headers=admin, json={"password": "a brand new secret"}
    )
    assert reset.status_code == 200, reset.text
    assert_problem(await client.get("/v1/officer/sessions", headers=old), 401, "session-revoked")
    assert_problem(await _sign_in(client, "forgetful"), 401, "bad-credentials")
    assert (await _sign_in(client, "forgetful", "a brand new secret")).status_code == 200


async def test_sessions_are_listed_and_ended_by_their_officer_or_an_admin(
    client: httpx.AsyncClient,
) -> None:
    first = await _officer(client, "busy", ["officer"])
    second = {"Authorization": f"Bearer {(await _sign_in(client, 'busy')).json()['accessToken']}"}
    other = await _officer(client, "other", ["officer"])
    admin = await _officer(client, "admin-a", ["officer", "admin"])
    mine = (await client.get("/v1/officer/sessions", headers=first)).json()
    assert len(mine) == 2 and sum(s["current"] for s in mine) == 1
    not_current = next(s["id"] for s in mine if not s["current"])
    assert_problem(
        await client.post(f"/v1/officer/sessions/{not_current}/end", headers=other),
        404,
        "session-not-found",
    )
    ended = await client.post(f"/v1/officer/sessions/{not_current}/end", headers=first)
    assert ended.status_code == 204, ended.text
    assert_problem(await client.get("/v1/officer/sessions", headers=second), 401, "session-revoked")
    busy_id = next(
        o["id"]
        for o in (await client.get(OFFICERS, headers=admin)).json()
        if o["username"] == "busy"
    )
    [last] = (await client.get(f"{OFFICERS}/{busy_id}/sessions", headers=admin)).json()
    assert (
        await client.post(f"/v1/officer/sessions/{last['id']}/end", headers=admin)
    ).status_code == 204
    assert_problem(await client.get("/v1/officer/sessions", headers=first), 401, "session-revoked")
    assert_problem(
        await client.post("/v1/officer/sessions/nope/end", headers=admin), 404, "session-not-found"
    )


async def test_repeated_failures_lock_the_username_until_an_admin_resets_it(
    client: httpx.AsyncClient,
) -> None:
    admin = await _officer(client, "admin-a", ["officer", "admin"])
    await identity.create_officer("target", PASSWORD, "目标", ["officer"])
    for _ in range(5):
        assert_problem(await _sign_in(client, "target", "wrong password!!"), 401, "bad-credentials")
    locked = assert_problem(await _sign_in(client, "target"), 429, "sign-in-locked")
    assert locked["status"] == 429
    refused = await _sign_in(client, "target")
    assert 0 < int(refused.headers["Retry-After"]) <= 15 * 60
    # Another username is not locked by these failures.
    assert (await _sign_in(client, "admin-a")).status_code == 200
    target_id = next(
        o["id"]
        for o in (await client.get(OFFICERS, headers=admin)).json()
        if o["username"] == "target"
    )
    await client.post(
        f"{OFFICERS}/{target_id}/password", headers=admin, json={"password": "a brand new secret"}
    )
    assert (await _sign_in(client, "target", "a brand new secret")).status_code == 200


# --- API clients ----------------------------------------------------------------------------------

CLIENTS = "/v1/officer/api-clients"
BATCH = "/v1/department/records:batch"


async def test_admins_manage_api_clients_and_a_rotated_key_overlaps(
    client: httpx.AsyncClient, business_date: Any, db: Any
) -> None:
    admin = await _officer(client, "admin-a", ["officer", "admin"])
    plain = await _officer(client, "plain", ["officer"])
    new = {
        "kind": "department",
        "code": "city-traffic",
        "name": "市公安局交通警察支队",
        "scopes": ["domain:traffic_safety"],
    }
    for call in (client.get(CLIENTS, headers=plain), client.post(CLIENTS, headers=plain, json=new)):
        assert_problem(await call, 403, "admin-only")
    made = await client.post(CLIENTS, headers=admin, json=new)
    assert made.status_code == 201, made.text
    first_key, client_id = made.json()["key"], made.json()["client"]["id"]
    assert_problem(await client.post(CLIENTS, headers=admin, json=new), 409, "conflict")
    empty = {"records": []}

    async def works(key: str) -> int:
        response = await client.post(BATCH, headers={"X-Api-Key": key}, json=empty)
        return response.status_code

    assert await works(first_key) != 401
    rotated = await client.post(
        f"{CLIENTS}/{client_id}/key-rotation", headers=admin, json={"overlapHours": 1}
    )
    assert rotated.status_code == 200, rotated.text
    second_key = rotated.json()["key"]
    assert rotated.json()["client"]["previousKeyValidUntil"] is not None
    assert await works(first_key) != 401 and await works(second_key) != 401
    # The overlap ends: the old key is refused, the new one still works.
    await db.execute(
        "UPDATE api_client SET previous_key_expires_at = now() - interval '1 second' WHERE id = $1",
        client_id,
    )
    assert await works(first_key) == 401 and await works(second_key) != 401

    scoped = await client.post(
        f"{CLIENTS}/{client_id}/scopes",
        headers=admin,
        json={"scopes": ["domain:environment", "domain:traffic_safety"]},
    )
    assert scoped.json()["scopes"] == ["domain:environment", "domain:traffic_safety"]
    assert_problem(
        await client.post(f"{CLIENTS}/{client_id}/scopes", headers=admin, json={"scopes": ["x"]}),
        422,
        "validation-failed",
    )
    revoked = await client.post(
        f"{CLIENTS}/{client_id}/revocation", headers=admin, json={"reason": "合同终止"}
    )
    assert revoked.json()["active"] is False
    refused = await client.post(BATCH, headers={"X-Api-Key": second_key}, json=empty)
    assert_problem(refused, 401, "api-key-disabled")
    assert_problem(
        await client.post(f"{CLIENTS}/{client_id}/key-rotation", headers=admin, json={}),
        409,
        "api-client-revoked",
    )
    listed = (await client.get(CLIENTS, headers=admin)).json()
    assert [c["code"] for c in listed] == ["city-traffic"] and "key" not in listed[0]
    audited = await db.fetch(
        "SELECT action FROM audit_log WHERE object_type = 'api_client' ORDER BY id"
    )
    assert [a["action"] for a in audited] == [
        "api-client.create",
        "api-client.rotate-key",
        "api-client.scopes",
        "api-client.revoke",
    ]
