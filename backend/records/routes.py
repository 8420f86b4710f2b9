"""Departments push and fix records; citizens read their own."""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Annotated, Any, Literal

import msgspec
from litestar import Controller, Request, get, post
from litestar.dto import AbstractDTO, DTOConfig
from litestar.dto.data_structures import DTOFieldDefinition
from litestar.exceptions import ClientException, ValidationException
from litestar.openapi.spec import Reference, Schema
from litestar.params import JSONBody, PathParameter, QueryParameter
from litestar.status_codes import HTTP_200_OK
from litestar.typing import FieldDefinition

from backend.identity.principals import CitizenPrincipal, ClientPrincipal
from backend.identity.security import citizen_guard
from backend.platform.language import say
from backend.platform.pagination import DEFAULT_LIMIT, Page
from backend.platform.routing import Routes
from backend.records import service
from backend.records.schemas import (
    BatchResult,
    DepartmentRecordOut,
    RecordBatch,
    RecordBatchWire,
    RecordCorrection,
    RecordOut,
    RecordRevocation,
)

if TYPE_CHECKING:
    from litestar._openapi.schema_generation import SchemaCreator

DepartmentRequest = Request[ClientPrincipal, Any, Any]
RecordId = Annotated[int, PathParameter(description="The record's id")]


class RecordBatchBody(AbstractDTO[RecordBatchWire]):
    """Reads a record batch with its items left raw, so each item is checked on its own
    (a bad item is rejected alone, not the batch), while the OpenAPI document shows the items
    as they must be: ``RecordBatch``, items ``RecordIn``. The batch itself (an object with
    ``records``, 1 or more, no other field) is checked here like any other body."""

    config = DTOConfig()

    @classmethod
    def generate_field_definitions(
        cls, model_type: type[Any]
    ) -> Generator[DTOFieldDefinition, None, None]:
        yield from ()

    @classmethod
    def detect_nested_field(cls, field_definition: FieldDefinition) -> bool:
        return False

    @classmethod
    def create_for_field_definition(
        cls, field_definition: FieldDefinition, handler_id: str, backend_cls: Any = None
    ) -> None:
        """Nothing to build: decoding is ``decode_bytes`` below."""

    @classmethod
    def create_openapi_schema(
        cls, field_definition: FieldDefinition, handler_id: str, schema_creator: SchemaCreator
    ) -> Reference | Schema:
        documented = FieldDefinition.from_annotation(
            RecordBatch, kwarg_definition=field_definition.kwarg_definition
        )
        return schema_creator.for_field_definition(documented)

    def decode_builtins(self, value: Any) -> RecordBatchWire:
        try:
            return msgspec.convert(value, RecordBatchWire)
        except msgspec.ValidationError as exc:
            # The same shape as Litestar's own body errors: the problem handler names the field.
            raise ValidationException(
                detail=str(exc), extra=[{"message": str(exc), "key": "data", "source": "body"}]
            ) from exc

    def decode_bytes(self, value: bytes) -> RecordBatchWire:
        try:
            raw = msgspec.json.decode(value)
        except msgspec.DecodeError as exc:
            raise ClientException(
                detail=say(f"请求体不是有效的 JSON（{exc}）", f"the body is not valid JSON: {exc}")
            ) from exc
        return self.decode_builtins(raw)


class DepartmentRecordsController(Controller):
    path = "/"
    tags = ["Department records"]

    @post(
        "/records:batch",
        status_code=HTTP_200_OK,
        operation_id="ingestRecords",
        summary="Report up to 1,000 records; idempotent per source reference",
        dto=RecordBatchBody,
        return_dto=None,
        opt={"problems": (413,)},
    )
    async def ingest(
        self, data: JSONBody[RecordBatchWire], request: DepartmentRequest
    ) -> BatchResult:
        """Reports credit records (信用记录) in one batch, for a department API key whose scopes
        cover each record's type or domain. Each item is checked on its own: a bad one
        (unknown or out-of-scope type, invalid ID number, a name that is not the one on file,
        dates in the future) is rejected with its field and a reason in the request's language
        while the others are stored in one transaction; a `sourceReference` sent before is a
        duplicate and changes nothing. Stored records re-score their citizens, who are notified
        of each record with the points it moved. More than 1,000 items answers 413
        `batch-too-large`."""
        return await service.ingest_batch(data.records, request.user)

    @get(
        "/records/{record_id:int}",
        operation_id="getDepartmentRecord",
        summary="One of your department's records, with its history",
    )
    async def show(self, record_id: RecordId, request: DepartmentRequest) -> DepartmentRecordOut:
        """One record this department reported, as it stands, with every correction,
        revocation or repair in its history and the citizen's ID number masked. For the
        reporting department's API key only: another department's record answers 404 like a
        missing one."""
        return await service.department_record(record_id, request.user)

    @post(
        "/records/{record_id:int}/correction",
        status_code=HTTP_200_OK,
        operation_id="correctRecord",
        summary="Correct one of your department's records (old values kept in history)",
        opt={"problems": (409,)},
    )
    async def correct(
        self, record_id: RecordId, data: JSONBody[RecordCorrection], request: DepartmentRequest
    ) -> DepartmentRecordOut:
        """Changes values of a record this department reported (更正); the old values stay in
        its history, the citizen is notified with the reason and re-scored. The new type must
        be within the department's scopes and of the same polarity (422 otherwise). Open repair
        applications (信用修复申请) on the record are closed, with the reason, since the
        corrected record is a different finding. A revoked record answers 409
        `record-revoked`, a repaired one 409 `record-repaired` (a repaired record is never
        revoked or corrected as well)."""
        return await service.correct_record(record_id, data, request.user)

    @post(
        "/records/{record_id:int}/revocation",
        status_code=HTTP_200_OK,
        operation_id="revokeRecord",
        summary="Revoke one of your department's records; it stops counting and showing",
        opt={"problems": (409,)},
    )
    async def revoke(
        self, record_id: RecordId, data: JSONBody[RecordRevocation], request: DepartmentRequest
    ) -> DepartmentRecordOut:
        """Withdraws a record this department reported (撤销): at once it no longer shows or
        counts, the citizen is notified with the reason and re-scored, and open repair
        applications on it are closed. Revoking a revoked record again changes nothing and
        answers the record; a repaired record answers 409 `record-repaired`. For the reporting
        department's API key only."""
        return await service.revoke_record(record_id, data.reason, request.user)


class MeRecordsController(Controller):
    path = "/me/records"
    tags = ["My records"]
    guards = [citizen_guard]

    @get("", operation_id="listMyRecords", summary="Your records, newest first")
    async def list_records(
        self,
        request: Request[CitizenPrincipal, Any, Any],
        status: Annotated[
            Literal["active", "expired", "revoked", "repaired", "all"],
            QueryParameter(
                description="`active` (the default): shown and counting; `expired`: past their"
                " display period; `revoked`; `repaired`; `all`"
            ),
        ] = "active",
        polarity: Annotated[
            Literal["good", "bad"] | None,
            QueryParameter(description="Only good (优良) or only bad (失信) records"),
        ] = None,
        domain: Annotated[
            str | None,
            QueryParameter(max_length=40, description="Only records of this catalog domain code"),
        ] = None,
        cursor: Annotated[
            str | None,
            QueryParameter(max_length=200, description="`nextCursor` of the previous page"),
        ] = None,
        limit: Annotated[
            int, QueryParameter(ge=1, le=100, description="Records per page, 1 to 100")
        ] = DEFAULT_LIMIT,
    ) -> Page[RecordOut]:
        """The credit records departments reported about the signed-in citizen, newest first
        and paged by cursor, each with its name in the request's language, the points it moves
        now, its display period and the day repair becomes possible. For citizens only."""
        return await service.citizen_records(
            request.user.citizen_id,
            status=status,
            polarity=polarity,
            domain=domain,
            cursor=cursor,
            limit=limit,
        )


ROUTES = Routes(citizen=[MeRecordsController], department=[DepartmentRecordsController])
