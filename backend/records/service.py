"""Record rules: batch ingest (idempotent per department and source reference), corrections and
revocations of a department's own records, and the citizen's own record list."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

import msgspec

from backend.identity.id_number import InvalidIdNumber, mask_id_number, normalize_id_number
from backend.identity.principals import ClientPrincipal
from backend.identity.service import decrypt_id_number, encrypt_id_number, id_number_index
from backend.identity.verifier import names_match, normalize_person_name
from backend.notifications.jobs import wake_relay
from backend.platform import runtime
from backend.platform.audit import Actor, write_audit
from backend.platform.calendar import today_in_shanghai
from backend.platform.database import connection, transaction
from backend.platform.errors import (
    Conflict,
    InvalidInput,
    NotFound,
    PayloadTooLarge,
    field_and_reason,
)
from backend.platform.language import say
from backend.platform.pagination import Page, check_limit, decode_cursor, page_of
from backend.records.catalog import RecordType, catalog_set, display_until, repairable_from
from backend.records.notify import record_changed
from backend.records.schemas import (
    BatchItemResult,
    BatchResult,
    DepartmentRecordOut,
    DepartmentRef,
    HistoryEntry,
    RecordCorrection,
    RecordIn,
    RecordOut,
)
from backend.scoring.queue import enqueue_rescore
from backend.scoring.views import points_effects

RecordStatus = Literal["active", "expired", "revoked", "repaired", "all"]
_MAX_ID = 2**63 - 1  # record ids are PostgreSQL bigint
NAME_MISMATCH = (
    "与该身份证号登记的姓名不一致（以人口信息库为准，否则以首次报送的姓名为准），请核对姓名和"
    "身份证号",
    "does not match the name on file for this ID number (the population registry's, else the"
    " name first reported); check the name and the ID number",
)


class ItemRejected(Exception):
    def __init__(self, field: str, reason: str) -> None:
        super().__init__(reason)
        self.field = field
        self.reason = reason


@dataclass
class _Accepted:
    index: int
    item: RecordIn
    id_number: str
    record_type: RecordType
    decided_on: dt.date
    citizen_name: str  # normalised; the name on file once it has been checked against it


def _check_dates(occurred_on: dt.date, decided_on: dt.date, today: dt.date) -> None:
    if occurred_on > today:
        raise ItemRejected("occurredOn", say("不能晚于今天", "is in the future"))
    if decided_on > today:
        raise ItemRejected("decidedOn", say("不能晚于今天", "is in the future"))
    if decided_on < occurred_on:
        raise ItemRejected("decidedOn", say("不能早于行为发生日期", "is before occurredOn"))


def _resolve_type(code: str, client: ClientPrincipal, field: str = "recordType") -> RecordType:
    catalog = catalog_set().in_force(today_in_shanghai())
    record_type = catalog.get(code)
    if record_type is None:
        raise ItemRejected(
            field,
            say(
                f"目录 {catalog.version} 中没有记录类型 {code!r}",
                f"unknown record type {code!r} in catalog {catalog.version}",
            ),
        )
    if not client.may_report(record_type.code, record_type.domain):
        raise ItemRejected(
            field,
            say(
                f"记录类型 {code!r} 不在本单位的报送范围内",
                f"record type {code!r} is outside this department's scopes",
            ),
        )
    return record_type


def _parse_item(index: int, raw: Any, client: ClientPrincipal, today: dt.date) -> _Accepted:
    try:
        item = msgspec.convert(raw, RecordIn)
    except msgspec.ValidationError as exc:
        raise ItemRejected(*field_and_reason(str(exc), "record")) from exc
    try:
        id_number = normalize_id_number(item.citizen_id_number, today)
    except InvalidIdNumber as exc:
        raise ItemRejected(
            "citizenIdNumber", say(f"身份证号无效：{exc.zh}", f"invalid ID number: {exc.en}")
        ) from exc
    citizen_name = normalize_person_name(item.citizen_name)
    if not citizen_name:
        raise ItemRejected("citizenName", say("不能为空白", "is blank"))
    record_type = _resolve_type(item.record_type, client)
    decided_on = item.decided_on or item.occurred_on
    _check_dates(item.occurred_on, decided_on, today)
    return _Accepted(index, item, id_number, record_type, decided_on, citizen_name)


def _source_reference(raw: Any) -> str | None:
    value = raw.get("sourceReference") if isinstance(raw, dict) else None
    return value if isinstance(value, str) else None


async def _upsert_citizens(conn: Any, accepted: Sequence[_Accepted]) -> dict[str, int]:
    by_index: dict[str, _Accepted] = {}
    for a in accepted:
        by_index.setdefault(id_number_index(a.id_number), a)
    # One global order: concurrent batches naming the same new citizens cannot deadlock.
    indexes = sorted(by_index)
    await conn.execute(
        "INSERT INTO citizen (id_number_index, id_number_encrypted, name, created_at,"
        " change_counter)"
        " SELECT i, e, n, now(), 0 FROM unnest($1::text[], $2::bytea[], $3::text[]) AS t(i, e, n)"
        " ON CONFLICT (id_number_index) DO NOTHING",
        indexes,
        [encrypt_id_number(by_index[i].id_number) for i in indexes],
        [by_index[i].citizen_name for i in indexes],
    )
    rows = await conn.fetch(
        "SELECT id, id_number_index FROM citizen WHERE id_number_index = ANY($1::text[])", indexes
    )
    return {row["id_number_index"]: row["id"] for row in rows}


async def _names_on_file(conn: Any, indexes: list[str]) -> dict[str, str]:
    """The name on file per ID number's index: the population registry's, else the citizen's
    (the name first reported, or the one verified at sign-up)."""
    rows = await conn.fetch(
        "SELECT t.i, coalesce(r.name, c.name) AS name FROM unnest($1::text[]) AS t(i)"
        " LEFT JOIN population_registry r ON r.id_number_index = t.i"
        " LEFT JOIN citizen c ON c.id_number_index = t.i",
        indexes,
    )
    return {row["i"]: row["name"] for row in rows if row["name"] is not None}


async def _drop_name_mismatches(
    conn: Any,
    accepted: list[_Accepted],
    resubmitted: set[str],
    rejected: dict[str, BatchItemResult],
) -> list[_Accepted]:
    """The items whose citizen name matches the name on file for their ID number (姓名与身份证号
    一致); the others go to ``rejected`` by source reference. An ID number with no name on file
    takes the first name this batch gives it. Resubmissions of stored records pass: they are
    answered as duplicates, whatever the registry says now."""
    on_file = await _names_on_file(conn, sorted({id_number_index(a.id_number) for a in accepted}))
    kept: list[_Accepted] = []
    for a in accepted:
        ref = a.item.source_reference
        if ref not in resubmitted:
            name = on_file.setdefault(id_number_index(a.id_number), a.citizen_name)
            if not names_match(name, a.citizen_name):
                rejected[ref] = BatchItemResult(
                    index=a.index,
                    source_reference=ref,
                    status="rejected",
                    field="citizenName",
                    reason=say(*NAME_MISMATCH),
                )
                continue
            a.citizen_name = normalize_person_name(name)
        kept.append(a)
    return kept


async def _named_citizens(
    conn: Any,
    client: ClientPrincipal,
    fresh: list[_Accepted],
    misnamed: dict[str, BatchItemResult],
) -> tuple[list[_Accepted], dict[str, int]]:
    """Drop the items whose name is not the one on file, create the new citizens; return the
    items kept and the citizen id per ID number's index."""
    references = sorted({a.item.source_reference for a in fresh})
    resubmitted = set(await _existing_ids(conn, client.client_id, references))
    kept = await _drop_name_mismatches(conn, fresh, resubmitted, misnamed)
    citizens = await _upsert_citizens(conn, kept)
    # Again against the stored names: a batch running alongside may have reported one of these
    # new citizens first, under another name.
    return await _drop_name_mismatches(conn, kept, resubmitted, misnamed), citizens


def _add_name_rejections(
    results: dict[int, BatchItemResult], misnamed: dict[str, BatchItemResult]
) -> None:
    """Put the name rejections in ``results``; a repeat of such an item in the same batch is
    rejected the same way, not a duplicate of a record that was never stored."""
    results.update({r.index: r for r in misnamed.values()})
    for result in results.values():
        rejected = misnamed.get(result.source_reference or "")
        if result.status == "duplicate" and rejected is not None:
            result.status, result.field, result.reason = "rejected", rejected.field, rejected.reason


async def _insert_records(
    conn: Any, client: ClientPrincipal, accepted: Sequence[_Accepted], citizens: dict[str, int]
) -> dict[str, int]:
    catalog_version = catalog_set().in_force(today_in_shanghai()).version
    columns: dict[str, list[Any]] = {k: [] for k in _INSERT_COLUMNS}
    # Inserted in source-reference order, so overlapping concurrent batches cannot deadlock.
    for a in sorted(accepted, key=lambda a: a.item.source_reference):
        t = a.record_type
        values = (
            citizens[id_number_index(a.id_number)],
            t.code,
            t.domain,
            t.polarity,
            t.severity,
            a.item.quantity,
            a.item.occurred_on,
            a.decided_on,
            a.item.decision_document_no,
            a.item.source_reference,
            a.item.evidence_summary,
            a.item.occupational_group,
            display_until(t, a.decided_on),
            repairable_from(t, a.decided_on),
        )
        for key, value in zip(_INSERT_COLUMNS, values, strict=True):
            columns[key].append(value)
    rows = await conn.fetch(_INSERT_SQL, client.client_id, catalog_version, *columns.values())
    return {row["source_reference"]: row["id"] for row in rows}


_INSERT_COLUMNS = (
    "citizen",
    "record_type",
    "domain",
    "polarity",
    "severity",
    "quantity",
    "occurred_on",
    "decided_on",
    "decision_document_no",
    "source_reference",
    "evidence_summary",
    "occupational_group",
    "display_until",
    "repairable_from",
)
_INSERT_SQL = (
    "INSERT INTO record (department, catalog_version, citizen, record_type, domain, polarity,"
    " severity, quantity, occurred_on, decided_on, decision_document_no, source_reference,"
    " evidence_summary, occupational_group, display_until, repairable_from, status, created_at,"
    " updated_at, version)"
    " SELECT $1, $2, t.*, 'active', now(), now(), 1 FROM unnest($3::bigint[], $4::text[],"
    " $5::text[], $6::text[], $7::text[], $8::int[], $9::date[], $10::date[], $11::text[],"
    " $12::text[], $13::text[], $14::text[], $15::date[], $16::date[]) AS t"
    " ON CONFLICT (department, source_reference) DO NOTHING RETURNING id, source_reference"
)


async def _existing_ids(conn: Any, client_id: int, references: list[str]) -> dict[str, int]:
    rows = await conn.fetch(
        "SELECT id, source_reference FROM record WHERE department = $1"
        " AND source_reference = ANY($2::text[])",
        client_id,
        references,
    )
    return {row["source_reference"]: row["id"] for row in rows}


def _check_batch_size(count: int) -> None:
    limit = runtime.current().settings.batch_max_records
    if count > limit:
        raise PayloadTooLarge(
            say(
                f"每批最多 {limit} 条记录，本批有 {count} 条，请拆分后报送",
                f"a batch holds at most {limit} records; this one has {count}: split it",
            ),
            field="records",
            code="batch-too-large",
        )


async def ingest_batch(raw_items: list[Any], client: ClientPrincipal) -> BatchResult:
    """Accept the good items, reject the bad ones with a reason, report resubmissions as
    duplicates; all in one transaction."""
    _check_batch_size(len(raw_items))
    today = today_in_shanghai()
    results: dict[int, BatchItemResult] = {}
    fresh: list[_Accepted] = []
    seen: set[str] = set()
    for index, raw in enumerate(raw_items):
        try:
            accepted = _parse_item(index, raw, client, today)
        except ItemRejected as exc:
            results[index] = BatchItemResult(
                index=index,
                source_reference=_source_reference(raw),
                status="rejected",
                field=exc.field,
                reason=exc.reason,
            )
            continue
        if accepted.item.source_reference not in seen:
            seen.add(accepted.item.source_reference)
            fresh.append(accepted)
        else:
            results[index] = BatchItemResult(
                index=index, source_reference=accepted.item.source_reference, status="duplicate"
            )
    inserted: dict[str, int] = {}
    changed: set[int] = set()
    misnamed: dict[str, BatchItemResult] = {}
    async with transaction() as conn:
        if fresh:
            fresh, citizens = await _named_citizens(conn, client, fresh, misnamed)
            inserted = await _insert_records(conn, client, fresh, citizens)
            changed = {
                citizens[id_number_index(a.id_number)]
                for a in fresh
                if a.item.source_reference in inserted
            }
            # The counter makes re-scoring certain (job, else the minute sweep); re-scoring
            # tells the citizen of each new record with the points it actually moved.
            await _bump_change_counters(conn, changed)
        existing = await _existing_ids(conn, client.client_id, sorted(seen - set(inserted)))
        if inserted:
            await write_audit(
                conn,
                client.actor,
                "record.ingest",
                "record_batch",
                min(inserted.values()),
                after={"accepted": sorted(inserted.values())},
            )
    for a in fresh:
        ref = a.item.source_reference
        status: Literal["accepted", "duplicate"] = "accepted" if ref in inserted else "duplicate"
        results[a.index] = BatchItemResult(
            index=a.index,
            source_reference=ref,
            status=status,
            record_id=inserted.get(ref) or existing.get(ref),
        )
    _add_name_rejections(results, misnamed)
    for result in results.values():
        if result.status == "duplicate" and result.record_id is None:
            ref = result.source_reference or ""
            result.record_id = inserted.get(ref) or existing.get(ref)
    await enqueue_rescore(changed)
    if changed:
        await wake_relay()
    items = [results[i] for i in sorted(results)]
    return BatchResult(
        accepted=sum(1 for r in items if r.status == "accepted"),
        duplicate=sum(1 for r in items if r.status == "duplicate"),
        rejected=sum(1 for r in items if r.status == "rejected"),
        items=items,
    )


async def _bump_change_counters(conn: Any, citizen_ids: set[int]) -> None:
    """Each change to a citizen's records moves their counter; re-scoring compares against it."""
    if citizen_ids:
        await conn.execute(
            "UPDATE citizen SET change_counter = change_counter + 1 WHERE id = ANY($1::bigint[])",
            sorted(citizen_ids),
        )


# --- corrections and revocations --------------------------------------------------------------

_EDITABLE = (
    "record_type",
    "occurred_on",
    "decided_on",
    "decision_document_no",
    "evidence_summary",
    "quantity",
)


def _snapshot(row: Any) -> dict[str, Any]:
    return {key: msgspec.to_builtins(row[key]) for key in (*_EDITABLE, "status")}


def _not_found(record_id: int) -> NotFound:
    return NotFound(
        say(
            f"记录 {record_id} 不是本单位报送的记录",
            f"record {record_id} is not one of this department's records",
        )
    )


async def _own_record_for_update(conn: Any, record_id: int, client: ClientPrincipal) -> Any:
    if not 1 <= record_id <= _MAX_ID:
        raise _not_found(record_id)
    row = await conn.fetchrow("SELECT * FROM record WHERE id = $1 FOR UPDATE", record_id)
    if row is None or row["department"] != client.client_id:
        # Another department's record is reported exactly like a missing one.
        raise _not_found(record_id)
    return row


def _corrected_values(
    row: Any, change: RecordCorrection, client: ClientPrincipal
) -> dict[str, Any]:
    new = {key: row[key] for key in _EDITABLE}
    for key in _EDITABLE:
        value = getattr(change, key)
        if value is not None:
            new[key] = value
    try:
        record_type = _resolve_type(new["record_type"], client)
        _check_dates(new["occurred_on"], new["decided_on"], today_in_shanghai())
    except ItemRejected as exc:
        raise InvalidInput(exc.reason, field=exc.field) from exc
    if record_type.polarity != row["polarity"]:
        raise InvalidInput(
            say(
                "更正不能把优良记录改为失信记录或反之；请撤销后重新报送",
                "a correction cannot turn a good record into a bad one or back; revoke and"
                " report anew",
            ),
            field="recordType",
        )
    new["domain"], new["severity"] = record_type.domain, record_type.severity
    new["display_until"] = display_until(record_type, new["decided_on"])
    new["repairable_from"] = repairable_from(record_type, new["decided_on"])
    return new


def check_correction(row: Any, change: RecordCorrection, client: ClientPrincipal) -> None:
    """Raise InvalidInput unless ``change`` is a valid correction of ``row`` by ``client``."""
    _corrected_values(row, change, client)


async def correct_record(
    record_id: int, change: RecordCorrection, client: ClientPrincipal
) -> DepartmentRecordOut:
    """The department corrects its own record (更正); its open repair applications end, since
    the corrected record is a different finding with its own paths and dates."""
    async with transaction() as conn:
        row = await _own_record_for_update(conn, record_id, client)
        if await apply_correction(conn, row, change, client, client.actor):
            await _end_open_repairs(conn, row, "corrected", change.reason, client.actor)
    await enqueue_rescore([row["citizen"]])
    await wake_relay()
    return await department_record(record_id, client)


async def apply_correction(
    conn: Any, row: Any, change: RecordCorrection, client: ClientPrincipal, actor: Actor
) -> bool:
    """Correct a locked record row inside the caller's transaction (old values to history).
    ``client`` is the owning department (its scopes bound the new type); ``actor`` who acts.
    Returns False for a correction that changes nothing (a retry)."""
    if row["status"] == "revoked":
        raise Conflict(
            say("已撤销的记录不能更正", "a revoked record cannot be corrected"),
            code="record-revoked",
        )
    _refuse_if_repaired(row, say("更正", "corrected"))
    new = _corrected_values(row, change, client)
    if all(new[key] == row[key] for key in _EDITABLE):
        return False
    sets = ", ".join(f"{key} = ${n}" for n, key in enumerate(new, start=2))
    await conn.execute(
        f"UPDATE record SET {sets}, version = version + 1, updated_at = now() WHERE id = $1",
        row["id"],
        *new.values(),
    )
    after = {**_snapshot(row), **{k: msgspec.to_builtins(new[k]) for k in _EDITABLE}}
    await _write_history(conn, row, "corrected", change.reason, actor, after)
    await _bump_change_counters(conn, {row["citizen"]})
    await record_changed(conn, row, "corrected", change.reason)
    return True


async def revoke_record(
    record_id: int, reason: str, client: ClientPrincipal
) -> DepartmentRecordOut:
    """The department revokes its own record (撤销); its open repair applications end, since
    a record that no longer counts has nothing to repair."""
    async with transaction() as conn:
        row = await _own_record_for_update(conn, record_id, client)
        if await apply_revocation(conn, row, reason, client.actor):
            await _end_open_repairs(conn, row, "revoked", reason, client.actor)
    await enqueue_rescore([row["citizen"]])
    await wake_relay()
    return await department_record(record_id, client)


class RecordEnded(Protocol):
    """What another domain does, in the same transaction, when a department revokes or corrects
    one of its records (the repairs domain ends the record's open applications)."""

    async def __call__(
        self,
        conn: Any,
        *,
        record_id: int,
        outcome: Literal["revoked", "corrected"],
        reason: str,
        actor: Actor,
    ) -> object: ...


# Installed by the wiring (``backend.wiring``): the records domain names no domain above it.
_when_record_ended: dict[str, RecordEnded] = {}


def when_record_ended(name: str, handler: RecordEnded) -> None:
    """Register (or replace) what happens when a department revokes or corrects a record."""
    _when_record_ended[name] = handler


async def _end_open_repairs(
    conn: Any, record: Any, outcome: Literal["revoked", "corrected"], reason: str, actor: Actor
) -> None:
    """Tell the domains that care, inside the caller's transaction (the caller holds the
    record's lock): the record's open repair applications end (终止办理)."""
    for handler in _when_record_ended.values():
        await handler(conn, record_id=record["id"], outcome=outcome, reason=reason, actor=actor)


def _refuse_if_repaired(row: Any, verb: str) -> None:
    """A repaired record (信用修复) no longer shows or counts; it never ends repaired and revoked
    or corrected as well, whoever asks (the department or an objection's decision)."""
    if row["status"] == "repaired":
        raise Conflict(
            say(
                f"该记录已于 {row['repaired_on']} 完成信用修复，不能再{verb}",
                f"the record was repaired on {row['repaired_on']} and cannot be {verb}",
            ),
            code="record-repaired",
            extra={"recordStatus": "repaired"},
        )


async def apply_revocation(conn: Any, row: Any, reason: str, actor: Actor) -> bool:
    """Revoke a locked record row inside the caller's transaction; False if already revoked."""
    if row["status"] == "revoked":
        return False
    _refuse_if_repaired(row, say("撤销", "revoked"))
    await conn.execute(
        "UPDATE record SET status = 'revoked', version = version + 1, updated_at = now()"
        " WHERE id = $1",
        row["id"],
    )
    after = {**_snapshot(row), "status": "revoked"}
    await _write_history(conn, row, "revoked", reason, actor, after)
    await _bump_change_counters(conn, {row["citizen"]})
    await record_changed(conn, row, "revoked", reason)
    return True


async def apply_repair(conn: Any, row: Any, reason: str, actor: Actor, on: dt.date) -> None:
    """Mark a locked active record repaired (信用修复) on ``on`` inside the caller's transaction:
    it stops showing, being shared and counting; the old values stay in history."""
    await conn.execute(
        "UPDATE record SET status = 'repaired', repaired_on = $2, version = version + 1,"
        " updated_at = now() WHERE id = $1",
        row["id"],
        on,
    )
    after = {**_snapshot(row), "status": "repaired"}
    await _write_history(conn, row, "repaired", reason, actor, after)
    await _bump_change_counters(conn, {row["citizen"]})


async def _write_history(
    conn: Any, row: Any, action: str, reason: str, actor: Actor, after: dict[str, Any]
) -> None:
    before = _snapshot(row)
    await conn.execute(
        "INSERT INTO record_history (record, action, before, after, reason, actor_id, at)"
        " VALUES ($1, $2, $3::jsonb, $4::jsonb, $5, $6, now())",
        row["id"],
        action,
        msgspec.json.encode(before).decode(),
        msgspec.json.encode(after).decode(),
        reason,
        actor.id,
    )
    await write_audit(
        conn, actor, f"record.{action}", "record", row["id"], before=before, after=after
    )


# --- reading ----------------------------------------------------------------------------------

_SELECT = (
    "SELECT r.*, d.code AS department_code, d.name AS department_name FROM record r"
    " JOIN api_client d ON d.id = r.department"
)


def _status(row: Any, today: dt.date) -> Literal["active", "expired", "revoked", "repaired"]:
    if row["status"] == "revoked":
        return "revoked"
    if row["status"] == "repaired":
        return "repaired"
    # display_until is the first day the record no longer shows (exclusive end).
    return "expired" if row["display_until"] <= today else "active"


def record_out(row: Any, today: dt.date, points_effect: int | None = None) -> RecordOut:
    catalogs = catalog_set()
    catalog = catalogs.by_version(row["catalog_version"]) or catalogs.latest
    record_type = catalog.get(row["record_type"])
    domain = catalog.domains.get(row["domain"])
    # An unknown type (a catalog withdrawn since) still gets a name a person can read.
    title_zh = record_type.name_zh if record_type else "信用记录"
    title_en = record_type.name_en if record_type else "Credit record"
    domain_zh = domain.name_zh if domain else "其他"
    return RecordOut(
        id=row["id"],
        record_type=row["record_type"],
        title=say(title_zh, title_en),
        title_zh=title_zh,
        title_en=title_en,
        domain=row["domain"],
        domain_name=say(domain_zh, domain.name_en if domain else "Other"),
        domain_name_zh=domain_zh,
        polarity=row["polarity"],
        severity=row["severity"],
        quantity=row["quantity"],
        occurred_on=row["occurred_on"],
        decided_on=row["decided_on"],
        decision_document_no=row["decision_document_no"],
        evidence_summary=row["evidence_summary"],
        legal_basis=record_type.legal_basis if record_type else "",
        department=DepartmentRef(code=row["department_code"], name=row["department_name"]),
        status=_status(row, today),
        display_until=row["display_until"],
        repair_possible_from=row["repairable_from"],
        catalog_version=row["catalog_version"],
        reported_at=row["created_at"],
        updated_at=row["updated_at"],
        points_effect=points_effect,
        under_objection=row["under_objection"],
        repaired_on=row["repaired_on"],
    )


def _camel_keys(snapshot: dict[str, Any]) -> dict[str, Any]:
    """History snapshots are stored with column names; the wire is camelCase."""
    return {
        head + "".join(part.title() for part in rest): value
        for key, value in snapshot.items()
        for head, *rest in [key.split("_")]
    }


async def department_record(record_id: int, client: ClientPrincipal) -> DepartmentRecordOut:
    if not 1 <= record_id <= _MAX_ID:
        raise _not_found(record_id)
    async with connection() as conn:
        row = await conn.fetchrow(
            f"{_SELECT} WHERE r.id = $1 AND r.department = $2", record_id, client.client_id
        )
        if row is None:
            raise _not_found(record_id)
        history = await conn.fetch(
            "SELECT action, reason, before, after, at FROM record_history WHERE record = $1"
            " ORDER BY at, id",
            record_id,
        )
        encrypted = await conn.fetchval(
            "SELECT id_number_encrypted FROM citizen WHERE id = $1", row["citizen"]
        )
    return DepartmentRecordOut(
        record=record_out(row, today_in_shanghai()),
        citizen_id_number_masked=mask_id_number(decrypt_id_number(encrypted)),
        source_reference=row["source_reference"],
        version=row["version"],
        history=[
            HistoryEntry(
                action=h["action"],
                reason=h["reason"],
                before=_camel_keys(msgspec.json.decode(h["before"])),
                after=_camel_keys(msgspec.json.decode(h["after"])),
                at=h["at"],
            )
            for h in history
        ],
    )


_STATUS_FILTER = {
    "active": "r.status = 'active' AND r.display_until > $2",
    "expired": "r.status = 'active' AND r.display_until <= $2",
    "revoked": "r.status = 'revoked' AND $2::date IS NOT NULL",
    "repaired": "r.status = 'repaired' AND $2::date IS NOT NULL",
    "all": "$2::date IS NOT NULL",
}


async def citizen_records(
    citizen_id: int,
    *,
    status: RecordStatus,
    polarity: str | None,
    domain: str | None,
    cursor: str | None,
    limit: int,
) -> Page[RecordOut]:
    check_limit(limit)
    after = decode_cursor(cursor, tuple[dt.date, int])
    if after is not None and not -_MAX_ID <= after[1] <= _MAX_ID:
        raise InvalidInput(
            say("游标不是本接口签发的", "the cursor is not one this API issued"), field="cursor"
        )
    today = today_in_shanghai()
    sql = f"{_SELECT} WHERE r.citizen = $1 AND {_STATUS_FILTER[status]}"
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
    args.append(limit + 1)
    sql += f" ORDER BY r.occurred_on DESC, r.id DESC LIMIT ${len(args)}"
    async with connection() as conn:
        rows = await conn.fetch(sql, *args)
    effects = await points_effects(citizen_id)
    items = [record_out(row, today, effects.get(row["id"], 0)) for row in rows]
    return page_of(items, limit, lambda r: (r.occurred_on.isoformat(), r.id))
