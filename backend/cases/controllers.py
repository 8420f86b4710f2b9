"""The route handlers every kind of case has, built once from the kind's texts.

A kind's ``routes.py`` says what each operation does for that kind (a ``Doc``: description,
operation id and summary, which become the OpenAPI document), how a citizen files a case and
which of its service functions takes each staff step; the handlers themselves (the citizen's
filing, list, case, withdrawal and evidence upload; the staff queues and case views; the steps
that take a reason) are the same for every kind and live here. A kind's own operations (a
department's proposal and an officer's decision on an objection, the repair options of a
record) stay hand-written in its ``routes.py``, on a subclass of the controller built here.

The case id is read from the path by the kind's own parameter name (``objection_id``,
``application_id``), which the path template declares and the OpenAPI document shows.
"""

# No ``from __future__ import annotations``: the handlers' annotations name the kind's own
# response types, which must be evaluated when the handler is built.

import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, cast

import msgspec
from litestar import Controller, Response, get, post
from litestar.datastructures import ResponseHeader
from litestar.handlers import HTTPRouteHandler
from litestar.params import JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from backend.cases import evidence
from backend.cases.http import (
    CONFLICT,
    CitizenListStatus,
    CitizenRequest,
    DepartmentCode,
    DepartmentRequest,
    Escalated,
    EvidenceBody,
    OfficerRequest,
    OptionalWithdrawal,
    Overdue,
    StaffQueueStatus,
    StatedPurpose,
    close_uploads,
    evidence_url,
)
from backend.cases.kinds import CaseKind
from backend.cases.machine import Staff, stated_purpose
from backend.cases.operations import EVIDENCE_LOCATION, OptionalBodyOperation, created
from backend.cases.schemas import DecisionReason, EvidenceOut
from backend.cases.views import QueueFilter
from backend.identity.security import officer_role_guard
from backend.platform.audit import Actor
from backend.platform.pagination import DEFAULT_LIMIT, Page
from backend.platform.paging_params import Cursor, Limit

StaffStep = Callable[[int, Staff, str], Awaitable[Any]]
StaffGroup = Literal["department", "officer"]


@dataclass(frozen=True)
class Doc:
    """What one operation does, is called and is summed up as, as the OpenAPI document shows
    it. The description comes first: it is what differs most between kinds."""

    description: str
    operation_id: str
    summary: str


@dataclass(frozen=True)
class Step(Doc):
    """A staff step that takes a reason: its texts, its path under the case (``acceptance``)
    and the service function that takes it."""

    path: str = field(kw_only=True)
    take: StaffStep = field(kw_only=True)


@dataclass(frozen=True)
class Filing:
    """How a citizen opens a case of the kind: the request body, the service function and the
    ``Location`` header the answer documents."""

    body: type
    file: Callable[[int, Any, Actor], Awaitable[Any]]
    location: ResponseHeader


@dataclass(frozen=True, kw_only=True)
class CitizenRoutes:
    """The citizen's routes of one kind: where they live, each operation's texts and how a
    case is filed."""

    path: str
    tag: str
    # file, list, get (its operation id is also the route's name), withdraw, evidence
    docs: tuple[Doc, Doc, Doc, Doc, Doc]
    filing: Filing


@dataclass(frozen=True, kw_only=True)
class StaffRoutes:
    """A staff group's routes of one kind: its queue, its case view and the steps it takes."""

    path: str
    tag: str
    docs: tuple[Doc, Doc]  # the queue, one case
    steps: tuple[Step, ...]


def _controller(name: str, path: str, tag: str, handlers: dict[str, Any], **attrs: Any) -> Any:
    return type(name, (Controller,), {"path": path, "tags": [tag], **attrs, **handlers})


def _named(handler: Callable[..., Any], doc: Doc, returns: Any) -> Callable[..., Any]:
    # Litestar reads the return annotation for the response schema; it names the kind's type.
    handler.__annotations__["return"] = returns
    handler.__name__ = handler.__qualname__ = doc.operation_id
    return handler


def _texts(doc: Doc) -> dict[str, Any]:
    return {
        "operation_id": doc.operation_id,
        "summary": doc.summary,
        "description": inspect.cleandoc(doc.description),
    }


class CaseViews(Protocol):
    """What a kind's ``views`` module offers: its readers, keyed by the kind (the generic
    ``CaseReader``'s, with the kind's own answer types)."""

    @property
    def citizen_list(self) -> Callable[..., Awaitable[Any]]: ...
    @property
    def citizen_detail(self) -> Callable[..., Awaitable[Any]]: ...
    @property
    def staff_queue(self) -> Callable[..., Awaitable[Any]]: ...
    @property
    def staff_case(self) -> Callable[..., Awaitable[Any]]: ...


@dataclass(frozen=True, kw_only=True)
class CaseEndpoints:
    """One kind's readers and its withdrawal, from which its shared handlers are built.

    ``answers`` names the kind's response types: the summary, the citizen's detail and the
    staff's case view, in that order."""

    kind: CaseKind
    id_name: str  # the path parameter: ``objection_id``, ``application_id``
    views: CaseViews
    withdraw: Callable[[int, int, str | None], Awaitable[Any]]
    answers: tuple[type, type, type]

    @property
    def out(self) -> type:
        return self.answers[0]

    @property
    def detail(self) -> type:
        return self.answers[1]

    @property
    def case(self) -> type:
        return self.answers[2]

    def case_id(self, request: Any) -> int:
        return int(request.path_params[self.id_name])

    @property
    def page(self) -> Any:
        """``Page[<the kind's summary>]``, the type of a list's answer."""
        return cast(Any, Page)[self.out]

    @property
    def one(self) -> str:
        return f"/{{{self.id_name}:int}}"

    # --- the citizen's own cases -----------------------------------------------------------

    def _citizen_filing(self, doc: Doc, *, filing: Filing, shown_at: str) -> HTTPRouteHandler:
        """The citizen opens a case (``filing.file(citizen_id, data, actor)``); the answer is
        the citizen's detail, whose first field is the case, with a ``Location`` on the route
        named ``shown_at``."""
        endpoints = self

        async def handler(self: Any, data: Any, request: CitizenRequest) -> Any:
            user = request.user
            detail = await filing.file(user.citizen_id, data, user.actor)
            case_id = msgspec.structs.astuple(detail)[0].id
            url = request.app.route_reverse(shown_at, **{endpoints.id_name: case_id})
            return created(detail, url)

        handler.__annotations__["data"] = cast(Any, JSONBody)[filing.body]
        return post(
            "",
            status_code=HTTP_201_CREATED,
            response_headers=[filing.location],
            opt=CONFLICT,
            **_texts(doc),
        )(_named(handler, doc, cast(Any, Response)[self.detail]))

    def _citizen_listing(self, doc: Doc) -> HTTPRouteHandler:
        endpoints = self

        async def handler(
            self: Any,
            request: CitizenRequest,
            status: CitizenListStatus = "all",
            cursor: Cursor = None,
            limit: Limit = DEFAULT_LIMIT,
        ) -> Any:
            return await endpoints.views.citizen_list(
                request.user.citizen_id, status, cursor, limit
            )

        return get("", **_texts(doc))(_named(handler, doc, self.page))

    def _citizen_case(self, doc: Doc, *, name: str) -> HTTPRouteHandler:
        endpoints = self

        async def handler(self: Any, request: CitizenRequest) -> Any:
            case_id = endpoints.case_id(request)
            return await endpoints.views.citizen_detail(case_id, request.user.citizen_id)

        return get(self.one, name=name, **_texts(doc))(_named(handler, doc, self.detail))

    def _citizen_withdrawal(self, doc: Doc) -> HTTPRouteHandler:
        endpoints = self

        async def handler(
            self: Any, request: CitizenRequest, data: OptionalWithdrawal = None
        ) -> Any:
            reason = data.reason if data else None
            case_id = endpoints.case_id(request)
            return await endpoints.withdraw(case_id, request.user.citizen_id, reason)

        return post(
            f"{self.one}/withdrawal",
            status_code=HTTP_200_OK,
            operation_class=OptionalBodyOperation,
            opt=CONFLICT,
            **_texts(doc),
        )(_named(handler, doc, self.detail))

    def _citizen_evidence(self, doc: Doc) -> HTTPRouteHandler:
        endpoints = self

        async def handler(self: Any, data: EvidenceBody, request: CitizenRequest) -> Any:
            user = request.user
            try:
                files = await evidence.attach(
                    endpoints.kind,
                    endpoints.case_id(request),
                    user.citizen_id,
                    data.files,
                    user.actor,
                )
            finally:
                await close_uploads(data)
            return created(files, evidence_url(request, files))

        return post(
            f"{self.one}/evidence",
            status_code=HTTP_201_CREATED,
            request_max_body_size=evidence.UPLOAD_BODY_LIMIT,
            response_headers=[EVIDENCE_LOCATION],
            opt={"problems": (409, 413, 415)},
            **_texts(doc),
        )(_named(handler, doc, Response[list[EvidenceOut]]))

    # --- staff: departments and the credit office ------------------------------------------

    def _department_queue(self, doc: Doc) -> HTTPRouteHandler:
        endpoints = self

        async def handler(
            self: Any,
            request: DepartmentRequest,
            status: StaffQueueStatus = "open",
            overdue: Overdue = None,
            escalated: Escalated = None,
            cursor: Cursor = None,
            limit: Limit = DEFAULT_LIMIT,
        ) -> Any:
            f = QueueFilter(status, overdue, escalated, department_id=request.user.client_id)
            return await endpoints.views.staff_queue(f, cursor, limit)

        return get("", **_texts(doc))(_named(handler, doc, self.page))

    def _officer_queue(self, doc: Doc) -> HTTPRouteHandler:
        endpoints = self

        async def handler(
            self: Any,
            status: StaffQueueStatus = "open",
            overdue: Overdue = None,
            escalated: Escalated = None,
            department: DepartmentCode = None,
            cursor: Cursor = None,
            limit: Limit = DEFAULT_LIMIT,
        ) -> Any:
            f = QueueFilter(status, overdue, escalated, department_code=department)
            return await endpoints.views.staff_queue(f, cursor, limit)

        return get("", **_texts(doc))(_named(handler, doc, self.page))

    def _staff_case_view(self, doc: Doc, *, by: Any) -> HTTPRouteHandler:
        """One case as a department or an officer reads it (``by``: the request type)."""
        endpoints = self

        async def handler(self: Any, request: Any, purpose: StatedPurpose = None) -> Any:
            with stated_purpose(purpose):
                return await endpoints.views.staff_case(endpoints.case_id(request), request.user)

        handler.__annotations__["request"] = by
        return get(self.one, **_texts(doc))(_named(handler, doc, self.case))

    def _staff_step(self, step: Step, *, by: Any) -> HTTPRouteHandler:
        """A staff step that takes a reason (accept, reject, extend, approve, deny), taken by a
        department or an officer (``by``: the request type)."""
        endpoints = self

        async def handler(self: Any, data: JSONBody[DecisionReason], request: Any) -> Any:
            return await step.take(endpoints.case_id(request), request.user, data.reason)

        handler.__annotations__["request"] = by
        # An officer's step needs the officer or admin role; a department's key is its own.
        guards = [officer_role_guard] if by is OfficerRequest else []
        return post(
            f"{self.one}/{step.path}",
            status_code=HTTP_200_OK,
            opt=CONFLICT,
            guards=guards,
            **_texts(step),
        )(_named(handler, step, self.out))

    # --- whole controllers ------------------------------------------------------------------

    def citizen_controller(self, routes: CitizenRoutes, *, guards: list[Any]) -> Any:
        """The citizen's controller: file, list, read, withdraw and add evidence."""
        filing, listing, case, withdrawal, upload = routes.docs
        handlers = {
            "file": self._citizen_filing(filing, filing=routes.filing, shown_at=case.operation_id),
            "list_cases": self._citizen_listing(listing),
            "show": self._citizen_case(case, name=case.operation_id),
            "withdraw": self._citizen_withdrawal(withdrawal),
            "add_evidence": self._citizen_evidence(upload),
        }
        name = f"Me{self.kind.name.title()}Controller"
        return _controller(name, routes.path, routes.tag, handlers, guards=guards)

    def staff_controller(self, routes: StaffRoutes, *, group: StaffGroup) -> Any:
        """A department's or the credit office's controller: the queue, one case and the steps
        that take a reason. A kind adds its own operations by subclassing the result."""
        queue, case = routes.docs
        by = DepartmentRequest if group == "department" else OfficerRequest
        handlers: dict[str, Any] = {
            "queue": (
                self._department_queue(queue)
                if group == "department"
                else self._officer_queue(queue)
            ),
            "show": self._staff_case_view(case, by=by),
        }
        for step in routes.steps:
            handlers[step.path] = self._staff_step(step, by=by)
        name = f"{group.title()}{self.kind.name.title()}Base"
        return _controller(name, routes.path, routes.tag, handlers)
