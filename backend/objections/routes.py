"""Objection routes for citizens, departments and officers; evidence downloads and the
department statistics, which objections and repairs share."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal
from urllib.parse import quote

from litestar import Controller, Request, get, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import Body, FromPath, FromQuery, JSONBody, QueryParameter
from litestar.response import Stream
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from backend.identity.principals import CitizenPrincipal, ClientPrincipal, OfficerPrincipal
from backend.identity.security import citizen_guard
from backend.objections import cases, evidence, service, views
from backend.objections.cases import OBJECTION, QueueFilter
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
from backend.platform.pagination import DEFAULT_LIMIT, Page
from backend.platform.routing import Routes

CitizenRequest = Request[CitizenPrincipal, Any, Any]
DepartmentRequest = Request[ClientPrincipal, Any, Any]
OfficerRequest = Request[OfficerPrincipal, Any, Any]
Cursor = Annotated[str | None, QueryParameter(max_length=200)]
Limit = Annotated[int, QueryParameter(ge=1, le=100)]
DepartmentCode = Annotated[str | None, QueryParameter(max_length=60)]


@dataclass
class EvidenceUpload:
    """PDF, JPEG or PNG files in the multipart field ``files`` (the content decides the type)."""

    files: list[UploadFile]


FILE_RESPONSE: dict[str, Any] = {
    "responses": {
        200: ResponseSpec(
            data_container=bytes,
            media_type="application/octet-stream",
            description="The file as uploaded: application/pdf, image/jpeg or image/png",
            generate_examples=False,
        )
    }
}
EvidenceBody = Annotated[EvidenceUpload, Body(media_type=RequestEncodingType.MULTI_PART)]


async def close_uploads(upload: EvidenceUpload) -> None:
    for item in upload.files:
        await item.close()


def download_response(download: evidence.Download) -> Stream:
    return Stream(
        download.chunks,
        media_type=download.media_type,
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(download.name)}",
            "Content-Length": str(download.size),
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
        },
    )


# --- citizens -----------------------------------------------------------------------------------


class MeObjectionsController(Controller):
    path = "/me/objections"
    tags = ["me"]
    guards = [citizen_guard]

    @post("", status_code=HTTP_201_CREATED, summary="Dispute one of your records (异议)")
    async def file(self, data: JSONBody[ObjectionIn], request: CitizenRequest) -> ObjectionDetail:
        user = request.user
        return await service.file_objection(user.citizen_id, data, user.actor)

    @get("", summary="Your objections, newest first, with their deadlines")
    async def list_objections(
        self,
        request: CitizenRequest,
        status: FromQuery[Literal["open", "closed", "all"]] = "all",
        cursor: Cursor = None,
        limit: Limit = DEFAULT_LIMIT,
    ) -> Page[ObjectionOut]:
        return await views.citizen_list(request.user.citizen_id, status, cursor, limit)

    @get("/{objection_id:int}", summary="One objection: deadline, evidence and every step")
    async def show(self, objection_id: FromPath[int], request: CitizenRequest) -> ObjectionDetail:
        return await views.citizen_detail(objection_id, request.user.citizen_id)

    @post(
        "/{objection_id:int}/withdrawal",
        status_code=HTTP_200_OK,
        summary="Withdraw your objection (撤回) while it is undecided",
        operation_id="withdrawObjection",
    )
    async def withdraw(
        self,
        objection_id: FromPath[int],
        request: CitizenRequest,
        data: JSONBody[WithdrawalIn | None] = None,
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
        summary="Attach evidence files (PDF, JPEG, PNG) to an open objection",
        request_max_body_size=evidence.UPLOAD_BODY_LIMIT,
    )
    async def add_evidence(
        self, objection_id: FromPath[int], data: EvidenceBody, request: CitizenRequest
    ) -> list[EvidenceOut]:
        user = request.user
        try:
            return await evidence.attach(
                OBJECTION, objection_id, user.citizen_id, data.files, user.actor
            )
        finally:
            await close_uploads(data)


class MeEvidenceController(Controller):
    path = "/me/evidence"
    tags = ["me"]
    guards = [citizen_guard]

    @get("/{evidence_id:int}", summary="Download one of your evidence files", **FILE_RESPONSE)
    async def download(self, evidence_id: FromPath[int], request: CitizenRequest) -> Stream:
        return download_response(await evidence.for_citizen(evidence_id, request.user.citizen_id))


# --- departments --------------------------------------------------------------------------------


class DepartmentObjectionsController(Controller):
    path = "/objections"
    tags = ["department"]

    @get("", summary="Objections against this department's records, earliest deadline first")
    async def queue(
        self,
        request: DepartmentRequest,
        status: FromQuery[QueueStatus] = "open",
        overdue: FromQuery[bool | None] = None,
        escalated: FromQuery[bool | None] = None,
        cursor: Cursor = None,
        limit: Limit = DEFAULT_LIMIT,
    ) -> Page[ObjectionOut]:
        f = QueueFilter(status, overdue, escalated, department_id=request.user.client_id)
        return await views.staff_queue(f, cursor, limit)

    @get("/{objection_id:int}", summary="One case with the record and evidence (query-logged)")
    async def show(self, objection_id: FromPath[int], request: DepartmentRequest) -> ObjectionCase:
        return await views.staff_case(objection_id, request.user)

    @post("/{objection_id:int}/acceptance", status_code=HTTP_200_OK, summary="Accept (受理)")
    async def accept(
        self,
        objection_id: FromPath[int],
        data: JSONBody[DecisionReason],
        request: DepartmentRequest,
    ) -> ObjectionOut:
        return await service.accept(objection_id, request.user, data.reason)

    @post("/{objection_id:int}/rejection", status_code=HTTP_200_OK, summary="Reject (不予受理)")
    async def reject(
        self,
        objection_id: FromPath[int],
        data: JSONBody[DecisionReason],
        request: DepartmentRequest,
    ) -> ObjectionOut:
        return await service.reject(objection_id, request.user, data.reason)

    @post(
        "/{objection_id:int}/extension",
        status_code=HTTP_200_OK,
        summary="Extend the verification deadline once, for a complex case",
    )
    async def extend(
        self,
        objection_id: FromPath[int],
        data: JSONBody[DecisionReason],
        request: DepartmentRequest,
    ) -> ObjectionOut:
        return await service.extend(objection_id, request.user, data.reason)

    @post(
        "/{objection_id:int}/proposal",
        status_code=HTTP_200_OK,
        summary="Report the verification (核查) and propose upheld, corrected or revoked",
    )
    async def propose(
        self, objection_id: FromPath[int], data: JSONBody[ProposalIn], request: DepartmentRequest
    ) -> ObjectionOut:
        return await service.propose(objection_id, request.user, data)


class DepartmentEvidenceController(Controller):
    path = "/evidence"
    tags = ["department"]

    @get(
        "/{evidence_id:int}",
        summary="Download evidence of a case against this department (query-logged)",
        **FILE_RESPONSE,
    )
    async def download(self, evidence_id: FromPath[int], request: DepartmentRequest) -> Stream:
        return download_response(await evidence.for_staff(evidence_id, request.user))


# --- officers -----------------------------------------------------------------------------------


class OfficerObjectionsController(Controller):
    path = "/objections"
    tags = ["officer"]

    @get("", summary="Every objection, earliest deadline first; filter by department")
    async def queue(
        self,
        status: FromQuery[QueueStatus] = "open",
        overdue: FromQuery[bool | None] = None,
        escalated: FromQuery[bool | None] = None,
        department: DepartmentCode = None,
        cursor: Cursor = None,
        limit: Limit = DEFAULT_LIMIT,
    ) -> Page[ObjectionOut]:
        f = QueueFilter(status, overdue, escalated, department_code=department)
        return await views.staff_queue(f, cursor, limit)

    @get("/{objection_id:int}", summary="One case with the record and evidence (query-logged)")
    async def show(self, objection_id: FromPath[int], request: OfficerRequest) -> ObjectionCase:
        return await views.staff_case(objection_id, request.user)

    @post("/{objection_id:int}/acceptance", status_code=HTTP_200_OK, summary="Accept (受理)")
    async def accept(
        self, objection_id: FromPath[int], data: JSONBody[DecisionReason], request: OfficerRequest
    ) -> ObjectionOut:
        return await service.accept(objection_id, request.user, data.reason)

    @post("/{objection_id:int}/rejection", status_code=HTTP_200_OK, summary="Reject (不予受理)")
    async def reject(
        self, objection_id: FromPath[int], data: JSONBody[DecisionReason], request: OfficerRequest
    ) -> ObjectionOut:
        return await service.reject(objection_id, request.user, data.reason)

    @post(
        "/{objection_id:int}/extension",
        status_code=HTTP_200_OK,
        summary="Extend the verification deadline once, for a complex case",
    )
    async def extend(
        self, objection_id: FromPath[int], data: JSONBody[DecisionReason], request: OfficerRequest
    ) -> ObjectionOut:
        return await service.extend(objection_id, request.user, data.reason)

    @post(
        "/{objection_id:int}/decision",
        status_code=HTTP_200_OK,
        summary="Decide a verified objection: upheld, corrected or revoked",
    )
    async def decide(
        self,
        objection_id: FromPath[int],
        data: JSONBody[OfficerDecisionIn],
        request: OfficerRequest,
    ) -> ObjectionOut:
        return await service.decide(objection_id, request.user, data)


class OfficerEvidenceController(Controller):
    path = "/evidence"
    tags = ["officer"]

    @get(
        "/{evidence_id:int}",
        summary="Download the evidence of any case (query-logged)",
        **FILE_RESPONSE,
    )
    async def download(self, evidence_id: FromPath[int], request: OfficerRequest) -> Stream:
        return download_response(await evidence.for_staff(evidence_id, request.user))


class OfficerStatisticsController(Controller):
    path = "/statistics"
    tags = ["officer"]

    @get(
        "/departments",
        summary="Per department: cases handled, on time and late (政务诚信), open and overdue",
    )
    async def departments(self) -> list[DepartmentStatistics]:
        return await cases.department_statistics()


ROUTES = Routes(
    citizen=[MeObjectionsController, MeEvidenceController],
    department=[DepartmentObjectionsController, DepartmentEvidenceController],
    officer=[OfficerObjectionsController, OfficerEvidenceController, OfficerStatisticsController],
)
