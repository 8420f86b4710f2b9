"""The office's statistics for any officer: JSON for dashboards and the SVG charts the console
shows. Read-only; every query parameter is checked (422 ``validation-failed`` otherwise)."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Response, get
from litestar.datastructures import ResponseHeader
from litestar.params import QueryParameter

from backend.platform.routing import Routes
from backend.statistics import service
from backend.statistics.schemas import (
    CaseStatistics,
    GradeStatistics,
    IntegrityStatistics,
    ListStatistics,
    NotificationStatistics,
    OccupationStatistics,
    RecordStatistics,
    VerificationStatistics,
)

Months = Annotated[
    int,
    QueryParameter(
        ge=1,
        le=service.MAX_MONTHS,
        description="How many calendar months to count, the current one last (1 to 36)",
    ),
]
Days = Annotated[
    int,
    QueryParameter(
        ge=1,
        le=service.MAX_DAYS,
        description="Compare with this many days ago (1 to 365)",
    ),
]
SVG = "image/svg+xml"
# Statistics move slowly and the console redraws often: a minute in the officer's own browser,
# never in a shared cache.
CHART_CACHE = "private, max-age=60"
CHART_HEADERS = [
    ResponseHeader(
        name="Cache-Control",
        value=CHART_CACHE,
        description="`private, max-age=60`: the officer's browser may reuse it for a minute;"
        " no shared cache keeps it.",
        documentation_only=True,
    )
]


def _svg(body: bytes) -> Response[bytes]:
    return Response(body, media_type=SVG, headers={"Cache-Control": CHART_CACHE})


class OfficerReportingController(Controller):
    path = "/statistics"
    tags = ["Officer statistics"]

    @get("/records", operation_id="getRecordStatistics", summary="Get records by month")
    async def records(self, months: Months = service.DEFAULT_MONTHS) -> RecordStatistics:
        """Credit records by the month of their decision (Asia/Shanghai), the current month
        last, broken down by severity (good; minor, general, serious), catalog domain and
        reporting department, per month and for all months together. Revoked records are not
        counted. Any officer."""
        return await service.record_statistics(months)

    @get("/grades", operation_id="getGradeStatistics", summary="Get the grade distribution")
    async def grades(self, days: Days = service.DEFAULT_DAYS) -> GradeStatistics:
        """Citizens per grade now (their current cards) and ``days`` days ago (the score
        history), with the change, every grade of the rules in force from the top band down.
        Any officer."""
        return await service.grade_statistics(days)

    @get(
        "/cases",
        operation_id="getCaseStatistics",
        summary="Get case handling per department with on-time rates",
    )
    async def cases(self) -> CaseStatistics:
        """Objections and repair applications per handling department and for all together:
        handled, on time, late, open and overdue, the on-time rate and the average working days
        (工作日) from filing to decision (政务诚信: the government's own promptness). Any
        officer."""
        return await service.case_statistics()

    @get(
        "/integrity",
        operation_id="getIntegrityStatistics",
        summary="Get on-time rates of reporting, case handling and feedback per body",
    )
    async def integrity(self, months: Months = service.DEFAULT_MONTHS) -> IntegrityStatistics:
        """The government's own promptness (政务诚信) per body, side by side: records reported
        within the integrity content's limit after their decision (default 7 working days,
        工作日) or late, over whole months by the business day of the report; objections,
        repair applications and reports handled on time or late; execution feedback on
        measures given on time or late. Each with its on-time rate. Any officer."""
        return await service.integrity_statistics(months)

    @get(
        "/occupations",
        operation_id="getOccupationStatistics",
        summary="Get records by key occupational group",
    )
    async def occupations(self, months: Months = service.DEFAULT_MONTHS) -> OccupationStatistics:
        """Credit records by the key occupational group (重点职业人群) they name, good and bad
        by severity, decided in the months counted: every group on the list in force, with
        its names from the integrity content, then any other group records name. Revoked
        records are not counted. Any officer."""
        return await service.occupation_statistics(months)

    @get("/lists", operation_id="getListStatistics", summary="Get list entries and exits")
    async def lists(self, months: Months = service.DEFAULT_MONTHS) -> ListStatistics:
        """Entries published on and exits from the red list (守信红名单) and the
        serious-dishonesty list (严重失信主体名单) by the business day they happened, per month
        and for all months together. Any officer."""
        return await service.list_statistics(months)

    @get(
        "/notifications",
        operation_id="getNotificationStatistics",
        summary="Get notifications delivered and failed",
    )
    async def notifications(
        self, months: Months = service.DEFAULT_MONTHS
    ) -> NotificationStatistics:
        """Inbox notifications and push deliveries by the month they were made (Asia/Shanghai),
        each delivery in the state it is in now: delivered, failed, expired, pruned (dead
        device token), skipped or still pending. Any officer."""
        return await service.notification_statistics(months)

    @get(
        "/verifications",
        operation_id="getVerificationStatistics",
        summary="Get merchant verifications by benefit",
    )
    async def verifications(
        self, months: Months = service.DEFAULT_MONTHS
    ) -> VerificationStatistics:
        """Per benefit over whole months: verification codes citizens made, merchant checks
        answered (eligible or not, by code or under a consent) and redemptions merchants
        recorded. Any officer."""
        return await service.verification_statistics(months)

    @get(
        "/charts/records-by-month.svg",
        operation_id="getRecordsByMonthChart",
        summary="Get the chart of records by month (SVG)",
        media_type=SVG,
        content_media_type=SVG,
        response_description="A bar chart as an SVG image",
        response_headers=CHART_HEADERS,
    )
    async def records_chart(self, months: Months = service.DEFAULT_MONTHS) -> Response[bytes]:
        """Credit records per month as stacked bars by kind (good; minor, general, serious),
        the same numbers as ``getRecordStatistics``, as a self-contained SVG image in the
        request's language. Each bar is a ``rect`` of class ``bar`` with ``data-series``,
        ``data-category`` and ``data-value``. Any officer."""
        return _svg(await service.records_chart_svg(months))

    @get(
        "/charts/grades.svg",
        operation_id="getGradesChart",
        summary="Get the chart of the grade distribution (SVG)",
        media_type=SVG,
        content_media_type=SVG,
        response_description="A bar chart as an SVG image",
        response_headers=CHART_HEADERS,
    )
    async def grades_chart(self, days: Days = service.DEFAULT_DAYS) -> Response[bytes]:
        """Citizens per grade now beside ``days`` days ago, the same numbers as
        ``getGradeStatistics``, as a self-contained SVG image in the request's language. Each
        bar is a ``rect`` of class ``bar`` with ``data-series``, ``data-category`` and
        ``data-value``. Any officer."""
        return _svg(await service.grades_chart_svg(days))


ROUTES = Routes(officer=[OfficerReportingController])
