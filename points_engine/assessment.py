"""``assess(records, rules, as_of)``: the card as a pure function of records, rules and a date.

Rules of the arithmetic (诚信积分):

- points = ``rules.base_points`` + the points of every counting record. A record counts iff its
  status is ``active`` and ``decided_on <= as_of < display_until``.
- A good record earns ``points_per_unit * quantity``, then the yearly cap of its bonus category
  applies per calendar year of ``occurred_on``: the capped total is handed out to the counting
  records of that category and year in ``(occurred_on, id)`` order, so the earliest records get
  their points first and a line shows the amount it actually adds. A category without a cap in
  the rules is not capped.
- A bad record under objection review counts 0: its penalty is withheld and listed in
  ``suspended`` (联合惩戒措施在信息核实期间暂不执行).
- "连续 N 年无不良记录" (``clean_years_flag``, N = ``rules.clean_years``) is true iff no bad
  record that is neither revoked nor repaired (display period over or not) was decided in the
  N years up to ``as_of``: its latest decision date is on or before ``as_of`` minus N years.
  No bad record at all: true.

The result does not depend on the order of ``records``: they are sorted by ``(occurred_on, id)``
first, and every list in the output follows that order (except ``top_*``, biggest first).
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from operator import attrgetter

from points_engine.badges import settle_badges
from points_engine.model import (
    Assessment,
    Countdown,
    DomainBreakdown,
    ExplanationLine,
    NotCounting,
    RecordCounts,
    RecordFact,
    Suspended,
)
from points_engine.rules import Rules
from points_engine.text import capped_texts, plain_texts, suspended_texts

__all__ = ["TOP_CONTRIBUTIONS", "assess"]

TOP_CONTRIBUTIONS = 3
"""How many of the biggest positive and negative lines ``top_positive``/``top_negative`` hold."""

_ORDER = attrgetter("occurred_on", "id")
_POINTS = attrgetter("points")
_NEVER = datetime.date.max


def assess(records: Sequence[RecordFact], rules: Rules, as_of: datetime.date) -> Assessment:
    """Score one citizen's records under ``rules`` on ``as_of``. Pure and deterministic.

    Raises ValueError when two records share an id.
    """
    ordered = sorted(records, key=_ORDER)
    if len({r.id for r in ordered}) != len(ordered):
        seen: set[int] = set()
        for r in ordered:
            if r.id in seen:
                raise ValueError(f"record id {r.id} appears more than once")
            seen.add(r.id)

    compiled = rules.compiled
    caps = compiled.caps
    version = rules.version
    matcher_cache = compiled.matcher_cache
    match_types = compiled.match_types
    match_categories = compiled.match_categories
    by_quantity = compiled.counter_by_quantity
    first_need = compiled.counter_first_need

    total = rules.base_points
    lines: list[ExplanationLine] = []
    positive: list[ExplanationLine] = []
    negative: list[ExplanationLine] = []
    not_counting: list[NotCounting] = []
    suspended: list[Suspended] = []
    countdowns: list[Countdown] = []
    cap_used: dict[tuple[str | None, int], int] = {}
    domains: dict[str, list[int]] = {}
    good = 0
    nxt = _NEVER  # the earliest date after as_of on which something changes
    first_seen = _NEVER  # the earliest decision date: the citizen is known from then
    bad_dates: list[datetime.date] = []
    repaired: list[tuple[datetime.date, int]] = []
    acc: list[int] = []  # per badge counter: the running total
    need: list[int] = []  # per badge counter: the next threshold to reach
    hits: list[tuple[int, RecordFact]] = []  # (matching badge slot, record that completed it)

    for r in ordered:
        status = r.status
        if status == "revoked":
            not_counting.append(
                NotCounting(r.id, r.record_type, r.domain, r.polarity, "revoked", None, None)
            )
            continue
        decided = r.decided_on
        if decided > as_of:  # on that day it counts, or at least enters the history (badges)
            if decided < nxt:
                nxt = decided
            if status == "active":
                not_counting.append(
                    NotCounting(
                        r.id, r.record_type, r.domain, r.polarity, "not_yet_decided", None, decided
                    )
                )
            else:
                not_counting.append(
                    NotCounting(
                        r.id, r.record_type, r.domain, r.polarity, "repaired", r.repaired_on, None
                    )
                )
            continue

        # Decided by as_of and not revoked: part of the citizen's history (badges).
        if decided < first_seen:
            first_seen = decided
        category = r.bonus_category
        if r.record_type in match_types or category in match_categories:
            slots = matcher_cache.get((r.record_type, category))
            if slots is None:
                slots = compiled.matching(r.record_type, category)
            if not acc:
                acc = [0] * len(by_quantity)
                need = list(first_need)
            for counter in slots:
                running = acc[counter] = acc[counter] + (r.quantity if by_quantity[counter] else 1)
                if running >= need[counter]:
                    need[counter] = compiled.reach(counter, need[counter], running, r, hits)

        if status != "active":  # repaired
            repaired_on = r.repaired_on
            if repaired_on is not None:
                repaired.append((repaired_on, r.id))
            not_counting.append(
                NotCounting(
                    r.id, r.record_type, r.domain, r.polarity, "repaired", repaired_on, None
                )
            )
            continue
        is_bad = r.polarity == "bad"
        if is_bad:
            bad_dates.append(decided)
        until = r.display_until
        if as_of >= until:
            not_counting.append(
                NotCounting(
                    r.id, r.record_type, r.domain, r.polarity, "display_period_over", until, None
                )
            )
            continue
        if until < nxt:
            nxt = until

        raw = r.points_per_unit * r.quantity
        capped = False
        if is_bad:
            repair_from = r.repairable_from
            days_left = (until - as_of).days
            if repair_from is None:
                countdown = Countdown(
                    r.id, r.record_type, None, False, until, None, days_left, r.repair_paths
                )
            elif repair_from <= as_of:
                countdown = Countdown(
                    r.id, r.record_type, repair_from, True, until, 0, days_left, r.repair_paths
                )
            else:
                if repair_from < nxt:
                    nxt = repair_from
                countdown = Countdown(
                    r.id,
                    r.record_type,
                    repair_from,
                    False,
                    until,
                    (repair_from - as_of).days,
                    days_left,
                    r.repair_paths,
                )
            countdowns.append(countdown)
            points = uncapped = raw if raw < 0 else 0
            if r.under_objection:
                text_zh, text_en = suspended_texts(r, points)
                suspended.append(
                    Suspended(
                        r.id,
                        r.record_type,
                        r.domain,
                        r.department,
                        r.catalog_version,
                        points,
                        text_zh,
                        text_en,
                    )
                )
                continue
            text_zh, text_en = plain_texts(r, points)
        else:
            points = uncapped = raw if raw > 0 else 0
            cap = caps.get(category)
            if cap is not None and uncapped:
                key = (category, r.occurred_on.year)
                used = cap_used.get(key, 0)
                if uncapped > cap - used:
                    points = cap - used
                    capped = True
                    label_zh, label_en = compiled.cap_labels[category]
                    text_zh, text_en = capped_texts(r, points, uncapped, cap, label_zh, label_en)
                cap_used[key] = used + points
            if not capped:
                text_zh, text_en = plain_texts(r, points)
            good += 1

        line = ExplanationLine(
            r.id,
            r.record_type,
            r.domain,
            r.polarity,
            r.department,
            r.catalog_version,
            version,
            r.occurred_on,
            until,
            r.quantity,
            points,
            uncapped,
            capped,
            category,
            text_zh,
            text_en,
        )
        lines.append(line)
        if points > 0:
            positive.append(line)
        elif points < 0:
            negative.append(line)
        total += points
        bucket = domains.get(r.domain)
        if bucket is None:
            domains[r.domain] = [points, 1]
        else:
            bucket[0] += points
            bucket[1] += 1

    band = compiled.band_cache.get(total)
    grade, above, above_min = compiled.band(total) if band is None else band

    # Clean periods (连续 N 年无不良记录) and when they complete. The current period started on the
    # latest bad decision, or when the citizen became known (first_seen) for the badges.
    clean_years = rules.clean_years
    clean_since: datetime.date | None = None
    clean_from: datetime.date | None = None
    clean_flag = one_year = True
    anniversaries: tuple[datetime.date, ...] = ()
    if bad_dates:
        if len(bad_dates) > 1:
            bad_dates.sort()
        latest = clean_since = bad_dates[-1]
        anniversaries = compiled.anniversary_cache.get(latest) or compiled.anniversaries(latest)
        clean_from = anniversaries[0]
        if clean_from > as_of:
            clean_flag = False
            if clean_from < nxt:
                nxt = clean_from
        one_year_from = anniversaries[1]
        if one_year_from > as_of:
            one_year = False
            if one_year_from < nxt:
                nxt = one_year_from
    elif first_seen is not _NEVER:
        anniversaries = compiled.anniversary_cache.get(first_seen) or compiled.anniversaries(
            first_seen
        )

    badges, pending = settle_badges(
        compiled, hits, first_seen, bad_dates, anniversaries, repaired, as_of
    )
    if pending is not None and pending < nxt:
        nxt = pending

    # Biggest first; the sort is stable, so equal points keep the (occurred_on, id) order.
    if len(positive) > 1:
        positive.sort(key=_POINTS, reverse=True)
        del positive[TOP_CONTRIBUTIONS:]
    if len(negative) > 1:
        negative.sort(key=_POINTS)
        del negative[TOP_CONTRIBUTIONS:]

    return Assessment(
        as_of,
        version,
        rules.base_points,
        total,
        grade,
        above,
        None if above_min is None else above_min - total,
        clean_years,
        clean_flag,
        clean_since,
        clean_from,
        one_year,
        RecordCounts(
            len(ordered),
            len(lines),
            good,
            len(lines) - good,
            len(not_counting),
            len(suspended),
        ),
        tuple([DomainBreakdown(d, v[0], v[1]) for d, v in sorted(domains.items())])
        if len(domains) > 1
        else tuple([DomainBreakdown(d, v[0], v[1]) for d, v in domains.items()]),
        tuple(lines),
        tuple(positive),
        tuple(negative),
        tuple(not_counting),
        tuple(suspended),
        tuple(countdowns),
        badges,
        None if nxt is _NEVER else nxt,
    )
