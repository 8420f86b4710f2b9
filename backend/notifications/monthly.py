"""The monthly card (信用月报): on the first day of a month, each citizen with the app hears how
last month went — points and their change, new badges, percentile among all citizens (from the
nightly statistics), and the next step towards the next grade.

The change is measured from the points at the end of the month before (the last score-history
row dated before the month). A citizen with no such row is in their first month: the change is
measured from the base points their card started from, and the summary says it is the first."""

from __future__ import annotations

import datetime as dt

import msgspec

from backend.notifications import store
from backend.notifications.events import MonthlySummary, emit_event
from backend.platform.database import transaction
from backend.platform.rows import Connection
from points_engine import Assessment

BATCH = 500


def previous_month(today: dt.date) -> tuple[dt.date, dt.date]:
    end = today.replace(day=1) - dt.timedelta(days=1)
    return end.replace(day=1), end


def _next_step(assessment: Assessment) -> str:
    if assessment.next_grade is None or assessment.points_to_next_grade is None:
        return "AAA ✓"
    return f"+{assessment.points_to_next_grade} → {assessment.next_grade.code}"


async def _summarise(
    conn: Connection,
    card: store.CardToSummarise,
    *,
    before: int | None,
    start: dt.date,
    end: dt.date,
) -> None:
    """``before``: the points at the end of the month before; None: the citizen's first month."""
    assessment = msgspec.json.decode(card.assessment_json, type=Assessment)
    compared_with = assessment.base_points if before is None else before
    event = MonthlySummary(
        month=f"{start:%Y-%m}",
        points=assessment.points,
        points_change=assessment.points - compared_with,
        compared_with=compared_with,
        first_month=before is None,
        grade_name=assessment.grade.name_zh,
        grade_name_en=assessment.grade.name_en,
        percentile=card.percentile,
        new_badges=sum(1 for b in assessment.badges if start <= b.earned_on <= end),
        next_step=_next_step(assessment),
    )
    await emit_event(conn, card.citizen, event, dedupe_key=f"monthly:{card.citizen}:{start}")


async def send_monthly_summaries(today: dt.date) -> int:
    """Idempotent per citizen and month (the outbox dedupe key), so a rerun sends nothing twice."""
    start, end = previous_month(today)
    last, total = 0, 0
    while True:
        async with transaction() as conn:
            cards = await store.cards_after(conn, last, BATCH)
            befores = await store.points_before_many(conn, [c.citizen for c in cards], start)
            for card in cards:
                before = befores.get(card.citizen)
                await _summarise(conn, card, before=before, start=start, end=end)
        if not cards:
            return total
        total += len(cards)
        last = cards[-1].citizen
