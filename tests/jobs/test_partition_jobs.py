"""The daily partition jobs: months created ahead (and at the worker's start), expired months of
the outbox and the inbox dropped, each reporting what it did."""

from __future__ import annotations

import datetime as dt
from typing import Any

from litestar import Litestar

from backend.identity.jobs import CRON_JOBS as IDENTITY_CRON
from backend.identity.jobs import create_partitions
from backend.notifications.jobs import drop_expired_months
from backend.platform.calendar import today_in_shanghai
from backend.platform.partitions import PARTITIONED, ensure_partitions_between, month_partitions


async def test_create_partitions_keeps_the_months_ahead(app: Litestar, db: Any) -> None:
    created = (await create_partitions({}))["created"]
    assert await create_partitions({}) == {"created": []}  # idempotent
    this_month = today_in_shanghai().replace(day=1)
    for table in PARTITIONED:
        months = set(await month_partitions(db, table))
        assert this_month in months, (table, created)
    assert any(job.run_at_startup for job in IDENTITY_CRON if job.name == "cron:create_partitions")


async def test_drop_expired_months_drops_only_past_retention(app: Litestar, db: Any) -> None:
    await ensure_partitions_between(db, start=dt.date(2020, 1, 1), end=dt.date(2020, 1, 1))
    # 1 June 2020: January's outbox is past 3 months, its inbox not past 24.
    assert await drop_expired_months({}, "2020-06-01") == {"dropped": ["outbox_event_2020_01"]}
    assert dt.date(2020, 1, 1) in await month_partitions(db, "notification")
    assert dt.date(2020, 1, 1) in await month_partitions(db, "query_log")
    assert await drop_expired_months({}, "2020-06-01") == {"dropped": []}
