"""Property tests (hypothesis): the engine's promises hold for any records."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict

import msgspec
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from points_engine import (
    Assessment,
    RecordFact,
    assess,
    first_clean_completion,
    years_after,
    years_before,
)
from tests.points_engine.helpers import D, rules

FIRST, LAST = D(2019, 1, 1), D(2031, 12, 31)
CATEGORIES = ["volunteer", "blood_donation", "charity", "honour", "moral_model", "uncapped"]
GOOD_TYPES = ["VOLUNTEER-SERVICE-HOURS", "BLOOD-DONATION-UNPAID", "HONOUR-BRAVERY", "OTHER-GOOD"]
DOMAINS = ["volunteer_service", "public_welfare", "traffic_safety", "tax_payment"]

settings.register_profile(
    "engine",
    deadline=None,
    max_examples=150,
    database=None,  # no .hypothesis/ directory in the repository
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("engine")

dates = st.dates(min_value=FIRST, max_value=LAST)
as_of_dates = st.dates(min_value=D(2020, 1, 1), max_value=D(2030, 12, 31))


@st.composite
def record_bodies(draw: st.DrawFn, polarity: str | None = None, expired_by: dt.date | None = None):  # type: ignore[no-untyped-def]
    """A record without its id (filled in by :func:`citizens`)."""
    polarity = polarity or draw(st.sampled_from(["good", "bad"]))
    occurred = draw(dates)
    decided = occurred + dt.timedelta(days=draw(st.integers(0, 60)))
    display_days = draw(st.integers(0, 1100))
    until = decided + dt.timedelta(days=display_days)
    if expired_by is not None:  # display over by this day, decided long before
        until = expired_by - dt.timedelta(days=draw(st.integers(0, 400)))
        decided = until - dt.timedelta(days=display_days)
        occurred = decided - dt.timedelta(days=draw(st.integers(0, 60)))
    status = draw(st.sampled_from(["active"] * 6 + ["revoked", "repaired"]))
    repaired_on = None
    if status == "repaired":
        repaired_on = draw(
            st.none() | st.just(decided + dt.timedelta(days=draw(st.integers(0, 400))))
        )
    if polarity == "good":
        return {
            "record_type": draw(st.sampled_from(GOOD_TYPES)),
            "domain": draw(st.sampled_from(DOMAINS[:2])),
            "polarity": "good",
            "severity": None,
            "points_per_unit": draw(st.integers(1, 60)),
            "quantity": draw(st.integers(1, 50)),
            "bonus_category": draw(st.sampled_from(CATEGORIES)),
            "occurred_on": occurred,
            "decided_on": decided,
            "display_until": until,
            "repairable_from": None,
            "status": "revoked" if status == "repaired" else status,
            "under_objection": draw(st.booleans()),
            "unit": draw(st.sampled_from(["hour", "time", "case"])),
        }
    repairable = draw(
        st.none() | st.just(decided + dt.timedelta(days=draw(st.integers(0, display_days))))
    )
    return {
        "record_type": draw(st.sampled_from(["TRAFFIC-DRINK-DRIVING", "TAX-EVASION"])),
        "domain": draw(st.sampled_from(DOMAINS[2:])),
        "polarity": "bad",
        "severity": draw(st.sampled_from(["minor", "general", "serious"])),
        "points_per_unit": draw(st.integers(-200, -1)),
        "quantity": draw(st.integers(1, 3)),
        "bonus_category": None,
        "occurred_on": occurred,
        "decided_on": decided,
        "display_until": until,
        "repairable_from": repairable,
        "repair_paths": ("obligation_fulfilled",) if repairable else (),
        "status": status,
        "under_objection": draw(st.booleans()),
        "repaired_on": repaired_on,
    }


def make(record_id: int, body: dict[str, object]) -> RecordFact:
    return RecordFact(id=record_id, **body)  # type: ignore[arg-type]


@st.composite
def citizens(draw: st.DrawFn, max_size: int = 12) -> list[RecordFact]:
    bodies = draw(st.lists(record_bodies(), max_size=max_size))
    ids = draw(
        st.lists(st.integers(1, 10_000), min_size=len(bodies), max_size=len(bodies), unique=True)
    )
    return [make(i, b) for i, b in zip(ids, bodies, strict=True)]


@st.composite
def scenarios(draw: st.DrawFn, max_size: int = 12) -> tuple[list[RecordFact], dt.date]:
    """Records and an as_of date, mostly near one of the records so that they count."""
    records = draw(citizens(max_size))
    anchored = draw(st.integers(0, 3)) > 0
    if records and anchored:
        anchor = draw(st.sampled_from(records)).decided_on
        return records, anchor + dt.timedelta(days=draw(st.integers(-30, 700)))
    return records, draw(as_of_dates)


def unused_id(records: list[RecordFact]) -> int:
    return max((r.id for r in records), default=0) + 1


def _score_view(card: Assessment) -> tuple[object, ...]:
    """What a record past its display period must not change."""
    return (
        card.points,
        card.grade,
        card.lines,
        card.breakdown,
        card.suspended,
        card.countdowns,
        card.top_positive,
        card.top_negative,
    )


def _undated(card: Assessment) -> Assessment:
    """The assessment without what moves by itself from day to day (as_of, day counters)."""
    countdowns = tuple(
        msgspec.structs.replace(c, days_to_repair=None, days_to_display_end=0)
        for c in card.countdowns
    )
    return msgspec.structs.replace(card, as_of=FIRST, countdowns=countdowns)


# --- monotonicity -------------------------------------------------------------------------------


@given(scenarios(), record_bodies(polarity="good"))
def test_adding_a_good_record_never_lowers_points(
    scenario: tuple[list[RecordFact], dt.date], body: dict[str, object]
) -> None:
    records, as_of = scenario
    before = assess(records, rules(), as_of).points
    after = assess([*records, make(unused_id(records), body)], rules(), as_of).points
    assert after >= before


@given(scenarios(), record_bodies(polarity="bad"))
def test_adding_a_bad_record_never_raises_points(
    scenario: tuple[list[RecordFact], dt.date], body: dict[str, object]
) -> None:
    records, as_of = scenario
    before = assess(records, rules(), as_of).points
    after = assess([*records, make(unused_id(records), body)], rules(), as_of).points
    assert after <= before


@given(scenarios(), st.data())
def test_a_record_past_its_display_period_changes_nothing(
    scenario: tuple[list[RecordFact], dt.date], data: st.DataObject
) -> None:
    records, as_of = scenario
    body = data.draw(record_bodies(expired_by=as_of))
    expired = make(unused_id(records), body)
    assert expired.display_until <= as_of
    before = assess(records, rules(), as_of)
    after = assess([*records, expired], rules(), as_of)
    assert _score_view(after) == _score_view(before)
    assert after.counts.not_counting == before.counts.not_counting + 1


# --- caps ---------------------------------------------------------------------------------------


@given(scenarios(max_size=25))
def test_caps_hold_for_any_sequence_of_bonuses(scenario: tuple[list[RecordFact], dt.date]) -> None:
    records, as_of = scenario
    card = assess(records, rules(), as_of)
    given_points: dict[tuple[str, int], int] = defaultdict(int)
    earned: dict[tuple[str, int], int] = defaultdict(int)
    for line in card.lines:
        if line.polarity == "good" and line.bonus_category is not None:
            key = (line.bonus_category, line.occurred_on.year)
            given_points[key] += line.points
            earned[key] += line.uncapped_points
            assert 0 <= line.points <= line.uncapped_points
            assert line.capped == (line.points < line.uncapped_points)
    for (category, year), total in given_points.items():
        cap = rules().cap(category)
        if cap is None:
            assert total == earned[(category, year)]
        else:
            assert total == min(cap.yearly_cap, earned[(category, year)]), (category, year)


# --- determinism --------------------------------------------------------------------------------


@given(scenarios())
def test_same_input_same_output(scenario: tuple[list[RecordFact], dt.date]) -> None:
    records, as_of = scenario
    first = assess(records, rules(), as_of)
    second = assess(list(records), rules(), as_of)
    assert first == second
    assert msgspec.json.encode(first) == msgspec.json.encode(second)


@given(scenarios(), st.randoms(use_true_random=False))
def test_shuffling_records_changes_nothing(
    scenario: tuple[list[RecordFact], dt.date], rng: random.Random
) -> None:
    records, as_of = scenario
    shuffled = list(records)
    rng.shuffle(shuffled)
    assert assess(shuffled, rules(), as_of) == assess(records, rules(), as_of)


# --- consistency --------------------------------------------------------------------------------


@given(scenarios())
def test_counts_lines_and_points_agree(scenario: tuple[list[RecordFact], dt.date]) -> None:
    records, as_of = scenario
    card = assess(records, rules(), as_of)
    counts = card.counts
    assert counts.total == len(records)
    assert counts.total == counts.counting + counts.not_counting + counts.suspended
    assert counts.counting == len(card.lines) == counts.counting_good + counts.counting_bad
    assert card.points == card.base_points + sum(line.points for line in card.lines)
    assert card.points == card.base_points + sum(b.points for b in card.breakdown)
    assert sum(b.records for b in card.breakdown) == counts.counting
    low, high = card.grade.min_points, card.grade.max_points
    assert (low is None or card.points >= low) and (high is None or card.points <= high)
    if card.next_grade is not None:
        assert card.points_to_next_grade == card.next_grade.min_points - card.points  # type: ignore[operator]
        assert card.points_to_next_grade is not None and card.points_to_next_grade > 0
    for line in card.lines:
        assert line.rules_version == "2026.1"
    assert len(card.top_positive) <= 3 and len(card.top_negative) <= 3
    assert all(line.points > 0 for line in card.top_positive)
    assert all(line.points < 0 for line in card.top_negative)


@given(scenarios())
def test_clean_flag_matches_its_definition(scenario: tuple[list[RecordFact], dt.date]) -> None:
    records, as_of = scenario
    card = assess(records, rules(), as_of)
    breaking = [
        r.decided_on
        for r in records
        if r.polarity == "bad" and r.status == "active" and r.decided_on <= as_of
    ]
    assert card.clean_years_flag == all(d <= years_before(as_of, 3) for d in breaking)
    assert card.one_year_clean == all(d <= years_before(as_of, 1) for d in breaking)
    assert card.clean_since == (max(breaking) if breaking else None)


@given(scenarios())
def test_clean_badges_are_dated_by_the_first_completed_period(
    scenario: tuple[list[RecordFact], dt.date],
) -> None:
    records, as_of = scenario
    card = assess(records, rules(), as_of)
    history = [r for r in records if r.status != "revoked" and r.decided_on <= as_of]
    breaking = sorted(r.decided_on for r in history if r.polarity == "bad" and r.status == "active")
    earned = {b.code: b.earned_on for b in card.badges}
    for badge in rules().badges:
        if badge.kind != "clean_years":
            continue
        if not history:  # no period to observe
            assert badge.code not in earned
            continue
        start = min(r.decided_on for r in history)
        day = first_clean_completion(start, breaking, badge.years)
        assert earned.get(badge.code) == (day if day <= as_of else None)


@given(scenarios(max_size=8), st.data())
def test_nothing_changes_before_next_change_on(
    scenario: tuple[list[RecordFact], dt.date], data: st.DataObject
) -> None:
    records, as_of = scenario
    card = assess(records, rules(), as_of)
    change = card.next_change_on
    horizon = change if change is not None else as_of + dt.timedelta(days=4000)
    if horizon > as_of + dt.timedelta(days=1):
        days = (horizon - as_of).days - 1
        probe = as_of + dt.timedelta(days=data.draw(st.integers(1, days)))
        assert _undated(assess(records, rules(), probe)) == _undated(card)
    if change is not None:
        assert change > as_of
        assert _undated(assess(records, rules(), change)) != _undated(card)


@given(dates, st.integers(0, 5), dates)
def test_years_after_and_years_before_agree(day: dt.date, years: int, other: dt.date) -> None:
    assert (years_after(day, years) <= other) == (day <= years_before(other, years))
