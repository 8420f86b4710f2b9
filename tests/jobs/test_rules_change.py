"""A new rules version re-scores everyone from its effective date; the full re-score resumes."""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from backend.identity.sms import MemorySmsSender
from backend.platform import runtime
from backend.platform.calendar import today_in_shanghai
from backend.platform.config import REPO_ROOT
from backend.platform.database import connection
from backend.scoring.bulk import progress_key, rescore_everyone
from backend.scoring.jobs import nightly_rescore
from points_engine import RuleSet, rules_from_mapping
from tests import factories as f
from tests.conftest import BusinessDate
from tests.jobs.conftest import RunWorker

BATCH = "/v1/department/records:batch"


@pytest.fixture
def new_rules_tomorrow(app: object) -> Iterator[dt.date]:
    """Adds a rules version (base points 1010) taking effect tomorrow."""
    rt = runtime.current()
    original = rt.rules
    data: dict[str, Any] = tomllib.loads((REPO_ROOT / "content/rules/2026.1.toml").read_text())
    tomorrow = today_in_shanghai() + dt.timedelta(days=1)
    data["rules"].update(version="2099.test", effective_from=tomorrow, base_points=1010)
    rt.rules = RuleSet([*original.versions, rules_from_mapping(data, "test")])
    yield tomorrow
    rt.rules = original


async def _two_scored_citizens(
    client: httpx.AsyncClient, sms: MemorySmsSender, run_worker: RunWorker
) -> list[dict[str, str]]:
    key = await f.department()
    headers = []
    for phone in ("13930000001", "13930000002"):
        number, h = await f.signed_up(client, sms, phone)
        await client.post(
            BATCH, headers={"X-Api-Key": key}, json={"records": [f.record(number, f"r-{phone}")]}
        )
        headers.append(h)
    await run_worker()
    return headers


async def test_new_rules_rescore_everyone_from_their_effective_date(
    client: httpx.AsyncClient,
    sms: MemorySmsSender,
    run_worker: RunWorker,
    new_rules_tomorrow: dt.date,
    business_date: BusinessDate,
) -> None:
    headers = await _two_scored_citizens(client, sms, run_worker)
    assert await nightly_rescore({}) == {
        "due": 0,
        "rulesVersion": 0,
        "behind": 0,
    }
    business_date(new_rules_tomorrow)
    assert await nightly_rescore({}) == {
        "due": 0,
        "rulesVersion": 2,
        "behind": 0,
    }
    assert await run_worker() == 2
    for h in headers:
        card = (await client.get("/v1/me/card", headers=h)).json()
        assert (card["rulesVersion"], card["points"]) == ("2099.test", 1010 - 30)
        history = (await client.get("/v1/me/score-history", headers=h)).json()["items"]
        assert history[0]["reason"] == "rules-version"


async def test_full_rescore_resumes_where_it_stopped(
    client: httpx.AsyncClient, sms: MemorySmsSender, run_worker: RunWorker
) -> None:
    await _two_scored_citizens(client, sms, run_worker)
    rt = runtime.current()
    version = rt.rules.in_force(today_in_shanghai()).version
    async with connection() as conn:
        first = await conn.fetchval("SELECT min(id) FROM citizen")
    await rt.redis.set(progress_key(version), str(first))
    seen: list[int] = []
    assert await rescore_everyone(batch_size=1, on_progress=seen.append) == 1
    assert seen == [1]
    assert await rt.redis.get(progress_key(version)) is None
    assert await rescore_everyone(batch_size=10) == 2
