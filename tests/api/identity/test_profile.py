"""The citizen's account settings: PATCH /v1/me sets the language of pushes and notification
texts; GET /v1/me shows it."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from backend.identity.sms import MemorySmsSender
from backend.notifications.relay import relay_all
from tests import factories as f
from tests.api.identity.problems import assert_problem

ME = "/v1/me"


@pytest.mark.parametrize("language", ["en", "zh-CN"])
async def test_the_citizen_sets_the_account_language(
    client: httpx.AsyncClient, sms: MemorySmsSender, db: Any, language: str
) -> None:
    _, citizen = await f.signed_up(client, sms, "13900007001")
    if language == "zh-CN":  # from English back to the default
        await client.patch(ME, json={"language": "en"}, headers=citizen)
    response = await client.patch(ME, json={"language": language}, headers=citizen)
    assert response.status_code == 200, response.text
    assert response.json()["language"] == language
    assert (await client.get(ME, headers=citizen)).json()["language"] == language
    stored = await db.fetchval("SELECT language FROM citizen_account")
    assert stored == language
    audit = await db.fetch(
        "SELECT after FROM audit_log WHERE action = 'account.update' ORDER BY id"
    )
    assert audit[-1]["after"] == f'{{"language": "{language}"}}'


async def test_setting_the_same_language_again_changes_nothing(
    client: httpx.AsyncClient, sms: MemorySmsSender, db: Any
) -> None:
    _, citizen = await f.signed_up(client, sms, "13900007002")
    for body in ({"language": "zh-CN"}, {}, {"language": None}):
        response = await client.patch(ME, json=body, headers=citizen)
        assert response.status_code == 200, response.text
        assert response.json()["language"] == "zh-CN"
    assert await db.fetchval("SELECT count(*) FROM audit_log WHERE action = 'account.update'") == 0


@pytest.mark.parametrize(
    "body", [{"language": "fr"}, {"language": "EN"}, {"language": 1}, {"theme": "dark"}], ids=repr
)
async def test_a_language_other_than_zh_cn_or_en_is_refused(
    client: httpx.AsyncClient, sms: MemorySmsSender, db: Any, body: dict[str, Any]
) -> None:
    _, citizen = await f.signed_up(client, sms, "13900007003")
    response = await client.patch(ME, json=body, headers=citizen)
    problem = assert_problem(response, 422, "validation-failed", field=next(iter(body)))
    assert "不" in problem["errors"][0]["reason"]  # in Chinese, the default
    assert await db.fetchval("SELECT language FROM citizen_account") == "zh-CN"


async def test_only_a_signed_in_citizen_changes_their_profile(client: httpx.AsyncClient) -> None:
    response = await client.patch(ME, json={"language": "en"})
    assert_problem(response, 401, "token-invalid")


async def test_notifications_follow_the_account_language(
    client: httpx.AsyncClient, sms: MemorySmsSender
) -> None:
    """The relay writes each notice in the account's language when it delivers it."""
    number, citizen = await f.signed_up(client, sms, "13900007004")
    await client.patch(ME, json={"language": "en"}, headers=citizen)
    key = {"X-Api-Key": await f.department()}
    batch = {"records": [f.record(number, "lang-1", occurredOn="2026-09-01")]}
    accepted = await client.post("/v1/department/records:batch", json=batch, headers=key)
    record_id = accepted.json()["items"][0]["recordId"]
    revoked = await client.post(
        f"/v1/department/records/{record_id}/revocation", json={"reason": "报送错误"}, headers=key
    )
    assert revoked.status_code == 200, revoked.text
    await relay_all()
    inbox = (await client.get("/v1/me/notifications", headers=citizen)).json()["items"]
    assert "Record revoked" in [item["title"] for item in inbox], inbox
