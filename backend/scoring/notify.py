"""What a citizen hears when their card changes: a new record and the points it actually moved,
points or grade, new badges, a bad record that became repairable, a record that left display.
Compared between the stored and the new assessment, in the transaction that writes the new card,
each with a dedupe key so a re-run of the same change sends nothing twice.

A new record is told here, after re-scoring, not when it is reported: only the assessment knows
what it moved (after the yearly cap, the display period, a suspension). Nothing is lost: the
report bumps the citizen's change counter in its own transaction, and re-scoring (a job, else the
minute sweep) writes the card and this notice together. Its key names the record, so it is told
once however often the card is re-scored.

Score and benefit keys carry the card's revision (bumped by every write that changes the card),
not the value reached: a move back to points already told that day is a new change and is told.
Badge, repairable and display-ended keys name the badge or record, which happens once."""

from __future__ import annotations

import msgspec

from backend.content.benefits import benefit_set
from backend.notifications.events import (
    BadgeEarned,
    BenefitChanged,
    Event,
    RecordAdded,
    RecordDisplayEnded,
    RecordRepairable,
    ScoreChanged,
    emit_event,
)
from backend.notifications.wording import record_title_zh
from backend.platform import runtime
from backend.platform.rows import Connection
from backend.scoring import store
from backend.scoring.effects import record_effects, record_ids
from points_engine import Assessment, BenefitsError, BenefitStatus, evaluate

Change = tuple[Event, str]


class NewRecord(msgspec.Struct, frozen=True, kw_only=True):
    """What the notice of a new record names besides its effect."""

    record_type: str
    catalog_version: str
    department: str  # the reporting department's name


def card_changes(
    citizen_id: int,
    before: Assessment | None,
    after: Assessment,
    *,
    revision: int,
    new_records: dict[int, NewRecord],
) -> list[Change]:
    """The events of one card write; ``new_records`` are the records ``before`` did not hold."""
    changes = _record_added_changes(after, new_records)
    if before is None:
        return changes  # beyond its records, a citizen's first card is not news
    if (before.points, before.grade.code) != (after.points, after.grade.code):
        event = ScoreChanged(
            points=after.points,
            previous_points=before.points,
            grade=after.grade.code,
            previous_grade=before.grade.code,
            grade_name=after.grade.name_zh,
            grade_name_en=after.grade.name_en,
        )
        changes.append((event, f"score:{citizen_id}:r{revision}"))
    had = {b.code for b in before.badges}
    for badge in after.badges:
        if badge.code not in had:
            earned = BadgeEarned(
                badge=badge.code, badge_name=badge.name_zh, badge_name_en=badge.name_en
            )
            changes.append((earned, f"badge:{citizen_id}:{badge.code}"))
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
            benefit=code,
            benefit_name=status.name_zh,
            benefit_name_en=status.name_en,
            change_zh="可以享受" if gained else "暂不能享受",
            change_en="available to you" if gained else "no longer available",
        )
        state = "gained" if gained else "lost"
        changes.append((event, f"benefit:{citizen_id}:{code}:{state}:r{revision}"))
    return changes


def _record_added_changes(after: Assessment, new_records: dict[int, NewRecord]) -> list[Change]:
    changes: list[Change] = []
    effects = record_effects(set(new_records), after)
    for record_id in sorted(effects):
        new, effect = new_records[record_id], effects[record_id]
        event = RecordAdded(
            record_id=record_id,
            record_title=record_title_zh(new.record_type, new.catalog_version),
            department=new.department,
            points=effect.points,
            counting=effect.counting,
            catalog_points=effect.catalog_points,
            on=effect.on,
        )
        changes.append((event, f"record.added:{record_id}"))
    return changes


def _catalog_versions(assessment: Assessment) -> dict[int, str]:
    """Record id → the catalog version it was reported under, for the records that carry it."""
    versions = {line.record_id: line.catalog_version for line in assessment.lines}
    versions.update((s.record_id, s.catalog_version) for s in assessment.suspended)
    return versions


def _countdown_changes(before: Assessment, after: Assessment) -> list[Change]:
    changes: list[Change] = []
    was_repairable = {c.record_id for c in before.countdowns if c.repair_possible_now}
    versions = _catalog_versions(after)
    for c in after.countdowns:
        if c.repair_possible_now and c.record_id not in was_repairable and c.repairable_from:
            repairable = RecordRepairable(
                record_id=c.record_id,
                record_title=record_title_zh(c.record_type, versions.get(c.record_id)),
                repairable_from=c.repairable_from.isoformat(),
            )
            changes.append((repairable, f"repairable:{c.record_id}"))
    counted = _catalog_versions(before)  # the bad ones among them were counting or suspended
    for gone in after.not_counting:
        if (
            gone.reason == "display_period_over"
            and gone.polarity == "bad"
            and gone.record_id in counted
        ):
            ended = RecordDisplayEnded(
                record_id=gone.record_id,
                record_title=record_title_zh(gone.record_type, counted[gone.record_id]),
                display_until=(gone.stopped_on or after.as_of).isoformat(),
            )
            changes.append((ended, f"display-ended:{gone.record_id}"))
    return changes


async def _new_records(
    conn: Connection, citizen_id: int, before: Assessment | None, after: Assessment
) -> dict[int, NewRecord]:
    """The records ``after`` holds and ``before`` did not, with their department's name."""
    new_ids = record_ids(after) - record_ids(before)
    if not new_ids:
        return {}
    rows = await store.new_records(conn, citizen_id, sorted(new_ids))
    return {
        row.id: NewRecord(
            record_type=row.record_type,
            catalog_version=row.catalog_version,
            department=row.department,
        )
        for row in rows
    }


async def emit_card_changes(
    conn: Connection,
    citizen_id: int,
    before: Assessment | None,
    after: Assessment,
    *,
    revision: int,
) -> None:
    """Write the events of one card write to the outbox, in the caller's transaction."""
    new_records = await _new_records(conn, citizen_id, before, after)
    changes = card_changes(citizen_id, before, after, revision=revision, new_records=new_records)
    for event, dedupe_key in changes:
        await emit_event(conn, citizen_id, event, dedupe_key=dedupe_key)
