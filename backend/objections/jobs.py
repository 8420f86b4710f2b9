"""arq jobs: every hour, flag objections due within one working day and escalate overdue ones
(counted against the department whose turn it was)."""

from __future__ import annotations

from typing import Any

from backend.cases.deadlines import deadline_jobs
from backend.objections.kind import OBJECTION

check_objection_deadlines, _schedule = deadline_jobs(OBJECTION, minute=7)

JOBS: list[Any] = [check_objection_deadlines]
CRON_JOBS: list[Any] = [_schedule]
