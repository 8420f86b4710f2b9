"""Red and black lists (守信红名单 / 严重失信主体名单): rules in content propose entries every
night, an officer reviews each (approve with a reason, or reject), an approved entry is
published for its rule's period, and it leaves on the day its reason ends (repair, revocation,
correction, end of display, a lost grade) or an officer removes it. Every step is kept.

The test of whether an entry still stands (:func:`backend.lists.standing.end_cause`) runs in
the nightly job that ends entries and in every read, so a read never shows an entry on the day
after its reason ended, even before the job ran.
"""

from __future__ import annotations

import datetime as dt
import logging

import msgspec

from backend.cases.machine import log_staff_look
from backend.identity.id_number import mask_id_number
from backend.identity.principals import OfficerPrincipal
from backend.identity.service import decrypt_id_number
from backend.lists import rules as list_rules
from backend.lists import store
from backend.lists.rules import ListRule, ListRules
from backend.lists.schemas import (
    EntryStatus,
    ListEntryDetail,
    ListEntryOut,
    ListEntryReason,
    ListName,
    ListStepOut,
    MyListEntry,
)
from backend.lists.standing import end_cause
from backend.lists.store import EntryFacts, Step
from backend.notifications.events import ListEntered, ListExited, emit_event
from backend.platform import runtime
from backend.platform.audit import write_audit
from backend.platform.calendar import today_in_shanghai
from backend.platform.database import connection, transaction
from backend.platform.errors import Conflict, NotFound
from backend.platform.exchange_outbox import write_exchange_event
from backend.platform.language import current_language, say
from backend.platform.pagination import Page, check_limit, decode_cursor, page_of
from backend.platform.rows import Connection
from backend.records.catalog import add_months
from backend.scoring.queue import enqueue_rescore, rescore_now

log = logging.getLogger("backend.lists")
LIST_NAMES = {
    "red": ("守信红名单", "red list"),
    "black": ("严重失信主体名单", "serious-dishonesty list"),
}
# Why an entry ended, as the citizen reads it (zh-CN, en).
CAUSES = {
    "period-ended": ("公示期届满", "its publication period ended"),
    "repaired": ("信用修复完成", "the record was repaired"),
    "revoked": ("记录已撤销", "the record was revoked"),
    "display-ended": ("记录公示期届满", "the record's display period ended"),
    "corrected": ("记录已更正", "the record was corrected"),
    "grade-changed": ("信用等级变化", "the grade changed"),
    "removed": ("信用办移出", "the credit office removed it"),
}
SYSTEM = ("system", "system")  # who takes the nightly steps: (actor kind, actor id)


def _rules_of(facts: EntryFacts) -> ListRules | None:
    """The list rules version that proposed the entry."""
    return next((v for v in list_rules.every_version() if v.version == facts.rules_version), None)


def _rule(facts: EntryFacts) -> ListRule | None:
    version = _rules_of(facts)
    return version.get(facts.rule_code) if version else None


def _step(
    entry: tuple[int, int],
    action: str,
    change: tuple[str | None, str],
    reason: str | None,
    by: tuple[str, str],
) -> Step:
    """One history step: ``entry`` is (its citizen, its id), ``change`` (from status, to
    status), ``by`` (actor kind, id)."""
    return Step(
        citizen=entry[0],
        entry=entry[1],
        actor_kind=by[0],
        actor_id=by[1],
        action=action,
        from_status=change[0],
        to_status=change[1],
        reason=reason,
    )


# --- the nightly job ----------------------------------------------------------------------------


async def propose(today: dt.date | None = None) -> int:
    """Propose the entries the rules in force find today; returns how many. Idempotent: a
    second run the same day proposes nothing new."""
    day = today or today_in_shanghai()
    version = list_rules.in_force(day)
    proposed: list[tuple[int, int]] = []
    async with transaction() as conn:
        for rule in version.rules:
            proposed += await _propose(conn, rule, version.version, day)
        steps = [_step(i, "propose", (None, "proposed"), None, SYSTEM) for i in proposed]
        await store.add_steps(conn, steps, today=day)
    return len(proposed)


async def _propose(
    conn: Connection, rule: ListRule, version: str, day: dt.date
) -> list[tuple[int, int]]:
    """The entries proposed: (citizen, id) each."""
    if rule.grade is not None:
        return await store.propose_on_grade(
            conn,
            which=rule.which,
            rule_code=rule.code,
            rules_version=version,
            grade=rule.grade,
            clean_years=rule.clean_years,
            today=day,
            publish_months=rule.publish_months,
        )
    return await store.propose_on_records(
        conn,
        which=rule.which,
        rule_code=rule.code,
        rules_version=version,
        record_types=rule.record_types,
        severity=rule.severity,
        today=day,
        publish_months=rule.publish_months,
    )


async def end_lapsed(today: dt.date | None = None) -> int:
    """End every open entry whose reason ended; returns how many."""
    day = today or today_in_shanghai()
    ended: list[EntryFacts] = []
    async with transaction() as conn:
        for facts in await store.open_entries(conn):
            cause = end_cause(facts, _rule(facts), day)
            if cause is not None:
                await _end(conn, facts, cause=cause, day=day, reason=None, by=SYSTEM)
                ended.append(facts)
    # The card's red-list mark follows: re-scored by the queue, after the commit.
    await enqueue_rescore(sorted({f.citizen for f in ended if f.list == "red"}))
    return len(ended)


async def _end(
    conn: Connection,
    facts: EntryFacts,
    *,
    cause: str,
    day: dt.date,
    reason: str | None,
    by: tuple[str, str],
) -> None:
    if not await store.end(conn, facts.id, on=day, cause=cause):
        return  # ended already (an overlapping run): its step, notice and event were written
    action = "remove" if cause == "removed" else "end"
    step = _step((facts.citizen, facts.id), action, (facts.status, "ended"), reason or cause, by)
    await store.add_steps(conn, [step], today=day)
    if facts.status == "published":  # a proposal that lapses was never told
        zh, en = LIST_NAMES[facts.list]
        cause_zh, cause_en = CAUSES.get(cause, (cause, cause))
        exited = ListExited(
            list_name_zh=zh,
            list_name_en=en,
            cause_zh=cause_zh,
            cause_en=cause_en,
            on=day.isoformat(),
        )
        await emit_event(conn, facts.citizen, exited, dedupe_key=f"list:{facts.id}:exited")
        gone = {"list": facts.list, "record": facts.record, "endedOn": day, "cause": cause}
        await write_exchange_event(
            conn, kind="list.exited", subject=facts.id, citizen=facts.citizen, payload=gone
        )


async def _tell_entered(conn: Connection, facts: EntryFacts, until: dt.date) -> None:
    rule = _rule(facts)
    zh, en = LIST_NAMES[facts.list]
    entered = ListEntered(
        list_name_zh=zh,
        list_name_en=en,
        reason=rule.reason_zh if rule else facts.rule_code,
        reason_en=rule.reason_en if rule else facts.rule_code,
        published_until=until.isoformat(),
    )
    await emit_event(conn, facts.citizen, entered, dedupe_key=f"list:{facts.id}:entered")
    published = {"list": facts.list, "rule": facts.rule_code, "record": facts.record}
    await write_exchange_event(
        conn,
        kind="list.entered",
        subject=facts.id,
        citizen=facts.citizen,
        payload={**published, "rulesVersion": facts.rules_version, "publishedUntil": until},
    )


# --- what officers and citizens read ------------------------------------------------------------


def _status(facts: EntryFacts, day: dt.date) -> tuple[EntryStatus, dt.date | None, str | None]:
    """The status as of ``day``: an open entry whose reason ended reads as ended that day."""
    if facts.status in store.OPEN:
        cause = end_cause(facts, _rule(facts), day)
        if cause is not None:
            return "ended", day, cause
    status: EntryStatus = facts.status  # type: ignore[assignment]  # the table's CHECK holds it
    return status, facts.ended_on, facts.end_cause


def _why(facts: EntryFacts) -> ListEntryReason:
    rule = _rule(facts)
    english = current_language() == "en"
    return ListEntryReason(
        rule_code=facts.rule_code,
        reason=(rule.reason_en if english else rule.reason_zh) if rule else facts.rule_code,
        record_id=facts.record,
        record_type=facts.record_type,
        decision_document_no=facts.record_document_no,
        department=facts.department_name,
        rules_version=facts.rules_version,
        rule_source=version.source if (version := _rules_of(facts)) else None,
    )


def _list(value: str) -> ListName:
    return "red" if value == "red" else "black"


def _out(facts: EntryFacts, day: dt.date) -> ListEntryOut:
    status, ended_on, cause = _status(facts, day)
    return ListEntryOut(
        id=facts.id,
        list=_list(facts.list),
        status=status,
        citizen_name=facts.citizen_name,
        id_number_masked=mask_id_number(decrypt_id_number(facts.id_number_encrypted)),
        why=_why(facts),
        rules_version=facts.rules_version,
        proposed_on=facts.proposed_on,
        published_from=facts.published_from,
        published_until=facts.published_until,
        reviewed_by=facts.reviewer,
        review_reason=facts.review_reason,
        ended_on=ended_on,
        end_cause=cause,
    )


async def entries(
    status: EntryStatus | None, which: ListName | None, cursor: str | None, limit: int
) -> Page[ListEntryOut]:
    check_limit(limit)
    before = decode_cursor(cursor, tuple[int])[0] if cursor else None
    day = today_in_shanghai()
    async with connection() as conn:
        rows = await store.entries(
            conn, status=status, which=which, before_id=before, limit=limit + 1
        )
    return page_of([_out(r, day) for r in rows], limit, lambda e: (e.id,))


# What an officer's look at one entry tells the citizen in their query log (查询日志).
ENTRY_SEEN = "名单认定信息（姓名、身份证号、记录） (the list entry: name, ID number, record)"
ENTRY_PURPOSE = "红黑名单认定与管理 (managing the red and black lists)"


async def entry(entry_id: int, by: OfficerPrincipal) -> ListEntryDetail:
    """One entry and its history; the look goes to the person's query log with the officer's
    display name (the seeds: who queried, when, what, why), in the same transaction."""
    async with transaction() as conn:
        detail = await _detail(conn, entry_id)
        await log_staff_look(
            conn,
            detail.citizen,
            by,
            seen=ENTRY_SEEN,
            purpose=ENTRY_PURPOSE,
            basis=f"list entry {entry_id}",
        )
    return detail.answer


class _Detail(msgspec.Struct, frozen=True):
    citizen: int
    answer: ListEntryDetail


async def _detail(conn: Connection, entry_id: int) -> _Detail:
    facts = await _existing(conn, entry_id)
    steps = await store.steps_of(conn, entry_id)
    answer = ListEntryDetail(
        entry=_out(facts, today_in_shanghai()),
        steps=[
            ListStepOut(
                action=s.action,
                from_status=s.from_status,
                to_status=s.to_status,
                actor_kind=s.actor_kind,
                business_date=s.business_date,
                reason=s.reason,
            )
            for s in steps
        ],
    )
    return _Detail(facts.citizen, answer)


async def mine(citizen_id: int) -> list[MyListEntry]:
    """The citizen's own entries that were ever published, and whether each is on today."""
    day = today_in_shanghai()
    async with connection() as conn:
        rows = await store.citizen_entries(conn, citizen_id)
    found = []
    for facts in rows:
        status, ended_on, cause = _status(facts, day)
        assert facts.published_from is not None and facts.published_until is not None
        found.append(
            MyListEntry(
                list=_list(facts.list),
                on_list=status == "published",
                why=_why(facts),
                published_from=facts.published_from,
                published_until=facts.published_until,
                ended_on=ended_on,
                end_cause=cause,
            )
        )
    return found


async def _existing(conn: Connection, entry_id: int, *, lock: bool = False) -> EntryFacts:
    facts = await store.entry(conn, entry_id, lock=lock) if 1 <= entry_id < 2**63 else None
    if facts is None:
        raise NotFound(
            say(f"找不到名单条目（编号 {entry_id}）", f"no list entry {entry_id}"),
            code="list-entry-not-found",
        )
    return facts


# --- an officer's review ------------------------------------------------------------------------


async def _decide(
    entry_id: int, *, action: str, reason: str, by: OfficerPrincipal, wanted: str
) -> ListEntryDetail:
    day = today_in_shanghai()
    officer = ("officer", str(by.officer_id))
    async with transaction() as conn:
        facts = await _existing(conn, entry_id, lock=True)
        status, _, _ = _status(facts, day)
        if status != wanted:
            raise Conflict(
                say(
                    f"该条目当前为{status}，不能{action}", f"the entry is {status}; cannot {action}"
                ),
                code="list-entry-state",
                extra={"status": status},
            )
        if action == "remove":
            await _end(conn, facts, cause="removed", day=day, reason=reason, by=officer)
        else:
            published = (
                (day, add_months(day, facts.publish_months)) if action == "approve" else None
            )
            new = "published" if action == "approve" else "rejected"
            await store.review(
                conn,
                entry_id,
                status=new,
                by=by.officer_id,
                at=runtime.clock().now(),
                reason=reason,
                published=published,
            )
            step = _step((facts.citizen, entry_id), action, (facts.status, new), reason, officer)
            await store.add_steps(conn, [step], today=day)
            if published is not None:
                await _tell_entered(conn, facts, published[1])
        await write_audit(
            conn,
            by.actor,
            f"list-entry.{action}",
            "list_entry",
            entry_id,
            before={"status": facts.status},
            after={"action": action, "reason": reason},
        )
    if facts.list == "red" and action in ("approve", "remove"):
        await rescore_now(facts.citizen, "red-list")  # the card's mark, at once
    # The decision's answer: audited above as the decision, not a look of its own.
    async with connection() as conn:
        return (await _detail(conn, entry_id)).answer


async def approve(entry_id: int, reason: str, by: OfficerPrincipal) -> ListEntryDetail:
    """Publish a proposal from today for its rule's period. A proposal whose reason ended in
    the meantime answers 409 (it reads as ended)."""
    return await _decide(entry_id, action="approve", reason=reason, by=by, wanted="proposed")


async def reject(entry_id: int, reason: str, by: OfficerPrincipal) -> ListEntryDetail:
    return await _decide(entry_id, action="reject", reason=reason, by=by, wanted="proposed")


async def remove(entry_id: int, reason: str, by: OfficerPrincipal) -> ListEntryDetail:
    """Take a published entry off its list today, with a reason."""
    return await _decide(entry_id, action="remove", reason=reason, by=by, wanted="published")
