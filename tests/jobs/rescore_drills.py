"""Building blocks of the re-scoring fault drills (``test_rescore_faults.py`` and
``benchmarks/drill_faults.py``): records that give varied points, a check of every card against
a fresh assessment, and a supervisor that keeps one worker process running."""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path
from typing import Any

from backend.platform.calendar import today_in_shanghai
from backend.platform.database import connection
from backend.scoring import service
from tests import factories as f
from tests.processes import start_worker, stop

BATCH = "/v1/department/records:batch"
SCOPES = ["domain:traffic_safety", "domain:volunteer_service"]


def records(first: int, count: int, tag: str) -> list[dict[str, Any]]:
    """Citizens ``first`` .. ``first + count - 1`` with records that give varied points."""
    records = []
    for i in range(first, first + count):
        number = f.id_number(9000 + i)
        if i % 2:
            records.append(f.record(number, f"{tag}-bad-{i}"))
        else:
            records.append(
                f.record(
                    number,
                    f"{tag}-hours-{i}",
                    "VOLUNTEER-SERVICE-HOURS",
                    occurredOn="2026-10-01",
                    quantity=i % 9 + 1,
                )
            )
        if i % 3 == 0:
            records.append(f.record(number, f"{tag}-bad2-{i}", occurredOn="2026-08-01"))
    return records


async def wrong_cards() -> tuple[int, list[int]]:
    """(citizens with records, those whose card is not what a fresh assessment gives now). A
    citizen whose batch's follow-up has not run yet (records.jobs) is wrong: no counter moved."""
    today = today_in_shanghai()
    async with connection() as conn:
        rows = await conn.fetch(
            "SELECT c.id, c.change_counter, c.scored_counter, k.points FROM citizen c"
            " LEFT JOIN credit_card k ON k.citizen = c.id"
            " WHERE EXISTS (SELECT 1 FROM record r WHERE r.citizen = c.id)"
        )
    wrong = []
    for row in rows:
        fresh = await service.assess_citizen(row["id"], today)
        assert fresh is not None
        counter, assessment = fresh
        scored = 0 < row["scored_counter"] == row["change_counter"] == counter
        if not scored or row["points"] != assessment.points:
            wrong.append(row["id"])
    return len(rows), wrong


class Supervisor:
    """Keeps one worker process running, restarting it when it exits."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env, self.log, self.restarts = env, log, 0
        self.process: subprocess.Popen[bytes] = start_worker(env, log)

    def watch(self) -> None:
        if self.process.poll() is not None:
            self.restarts += 1
            self.process = start_worker(self.env, self.log)

    def pause(self) -> None:
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        self.process.send_signal(signal.SIGCONT)

    def stop(self) -> None:
        self.resume()  # a stopped process would not see SIGTERM
        stop(self.process)
