"""Objection routes for citizens, departments and officers; evidence downloads and the
department statistics, which objections and repairs share."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal
from urllib.parse import quote

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body, BodyKwarg, FromPath, JSONBody, QueryParameter
from litestar.response import Stream
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from backend.identity.principals import CitizenPrincipal, ClientPrincipal, OfficerPrincipal
from backend.identity.security import citizen_guard
from backend.objections import cases, evidence, service, views
from backend.objections.cases import OBJECTION, QueueFilter
from backend.objections.operations import (
    DOWNLOAD_HEADERS,
    EVIDENCE_LOCATION,
    OBJECTION_LOCATION,
    STAFF_DOWNLOAD_HEADERS,
    EvidenceDownloadOperation,
    OptionalBodyOperation,
    created,
)
from backend.objections.schemas import (
    DecisionReason,
    DepartmentStatistics,
    EvidenceOut,
    ObjectionCase,
    ObjectionDetail,
    ObjectionIn,
    ObjectionOut,
    OfficerDecisionIn,
    ProposalIn,
    QueueStatus,
    WithdrawalIn,
)
from backend.platform.caching import PRIVATE, etag_for_version
from backend.platform.pagination import DEFAULT_LIMIT, Page
from backend.platform.routing import Routes

CitizenRequest = Request[CitizenPrincipal, Any, Any]
DepartmentRequest = Request[ClientPrincipal, Any, Any]
OfficerRequest = Request[OfficerPrincipal, Any, Any]
Cursor = Annotated[
    str | None,
    QueryParameter(max_length=200, description="`nextCursor` of the previous page; omit for the"
                   " first page"),
]  # fmt: skip
Limit = Annotated[int, QueryParameter(ge=1, le=100, description="Items per page (1 to 100)")]
DepartmentCode = Annotated[
    str | None,
    QueryParameter(max_length=60, description="Only this department's cases (its code)"),
]
CitizenListStatus = Annotated[
    Literal["open", "closed", "all"],
    QueryParameter(description="`open` (not decided yet), `closed` or `all`"),
]
StaffQueueStatus = Annotated[
    QueueStatus,
    QueryParameter(
        description="`open` (the default: cases still to handle), `closed`, `all`, or one"
        " status of the case"
    ),
]
Overdue = Annotated[
    bool | None, QueryParameter(description="Only cases past (true) or within (false) deadline")
]
Escalated = Annotated[
    bool | None,
    QueryParameter(description="Only cases escalated to the credit office (true) or not (false)"),
]
# 409 for a case in the wrong state (``case-closed``, ``invalid-transition``) or a rule it
# breaks; declared on every handler that changes a case.
CONFLICT = {"problems": (409,)}


@dataclass
class EvidenceUpload:
    """Evidence files (证明材料) in the multipart field ``files``."""

    files: Annotated[
        list[UploadFile],
        BodyKwarg(
            description="One or more PDF, JPEG or PNG files (the content decides the type, not"
            " the name); at most 10 MB each and 5 per case by default"
        ),
    ]


EvidenceBody = Annotated[EvidenceUpload, Body(media_type=RequestEncodingType.MULTI_PART)]
OptionalWithdrawal = Annotated[
    WithdrawalIn | None,
    Body(
        media_type=RequestEncodingType.JSON,
        description="Optional: a reason for withdrawing. The body may be left out entirely.",
    ),
]


async def close_uploads(upload: EvidenceUpload) -> None:
    for item in upload.files:
        await item.close()


# The citizen's own file follows the citizen routes' caching (the phone may keep it and
# revalidates with the ETag); staff downloads are never kept.
CITIZEN_CACHE = PRIVATE.decode()
STAFF_CACHE = "private, no-store"


def download_response(download: evidence.Download, *, cache_control: str) -> Stream:
    return Stream(
        download.chunks,
        media_type=download.media_type,
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(download.name)}",
            "Content-Length": str(download.size),
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": cache_control,
            "ETag": etag_for_version(download.sha256),
        },
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


def evidence_url(request: CitizenRequest, files: list[EvidenceOut]) -> str:
    return request.app.route_reverse("downloadMyEvidence", evidence_id=files[0].id)


class MeEvidenceController(Controller):
    path = "/me/evidence"
    tags = ["My objections"]
    guards = [citizen_guard]

    @get(
        "/{evidence_id:int}",
        name="downloadMyEvidence",
        operation_id="downloadMyEvidence",
        summary="Download one of your evidence files",
        response_headers=DOWNLOAD_HEADERS,
        operation_class=EvidenceDownloadOperation,
    )
    async def download(self, evidence_id: FromPath[int], request: CitizenRequest) -> Stream:
        """Download an evidence file you attached to one of your objections or repair
        applications, as the type its content showed at upload (application/pdf, image/jpeg or
        image/png). Citizens only; another citizen's file answers 404 exactly like an unknown
        id. The file never changes: its ETag is its SHA-256, so If-None-Match answers 304.
        Your own downloads are not written to your query log."""
        found = await evidence.for_citizen(evidence_id, request.user.citizen_id)
        return download_response(found, cache_control=CITIZEN_CACHE)


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


class DepartmentEvidenceController(Controller):
    path = "/evidence"
    tags = ["Department cases"]

    @get(
        "/{evidence_id:int}",
        operation_id="downloadDepartmentEvidence",
        summary="Download evidence of a case against your records",
        response_headers=STAFF_DOWNLOAD_HEADERS,
        operation_class=EvidenceDownloadOperation,
    )
    async def download(self, evidence_id: FromPath[int], request: DepartmentRequest) -> Stream:
        """Download an evidence file of an objection or repair application against this
        department's records, as the type its content showed at upload (application/pdf,
        image/jpeg or image/png). Department API key only; another department's file answers
        404. The download is written to the citizen's query log (查询日志)."""
        found = await evidence.for_staff(evidence_id, request.user)
        return download_response(found, cache_control=STAFF_CACHE)


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


class OfficerEvidenceController(Controller):
    path = "/evidence"
    tags = ["Officer cases"]

    @get(
        "/{evidence_id:int}",
        operation_id="downloadOfficerEvidence",
        summary="Download the evidence of any case",
        response_headers=STAFF_DOWNLOAD_HEADERS,
        operation_class=EvidenceDownloadOperation,
    )
    async def download(self, evidence_id: FromPath[int], request: OfficerRequest) -> Stream:
        """Download an evidence file of any objection or repair application, as the type its
        content showed at upload (application/pdf, image/jpeg or image/png). Officers only.
        The download is written to the citizen's query log (查询日志)."""
        found = await evidence.for_staff(evidence_id, request.user)
        return download_response(found, cache_control=STAFF_CACHE)


class OfficerStatisticsController(Controller):
    path = "/statistics"
    tags = ["Officer oversight"]

    @get(
        "/departments",
        operation_id="getDepartmentStatistics",
        summary="Get case handling statistics per department",
    )
    async def departments(self) -> list[DepartmentStatistics]:
        """Per department, for objections and repair applications: cases handled, on time and
        late, open and overdue (政务诚信: the government's own promptness is recorded too).
        Officers only; departments in code order."""
        return await cases.department_statistics()


ROUTES = Routes(
    citizen=[MeObjectionsController, MeEvidenceController],
    department=[DepartmentObjectionsController, DepartmentEvidenceController],
    officer=[OfficerObjectionsController, OfficerEvidenceController, OfficerStatisticsController],
)
