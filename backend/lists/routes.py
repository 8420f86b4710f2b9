"""The red and black lists: officers review proposals and remove entries; citizens read their
own entries and why; anyone reads the published entries, masked, and looks one person up."""

from __future__ import annotations

from typing import Annotated, Any, cast

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import ResponseHeader
from litestar.enums import MediaType
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, HeaderParameter, JSONBody, PathParameter, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_304_NOT_MODIFIED

from backend.cases.http import StatedPurpose
from backend.cases.machine import stated_purpose
from backend.identity.principals import CitizenPrincipal, OfficerPrincipal
from backend.identity.security import citizen_guard, officer_role_guard
from backend.lists import public, service
from backend.lists.schemas import (
    EntryStatus,
    ListDecisionIn,
    ListEntryDetail,
    ListEntryOut,
    ListName,
    MyListEntry,
    PublicListEntry,
    PublicListLookup,
)
from backend.platform.caching import body_etag, matches
from backend.platform.errors import PROBLEM_MEDIA_TYPE, Problem
from backend.platform.pagination import DEFAULT_LIMIT, Page
from backend.platform.paging_params import Cursor, Limit
from backend.platform.routing import Routes

OfficerRequest = Request[OfficerPrincipal, Any, Any]
CitizenRequest = Request[CitizenPrincipal, Any, Any]
Status = Annotated[
    EntryStatus | None,
    QueryParameter(description="Only entries in this status (`proposed` for the review queue)"),
]
Which = Annotated[
    ListName | None,
    QueryParameter(name="list", description="Only this list: `red` or `black`"),
]
CONFLICT = {"problems": (409,)}


class OfficerListsController(Controller):
    path = "/lists/entries"
    tags = ["Officer lists"]

    @get("", operation_id="listListEntries", summary="List red and black list entries")
    async def entries(
        self,
        status: Status = None,
        which: Which = None,
        cursor: Cursor = None,
        limit: Limit = DEFAULT_LIMIT,
    ) -> Page[ListEntryOut]:
        """Entries of both lists, newest first; `status=proposed` is the review queue. Officers
        only. An open entry whose reason has ended reads as `ended` with the cause, even before
        the nightly job records it."""
        return await service.entries(status, which, cursor, limit)

    @get("/{entry_id:int}", operation_id="getListEntry", summary="Get one list entry")
    async def entry(
        self, entry_id: FromPath[int], request: OfficerRequest, purpose: StatedPurpose = None
    ) -> ListEntryDetail:
        """One entry with the person (masked ID number), why, and every step of its history.
        Officers only. The look is written to the person's query log (查询日志) with your
        display name and the purpose (managing the lists); ``purpose`` adds your own words."""
        with stated_purpose(purpose):
            return await service.entry(entry_id, request.user)

    @post(
        "/{entry_id:int}/approval",
        status_code=HTTP_200_OK,
        operation_id="approveListEntry",
        summary="Approve a proposed entry: it is published from today",
        guards=[officer_role_guard],
        opt=CONFLICT,
    )
    async def approve(
        self, entry_id: FromPath[int], data: JSONBody[ListDecisionIn], request: OfficerRequest
    ) -> ListEntryDetail:
        """Publish a proposal from today for its rule's period, with a reason. Officers with the
        `officer` or `admin` role; an entry not proposed, or whose reason has ended, answers 409
        `list-entry-state`. Audited."""
        return await service.approve(entry_id, data.reason, request.user)

    @post(
        "/{entry_id:int}/rejection",
        status_code=HTTP_200_OK,
        operation_id="rejectListEntry",
        summary="Reject a proposed entry",
        guards=[officer_role_guard],
        opt=CONFLICT,
    )
    async def reject(
        self, entry_id: FromPath[int], data: JSONBody[ListDecisionIn], request: OfficerRequest
    ) -> ListEntryDetail:
        """Reject a proposal with a reason; the same record is not proposed by the same rule
        again. Officers with the `officer` or `admin` role. Audited."""
        return await service.reject(entry_id, data.reason, request.user)

    @post(
        "/{entry_id:int}/removal",
        status_code=HTTP_200_OK,
        operation_id="removeListEntry",
        summary="Take a published entry off its list",
        guards=[officer_role_guard],
        opt=CONFLICT,
    )
    async def remove(
        self, entry_id: FromPath[int], data: JSONBody[ListDecisionIn], request: OfficerRequest
    ) -> ListEntryDetail:
        """End a published entry today with a reason. Officers with the `officer` or `admin`
        role; an entry not published answers 409. Audited."""
        return await service.remove(entry_id, data.reason, request.user)


class MeListsController(Controller):
    path = "/me/lists"
    tags = ["My card"]
    guards = [citizen_guard]

    @get("", operation_id="listMyListEntries", summary="Your red and black list entries")
    async def mine(self, request: CitizenRequest) -> list[MyListEntry]:
        """Your entries on the red list (守信红名单) or the serious-dishonesty list
        (严重失信主体名单) that were ever published, newest first: whether each is on today,
        why, and when and why it ended. Citizens only."""
        return await service.mine(request.user.citizen_id)


# --- public disclosure ----------------------------------------------------------------------------

# The same for everyone and every language: a CDN or a browser may keep it a minute.
PUBLIC_CACHE = "public, max-age=60"
NO_STORE = "no-store"  # a look-up names a person: no cache keeps it
PublicList = Annotated[
    ListName,
    PathParameter(
        description="`red` (守信红名单) or `black` (严重失信主体名单, the serious-dishonesty"
        " disclosure)"
    ),
]
Domain = Annotated[
    str | None,
    QueryParameter(
        max_length=40,
        description="Only entries on records of this catalog domain (领域), by its code, e.g."
        " `traffic_safety`; an unknown code answers 422",
    ),
]
Department = Annotated[
    str | None,
    QueryParameter(
        max_length=60,
        description="Only entries on records this department decided, by its code (an unknown"
        " code finds nothing)",
    ),
]
IfNoneMatch = Annotated[
    str | None,
    HeaderParameter(
        name="If-None-Match",
        max_length=1000,
        description="The ETag of the copy held: 304 with no body if unchanged",
    ),
]
PUBLIC_LIST_HEADERS = [
    ResponseHeader(
        name="ETag",
        value='W/"5d41402abc4b2a76b9719d91"',
        description="Version of this answer (a hash of the body); send it back in If-None-Match",
        documentation_only=True,
    ),
    ResponseHeader(
        name="Cache-Control",
        value=PUBLIC_CACHE,
        description="`public, max-age=60`: any cache (a CDN, the browser) may keep it a minute",
        documentation_only=True,
    ),
]
LOOK_UP_HEADERS = [
    ResponseHeader(
        name="Cache-Control",
        value=NO_STORE,
        description="`no-store`: the answer names a person; no cache may keep it",
        documentation_only=True,
    )
]
LOOK_UP_LIMITED = ResponseSpec(
    data_container=Problem,
    description="Rate limited: `look-up-limited` past the look-ups one address may make in an"
    " hour (or the public routes' own limit); retry after the seconds in `Retry-After`",
    media_type=PROBLEM_MEDIA_TYPE,
    generate_examples=False,
)


PublicPage = Page[PublicListEntry]


def _conditional(page: PublicPage, if_none_match: str | None) -> Response[PublicPage]:
    """The page with its ETag (a hash of the very bytes sent), or 304 with no body when
    If-None-Match names it. Bytes pass through Litestar as they are: the annotation is the
    schema the document shows."""
    body = msgspec.json.encode(page)
    etag = body_etag(body)
    headers = {"ETag": etag, "Cache-Control": PUBLIC_CACHE}
    if matches(if_none_match, etag):
        return Response(cast(PublicPage, b""), status_code=HTTP_304_NOT_MODIFIED, headers=headers)
    return Response(cast(PublicPage, body), media_type=MediaType.JSON, headers=headers)


class PublicListsController(Controller):
    path = "/lists"
    tags = ["Public"]

    @get(
        "/{list:str}/entries",
        operation_id="listPublicListEntries",
        summary="List the red list or the serious-dishonesty disclosure, masked",
        response_headers=PUBLIC_LIST_HEADERS,
        response_description="The entries published today, newest first",
        responses={
            304: ResponseSpec(
                data_container=None,
                description="Not modified: the copy named in If-None-Match is current (no body)",
            ),
        },
    )
    async def entries(
        self,
        list: PublicList,
        domain: Domain = None,
        department: Department = None,
        cursor: Cursor = None,
        limit: Limit = DEFAULT_LIMIT,
        if_none_match: IfNoneMatch = None,
    ) -> Response[PublicPage]:
        """The entries of the red list (守信红名单, `red`) or the serious-dishonesty list
        (严重失信主体名单, `black`) published today (Asia/Shanghai), newest first: the person
        masked (`陈*`, `3301**********0029`), the rule's reason, the record type, domain,
        decision document, deciding department and legal basis, and the publication period.
        An entry shows from its first day to its last and is gone the day its period ends, or
        the day its record is repaired, revoked, corrected away or leaves display. Filter by
        `domain` (a catalog domain code: an unknown one answers 422 naming it) or `department`
        (its code); page with `cursor`. No sign-in. The body is the same in every language;
        its ETag answers If-None-Match with 304, and any cache may keep it a minute."""
        page = await public.entries(
            list, domain=domain, department=department, cursor=cursor, limit=limit
        )
        return _conditional(page, if_none_match)

    @post(
        "/look-ups",
        status_code=HTTP_200_OK,
        operation_id="checkPersonOnPublicLists",
        summary="Look one person up on both lists by full name and full ID number",
        response_headers=LOOK_UP_HEADERS,
        response_description="The person's entries published today; an empty list when the"
        " name and ID number name nobody with an entry published today",
        responses={429: LOOK_UP_LIMITED},
    )
    async def look_up(
        self, data: JSONBody[PublicListLookup], request: Request[Any, Any, Any]
    ) -> Response[list[PublicListEntry]]:
        """The person's entries on the red list and the serious-dishonesty list published
        today, masked as in the lists, found by the full ID number and shown only when the full
        name is the one on file. A wrong or partial name, an ID number nobody has and a person
        with nothing published all answer the same: 200 with an empty list. An ID number that
        is not valid answers 422 naming `idNumber`. One address may look up 10 times an hour
        (by default), then 429 `look-up-limited` with Retry-After. No sign-in; nothing about
        the person looked up is kept or logged, and no cache may keep the answer."""
        address = request.client.host if request.client else "unknown"
        found = await public.look_up(data, address)
        return Response(found, headers={"Cache-Control": NO_STORE})


ROUTES = Routes(
    citizen=[MeListsController], officer=[OfficerListsController], public=[PublicListsController]
)
