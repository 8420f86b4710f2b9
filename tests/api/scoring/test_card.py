"""The card API: served from the snapshot, explained line by line, with a paged history."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
import pytest
from arq import Retry

from backend.identity.sms import MemorySmsSender
from backend.platform import runtime
from backend.platform.calendar import today_in_shanghai
from backend.scoring import service
from backend.scoring.jobs import rescore_citizen
from tests import factories as f

BATCH = "/v1/department/records:batch"


def _ago(days: int) -> str:
    return (today_in_shanghai() - dt.timedelta(days=days)).isoformat()


async def _post(client: httpx.AsyncClient, key: str, records: list[dict[str, Any]]) -> Any:
    response = await client.post(BATCH, headers={"X-Api-Key": key}, json={"records": records})
    assert response.status_code == 200, response.text
    return response.json()


async def _citizen_id(number: str) -> int:
    from backend.identity.service import id_number_index
    from backend.platform.database import connection

    async with connection() as conn:
        return int(
            await conn.fetchval(
                "SELECT id FROM citizen WHERE id_number_index = $1", id_number_index(number)
            )
        )


async def test_a_citizen_without_records_gets_the_base_card(
    client: httpx.AsyncClient, sms: MemorySmsSender
) -> None:
    _, headers = await f.signed_up(client, sms, "13940000001")
    card = (await client.get("/v1/me/card", headers=headers)).json()
    assert (card["points"], card["grade"]["code"], card["cleanThreeYears"]) == (1000, "A", True)
    assert card["benefitsTeaser"] == [
        "car-park-pay-later",
        "library-deposit-waiver",
        "public-bike-deposit-waiver",
    ]
    assert card["topUp"] == [] and card["topDown"] == []
    assert 0 <= card["progress"] < 1
    history = (await client.get("/v1/me/score-history", headers=headers)).json()
    assert [h["reason"] for h in history["items"]] == ["first-assessment"]


async def test_card_explanation_and_paged_history(
    client: httpx.AsyncClient, sms: MemorySmsSender
) -> None:
    key = await f.department("multi", ["domain:traffic_safety", "domain:volunteer_service"])
    number, headers = await f.signed_up(client, sms, "13940000002")
    posted = await _post(client, key, [f.record(number, "bad", occurredOn=_ago(20))])
    cid = await _citizen_id(number)
    await service.rescore(cid)
    await _post(
        client,
        key,
        [
            f.record(number, "good", "VOLUNTEER-SERVICE-HOURS", occurredOn=_ago(5), quantity=60),
        ],
    )
    await service.rescore(cid)
    card = (await client.get("/v1/me/card", headers=headers)).json()
    cap = runtime.current().rules.latest.cap("volunteer").yearly_cap
    assert card["points"] == 1000 - 30 + cap
    assert card["topUp"][0]["capped"] is True
    explanation = (await client.get("/v1/me/card/explanation", headers=headers)).json()
    assert {d["domain"] for d in explanation["domains"]} == {"traffic_safety", "volunteer_service"}
    assert sum(d["points"] for d in explanation["domains"]) == card["points"] - 1000
    [countdown] = explanation["countdowns"]
    assert countdown["recordId"] == posted["items"][0]["recordId"]
    assert countdown["repairPossibleNow"] is False

    first = (await client.get("/v1/me/score-history?limit=1", headers=headers)).json()
    assert len(first["items"]) == 1 and first["nextCursor"]
    second = (
        await client.get(
            f"/v1/me/score-history?limit=1&cursor={first['nextCursor']}", headers=headers
        )
    ).json()
    assert [h["points"] for h in first["items"] + second["items"]] == [card["points"], 970]
    bad = await client.get("/v1/me/score-history?cursor=garbage", headers=headers)
    assert bad.status_code == 422 and bad.json()["field"] == "cursor"


async def test_card_needs_a_citizen_token(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/me/card")
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")
    key = await f.department()
    assert (await client.get("/v1/me/card", headers={"X-Api-Key": key})).status_code == 401


async def test_the_card_is_served_from_redis_after_the_first_read(
    client: httpx.AsyncClient, sms: MemorySmsSender
) -> None:
    number, headers = await f.signed_up(client, sms, "13940000003")
    first = await client.get("/v1/me/card", headers=headers)
    cid = await _citizen_id(number)
    cached = await runtime.current().redis.get(service.card_cache_key(cid, "zh-CN"))
    revision, _, body = cached.partition(b"\n")
    assert body == first.content and int(revision) >= 1
    assert first.headers["etag"] == service.card_etag(cid, int(revision), "zh-CN")


async def test_the_card_etag_names_the_stored_revision_and_language(
    client: httpx.AsyncClient, sms: MemorySmsSender
) -> None:
    key = await f.department("police", ["domain:traffic_safety"])
    number, headers = await f.signed_up(client, sms, "13940000004")
    first = await client.get("/v1/me/card", headers=headers)
    etag = first.headers["etag"]
    cid = await _citizen_id(number)
    assert etag.startswith('W/"card2-') and etag.endswith('-zh-CN"')
    assert first.headers["content-language"] == "zh-CN"
    again = await client.get("/v1/me/card", headers={**headers, "If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    # Not a hash of the body: with the cached copy gone, the snapshot gives the same ETag.
    await runtime.current().redis.delete(service.card_cache_key(cid, "zh-CN"))
    refilled = await client.get("/v1/me/card", headers=headers)
    assert (refilled.headers["etag"], refilled.content) == (etag, first.content)
    await _post(client, key, [f.record(number, "etag-1", occurredOn=_ago(10))])
    await service.rescore(cid)
    changed = await client.get("/v1/me/card", headers={**headers, "If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag
    assert changed.json()["points"] == 970


async def test_the_card_speaks_the_request_language_from_its_own_snapshot(
    client: httpx.AsyncClient, sms: MemorySmsSender
) -> None:
    key = await f.department("police", ["domain:traffic_safety"])
    number, headers = await f.signed_up(client, sms, "13940000005")
    cid = await _citizen_id(number)
    await _post(client, key, [f.record(number, "lang-1", occurredOn=_ago(10))])
    await service.rescore(cid)
    english = {**headers, "Accept-Language": "en"}
    zh = await client.get("/v1/me/card", headers=headers)
    en = await client.get("/v1/me/card", headers=english)
    assert en.headers["content-language"] == "en"
    assert (
        zh.json()["grade"]["name"] == "诚信良好" and en.json()["grade"]["name"] == "Good integrity"
    )
    assert en.json()["grade"]["nameZh"] == "诚信良好"  # both languages stay on the card
    [line] = en.json()["topDown"]
    assert (line["recordTitle"], line["text"]) == ("Driving after drinking", line["textEn"])
    assert zh.json()["topDown"][0]["recordTitle"] == "饮酒后驾驶机动车"
    assert en.headers["etag"] != zh.headers["etag"] and en.headers["etag"].endswith('-en"')
    zh_etag_as_english = await client.get(
        "/v1/me/card", headers={**english, "If-None-Match": zh.headers["etag"]}
    )
    assert zh_etag_as_english.status_code == 200
    # Re-scoring cached both languages; a miss rebuilds the same English body from the snapshot.
    redis = runtime.current().redis
    assert (await redis.get(service.card_cache_key(cid, "en"))).endswith(en.content)
    await redis.delete(service.card_cache_key(cid, "en"))
    rebuilt = await client.get("/v1/me/card", headers=english)
    assert (rebuilt.content, rebuilt.headers["etag"]) == (en.content, en.headers["etag"])


async def test_explanation_and_history_follow_the_request_language(
    client: httpx.AsyncClient, sms: MemorySmsSender
) -> None:
    key = await f.department("police", ["domain:traffic_safety"])
    number, headers = await f.signed_up(client, sms, "13940000006")
    cid = await _citizen_id(number)
    assert (await client.get("/v1/me/card", headers=headers)).status_code == 200  # first card
    await _post(client, key, [f.record(number, "lang-2", occurredOn=_ago(10))])
    await service.rescore(cid)
    english = {**headers, "Accept-Language": "en"}
    zh = (await client.get("/v1/me/card/explanation", headers=headers)).json()
    en = (await client.get("/v1/me/card/explanation", headers=english)).json()
    assert (zh["domains"][0]["name"], en["domains"][0]["name"]) == ("交通安全", "Traffic safety")
    assert en["domains"][0]["lines"][0]["text"] == "Driving after drinking: -30"
    assert zh["countdowns"][0]["recordTitle"] == "饮酒后驾驶机动车"
    assert en["countdowns"][0]["recordTitle"] == "Driving after drinking"
    assert "TRAFFIC-DRINK-DRIVING" not in en["domains"][0]["lines"][0]["text"]
    history = (await client.get("/v1/me/score-history", headers=english)).json()["items"]
    assert [h["reasonText"] for h in history] == ["Your records changed", "First card"]
    history_zh = (await client.get("/v1/me/score-history", headers=headers)).json()["items"]
    assert history_zh[1]["reasonText"] == "首次评分"


async def test_a_transient_failure_is_retried_with_backoff(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def fail(*args: Any, **kwargs: Any) -> service.Outcome:
        raise ConnectionRefusedError("database restarting")

    monkeypatch.setattr(service, "rescore", fail)
    with pytest.raises(Retry) as retry:
        await rescore_citizen({"job_try": 3}, 1)
    assert retry.value.defer_score == 8000


async def test_the_card_is_documented_with_stable_examples(client: httpx.AsyncClient) -> None:
    document = (await client.get("/schema/openapi.json")).json()
    card = document["components"]["schemas"]["CardView"]["properties"]
    assert card["assessedAt"]["examples"] == ["2026-11-29T08:00:00+08:00"]
    assert dt.datetime.fromisoformat(card["assessedAt"]["examples"][0]).utcoffset() is not None
    assert card["benefitsTeaser"]["examples"] == [
        ["car-park-pay-later", "library-deposit-waiver", "xin-yi-yi"]
    ]
    operation = document["paths"]["/v1/me/card"]["get"]
    assert operation["operationId"] == "getMyCard" and operation["tags"] == ["My card"]
    assert "ETag" in operation["responses"]["200"]["headers"]
    assert "examples" not in operation["responses"]["200"]["content"]["application/json"]
