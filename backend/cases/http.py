"""The HTTP pieces every kind of case's routes share: request aliases of lists and queues, the
evidence upload body and the optional withdrawal body, download responses and evidence URLs.
Routes import these; services never do."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal
from urllib.parse import quote

from litestar import Request
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.openapi.spec import Example
from litestar.params import Body, BodyKwarg, QueryParameter
from litestar.response import Stream

from backend.cases import evidence
from backend.cases.schemas import EvidenceOut, QueueStatus, WithdrawalIn
from backend.identity.principals import CitizenPrincipal, ClientPrincipal, OfficerPrincipal
from backend.platform.caching import PRIVATE, etag_for_version

CitizenRequest = Request[CitizenPrincipal, Any, Any]
DepartmentRequest = Request[ClientPrincipal, Any, Any]
OfficerRequest = Request[OfficerPrincipal, Any, Any]
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
# A query parameter, not a header: a purpose is written in Chinese, and header values are
# Latin-1. Optional: the route's own purpose (the handling of the case) is always logged.
StatedPurpose = Annotated[
    str | None,
    QueryParameter(
        max_length=200,
        description="Why you look, in your words (e.g. `复核证明材料`): added to the purpose the"
        " citizen reads in their query log (查询日志), after the route's own (the handling of"
        " this case), which is logged either way. At most 200 characters",
        examples=[Example(value="复核证明材料")],
    ),
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


def evidence_url(request: CitizenRequest, files: list[EvidenceOut]) -> str:
    return request.app.route_reverse("downloadMyEvidence", evidence_id=files[0].id)
