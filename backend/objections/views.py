"""Read models of objections: how one objection reads, and the citizen's and staff's views of
it, on the generic readers of ``backend.cases.views``."""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec

from backend.cases.machine import Staff
from backend.cases.views import Answers, CaseReader, StaffLook, summary_of
from backend.objections.kind import OBJECTION
from backend.objections.schemas import (
    ObjectionCase,
    ObjectionDetail,
    ObjectionOut,
    Proposal,
    ProposedCorrection,
)
from backend.objections.store import ObjectionRow


def objection_out(row: ObjectionRow, today: dt.date) -> ObjectionOut:
    return summary_of(OBJECTION, ObjectionOut, row, today)


def _proposal(row: ObjectionRow) -> dict[str, Any]:
    """The department's proposal, once it made one."""
    if row.proposed_outcome is None or row.proposal_reason is None:  # set together
        return {"proposal": None}
    correction = row.proposed_correction
    proposal = Proposal(
        outcome=row.proposed_outcome,
        reason=row.proposal_reason,
        correction=msgspec.json.decode(correction, type=ProposedCorrection) if correction else None,
    )
    return {"proposal": proposal}


ANSWERS = Answers("objection", ObjectionDetail, ObjectionCase)
LOOKED_AT = StaffLook(
    "with record {record} ({record_type}), the statement and {files} evidence file(s)",
    handling="异议处理",
)
READER = CaseReader(OBJECTION, ObjectionRow, objection_out, answers=ANSWERS, looked_at=LOOKED_AT)
summary = READER.summary
citizen_list = READER.citizen_list
citizen_detail = READER.citizen_detail
staff_queue = READER.staff_queue


async def staff_case(case_id: int, by: Staff) -> ObjectionCase:
    """One case with the record, the department's proposal and the evidence; the look is
    query-logged."""
    return await READER.staff_case(case_id, by, extras=_proposal)
