"""The privacy notice, the user agreement and the separate consent to sensitive personal
information (PIPL, issue 18): versioned content served publicly, accepted at sign-up (one row per
document, with the version, the language and the SHA-256 of the text shown), asked again when a
new version takes effect (``notices`` on /v1/me, POST /v1/me/notices:accept), and a person under
14 refused at sign-up by the birth date in the ID number."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from backend.content.live import bump_generations, live_content
from backend.content.service import publish_version
from backend.identity import notices
from backend.identity import service as identity
from backend.identity.id_number import make_id_number
from backend.identity.notices import Document, NoticeError, load_notices
from backend.identity.service import fourteenth_birthday
from backend.identity.sms import MemorySmsSender
from backend.platform import runtime
from backend.platform.calendar import today_in_shanghai
from backend.platform.config import REPO_ROOT, Settings
from backend.platform.database import connection
from backend.wiring import import_content_seed
from tests import factories as f
from tests.api.identity.problems import assert_problem
from tests.conftest import BusinessDate

SEED = REPO_ROOT / "content" / "notices" / "2026.1.toml"
DOCUMENTS: list[Document] = ["privacy-notice", "user-agreement", "sensitive-information"]
ACCEPTANCES = ["acceptPrivacyNotice", "acceptUserAgreement", "consentToSensitiveInformation"]
PUBLISHER = "test-notices"

# --- the content ------------------------------------------------------------------------------

HEADER = '[notices]\nversion = "{v}"\neffective_from = {d}\nsource = "test"\n'
TEXT = '[{doc}."{lang}"]\ntitle = "t"\nbody = "{body}"\n'


def _write(
    folder: Path,
    name: str,
    version: str,
    day: str,
    *,
    skip: tuple[str, str] | None = None,
    empty: tuple[str, str] | None = None,
) -> None:
    """A notices file with every document in zh-CN and en, but ``skip`` (document table,
    language) left out and ``empty`` given an empty body."""
    text = HEADER.format(v=version, d=day)
    for doc in ("privacy", "agreement", "sensitive"):
        for lang in ("zh-CN", "en"):
            if (doc, lang) != skip:
                text += TEXT.format(doc=doc, lang=lang, body="" if (doc, lang) == empty else "b")
    (folder / name).write_text(text, encoding="utf-8")


def test_the_shipped_notices_are_valid() -> None:
    current = load_notices(str(REPO_ROOT / "content" / "notices"))[-1]
    assert current.version == "2026.1" and current.effective_from == dt.date(2026, 4, 1)
    assert current.text("privacy-notice", "zh-CN").title == "个人信息处理规则"
    assert current.text("user-agreement", "zh-CN").title == "用户服务协议"
    privacy_zh = current.text("privacy-notice", "zh-CN").body
    for words in ("第十三条", "第二十四条", "第四十四条", "十四周岁", "敏感个人信息", "注销"):
        assert words in privacy_zh, words
    assert "under 14" in current.text("privacy-notice", "en").body
    assert "公民身份号码" in current.text("sensitive-information", "zh-CN").body
    assert current.sha256("privacy-notice", "zh-CN") != current.sha256("privacy-notice", "en")


def test_every_document_needs_both_languages(tmp_path: Path) -> None:
    _write(tmp_path, "a.toml", "1", "2026-01-01", skip=("agreement", "en"))
    with pytest.raises(NoticeError, match=r"a\.toml: file: field 'agreement\.en'"):
        load_notices(str(tmp_path))


def test_an_empty_body_is_refused(tmp_path: Path) -> None:
    _write(tmp_path, "a.toml", "1", "2026-01-01", empty=("sensitive", "zh-CN"))
    with pytest.raises(NoticeError, match=r"a\.toml: \[sensitive\.zh-CN\]: field 'body'"):
        load_notices(str(tmp_path))


def test_versions_are_unique(tmp_path: Path) -> None:
    _write(tmp_path, "a.toml", "1", "2026-01-01")
    _write(tmp_path, "b.toml", "1", "2026-02-01")
    with pytest.raises(NoticeError, match=r"b\.toml: notices: field 'version'.*a\.toml"):
        load_notices(str(tmp_path))


def test_the_fourteenth_birthday_of_someone_born_on_29_february() -> None:
    assert fourteenth_birthday(dt.date(2012, 2, 29)) == dt.date(2026, 3, 1)
    assert fourteenth_birthday(dt.date(2012, 12, 1)) == dt.date(2026, 12, 1)


# --- served and accepted ----------------------------------------------------------------------


def _sha(document: dict[str, Any]) -> str:
    return hashlib.sha256(f"{document['title']}\n\n{document['body']}".encode()).hexdigest()


async def test_the_notices_are_public_in_both_languages(client: httpx.AsyncClient) -> None:
    chinese = await client.get("/v1/public/notices")
    assert chinese.status_code == 200, chinese.text
    assert chinese.headers["cache-control"].startswith("public")
    body = chinese.json()
    assert (body["version"], body["effectiveFrom"], body["language"]) == (
        "2026.1",
        "2026-04-01",
        "zh-CN",
    )
    assert [d["document"] for d in body["documents"]] == DOCUMENTS
    assert [d["title"] for d in body["documents"]][:2] == ["个人信息处理规则", "用户服务协议"]
    english = (await client.get("/v1/public/notices", headers={"Accept-Language": "en"})).json()
    assert english["language"] == "en"
    assert english["documents"][0]["title"] == "Privacy notice"
    current = notices.in_force(today_in_shanghai())
    for served, language in ((body, "zh-CN"), (english, "en")):
        for document in served["documents"]:
            assert document["sha256"] == _sha(document)
            assert document["sha256"] == current.sha256(document["document"], language)


async def _registered_with_code(
    client: httpx.AsyncClient,
    sms: MemorySmsSender,
    phone: str,
    number: str,
    registrar: str | None = None,
) -> dict[str, Any]:
    """A registered person and a fresh code: the sign-up body before any acceptance."""
    await f.register_person(client, registrar or await f.registrar(), number, "陈晨", phone)
    assert (await client.post("/v1/auth/codes", json={"phone": phone})).status_code == 200
    return {"phone": phone, "code": sms.last(phone), "name": "陈晨", "idNumber": number}


async def _acceptances(phone: str) -> list[tuple[str, str, str, str]]:
    async with connection() as conn:
        rows = await conn.fetch(
            "SELECT n.document, n.version, n.language, n.text_sha256 FROM notice_acceptance n"
            " JOIN citizen_account a ON a.citizen = n.citizen WHERE a.phone_index = $1"
            " ORDER BY n.version, n.id",
            identity.phone_index(phone),
        )
    return [(r["document"], r["version"], r["language"], r["text_sha256"]) for r in rows]


async def test_sign_up_needs_each_acceptance_and_the_version_in_force(
    client: httpx.AsyncClient, sms: MemorySmsSender
) -> None:
    phone = "13900007001"
    body = await _registered_with_code(client, sms, phone, f.id_number())
    for field in ACCEPTANCES:
        refused = await client.post(
            "/v1/auth/sign-up", json={**body, **f.ACCEPTED_NOTICES, field: False}
        )
        assert_problem(refused, 422, "validation-failed", field=field)
        missing = {k: v for k, v in f.ACCEPTED_NOTICES.items() if k != field}
        refused = await client.post("/v1/auth/sign-up", json={**body, **missing})
        assert_problem(refused, 422, "validation-failed", field=field)
    outdated = await client.post(
        "/v1/auth/sign-up",
        json={**body, **f.ACCEPTED_NOTICES, "noticesVersion": "2025.1"},
        headers={"Accept-Language": "en"},
    )
    problem = assert_problem(outdated, 409, "notices-outdated", field="noticesVersion")
    assert "version 2026.1" in problem["detail"] and problem["extra"] == {
        "currentVersion": "2026.1"
    }
    # None of these refusals used the code up.
    accepted = await client.post(
        "/v1/auth/sign-up", json={**body, **f.ACCEPTED_NOTICES}, headers={"Accept-Language": "en"}
    )
    assert accepted.status_code == 201, accepted.text
    current = notices.in_force(today_in_shanghai())
    assert await _acceptances(phone) == [
        (document, "2026.1", "en", current.sha256(document, "en")) for document in DOCUMENTS
    ]
    me = await client.get("/v1/me", headers=f.bearer(accepted.json()))
    assert me.json()["notices"] == {"version": "2026.1", "toAccept": []}


@pytest.fixture
async def publish_notices(
    app: object, settings: Settings
) -> AsyncIterator[Callable[[str, dt.date], Awaitable[None]]]:
    """Publishes a notices version (the seed's texts under a new name and date) as the office
    would; afterwards the versions are gone and the app is back on the seed."""
    await import_content_seed(settings)  # the seed stored, as after migrate

    async def publish(version: str, effective_from: dt.date) -> None:
        body = (
            SEED.read_text(encoding="utf-8")
            .replace('version = "2026.1"', f'version = "{version}"', 1)
            .replace("effective_from = 2026-04-01", f"effective_from = {effective_from}", 1)
        )
        await publish_version("notices", version, body, effective_from, published_by=PUBLISHER)
        assert "notices" in await live_content().refresh()

    yield publish
    async with connection() as conn:
        await conn.execute("DELETE FROM content_version WHERE published_by = $1", PUBLISHER)
    rt = runtime.current()
    await bump_generations(rt.redis, settings.redis_namespace, {"notices"})
    await live_content().refresh()
    assert notices.in_force(today_in_shanghai()).version == "2026.1"


async def _notices_of(client: httpx.AsyncClient, headers: dict[str, str]) -> Any:
    me = await client.get("/v1/me", headers=headers)
    assert me.status_code == 200, me.text
    return me.json()["notices"]


async def test_a_new_version_is_asked_for_again(
    client: httpx.AsyncClient,
    sms: MemorySmsSender,
    business_date: BusinessDate,
    publish_notices: Callable[[str, dt.date], Awaitable[None]],
    redis: Redis,
    settings: Settings,
) -> None:
    today = business_date(0)
    _, alice = await f.signed_up(client, sms, "13900007011")
    _, bob = await f.signed_up(client, sms, "13900007012")
    await publish_notices("2026.9", today + dt.timedelta(days=1))
    assert await _notices_of(client, alice) == {"version": "2026.1", "toAccept": []}

    business_date(1)  # the new version takes effect
    assert await _notices_of(client, alice) == {"version": "2026.9", "toAccept": DOCUMENTS}
    # Signing in still works; the app reads toAccept and asks before the citizen goes on.
    await redis.delete(f.otp_key("resend", "13900007011"))
    assert (await client.post("/v1/auth/codes", json={"phone": "13900007011"})).status_code == 200
    signed_in = await client.post(
        "/v1/auth/sign-in", json={"phone": "13900007011", "code": sms.last("13900007011")}
    )
    assert signed_in.status_code == 200, signed_in.text

    url = "/v1/me/notices:accept"
    old = await client.post(url, headers=alice, json={**f.ACCEPTED_NOTICES})
    problem = assert_problem(old, 409, "notices-outdated", field="noticesVersion")
    assert "2026.9" in problem["detail"]
    refused = await client.post(
        url,
        headers=alice,
        json={**f.ACCEPTED_NOTICES, "noticesVersion": "2026.9", ACCEPTANCES[2]: False},
    )
    assert_problem(refused, 422, "validation-failed", field=ACCEPTANCES[2])
    accept = {**f.ACCEPTED_NOTICES, "noticesVersion": "2026.9"}
    for _ in range(2):  # accepting twice changes nothing
        accepted = await client.post(url, headers=alice, json=accept)
        assert accepted.status_code == 200, accepted.text
        assert accepted.json() == {"version": "2026.9", "toAccept": []}
    assert await _notices_of(client, alice) == {"version": "2026.9", "toAccept": []}
    rows = await _acceptances("13900007011")
    assert [(r[0], r[1]) for r in rows] == [
        *((d, "2026.1") for d in DOCUMENTS),
        *((d, "2026.9") for d in DOCUMENTS),
    ]
    async with connection() as conn:
        audited = await conn.fetchval(
            "SELECT count(*) FROM audit_log WHERE action = 'account.notices-accept'"
            " AND after->>'version' = '2026.9'"
        )
    assert audited == 1
    # Bob has not accepted: still asked; and a sign-up must show the new version.
    assert await _notices_of(client, bob) == {"version": "2026.9", "toAccept": DOCUMENTS}
    registrar = await f.department("registrar-late", ["registry:write"])
    late = await _registered_with_code(client, sms, "13900007013", f.id_number(), registrar)
    refused = await client.post("/v1/auth/sign-up", json={**late, **f.ACCEPTED_NOTICES})
    assert_problem(refused, 409, "notices-outdated", field="noticesVersion")


# --- under 14 ---------------------------------------------------------------------------------


async def test_a_person_under_14_cannot_sign_up_and_the_code_stays_valid(
    client: httpx.AsyncClient, sms: MemorySmsSender, business_date: BusinessDate
) -> None:
    today = business_date(dt.date(2026, 12, 1))
    exactly_14 = make_id_number("330106", dt.date(2012, 12, 1), 7)
    tomorrow_14 = make_id_number("330106", dt.date(2012, 12, 2), 7)
    body = await _registered_with_code(client, sms, "13900007021", exactly_14)
    assert fourteenth_birthday(dt.date(2012, 12, 1)) == today

    refused = await client.post(
        "/v1/auth/sign-up", json={**body, **f.ACCEPTED_NOTICES, "idNumber": tomorrow_14}
    )
    problem = assert_problem(refused, 422, "too-young", field="idNumber")
    assert "《个人信息保护法》" in problem["detail"] and "未满十四周岁" in problem["detail"]
    english = await client.post(
        "/v1/auth/sign-up",
        json={**body, **f.ACCEPTED_NOTICES, "idNumber": tomorrow_14},
        headers={"Accept-Language": "en"},
    )
    assert "under 14" in assert_problem(english, 422, "too-young", field="idNumber")["detail"]
    # Refused before the code is used: the same code signs the 14-year-old up.
    accepted = await client.post("/v1/auth/sign-up", json={**body, **f.ACCEPTED_NOTICES})
    assert accepted.status_code == 201, accepted.text
