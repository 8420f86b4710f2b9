"""Two citizens: each reaches only their own profile and records."""

from __future__ import annotations

import httpx

from backend.identity.sms import MemorySmsSender
from tests import factories as f


async def test_each_citizen_sees_only_their_own_data(
    client: httpx.AsyncClient, sms: MemorySmsSender
) -> None:
    registrar = await f.registrar()
    dept = await f.department()
    alice_id, bob_id = f.id_number(), f.id_number()
    alice = await f.citizen_tokens(
        client, sms, phone="13900000001", name="李丽", number=alice_id, registrar_key=registrar
    )
    bob = await f.citizen_tokens(
        client, sms, phone="13900000002", name="王波", number=bob_id, registrar_key=registrar
    )
    batch = {
        "records": [f.record(alice_id, "a-1"), f.record(bob_id, "b-1"), f.record(bob_id, "b-2")]
    }
    response = await client.post(
        "/v1/department/records:batch", json=batch, headers={"X-Api-Key": dept}
    )
    assert response.json()["accepted"] == 3

    me = (await client.get("/v1/me", headers=f.bearer(alice))).json()
    assert me["name"] == "李丽"
    assert me["idNumberMasked"] == alice_id[:4] + "*" * 10 + alice_id[-4:]
    alice_records = (await client.get("/v1/me/records", headers=f.bearer(alice))).json()
    bob_records = (await client.get("/v1/me/records", headers=f.bearer(bob))).json()
    assert [r["id"] for r in alice_records["items"]] == [response.json()["items"][0]["recordId"]]
    assert len(bob_records["items"]) == 2
    assert alice_id not in str(bob_records) and bob_id not in str(alice_records)
