"""The objection and evidence operations as a contract for the mobile app: a created objection
or file is named by ``Location`` and a GET there answers the same thing; downloads are served in
exactly the media types the document lists; texts follow Accept-Language; the document names,
describes and tags every operation and field of this domain."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from backend.cases.evidence import ALLOWED_MEDIA_TYPES, SIGNATURES
from backend.contract import TAGS
from backend.identity.sms import MemorySmsSender
from backend.platform import runtime
from tests.api.objections.helpers import (
    REASON,
    Citizen,
    assert_problem,
    citizen,
    days_ago,
    file_objection,
    officer,
)
from tests.api.objections.test_evidence import JPEG, PDF, PNG

DRINK = "TRAFFIC-DRINK-DRIVING"
EN = {"Accept-Language": "en"}
MINE = re.compile(
    r"^/v1/(me/(objections|evidence|repair-|records/\{record_id\}/repair)"
    r"|department/(objections|repairs|evidence)"
    r"|officer/(objections|repairs|evidence|statistics/departments))"
)
DOWNLOADS = (
    "/v1/me/evidence/{evidence_id}",
    "/v1/department/evidence/{evidence_id}",
    "/v1/officer/evidence/{evidence_id}",
)


async def _filed(client: httpx.AsyncClient, sms: MemorySmsSender, phone: str) -> Citizen:
    return await citizen(client, sms, phone, [(DRINK, days_ago(20))])


def _with_language(who: Citizen, language: str) -> dict[str, str]:
    return {**who.headers, "Accept-Language": language}


async def _upload(
    client: httpx.AsyncClient, who: Citizen, objection_id: int, *files: tuple[str, bytes, str]
) -> httpx.Response:
    return await client.post(
        f"/v1/me/objections/{objection_id}/evidence",
        headers=who.headers,
        files=[("files", item) for item in files],
    )


@pytest.fixture
async def document(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


def _my_operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, item in document["paths"].items()
        if MINE.match(path)
        for method, operation in item.items()
        if method in ("get", "post")
    ]


# --- 201 and Location ---------------------------------------------------------------------------


async def test_a_filed_objection_is_at_its_location(
    client: httpx.AsyncClient, sms: MemorySmsSender
) -> None:
    who = await _filed(client, sms, "13934100001")
    filed = await file_objection(client, who, who.records[0])
    assert filed.status_code == 201, filed.text
    location = filed.headers["location"]
    assert location == f"/v1/me/objections/{filed.json()['objection']['id']}"
    again = await client.get(location, headers=who.headers)
    assert again.status_code == 200 and again.json() == filed.json()


async def test_new_evidence_is_named_by_its_download_url(
    client: httpx.AsyncClient, sms: MemorySmsSender
) -> None:
    who = await _filed(client, sms, "13934100002")
    objection_id = (await file_objection(client, who, who.records[0])).json()["objection"]["id"]
    uploaded = await _upload(
        client, who, objection_id, ("photo.jpg", JPEG, "image/jpeg"), ("s.png", PNG, "image/png")
    )
    assert uploaded.status_code == 201, uploaded.text
    first, second = uploaded.json()
    assert uploaded.headers["location"] == f"/v1/me/evidence/{first['id']}"
    got = await client.get(uploaded.headers["location"], headers=who.headers)
    assert got.status_code == 200 and got.content == JPEG
    assert got.headers["content-type"] == first["mediaType"] == "image/jpeg"
    png = await client.get(f"/v1/me/evidence/{second['id']}", headers=who.headers)
    assert png.headers["content-type"] == second["mediaType"] == "image/png"


async def test_a_citizens_file_revalidates_by_its_content_hash(
    client: httpx.AsyncClient, sms: MemorySmsSender
) -> None:
    who = await _filed(client, sms, "13934100003")
    objection_id = (await file_objection(client, who, who.records[0])).json()["objection"]["id"]
    uploaded = (await _upload(client, who, objection_id, ("a.pdf", PDF, "application/pdf"))).json()
    url = f"/v1/me/evidence/{uploaded[0]['id']}"
    first = await client.get(url, headers=who.headers)
    assert first.headers["etag"] == f'"{uploaded[0]["sha256"]}"'
    assert first.headers["cache-control"] == "private, no-cache"  # as documented for /v1/me
    unchanged = await client.get(
        url, headers={**who.headers, "If-None-Match": first.headers["etag"]}
    )
    assert unchanged.status_code == 304 and unchanged.content == b""
    staff = await client.get(f"/v1/department/evidence/{uploaded[0]['id']}", headers=who.dept)
    assert staff.status_code == 200 and staff.headers["cache-control"] == "private, no-store"


# --- texts follow the request's language --------------------------------------------------------


async def test_problem_details_follow_accept_language(
    client: httpx.AsyncClient, sms: MemorySmsSender
) -> None:
    who = await _filed(client, sms, "13934100004")
    objection_id = (await file_objection(client, who, who.records[0])).json()["objection"]["id"]
    url = f"/v1/me/objections/{objection_id}/withdrawal"
    assert (await client.post(url, headers=who.headers)).status_code == 200
    zh = assert_problem(await client.post(url, headers=who.headers), 409, "case-closed")
    en = assert_problem(
        await client.post(url, headers=_with_language(who, "en")), 409, "case-closed"
    )
    assert zh["detail"] == f"该异议申请（编号 {objection_id}）已办结（已撤回），不能再更改"
    assert en["detail"] == (
        f"objection {objection_id} is closed (withdrawn); it cannot be changed any more"
    )
    assert zh["title"] == "与当前状态冲突" and en["title"] == "Conflict with the current state"
    wrong = await _upload(client, who, objection_id, ("a.png", PNG, "image/png"))
    assert "已办结" in assert_problem(wrong, 409, "case-closed")["detail"]


async def test_an_unsupported_file_is_refused_in_english_too(
    client: httpx.AsyncClient, sms: MemorySmsSender
) -> None:
    who = await _filed(client, sms, "13934100005")
    objection_id = (await file_objection(client, who, who.records[0])).json()["objection"]["id"]
    response = await client.post(
        f"/v1/me/objections/{objection_id}/evidence",
        headers=_with_language(who, "en"),
        files=[("files", ("notes.pdf", b"plain text", "application/pdf"))],
    )
    body = assert_problem(response, 415, "evidence-type-not-allowed", "files[0]")
    assert body["detail"] == (
        "'notes.pdf' is not a PDF, JPEG or PNG file (judged by its content, not by its name or"
        " declared type)"
    )
    assert body["title"] == "Unsupported media type"


async def test_titles_and_step_actors_follow_accept_language(
    client: httpx.AsyncClient, sms: MemorySmsSender
) -> None:
    who = await _filed(client, sms, "13934100006")
    objection_id = (await file_objection(client, who, who.records[0])).json()["objection"]["id"]
    officer_headers = await officer(client)
    await client.post(
        f"/v1/officer/objections/{objection_id}/acceptance", headers=officer_headers, json=REASON
    )
    url = f"/v1/me/objections/{objection_id}"
    zh = (await client.get(url, headers=who.headers)).json()
    en = (await client.get(url, headers=_with_language(who, "en"))).json()
    assert zh["objection"]["recordTitle"] == "饮酒后驾驶机动车"
    assert en["objection"]["recordTitle"] == "Driving after drinking"
    assert [s["actor"] for s in zh["steps"]] == ["市民", "信用办"]
    assert [s["actor"] for s in en["steps"]] == ["Citizen", "Credit office"]
    listed = await client.get("/v1/me/objections", headers=_with_language(who, "en"))
    assert listed.json()["items"][0]["recordTitle"] == "Driving after drinking"
    department_view = await client.get(
        f"/v1/department/objections/{objection_id}", headers={**who.dept, **EN}
    )
    assert department_view.json()["objection"]["recordTitle"] == "Driving after drinking"


# --- the document -------------------------------------------------------------------------------


def test_evidence_media_types_are_the_ones_the_upload_check_allows() -> None:
    assert {media_type for _, media_type in SIGNATURES} == set(ALLOWED_MEDIA_TYPES)


def test_every_operation_of_the_domain_is_named_described_and_tagged(
    document: dict[str, Any],
) -> None:
    operations = _my_operations(document)
    assert len(operations) == 40
    for path, method, operation in operations:
        where = f"{method.upper()} {path}"
        assert re.match(r"^[a-z]+[A-Z]\w*$", operation["operationId"]), where
        assert operation["summary"] and not operation["summary"].endswith("."), where
        assert len(operation["description"]) >= 80, where
        assert operation["tags"] in (
            ["My objections"],
            ["My repairs"],
            ["Department cases"],
            ["Officer cases"],
            ["Officer oversight"],
        ), where
        assert operation["tags"][0] in TAGS
        if method == "post":
            assert set(operation["responses"]) & {"200", "201"}, where
            assert "409" in operation["responses"], where


def test_created_answers_document_their_location(document: dict[str, Any]) -> None:
    created = {
        operation["operationId"]: operation["responses"]["201"]
        for _, _, operation in _my_operations(document)
        if "201" in operation["responses"]
    }
    assert set(created) == {
        "fileObjection",
        "applyForRepair",
        "addObjectionEvidence",
        "addRepairEvidence",
    }
    for response in created.values():
        assert response["headers"]["Location"]["schema"] == {"type": "string"}


def test_uploads_and_downloads_document_what_is_served(document: dict[str, Any]) -> None:
    paths = document["paths"]
    for path in (
        "/v1/me/objections/{objection_id}/evidence",
        "/v1/me/repair-applications/{application_id}/evidence",
    ):
        operation = paths[path]["post"]
        assert {"409", "413", "415"} <= set(operation["responses"])
        assert list(operation["requestBody"]["content"]) == ["multipart/form-data"]
    for path in DOWNLOADS:
        ok = paths[path]["get"]["responses"]["200"]
        assert list(ok["content"]) == list(ALLOWED_MEDIA_TYPES), path
        assert "Content-Disposition" in ok["headers"] and "ETag" in ok["headers"]
        cache = ok["headers"]["Cache-Control"]
        if path.startswith("/v1/me/"):  # what test_a_citizens_file_revalidates... sees served
            assert cache["schema"]["const"] == "private, no-cache"
        else:
            assert cache["description"].startswith("`private, no-store`")
        assert not {"409", "413", "415"} & set(paths[path]["get"]["responses"])


def test_withdrawal_bodies_are_optional(document: dict[str, Any]) -> None:
    for path in (
        "/v1/me/objections/{objection_id}/withdrawal",
        "/v1/me/repair-applications/{application_id}/withdrawal",
    ):
        body = document["paths"][path]["post"]["requestBody"]
        assert body["required"] is False, path


SCHEMAS = [
    "Deadline",
    "StepOut",
    "EvidenceOut",
    "CaseCounts",
    "DepartmentStatistics",
    "ObjectionIn",
    "WithdrawalIn",
    "DecisionReason",
    "ProposedCorrection",
    "ProposalIn",
    "OfficerDecisionIn",
    "ObjectionOut",
    "ObjectionDetail",
    "Proposal",
    "ObjectionCase",
    "ObligationFulfilled",
    "TrainingReport",
    "VolunteerService",
    "CharitableDonation",
    "CommitmentAcceptance",
    "RepairIn",
    "PathOption",
    "Blocker",
    "RepairOptions",
    "CommitmentOut",
    "RepairOut",
    "RepairDetail",
    "RepairCase",
    "EvidenceUpload",
]


def test_every_field_of_the_domain_is_described(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    missing = [
        f"{name}.{field}"
        for name in SCHEMAS
        for field, prop in schemas[name]["properties"].items()
        if not prop.get("description")
    ]
    assert missing == []


def test_record_type_examples_are_real_catalog_codes(document: dict[str, Any]) -> None:
    catalog = runtime.current().catalogs.latest
    schemas = document["components"]["schemas"]
    for name, field in (
        ("ObjectionOut", "recordType"),
        ("RepairOut", "recordType"),
        ("ProposedCorrection", "recordType"),
    ):
        prop = schemas[name]["properties"][field]
        examples = prop.get("examples") or [
            e for arm in prop.get("oneOf", []) for e in arm.get("examples", [])
        ]
        assert examples and all(catalog.get(code) is not None for code in examples), name
