"""The objection (异议) as a kind of case, declared as data.

    submitted ──accept (department | officer)──▶ accepted ──propose (department)──▶ verifying
        │                                          │                                  │
        └──reject (department | officer)──▶ rejected   extend once (either, with a reason)
                                                                   decide (officer) ──┘
                                                          ▶ upheld | corrected | revoked
    submitted | accepted | verifying ──withdraw (the citizen)──▶ withdrawn

Acceptance is due within ``objection_accept_working_days`` of filing; verification and the
decision within ``objection_verify_working_days`` of acceptance (the ``verify`` stage runs on
through ``verifying``).
"""

from __future__ import annotations

from backend.cases.kinds import Action, CaseKind, Stage, State, register

ACCEPT = Stage("accept", "objection_accept_working_days")
VERIFY = Stage("verify", "objection_verify_working_days")
OPEN = ("submitted", "accepted", "verifying")

OBJECTION = register(
    CaseKind(
        name="objection",
        table="objection",
        words=("异议申请", "objection"),
        not_found_code="objection-not-found",
        may_change_record=True,
        states=(
            State("submitted", ("已提交", "submitted"), ACCEPT, department_turn=True),
            State("accepted", ("已受理", "accepted"), VERIFY, department_turn=True),
            State("verifying", ("核查完毕待决定", "verified"), VERIFY),
            State("rejected", ("不予受理", "rejected")),
            State("upheld", ("维持原记录", "upheld")),
            State("corrected", ("已更正", "corrected")),
            State("revoked", ("已撤销", "revoked")),
            State("withdrawn", ("已撤回", "withdrawn")),
        ),
        actions=(
            Action("submit", ("提交", "filed"), (), ("submitted",), frozenset({"citizen"})),
            Action("accept", ("受理", "accepted"), ("submitted",), ("accepted",)),
            Action("reject", ("不予受理", "rejected"), ("submitted",), ("rejected",), closes=True),
            Action("extend", ("延期", "extended"), ("accepted", "verifying")),
            Action(
                "propose",
                ("提交核查意见", "given a proposal"),
                ("accepted",),
                ("verifying",),
                frozenset({"department"}),
            ),
            Action(
                "decide",
                ("作出决定", "decided"),
                ("verifying",),
                ("upheld", "corrected", "revoked"),
                frozenset({"officer"}),
                closes=True,
            ),
            Action("withdraw", ("撤回", "withdrawn"), OPEN, ("withdrawn",), frozenset({"citizen"})),
        ),
    )
)
