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
from points_engine.dates import years_after
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


def _by_points_desc(line: ExplanationLine) -> tuple[int, int]:
    return -line.points, line.record_id


def _by_points_asc(line: ExplanationLine) -> tuple[int, int]:
    return line.points, line.record_id


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
    matching = compiled.matching
    matcher_cache = compiled.matcher_cache
    match_rules = compiled.match_rules

    total = rules.base_points
    lines: list[ExplanationLine] = []
    not_counting: list[NotCounting] = []
    suspended: list[Suspended] = []
    countdowns: list[Countdown] = []
    cap_used: dict[tuple[str, int], int] = {}
    domains: dict[str, list[int]] = {}
    good_count = 0
    nxt: datetime.date | None = None  # next_change_on candidate
    first_seen: datetime.date | None = None
    bad_dates: list[datetime.date] = []
    repaired: list[tuple[datetime.date, int]] = []
    acc: list[int] | None = None
    hits: list[RecordFact | None] | None = None

    for r in ordered:
        status = r.status
        if status == "revoked":
            not_counting.append(
                NotCounting(r.id, r.record_type, r.domain, r.polarity, "revoked", None, None)
            )
            continue
        decided = r.decided_on
        if decided > as_of:
            if status == "active":
                reason = NotCounting(
                    r.id, r.record_type, r.domain, r.polarity, "not_yet_decided", None, decided
                )
                if nxt is None or decided < nxt:
                    nxt = decided
            else:
                reason = NotCounting(
                    r.id, r.record_type, r.domain, r.polarity, "repaired", r.repaired_on, None
                )
            not_counting.append(reason)
            continue

        # Decided by as_of and not revoked: part of the citizen's history (badges).
        if first_seen is None or decided < first_seen:
            first_seen = decided
        slots = matcher_cache.get((r.record_type, r.bonus_category))
        if slots is None:
            slots = matching(r.record_type, r.bonus_category)
        if slots:
            if acc is None or hits is None:
                acc = [0] * len(match_rules)
                hits = [None] * len(match_rules)
            for slot in slots:
                if hits[slot] is None:
                    by_quantity, threshold = match_rules[slot]
                    acc[slot] += r.quantity if by_quantity else 1
                    if acc[slot] >= threshold:
                        hits[slot] = r

        is_bad = r.polarity == "bad"
        if status == "repaired":
            if r.repaired_on is not None:
                repaired.append((r.repaired_on, r.id))
            not_counting.append(
                NotCounting(
                    r.id, r.record_type, r.domain, r.polarity, "repaired", r.repaired_on, None
                )
            )
            continue
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
        if nxt is None or until < nxt:
            nxt = until

        raw = r.points_per_unit * r.quantity
        if is_bad:
            repair_from = r.repairable_from
            if repair_from is None:
                countdowns.append(
                    Countdown(r.id, r.record_type, None, False, until, None, (until - as_of).days)
                )
            elif repair_from <= as_of:
                countdowns.append(
                    Countdown(
                        r.id, r.record_type, repair_from, True, until, 0, (until - as_of).days
                    )
                )
            else:
                if repair_from < nxt:
                    nxt = repair_from
                countdowns.append(
                    Countdown(
                        r.id,
                        r.record_type,
                        repair_from,
                        False,
                        until,
                        (repair_from - as_of).days,
                        (until - as_of).days,
                    )
                )
            points = raw if raw < 0 else 0
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
            uncapped = points
            capped = False
            text_zh, text_en = plain_texts(r, points)
        else:
            uncapped = raw if raw > 0 else 0
            points = uncapped
            capped = False
            category = r.bonus_category
            cap = caps.get(category) if category is not None else None
            if cap is not None and uncapped > 0:
                assert category is not None
                key = (category, r.occurred_on.year)
                used = cap_used.get(key, 0)
                room = cap - used
                if uncapped > room:
                    points = room
                    capped = True
                cap_used[key] = used + points
            if capped:
                assert category is not None and cap is not None
                label_zh, label_en = compiled.cap_labels[category]
                text_zh, text_en = capped_texts(r, points, uncapped, cap, label_zh, label_en)
            else:
                text_zh, text_en = plain_texts(r, points)
            good_count += 1

        total += points
        lines.append(
            ExplanationLine(
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
                r.bonus_category,
                text_zh,
                text_en,
            )
        )
        bucket = domains.get(r.domain)
        if bucket is None:
            domains[r.domain] = [points, 1]
        else:
            bucket[0] += points
            bucket[1] += 1

    # Grade and the next one up.
    grade, above, above_min = compiled.band(total)
    to_next = None if above_min is None else above_min - total

    # Clean periods (连续 N 年无不良记录) and their completion dates.
    clean_years = rules.clean_years
    if bad_dates:
        clean_since: datetime.date | None = max(bad_dates)
        assert clean_since is not None
        clean_from: datetime.date | None = years_after(clean_since, clean_years)
        assert clean_from is not None
        one_year_from = years_after(clean_since, 1)
        clean_flag = clean_from <= as_of
        one_year = one_year_from <= as_of
        if not clean_flag and (nxt is None or clean_from < nxt):
            nxt = clean_from
        if not one_year and (nxt is None or one_year_from < nxt):
            nxt = one_year_from
    else:
        clean_since = clean_from = None
        clean_flag = one_year = True

    badges, pending = settle_badges(compiled, hits, first_seen, bad_dates, repaired, as_of)
    if pending is not None and (nxt is None or pending < nxt):
        nxt = pending

    positive = [line for line in lines if line.points > 0]
    negative = [line for line in lines if line.points < 0]
    if len(positive) > 1:
        positive.sort(key=_by_points_desc)
    if len(negative) > 1:
        negative.sort(key=_by_points_asc)

    return Assessment(
        as_of,
        version,
        rules.base_points,
        total,
        grade,
        above,
        to_next,
        clean_years,
        clean_flag,
        clean_since,
        clean_from,
        one_year,
        RecordCounts(
            len(ordered),
            len(lines),
            good_count,
            len(lines) - good_count,
            len(not_counting),
            len(suspended),
        ),
        tuple(DomainBreakdown(d, v[0], v[1]) for d, v in sorted(domains.items())),
        tuple(lines),
        tuple(positive[:TOP_CONTRIBUTIONS]),
        tuple(negative[:TOP_CONTRIBUTIONS]),
        tuple(not_counting),
        tuple(suspended),
        tuple(countdowns),
        badges,
        nxt,
    )
