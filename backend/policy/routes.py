"""The credit office's policy versions (政策版本管理): read every kind of content and its
versions, check and draft a new version, and publish it (an admin other than the drafter) or
withdraw it."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import ResponseHeader
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from backend.identity.principals import OfficerPrincipal
from backend.identity.security import admin_guard, officer_role_guard
from backend.platform.pagination import DEFAULT_LIMIT, Page
from backend.platform.paging_params import Cursor, Limit
from backend.platform.routing import Routes
from backend.policy import service
from backend.policy.schemas import (
    DecisionIn,
    DiffOut,
    DraftDetail,
    DraftIn,
    DraftOut,
    DraftStatus,
    KindOut,
    VersionDetail,
    VersionOut,
)

OfficerRequest = Request[OfficerPrincipal, Any, Any]
Kind = Annotated[str | None, QueryParameter(max_length=40, description="Only drafts of this kind")]
Status = Annotated[
    DraftStatus | None,
    QueryParameter(description="Only drafts in this status: `draft`, `published` or `withdrawn`"),
]
# ``value`` is only an example (the header is documentation only).
DRAFT_LOCATION = ResponseHeader(
    name="Location",
    value="/v1/officer/content/drafts/12",
    description="The new draft's URL; a GET on it answers the same body.",
    documentation_only=True,
)
# 409 for a draft already decided or a version name or date taken; 403 for maker-checker.
CONFLICT = {"problems": (409,)}


class OfficerContentController(Controller):
    path = "/content"
    tags = ["Officer policy"]

    @get("/kinds", operation_id="listContentKinds", summary="List the kinds of content")
    async def kinds(self) -> list[KindOut]:
        """Every kind of content (catalog, rules, benefits, notification texts, commitments,
        calendar overrides) with the version in force today, the newest version and how many
        drafts wait. Officers only."""
        return await service.kinds()

    @get(
        "/kinds/{kind:str}/versions",
        operation_id="listContentVersions",
        summary="List the published versions of a kind",
    )
    async def versions(self, kind: FromPath[str]) -> list[VersionOut]:
        """Every published version of ``kind``, newest effective date first, the one in force
        today marked. Officers only; an unknown kind answers 404 ``content-kind-not-found``."""
        return await service.versions(kind)

    @get(
        "/kinds/{kind:str}/versions/{version:str}",
        operation_id="getContentVersion",
        summary="Get one published version with its text",
    )
    async def version(self, kind: FromPath[str], version: FromPath[str]) -> VersionDetail:
        """One published version of ``kind`` with its full TOML text. Officers only; an unknown
        version answers 404 ``content-version-not-found``."""
        return await service.version(kind, version)

    @post(
        "/kinds/{kind:str}/checks",
        status_code=HTTP_200_OK,
        operation_id="checkContentDraft",
        summary="Check a text as a new version without storing it",
        guards=[officer_role_guard],
    )
    async def check(self, kind: FromPath[str], data: JSONBody[DraftIn]) -> DiffOut:
        """Validate a TOML text as a new version of ``kind`` with the same checks as start-up,
        together with the versions in force and the kinds depending on it, and say what it
        changes against the version in force today. Nothing is stored. Officers with the
        ``officer`` or ``admin`` role. A text that does not validate answers 422
        ``content-version-invalid`` naming the version, the entry and the field; a version
        name or effective date already taken, 409 ``content-version-exists``."""
        return await service.check(kind, data.body)

    @post(
        "/kinds/{kind:str}/drafts",
        status_code=HTTP_201_CREATED,
        operation_id="createContentDraft",
        summary="Draft a new version",
        guards=[officer_role_guard],
        response_headers=[DRAFT_LOCATION],
        opt=CONFLICT,
    )
    async def create(
        self, kind: FromPath[str], data: JSONBody[DraftIn], request: OfficerRequest
    ) -> Response[DraftDetail]:
        """Store a draft of a new version of ``kind`` once it validates (as ``checkContentDraft``)
        and takes effect today or later (422 ``effective-date-past`` otherwise). Officers with
        the ``officer`` or ``admin`` role; an admin other than the drafter publishes it. The
        audit log records the draft."""
        made = await service.create_draft(kind, data.body, request.user)
        url = request.app.route_reverse("getContentDraft", draft_id=made.draft.id)
        return Response(made, status_code=HTTP_201_CREATED, headers={"Location": url})

    @get("/drafts", operation_id="listContentDrafts", summary="List drafts")
    async def drafts(
        self,
        kind: Kind = None,
        status: Status = None,
        cursor: Cursor = None,
        limit: Limit = DEFAULT_LIMIT,
    ) -> Page[DraftOut]:
        """Drafts of every kind, newest first; filter by ``kind`` and ``status``. Officers
        only."""
        return await service.drafts(kind, status, cursor, limit)

    @get(
        "/drafts/{draft_id:int}",
        name="getContentDraft",
        operation_id="getContentDraft",
        summary="Get one draft",
    )
    async def draft(self, draft_id: FromPath[int]) -> DraftDetail:
        """One draft with its TOML text and what it changes against the version in force today
        (which entries, and each value before and after). Officers only."""
        return await service.draft(draft_id)

    @post(
        "/drafts/{draft_id:int}/publication",
        status_code=HTTP_200_OK,
        operation_id="publishContentDraft",
        summary="Publish a draft (an admin other than the drafter)",
        guards=[admin_guard],
        opt=CONFLICT,
    )
    async def publish(
        self, draft_id: FromPath[int], data: JSONBody[DecisionIn], request: OfficerRequest
    ) -> DraftOut:
        """Publish a draft with a reason (maker-checker, 双人复核): admins only, and not the
        officer who drafted it (403 ``maker-checker``). Its effective date must not have passed
        (422 ``effective-date-past``) and the text must still validate against what is in force
        now. Every process uses it from its effective date within seconds, without a restart; a
        rules version re-scores every card still on an older version on that day. Audited; a
        draft already published or withdrawn answers 409 ``draft-closed``."""
        return await service.publish(draft_id, data.reason, request.user)

    @post(
        "/drafts/{draft_id:int}/withdrawal",
        status_code=HTTP_200_OK,
        operation_id="withdrawContentDraft",
        summary="Withdraw a draft",
        guards=[officer_role_guard],
        opt=CONFLICT,
    )
    async def withdraw(
        self, draft_id: FromPath[int], data: JSONBody[DecisionIn], request: OfficerRequest
    ) -> DraftOut:
        """Withdraw a draft with a reason: its drafter or an admin (403 ``not-drafter``
        otherwise). Audited; a draft already published or withdrawn answers 409
        ``draft-closed``."""
        return await service.withdraw(draft_id, data.reason, request.user)


ROUTES = Routes(officer=[OfficerContentController])
