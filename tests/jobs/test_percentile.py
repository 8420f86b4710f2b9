"""The card carries the citizen's percentile from the nightly statistics: null until first
ranked, then in the pre-encoded body (snapshot and Redis copy) with a new ETag."""

from __future__ import annotations

from typing import Any

import httpx

from backend.identity.sms import MemorySmsSender
from backend.platform import runtime
from backend.platform.language import Language
from backend.scoring import service
from backend.scoring.jobs import nightly_statistics
from backend.scoring.statistics import refresh_card_percentiles
from tests import factories as f
from tests.conftest import RunWorker

BATCH = "/v1/department/records:batch"
CARD = "/v1/me/card"


async def _cached_body(citizen_id: int, language: Language = "zh-CN") -> bytes | None:
    """The Redis copy of the card without its revision line."""
    cached = await runtime.current().redis.get(service.card_cache_key(citizen_id, language))
    return cached.partition(b"\n")[2] if cached is not None else None


async def _citizen(client: httpx.AsyncClient, sms: MemorySmsSender, phone: str) -> Any:
    number, headers = await f.signed_up(client, sms, phone)
    return number, headers


async def test_the_card_shows_the_percentile_after_the_nightly_ranking(
    client: httpx.AsyncClient, sms: MemorySmsSender, run_worker: RunWorker, db: Any
) -> None:
    key = await f.department()
    low_number, low = await _citizen(client, sms, "13971000001")
    _, high = await _citizen(client, sms, "13971000002")
    await client.post(
        BATCH, headers={"X-Api-Key": key}, json={"records": [f.record(low_number, "p-1")]}
    )
    await run_worker()
    before = await client.get(CARD, headers=low)
    assert before.json()["percentile"] is None  # not ranked yet
    assert (await client.get(CARD, headers=high)).json()["percentile"] is None
    low_id = await db.fetchval("SELECT min(id) FROM citizen")
    assert await _cached_body(low_id) == before.content  # cached
    english = {**low, "Accept-Language": "en"}
    assert (await client.get(CARD, headers=english)).json()["percentile"] is None

    await runtime.current().arq.enqueue_job("nightly_statistics")
    assert await run_worker() == 1
    after = await client.get(CARD, headers=low)
    assert after.json()["percentile"] == 0 and after.json()["points"] == 970
    assert (await client.get(CARD, headers=high)).json()["percentile"] == 100
    assert await _cached_body(low_id) == after.content  # cached again
    assert (await client.get(CARD, headers=english)).json()["percentile"] == 0  # every language
    assert {k: v for k, v in after.json().items() if k != "percentile"} == {
        k: v for k, v in before.json().items() if k != "percentile"
    }
    # The ETag follows the body: the old one no longer matches, the new one does.
    assert after.headers["etag"] != before.headers["etag"]
    stale = await client.get(CARD, headers={**low, "If-None-Match": before.headers["etag"]})
    assert stale.status_code == 200 and stale.json()["percentile"] == 0
    fresh = await client.get(CARD, headers={**low, "If-None-Match": after.headers["etag"]})
    assert fresh.status_code == 304

    # Nothing moved: nothing rewritten. A later re-score keeps the percentile in the body.
    assert await refresh_card_percentiles() == 0
    await client.post(
        BATCH, headers={"X-Api-Key": key}, json={"records": [f.record(low_number, "p-2")]}
    )
    await run_worker()
    rescored = (await client.get(CARD, headers=low)).json()
    assert rescored["points"] == 940 and rescored["percentile"] == 0
    assert await db.fetchval("SELECT percentile FROM credit_card WHERE citizen = $1", low_id) == 0


async def test_a_moved_percentile_rewrites_only_the_cards_it_moved(
    client: httpx.AsyncClient, sms: MemorySmsSender, db: Any
) -> None:
    key = await f.department()
    numbers, headers = [], []
    for n in range(3):
        number, h = await _citizen(client, sms, f"1397100001{n}")
        numbers.append(number)
        headers.append(h)
        await client.get(CARD, headers=h)
    assert await nightly_statistics({}) == 3  # all on 1000 points: nobody has fewer
    assert [(await client.get(CARD, headers=h)).json()["percentile"] for h in headers] == [0] * 3
    revisions = await db.fetch("SELECT citizen, revision FROM credit_card ORDER BY citizen")

    await client.post(
        BATCH, headers={"X-Api-Key": key}, json={"records": [f.record(numbers[0], "m-1")]}
    )
    first_id = revisions[0]["citizen"]
    await service.rescore(first_id)
    assert await nightly_statistics({}) == 3
    percentiles = [(await client.get(CARD, headers=h)).json()["percentile"] for h in headers]
    assert percentiles == [0, 50, 50]
    moved = await db.fetch("SELECT citizen, revision FROM credit_card ORDER BY citizen")
    # The re-scored card moved with its re-score, the other two with the refresh.
    steps = [m["revision"] - r["revision"] for m, r in zip(moved, revisions, strict=True)]
    assert steps == [1, 1, 1]


async def test_the_percentile_is_documented(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/schema/openapi.json")).json()
    card = schema["components"]["schemas"]["CardView"]
    field = card["properties"]["percentile"]
    assert "nightly" in field["description"] and "null until" in field["description"]
    assert "percentile" not in card.get("required", [])
