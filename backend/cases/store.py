"""The SQL every kind of case shares: the bookkeeping columns of any case table (named by its
:class:`~backend.cases.kinds.CaseKind`), steps, evidence files, the handling statistics
(政务诚信), and the little the machine reads of records and departments. Every function takes
the connection its caller opened; the machine and the services decide the transactions.

A case row is one Struct per use (locked for a change, read for a page), and a kind extends
it with its own columns in its own ``store.py``; :func:`case_columns` selects exactly the
fields of whichever Struct is asked for.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

import msgspec

from backend.cases.kinds import ActorRole, CaseKind, sql_list
from backend.cases.schemas import EvidenceMediaType
from backend.platform.rows import Connection, columns, row_as, rows_as
from backend.records.catalog import Severity

FAR_FUTURE = dt.date(9999, 12, 31)  # sort key of closed cases, which have no deadline

# --- case rows ----------------------------------------------------------------------------------


class CaseBasics(msgspec.Struct, frozen=True, kw_only=True):
    """What every reader of a case needs: whose it is, where it stands, and its record's type
    and catalog version (which name it)."""

    id: int
    record: int
    citizen: int
    department: int
    status: str
    due_on: dt.date | None
    escalated_at: dt.datetime | None
    department_late: bool
    record_type: str
    catalog_version: str


class LockedCase(CaseBasics, frozen=True, kw_only=True):
    """A case locked for a change: also the deadlines the hourly check last flagged and
    escalated, and its record's status."""

    near_flagged_for: dt.date | None
    escalated_for: dt.date | None
    record_status: str


class CaseRow(CaseBasics, frozen=True, kw_only=True):
    """A case as a page reads it: also its statement, decision and times, and its department's
    code and name."""

    statement: str
    accepted_on: dt.date | None
    decision_reason: str | None
    decided_on: dt.date | None
    created_at: dt.datetime
    updated_at: dt.datetime
    closed_at: dt.datetime | None
    department_code: str
    department_name: str


LockedT = TypeVar("LockedT", bound=LockedCase)
AnyT = TypeVar("AnyT", bound=msgspec.Struct)
RowT = TypeVar("RowT", bound=CaseRow)

# The fields of a case Struct that come from the joined record ``r`` or department ``d``; every
# other field is a column of the case table ``c``.
_JOINED = {
    "record_status": "r.status AS record_status",
    "record_type": "r.record_type",
    "catalog_version": "r.catalog_version",
    "department_code": "d.code AS department_code",
    "department_name": "d.name AS department_name",
}


class CaseState(Protocol):
    """What the machine's bookkeeping reads of any kind's case row (a report's too)."""

    @property
    def id(self) -> int: ...
    @property
    def department(self) -> int: ...
    @property
    def status(self) -> str: ...
    @property
    def due_on(self) -> dt.date | None: ...
    @property
    def department_late(self) -> bool: ...


# The citizen of a report's steps and evidence: a report is about no citizen of ours (its
# subject may be an organisation, its reporter is confidential), and the distribution column
# (backend.platform.distribution) takes no NULL. No citizen has id 0.
NO_CITIZEN = 0


def citizen_of(case: CaseState) -> int:
    """Whose a case is: an objection's or a repair's citizen, or NO_CITIZEN for a report."""
    citizen: int | None = getattr(case, "citizen", None)
    return NO_CITIZEN if citizen is None else citizen


class LockedState(CaseState, Protocol):
    """A case row the hourly deadline check locks: also the deadlines it last flagged."""

    @property
    def near_flagged_for(self) -> dt.date | None: ...
    @property
    def escalated_for(self) -> dt.date | None: ...


@functools.cache
def case_columns(row_type: type[msgspec.Struct]) -> str:
    """The select list of a case Struct over ``{table} c JOIN record r [JOIN api_client d]``."""
    return ", ".join(_JOINED.get(name, f"c.{name}") for name in row_type.__struct_fields__)


def _from(kind: CaseKind) -> str:
    if not kind.about_record:
        return f"{kind.table} c"
    # on citizen too: a case and its record are one citizen's, on one node (distribution.py)
    return f"{kind.table} c JOIN record r ON r.citizen = c.citizen AND r.id = c.record"


def _locked_select(kind: CaseKind, row_type: type[msgspec.Struct]) -> str:
    return f"SELECT {case_columns(row_type)} FROM {_from(kind)}"


def _read_select(kind: CaseKind, row_type: type[msgspec.Struct]) -> str:
    joined = f"{_from(kind)} JOIN api_client d ON d.id = c.department"
    return f"SELECT {case_columns(row_type)} FROM {joined}"


# --- locking a case -----------------------------------------------------------------------------


async def case_record_id(conn: Connection, kind: CaseKind, case_id: int) -> int | None:
    record_id: int | None = await conn.fetchval(
        f"SELECT record FROM {kind.table} WHERE id = $1", case_id
    )
    return record_id


async def lock_record(conn: Connection, record_id: int) -> None:
    await conn.execute("SELECT 1 FROM record WHERE id = $1 FOR UPDATE", record_id)


async def locked_case(
    conn: Connection, kind: CaseKind, case_id: int, *, row_type: type[AnyT]
) -> AnyT | None:
    """The case, locked (its record's lock is the caller's to take first)."""
    row = await conn.fetchrow(
        f"{_locked_select(kind, row_type)} WHERE c.id = $1 FOR UPDATE OF c", case_id
    )
    return row_as(row_type, row)


async def locked_case_unless_busy(
    conn: Connection, kind: CaseKind, case_id: int, *, row_type: type[AnyT]
) -> AnyT | None:
    """The case (and its record, for a kind about one), locked; None when another transaction
    holds either."""
    tables = "c, r" if kind.about_record else "c"
    row = await conn.fetchrow(
        f"{_locked_select(kind, row_type)} WHERE c.id = $1 FOR UPDATE OF {tables} SKIP LOCKED",
        case_id,
    )
    return row_as(row_type, row)


async def locked_open_cases_of_record(
    conn: Connection, kind: CaseKind, record_id: int
) -> list[LockedCase]:
    """The record's open cases of ``kind``, oldest first, locked."""
    rows = await conn.fetch(
        f"{_locked_select(kind, LockedCase)} WHERE c.record = $1"
        f" AND c.status IN ({sql_list(kind.open_statuses)}) ORDER BY c.id FOR UPDATE OF c",
        record_id,
    )
    return rows_as(LockedCase, rows)


async def open_case_id(conn: Connection, kind: CaseKind, record_id: int) -> int | None:
    found: int | None = await conn.fetchval(
        f"SELECT id FROM {kind.table} WHERE record = $1"
        f" AND status IN ({sql_list(kind.open_statuses)}) LIMIT 1",
        record_id,
    )
    return found


# --- changing a case ----------------------------------------------------------------------------


async def insert_step(
    conn: Connection,
    kind: CaseKind,
    case_id: int,
    *,
    citizen: int,
    action: str,
    from_status: str | None,
    to_status: str,
    actor_kind: str,
    actor_id: str,
    reason: str | None,
    due_on: dt.date | None,
    business_date: dt.date,
) -> None:
    await conn.execute(
        "INSERT INTO case_step (case_kind, case_id, action, from_status, to_status, actor_kind,"
        " actor_id, reason, due_on, business_date, at, citizen)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, now(), $11)",
        kind.name,
        case_id,
        action,
        from_status,
        to_status,
        actor_kind,
        actor_id,
        reason,
        due_on,
        business_date,
        citizen,
    )


async def close_case(
    conn: Connection,
    kind: CaseKind,
    case_id: int,
    *,
    status: str,
    reason: str,
    decided_on: dt.date,
) -> None:
    """A decision closes the case: no deadline is left."""
    await conn.execute(
        f"UPDATE {kind.table} SET status = $2, decision_reason = $3, decided_on = $4,"
        " due_on = NULL, closed_at = now(), updated_at = now() WHERE id = $1",
        case_id,
        status,
        reason,
        decided_on,
    )


async def mark_withdrawn(conn: Connection, kind: CaseKind, case_id: int) -> None:
    await conn.execute(
        f"UPDATE {kind.table} SET status = 'withdrawn', due_on = NULL, closed_at = now(),"
        " updated_at = now() WHERE id = $1",
        case_id,
    )


async def mark_department_late(conn: Connection, kind: CaseKind, case_id: int) -> None:
    await conn.execute(f"UPDATE {kind.table} SET department_late = true WHERE id = $1", case_id)


async def bump_stat(
    conn: Connection,
    department_id: int,
    kind: CaseKind,
    *,
    handled: int,
    on_time: int,
    late: int,
) -> None:
    await conn.execute(
        "INSERT INTO department_case_stat (department, case_kind, handled, on_time, late,"
        " updated_at) VALUES ($1, $2, $3, $4, $5, now())"
        " ON CONFLICT (department, case_kind) DO UPDATE SET"
        " handled = department_case_stat.handled + EXCLUDED.handled,"
        " on_time = department_case_stat.on_time + EXCLUDED.on_time,"
        " late = department_case_stat.late + EXCLUDED.late, updated_at = now()",
        department_id,
        kind.name,
        handled,
        on_time,
        late,
    )


# --- deadlines ----------------------------------------------------------------------------------


async def cases_due_between(
    conn: Connection, kind: CaseKind, first: dt.date, last: dt.date
) -> list[int]:
    """Cases due from ``first`` to ``last`` not yet flagged for that deadline."""
    rows = await conn.fetch(
        f"SELECT id FROM {kind.table} WHERE due_on BETWEEN $1 AND $2"
        " AND near_flagged_for IS DISTINCT FROM due_on ORDER BY due_on, id",
        first,
        last,
    )
    return [row["id"] for row in rows]


async def cases_overdue(conn: Connection, kind: CaseKind, today: dt.date) -> list[int]:
    """Cases past their deadline not yet escalated for it."""
    rows = await conn.fetch(
        f"SELECT id FROM {kind.table} WHERE due_on < $1"
        " AND escalated_for IS DISTINCT FROM due_on ORDER BY due_on, id",
        today,
    )
    return [row["id"] for row in rows]


async def mark_near_flagged(conn: Connection, kind: CaseKind, case_id: int) -> None:
    await conn.execute(f"UPDATE {kind.table} SET near_flagged_for = due_on WHERE id = $1", case_id)


async def mark_escalated(conn: Connection, kind: CaseKind, case_id: int) -> None:
    await conn.execute(
        f"UPDATE {kind.table} SET escalated_for = due_on, escalated_at = now() WHERE id = $1",
        case_id,
    )


# --- reading cases ------------------------------------------------------------------------------


async def case_row(
    conn: Connection, kind: CaseKind, case_id: int, *, row_type: type[AnyT]
) -> AnyT | None:
    row = await conn.fetchrow(f"{_read_select(kind, row_type)} WHERE c.id = $1", case_id)
    return row_as(row_type, row)


def status_group(kind: CaseKind, group: str) -> str:
    """The condition on ``c.status`` of the open, closed or all cases of ``kind``."""
    open_list = sql_list(kind.open_statuses)
    return {
        "open": f"c.status IN ({open_list})",
        "closed": f"c.status NOT IN ({open_list})",
        "all": "true",
    }[group]


async def citizen_case_rows(
    conn: Connection,
    kind: CaseKind,
    citizen_id: int,
    *,
    row_type: type[RowT],
    group: str,
    before: int | None,
    limit: int,
) -> list[RowT]:
    """The citizen's cases in ``group`` (open, closed, all), newest first, before the case id
    ``before`` (a cursor), one more than ``limit`` to tell whether a page follows."""
    rows = await conn.fetch(
        f"{_read_select(kind, row_type)} WHERE c.citizen = $1 AND {status_group(kind, group)}"
        " AND ($2::bigint IS NULL OR c.id < $2) ORDER BY c.id DESC LIMIT $3",
        citizen_id,
        before,
        limit + 1,
    )
    return rows_as(row_type, rows)


@dataclass(frozen=True)
class QueueFilter:
    """Filters of a staff work queue; the queue is sorted by deadline (closed cases last)."""

    status: str = "open"  # open | closed | all | one status
    overdue: bool | None = None
    escalated: bool | None = None
    department_id: int | None = None  # a department sees only its own cases
    department_code: str | None = None  # an officer may pick one department


def queue_sql(
    kind: CaseKind, select: str, f: QueueFilter, today: dt.date, after: Any, limit: int
) -> tuple[str, list[Any]]:
    """``select`` names the case table ``c`` and the department ``d``; ``after`` is the cursor
    (the deadline sort key and the case id); one more than ``limit`` is read."""
    args: list[Any] = []

    def arg(value: Any) -> str:
        args.append(value)
        return f"${len(args)}"

    if f.status in ("open", "closed", "all"):
        where = [status_group(kind, f.status)]
    else:
        where = [f"c.status = {arg(f.status)}"]
    if f.department_id is not None:
        where.append(f"c.department = {arg(f.department_id)}")
    if f.department_code is not None:
        where.append(f"d.code = {arg(f.department_code)}")
    if f.overdue is not None:
        where.append(f"{'' if f.overdue else 'NOT '}coalesce(c.due_on < {arg(today)}, false)")
    if f.escalated is not None:
        where.append(f"c.escalated_at IS {'NOT ' if f.escalated else ''}NULL")
    key = f"coalesce(c.due_on, DATE '{FAR_FUTURE.isoformat()}')"
    if after is not None:
        where.append(f"({key}, c.id) > ({arg(after[0])}::date, {arg(after[1])})")
    sql = f"{select} WHERE {' AND '.join(where)} ORDER BY {key}, c.id LIMIT {arg(limit + 1)}"
    return sql, args


async def queue_rows(
    conn: Connection,
    kind: CaseKind,
    f: QueueFilter,
    *,
    row_type: type[AnyT],
    today: dt.date,
    after: tuple[dt.date, int] | None,
    limit: int,
) -> list[AnyT]:
    """One page of a staff work queue (and one case more, to tell whether a page follows)."""
    sql, args = queue_sql(kind, _read_select(kind, row_type), f, today, after, limit)
    return rows_as(row_type, await conn.fetch(sql, *args))


class StepRow(msgspec.Struct, frozen=True, kw_only=True):
    """One step of a case, with the acting department's name or officer's username."""

    action: str
    from_status: str | None
    to_status: str
    actor_kind: ActorRole
    actor_id: str
    reason: str | None
    due_on: dt.date | None
    business_date: dt.date
    at: dt.datetime
    department_name: str | None
    officer_username: str | None


async def steps_of(conn: Connection, kind: CaseKind, case_id: int) -> list[StepRow]:
    rows = await conn.fetch(
        "SELECT s.action, s.from_status, s.to_status, s.actor_kind, s.actor_id, s.reason,"
        " s.due_on, s.business_date, s.at, d.name AS department_name,"
        " o.username AS officer_username FROM case_step s"
        " LEFT JOIN api_client d ON s.actor_kind = 'department' AND d.id::text = s.actor_id"
        " LEFT JOIN officer o ON s.actor_kind = 'officer' AND o.id::text = s.actor_id"
        " WHERE s.case_kind = $1 AND s.case_id = $2 ORDER BY s.id",
        kind.name,
        case_id,
    )
    return rows_as(StepRow, rows)


# --- the record and the department of a case ----------------------------------------------------


class CaseRecord(msgspec.Struct, frozen=True, kw_only=True):
    """What the case rules read of a record (whose, which body's, standing, repairable)."""

    id: int
    citizen: int
    department: int
    status: str
    polarity: str
    record_type: str
    catalog_version: str
    severity: Severity | None
    display_until: dt.date
    repairable_from: dt.date | None


async def record_for_update(conn: Connection, record_id: int) -> CaseRecord | None:
    row = await conn.fetchrow(
        f"SELECT {columns(CaseRecord)} FROM record WHERE id = $1 FOR UPDATE", record_id
    )
    return row_as(CaseRecord, row)


async def case_record(conn: Connection, record_id: int) -> CaseRecord | None:
    row = await conn.fetchrow(f"SELECT {columns(CaseRecord)} FROM record WHERE id = $1", record_id)
    return row_as(CaseRecord, row)


class NewCase(msgspec.Struct, frozen=True, kw_only=True):
    """What every new case is filed with: the record it is about (whose it is and which
    department handles it), the citizen's statement, the day and the first deadline."""

    record: CaseRecord
    statement: str
    on: dt.date
    due_on: dt.date


class DepartmentClient(msgspec.Struct, frozen=True, kw_only=True):
    """A department's API client, as a principal is made of it."""

    id: int
    kind: str
    code: str
    name: str
    scopes: list[str]


async def department_client(conn: Connection, department_id: int) -> DepartmentClient | None:
    row = await conn.fetchrow(
        f"SELECT {columns(DepartmentClient)} FROM api_client WHERE id = $1", department_id
    )
    return row_as(DepartmentClient, row)


# --- evidence files -----------------------------------------------------------------------------


class EvidenceRow(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    case_kind: str
    case_id: int
    citizen: int | None  # None for a report's files (the reporter is sealed)
    department: int
    sha256: str
    media_type: EvidenceMediaType  # only the types ``evidence.sniff`` recognises are stored
    size_bytes: int
    original_name: str
    uploaded_at: dt.datetime
    purged_at: dt.datetime | None = None  # the content deleted after its retention


# A report's files are stored under NO_CITIZEN (the distribution column takes no NULL) and read
# back as None, which is what the evidence rules test for.
_EVIDENCE = ", ".join(
    "NULLIF(citizen, 0) AS citizen" if name == "citizen" else name
    for name in EvidenceRow.__struct_fields__
)


async def count_evidence(conn: Connection, kind: CaseKind, case_id: int) -> int:
    stored: int = await conn.fetchval(
        "SELECT count(*) FROM evidence_file WHERE case_kind = $1 AND case_id = $2",
        kind.name,
        case_id,
    )
    return stored


async def insert_evidence(
    conn: Connection,
    kind: CaseKind,
    case: CaseState,
    *,
    uploaded_by_kind: str,
    uploaded_by_id: str,
    sha256: str,
    media_type: EvidenceMediaType,
    size_bytes: int,
    original_name: str,
) -> EvidenceRow:
    row = await conn.fetchrow(
        "INSERT INTO evidence_file (case_kind, case_id, citizen, department, uploaded_by_kind,"
        " uploaded_by_id, sha256, media_type, size_bytes, original_name, uploaded_at)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, now())"
        f" RETURNING {_EVIDENCE}",
        kind.name,
        case.id,
        citizen_of(case),
        case.department,
        uploaded_by_kind,
        uploaded_by_id,
        sha256,
        media_type,
        size_bytes,
        original_name,
    )
    assert row is not None, "INSERT ... RETURNING returns the row"
    return EvidenceRow(**row)


async def evidence_of_case(conn: Connection, kind: CaseKind, case_id: int) -> list[EvidenceRow]:
    rows = await conn.fetch(
        f"SELECT {_EVIDENCE} FROM evidence_file WHERE case_kind = $1 AND case_id = $2 ORDER BY id",
        kind.name,
        case_id,
    )
    return rows_as(EvidenceRow, rows)


async def evidence_by_id(conn: Connection, evidence_id: int) -> EvidenceRow | None:
    row = await conn.fetchrow(f"SELECT {_EVIDENCE} FROM evidence_file WHERE id = $1", evidence_id)
    return row_as(EvidenceRow, row)


async def officer_display_name(conn: Connection, officer_id: int) -> str | None:
    name: str | None = await conn.fetchval(
        "SELECT display_name FROM officer WHERE id = $1", officer_id
    )
    return name


# --- evidence retention -------------------------------------------------------------------------


async def cases_with_unpurged_evidence(conn: Connection, kind_name: str) -> list[int]:
    """The cases of a kind that still hold evidence content (few: older ones are purged)."""
    rows = await conn.fetch(
        "SELECT DISTINCT case_id FROM evidence_file WHERE case_kind = $1 AND purged_at IS NULL",
        kind_name,
    )
    return [row["case_id"] for row in rows]


async def closed_before(
    conn: Connection, kind: CaseKind, case_ids: list[int], cutoff: dt.datetime
) -> list[int]:
    """Which of ``case_ids`` closed before ``cutoff``."""
    rows = await conn.fetch(
        f"SELECT id FROM {kind.table} WHERE id = ANY($1::bigint[]) AND closed_at < $2",
        case_ids,
        cutoff,
    )
    return [row["id"] for row in rows]


class PurgedEvidence(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    sha256: str
    size_bytes: int


async def mark_evidence_purged(
    conn: Connection, kind_name: str, case_ids: list[int]
) -> list[PurgedEvidence]:
    """Mark the cases' files purged (the rows stay, locked until the caller commits)."""
    rows = await conn.fetch(
        "UPDATE evidence_file SET purged_at = now() WHERE case_kind = $1"
        " AND case_id = ANY($2::bigint[]) AND purged_at IS NULL RETURNING id, sha256, size_bytes",
        kind_name,
        case_ids,
    )
    return rows_as(PurgedEvidence, rows)


async def digests_still_held(conn: Connection, digests: list[str]) -> set[str]:
    """Which contents another file not purged still uses (a blob is stored once per content,
    so the same file attached to a newer case keeps it)."""
    rows = await conn.fetch(
        "SELECT DISTINCT sha256 FROM evidence_file"
        " WHERE sha256 = ANY($1::varchar[]) AND purged_at IS NULL",
        digests,
    )
    return {row["sha256"] for row in rows}


# --- handling statistics (政务诚信) -------------------------------------------------------------


class HandlingCounts(msgspec.Struct, frozen=True, kw_only=True):
    """One department's counts of one kind: kept (handled, on time, late) and live (open,
    overdue), with the years of its open deadlines."""

    department: int
    case_kind: str
    code: str
    name: str
    handled: int
    on_time: int
    late: int
    open: int
    overdue: int
    due_years: list[int] | None


_OPEN_COUNTS = (
    "SELECT department, '{kind}' AS case_kind, count(*) AS open,"
    " count(*) FILTER (WHERE due_on < $1) AS overdue,"
    " array_agg(DISTINCT extract(year FROM due_on)::int) FILTER (WHERE due_on IS NOT NULL)"
    " AS due_years FROM {table} WHERE status IN ({statuses}) GROUP BY department"
)


def _statistics_sql(kinds: Iterable[CaseKind]) -> str:
    live = " UNION ALL ".join(
        _OPEN_COUNTS.format(kind=k.name, table=k.table, statuses=sql_list(k.open_statuses))
        for k in kinds
    )
    return (
        f"WITH live AS ({live}), keys AS (SELECT department, case_kind FROM department_case_stat"
        " UNION SELECT department, case_kind FROM live)"
        " SELECT k.department, k.case_kind, d.code, d.name,"
        " coalesce(s.handled, 0) AS handled, coalesce(s.on_time, 0) AS on_time,"
        " coalesce(s.late, 0) AS late, coalesce(l.open, 0) AS open,"
        " coalesce(l.overdue, 0) AS overdue, l.due_years"
        " FROM keys k JOIN api_client d ON d.id = k.department"
        " LEFT JOIN department_case_stat s ON s.department = k.department"
        " AND s.case_kind = k.case_kind"
        " LEFT JOIN live l ON l.department = k.department AND l.case_kind = k.case_kind"
    )


async def handling_counts(
    conn: Connection, kinds: Iterable[CaseKind], today: dt.date
) -> list[HandlingCounts]:
    """Every department's counts of every kind in ``kinds`` that it has any of."""
    return rows_as(HandlingCounts, await conn.fetch(_statistics_sql(kinds), today))
