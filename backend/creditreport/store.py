"""The SQL of credit reports: the facts a report states, and the reports made."""

from __future__ import annotations

import datetime as dt

import msgspec

from backend.platform.rows import Connection, row_as, rows_as


class Person(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    id_number_encrypted: bytes
    points: int | None
    grade: str | None
    rules_version: str | None
    red_list: bool | None


async def person(conn: Connection, citizen: int) -> Person | None:
    row = await conn.fetchrow(
        "SELECT c.name, c.id_number_encrypted, k.points, k.grade, k.rules_version, k.red_list"
        " FROM citizen c LEFT JOIN credit_card k ON k.citizen = c.id WHERE c.id = $1",
        citizen,
    )
    return row_as(Person, row)


class RecordRow(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    record_type: str
    catalog_version: str
    polarity: str
    department: str
    decided_on: dt.date
    display_until: dt.date


async def records_in_display(conn: Connection, citizen: int, today: dt.date) -> list[RecordRow]:
    rows = await conn.fetch(
        "SELECT r.id, r.record_type, r.catalog_version, r.polarity, d.name AS department,"
        " r.decided_on, r.display_until FROM record r JOIN api_client d ON d.id = r.department"
        " WHERE r.citizen = $1 AND r.status = 'active' AND r.decided_on <= $2"
        " AND r.display_until > $2 ORDER BY r.decided_on DESC, r.id DESC",
        citizen,
        today,
    )
    return rows_as(RecordRow, rows)


class CaseRow(msgspec.Struct, frozen=True, kw_only=True):
    kind: str
    id: int
    record_type: str
    catalog_version: str
    status: str
    decided_on: dt.date | None
    decision_reason: str | None


async def cases(conn: Connection, citizen: int) -> list[CaseRow]:
    rows = await conn.fetch(
        "SELECT 'objection' AS kind, c.id, r.record_type, r.catalog_version, c.status,"
        " c.decided_on, c.decision_reason FROM objection c"
        " JOIN record r ON r.citizen = c.citizen AND r.id = c.record WHERE c.citizen = $1"
        " UNION ALL SELECT 'repair', c.id, r.record_type, r.catalog_version, c.status,"
        " c.decided_on, c.decision_reason FROM repair_application c"
        " JOIN record r ON r.citizen = c.citizen AND r.id = c.record WHERE c.citizen = $1"
        " ORDER BY 1, 2",
        citizen,
    )
    return rows_as(CaseRow, rows)


class Looks(msgspec.Struct, frozen=True, kw_only=True):
    organisation: str
    looks: int
    last: dt.datetime


async def looks_since(conn: Connection, citizen: int, since: dt.datetime) -> list[Looks]:
    rows = await conn.fetch(
        "SELECT organisation, count(*)::int AS looks, max(at) AS last FROM query_log"
        " WHERE citizen = $1 AND at >= $2 GROUP BY organisation ORDER BY max(at) DESC",
        citizen,
        since,
    )
    return rows_as(Looks, rows)


async def black_listed(conn: Connection, citizen: int, today: dt.date) -> bool:
    found: bool = await conn.fetchval(
        "SELECT EXISTS (SELECT 1 FROM list_entry e WHERE e.citizen = $1 AND e.list = 'black'"
        " AND e.status = 'published' AND e.published_from <= $2 AND e.published_until > $2"
        " AND (e.record IS NULL OR EXISTS (SELECT 1 FROM record r WHERE r.citizen = e.citizen"
        " AND r.id = e.record AND r.status = 'active' AND r.display_until > $2)))",
        citizen,
        today,
    )
    return found


class Issued(msgspec.Struct, frozen=True, kw_only=True):
    number: str
    short_code: str
    citizen: int
    made_at: dt.datetime
    expires_at: dt.datetime
    fingerprint: str
    facts_sha256: str
    signature: str
    kid: str


async def save(conn: Connection, issued: Issued) -> None:
    fields = list(issued.__struct_fields__)
    values = ", ".join(f"${n}" for n in range(1, len(fields) + 1))
    await conn.execute(
        f"INSERT INTO credit_report ({', '.join(fields)}) VALUES ({values})",
        *msgspec.structs.astuple(issued),
    )


async def issued(conn: Connection, key: str) -> Issued | None:
    """A report by its number or its short code."""
    row = await conn.fetchrow(
        "SELECT number, short_code, citizen, made_at, expires_at, fingerprint, facts_sha256,"
        " signature, kid FROM credit_report WHERE number = $1 OR short_code = $1",
        key,
    )
    return row_as(Issued, row)


class Authorisation(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    citizen: int
    institution: int
    institution_code: str
    institution_name: str
    purpose: str
    valid_until: dt.date
    created_at: dt.datetime
    revoked_at: dt.datetime | None
    used_at: dt.datetime | None
    report_number: str | None


_AUTH = (
    "SELECT a.id, a.citizen, a.institution, c.code AS institution_code,"
    " c.name AS institution_name, a.purpose, a.valid_until, a.created_at, a.revoked_at,"
    " a.used_at, a.report_number FROM report_authorisation a"
    " JOIN api_client c ON c.id = a.institution"
)


async def institution_by_code(conn: Connection, code: str) -> tuple[int, str] | None:
    row = await conn.fetchrow(
        "SELECT id, name FROM api_client WHERE code = $1 AND kind = 'institution' AND active",
        code,
    )
    return (row["id"], row["name"]) if row else None


async def authorise(
    conn: Connection, *, citizen: int, institution: int, purpose: str, valid_until: dt.date
) -> int:
    found: int = await conn.fetchval(
        "INSERT INTO report_authorisation (citizen, institution, purpose, valid_until,"
        " created_at) VALUES ($1, $2, $3, $4, now()) RETURNING id",
        citizen,
        institution,
        purpose,
        valid_until,
    )
    return found


async def authorisation(
    conn: Connection, authorisation_id: int, *, lock: bool = False
) -> Authorisation | None:
    query = f"{_AUTH} WHERE a.id = $1" + (" FOR UPDATE OF a" if lock else "")
    return row_as(Authorisation, await conn.fetchrow(query, authorisation_id))


async def authorisations(conn: Connection, citizen: int) -> list[Authorisation]:
    rows = await conn.fetch(f"{_AUTH} WHERE a.citizen = $1 ORDER BY a.id DESC", citizen)
    return rows_as(Authorisation, rows)


async def revoke(conn: Connection, authorisation_id: int) -> None:
    await conn.execute(
        "UPDATE report_authorisation SET revoked_at = now() WHERE id = $1", authorisation_id
    )


async def use(conn: Connection, authorisation_id: int, number: str) -> None:
    await conn.execute(
        "UPDATE report_authorisation SET used_at = now(), report_number = $2 WHERE id = $1",
        authorisation_id,
        number,
    )
