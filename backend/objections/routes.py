"""Objection routes for citizens, departments and officers. Evidence downloads and the
department statistics, which every kind of case shares, are in ``backend.cases.routes``."""

from __future__ import annotations

from litestar import Controller, Response, get, post
from litestar.datastructures import ResponseHeader
from litestar.params import FromPath, JSONBody
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
from backend.objections import service, views
from backend.objections.kind import OBJECTION
from backend.objections.schemas import (
    ObjectionCase,
    ObjectionDetail,
    ObjectionIn,
    ObjectionOut,
    OfficerDecisionIn,
    ProposalIn,
)
from backend.platform.pagination import DEFAULT_LIMIT, Page
from backend.platform.routing import Routes

# ``value`` is only an example here (the header is documentation only): Litestar takes the
# header's schema from its type.
OBJECTION_LOCATION = ResponseHeader(
    name="Location",
    value="/v1/me/objections/1024",
    description="The new objection's URL; a GET on it answers the same body.",
    documentation_only=True,
)


# --- citizens -----------------------------------------------------------------------------------


class MeObjectionsController(Controller):
    path = "/me/objections"
    tags = ["My objections"]
    guards = [citizen_guard]

    @post(
        "",
        status_code=HTTP_201_CREATED,
        operation_id="fileObjection",
        summary="Dispute one of your records",
        response_headers=[OBJECTION_LOCATION],
        opt=CONFLICT,
    )
    async def file(
        self, data: JSONBody[ObjectionIn], request: CitizenRequest
    ) -> Response[ObjectionDetail]:
        """File an objection (异议) to one of your own records, with a reason category and a
        statement; attach evidence afterwards. Citizens only. The department must accept it
        within 2 working days (default); you are notified of every step. A record that is not
        yours answers 422 ``record-not-found``; a revoked or repaired record, or one that already
        has an open objection, 409.
        """
        user = request.user
        detail = await service.file_objection(user.citizen_id, data, user.actor)
        url = request.app.route_reverse("getMyObjection", objection_id=detail.objection.id)
        return created(detail, url)

    @get("", operation_id="listMyObjections", summary="List your objections")
    async def list_objections(
        self,
        request: CitizenRequest,
        status: CitizenListStatus = "all",
        cursor: Cursor = None,
        limit: Limit = DEFAULT_LIMIT,
    ) -> Page[ObjectionOut]:
        """Your objections, newest first, each with its current deadline in working days.
        Citizens only; filter by ``status`` (open, closed or all) and page with ``cursor``."""
        return await views.citizen_list(request.user.citizen_id, status, cursor, limit)

    @get(
        "/{objection_id:int}",
        name="getMyObjection",
        operation_id="getMyObjection",
        summary="Get one of your objections",
    )
    async def show(self, objection_id: FromPath[int], request: CitizenRequest) -> ObjectionDetail:
        """One of your objections with its deadline, evidence files and every step (who acted
        by role, never by id). Citizens only; another citizen's objection answers 404 exactly
        like an unknown id."""
        return await views.citizen_detail(objection_id, request.user.citizen_id)

    @post(
        "/{objection_id:int}/withdrawal",
        status_code=HTTP_200_OK,
        operation_id="withdrawObjection",
        summary="Withdraw your objection while it is undecided",
        operation_class=OptionalBodyOperation,
        opt=CONFLICT,
    )
    async def withdraw(
        self, objection_id: FromPath[int], request: CitizenRequest, data: OptionalWithdrawal = None
    ) -> ObjectionDetail:
        """Withdraw (撤回) one of your own objections that is not decided yet (submitted,
        accepted or verifying), with an optional reason (the body may be omitted).

        Only the signed-in citizen who filed it may call this; another citizen's objection
        answers 404 exactly like an unknown id, and a decided or already withdrawn one 409
        ``case-closed``. The objection becomes ``withdrawn``: its deadline stops, the step and
        its reason join the case history, the audit log records it and a receipt goes to your
        inbox. If the objection had been accepted, the record's penalty is no longer suspended
        and your card is re-scored at once.
        """
        user = request.user
        reason = data.reason if data else None
        return await service.withdraw(objection_id, user.citizen_id, reason)

    @post(
        "/{objection_id:int}/evidence",
        status_code=HTTP_201_CREATED,
        operation_id="addObjectionEvidence",
        summary="Attach evidence files to your open objection",
        request_max_body_size=evidence.UPLOAD_BODY_LIMIT,
        response_headers=[EVIDENCE_LOCATION],
        opt={"problems": (409, 413, 415)},
    )
    async def add_evidence(
        self, objection_id: FromPath[int], data: EvidenceBody, request: CitizenRequest
    ) -> Response[list[EvidenceOut]]:
        """Attach evidence files (证明材料: PDF, JPEG or PNG, judged by content) to one of your
        own open objections; the department and the credit office can then read them. Every
        file is checked before any is stored, so a refused request stores nothing. Answers 413
        ``evidence-too-large`` for a file over the per-file limit (10 MB by default), 415
        ``evidence-type-not-allowed`` for any other type, 409 ``evidence-limit-reached`` past
        5 files per case or ``case-closed`` once the objection is closed."""
        user = request.user
        try:
            files = await evidence.attach(
                OBJECTION, objection_id, user.citizen_id, data.files, user.actor
            )
        finally:
            await close_uploads(data)
        return created(files, evidence_url(request, files))


# --- departments --------------------------------------------------------------------------------


class DepartmentObjectionsController(Controller):
    path = "/objections"
    tags = ["Department cases"]

    @get(
        "",
        operation_id="listDepartmentObjections",
        summary="List objections against your records",
    )
    async def queue(
        self,
        request: DepartmentRequest,
        status: StaffQueueStatus = "open",
        overdue: Overdue = None,
        escalated: Escalated = None,
        cursor: Cursor = None,
        limit: Limit = DEFAULT_LIMIT,
    ) -> Page[ObjectionOut]:
        """The objections (异议) against this department's own records, earliest deadline
        first (closed cases last). Department API key only. The queue shows case facts and
        deadlines, not who the citizen is; filter by status, overdue or escalated."""
        f = QueueFilter(status, overdue, escalated, department_id=request.user.client_id)
        return await views.staff_queue(f, cursor, limit)

    @get(
        "/{objection_id:int}",
        operation_id="getDepartmentObjection",
        summary="Get one objection case with the record and evidence",
    )
    async def show(self, objection_id: FromPath[int], request: DepartmentRequest) -> ObjectionCase:
        """One objection against this department's records, with the record (masked ID
        number, history), the evidence files and every step. Department API key only; another
        department's case answers 404. The look is written to the citizen's query log (查询日志)."""
        return await views.staff_case(objection_id, request.user)

    @post(
        "/{objection_id:int}/acceptance",
        status_code=HTTP_200_OK,
        operation_id="acceptObjectionAsDepartment",
        summary="Accept an objection",
        opt=CONFLICT,
    )
    async def accept(
        self,
        objection_id: FromPath[int],
        data: JSONBody[DecisionReason],
        request: DepartmentRequest,
    ) -> ObjectionOut:
        """Accept (受理) a submitted objection against this department's records, with a
        reason. Department API key only. The verification deadline starts (10 working days by
        default), the record's penalty is suspended and the citizen's card re-scored at once;
        the citizen is notified. A case that is not submitted answers 409."""
        return await service.accept(objection_id, request.user, data.reason)

    @post(
        "/{objection_id:int}/rejection",
        status_code=HTTP_200_OK,
        operation_id="rejectObjectionAsDepartment",
        summary="Reject an objection",
        opt=CONFLICT,
    )
    async def reject(
        self,
        objection_id: FromPath[int],
        data: JSONBody[DecisionReason],
        request: DepartmentRequest,
    ) -> ObjectionOut:
        """Refuse to accept (不予受理) a submitted objection, with the reason the citizen
        reads. Department API key only. The case closes and the record stays as it is; the
        citizen is notified. A case that is not submitted answers 409."""
        return await service.reject(objection_id, request.user, data.reason)

    @post(
        "/{objection_id:int}/extension",
        status_code=HTTP_200_OK,
        operation_id="extendObjectionAsDepartment",
        summary="Extend the verification deadline once",
        opt=CONFLICT,
    )
    async def extend(
        self,
        objection_id: FromPath[int],
        data: JSONBody[DecisionReason],
        request: DepartmentRequest,
    ) -> ObjectionOut:
        """Extend the verification deadline of an accepted objection once, for a complex case
        (by 10 working days by default), with a reason. Department API key only; the citizen
        is notified. Answers 409 ``already-extended`` the second time and ``deadline-passed``
        once the deadline has lapsed."""
        return await service.extend(objection_id, request.user, data.reason)

    @post(
        "/{objection_id:int}/proposal",
        status_code=HTTP_200_OK,
        operation_id="proposeObjectionOutcome",
        summary="Report the verification and propose an outcome",
        opt=CONFLICT,
    )
    async def propose(
        self, objection_id: FromPath[int], data: JSONBody[ProposalIn], request: DepartmentRequest
    ) -> ObjectionOut:
        """Report the verification result (核查意见) of an accepted objection and propose
        upheld, corrected (with the new values) or revoked; the credit office then decides.
        Department API key only; the case becomes ``verifying``. A correction outside the
        department's scopes or not valid for the record answers 422; a case that is not accepted,
        409."""
        return await service.propose(objection_id, request.user, data)


# --- officers -----------------------------------------------------------------------------------


class OfficerObjectionsController(Controller):
    path = "/objections"
    tags = ["Officer cases"]

    @get("", operation_id="listOfficerObjections", summary="List every objection")
    async def queue(
        self,
        status: StaffQueueStatus = "open",
        overdue: Overdue = None,
        escalated: Escalated = None,
        department: DepartmentCode = None,
        cursor: Cursor = None,
        limit: Limit = DEFAULT_LIMIT,
    ) -> Page[ObjectionOut]:
        """Every objection (异议), earliest deadline first (closed cases last), for the credit
        office's oversight. Officers only. Filter by status, overdue, escalated or one
        department's code."""
        f = QueueFilter(status, overdue, escalated, department_code=department)
        return await views.staff_queue(f, cursor, limit)

    @get(
        "/{objection_id:int}",
        operation_id="getOfficerObjection",
        summary="Get one objection case with the record and evidence",
    )
    async def show(self, objection_id: FromPath[int], request: OfficerRequest) -> ObjectionCase:
        """One objection with the record (masked ID number, history), the proposal, the
        evidence files and every step, with actor ids and officer usernames for oversight.
        Officers only. The look is written to the citizen's query log (查询日志)."""
        return await views.staff_case(objection_id, request.user)

    @post(
        "/{objection_id:int}/acceptance",
        status_code=HTTP_200_OK,
        operation_id="acceptObjectionAsOfficer",
        summary="Accept an objection",
        opt=CONFLICT,
    )
    async def accept(
        self, objection_id: FromPath[int], data: JSONBody[DecisionReason], request: OfficerRequest
    ) -> ObjectionOut:
        """Accept (受理) a submitted objection on behalf of the credit office, with a reason.
        Officers only. The verification deadline starts, the record's penalty is suspended and
        the citizen's card re-scored at once; the citizen is notified. A case that is not
        submitted answers 409."""
        return await service.accept(objection_id, request.user, data.reason)

    @post(
        "/{objection_id:int}/rejection",
        status_code=HTTP_200_OK,
        operation_id="rejectObjectionAsOfficer",
        summary="Reject an objection",
        opt=CONFLICT,
    )
    async def reject(
        self, objection_id: FromPath[int], data: JSONBody[DecisionReason], request: OfficerRequest
    ) -> ObjectionOut:
        """Refuse to accept (不予受理) a submitted objection, with the reason the citizen
        reads. Officers only. The case closes and the record stays as it is; the citizen is
        notified. A case that is not submitted answers 409."""
        return await service.reject(objection_id, request.user, data.reason)

    @post(
        "/{objection_id:int}/extension",
        status_code=HTTP_200_OK,
        operation_id="extendObjectionAsOfficer",
        summary="Extend the verification deadline once",
        opt=CONFLICT,
    )
    async def extend(
        self, objection_id: FromPath[int], data: JSONBody[DecisionReason], request: OfficerRequest
    ) -> ObjectionOut:
        """Extend the verification deadline of an accepted objection once, for a complex case,
        with a reason. Officers only; the citizen is notified. Answers 409 ``already-extended``
        the second time and ``deadline-passed`` once the deadline has lapsed."""
        return await service.extend(objection_id, request.user, data.reason)

    @post(
        "/{objection_id:int}/decision",
        status_code=HTTP_200_OK,
        operation_id="decideObjection",
        summary="Decide a verified objection",
        opt=CONFLICT,
    )
    async def decide(
        self,
        objection_id: FromPath[int],
        data: JSONBody[OfficerDecisionIn],
        request: OfficerRequest,
    ) -> ObjectionOut:
        """Decide an objection the department has verified: upheld (the penalty applies
        again), corrected (the proposed values replace the old, kept in history) or revoked
        (the record stops counting and showing). Officers only. The card is re-scored at once,
        the citizen notified, and open repair applications of a revoked or corrected record
        end. A case not in ``verifying`` answers 409, as does ``corrected`` with no proposal."""
        return await service.decide(objection_id, request.user, data)


ROUTES = Routes(
    citizen=[MeObjectionsController],
    department=[DepartmentObjectionsController],
    officer=[OfficerObjectionsController],
)
