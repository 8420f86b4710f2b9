"""Officers of each role, and the content seed stored with the app back on it after each test."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest

from backend.content.live import bump_generations, live_content
from backend.identity import service as identity
from backend.platform import runtime
from backend.platform.config import Settings
from backend.platform.database import connection
from backend.wiring import import_content_seed

PASSWORD = "correct horse battery staple"
Officer = Callable[[str, list[str]], Awaitable[dict[str, str]]]


@pytest.fixture
async def seeded(app: object, settings: Settings) -> AsyncIterator[None]:
    """The seed stored (as after migrate); afterwards every published version is gone and the
    running app is back on the seed."""
    await import_content_seed(settings)
    yield
    async with connection() as conn:
        kinds = await conn.fetch(
            "DELETE FROM content_version WHERE published_by <> 'seed' RETURNING kind"
        )
    rt = runtime.current()
    await bump_generations(rt.redis, settings.redis_namespace, {row["kind"] for row in kinds})
    await live_content().refresh()
    assert [r.version for r in rt.rules] == ["2026.1"]


@pytest.fixture
def officer(client: httpx.AsyncClient) -> Officer:
    """Creates an officer with these roles and answers the Authorization header of a session."""

    async def make(username: str, roles: list[str]) -> dict[str, str]:
        await identity.create_officer(username, PASSWORD, f"信用办 {username}", roles)
        response = await client.post(
            "/v1/auth/officer/sign-in", json={"username": username, "password": PASSWORD}
        )
        assert response.status_code == 200, response.text
        return {"Authorization": f"Bearer {response.json()['accessToken']}"}

    return make
