"""The SQL of red and black list entries and their history."""

from __future__ import annotations

import datetime as dt

import msgspec

from backend.platform.rows import Connection, rows_as

OPEN = ("proposed", "published")


class EntryFacts(msgspec.Struct, frozen=True, kw_only=True):
    """An entry with what decides whether it still stands: its record's or the card's facts."""

    id: int
    citizen: int
    list: str
    rule_code: str
    rules_version: str
    record: int | None
    status: str
    proposed_on: dt.date
    publish_months: int
    reviewed_by: int | None
    reviewer: str | None
    reviewed_at: dt.datetime | None
    review_reason: str | None
    published_from: dt.date | None
    published_until: dt.date | None
    ended_on: dt.date | None
    end_cause: str | None
    citizen_name: str
    id_number_encrypted: bytes
    record_type: str | None
    record_catalog_version: str | None
    record_status: str | None
    record_severity: str | None
    record_decided_on: dt.date | None
    record_display_until: dt.date | None
    record_document_no: str | None
    department_name: str | None
    card_grade: str | None
    card_clean: bool | None


_COLUMNS = (
    "e.id, e.citizen, e.list, e.rule_code, e.rules_version, e.record, e.status,"
    " e.proposed_on, e.publish_months, e.reviewed_by, o.username AS reviewer, e.reviewed_at,"
    " e.review_reason, e.published_from, e.published_until, e.ended_on, e.end_cause,"
    " c.name AS citizen_name, c.id_number_encrypted, r.record_type,"
    " r.catalog_version AS record_catalog_version, r.status AS record_status,"
    " r.severity AS record_severity, r.decided_on AS record_decided_on,"
    " r.display_until AS record_display_until, r.decision_document_no AS record_document_no,"
    " d.name AS department_name, k.grade AS card_grade, k.clean_years_flag AS card_clean"
)
_JOINS = (
    " FROM list_entry e JOIN citizen c ON c.id = e.citizen"
    " LEFT JOIN record r ON r.citizen = e.citizen AND r.id = e.record"
    " LEFT JOIN api_client d ON d.id = r.department"
    " LEFT JOIN credit_card k ON k.citizen = e.citizen"
    " LEFT JOIN officer o ON o.id = e.reviewed_by"
)
_FACTS = f"SELECT {_COLUMNS}{_JOINS}"


async def propose_on_records(
    conn: Connection,
    *,
    which: str,
    rule_code: str,
    rules_version: str,
    record_types: list[str] | None,
    severity: str | None,
    today: dt.date,
    publish_months: int,
) -> list[tuple[int, int]]:
    """Propose every counting record the rule matches that has never had an entry by it (a
    rejected proposal is not proposed again); records under objection wait."""
    rows = await conn.fetch(
        "INSERT INTO list_entry (citizen, list, rule_code, rules_version, record, status,"
        " proposed_on, publish_months)"
        " SELECT r.citizen, $1::text, $2::text, $3::text, r.id, 'proposed', $6::date, $7::int"
        " FROM record r"
        " WHERE r.status = 'active' AND NOT r.under_objection AND r.decided_on <= $6"
        " AND r.display_until > $6"
        " AND (($4::text[] IS NOT NULL AND r.record_type = ANY($4::text[]))"
        " OR ($5::text IS NOT NULL AND r.severity = $5))"
        " AND NOT EXISTS (SELECT 1 FROM list_entry e WHERE e.list = $1 AND e.rule_code = $2"
        " AND e.citizen = r.citizen AND e.record = r.id) ON CONFLICT DO NOTHING"
        " RETURNING citizen, id",
        which,
        rule_code,
        rules_version,
        record_types,
        severity,
        today,
        publish_months,
    )
    return [(row["citizen"], row["id"]) for row in rows]


async def propose_on_grade(
    conn: Connection,
    *,
    which: str,
    rule_code: str,
    rules_version: str,
    grade: str,
    clean_years: bool,
    today: dt.date,
    publish_months: int,
) -> list[tuple[int, int]]:
    """Propose every citizen whose card meets the rule and has no open entry by it nor one
    rejected under this rules version."""
    rows = await conn.fetch(
        "INSERT INTO list_entry (citizen, list, rule_code, rules_version, record, status,"
        " proposed_on, publish_months)"
        " SELECT k.citizen, $1::text, $2::text, $3::text, NULL, 'proposed', $6::date, $7::int"
        " FROM credit_card k"
        " WHERE k.grade = $4::text AND (NOT $5::bool OR k.clean_years_flag)"
        " AND NOT EXISTS (SELECT 1 FROM list_entry e WHERE e.citizen = k.citizen"
        " AND e.list = $1 AND e.rule_code = $2 AND (e.status IN ('proposed', 'published')"
        " OR (e.status = 'rejected' AND e.rules_version = $3)))"
        " ON CONFLICT DO NOTHING RETURNING citizen, id",
        which,
        rule_code,
        rules_version,
        grade,
        clean_years,
        today,
        publish_months,
    )
    return [(row["citizen"], row["id"]) for row in rows]


async def open_entries(conn: Connection, *, citizen: int | None = None) -> list[EntryFacts]:
    query = f"{_FACTS} WHERE e.status IN ('proposed', 'published')" + (
        " AND e.citizen = $1 ORDER BY e.id" if citizen is not None else " ORDER BY e.id"
    )
    args = (citizen,) if citizen is not None else ()
    return rows_as(EntryFacts, await conn.fetch(query, *args))


async def entry(conn: Connection, entry_id: int, *, lock: bool = False) -> EntryFacts | None:
    query = f"{_FACTS} WHERE e.id = $1" + (" FOR UPDATE OF e" if lock else "")
    rows = rows_as(EntryFacts, await conn.fetch(query, entry_id))
    return rows[0] if rows else None


async def entries(
    conn: Connection, *, status: str | None, which: str | None, before_id: int | None, limit: int
) -> list[EntryFacts]:
    query = (
        f"{_FACTS} WHERE ($1::text IS NULL OR e.status = $1) AND ($2::text IS NULL OR e.list = $2)"
        " AND ($3::bigint IS NULL OR e.id < $3) ORDER BY e.id DESC LIMIT $4"
    )
    return rows_as(EntryFacts, await conn.fetch(query, status, which, before_id, limit))


async def citizen_entries(conn: Connection, citizen: int) -> list[EntryFacts]:
    """Every entry of the citizen that was ever published, newest first."""
    query = f"{_FACTS} WHERE e.citizen = $1 AND e.published_from IS NOT NULL ORDER BY e.id DESC"
    return rows_as(EntryFacts, await conn.fetch(query, citizen))


async def review(
    conn: Connection,
    entry_id: int,
    *,
    status: str,
    by: int,
    at: dt.datetime,
    reason: str,
    published: tuple[dt.date, dt.date] | None,
) -> None:
    await conn.execute(
        "UPDATE list_entry SET status = $2, reviewed_by = $3, reviewed_at = $4,"
        " review_reason = $5, published_from = $6, published_until = $7 WHERE id = $1",
        entry_id,
        status,
        by,
        at,
        reason,
        published[0] if published else None,
        published[1] if published else None,
    )


async def end(conn: Connection, entry_id: int, *, on: dt.date, cause: str) -> bool:
    """End an open entry; False when another run or an officer ended it first."""
    ended = await conn.fetchval(
        "UPDATE list_entry SET status = 'ended', ended_on = $2, end_cause = $3"
        " WHERE id = $1 AND status IN ('proposed', 'published') RETURNING true",
        entry_id,
        on,
        cause,
    )
    return bool(ended)


class Step(msgspec.Struct, frozen=True, kw_only=True):
    citizen: int  # the entry's: its steps sit with it (backend.platform.distribution)
    entry: int
    actor_kind: str
    actor_id: str
    action: str
    from_status: str | None
    to_status: str
    reason: str | None


async def add_steps(conn: Connection, steps: list[Step], *, today: dt.date) -> None:
    if not steps:
        return
    await conn.executemany(
        "INSERT INTO list_entry_step (entry, at, business_date, actor_kind, actor_id, action,"
        " from_status, to_status, reason, citizen)"
        " VALUES ($1, now(), $2, $3, $4, $5, $6, $7, $8, $9)",
        [
            (
                s.entry,
                today,
                s.actor_kind,
                s.actor_id,
                s.action,
                s.from_status,
                s.to_status,
                s.reason,
                s.citizen,
            )
            for s in steps
        ],
    )


class StepRow(msgspec.Struct, frozen=True, kw_only=True):
    action: str
    from_status: str | None
    to_status: str
    actor_kind: str
    business_date: dt.date
    reason: str | None


async def steps_of(conn: Connection, entry_id: int) -> list[StepRow]:
    rows = await conn.fetch(
        "SELECT action, from_status, to_status, actor_kind, business_date, reason"
        " FROM list_entry_step WHERE entry = $1 ORDER BY id",
        entry_id,
    )
    return rows_as(StepRow, rows)


# --- public disclosure (公示) ---------------------------------------------------------------------


class PublicFacts(EntryFacts, frozen=True, kw_only=True):
    """An entry's facts with what the public disclosure adds: the record's domain."""

    record_domain: str | None


# Published on $1: approved, within its period, and (for an entry on a record) its record still
# active, in display and not under an accepted objection (its penalty is suspended meanwhile:
# 联合惩戒措施在信息核实期间暂不执行). A rule's own test (a corrected record, a lost grade) is
# the caller's: ``standing.end_cause`` on every row, as everywhere else.
_PUBLISHED_ON = (
    " e.status = 'published' AND e.published_from <= $1::date AND $1::date < e.published_until"
    " AND (e.record IS NULL OR (r.status = 'active' AND r.display_until > $1::date"
    " AND NOT r.under_objection))"
)
_PUBLIC = f"SELECT {_COLUMNS}, r.domain AS record_domain{_JOINS} WHERE{_PUBLISHED_ON}"
_NEWEST_FIRST = " ORDER BY e.published_from DESC, e.id DESC"


async def published_entries(
    conn: Connection,
    *,
    today: dt.date,
    which: str,
    domain: str | None,
    department: str | None,
    after: tuple[dt.date, int] | None,
    limit: int,
) -> list[PublicFacts]:
    """One list's entries published on ``today``, newest first (``published_from``, then id),
    after the cursor's (``published_from``, id); optionally of one record domain or one
    deciding department (its API client code). An entry without a record (a grade rule) has
    neither, so either filter leaves it out."""
    query = (
        f"{_PUBLIC} AND e.list = $2::text"
        " AND ($3::text IS NULL OR r.domain = $3::text)"
        " AND ($4::text IS NULL OR d.code = $4::text)"
        " AND ($5::date IS NULL OR (e.published_from, e.id) < ($5::date, $6::bigint))"
        f"{_NEWEST_FIRST} LIMIT $7"
    )
    rows = await conn.fetch(
        query,
        today,
        which,
        domain,
        department,
        after[0] if after else None,
        after[1] if after else None,
        limit,
    )
    return rows_as(PublicFacts, rows)


async def published_entries_of(
    conn: Connection, *, today: dt.date, id_number_index: str, limit: int
) -> list[PublicFacts]:
    """The entries of both lists published on ``today`` about the citizen with this blind
    index (none for an index no citizen has), newest first."""
    query = f"{_PUBLIC} AND c.id_number_index = $2::text{_NEWEST_FIRST} LIMIT $3"
    return rows_as(PublicFacts, await conn.fetch(query, today, id_number_index, limit))
