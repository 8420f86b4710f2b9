"""The citizen's copy of their data and the cancellation of their account (PIPL arts. 44-47)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import ResponseHeader
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import (
    OpenAPIFormat,
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Operation,
    Schema,
)
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_202_ACCEPTED

from backend.identity.principals import CitizenPrincipal
from backend.identity.security import citizen_guard
from backend.platform.errors import PROBLEM_MEDIA_TYPE, Problem
from backend.platform.routing import Routes
from backend.privacy import confirmation, jobs, service
from backend.privacy.links import FileKind
from backend.privacy.schemas import CancellationIn, CancellationOut, DataExportOut

CitizenRequest = Request[CitizenPrincipal, Any, Any]
TAG = "My data"
EXPORT_LOCATION = ResponseHeader(
    name="Location",
    value="/v1/me/data-exports/7",
    description="The export, where its status and, once ready, its download links are",
    documentation_only=True,
)
GONE = {
    410: ResponseSpec(
        data_container=Problem,
        description="The link or the export is past its time (`download-expired`): ask for"
        " the export's status again for new links, or for a new export",
        media_type=PROBLEM_MEDIA_TYPE,
        generate_examples=False,
    )
}
Token = Annotated[
    str,
    QueryParameter(
        name="token",
        min_length=1,
        max_length=200,
        description="The token of the download link (`downloads` in the export's status)",
    ),
]


def _file_operation(media_type: str, description: str) -> type[Operation]:
    @dataclass
    class FileOperation(Operation):
        def __post_init__(self) -> None:
            ok = (self.responses or {}).get("200")
            if isinstance(ok, OpenAPIResponse):
                ok.description = description
                binary = Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY)
                ok.content = {media_type: OpenAPIMediaType(schema=binary)}

    return FileOperation


JsonFileOperation = _file_operation(
    "application/json", "The JSON copy (UTF-8): `sections` names every kind of data, each present"
)
PdfFileOperation = _file_operation("application/pdf", "The same copy as a readable PDF")


class MeDataExportsController(Controller):
    path = "/me/data-exports"
    tags = [TAG]
    guards = [citizen_guard]

    @post(
        "",
        status_code=HTTP_202_ACCEPTED,
        operation_id="requestMyDataExport",
        summary="Ask for a copy of my data",
        response_headers=[EXPORT_LOCATION],
    )
    async def request_export(self, request: CitizenRequest) -> Response[DataExportOut]:
        """Ask for a copy of everything the app holds about you (PIPL art. 45): profile,
        account, devices, notices accepted, consents, the credit lock, card and score history,
        records with their history, your objections, repairs and reports, the list of evidence
        files, notifications, the query log, report authorisations, verification codes (not
        their secrets) and more, as a JSON file and a readable PDF. It is made in the
        background (usually seconds): follow `Location`. One export at a time: while one is
        in progress, asking again answers that one. The files are deleted 7 days after they
        are ready. Citizens only."""
        found, fresh = await service.request_export(
            request.user.citizen_id, request.user.account_id
        )
        if fresh:
            await jobs.enqueue_export(found.citizen, found.id)
        return Response(
            service.shown(found),
            status_code=HTTP_202_ACCEPTED,
            headers={"Location": service.location(found.id)},
        )

    @get(
        "/{export_id:int}",
        operation_id="getMyDataExport",
        summary="A copy of my data: status and links",
        opt={"problems": (404,)},
    )
    async def status(self, request: CitizenRequest, export_id: FromPath[int]) -> DataExportOut:
        """The export's status and, once `ready`, two download links (JSON and PDF) that work
        for 24 hours at most, and never past the export's `expiresAt`; asking again gives
        fresh links. Another citizen's export answers 404. Citizens only."""
        return await service.status(request.user.citizen_id, export_id)

    @get(
        "/{export_id:int}/json",
        operation_id="downloadMyDataExportJson",
        summary="Download the copy of my data (JSON)",
        media_type="application/json",
        operation_class=JsonFileOperation,
        responses=GONE,
        opt={"problems": (404,)},
    )
    async def download_json(
        self, request: CitizenRequest, export_id: FromPath[int], token: Token
    ) -> Response[bytes]:
        """The JSON file, by its link from the export's status. 404 for another citizen's
        export or a link not made for this file; 410 `download-expired` once the link or the
        export is past its time. Each download is audited. Citizens only."""
        return await _file(request, export_id, "json", token)

    @get(
        "/{export_id:int}/pdf",
        operation_id="downloadMyDataExportPdf",
        summary="Download the copy of my data (PDF)",
        media_type="application/pdf",
        operation_class=PdfFileOperation,
        responses=GONE,
        opt={"problems": (404,)},
    )
    async def download_pdf(
        self, request: CitizenRequest, export_id: FromPath[int], token: Token
    ) -> Response[bytes]:
        """The PDF file, by its link from the export's status: as the JSON download. Citizens
        only."""
        return await _file(request, export_id, "pdf", token)


async def _file(
    request: CitizenRequest, export_id: int, kind: FileKind, token: str
) -> Response[bytes]:
    content = await service.download(request.user.citizen_id, export_id, kind, token)
    return Response(
        content,
        media_type="application/json" if kind == "json" else "application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="my-data-{export_id}.{kind}"',
            "Cache-Control": "no-store",
        },
    )


class MeAccountCancellationController(Controller):
    path = "/me/account:cancel"
    tags = [TAG]
    guards = [citizen_guard]

    @post(
        "",
        status_code=HTTP_200_OK,
        operation_id="removeMyAccount",
        summary="Cancel my account (注销账号)",
        opt={"problems": (404,)},
    )
    async def cancel(
        self, request: CitizenRequest, data: JSONBody[CancellationIn]
    ) -> CancellationOut:
        """Cancel your account at once (注销账号, PIPL art. 47): every session is signed out,
        and the account, push devices and tokens, pending pushes, the inbox, notification
        settings, consents to merchants, the record of the notices you accepted, live
        verification codes, report authorisations not yet used (revoked), data exports and
        the responses kept for `Idempotency-Key` are removed. What stays, and why: the public
        credit records, points and the query log are held by the government under the credit
        rules and are not the app's to delete; cases in progress continue and their decisions
        are published as usual; the audit log keeps this step. The answer is the notice of the
        cancellation (the inbox went with the account). A new sign-up later opens a new account
        that shows your records again, but not the old inbox, devices or consents. Send
        `{"confirm": true}`. Citizens only."""
        cancelled_at, counts = await service.cancel(request.user)
        return confirmation.confirmation(cancelled_at, counts)


ROUTES = Routes(citizen=[MeDataExportsController, MeAccountCancellationController])
