"""What Litestar cannot infer about a few case operations, said once here and used by the
routes of every kind of case: a JSON body that may be omitted, evidence downloads served in the
media types the upload check allows, and the ``Location`` of a created file."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from litestar import Response
from litestar.datastructures import ResponseHeader
from litestar.openapi.spec import (
    OpenAPIFormat,
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Operation,
    RequestBody,
    Schema,
)
from litestar.status_codes import HTTP_201_CREATED

from backend.cases.evidence import ALLOWED_MEDIA_TYPES

T = TypeVar("T")

# ``value`` is only an example here (the headers are documentation only): Litestar takes the
# header's schema from its type.
EVIDENCE_LOCATION = ResponseHeader(
    name="Location",
    value="/v1/me/evidence/3051",
    description="The download URL of the first new file; every new file's id is in the body,"
    " and each downloads at /v1/me/evidence/{id}.",
    documentation_only=True,
)
DOWNLOAD_HEADERS = [
    ResponseHeader(
        name="Content-Disposition",
        value="attachment; filename*=UTF-8''%E8%BF%87%E6%88%B7%E8%AF%81%E6%98%8E.pdf",
        description="`attachment`, with the file's name as uploaded in `filename*` (UTF-8).",
        documentation_only=True,
    ),
    ResponseHeader(
        name="X-Content-Type-Options",
        value="nosniff",
        description="`nosniff`: the file is only ever what its Content-Type says.",
        documentation_only=True,
    ),
]
# Staff downloads are kept nowhere; a citizen's own follow the citizen routes' caching, which
# the finished document describes for every /v1/me GET.
STAFF_DOWNLOAD_HEADERS = [
    *DOWNLOAD_HEADERS,
    ResponseHeader(
        name="ETag",
        value='"7b90830743ea12df73f6631d1437ab6d80f6f972b642bb6dc6bfda3c203fcc0f"',
        description="The file's SHA-256: the content of an evidence file never changes.",
        documentation_only=True,
    ),
    ResponseHeader(
        name="Cache-Control",
        value="private, no-store",
        description="`private, no-store`: evidence read by staff is kept by no cache.",
        documentation_only=True,
    ),
]
DOWNLOAD_DESCRIPTION = (
    "The file as uploaded, served as the type its content showed at upload: application/pdf,"
    " image/jpeg or image/png"
)


def created(content: T, location: str) -> Response[T]:
    """A 201 answer naming the new thing's URL."""
    return Response(content, status_code=HTTP_201_CREATED, headers={"Location": location})


@dataclass
class OptionalBodyOperation(Operation):
    """An operation whose JSON body may be left out (Litestar marks every body required)."""

    def __post_init__(self) -> None:
        if isinstance(self.request_body, RequestBody):
            self.request_body.required = False


@dataclass
class EvidenceDownloadOperation(Operation):
    """An evidence download: the 200 answer is the file itself, in the type its content showed
    at upload (PDF, JPEG or PNG)."""

    def __post_init__(self) -> None:
        ok = (self.responses or {}).get("200")
        if isinstance(ok, OpenAPIResponse):
            ok.description = DOWNLOAD_DESCRIPTION
            binary = Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY)
            ok.content = {
                media_type: OpenAPIMediaType(schema=binary) for media_type in ALLOWED_MEDIA_TYPES
            }
