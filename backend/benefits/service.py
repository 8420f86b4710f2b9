"""The citizen's benefits, restrictions and repair plan: the stored assessment, the rules and
the benefits in force today, evaluated by the pure engine (no hand-written checks here)."""

from __future__ import annotations

import datetime as dt

from backend.benefits import present
from backend.benefits.schemas import BenefitCatalogView, Eligibility, GradeRef, Plan
from backend.content.benefits import benefit_set
from backend.platform import runtime
from backend.platform.calendar import today_in_shanghai
from backend.platform.errors import InvalidInput
from backend.platform.language import current_language, say
from backend.scoring.service import stored_assessment
from points_engine import (
    Assessment,
    BenefitCatalog,
    BenefitStatus,
    Grade,
    PlanError,
    Rules,
    check_benefit,
    evaluate,
    plan,
)


class BenefitUnknown(InvalidInput):
    code = "benefit-unknown"


def in_force(day: dt.date) -> tuple[BenefitCatalog, Rules]:
    """The benefits and the rules in force on ``day``."""
    return benefit_set().in_force(day), runtime.current().rules.in_force(day)


def known_benefit(code: str, *, field: str = "benefit") -> BenefitCatalog:
    """The catalog in force today, after checking it has a benefit ``code``."""
    catalog = benefit_set().in_force(today_in_shanghai())
    if catalog.benefit(code) is None:
        raise BenefitUnknown(
            say(f"没有代码为“{code}”的权益", f"there is no benefit with the code “{code}”"),
            field=field,
        )
    return catalog


def grade_ref(code: str, rules: Rules) -> GradeRef:
    grade = rules.grade(code)
    if grade is None:
        return GradeRef(code=code, name_zh=code, name_en=code)
    return GradeRef(code=grade.code, name_zh=grade.name_zh, name_en=grade.name_en)


def status_for(assessment: Assessment, code: str) -> BenefitStatus:
    """One benefit against an assessment, with the benefits and rules in force today."""
    catalog, rules = in_force(today_in_shanghai())
    return check_benefit(assessment, code, catalog, rules)


async def my_benefits(citizen_id: int) -> Eligibility:
    today = today_in_shanghai()
    catalog, rules = in_force(today)
    found = evaluate(await stored_assessment(citizen_id), catalog, rules, today)
    return present.eligibility(found, current_language(), catalog)


class PlanTargetInvalid(InvalidInput):
    code = "plan-target-invalid"


def _check_target(target: str, current: Grade, rules: Rules) -> None:
    """The engine refuses the same targets; this says why in the citizen's language."""
    wanted = rules.grade(target)
    codes = [g.code for g in rules.grades]
    if wanted is None:
        raise PlanTargetInvalid(
            say(
                f"“{target}”不是信用等级，可选：{'、'.join(codes)}",
                f"“{target}” is not a grade; the grades are {', '.join(codes)}",
            ),
            field="grade",
        )
    if wanted.rank >= current.rank:
        raise PlanTargetInvalid(
            say(
                f"目标等级 {target} 不高于当前等级 {current.code}，请选择更高的等级",
                f"grade {target} is not above your current grade {current.code}",
            ),
            field="grade",
        )


async def my_plan(citizen_id: int, target: str | None) -> Plan:
    today = today_in_shanghai()
    catalog, rules = in_force(today)
    assessment = await stored_assessment(citizen_id)
    if target is not None:
        _check_target(target, assessment.grade, rules)
    try:
        found = plan(assessment, catalog, rules, today, target)
    except PlanError as exc:  # the benefits name a grade these rules lack: a content error
        raise PlanTargetInvalid(
            say("暂时无法为该等级制定计划", "no plan can be made for that grade now"),
            field="grade",
        ) from exc
    return present.plan(found, current_language())


def public_catalog() -> BenefitCatalogView:
    return present.catalog(benefit_set().in_force(today_in_shanghai()), current_language())
