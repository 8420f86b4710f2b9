"""The single-pass engine (issue 17) gives exactly what the step-by-step engine gave.

``points_engine.assess`` was rewritten for speed; ``tests/points_engine/reference/`` keeps the
engine as it was. For many generated citizens, on many days, under several rule versions, both
must give equal assessments: every field, every explanation line and text, badges, countdowns,
``next_change_on``, and the same JSON bytes. The generators aim at the edges the fast path
branches on: caps reached exactly or overshot, good and bad records under objection, repaired
records (dated, undated, repaired "ahead" of their decision), revoked records, display ending
the day before, on or after ``as_of``, records decided after ``as_of``, 29 February, badge
thresholds reached exactly, and repeated ids.
"""

from __future__ import annotations

import datetime as dt
import functools
import random
from typing import Any

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from points_engine import RecordFact, Rules, assess, rules_from_mapping
from tests.points_engine import reference
from tests.points_engine.helpers import D, mapping, rules

AS_OF_CHOICES = [D(2026, 9, 1), D(2028, 2, 29), D(2028, 3, 1), D(2027, 2, 28), D(2026, 12, 31)]
GOOD_KINDS = [
    # (record_type, domain, bonus_category, points per unit, unit)
    ("VOLUNTEER-SERVICE-HOURS", "volunteer_service", "volunteer", 1, "hour"),
    ("BLOOD-DONATION-UNPAID", "public_welfare", "blood_donation", 10, "time"),
    ("CHARITY-DONATION", "public_welfare", "charity", 5, "case"),
    ("HONOUR-BRAVERY", "honours", "honour", 50, "case"),
    ("MORAL-MODEL", "honours", "moral_model", 50, "case"),
    ("OTHER-GOOD", "public_welfare", None, 8, "case"),
    ("UNCAPPED-GOOD", "public_welfare", "uncapped", 3, "month"),
]
BAD_KINDS = [
    # (record_type, domain, severity, points per unit)
    ("TRAFFIC-DRINK-DRIVING", "traffic_safety", "serious", -80),
    ("TAX-EVASION", "tax_payment", "general", -30),
    ("FARE-EVASION", "traffic_safety", "minor", -5),
]


# --- rule versions -------------------------------------------------------------------------------


def _variant(change: str) -> Rules:
    data = mapping()
    if change == "clean_one_year":
        data["rules"]["clean_years"] = 1
    elif change == "tight_caps":
        for cap in data["bonus_cap"]:
            cap["yearly_cap"] = 10
    elif change == "no_caps":  # and so no badge that counts a bonus category
        data["bonus_cap"] = []
        data["badge"] = [b for b in data["badge"] if "bonus_categories" not in b]
    elif change == "badges_reordered":  # not grouped: the engine must sort badges itself
        data["badge"] = list(reversed(data["badge"]))
    elif change == "two_repairs":
        for badge in data["badge"]:
            if badge["kind"] == "repair_completed":
                badge["threshold"] = 2
    elif change == "bad_records_counted":  # counters fed by bad, repaired and expired records
        data["badge"].insert(
            0,
            {
                "code": "second_drink_driving",
                "kind": "record_count",
                "name_zh": "二次酒驾",
                "name_en": "Second drink-driving",
                "description_zh": "两次酒驾记录。",
                "description_en": "Two drink-driving records.",
                "record_types": ["TRAFFIC-DRINK-DRIVING", "TAX-EVASION"],
                "threshold": 2,
            },
        )
    data["rules"]["version"] = f"2026.1-{change}"
    return rules_from_mapping(data, f"test:{change}")


@functools.cache
def rule_versions() -> tuple[Rules, ...]:
    changes = (
        "clean_one_year",
        "tight_caps",
        "no_caps",
        "badges_reordered",
        "two_repairs",
        "bad_records_counted",
    )
    return (rules(), *(_variant(change) for change in changes))


# --- citizens ------------------------------------------------------------------------------------


@st.composite
def records(draw: st.DrawFn, as_of: dt.date, record_id: int) -> RecordFact:
    """One record near ``as_of``, its dates often on the edges the engine branches on."""
    edge = draw(st.sampled_from(["near", "near", "near", "leap", "ends_today", "future", "old"]))
    if edge == "leap":
        occurred = draw(st.sampled_from([D(2024, 2, 29), D(2028, 2, 29), D(2025, 2, 28)]))
    elif edge == "old":
        occurred = as_of - dt.timedelta(days=draw(st.integers(366, 2500)))
    elif edge == "future":
        occurred = as_of + dt.timedelta(days=draw(st.integers(0, 40)))
    else:
        occurred = as_of - dt.timedelta(days=draw(st.integers(0, 800)))
    decided = occurred + dt.timedelta(days=draw(st.sampled_from([0, 0, 1, 30])))
    if edge == "ends_today":
        until = as_of + dt.timedelta(days=draw(st.integers(-1, 1)))
        decided = min(decided, until)
    else:
        until = decided + dt.timedelta(days=draw(st.sampled_from([0, 90, 365, 366, 1095])))
    status = draw(st.sampled_from(["active"] * 8 + ["revoked", "repaired"]))
    repaired_on = None
    if status == "repaired":
        repaired_on = draw(
            st.none() | st.just(decided + dt.timedelta(days=draw(st.integers(-5, 400))))
        )
    under_objection = draw(st.integers(0, 5)) == 0
    names = draw(st.sampled_from([("", ""), ("名称", "Name")]))
    common: dict[str, Any] = {
        "id": record_id,
        "occurred_on": occurred,
        "decided_on": decided,
        "display_until": until,
        "status": status,
        "under_objection": under_objection,
        "department": draw(st.sampled_from(["", "city-credit-office", "tax-bureau"])),
        "catalog_version": draw(st.sampled_from(["", "2026.1", "2025.2"])),
        "repaired_on": repaired_on,
        "name_zh": names[0],
        "name_en": names[1],
    }
    if draw(st.booleans()):
        code, domain, category, points, unit = draw(st.sampled_from(GOOD_KINDS))
        quantity = draw(st.sampled_from([1, 1, 2, 4, 8, 10, 16, 20, 40, 50, 100]))
        return RecordFact(
            record_type=code,
            domain=domain,
            polarity="good",
            severity=None,
            points_per_unit=draw(st.sampled_from([points, points, 0, -points])),  # data errors
            quantity=quantity,
            bonus_category=category,
            repairable_from=None,
            unit=unit,
            **common,
        )
    code, domain, severity, points = draw(st.sampled_from(BAD_KINDS))
    repairable = draw(
        st.none()
        | st.sampled_from([decided, as_of, as_of + dt.timedelta(days=1)])
        | st.just(decided + dt.timedelta(days=draw(st.integers(0, 500))))
    )
    return RecordFact(
        record_type=code,
        domain=domain,
        polarity="bad",
        severity=severity,
        points_per_unit=draw(st.sampled_from([points, points, 0, -points])),  # data errors
        quantity=draw(st.sampled_from([1, 1, 1, 2, 3])),
        bonus_category=None,
        repairable_from=repairable,
        repair_paths=draw(st.sampled_from([(), ("commitment",), ("commitment", "training")])),
        unit="case",
        **common,
    )


@st.composite
def citizens(draw: st.DrawFn) -> tuple[list[RecordFact], Rules, dt.date]:
    """A citizen, mostly with few records (the common case), sometimes with many."""
    as_of = draw(st.sampled_from(AS_OF_CHOICES) | st.dates(D(2024, 1, 1), D(2030, 12, 31)))
    size = draw(st.sampled_from([0, 1, 2, 3, 5, 5, 5, 8, 20]))
    ids = draw(st.lists(st.integers(1, 60), min_size=size, max_size=size, unique=True))
    citizen = [draw(records(as_of, record_id)) for record_id in ids]
    return citizen, draw(st.sampled_from(rule_versions())), as_of


def assert_same(citizen: list[RecordFact], rule_set: Rules, as_of: dt.date) -> None:
    expected = reference.assess(citizen, rule_set, as_of)
    got = assess(citizen, rule_set, as_of)
    assert got == expected
    assert msgspec.json.encode(got) == msgspec.json.encode(expected)


# --- the equivalence ------------------------------------------------------------------------------


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(citizens())
def test_same_card_as_the_step_by_step_engine(
    case: tuple[list[RecordFact], Rules, dt.date],
) -> None:
    assert_same(*case)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(citizens(), st.randoms(use_true_random=False))
def test_same_card_whatever_the_order(
    case: tuple[list[RecordFact], Rules, dt.date], rnd: random.Random
) -> None:
    citizen, rule_set, as_of = case
    rnd.shuffle(citizen)
    assert_same(citizen, rule_set, as_of)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(citizens(), st.data())
def test_same_error_for_a_repeated_id(
    case: tuple[list[RecordFact], Rules, dt.date], data: st.DataObject
) -> None:
    citizen, rule_set, as_of = case
    if not citizen:
        return
    twin = data.draw(st.sampled_from(citizen))
    changed = msgspec.structs.replace(twin, quantity=twin.quantity + 1)
    citizen = [*citizen, changed]
    with pytest.raises(ValueError) as expected:
        reference.assess(citizen, rule_set, as_of)
    with pytest.raises(ValueError) as got:
        assess(citizen, rule_set, as_of)
    assert str(got.value) == str(expected.value)


def _volunteer(record_id: int, hours: int, occurred: dt.date, **extra: Any) -> RecordFact:
    return RecordFact(
        id=record_id,
        record_type="VOLUNTEER-SERVICE-HOURS",
        domain="volunteer_service",
        polarity="good",
        severity=None,
        points_per_unit=1,
        quantity=hours,
        bonus_category="volunteer",
        occurred_on=occurred,
        decided_on=occurred,
        display_until=occurred + dt.timedelta(days=365),
        repairable_from=None,
        unit="hour",
        **extra,
    )


@pytest.mark.parametrize(
    "hours",
    [
        (40,),  # the cap reached exactly by one record
        (20, 20),  # ... by two: neither line capped
        (20, 20, 1),  # one hour past it: the third adds nothing and says why
        (39, 2),  # overshoot by one
        (50, 50),  # the 50 and 100 hour badges reached exactly
        (49, 1, 50, 400),  # ... each by a later record, 500 in the same pass
    ],
)
def test_caps_and_thresholds_reached_exactly(hours: tuple[int, ...]) -> None:
    as_of = D(2026, 9, 1)
    citizen = [
        _volunteer(i, h, D(2026, 3, 1) + dt.timedelta(days=i)) for i, h in enumerate(hours, 1)
    ]
    for rule_set in rule_versions():
        assert_same(citizen, rule_set, as_of)
        assert_same(citizen, rule_set, D(2027, 1, 1))


def test_the_benchmark_mix_is_the_same() -> None:
    """Citizens like the benchmark's (5 and 50 records of every kind), on several days."""
    rng = random.Random(17)
    for _ in range(1000):
        as_of = rng.choice(AS_OF_CHOICES)
        size = rng.choice([5, 5, 5, 50])
        citizen = _seeded(rng, as_of, size)
        for rule_set in rule_versions():
            assert_same(citizen, rule_set, as_of)


def _seeded(rng: random.Random, as_of: dt.date, size: int) -> list[RecordFact]:
    """``size`` records drawn with ``rng`` (plain Python: fast, and the same every run)."""
    out: list[RecordFact] = []
    for record_id in rng.sample(range(1, 10_000), size):
        occurred = as_of - dt.timedelta(days=rng.randint(-20, 1500))
        decided = occurred + dt.timedelta(days=rng.choice([0, 3, 30]))
        status = rng.choice(["active"] * 10 + ["revoked", "repaired"])
        common: dict[str, Any] = {
            "id": record_id,
            "occurred_on": occurred,
            "decided_on": decided,
            "display_until": decided + dt.timedelta(days=rng.choice([90, 365, 730, 1095])),
            "status": status,
            "under_objection": rng.random() < 0.1,
            "department": "city-credit-office",
            "catalog_version": "2026.1",
            "repaired_on": decided + dt.timedelta(days=rng.randint(30, 400))
            if status == "repaired"
            else None,
        }
        if rng.random() < 0.6:
            code, domain, category, points, unit = rng.choice(GOOD_KINDS)
            out.append(
                RecordFact(
                    record_type=code,
                    domain=domain,
                    polarity="good",
                    severity=None,
                    points_per_unit=points,
                    quantity=rng.choice([1, 4, 8, 16, 24, 40]) if unit == "hour" else 1,
                    bonus_category=category,
                    repairable_from=None,
                    unit=unit,
                    name_zh=code.lower(),
                    name_en=code.title(),
                    **common,
                )
            )
        else:
            code, domain, severity, points = rng.choice(BAD_KINDS)
            out.append(
                RecordFact(
                    record_type=code,
                    domain=domain,
                    polarity="bad",
                    severity=severity,
                    points_per_unit=points,
                    quantity=rng.choice([1, 1, 2]),
                    bonus_category=None,
                    repairable_from=rng.choice(
                        [None, decided + dt.timedelta(days=rng.randint(90, 400))]
                    ),
                    repair_paths=("commitment",),
                    **common,
                )
            )
    return out


def test_the_inline_text_lookup_uses_the_text_module_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """``assess`` looks texts up in ``text.PLAIN`` with a key it builds inline (a call per line
    costs too much); that key must be :func:`points_engine.text.plain_key`: with another key
    every line would miss the memo and make its texts again (or read another record's)."""
    from points_engine import assessment, text

    made: list[int] = []

    def counting(record: RecordFact, points: int) -> tuple[str, str]:
        made.append(record.id)
        return text.plain_texts(record, points)

    monkeypatch.setattr(assessment, "plain_texts", counting)
    rng = random.Random(3)
    for _ in range(50):
        as_of = rng.choice(AS_OF_CHOICES)
        citizen = _seeded(rng, as_of, 8)
        text.PLAIN.clear()
        first = assess(citizen, rules(), as_of)
        made.clear()
        assert assess(citizen, rules(), as_of) == first
        assert made == []  # every text came from the memo
