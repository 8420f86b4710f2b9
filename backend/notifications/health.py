"""How push delivery is doing: what is open, overdue, expired or possibly sent twice.

The five-minute check closes deliveries still open past their delivery deadline (each one is a
push the citizen never got; the inbox still has it) and logs the number; officers read the same
figures at ``GET /v1/officer/push-deliveries/health``."""

from __future__ import annotations

import datetime as dt
import logging

from backend.notifications import store
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
        expired = await store.expire_open_deliveries(conn, cutoff)
        in_flight = await store.in_flight_count(conn, cutoff)
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
        open_now = await store.open_deliveries(conn, cutoff)
        day = await store.delivery_outcomes(conn, moment - dt.timedelta(hours=24))
    return DeliveryHealth(
        pending=open_now.pending,
        in_flight=open_now.in_flight,
        overdue=open_now.overdue,
        sent_last_day=day.sent,
        expired_last_day=day.expired,
        failed_last_day=day.failed,
        pruned_last_day=day.pruned,
        possible_duplicates_last_day=int(day.reclaimed),
        deadline_hours=runtime.current().settings.push_delivery_deadline_hours,
    )
