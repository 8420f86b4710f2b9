"""Read models of repair: the citizen's applications, the repair options of a record, the credit
commitment text, the staff queues and case view (a case view is written to the query log)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

import msgspec

from backend.objections import evidence
from backend.objections.cases import (
    REPAIR,
    QueueFilter,
    Staff,
    audience_of,
    check_staff_access,
    department_principal,
    log_staff_look,
    not_found,
    queue_key,
    queue_sql,
    record_title,
    record_titles,
    steps,
    working_days_left,
)
from backend.objections.schemas import Deadline
from backend.platform.calendar import today_in_shanghai
from backend.platform.database import connection
from backend.platform.engine import DB
from backend.platform.errors import InvalidInput, NotFound
from backend.platform.language import Language, current_language, say
from backend.platform.pagination import Page, check_limit, decode_cursor, page_of
from backend.records.catalog import RepairPath
from backend.records.schemas import DepartmentRef
from backend.records.service import department_record
from backend.repairs import commitments
from backend.repairs.rules import eligibility, open_cases
from backend.repairs.schemas import (
    CommitmentOut,
    PathOption,
    RepairCase,
    RepairDetail,
    RepairOptions,
    RepairOut,
)

_SELECT = (
    "SELECT c.*, r.record_type, r.catalog_version, d.code AS department_code,"
    " d.name AS department_name FROM repair_application c JOIN record r ON r.id = c.record"
    " JOIN api_client d ON d.id = c.department"
)
_MAX_ID = 2**63 - 1
_OPEN = "c.status IN ('submitted', 'accepted')"

# Path names and what the citizen needs for each (zh-CN first, en second).
PATH_TEXTS: dict[str, tuple[str, str, str, str]] = {
    "obligation_fulfilled": (
        "主动履约", "Obligation fulfilled",
        "履行义务的证明（缴款凭证、和解协议、执行完毕证明等）",
        "Proof that the obligation was met (payment receipt, settlement, proof of execution)",
    ),
    "training_report": (
        "信用修复培训或信用报告", "Credit-repair training or a credit report",
        "培训结业证书或信用报告的编号及出具机构",
        "The training certificate or credit report, its number and issuer",
    ),
    "volunteer_service": (
        "志愿服务", "Volunteer service",
        "志愿服务时长及组织单位出具的证明", "Hours served and the organiser's certificate",
    ),
    "charitable_donation": (
        "慈善捐助", "Charitable donation",
        "依法登记的慈善组织出具的捐赠票据", "The receipt from a registered charity",
    ),
}  # fmt: skip


def deadline(row: Any, today: dt.date) -> Deadline | None:
    due = row["due_on"]
    if due is None:
        return None
    left = working_days_left(due, today)
    stage: Literal["reply", "decide"] = "reply" if row["status"] == "submitted" else "decide"
    return Deadline(
        stage=stage, due_on=due, working_days_left=left, overdue=due < today,
        near=due >= today and left <= 1,
    )  # fmt: skip


def repair_out(row: Any, today: dt.date) -> RepairOut:
    title_zh, title_en = record_titles(row["record_type"], row["catalog_version"])
    return RepairOut(
        id=row["id"], record_id=row["record"], record_type=row["record_type"],
        record_title=say(title_zh, title_en), record_title_zh=title_zh, record_title_en=title_en,
        department=DepartmentRef(code=row["department_code"], name=row["department_name"]),
        path=row["path"], statement=row["statement"], details=msgspec.json.decode(row["details"]),
        commitment_version=row["commitment_version"],
        commitment_language=row["commitment_language"],
        commitment_accepted_at=row["commitment_accepted_at"], status=row["status"],
        applied_on=row["applied_on"], reply_due_on=row["reply_due_on"],
        accepted_on=row["accepted_on"], decide_due_on=row["decide_due_on"],
        decision_reason=row["decision_reason"], decided_on=row["decided_on"],
        deadline=deadline(row, today), escalated=row["escalated_at"] is not None,
        created_at=row["created_at"], updated_at=row["updated_at"], closed_at=row["closed_at"],
    )  # fmt: skip


async def _fetch(conn: Any, case_id: int) -> Any:
    if not 1 <= case_id <= _MAX_ID:
        return None
    return await conn.fetchrow(f"{_SELECT} WHERE c.id = $1", case_id)


async def summary(case_id: int, *, today: dt.date | None = None) -> RepairOut:
    async with connection() as conn:
        row = await _fetch(conn, case_id)
    return repair_out(row, today or today_in_shanghai())


# --- the citizen --------------------------------------------------------------------------------


async def citizen_list(
    citizen_id: int,
    status: Literal["open", "closed", "all"],
    cursor: str | None,
    limit: int,
    *,
    today: dt.date | None = None,
) -> Page[RepairOut]:
    check_limit(limit)
    after = decode_cursor(cursor, tuple[int])
    condition = {"open": _OPEN, "closed": f"NOT ({_OPEN})", "all": "true"}[status]
    async with connection() as conn:
        rows = await conn.fetch(
            f"{_SELECT} WHERE c.citizen = $1 AND {condition}"
            " AND ($2::bigint IS NULL OR c.id < $2) ORDER BY c.id DESC LIMIT $3",
            citizen_id,
            after[0] if after else None,
            limit + 1,
        )
    day = today or today_in_shanghai()
    return page_of([repair_out(r, day) for r in rows], limit, lambda a: (a.id,))


async def citizen_detail(
    case_id: int, citizen_id: int, *, today: dt.date | None = None
) -> RepairDetail:
    async with connection() as conn:
        row = await _fetch(conn, case_id)
        if row is None or row["citizen"] != citizen_id:
            raise not_found(REPAIR, case_id)
        files = await evidence.list_for_case(conn, REPAIR, case_id)
        timeline = await steps(conn, REPAIR, case_id, audience="citizen")
    return RepairDetail(
        application=repair_out(row, today or today_in_shanghai()), evidence=files, steps=timeline
    )


async def repair_options(
    record_id: int, citizen_id: int, *, today: dt.date | None = None
) -> RepairOptions:
    """Whether the record can be repaired now, from when, and by which paths."""
    day = today or today_in_shanghai()
    async with connection() as conn:
        record = None
        if 1 <= record_id <= _MAX_ID:
            record = await conn.fetchrow("SELECT * FROM record WHERE id = $1", record_id)
        if record is None or record["citizen"] != citizen_id:
            raise NotFound(
                say(f"找不到您的信用记录（编号 {record_id}）",
                    f"record {record_id} is not one of your records"),
                code="record-not-found",
            )  # fmt: skip
        objection, repair = await open_cases(conn, record_id)
    found = eligibility(record, day, open_objection=objection, open_repair=repair)
    possible_from = found.possible_from
    return RepairOptions(
        record_id=record_id, record_type=record["record_type"],
        record_title=record_title(record["record_type"], record["catalog_version"]),
        severity=record["severity"],
        repairable=bool(found.paths), possible_now=found.blocker is None,
        possible_from=possible_from,
        days_until_possible=max((possible_from - day).days, 0) if possible_from else None,
        paths=[_path_option(code) for code in found.paths], blocked_by=found.blocker,
        open_application_id=repair, commitment_version=commitments.in_force(day).version,
    )  # fmt: skip


def path_name(code: str) -> str:
    """The repair path's name in the request's language."""
    name_zh, name_en, _, _ = PATH_TEXTS[code]
    return say(name_zh, name_en)


def _path_option(code: RepairPath) -> PathOption:
    name_zh, name_en, needs_zh, needs_en = PATH_TEXTS[code]
    return PathOption(
        code=code, name=say(name_zh, name_en), needs=say(needs_zh, needs_en), name_zh=name_zh,
        name_en=name_en, needs_zh=needs_zh, needs_en=needs_en,
    )  # fmt: skip


def commitment(language: Language | None = None, *, today: dt.date | None = None) -> CommitmentOut:
    """The commitment in force, in ``language`` or else the request's language."""
    language = language or current_language()
    current = commitments.in_force(today or today_in_shanghai())
    text = current.texts.get(language)
    if text is None:
        available = ", ".join(sorted(current.texts))
        raise InvalidInput(
            say(f"信用承诺书仅提供以下语言：{available}",
                f"the commitment is available in {available}"),
            field="language",
        )  # fmt: skip
    return CommitmentOut(
        version=current.version, effective_from=current.effective_from, language=language,
        title=text.title, body=text.body, sha256=current.sha256(language), source=current.source,
    )  # fmt: skip


# --- departments and officers -------------------------------------------------------------------


async def staff_queue(
    f: QueueFilter, cursor: str | None, limit: int, *, today: dt.date | None = None
) -> Page[RepairOut]:
    check_limit(limit)
    after = decode_cursor(cursor, tuple[dt.date, int])
    day = today or today_in_shanghai()
    sql, args = queue_sql(REPAIR, _SELECT, f, day, after, limit)
    async with connection() as conn:
        rows = await conn.fetch(sql, *args)
    items = [repair_out(r, day) for r in rows]
    return page_of(
        items, limit, lambda a: queue_key(a.deadline.due_on if a.deadline else None, a.id)
    )


async def staff_case(case_id: int, by: Staff, *, today: dt.date | None = None) -> RepairCase:
    day = today or today_in_shanghai()
    async with DB.transaction(), connection() as conn:
        row = await _fetch(conn, case_id)
        check_staff_access(REPAIR, row, by, case_id)
        files = await evidence.list_for_case(conn, REPAIR, case_id)
        timeline = await steps(conn, REPAIR, case_id, audience=audience_of(by))
        await log_staff_look(
            conn, row["citizen"], by,
            seen=f"repair application {case_id} for record {row['record']}"
                 f" ({row['record_type']}) and {len(files)} evidence file(s)",
            purpose=f"handling repair application {case_id} (信用修复)",
            basis=f"repair application {case_id}",
        )  # fmt: skip
        owner = await department_principal(conn, row["department"])
    record = await department_record(row["record"], owner)
    return RepairCase(
        application=repair_out(row, day), record=record, department_late=row["department_late"],
        evidence=files, steps=timeline,
    )  # fmt: skip
