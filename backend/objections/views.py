"""Read models of objections: how one objection reads, and the citizen's and staff's views of
it, on the generic readers of ``backend.cases.views``."""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec

from backend.cases.machine import Staff
from backend.cases.views import CaseReader, summary_fields
from backend.objections.kind import OBJECTION
from backend.objections.schemas import (
    ObjectionCase,
    ObjectionDetail,
    ObjectionOut,
    Proposal,
    ProposedCorrection,
)


def objection_out(row: Any, today: dt.date) -> ObjectionOut:
    return ObjectionOut(
        **summary_fields(OBJECTION, row, today),
        reason_category=row["reason_category"],
        filed_on=row["filed_on"],
        accept_due_on=row["accept_due_on"],
        verify_due_on=row["verify_due_on"],
        extended=row["extended"],
        extension_reason=row["extension_reason"],
    )


READER = CaseReader(OBJECTION, objection_out)
summary = READER.summary
citizen_list = READER.citizen_list
staff_queue = READER.staff_queue


async def citizen_detail(case_id: int, citizen_id: int) -> ObjectionDetail:
    found = await READER.citizen_case(case_id, citizen_id)
    return ObjectionDetail(objection=found.summary, evidence=found.evidence, steps=found.steps)


def _looked_at(row: Any, files: int) -> tuple[str, str, str]:
    case_id = row["id"]
    return (
        f"objection {case_id} with record {row['record']} ({row['record_type']}),"
        f" the statement and {files} evidence file(s)",
        f"handling objection {case_id} (异议处理)",
        f"objection {case_id}",
    )


async def staff_case(case_id: int, by: Staff) -> ObjectionCase:
    """One case with the record, the proposal and the evidence; the look is query-logged."""
    found = await READER.staff_case(case_id, by, looked_at=_looked_at)
    row = found.row
    proposal = None
    if row["proposed_outcome"] is not None:
        correction = row["proposed_correction"]
        proposal = Proposal(
            outcome=row["proposed_outcome"],
            reason=row["proposal_reason"],
            correction=(
                msgspec.json.decode(correction, type=ProposedCorrection) if correction else None
            ),
        )
    return ObjectionCase(
        objection=found.summary,
        record=found.record,
        proposal=proposal,
        department_late=row["department_late"],
        evidence=found.evidence,
        steps=found.steps,
    )
