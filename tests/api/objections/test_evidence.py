"""Evidence files: PDF, JPEG and PNG by content; size and count limits; content-addressed
storage; downloads for the citizen, the handling department and officers (query-logged)."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import httpx

from backend.identity.sms import MemorySmsSender
from backend.platform.config import Settings
from backend.platform.storage import local_storage
from tests.api.objections.helpers import (
    REASON,
    Citizen,
    assert_problem,
    citizen,
    count,
    days_ago,
    department,
    file_objection,
    officer,
)

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 40 + b"\xff\xd9"
FAKE_PDF = b"This is a plain text file pretending to be a PDF.\n"


async def _case(client: httpx.AsyncClient, sms: MemorySmsSender, phone: str) -> tuple[Citizen, int]:
    who = await citizen(client, sms, phone, [("TRAFFIC-DRINK-DRIVING", days_ago(20))])
    response = await file_objection(client, who, who.records[0])
    return who, response.json()["objection"]["id"]


async def _upload(
    client: httpx.AsyncClient, who: Citizen, objection_id: int, *files: tuple[str, bytes, str]
) -> httpx.Response:
    return await client.post(
        f"/v1/me/objections/{objection_id}/evidence",
        headers=who.headers,
        files=[("files", item) for item in files],
    )


def _stored_blobs(settings: Settings) -> list[Path]:
    return [p for p in settings.evidence_path.rglob("*") if p.is_file()]


async def _nothing_stored(db: Any, settings: Settings, blobs_before: int) -> None:
    assert await count(db, "SELECT count(*) FROM evidence_file") == 0
    assert await count(db, "SELECT count(*) FROM audit_log WHERE action = 'evidence.add'") == 0
    assert len(_stored_blobs(settings)) == blobs_before


async def test_pdf_jpeg_and_png_are_stored_by_content_hash(
    client: httpx.AsyncClient, sms: MemorySmsSender, db: Any, settings: Settings
) -> None:
    who, objection_id = await _case(client, sms, "13932000001")
    response = await _upload(
        client,
        who,
        objection_id,
        ("过户证明.pdf", PDF, "application/pdf"),
        ("photo.jpg", JPEG, "image/jpeg"),
        ("../../etc/screen.png", PNG, "application/octet-stream"),
    )
    assert response.status_code == 201, response.text
    files = response.json()
    assert [(f["mediaType"], f["originalName"], f["sizeBytes"]) for f in files] == [
        ("application/pdf", "过户证明.pdf", len(PDF)),
        ("image/jpeg", "photo.jpg", len(JPEG)),
        ("image/png", "screen.png", len(PNG)),  # declared type ignored; path stripped
    ]
    assert files[0]["sha256"] == hashlib.sha256(PDF).hexdigest()
    storage = local_storage(str(settings.evidence_path))
    assert storage.path_of(files[0]["sha256"]).read_bytes() == PDF
    detail = (await client.get(f"/v1/me/objections/{objection_id}", headers=who.headers)).json()
    assert [f["id"] for f in detail["evidence"]] == [f["id"] for f in files]
    row = await db.fetchrow("SELECT * FROM evidence_file ORDER BY id LIMIT 1")
    assert (row["case_kind"], row["case_id"], row["uploaded_by_kind"]) == (
        "objection",
        objection_id,
        "citizen",
    )
    # The same content again is one more row but the same blob.
    before = len(_stored_blobs(settings))
    again = await _upload(client, who, objection_id, ("copy.pdf", PDF, "application/pdf"))
    assert again.status_code == 201
    assert len(_stored_blobs(settings)) == before


async def test_a_file_that_claims_to_be_a_pdf_but_is_not_is_refused(
    client: httpx.AsyncClient, sms: MemorySmsSender, db: Any, settings: Settings
) -> None:
    who, objection_id = await _case(client, sms, "13932000002")
    blobs = len(_stored_blobs(settings))
    response = await _upload(
        client,
        who,
        objection_id,
        ("good.png", PNG, "image/png"),
        ("证明.pdf", FAKE_PDF, "application/pdf"),
    )
    body = assert_problem(response, 415, "evidence-type-not-allowed", "files[1]")
    assert (
        body["detail"]
        == "文件“证明.pdf”不是 PDF、JPEG 或 PNG 文件（按文件内容判断，而不是文件名或声明的类型）"
    )
    assert body["extra"] == {"allowed": ["application/pdf", "image/jpeg", "image/png"]}
    await _nothing_stored(db, settings, blobs)  # the good file was not stored either


async def test_a_file_over_the_limit_is_refused(
    client: httpx.AsyncClient, sms: MemorySmsSender, db: Any, settings: Settings
) -> None:
    who, objection_id = await _case(client, sms, "13932000003")
    blobs = len(_stored_blobs(settings))
    big = PDF + b"0" * (settings.evidence_max_bytes + 1 - len(PDF))
    response = await _upload(client, who, objection_id, ("big.pdf", big, "application/pdf"))
    body = assert_problem(response, 413, "evidence-too-large", "files[0]")
    assert body["extra"] == {"maxBytes": settings.evidence_max_bytes}
    await _nothing_stored(db, settings, blobs)
    exactly = big[:-1]
    assert (
        await _upload(client, who, objection_id, ("ok.pdf", exactly, "application/pdf"))
    ).status_code == 201


async def test_at_most_five_files_per_case(
    client: httpx.AsyncClient, sms: MemorySmsSender, db: Any, settings: Settings
) -> None:
    who, objection_id = await _case(client, sms, "13932000004")
    four = [(f"p{i}.png", PNG + bytes([i]), "image/png") for i in range(4)]
    assert (await _upload(client, who, objection_id, *four)).status_code == 201
    two = [(f"q{i}.png", PNG + bytes([10 + i]), "image/png") for i in range(2)]
    body = assert_problem(
        await _upload(client, who, objection_id, *two), 409, "evidence-limit-reached", "files"
    )
    assert body["extra"] == {"maxFiles": 5, "stored": 4}
    assert await count(db, "SELECT count(*) FROM evidence_file") == 4
    assert (await _upload(client, who, objection_id, two[0])).status_code == 201


async def test_no_file_is_a_validation_problem(
    client: httpx.AsyncClient, sms: MemorySmsSender
) -> None:
    who, objection_id = await _case(client, sms, "13932000005")
    response = await client.post(
        f"/v1/me/objections/{objection_id}/evidence",
        headers=who.headers,
        files=[("other", ("a.png", PNG, "image/png"))],
    )
    assert response.status_code in (400, 422), response.text
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_evidence_only_for_the_citizens_own_open_cases(
    client: httpx.AsyncClient, sms: MemorySmsSender, db: Any
) -> None:
    who, objection_id = await _case(client, sms, "13932000006")
    other = await citizen(client, sms, "13932000007", [], key=who.key)
    stranger = await _upload(client, other, objection_id, ("a.png", PNG, "image/png"))
    assert_problem(stranger, 404, "objection-not-found")
    await client.post(
        f"/v1/department/objections/{objection_id}/rejection", headers=who.dept, json=REASON
    )
    closed = await _upload(client, who, objection_id, ("a.png", PNG, "image/png"))
    assert_problem(closed, 409, "case-closed")
    assert await count(db, "SELECT count(*) FROM evidence_file") == 0


async def test_downloads_for_citizen_department_and_officer_only(
    client: httpx.AsyncClient, sms: MemorySmsSender, db: Any
) -> None:
    who, objection_id = await _case(client, sms, "13932000008")
    uploaded = await _upload(client, who, objection_id, ("证明 1.pdf", PDF, "application/pdf"))
    evidence_id = uploaded.json()[0]["id"]

    mine = await client.get(f"/v1/me/evidence/{evidence_id}", headers=who.headers)
    assert mine.status_code == 200 and mine.content == PDF
    assert mine.headers["content-type"] == "application/pdf"
    assert mine.headers["x-content-type-options"] == "nosniff"
    assert "filename*=UTF-8''%E8%AF%81%E6%98%8E%201.pdf" in mine.headers["content-disposition"]
    assert await count(db, "SELECT count(*) FROM query_log") == 0  # the citizen's own look

    other = await citizen(client, sms, "13932000009", [], key=who.key)
    denied = await client.get(f"/v1/me/evidence/{evidence_id}", headers=other.headers)
    assert_problem(denied, 404, "evidence-not-found")
    stranger = await department("stranger")
    refused = await client.get(
        f"/v1/department/evidence/{evidence_id}", headers={"X-Api-Key": stranger}
    )
    assert_problem(refused, 404, "evidence-not-found")
    assert await count(db, "SELECT count(*) FROM query_log") == 0

    handled = await client.get(f"/v1/department/evidence/{evidence_id}", headers=who.dept)
    assert handled.status_code == 200 and handled.content == PDF
    officer_headers = await officer(client)
    overseen = await client.get(f"/v1/officer/evidence/{evidence_id}", headers=officer_headers)
    assert overseen.status_code == 200 and overseen.content == PDF
    looks = await db.fetch("SELECT * FROM query_log ORDER BY id")
    assert [(r["actor_kind"], r["basis"]) for r in looks] == [
        ("department", f"objection {objection_id}"),
        ("officer", f"objection {objection_id}"),
    ]
    citizen_id = await db.fetchval("SELECT citizen FROM evidence_file")
    assert {r["citizen"] for r in looks} == {citizen_id}
    assert f"evidence file {evidence_id}" in looks[0]["seen"]
