"""Two citizens with every kind of data: records, an objection, a consent a merchant used (so a
query-log entry and a past check), a live verification code, a device with pushes, inbox
notices, notification settings and a report authorisation."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx

from backend.identity import service as identity
from backend.identity.sms import MemorySmsSender
from backend.notifications.relay import relay_all
from backend.platform.database import connection
from tests import factories as f

BATCH = "/v1/department/records:batch"
LIBRARY = "library-deposit-waiver"


@dataclass
class Person:
    name: str
    number: str
    phone: str
    tokens: dict[str, Any]
    citizen_id: int
    records: list[int] = field(default_factory=list)
    references: list[str] = field(default_factory=list)

    @property
    def headers(self) -> dict[str, str]:
        return f.bearer(self.tokens)


PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"


@dataclass
class Parties:
    registrar: str
    department: str
    library: dict[str, str]


async def parties() -> Parties:
    registrar = await f.registrar()
    department = await f.department("traffic", ["domain:traffic_safety"])
    _, library = await identity.create_api_client(
        "merchant", "city-library", "市图书馆", [f"benefit:{LIBRARY}"]
    )
    await identity.create_api_client("institution", "city-bank", "城市银行", [])
    return Parties(registrar, department, {"X-Api-Key": library})


async def sign_up(
    client: httpx.AsyncClient, sms: MemorySmsSender, p: Parties, *, phone: str, name: str, seq: int
) -> Person:
    number = f.id_number(seq)
    tokens = await f.citizen_tokens(
        client, sms, phone=phone, name=name, number=number, registrar_key=p.registrar
    )
    async with connection() as conn:
        citizen_id = await conn.fetchval(
            "SELECT id FROM citizen WHERE id_number_index = $1", identity.id_number_index(number)
        )
    return Person(name, number, phone, tokens, int(citizen_id))


async def _report(client: httpx.AsyncClient, p: Parties, who: Person) -> None:
    refs = [f"{who.number[-6:]}-A", f"{who.number[-6:]}-B"]
    records = [f.record(who.number, ref, occurredOn="2026-09-01") for ref in refs]
    response = await client.post(
        BATCH, headers={"X-Api-Key": p.department}, json={"records": records}
    )
    assert response.status_code == 200, response.text
    who.records = [item["recordId"] for item in response.json()["items"]]
    who.references = refs


async def _post(client: httpx.AsyncClient, who: Person, path: str, body: Any) -> Any:
    response = await client.post(path, headers=who.headers, json=body)
    assert response.status_code in (200, 201), (path, response.text)
    return response.json()


async def seed(client: httpx.AsyncClient, p: Parties, who: Person, token: str) -> None:
    """Every kind of data for ``who``; ``token`` makes their device token their own."""
    await _report(client, p, who)
    corrected = await client.post(
        f"/v1/department/records/{who.records[1]}/correction",
        headers={"X-Api-Key": p.department},
        json={"reason": "决定书日期更正", "occurredOn": "2026-08-31"},
    )
    assert corrected.status_code == 200, corrected.text
    objection = await _post(
        client,
        who,
        "/v1/me/objections",
        {
            "recordId": who.records[0],
            "reasonCategory": "facts_incorrect",
            "statement": f"{who.name}当天不在现场，车辆已于事发前出售。",
        },
    )
    uploaded = await client.post(
        f"/v1/me/objections/{objection['objection']['id']}/evidence",
        headers=who.headers,
        files=[("files", ("proof.pdf", PDF, "application/pdf"))],
    )
    assert uploaded.status_code in (200, 201), uploaded.text
    consent = await _post(
        client,
        who,
        "/v1/me/consents",
        {"organisation": "city-library", "purpose": f"{who.name}的借阅免押金", "days": 90},
    )
    check = await client.post(
        "/v1/merchant/consent-checks",
        json={"consentId": consent["id"], "benefit": LIBRARY},
        headers=p.library,
    )
    assert check.status_code == 200, check.text
    issued = await _post(client, who, "/v1/me/verification-codes", {"benefit": LIBRARY})
    redeemed = await client.post(
        "/v1/merchant/verifications:redeem", json={"code": issued["code"]}, headers=p.library
    )
    assert redeemed.status_code == 200, redeemed.text
    await _post(client, who, "/v1/me/verification-codes", {"benefit": LIBRARY})  # a live one
    quiz = (await client.get("/v1/public/learning/quizzes")).json()["items"][0]["code"]
    questions = (await client.get(f"/v1/public/learning/quizzes/{quiz}")).json()["questions"]
    await _post(client, who, f"/v1/me/quizzes/{quiz}/attempts", {"answers": [0] * len(questions)})
    await _post(client, who, "/v1/me/devices", {"token": token, "platform": "android"})
    await _post(
        client, who, "/v1/me/report-authorisations", {"institution": "city-bank", "purpose": "贷款"}
    )
    response = await client.put(
        "/v1/me/notification-preferences", headers=who.headers, json={"pushOff": ["summary"]}
    )
    assert response.status_code == 200, response.text
    locked = await client.post("/v1/me/lock", headers=who.headers)  # on, then off again
    assert locked.status_code == 200, locked.text
    await relay_all()


# Rows per table, for one citizen: what a cancellation must remove or keep.
REMOVED = [
    "citizen_account",
    "push_device",
    "push_delivery",
    "notification",
    "notification_preference",
    "consent",
    "notice_acceptance",
    "data_export",
]
KEPT = [
    "citizen",
    "record",
    "record_history",
    "objection",
    "case_step",
    "query_log",
    "score_history",
    "credit_card",
    "report_authorisation",
]


async def counts(citizen_id: int) -> dict[str, int]:
    found = {}
    async with connection() as conn:
        for table in [*REMOVED, *KEPT]:
            column = "id" if table == "citizen" else "citizen"
            found[table] = await conn.fetchval(
                f"SELECT count(*) FROM {table} WHERE {column} = $1",
                citizen_id,
            )
        found["verification"] = await conn.fetchval(
            "SELECT count(*) FROM verification WHERE citizen = $1", citizen_id
        )
        found["live_codes"] = await conn.fetchval(
            "SELECT count(*) FROM verification WHERE citizen = $1 AND live", citizen_id
        )
        found["open_authorisations"] = await conn.fetchval(
            "SELECT count(*) FROM report_authorisation WHERE citizen = $1 AND revoked_at IS NULL",
            citizen_id,
        )
    return found
