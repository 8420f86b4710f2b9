"""The red and black lists: officers review proposals and remove entries; citizens read their
own entries and why."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK

from backend.identity.principals import CitizenPrincipal, OfficerPrincipal
from backend.identity.security import citizen_guard, officer_role_guard
from backend.lists import service
from backend.lists.schemas import (
    EntryStatus,
    ListDecisionIn,
    ListEntryDetail,
    ListEntryOut,
    ListName,
    MyListEntry,
)
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
    async def entry(self, entry_id: FromPath[int]) -> ListEntryDetail:
        """One entry with the person (masked ID number), why, and every step of its history.
        Officers only."""
        return await service.entry(entry_id)

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


ROUTES = Routes(citizen=[MeListsController], officer=[OfficerListsController])
