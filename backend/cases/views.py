"""Generic read models of every kind of case, keyed by the kind: the citizen's list and case,
the staff work queues (sorted by deadline, closed cases last) and the staff case view, and the
steps of a case as each audience reads them.

A kind supplies how one row reads as its summary (``to_out``, mostly :func:`summary_of`) and
how its answers name and hold a case; a staff queue lists case facts and deadlines, not who the
citizen is; opening a case shows the citizen's masked ID number, the record and the evidence,
and is written to the citizen's query log.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import KW_ONLY, dataclass
from typing import Any, Generic, Literal, TypeVar

import msgspec

from backend.cases import evidence, store
from backend.cases.deadlines import deadline
from backend.cases.kinds import CaseKind
from backend.cases.machine import (
    MAX_ID,
    Staff,
    check_staff_access,
    department_principal,
    log_staff_look,
    not_found,
    record_titles,
)
from backend.cases.schemas import StepOut
from backend.cases.store import FAR_FUTURE, CaseRow
from backend.cases.store import QueueFilter as QueueFilter
from backend.identity.principals import OfficerPrincipal
from backend.platform.calendar import today_in_shanghai
from backend.platform.database import connection, transaction
from backend.platform.language import say
from backend.platform.pagination import Page, check_limit, decode_cursor, page_of
from backend.platform.rows import Connection
from backend.records.schemas import DepartmentRef
from backend.records.service import department_record

Row = TypeVar("Row", bound=CaseRow)
Out = TypeVar("Out")
Summary = TypeVar("Summary", bound=msgspec.Struct)
Detail = TypeVar("Detail")
StaffView = TypeVar("StaffView")
Audience = Literal["citizen", "department", "officer"]  # who reads a case's steps
# Who acted on a case, by role, as a reader sees it (zh-CN, en).
ROLE_WORDS = {
    "citizen": ("市民", "Citizen"),
    "officer": ("信用办", "Credit office"),
    "department": ("报送单位", "Reporting department"),
    "system": ("系统", "System"),
}


def actor_word(actor_kind: str, department_name: str | None) -> str:
    """Who acted, by role and in the request's language: a department by its name, the credit
    office as one body (信用办), a citizen as 市民, never by an internal id."""
    if actor_kind == "department" and department_name:
        return department_name
    zh, en = ROLE_WORDS.get(actor_kind, (actor_kind, actor_kind))
    return say(zh, en)


async def steps(
    conn: Connection, kind: CaseKind, case_id: int, *, audience: Audience
) -> list[StepOut]:
    """The case history. Only the credit office (``audience="officer"``) sees who acted by id
    and which officer acted by username: citizens and departments see role words."""
    officer = audience == "officer"
    return [
        StepOut(
            action=r.action,
            from_status=r.from_status,
            to_status=r.to_status,
            actor_kind=r.actor_kind,
            actor=actor_word(r.actor_kind, r.department_name),
            reason=r.reason,
            due_on=r.due_on,
            business_date=r.business_date,
            at=r.at,
            actor_id=r.actor_id if officer else None,
            officer_username=r.officer_username if officer else None,
        )
        for r in await store.steps_of(conn, kind, case_id)
    ]


def audience_of(by: Staff) -> Audience:
    return "officer" if isinstance(by, OfficerPrincipal) else "department"


def queue_key(due_on: dt.date | None, case_id: int) -> tuple[str, int]:
    return ((due_on or FAR_FUTURE).isoformat(), case_id)


# --- summaries ----------------------------------------------------------------------------------


def summary_fields(kind: CaseKind, row: CaseRow, today: dt.date) -> dict[str, Any]:
    """The fields every kind's summary has (the case, its record and department, its status,
    decision and deadline), from a reader row."""
    title_zh, title_en = record_titles(row.record_type, row.catalog_version)
    return dict(
        id=row.id,
        record_id=row.record,
        record_type=row.record_type,
        record_title=say(title_zh, title_en),
        record_title_zh=title_zh,
        record_title_en=title_en,
        department=DepartmentRef(code=row.department_code, name=row.department_name),
        statement=row.statement,
        status=row.status,
        accepted_on=row.accepted_on,
        decision_reason=row.decision_reason,
        decided_on=row.decided_on,
        deadline=deadline(kind, row, today),
        escalated=row.escalated_at is not None,
        created_at=row.created_at,
        updated_at=row.updated_at,
        closed_at=row.closed_at,
    )


def summary_of(
    kind: CaseKind, shape: type[Summary], row: CaseRow, today: dt.date, **own: Any
) -> Summary:
    """A kind's summary (``shape``): the fields every kind has (:func:`summary_fields`), then
    the kind's own columns, each under its column's name (``reason_category``, ``path``, ...)
    unless ``own`` gives it otherwise (a JSON column decoded, say)."""
    common = summary_fields(kind, row, today)
    for name in shape.__struct_fields__:
        if name not in common and name not in own:
            own[name] = getattr(row, name)
    return shape(**common, **own)


# --- readers ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StaffLook:
    """How a staff look at a case of the kind reads in the citizen's query log (查询日志): what
    was seen after the case's name (a template of ``record``, ``record_type`` and ``files``, the
    number of evidence files) and the handling it serves (``异议处理``)."""

    seen: str
    handling: str

    def words(self, kind: CaseKind, row: CaseRow, files: int) -> tuple[str, str, str]:
        """(seen, purpose, basis) of a look at ``row``."""
        case = f"{kind.words[1]} {row.id}"
        seen = self.seen.format(record=row.record, record_type=row.record_type, files=files)
        return f"{case} {seen}", f"handling {case} ({self.handling})", case


def _nothing_more(row: CaseRow) -> dict[str, Any]:
    return {}


@dataclass(frozen=True)
class Answers(Generic[Detail, StaffView]):
    """How a kind's answers hold one case's summary: as ``case_field`` (``objection``,
    ``application``) of the citizen's ``detail`` (with the evidence and the steps) and of the
    staff's ``staff_view`` (also with the record and the department's lapse)."""

    case_field: str
    detail: Callable[..., Detail]
    staff_view: Callable[..., StaffView]


@dataclass(frozen=True)
class CaseReader(Generic[Row, Out, Detail, StaffView]):
    """Reads one kind of case. ``row_type`` is the kind's reader row (the case with its record's
    type and catalog version and its department's code and name) and ``to_out`` makes it the
    kind's summary; ``answers`` says how the kind's answers hold it, and ``looked_at`` how a
    staff look reads in the query log."""

    kind: CaseKind
    row_type: type[Row]
    to_out: Callable[[Row, dt.date], Out]
    _: KW_ONLY
    answers: Answers[Detail, StaffView]
    looked_at: StaffLook

    def out(self, row: Row) -> Out:
        """The row as the kind's summary, on today's business date."""
        return self.to_out(row, today_in_shanghai())

    async def fetch(self, conn: Connection, case_id: int) -> Row | None:
        if not 1 <= case_id <= MAX_ID:
            return None
        return await store.case_row(conn, self.kind, case_id, row_type=self.row_type)

    async def summary(self, case_id: int) -> Out:
        async with connection() as conn:
            row = await self.fetch(conn, case_id)
        if row is None:  # only asked for just after a change, of a case that exists
            raise not_found(self.kind, case_id)
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
            rows = await store.citizen_case_rows(
                conn,
                self.kind,
                citizen_id,
                row_type=self.row_type,
                group=status,
                before=after[0] if after else None,
                limit=limit,
            )
        day = today_in_shanghai()
        return page_of([self.to_out(r, day) for r in rows], limit, lambda o: (o.id,))

    async def citizen_detail(self, case_id: int, citizen_id: int) -> Detail:
        """One of the citizen's own cases, with its evidence and steps; another citizen's reads
        exactly like a missing one."""
        async with connection() as conn:
            row = await self.fetch(conn, case_id)
            if row is None or row.citizen != citizen_id:
                raise not_found(self.kind, case_id)
            files = await evidence.list_for_case(conn, self.kind, case_id)
            timeline = await steps(conn, self.kind, case_id, audience="citizen")
        summary = {self.answers.case_field: self.out(row)}
        return self.answers.detail(**summary, evidence=files, steps=timeline)

    async def staff_queue(self, f: QueueFilter, cursor: str | None, limit: int) -> Page[Out]:
        check_limit(limit)
        after = decode_cursor(cursor, tuple[dt.date, int])
        day = today_in_shanghai()
        async with connection() as conn:
            rows = await store.queue_rows(
                conn, self.kind, f, row_type=self.row_type, today=day, after=after, limit=limit
            )
        items = [self.to_out(r, day) for r in rows]
        return page_of(items, limit, _queue_key_of)

    async def staff_case(
        self,
        case_id: int,
        by: Staff,
        *,
        extras: Callable[[Row], dict[str, Any]] = _nothing_more,
    ) -> StaffView:
        """One case with the record and the evidence, and what ``extras`` adds of the row; the
        look goes to the citizen's query log."""
        async with transaction() as conn:
            row = check_staff_access(self.kind, await self.fetch(conn, case_id), by, case_id)
            files = await evidence.list_for_case(conn, self.kind, case_id)
            timeline = await steps(conn, self.kind, case_id, audience=audience_of(by))
            seen, purpose, basis = self.looked_at.words(self.kind, row, len(files))
            await log_staff_look(conn, row.citizen, by, seen=seen, purpose=purpose, basis=basis)
            owner = await department_principal(conn, row.department)
        record = await department_record(row.record, owner)
        return self.answers.staff_view(
            **{self.answers.case_field: self.out(row)},
            record=record,
            department_late=row.department_late,
            evidence=files,
            steps=timeline,
            **extras(row),
        )


def _queue_key_of(item: Any) -> tuple[str, int]:
    return queue_key(item.deadline.due_on if item.deadline else None, item.id)
