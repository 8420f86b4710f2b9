"""Worker jobs of this domain (none yet)."""

from typing import Any

from backend.platform.queue import WorkerJob

JOBS: list[WorkerJob] = []
CRON_JOBS: list[Any] = []
