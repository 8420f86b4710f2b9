"""Quiz attempts: every answer sheet handed in; a passing one is the quiz's badge (earned once,
never points)."""

from typing import Any

from piccolo.columns import BigInt, BigSerial, Boolean, Date, Integer, Text, Timestamptz, Varchar
from piccolo.table import Table

from backend.platform.engine import DB


class QuizAttempt(Table, tablename="quiz_attempt", db=DB):
    """One attempt at one quiz. The attempt that ``earned_badge`` is unique per citizen and quiz;
    the badge's names are kept as earned, so the card shows them whatever later versions say."""

    id = BigSerial(primary_key=True)
    citizen = BigInt()
    quiz_code = Varchar(length=60)
    learning_version = Varchar(length=40)
    correct = Integer()
    total = Integer()
    passed = Boolean()
    earned_badge = Boolean()
    badge_zh = Text()
    badge_en = Text()
    business_date = Date()
    at = Timestamptz()


TABLES: list[Any] = [QuizAttempt]
