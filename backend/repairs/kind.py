"""The repair application (信用修复申请) as a kind of case, declared as data.

    submitted ──accept──▶ accepted ──approve──▶ approved   (the record is repaired)
        └──reject──▶ rejected      └──deny──▶ denied
    submitted | accepted ──withdraw (the citizen)──▶ withdrawn
    submitted | accepted ──an objection revokes or corrects the record──▶ terminated

The department decides; an officer may act in its place once the case is overdue (a rule of
``backend.repairs.service``). The citizen hears the result within
``repair_notify_working_days`` of applying (the ``reply`` stage); once accepted, the decision is
due within ``repair_decide_working_days`` (the ``decide`` stage, never later than the reply).
"""

from __future__ import annotations

from backend.cases.kinds import Action, CaseKind, Stage, State, register

REPLY = Stage("reply", "repair_notify_working_days")
DECIDE = Stage("decide", "repair_decide_working_days")
OPEN = ("submitted", "accepted")

REPAIR = register(
    CaseKind(
        name="repair",
        table="repair_application",
        words=("信用修复申请", "repair application"),
        not_found_code="repair-not-found",
        states=(
            State("submitted", ("已提交", "submitted"), REPLY, department_turn=True),
            State("accepted", ("已受理", "accepted"), DECIDE, department_turn=True),
            State("rejected", ("不予受理", "rejected")),
            State("approved", ("准予修复", "approved")),
            State("denied", ("不予修复", "denied")),
            State("withdrawn", ("已撤回", "withdrawn")),
            State("terminated", ("已终止办理", "terminated")),
        ),
        actions=(
            Action("apply", ("申请", "applied for"), (), ("submitted",), frozenset({"citizen"})),
            Action("accept", ("受理", "accepted"), ("submitted",), ("accepted",)),
            Action("reject", ("不予受理", "rejected"), ("submitted",), ("rejected",), closes=True),
            Action("approve", ("准予修复", "approved"), ("accepted",), ("approved",), closes=True),
            Action("deny", ("不予修复", "denied"), ("accepted",), ("denied",), closes=True),
            Action("withdraw", ("撤回", "withdrawn"), OPEN, ("withdrawn",), frozenset({"citizen"})),
            # an objection's decision or the department revokes or corrects the record
            Action("terminate", ("终止办理", "terminated"), OPEN, ("terminated",)),
        ),
    )
)
