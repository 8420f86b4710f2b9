"""The repair planner: for citizens built for it, the plan reaches the next grade when the
steps are carried out and the engine re-assesses; it is the cheapest (fewest steps, then least
effort) by brute force; it says when the target is out of reach today and what comes later."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from points_engine import (
    Assessment,
    Plan,
    PlanError,
    RecordFact,
    assess,
    evaluate,
    plan,
    years_after,
)
from tests.points_engine.helpers import rules
from tests.points_engine.test_benefits import catalogs, fact, shipped

ON = dt.date(2027, 6, 15)


def carry_out(records: Sequence[RecordFact], result: Plan, on: dt.date = ON) -> list[RecordFact]:
    """The records after the citizen does every step: repairs approved on ``on``, good deeds
    reported with ``on`` as their date."""
    repaired = {s.record_id for s in result.steps if s.kind == "repair"}
    after = [
        r.__class__(**{**_fields(r), "status": "repaired", "repaired_on": on})
        if r.id in repaired
        else r
        for r in records
    ]
    next_id = max((r.id for r in records), default=0) + 1
    for step in result.steps:
        if step.kind == "bonus":
            after.append(fact(next_id, step.record_type, on, quantity=step.units))
            next_id += 1
    return after


def _fields(record: RecordFact) -> dict[str, Any]:
    return {name: getattr(record, name) for name in record.__struct_fields__}


def planned(records: Sequence[RecordFact], target: str | None = None) -> tuple[Assessment, Plan]:
    assessment = assess(records, rules(), ON)
    return assessment, plan(assessment, shipped(), rules(), ON, target)


def reaches(records: Sequence[RecordFact], result: Plan) -> Assessment:
    """Re-assess after the steps: the engine itself must land where the plan says."""
    after = assess(carry_out(records, result), rules(), ON)
    assert after.points == result.points_after, (after.points, result)
    assert result.target is not None and after.grade.rank <= result.target.rank
    return after


# --- citizens built for the planner -------------------------------------------------------------


def test_a_clean_citizen_volunteers_thirty_hours_to_reach_aa() -> None:
    _, result = planned([])
    assert (result.points, result.grade.code, result.target.code) == (1000, "A", "AA")  # type: ignore[union-attr]
    assert result.reachable and result.points_needed == 30
    [step] = result.steps
    assert (step.kind, step.record_type, step.units, step.points, step.effort) == (
        "bonus",
        "VOLUNTEER-SERVICE-HOURS",
        30,
        30,
        30,
    )
    assert step.text_zh == "参加志愿服务 30 小时，+30 分"
    assert [b.code for b in result.unlocks] == [
        b.code for b in shipped().benefits if b.min_grade == "AA"
    ]
    assert result.text_zh.startswith("还差 30 分升至 AA（诚信优秀）：参加志愿服务 30 小时")
    assert "可解锁信易贷" in result.text_zh
    reaches([], result)


def test_a_repair_possible_now_is_one_cheap_step() -> None:
    # A -30 traffic record decided 400 days ago (repairable after 6 months) keeps the citizen at
    # 1000 - 30 + 40 volunteer hours this year = 1010; 20 points to AA: the repair (+30,
    # effort 4) beats 20 more volunteer hours (the cap has room for none anyway).
    decided = ON - dt.timedelta(days=200)
    records = [
        fact(1, "TRAFFIC-DRINK-DRIVING", decided),
        fact(2, "VOLUNTEER-SERVICE-HOURS", dt.date(2027, 2, 1), quantity=40),
    ]
    assessment, result = planned(records)
    assert (assessment.points, result.points_needed) == (1010, 20)
    [step] = result.steps
    assert (step.kind, step.record_id, step.repair_path, step.points) == (
        "repair",
        1,
        "training_report",
        30,
    )
    assert step.text_zh.startswith(
        "申请修复记录「饮酒后驾驶机动车」（#1），途径：信用修复培训或信用报告"
    )
    reaches(records, result)


def test_with_the_volunteer_cap_used_up_the_plan_combines_other_deeds() -> None:
    records = [
        fact(1, "VOLUNTEER-SERVICE-HOURS", dt.date(2027, 1, 10), quantity=40),
        fact(2, "CONTRACT-NON-PERFORMANCE", dt.date(2027, 5, 1)),
    ]
    assessment, result = planned(records)
    # 1000 + 40 - 20 = 1020: 10 to AA; the contract record is not repairable until August.
    assert (assessment.points, result.points_needed) == (1020, 10)
    [step] = result.steps
    assert (step.record_type, step.units, step.points, step.effort) == (
        "BLOOD-DONATION-UNPAID",
        1,
        10,
        2,
    )
    assert [u.record_id for u in result.upcoming] == [2]
    reaches(records, result)


def test_a_repair_that_is_enough_alone_beats_deeds_else_the_cheapest_deed() -> None:
    records = [
        fact(1, "VOLUNTEER-SERVICE-HOURS", dt.date(2027, 1, 10), quantity=40),
        fact(2, "BLOOD-DONATION-UNPAID", dt.date(2027, 3, 1)),
        fact(3, "UTILITY-LATE-PAYMENT", dt.date(2027, 5, 20)),
    ]
    # 1000 + 40 + 10 - 20 = 1030; AAA needs 20: the repair (+20, repairable at once) alone.
    assessment, result = planned(records, target="AAA")
    assert (assessment.points, result.points_needed) == (1030, 20)
    assert [(s.kind, s.points, s.effort) for s in result.steps] == [("repair", 20, 2)]
    reaches(records, result)
    # A record not repairable yet (one month): 10 points from the cheapest deed with room left,
    # one more blood donation (+10, effort 2) rather than two charity donations (effort 2, +10
    # too, but blood comes first in the file: equal cost, first found).
    later = [*records[:2], fact(3, "TAX-LATE-FILING", dt.date(2027, 6, 1))]
    assessment, result = planned(later, target="AAA")
    assert (assessment.points, result.points_needed) == (1040, 10)
    assert [(s.record_type, s.units, s.points) for s in result.steps] == [
        ("BLOOD-DONATION-UNPAID", 1, 10)
    ]
    reaches(later, result)


def test_two_steps_when_no_single_step_is_enough() -> None:
    # AAA from a clean 1000 needs 50; no deed earns 50 alone (caps: volunteer 40, charity 20,
    # blood 10 per plan): 30 volunteer hours and four donations (effort 34) are the cheapest pair.
    _, result = planned([], target="AAA")
    assert [(s.record_type, s.units, s.points, s.effort) for s in result.steps] == [
        ("VOLUNTEER-SERVICE-HOURS", 30, 30, 30),
        ("CHARITY-DONATION", 4, 20, 4),
    ]
    assert (result.effort, result.points_after, result.grade_after.code) == (34, 1050, "AAA")
    reaches([], result)


def test_a_judgment_debtor_repairs_and_the_court_measures_lift() -> None:
    records = [
        fact(1, "JUDICIAL-DISHONEST-JUDGMENT-DEBTOR", dt.date(2026, 3, 1)),
        fact(2, "TRAFFIC-DRUNK-DRIVING", dt.date(2027, 1, 5)),
    ]
    assessment, result = planned(records)
    assert (assessment.points, assessment.grade.code, result.target.code) == (770, "C", "B")  # type: ignore[union-attr]
    [step] = result.steps
    assert (step.record_id, step.repair_path, step.points) == (1, "obligation_fulfilled", 150)
    assert set(step.lifts) == {
        "high-consumption-restriction",
        "flight-restriction",
        "rail-first-class-restriction",
        "real-estate-purchase-restriction",
        "exit-restriction",
        "legal-representative-restriction",
        "prudent-lending",
    }
    assert result.lifts == step.lifts  # the drunk-driving record keeps the any-serious ones
    assert [b.code for b in result.unlocks] == ["roadside-parking-pay-later"]
    # The drunk-driving repair becomes possible a year after its decision.
    assert [(u.record_id, u.repairable_from, u.points) for u in result.upcoming] == [
        (2, dt.date(2028, 1, 5), 80)
    ]
    reaches(records, result)


def test_out_of_reach_today_says_what_helps_and_what_comes_later() -> None:
    # Refusal to execute (-200, never repairable) and toxic food (-200): 600 -> 400, grade D.
    records = [
        fact(1, "JUDICIAL-REFUSAL-TO-EXECUTE", dt.date(2027, 1, 1)),
        fact(2, "FOOD-TOXIC-HARMFUL", dt.date(2027, 2, 1)),
        fact(3, "TAX-EVASION", dt.date(2027, 3, 1)),
    ]
    assessment, result = planned(records)
    assert (assessment.points, result.target.code) == (450, "C")  # type: ignore[union-attr]
    assert result.reachable is False and result.points_needed == 150
    # Every deed still under its cap: 40 volunteer hours, one blood donation, four donations.
    assert sorted((s.record_type, s.points) for s in result.steps) == [
        ("BLOOD-DONATION-UNPAID", 10),
        ("CHARITY-DONATION", 20),
        ("VOLUNTEER-SERVICE-HOURS", 40),
    ]
    assert result.points_after == 520 and result.caps_reset_on == dt.date(2028, 1, 1)
    assert [u.record_id for u in result.upcoming] == [3]
    assert "目前最多可得 +70 分" in result.text_zh
    assert result.unlocks == ()


def test_at_the_top_grade_there_is_nothing_to_plan() -> None:
    records = [fact(1, "MORAL-MODEL-INTEGRITY", dt.date(2027, 1, 1))]
    assessment, result = planned(records)
    assert assessment.grade.code == "AAA" and result.target is None
    assert result.steps == () and result.reachable and result.points_needed == 0
    assert result.text_en == "Already at the top grade: keep it up"


def test_a_target_must_be_a_grade_above() -> None:
    _, result = planned([], target="AAA")
    assert result.target.code == "AAA" and result.points_needed == 50  # type: ignore[union-attr]
    assert sum(s.points for s in result.steps) >= 50 and len(result.steps) == 2
    reaches([], result)
    for wrong in ("A", "B", "ZZZ"):
        with pytest.raises(PlanError):
            planned([], target=wrong)


def test_the_plan_unlocks_only_what_the_engine_confirms() -> None:
    decided = ON - dt.timedelta(days=200)
    records = [fact(1, "TRAFFIC-DRINK-DRIVING", decided)]
    _, result = planned(records)
    after = assess(carry_out(records, result), rules(), ON)
    now = {s.code for s in evaluate(assess(records, rules(), ON), shipped(), rules()).available}
    then = {s.code for s in evaluate(after, shipped(), rules()).available}
    assert {b.code for b in result.unlocks} <= then - now


# --- properties: reaches, cheapest, deterministic ------------------------------------------------

POOL = [
    "TRAFFIC-DRINK-DRIVING",
    "CONTRACT-NON-PERFORMANCE",
    "UTILITY-LATE-PAYMENT",
    "TAX-LATE-FILING",
    "LITIGATION-BREACH-JUDGMENT",
    "TRAFFIC-DRUNK-DRIVING",
    "JUDICIAL-DISHONEST-JUDGMENT-DEBTOR",
    "FOOD-TOXIC-HARMFUL",
    "VOLUNTEER-SERVICE-HOURS",
    "BLOOD-DONATION-UNPAID",
    "CHARITY-DONATION",
    "HONOUR-BRAVERY",
]


@st.composite
def citizens(draw: st.DrawFn) -> list[RecordFact]:
    records = []
    for index in range(draw(st.integers(0, 5))):
        code = draw(st.sampled_from(POOL))
        decided = ON - dt.timedelta(days=draw(st.integers(0, 1000)))
        quantity = draw(st.integers(1, 45)) if code == "VOLUNTEER-SERVICE-HOURS" else 1
        records.append(fact(index + 1, code, decided, quantity=quantity))
    return records


def brute_force(assessment: Assessment, need: int) -> tuple[int, int] | None:
    """The cheapest (steps, effort) reaching ``need``, trying every combination."""
    lines = {line.record_id: line for line in assessment.lines}
    repairs = []
    for countdown in assessment.countdowns:
        line = lines.get(countdown.record_id)
        if line is None or countdown.repairable_from is None or countdown.repairable_from > ON:
            continue
        costs = [shipped().path_effort(p) for p in countdown.repair_paths]
        repairs.append((-line.points, min(c.effort for c in costs if c is not None)))
    deeds = []
    for action in shipped().actions:
        cap = rules().cap(action.bonus_category)  # type: ignore[arg-type]
        assert cap is not None
        used = sum(
            line.points
            for line in assessment.lines
            if line.bonus_category == action.bonus_category and line.occurred_on.year == ON.year
        )
        deeds.append((action, max(cap.yearly_cap - used, 0)))
    best: tuple[int, int] | None = None
    for mask in range(1 << len(repairs)):
        chosen = [repairs[i] for i in range(len(repairs)) if mask >> i & 1]
        base = (len(chosen), sum(gain for gain, _ in chosen), sum(e for _, e in chosen))
        for units in _unit_grid(deeds):
            steps, gain, effort = base
            for (action, room), count in zip(deeds, units, strict=True):
                if count:
                    steps += 1
                    gain += min(count * action.points_per_unit, room)
                    effort += count * action.effort_per_unit
            if gain >= need and (best is None or (steps, effort) < best):
                best = (steps, effort)
    return best


def _unit_grid(deeds: list[Any]) -> list[tuple[int, ...]]:
    grid: list[tuple[int, ...]] = [()]
    for action, room in deeds:
        top = min(action.max_units, -(-room // action.points_per_unit)) if room > 0 else 0
        grid = [(*g, u) for g in grid for u in range(top + 1)]
    return grid


@settings(max_examples=120, deadline=None)
@given(citizens())
def test_a_reachable_plan_reaches_the_target_and_is_the_cheapest(records: list[RecordFact]) -> None:
    assessment, result = planned(records)
    if result.target is None:
        assert result.steps == ()
        return
    optimum = brute_force(assessment, result.points_needed)
    assert result.reachable is (optimum is not None)
    if optimum is None:
        return
    assert (len(result.steps), result.effort) == optimum
    reaches(records, result)
    assert plan(assessment, shipped(), rules(), ON) == result  # deterministic


@settings(max_examples=60, deadline=None)
@given(citizens())
def test_an_unreachable_plan_takes_every_helpful_step(records: list[RecordFact]) -> None:
    _, result = planned(records)
    if result.reachable:
        return
    after = assess(carry_out(records, result), rules(), ON)
    assert after.points == result.points_after < result.target.min_points  # type: ignore[union-attr,operator]
    assert result.caps_reset_on == dt.date(ON.year + 1, 1, 1)


def test_the_catalog_is_the_one_used_for_names() -> None:
    assert catalogs().latest.version == "2026.1"
    assert years_after(ON, 1) == dt.date(2028, 6, 15)
