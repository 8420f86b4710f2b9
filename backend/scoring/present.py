"""The engine's results as the API shows them: every text in one language (``name``, ``text``)
next to both (``nameZh``/``nameEn``, ``textZh``/``textEn``), and records named by their catalog
entry, never by their code.

The language is an argument, not read from the request here: the card is encoded once per
language when it is scored (see ``service``), outside any request.
"""

from __future__ import annotations

import datetime as dt

from backend.notifications.wording import record_type_names
from backend.platform.language import Language, say
from backend.scoring.schemas import (
    Badge,
    CardView,
    CountdownView,
    Grade,
    NotCountingRecord,
    PointsLine,
    RecordCounts,
    SuspendedRecord,
)
from backend.scoring.teaser import benefits_teaser
from points_engine import (
    Assessment,
    BadgeEarned,
    Countdown,
    ExplanationLine,
    NotCounting,
    Suspended,
)
from points_engine import Grade as EngineGrade

# A record type no catalog knows any more is named for what it is, not by its code.
UNKNOWN_RECORD = ("信用记录", "Credit record")
NOT_COUNTING_WORDS = {
    "display_period_over": ("公示期已届满", "Its display period is over"),
    "revoked": ("记录已撤销", "The record was revoked"),
    "repaired": ("已完成信用修复", "The record was repaired"),
    "not_yet_decided": ("尚未到计入日期", "It counts from a later day"),
}
HISTORY_WORDS = {
    "first-assessment": ("首次评分", "First card"),
    "records-changed": ("信用记录有变化", "Your records changed"),
    "date-boundary": ("记录公示期届满或开始计入", "A record left display or started to count"),
    "full-rescore": ("积分规则更新", "The scoring rules changed"),
    "objection-accepted": ("异议已受理，暂停扣分", "Objection accepted: penalty withheld"),
    "objection-upheld": ("异议核查后维持原记录", "Objection decided: record upheld"),
    "objection-corrected": ("异议核查后记录已更正", "Objection decided: record corrected"),
    "objection-revoked": ("异议核查后记录已撤销", "Objection decided: record revoked"),
    "objection-withdrawn": ("异议已撤回", "Objection withdrawn"),
    "repair-approved": ("信用修复通过", "Repair approved"),
}


def record_title(record_type: str, catalog_version: str | None, language: Language) -> str:
    """The record type's name in the catalog version it was reported under, else the newest."""
    zh, en = record_type_names(record_type, catalog_version)
    if (zh, en) == (record_type, record_type):
        zh, en = UNKNOWN_RECORD
    return say(zh, en, language)


def grade(band: EngineGrade, language: Language) -> Grade:
    return Grade(
        code=band.code,
        name=say(band.name_zh, band.name_en, language),
        name_zh=band.name_zh,
        name_en=band.name_en,
        colour=band.colour,
        min_points=band.min_points,
        max_points=band.max_points,
        rank=band.rank,
    )


def badge(earned: BadgeEarned, language: Language) -> Badge:
    return Badge(
        code=earned.code,
        name=say(earned.name_zh, earned.name_en, language),
        name_zh=earned.name_zh,
        name_en=earned.name_en,
        earned_on=earned.earned_on,
        record_id=earned.record_id,
    )


def points_line(line: ExplanationLine, language: Language) -> PointsLine:
    return PointsLine(
        record_id=line.record_id,
        record_type=line.record_type,
        record_title=record_title(line.record_type, line.catalog_version, language),
        domain=line.domain,
        polarity=line.polarity,
        department=line.department,
        catalog_version=line.catalog_version,
        rules_version=line.rules_version,
        occurred_on=line.occurred_on,
        display_until=line.display_until,
        quantity=line.quantity,
        points=line.points,
        uncapped_points=line.uncapped_points,
        capped=line.capped,
        bonus_category=line.bonus_category,
        text=say(line.text_zh, line.text_en, language),
        text_zh=line.text_zh,
        text_en=line.text_en,
    )


def not_counting(record: NotCounting, language: Language) -> NotCountingRecord:
    return NotCountingRecord(
        record_id=record.record_id,
        record_type=record.record_type,
        record_title=record_title(record.record_type, None, language),
        domain=record.domain,
        polarity=record.polarity,
        reason=record.reason,
        reason_text=say(*NOT_COUNTING_WORDS[record.reason], language),
        stopped_on=record.stopped_on,
        counts_from=record.counts_from,
    )


def suspended(record: Suspended, language: Language) -> SuspendedRecord:
    return SuspendedRecord(
        record_id=record.record_id,
        record_type=record.record_type,
        record_title=record_title(record.record_type, record.catalog_version, language),
        domain=record.domain,
        department=record.department,
        catalog_version=record.catalog_version,
        withheld_points=record.withheld_points,
        text=say(record.text_zh, record.text_en, language),
        text_zh=record.text_zh,
        text_en=record.text_en,
    )


def countdown(record: Countdown, today: dt.date, language: Language) -> CountdownView:
    """Dates, not the engine's day counts: a stored assessment is read on later days too."""
    return CountdownView(
        record_id=record.record_id,
        record_type=record.record_type,
        record_title=record_title(record.record_type, None, language),
        repairable_from=record.repairable_from,
        repair_possible_now=record.repairable_from is not None and record.repairable_from <= today,
        display_until=record.display_until,
        repair_paths=record.repair_paths,  # type: ignore[arg-type]  # the catalog checks them
    )


def history_reason(reason: str, language: Language) -> str:
    zh, en = HISTORY_WORDS.get(reason, ("积分有变化", "Your points changed"))
    return say(zh, en, language)


def _progress(assessment: Assessment) -> float:
    nxt = assessment.next_grade
    if nxt is None or nxt.min_points is None:
        return 1.0
    floor = assessment.grade.min_points if assessment.grade.min_points is not None else 0
    span = nxt.min_points - floor
    return round(min(max((assessment.points - floor) / span, 0.0), 1.0), 3) if span > 0 else 0.0


def card_view(
    assessment: Assessment,
    assessed_at: dt.datetime,
    percentile: int | None,
    language: Language,
    *,
    teaser: tuple[str, ...] | None = None,
    red_list: bool = False,
) -> CardView:
    """The card in one language: a pure function of what the snapshot stores. ``teaser`` is
    ``benefits_teaser(assessment)`` when the caller has it already (it is the same in every
    language, and the costliest part)."""
    counts = assessment.counts
    return CardView(
        points=assessment.points,
        grade=grade(assessment.grade, language),
        next_grade=grade(assessment.next_grade, language) if assessment.next_grade else None,
        points_to_next_grade=assessment.points_to_next_grade,
        progress=_progress(assessment),
        percentile=percentile,
        clean_three_years=assessment.clean_years_flag,
        clean_since=assessment.clean_since,
        badges=tuple(badge(b, language) for b in assessment.badges),
        top_up=tuple(points_line(line, language) for line in assessment.top_positive),
        top_down=tuple(points_line(line, language) for line in assessment.top_negative),
        record_counts=RecordCounts(
            total=counts.total,
            counting=counts.counting,
            counting_good=counts.counting_good,
            counting_bad=counts.counting_bad,
            not_counting=counts.not_counting,
            suspended=counts.suspended,
        ),
        suspended_points=sum(s.withheld_points for s in assessment.suspended),
        benefits_teaser=benefits_teaser(assessment) if teaser is None else teaser,
        rules_version=assessment.rules_version,
        next_change_on=assessment.next_change_on,
        assessed_at=assessed_at,
        red_list=red_list,
    )
