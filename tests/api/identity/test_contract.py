"""What the identity routes promise a client in the OpenAPI document, checked against what
they serve: sign-out needs an access token and says so; sign-up names the new account."""

from __future__ import annotations

from typing import Any

import httpx

from tests.api.identity.problems import assert_problem


async def _document(client: httpx.AsyncClient) -> dict[str, Any]:
    document: dict[str, Any] = (await client.get("/schema/openapi.json")).json()
    return document


async def test_sign_out_is_documented_and_served_as_authenticated(
    client: httpx.AsyncClient,
) -> None:
    operation = (await _document(client))["paths"]["/v1/auth/sign-out"]["post"]
    assert operation["operationId"] == "signOut"
    assert operation["security"] == [{"AccessToken": []}]
    assert "401" in operation["responses"] and "204" in operation["responses"]
    assert_problem(await client.post("/v1/auth/sign-out"), 401, "token-invalid")


async def test_auth_operations_are_named_and_tagged(client: httpx.AsyncClient) -> None:
    paths = (await _document(client))["paths"]
    expected = {
        "/v1/auth/codes": "requestSignInCode",
        "/v1/auth/sign-up": "signUp",
        "/v1/auth/sign-in": "signIn",
        "/v1/auth/refresh": "refreshTokens",
        "/v1/auth/sign-out": "signOut",
        "/v1/auth/officer/sign-in": "signInOfficer",
    }
    for path, operation_id in expected.items():
        operation = paths[path]["post"]
        assert (operation["operationId"], operation["tags"]) == (operation_id, ["Sign-in"])
    sign_up = paths["/v1/auth/sign-up"]["post"]["responses"]["201"]
    assert sign_up["headers"]["Location"]["schema"] == {"type": "string"}
    assert {"401", "403", "409"} <= set(paths["/v1/auth/sign-up"]["post"]["responses"])
    profile = paths["/v1/me"]
    assert (profile["get"]["operationId"], profile["patch"]["operationId"]) == (
        "getMyProfile",
        "updateMyProfile",
    )
    schemas = (await _document(client))["components"]["schemas"]
    assert schemas["ProfileUpdate"]["properties"]["language"]["enum"] == ["zh-CN", "en", None]
    assert schemas["Profile"]["properties"]["language"]["enum"] == ["zh-CN", "en"]
