"""BUSINESS_DATE end to end: the API and the worker, started as real processes on a date past a
record's repair date, show the record as repairable and push the notice of it, without anyone
editing the database; production refuses to start with the setting."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path
from typing import Any

import httpx

from backend.identity.sms import MemorySmsSender
from backend.platform.calendar import today_in_shanghai
from backend.platform.config import Settings
from backend.platform.queue import enqueue
from backend.scoring.jobs import nightly_rescore
from tests.api.objections.helpers import Citizen, citizen, days_ago
from tests.conftest import RunWorker
from tests.processes import service_env, start_api, start_worker, stop, wait_until

DRINK = "TRAFFIC-DRINK-DRIVING"  # general, -30: repairable 6 months after the decision


async def _countdown(http: httpx.AsyncClient, who: Citizen) -> dict[str, Any]:
    explanation = await http.get("/v1/me/card/explanation", headers=who.headers)
    assert explanation.status_code == 200, explanation.text
    [countdown] = explanation.json()["countdowns"]
    return dict(countdown)


async def _repairable_notices(http: httpx.AsyncClient, who: Citizen) -> list[dict[str, Any]]:
    inbox = await http.get("/v1/me/notifications?limit=100", headers=who.headers)
    assert inbox.status_code == 200, inbox.text
    return [n for n in inbox.json()["items"] if n["kind"] == "record.repairable"]


async def test_api_and_worker_live_on_the_business_date(
    client: httpx.AsyncClient,
    sms: MemorySmsSender,
    settings: Settings,
    run_worker: RunWorker,
    tmp_path: Path,
) -> None:
    who = await citizen(client, sms, "13938000001", [(DRINK, days_ago(30))])
    await run_worker()  # the card is scored on the real date
    before = await _countdown(client, who)
    repairable_from = dt.date.fromisoformat(before["repairableFrom"])
    display_until = before["displayUntil"]
    assert repairable_from > today_in_shanghai() and before["repairPossibleNow"] is False
    card = (await client.get("/v1/me/card", headers=who.headers)).json()
    assert card["nextChangeOn"] == repairable_from.isoformat()
    assert await _repairable_notices(client, who) == []

    business_day = repairable_from + dt.timedelta(days=3)
    env = service_env(
        settings,
        database_url=settings.database_url or "",
        redis_url=settings.redis_url or "",
        var=tmp_path,
    )
    env["BUSINESS_DATE"] = business_day.isoformat()
    api, base = start_api(env, tmp_path / "api.log")
    worker = start_worker(env, tmp_path / "worker.log")
    try:
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:

            async def api_up() -> bool:
                return (await http.get("/healthz")).status_code == 200

            await wait_until(api_up, seconds=60)
            # (a) The API process reads the same stored card on the business date.
            on_the_day = await _countdown(http, who)
            assert on_the_day["repairableFrom"] == repairable_from.isoformat()
            assert on_the_day["repairPossibleNow"] is True
            options_path = f"/v1/me/records/{who.records[0]}/repair-options"
            options = (await http.get(options_path, headers=who.headers)).json()
            assert options["possibleNow"] is True

            # (b) The nightly re-scoring, run by the worker process on its business date, finds
            # the card whose next change has come and tells the citizen.
            await enqueue(nightly_rescore)

            async def told() -> bool:
                return bool(await _repairable_notices(http, who))

            await wait_until(told, seconds=60)
            [notice] = await _repairable_notices(http, who)
            assert notice["data"]["recordId"] == who.records[0]
            assert notice["data"]["repairableFrom"] == repairable_from.isoformat()
            # The card itself was re-scored on the business date: its next change is now the
            # day the record leaves display.
            moved = (await http.get("/v1/me/card", headers=who.headers)).json()
            assert moved["nextChangeOn"] == display_until
    finally:
        stop(api, worker)
    assert "BUSINESS_DATE=" + business_day.isoformat() in (tmp_path / "api.log").read_text()
    assert "BUSINESS_DATE=" + business_day.isoformat() in (tmp_path / "worker.log").read_text()
    # This process kept the real date all along.
    assert (await _countdown(client, who))["repairPossibleNow"] is False


def _exits(process: subprocess.Popen[bytes]) -> int:
    try:
        return process.wait(timeout=60)
    finally:
        stop(process)


def test_production_refuses_to_start_with_business_date(settings: Settings, tmp_path: Path) -> None:
    env = service_env(
        settings,
        database_url=settings.database_url or "",
        redis_url=settings.redis_url or "",
        var=tmp_path,
    )
    env.update(APP_ENV="production", BUSINESS_DATE="+30")
    api, _ = start_api(env, tmp_path / "api.log")
    worker = start_worker(env, tmp_path / "worker.log")
    assert _exits(api) != 0
    assert _exits(worker) != 0
    refusal = "BUSINESS_DATE='+30' is set with APP_ENV=production"
    assert refusal in (tmp_path / "api.log").read_text()
    assert refusal in (tmp_path / "worker.log").read_text()
