"""Read models of the card: the explanation grouped by domain, and the score history, in the
request's language."""

from __future__ import annotations

from collections import defaultdict

import msgspec

from backend.platform import runtime
from backend.platform.calendar import today_in_shanghai
from backend.platform.database import connection
from backend.platform.language import current_language, say
from backend.platform.pagination import Page, check_limit, decode_cursor, page_of
from backend.scoring import present, store
from backend.scoring.schemas import DomainExplanation, Explanation, ScorePoint
from backend.scoring.service import stored_assessment
from points_engine import ExplanationLine


async def explanation(citizen_id: int) -> Explanation:
    assessment = await stored_assessment(citizen_id)
    language = current_language()
    domains = runtime.current().catalogs.latest.domains
    grouped: dict[str, list[ExplanationLine]] = defaultdict(list)
    for line in assessment.lines:
        grouped[line.domain].append(line)
    today = today_in_shanghai()
    explained = []
    for code, lines in sorted(grouped.items(), key=lambda kv: -abs(_sum(kv[1]))):
        known = domains.get(code)
        name_zh, name_en = (known.name_zh, known.name_en) if known else ("其他领域", "Other")
        explained.append(
            DomainExplanation(
                domain=code,
                name=say(name_zh, name_en, language),
                name_zh=name_zh,
                name_en=name_en,
                points=_sum(lines),
                lines=[present.points_line(line, language) for line in lines],
            )
        )
    return Explanation(
        base_points=assessment.base_points,
        points=assessment.points,
        grade=present.grade(assessment.grade, language),
        rules_version=assessment.rules_version,
        as_of=assessment.as_of,
        domains=explained,
        not_counting=tuple(present.not_counting(n, language) for n in assessment.not_counting),
        suspended=tuple(present.suspended(s, language) for s in assessment.suspended),
        countdowns=[present.countdown(c, today, language) for c in assessment.countdowns],
    )


def _sum(lines: list[ExplanationLine]) -> int:
    return sum(line.points for line in lines)


async def points_effects(citizen_id: int) -> dict[int, int]:
    """Record id → the points it adds or takes now (suspended penalties count 0)."""
    async with connection() as conn:
        raw = await store.stored_assessment_json(conn, citizen_id)
    if raw is None:
        return {}
    lines = msgspec.json.decode(raw, type=_LinesOnly).lines
    return {line.record_id: line.points for line in lines}


class _LinesOnly(msgspec.Struct):
    lines: tuple[ExplanationLine, ...]


async def score_history(citizen_id: int, cursor: str | None, limit: int) -> Page[ScorePoint]:
    check_limit(limit)
    after = decode_cursor(cursor, tuple[int])
    language = current_language()
    async with connection() as conn:
        rows = await store.score_history(
            conn, citizen_id, before_id=after[0] if after else None, limit=limit + 1
        )
    points = [
        ScorePoint(
            **msgspec.structs.asdict(row),
            reason_text=present.history_reason(row.reason, language),
        )
        for row in rows
    ]
    return page_of(points, limit, lambda p: (p.id,))
