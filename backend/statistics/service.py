"""The office's statistics, summed from the cells the store groups in PostgreSQL, and the charts
drawn from them. Months run up to the current business month (Asia/Shanghai, the runtime clock);
names come from the content in force (catalog domains, grades, benefits) in the request's
language. The case counts are the case machine's own (``backend.cases.statistics``): this
module adds the on-time rate and the working days to decide, and counts nothing twice."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from backend.cases import statistics as case_counts
from backend.cases.kinds import CaseKind
from backend.cases.schemas import CaseCounts
from backend.content.benefits import benefit_set
from backend.objections.kind import OBJECTION
from backend.platform import runtime
from backend.platform.calendar import today_in_shanghai, working_days_between
from backend.platform.clock import SHANGHAI
from backend.platform.database import connection
from backend.platform.language import say
from backend.records import integrity
from backend.records.catalog import add_months, catalog_set
from backend.records.schemas import DepartmentRef
from backend.repairs.kind import REPAIR
from backend.reports.kind import REPORT
from backend.statistics import charts, store
from backend.statistics.schemas import (
    BenefitVerifications,
    BodyIntegrity,
    CaseHandling,
    CaseStatistics,
    DepartmentCaseHandling,
    DepartmentRecordCounts,
    DomainRecordCounts,
    GradeCount,
    GradeStatistics,
    GroupCounts,
    HandlingTimeliness,
    IntegrityCounts,
    IntegrityStatistics,
    ListMonth,
    ListMoves,
    ListStatistics,
    NotificationCounts,
    NotificationMonth,
    NotificationStatistics,
    OccupationalGroupRecords,
    OccupationStatistics,
    RecordMonth,
    RecordStatistics,
    ReportingTimeliness,
    SeverityCounts,
    VerificationCounts,
    VerificationStatistics,
)
from backend.statistics.store import RecordCell

MAX_MONTHS = 36  # three years: the longest display period (严重, serious) the office reports on
DEFAULT_MONTHS = 12
MAX_DAYS = 365
DEFAULT_DAYS = 30
UNKNOWN_COLOUR = "#757575"  # a grade no rules version names any more


# --- the months counted -------------------------------------------------------------------------


@dataclass(frozen=True)
class MonthWindow:
    """Whole calendar months ending with the current one: ``firsts`` are their first days."""

    today: dt.date
    firsts: tuple[dt.date, ...]

    @classmethod
    def ending_on(cls, today: dt.date, months: int) -> MonthWindow:
        current = today.replace(day=1)
        return cls(today, tuple(add_months(current, n - months + 1) for n in range(months)))

    @property
    def since(self) -> dt.date:
        return self.firsts[0]

    @property
    def until(self) -> dt.date:
        """The first day after the window (exclusive end)."""
        return add_months(self.firsts[-1], 1)

    def instants(self) -> tuple[dt.datetime, dt.datetime]:
        """The window as instants: midnight in Asia/Shanghai at both ends."""
        return _midnight(self.since), _midnight(self.until)


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), tzinfo=SHANGHAI)


def month_text(first: dt.date) -> str:
    return f"{first.year:04d}-{first.month:02d}"


def _window(months: int) -> MonthWindow:
    if not 1 <= months <= MAX_MONTHS:
        raise ValueError(f"months must be 1 to {MAX_MONTHS}")  # the routes validate it first
    return MonthWindow.ending_on(today_in_shanghai(), months)


# --- records ------------------------------------------------------------------------------------

KINDS_OF_RECORD = ("good", "minor", "general", "serious")


def _kind_of_record(cell: RecordCell) -> str:
    return "good" if cell.polarity == "good" else cell.severity or "general"


def _severity_counts(counts: Counter[str]) -> SeverityCounts:
    return SeverityCounts(
        total=sum(counts.values()),
        good=counts["good"],
        minor=counts["minor"],
        general=counts["general"],
        serious=counts["serious"],
    )


@dataclass
class _RecordTally:
    """Records added up by kind, in all and per domain and department (by code)."""

    counts: Counter[str] = field(default_factory=Counter)
    domains: defaultdict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    departments: defaultdict[str, Counter[str]] = field(
        default_factory=lambda: defaultdict(Counter)
    )

    def add(self, cell: RecordCell) -> None:
        kind = _kind_of_record(cell)
        self.counts[kind] += cell.records
        self.domains[cell.domain][kind] += cell.records
        self.departments[cell.department_code][kind] += cell.records


def _domain_names() -> dict[str, tuple[str, str]]:
    """Every domain any catalog version names, as the newest names it: (zh, en)."""
    names: dict[str, tuple[str, str]] = {}
    for catalog in catalog_set().catalogs:
        names.update({code: (d.name_zh, d.name_en) for code, d in catalog.domains.items()})
    return names


def _by_domain(
    domains: dict[str, Counter[str]], names: dict[str, tuple[str, str]]
) -> list[DomainRecordCounts]:
    ordered = sorted(domains.items(), key=lambda item: (-sum(item[1].values()), item[0]))
    found = []
    for code, counts in ordered:
        zh, en = names.get(code, (code, code))
        found.append(
            DomainRecordCounts(
                domain=code, name=say(zh, en), name_zh=zh, counts=_severity_counts(counts)
            )
        )
    return found


def _by_department(
    departments: dict[str, Counter[str]], names: dict[str, str]
) -> list[DepartmentRecordCounts]:
    return [
        DepartmentRecordCounts(
            department=DepartmentRef(code=code, name=names[code]),
            counts=_severity_counts(counts),
        )
        for code, counts in sorted(departments.items())
    ]


async def record_statistics(months: int = DEFAULT_MONTHS) -> RecordStatistics:
    """Records by the month of their decision, by domain, severity and department."""
    window = _window(months)
    async with connection() as conn:
        cells = await store.record_cells(conn, since=window.since, until=window.until)
    totals = _RecordTally()
    per_month: defaultdict[dt.date, _RecordTally] = defaultdict(_RecordTally)
    department_names: dict[str, str] = {}
    for cell in cells:
        totals.add(cell)
        per_month[cell.month].add(cell)
        department_names[cell.department_code] = cell.department_name
    domain_names = _domain_names()
    return RecordStatistics(
        as_of=window.today,
        first_month=month_text(window.since),
        last_month=month_text(window.firsts[-1]),
        totals=_severity_counts(totals.counts),
        domains=_by_domain(totals.domains, domain_names),
        departments=_by_department(totals.departments, department_names),
        months=[
            RecordMonth(
                month=month_text(first),
                counts=_severity_counts(per_month[first].counts),
                domains=_by_domain(per_month[first].domains, domain_names),
                departments=_by_department(per_month[first].departments, department_names),
            )
            for first in window.firsts
        ],
    )


# --- grades -------------------------------------------------------------------------------------


def _share(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


async def grade_statistics(days: int = DEFAULT_DAYS) -> GradeStatistics:
    """Citizens per grade now and ``days`` days ago, top band first."""
    if not 1 <= days <= MAX_DAYS:
        raise ValueError(f"days must be 1 to {MAX_DAYS}")  # the routes validate it first
    today = today_in_shanghai()
    then = today - dt.timedelta(days=days)
    async with connection() as conn:
        now_counts = {t.grade: t.citizens for t in await store.grades_now(conn)}
        then_counts = {t.grade: t.citizens for t in await store.grades_on(conn, then)}
    rules = runtime.current().rules.in_force(today)
    known = [grade.code for grade in rules.grades]
    older = sorted((now_counts.keys() | then_counts.keys()) - set(known))
    citizens = sum(now_counts.values())
    grades = []
    for code in [*known, *older]:
        grade = rules.grade(code)
        zh, en = (grade.name_zh, grade.name_en) if grade else (code, code)
        now, before = now_counts.get(code, 0), then_counts.get(code, 0)
        grades.append(
            GradeCount(
                grade=code,
                name=say(zh, en),
                name_zh=zh,
                colour=grade.colour if grade else UNKNOWN_COLOUR,
                citizens=now,
                share=_share(now, citizens),
                citizens_then=before,
                change=now - before,
            )
        )
    return GradeStatistics(
        as_of=today,
        compared_with=then,
        citizens=citizens,
        citizens_then=sum(then_counts.values()),
        grades=grades,
    )


# --- cases --------------------------------------------------------------------------------------


@dataclass
class _DecisionDays:
    """Working days from filing to decision, summed over the cases decided."""

    cases: int = 0
    working_days: int = 0

    def add(self, other: _DecisionDays) -> None:
        self.cases += other.cases
        self.working_days += other.working_days

    @property
    def average(self) -> float | None:
        return round(self.working_days / self.cases, 2) if self.cases else None


async def _decision_days(kind: CaseKind) -> dict[str, _DecisionDays]:
    """Per department code."""
    async with connection() as conn:
        times = await store.decision_times(conn, kind)
    found: defaultdict[str, _DecisionDays] = defaultdict(_DecisionDays)
    for row in times:
        days = working_days_between(row.filed_on, row.decided_on)
        found[row.department_code].add(_DecisionDays(row.cases, days * row.cases))
    return found


def _handling(counts: CaseCounts, days: _DecisionDays) -> CaseHandling:
    return CaseHandling(
        handled=counts.handled,
        on_time=counts.on_time,
        late=counts.late,
        open=counts.open,
        overdue=counts.overdue,
        on_time_rate=round(counts.on_time / counts.handled, 4) if counts.handled else None,
        average_working_days=days.average,
    )


def _summed(counts: Iterable[CaseCounts]) -> CaseCounts:
    listed = list(counts)
    return CaseCounts(
        handled=sum(c.handled for c in listed),
        on_time=sum(c.on_time for c in listed),
        late=sum(c.late for c in listed),
        open=sum(c.open for c in listed),
        overdue=sum(c.overdue for c in listed),
    )


def _all_days(days: dict[str, _DecisionDays]) -> _DecisionDays:
    total = _DecisionDays()
    for one in days.values():
        total.add(one)
    return total


async def case_statistics() -> CaseStatistics:
    """Objections, repair applications and reports per department: the case machine's counts,
    with the on-time rate and the average working days from filing to decision."""
    departments = await case_counts.department_statistics()
    objection_days = await _decision_days(OBJECTION)
    repair_days = await _decision_days(REPAIR)
    report_days = await _decision_days(REPORT)
    none = _DecisionDays()
    return CaseStatistics(
        as_of=today_in_shanghai(),
        objections=_handling(_summed(d.objections for d in departments), _all_days(objection_days)),
        repairs=_handling(_summed(d.repairs for d in departments), _all_days(repair_days)),
        reports=_handling(_summed(d.reports for d in departments), _all_days(report_days)),
        departments=[
            DepartmentCaseHandling(
                department=d.department,
                objections=_handling(d.objections, objection_days.get(d.department.code, none)),
                repairs=_handling(d.repairs, repair_days.get(d.department.code, none)),
                reports=_handling(d.reports, report_days.get(d.department.code, none)),
            )
            for d in departments
        ],
    )


# --- lists --------------------------------------------------------------------------------------


def _moves(counts: Counter[str]) -> ListMoves:
    return ListMoves(entries=counts["entries"], exits=counts["exits"])


async def list_statistics(months: int = DEFAULT_MONTHS) -> ListStatistics:
    """Entries published on and exits from the red and black lists, per month."""
    window = _window(months)
    async with connection() as conn:
        cells = await store.list_moves(conn, since=window.since, until=window.until)
    totals: defaultdict[str, Counter[str]] = defaultdict(Counter)
    per_month: defaultdict[tuple[dt.date, str], Counter[str]] = defaultdict(Counter)
    for cell in cells:
        for counts in (totals[cell.list], per_month[cell.month, cell.list]):
            counts.update(entries=cell.entries, exits=cell.exits)
    return ListStatistics(
        as_of=window.today,
        first_month=month_text(window.since),
        last_month=month_text(window.firsts[-1]),
        red=_moves(totals["red"]),
        black=_moves(totals["black"]),
        months=[
            ListMonth(
                month=month_text(first),
                red=_moves(per_month[first, "red"]),
                black=_moves(per_month[first, "black"]),
            )
            for first in window.firsts
        ],
    )


# --- notifications ------------------------------------------------------------------------------

# Each push delivery status, as the statistics name it (``sending`` is still in flight).
PUSH_OUTCOMES = {
    "sent": "delivered",
    "failed": "failed",
    "expired": "expired",
    "pruned": "pruned",
    "skipped": "skipped",
    "pending": "pending",
    "sending": "pending",
}


def _notification_counts(counts: Counter[str]) -> NotificationCounts:
    return NotificationCounts(
        inbox=counts["inbox"],
        pushes=counts["pushes"],
        delivered=counts["delivered"],
        failed=counts["failed"],
        expired=counts["expired"],
        pruned=counts["pruned"],
        skipped=counts["skipped"],
        pending=counts["pending"],
    )


async def notification_statistics(months: int = DEFAULT_MONTHS) -> NotificationStatistics:
    """Inbox notifications and push deliveries by the month they were made, each delivery in
    the state it is in now."""
    window = _window(months)
    since, until = window.instants()
    async with connection() as conn:
        pushes = await store.push_cells(conn, since=since, until=until)
        inbox = await store.inbox_cells(conn, since=since, until=until)
    per_month: defaultdict[dt.date, Counter[str]] = defaultdict(Counter)
    for push in pushes:
        outcome = PUSH_OUTCOMES.get(push.status)
        per_month[push.month]["pushes"] += push.deliveries
        if outcome is not None:
            per_month[push.month][outcome] += push.deliveries
    for written in inbox:
        per_month[written.month]["inbox"] += written.notifications
    totals: Counter[str] = Counter()
    for first in window.firsts:
        totals.update(per_month[first])
    return NotificationStatistics(
        as_of=window.today,
        first_month=month_text(window.since),
        last_month=month_text(window.firsts[-1]),
        totals=_notification_counts(totals),
        months=[
            NotificationMonth(
                month=month_text(first), counts=_notification_counts(per_month[first])
            )
            for first in window.firsts
        ],
    )


# --- verifications ------------------------------------------------------------------------------


def _benefit_names(code: str) -> tuple[str, str]:
    """The newest names any benefits version gives ``code``; the code itself if none does."""
    for version in reversed(benefit_set().versions):
        benefit = version.benefit(code)
        if benefit is not None:
            return benefit.name_zh, benefit.name_en
    return code, code


def _verification_counts(cells: Iterable[store.BenefitCell]) -> VerificationCounts:
    listed = list(cells)
    checks = sum(c.checks for c in listed)
    eligible = sum(c.eligible for c in listed)
    return VerificationCounts(
        codes_issued=sum(c.codes_issued for c in listed),
        checks=checks,
        consent_checks=sum(c.consent_checks for c in listed),
        eligible=eligible,
        not_eligible=checks - eligible,
        redemptions=sum(c.redemptions for c in listed),
    )


async def verification_statistics(months: int = DEFAULT_MONTHS) -> VerificationStatistics:
    """Codes made, merchant checks and recorded redemptions per benefit over whole months."""
    window = _window(months)
    since, until = window.instants()
    async with connection() as conn:
        cells = await store.benefit_cells(conn, since=since, until=until)
    benefits = []
    for cell in sorted(cells, key=lambda c: (-c.checks, c.benefit)):
        zh, en = _benefit_names(cell.benefit)
        benefits.append(
            BenefitVerifications(
                benefit=cell.benefit,
                name=say(zh, en),
                name_zh=zh,
                counts=_verification_counts([cell]),
            )
        )
    return VerificationStatistics(
        as_of=window.today,
        first_month=month_text(window.since),
        last_month=month_text(window.firsts[-1]),
        totals=_verification_counts(cells),
        benefits=benefits,
    )


# --- charts -------------------------------------------------------------------------------------

SEVERITY_COLOURS = {
    "good": "#2E7D32",
    "minor": "#F9A825",
    "general": "#EF6C00",
    "serious": "#C62828",
}
SEVERITY_NAMES = {
    "good": ("优良", "Good"),
    "minor": ("轻微", "Minor"),
    "general": ("一般", "General"),
    "serious": ("严重", "Serious"),
}
NOW_COLOUR, THEN_COLOUR = "#1565C0", "#90A4AE"


def records_chart(statistics: RecordStatistics) -> str:
    """Records per month as stacked bars, one colour per kind (good, then bad by severity)."""
    months = statistics.months
    series = tuple(
        charts.Series(
            name=say(*SEVERITY_NAMES[kind]),
            colour=SEVERITY_COLOURS[kind],
            values=tuple(getattr(m.counts, kind) for m in months),
        )
        for kind in KINDS_OF_RECORD
    )
    span = f"{statistics.first_month} – {statistics.last_month}"
    return charts.render(
        charts.BarChart(
            title=say("信用记录（按月）", "Credit records by month"),
            description=say(
                f"{span} 每月作出决定的信用记录数，按优良及失信严重程度分层",
                f"Credit records decided each month, {span}, stacked by kind and severity",
            ),
            x_label=say("决定月份", "Month of decision"),
            y_label=say("记录数", "Records"),
            categories=tuple(m.month for m in months),
            series=series,
            stacked=True,
            empty_text=say("暂无数据", "No data"),
        )
    )


def grades_chart(statistics: GradeStatistics) -> str:
    """Citizens per grade now beside the same on the day compared with."""
    then = statistics.compared_with.isoformat()
    grades = statistics.grades
    return charts.render(
        charts.BarChart(
            title=say("信用等级分布", "Grade distribution"),
            description=say(
                f"各信用等级的市民人数：现在与 {then} 对比",
                f"Citizens per grade now and on {then}",
            ),
            x_label=say("信用等级", "Grade"),
            y_label=say("市民人数", "Citizens"),
            categories=tuple(g.grade for g in grades),
            series=(
                charts.Series(
                    name=say("现在", "Now"),
                    colour=NOW_COLOUR,
                    values=tuple(g.citizens for g in grades),
                ),
                charts.Series(
                    name=then, colour=THEN_COLOUR, values=tuple(g.citizens_then for g in grades)
                ),
            ),
            empty_text=say("暂无数据", "No data"),
        )
    )


async def records_chart_svg(months: int = DEFAULT_MONTHS) -> bytes:
    return records_chart(await record_statistics(months)).encode()


async def grades_chart_svg(days: int = DEFAULT_DAYS) -> bytes:
    return grades_chart(await grade_statistics(days)).encode()


# --- government integrity (政务诚信) ------------------------------------------------------------


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


async def feedback_counts() -> Mapping[str, store.FeedbackCell]:
    """Execution feedback (执行反馈) per enforcing body, by the body's (API client's) code.

    From the measures between bodies (发起 → 响应 → 反馈), shown by
    :func:`integrity_statistics` beside reporting and case handling. Each cell counts the body's
    measures by their latest trigger or lift: ``handled``, answered (applied, not applicable,
    lifted); ``on_time``, of those, answered within the integrity content's
    ``feedback_within_working_days``; ``late``, lapsed (the hourly escalation marks them),
    answered or not.
    """
    async with connection() as conn:
        cells = await store.feedback_cells(conn)
    return {cell.department_code: cell for cell in cells}


@dataclass
class _Tally:
    """Counted (reported, handled), on time and late."""

    counted: int = 0
    on_time: int = 0
    late: int = 0

    def add(self, other: _Tally) -> None:
        self.counted += other.counted
        self.on_time += other.on_time
        self.late += other.late

    def reporting(self) -> ReportingTimeliness:
        return ReportingTimeliness(
            reported=self.counted,
            on_time=self.on_time,
            late=self.late,
            on_time_rate=_rate(self.on_time, self.counted),
        )

    def handling(self) -> HandlingTimeliness:
        return HandlingTimeliness(
            handled=self.counted,
            on_time=self.on_time,
            late=self.late,
            on_time_rate=_rate(self.on_time, self.counted),
        )


@dataclass
class _Body:
    """One body's tallies: reporting its records, handling cases, feeding back on measures."""

    reporting: _Tally = field(default_factory=_Tally)
    cases: _Tally = field(default_factory=_Tally)
    feedback: _Tally = field(default_factory=_Tally)

    def add(self, other: _Body) -> None:
        self.reporting.add(other.reporting)
        self.cases.add(other.cases)
        self.feedback.add(other.feedback)


async def _bodies() -> tuple[dict[str, _Body], dict[str, str]]:
    """Every body's case handling and feedback (by code), with the bodies' names."""
    bodies: defaultdict[str, _Body] = defaultdict(_Body)
    names: dict[str, str] = {}
    for department in await case_counts.department_statistics():
        code = department.department.code
        names[code] = department.department.name
        counts = _summed((department.objections, department.repairs, department.reports))
        bodies[code].cases = _Tally(counts.handled, counts.on_time, counts.late)
    for code, answered in (await feedback_counts()).items():
        names[code] = answered.department_name
        bodies[code].feedback = _Tally(answered.handled, answered.on_time, answered.late)
    return bodies, names


async def integrity_statistics(months: int = DEFAULT_MONTHS) -> IntegrityStatistics:
    """Per body: records reported in the window on time and late (by the business day of the
    report), cases handled on time and late (every kind together), execution feedback on time
    and late (:func:`feedback_counts`), each with its on-time rate."""
    window = _window(months)
    async with connection() as conn:
        reporting = await store.reporting_cells(conn, since=window.since, until=window.until)
    bodies, names = await _bodies()
    for cell in reporting:
        names[cell.department_code] = cell.department_name
        bodies[cell.department_code].reporting = _Tally(
            cell.reported, cell.reported - cell.late, cell.late
        )
    totals = _Body()
    per_body = []
    for code in sorted(bodies):
        one = bodies[code]
        totals.add(one)
        per_body.append(
            BodyIntegrity(
                department=DepartmentRef(code=code, name=names[code]),
                reporting=one.reporting.reporting(),
                cases=one.cases.handling(),
                feedback=one.feedback.handling(),
            )
        )
    rules = integrity.in_force(window.today)
    return IntegrityStatistics(
        as_of=window.today,
        first_month=month_text(window.since),
        last_month=month_text(window.firsts[-1]),
        integrity_version=rules.version,
        report_within_working_days=rules.report_within_working_days,
        feedback_within_working_days=rules.feedback_within_working_days,
        totals=IntegrityCounts(
            reporting=totals.reporting.reporting(),
            cases=totals.cases.handling(),
            feedback=totals.feedback.handling(),
        ),
        bodies=per_body,
    )


# --- occupational groups ------------------------------------------------------------------------


def _group_counts(counts: Counter[str]) -> GroupCounts:
    bad = counts["minor"] + counts["general"] + counts["serious"]
    return GroupCounts(
        total=counts["good"] + bad,
        good=counts["good"],
        bad=bad,
        minor=counts["minor"],
        general=counts["general"],
        serious=counts["serious"],
    )


async def occupation_statistics(months: int = DEFAULT_MONTHS) -> OccupationStatistics:
    """Records by the key occupational group they name, decided in the window: every group on
    the list in force (zeros too), then any other group records name. A stored value is read as
    the newest integrity version that knows it reads it (a code, or a Chinese name stored before
    the list was content)."""
    window = _window(months)
    async with connection() as conn:
        cells = await store.group_cells(conn, since=window.since, until=window.until)
    known = integrity.integrity_set()
    in_force = integrity.in_force(window.today)
    per_group: defaultdict[str, Counter[str]] = defaultdict(Counter)
    names: dict[str, tuple[str, str]] = {}
    for cell in cells:
        group = known.newest_group(cell.occupational_group)
        code = group.code if group else cell.occupational_group
        names[code] = (group.name_zh, group.name_en) if group else (code, code)
        kind = "good" if cell.polarity == "good" else cell.severity or "general"
        per_group[code][kind] += cell.records
    others = sorted(
        (code for code in per_group if in_force.group(code) is None),
        key=lambda code: (-sum(per_group[code].values()), code),
    )
    groups = []
    for code in [*in_force.occupational_groups, *others]:
        listed = in_force.group(code)
        zh, en = (listed.name_zh, listed.name_en) if listed else names[code]
        groups.append(
            OccupationalGroupRecords(
                group=code,
                name=say(zh, en),
                name_zh=zh,
                listed=listed is not None,
                counts=_group_counts(per_group[code]),
            )
        )
    totals: Counter[str] = Counter()
    for counts in per_group.values():
        totals.update(counts)
    return OccupationStatistics(
        as_of=window.today,
        first_month=month_text(window.since),
        last_month=month_text(window.firsts[-1]),
        integrity_version=in_force.version,
        totals=_group_counts(totals),
        groups=groups,
    )
