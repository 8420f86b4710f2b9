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

:func:`assess` runs these steps:

1. :func:`_in_order`: the records in ``(occurred_on, id)`` order, ids checked unique;
2. :func:`_scan`: one pass over the records in that order, which is the order every per-record
   result needs (the yearly caps hand out points in it, the badge counters count in it, every
   list on the card follows it). Each record is sorted into counting (计分), suspended (暂停扣分)
   or not counting (不计分); a counting record gets its explanation line after the yearly cap
   (年度上限), a bad record on display its countdown, a record of the history feeds the badge
   counters (see :mod:`points_engine.badges`); and the pass collects the dates the clean
   periods and badges read;
3. :func:`_clean_years`: 连续 N 年无不良记录, and one clean year;
4. :func:`points_engine.badges.settle_badges`: the badges (徽章) earned, from the counter
   badges' completions, the clean periods and the repairs;
5. :func:`_summarise`: the card: total, grade, counts, breakdown per domain, biggest lines.

A step that sees a day after ``as_of`` on which the card will change returns it; the earliest
is ``next_change_on``.

Speed: every citizen of a city is scored, most of them with a few records and nothing capped,
so ``benchmarks/bench_engine.py`` guards the common citizen (issue 17: 100,000 five-record
citizens per second on one core, goal 200,000). That is why step 2 is one loop rather than one
per kind of result (each loop re-reads every record's fields); why the common record (active,
decided, on display, no objection, cap not reached) goes through it without calling a Python
function (what the rules do with its record type and category is one lookup in the table of
:meth:`Compiled.profile`, its texts one lookup in ``text.PLAIN``); and why the rarer ones
(revoked, repaired, not yet decided, under objection, cut by a cap) branch off to small
functions. ``tests/points_engine/test_lean_path.py`` proves the output equal, field by field,
to the step-by-step engine this replaced (kept in ``tests/points_engine/reference/``).
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from operator import attrgetter
from typing import NoReturn, TypeAlias

from points_engine.badges import settle_badges
from points_engine.compiled import Compiled
from points_engine.model import (
    Assessment,
    BadgeEarned,
    Countdown,
    DomainBreakdown,
    ExplanationLine,
    NotCounting,
    NotCountingReason,
    RecordCounts,
    RecordFact,
    Suspended,
)
from points_engine.rules import Rules
from points_engine.text import PLAIN, capped_texts, plain_texts, suspended_texts

__all__ = ["TOP_CONTRIBUTIONS", "assess"]

TOP_CONTRIBUTIONS = 3
"""How many of the biggest positive and negative lines ``top_positive``/``top_negative`` hold."""

_ID = attrgetter("id")
_OCCURRED_ON = attrgetter("occurred_on")
_POINTS = attrgetter("points")
_NEVER = datetime.date.max  # "nothing coming": later than every real date

_Tally: TypeAlias = tuple[
    list[ExplanationLine],  # lines
    int,  # total points
    list[ExplanationLine],  # lines adding points
    list[ExplanationLine],  # lines taking points away
    dict[str, list[int]],  # per domain: [points, lines]
]
_Scanned: TypeAlias = tuple[
    _Tally,
    int,  # counting bad records
    list[NotCounting],
    list[Suspended],
    list[Countdown],
    datetime.date,  # first seen (_NEVER: no history)
    list[datetime.date],  # bad decisions that break a clean period, ascending
    list[tuple[int, RecordFact]],  # counter badges completed: (slot, record)
    list[tuple[datetime.date, int]],  # repairs: (repaired_on, record id)
    datetime.date,  # next change (_NEVER: none)
]
_CleanPeriod: TypeAlias = tuple[
    bool,  # clean_years_flag
    datetime.date | None,  # clean_since
    datetime.date | None,  # clean_years_from
    bool,  # one_year_clean
]


def assess(records: Sequence[RecordFact], rules: Rules, as_of: datetime.date) -> Assessment:
    """Score one citizen's records under ``rules`` on ``as_of``. Pure and deterministic.

    Raises ValueError when two records share an id.
    """
    ordered = _in_order(records)
    (
        tally,
        counting_bad,
        not_counting,
        suspended,
        countdowns,
        first_seen,
        bad_dates,
        hits,
        repaired,
        next_change,
    ) = _scan(ordered, rules, as_of)
    compiled = rules.compiled
    clean_period, anniversaries, clean_due = _clean_years(bad_dates, first_seen, compiled, as_of)
    badges, badge_due = settle_badges(
        compiled, hits, first_seen, bad_dates, anniversaries, repaired, as_of
    )
    # The card next changes on the earliest day a step saw coming.
    if clean_due < next_change:
        next_change = clean_due
    if badge_due is not None and badge_due < next_change:
        next_change = badge_due
    # Positional: keyword arguments cost this hot call a percent of the whole (benchmark).
    return _summarise(
        rules,
        as_of,
        len(ordered),
        tally,
        counting_bad,
        not_counting,
        suspended,
        countdowns,
        clean_period,
        badges,
        next_change,
    )


def _in_order(records: Sequence[RecordFact]) -> list[RecordFact]:
    """The records in ``(occurred_on, id)`` order, the order of every list on the card.

    Raises ValueError when two records share an id (the id is the database key: one record
    passed twice would count twice).
    """
    # Two sorts on one field each cost less than one on a (date, id) tuple, and the first puts
    # a repeated id next to itself. The second keeps the id order within a day (sorts are
    # stable).
    ordered = sorted(records, key=_ID)
    previous = None
    for r in ordered:
        if r.id == previous:
            _reject_repeated_id(ordered)
        previous = r.id
    ordered.sort(key=_OCCURRED_ON)
    return ordered


def _reject_repeated_id(by_id: list[RecordFact]) -> NoReturn:
    """Raise ValueError naming the first id met twice in ``(occurred_on, id)`` order."""
    by_id.sort(key=_OCCURRED_ON)
    seen: set[int] = set()
    for r in by_id:
        if r.id in seen:
            raise ValueError(f"record id {r.id} appears more than once")
        seen.add(r.id)
    raise AssertionError("no repeated id")  # the caller found one


def _scan(ordered: list[RecordFact], rules: Rules, as_of: datetime.date) -> _Scanned:
    """Everything the card needs from each record, in one pass in ``(occurred_on, id)`` order.

    Each record is one of:

    - not counting (不计分), and not part of the history: ``revoked`` (撤销; no date, the engine
      is not told when) or decided after ``as_of`` (``not_yet_decided``, counting from its
      decision date, or ``repaired`` ahead of its decision): :func:`_outside_history`;
    - ``repaired`` (信用修复, stopped on its repair date): part of the history, and its repair
      date counts for the repair badges;
    - ``display_period_over`` (公示期满, stopped on ``display_until``): part of the history;
    - suspended (暂停扣分): a bad record that would count but is under objection review; its
      penalty is withheld until the case is decided (联合惩戒措施在信息核实期间暂不执行): see
      :func:`_suspension`. A good record under objection still counts;
    - counting (计分): one explanation line (every point has a reason) saying what the record
      adds (``points``) and what it would add without the yearly cap (``uncapped_points``):
      ``points_per_unit * quantity`` clamped to the record's polarity, so a good record never
      takes points away and a bad one never adds any, whatever the data says. A good record
      whose bonus category has a yearly cap (年度上限) takes from the cap of its
      ``occurred_on`` year, in ``(occurred_on, id)`` order: the earliest get their points
      first.

    The history (履历) is the records decided by ``as_of`` and not revoked, display period over
    or not: the first decision date (the day the citizen became known), the decision dates of
    its bad records that are not repaired (each starts a clean period afresh; returned
    ascending) and the badge counters read it. A bad record on display, counting or suspended,
    has a countdown (:func:`_countdown`).

    Also returns the tallies of the lines (total from ``rules.base_points``, the lines that add
    and that take away points, per domain (领域) its points and lines), and the earliest day
    after ``as_of`` on which a record starts or stops counting or becomes repairable.
    """
    compiled = rules.compiled
    version = rules.version
    caps = compiled.caps
    plain = PLAIN
    today = as_of.toordinal()  # day numbers subtract cheaper than dates
    cap_used: dict[tuple[str | None, int], int] = {}
    lines: list[ExplanationLine] = []
    total = rules.base_points
    positive: list[ExplanationLine] = []
    negative: list[ExplanationLine] = []
    domains: dict[str, list[int]] = {}
    counting_bad = 0
    not_counting: list[NotCounting] = []
    suspended: list[Suspended] = []
    countdowns: list[Countdown] = []
    first_seen = _NEVER
    bad_dates: list[datetime.date] = []
    profiles = compiled.profile_cache
    running: list[int] = []
    need: list[int] = []
    hits: list[tuple[int, RecordFact]] = []
    repaired: list[tuple[datetime.date, int]] = []
    next_change = _NEVER
    for r in ordered:
        decided = r.decided_on
        status = r.status
        if status == "revoked" or decided > as_of:  # rare: branch off
            not_counting.append(_outside_history(r, as_of))
            if status != "revoked" and decided < next_change:
                next_change = decided
            continue
        # The history from here on.
        if decided < first_seen:
            first_seen = decided
        code = r.record_type
        category = r.bonus_category
        quantity = r.quantity
        profile = profiles.get((code, category))
        if profile is None:
            profile = compiled.profile(code, category)
        feeds, cap = profile
        if feeds:  # it feeds badge counters (points_engine.badges): count it, note completions
            if not running:
                running = [0] * len(compiled.counters)
                need = list(compiled.counter_first_need)
            for counter, by_quantity in feeds:
                reached = running[counter] = running[counter] + (quantity if by_quantity else 1)
                if reached >= need[counter]:
                    need[counter] = compiled.reach(counter, need[counter], reached, r, hits)
        if status != "active":  # repaired
            repaired_on = r.repaired_on
            if repaired_on is not None:
                repaired.append((repaired_on, r.id))
            not_counting.append(
                NotCounting(r.id, code, r.domain, r.polarity, "repaired", repaired_on, None)
            )
            continue
        polarity = r.polarity
        is_bad = polarity == "bad"
        if is_bad:
            bad_dates.append(decided)
        until = r.display_until
        if as_of >= until:
            not_counting.append(
                NotCounting(r.id, code, r.domain, polarity, "display_period_over", until, None)
            )
            continue
        if until < next_change:
            next_change = until
        raw = r.points_per_unit * quantity
        capped = False
        if is_bad:
            countdowns.append(_countdown(r, as_of, today))
            repair_from = r.repairable_from
            if repair_from is not None and as_of < repair_from < next_change:
                next_change = repair_from
            if r.under_objection:
                suspended.append(_suspension(r))
                continue
            counting_bad += 1
            added = uncapped = raw if raw < 0 else 0
        else:
            added = uncapped = raw if raw > 0 else 0
            if cap is not None and uncapped:
                # The yearly cap (年度上限) of its category and occurred_on year: the records
                # before it in (occurred_on, id) order took their share first, so it may add
                # less than it earned, or nothing; its line is then capped and its text names
                # the cap ("志愿服务时长 30 小时 +10（应得 +30，2026 年志愿服务年度上限 40 分）").
                # Inline rather than a function: a call per good record costs 2 % of the
                # engine benchmark.
                key = (category, r.occurred_on.year)
                taken = cap_used.get(key, 0)
                if added > cap - taken:
                    added = cap - taken
                    capped = True
                cap_used[key] = taken + added
        if capped:
            label_zh, label_en = compiled.cap_labels[category]
            text_zh, text_en = capped_texts(r, added, uncapped, caps[category], label_zh, label_en)
        else:
            texts = plain.get(
                (code, r.name_zh, r.name_en, quantity, r.unit, added)  # text.plain_key
            )
            text_zh, text_en = plain_texts(r, added) if texts is None else texts
        domain = r.domain
        line = ExplanationLine(
            r.id,
            code,
            domain,
            polarity,
            r.department,
            r.catalog_version,
            version,
            r.occurred_on,
            until,
            quantity,
            added,
            uncapped,
            capped,
            category,
            text_zh,
            text_en,
        )
        lines.append(line)
        total += added
        if added > 0:
            positive.append(line)
        elif added < 0:
            negative.append(line)
        in_domain = domains.get(domain)
        if in_domain is None:
            domains[domain] = [added, 1]
        else:
            in_domain[0] += added
            in_domain[1] += 1
    if len(bad_dates) > 1:
        bad_dates.sort()
    return (
        (lines, total, positive, negative, domains),
        counting_bad,
        not_counting,
        suspended,
        countdowns,
        first_seen,
        bad_dates,
        hits,
        repaired,
        next_change,
    )


def _outside_history(record: RecordFact, as_of: datetime.date) -> NotCounting:
    """Why a record outside the history does not count: revoked (撤销; no date, the engine is
    not told when), or decided after ``as_of``: an active one counts from its decision date
    (``not_yet_decided``), a repaired one stopped on its repair date."""
    reason: NotCountingReason
    if record.status == "revoked":
        reason, stopped_on, counts_from = "revoked", None, None
    elif record.status == "active":
        reason, stopped_on, counts_from = "not_yet_decided", None, record.decided_on
    else:
        reason, stopped_on, counts_from = "repaired", record.repaired_on, None
    return NotCounting(
        record.id,
        record.record_type,
        record.domain,
        record.polarity,
        reason,
        stopped_on,
        counts_from,
    )


def _countdown(record: RecordFact, as_of: datetime.date, today: int) -> Countdown:
    """The two dates on a bad record on display, counting or suspended: repair possible from
    (信用修复, ``repairable_from``; none when its record type allows no repair) and leaves
    display on (公示期满, ``display_until``), with the days left to each from ``as_of``
    (``today`` is its day number) and the repair paths (修复途径) its record type allows."""
    until = record.display_until
    repair_from = record.repairable_from
    days_left = until.toordinal() - today
    if repair_from is None:
        return Countdown(
            record.id, record.record_type, None, False, until, None, days_left, record.repair_paths
        )
    if repair_from <= as_of:
        return Countdown(
            record.id,
            record.record_type,
            repair_from,
            True,
            until,
            0,
            days_left,
            record.repair_paths,
        )
    return Countdown(
        record.id,
        record.record_type,
        repair_from,
        False,
        until,
        repair_from.toordinal() - today,
        days_left,
        record.repair_paths,
    )


def _suspension(record: RecordFact) -> Suspended:
    """A penalty withheld while its objection is verified (异议核查期间暂停扣分), with the points
    it would take away."""
    raw = record.points_per_unit * record.quantity
    penalty = raw if raw < 0 else 0
    text_zh, text_en = suspended_texts(record, penalty)
    return Suspended(
        record.id,
        record.record_type,
        record.domain,
        record.department,
        record.catalog_version,
        penalty,
        text_zh,
        text_en,
    )


def _clean_years(
    bad_dates: list[datetime.date],
    first_seen: datetime.date,
    compiled: Compiled,
    as_of: datetime.date,
) -> tuple[_CleanPeriod, tuple[datetime.date, ...], datetime.date]:
    """连续 N 年无不良记录 (N = ``rules.clean_years``) and one clean year, on ``as_of``.

    The current clean period starts on the latest bad decision (``clean_since``) and is
    complete N calendar years later (``clean_years_from``); the flag is true from that day on,
    and always when there is no bad decision. ``bad_dates`` are the decisions that break a
    period, ascending (see :func:`_classify`).

    Also returns the anniversaries of the current period's start
    (:meth:`Compiled.anniversaries`; with no bad decision the period starts when the citizen
    became known, which only the badges read; none without history) and the earliest
    completion still to come.
    """
    clean_since: datetime.date | None = None
    clean_from: datetime.date | None = None
    clean_flag = one_year = True
    anniversaries: tuple[datetime.date, ...] = ()
    next_change = _NEVER
    if bad_dates:
        latest = clean_since = bad_dates[-1]
        anniversaries = compiled.anniversary_cache.get(latest) or compiled.anniversaries(latest)
        clean_from = anniversaries[0]
        if clean_from > as_of:
            clean_flag = False
            next_change = clean_from
        one_year_from = anniversaries[1]
        if one_year_from > as_of:
            one_year = False
            if one_year_from < next_change:
                next_change = one_year_from
    elif first_seen is not _NEVER:
        anniversaries = compiled.anniversary_cache.get(first_seen) or compiled.anniversaries(
            first_seen
        )
    return (clean_flag, clean_since, clean_from, one_year), anniversaries, next_change


def _summarise(
    rules: Rules,
    as_of: datetime.date,
    records: int,
    tally: _Tally,
    counting_bad: int,
    not_counting: list[NotCounting],
    suspended: list[Suspended],
    countdowns: list[Countdown],
    clean_period: _CleanPeriod,
    badges: tuple[BadgeEarned, ...],
    next_change: datetime.date,
) -> Assessment:
    """The card: the total and the grade band (信用等级) it falls in, with the points still
    missing for the next band up; the records by status; points and lines per domain (领域),
    in code order; the biggest lines each way, biggest first (equal points keep the
    ``(occurred_on, id)`` order); and everything the steps found."""
    lines, total, positive, negative, domains = tally
    if len(positive) > 1:
        positive.sort(key=_POINTS, reverse=True)
        del positive[TOP_CONTRIBUTIONS:]
    if len(negative) > 1:
        negative.sort(key=_POINTS)
        del negative[TOP_CONTRIBUTIONS:]
    breakdown = []
    for domain in sorted(domains):  # sorting the names alone is cheaper than the items
        sums = domains[domain]
        breakdown.append(DomainBreakdown(domain, sums[0], sums[1]))
    compiled = rules.compiled
    band = compiled.band_cache.get(total)
    grade, above, above_min = compiled.band(total) if band is None else band
    clean_flag, clean_since, clean_from, one_year = clean_period
    counting = len(lines)
    # Building a tuple from an empty list costs a call; most cards have some lists empty.
    return Assessment(
        as_of,
        rules.version,
        rules.base_points,
        total,
        grade,
        above,
        None if above_min is None else above_min - total,
        rules.clean_years,
        clean_flag,
        clean_since,
        clean_from,
        one_year,
        RecordCounts(
            records,
            counting,
            counting - counting_bad,
            counting_bad,
            len(not_counting),
            len(suspended),
        ),
        tuple(breakdown),
        tuple(lines) if lines else (),
        tuple(positive) if positive else (),
        tuple(negative) if negative else (),
        tuple(not_counting) if not_counting else (),
        tuple(suspended) if suspended else (),
        tuple(countdowns) if countdowns else (),
        badges,
        None if next_change is _NEVER else next_change,
    )
