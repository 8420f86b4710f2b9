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

from points_engine.dates import years_after
from points_engine.model import BadgeEarned, RecordFact
from points_engine.rules import Compiled

__all__ = ["first_clean_completion", "settle_badges"]


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


def settle_badges(
    compiled: Compiled,
    hits: list[RecordFact | None] | None,
    first_seen: datetime.date | None,
    bad_dates: list[datetime.date],
    repaired: list[tuple[datetime.date, int]],
    as_of: datetime.date,
) -> tuple[tuple[BadgeEarned, ...], datetime.date | None]:
    """Badges earned by ``as_of`` in definition order, and the earliest later badge date.

    ``hits[i]`` is the record that completed matching badge ``i`` (see
    :meth:`Compiled.matching`), ``repaired`` the (repaired_on, id) of repaired records.
    """
    earned: list[BadgeEarned] = []
    pending: datetime.date | None = None
    if hits is not None:
        for badge, record in zip(compiled.match_badges, hits, strict=True):
            if record is None:
                continue
            day = record.occurred_on
            if day <= as_of:
                earned.append(
                    BadgeEarned(badge.code, badge.name_zh, badge.name_en, day, record.id)
                )
            elif pending is None or day < pending:
                pending = day
    if first_seen is not None and compiled.clean_badges:
        if len(bad_dates) > 1:
            bad_dates.sort()
        for badge in compiled.clean_badges:
            day = first_clean_completion(first_seen, bad_dates, badge.years)
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
                earned.append(
                    BadgeEarned(badge.code, badge.name_zh, badge.name_en, day, record_id)
                )
            elif pending is None or day < pending:
                pending = day
    if not compiled.grouped and len(earned) > 1:
        index = compiled.badge_index
        earned.sort(key=lambda b: index[b.code])
    return tuple(earned), pending
