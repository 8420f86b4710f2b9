"""The card snapshot per citizen and its history of points and grade."""

from piccolo.columns import (
    BigInt,
    BigSerial,
    Boolean,
    Bytea,
    Date,
    ForeignKey,
    Integer,
    Timestamptz,
    Varchar,
)
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from backend.identity.tables import Citizen
from backend.platform.engine import DB


class CreditCard(Table, tablename="credit_card", db=DB):
    """The latest assessment of one citizen, with the card body pre-encoded for fast reads."""

    id = BigSerial(primary_key=True)
    citizen = ForeignKey(references=Citizen, null=False, unique=True, on_delete=OnDelete.restrict)
    points = Integer()
    grade = Varchar(length=8)
    rules_version = Varchar(length=20, index=True)
    clean_years_flag = Boolean(default=False)
    as_of = Date()
    next_change_on = Date(null=True, default=None, index=True)
    scored_counter = BigInt(default=0)
    # Bumped by every write that changes what the citizen sees: the dedupe keys of the events
    # about that change carry it, so a move back to an earlier value is told again.
    revision = BigInt(default=0)
    fingerprint = Varchar(length=64)
    assessment_json = Bytea()
    card_json = Bytea()
    assessed_at = Timestamptz()
    # The percentile ``card_json`` carries (NULL: none yet): the nightly statistics rewrite the
    # bodies where it differs from ``points_percentile``.
    percentile = Integer(null=True, default=None)
    # On the red list (守信红名单) when last scored: the card shows the mark.
    red_list = Boolean(default=False)


class ScoreHistory(Table, tablename="score_history", db=DB):
    """One row whenever a citizen's points or grade change. Partitioned by month of ``at``
    (migration 2026-12-04T01:00:00): the primary key is (citizen, id, at) in SQL, which Piccolo
    cannot declare; ``id`` stands for it here (still unique by its sequence)."""

    id = BigSerial(primary_key=True)
    citizen = ForeignKey(references=Citizen, null=False, on_delete=OnDelete.restrict)
    points = Integer()
    grade = Varchar(length=8)
    previous_points = Integer(null=True, default=None)
    previous_grade = Varchar(length=8, null=True, default=None)
    rules_version = Varchar(length=20)
    reason = Varchar(length=30)
    as_of = Date()
    at = Timestamptz()


TABLES: list[type[Table]] = [CreditCard, ScoreHistory]


class PointsPercentile(Table, tablename="points_percentile", db=DB):
    """Where a citizen's points stand among all citizens, computed nightly (not per request)."""

    citizen = BigInt(primary_key=True)
    percentile = Integer()
    computed_on = Date()


TABLES.append(PointsPercentile)
