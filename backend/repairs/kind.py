"""The repair application (信用修复申请) as a kind of case, declared as data.

    submitted ──accept──▶ accepted ──approve──▶ approved   (the record is repaired)
        └──reject──▶ rejected      └──deny──▶ denied
    submitted | accepted ──withdraw (the citizen)──▶ withdrawn
    submitted | accepted ──an objection revokes or corrects the record──▶ terminated

The department decides; an officer may act in its place once the case is overdue (a rule of
``backend.repairs.service``). The citizen hears the result within
``repair_notify_working_days`` of applying (the ``reply`` stage); once accepted, the decision is
due within ``repair_decide_working_days`` (the ``decide`` stage, never later than the reply).
Applying, acceptance, rejection and withdrawal are what every kind shares
(``backend.cases.kinds.intake_states``, ``intake_actions``).
"""

from __future__ import annotations

from backend.cases import kinds

REPLY = kinds.Stage("reply", "repair_notify_working_days")
DECIDE = kinds.Stage("decide", "repair_decide_working_days")
OPEN = ("submitted", "accepted")

REPAIR = kinds.register(
    kinds.CaseKind(
        name="repair",
        table="repair_application",
        words=("信用修复申请", "repair application"),
        states=(
            *kinds.intake_states(REPLY, DECIDE),
            kinds.State("approved", ("准予修复", "approved")),
            kinds.State("denied", ("不予修复", "denied")),
            kinds.State("terminated", ("已终止办理", "terminated")),
        ),
        actions=(
            *kinds.intake_actions("apply", ("申请", "applied for"), OPEN),
            kinds.Action(
                "approve", ("准予修复", "approved"), ("accepted",), ("approved",), closes=True
            ),
            kinds.Action("deny", ("不予修复", "denied"), ("accepted",), ("denied",), closes=True),
            # an objection's decision or the department revokes or corrects the record
            kinds.Action("terminate", ("终止办理", "terminated"), OPEN, ("terminated",)),
        ),
    )
)
