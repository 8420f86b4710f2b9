"""arq jobs: every hour, flag repair applications due within one working day and escalate
overdue ones (counted against the department whose turn it was)."""

from __future__ import annotations

from typing import Any

from backend.cases.deadlines import deadline_jobs
from backend.repairs.kind import REPAIR

check_repair_deadlines, _schedule = deadline_jobs(REPAIR, minute=9)

JOBS: list[Any] = [check_repair_deadlines]
CRON_JOBS: list[Any] = [_schedule]
