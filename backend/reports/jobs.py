"""arq jobs: every hour, flag reports due within one working day and escalate overdue ones
(counted against the department whose turn it was)."""

from __future__ import annotations

from typing import Any

from backend.cases.deadlines import deadline_jobs
from backend.reports import reporter  # noqa: F401  (registers the party in the worker)
from backend.reports.kind import REPORT

check_report_deadlines, _schedule = deadline_jobs(REPORT, minute=27)

JOBS: list[Any] = [check_report_deadlines]
CRON_JOBS: list[Any] = [_schedule]
