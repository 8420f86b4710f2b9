"""The SQL of reports: filing, the reporter's own reports by token, the checks against abuse,
the department a domain is routed to, and the steps a report takes."""

from __future__ import annotations

import datetime as dt

import msgspec

from backend.cases.store import case_columns
from backend.platform.rows import Connection, row_as, rows_as

OPEN = "('submitted', 'accepted')"


class ReportLocked(msgspec.Struct, frozen=True, kw_only=True):
    """A report row as the machine locks it: the case bookkeeping and what the notices need."""

    id: int
    department: int
    reporter_token: str
    reporter_sealed: bytes
    subject_kind: str
    subject_name_masked: str
    category: str
    status: str
    due_on: dt.date | None
    near_flagged_for: dt.date | None
    escalated_for: dt.date | None
    escalated_at: dt.datetime | None
    department_late: bool
    extended: bool


class ReportRow(ReportLocked, frozen=True, kw_only=True):
    """A report as the readers show it."""

    subject_name: str
    subject_code_encrypted: bytes | None
    subject_code_masked: str | None
    subject_key: str
    statement: str
    filed_on: dt.date
    accepted_on: dt.date | None
    decision_reason: str | None
    decided_on: dt.date | None
    extension_reason: str | None
    duplicate_of: int | None
    created_at: dt.datetime
    updated_at: dt.datetime
    closed_at: dt.datetime | None
    department_code: str
    department_name: str


class NewReport(msgspec.Struct, frozen=True, kw_only=True):
    department: int
    reporter_token: str
    reporter_sealed: bytes
    subject_kind: str
    subject_name: str
    subject_name_masked: str
    subject_code_encrypted: bytes | None
    subject_code_masked: str | None
    subject_key: str
    category: str
    statement: str
    filed_on: dt.date
    due_on: dt.date
    duplicate_of: int | None


async def insert(conn: Connection, new: NewReport) -> int:
    fields = list(new.__struct_fields__)
    values = ", ".join(f"${n}" for n in range(1, len(fields) + 1))
    report_id: int = await conn.fetchval(
        f"INSERT INTO report ({', '.join(fields)}, status, created_at, updated_at)"
        f" VALUES ({values}, 'submitted', now(), now()) RETURNING id",
        *msgspec.structs.astuple(new),
    )
    return report_id


async def lock_reporter(conn: Connection, token: str) -> None:
    """One filing at a time per reporter, so the limits hold under concurrent requests."""
    await conn.execute("SELECT pg_advisory_xact_lock(hashtext('report:' || $1))", token)


# A reporter's tokens and a subject's keys come as lists: one per configured index key, so
# reports stay found while a key rotation is under way (backend.identity.rotation).


async def open_count(conn: Connection, tokens: list[str]) -> int:
    count: int = await conn.fetchval(
        f"SELECT count(*) FROM report WHERE reporter_token = ANY($1::text[]) AND status IN {OPEN}",
        tokens,
    )
    return count


async def last_malicious(conn: Connection, tokens: list[str]) -> dt.date | None:
    found: dt.date | None = await conn.fetchval(
        "SELECT max(decided_on) FROM report WHERE reporter_token = ANY($1::text[])"
        " AND status = 'malicious'",
        tokens,
    )
    return found


async def open_duplicate(
    conn: Connection, subject_keys: list[str], category: str, tokens: list[str] | None
) -> int | None:
    """The earliest open report on the same subject and category (by ``tokens`` only, or by
    anyone when None)."""
    found: int | None = await conn.fetchval(
        f"SELECT min(id) FROM report WHERE subject_key = ANY($1::text[]) AND category = $2"
        f" AND status IN {OPEN} AND ($3::text[] IS NULL OR reporter_token = ANY($3::text[]))",
        subject_keys,
        category,
        tokens,
    )
    return found


async def owned_ids(conn: Connection, tokens: list[str], case_id: int) -> bool:
    found: bool = await conn.fetchval(
        "SELECT EXISTS (SELECT 1 FROM report WHERE id = $1 AND reporter_token = ANY($2::text[]))",
        case_id,
        tokens,
    )
    return found


_READ = f"SELECT {case_columns(ReportRow)} FROM report c JOIN api_client d ON d.id = c.department"


async def reporter_rows(
    conn: Connection, tokens: list[str], *, group: str, before: int | None, limit: int
) -> list[ReportRow]:
    where = {"open": f"c.status IN {OPEN}", "closed": f"c.status NOT IN {OPEN}"}.get(group, "true")
    rows = await conn.fetch(
        f"{_READ} WHERE c.reporter_token = ANY($1::text[]) AND {where}"
        " AND ($2::bigint IS NULL OR c.id < $2) ORDER BY c.id DESC LIMIT $3",
        tokens,
        before,
        limit + 1,
    )
    return rows_as(ReportRow, rows)


async def report_row(conn: Connection, report_id: int) -> ReportRow | None:
    return row_as(ReportRow, await conn.fetchrow(f"{_READ} WHERE c.id = $1", report_id))


async def related(conn: Connection, row: ReportRow, subject_keys: list[str]) -> list[int]:
    """Other reports on the same subject (any of its keys) and category (staff see them side
    by side)."""
    rows = await conn.fetch(
        "SELECT id FROM report WHERE subject_key = ANY($1::text[]) AND category = $2"
        " AND id <> $3 ORDER BY id",
        subject_keys,
        row.category,
        row.id,
    )
    return [r["id"] for r in rows]


async def linked_records(conn: Connection, report_id: int) -> list[int]:
    rows = await conn.fetch("SELECT id FROM record WHERE report = $1 ORDER BY id", report_id)
    return [r["id"] for r in rows]


async def accept(conn: Connection, report_id: int, *, on: dt.date, due_on: dt.date) -> None:
    await conn.execute(
        "UPDATE report SET status = 'accepted', accepted_on = $2, due_on = $3,"
        " updated_at = now() WHERE id = $1",
        report_id,
        on,
        due_on,
    )


async def extend(conn: Connection, report_id: int, *, reason: str, due_on: dt.date) -> None:
    await conn.execute(
        "UPDATE report SET extended = true, extension_reason = $2, due_on = $3,"
        " updated_at = now() WHERE id = $1",
        report_id,
        reason,
        due_on,
    )


async def transfer(conn: Connection, report_id: int, *, department: int, due_on: dt.date) -> None:
    """To another department, with a new acceptance deadline; its files follow it."""
    await conn.execute(
        # the first department's lapse was counted against it already: the new one starts clean
        "UPDATE report SET department = $2, due_on = $3, near_flagged_for = NULL,"
        " department_late = false, escalated_for = NULL, escalated_at = NULL,"
        " updated_at = now() WHERE id = $1",
        report_id,
        department,
        due_on,
    )
    await conn.execute(
        "UPDATE evidence_file SET department = $2 WHERE case_kind = 'report' AND case_id = $1",
        report_id,
        department,
    )


class Department(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    code: str
    name: str


async def department_by_code(conn: Connection, code: str) -> Department | None:
    row = await conn.fetchrow(
        "SELECT id, code, name FROM api_client WHERE code = $1 AND kind = 'department' AND active",
        code,
    )
    return row_as(Department, row)


async def competent_department(
    conn: Connection, domain: str, record_types: list[str]
) -> Department | None:
    """The first active department whose scopes cover the domain (by domain, else by one of
    its record types); the oldest client first, so the choice is stable."""
    row = await conn.fetchrow(
        "SELECT id, code, name FROM api_client WHERE kind = 'department' AND active"
        " AND ($1 = ANY(scopes) OR scopes::text[] && $2::text[])"
        " ORDER BY ($1 = ANY(scopes)) DESC, id LIMIT 1",
        f"domain:{domain}",
        [f"record:{code}" for code in record_types],
    )
    return row_as(Department, row)
