"""What the benefits API returns beyond the engine's own Structs (which encode as they are)."""

from __future__ import annotations

import datetime as dt

from backend.platform.schemas import Output
from points_engine import Benefit, Measure


class GradeRef(Output):
    """A grade band by code and name only: what a merchant may learn a benefit needs."""

    code: str
    name_zh: str
    name_en: str


class BenefitCatalogView(Output):
    """GET /v1/public/benefits: the benefits and measures in force (守信激励和失信惩戒措施清单)."""

    version: str
    effective_from: dt.date
    source: str
    benefits: tuple[Benefit, ...]
    measures: tuple[Measure, ...]
