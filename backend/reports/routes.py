"""Report routes (举报) for the reporter, the handling department and the credit office. The
operations every kind of case has are built by ``backend.cases.controllers``; the decision, the
transfer and the disclosure of the reporter (the ``reports`` role) are reports' own. Evidence
downloads are the shared ones in ``backend.cases.routes`` (a report's files: its reporter, its
department and officers)."""

from __future__ import annotations

from litestar import post
from litestar.datastructures import CacheControlHeader, ResponseHeader
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_200_OK

from backend.cases.controllers import CaseEndpoints, CitizenRoutes, Doc, Filing, StaffRoutes, Step
from backend.cases.http import CONFLICT, DepartmentRequest, OfficerRequest
from backend.identity.security import citizen_guard, officer_role_guard, reports_guard
from backend.platform.routing import Routes
from backend.reports import service, views
from backend.reports.kind import REPORT
from backend.reports.schemas import (
    DisclosureIn,
    MyReport,
    ReportDecisionIn,
    Reporter,
    ReportIn,
    ReportOut,
    StaffReport,
    TransferIn,
)

CASES = CaseEndpoints(
    kind=REPORT,
    id_name="report_id",
    views=views,
    withdraw=service.withdraw,
    answers=(ReportOut, MyReport, StaffReport),
)
REPORT_LOCATION = ResponseHeader(
    name="Location",
    value="/v1/me/reports/1024",
    description="The new report's URL; a GET on it answers the same body.",
    documentation_only=True,
)
CONFIDENTIAL = (
    "Who reported is never shown here: the reporter's identity is sealed and only an officer"
    " with the `reports` role may see it."
)

# --- the reporter -------------------------------------------------------------------------------

CITIZEN_ROUTES = CitizenRoutes(
    path="/me/reports",
    tag="My reports",
    docs=(
        Doc(
            """Report dishonest behaviour (举报) by a person or an organisation: the name, where
            known the ID number or unified social credit code, the category (a catalog domain)
            and what happened; attach evidence afterwards. Citizens only. The report goes to the
            department competent for the category, which must accept it within 5 working days
            and decide within 20 (defaults in the reporting rules); you hear every step and the
            outcome with its reasons. Your identity is kept confidential: stored sealed, never
            shown to the department or the person reported. Refused with 409
            `report-limit-reached` past 5 open reports, `report-duplicate` for a second open
            report on the same subject and category, `report-suspended` for a while after a
            report was found malicious, and `no-competent-department` when no department
            handles the category; 422 names a field that is not valid.""",
            "fileReport",
            "Report dishonest behaviour",
        ),
        Doc(
            """Your reports, newest first, each with its current deadline in working days.
            Citizens only; filter by `status` (open, closed or all).""",
            "listMyReports",
            "List your reports",
        ),
        Doc(
            """One of your reports with its evidence files and every step (by role, never by
            id). Citizens only; anyone else's report answers 404 like an unknown id.""",
            "getMyReport",
            "Get one of your reports",
        ),
        Doc(
            """Withdraw (撤回) one of your reports that is not decided yet, with an optional
            reason. Citizens only; a decided report answers 409 `case-closed`.""",
            "withdrawReport",
            "Withdraw your report while it is undecided",
        ),
        Doc(
            """Attach evidence files (PDF, JPEG or PNG, judged by content) to one of your open
            reports; the handling department and the credit office can read them under neutral
            names (`evidence-<id>.png`), never the names you gave them. The files themselves go
            as they are: remove what would identify you (a photo's location, a document's
            author) before uploading. 413, 415 and 409 as for objections.""",
            "addReportEvidence",
            "Attach evidence files to your open report",
        ),
    ),
    filing=Filing(ReportIn, service.file, REPORT_LOCATION),
)
MeReportsController = CASES.citizen_controller(CITIZEN_ROUTES, guards=[citizen_guard])


def _steps(who: str) -> tuple[Step, ...]:
    """Accept, reject and extend, as ``who`` (a department or the credit office) takes them."""
    return (
        Step(
            f"""Accept (受理) a submitted report, with a reason; the decision is then due within
            20 working days (default). {who}""",
            f"accept{'Department' if 'Department' in who else 'Officer'}Report",
            "Accept a report",
            path="acceptance",
            take=service.accept,
        ),
        Step(
            f"""Reject (不予受理) a submitted report, with the reason the reporter reads. {who}""",
            f"reject{'Department' if 'Department' in who else 'Officer'}Report",
            "Reject a report",
            path="rejection",
            take=service.reject,
        ),
        Step(
            f"""Extend the decision deadline of an accepted report once, by the reporting
            rules' extension (10 working days by default), with a reason; a second extension
            answers 409 `already-extended`. {who}""",
            f"extend{'Department' if 'Department' in who else 'Officer'}Report",
            "Extend a report's deadline once",
            path="extension",
            take=service.extend,
        ),
    )


DEPARTMENT_ROUTES = StaffRoutes(
    path="/reports",
    tag="Department cases",
    docs=(
        Doc(
            f"""The reports (举报) routed to this department, earliest deadline first (closed
            last). Department API key only. {CONFIDENTIAL}""",
            "listDepartmentReports",
            "List reports routed to you",
        ),
        Doc(
            f"""One report routed to this department: the subject in full, what was reported,
            the evidence files, every step and other reports on the same subject. Department
            API key only; another department's report answers 404. {CONFIDENTIAL}""",
            "getDepartmentReport",
            "Get one report",
        ),
    ),
    steps=_steps("Department API key only; only the reports routed to it."),
)


class DepartmentReportsController(
    CASES.staff_controller(DEPARTMENT_ROUTES, group="department")  # type: ignore[misc]
):
    """The department's report routes; the decision is reports' own."""

    @post(
        "/{report_id:int}/decision",
        status_code=HTTP_200_OK,
        operation_id="decideDepartmentReport",
        summary="Decide an investigated report",
        opt=CONFLICT,
    )
    async def decide(
        self, report_id: FromPath[int], data: JSONBody[ReportDecisionIn], request: DepartmentRequest
    ) -> ReportOut:
        """Decide an accepted report: substantiated (属实; the department may then report a
        record through its batch, naming the report), unsubstantiated, or malicious (恶意举报:
        the reporter may not report again for a while). The reporter hears the outcome with the
        reason. Department API key only; a report not accepted answers 409."""
        return await service.decide(report_id, request.user, data.outcome, data.reason)


OFFICER_ROUTES = StaffRoutes(
    path="/reports",
    tag="Officer cases",
    docs=(
        Doc(
            f"""Every report, earliest deadline first (closed last), for the credit office's
            oversight; filter by status, overdue, escalated or department. Officers only.
            {CONFIDENTIAL}""",
            "listOfficerReports",
            "List every report",
        ),
        Doc(
            f"""One report with the subject in full, the evidence, every step (with actor ids:
            the reporter's steps name only `reporter`) and related reports. Officers only.
            {CONFIDENTIAL}""",
            "getOfficerReport",
            "Get one report",
        ),
    ),
    steps=_steps("Officers with the `officer` or `admin` role, in any department's place."),
)


class OfficerReportsController(
    CASES.staff_controller(OFFICER_ROUTES, group="officer")  # type: ignore[misc]
):
    """The credit office's report routes: decide, transfer, and see the reporter."""

    @post(
        "/{report_id:int}/decision",
        status_code=HTTP_200_OK,
        operation_id="decideOfficerReport",
        summary="Decide an investigated report in the department's place",
        guards=[officer_role_guard],
        opt=CONFLICT,
    )
    async def decide(
        self, report_id: FromPath[int], data: JSONBody[ReportDecisionIn], request: OfficerRequest
    ) -> ReportOut:
        """As the department's decision, taken by the credit office. Officers with the
        `officer` or `admin` role."""
        return await service.decide(report_id, request.user, data.outcome, data.reason)

    @post(
        "/{report_id:int}/transfer",
        status_code=HTTP_200_OK,
        operation_id="transferReport",
        summary="Send a report to another department",
        guards=[officer_role_guard],
        opt=CONFLICT,
    )
    async def transfer(
        self, report_id: FromPath[int], data: JSONBody[TransferIn], request: OfficerRequest
    ) -> ReportOut:
        """Send a submitted report to the competent department (转办), with a reason; it
        starts again with a new deadline to accept, and its files follow it. Officers with the
        `officer` or `admin` role; an unknown department answers 422 naming `department`."""
        return await service.transfer(report_id, request.user, data.department, data.reason)

    @post(
        "/{report_id:int}/reporter-disclosure",
        status_code=HTTP_200_OK,
        operation_id="revealReporter",
        summary="See who filed a report (reports role)",
        guards=[reports_guard],
        cache_control=CacheControlHeader(no_store=True),
    )
    async def reveal(
        self, report_id: FromPath[int], data: JSONBody[DisclosureIn], request: OfficerRequest
    ) -> Reporter:
        """Who filed the report: name, ID number and phone. Only officers with the `reports`
        role (403 `reports-role-required` for anyone else, admins included); every look is in
        the audit log with its reason. The answer is never cached."""
        return await service.reporter(report_id, request.user, data.reason)


ROUTES = Routes(
    citizen=[MeReportsController],
    department=[DepartmentReportsController],
    officer=[OfficerReportsController],
)
