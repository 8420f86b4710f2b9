"""How promptly each department handles the cases against its records (政务诚信): cases
closed, on time and late (kept in ``department_case_stat`` as they happen), and open and overdue
(counted live), for every kind of case."""

from __future__ import annotations

from typing import Any

from backend.cases.kinds import KINDS, sql_list
from backend.cases.schemas import CaseCounts, DepartmentStatistics
from backend.platform.calendar import today_in_shanghai, unknown_years
from backend.platform.database import connection
from backend.records.schemas import DepartmentRef


async def department_statistics() -> list[DepartmentStatistics]:
    async with connection() as conn:
        rows = await conn.fetch(_statistics_sql(), today_in_shanghai())
    by_department: dict[int, dict[str, Any]] = {}
    for r in rows:
        entry = by_department.setdefault(
            r["department"], {"ref": DepartmentRef(code=r["code"], name=r["name"]), "years": set()}
        )
        entry["years"].update(r["due_years"] or ())
        entry[r["case_kind"]] = CaseCounts(
            handled=r["handled"],
            on_time=r["on_time"],
            late=r["late"],
            open=r["open"],
            overdue=r["overdue"],
        )
    empty = CaseCounts(handled=0, on_time=0, late=0, open=0, overdue=0)
    return [
        DepartmentStatistics(
            department=e["ref"],
            objections=e.get("objection", empty),
            repairs=e.get("repair", empty),
            unknown_calendar_years=_unknown_years(e["years"]),
        )
        for _, e in sorted(by_department.items(), key=lambda item: item[1]["ref"].code)
    ]


def _unknown_years(years: set[int]) -> list[int]:
    """Years of open deadlines that neither the calendar overrides nor ``chinese-calendar``
    know: those deadlines count weekends only until the year's arrangement is entered (the
    calendar logs the same once a day when it counts such a day)."""
    return unknown_years(years)


_OPEN_COUNTS = (
    "SELECT department, '{kind}' AS case_kind, count(*) AS open,"
    " count(*) FILTER (WHERE due_on < $1) AS overdue,"
    " array_agg(DISTINCT extract(year FROM due_on)::int) FILTER (WHERE due_on IS NOT NULL)"
    " AS due_years FROM {table} WHERE status IN ({statuses}) GROUP BY department"
)


def _statistics_sql() -> str:
    """Built on call from the kinds registered by then (every kind registers on import)."""
    live = " UNION ALL ".join(
        _OPEN_COUNTS.format(kind=k.name, table=k.table, statuses=sql_list(k.open_statuses))
        for k in KINDS.values()
    )
    return (
        f"WITH live AS ({live}), keys AS (SELECT department, case_kind FROM department_case_stat"
        " UNION SELECT department, case_kind FROM live)"
        " SELECT k.department, k.case_kind, d.code, d.name,"
        " coalesce(s.handled, 0) AS handled, coalesce(s.on_time, 0) AS on_time,"
        " coalesce(s.late, 0) AS late, coalesce(l.open, 0) AS open,"
        " coalesce(l.overdue, 0) AS overdue, l.due_years"
        " FROM keys k JOIN api_client d ON d.id = k.department"
        " LEFT JOIN department_case_stat s ON s.department = k.department"
        " AND s.case_kind = k.case_kind"
        " LEFT JOIN live l ON l.department = k.department AND l.case_kind = k.case_kind"
    )
