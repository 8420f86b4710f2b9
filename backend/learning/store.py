"""The SQL of quiz attempts."""

from __future__ import annotations

import datetime as dt

import msgspec

from backend.platform.rows import Connection, rows_as


class NewAttempt(msgspec.Struct, frozen=True, kw_only=True):
    citizen: int
    quiz_code: str
    learning_version: str
    correct: int
    total: int
    passed: bool
    badge_zh: str
    badge_en: str
    business_date: dt.date


async def add_attempt(conn: Connection, attempt: NewAttempt) -> bool:
    """Keep the sheet; True when it earned the badge (a pass, and the citizen had none)."""
    earned = False
    if attempt.passed:
        earned = bool(
            await conn.fetchval(
                "INSERT INTO quiz_attempt (citizen, quiz_code, learning_version, correct, total,"
                " passed, earned_badge, badge_zh, badge_en, business_date, at)"
                " VALUES ($1, $2, $3, $4, $5, true, true, $6, $7, $8, now())"
                " ON CONFLICT (citizen, quiz_code) WHERE earned_badge DO NOTHING RETURNING true",
                *_values(attempt),
            )
        )
    if not earned:
        await conn.execute(
            "INSERT INTO quiz_attempt (citizen, quiz_code, learning_version, correct, total,"
            " passed, earned_badge, badge_zh, badge_en, business_date, at)"
            " VALUES ($1, $2, $3, $4, $5, $9, false, $6, $7, $8, now())",
            *_values(attempt),
            attempt.passed,
        )
    return earned


def _values(a: NewAttempt) -> tuple[object, ...]:
    return (
        a.citizen,
        a.quiz_code,
        a.learning_version,
        a.correct,
        a.total,
        a.badge_zh,
        a.badge_en,
        a.business_date,
    )


async def holds_badge(conn: Connection, citizen: int, quiz_code: str) -> bool:
    found: bool = await conn.fetchval(
        "SELECT EXISTS (SELECT 1 FROM quiz_attempt WHERE citizen = $1 AND quiz_code = $2"
        " AND earned_badge)",
        citizen,
        quiz_code,
    )
    return found


class QuizStanding(msgspec.Struct, frozen=True, kw_only=True):
    quiz_code: str
    attempts: int
    best: int
    badge_on: dt.date | None


async def standings(conn: Connection, citizen: int) -> list[QuizStanding]:
    rows = await conn.fetch(
        "SELECT quiz_code, count(*)::int AS attempts, max(correct) AS best,"
        " min(business_date) FILTER (WHERE earned_badge) AS badge_on"
        " FROM quiz_attempt WHERE citizen = $1 GROUP BY quiz_code ORDER BY quiz_code",
        citizen,
    )
    return rows_as(QuizStanding, rows)
