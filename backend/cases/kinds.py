"""The state machine of a kind of case, declared as data: its states, the actions that move a
case between them and who may take each, and the deadline of each stage in working days.

A kind declares itself once (``backend/objections/kind.py``, ``backend/repairs/kind.py``) and
registers here; the machinery of ``backend.cases`` reads the declaration and never names a
kind.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Literal

from backend.platform import runtime
from backend.platform.calendar import add_working_days

ActorRole = Literal["citizen", "department", "officer", "system"]


@dataclass(frozen=True)
class Stage:
    """A stage of an open case: its name on the wire (``Deadline.stage``) and how many working
    days it lasts: the setting named by ``working_days_setting``, or ``days()`` where content
    holds it (None for both: the stage keeps the deadline it inherits)."""

    name: str
    working_days_setting: str | None = None
    days: Callable[[], int] | None = None

    def due_after(self, day: dt.date) -> dt.date:
        """The stage's deadline when it starts on ``day``."""
        if self.days is not None:
            return add_working_days(day, self.days())
        if self.working_days_setting is None:
            raise ValueError(f"stage {self.name} sets no deadline of its own")
        days = getattr(runtime.current().settings, self.working_days_setting)
        return add_working_days(day, days)


@dataclass(frozen=True)
class State:
    """A status a case can be in. An open state has a stage (and so a deadline); a closed one
    has none. ``department_turn``: the department must act next, so a lapsed deadline counts
    against it (政务诚信)."""

    name: str
    words: tuple[str, str]  # zh-CN, en: how problem details name it
    stage: Stage | None = None
    department_turn: bool = False

    @property
    def is_open(self) -> bool:
        return self.stage is not None


@dataclass(frozen=True)
class Action:
    """An action that moves a case: from which states, to which (several for a decision with
    outcomes, none when the status stays), by whom, and how a refusal names it."""

    name: str  # accept, reject, ... (the step's ``action``)
    past: tuple[str, str]  # zh-CN, en: "cannot be {past} now"
    from_states: tuple[str, ...]
    to_states: tuple[str, ...] = ()
    by: frozenset[ActorRole] = frozenset({"department", "officer"})
    closes: bool = False  # a decision that closes the case: counted as handled (政务诚信)


@dataclass(frozen=True, kw_only=True)
class CaseKind:
    """One kind of case (异议, 信用修复, ...)."""

    name: str  # objection | repair: the step's ``case_kind``, the audit type, the event prefix
    table: str
    words: tuple[str, str]  # zh-CN, en: what a citizen calls one case of this kind
    states: tuple[State, ...]
    actions: tuple[Action, ...]
    # Its decision may revoke or correct the record (an objection): other kinds' decisions on
    # the record (a repair's approval) wait while such a case is open.
    may_change_record: bool = False
    # The case is about one of the citizen's records (an objection, a repair) and its table has
    # ``record`` and ``citizen``; a report is about someone else and has neither: the machine
    # reaches its parties through the hooks the kind registers (``machine.register_party``).
    about_record: bool = True
    not_found_code: str = ""  # the problem code of a missing case; ``<name>-not-found`` if ""
    _states: dict[str, State] = field(init=False, repr=False, compare=False)
    _actions: dict[str, Action] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.not_found_code:
            object.__setattr__(self, "not_found_code", f"{self.name}-not-found")
        object.__setattr__(self, "_states", {s.name: s for s in self.states})
        object.__setattr__(self, "_actions", {a.name: a for a in self.actions})
        for action in self.actions:
            unknown = {*action.from_states, *action.to_states} - self._states.keys()
            if unknown:
                raise ValueError(f"{self.name}.{action.name} names unknown states {unknown}")

    @property
    def filing(self) -> Action:
        """The citizen's action that opens a case (from no state): ``submit``, ``apply``."""
        return next(a for a in self.actions if not a.from_states)

    @property
    def open_statuses(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.states if s.is_open)

    @property
    def department_turn(self) -> frozenset[str]:
        return frozenset(s.name for s in self.states if s.department_turn)

    def is_open(self, status: str) -> bool:
        state = self._states.get(status)
        return state is not None and state.is_open

    def state(self, status: str) -> State:
        return self._states[status]

    def action(self, name: str) -> Action:
        return self._actions[name]

    def status_words(self, status: str) -> tuple[str, str]:
        state = self._states.get(status)
        return state.words if state else (status, status)


# --- what every kind of case a citizen files shares ------------------------------------------


def intake_states(submitted: Stage, accepted: Stage) -> tuple[State, ...]:
    """The citizen files a case (``submitted``) and the department accepts it (``accepted``)
    or rejects it (``rejected``, 不予受理); until it is decided, the citizen may withdraw it
    (``withdrawn``, 撤回). Both open states are the department's turn, each in the stage the
    kind gives it."""
    return (
        State("submitted", ("已提交", "submitted"), submitted, department_turn=True),
        State("accepted", ("已受理", "accepted"), accepted, department_turn=True),
        State("rejected", ("不予受理", "rejected")),
        State("withdrawn", ("已撤回", "withdrawn")),
    )


def intake_actions(
    filing: str, filed: tuple[str, str], withdrawable: tuple[str, ...]
) -> tuple[Action, ...]:
    """The citizen's filing (named as the kind calls it: ``submit``, ``apply``), the
    department's (or an officer's) acceptance and rejection, and the citizen's withdrawal from
    any of the ``withdrawable`` states."""
    return (
        Action(filing, filed, (), ("submitted",), frozenset({"citizen"})),
        Action("accept", ("受理", "accepted"), ("submitted",), ("accepted",)),
        Action("reject", ("不予受理", "rejected"), ("submitted",), ("rejected",), closes=True),
        Action(
            "withdraw", ("撤回", "withdrawn"), withdrawable, ("withdrawn",), frozenset({"citizen"})
        ),
    )


KINDS: dict[str, CaseKind] = {}


def record_changing_kinds() -> tuple[CaseKind, ...]:
    return tuple(kind for kind in KINDS.values() if kind.may_change_record)


def register(kind: CaseKind) -> CaseKind:
    """Make a kind known to the shared machinery (statistics, deadline checks)."""
    KINDS[kind.name] = kind
    return kind


def sql_list(statuses: Iterable[str]) -> str:
    """Statuses as an SQL ``IN`` list (they come from declarations, never from input)."""
    return ", ".join(f"'{s}'" for s in statuses)
