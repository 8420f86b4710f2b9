"""Routes every kind of case shares: evidence downloads for citizens, departments and officers,
and the per-department handling statistics (政务诚信)."""

from __future__ import annotations

from litestar import Controller, get
from litestar.params import FromPath
from litestar.response import Stream

from backend.cases import evidence, statistics
from backend.cases.http import (
    CITIZEN_CACHE,
    STAFF_CACHE,
    CitizenRequest,
    DepartmentRequest,
    OfficerRequest,
    StatedPurpose,
    download_response,
)
from backend.cases.machine import stated_purpose
from backend.cases.operations import (
    DOWNLOAD_HEADERS,
    STAFF_DOWNLOAD_HEADERS,
    EvidenceDownloadOperation,
)
from backend.cases.schemas import DepartmentStatistics
from backend.identity.security import citizen_guard
from backend.platform.routing import Routes


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
    async def download(
        self, evidence_id: FromPath[int], request: DepartmentRequest, purpose: StatedPurpose = None
    ) -> Stream:
        """Download an evidence file of an objection or repair application against this
        department's records, as the type its content showed at upload (application/pdf,
        image/jpeg or image/png). Department API key only; another department's file answers
        404. The download is written to the citizen's query log (查询日志) with the department's
        name and the case it serves; ``purpose`` adds your own words."""
        with stated_purpose(purpose):
            found = await evidence.for_staff(evidence_id, request.user)
        return download_response(found, cache_control=STAFF_CACHE)


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
    async def download(
        self, evidence_id: FromPath[int], request: OfficerRequest, purpose: StatedPurpose = None
    ) -> Stream:
        """Download an evidence file of any objection or repair application, as the type its
        content showed at upload (application/pdf, image/jpeg or image/png). Officers only.
        The download is written to the citizen's query log (查询日志) with your display name and
        the case it serves; ``purpose`` adds your own words. A file past its retention answers
        404 ``evidence-purged``."""
        with stated_purpose(purpose):
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
        return await statistics.department_statistics()


# Registered between the objection and the repair routes, where they have always been listed.
ROUTES = Routes(
    citizen=[MeEvidenceController],
    department=[DepartmentEvidenceController],
    officer=[OfficerEvidenceController, OfficerStatisticsController],
)
