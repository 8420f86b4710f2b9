"""A department's credit check in one of its procedures (应查必查): the procedure must be in the
department's scopes, the name must be the one on file for the ID number (the rule of record
ingest), and the answer holds what the procedure needs and no more.

Nothing is computed twice: the grade band and the measures in force come from the citizen's
stored assessment through the engine, as the citizen's own benefits page reads them
(:func:`points_engine.active_restrictions`: a record under an accepted objection triggers no
measure while it is verified); the list status is the public disclosure's (published today and
still standing by :func:`backend.lists.standing.end_cause`). Of those, the answer keeps the
measures the procedure lists, and of the records behind them those whose domain the procedure
lists and the department's scopes cover; the others are counted.

Every check of a citizen on file writes the citizen's query log (查询日志) in the transaction
that reads the lists and the records, so no answer leaves without its entry; the citizen hears
about a department's look in the daily "who looked" notice. An ID number no citizen has answers
200 ``onFile: false`` (no credit information: nothing was ever reported and the person never
signed up), kept in the audit log since there is no citizen to log it against. Not a 404: the
department already holds the person's ID number and name for its matter, "no information" is
the true answer for its procedure, and it tells nothing the name rule (which answers
``name-mismatch`` for a registered person under another name, as ingest does) does not.
"""

from __future__ import annotations

import datetime as dt

import msgspec

from backend.benefits.schemas import GradeRef
from backend.benefits.service import grade_ref
from backend.checks import procedures as procedure_content
from backend.checks import store
from backend.checks.procedures import Procedure
from backend.checks.schemas import (
    CheckedMeasure,
    CheckedRecord,
    CreditCheckAnswer,
    CreditCheckIn,
    ProcedureRef,
)
from backend.content.benefits import benefit_set
from backend.identity.id_number import mask_id_number
from backend.identity.principals import ClientPrincipal
from backend.identity.service import adopt_current_keys, id_number_index, parse_id_number
from backend.identity.verifier import names_match
from backend.lists import rules as list_rules
from backend.lists import store as list_store
from backend.lists.standing import end_cause
from backend.lists.store import EntryFacts
from backend.platform import runtime
from backend.platform.audit import write_audit
from backend.platform.calendar import today_in_shanghai
from backend.platform.database import transaction
from backend.platform.errors import Forbidden, InvalidInput
from backend.platform.language import current_language, say
from backend.platform.rows import Connection
from backend.records import store as records_store
from backend.records.service import NAME_MISMATCH
from backend.scoring import store as scoring_store
from backend.scoring.service import stored_assessment
from backend.verification.query_log import write_query_log
from points_engine import ActiveRestriction, Assessment, active_restrictions

# The most entries one person can have on both lists at once is a handful; this only bounds the
# read (as the public look-up does).
LIST_READ_MAX = 100


class ProcedureUnknown(InvalidInput):
    code = "procedure-unknown"


class ProcedureNotInScope(Forbidden):
    code = "procedure-not-in-scope"


class NameMismatch(InvalidInput):
    code = "name-mismatch"


def _procedure(code: str, client: ClientPrincipal, today: dt.date) -> tuple[str, Procedure]:
    """(version, procedure) in force today, after checking the department may check for it."""
    version = procedure_content.in_force(today)
    procedure = version.get(code)
    if procedure is None:
        known = ", ".join(p.code for p in version.procedures)
        raise ProcedureUnknown(
            say(
                f"应查必查事项清单 {version.version} 中没有事项“{code}”，可选：{known}",
                f"there is no procedure “{code}” in the procedures {version.version}; the"
                f" procedures are {known}",
            ),
            field="procedure",
        )
    if procedure.scope not in client.scopes:
        raise ProcedureNotInScope(
            say(
                f"本单位无权在“{procedure.name_zh}”事项中查询信用（需要权限 {procedure.scope}）",
                f"this department may not check credit for “{procedure.name_en}” (it needs the"
                f" scope {procedure.scope})",
            ),
            field="procedure",
        )
    return version.version, procedure


async def _citizen(conn: Connection, index: str, name: str) -> int | None:
    """The citizen with this ID number's index, after checking ``name`` is the name on file
    (the population registry's, else the citizen's: the rule of ingest); None when the
    platform holds nobody under it."""
    on_file = (await records_store.names_on_file(conn, [index])).get(index)
    if on_file is not None and not names_match(on_file, name):
        raise NameMismatch(say(*NAME_MISMATCH), field="name")
    return (await records_store.citizen_ids(conn, [index])).get(index)


def _rule(facts: EntryFacts) -> list_rules.ListRule | None:
    version = next(
        (v for v in list_rules.every_version() if v.version == facts.rules_version), None
    )
    return version.get(facts.rule_code) if version else None


async def _lists_today(conn: Connection, index: str, today: dt.date) -> set[str]:
    """The lists (``red``, ``black``) the person is published on today: the disclosure's read
    and the standing test every view applies."""
    rows = await list_store.published_entries_of(
        conn, today=today, id_number_index=index, limit=LIST_READ_MAX
    )
    return {row.list for row in rows if end_cause(row, _rule(row), today) is None}


def _ref(procedure: Procedure, english: bool) -> ProcedureRef:
    return ProcedureRef(
        code=procedure.code,
        name=procedure.name_en if english else procedure.name_zh,
        name_zh=procedure.name_zh,
        name_en=procedure.name_en,
    )


def _visible(procedure: Procedure, client: ClientPrincipal, facts: store.RecordFacts) -> bool:
    return facts.domain in procedure.domains and client.may_report(facts.record_type, facts.domain)


class _Found(msgspec.Struct, frozen=True):
    measures: tuple[CheckedMeasure, ...]
    shown: frozenset[int]
    withheld: frozenset[int]


async def _measures(
    conn: Connection,
    citizen: int,
    in_force: tuple[ActiveRestriction, ...],
    procedure: Procedure,
    client: ClientPrincipal,
    english: bool,
) -> _Found:
    applicable = [m for m in in_force if m.code in procedure.measures]
    ids = sorted({r.record_id for m in applicable for r in m.records})
    facts = {f.id: f for f in await store.records_of(conn, citizen, ids)} if ids else {}
    measures: list[CheckedMeasure] = []
    shown: set[int] = set()
    withheld: set[int] = set()
    for measure in applicable:
        records: list[CheckedRecord] = []
        hidden = 0
        for record in measure.records:
            fact = facts.get(record.record_id)
            if fact is None or not _visible(procedure, client, fact):
                hidden += 1
                withheld.add(record.record_id)
                continue
            shown.add(record.record_id)
            records.append(
                CheckedRecord(
                    record_type=record.record_type,
                    record_title=record.name_en if english else record.name_zh,
                    name_zh=record.name_zh,
                    name_en=record.name_en,
                    domain=fact.domain,
                    occurred_on=fact.occurred_on,
                    decided_on=fact.decided_on,
                    display_until=fact.display_until,
                    decision_document_no=fact.decision_document_no,
                    department=fact.department,
                )
            )
        measures.append(
            CheckedMeasure(
                code=measure.code,
                name=measure.name_en if english else measure.name_zh,
                name_zh=measure.name_zh,
                name_en=measure.name_en,
                kind=measure.kind,
                legal_basis=measure.legal_basis,
                ends_on=measure.ends_on,
                records=tuple(records),
                records_withheld=hidden,
            )
        )
    return _Found(tuple(measures), frozenset(shown), frozenset(withheld))


def _yes(value: bool) -> tuple[str, str]:
    return ("是", "yes") if value else ("否", "no")


def _seen(grade: GradeRef, lists: set[str], found: _Found) -> str:
    """What the department was told, summarised for the citizen's query log, in Chinese then
    English (stored once, read in either language)."""
    red_zh, red_en = _yes("red" in lists)
    black_zh, black_en = _yes("black" in lists)
    measures_zh = "、".join(f"{m.name_zh}（至 {m.ends_on.isoformat()}）" for m in found.measures)
    measures_en = ", ".join(f"{m.name_en} (until {m.ends_on.isoformat()})" for m in found.measures)
    shown, withheld = len(found.shown), len(found.withheld)
    return (
        f"信用等级 {grade.code}（{grade.name_zh}）；红名单：{red_zh}；黑名单：{black_zh}；"
        f"适用于该事项的惩戒措施：{measures_zh or '无'}；记录 {shown} 条可见，另 {withheld} 条"
        f"仅计数 (grade band {grade.code} ({grade.name_en}); red list: {red_en}; black list:"
        f" {black_en}; measures that apply to the procedure: {measures_en or 'none'};"
        f" {shown} records shown, {withheld} counted only)"
    )


def _purpose(procedure: Procedure, matter: str) -> str:
    return (
        f"应查必查：{procedure.name_zh}，事项 {matter} (credit check in a procedure:"
        f" {procedure.name_en}, matter {matter})"
    )


async def _checked_at(conn: Connection) -> dt.datetime:
    """The transaction's time: the query log's ``at`` of this check."""
    at: dt.datetime = await conn.fetchval("SELECT now()")
    return at


async def _answer_on_file(
    conn: Connection,
    client: ClientPrincipal,
    asked: CreditCheckIn,
    procedure: Procedure,
    version: str,
    citizen: int,
    index: str,
    assessment: Assessment,
    today: dt.date,
) -> CreditCheckAnswer:
    english = current_language() == "en"
    rules = runtime.current().rules.in_force(today)
    catalog = benefit_set().in_force(today)
    grade = grade_ref(rules.grade_for(assessment.points).code, rules)
    in_force = active_restrictions(assessment, catalog, rules, today)
    found = await _measures(conn, citizen, in_force, procedure, client, english)
    lists = await _lists_today(conn, index, today)
    await write_query_log(
        conn,
        citizen,
        client.actor,
        client.name,
        seen=_seen(grade, lists, found),
        purpose=_purpose(procedure, asked.matter_reference),
        basis=procedure.scope,
    )
    return CreditCheckAnswer(
        procedure=_ref(procedure, english),
        matter_reference=asked.matter_reference,
        procedures_version=version,
        checked_at=await _checked_at(conn),
        as_of=today,
        on_file=True,
        grade=grade,
        on_red_list="red" in lists,
        on_black_list="black" in lists,
        measures=found.measures,
    )


async def _answer_not_on_file(
    conn: Connection,
    client: ClientPrincipal,
    asked: CreditCheckIn,
    procedure: Procedure,
    version: str,
    id_number: str,
    today: dt.date,
) -> CreditCheckAnswer:
    """No credit information: nobody to log against, so the office's audit log keeps the look
    (the ID number masked)."""
    await write_audit(
        conn,
        client.actor,
        "credit-check.not-on-file",
        "procedure",
        procedure.code,
        after={
            "idNumberMasked": mask_id_number(id_number),
            "matterReference": asked.matter_reference,
        },
    )
    return CreditCheckAnswer(
        procedure=_ref(procedure, current_language() == "en"),
        matter_reference=asked.matter_reference,
        procedures_version=version,
        checked_at=await _checked_at(conn),
        as_of=today,
        on_file=False,
        grade=None,
        on_red_list=False,
        on_black_list=False,
        measures=(),
    )


async def check_credit(client: ClientPrincipal, asked: CreditCheckIn) -> CreditCheckAnswer:
    """Check one person's credit for one of the department's procedures: 422
    ``procedure-unknown`` or 403 ``procedure-not-in-scope`` naming ``procedure``, 422
    ``invalid-id-number`` naming ``idNumber``, 422 ``name-mismatch`` naming ``name``; else the
    answer, logged in the citizen's query log in the same transaction."""
    today = today_in_shanghai()
    version, procedure = _procedure(asked.procedure, client, today)
    id_number = parse_id_number(asked.id_number, "idNumber")
    await adopt_current_keys([id_number])  # during a key rotation: found under any key
    index = id_number_index(id_number)
    for _ in range(2):
        async with transaction() as conn:
            citizen = await _citizen(conn, index, asked.name)
            if citizen is None:
                return await _answer_not_on_file(
                    conn, client, asked, procedure, version, id_number, today
                )
            raw = await scoring_store.stored_assessment_json(conn, citizen)
            if raw is not None:
                assessment = msgspec.json.decode(raw, type=Assessment)
                return await _answer_on_file(
                    conn, client, asked, procedure, version, citizen, index, assessment, today
                )
        # A citizen reported a moment ago, before the first card: score it now, then read.
        await stored_assessment(citizen)
    raise RuntimeError(f"citizen {citizen} has no card after scoring")
