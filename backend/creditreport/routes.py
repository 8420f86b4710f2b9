"""The citizen downloads their credit report; anyone checks one by its number or short code."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import ResponseHeader
from litestar.openapi.spec import (
    OpenAPIFormat,
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Operation,
    Schema,
)
from litestar.params import FromPath, JSONBody, Parameter
from litestar.status_codes import HTTP_200_OK

from backend.cases.operations import created
from backend.creditreport import authorisations, service
from backend.creditreport.schemas import (
    AuthorisationIn,
    AuthorisationOut,
    ReportCheck,
    ReportRequest,
)
from backend.identity.principals import CitizenPrincipal, ClientPrincipal
from backend.identity.security import citizen_guard
from backend.platform.routing import Routes

REPORT_LOCATION = ResponseHeader(
    name="Location",
    value="/v1/me/report-authorisations",
    description="Your authorisations, where the new one is listed",
    documentation_only=True,
)


@dataclass
class PdfOperation(Operation):
    """The 200 answer is the signed PDF itself."""

    def __post_init__(self) -> None:
        ok = (self.responses or {}).get("200")
        if isinstance(ok, OpenAPIResponse):
            ok.description = "The signed PDF (A4, Chinese with English headings, fonts embedded)"
            binary = Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY)
            ok.content = {"application/pdf": OpenAPIMediaType(schema=binary)}


class MeCreditReportController(Controller):
    path = "/me/credit-report"
    tags = ["My card"]
    guards = [citizen_guard]

    @get(
        "",
        operation_id="downloadMyCreditReport",
        summary="Download my personal credit report (PDF)",
        media_type="application/pdf",
        operation_class=PdfOperation,
    )
    async def download(self, request: Request[CitizenPrincipal, Any, Any]) -> Response[bytes]:
        """A new personal credit report (个人信用报告) of the citizen's own public credit
        information: identity, points and grade with the rules version, the records on display
        (department, dates, legal basis, display end), objections and repairs with their
        outcomes, list status, measures in force, and who looked in the last 12 months. Each
        report has a number, a QR code and a short code that anyone can check at
        `/v1/public/credit-reports/{number}` for 30 days; it is signed (Ed25519), so a changed
        file is detected. Citizens only; never cached."""
        facts, pdf = await service.make(request.user.citizen_id)
        return _pdf(facts.number, pdf)


class MeAuthorisationsController(Controller):
    path = "/me/report-authorisations"
    tags = ["Verification and consents"]
    guards = [citizen_guard]

    @post(
        "",
        operation_id="grantReportAuthorisation",
        summary="Let an institution fetch my report once",
        response_headers=[REPORT_LOCATION],
        opt={"problems": (409,)},
    )
    async def grant(
        self, request: Request[CitizenPrincipal, Any, Any], data: JSONBody[AuthorisationIn]
    ) -> Response[AuthorisationOut]:
        """Authorise a named institution (授权查询: a bank, an employer) to fetch your credit
        report once, for the purpose you state, within 1 to 30 days. The report it gets shows
        your ID number masked; the fetch appears in your query log. Citizens only."""
        granted = await authorisations.authorise(request.user.citizen_id, data)
        return created(granted, "/v1/me/report-authorisations")

    @get("", operation_id="listMyReportAuthorisations", summary="My report authorisations")
    async def mine(self, request: Request[CitizenPrincipal, Any, Any]) -> list[AuthorisationOut]:
        """Every authorisation you gave, newest first: live, used, revoked or expired. Citizens
        only."""
        return await authorisations.mine(request.user.citizen_id)

    @post(
        "/{authorisation_id:int}/revocation",
        status_code=HTTP_200_OK,
        operation_id="revokeReportAuthorisation",
        summary="Revoke an authorisation before it is used",
        opt={"problems": (404, 409)},
    )
    async def revoke(
        self, request: Request[CitizenPrincipal, Any, Any], authorisation_id: FromPath[int]
    ) -> AuthorisationOut:
        """Revoke one of your authorisations; a used one answers 409 `authorisation-used`.
        Revoking twice changes nothing. Citizens only."""
        return await authorisations.revoke(request.user.citizen_id, authorisation_id)


class InstitutionReportsController(Controller):
    path = "/credit-reports"
    tags = ["Institution"]

    @post(
        "",
        status_code=HTTP_200_OK,
        operation_id="downloadAuthorisedCreditReport",
        summary="Fetch a citizen's report under their authorisation",
        media_type="application/pdf",
        operation_class=PdfOperation,
        opt={"problems": (404, 409)},
    )
    async def fetch(
        self, request: Request[ClientPrincipal, Any, Any], data: JSONBody[ReportRequest]
    ) -> Response[bytes]:
        """The citizen's signed credit report (ID number masked), once, under a live
        authorisation the citizen gave this institution: 404 for an authorisation that is not
        this institution's, 409 `authorisation-used`, `authorisation-revoked` or
        `authorisation-expired` otherwise. Fetching uses the authorisation up, so it is a POST.
        The fetch is in the citizen's query log. Institution API key only."""
        facts, pdf = await authorisations.fetch(request.user, data.authorisation_id)
        return _pdf(facts.number, pdf)


class PublicCreditReportController(Controller):
    path = "/credit-reports"
    tags = ["Public"]

    @get("/{key:str}", operation_id="checkCreditReport", summary="Check a credit report")
    async def check(
        self,
        key: Annotated[
            str,
            Parameter(
                max_length=40,
                pattern=r"^[0-9A-Za-z-]{1,40}$",
                description="The report number or its short code (e.g. `7K3F-9QXD`)",
            ),
        ],
    ) -> ReportCheck:
        """Whether a report with this number or short code was made here and is within its 30
        days, with the SHA-256 of the PDF as issued: never its content. An expired report
        answers `valid: false` with its dates; an unknown one `valid: false` and nulls. No
        sign-in."""
        return await service.check(key)


def _pdf(number: str, pdf: bytes) -> Response[bytes]:
    return Response(
        pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="credit-report-{number}.pdf"',
            "Cache-Control": "no-store",
            "X-Report-Number": number,
        },
    )


ROUTES = Routes(
    citizen=[MeCreditReportController, MeAuthorisationsController],
    institution=[InstitutionReportsController],
    public=[PublicCreditReportController],
)
