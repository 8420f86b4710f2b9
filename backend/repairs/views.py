"""Read models of repair: the citizen's applications, the repair options of a record, the credit
commitment text, the staff queues and case view (a case view is written to the query log)."""

from __future__ import annotations

import datetime as dt

import msgspec

from backend.cases import store as cases_store
from backend.cases.machine import MAX_ID, record_title
from backend.cases.views import Answers, CaseReader, StaffLook, summary_of
from backend.platform.calendar import today_in_shanghai
from backend.platform.database import connection
from backend.platform.errors import InvalidInput, NotFound
from backend.platform.language import Language, current_language, say
from backend.records.catalog import RepairPath
from backend.repairs import commitments
from backend.repairs.kind import REPAIR
from backend.repairs.rules import eligibility, open_cases
from backend.repairs.schemas import (
    CommitmentOut,
    PathOption,
    RepairCase,
    RepairDetail,
    RepairOptions,
    RepairOut,
)
from backend.repairs.store import RepairRow

# Path names and what the citizen needs for each (zh-CN first, en second).
PATH_TEXTS: dict[str, tuple[str, str, str, str]] = {
    "obligation_fulfilled": (
        "主动履约",
        "Obligation fulfilled",
        "履行义务的证明（缴款凭证、和解协议、执行完毕证明等）",
        "Proof that the obligation was met (payment receipt, settlement, proof of execution)",
    ),
    "training_report": (
        "信用修复培训或信用报告",
        "Credit-repair training or a credit report",
        "培训结业证书或信用报告的编号及出具机构",
        "The training certificate or credit report, its number and issuer",
    ),
    "volunteer_service": (
        "志愿服务",
        "Volunteer service",
        "志愿服务时长及组织单位出具的证明",
        "Hours served and the organiser's certificate",
    ),
    "charitable_donation": (
        "慈善捐助",
        "Charitable donation",
        "依法登记的慈善组织出具的捐赠票据",
        "The receipt from a registered charity",
    ),
}


def repair_out(row: RepairRow, today: dt.date) -> RepairOut:
    return summary_of(REPAIR, RepairOut, row, today, details=msgspec.json.decode(row.details))


# The citizen's applications and the staff queues and case view, on the generic reader; a staff
# look is written to the query log in these words.
LOOKED_AT = StaffLook(
    "for record {record} ({record_type}) and {files} evidence file(s)", handling="信用修复"
)
ANSWERS = Answers("application", RepairDetail, RepairCase)
READER = CaseReader(REPAIR, RepairRow, repair_out, answers=ANSWERS, looked_at=LOOKED_AT)
summary = READER.summary
citizen_list = READER.citizen_list
citizen_detail = READER.citizen_detail
staff_queue = READER.staff_queue
staff_case = READER.staff_case


async def repair_options(record_id: int, citizen_id: int) -> RepairOptions:
    """Whether the record can be repaired now, from when, and by which paths."""
    day = today_in_shanghai()
    async with connection() as conn:
        record = None
        if 1 <= record_id <= MAX_ID:
            record = await cases_store.case_record(conn, record_id)
        if record is None or record.citizen != citizen_id:
            raise NotFound(
                say(
                    f"找不到您的信用记录（编号 {record_id}）",
                    f"record {record_id} is not one of your records",
                ),
                code="record-not-found",
            )
        objection, repair = await open_cases(conn, record_id)
    found = eligibility(record, day, open_objection=objection, open_repair=repair)
    possible_from = found.possible_from
    return RepairOptions(
        record_id=record_id,
        record_type=record.record_type,
        record_title=record_title(record.record_type, record.catalog_version),
        severity=record.severity,
        repairable=bool(found.paths),
        possible_now=found.blocker is None,
        possible_from=possible_from,
        days_until_possible=max((possible_from - day).days, 0) if possible_from else None,
        paths=[_path_option(code) for code in found.paths],
        blocked_by=found.blocker,
        open_application_id=repair,
        commitment_version=commitments.in_force(day).version,
    )


def path_name(code: str) -> str:
    """The repair path's name in the request's language."""
    name_zh, name_en, _, _ = PATH_TEXTS[code]
    return say(name_zh, name_en)


def _path_option(code: RepairPath) -> PathOption:
    name_zh, name_en, needs_zh, needs_en = PATH_TEXTS[code]
    return PathOption(
        code=code,
        name=say(name_zh, name_en),
        needs=say(needs_zh, needs_en),
        name_zh=name_zh,
        name_en=name_en,
        needs_zh=needs_zh,
        needs_en=needs_en,
    )


def commitment(language: Language | None = None) -> CommitmentOut:
    """The commitment in force, in ``language`` or else the request's language."""
    language = language or current_language()
    current = commitments.in_force(today_in_shanghai())
    text = current.texts.get(language)
    if text is None:
        available = ", ".join(sorted(current.texts))
        raise InvalidInput(
            say(
                f"信用承诺书仅提供以下语言：{available}",
                f"the commitment is available in {available}",
            ),
            field="language",
        )
    return CommitmentOut(
        version=current.version,
        effective_from=current.effective_from,
        language=language,
        title=text.title,
        body=text.body,
        sha256=current.sha256(language),
        source=current.source,
    )
