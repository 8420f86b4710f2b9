"""Worker jobs of this domain (none yet)."""

from typing import Any

JOBS: list[Any] = []
CRON_JOBS: list[Any] = []
