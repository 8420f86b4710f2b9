"""Repair routes: the citizen applies and follows; the department decides (谁认定、谁修复); the
credit office oversees and steps in on overdue cases."""

from __future__ import annotations

from typing import Literal

from litestar import Controller, get, post
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from backend.identity.security import citizen_guard
from backend.objections import evidence
from backend.objections.cases import REPAIR, QueueFilter
from backend.objections.routes import (
    CitizenRequest,
    Cursor,
    DepartmentCode,
    DepartmentRequest,
    EvidenceBody,
    Limit,
    OfficerRequest,
    close_uploads,
)
from backend.objections.schemas import DecisionReason, EvidenceOut, QueueStatus, WithdrawalIn
from backend.platform.pagination import DEFAULT_LIMIT, Page
from backend.platform.routing import Routes
from backend.repairs import service, views
from backend.repairs.schemas import (
    CommitmentOut,
    RepairCase,
    RepairDetail,
    RepairIn,
    RepairOptions,
    RepairOut,
)


class MeRepairsController(Controller):
    path = "/me/repair-applications"
    tags = ["me"]
    guards = [citizen_guard]

    @post("", status_code=HTTP_201_CREATED, summary="Apply to repair a bad record (信用修复, free)")
    async def apply(self, data: JSONBody[RepairIn], request: CitizenRequest) -> RepairDetail:
        return await service.apply(request.user.citizen_id, data, request.user.actor)

    @get("", summary="Your repair applications, newest first, with their deadlines")
    async def list_applications(
        self,
        request: CitizenRequest,
        status: FromQuery[Literal["open", "closed", "all"]] = "all",
        cursor: Cursor = None,
        limit: Limit = DEFAULT_LIMIT,
    ) -> Page[RepairOut]:
        return await views.citizen_list(request.user.citizen_id, status, cursor, limit)

    @get("/{application_id:int}", summary="One application: deadlines, evidence and every step")
    async def show(self, application_id: FromPath[int], request: CitizenRequest) -> RepairDetail:
        return await views.citizen_detail(application_id, request.user.citizen_id)

    @post(
        "/{application_id:int}/withdrawal",
        status_code=HTTP_200_OK,
        summary="Withdraw your repair application (撤回) while it is undecided",
        operation_id="withdrawRepairApplication",
    )
    async def withdraw(
        self,
        application_id: FromPath[int],
        request: CitizenRequest,
        data: JSONBody[WithdrawalIn | None] = None,
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
        summary="Attach evidence files (PDF, JPEG, PNG) to an open application",
        request_max_body_size=evidence.UPLOAD_BODY_LIMIT,
    )
    async def add_evidence(
        self, application_id: FromPath[int], data: EvidenceBody, request: CitizenRequest
    ) -> list[EvidenceOut]:
        user = request.user
        try:
            return await evidence.attach(
                REPAIR, application_id, user.citizen_id, data.files, user.actor
            )
        finally:
            await close_uploads(data)


class MeRepairOptionsController(Controller):
    path = "/me"
    tags = ["me"]
    guards = [citizen_guard]

    @get(
        "/records/{record_id:int}/repair-options",
        summary="Can this record be repaired now? From when, and by which paths?",
    )
    async def options(self, record_id: FromPath[int], request: CitizenRequest) -> RepairOptions:
        return await views.repair_options(record_id, request.user.citizen_id)

    @get("/repair-commitment", summary="The credit commitment (信用承诺书) every repair needs")
    async def commitment(
        self, language: FromQuery[Literal["zh-CN", "en"]] = "zh-CN"
    ) -> CommitmentOut:
        return views.commitment(language)


class DepartmentRepairsController(Controller):
    path = "/repairs"
    tags = ["department"]

    @get("", summary="Repair applications for this department's records, earliest deadline first")
    async def queue(
        self,
        request: DepartmentRequest,
        status: FromQuery[QueueStatus] = "open",
        overdue: FromQuery[bool | None] = None,
        escalated: FromQuery[bool | None] = None,
        cursor: Cursor = None,
        limit: Limit = DEFAULT_LIMIT,
    ) -> Page[RepairOut]:
        f = QueueFilter(status, overdue, escalated, department_id=request.user.client_id)
        return await views.staff_queue(f, cursor, limit)

    @get("/{application_id:int}", summary="One application with the record and evidence")
    async def show(self, application_id: FromPath[int], request: DepartmentRequest) -> RepairCase:
        return await views.staff_case(application_id, request.user)

    @post("/{application_id:int}/acceptance", status_code=HTTP_200_OK, summary="Accept (受理)")
    async def accept(
        self,
        application_id: FromPath[int],
        data: JSONBody[DecisionReason],
        request: DepartmentRequest,
    ) -> RepairOut:
        return await service.accept(application_id, request.user, data.reason)

    @post("/{application_id:int}/rejection", status_code=HTTP_200_OK, summary="Reject (不予受理)")
    async def reject(
        self,
        application_id: FromPath[int],
        data: JSONBody[DecisionReason],
        request: DepartmentRequest,
    ) -> RepairOut:
        return await service.reject(application_id, request.user, data.reason)

    @post("/{application_id:int}/approval", status_code=HTTP_200_OK, summary="Approve (准予修复)")
    async def approve(
        self,
        application_id: FromPath[int],
        data: JSONBody[DecisionReason],
        request: DepartmentRequest,
    ) -> RepairOut:
        return await service.approve(application_id, request.user, data.reason)

    @post("/{application_id:int}/denial", status_code=HTTP_200_OK, summary="Deny (不予修复)")
    async def deny(
        self,
        application_id: FromPath[int],
        data: JSONBody[DecisionReason],
        request: DepartmentRequest,
    ) -> RepairOut:
        return await service.deny(application_id, request.user, data.reason)


class OfficerRepairsController(Controller):
    path = "/repairs"
    tags = ["officer"]

    @get("", summary="Every repair application, earliest deadline first; filter by department")
    async def queue(
        self,
        status: FromQuery[QueueStatus] = "open",
        overdue: FromQuery[bool | None] = None,
        escalated: FromQuery[bool | None] = None,
        department: DepartmentCode = None,
        cursor: Cursor = None,
        limit: Limit = DEFAULT_LIMIT,
    ) -> Page[RepairOut]:
        f = QueueFilter(status, overdue, escalated, department_code=department)
        return await views.staff_queue(f, cursor, limit)

    @get("/{application_id:int}", summary="One application with the record and evidence")
    async def show(self, application_id: FromPath[int], request: OfficerRequest) -> RepairCase:
        return await views.staff_case(application_id, request.user)

    @post(
        "/{application_id:int}/acceptance",
        status_code=HTTP_200_OK,
        summary="Accept an overdue application in the department's place",
    )
    async def accept(
        self, application_id: FromPath[int], data: JSONBody[DecisionReason], request: OfficerRequest
    ) -> RepairOut:
        return await service.accept(application_id, request.user, data.reason)

    @post(
        "/{application_id:int}/rejection",
        status_code=HTTP_200_OK,
        summary="Reject an overdue application in the department's place",
    )
    async def reject(
        self, application_id: FromPath[int], data: JSONBody[DecisionReason], request: OfficerRequest
    ) -> RepairOut:
        return await service.reject(application_id, request.user, data.reason)

    @post(
        "/{application_id:int}/approval",
        status_code=HTTP_200_OK,
        summary="Approve an overdue application in the department's place",
    )
    async def approve(
        self, application_id: FromPath[int], data: JSONBody[DecisionReason], request: OfficerRequest
    ) -> RepairOut:
        return await service.approve(application_id, request.user, data.reason)

    @post(
        "/{application_id:int}/denial",
        status_code=HTTP_200_OK,
        summary="Deny an overdue application in the department's place",
    )
    async def deny(
        self, application_id: FromPath[int], data: JSONBody[DecisionReason], request: OfficerRequest
    ) -> RepairOut:
        return await service.deny(application_id, request.user, data.reason)


ROUTES = Routes(
    citizen=[MeRepairsController, MeRepairOptionsController],
    department=[DepartmentRepairsController],
    officer=[OfficerRepairsController],
)
