"""Record batches: idempotent per source reference, per-item results, scopes, sizes."""

from __future__ import annotations

import httpx

from tests import factories as f


async def test_batch_accepts_good_items_and_rejects_bad_ones(client: httpx.AsyncClient) -> None:
    key = await f.department()
    number = f.id_number()
    bad_checksum = number[:-1] + ("0" if number[-1] != "0" else "1")
    response = await client.post(
        "/v1/department/records:batch",
        headers={"X-Api-Key": key},
        json={
            "records": [
                f.record(number, "r-1"),
                f.record(bad_checksum, "r-2"),
                f.record(number, "r-3", record_type="NO-SUCH-TYPE"),
                f.record(number, "r-4", record_type="TAX-ARREARS"),
                f.record(number, "r-5", occurredOn="not-a-date"),
                f.record(number, "r-1"),
            ]
        },
    )
    assert response.status_code == 200, response.text
    body = response.json()
    statuses = [item["status"] for item in body["items"]]
    assert statuses == ["accepted", "rejected", "rejected", "rejected", "rejected", "duplicate"]
    assert body["items"][1]["field"] == "citizenIdNumber"
    assert "check digit" in body["items"][1]["reason"]
    assert "unknown record type" in body["items"][2]["reason"]
    assert "scopes" in body["items"][3]["reason"]
    assert body["items"][4]["field"] == "occurredOn"
    assert body["items"][5]["recordId"] == body["items"][0]["recordId"]

    again = await client.post(
        "/v1/department/records:batch",
        headers={"X-Api-Key": key},
        json={"records": [f.record(number, "r-1")]},
    )
    assert again.json()["items"][0] == {
        "index": 0,
        "sourceReference": "r-1",
        "status": "duplicate",
        "recordId": body["items"][0]["recordId"],
        "field": None,
        "reason": None,
    }
