"""The demo data `make run` loads: departments, registry, varied records, the demo account, and
the README walk-through from sign-in to the citizen's records."""

from __future__ import annotations

import json
from pathlib import Path

import asyncpg
import httpx

from backend.demo import DEMO_CITIZEN_RECORDS, DEMO_PHONE, load_demo
from backend.identity.sms import MemorySmsSender
from backend.platform.config import Settings


async def test_demo_loads_once_and_the_walkthrough_works(
    client: httpx.AsyncClient, sms: MemorySmsSender, settings: Settings, database_url: str
) -> None:
    credentials = await load_demo(citizens=40)
    assert await load_demo(citizens=40) == credentials  # idempotent
    stored = json.loads((Path(settings.var_dir) / "demo-credentials.json").read_text())
    assert stored["citizenPhone"] == DEMO_PHONE and "city-traffic-police" in stored["apiKeys"]
    conn = await asyncpg.connect(database_url)
    try:
        assert await conn.fetchval("SELECT count(*) FROM population_registry") == 40
        assert await conn.fetchval("SELECT count(DISTINCT polarity) FROM record") == 2
        assert await conn.fetchval("SELECT count(*) FROM api_client WHERE kind = 'department'") >= 8
    finally:
        await conn.close()

    assert (await client.post("/v1/auth/codes", json={"phone": DEMO_PHONE})).status_code == 200
    signed_in = await client.post(
        "/v1/auth/sign-in", json={"phone": DEMO_PHONE, "code": sms.last(DEMO_PHONE)}
    )
    assert signed_in.status_code == 200, signed_in.text
    headers = {"Authorization": f"Bearer {signed_in.json()['accessToken']}"}
    profile = (await client.get("/v1/me", headers=headers)).json()
    assert profile["name"] == "张三"
    assert profile["notices"]["toAccept"] == []  # the demo citizen accepted them at sign-up
    everything = (await client.get("/v1/me/records?status=all", headers=headers)).json()
    assert len(everything["items"]) == len(DEMO_CITIZEN_RECORDS)
    active = (await client.get("/v1/me/records", headers=headers)).json()["items"]
    assert {r["recordType"] for r in active} >= {"VOLUNTEER-SERVICE-HOURS", "TRAFFIC-DRINK-DRIVING"}
    assert "TAX-LATE-FILING" not in {r["recordType"] for r in active}

    key = stored["apiKeys"]["city-traffic-police"]
    again = await client.post(
        "/v1/department/records:batch",
        headers={"X-Api-Key": key},
        json={
            "records": [
                {
                    "citizenIdNumber": "330106199003071236",
                    "citizenName": "张三",
                    "recordType": "TRAFFIC-DRINK-DRIVING",
                    "occurredOn": "2026-10-01",
                    "decisionDocumentNo": "公交决字〔2026〕001号",
                    "sourceReference": "walkthrough-1",
                    "evidenceSummary": "饮酒后驾驶机动车",
                }
            ]
        },
    )
    assert again.json()["accepted"] == 1
