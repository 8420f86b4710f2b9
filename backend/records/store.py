"""The SQL of records (记录): batch ingest, corrections, revocations, repairs, their history, and
the reads of a department's and a citizen's records. Services own the transactions and pass
their connection in."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

import msgspec

from backend.platform.rows import Connection, columns, row_as, rows_as

RecordStatus = Literal["active", "expired", "revoked", "repaired", "all"]


class RecordRow(msgspec.Struct, frozen=True, kw_only=True):
    """One record as stored (``status``: active | revoked | repaired)."""

    id: int
    citizen: int
    department: int
    record_type: str
    catalog_version: str
    domain: str
    polarity: str
    severity: str | None
    quantity: int
    occurred_on: dt.date
    decided_on: dt.date
    decision_document_no: str
    source_reference: str
    evidence_summary: str
    occupational_group: str | None
    status: str
    display_until: dt.date
    repairable_from: dt.date | None
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int
    under_objection: bool
    repaired_on: dt.date | None
    reported_on: dt.date
    """The business day (Asia/Shanghai) the department reported it."""
    reported_late: bool
    """Reported more than the integrity content's limit after ``decided_on`` (政务诚信)."""


class ShownRecord(RecordRow, frozen=True, kw_only=True):
    """A record with the department that reported it, as the API shows it."""

    department_code: str
    department_name: str


class HistoryRow(msgspec.Struct, frozen=True, kw_only=True):
    """One correction, revocation or repair; ``before``/``after`` are JSON text."""

    action: str
    reason: str
    before: str
    after: str
    at: dt.datetime


class CorrectedValues(msgspec.Struct, frozen=True, kw_only=True):
    """What a correction (更正) writes: the edited fields and those derived from the type."""

    record_type: str
    occurred_on: dt.date
    decided_on: dt.date
    decision_document_no: str
    evidence_summary: str
    quantity: int
    domain: str
    severity: str | None
    display_until: dt.date
    repairable_from: dt.date | None
    reported_late: bool


class NewRecords(msgspec.Struct, kw_only=True):
    """The records of one batch, column by column, for one ``unnest`` INSERT: ingest is measured
    (benchmarks/bench_ingest.py), so there is no Struct per record. ``report``: the substantiated
    report (举报) the record follows from, if any."""

    citizen: list[int] = msgspec.field(default_factory=list)
    record_type: list[str] = msgspec.field(default_factory=list)
    domain: list[str] = msgspec.field(default_factory=list)
    polarity: list[str] = msgspec.field(default_factory=list)
    severity: list[str | None] = msgspec.field(default_factory=list)
    quantity: list[int] = msgspec.field(default_factory=list)
    occurred_on: list[dt.date] = msgspec.field(default_factory=list)
    decided_on: list[dt.date] = msgspec.field(default_factory=list)
    decision_document_no: list[str] = msgspec.field(default_factory=list)
    source_reference: list[str] = msgspec.field(default_factory=list)
    evidence_summary: list[str] = msgspec.field(default_factory=list)
    occupational_group: list[str | None] = msgspec.field(default_factory=list)
    display_until: list[dt.date] = msgspec.field(default_factory=list)
    repairable_from: list[dt.date | None] = msgspec.field(default_factory=list)
    reported_late: list[bool] = msgspec.field(default_factory=list)
    report: list[int | None] = msgspec.field(default_factory=list)


# --- batch ingest: rows stay raw, straight into dicts (one statement per step, measured) -------


async def citizen_ids(conn: Connection, indexes: list[str]) -> dict[str, int]:
    """ID number's index → citizen id."""
    rows = await conn.fetch(
        "SELECT id, id_number_index FROM citizen WHERE id_number_index = ANY($1::text[])", indexes
    )
    return {row["id_number_index"]: row["id"] for row in rows}


async def names_on_file(conn: Connection, indexes: list[str]) -> dict[str, str]:
    """ID number's index → the population registry's name, else the citizen's."""
    rows = await conn.fetch(
        "SELECT t.i, coalesce(r.name, c.name) AS name FROM unnest($1::text[]) AS t(i)"
        " LEFT JOIN population_registry r ON r.id_number_index = t.i"
        " LEFT JOIN citizen c ON c.id_number_index = t.i",
        indexes,
    )
    return {row["i"]: row["name"] for row in rows if row["name"] is not None}


async def record_ids(conn: Connection, department: int, references: list[str]) -> dict[str, int]:
    """Source reference → id of the department's records stored under these references."""
    rows = await conn.fetch(
        "SELECT r.id, r.source_reference FROM unnest($2::text[]) AS t(ref)"
        " JOIN record r ON r.department = $1 AND r.source_reference = t.ref",
        department,
        references,
    )
    return {row["source_reference"]: row["id"] for row in rows}


class CitizenOnFile(msgspec.Struct, frozen=True):
    """What a batch needs of the person an ID number's blind index names: the citizen's id
    (None: no citizen yet) and the name on file (the population registry's, else the
    citizen's; None: neither knows the person)."""

    id: int | None
    name: str | None


_LOOKUP_CITIZENS = (
    "SELECT NULL::text AS ref, t.i, c.id, coalesce(r.name, c.name) AS name"
    " FROM unnest($3::text[]) AS t(i)"
    " LEFT JOIN population_registry r ON r.id_number_index = t.i"
    " LEFT JOIN citizen c ON c.id_number_index = t.i"
)
# A join on unnest, not ``= ANY``: each reference is one probe of the unique index, where a
# filter ``= ANY`` of 1,000 references over the department's rows grows with its records.
_LOOKUP_RECORDS = (
    "SELECT r.source_reference AS ref, NULL::text AS i, r.id, NULL::text AS name"
    " FROM unnest($2::text[]) AS t(ref)"
    " JOIN record r ON r.department = $1 AND r.source_reference = t.ref"
)
_LOOKUP_BATCH = f"{_LOOKUP_RECORDS} UNION ALL {_LOOKUP_CITIZENS}"


async def batch_lookup(
    conn: Connection, department: int, references: list[str], indexes: list[str]
) -> tuple[dict[str, int], dict[str, CitizenOnFile]]:
    """In one statement: source reference → id of the department's records stored under these
    references, and ID number's index → the citizen and the name on file."""
    rows = await conn.fetch(_LOOKUP_BATCH, department, references, indexes)
    stored: dict[str, int] = {}
    citizens: dict[str, CitizenOnFile] = {}
    for ref, index, id_, name in rows:
        if ref is not None:
            stored[ref] = id_
        elif id_ is not None or name is not None:
            citizens[index] = CitizenOnFile(id_, name)
    return stored, citizens


async def insert_citizens(
    conn: Connection, indexes: list[str], encrypted: list[bytes], names: list[str]
) -> dict[str, int]:
    """Create the citizens not known yet; ID number's index → id of those this inserted (one a
    batch running alongside created first is not among them, and keeps its name)."""
    rows = await conn.fetch(
        "INSERT INTO citizen (id_number_index, id_number_encrypted, name, created_at,"
        " change_counter)"
        " SELECT i, e, n, now(), 0 FROM unnest($1::text[], $2::bytea[], $3::text[]) AS t(i, e, n)"
        " ON CONFLICT (id_number_index) DO NOTHING RETURNING id_number_index, id",
        indexes,
        encrypted,
        names,
    )
    return {index: id_ for index, id_ in rows}


# One statement for a batch's records and what must be written with them (a reference the
# department used before inserts nothing, and so adds nothing else): the audit entries of the
# batch and of each report it links, and one follow-up row naming the records inserted. The
# follow-up (``follow_up`` below, run by a job after the request) writes each record's exchange
# event and moves each citizen's change counter: nothing the department is answered with
# depends on them, and they cost the database more than the records themselves (issue 17). The
# row is written here, in the records' transaction, so they cannot be lost: it is the batch's
# transactional outbox. The sub-statements of one WITH see the same snapshot, so everything
# after the INSERT works from its RETURNING rows.
_INSERT_BATCH = (
    "WITH ins AS ("
    " INSERT INTO record (department, catalog_version, citizen, record_type, domain, polarity,"
    " severity, quantity, occurred_on, decided_on, decision_document_no, source_reference,"
    " evidence_summary, occupational_group, display_until, repairable_from, reported_late,"
    " report, status, created_at, updated_at, version, reported_on)"
    " SELECT $1, $2, t.*, 'active', now(), now(), 1, $19 FROM unnest($3::bigint[], $4::text[],"
    " $5::text[], $6::text[], $7::text[], $8::int[], $9::date[], $10::date[], $11::text[],"
    " $12::text[], $13::text[], $14::text[], $15::date[], $16::date[], $17::boolean[],"
    " $18::bigint[]) AS t"
    " ON CONFLICT (department, source_reference) DO NOTHING"
    " RETURNING id, source_reference, report"
    "), follow AS ("
    " INSERT INTO ingest_follow_up (department, records, first_record, last_record, created_at)"
    " SELECT $1, array_agg(id ORDER BY id), min(id), max(id), now() FROM ins"
    " HAVING count(*) > 0 RETURNING id"
    "), audit AS ("
    " INSERT INTO audit_log (at, actor_kind, actor_id, action, object_type, object_id, after,"
    " request_id)"
    " SELECT now(), $20, $21, 'report.linked', 'report', report::text,"
    " jsonb_build_object('recordId', id), $22 FROM ins WHERE report IS NOT NULL"
    " UNION ALL"
    " SELECT now(), $20, $21, 'record.ingest', 'record_batch', min(id)::text,"
    " jsonb_build_object('accepted', jsonb_agg(id ORDER BY id)), $22 FROM ins"
    " HAVING count(*) > 0"
    ") SELECT source_reference, id, (SELECT id FROM follow) FROM ins"
)


class InsertedBatch(msgspec.Struct, frozen=True):
    """What a batch's insert stored: source reference → record id, and the id of the follow-up
    row to run (None when nothing was inserted)."""

    records: dict[str, int]
    follow_up: int | None


async def insert_batch(
    conn: Connection,
    new: NewRecords,
    *,
    department: int,
    catalog_version: str,
    reported_on: dt.date,
    actor_kind: str,
    actor_id: str,
    request_id: str | None,
) -> InsertedBatch:
    """Insert the batch's records, active, reported on the business day ``reported_on``, with
    their audit entries and their follow-up row (see ``_INSERT_BATCH``)."""
    rows = await conn.fetch(
        _INSERT_BATCH,
        department,
        catalog_version,
        *(getattr(new, name) for name in NewRecords.__struct_fields__),
        reported_on,
        actor_kind,
        actor_id,
        request_id,
    )
    return InsertedBatch(
        records={ref: id_ for ref, id_, _ in rows}, follow_up=rows[0][2] if rows else None
    )


# --- the follow-up of an ingested batch -----------------------------------------------------

# Run follow-ups (their rows locked by the caller): delete them and, for the records they name,
# write one 'record.added' exchange event each (the payload never holds the ID number) and move
# each citizen's change counter once (ids sorted, as every writer takes them, so concurrent
# follow-ups cannot deadlock). A follow-up already run (deleted by another transaction) writes
# nothing: running one twice is harmless. Every later change of a record runs its pending
# follow-up first (``follow_ups_of_record``), so the record is read here as it was inserted and
# its event comes before the change's. Returns the citizens whose counters moved.
_RUN_FOLLOW_UPS = (
    "WITH done AS ("
    " DELETE FROM ingest_follow_up WHERE id = ANY($1::bigint[]) RETURNING records"
    "), added AS ("
    " SELECT r.id, r.citizen, r.department, r.source_reference, r.record_type, r.occurred_on,"
    " r.decided_on, r.quantity, r.decision_document_no, r.evidence_summary"
    " FROM (SELECT unnest(records) AS id FROM done) AS d JOIN record r ON r.id = d.id"
    "), exchange AS ("
    " INSERT INTO exchange_event (kind, subject, citizen, payload)"
    " SELECT 'record.added', id, citizen, jsonb_build_object('department', department,"
    " 'sourceReference', source_reference, 'record_type', record_type, 'occurred_on',"
    " occurred_on, 'decided_on', decided_on, 'quantity', quantity, 'decision_document_no',"
    " decision_document_no, 'evidence_summary', evidence_summary, 'status', 'active')"
    " FROM added ORDER BY id"
    "), citizens AS ("
    " SELECT DISTINCT citizen FROM added"
    "), counters AS ("
    " UPDATE citizen SET change_counter = change_counter + 1"
    " WHERE id = ANY(ARRAY(SELECT citizen FROM citizens ORDER BY citizen))"
    ") SELECT citizen FROM citizens ORDER BY citizen"
)


async def pending_follow_ups(
    conn: Connection, *, limit: int, only: list[int] | None = None
) -> list[int]:
    """The oldest follow-ups (of ``only``, when given) not being run by another transaction,
    locked until commit."""
    rows = await conn.fetch(
        "SELECT id FROM ingest_follow_up WHERE $2::bigint[] IS NULL OR id = ANY($2::bigint[])"
        " ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED",
        limit,
        only,
    )
    return [row[0] for row in rows]


async def follow_ups_of_record(conn: Connection, record_id: int) -> list[int]:
    """The follow-up still pending for this record, if any, locked until commit (waiting for a
    job running it: after that job commits, it is gone). Pending follow-ups are few (a job runs
    each within seconds), so the scan is short without an index."""
    rows = await conn.fetch(
        "SELECT id FROM ingest_follow_up WHERE first_record <= $1 AND last_record >= $1"
        " AND $1 = ANY(records) FOR UPDATE",
        record_id,
    )
    return [row[0] for row in rows]


async def run_follow_ups(conn: Connection, ids: list[int]) -> list[int]:
    """Run these (locked) follow-ups; the citizens whose change counters moved."""
    if not ids:
        return []
    rows = await conn.fetch(_RUN_FOLLOW_UPS, ids)
    return [row[0] for row in rows]


async def bump_change_counters(conn: Connection, citizens: list[int]) -> None:
    await conn.execute(
        "UPDATE citizen SET change_counter = change_counter + 1 WHERE id = ANY($1::bigint[])",
        citizens,
    )


# --- corrections, revocations, repairs ----------------------------------------------------------


async def referenced_record(conn: Connection, record_id: int) -> RecordRow:
    """A record another row references (a case's), so it exists: the foreign key says so."""
    found = row_as(
        RecordRow,
        await conn.fetchrow(f"SELECT {columns(RecordRow)} FROM record WHERE id = $1", record_id),
    )
    assert found is not None, f"record {record_id} is referenced, so it exists"
    return found


async def record_for_update(conn: Connection, record_id: int) -> RecordRow | None:
    row = await conn.fetchrow(
        f"SELECT {columns(RecordRow)} FROM record WHERE id = $1 FOR UPDATE", record_id
    )
    return row_as(RecordRow, row)


async def write_correction(conn: Connection, record_id: int, new: CorrectedValues) -> None:
    await conn.execute(
        "UPDATE record SET record_type = $2, occurred_on = $3, decided_on = $4,"
        " decision_document_no = $5, evidence_summary = $6, quantity = $7, domain = $8,"
        " severity = $9, display_until = $10, repairable_from = $11, reported_late = $12,"
        " version = version + 1, updated_at = now() WHERE id = $1",
        record_id,
        new.record_type,
        new.occurred_on,
        new.decided_on,
        new.decision_document_no,
        new.evidence_summary,
        new.quantity,
        new.domain,
        new.severity,
        new.display_until,
        new.repairable_from,
        new.reported_late,
    )


async def write_revocation(conn: Connection, record_id: int) -> None:
    await conn.execute(
        "UPDATE record SET status = 'revoked', version = version + 1, updated_at = now()"
        " WHERE id = $1",
        record_id,
    )


async def write_repair(conn: Connection, record_id: int, repaired_on: dt.date) -> None:
    await conn.execute(
        "UPDATE record SET status = 'repaired', repaired_on = $2, version = version + 1,"
        " updated_at = now() WHERE id = $1",
        record_id,
        repaired_on,
    )


async def insert_history(
    conn: Connection,
    record_id: int,
    *,
    citizen: int,
    action: str,
    before: str,
    after: str,
    reason: str,
    actor_id: str,
) -> None:
    """``before``/``after``: the record's values as JSON text."""
    await conn.execute(
        "INSERT INTO record_history (record, action, before, after, reason, actor_id, at,"
        " citizen) VALUES ($1, $2, $3::jsonb, $4::jsonb, $5, $6, now(), $7)",
        record_id,
        action,
        before,
        after,
        reason,
        actor_id,
        citizen,
    )


async def department_name(conn: Connection, department: int) -> str:
    """Of a record's department, which always exists (the record's foreign key)."""
    name: str = await conn.fetchval("SELECT name FROM api_client WHERE id = $1", department)
    return name


# --- reading ------------------------------------------------------------------------------------

_SHOWN = (
    f"SELECT {columns(RecordRow, 'r')}, d.code AS department_code, d.name AS department_name"
    " FROM record r JOIN api_client d ON d.id = r.department"
)


async def department_record(
    conn: Connection, record_id: int, department: int
) -> ShownRecord | None:
    row = await conn.fetchrow(
        f"{_SHOWN} WHERE r.id = $1 AND r.department = $2", record_id, department
    )
    return row_as(ShownRecord, row)


async def record_history(conn: Connection, record_id: int) -> list[HistoryRow]:
    rows = await conn.fetch(
        f"SELECT {columns(HistoryRow)} FROM record_history WHERE record = $1 ORDER BY at, id",
        record_id,
    )
    return rows_as(HistoryRow, rows)


async def citizen_id_number_encrypted(conn: Connection, citizen_id: int) -> bytes:
    """Of a record's citizen, who always exists (the record's foreign key)."""
    encrypted: bytes = await conn.fetchval(
        "SELECT id_number_encrypted FROM citizen WHERE id = $1", citizen_id
    )
    return encrypted


# ``today`` is $2 in every filter, so the parameters after it number the same whatever the status.
_STATUS_FILTER = {
    "active": "r.status = 'active' AND r.display_until > $2",
    "expired": "r.status = 'active' AND r.display_until <= $2",
    "revoked": "r.status = 'revoked' AND $2::date IS NOT NULL",
    "repaired": "r.status = 'repaired' AND $2::date IS NOT NULL",
    "all": "$2::date IS NOT NULL",
}


async def citizen_records(
    conn: Connection,
    citizen_id: int,
    *,
    today: dt.date,
    status: RecordStatus,
    polarity: str | None,
    domain: str | None,
    after: tuple[dt.date, int] | None,
    limit: int,
) -> list[ShownRecord]:
    """One page of the citizen's records, newest occurrence first, after the cursor's
    (occurred_on, id) when given."""
    sql = f"{_SHOWN} WHERE r.citizen = $1 AND {_STATUS_FILTER[status]}"
    args: list[Any] = [citizen_id, today]
    if polarity is not None:
        args.append(polarity)
        sql += f" AND r.polarity = ${len(args)}"
    if domain is not None:
        args.append(domain)
        sql += f" AND r.domain = ${len(args)}"
    if after is not None:
        args.extend(after)
        sql += f" AND (r.occurred_on, r.id) < (${len(args) - 1}, ${len(args)})"
    args.append(limit)
    sql += f" ORDER BY r.occurred_on DESC, r.id DESC LIMIT ${len(args)}"
    return rows_as(ShownRecord, await conn.fetch(sql, *args))


class ReportedSubject(msgspec.Struct, frozen=True, kw_only=True):
    """Whom a substantiated report was about: a person by the blind index of the ID number it
    gave, or by name alone; or an organisation (its responsible person may be recorded)."""

    id: int
    subject_kind: str
    subject_name: str
    person_key: str | None


async def substantiated_reports(
    conn: Connection, report_ids: list[int], department: int
) -> dict[int, ReportedSubject]:
    """Of ``report_ids``, the reports routed to ``department`` and found substantiated."""
    rows = await conn.fetch(
        "SELECT id, subject_kind, subject_name, CASE WHEN subject_kind = 'person'"
        " AND subject_code_encrypted IS NOT NULL THEN subject_key END AS person_key FROM report"
        " WHERE id = ANY($1::bigint[]) AND department = $2 AND status = 'substantiated'",
        report_ids,
        department,
    )
    return {row["id"]: ReportedSubject(**row) for row in rows}
