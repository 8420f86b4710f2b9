"""Nightly statistics: each citizen's percentile among all scored citizens (one SQL statement,
so the monthly summary and the card never rank citizens per request)."""

from __future__ import annotations

import datetime as dt

from backend.platform.database import connection


async def compute_percentiles(as_of: dt.date) -> int:
    """``percentile`` = the share of citizens with fewer points, in whole percent."""
    async with connection() as conn:
        status = await conn.execute(
            "INSERT INTO points_percentile (citizen, percentile, computed_on)"
            " SELECT citizen, floor(percent_rank() OVER (ORDER BY points) * 100)::int, $1"
            " FROM credit_card ON CONFLICT (citizen) DO UPDATE SET"
            " percentile = EXCLUDED.percentile, computed_on = EXCLUDED.computed_on",
            as_of,
        )
    return int(status.split()[-1])


async def percentile_of(citizen_id: int) -> int | None:
    async with connection() as conn:
        value = await conn.fetchval(
            "SELECT percentile FROM points_percentile WHERE citizen = $1", citizen_id
        )
    return int(value) if value is not None else None
