"""How reports read: the reporter's own (found by their token, never by who they are), the
staff queues sorted by deadline, and one report as staff see it (the subject in full, never the
reporter). Opening a report is audited; it is nobody's credit, so no query log is written."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from backend.cases import evidence
from backend.cases import store as cases
from backend.cases.deadlines import deadline
from backend.cases.machine import Staff, not_found, status_words
from backend.cases.store import QueueFilter
from backend.cases.views import audience_of, steps
from backend.identity.principals import ClientPrincipal
from backend.platform import runtime
from backend.platform.audit import write_audit
from backend.platform.database import connection, transaction
from backend.platform.language import say
from backend.platform.pagination import Page, check_limit, decode_cursor, page_of
from backend.platform.rows import BIGINT_MAX
from backend.reports import store
from backend.reports.kind import REPORT
from backend.reports.reporter import category_names, open_code, subject_keys, tokens_of
from backend.reports.schemas import MyReport, ReportOut, StaffReport
from backend.reports.store import ReportRow

FAR_FUTURE = dt.date(9999, 12, 31)


def report_out(row: ReportRow, today: dt.date) -> ReportOut:
    zh, en = category_names(row.category)
    return ReportOut(
        id=row.id,
        status=row.status,  # type: ignore[arg-type]  # the table's CHECK holds the statuses
        status_name=status_words(REPORT, row.status),
        subject_kind=row.subject_kind,  # type: ignore[arg-type]
        subject_name_masked=row.subject_name_masked,
        subject_code_masked=row.subject_code_masked,
        category=row.category,
        category_name=say(zh, en),
        department=row.department_name,
        filed_on=row.filed_on,
        accepted_on=row.accepted_on,
        decision_reason=row.decision_reason,
        decided_on=row.decided_on,
        deadline=deadline(REPORT, row, today),
        escalated=row.escalated_at is not None,
        extended=row.extended,
        created_at=row.created_at,
        updated_at=row.updated_at,
        closed_at=row.closed_at,
    )


def _today() -> dt.date:
    return runtime.clock().today()


async def _row(case_id: int) -> ReportRow | None:
    if not 1 <= case_id <= BIGINT_MAX:
        return None
    async with connection() as conn:
        return await store.report_row(conn, case_id)


async def summary(case_id: int) -> ReportOut:
    row = await _row(case_id)
    if row is None:
        raise not_found(REPORT, case_id)
    return report_out(row, _today())


async def citizen_list(
    citizen_id: int, status: Literal["open", "closed", "all"], cursor: str | None, limit: int
) -> Page[ReportOut]:
    """The reporter's own reports, newest first."""
    check_limit(limit)
    after = decode_cursor(cursor, tuple[int])
    async with connection() as conn:
        rows = await store.reporter_rows(
            conn,
            tokens_of(citizen_id),
            group=status,
            before=after[0] if after else None,
            limit=limit,
        )
    today = _today()
    return page_of([report_out(r, today) for r in rows], limit, lambda o: (o.id,))


async def citizen_detail(case_id: int, citizen_id: int) -> MyReport:
    """One of the reporter's own reports; anyone else's reads exactly like a missing one."""
    row = await _row(case_id)
    if row is None or row.reporter_token not in tokens_of(citizen_id):
        raise not_found(REPORT, case_id)
    async with connection() as conn:
        files = await evidence.list_for_case(conn, REPORT, case_id)
        timeline = await steps(conn, REPORT, case_id, audience="citizen")
    return MyReport(
        report=report_out(row, _today()),
        description=row.statement,
        evidence=files,
        steps=timeline,
    )


async def staff_queue(f: QueueFilter, cursor: str | None, limit: int) -> Page[ReportOut]:
    """A department's (its own) or the credit office's queue, by deadline, closed last."""
    check_limit(limit)
    after = decode_cursor(cursor, tuple[dt.date, int])
    today = _today()
    async with connection() as conn:
        rows = await cases.queue_rows(
            conn, REPORT, f, row_type=ReportRow, today=today, after=after, limit=limit
        )
    items = [report_out(r, today) for r in rows]
    return page_of(
        items,
        limit,
        lambda o: ((o.deadline.due_on if o.deadline else FAR_FUTURE).isoformat(), o.id),
    )


def _subject_code(row: ReportRow) -> str | None:
    return None if row.subject_code_encrypted is None else open_code(row.subject_code_encrypted)


async def staff_case(case_id: int, by: Staff) -> StaffReport:
    """One report for its department or the credit office: the subject in full, the evidence
    and steps, other reports on the same subject; never the reporter. The look is audited."""
    async with transaction() as conn:
        row = await store.report_row(conn, case_id) if 1 <= case_id <= BIGINT_MAX else None
        if row is None or (isinstance(by, ClientPrincipal) and row.department != by.client_id):
            raise not_found(REPORT, case_id)
        files = evidence.for_staff_of_sealed(await evidence.list_for_case(conn, REPORT, case_id))
        timeline = await steps(conn, REPORT, case_id, audience=audience_of(by))
        keys = subject_keys(row.subject_kind, row.subject_name, _subject_code(row))
        related = await store.related(conn, row, keys)
        records = await store.linked_records(conn, case_id)
        await write_audit(conn, by.actor, "report.viewed", "report", case_id)
    return StaffReport(
        report=report_out(row, _today()),
        subject_name=row.subject_name,
        subject_code=_subject_code(row),
        description=row.statement,
        extension_reason=row.extension_reason,
        related=related,
        records=records,
        department_late=row.department_late,
        evidence=files,
        steps=timeline,
    )
