"""Verified access tokens are remembered: one signature check per token, not per request, kept
until the token's ``exp`` and at most a bounded number; the session is still checked on every
request, and a token whose key is no longer configured is refused even when remembered."""

from __future__ import annotations

import asyncio
import secrets
from datetime import timedelta
from typing import Any

import httpx
import pytest
from litestar.security.jwt import Token

from backend.identity.security import VERIFIED_TOKENS
from backend.identity.sms import MemorySmsSender
from backend.platform import runtime
from backend.platform.config import Settings
from backend.platform.lru import ExpiringLRU
from tests import factories as f
from tests.api.identity.problems import assert_problem
from tests.api.identity.test_key_rotation import keys  # noqa: F401 (a fixture)


def test_entries_expire_at_their_own_time_and_the_least_recent_go_first() -> None:
    cache: ExpiringLRU[str, int] = ExpiringLRU(2)
    cache.put("a", 1, expires_at=100.0)
    cache.put("b", 2, expires_at=200.0)
    assert cache.get("a", now=99.0) == 1  # "a" is now the most recently used
    cache.put("c", 3, expires_at=300.0)  # full: "b" goes
    assert (cache.get("b", now=99.0), cache.get("a", now=99.0), cache.get("c", 99.0)) == (
        None,
        1,
        3,
    )
    assert len(cache) == 2
    assert cache.get("a", now=100.0) is None  # at its time, gone
    assert len(cache) == 1
    with pytest.raises(ValueError):
        ExpiringLRU(0)


def test_the_token_cache_is_bounded() -> None:
    assert VERIFIED_TOKENS.max_entries == 10_000


async def _tokens(client: httpx.AsyncClient, sms: MemorySmsSender, phone: str) -> dict[str, Any]:
    return await f.citizen_tokens(
        client,
        sms,
        phone=phone,
        name="陈静",
        number=f.id_number(),
        registrar_key=await f.registrar(),
    )


async def test_a_token_is_verified_once_and_then_remembered(
    client: httpx.AsyncClient, sms: MemorySmsSender, monkeypatch: pytest.MonkeyPatch
) -> None:
    tokens = await _tokens(client, sms, "13970001001")
    decoded: list[str] = []
    original = Token.decode.__func__  # type: ignore[attr-defined]

    def counting(cls: type[Token], encoded_token: str, **kwargs: Any) -> Token:
        decoded.append(encoded_token)
        token: Token = original(cls, encoded_token=encoded_token, **kwargs)
        return token

    monkeypatch.setattr(Token, "decode", classmethod(counting))
    VERIFIED_TOKENS.discard(tokens["accessToken"])
    for path in ("/v1/me", "/v1/me/card", "/v1/me"):
        assert (await client.get(path, headers=f.bearer(tokens))).status_code == 200, path
    assert decoded == [tokens["accessToken"]]


async def test_a_remembered_token_still_expires(
    client: httpx.AsyncClient, sms: MemorySmsSender
) -> None:
    tokens = await _tokens(client, sms, "13970001002")
    good = f.bearer(tokens)
    assert (await client.get("/v1/me", headers=good)).status_code == 200
    claims = runtime.current().jwt_auth.token_cls.decode(
        tokens["accessToken"], runtime.current().settings.jwt_secret, "HS256"
    )
    short = runtime.current().jwt_auth.create_token(
        identifier=claims.sub, token_expiration=timedelta(seconds=1), token_extras=claims.extras
    )
    headers = {"Authorization": f"Bearer {short}"}
    assert (await client.get("/v1/me", headers=headers)).status_code == 200
    assert VERIFIED_TOKENS.get(short, now=0.0) is not None  # remembered
    await asyncio.sleep(1.1)
    assert_problem(await client.get("/v1/me", headers=headers), 401, "token-expired")
    assert VERIFIED_TOKENS.get(short, now=0.0) is None  # dropped at its exp


async def test_a_signed_out_session_is_refused_while_its_token_is_remembered(
    client: httpx.AsyncClient, sms: MemorySmsSender
) -> None:
    tokens = await _tokens(client, sms, "13970001003")
    headers = f.bearer(tokens)
    for path in ("/v1/me", "/v1/me/card"):
        assert (await client.get(path, headers=headers)).status_code == 200
    assert VERIFIED_TOKENS.get(tokens["accessToken"], now=0.0) is not None
    assert (await client.post("/v1/auth/sign-out", headers=headers)).status_code == 204
    for path in ("/v1/me", "/v1/me/card", "/v1/me/records"):
        assert_problem(await client.get(path, headers=headers), 401, "session-revoked")
    head = await client.head("/v1/me/card", headers=headers)
    assert head.status_code == 401 and head.content == b""


async def test_a_remembered_token_of_a_removed_key_is_refused(
    client: httpx.AsyncClient,
    sms: MemorySmsSender,
    settings: Settings,
    keys: Any,  # noqa: F811
) -> None:
    tokens = await _tokens(client, sms, "13970001004")
    headers = f.bearer(tokens)
    assert (await client.get("/v1/me/card", headers=headers)).status_code == 200
    new_secret = secrets.token_urlsafe(32)
    keys(jwt_secret=new_secret, jwt_key_id="2", jwt_old_secrets=f"1:{settings.jwt_secret}")
    assert (await client.get("/v1/me/card", headers=headers)).status_code == 200  # the overlap
    keys(jwt_old_secrets="")  # key 1 is gone
    assert_problem(await client.get("/v1/me/card", headers=headers), 401, "token-invalid")
    assert VERIFIED_TOKENS.get(tokens["accessToken"], now=0.0) is None
    # and a key id that names another secret now (reused id) is no match either
    keys(jwt_old_secrets=f"1:{secrets.token_urlsafe(32)}")
    assert_problem(await client.get("/v1/me/card", headers=headers), 401, "token-invalid")
