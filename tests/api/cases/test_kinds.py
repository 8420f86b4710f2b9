"""The state machine of a kind is data: declarations are checked, and the machine enforces who
may take an action and from which states."""

from __future__ import annotations

import pytest

from backend.cases.kinds import Action, CaseKind, State
from backend.cases.machine import require_status
from backend.objections.kind import OBJECTION
from backend.platform.audit import Actor
from backend.platform.errors import Conflict, Forbidden
from backend.repairs.kind import REPAIR


def test_a_declaration_naming_an_unknown_state_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown states"):
        CaseKind(
            name="report",
            table="report",
            words=("举报", "report"),
            not_found_code="x",
            states=(State("submitted", ("已提交", "submitted")),),
            actions=(Action("accept", ("受理", "accepted"), ("submitted",), ("accepted",)),),
        )


def test_open_states_and_department_turns_come_from_the_declaration() -> None:
    assert OBJECTION.open_statuses == ("submitted", "accepted", "verifying")
    assert REPAIR.open_statuses == ("submitted", "accepted")
    assert OBJECTION.department_turn == frozenset({"submitted", "accepted"})


def test_an_actor_the_kind_does_not_allow_is_forbidden() -> None:
    row = {"id": 1, "status": "verifying"}
    with pytest.raises(Forbidden):
        require_status(OBJECTION, row, "decide", Actor("department", "3"))
    require_status(OBJECTION, row, "decide", Actor("officer", "7"))


def test_an_action_from_the_wrong_state_is_a_conflict() -> None:
    with pytest.raises(Conflict) as refused:
        require_status(REPAIR, {"id": 2, "status": "submitted"}, "approve")
    assert refused.value.code == "invalid-transition"
    with pytest.raises(Conflict) as closed:
        require_status(REPAIR, {"id": 2, "status": "approved"}, "approve")
    assert closed.value.code == "case-closed"
