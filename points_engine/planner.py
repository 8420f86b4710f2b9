"""The repair planner (信用修复规划): the cheapest steps the rules allow today to the next grade.

:func:`plan` reads a stored assessment, the rules and the benefits catalog (its ``planner``
calibration) and proposes a combination of

- **repairs possible now**: a counting bad record whose ``repairable_from`` has come; repairing
  it removes its penalty (the record stops counting). Its cost is the effort of the cheapest
  repair path its record type allows; the 信用承诺书 is part of every path;
- **good deeds under their yearly caps**: the catalog's actionable good records (volunteer hours,
  a blood donation, receipted charitable donations); ``units`` of one deed earn
  ``min(units * points_per_unit, headroom)``, where the headroom is the bonus category's yearly
  cap minus what counting records of that category and year already earn — exactly what
  :func:`points_engine.assess` would give a record dated ``on``.

**Cheapest** is defined as: the fewest steps (one repair, or one deed of any number of units, is
one step), then the least total effort (effort units, about one hour of the citizen's own time
each, calibrated in ``content/benefits``); remaining ties go to the combination found first with
repairs in record-id order and deeds in file order. The search is exact: a dynamic programme over
(steps, points gained capped at the points needed) that keeps the least effort per state.

When the target cannot be reached with today's steps, the plan says so (``reachable`` false),
proposes every step that helps (the most points), and lists the repairs that become possible
later and the day the yearly caps reset.

What the plan unlocks is evaluated on the standing after the steps: points and grade follow the
gains; the repaired records stop counting (so restrictions they trigger lift, and
``no_serious_record`` / ``no_bad_record`` rules are re-read); the 连续三年无不良记录 flag is
kept as it is (whether a repair completes a clean period depends on records outside the
assessment), so the plan never promises more than the engine will give.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Final, Literal, TypeAlias

import msgspec

from points_engine.benefits import (
    BenefitCatalog,
    BenefitRef,
    BenefitsError,
    PlanAction,
    Standing,
    held_codes,
    measure_triggers,
    restrictions_of,
    standing_of,
)
from points_engine.model import Assessment, ExplanationLine, Grade, Unit
from points_engine.rules import Rules

__all__ = ["CHEAPEST", "Plan", "PlanError", "PlanStep", "UpcomingRepair", "plan"]

StepKind: TypeAlias = Literal["repair", "bonus"]

CHEAPEST: Final = "fewest steps, then least effort (effort units ≈ hours of the citizen's time)"

_UNIT_ZH: Final[dict[str, str]] = {"hour": "小时", "time": "次", "case": "次", "month": "个月"}
_UNIT_EN: Final[dict[str, tuple[str, str]]] = {
    "hour": ("hour", "hours"),
    "time": ("time", "times"),
    "case": ("time", "times"),
    "month": ("month", "months"),
}


class PlanError(ValueError):
    """The requested target grade is unknown or not above the citizen's grade."""


class PlanStep(msgspec.Struct, frozen=True, gc=False, rename="camel"):
    """One step of a plan: a repair (``record_id``, ``repair_path``) or a good deed
    (``record_type``, ``units``); ``points`` is what it adds, ``lifts`` the measures the plan
    ends that this record triggers."""

    kind: StepKind
    record_type: str
    points: int
    effort: int
    text_zh: str
    text_en: str
    record_id: int | None = None
    repair_path: str | None = None
    units: int = 1
    unit: Unit | None = None
    bonus_category: str | None = None
    lifts: tuple[str, ...] = ()


class UpcomingRepair(msgspec.Struct, frozen=True, gc=False, rename="camel"):
    """A counting bad record whose repair becomes possible later, and what it would add."""

    record_id: int
    record_type: str
    name_zh: str
    name_en: str
    repairable_from: datetime.date
    points: int


class Plan(msgspec.Struct, frozen=True, gc=False, rename="camel"):
    """The cheapest way to ``target`` (by default the next grade up); ``target`` is None at the
    top grade. ``points_after``/``grade_after`` hold once every step is done; ``unlocks`` are
    the benefits that gains, ``lifts`` the measures it ends."""

    on: datetime.date
    criterion: str
    points: int
    grade: Grade
    target: Grade | None
    points_needed: int
    reachable: bool
    steps: tuple[PlanStep, ...]
    points_gained: int
    effort: int
    points_after: int
    grade_after: Grade
    unlocks: tuple[BenefitRef, ...]
    lifts: tuple[str, ...]
    upcoming: tuple[UpcomingRepair, ...]
    caps_reset_on: datetime.date | None
    text_zh: str
    text_en: str


# --- candidates ---------------------------------------------------------------------------------


class _Option(msgspec.Struct, frozen=True, gc=False):
    steps: int
    gain: int
    effort: int
    parts: tuple[PlanStep, ...]


def _repair_step(
    line: ExplanationLine, paths: Sequence[str], catalog: BenefitCatalog
) -> PlanStep | None:
    costed = [catalog.path_effort(p) for p in paths]
    usable = [c for c in costed if c is not None]
    if not usable or line.points >= 0:
        return None
    best = min(usable, key=lambda c: c.effort)  # min keeps the first of equal efforts
    gain = -line.points
    name_zh, name_en = catalog.names(line.record_type)
    lifts = tuple(m.code for m in catalog.measures if measure_triggers(m, line, catalog))
    return PlanStep(
        kind="repair",
        record_type=line.record_type,
        points=gain,
        effort=best.effort,
        text_zh=f"申请修复记录「{name_zh}」（#{line.record_id}），途径：{best.name_zh}，+{gain} 分",
        text_en=(
            f"Apply to repair “{name_en}” (#{line.record_id}) by {best.name_en}: +{gain} points"
        ),
        record_id=line.record_id,
        repair_path=best.path,
        lifts=lifts,
    )


def _repairs(assessment: Assessment, catalog: BenefitCatalog, on: datetime.date) -> list[_Option]:
    lines = {line.record_id: line for line in assessment.lines if line.polarity == "bad"}
    options: list[_Option] = []
    for countdown in sorted(assessment.countdowns, key=lambda c: c.record_id):
        line = lines.get(countdown.record_id)
        start = countdown.repairable_from
        if line is None or start is None or start > on:
            continue
        step = _repair_step(line, countdown.repair_paths, catalog)
        if step is not None:
            options.append(_Option(1, step.points, step.effort, (step,)))
    return options


def _headroom(category: str | None, assessment: Assessment, rules: Rules, on: datetime.date) -> int:
    """What one more record of ``category`` dated ``on`` can still earn this year (-1: no cap)."""
    cap = rules.cap(category) if category is not None else None
    if cap is None:
        return -1
    used = sum(
        line.points
        for line in assessment.lines
        if line.bonus_category == category and line.occurred_on.year == on.year
    )
    return max(cap.yearly_cap - used, 0)


def _deed_step(action: PlanAction, units: int, gain: int) -> PlanStep:
    unit_zh = _UNIT_ZH.get(action.unit, action.unit)
    singular, plural = _UNIT_EN.get(action.unit, (action.unit, action.unit))
    unit_en = singular if units == 1 else plural
    capped = gain < units * action.points_per_unit
    cap_zh, cap_en = ("（年度上限）", " (yearly cap)") if capped else ("", "")
    return PlanStep(
        kind="bonus",
        record_type=action.record_type,
        points=gain,
        effort=units * action.effort_per_unit,
        text_zh=f"{action.verb_zh} {units} {unit_zh}，+{gain} 分{cap_zh}",
        text_en=f"{action.verb_en} ({units} {unit_en}): +{gain} points{cap_en}",
        units=units,
        unit=action.unit,
        bonus_category=action.bonus_category,
    )


def _unit_choices(action: PlanAction, reach: int) -> range:
    useful = -(-reach // action.points_per_unit)  # more units would earn nothing more
    return range(1, max(min(action.max_units, useful), 0) + 1)


def _shared(picks: Sequence[tuple[PlanAction, int]], room: int) -> tuple[PlanStep, ...]:
    """Deeds of one category share its headroom in order, as the engine hands out the cap
    (``room`` < 0: the category has no cap)."""
    left, steps = room, []
    for action, units in picks:
        raw = units * action.points_per_unit
        gain = raw if left < 0 else min(raw, left)
        if left >= 0:
            left -= gain
        steps.append(_deed_step(action, units, gain))
    return tuple(steps)


def _category_options(actions: Sequence[PlanAction], room: int, need: int) -> list[_Option]:
    """Every useful way to do the deeds of one bonus category, the least effort per
    (steps, gain capped at ``need``)."""
    reach = need if room < 0 else min(room, need)
    combos: list[tuple[tuple[PlanAction, int], ...]] = [()]
    for action in actions:
        combos += [(*c, (action, u)) for u in _unit_choices(action, reach) for c in combos]
    best: dict[tuple[int, int], _Option] = {}
    for picks in combos[1:]:
        steps = _shared(picks, room)
        gain = sum(s.points for s in steps)
        effort = sum(s.effort for s in steps)
        key = (len(steps), min(gain, need))
        if gain > 0 and (key not in best or effort < best[key].effort):
            best[key] = _Option(len(steps), gain, effort, steps)
    return list(best.values())


def _deeds(
    assessment: Assessment, catalog: BenefitCatalog, rules: Rules, on: datetime.date, need: int
) -> list[list[_Option]]:
    by_category: dict[str | None, list[PlanAction]] = {}
    for action in catalog.actions:
        by_category.setdefault(action.bonus_category, []).append(action)
    groups: list[list[_Option]] = []
    for category, actions in by_category.items():
        room = _headroom(category, assessment, rules, on)
        if room == 0:
            continue
        options = _category_options(actions, room, need)
        if options:
            groups.append(options)
    return groups


# --- search -------------------------------------------------------------------------------------

_State: TypeAlias = tuple[int, tuple[_Option, ...]]  # (effort, chosen options)


def _search(groups: Sequence[Sequence[_Option]], need: int) -> dict[tuple[int, int], _State]:
    """(steps, gain capped at need) -> the least effort reaching it, choosing at most one option
    per group."""
    states: dict[tuple[int, int], _State] = {(0, 0): (0, ())}
    for options in groups:
        grown = dict(states)
        for (steps, gain), (effort, chosen) in states.items():
            if gain >= need:
                continue
            for option in options:
                key = (steps + option.steps, min(gain + option.gain, need))
                value = effort + option.effort
                held = grown.get(key)
                if held is None or value < held[0]:
                    grown[key] = (value, (*chosen, option))
        states = grown
    return states


def _best(states: dict[tuple[int, int], _State], need: int) -> tuple[bool, tuple[_Option, ...]]:
    """The cheapest state reaching ``need`` (fewest steps, then least effort); when none does,
    the one with the most points, then the fewest steps, then the least effort."""
    reached = [key for key in states if key[1] >= need]
    if reached:
        key = min(reached, key=lambda k: (k[0], states[k][0]))
        return True, states[key][1]
    key = min(states, key=lambda k: (-k[1], k[0], states[k][0]))
    return False, states[key][1]


# --- the plan -----------------------------------------------------------------------------------


def _target(rules: Rules, grade: Grade, target: str | None) -> Grade | None:
    if target is None:
        return rules.grades[grade.rank - 1] if grade.rank > 0 else None
    wanted = rules.grade(target)
    if wanted is None:
        raise PlanError(
            f"{target!r} is not a grade of rules {rules.version!r} "
            f"({', '.join(g.code for g in rules.grades)})"
        )
    if wanted.rank >= grade.rank:
        raise PlanError(f"grade {target!r} is not above the current grade {grade.code!r}")
    return wanted


def _upcoming(
    assessment: Assessment, catalog: BenefitCatalog, on: datetime.date
) -> tuple[UpcomingRepair, ...]:
    lines = {line.record_id: line for line in assessment.lines if line.polarity == "bad"}
    found = []
    for countdown in assessment.countdowns:
        line = lines.get(countdown.record_id)
        start = countdown.repairable_from
        if line is None or start is None or start <= on or line.points >= 0:
            continue
        name_zh, name_en = catalog.names(line.record_type)
        found.append(
            UpcomingRepair(line.record_id, line.record_type, name_zh, name_en, start, -line.points)
        )
    return tuple(sorted(found, key=lambda u: (u.repairable_from, u.record_id)))


def _after(standing: Standing, steps: Sequence[PlanStep], rules: Rules) -> Standing:
    repaired = {s.record_id for s in steps if s.kind == "repair"}
    points = standing.points + sum(s.points for s in steps)
    return msgspec.structs.replace(
        standing,
        points=points,
        grade=rules.grade_for(points),
        bad_lines=tuple(line for line in standing.bad_lines if line.record_id not in repaired),
    )


def _lifted_by(step: PlanStep, lifted: Sequence[str]) -> PlanStep:
    """A repair step names the measures it helps end: those it triggers that the plan lifts."""
    if not step.lifts:
        return step
    return msgspec.structs.replace(step, lifts=tuple(c for c in step.lifts if c in lifted))


def _texts(
    need: int,
    target: Grade | None,
    reachable: bool,
    steps: Sequence[PlanStep],
    unlocks: Sequence[BenefitRef],
) -> tuple[str, str]:
    if target is None:
        return "已是最高等级，保持守信即可", "Already at the top grade: keep it up"
    head_zh = f"还差 {need} 分升至 {target.code}（{target.name_zh}）"
    head_en = f"{need} points to {target.code} ({target.name_en})"
    if not steps:
        return f"{head_zh}：目前没有可行的步骤", f"{head_en}: no step is possible today"
    zh = "；".join(s.text_zh for s in steps)
    en = "; ".join(s.text_en for s in steps)
    if not reachable:
        gained = sum(s.points for s in steps)
        return (
            f"{head_zh}：目前最多可得 +{gained} 分（{zh}）",
            f"{head_en}: at most +{gained} today ({en})",
        )
    if unlocks:
        zh += "，可解锁" + "、".join(b.name_zh for b in unlocks)
        en += "; unlocks " + ", ".join(b.name_en for b in unlocks)
    return f"{head_zh}：{zh}", f"{head_en}: {en}"


def plan(
    assessment: Assessment,
    catalog: BenefitCatalog,
    rules: Rules,
    on: datetime.date,
    target: str | None = None,
) -> Plan:
    """The cheapest plan from ``assessment`` to ``target`` (default: the next grade up), with
    the steps possible on ``on`` (the day the citizen looks; the yearly caps are those of
    ``on.year``). Raises :class:`PlanError` for a target that is unknown or not above."""
    standing = standing_of(assessment, rules, on)
    goal = _target(rules, standing.grade, target)
    need = 0 if goal is None or goal.min_points is None else goal.min_points - standing.points
    chosen: tuple[_Option, ...] = ()
    reachable = True
    if need > 0:
        groups: list[Sequence[_Option]] = [[o] for o in _repairs(assessment, catalog, on)]
        groups.extend(_deeds(assessment, catalog, rules, on, need))
        reachable, chosen = _best(_search(groups, need), need)
    steps = tuple(step for option in chosen for step in option.parts)
    after = _after(standing, steps, rules)
    try:
        before_held = held_codes(standing, catalog, rules)
        after_held = held_codes(after, catalog, rules)
    except BenefitsError as exc:  # a benefit names a grade these rules lack
        raise PlanError(str(exc)) from exc
    unlocks = tuple(
        BenefitRef(b.code, b.name_zh, b.name_en)
        for b in catalog.benefits
        if b.code in after_held and b.code not in before_held
    )
    still = {r.code for r in restrictions_of(after, catalog)}
    lifts = tuple(r.code for r in restrictions_of(standing, catalog) if r.code not in still)
    steps = tuple(_lifted_by(step, lifts) for step in steps)
    text_zh, text_en = _texts(need, goal, reachable, steps, unlocks)
    return Plan(
        on=on,
        criterion=CHEAPEST,
        points=standing.points,
        grade=standing.grade,
        target=goal,
        points_needed=max(need, 0),
        reachable=reachable,
        steps=steps,
        points_gained=sum(s.points for s in steps),
        effort=sum(s.effort for s in steps),
        points_after=after.points,
        grade_after=after.grade,
        unlocks=unlocks,
        lifts=lifts,
        upcoming=_upcoming(assessment, catalog, on),
        caps_reset_on=None if reachable else datetime.date(on.year + 1, 1, 1),
        text_zh=text_zh,
        text_en=text_en,
    )
