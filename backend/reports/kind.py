"""The report (举报) as a kind of case, declared as data.

    submitted ──accept (department | officer)──▶ accepted ──decide (department | officer)──▶
        │                                          │        substantiated | unsubstantiated
        └──reject (department | officer)──▶ rejected          | malicious
                                                   extend once (either, with a reason)
    submitted ──transfer (officer)──▶ submitted, at another department
    submitted | accepted ──withdraw (the reporter)──▶ withdrawn

Acceptance is due within the reporting rules' ``accept_working_days`` of filing, the decision
within ``decide_working_days`` of acceptance (content, ``content/reporting/``); an extension adds
``extension_working_days`` once. A report is about no record of the reporter's: the machine
reaches its parties through :mod:`backend.reports.parties`.
"""

from __future__ import annotations

from backend.cases import kinds
from backend.reports import content


def _accept_days() -> int:
    return content.in_force_today().accept_working_days


def _decide_days() -> int:
    return content.in_force_today().decide_working_days


ACCEPT = kinds.Stage("accept", days=_accept_days)
DECIDE = kinds.Stage("decide", days=_decide_days)
OPEN = ("submitted", "accepted")
OUTCOMES = ("substantiated", "unsubstantiated", "malicious")

REPORT = kinds.register(
    kinds.CaseKind(
        name="report",
        table="report",
        words=("举报", "report"),
        about_record=False,
        states=(
            *kinds.intake_states(ACCEPT, DECIDE),
            kinds.State("substantiated", ("举报属实", "substantiated")),
            kinds.State("unsubstantiated", ("举报不属实", "not substantiated")),
            kinds.State("malicious", ("恶意举报", "found malicious")),
        ),
        actions=(
            *kinds.intake_actions("submit", ("提交", "filed"), OPEN),
            kinds.Action("extend", ("延期", "extended"), ("accepted",)),
            kinds.Action(
                "transfer",
                ("转办", "transferred"),
                ("submitted",),
                ("submitted",),
                frozenset({"officer"}),
            ),
            kinds.Action("decide", ("作出决定", "decided"), ("accepted",), OUTCOMES, closes=True),
        ),
    )
)
