"""A copy of one's data (PIPL art. 45): every kind of data the citizen has and nothing of another
citizen's, as JSON and a readable PDF, made by a real arq worker, fetched by links that expire;
another citizen's export is not found."""

from __future__ import annotations

import datetime as dt
import io
import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from pypdf import PdfReader

from backend.identity.id_number import mask_id_number
from backend.identity.sms import MemorySmsSender
from backend.platform import runtime
from backend.platform.config import REPO_ROOT
from backend.platform.database import connection
from backend.platform.distribution import PER_CITIZEN
from backend.privacy import service
from backend.privacy.exports import NOT_EXPORTED, SECTIONS, SOURCES
from tests.api.privacy.helpers import Person, parties, seed, sign_up
from tests.conftest import BusinessDate, RunWorker
from tests.platform.test_privacy_inventory import INVENTORY, inventory_rows

EXPORTS = "/v1/me/data-exports"


async def _two(client: httpx.AsyncClient, sms: MemorySmsSender) -> tuple[Person, Person]:
    p = await parties()
    one = await sign_up(client, sms, p, phone="13981000001", name="林晓燕", seq=801)
    two = await sign_up(client, sms, p, phone="13981000002", name="赵国栋", seq=802)
    await seed(client, p, one, "device-token-of-one-aaaaaaaaaaaaaaa111111")
    await seed(client, p, two, "device-token-of-two-bbbbbbbbbbbbbbb222222")
    return one, two


async def _ready(client: httpx.AsyncClient, who: Person, run_worker: RunWorker) -> dict[str, Any]:
    asked = await client.post(EXPORTS, headers={**who.headers, "Idempotency-Key": "export-1-abc"})
    assert asked.status_code == 202, asked.text
    assert asked.headers["location"] == f"{EXPORTS}/{asked.json()['id']}"
    assert asked.json()["status"] == "pending" and asked.json()["downloads"] is None
    again = await client.post(EXPORTS, headers={**who.headers, "Idempotency-Key": "export-1-abc"})
    assert again.headers.get("idempotent-replayed") == "true"
    assert again.json()["id"] == asked.json()["id"]
    # one at a time: asking again (another key) while it is made answers the one in progress
    second = await client.post(EXPORTS, headers=who.headers)
    assert second.status_code == 202 and second.json()["id"] == asked.json()["id"]
    await run_worker()
    status = await client.get(asked.headers["location"], headers=who.headers)
    assert status.status_code == 200, status.text
    body: dict[str, Any] = status.json()
    assert body["status"] == "ready", body
    return body


def _save_sample(copy: bytes, pdf: bytes) -> None:
    """A sample for reading by eye, under var/ (not committed)."""
    out = REPO_ROOT / "var" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    (out / "data-export.json").write_bytes(copy)
    (out / "data-export.pdf").write_bytes(pdf)


def _get(client: httpx.AsyncClient, who: Person, url: str) -> Any:
    return client.get(url, headers=who.headers)


async def test_the_copy_holds_every_kind_of_my_data_and_nothing_of_another_citizen(
    client: httpx.AsyncClient, sms: MemorySmsSender, run_worker: RunWorker
) -> None:
    one, two = await _two(client, sms)
    export = await _ready(client, one, run_worker)
    downloads = export["downloads"]
    got = await _get(client, one, downloads["jsonUrl"])
    assert got.status_code == 200 and got.headers["content-type"].startswith("application/json")
    assert got.headers["cache-control"] == "no-store"
    text = got.content.decode("utf-8")
    copy = json.loads(text)
    assert copy["sections"] == list(SECTIONS)
    assert all(kind in copy for kind in SECTIONS)
    assert copy["generatedAt"] and copy["exportId"] == export["id"]

    assert copy["profile"]["name"] == one.name
    assert copy["profile"]["idNumberMasked"] == mask_id_number(one.number)
    assert copy["account"]["language"] == "zh-CN"
    assert [r["id"] for r in copy["records"]] == one.records
    assert {r["decisionDocumentNo"] for r in copy["records"]} == {
        f"公交决字〔2026〕{ref}号" for ref in one.references
    }
    [objection] = copy["cases"]["objections"]
    assert objection["record"] == one.records[0] and objection["steps"]
    assert copy["cases"]["repairs"] == [] and copy["cases"]["reports"] == []
    [consent] = copy["consents"]
    assert consent["purpose"] == f"{one.name}的借阅免押金"
    [device] = copy["devices"]
    assert device["tokenMasked"] == "…111111" and "token" not in device
    assert copy["notifications"] and copy["queryLog"] and copy["noticeAcceptances"]
    assert copy["reportAuthorisations"][0]["institution"] == "城市银行"
    assert copy["notificationPreferences"]["pushOff"] == ["summary"]
    assert {v["method"] for v in copy["verifications"]} == {"code", "consent"}
    for verification in copy["verifications"]:
        assert "numericCode" not in verification and "payload" not in verification
    [evidence] = copy["evidence"]
    assert evidence["mediaType"] == "application/pdf" and "content" not in evidence
    assert copy["dataExports"][0]["id"] == export["id"]

    # Every table of the inventory where this citizen has rows is in its section of the copy.
    seeded = []
    async with connection() as conn:
        for table, section in SOURCES.items():
            column = "id" if table == "citizen" else "citizen"
            has = await conn.fetchval(
                f"SELECT count(*) FROM {table} WHERE {column} = $1", one.citizen_id
            )
            if has:
                seeded.append(table)
                assert copy[section], f"{table}: {has} rows, none in {section!r}"
        history = await conn.fetchval(
            "SELECT count(*) FROM record_history WHERE citizen = $1", one.citizen_id
        )
    assert len(seeded) >= 20, seeded  # the seed gives this citizen data of nearly every kind
    assert sum(len(r["history"]) for r in copy["records"]) == history

    # nothing of the second citizen: name, ID number (whole or masked), records, device, consent
    for theirs in (two.name, two.number, mask_id_number(two.number), two.phone, "222222"):
        assert theirs not in text, theirs
    for ref in two.references:
        assert ref not in text
    assert not {r["id"] for r in copy["records"]} & set(two.records)

    pdf = await _get(client, one, downloads["pdfUrl"])
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(pdf.content))
    pages = "\n".join(page.extract_text() for page in reader.pages)
    assert one.name in pages and "个人信息副本" in pages and two.name not in pages
    assert "查询日志" in pages and "Query log" in pages
    assert export["pdfBytes"] == len(pdf.content) and export["jsonBytes"] == len(got.content)
    _save_sample(got.content, pdf.content)

    async with connection() as conn:
        actions = await conn.fetch(
            "SELECT action FROM audit_log WHERE object_type = 'data_export' ORDER BY id"
        )
    assert [a["action"] for a in actions] == [
        "data-export.request",
        "data-export.ready",
        "data-export.download-json",
        "data-export.download-pdf",
    ]


async def test_another_citizens_export_is_not_found_and_links_expire(
    client: httpx.AsyncClient,
    sms: MemorySmsSender,
    run_worker: RunWorker,
    business_date: BusinessDate,
) -> None:
    one, two = await _two(client, sms)
    export = await _ready(client, one, run_worker)
    location, json_url = f"{EXPORTS}/{export['id']}", export["downloads"]["jsonUrl"]
    assert (await _get(client, two, location)).status_code == 404
    assert (await _get(client, two, json_url)).status_code == 404  # their token, not mine
    assert (await client.get(json_url)).status_code == 401
    token = parse_qs(urlsplit(json_url).query)["token"][0]
    pdf_with_json_token = f"{location}/pdf?token={token}"
    assert (await _get(client, one, pdf_with_json_token)).status_code == 404
    forged = json_url[:-4] + ("0000" if not json_url.endswith("0000") else "1111")
    assert (await _get(client, one, forged)).status_code == 404

    # a link works for 24 hours; the status gives new ones while the export is kept (7 days)
    business_date(runtime.clock().today() + dt.timedelta(days=2))
    late = await _get(client, one, json_url)
    assert late.status_code == 410 and late.json()["type"].endswith("download-expired")
    fresh = (await _get(client, one, location)).json()["downloads"]["jsonUrl"]
    assert (await _get(client, one, fresh)).status_code == 200

    business_date(runtime.clock().today() + dt.timedelta(days=7))
    expired = (await _get(client, one, location)).json()
    assert expired["status"] == "expired" and expired["downloads"] is None
    assert (await _get(client, one, fresh)).status_code == 410
    assert await service.expire_due() == 1
    async with connection() as conn:
        row = await conn.fetchrow("SELECT status, json_sha256 FROM data_export")
    assert row["status"] == "expired"
    assert not await service.export_storage().exists(row["json_sha256"])
    # and a new one may be asked for
    assert (await client.post(EXPORTS, headers=one.headers)).json()["id"] != export["id"]


def test_every_table_of_a_citizens_data_is_in_the_copy_or_says_why_not() -> None:
    """Checked against the inventory (PRIVACY.md): each table holding a citizen's personal data
    is exported to a section of the copy, or named with the reason it is left out."""
    personal = {r.table for r in inventory_rows(INVENTORY.read_text(encoding="utf-8"))}
    personal &= {
        r.table
        for r in inventory_rows(INVENTORY.read_text(encoding="utf-8"))
        if r.personal == "yes"
    }
    per_citizen = personal & set(PER_CITIZEN)
    assert per_citizen == set(SOURCES) | set(NOT_EXPORTED), per_citizen ^ (
        set(SOURCES) | set(NOT_EXPORTED)
    )
    assert not set(SOURCES) & set(NOT_EXPORTED)
    assert set(SOURCES.values()) <= set(SECTIONS)
    assert all(len(why) > 20 for why in NOT_EXPORTED.values())


async def test_a_crafted_link_or_id_is_not_found_never_a_server_error(
    client: httpx.AsyncClient, sms: MemorySmsSender, run_worker: RunWorker
) -> None:
    one, _ = await _two(client, sms)
    export = await _ready(client, one, run_worker)
    location = f"{EXPORTS}/{export['id']}"
    for token in ("²³.ab", "1.é", "1." + "g" * 64, "9" * 13 + "." + "0" * 64, "", ".", "1"):
        got = await _get(client, one, f"{location}/json?token={token}")
        assert got.status_code in (404, 422), (token, got.status_code, got.text)
    for export_id in ("99999999999999999999", "9223372036854775808", "0"):
        for url in (f"{EXPORTS}/{export_id}", f"{EXPORTS}/{export_id}/pdf?token=1.{'0' * 64}"):
            got = await _get(client, one, url)
            assert got.status_code in (404, 422), (url, got.status_code, got.text)


async def test_a_build_that_fails_leaves_no_file_behind(
    client: httpx.AsyncClient, sms: MemorySmsSender, monkeypatch: Any
) -> None:
    one, _ = await _two(client, sms)
    asked = await client.post(EXPORTS, headers=one.headers)
    assert asked.status_code == 202, asked.text
    storage = service.export_storage()
    real_put = type(storage).put
    puts: list[str] = []

    async def second_put_fails(self: Any, key: str, chunks: Any) -> Any:
        puts.append(key)
        if len(puts) == 2:  # the disk fills up between the two files
            raise OSError(28, "No space left on device")
        return await real_put(self, key, chunks)

    monkeypatch.setattr(type(storage), "put", second_put_fails)
    try:
        await service.build(one.citizen_id, asked.json()["id"])
    except OSError:
        pass
    else:
        raise AssertionError("the build should have failed")
    monkeypatch.undo()
    assert len(puts) == 2
    assert not await service.export_storage().exists(puts[0])  # the JSON copy is gone too
