"""Is a session signed out? Redis answers, and PostgreSQL stands behind it.

A sign-out revokes the session's refresh tokens in PostgreSQL and lists the session in Redis
until its access tokens expire (``service.revoke_family``). Redis holds nothing that cannot be
rebuilt, so a wiped or replaced Redis must not bring a signed-out session back to life: a marker
key says the list is complete, and when it is missing the list is rebuilt once from the
refresh tokens revoked within an access token's lifetime.
"""

from __future__ import annotations

import asyncio
import logging

from redis.asyncio import Redis

from backend.identity.service import revoked_session_key
from backend.platform.config import Settings
from backend.platform.database import connection
from backend.platform.redis import namespaced

log = logging.getLogger("backend.identity")
# After a wipe every request finds the list missing at once: one rebuild per process, the
# others wait for it and then read the rebuilt list.
_rebuilding = asyncio.Lock()


def complete_key(settings: Settings) -> str:
    return namespaced(settings.redis_namespace, "revoked-session", ":complete")


async def session_revoked(redis: Redis, settings: Settings, session_id: str) -> bool:
    """One round trip when the list is complete (always, but after a wipe)."""
    async with redis.pipeline(transaction=False) as pipe:
        pipe.exists(revoked_session_key(settings, session_id))
        pipe.exists(complete_key(settings))
        listed, complete = await pipe.execute()
    if listed or complete:
        return bool(listed)
    async with _rebuilding:
        if not await redis.exists(complete_key(settings)):
            await _rebuild(redis, settings)
    return bool(await redis.exists(revoked_session_key(settings, session_id)))


async def _rebuild(redis: Redis, settings: Settings) -> None:
    lifetime = settings.access_token_minutes * 60 + 60
    async with connection() as conn:
        families = await conn.fetch(
            "SELECT family_id, extract(epoch FROM now() - max(revoked_at))::int AS age"
            " FROM refresh_token WHERE revoked_at > now() - make_interval(secs => $1)"
            " GROUP BY family_id",
            lifetime,
        )
    async with redis.pipeline(transaction=False) as pipe:
        for row in families:
            pipe.set(
                revoked_session_key(settings, row["family_id"]),
                b"1",
                ex=max(lifetime - int(row["age"]), 1),
            )
        pipe.set(complete_key(settings), b"1")
        await pipe.execute()
    log.warning(
        "the list of signed-out sessions was missing in Redis: rebuilt from PostgreSQL"
        " (%d sessions)",
        len(families),
    )
