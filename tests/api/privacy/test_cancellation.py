"""Cancelling an account (注销账号, PIPL art. 47) removes what it says and keeps what it says; the
old tokens stop working; a second citizen is untouched; signing up again opens a new account
that shows the records again, but not the old inbox, devices or consents."""

from __future__ import annotations

import httpx
from redis.asyncio import Redis

from backend.identity.sms import MemorySmsSender
from backend.platform import runtime
from backend.platform.database import connection
from tests import factories as f
from tests.api.privacy.helpers import KEPT, REMOVED, Parties, counts, parties, seed, sign_up
from tests.conftest import RunWorker

CANCEL = "/v1/me/account:cancel"


async def test_cancelling_removes_the_account_and_keeps_the_governments_data(
    client: httpx.AsyncClient, sms: MemorySmsSender, redis: Redis, run_worker: RunWorker
) -> None:
    p = await parties()
    one = await sign_up(client, sms, p, phone="13982000001", name="孙丽华", seq=811)
    two = await sign_up(client, sms, p, phone="13982000002", name="钱志强", seq=812)
    await seed(client, p, one, "device-token-of-one-ccccccccccccccc333333")
    await seed(client, p, two, "device-token-of-two-ddddddddddddddd444444")
    for who in (one, two):
        keyed = {**who.headers, "Idempotency-Key": f"export-{who.citizen_id}-before"}
        assert (await client.post("/v1/me/data-exports", headers=keyed)).status_code == 202
    await run_worker()
    before_one, before_two = await counts(one.citizen_id), await counts(two.citizen_id)
    assert all(before_one[t] > 0 for t in REMOVED), before_one
    assert before_one["live_codes"] == 1 and before_one["open_authorisations"] == 1
    namespace = runtime.current().settings.redis_namespace
    kept = [f"{namespace}:idem:citizen:{who.citizen_id}:*" for who in (one, two)]
    assert [len([k async for k in redis.scan_iter(match=m)]) for m in kept] == [1, 1]

    refused = await client.post(CANCEL, headers=one.headers, json={"confirm": False})
    assert refused.status_code == 422
    cancelled = await client.post(
        CANCEL, headers={**one.headers, "Accept-Language": "en"}, json={"confirm": True}
    )
    assert cancelled.status_code == 200, cancelled.text
    answer = cancelled.json()
    removed = {item["kind"]: item["count"] for item in answer["removed"]}
    assert removed["account"] == 1 and removed["devices"] == 1 and removed["consents"] == 1
    assert removed["sessions"] == 1 and removed["reportAuthorisations"] == 1
    assert {item["kind"] for item in answer["kept"]} >= {"records", "cases", "queryLog"}
    assert "government" in " ".join(item["reason"] for item in answer["kept"])
    assert "new account" in answer["signUpAgain"]

    after_one, after_two = await counts(one.citizen_id), await counts(two.citizen_id)
    assert {t: after_one[t] for t in REMOVED} == dict.fromkeys(REMOVED, 0)
    assert {t: after_one[t] for t in KEPT} == {t: before_one[t] for t in KEPT}
    assert after_one["live_codes"] == 0 and after_one["open_authorisations"] == 0
    # the live code went; the merchant's past check stays (without its consent)
    # (two past checks: the consent check and the redeemed code)
    assert after_one["verification"] == before_one["verification"] - 1 == 2
    assert after_two == before_two  # the second citizen is untouched
    assert [len([k async for k in redis.scan_iter(match=m)]) for m in kept] == [0, 1]

    # the old tokens answer 401
    assert (await client.get("/v1/me", headers=one.headers)).status_code == 401
    refresh = await client.post(
        "/v1/auth/refresh", json={"refreshToken": one.tokens["refreshToken"]}
    )
    assert refresh.status_code == 401
    assert (await client.get("/v1/me", headers=two.headers)).status_code == 200
    async with connection() as conn:
        audit = await conn.fetchval(
            "SELECT count(*) FROM audit_log WHERE action = 'account.cancel' AND actor_id = $1",
            str(one.citizen_id),
        )
    assert audit == 1

    await _sign_up_again(client, sms, p, one.number, one.name, one.records)


async def _sign_up_again(
    client: httpx.AsyncClient,
    sms: MemorySmsSender,
    p: Parties,
    number: str,
    name: str,
    records: list[int],
) -> None:
    """A new sign-up (a new phone: the registry knows it now) opens a new account: the records
    again, but no inbox, device, consent or settings of before."""
    tokens = await f.citizen_tokens(
        client, sms, phone="13982000009", name=name, number=number, registrar_key=p.registrar
    )
    headers = f.bearer(tokens)
    mine = (await client.get("/v1/me/records", headers=headers)).json()["items"]
    assert sorted(r["id"] for r in mine) == sorted(records)
    assert (await client.get("/v1/me/notifications", headers=headers)).json()["items"] == []
    assert (await client.get("/v1/me/devices", headers=headers)).json() == []
    assert (await client.get("/v1/me/consents", headers=headers)).json()["items"] == []
    profile = (await client.get("/v1/me", headers=headers)).json()
    assert profile["name"] == name
