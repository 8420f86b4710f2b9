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
from backend.identity.service import (
    adopt_current_keys,
    decrypt_id_number,
    encrypt_id_number,
    id_number_index,
    id_number_indexes,
)
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
from backend.platform.exchange_outbox import write_exchange_event
from backend.platform.language import say
from backend.platform.pagination import Page, check_limit, decode_cursor, page_of
from backend.platform.requestid import current_request_id
from backend.platform.rows import Connection
from backend.records import integrity, store
from backend.records.catalog import RecordType, catalog_set, display_until, repairable_from
from backend.records.jobs import enqueue_follow_up
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
from backend.records.store import (
    CorrectedValues,
    NewRecords,
    RecordRow,
    RecordStatus,
    ShownRecord,
)
from backend.scoring.queue import enqueue_rescore
from backend.scoring.views import points_effects

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


@dataclass(slots=True)
class _Accepted:
    index: int
    item: RecordIn
    id_number: str
    record_type: RecordType
    decided_on: dt.date
    citizen_name: str  # normalised; the name on file once it has been checked against it
    occupational_group: str | None  # the group's code
    key: str = ""  # the ID number's blind index under the current key
    citizen: int = 0  # the citizen's id, once known


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


def _group_names(codes: Sequence[str], today: dt.date) -> tuple[str, str]:
    """The groups as a person reads them: Chinese names, and codes."""
    known = integrity.integrity_set()
    in_force = integrity.in_force(today)
    names = []
    for code in codes:
        group = in_force.group(code) or known.newest_group(code)
        names.append(group.name_zh if group else code)
    return "、".join(names), ", ".join(codes)


def _check_group_fits(
    record_type: RecordType, group: str | None, today: dt.date, field: str
) -> None:
    """A record type the catalog marks for some occupational groups only needs one of them."""
    allowed = record_type.occupational_groups
    if allowed is None or group in allowed:
        return
    zh, en = _group_names(allowed, today)
    raise ItemRejected(
        field,
        say(
            f"记录类型 {record_type.code!r} 仅适用于以下重点职业人群：{zh}；请注明其中之一",
            f"record type {record_type.code!r} applies only to these key occupational groups:"
            f" {en}; name one of them",
        ),
    )


def _resolve_group(text: str | None, record_type: RecordType, today: dt.date) -> str | None:
    """The code of the key occupational group ``text`` names (its code or Chinese name, in the
    list in force), None when left out or empty; rejected on ``occupationalGroup`` otherwise,
    or when the record type is for other groups only."""
    field = "occupationalGroup"
    code = None
    if text is not None and text.strip():
        rules = integrity.in_force(today)
        group = rules.group_named(text)
        if group is None:
            raise ItemRejected(
                field,
                say(
                    f"{text!r} 不是重点职业人群名录（{rules.version}）中的人群：请填写人群代码"
                    "（如 physician）或中文名称（如 医师）",
                    f"{text!r} is not a key occupational group of the list in force"
                    f" ({rules.version}): give a group's code (e.g. physician) or its Chinese"
                    " name (e.g. 医师)",
                ),
            )
        code = group.code
    _check_group_fits(record_type, code, today, field)
    return code


class _BatchParser:
    """Checks a batch's items one by one against what holds for the whole batch (the catalog,
    the department's scopes and the groups in force ``today``), remembering each answer for
    the items after: a batch of 1,000 names few types, groups, names and people, so each is
    looked up, normalised or hashed once (ingest is measured: benchmarks/bench_ingest.py)."""

    def __init__(self, client: ClientPrincipal, today: dt.date) -> None:
        self.client = client
        self.today = today
        # Each answer, or the (field, reason) an item is rejected with.
        self._types: dict[str, RecordType | tuple[str, str]] = {}
        self._groups: dict[tuple[str | None, str], str | tuple[str, str] | None] = {}
        self._ids: dict[str, str | tuple[str, str]] = {}
        self._names: dict[str, str] = {}
        self._name_keys: dict[str, str] = {}
        self._indexes: dict[str, str] = {}

    def parse(self, index: int, raw: Any) -> _Accepted:
        try:
            item = msgspec.convert(raw, RecordIn)
        except msgspec.ValidationError as exc:
            raise ItemRejected(*field_and_reason(str(exc), "record")) from exc
        id_number = self._id_number(item.citizen_id_number)
        citizen_name = self.name(item.citizen_name)
        if not citizen_name:
            raise ItemRejected("citizenName", say("不能为空白", "is blank"))
        record_type = self._type(item.record_type)
        decided_on = item.decided_on or item.occurred_on
        _check_dates(item.occurred_on, decided_on, self.today)
        group = self._group(item.occupational_group, record_type)
        key = self.index_of(id_number)
        return _Accepted(index, item, id_number, record_type, decided_on, citizen_name, group, key)

    def _id_number(self, text: str) -> str:
        found = self._ids.get(text)
        if found is None:
            try:
                found = normalize_id_number(text, today=self.today)
            except InvalidIdNumber as exc:
                found = (
                    "citizenIdNumber",
                    say(f"身份证号无效：{exc.zh}", f"invalid ID number: {exc.en}"),
                )
            self._ids[text] = found
        if isinstance(found, tuple):
            raise ItemRejected(*found)
        return found

    def _type(self, code: str) -> RecordType:
        found = self._types.get(code)
        if found is None:
            try:
                found = _resolve_type(code, self.client)
            except ItemRejected as exc:
                found = (exc.field, exc.reason)
            self._types[code] = found
        if isinstance(found, tuple):
            raise ItemRejected(*found)
        return found

    def _group(self, text: str | None, record_type: RecordType) -> str | None:
        if text is None and record_type.occupational_groups is None:
            return None
        key = (text, record_type.code)
        if key not in self._groups:
            try:
                self._groups[key] = _resolve_group(text, record_type, self.today)
            except ItemRejected as exc:
                self._groups[key] = (exc.field, exc.reason)
        found = self._groups[key]
        if isinstance(found, tuple):
            raise ItemRejected(*found)
        return found

    def name(self, text: str) -> str:
        """``normalize_person_name``, once per spelling."""
        found = self._names.get(text)
        if found is None:
            found = self._names[text] = normalize_person_name(text)
        return found

    def name_key(self, text: str) -> str:
        """What ``names_match`` compares: two names match when their keys are equal."""
        found = self._name_keys.get(text)
        if found is None:
            found = self._name_keys[text] = self.name(text).casefold()
        return found

    def index_of(self, id_number: str) -> str:
        found = self._indexes.get(id_number)
        if found is None:
            found = self._indexes[id_number] = id_number_index(id_number)
        return found


def _source_reference(raw: Any) -> str | None:
    value = raw.get("sourceReference") if isinstance(raw, dict) else None
    return value if isinstance(value, str) else None


def _check_names(
    parser: _BatchParser,
    accepted: list[_Accepted],
    on_file: dict[str, str],
    rejected: dict[str, BatchItemResult],
) -> list[_Accepted]:
    """The items whose citizen name matches the name on file for their ID number (姓名与身份证号
    一致); the others go to ``rejected`` by source reference. An ID number with no name in
    ``on_file`` (blind index → the population registry's name, else the citizen's) takes the
    first name this batch gives it. Resubmissions of stored records never come here: they are
    answered as duplicates, whatever the registry says now."""
    kept: list[_Accepted] = []
    for a in accepted:
        name = on_file.setdefault(a.key, a.citizen_name)
        if parser.name_key(name) != parser.name_key(a.citizen_name):
            ref = a.item.source_reference
            rejected[ref] = BatchItemResult(
                index=a.index,
                source_reference=ref,
                status="rejected",
                field="citizenName",
                reason=say(*NAME_MISMATCH),
            )
            continue
        a.citizen_name = parser.name(name)
        kept.append(a)
    return kept


async def _named_citizens(
    conn: Connection,
    parser: _BatchParser,
    fresh: list[_Accepted],
    existing: dict[str, int],
    misnamed: dict[str, BatchItemResult],
) -> list[_Accepted]:
    """Look up, in one statement, the records already stored under the items' references (into
    ``existing``) and the citizens the items name; drop the items whose name is not the one on
    file, create the new citizens; return the items to store, each with its citizen's id."""
    # During a key rotation: people indexed under an old key move to the current one first.
    await adopt_current_keys([a.id_number for a in fresh], conn)
    references = sorted({a.item.source_reference for a in fresh})
    indexes = sorted({a.key for a in fresh})
    stored, citizens = await store.batch_lookup(conn, parser.client.client_id, references, indexes)
    existing.update(stored)
    on_file = {index: c.name for index, c in citizens.items() if c.name is not None}
    kept = _check_names(
        parser, [a for a in fresh if a.item.source_reference not in stored], on_file, misnamed
    )
    ids = {index: c.id for index, c in citizens.items() if c.id is not None}
    new: dict[str, _Accepted] = {}
    for a in kept:
        if a.key not in ids:
            new.setdefault(a.key, a)
    if new:
        # One global order: concurrent batches naming the same new citizens cannot deadlock.
        order = sorted(new)
        created = await store.insert_citizens(
            conn,
            order,
            [encrypt_id_number(new[i].id_number) for i in order],
            [new[i].citizen_name for i in order],
        )
        ids.update(created)
        raced = sorted(set(order) - created.keys())
        if raced:
            # A batch running alongside created some of these citizens first, perhaps under
            # another name: check these items again against the stored names.
            _, settled = await store.batch_lookup(conn, parser.client.client_id, [], raced)
            ids.update({i: c.id for i, c in settled.items() if c.id is not None})
            again = {i: c.name for i, c in settled.items() if c.name is not None}
            racing = [a for a in kept if a.key in settled]
            passed = {id(a) for a in _check_names(parser, racing, again, misnamed)}
            kept = [a for a in kept if a.key not in settled or id(a) in passed]
    for a in kept:
        a.citizen = ids[a.key]
    return kept


REPORT_REFUSED = (
    "须为本单位办理且认定属实的举报，且与该记录的当事人一致",
    "must be a report routed to this department, found substantiated, about this person",
)


async def _reports_checked(
    conn: Connection,
    client: ClientPrincipal,
    fresh: list[_Accepted],
    rejected: dict[str, BatchItemResult],
) -> list[_Accepted]:
    """The items naming a report keep it only when the report is this department's, found
    substantiated, and (where it named an ID number) about this record's person; the others go
    to ``rejected`` on ``reportId``."""
    wanted = sorted({a.item.report_id for a in fresh if a.item.report_id is not None})
    if not wanted:
        return fresh
    found = await store.substantiated_reports(conn, wanted, client.client_id)
    kept = []
    for a in fresh:
        report = a.item.report_id
        if report is None or _about(found.get(report), a):
            kept.append(a)
            continue
        ref = a.item.source_reference
        rejected[ref] = BatchItemResult(
            index=a.index,
            source_reference=ref,
            status="rejected",
            field="reportId",
            reason=say(*REPORT_REFUSED),
        )
    return kept


def _about(subject: store.ReportedSubject | None, a: _Accepted) -> bool:
    """Whether the record's person is the one the report was about: by ID number where the
    report gave one, else by name; an organisation's report may lead to a record of its
    responsible person (the department knows who that is)."""
    if subject is None:
        return False
    if subject.person_key is not None:
        return subject.person_key in id_number_indexes(a.id_number)
    if subject.subject_kind == "person":
        return names_match(subject.subject_name, a.citizen_name)
    return True


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


def _new_records(accepted: Sequence[_Accepted], today: dt.date) -> NewRecords:
    # 政务诚信: late against this department when reported past the limit in force today
    # (judged once per decision day of the batch).
    timeliness = integrity.in_force(today)
    late: dict[dt.date, bool] = {}
    periods: dict[tuple[str, dt.date], tuple[dt.date, dt.date | None]] = {}
    new = NewRecords()
    # Inserted in source-reference order, so overlapping concurrent batches cannot deadlock.
    for a in sorted(accepted, key=lambda a: a.item.source_reference):
        t, item, decided_on = a.record_type, a.item, a.decided_on
        if decided_on not in late:
            late[decided_on] = timeliness.reported_late(decided_on, today)
        period = periods.get((t.code, decided_on))
        if period is None:
            period = (display_until(t, decided_on), repairable_from(t, decided_on))
            periods[(t.code, decided_on)] = period
        new.citizen.append(a.citizen)
        new.record_type.append(t.code)
        new.domain.append(t.domain)
        new.polarity.append(t.polarity)
        new.severity.append(t.severity)
        new.quantity.append(item.quantity)
        new.occurred_on.append(item.occurred_on)
        new.decided_on.append(decided_on)
        new.decision_document_no.append(item.decision_document_no)
        new.source_reference.append(item.source_reference)
        new.evidence_summary.append(item.evidence_summary)
        new.occupational_group.append(a.occupational_group)
        new.display_until.append(period[0])
        new.repairable_from.append(period[1])
        new.reported_late.append(late[decided_on])
        new.report.append(item.report_id)
    return new


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
    duplicates; all in one transaction.

    A batch is a fixed handful of statements whatever its size (measured in
    tests/api/records/test_ingest_statements.py): one look-up of the stored references and
    the citizens, one insert of the new citizens, one statement that inserts the records and,
    from what it inserted, the audit entries and the batch's follow-up row; a look-up of the
    reports when items name one, and the rare second looks when a batch running alongside
    wrote the same citizens or references first. The follow-up (the records' exchange events,
    the citizens' change counters, then re-scoring) runs in the worker (``records.jobs``)."""
    _check_batch_size(len(raw_items))
    today = today_in_shanghai()
    parser = _BatchParser(client, today)
    results: dict[int, BatchItemResult] = {}
    fresh: list[_Accepted] = []
    seen: set[str] = set()
    for index, raw in enumerate(raw_items):
        try:
            accepted = parser.parse(index, raw)
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
    follow_up: int | None = None
    existing: dict[str, int] = {}
    misnamed: dict[str, BatchItemResult] = {}
    if fresh:
        async with transaction() as conn:
            kept = await _named_citizens(conn, parser, fresh, existing, misnamed)
            kept = await _reports_checked(conn, client, kept, misnamed)
            if kept:
                actor = client.actor
                batch = await store.insert_batch(
                    conn,
                    _new_records(kept, today),
                    department=client.client_id,
                    catalog_version=catalog_set().in_force(today).version,
                    reported_on=today,
                    actor_kind=actor.kind,
                    actor_id=actor.id,
                    request_id=current_request_id(),
                )
                inserted, follow_up = batch.records, batch.follow_up
                if len(inserted) < len(kept):
                    # A batch running alongside stored some of these references first.
                    lost = sorted({a.item.source_reference for a in kept} - inserted.keys())
                    existing.update(await store.record_ids(conn, client.client_id, lost))
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
    if follow_up is not None:
        await enqueue_follow_up(follow_up)
    items = [results[i] for i in sorted(results)]
    return BatchResult(
        accepted=sum(1 for r in items if r.status == "accepted"),
        duplicate=sum(1 for r in items if r.status == "duplicate"),
        rejected=sum(1 for r in items if r.status == "rejected"),
        items=items,
    )


# --- the follow-up of an ingested batch (its exchange events and change counters) -------------


async def _follow_up_first(conn: Connection, record_id: int) -> None:
    """Before a record changes: run its batch's follow-up if still pending, in the change's
    transaction, so its 'record.added' event holds the record as inserted and comes before the
    change's event. The batch's other citizens are re-scored by the minute sweep (their
    counters moved)."""
    await store.run_follow_ups(conn, await store.follow_ups_of_record(conn, record_id))


async def _bump_change_counters(conn: Connection, citizen_ids: set[int]) -> None:
    """Each change to a citizen's records moves their counter; re-scoring compares against it."""
    if citizen_ids:
        await store.bump_change_counters(conn, sorted(citizen_ids))


# --- corrections and revocations --------------------------------------------------------------

_EDITABLE = (
    "record_type",
    "occurred_on",
    "decided_on",
    "decision_document_no",
    "evidence_summary",
    "quantity",
)


def _snapshot(row: RecordRow) -> dict[str, Any]:
    return {key: msgspec.to_builtins(getattr(row, key)) for key in (*_EDITABLE, "status")}


def _not_found(record_id: int) -> NotFound:
    return NotFound(
        say(
            f"记录 {record_id} 不是本单位报送的记录",
            f"record {record_id} is not one of this department's records",
        )
    )


async def _own_record_for_update(
    conn: Connection, record_id: int, client: ClientPrincipal
) -> RecordRow:
    if not 1 <= record_id <= _MAX_ID:
        raise _not_found(record_id)
    row = await store.record_for_update(conn, record_id)
    if row is None or row.department != client.client_id:
        # Another department's record is reported exactly like a missing one.
        raise _not_found(record_id)
    return row


def _corrected_values(
    row: RecordRow, change: RecordCorrection, client: ClientPrincipal
) -> CorrectedValues:
    edited = {key: getattr(row, key) for key in _EDITABLE}
    for key in _EDITABLE:
        value = getattr(change, key)
        if value is not None:
            edited[key] = value
    today = today_in_shanghai()
    try:
        record_type = _resolve_type(edited["record_type"], client)
        _check_dates(edited["occurred_on"], edited["decided_on"], today)
        if record_type.code != row.record_type:
            stored = row.occupational_group
            group = integrity.integrity_set().newest_group(stored) if stored else None
            _check_group_fits(record_type, group.code if group else None, today, "recordType")
    except ItemRejected as exc:
        raise InvalidInput(exc.reason, field=exc.field) from exc
    if record_type.polarity != row.polarity:
        raise InvalidInput(
            say(
                "更正不能把优良记录改为失信记录或反之；请撤销后重新报送",
                "a correction cannot turn a good record into a bad one or back; revoke and"
                " report anew",
            ),
            field="recordType",
        )
    return CorrectedValues(
        **edited,
        domain=record_type.domain,
        severity=record_type.severity,
        display_until=display_until(record_type, edited["decided_on"]),
        repairable_from=repairable_from(record_type, edited["decided_on"]),
        # A corrected decision date judges the report again, by the limit of its day; a report
        # once late stays late (a department cannot correct its own lateness away).
        reported_late=row.reported_late
        or integrity.in_force(row.reported_on).reported_late(edited["decided_on"], row.reported_on),
    )


def check_correction(row: RecordRow, change: RecordCorrection, client: ClientPrincipal) -> None:
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
    await enqueue_rescore([row.citizen])
    await wake_relay()
    return await department_record(record_id, client)


async def apply_correction(
    conn: Connection,
    record: RecordRow,
    change: RecordCorrection,
    client: ClientPrincipal,
    actor: Actor,
) -> bool:
    """Correct a locked record row inside the caller's transaction (old values to history).
    ``client`` is the owning department (its scopes bound the new type); ``actor`` who acts.
    Returns False for a correction that changes nothing (a retry)."""
    await _follow_up_first(conn, record.id)
    if record.status == "revoked":
        raise Conflict(
            say("已撤销的记录不能更正", "a revoked record cannot be corrected"),
            code="record-revoked",
        )
    _refuse_if_repaired(record, say("更正", "corrected"))
    new = _corrected_values(record, change, client)
    if all(getattr(new, key) == getattr(record, key) for key in _EDITABLE):
        return False
    await store.write_correction(conn, record.id, new)
    edited = {key: msgspec.to_builtins(getattr(new, key)) for key in _EDITABLE}
    await _write_history(
        conn, record, "corrected", change.reason, actor, {**_snapshot(record), **edited}
    )
    await _bump_change_counters(conn, {record.citizen})
    await record_changed(conn, record, "corrected", change.reason)
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
    await enqueue_rescore([row.citizen])
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
    conn: Connection,
    record: RecordRow,
    outcome: Literal["revoked", "corrected"],
    reason: str,
    actor: Actor,
) -> None:
    """Tell the domains that care, inside the caller's transaction (the caller holds the
    record's lock): the record's open repair applications end (终止办理)."""
    for handler in _when_record_ended.values():
        await handler(conn, record_id=record.id, outcome=outcome, reason=reason, actor=actor)


def _refuse_if_repaired(row: RecordRow, verb: str) -> None:
    """A repaired record (信用修复) no longer shows or counts; it never ends repaired and revoked
    or corrected as well, whoever asks (the department or an objection's decision)."""
    if row.status == "repaired":
        raise Conflict(
            say(
                f"该记录已于 {row.repaired_on} 完成信用修复，不能再{verb}",
                f"the record was repaired on {row.repaired_on} and cannot be {verb}",
            ),
            code="record-repaired",
            extra={"recordStatus": "repaired"},
        )


async def apply_revocation(conn: Connection, record: RecordRow, reason: str, actor: Actor) -> bool:
    """Revoke a locked record row inside the caller's transaction; False if already revoked."""
    await _follow_up_first(conn, record.id)
    if record.status == "revoked":
        return False
    _refuse_if_repaired(record, say("撤销", "revoked"))
    await store.write_revocation(conn, record.id)
    after = {**_snapshot(record), "status": "revoked"}
    await _write_history(conn, record, "revoked", reason, actor, after)
    await _bump_change_counters(conn, {record.citizen})
    await record_changed(conn, record, "revoked", reason)
    return True


async def apply_repair(
    conn: Connection, record: RecordRow, reason: str, actor: Actor, on: dt.date
) -> None:
    """Mark a locked active record row repaired (信用修复) on ``on`` inside the caller's
    transaction: it stops showing, being shared and counting; the old values stay in history."""
    await _follow_up_first(conn, record.id)
    await store.write_repair(conn, record.id, on)
    after = {**_snapshot(record), "status": "repaired"}
    await _write_history(conn, record, "repaired", reason, actor, after)
    await _bump_change_counters(conn, {record.citizen})


async def _write_history(
    conn: Connection,
    row: RecordRow,
    action: str,
    reason: str,
    actor: Actor,
    after: dict[str, Any],
) -> None:
    before = _snapshot(row)
    await store.insert_history(
        conn,
        row.id,
        citizen=row.citizen,
        action=action,
        before=msgspec.json.encode(before).decode(),
        after=msgspec.json.encode(after).decode(),
        reason=reason,
        actor_id=actor.id,
    )
    await write_audit(conn, actor, f"record.{action}", "record", row.id, before=before, after=after)
    payload = {"department": row.department, "sourceReference": row.source_reference, **after}
    await write_exchange_event(
        conn, kind=f"record.{action}", subject=row.id, citizen=row.citizen, payload=payload
    )


# --- reading ----------------------------------------------------------------------------------


def _status(
    row: ShownRecord, today: dt.date
) -> Literal["active", "expired", "revoked", "repaired"]:
    if row.status == "revoked":
        return "revoked"
    if row.status == "repaired":
        return "repaired"
    # display_until is the first day the record no longer shows (exclusive end).
    return "expired" if row.display_until <= today else "active"


def record_out(row: ShownRecord, today: dt.date, points_effect: int | None = None) -> RecordOut:
    catalogs = catalog_set()
    catalog = catalogs.by_version(row.catalog_version) or catalogs.latest
    record_type = catalog.get(row.record_type)
    domain = catalog.domains.get(row.domain)
    # An unknown type (a catalog withdrawn since) still gets a name a person can read.
    title_zh = record_type.name_zh if record_type else "信用记录"
    title_en = record_type.name_en if record_type else "Credit record"
    domain_zh = domain.name_zh if domain else "其他"
    return RecordOut(
        id=row.id,
        record_type=row.record_type,
        title=say(title_zh, title_en),
        title_zh=title_zh,
        title_en=title_en,
        domain=row.domain,
        domain_name=say(domain_zh, domain.name_en if domain else "Other"),
        domain_name_zh=domain_zh,
        polarity=row.polarity,
        severity=row.severity,
        quantity=row.quantity,
        occurred_on=row.occurred_on,
        decided_on=row.decided_on,
        decision_document_no=row.decision_document_no,
        evidence_summary=row.evidence_summary,
        legal_basis=record_type.legal_basis if record_type else "",
        department=DepartmentRef(code=row.department_code, name=row.department_name),
        status=_status(row, today),
        display_until=row.display_until,
        repair_possible_from=row.repairable_from,
        catalog_version=row.catalog_version,
        reported_at=row.created_at,
        updated_at=row.updated_at,
        points_effect=points_effect,
        under_objection=row.under_objection,
        repaired_on=row.repaired_on,
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
        row = await store.department_record(conn, record_id, client.client_id)
        if row is None:
            raise _not_found(record_id)
        history = await store.record_history(conn, record_id)
        encrypted = await store.citizen_id_number_encrypted(conn, row.citizen)
    return DepartmentRecordOut(
        record=record_out(row, today_in_shanghai()),
        citizen_id_number_masked=mask_id_number(decrypt_id_number(encrypted)),
        source_reference=row.source_reference,
        version=row.version,
        occupational_group=row.occupational_group,
        reported_on=row.reported_on,
        reported_late=row.reported_late,
        history=[
            HistoryEntry(
                action=h.action,
                reason=h.reason,
                before=_camel_keys(msgspec.json.decode(h.before)),
                after=_camel_keys(msgspec.json.decode(h.after)),
                at=h.at,
            )
            for h in history
        ],
    )


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
    async with connection() as conn:
        rows = await store.citizen_records(
            conn,
            citizen_id,
            today=today,
            status=status,
            polarity=polarity,
            domain=domain,
            after=after,
            limit=limit + 1,  # one more tells whether there is a next page
        )
    effects = await points_effects(citizen_id)
    items = [record_out(row, today, effects.get(row.id, 0)) for row in rows]
    return page_of(items, limit, lambda r: (r.occurred_on.isoformat(), r.id))
