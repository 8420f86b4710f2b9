"""What a citizen hears when their card changes: points or grade, new badges, a bad record that
became repairable, a record that left display. Compared between the stored and the new
assessment, each with a dedupe key so a re-run of the same change sends nothing twice.

Score and benefit keys carry the card's revision (bumped by every write that changes the card),
not the value reached: a move back to points already told that day is a new change and is told.
Badge, repairable and display-ended keys name the badge or record, which happens once."""

from __future__ import annotations

from typing import Any

from backend.benefits.catalog import benefit_set
from backend.notifications.events import (
    BadgeEarned,
    BenefitChanged,
    Event,
    RecordDisplayEnded,
    RecordRepairable,
    ScoreChanged,
    emit_event,
)
from backend.platform import runtime
from points_engine import Assessment, BenefitsError, BenefitStatus, evaluate

Change = tuple[Event, str]


def card_changes(
    citizen_id: int, before: Assessment | None, after: Assessment, *, revision: int
) -> list[Change]:
    if before is None:
        return []  # the first assessment of a citizen is not news
    changes: list[Change] = []
    if (before.points, before.grade.code) != (after.points, after.grade.code):
        event = ScoreChanged(
            points=after.points, previous_points=before.points, grade=after.grade.code,
            previous_grade=before.grade.code, grade_name=after.grade.name_zh,
        )  # fmt: skip
        changes.append((event, f"score:{citizen_id}:r{revision}"))
    had = {b.code for b in before.badges}
    for badge in after.badges:
        if badge.code not in had:
            changes.append((BadgeEarned(badge=badge.code, badge_name=badge.name_zh),
                            f"badge:{citizen_id}:{badge.code}"))  # fmt: skip
    changes.extend(_countdown_changes(before, after))
    changes.extend(_benefit_changes(citizen_id, before, after, revision))
    return changes


def _held(assessment: Assessment) -> dict[str, BenefitStatus]:
    try:
        catalog = benefit_set().in_force(assessment.as_of)
    except BenefitsError:
        return {}
    rules = runtime.current().rules.in_force(assessment.as_of)
    return {s.code: s for s in evaluate(assessment, catalog, rules).available}


def _benefit_changes(
    citizen_id: int, before: Assessment, after: Assessment, revision: int
) -> list[Change]:
    had, has = _held(before), _held(after)
    changes: list[Change] = []
    for code in sorted(has.keys() ^ had.keys()):
        status, gained = (has[code], True) if code in has else (had[code], False)
        event = BenefitChanged(
            benefit=code, benefit_name=status.name_zh, benefit_name_en=status.name_en,
            change_zh="可以享受" if gained else "暂不能享受",
            change_en="available to you" if gained else "no longer available",
        )  # fmt: skip
        state = "gained" if gained else "lost"
        changes.append((event, f"benefit:{citizen_id}:{code}:{state}:r{revision}"))
    return changes


def _countdown_changes(before: Assessment, after: Assessment) -> list[Change]:
    changes: list[Change] = []
    was_repairable = {c.record_id for c in before.countdowns if c.repair_possible_now}
    for c in after.countdowns:
        if c.repair_possible_now and c.record_id not in was_repairable and c.repairable_from:
            repairable = RecordRepairable(
                record_id=c.record_id, record_title=c.record_type,
                repairable_from=c.repairable_from.isoformat(),
            )  # fmt: skip
            changes.append((repairable, f"repairable:{c.record_id}"))
    counted = {line.record_id for line in before.lines if line.polarity == "bad"}
    counted |= {s.record_id for s in before.suspended}
    for gone in after.not_counting:
        if gone.reason == "display_period_over" and gone.record_id in counted:
            ended = RecordDisplayEnded(
                record_id=gone.record_id, record_title=gone.record_type,
                display_until=(gone.stopped_on or after.as_of).isoformat(),
            )  # fmt: skip
            changes.append((ended, f"display-ended:{gone.record_id}"))
    return changes


async def emit_card_changes(conn: Any, citizen_id: int, changes: list[Change]) -> None:
    for event, dedupe_key in changes:
        await emit_event(conn, citizen_id, event, dedupe_key=dedupe_key)
