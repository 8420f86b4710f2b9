import httpx, json
from tests import factories as f

async def test_probe(client: httpx.AsyncClient, sms) -> None:
    key = await f.department()
    h = {"X-Api-Key": key}
    number = f.id_number()
    def show(label, r):
        print("\n###", label, r.status_code, r.headers.get("content-type"), r.text[:600])
    show("nul summary", await client.post("/v1/department/records:batch", headers=h, json={"records": [f.record(number, "n1", occurredOn="2026-01-05", evidenceSummary="a\u0000b"), f.record(number, "n2", occurredOn="2026-01-05")]}))
    show("nul ref", await client.post("/v1/department/records:batch", headers=h, json={"records": [f.record(number, "n\u00003", occurredOn="2026-01-05")]}))
    show("nul name", await client.post("/v1/department/records:batch", headers=h, json={"records": [f.record(f.id_number(), "n4", occurredOn="2026-01-05", citizenName="\u0000")]}))
    show("lower x", await client.post("/v1/department/records:batch", headers=h, json={"records": [f.record(number, "n5", occurredOn="2026-01-05", record_type="TRAFFIC-DRINK-DRIVING", quantity=True)]}))
    r = await client.post("/v1/department/records:batch", headers=h, json={"records": [f.record(number, "ok1", occurredOn="2026-01-05")]})
    rid = r.json()["items"][0]["recordId"]
    show("corr nul", await client.post(f"/v1/department/records/{rid}/correction", headers=h, json={"reason": "a\u0000b", "occurredOn": "2026-01-04"}))
    show("corr nul2", await client.post(f"/v1/department/records/{rid}/correction", headers=h, json={"reason": "abc", "evidenceSummary": "a\u0000b"}))
    show("rev nul", await client.post(f"/v1/department/records/{rid}/revocation", headers=h, json={"reason": "a\u0000b"}))
    show("corr old", await client.post(f"/v1/department/records/{rid}/correction", headers=h, json={"reason": "abc", "occurredOn": "0001-01-01", "decidedOn": "0001-01-01"}))
