"""The machine every kind of case runs on: locking a case, checking a transition against the
kind's declaration, recording it (step + statistics + audit + outbox in the caller's
transaction), withdrawal by the citizen, the department's lapses (政务诚信), staff access and the
query log of staff looks, and re-scoring right after a decision.

Every case table has the same bookkeeping columns (``citizen``, ``department``, ``record``,
``status``, ``due_on``, ``near_flagged_for``, ``escalated_for``, ``escalated_at``,
``department_late``, ``closed_at``), so these functions work on any kind, named by its
:class:`~backend.cases.kinds.CaseKind`.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

import msgspec

from backend.cases import store
from backend.cases.kinds import CaseKind, record_changing_kinds
from backend.cases.store import CaseBasics, CaseRecord, CaseState, LockedCase, NewCase
from backend.identity.principals import ClientPrincipal, OfficerPrincipal
from backend.notifications.outbox import emit
from backend.platform import runtime
from backend.platform.audit import Actor, write_audit
from backend.platform.errors import Conflict, Forbidden, InvalidInput, NotFound
from backend.platform.language import say
from backend.platform.rows import Connection
from backend.verification.query_log import write_query_log

log = logging.getLogger("backend.cases")
Staff = ClientPrincipal | OfficerPrincipal
CREDIT_OFFICE = "信用办 (credit office)"  # the organisation named in query logs (stored text)
CASE_EVENT = "case.changed"  # the outbox kind of case events (see emit_event)
WITHDRAWN_EVENT = "case.withdrawn"  # the citizen withdrew their own case (a receipt)
MAX_ID = 2**63 - 1
CaseT = TypeVar("CaseT", bound=CaseBasics)
LockedT = TypeVar("LockedT", bound=LockedCase)


# --- reading and access -------------------------------------------------------------------------


def status_words(kind: CaseKind, status: str) -> str:
    return say(*kind.status_words(status))


def not_found(kind: CaseKind, case_id: int) -> NotFound:
    zh, en = kind.words
    return NotFound(
        say(f"找不到您可查看的{zh}（编号 {case_id}）", f"{en} {case_id} is not one you may see"),
        code=kind.not_found_code,
    )


def record_not_yours(record_id: int) -> InvalidInput:
    """A body names a record that is not the citizen's: 422 on ``recordId`` (the operation's
    own URL exists, so not 404), and someone else's record reads exactly like a missing one."""
    return InvalidInput(
        say(
            f"记录（编号 {record_id}）不是您的信用记录",
            f"record {record_id} is not one of your records",
        ),
        field="recordId",
        code="record-not-found",
    )


def check_staff_access(kind: CaseKind, row: CaseT | None, by: Staff, case_id: int) -> CaseT:
    """The case, if ``by`` may see it: officers see every case; a department only the cases
    against its own records (another department's case is reported exactly like a missing
    one)."""
    if row is None or (isinstance(by, ClientPrincipal) and row.department != by.client_id):
        raise not_found(kind, case_id)
    return row


async def lock_case(
    conn: Connection, kind: CaseKind, case_id: int, *, row_type: type[LockedT]
) -> LockedT | None:
    """The case row (``row_type``: :class:`~backend.cases.store.LockedCase` or a kind's
    extension of it) and the record row, both locked for the rest of the transaction.

    The record is locked first, then the case, on every path that changes a case: an objection
    decision closes the record's open repair applications while holding the record, so a repair
    decision taking the two locks the other way round could deadlock with it."""
    if not 1 <= case_id <= MAX_ID:
        return None
    if not kind.about_record:
        return await store.locked_case(conn, kind, case_id, row_type=row_type)
    record_id = await store.case_record_id(conn, kind, case_id)
    if record_id is None:
        return None
    await store.lock_record(conn, record_id)
    return await store.locked_case(conn, kind, case_id, row_type=row_type)


def require_status(
    kind: CaseKind, row: CaseState | Mapping[str, Any], action: str, by: Actor | None = None
) -> None:
    """The case may take ``action`` (a name the kind declares) now, and ``by`` may take it.
    ``row`` may also be a plain mapping of ``id`` and ``status``."""
    declared = kind.action(action)
    if by is not None and by.kind not in declared.by:
        raise Forbidden(
            say(
                f"{kind.words[0]}不能由此身份{declared.past[0]}",
                f"a {kind.words[1]} cannot be {declared.past[1]} by a {by.kind}",
            ),
            code="action-not-allowed",
        )
    if isinstance(row, Mapping):
        case_id, status = row["id"], row["status"]
    else:
        case_id, status = row.id, row.status
    allowed = declared.from_states
    zh, en = kind.words
    if not kind.is_open(status):
        raise Conflict(
            say(
                f"该{zh}（编号 {case_id}）已办结（{status_words(kind, status)}），不能再更改",
                f"{en} {case_id} is closed ({status_words(kind, status)}); it cannot be"
                " changed any more",
            ),
            code="case-closed",
            extra={"status": status},
        )
    if status not in allowed:
        act_zh, act_en = declared.past
        when = say(
            "或".join(status_words(kind, s) for s in allowed),
            " or ".join(status_words(kind, s) for s in allowed),
        )
        raise Conflict(
            say(
                f"该{zh}（编号 {case_id}）当前为“{status_words(kind, status)}”，现在不能{act_zh}"
                f"（仅在“{when}”时可以）",
                f"{en} {case_id} is {status_words(kind, status)}: it cannot be {act_en} now"
                f" (only when {when})",
            ),
            code="invalid-transition",
            extra={"status": status, "allowedFrom": list(allowed)},
        )


async def department_principal(conn: Connection, department_id: int) -> ClientPrincipal:
    """The department handling a case (a case's department always exists: a foreign key)."""
    client = await store.department_client(conn, department_id)
    assert client is not None, "a case's department is an API client (a foreign key)"
    return ClientPrincipal(
        client_id=client.id,
        kind=client.kind,
        code=client.code,
        name=client.name,
        scopes=frozenset(client.scopes),
    )


# The purpose a reader states for a look (the ``purpose`` query parameter of the staff case
# views and evidence downloads), carried with the request like its id, so every kind's reader
# logs it without each kind passing it along.
_STATED_PURPOSE: ContextVar[str | None] = ContextVar("stated_purpose", default=None)


@contextmanager
def stated_purpose(text: str | None) -> Iterator[None]:
    """Within the block, staff looks are logged with ``text`` added to the route's purpose."""
    token = _STATED_PURPOSE.set(text.strip() if text and text.strip() else None)
    try:
        yield
    finally:
        _STATED_PURPOSE.reset(token)


async def looker_name(conn: Connection, by: Staff) -> str:
    """Who looked, as the citizen reads it: a department by its name, an officer as the credit
    office and their display name (the seeds: who queried)."""
    if isinstance(by, ClientPrincipal):
        return by.name
    name = await store.officer_display_name(conn, by.officer_id)
    return f"{CREDIT_OFFICE}: {name}" if name else CREDIT_OFFICE


async def log_staff_look(
    conn: Connection, citizen_id: int, by: Staff, *, seen: str, purpose: str, basis: str
) -> None:
    """Every look by a department or an officer goes to the citizen's query log (查询日志).
    ``purpose`` is the route's own (the handling of the case); a purpose the reader stated is
    added to it, never put in its place, so the citizen always sees which case it served."""
    stated = _STATED_PURPOSE.get()
    purpose = f"{purpose}: {stated}" if stated else purpose
    organisation = await looker_name(conn, by)
    await write_query_log(
        conn, citizen_id, by.actor, organisation, seen=seen, purpose=purpose, basis=basis
    )


# --- transitions --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """One state change: what the step, the audit entry and the outbox event say."""

    action: str  # accept, reject, extend, propose, upheld, ...
    event: str  # the event and audit suffix: accepted, rejected, extended, ...
    to_status: str
    actor: Actor
    reason: str | None
    due_on: dt.date | None  # the deadline after the change (None once closed)
    closes: bool = False  # a decision that closes the case: counted as handled (政务诚信)
    notice: str = CASE_EVENT  # the outbox kind telling the citizen


async def record_transition(
    conn: Connection,
    kind: CaseKind,
    row: CaseState,
    change: Change,
    today: dt.date,
    payload: dict[str, Any],
    *,
    created: bool = False,
) -> None:
    """Step, statistics, audit entry and outbox event of a state change, in the caller's
    transaction. ``row`` is the case as it was before the change (the caller has already
    updated it), or the new row when ``created``."""
    lapsed = False if created else await note_department_lapse(conn, kind, row, today)
    if change.closes:
        await bump_stat(
            conn,
            row.department,
            kind,
            handled=1,
            on_time=0 if (row.department_late or lapsed) else 1,
        )
    from_status = None if created else row.status
    await add_step(conn, kind, row, change, from_status, today)
    before = None if created else {"status": row.status, "dueOn": row.due_on}
    after = {"status": change.to_status, "dueOn": change.due_on, "reason": change.reason}
    await write_audit(
        conn,
        change.actor,
        f"{kind.name}.{change.event}",
        kind.name,
        row.id,
        before=before,
        after=after,
    )
    due = change.due_on.isoformat() if change.due_on else None
    body = {**payload, "status": change.to_status, "dueOn": due, "reason": change.reason}
    await emit_event(conn, kind, row, change.event, body, notice=change.notice)


async def add_step(
    conn: Connection,
    kind: CaseKind,
    row: CaseState,
    change: Change,
    from_status: str | None,
    today: dt.date,
) -> None:
    await store.insert_step(
        conn,
        kind,
        row.id,
        citizen=store.citizen_of(row),
        action=change.action,
        from_status=from_status,
        to_status=change.to_status,
        actor_kind=change.actor.kind,
        actor_id=change.actor.id,
        reason=change.reason,
        due_on=change.due_on,
        business_date=today,
    )


class CaseParty(Protocol):
    """How the machine reaches the people of a kind of case that is about no record of theirs
    (a report): who hears of a change and what they read, and the row the deadline check
    locks. A kind about a record needs none: its citizen is the record's."""

    @property
    def locked_row(self) -> type[msgspec.Struct]: ...

    @property
    def evidence_max_files(self) -> int:
        """How many evidence files one case holds."""
        ...

    @property
    def citizen_actor(self) -> Actor:
        """Who the citizen is in steps, audit entries and evidence rows (a pseudonym)."""
        ...

    def owns(self, row: Any, citizen_id: int) -> bool:
        """The locked row is the citizen's own case."""
        ...

    async def owns_case(self, conn: Connection, case_id: int, citizen_id: int) -> bool:
        """The case is the citizen's own (for the citizen's evidence downloads)."""
        ...

    async def emit(
        self,
        conn: Connection,
        row: CaseState,
        state: str,
        payload: dict[str, Any],
        *,
        key: str,
        notice: str,
    ) -> None: ...


_PARTIES: dict[str, CaseParty] = {}


def register_party(kind: CaseKind, party: CaseParty) -> None:
    _PARTIES[kind.name] = party


def party_of(kind: CaseKind) -> CaseParty | None:
    return _PARTIES.get(kind.name)


def locked_row_type(kind: CaseKind) -> type[msgspec.Struct]:
    """The row the hourly deadline check locks for ``kind``."""
    party = party_of(kind)
    return party.locked_row if party is not None else LockedCase


async def emit_event(
    conn: Connection,
    kind: CaseKind,
    row: CaseState,
    state: str,
    payload: dict[str, Any],
    key: str = "",
    *,
    notice: str = CASE_EVENT,
) -> None:
    """One outbox event for the case's citizen: ``case.changed`` for objection and repair
    changes (``backend.notifications.events.CaseChanged``), or the ``notice`` kind with its own
    template (a withdrawal, a repair closed by an objection). ``state`` is the new status or
    what happened (``extended``, ``deadline.near``, ``escalated``); the dedupe key names the
    case, the state and ``key`` (a deadline, for the hourly check). A kind with a party
    (:func:`register_party`) tells its own people instead."""
    party = party_of(kind)
    if party is not None:
        await party.emit(conn, row, state, payload, key=key, notice=notice)
        return
    assert isinstance(row, CaseBasics), "a kind about a record reads its record"
    title_zh, _ = record_titles(row.record_type, row.catalog_version)
    body = {
        "caseKind": kind.name,
        "caseId": row.id,
        "state": state,
        "recordTitle": title_zh,
        "recordId": row.record,
        "recordType": row.record_type,
        **payload,
    }
    dedupe = f"{kind.name}:{row.id}:{state}{key}"
    await emit(conn, row.citizen, notice, body, dedupe_key=dedupe)


async def close_with_decision(
    conn: Connection,
    kind: CaseKind,
    row: CaseState,
    *,
    action: str,
    status: str,
    reason: str,
    actor: Actor,
    today: dt.date,
    payload: dict[str, Any] | None = None,
    notice: str = CASE_EVENT,
) -> None:
    """Close the case (``row``, locked, as it was) with a decision, in the caller's transaction:
    its new status, the reason the citizen reads and the day it was decided; no deadline is left.
    The transition is recorded like any other; whether it counts as handled (政务诚信) is what
    the kind declares of ``action``."""
    await store.close_case(conn, kind, row.id, status=status, reason=reason, decided_on=today)
    closes = kind.action(action).closes
    change = Change(action, status, status, actor, reason, None, closes=closes, notice=notice)
    await record_transition(conn, kind, row, change, today, payload or {})


async def record_filing(
    conn: Connection,
    kind: CaseKind,
    case_id: int,
    *,
    filing: NewCase,
    actor: Actor,
    payload: dict[str, Any] | None = None,
) -> None:
    """Step, audit entry and outbox event of a case the citizen filed (inserted in this
    transaction: it is locked now, after its record, like any case that changes)."""
    row = await lock_case(conn, kind, case_id, row_type=LockedCase)
    assert row is not None, "the case was inserted in this transaction"
    action = kind.filing.name
    change = Change(action, "submitted", "submitted", actor, None, filing.due_on)
    await record_transition(conn, kind, row, change, filing.on, payload or {}, created=True)


# --- closing without a decision ------------------------------------------------------------------


async def withdraw_case(
    conn: Connection,
    kind: CaseKind,
    case_id: int,
    citizen_id: int,
    reason: str | None,
    today: dt.date,
) -> LockedCase:
    """The citizen withdraws (撤回) their own undecided case, in the caller's transaction: it
    closes with no deadline left, the step and audit entry say so, and the citizen gets a
    receipt. Returns the case row as it was before. Another citizen's case answers exactly
    like an unknown one."""
    row = await lock_case(conn, kind, case_id, row_type=LockedCase)
    if row is None or row.citizen != citizen_id:
        raise not_found(kind, case_id)
    actor = Actor("citizen", str(citizen_id))
    require_status(kind, row, "withdraw", actor)
    await store.mark_withdrawn(conn, kind, case_id)
    change = Change(
        "withdraw", "withdrawn", "withdrawn", actor, reason, None, notice=WITHDRAWN_EVENT
    )
    name_zh, name_en = kind.words
    payload = {"caseKindZh": name_zh, "caseKindEn": name_en}
    await record_transition(conn, kind, row, change, today, payload)
    return row


# --- the department's promptness (政务诚信) ------------------------------------------------------


async def note_department_lapse(
    conn: Connection, kind: CaseKind, row: CaseState, today: dt.date
) -> bool:
    """If it was the department's turn and the current deadline has passed, count the case as
    late against the department, once per case. Returns True if this call counted it."""
    due = row.due_on
    if row.department_late or row.status not in kind.department_turn:
        return False
    if due is None or due >= today:
        return False
    await store.mark_department_late(conn, kind, row.id)
    await bump_stat(conn, row.department, kind, late=1)
    return True


async def bump_stat(
    conn: Connection,
    department_id: int,
    kind: CaseKind,
    *,
    handled: int = 0,
    on_time: int = 0,
    late: int = 0,
) -> None:
    await store.bump_stat(conn, department_id, kind, handled=handled, on_time=on_time, late=late)


# --- the record a case is about -----------------------------------------------------------------


async def own_record(conn: Connection, record_id: int, citizen_id: int) -> CaseRecord:
    """The citizen's record named in a new case, locked; someone else's record reads exactly
    like a missing one (422 on ``recordId``)."""
    record = None
    if 1 <= record_id <= MAX_ID:
        record = await store.record_for_update(conn, record_id)
    if record is None or record.citizen != citizen_id:
        raise record_not_yours(record_id)
    return record


class FilingIn(Protocol):
    """What a citizen's filing of any kind says: which record, and their statement."""

    @property
    def record_id(self) -> int: ...

    @property
    def statement(self) -> str: ...


async def filing_for(
    conn: Connection, kind: CaseKind, data: FilingIn, *, citizen_id: int, today: dt.date
) -> NewCase:
    """A new case of ``kind`` filed today against the citizen's record (:func:`own_record`,
    locked): its first deadline is the one of the stage a submitted case is in."""
    record = await own_record(conn, data.record_id, citizen_id)
    stage = kind.state("submitted").stage
    assert stage is not None, "a submitted case is open"
    due_on = stage.due_after(today)
    return NewCase(record=record, statement=data.statement, on=today, due_on=due_on)


async def open_case_id(conn: Connection, kind: CaseKind, record_id: int) -> int | None:
    """The record's open case of ``kind``, if any (the kind declares which states are open)."""
    return await store.open_case_id(conn, kind, record_id)


async def open_record_changing_case(conn: Connection, record_id: int) -> int | None:
    """The id of an open case on the record whose decision may still revoke or correct it
    (an objection), if any: what a repair's approval must wait for."""
    for kind in record_changing_kinds():
        found = await open_case_id(conn, kind, record_id)
        if found is not None:
            return found
    return None


def record_titles(record_type: str, catalog_version: str) -> tuple[str, str]:
    """The record type's (zh, en) names in the catalog version the record was reported under."""
    catalogs = runtime.current().catalogs
    catalog = catalogs.by_version(catalog_version) or catalogs.latest
    entry = catalog.get(record_type)
    if entry is None:  # a type no catalog knows any more: say what it is, not its code
        return "信用记录", "Credit record"
    return entry.name_zh, entry.name_en


def record_title(record_type: str, catalog_version: str) -> str:
    """The record type's name in the request's language."""
    return say(*record_titles(record_type, catalog_version))
