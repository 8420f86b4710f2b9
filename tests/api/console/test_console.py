"""The console over HTTP: sign-in by cookie session, CSRF on every form, the pages on the same
services as the API, sessions that end when the account is disabled."""

from __future__ import annotations

import re
from typing import Any

import httpx

from backend.identity import clients, officers
from backend.identity import service as identity
from backend.identity.principals import OfficerPrincipal
from backend.identity.schemas import ApiClientIn
from tests.api.policy.test_policy_versions import rules_body, tomorrow

PASSWORD = "correct horse battery staple"


def _csrf(page: httpx.Response) -> str:
    found = re.search(r'name="_csrf_token" value="([^"]+)"', page.text)
    assert found, page.text[:500]
    return found.group(1)


async def _signed_in(client: httpx.AsyncClient, username: str, roles: list[str]) -> None:
    await identity.create_officer(username, PASSWORD, username, roles)
    form = await client.get("/console/sign-in")
    assert form.status_code == 200 and "登录" in form.text
    signed = await client.post(
        "/console/sign-in",
        data={"username": username, "password": PASSWORD, "_csrf_token": _csrf(form)},
    )
    assert signed.status_code in (301, 302, 303), signed.text
    assert signed.headers["location"] == "/console/cases"


async def test_pages_need_a_sign_in_and_forms_need_the_csrf_token(
    client: httpx.AsyncClient,
) -> None:
    for page in ("/console/cases", "/console/policy", "/console/lists", "/console/audit"):
        response = await client.get(page)
        assert (
            response.status_code in (302, 303)
            and response.headers["location"] == "/console/sign-in"
        )
    await identity.create_officer("clerk", PASSWORD, "clerk", ["officer"])
    await client.get("/console/sign-in")
    forged = await client.post("/console/sign-in", data={"username": "clerk", "password": PASSWORD})
    assert forged.status_code == 403
    wrong = await client.post(
        "/console/sign-in",
        data={
            "username": "clerk",
            "password": "not the password",
            "_csrf_token": _csrf(await client.get("/console/sign-in")),
        },
    )
    assert wrong.headers["location"].startswith("/console/sign-in?error=")


async def test_an_officer_works_the_queues_and_a_second_admin_publishes_a_draft(
    app: Any, seeded: None
) -> None:
    transport = httpx.ASGITransport(app=app)
    async with (
        httpx.AsyncClient(transport=transport, base_url="http://testserver") as drafter,
        httpx.AsyncClient(transport=transport, base_url="http://testserver") as checker,
    ):
        await _signed_in(drafter, "drafter", ["officer"])
        await _signed_in(checker, "checker", ["officer", "admin"])
        cases = await drafter.get("/console/cases")
        assert cases.status_code == 200 and "待办案件" in cases.text
        policy = await drafter.get("/console/policy")
        assert "rules" in policy.text
        made = await drafter.post(
            "/console/policy/drafts",
            data={
                "kind": "rules",
                "body": rules_body("2099.1", tomorrow(), base_points=1010),
                "_csrf_token": _csrf(policy),
            },
        )
        assert "/console/policy/drafts/" in made.headers["location"], made.headers
        draft_url = made.headers["location"].split("?")[0]
        page = await drafter.get(draft_url)
        assert "rules.base_points" in page.text and "1010" in page.text
        own = await drafter.post(
            f"{draft_url}/publication", data={"reason": "自己发布", "_csrf_token": _csrf(page)}
        )
        assert "error=" in own.headers["location"]
        page = await checker.get(draft_url)
        published = await checker.post(
            f"{draft_url}/publication", data={"reason": "复核通过", "_csrf_token": _csrf(page)}
        )
        assert "done=" in published.headers["location"], published.headers
        assert "published" in (await checker.get(draft_url)).text
        accounts = await checker.get("/console/accounts")
        assert "drafter" in accounts.text and "checker" in accounts.text
        assert "管理员" in (await drafter.get("/console/accounts")).text
        audit = await checker.get("/console/audit?objectType=content_draft")
        assert "content.publish" in audit.text
        signed_out = await checker.post("/console/sign-out", data={"_csrf_token": _csrf(audit)})
        assert signed_out.headers["location"] == "/console/sign-in"
        assert (await checker.get("/console/cases")).headers["location"] == "/console/sign-in"


async def test_admins_create_accounts_and_clients_from_the_console(app: Any, seeded: None) -> None:
    transport = httpx.ASGITransport(app=app)
    async with (
        httpx.AsyncClient(transport=transport, base_url="http://testserver") as admin,
        httpx.AsyncClient(transport=transport, base_url="http://testserver") as clerk,
    ):
        await _signed_in(admin, "boss", ["officer", "admin"])
        await _signed_in(clerk, "clerk", ["officer"])
        page = await admin.get("/console/accounts")
        made = await admin.post(
            "/console/accounts/officers",
            data={
                "username": "new.one",
                "displayName": "新人",
                "password": "a long enough password",
                "role-officer": "1",
                "_csrf_token": _csrf(page),
            },
        )
        assert "done=" in made.headers["location"], made.headers
        short = await admin.post(
            "/console/accounts/officers",
            data={
                "username": "x.y",
                "displayName": "短",
                "password": "short",
                "_csrf_token": _csrf(page),
            },
        )
        assert "error=" in short.headers["location"]
        created = await admin.post(
            "/console/accounts/clients",
            data={
                "kind": "department",
                "code": "city-env",
                "name": "市生态环境局",
                "scopes": "domain:environment",
                "_csrf_token": _csrf(page),
            },
        )
        assert created.status_code == 200 and "ccd_" in created.text
        listed = await admin.get("/console/accounts")
        assert "new.one" in listed.text and "city-env" in listed.text and "ccd_" not in listed.text
        refused = await clerk.post(
            "/console/accounts/officers",
            data={
                "username": "sneaky",
                "displayName": "x",
                "password": "a long enough password",
                "_csrf_token": _csrf(await clerk.get("/console/cases")),
            },
        )
        assert refused.status_code == 403


async def test_admins_change_roles_passwords_scopes_and_keys_from_the_console(
    app: Any, seeded: None
) -> None:
    transport = httpx.ASGITransport(app=app)
    async with (
        httpx.AsyncClient(transport=transport, base_url="http://testserver") as admin,
        httpx.AsyncClient(transport=transport, base_url="http://testserver") as clerk,
    ):
        await _signed_in(admin, "boss", ["officer", "admin"])
        await _signed_in(clerk, "clerk", ["officer"])
        by_name = {o.username: o for o in await officers.officers()}
        clerk_id = by_name["clerk"].id
        page = await admin.get("/console/accounts")
        token = _csrf(page)
        assert f'action="/console/accounts/officers/{clerk_id}/roles"' in page.text

        roles = await admin.post(
            f"/console/accounts/officers/{clerk_id}/roles",
            data={"role-officer": "1", "role-reports": "1", "_csrf_token": token},
        )
        assert "done=" in roles.headers["location"], roles.headers
        assert {o.username: o for o in await officers.officers()}["clerk"].roles == [
            "officer",
            "reports",
        ]
        none = await admin.post(
            f"/console/accounts/officers/{clerk_id}/roles", data={"_csrf_token": token}
        )
        assert "error=" in none.headers["location"]
        short = await admin.post(
            f"/console/accounts/officers/{clerk_id}/password",
            data={"password": "short", "_csrf_token": token},
        )
        assert "error=" in short.headers["location"]
        reset = await admin.post(
            f"/console/accounts/officers/{clerk_id}/password",
            data={"password": "another long password", "_csrf_token": token},
        )
        assert "done=" in reset.headers["location"]
        # the reset ends the clerk's console session at once
        assert (await clerk.get("/console/cases")).headers["location"] == "/console/sign-in"

        made = await clients.create(
            ApiClientIn(kind="department", code="city-env", name="市生态环境局", scopes=[]),
            OfficerPrincipal(by_name["boss"].id, "boss", ("admin",), "test"),
        )
        client_id = made.client.id
        scopes = await admin.post(
            f"/console/accounts/clients/{client_id}/scopes",
            data={"scopes": "domain:environment， record:env_penalty", "_csrf_token": token},
        )
        assert "done=" in scopes.headers["location"], scopes.headers
        bad = await admin.post(
            f"/console/accounts/clients/{client_id}/scopes",
            data={"scopes": "everything", "_csrf_token": token},
        )
        assert "error=" in bad.headers["location"]
        rotated = await admin.post(
            f"/console/accounts/clients/{client_id}/rotation",
            data={"overlapHours": "2", "_csrf_token": token},
        )
        assert rotated.status_code == 200 and "ccd_" in rotated.text
        assert made.key not in rotated.text
        after = {c.id: c for c in await clients.clients()}[client_id]
        assert after.scopes == ["domain:environment", "record:env_penalty"]
        assert after.previous_key_valid_until is not None
        revoked = await admin.post(
            f"/console/accounts/clients/{client_id}/revocation",
            data={"reason": "停止报送", "_csrf_token": token},
        )
        assert "done=" in revoked.headers["location"]
        assert not {c.id: c for c in await clients.clients()}[client_id].active
        again = await admin.post(
            f"/console/accounts/clients/{client_id}/rotation", data={"_csrf_token": token}
        )
        assert "error=" in again.headers["location"]

        await _signed_in(clerk, "clerk2", ["officer"])
        refused = await clerk.post(
            f"/console/accounts/clients/{client_id}/scopes",
            data={"scopes": "domain:x", "_csrf_token": _csrf(await clerk.get("/console/cases"))},
        )
        assert refused.status_code == 403
