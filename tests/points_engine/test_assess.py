"""assess(): points, grade, caps, suspension, what counts and why, explanations, countdowns."""

from __future__ import annotations

import msgspec
import pytest

from points_engine import Assessment, ExplanationLine, assess
from tests.points_engine.helpers import D, bad, good, rules

AS_OF = D(2026, 6, 1)


def points_of(*records: object, as_of: object = AS_OF) -> int:
    return assess(list(records), rules(), as_of).points  # type: ignore[arg-type]


# --- points and grade ---------------------------------------------------------------------------


def test_no_records_is_base_points_grade_a() -> None:
    card = assess([], rules(), AS_OF)
    assert card.points == 1000
    assert card.base_points == 1000
    assert card.grade.code == "A"
    assert card.grade.name_zh == "诚信良好"
    assert card.next_grade is not None and card.next_grade.code == "AA"
    assert card.points_to_next_grade == 30
    assert card.lines == () and card.not_counting == () and card.badges == ()
    assert card.rules_version == "2026.1"
    assert card.as_of == AS_OF
    assert card.next_change_on is None


@pytest.mark.parametrize(
    ("delta", "grade", "next_grade", "to_next"),
    [
        (50, "AAA", None, None),
        (49, "AA", "AAA", 1),
        (30, "AA", "AAA", 20),
        (29, "A", "AA", 1),
        (-40, "A", "AA", 70),
        (-41, "B", "A", 1),
        (-150, "B", "A", 110),
        (-151, "C", "B", 1),
        (-400, "C", "B", 250),
        (-401, "D", "C", 1),
        (-1500, "D", "C", 1100),
    ],
)
def test_grade_boundaries(delta: int, grade: str, next_grade: str | None, to_next: int) -> None:
    # An uncapped category gives exact good deltas; a bad record of -1 per unit exact bad ones.
    record = good(1, delta, category="uncapped") if delta > 0 else bad(1, -1, -delta)
    card = assess([record], rules(), AS_OF)
    assert card.points == 1000 + delta
    assert card.grade.code == grade
    assert (card.next_grade.code if card.next_grade else None) == next_grade
    assert card.points_to_next_grade == to_next


def test_grade_carries_names_colour_and_bounds() -> None:
    card = assess([good(1, 60, category="uncapped")], rules(), AS_OF)
    assert card.grade.code == "AAA"
    assert (card.grade.name_zh, card.grade.name_en) == ("诚信模范", "Integrity model")
    assert card.grade.colour.startswith("#")
    assert (card.grade.min_points, card.grade.max_points, card.grade.rank) == (1050, None, 0)
    assert rules().grade_for(599).code == "D"
    assert rules().grade("B") is not None and rules().grade("Z") is None


def test_points_are_base_plus_counting_records() -> None:
    records = [
        good(1, 1, 12, occurred=D(2026, 4, 2)),  # 12 volunteer hours
        good(2, 10, category="blood_donation", record_type="BLOOD-DONATION-UNPAID"),
        bad(3, -20, occurred=D(2026, 4, 20)),
        bad(4, -10, 2, occurred=D(2026, 4, 21)),  # 2 units
    ]
    card = assess(records, rules(), AS_OF)
    assert card.points == 1000 + 12 + 10 - 20 - 20
    assert card.counts.counting == 4
    assert (card.counts.counting_good, card.counts.counting_bad) == (2, 2)


def test_signs_are_clamped_to_polarity() -> None:
    # A data error must never turn a penalty into a bonus or the reverse.
    assert points_of(good(1, -5, category="uncapped")) == 1000
    assert points_of(bad(1, 5)) == 1000


def test_duplicate_record_ids_are_rejected() -> None:
    with pytest.raises(ValueError, match="record id 7"):
        assess([good(7), bad(7)], rules(), AS_OF)


# --- what counts --------------------------------------------------------------------------------


def test_record_counts_from_decision_day_until_the_day_before_display_until() -> None:
    record = bad(1, -30, occurred=D(2026, 1, 5), decided=D(2026, 1, 10), until=D(2026, 7, 10))
    assert points_of(record, as_of=D(2026, 1, 9)) == 1000
    assert points_of(record, as_of=D(2026, 1, 10)) == 970
    assert points_of(record, as_of=D(2026, 7, 9)) == 970
    assert points_of(record, as_of=D(2026, 7, 10)) == 1000


def test_not_counting_reasons_and_dates() -> None:
    records = [
        bad(1, occurred=D(2025, 1, 1), until=D(2026, 1, 1)),  # display over
        bad(2, status="revoked"),
        bad(3, status="repaired", repaired_on=D(2026, 5, 20)),
        good(4, 5, occurred=D(2026, 5, 30), decided=D(2026, 6, 10)),  # decided later
        good(5, 3),  # counts
    ]
    card = assess(records, rules(), AS_OF)
    reasons = {n.record_id: (n.reason, n.stopped_on, n.counts_from) for n in card.not_counting}
    assert reasons == {
        1: ("display_period_over", D(2026, 1, 1), None),
        2: ("revoked", None, None),
        3: ("repaired", D(2026, 5, 20), None),
        4: ("not_yet_decided", None, D(2026, 6, 10)),
    }
    assert card.points == 1003
    assert [line.record_id for line in card.lines] == [5]
    assert card.counts.total == 5
    assert (card.counts.counting, card.counts.not_counting, card.counts.suspended) == (1, 4, 0)


def test_revoked_and_repaired_records_never_count_even_on_display() -> None:
    assert points_of(bad(1, -80, status="revoked")) == 1000
    assert points_of(bad(1, -80, status="repaired", repaired_on=D(2026, 5, 2))) == 1000
    assert points_of(good(1, 10, category="uncapped", status="revoked")) == 1000


def test_penalty_under_objection_is_suspended() -> None:
    record = bad(
        1,
        -50,
        occurred=D(2026, 3, 1),
        under_objection=True,
        department="city-court",
        catalog_version="2026.1",
        name_zh="被判决违约",
        name_en="Found in breach by a court",
        repairable=D(2026, 9, 1),
    )
    card = assess([record, bad(2, -20)], rules(), AS_OF)
    assert card.points == 980  # only record 2
    assert [line.record_id for line in card.lines] == [2]
    (held,) = card.suspended
    assert (held.record_id, held.withheld_points, held.department) == (1, -50, "city-court")
    assert held.catalog_version == "2026.1"
    assert held.text_zh == "被判决违约 -50，异议核查期间暂停扣分"
    assert "suspended" in held.text_en
    assert (card.counts.counting, card.counts.suspended) == (1, 1)
    # Still on display: it keeps its countdown.
    assert [c.record_id for c in card.countdowns] == [1, 2]


def test_good_record_under_objection_still_counts() -> None:
    assert points_of(good(1, 10, category="uncapped", under_objection=True)) == 1010


# --- yearly caps --------------------------------------------------------------------------------


def test_yearly_cap_is_allocated_in_occurred_order() -> None:
    # volunteer: +1 per hour, cap 40 per calendar year of occurred_on.
    records = [
        good(3, 1, 5, occurred=D(2026, 3, 1)),
        good(1, 1, 30, occurred=D(2026, 1, 10)),
        good(2, 1, 20, occurred=D(2026, 2, 1)),
    ]
    card = assess(records, rules(), AS_OF)
    lines = {line.record_id: line for line in card.lines}
    assert (lines[1].points, lines[1].uncapped_points, lines[1].capped) == (30, 30, False)
    assert (lines[2].points, lines[2].uncapped_points, lines[2].capped) == (10, 20, True)
    assert (lines[3].points, lines[3].uncapped_points, lines[3].capped) == (0, 5, True)
    assert card.points == 1040
    assert [line.record_id for line in card.lines] == [1, 2, 3]


def test_same_day_records_share_the_cap_by_id() -> None:
    records = [good(9, 1, 30), good(4, 1, 30)]
    lines = {line.record_id: line.points for line in assess(records, rules(), AS_OF).lines}
    assert lines == {4: 30, 9: 10}


def test_each_calendar_year_and_category_has_its_own_cap() -> None:
    records = [
        good(1, 1, 40, occurred=D(2025, 12, 20)),
        good(2, 1, 40, occurred=D(2026, 1, 5)),
        good(3, 10, 3, category="blood_donation", record_type="BLOOD-DONATION-UNPAID"),
    ]
    card = assess(records, rules(), AS_OF)
    assert [line.points for line in card.lines] == [40, 40, 20]  # blood cap 20
    assert card.points == 1100


def test_cap_frees_up_when_an_earlier_record_leaves_display() -> None:
    first = good(1, 1, 40, occurred=D(2026, 1, 5), until=D(2026, 5, 1))
    second = good(2, 1, 25, occurred=D(2026, 2, 5))
    assert points_of(first, second, as_of=D(2026, 4, 30)) == 1040
    assert points_of(first, second, as_of=D(2026, 5, 1)) == 1025


def test_capped_line_text_names_the_cap() -> None:
    records = [
        good(1, 1, 30, name_zh="志愿服务时长", name_en="Volunteer service hours", unit="hour"),
        good(2, 1, 12, name_zh="志愿服务时长", name_en="Volunteer service hours", unit="hour"),
    ]
    lines = assess(records, rules(), AS_OF).lines
    assert lines[0].text_zh == "志愿服务时长 30 小时 +30"
    assert lines[0].text_en == "Volunteer service hours, 30 hours: +30"
    assert lines[1].text_zh == "志愿服务时长 12 小时 +10（应得 +12，2026 年志愿服务年度上限 40 分）"
    assert lines[1].text_en == (
        "Volunteer service hours, 12 hours: +10 (+12 earned; 2026 volunteer service yearly cap "
        "of 40)"
    )


def test_category_without_a_cap_is_uncapped() -> None:
    assert points_of(good(1, 500, category="not_in_rules")) == 1500


# --- explanation lines --------------------------------------------------------------------------


def test_every_counting_record_has_a_line_naming_it() -> None:
    record = bad(
        42,
        -80,
        severity="serious",
        record_type="TRAFFIC-DRUNK-DRIVING",
        department="city-traffic-police",
        catalog_version="2026.1",
        name_zh="醉酒驾驶机动车",
        name_en="Driving while drunk",
        until=D(2029, 5, 1),
    )
    (line,) = assess([record], rules(), AS_OF).lines
    assert line == ExplanationLine(
        record_id=42,
        record_type="TRAFFIC-DRUNK-DRIVING",
        domain="traffic_safety",
        polarity="bad",
        department="city-traffic-police",
        catalog_version="2026.1",
        rules_version="2026.1",
        occurred_on=D(2026, 5, 1),
        display_until=D(2029, 5, 1),
        quantity=1,
        points=-80,
        uncapped_points=-80,
        capped=False,
        bonus_category=None,
        text_zh="醉酒驾驶机动车 -80",
        text_en="Driving while drunk: -80",
    )


def test_line_text_falls_back_to_the_record_type_code() -> None:
    (line,) = assess([bad(1, -10, 3, unit="month")], rules(), AS_OF).lines
    assert line.text_zh == "TRAFFIC-DRINK-DRIVING 3 个月 -30"
    assert line.text_en == "TRAFFIC-DRINK-DRIVING, 3 months: -30"
    (line,) = assess([good(1, 10, 1, unit="time", category="x")], rules(), AS_OF).lines
    assert (line.text_zh, line.text_en) == (
        "VOLUNTEER-SERVICE-HOURS 1 次 +10",
        "VOLUNTEER-SERVICE-HOURS, 1 time: +10",
    )


def test_breakdown_per_domain() -> None:
    records = [
        good(1, 1, 10),
        good(2, 1, 5, occurred=D(2026, 5, 2)),
        bad(3, -30, domain="tax_payment"),
        bad(4, -20, domain="tax_payment", status="revoked"),
        bad(5, -20, domain="food_drugs", under_objection=True),
    ]
    card = assess(records, rules(), AS_OF)
    assert [(b.domain, b.points, b.records) for b in card.breakdown] == [
        ("tax_payment", -30, 1),
        ("volunteer_service", 15, 2),
    ]


def test_top_contributions_three_each_way_biggest_first() -> None:
    records = [
        good(1, 10, category="uncapped", occurred=D(2026, 1, 1)),
        good(2, 30, category="uncapped", occurred=D(2026, 1, 2)),
        good(3, 20, category="uncapped", occurred=D(2026, 1, 3)),
        good(4, 30, category="uncapped", occurred=D(2026, 1, 4)),
        bad(5, -5, occurred=D(2026, 1, 5)),
        bad(6, -50, occurred=D(2026, 1, 6)),
        good(7, 1, 50, occurred=D(2026, 1, 7)),  # volunteer, capped to 40
        good(8, 1, 5, occurred=D(2026, 1, 8)),  # capped to 0: not a contribution
    ]
    card = assess(records, rules(), AS_OF)
    assert [line.record_id for line in card.top_positive] == [7, 2, 4]
    assert [line.record_id for line in card.top_negative] == [6, 5]


# --- countdowns ---------------------------------------------------------------------------------


def test_countdowns_on_bad_records_on_display() -> None:
    records = [
        bad(
            1, repairable=D(2026, 8, 1), until=D(2027, 5, 1), repair_paths=("obligation_fulfilled",)
        ),
        bad(2, repairable=D(2026, 6, 1), until=D(2027, 5, 1)),  # repairable today
        bad(3, repairable=None, until=D(2029, 5, 1)),  # cannot be repaired
        bad(4, occurred=D(2025, 1, 1), until=D(2025, 4, 1)),  # display over: no countdown
        bad(5, status="revoked"),
        bad(6, status="repaired", repaired_on=D(2026, 5, 5)),
        good(7),
    ]
    card = assess(records, rules(), AS_OF)
    by_id = {c.record_id: c for c in card.countdowns}
    assert sorted(by_id) == [1, 2, 3]
    one = by_id[1]
    assert (one.repairable_from, one.repair_possible_now, one.days_to_repair) == (
        D(2026, 8, 1),
        False,
        61,
    )
    assert (one.display_until, one.days_to_display_end) == (D(2027, 5, 1), 334)
    assert one.repair_paths == ("obligation_fulfilled",)
    assert (by_id[2].repair_possible_now, by_id[2].days_to_repair) == (True, 0)
    assert (by_id[3].repairable_from, by_id[3].repair_possible_now) == (None, False)
    assert by_id[3].days_to_repair is None


# --- next change --------------------------------------------------------------------------------


def test_next_change_on_is_the_earliest_coming_date() -> None:
    records = [
        bad(1, occurred=D(2026, 3, 1), repairable=D(2026, 9, 1), until=D(2027, 3, 1)),
        good(2, 5, category="uncapped", occurred=D(2026, 5, 1), until=D(2026, 8, 15)),
    ]
    card = assess(records, rules(), AS_OF)
    assert card.next_change_on == D(2026, 8, 15)
    later = assess(records, rules(), D(2026, 8, 15))
    assert later.next_change_on == D(2026, 9, 1)  # repair becomes possible
    assert assess(records, rules(), D(2026, 9, 1)).next_change_on == D(2027, 3, 1)
    # Display over on 2027-03-01; one clean year completes on 2027-03-01 as well; then 3 years.
    assert assess(records, rules(), D(2027, 3, 1)).next_change_on == D(2029, 3, 1)


def test_next_change_on_includes_a_future_decision() -> None:
    record = good(1, 5, category="uncapped", occurred=D(2026, 5, 20), decided=D(2026, 6, 3))
    card = assess([record], rules(), AS_OF)
    assert card.points == 1000
    assert card.next_change_on == D(2026, 6, 3)
    assert assess([record], rules(), D(2026, 6, 3)).points == 1005


def test_next_change_on_none_when_nothing_will_change() -> None:
    records = [bad(1, status="revoked"), good(2, occurred=D(2015, 1, 1))]
    card = assess(records, rules(), AS_OF)
    assert card.next_change_on is None


# --- output -------------------------------------------------------------------------------------


def test_assessment_encodes_to_camel_case_json_and_back() -> None:
    records = [
        good(1, 1, 45),
        bad(2, -30, under_objection=True, repairable=D(2026, 8, 1)),
        bad(3, -20, occurred=D(2024, 1, 1), until=D(2025, 1, 1)),
    ]
    card = assess(records, rules(), AS_OF)
    raw = msgspec.json.decode(msgspec.json.encode(card))
    assert {"asOf", "rulesVersion", "points", "grade", "nextGrade", "pointsToNextGrade"} <= set(raw)
    assert {"cleanYearsFlag", "topPositive", "notCounting", "nextChangeOn"} <= set(raw)
    assert raw["lines"][0]["recordId"] == 1
    assert raw["lines"][0]["uncappedPoints"] == 45
    assert raw["grade"]["nameZh"] == "诚信优秀"
    assert raw["suspended"][0]["withheldPoints"] == -30
    assert raw["countdowns"][0]["daysToRepair"] == 61
    again = msgspec.json.decode(msgspec.json.encode(card), type=Assessment)
    assert again == card


def test_same_input_same_output_and_order_independent() -> None:
    records = [good(1, 1, 30), good(2, 1, 30), bad(3), bad(4, status="revoked")]
    first = assess(records, rules(), AS_OF)
    assert assess(list(reversed(records)), rules(), AS_OF) == first
    assert assess(tuple(records), rules(), AS_OF) == first
    assert msgspec.json.encode(first) == msgspec.json.encode(assess(records, rules(), AS_OF))
