"""Generic read models of every kind of case, keyed by the kind: the citizen's list and case,
the staff work queues (sorted by deadline, closed cases last) and the staff case view, and the
steps of a case as each audience reads them.

A kind supplies only how one row reads as its summary (``to_out``); a staff queue lists case
facts and deadlines, not who the citizen is; opening a case shows the citizen's masked ID
number, the record and the evidence, and is written to the citizen's query log.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeVar

from backend.cases import evidence
from backend.cases.deadlines import deadline
from backend.cases.kinds import CaseKind, sql_list
from backend.cases.machine import (
    MAX_ID,
    Staff,
    check_staff_access,
    department_principal,
    log_staff_look,
    not_found,
    record_titles,
)
from backend.cases.schemas import EvidenceOut, StepOut
from backend.identity.principals import OfficerPrincipal
from backend.platform.calendar import today_in_shanghai
from backend.platform.database import connection, transaction
from backend.platform.language import say
from backend.platform.pagination import Page, check_limit, decode_cursor, page_of
from backend.records.schemas import DepartmentRecordOut, DepartmentRef
from backend.records.service import department_record

Out = TypeVar("Out")
Audience = Literal["citizen", "department", "officer"]  # who reads a case's steps
FAR_FUTURE = dt.date(9999, 12, 31)  # sort key of closed cases, which have no deadline
# Who acted on a case, by role, as a reader sees it (zh-CN, en).
ROLE_WORDS = {
    "citizen": ("市民", "Citizen"),
    "officer": ("信用办", "Credit office"),
    "department": ("报送单位", "Reporting department"),
    "system": ("系统", "System"),
}
_STEPS_SQL = (
    "SELECT s.*, d.name AS department_name, o.username AS officer_username FROM case_step s"
    " LEFT JOIN api_client d ON s.actor_kind = 'department' AND d.id::text = s.actor_id"
    " LEFT JOIN officer o ON s.actor_kind = 'officer' AND o.id::text = s.actor_id"
    " WHERE s.case_kind = $1 AND s.case_id = $2 ORDER BY s.id"
)


def actor_word(actor_kind: str, department_name: str | None) -> str:
    """Who acted, by role and in the request's language: a department by its name, the credit
    office as one body (信用办), a citizen as 市民, never by an internal id."""
    if actor_kind == "department" and department_name:
        return department_name
    zh, en = ROLE_WORDS.get(actor_kind, (actor_kind, actor_kind))
    return say(zh, en)


async def steps(conn: Any, kind: CaseKind, case_id: int, *, audience: Audience) -> list[StepOut]:
    """The case history. Only the credit office (``audience="officer"``) sees who acted by id
    and which officer acted by username: citizens and departments see role words."""
    rows = await conn.fetch(_STEPS_SQL, kind.name, case_id)
    officer = audience == "officer"
    return [
        StepOut(
            action=r["action"],
            from_status=r["from_status"],
            to_status=r["to_status"],
            actor_kind=r["actor_kind"],
            actor=actor_word(r["actor_kind"], r["department_name"]),
            reason=r["reason"],
            due_on=r["due_on"],
            business_date=r["business_date"],
            at=r["at"],
            actor_id=r["actor_id"] if officer else None,
            officer_username=r["officer_username"] if officer else None,
        )
        for r in rows
    ]


def audience_of(by: Staff) -> Audience:
    return "officer" if isinstance(by, OfficerPrincipal) else "department"


# --- work queues --------------------------------------------------------------------------------


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
    """``select`` names the case table ``c`` and the department ``d``."""
    args: list[Any] = []

    def arg(value: Any) -> str:
        args.append(value)
        return f"${len(args)}"

    where = [_status_condition(kind, f.status, arg)]
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


def _status_condition(kind: CaseKind, status: str, arg: Callable[[Any], str]) -> str:
    if status in ("open", "closed", "all"):
        return _group_condition(kind, status)
    return f"c.status = {arg(status)}"


def _group_condition(kind: CaseKind, group: str) -> str:
    open_list = sql_list(kind.open_statuses)
    return {
        "open": f"c.status IN ({open_list})",
        "closed": f"c.status NOT IN ({open_list})",
        "all": "true",
    }[group]


def queue_key(due_on: dt.date | None, case_id: int) -> tuple[str, int]:
    return ((due_on or FAR_FUTURE).isoformat(), case_id)


# --- readers ------------------------------------------------------------------------------------


def summary_fields(kind: CaseKind, row: Any, today: dt.date) -> dict[str, Any]:
    """The fields every kind's summary has (the case, its record and department, its status,
    decision and deadline), from a reader row; a kind adds its own."""
    title_zh, title_en = record_titles(row["record_type"], row["catalog_version"])
    return dict(
        id=row["id"],
        record_id=row["record"],
        record_type=row["record_type"],
        record_title=say(title_zh, title_en),
        record_title_zh=title_zh,
        record_title_en=title_en,
        department=DepartmentRef(code=row["department_code"], name=row["department_name"]),
        statement=row["statement"],
        status=row["status"],
        accepted_on=row["accepted_on"],
        decision_reason=row["decision_reason"],
        decided_on=row["decided_on"],
        deadline=deadline(kind, row, today),
        escalated=row["escalated_at"] is not None,
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        closed_at=row["closed_at"],
    )


@dataclass(frozen=True)
class CaseFile(Generic[Out]):
    """One case as read for a page: its row, its summary, evidence files and steps."""

    row: Any
    summary: Out
    evidence: list[EvidenceOut]
    steps: list[StepOut]


@dataclass(frozen=True)
class StaffCaseFile(CaseFile[Out]):
    """One case as staff read it: also the record, with the citizen's masked ID number."""

    record: DepartmentRecordOut


@dataclass(frozen=True)
class CaseReader(Generic[Out]):
    """Reads one kind of case; ``to_out`` makes a row (the case with its record's type and
    catalog version and its department's code and name) into the kind's summary."""

    kind: CaseKind
    to_out: Callable[[Any, dt.date], Out]

    @property
    def select(self) -> str:
        return (
            "SELECT c.*, r.record_type, r.catalog_version, d.code AS department_code,"
            f" d.name AS department_name FROM {self.kind.table} c JOIN record r ON r.id = c.record"
            " JOIN api_client d ON d.id = c.department"
        )

    def out(self, row: Any) -> Out:
        """The row as the kind's summary, on today's business date."""
        return self.to_out(row, today_in_shanghai())

    async def fetch(self, conn: Any, case_id: int) -> Any:
        if not 1 <= case_id <= MAX_ID:
            return None
        return await conn.fetchrow(f"{self.select} WHERE c.id = $1", case_id)

    async def summary(self, case_id: int) -> Out:
        async with connection() as conn:
            row = await self.fetch(conn, case_id)
        return self.out(row)

    async def citizen_list(
        self,
        citizen_id: int,
        status: Literal["open", "closed", "all"],
        cursor: str | None,
        limit: int,
    ) -> Page[Out]:
        """The citizen's cases of this kind, newest first."""
        check_limit(limit)
        after = decode_cursor(cursor, tuple[int])
        async with connection() as conn:
            rows = await conn.fetch(
                f"{self.select} WHERE c.citizen = $1 AND {_group_condition(self.kind, status)}"
                " AND ($2::bigint IS NULL OR c.id < $2) ORDER BY c.id DESC LIMIT $3",
                citizen_id,
                after[0] if after else None,
                limit + 1,
            )
        day = today_in_shanghai()
        return page_of([self.to_out(r, day) for r in rows], limit, lambda o: (o.id,))

    async def citizen_case(self, case_id: int, citizen_id: int) -> CaseFile[Out]:
        """One of the citizen's own cases; another citizen's reads exactly like a missing one."""
        async with connection() as conn:
            row = await self.fetch(conn, case_id)
            if row is None or row["citizen"] != citizen_id:
                raise not_found(self.kind, case_id)
            files = await evidence.list_for_case(conn, self.kind, case_id)
            timeline = await steps(conn, self.kind, case_id, audience="citizen")
        return CaseFile(row, self.out(row), files, timeline)

    async def staff_queue(self, f: QueueFilter, cursor: str | None, limit: int) -> Page[Out]:
        check_limit(limit)
        after = decode_cursor(cursor, tuple[dt.date, int])
        day = today_in_shanghai()
        sql, args = queue_sql(self.kind, self.select, f, day, after, limit)
        async with connection() as conn:
            rows = await conn.fetch(sql, *args)
        items = [self.to_out(r, day) for r in rows]
        return page_of(items, limit, _queue_key_of)

    async def staff_case(
        self, case_id: int, by: Staff, *, looked_at: LookedAt
    ) -> StaffCaseFile[Out]:
        """One case with the record and the evidence; the look goes to the citizen's query
        log, in the words ``looked_at`` gives for the row and its number of files."""
        async with transaction() as conn:
            row = await self.fetch(conn, case_id)
            check_staff_access(self.kind, row, by, case_id)
            files = await evidence.list_for_case(conn, self.kind, case_id)
            timeline = await steps(conn, self.kind, case_id, audience=audience_of(by))
            seen, purpose, basis = looked_at(row, len(files))
            await log_staff_look(conn, row["citizen"], by, seen=seen, purpose=purpose, basis=basis)
            owner = await department_principal(conn, row["department"])
        record = await department_record(row["record"], owner)
        return StaffCaseFile(row, self.out(row), files, timeline, record)


# (seen, purpose, basis) of a staff look, from the case row and its number of evidence files
LookedAt = Callable[[Any, int], tuple[str, str, str]]


def _queue_key_of(item: Any) -> tuple[str, int]:
    return queue_key(item.deadline.due_on if item.deadline else None, item.id)
