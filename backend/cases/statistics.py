"""How promptly each department handles the cases against its records (政务诚信): cases
closed, on time and late (kept in ``department_case_stat`` as they happen), and open and overdue
(counted live), for every kind of case."""

from __future__ import annotations

from typing import Any

from backend.cases import store
from backend.cases.kinds import KINDS
from backend.cases.schemas import CaseCounts, DepartmentStatistics
from backend.platform.calendar import today_in_shanghai, unknown_years
from backend.platform.database import connection
from backend.records.schemas import DepartmentRef


async def department_statistics() -> list[DepartmentStatistics]:
    async with connection() as conn:
        # the kinds registered by then (every kind registers on import)
        rows = await store.handling_counts(conn, KINDS.values(), today_in_shanghai())
    by_department: dict[int, dict[str, Any]] = {}
    for r in rows:
        entry = by_department.setdefault(
            r.department, {"ref": DepartmentRef(code=r.code, name=r.name), "years": set()}
        )
        entry["years"].update(r.due_years or ())
        entry[r.case_kind] = CaseCounts(
            handled=r.handled,
            on_time=r.on_time,
            late=r.late,
            open=r.open,
            overdue=r.overdue,
        )
    empty = CaseCounts(handled=0, on_time=0, late=0, open=0, overdue=0)
    return [
        DepartmentStatistics(
            department=e["ref"],
            objections=e.get("objection", empty),
            repairs=e.get("repair", empty),
            reports=e.get("report", empty),
            unknown_calendar_years=_unknown_years(e["years"]),
        )
        for _, e in sorted(by_department.items(), key=lambda item: item[1]["ref"].code)
    ]


def _unknown_years(years: set[int]) -> list[int]:
    """Years of open deadlines that neither the calendar overrides nor ``chinese-calendar``
    know: those deadlines count weekends only until the year's arrangement is entered (the
    calendar logs the same once a day when it counts such a day)."""
    return unknown_years(years)
