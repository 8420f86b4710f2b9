"""Repair routes: the citizen applies and follows; the department decides (谁认定、谁修复); the
credit office oversees and steps in on overdue cases."""

from __future__ import annotations

from typing import Annotated, Literal

from litestar import Controller, Response, get, post
from litestar.datastructures import ResponseHeader
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from backend.cases import evidence
from backend.cases.http import (
    CONFLICT,
    CitizenListStatus,
    CitizenRequest,
    Cursor,
    DepartmentCode,
    DepartmentRequest,
    Escalated,
    EvidenceBody,
    Limit,
    OfficerRequest,
    OptionalWithdrawal,
    Overdue,
    StaffQueueStatus,
    close_uploads,
    evidence_url,
)
from backend.cases.operations import EVIDENCE_LOCATION, OptionalBodyOperation, created
from backend.cases.schemas import DecisionReason, EvidenceOut
from backend.cases.views import QueueFilter
from backend.identity.security import citizen_guard
from backend.platform.pagination import DEFAULT_LIMIT, Page
from backend.platform.routing import Routes
from backend.repairs import service, views
from backend.repairs.kind import REPAIR
from backend.repairs.schemas import (
    CommitmentOut,
    RepairCase,
    RepairDetail,
    RepairIn,
    RepairOptions,
    RepairOut,
)

# ``value`` is only an example here (the header is documentation only): Litestar takes the
# header's schema from its type.
REPAIR_LOCATION = ResponseHeader(
    name="Location",
    value="/v1/me/repair-applications/1024",
    description="The new application's URL; a GET on it answers the same body.",
    documentation_only=True,
)
CommitmentLanguage = Annotated[
    Literal["zh-CN", "en"] | None,
    QueryParameter(description="The text's language; by default the request's (Accept-Language)"),
]


class MeRepairsController(Controller):
    path = "/me/repair-applications"
    tags = ["My repairs"]
    guards = [citizen_guard]

    @post(
        "",
        status_code=HTTP_201_CREATED,
        operation_id="applyForRepair",
        summary="Apply to repair a bad record",
        response_headers=[REPAIR_LOCATION],
        opt=CONFLICT,
    )
    async def apply(
        self, data: JSONBody[RepairIn], request: CitizenRequest
    ) -> Response[RepairDetail]:
        """Apply for credit repair (信用修复, free of charge) of one of your own bad records,
        through a path its record type allows, with the accepted credit commitment (信用承诺书).
        Citizens only; attach evidence afterwards. The department that reported the record
        decides, and you hear the result within 10 working days (default). A record that is not
        yours answers 422 ``record-not-found``; one that cannot be repaired now (too early, open
        objection or application) or an outdated commitment version, 409."""
        user = request.user
        detail = await service.apply(user.citizen_id, data, user.actor)
        url = request.app.route_reverse(
            "getMyRepairApplication", application_id=detail.application.id
        )
        return created(detail, url)

    @get("", operation_id="listMyRepairApplications", summary="List your repair applications")
    async def list_applications(
        self,
        request: CitizenRequest,
        status: CitizenListStatus = "all",
        cursor: Cursor = None,
        limit: Limit = DEFAULT_LIMIT,
    ) -> Page[RepairOut]:
        """Your repair applications, newest first, each with its current deadline in working
        days. Citizens only; filter by ``status`` (open, closed or all) and page with
        ``cursor``."""
        return await views.citizen_list(request.user.citizen_id, status, cursor, limit)

    @get(
        "/{application_id:int}",
        name="getMyRepairApplication",
        operation_id="getMyRepairApplication",
        summary="Get one of your repair applications",
    )
    async def show(self, application_id: FromPath[int], request: CitizenRequest) -> RepairDetail:
        """One of your repair applications with its deadlines, evidence files and every step
        (who acted by role, never by id). Citizens only; another citizen's application answers
        404 exactly like an unknown id."""
        return await views.citizen_detail(application_id, request.user.citizen_id)

    @post(
        "/{application_id:int}/withdrawal",
        status_code=HTTP_200_OK,
        operation_id="withdrawRepairApplication",
        summary="Withdraw your repair application while it is undecided",
        operation_class=OptionalBodyOperation,
        opt=CONFLICT,
    )
    async def withdraw(
        self,
        application_id: FromPath[int],
        request: CitizenRequest,
        data: OptionalWithdrawal = None,
    ) -> RepairDetail:
        """Withdraw (撤回) one of your own repair applications that is not decided yet
        (submitted or accepted), with an optional reason (the body may be omitted).

        Only the signed-in citizen who applied may call this; another citizen's application
        answers 404 exactly like an unknown id, and a decided, closed or already withdrawn one
        409 ``case-closed``. The application becomes ``withdrawn``: its deadlines stop, the
        step and its reason join the case history, the audit log records it and a receipt goes
        to your inbox. The record stays as it is; you may apply again.
        """
        user = request.user
        reason = data.reason if data else None
        return await service.withdraw(application_id, user.citizen_id, reason)

    @post(
        "/{application_id:int}/evidence",
        status_code=HTTP_201_CREATED,
        operation_id="addRepairEvidence",
        summary="Attach evidence files to your open repair application",
        request_max_body_size=evidence.UPLOAD_BODY_LIMIT,
        response_headers=[EVIDENCE_LOCATION],
        opt={"problems": (409, 413, 415)},
    )
    async def add_evidence(
        self, application_id: FromPath[int], data: EvidenceBody, request: CitizenRequest
    ) -> Response[list[EvidenceOut]]:
        """Attach evidence files (证明材料: PDF, JPEG or PNG, judged by content) to one of your
        own open repair applications; the department and the credit office can then read them.
        Every file is checked before any is stored, so a refused request stores nothing.
        Answers 413 ``evidence-too-large`` for a file over the per-file limit (10 MB by
        default), 415 ``evidence-type-not-allowed`` for any other type, 409
        ``evidence-limit-reached`` past 5 files per case or ``case-closed`` once it is closed."""
        user = request.user
        try:
            files = await evidence.attach(
                REPAIR, application_id, user.citizen_id, data.files, user.actor
            )
        finally:
            await close_uploads(data)
        return created(files, evidence_url(request, files))


class MeRepairOptionsController(Controller):
    path = "/me"
    tags = ["My repairs"]
    guards = [citizen_guard]

    @get(
        "/records/{record_id:int}/repair-options",
        operation_id="listRepairOptions",
        summary="List the ways one of your records can be repaired",
    )
    async def options(self, record_id: FromPath[int], request: CitizenRequest) -> RepairOptions:
        """Whether one of your records can be repaired now, from which day (once its minimum
        display period has passed), by which paths and what each needs, and what blocks it if
        anything (a stable code and the reason). Citizens only; another citizen's record
        answers 404 exactly like an unknown id. Changes nothing."""
        return await views.repair_options(record_id, request.user.citizen_id)

    @get(
        "/repair-commitment",
        operation_id="getRepairCommitment",
        summary="Get the credit commitment every repair needs",
    )
    async def commitment(self, language: CommitmentLanguage = None) -> CommitmentOut:
        """The credit commitment (信用承诺书) in force, which every repair application must
        accept by its version and language. Citizens only; in ``language`` if given, else in
        the request's language (Accept-Language, Chinese by default)."""
        return views.commitment(language)


class DepartmentRepairsController(Controller):
    path = "/repairs"
    tags = ["Department cases"]

    @get(
        "",
        operation_id="listDepartmentRepairs",
        summary="List repair applications for your records",
    )
    async def queue(
        self,
        request: DepartmentRequest,
        status: StaffQueueStatus = "open",
        overdue: Overdue = None,
        escalated: Escalated = None,
        cursor: Cursor = None,
        limit: Limit = DEFAULT_LIMIT,
    ) -> Page[RepairOut]:
        """The repair applications (信用修复) for this department's own records, earliest
        deadline first (closed cases last). Department API key only: the body that made the
        finding decides (谁认定、谁修复). Filter by status, overdue or escalated."""
        f = QueueFilter(status, overdue, escalated, department_id=request.user.client_id)
        return await views.staff_queue(f, cursor, limit)

    @get(
        "/{application_id:int}",
        operation_id="getDepartmentRepair",
        summary="Get one repair application with the record and evidence",
    )
    async def show(self, application_id: FromPath[int], request: DepartmentRequest) -> RepairCase:
        """One repair application for this department's records, with the record (masked ID
        number, history), the evidence files and every step. Department API key only; another
        department's case answers 404. The look is written to the citizen's query log."""
        return await views.staff_case(application_id, request.user)

    @post(
        "/{application_id:int}/acceptance",
        status_code=HTTP_200_OK,
        operation_id="acceptRepairAsDepartment",
        summary="Accept a repair application",
        opt=CONFLICT,
    )
    async def accept(
        self,
        application_id: FromPath[int],
        data: JSONBody[DecisionReason],
        request: DepartmentRequest,
    ) -> RepairOut:
        """Accept (受理) a submitted repair application for this department's record, with a
        reason; the decision is then due within 3 working days (default). Department API key
        only; the citizen is notified. A case that is not submitted, or a record that no longer
        stands, answers 409."""
        return await service.accept(application_id, request.user, data.reason)

    @post(
        "/{application_id:int}/rejection",
        status_code=HTTP_200_OK,
        operation_id="rejectRepairAsDepartment",
        summary="Reject a repair application",
        opt=CONFLICT,
    )
    async def reject(
        self,
        application_id: FromPath[int],
        data: JSONBody[DecisionReason],
        request: DepartmentRequest,
    ) -> RepairOut:
        """Refuse to accept (不予受理) a submitted repair application that does not meet the
        conditions, with the reason the citizen reads. Department API key only. The case closes
        and the record stays as it is; the citizen is notified. A case that is not submitted
        answers 409."""
        return await service.reject(application_id, request.user, data.reason)

    @post(
        "/{application_id:int}/approval",
        status_code=HTTP_200_OK,
        operation_id="approveRepairAsDepartment",
        summary="Approve a repair application",
        opt=CONFLICT,
    )
    async def approve(
        self,
        application_id: FromPath[int],
        data: JSONBody[DecisionReason],
        request: DepartmentRequest,
    ) -> RepairOut:
        """Approve (准予修复) an accepted repair application, with a reason. Department API key
        only. The record is repaired today: it stops showing, being shared and counting, its
        restrictions are lifted, the card is re-scored at once and the citizen notified.
        Answers 409 while an objection against the record is open, for a record that no longer
        stands, or for a case that is not accepted."""
        return await service.approve(application_id, request.user, data.reason)

    @post(
        "/{application_id:int}/denial",
        status_code=HTTP_200_OK,
        operation_id="denyRepairAsDepartment",
        summary="Deny a repair application",
        opt=CONFLICT,
    )
    async def deny(
        self,
        application_id: FromPath[int],
        data: JSONBody[DecisionReason],
        request: DepartmentRequest,
    ) -> RepairOut:
        """Deny (不予修复) an accepted repair application after checking it, with the reason the
        citizen reads. Department API key only. The case closes and the record stays as it is;
        the citizen is notified. A case that is not accepted answers 409."""
        return await service.deny(application_id, request.user, data.reason)


class OfficerRepairsController(Controller):
    path = "/repairs"
    tags = ["Officer cases"]

    @get("", operation_id="listOfficerRepairs", summary="List every repair application")
    async def queue(
        self,
        status: StaffQueueStatus = "open",
        overdue: Overdue = None,
        escalated: Escalated = None,
        department: DepartmentCode = None,
        cursor: Cursor = None,
        limit: Limit = DEFAULT_LIMIT,
    ) -> Page[RepairOut]:
        """Every repair application (信用修复), earliest deadline first (closed cases last), for
        the credit office's oversight. Officers only. Filter by status, overdue, escalated or
        one department's code."""
        f = QueueFilter(status, overdue, escalated, department_code=department)
        return await views.staff_queue(f, cursor, limit)

    @get(
        "/{application_id:int}",
        operation_id="getOfficerRepair",
        summary="Get one repair application with the record and evidence",
    )
    async def show(self, application_id: FromPath[int], request: OfficerRequest) -> RepairCase:
        """One repair application with the record (masked ID number, history), the evidence
        files and every step, with actor ids and officer usernames for oversight. Officers
        only. The look is written to the citizen's query log (查询日志)."""
        return await views.staff_case(application_id, request.user)

    @post(
        "/{application_id:int}/acceptance",
        status_code=HTTP_200_OK,
        operation_id="acceptRepairAsOfficer",
        summary="Accept an overdue repair application in the department's place",
        opt=CONFLICT,
    )
    async def accept(
        self, application_id: FromPath[int], data: JSONBody[DecisionReason], request: OfficerRequest
    ) -> RepairOut:
        """Accept (受理) a submitted repair application in the department's place, with a
        reason; the citizen is notified. Officers only, and only once the case is overdue:
        until then the department decides (谁认定、谁修复) and this answers 409
        ``department-decides``."""
        return await service.accept(application_id, request.user, data.reason)

    @post(
        "/{application_id:int}/rejection",
        status_code=HTTP_200_OK,
        operation_id="rejectRepairAsOfficer",
        summary="Reject an overdue repair application in the department's place",
        opt=CONFLICT,
    )
    async def reject(
        self, application_id: FromPath[int], data: JSONBody[DecisionReason], request: OfficerRequest
    ) -> RepairOut:
        """Refuse to accept (不予受理) a submitted repair application in the department's place,
        with the reason the citizen reads; the case closes and the citizen is notified.
        Officers only, and only once the case is overdue: until then the department decides
        (谁认定、谁修复) and this answers 409 ``department-decides``."""
        return await service.reject(application_id, request.user, data.reason)

    @post(
        "/{application_id:int}/approval",
        status_code=HTTP_200_OK,
        operation_id="approveRepairAsOfficer",
        summary="Approve an overdue repair application in the department's place",
        opt=CONFLICT,
    )
    async def approve(
        self, application_id: FromPath[int], data: JSONBody[DecisionReason], request: OfficerRequest
    ) -> RepairOut:
        """Approve (准予修复) an accepted repair application in the department's place: the
        record is repaired today, the card re-scored at once and the citizen notified.
        Officers only, and only once the case is overdue: until then the department decides
        (谁认定、谁修复) and this answers 409 ``department-decides``."""
        return await service.approve(application_id, request.user, data.reason)

    @post(
        "/{application_id:int}/denial",
        status_code=HTTP_200_OK,
        operation_id="denyRepairAsOfficer",
        summary="Deny an overdue repair application in the department's place",
        opt=CONFLICT,
    )
    async def deny(
        self, application_id: FromPath[int], data: JSONBody[DecisionReason], request: OfficerRequest
    ) -> RepairOut:
        """Deny (不予修复) an accepted repair application in the department's place, with the
        reason the citizen reads; the case closes and the citizen is notified.
        Officers only, and only once the case is overdue: until then the department decides
        (谁认定、谁修复) and this answers 409 ``department-decides``."""
        return await service.deny(application_id, request.user, data.reason)


ROUTES = Routes(
    citizen=[MeRepairsController, MeRepairOptionsController],
    department=[DepartmentRepairsController],
    officer=[OfficerRepairsController],
)
