"""The objection (异议) as a kind of case, declared as data.

    submitted ──accept (department | officer)──▶ accepted ──propose (department)──▶ verifying
        │                                          │                                  │
        └──reject (department | officer)──▶ rejected   extend once (either, with a reason)
                                                                   decide (officer) ──┘
                                                          ▶ upheld | corrected | revoked
    submitted | accepted | verifying ──withdraw (the citizen)──▶ withdrawn

Acceptance is due within ``objection_accept_working_days`` of filing; verification and the
decision within ``objection_verify_working_days`` of acceptance (the ``verify`` stage runs on
through ``verifying``). Filing, acceptance, rejection and withdrawal are what every kind shares
(``backend.cases.kinds.intake_states``, ``intake_actions``).
"""

from __future__ import annotations

from backend.cases import kinds

ACCEPT = kinds.Stage("accept", "objection_accept_working_days")
VERIFY = kinds.Stage("verify", "objection_verify_working_days")
OPEN = ("submitted", "accepted", "verifying")

OBJECTION = kinds.register(
    kinds.CaseKind(
        name="objection",
        table="objection",
        words=("异议申请", "objection"),
        may_change_record=True,
        states=(
            *kinds.intake_states(ACCEPT, VERIFY),
            kinds.State("verifying", ("核查完毕待决定", "verified"), VERIFY),
            kinds.State("upheld", ("维持原记录", "upheld")),
            kinds.State("corrected", ("已更正", "corrected")),
            kinds.State("revoked", ("已撤销", "revoked")),
        ),
        actions=(
            *kinds.intake_actions("submit", ("提交", "filed"), OPEN),
            kinds.Action("extend", ("延期", "extended"), ("accepted", "verifying")),
            kinds.Action(
                "propose",
                ("提交核查意见", "given a proposal"),
                ("accepted",),
                ("verifying",),
                frozenset({"department"}),
            ),
            kinds.Action(
                "decide",
                ("作出决定", "decided"),
                ("verifying",),
                ("upheld", "corrected", "revoked"),
                frozenset({"officer"}),
                closes=True,
            ),
        ),
    )
)
