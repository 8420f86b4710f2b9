"""arq jobs: every hour, flag repair applications due within one working day and escalate
overdue ones (counted against the department whose turn it was)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from arq import cron

from backend.objections.cases import REPAIR, check_deadlines
from backend.platform.calendar import today_in_shanghai


async def check_repair_deadlines(ctx: dict[str, Any], today: str | None = None) -> dict[str, int]:
    """``today`` (ISO date) stands in for the business date; default today in Asia/Shanghai."""
    day = dt.date.fromisoformat(today) if today else today_in_shanghai()
    return await check_deadlines(REPAIR, day)


JOBS: list[Any] = [check_repair_deadlines]
CRON_JOBS: list[Any] = [
    cron(check_repair_deadlines, minute={9}, run_at_startup=False, unique=True),
]
