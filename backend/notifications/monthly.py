"""The monthly card (信用月报): on the first day of a month, each citizen with the app hears how
last month went — points and their change, new badges, percentile among all citizens (from the
nightly statistics), and the next step towards the next grade.

The change is measured from the points at the end of the month before (the last score-history
row dated before the month). A citizen with no such row is in their first month: the change is
measured from the base points their card started from, and the summary says it is the first."""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec

from backend.notifications.events import MonthlySummary, emit_event
from backend.platform.database import transaction
from points_engine import Assessment

BATCH = 500


def previous_month(today: dt.date) -> tuple[dt.date, dt.date]:
    end = today.replace(day=1) - dt.timedelta(days=1)
    return end.replace(day=1), end


def _next_step(assessment: Assessment) -> str:
    if assessment.next_grade is None or assessment.points_to_next_grade is None:
        return "AAA ✓"
    return f"+{assessment.points_to_next_grade} → {assessment.next_grade.code}"


async def _points_before(conn: Any, citizen_id: int, start: dt.date) -> int | None:
    """The points at the end of the month before ``start``; None: no history before it."""
    points = await conn.fetchval(
        "SELECT points FROM score_history WHERE citizen = $1 AND as_of < $2"
        " ORDER BY id DESC LIMIT 1",
        citizen_id,
        start,
    )
    return int(points) if points is not None else None


async def _summarise(conn: Any, row: Any, start: dt.date, end: dt.date) -> None:
    assessment = msgspec.json.decode(row["assessment_json"], type=Assessment)
    before = await _points_before(conn, row["citizen"], start)
    compared_with = assessment.base_points if before is None else before
    event = MonthlySummary(
        month=f"{start:%Y-%m}",
        points=assessment.points,
        points_change=assessment.points - compared_with,
        compared_with=compared_with,
        first_month=before is None,
        grade_name=assessment.grade.name_zh,
        grade_name_en=assessment.grade.name_en,
        percentile=row["percentile"],
        new_badges=sum(1 for b in assessment.badges if start <= b.earned_on <= end),
        next_step=_next_step(assessment),
    )
    await emit_event(conn, row["citizen"], event, dedupe_key=f"monthly:{row['citizen']}:{start}")


async def send_monthly_summaries(today: dt.date) -> int:
    """Idempotent per citizen and month (the outbox dedupe key), so a rerun sends nothing twice."""
    start, end = previous_month(today)
    last, total = 0, 0
    while True:
        async with transaction() as conn:
            rows = await conn.fetch(
                "SELECT k.citizen, k.assessment_json, p.percentile FROM credit_card k"
                " JOIN citizen_account a ON a.citizen = k.citizen"
                " LEFT JOIN points_percentile p ON p.citizen = k.citizen"
                " WHERE k.citizen > $1 ORDER BY k.citizen LIMIT $2",
                last,
                BATCH,
            )
            for row in rows:
                await _summarise(conn, row, start, end)
        if not rows:
            return total
        total += len(rows)
        last = rows[-1]["citizen"]
