"""Departments push and fix records; citizens read their own."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from litestar import Controller, Request, get, post
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK

from backend.identity.principals import CitizenPrincipal, ClientPrincipal
from backend.identity.security import citizen_guard
from backend.platform.pagination import DEFAULT_LIMIT, Page
from backend.platform.routing import Routes
from backend.records import service
from backend.records.schemas import (
    BatchResult,
    DepartmentRecordOut,
    RecordBatch,
    RecordCorrection,
    RecordOut,
    RecordRevocation,
)

DepartmentRequest = Request[ClientPrincipal, Any, Any]


class DepartmentRecordsController(Controller):
    path = "/"
    tags = ["department"]

    @post(
        "/records:batch",
        status_code=HTTP_200_OK,
        summary="Report up to 1,000 records; idempotent per source reference",
    )
    async def ingest(self, data: JSONBody[RecordBatch], request: DepartmentRequest) -> BatchResult:
        return await service.ingest_batch(data.records, request.user)

    @get("/records/{record_id:int}", summary="One of this department's records, with its history")
    async def show(
        self, record_id: FromPath[int], request: DepartmentRequest
    ) -> DepartmentRecordOut:
        return await service.department_record(record_id, request.user)

    @post(
        "/records/{record_id:int}/correction",
        status_code=HTTP_200_OK,
        summary="Correct one of this department's records (old values kept in history)",
    )
    async def correct(
        self, record_id: FromPath[int], data: JSONBody[RecordCorrection], request: DepartmentRequest
    ) -> DepartmentRecordOut:
        return await service.correct_record(record_id, data, request.user)

    @post(
        "/records/{record_id:int}/revocation",
        status_code=HTTP_200_OK,
        summary="Revoke one of this department's records; it stops counting and showing",
    )
    async def revoke(
        self, record_id: FromPath[int], data: JSONBody[RecordRevocation], request: DepartmentRequest
    ) -> DepartmentRecordOut:
        return await service.revoke_record(record_id, data.reason, request.user)


class MeRecordsController(Controller):
    path = "/me/records"
    tags = ["me"]
    guards = [citizen_guard]

    @get("", summary="The citizen's own records, newest first")
    async def list_records(
        self,
        request: Request[CitizenPrincipal, Any, Any],
        status: FromQuery[Literal["active", "expired", "revoked", "repaired", "all"]] = "active",
        polarity: FromQuery[Literal["good", "bad"] | None] = None,
        domain: Annotated[str | None, QueryParameter(max_length=40)] = None,
        cursor: Annotated[str | None, QueryParameter(max_length=200)] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=100)] = DEFAULT_LIMIT,
    ) -> Page[RecordOut]:
        return await service.citizen_records(
            request.user.citizen_id,
            status=status,
            polarity=polarity,
            domain=domain,
            cursor=cursor,
            limit=limit,
        )


ROUTES = Routes(citizen=[MeRecordsController], department=[DepartmentRecordsController])
