"""Badges (徽章): achievements earned from the same records that move the points.

Badges are history: they consider every record that is not revoked and has been decided by
``as_of``, including records whose display period is over. Each badge carries the day its
condition first became true; a condition that will only become true after ``as_of`` (a clean
period still running, a repair dated later) is not earned yet, and its date is reported to
:func:`points_engine.assess` as a coming change.

Clean-period badges (``clean_years``): a period of N years without a bad record starts on the
day the citizen became known (the earliest decision date among their records) or on the
decision date of a bad record, and is complete N calendar years later
(:func:`points_engine.dates.years_after`). The badge is earned on the first completion. Bad
records that were revoked or repaired do not break a period (repair lifts the record's effects,
revocation erases it); bad records whose display period is over still do. A citizen with no
records at all earns none: there is no period to observe.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from operator import itemgetter

from points_engine.model import BadgeEarned, RecordFact
from tests.points_engine.reference.compiled import Compiled
from tests.points_engine.reference.dates import years_after

__all__ = ["counter_hits", "first_clean_completion", "settle_badges"]

_first = itemgetter(0)


def first_clean_completion(
    start: datetime.date, bad_dates: Sequence[datetime.date], years: int
) -> datetime.date:
    """The first day a run of ``years`` years without a bad decision is complete.

    ``start`` is when observation begins; ``bad_dates`` are the bad records' decision dates in
    ascending order, none before ``start``. A bad decision on the completion day itself breaks
    the run (the record counts on its decision day).
    """
    least_days = 365 * years  # a run of n calendar years is never shorter than 365 n days
    for bad in bad_dates:
        if (bad - start).days > least_days:
            done = years_after(start, years)
            if done < bad:
                return done
        start = bad
    return years_after(start, years)


def counter_hits(
    compiled: Compiled, ordered: list[RecordFact], as_of: datetime.date
) -> list[tuple[int, RecordFact]]:
    """Counter badges (``cumulative_quantity``, ``record_count``): the records that completed
    them, as (slot in ``compiled.match_badges``, record), in ``(occurred_on, id)`` order.

    ``ordered`` is every record in ``(occurred_on, id)`` order; the history counts: the records
    decided by ``as_of`` and not revoked, display period over or not. A record feeds the
    counters of the badges that name its record type or bonus category, with its quantity
    (cumulative quantity, e.g. volunteer hours) or with one (record count, e.g. honours). The
    record that brings a counter to or past a threshold completes that badge; one record can
    complete several.
    """
    hits: list[tuple[int, RecordFact]] = []
    match_types = compiled.match_types
    match_categories = compiled.match_categories
    matcher_cache = compiled.matcher_cache
    by_quantity = compiled.counter_by_quantity
    running: list[int] = []  # per counter: the total so far
    need: list[int] = []  # per counter: the next threshold to reach
    for r in ordered:
        category = r.bonus_category
        if (r.record_type in match_types or category in match_categories) and (
            r.decided_on <= as_of and r.status != "revoked"
        ):
            slots = matcher_cache.get((r.record_type, category))
            if slots is None:
                slots = compiled.matching(r.record_type, category)
            if not running:
                running = [0] * len(by_quantity)
                need = list(compiled.counter_first_need)
            for counter in slots:
                total = running[counter] = running[counter] + (
                    r.quantity if by_quantity[counter] else 1
                )
                if total >= need[counter]:
                    need[counter] = compiled.reach(counter, need[counter], total, r, hits)
    return hits


def settle_badges(
    compiled: Compiled,
    ordered: list[RecordFact],
    first_seen: datetime.date,
    bad_dates: list[datetime.date],
    anniversaries: tuple[datetime.date, ...],
    repaired: list[tuple[datetime.date, int]],
    as_of: datetime.date,
) -> tuple[tuple[BadgeEarned, ...], datetime.date | None]:
    """Badges earned by ``as_of`` in definition order, and the earliest later badge date.

    ``ordered`` is every record in ``(occurred_on, id)`` order (see :func:`counter_hits`);
    ``first_seen`` is the earliest decision date (``date.max`` when nothing was decided yet),
    ``bad_dates`` the decision dates of the bad records that break a clean period,
    ``anniversaries`` :meth:`Compiled.anniversaries` of the start of the current clean period
    (the latest bad date, else ``first_seen``), and ``repaired`` the (repaired_on, id) of
    repaired records. ``bad_dates`` must be sorted; sorts ``repaired`` in place.

    A counter badge is earned on the day the record that completed it occurred; a clean-period
    badge on the first completion of its period (:func:`first_clean_completion`); a repair
    badge on the day of the repair that reached its threshold.
    """
    earned: list[BadgeEarned] = []
    pending: datetime.date | None = None
    hits = counter_hits(compiled, ordered, as_of)
    if hits:
        if len(hits) > 1:
            hits.sort(key=_first)
        match_badges = compiled.match_badges
        for slot, record in hits:
            badge = match_badges[slot]
            day = record.occurred_on
            if day <= as_of:
                earned.append(BadgeEarned(badge.code, badge.name_zh, badge.name_en, day, record.id))
            elif pending is None or day < pending:
                pending = day
    if anniversaries:
        # The clean runs that a bad decision ended, if longer than a year (a shorter one
        # completes no period, as badges count whole years): (start, end, days), usually none.
        ended: list[tuple[datetime.date, datetime.date, int]] = []
        if bad_dates and (bad_dates[-1] - first_seen).days > 365:
            start = first_seen
            for bad in bad_dates:
                days = (bad - start).days
                if days > 365:
                    ended.append((start, bad, days))
                start = bad
        for badge, position, least_days in compiled.clean_plan:
            day = anniversaries[position]  # when the current run completes
            for start, end, days in ended:  # first_clean_completion, anniversaries memoised
                if days > least_days:
                    done = compiled.anniversaries(start)[position]
                    if done < end:
                        day = done
                        break
            if day <= as_of:
                earned.append(BadgeEarned(badge.code, badge.name_zh, badge.name_en, day, None))
            elif pending is None or day < pending:
                pending = day
    if repaired and compiled.repair_badges:
        repaired.sort()
        for badge in compiled.repair_badges:
            if len(repaired) < badge.threshold:
                continue
            day, record_id = repaired[badge.threshold - 1]
            if day <= as_of:
                earned.append(BadgeEarned(badge.code, badge.name_zh, badge.name_en, day, record_id))
            elif pending is None or day < pending:
                pending = day
    if not compiled.grouped and len(earned) > 1:
        index = compiled.badge_index
        earned.sort(key=lambda b: index[b.code])
    return tuple(earned), pending
