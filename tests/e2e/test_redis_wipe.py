"""Redis holds nothing that cannot be rebuilt: every key of the app is wiped mid-run, with
re-scoring jobs queued and cards cached, and afterwards every card is right, every queued job's
work is done, every event reached the inbox, and a signed-out session stays signed out.

Real processes (the API and an arq worker) on a Redis of this test alone, which it wipes with
FLUSHALL while both run: what an operator's ``redis-cli FLUSHALL``, a lost volume or a failover
to an empty replica does.
"""

from __future__ import annotations

from pathlib import Path

import httpx

from backend.identity.sms import MemorySmsSender
from backend.platform.config import Settings
from backend.platform.database import connection
from backend.platform.redis import namespaced
from backend.scoring.service import CARD_FORMAT
from tests import factories as f
from tests.fakes.redis_server import PrivateRedis
from tests.jobs.rescore_drills import BATCH, SCOPES, Supervisor, records, wrong_cards
from tests.processes import service_env, start_api, stop, wait_for_api, wait_until


async def _count(sql: str, *args: object) -> int:
    async with connection() as conn:
        return int(await conn.fetchval(sql, *args))


async def test_wiping_redis_mid_run_loses_no_card_job_notice_or_sign_out(
    client: httpx.AsyncClient,
    sms: MemorySmsSender,
    settings: Settings,
    private_redis: PrivateRedis,
    tmp_path: Path,
) -> None:
    key = await f.department("civic", SCOPES)
    # Citizens with accounts, signed up through the in-process API (the same database and keys).
    number_a, auth_a = await f.signed_up(client, sms, "13800000001")
    number_b, auth_b = await f.signed_up(client, sms, "13800000002")
    env = service_env(
        settings,
        database_url=settings.database_url or "",
        redis_url=private_redis.url,
        var=tmp_path,
    )
    api, base = start_api(env, tmp_path / "api.log")
    worker = Supervisor(env, tmp_path / "worker.log")
    queue = f"{settings.redis_namespace}:queue"
    redis = private_redis.server
    assert redis is not None
    try:
        await wait_for_api(base)

        async def worker_ready() -> bool:
            return bool(redis.exists(f"{queue}:health-check"))

        await wait_until(worker_ready)
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:

            async def post(items: list[dict[str, object]]) -> None:
                posted = await http.post(BATCH, headers={"X-Api-Key": key}, json={"records": items})
                assert posted.status_code == 200, posted.text

            await post(
                [*records(0, 20, "w1"), f.record(number_a, "a-1"), f.record(number_b, "b-1")]
            )
            await wait_until(_all_right, seconds=60, interval=0.5)
            card = await http.get("/v1/me/card", headers=auth_a)
            assert card.status_code == 200, card.text
            citizen_a = await _count("SELECT citizen FROM citizen_account ORDER BY id LIMIT 1")
            assert redis.exists(_card_key(settings, citizen_a))  # served from Redis from now on
            signed_out = await http.post("/v1/auth/sign-out", headers=auth_b)
            assert signed_out.status_code == 204, signed_out.text
            assert (await http.get("/v1/me/card", headers=auth_b)).status_code == 401

            # A stalled worker leaves the next re-scorings in the queue; then Redis is wiped.
            worker.pause()
            await post([*records(20, 20, "w2"), f.record(number_a, "a-2", occurredOn="2026-08-01")])
            queued = redis.zcard(queue)
            assert queued > 0
            keys_before = redis.dbsize()
            redis.flushall()
            worker.resume()

            # At once: the signed-out session is still refused, the card is still served.
            assert (await http.get("/v1/me/card", headers=auth_b)).status_code == 401
            assert (await http.get("/v1/me/card", headers=auth_a)).status_code == 200

            await wait_until(_all_right, seconds=120, interval=0.5)
            ingested, wrong = await wrong_cards()
            assert ingested >= 40 and wrong == []
            assert await _count("SELECT count(*) FROM outbox_event WHERE delivered_at IS NULL") == 0
            told_a = await _count(
                "SELECT count(*) FROM notification WHERE citizen = $1 AND kind = 'record.added'",
                citizen_a,
            )
            assert told_a == await _count(
                "SELECT count(*) FROM record WHERE citizen = $1", citizen_a
            )
            assert told_a >= 2
            events = await _count("SELECT count(*) FROM outbox_event")
            assert await _count("SELECT count(*) FROM notification") == events

            card = await http.get("/v1/me/card", headers=auth_a)
            stored = await _count("SELECT points FROM credit_card WHERE citizen = $1", citizen_a)
            assert card.status_code == 200 and card.json()["points"] == stored
            again = await http.get(
                "/v1/me/card", headers={**auth_a, "If-None-Match": card.headers["etag"]}
            )
            assert again.status_code == 304
            assert (await http.get("/v1/me/card", headers=auth_b)).status_code == 401
        print(
            f"\nkeys wiped={keys_before} queued jobs wiped={queued} citizens={ingested}"
            f" wrong cards={len(wrong)} worker restarts={worker.restarts}"
        )
    finally:
        stop(api)
        worker.stop()


async def _all_right() -> bool:
    if (await wrong_cards())[1]:
        return False
    return await _count("SELECT count(*) FROM outbox_event WHERE delivered_at IS NULL") == 0


def _card_key(settings: Settings, citizen_id: int) -> str:
    return namespaced(settings.redis_namespace, CARD_FORMAT, "zh-CN", citizen_id)
