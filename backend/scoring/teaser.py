"""The card's benefits teaser: a pure function of the assessment (so the card snapshot stays
idempotent), reading the benefits content in force on the assessment's date."""

from __future__ import annotations

from backend.content.benefits import benefit_set
from backend.platform import runtime
from points_engine import Assessment, BenefitsError, evaluate

TEASER_SIZE = 3


def benefits_teaser(assessment: Assessment) -> tuple[str, ...]:
    """Codes of up to three benefits the citizen holds, those needing the highest grade first
    (then in catalog order); the app names them from ``GET /v1/public/benefits``."""
    try:
        catalog = benefit_set().in_force(assessment.as_of)
    except BenefitsError:  # a day before the first benefits version: nothing to tease
        return ()
    rules = runtime.current().rules.in_force(assessment.as_of)
    held = evaluate(assessment, catalog, rules).available
    ranked = sorted(held, key=lambda status: status.required_grade.rank)  # stable: catalog order
    return tuple(status.code for status in ranked[:TEASER_SIZE])
