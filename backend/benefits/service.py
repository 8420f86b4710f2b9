"""The citizen's benefits, restrictions and repair plan: the stored assessment, the rules and
the benefits in force today, evaluated by the pure engine (no hand-written checks here)."""

from __future__ import annotations

import datetime as dt

from backend.benefits.catalog import benefit_set
from backend.benefits.schemas import BenefitCatalogView, GradeRef
from backend.platform import runtime
from backend.platform.calendar import today_in_shanghai
from backend.platform.errors import InvalidInput
from backend.scoring.service import stored_assessment
from points_engine import (
    Assessment,
    BenefitCatalog,
    BenefitStatus,
    Eligibility,
    Plan,
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
        raise BenefitUnknown(f"there is no benefit {code!r}", field=field)
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
    return evaluate(await stored_assessment(citizen_id), catalog, rules, today)


async def my_plan(citizen_id: int, target: str | None) -> Plan:
    today = today_in_shanghai()
    catalog, rules = in_force(today)
    try:
        return plan(await stored_assessment(citizen_id), catalog, rules, today, target)
    except PlanError as exc:
        raise InvalidInput(str(exc), field="grade", code="plan-target-invalid") from exc


def public_catalog() -> BenefitCatalogView:
    catalog = benefit_set().in_force(today_in_shanghai())
    return BenefitCatalogView(
        version=catalog.version,
        effective_from=catalog.effective_from,
        source=catalog.source,
        benefits=catalog.benefits,
        measures=catalog.measures,
    )
