"""Content versions live in PostgreSQL: the files are the seed, and a version published while
the app runs reaches it within seconds, without a restart, validated like the seed."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging

import httpx
import pytest

from backend.content import store
from backend.content.live import bump_generations, live_content
from backend.content.service import ContentVersionExists, ContentVersionInvalid, publish_version
from backend.content.store import StoredVersion
from backend.identity.sms import MemorySmsSender
from backend.platform import runtime
from backend.platform.config import REPO_ROOT, Settings
from backend.platform.database import connection
from backend.scoring.service import rescore
from backend.wiring import import_content_seed
from tests import factories as f
from tests.content.conftest import PUBLISHER

SEED_RULES = (REPO_ROOT / "content" / "rules" / "2026.1.toml").read_text(encoding="utf-8")


def rules_body(version: str, effective_from: dt.date, *, base_points: int = 1100) -> str:
    return (
        SEED_RULES.replace('version = "2026.1"', f'version = "{version}"', 1)
        .replace("effective_from = 2026-04-01", f"effective_from = {effective_from}", 1)
        .replace("base_points = 1000", f"base_points = {base_points}", 1)
    )


async def _wait_for(version: str, present: bool = True, seconds: float = 6.0) -> None:
    for _ in range(int(seconds / 0.1)):
        if (runtime.current().rules.by_version(version) is not None) == present:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"rules version {version} {'never came' if present else 'stayed'}")


async def test_the_seed_is_imported_once(seeded: None, settings: Settings) -> None:
    assert await import_content_seed(settings) == 0
    stored = await store.versions_of(["catalog", "rules", "benefits", "notifications"])
    assert {kind: [v.version for v in found] for kind, found in stored.items()} == {
        "catalog": ["2026.1"],
        "rules": ["2026.1"],
        "benefits": ["2026.1"],
        "notifications": ["2026.1", "2026.2", "2026.3"],
    }


async def test_a_published_rules_version_rescores_the_card_without_a_restart(
    seeded: None, client: httpx.AsyncClient, sms: MemorySmsSender
) -> None:
    number, headers = await f.signed_up(client, sms, "13951000001")
    key = await f.department()
    response = await client.post(
        "/v1/department/records:batch",
        headers={"X-Api-Key": key},
        json={"records": [f.record(number, "live-1")]},
    )
    assert response.status_code == 200, response.text
    async with connection() as conn:
        citizen = await conn.fetchval(
            "SELECT citizen FROM record WHERE source_reference = 'live-1'"
        )
    await rescore(citizen)
    before = (await client.get("/v1/me/card", headers=headers)).json()
    assert before["rulesVersion"] == "2026.1"

    today = runtime.clock().today()
    await publish_version(
        "rules", "2026.live", rules_body("2026.live", today), today, published_by=PUBLISHER
    )
    # Nothing reloads in place: the app's poller must notice the counter and read PostgreSQL.
    await _wait_for("2026.live")
    await rescore(citizen, reason="rules-version")  # what the nightly run enqueues for everyone
    after = (await client.get("/v1/me/card", headers=headers)).json()
    assert after["rulesVersion"] == "2026.live"
    assert after["points"] == before["points"] + 100


async def test_a_bad_version_is_refused_naming_the_entry_and_the_field(seeded: None) -> None:
    today = runtime.clock().today()
    body = rules_body("2026.bad", today).replace("max_points = 1049", "max_points = 1040", 1)
    assert body != rules_body("2026.bad", today)
    with pytest.raises(ContentVersionInvalid) as refused:
        await publish_version("rules", "2026.bad", body, today, published_by=PUBLISHER)
    assert "rules version 2026.bad: grade[1] 'AA': field 'max_points'" in str(refused.value)
    assert refused.value.status == 422
    assert runtime.current().rules.by_version("2026.bad") is None
    assert (await store.stored_digests("rules")).keys() == {"2026.1"}


async def test_a_body_naming_another_version_or_kind_is_refused(seeded: None) -> None:
    today = runtime.clock().today()
    with pytest.raises(ContentVersionInvalid) as refused:
        await publish_version("rules", "2026.x", rules_body("2026.y", today), today)
    assert refused.value.field == "version"
    with pytest.raises(ContentVersionInvalid) as refused:
        await publish_version("rules", "2026.x", rules_body("2026.x", today), today.replace(day=1))
    assert refused.value.field == "effectiveFrom"
    with pytest.raises(ContentVersionInvalid) as refused:
        await publish_version("sermons", "1", "", today)
    assert refused.value.field == "kind"
    with pytest.raises(ContentVersionExists):
        await publish_version("rules", "2026.1", SEED_RULES, dt.date(2026, 4, 1))


async def test_a_stored_version_that_does_not_validate_is_not_installed(
    seeded: None, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    today = runtime.clock().today()
    broken = rules_body("2026.broken", today, base_points=0)
    stored = StoredVersion(kind="rules", version="2026.broken", effective_from=today, body=broken)
    now = runtime.clock().now()
    assert await store.insert_version(stored, published_by=PUBLISHER, imported_at=now)
    await bump_generations(runtime.current().redis, settings.redis_namespace, ["rules"])
    with caplog.at_level(logging.ERROR, logger="backend.content"):
        assert await live_content().refresh() == []
    assert "does not validate" in caplog.text
    assert "field 'base_points'" in caplog.text
    assert runtime.current().rules.by_version("2026.broken") is None
