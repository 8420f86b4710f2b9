"""Read models of the card: the explanation grouped by domain, and the score history."""

from __future__ import annotations

from collections import defaultdict

import msgspec

from backend.platform import runtime
from backend.platform.calendar import today_in_shanghai
from backend.platform.database import connection
from backend.platform.pagination import Page, check_limit, decode_cursor, page_of
from backend.scoring.schemas import CountdownView, DomainExplanation, Explanation, ScorePoint
from backend.scoring.service import stored_assessment
from points_engine import ExplanationLine


async def explanation(citizen_id: int) -> Explanation:
    assessment = await stored_assessment(citizen_id)
    domains = runtime.current().catalogs.latest.domains
    grouped: dict[str, list[ExplanationLine]] = defaultdict(list)
    for line in assessment.lines:
        grouped[line.domain].append(line)
    today = today_in_shanghai()
    return Explanation(
        base_points=assessment.base_points,
        points=assessment.points,
        grade=assessment.grade,
        rules_version=assessment.rules_version,
        as_of=assessment.as_of,
        domains=[
            DomainExplanation(
                domain=code,
                name_zh=domains[code].name_zh if code in domains else code,
                name_en=domains[code].name_en if code in domains else code,
                points=sum(line.points for line in lines),
                lines=lines,
            )
            for code, lines in sorted(grouped.items(), key=lambda kv: -abs(_sum(kv[1])))
        ],
        not_counting=assessment.not_counting,
        suspended=assessment.suspended,
        countdowns=[
            CountdownView(
                record_id=c.record_id,
                record_type=c.record_type,
                repairable_from=c.repairable_from,
                repair_possible_now=c.repairable_from is not None and c.repairable_from <= today,
                display_until=c.display_until,
                repair_paths=c.repair_paths,
            )
            for c in assessment.countdowns
        ],
    )


def _sum(lines: list[ExplanationLine]) -> int:
    return sum(line.points for line in lines)


async def points_effects(citizen_id: int) -> dict[int, int]:
    """Record id → the points it adds or takes now (suspended penalties count 0)."""
    async with connection() as conn:
        raw = await conn.fetchval(
            "SELECT assessment_json FROM credit_card WHERE citizen = $1", citizen_id
        )
    if raw is None:
        return {}
    lines = msgspec.json.decode(raw, type=_LinesOnly).lines
    return {line.record_id: line.points for line in lines}


class _LinesOnly(msgspec.Struct):
    lines: tuple[ExplanationLine, ...]


async def score_history(citizen_id: int, cursor: str | None, limit: int) -> Page[ScorePoint]:
    check_limit(limit)
    after = decode_cursor(cursor, tuple[int])
    async with connection() as conn:
        rows = await conn.fetch(
            "SELECT id, points, grade, previous_points, previous_grade, reason, rules_version,"
            " as_of, at FROM score_history WHERE citizen = $1 AND ($2::bigint IS NULL OR id < $2)"
            " ORDER BY id DESC LIMIT $3",
            citizen_id,
            after[0] if after else None,
            limit + 1,
        )
    points = [ScorePoint(**dict(row)) for row in rows]
    return page_of(points, limit, lambda p: (p.id,))
