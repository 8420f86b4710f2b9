"""How push delivery is doing: what is open, overdue, expired or possibly sent twice.

The five-minute check closes deliveries still open past their delivery deadline (each one is a
push the citizen never got; the inbox still has it) and logs the number; officers read the same
figures at ``GET /v1/officer/push-deliveries/health``."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from backend.notifications.schemas import DeliveryHealth
from backend.platform import runtime
from backend.platform.database import connection

log = logging.getLogger("backend.notifications.health")


def _deadline() -> dt.timedelta:
    return dt.timedelta(hours=runtime.current().settings.push_delivery_deadline_hours)


async def expire_overdue(now: dt.datetime | None = None) -> dict[str, int]:
    """Deliveries still open past the deadline (no sender reached them) become ``expired``."""
    cutoff = (now or dt.datetime.now(dt.UTC)) - _deadline()
    async with connection() as conn:
        expired = await conn.fetchval(
            "WITH gone AS (UPDATE push_delivery SET status = 'expired',"
            " last_error = coalesce(last_error || '; ', '') || 'delivery deadline passed'"
            " WHERE status = 'pending' AND created_at < $1 RETURNING 1)"
            " SELECT count(*) FROM gone",
            cutoff,
        )
        in_flight = await conn.fetchval(
            "SELECT count(*) FROM push_delivery WHERE status = 'sending' AND created_at < $1",
            cutoff,
        )
    if expired or in_flight:
        log.warning(
            "push deliveries past their %s deadline: %d expired now, %d still in flight",
            _deadline(),
            expired,
            in_flight,
        )
    return {"expired": int(expired), "overdueInFlight": int(in_flight)}


async def delivery_health(now: dt.datetime | None = None) -> DeliveryHealth:
    moment = now or dt.datetime.now(dt.UTC)
    cutoff = moment - _deadline()
    async with connection() as conn:
        row: Any = await conn.fetchrow(
            "SELECT count(*) FILTER (WHERE status = 'pending') AS pending,"
            " count(*) FILTER (WHERE status = 'sending') AS in_flight,"
            " count(*) FILTER (WHERE created_at < $1) AS overdue"
            " FROM push_delivery WHERE status IN ('pending', 'sending')",
            cutoff,
        )
        day: Any = await conn.fetchrow(
            "SELECT count(*) FILTER (WHERE status = 'sent') AS sent,"
            " count(*) FILTER (WHERE status = 'expired') AS expired,"
            " count(*) FILTER (WHERE status = 'failed') AS failed,"
            " count(*) FILTER (WHERE status = 'pruned') AS pruned,"
            " coalesce(sum(reclaimed), 0) AS reclaimed"
            " FROM push_delivery WHERE created_at >= $1",
            moment - dt.timedelta(hours=24),
        )
    return DeliveryHealth(
        pending=row["pending"],
        in_flight=row["in_flight"],
        overdue=row["overdue"],
        sent_last_day=day["sent"],
        expired_last_day=day["expired"],
        failed_last_day=day["failed"],
        pruned_last_day=day["pruned"],
        possible_duplicates_last_day=int(day["reclaimed"]),
        deadline_hours=runtime.current().settings.push_delivery_deadline_hours,
    )
