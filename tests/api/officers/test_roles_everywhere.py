"""Every officer route with every role, read from the app (not a hand-kept list): what the
route's guards ask for decides who gets 403 and with which code; nobody else does. Citizens
are refused everywhere, callers without a token asked to sign in."""

from __future__ import annotations

import re
from typing import Any

import httpx
from litestar import Litestar
from litestar.handlers import HTTPRouteHandler

from backend.identity import service as identity
from backend.identity.security import admin_guard, officer_role_guard, reports_guard
from backend.identity.sms import MemorySmsSender
from tests import factories as f

PASSWORD = "correct horse battery staple"
PARAMETER = re.compile(r"{(\w+):(\w+)}")
ROLES = {"reports": ["reports"], "officer": ["officer"], "admin": ["admin"]}


def _example(match: re.Match[str]) -> str:
    return "999999" if match.group(2) == "int" else "zz"


# What the issue asks of each role, independent of how the routes are written: accounts and
# publishing are the admin's; acting on cases, lists and drafts needs the officer or admin role.
ADMIN_ONLY = re.compile(r"^/v1/officer/(officers|api-clients)|/publication$")
# The confidential identity of a reporter (举报人) is the reports role's alone.
REPORTS_ONLY = re.compile(r"/reporter-disclosure$")
ACTING = re.compile(
    r"^/v1/officer/(objections|repairs|reports)/[^/]+/\w+$|^/v1/officer/lists/entries/[^/]+/\w+$"
    r"|^/v1/officer/content/(kinds/[^/]+/(checks|drafts)|drafts/[^/]+/withdrawal)$"
)


def _officer_operations(app: Litestar) -> list[tuple[str, str, HTTPRouteHandler]]:
    found = []
    for route in app.routes:
        if not route.path.startswith("/v1/officer/"):
            continue
        for handler in getattr(route, "route_handlers", []):
            for method in sorted(handler.http_methods - {"OPTIONS", "HEAD"}):
                path = PARAMETER.sub(
                    lambda m: "999999" if m.group(2) == "int" else "zz", route.path
                )
                found.append((method, path, handler))
    assert len(found) > 40, found  # read from the app
    return found


def _needs(handler: HTTPRouteHandler) -> str | None:
    """The role the handler's own guards (and its controller's) ask for, if any."""
    guards = [g for layer in handler.ownership_layers for g in (layer.guards or [])]
    if admin_guard in guards:
        return "admin"
    if reports_guard in guards:
        return "reports"
    if officer_role_guard in guards:
        return "officer or admin"
    return None


async def _token(client: httpx.AsyncClient, username: str, roles: list[str]) -> dict[str, str]:
    await identity.create_officer(username, PASSWORD, username, roles)
    signed = await client.post(
        "/v1/auth/officer/sign-in", json={"username": username, "password": PASSWORD}
    )
    return {"Authorization": f"Bearer {signed.json()['accessToken']}"}


async def test_every_officer_route_answers_each_role_by_its_guards(
    client: httpx.AsyncClient, app: Litestar, sms: MemorySmsSender
) -> None:
    tokens = {role: await _token(client, f"{role}-1", roles) for role, roles in ROLES.items()}
    _, citizen = await f.signed_up(client, sms, "13990000301")
    wrong: list[Any] = []
    for method, path, handler in _officer_operations(app):
        needs = _needs(handler)
        if ADMIN_ONLY.search(path) and needs != "admin":
            wrong.append((method, path, "should be admin only", needs))
        elif REPORTS_ONLY.search(path) and needs != "reports":
            wrong.append((method, path, "should be for the reports role only", needs))
        elif method == "POST" and ACTING.search(path) and needs != "officer or admin":
            wrong.append((method, path, "should need the officer or admin role", needs))
        for role, headers in tokens.items():
            response = await client.request(method, path, headers=headers, json={})
            allowed = (
                needs is None
                or (needs == "admin" and role == "admin")
                or (needs == "officer or admin" and role in ("officer", "admin"))
                or (needs == "reports" and role == "reports")
            )
            refused = response.status_code == 403
            if allowed == refused or response.status_code >= 500:
                wrong.append((method, path, role, needs, response.status_code))
        as_citizen = await client.request(method, path, headers=citizen, json={})
        nobody = await client.request(method, path, json={})
        if as_citizen.status_code != 403 or nobody.status_code != 401:
            wrong.append((method, path, "citizen/none", as_citizen.status_code, nobody.status_code))
    assert wrong == []
