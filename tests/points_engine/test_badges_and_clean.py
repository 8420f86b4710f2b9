"""The 连续 N 年无不良记录 flag at its exact boundaries; badges with the dates they were earned."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pytest

from points_engine import (
    BadgeEarned,
    RecordFact,
    assess,
    first_clean_completion,
    years_after,
    years_before,
)
from tests.points_engine.helpers import D, bad, good, rules, rules_with

AS_OF = D(2026, 6, 1)


def badges(records: Sequence[RecordFact], as_of: dt.date = AS_OF) -> dict[str, BadgeEarned]:
    card = assess(records, rules(), as_of)
    return {b.code: b for b in card.badges}


# --- clean-years flag ---------------------------------------------------------------------------


def test_no_bad_record_at_all_is_clean() -> None:
    card = assess([good(1)], rules(), AS_OF)
    assert card.clean_years == 3
    assert card.clean_years_flag is True and card.one_year_clean is True
    assert card.clean_since is None and card.clean_years_from is None


@pytest.mark.parametrize(
    ("as_of", "three", "one"),
    [
        (D(2024, 5, 9), False, False),
        (D(2024, 5, 10), False, True),  # one year complete on the anniversary
        (D(2026, 5, 9), False, True),
        (D(2026, 5, 10), True, True),  # three years complete on the third anniversary
    ],
)
def test_clean_flag_boundaries(as_of: dt.date, three: bool, one: bool) -> None:
    record = bad(1, occurred=D(2023, 5, 1), decided=D(2023, 5, 10), until=D(2024, 5, 10))
    card = assess([record], rules(), as_of)
    assert (card.clean_years_flag, card.one_year_clean) == (three, one)
    assert card.clean_since == D(2023, 5, 10)
    assert card.clean_years_from == D(2026, 5, 10)


def test_display_over_bad_record_still_breaks_the_clean_period() -> None:
    expired = bad(1, occurred=D(2025, 1, 1), until=D(2025, 4, 1))
    card = assess([expired], rules(), AS_OF)
    assert card.points == 1000
    assert card.clean_years_flag is False
    assert card.one_year_clean is True


@pytest.mark.parametrize("status", ["revoked", "repaired"])
def test_revoked_or_repaired_bad_record_does_not_break_it(status: str) -> None:
    record = bad(1, occurred=D(2026, 1, 1), status=status, repaired_on=D(2026, 4, 1))
    card = assess([record], rules(), AS_OF)
    assert card.clean_years_flag is True and card.clean_since is None


def test_suspended_bad_record_breaks_it() -> None:
    card = assess([bad(1, under_objection=True)], rules(), AS_OF)
    assert card.clean_years_flag is False


def test_future_decision_does_not_break_it_yet() -> None:
    record = bad(1, occurred=D(2026, 5, 1), decided=D(2026, 7, 1))
    card = assess([record], rules(), AS_OF)
    assert card.clean_years_flag is True
    assert card.next_change_on == D(2026, 7, 1)
    assert assess([record], rules(), D(2026, 7, 1)).clean_years_flag is False


def test_latest_bad_record_decides() -> None:
    records = [bad(1, occurred=D(2020, 1, 1)), bad(2, occurred=D(2024, 2, 1))]
    card = assess(records, rules(), AS_OF)
    assert card.clean_since == D(2024, 2, 1)
    assert card.clean_years_from == D(2027, 2, 1)
    assert card.next_change_on == D(2027, 2, 1)


def test_clean_years_comes_from_the_rules() -> None:
    record = bad(1, occurred=D(2024, 6, 1))
    assert assess([record], rules_with(clean_years=2), AS_OF).clean_years_flag is True
    assert assess([record], rules(), AS_OF).clean_years_flag is False


def test_29_february() -> None:
    record = bad(1, occurred=D(2024, 2, 29))
    card = assess([record], rules(), D(2027, 2, 28))
    assert card.clean_years_from == D(2027, 3, 1)
    assert card.clean_years_flag is False
    assert assess([record], rules(), D(2027, 3, 1)).clean_years_flag is True
    assert years_after(D(2024, 2, 29), 4) == D(2028, 2, 29)
    assert years_before(D(2028, 2, 29), 3) == D(2025, 2, 28)
    assert years_after(D(9998, 1, 1), 5) == dt.date.max
    assert years_before(D(2, 1, 1), 5) == dt.date.min


# --- badges -------------------------------------------------------------------------------------


def test_volunteer_hour_badges_earned_on_the_record_that_crossed_the_line() -> None:
    records = [
        good(1, 1, 30, occurred=D(2025, 3, 1)),
        good(2, 1, 25, occurred=D(2025, 9, 1)),  # 55 h: 50 h reached
        good(3, 1, 60, occurred=D(2026, 2, 1), until=D(2026, 3, 1)),  # expired still counts
        good(4, 1, 500, status="revoked"),  # revoked: never
        good(5, 1, 500, occurred=D(2026, 5, 30), decided=D(2026, 7, 1)),  # not decided yet
    ]
    earned = badges(records)
    assert earned["volunteer_50h"] == BadgeEarned(
        "volunteer_50h", "志愿服务50小时", "50 volunteer hours", D(2025, 9, 1), 2
    )
    assert (earned["volunteer_100h"].earned_on, earned["volunteer_100h"].record_id) == (
        D(2026, 2, 1),
        3,
    )
    assert "volunteer_500h" not in earned
    later = badges(records, D(2026, 7, 1))
    assert later["volunteer_500h"].record_id == 5


def test_one_record_can_earn_several_thresholds() -> None:
    earned = badges([good(1, 1, 120)])
    assert {"volunteer_50h", "volunteer_100h"} <= set(earned)
    assert earned["volunteer_50h"].record_id == earned["volunteer_100h"].record_id == 1


def test_blood_donor_badge_counts_donations() -> None:
    def donation(record_id: int, day: dt.date) -> RecordFact:
        category, record_type = "blood_donation", "BLOOD-DONATION-UNPAID"
        return good(record_id, 10, category=category, record_type=record_type, occurred=day)

    records = [donation(1, D(2025, 1, 10)), donation(2, D(2025, 7, 10))]
    assert "blood_donor_3" not in badges(records)
    records.append(donation(3, D(2026, 1, 10)))
    assert badges(records)["blood_donor_3"].earned_on == D(2026, 1, 10)


def test_honour_badge() -> None:
    honour = good(1, 50, category="honour", record_type="HONOUR-BRAVERY", occurred=D(2026, 2, 3))
    assert badges([honour])["honour_received"].earned_on == D(2026, 2, 3)
    model = good(2, 50, category="moral_model", occurred=D(2026, 1, 3))
    assert badges([honour, model])["honour_received"].record_id == 2


def test_clean_badges_count_from_when_the_citizen_became_known() -> None:
    records = [good(1, occurred=D(2024, 3, 10))]
    earned = badges(records)
    assert earned["clean_1y"].earned_on == D(2025, 3, 10)
    assert earned["clean_1y"].record_id is None
    assert "clean_3y" not in earned
    card = assess(records, rules(), AS_OF)
    assert card.next_change_on == D(2027, 3, 10)  # the 3-year badge's day
    assert badges(records, D(2027, 3, 10))["clean_3y"].earned_on == D(2027, 3, 10)


def test_no_records_no_clean_badges() -> None:
    assert badges([]) == {}


def test_clean_badge_first_earned_is_kept_after_a_later_bad_record() -> None:
    records = [
        good(1, occurred=D(2020, 1, 1)),
        bad(2, occurred=D(2021, 6, 1)),  # 1 year clean already reached on 2021-01-01
        bad(3, occurred=D(2025, 12, 1)),  # 3 years from 2021-06-01 reached on 2024-06-01
    ]
    earned = badges(records)
    assert earned["clean_1y"].earned_on == D(2021, 1, 1)
    assert earned["clean_3y"].earned_on == D(2024, 6, 1)
    card = assess(records, rules(), AS_OF)
    assert card.clean_years_flag is False  # the flag is about now; the badge is history


def test_bad_record_on_the_anniversary_breaks_the_period() -> None:
    records = [good(1, occurred=D(2024, 1, 1)), bad(2, occurred=D(2025, 1, 1))]
    earned = badges(records)
    assert earned["clean_1y"].earned_on == D(2026, 1, 1)


def test_repair_badge_dated_by_the_repair() -> None:
    records = [
        bad(1, occurred=D(2025, 1, 1), status="repaired", repaired_on=D(2025, 9, 9)),
        bad(2, occurred=D(2025, 2, 1), status="repaired", repaired_on=D(2025, 8, 8)),
    ]
    earned = badges(records)
    assert (earned["repair_completed"].earned_on, earned["repair_completed"].record_id) == (
        D(2025, 8, 8),
        2,
    )


def test_repair_dated_after_as_of_is_pending() -> None:
    record = bad(1, occurred=D(2026, 1, 1), status="repaired", repaired_on=D(2026, 7, 7))
    card = assess([record], rules(), AS_OF)
    assert "repair_completed" not in {b.code for b in card.badges}
    assert card.next_change_on == D(2026, 7, 7)


def test_badges_come_in_definition_order() -> None:
    records = [
        good(1, 1, 120, occurred=D(2020, 1, 1)),
        bad(2, occurred=D(2021, 1, 1), status="repaired", repaired_on=D(2021, 6, 1)),
        good(3, 50, category="honour", occurred=D(2021, 1, 1)),
    ]
    codes = [b.code for b in assess(records, rules(), AS_OF).badges]
    order = [b.code for b in rules().badges]
    assert codes == sorted(codes, key=order.index)
    assert codes == [
        "volunteer_50h",
        "volunteer_100h",
        "honour_received",
        "clean_1y",
        "clean_3y",
        "repair_completed",
    ]


# --- first_clean_completion against a day-by-day oracle -----------------------------------------


def _oracle(start: dt.date, bad_dates: list[dt.date], years: int) -> dt.date:
    day = start
    while True:
        latest = max([start, *(b for b in bad_dates if b <= day)])
        if latest <= years_before(day, years):
            return day
        day += dt.timedelta(days=1)


@pytest.mark.parametrize(
    "bad_dates",
    [
        [],
        [D(2020, 1, 1)],
        [D(2020, 6, 1), D(2021, 6, 1)],
        [D(2020, 2, 29), D(2021, 3, 2)],
        [D(2021, 1, 1), D(2021, 1, 2), D(2022, 1, 3)],
    ],
)
@pytest.mark.parametrize("years", [1, 2])
def test_first_clean_completion_matches_day_by_day(bad_dates: list[dt.date], years: int) -> None:
    start = D(2020, 1, 1)
    assert first_clean_completion(start, bad_dates, years) == _oracle(start, bad_dates, years)
