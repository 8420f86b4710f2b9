"""Fixtures for content versions: the seed stored as after ``migrate``, and the running app
back on it after each test."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from backend.content.live import bump_generations, live_content
from backend.platform import runtime
from backend.platform.config import Settings
from backend.platform.database import connection
from backend.wiring import import_content_seed

PUBLISHER = "test-live-versions"


@pytest.fixture
async def seeded(app: object, settings: Settings) -> AsyncIterator[None]:
    """The seed stored (as after migrate), and this test's versions gone afterwards, with the
    running app back on the seed."""
    await import_content_seed(settings)
    yield
    async with connection() as conn:
        kinds = await conn.fetch(
            "DELETE FROM content_version WHERE published_by = $1 RETURNING kind", PUBLISHER
        )
    rt = runtime.current()
    await bump_generations(rt.redis, settings.redis_namespace, {row["kind"] for row in kinds})
    await live_content().refresh()
    assert [r.version for r in rt.rules] == ["2026.1"]
