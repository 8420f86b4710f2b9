"""What one record did to the card (积分影响), read from the engine's assessment after
re-scoring: the points its explanation line adds once the yearly cap is applied, or the reason it
adds none (suspended under objection, past its display period, revoked, repaired, not decided
yet). The notice about a new record states this, never the catalog's points."""

from __future__ import annotations

import msgspec

from backend.notifications.events import RecordCounting
from points_engine import Assessment


class RecordEffect(msgspec.Struct, frozen=True, kw_only=True):
    points: int  # what moved on the card; 0 when nothing did
    counting: RecordCounting
    catalog_points: int | None = None  # before the cap, or the penalty withheld
    on: str | None = None  # the display end, or the first day it counts


def record_ids(assessment: Assessment | None) -> set[int]:
    """Every record the assessment saw: counting, suspended or not counting."""
    if assessment is None:
        return set()
    return (
        {line.record_id for line in assessment.lines}
        | {s.record_id for s in assessment.suspended}
        | {n.record_id for n in assessment.not_counting}
    )


def record_effects(wanted: set[int], assessment: Assessment) -> dict[int, RecordEffect]:
    """The effect on ``assessment`` of each wanted record it holds, in one pass."""
    effects: dict[int, RecordEffect] = {}
    for line in assessment.lines:
        if line.record_id in wanted:
            effects[line.record_id] = (
                RecordEffect(
                    points=line.points, counting="capped", catalog_points=line.uncapped_points
                )
                if line.capped
                else RecordEffect(
                    points=line.points, counting="counted" if line.points else "no_points"
                )
            )
    for suspended in assessment.suspended:
        if suspended.record_id in wanted:
            effects[suspended.record_id] = RecordEffect(
                points=0, counting="suspended", catalog_points=suspended.withheld_points
            )
    for gone in assessment.not_counting:
        if gone.record_id in wanted:
            day = gone.stopped_on if gone.reason == "display_period_over" else gone.counts_from
            effects[gone.record_id] = RecordEffect(
                points=0, counting=gone.reason, on=day.isoformat() if day is not None else None
            )
    return effects
