"""The SQL of the office's statistics: each query groups in PostgreSQL and returns small cells
(a month, a key, counts) that the service sums into the answers. Business dates (``decided_on``,
a step's ``business_date``, ``as_of``) are compared as dates; instants (``created_at`` and the
like) are grouped by their calendar month in Asia/Shanghai."""

from __future__ import annotations

import datetime as dt

import msgspec

from backend.cases.kinds import CaseKind
from backend.platform.config import TIMEZONE
from backend.platform.rows import Connection, rows_as

# --- records ------------------------------------------------------------------------------------


class RecordCell(msgspec.Struct, frozen=True, kw_only=True):
    """How many records one department reported in one domain, polarity and severity, decided
    in one month."""

    month: dt.date  # the first day of the month of ``decided_on``
    domain: str
    department_code: str
    department_name: str
    polarity: str
    severity: str | None
    records: int


async def record_cells(conn: Connection, *, since: dt.date, until: dt.date) -> list[RecordCell]:
    """Records decided from ``since`` up to ``until`` (exclusive). Revoked records are left
    out: a revocation says the finding was wrong, so it never happened for the statistics."""
    rows = await conn.fetch(
        "SELECT date_trunc('month', r.decided_on)::date AS month, r.domain,"
        " d.code AS department_code, d.name AS department_name, r.polarity, r.severity,"
        " count(*)::int AS records"
        " FROM record r JOIN api_client d ON d.id = r.department"
        " WHERE r.decided_on >= $1 AND r.decided_on < $2 AND r.status <> 'revoked'"
        " GROUP BY 1, 2, 3, 4, 5, 6",
        since,
        until,
    )
    return rows_as(RecordCell, rows)


# --- grades -------------------------------------------------------------------------------------


class GradeTally(msgspec.Struct, frozen=True, kw_only=True):
    grade: str
    citizens: int


async def grades_now(conn: Connection) -> list[GradeTally]:
    """Citizens per grade on their current card."""
    rows = await conn.fetch(
        "SELECT grade, count(*)::int AS citizens FROM credit_card GROUP BY grade"
    )
    return rows_as(GradeTally, rows)


async def grades_on(conn: Connection, day: dt.date) -> list[GradeTally]:
    """Citizens per grade as their cards stood on ``day``: each citizen's latest history row
    scored on or before it (citizens first scored later are not counted)."""
    rows = await conn.fetch(
        "SELECT grade, count(*)::int AS citizens FROM ("
        " SELECT DISTINCT ON (citizen) grade FROM score_history WHERE as_of <= $1"
        " ORDER BY citizen, as_of DESC, id DESC) latest GROUP BY grade",
        day,
    )
    return rows_as(GradeTally, rows)


# --- cases --------------------------------------------------------------------------------------


class DecisionTimes(msgspec.Struct, frozen=True, kw_only=True):
    """How many of one department's cases were filed on one business day and decided on
    another."""

    department_code: str
    filed_on: dt.date
    decided_on: dt.date
    cases: int


async def decision_times(conn: Connection, kind: CaseKind) -> list[DecisionTimes]:
    """Filing and decision days of every case of ``kind`` closed by a decision (the steps the
    handling statistics count as handled), grouped so that each pair of days is counted in
    working days once."""
    closing = [action.name for action in kind.actions if action.closes]
    # A case about a record is its citizen's, on the steps' node; a report is a reference
    # table, on every node (backend.platform.distribution).
    on_case = (
        "c.citizen = s.citizen AND c.id = s.case_id" if kind.about_record else "c.id = s.case_id"
    )
    rows = await conn.fetch(
        "SELECT d.code AS department_code, f.business_date AS filed_on,"
        " s.business_date AS decided_on, count(*)::int AS cases"
        " FROM case_step s"
        " JOIN case_step f ON f.citizen = s.citizen AND f.case_kind = s.case_kind"
        " AND f.case_id = s.case_id AND f.from_status IS NULL"
        f" JOIN {kind.table} c ON {on_case}"
        " JOIN api_client d ON d.id = c.department"
        " WHERE s.case_kind = $1 AND s.action = ANY($2::text[])"
        " GROUP BY 1, 2, 3",
        kind.name,
        closing,
    )
    return rows_as(DecisionTimes, rows)


# --- lists --------------------------------------------------------------------------------------


class ListMoveCell(msgspec.Struct, frozen=True, kw_only=True):
    """Entries published on and taken off one list in one month."""

    month: dt.date
    list: str
    entries: int
    exits: int


async def list_moves(conn: Connection, *, since: dt.date, until: dt.date) -> list[ListMoveCell]:
    """Publications (a proposal approved) and exits (a published entry ended, by its reason or
    by an officer) by the business day of the step, from ``since`` up to ``until``
    (exclusive)."""
    rows = await conn.fetch(
        "SELECT date_trunc('month', s.business_date)::date AS month, e.list,"
        " count(*) FILTER (WHERE s.to_status = 'published')::int AS entries,"
        " count(*) FILTER (WHERE s.from_status = 'published' AND s.to_status = 'ended')::int"
        " AS exits"
        " FROM list_entry_step s JOIN list_entry e ON e.citizen = s.citizen AND e.id = s.entry"
        " WHERE s.business_date >= $1 AND s.business_date < $2"
        " GROUP BY 1, 2",
        since,
        until,
    )
    return rows_as(ListMoveCell, rows)


# --- notifications ------------------------------------------------------------------------------


class PushCell(msgspec.Struct, frozen=True, kw_only=True):
    """Push deliveries made in one month that are now in one status."""

    month: dt.date
    status: str
    deliveries: int


class InboxCell(msgspec.Struct, frozen=True, kw_only=True):
    """In-app notifications written in one month."""

    month: dt.date
    notifications: int


async def push_cells(conn: Connection, *, since: dt.datetime, until: dt.datetime) -> list[PushCell]:
    rows = await conn.fetch(
        "SELECT date_trunc('month', created_at AT TIME ZONE $3::text)::date AS month, status,"
        " count(*)::int AS deliveries FROM push_delivery"
        " WHERE created_at >= $1 AND created_at < $2 GROUP BY 1, 2",
        since,
        until,
        TIMEZONE,
    )
    return rows_as(PushCell, rows)


async def inbox_cells(
    conn: Connection, *, since: dt.datetime, until: dt.datetime
) -> list[InboxCell]:
    rows = await conn.fetch(
        "SELECT date_trunc('month', created_at AT TIME ZONE $3::text)::date AS month,"
        " count(*)::int AS notifications FROM notification"
        " WHERE created_at >= $1 AND created_at < $2 GROUP BY 1",
        since,
        until,
        TIMEZONE,
    )
    return rows_as(InboxCell, rows)


# --- verifications ------------------------------------------------------------------------------


class BenefitCell(msgspec.Struct, frozen=True, kw_only=True):
    """One benefit's codes made, merchant checks answered and redemptions recorded in a
    period."""

    benefit: str
    codes_issued: int
    checks: int
    consent_checks: int
    eligible: int
    redemptions: int


async def benefit_cells(
    conn: Connection, *, since: dt.datetime, until: dt.datetime
) -> list[BenefitCell]:
    """Codes by the time the citizen made them, checks by the time a merchant redeemed the code
    (or made the consent check), redemptions by the time the merchant recorded them."""
    rows = await conn.fetch(
        "WITH made AS (SELECT benefit,"
        " count(*) FILTER (WHERE method = 'code' AND created_at >= $1 AND created_at < $2)"
        " AS codes_issued,"
        " count(*) FILTER (WHERE redeemed_at >= $1 AND redeemed_at < $2) AS checks,"
        " count(*) FILTER (WHERE method = 'consent' AND redeemed_at >= $1 AND redeemed_at < $2)"
        " AS consent_checks,"
        " count(*) FILTER (WHERE eligible AND redeemed_at >= $1 AND redeemed_at < $2)"
        " AS eligible"
        " FROM verification"
        " WHERE (created_at >= $1 AND created_at < $2) OR (redeemed_at >= $1 AND redeemed_at < $2)"
        " GROUP BY benefit),"
        " recorded AS (SELECT v.benefit, count(*) AS redemptions"
        " FROM benefit_redemption b"
        " JOIN verification v ON v.citizen = b.citizen AND v.id = b.verification"
        " WHERE b.recorded_at >= $1 AND b.recorded_at < $2 GROUP BY v.benefit)"
        " SELECT benefit, coalesce(m.codes_issued, 0)::int AS codes_issued,"
        " coalesce(m.checks, 0)::int AS checks,"
        " coalesce(m.consent_checks, 0)::int AS consent_checks,"
        " coalesce(m.eligible, 0)::int AS eligible,"
        " coalesce(r.redemptions, 0)::int AS redemptions"
        " FROM made m FULL JOIN recorded r USING (benefit)",
        since,
        until,
    )
    return rows_as(BenefitCell, rows)


# --- government integrity (政务诚信) ------------------------------------------------------------


class ReportingCell(msgspec.Struct, frozen=True, kw_only=True):
    """How many records one department reported in a period, and how many of them late."""

    department_code: str
    department_name: str
    reported: int
    late: int


async def reporting_cells(
    conn: Connection, *, since: dt.date, until: dt.date
) -> list[ReportingCell]:
    """Records by the business day they were reported (``reported_on``), from ``since`` up to
    ``until`` (exclusive), per department; ``late`` as judged at ingest (``reported_late``).
    Revoked records are left out, as in the record statistics. An index-only scan of the
    window on ``record_reported_on_idx``, not of every record."""
    rows = await conn.fetch(
        "SELECT d.code AS department_code, d.name AS department_name, c.reported, c.late FROM ("
        " SELECT department, count(*)::int AS reported,"
        " count(*) FILTER (WHERE reported_late)::int AS late FROM record"
        " WHERE reported_on >= $1 AND reported_on < $2 AND status <> 'revoked'"
        " GROUP BY department) c JOIN api_client d ON d.id = c.department",
        since,
        until,
    )
    return rows_as(ReportingCell, rows)


class FeedbackCell(msgspec.Struct, frozen=True, kw_only=True):
    """The execution feedback (执行反馈) one enforcing body gave on the triggers of the measures
    it enforces: answered, answered within the limit, and late (the limit lapsed, answered or
    not, as cases count late)."""

    department_code: str
    department_name: str
    handled: int
    on_time: int
    late: int


async def feedback_cells(conn: Connection) -> list[FeedbackCell]:
    """Per enforcing body, its triggers and lifts: answered, answered in time, and lapsed
    (answered late or not at all). Kept per event, so a later cycle never erases a lapse."""
    rows = await conn.fetch(
        "SELECT d.code AS department_code, d.name AS department_name,"
        " count(*) FILTER (WHERE m.answered_on IS NOT NULL)::int AS handled,"
        " count(*) FILTER (WHERE m.answered_on IS NOT NULL AND NOT m.late)::int AS on_time,"
        " count(*) FILTER (WHERE m.late)::int AS late"
        " FROM measure_event m JOIN api_client d ON d.id = m.client"
        " GROUP BY d.code, d.name ORDER BY d.code"
    )
    return rows_as(FeedbackCell, rows)


class GroupCell(msgspec.Struct, frozen=True, kw_only=True):
    """How many records name one occupational group, of one polarity and severity."""

    occupational_group: str  # as stored: a group's code (a free-text name before the list)
    polarity: str
    severity: str | None
    records: int


async def group_cells(conn: Connection, *, since: dt.date, until: dt.date) -> list[GroupCell]:
    """Records that name an occupational group, decided from ``since`` up to ``until``
    (exclusive); revoked records left out. On the partial index of such records
    (``record_occupational_group_idx``)."""
    rows = await conn.fetch(
        "SELECT occupational_group, polarity, severity, count(*)::int AS records FROM record"
        " WHERE occupational_group IS NOT NULL AND status <> 'revoked'"
        " AND decided_on >= $1 AND decided_on < $2 AND occupational_group <> ''"
        " GROUP BY 1, 2, 3",
        since,
        until,
    )
    return rows_as(GroupCell, rows)
