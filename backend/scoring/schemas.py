"""The card as the app shows it, its explanation, and the score history."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import msgspec

from backend.platform.schemas import Output
from points_engine import (
    BadgeEarned,
    ExplanationLine,
    Grade,
    NotCounting,
    RecordCounts,
    Suspended,
)


class CardView(Output):
    """GET /v1/me/card. Dates, not day counts, so the stored body never goes stale."""

    points: int
    grade: Grade
    next_grade: Grade | None
    points_to_next_grade: int | None
    progress: float
    clean_three_years: bool
    clean_since: dt.date | None
    badges: tuple[BadgeEarned, ...]
    top_up: tuple[ExplanationLine, ...]
    top_down: tuple[ExplanationLine, ...]
    record_counts: RecordCounts
    suspended_points: int
    benefits_teaser: tuple[str, ...]
    rules_version: str
    next_change_on: dt.date | None
    assessed_at: dt.datetime
    percentile: Annotated[
        Annotated[int, msgspec.Meta(ge=0, le=100)] | None,
        msgspec.Meta(
            description="Share of the city's scored citizens with fewer points, in whole percent"
            " (0-100), from the nightly statistics (02:00 Asia/Shanghai); null until the citizen"
            " is first ranked. It moves only with the nightly run, not with each record."
        ),
    ] = None


class CountdownView(Output):
    record_id: int
    record_type: str
    repairable_from: dt.date | None
    repair_possible_now: bool
    display_until: dt.date
    repair_paths: tuple[str, ...]


class DomainExplanation(Output):
    domain: str
    name_zh: str
    name_en: str
    points: int
    lines: list[ExplanationLine]


class Explanation(Output):
    """GET /v1/me/card/explanation: every point with its reason, grouped by domain."""

    base_points: int
    points: int
    grade: Grade
    rules_version: str
    as_of: dt.date
    domains: list[DomainExplanation]
    not_counting: tuple[NotCounting, ...]
    suspended: tuple[Suspended, ...]
    countdowns: list[CountdownView]


class ScorePoint(Output):
    points: int
    grade: str
    previous_points: int | None
    previous_grade: str | None
    reason: str
    rules_version: str
    as_of: dt.date
    at: dt.datetime
    id: int
