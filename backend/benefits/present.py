"""The engine's benefits, restrictions and plans as the API shows them: each text in one
language next to both (see ``backend.scoring.present``)."""

from __future__ import annotations

from typing import Any

from backend.benefits import schemas as api
from backend.platform.language import Language, say
from backend.scoring import present
from points_engine import (
    ActiveRestriction,
    Benefit,
    BenefitCatalog,
    BenefitRef,
    BenefitStatus,
    Eligibility,
    Measure,
    Plan,
    PlanStep,
    RestrictionRecord,
    Unmet,
    UpcomingRepair,
)

# The engine's criterion is English; the same words for a Chinese reader.
CRITERION_ZH = "步骤最少，其次用时最少（用时单位约等于市民花费的小时数）"


def _names(zh: tuple[str, ...], en: tuple[str, ...], language: Language) -> tuple[str, ...]:
    return en if language == "en" else zh


def unmet(condition: Unmet, language: Language) -> api.Unmet:
    return api.Unmet(
        kind=condition.kind,
        text=say(condition.text_zh, condition.text_en, language),
        text_zh=condition.text_zh,
        text_en=condition.text_en,
        grade=condition.grade,
        points_needed=condition.points_needed,
        met_on=condition.met_on,
        record_ids=condition.record_ids,
    )


def _benefit_texts(benefit: Benefit | BenefitStatus, language: Language) -> dict[str, Any]:
    """What a benefit and a citizen's status for it say alike, in the request's language too."""
    return {
        "code": benefit.code,
        "name": say(benefit.name_zh, benefit.name_en, language),
        "name_zh": benefit.name_zh,
        "name_en": benefit.name_en,
        "description": say(benefit.description_zh, benefit.description_en, language),
        "description_zh": benefit.description_zh,
        "description_en": benefit.description_en,
        "category": benefit.category,
        "offered_by": _names(benefit.offered_by_zh, benefit.offered_by_en, language),
        "offered_by_zh": benefit.offered_by_zh,
        "offered_by_en": benefit.offered_by_en,
    }


def benefit_rule(benefit: Benefit | None) -> api.BenefitRule | None:
    if benefit is None:
        return None
    return api.BenefitRule(
        min_grade=benefit.min_grade,
        clean_years=benefit.clean_years,
        no_serious_record=benefit.no_serious_record,
        no_bad_record=benefit.no_bad_record,
        source=benefit.source,
    )


def measure_rule(measure: Measure | None) -> api.MeasureRule | None:
    if measure is None:
        return None
    return api.MeasureRule(
        trigger_record_types=measure.trigger_record_types,
        trigger_any_serious=measure.trigger_any_serious,
        trigger_serious_domains=measure.trigger_serious_domains,
        source=measure.source,
    )


def benefit_status(
    status: BenefitStatus, language: Language, catalog: BenefitCatalog | None = None
) -> api.BenefitStatus:
    return api.BenefitStatus(
        **_benefit_texts(status, language),
        required_grade=present.grade(status.required_grade, language),
        eligible=status.eligible,
        unmet=tuple(unmet(u, language) for u in status.unmet),
        rule=benefit_rule(catalog.benefit(status.code)) if catalog else None,
    )


def _restriction_record(record: RestrictionRecord, language: Language) -> api.RestrictionRecord:
    return api.RestrictionRecord(
        record_id=record.record_id,
        record_type=record.record_type,
        record_title=say(record.name_zh, record.name_en, language),
        name_zh=record.name_zh,
        name_en=record.name_en,
        occurred_on=record.occurred_on,
        display_until=record.display_until,
        repairable_from=record.repairable_from,
        repair_possible=record.repair_possible,
    )


def _measure_texts(measure: Measure | ActiveRestriction, language: Language) -> dict[str, Any]:
    """What a measure and a restriction in force say alike, in the request's language too."""
    return {
        "code": measure.code,
        "name": say(measure.name_zh, measure.name_en, language),
        "name_zh": measure.name_zh,
        "name_en": measure.name_en,
        "description": say(measure.description_zh, measure.description_en, language),
        "description_zh": measure.description_zh,
        "description_en": measure.description_en,
        "kind": measure.kind,
        "applied_by": _names(measure.applied_by_zh, measure.applied_by_en, language),
        "applied_by_zh": measure.applied_by_zh,
        "applied_by_en": measure.applied_by_en,
    }


def restriction(
    measure: ActiveRestriction, language: Language, catalog: BenefitCatalog | None = None
) -> api.ActiveRestriction:
    defined = {m.code: m for m in catalog.measures} if catalog else {}
    return api.ActiveRestriction(
        **_measure_texts(measure, language),
        legal_basis=measure.legal_basis,
        ends_on=measure.ends_on,
        records=tuple(_restriction_record(r, language) for r in measure.records),
        rule=measure_rule(defined.get(measure.code)),
    )


def eligibility(
    found: Eligibility, language: Language, catalog: BenefitCatalog | None = None
) -> api.Eligibility:
    """``catalog``: the benefits version ``found`` was evaluated with, whose rules each benefit
    and restriction names as what decided it."""

    def statuses(items: tuple[BenefitStatus, ...]) -> tuple[api.BenefitStatus, ...]:
        return tuple(benefit_status(s, language, catalog) for s in items)

    return api.Eligibility(
        as_of=found.as_of,
        benefits_version=found.benefits_version,
        points=found.points,
        grade=present.grade(found.grade, language),
        next_grade=present.grade(found.next_grade, language) if found.next_grade else None,
        points_to_next_grade=found.points_to_next_grade,
        available=statuses(found.available),
        one_grade_away=statuses(found.one_grade_away),
        later=statuses(found.later),
        restrictions=tuple(restriction(r, language, catalog) for r in found.restrictions),
    )


def _step(step: PlanStep, language: Language) -> api.PlanStep:
    return api.PlanStep(
        kind=step.kind,
        record_type=step.record_type,
        record_title=present.record_title(step.record_type, None, language),
        points=step.points,
        effort=step.effort,
        text=say(step.text_zh, step.text_en, language),
        text_zh=step.text_zh,
        text_en=step.text_en,
        record_id=step.record_id,
        repair_path=step.repair_path,  # type: ignore[arg-type]  # the catalog checks them
        units=step.units,
        unit=step.unit,
        bonus_category=step.bonus_category,
        lifts=step.lifts,
    )


def _unlocked(benefit: BenefitRef, language: Language) -> api.UnlockedBenefit:
    return api.UnlockedBenefit(
        code=benefit.code,
        name=say(benefit.name_zh, benefit.name_en, language),
        name_zh=benefit.name_zh,
        name_en=benefit.name_en,
    )


def _upcoming(repair: UpcomingRepair, language: Language) -> api.UpcomingRepair:
    return api.UpcomingRepair(
        record_id=repair.record_id,
        record_type=repair.record_type,
        name=say(repair.name_zh, repair.name_en, language),
        name_zh=repair.name_zh,
        name_en=repair.name_en,
        repairable_from=repair.repairable_from,
        points=repair.points,
    )


def plan(found: Plan, language: Language) -> api.Plan:
    return api.Plan(
        on=found.on,
        criterion=say(CRITERION_ZH, found.criterion, language),
        points=found.points,
        grade=present.grade(found.grade, language),
        target=present.grade(found.target, language) if found.target else None,
        points_needed=found.points_needed,
        reachable=found.reachable,
        steps=tuple(_step(s, language) for s in found.steps),
        points_gained=found.points_gained,
        effort=found.effort,
        points_after=found.points_after,
        grade_after=present.grade(found.grade_after, language),
        unlocks=tuple(_unlocked(b, language) for b in found.unlocks),
        lifts=found.lifts,
        upcoming=tuple(_upcoming(u, language) for u in found.upcoming),
        caps_reset_on=found.caps_reset_on,
        text=say(found.text_zh, found.text_en, language),
        text_zh=found.text_zh,
        text_en=found.text_en,
    )


def _benefit(benefit: Benefit, language: Language) -> api.Benefit:
    return api.Benefit(
        **_benefit_texts(benefit, language),
        min_grade=benefit.min_grade,
        clean_years=benefit.clean_years,
        no_serious_record=benefit.no_serious_record,
        no_bad_record=benefit.no_bad_record,
        source=benefit.source,
    )


def _measure(measure: Measure, language: Language) -> api.Measure:
    return api.Measure(
        **_measure_texts(measure, language),
        legal_basis=measure.legal_basis,
        trigger_record_types=measure.trigger_record_types,
        trigger_any_serious=measure.trigger_any_serious,
        trigger_serious_domains=measure.trigger_serious_domains,
        source=measure.source,
    )


def catalog(benefits: BenefitCatalog, language: Language) -> api.BenefitCatalogView:
    return api.BenefitCatalogView(
        version=benefits.version,
        effective_from=benefits.effective_from,
        source=benefits.source,
        benefits=tuple(_benefit(b, language) for b in benefits.benefits),
        measures=tuple(_measure(m, language) for m in benefits.measures),
    )
