"""Measures between bodies: the enforcing body reads its triggers and lifts (a feed, for a body
without a webhook) and answers each with feedback; admins set a body's webhook; the citizen sees
each measure at each body."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, delete, get, post, put
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_204_NO_CONTENT

from backend.enforcement import service, webhooks
from backend.enforcement.schemas import (
    AttentionPage,
    EnforcementOut,
    Feed,
    FeedbackIn,
    MyMeasures,
    WebhookIn,
    WebhookOut,
)
from backend.identity.principals import CitizenPrincipal, ClientPrincipal, OfficerPrincipal
from backend.identity.security import admin_guard, citizen_guard
from backend.platform.routing import Routes

After = Annotated[
    int,
    QueryParameter(ge=0, le=2**63 - 1, description="Events after this id (0 for the first page)"),
]
PageSize = Annotated[int, QueryParameter(ge=1, le=500, description="At most this many (1–500)")]


class DepartmentMeasuresController(Controller):
    path = "/measure-events"
    tags = ["Department measures"]

    @get("", operation_id="listMeasureEvents", summary="Read your triggers and lifts")
    async def feed(
        self, request: Request[ClientPrincipal, Any, Any], after: After = 0, limit: PageSize = 100
    ) -> Feed:
        """The triggers (apply a measure) and lifts for this enforcing body (联合惩戒实施单位:
        a department client with `measure:<code>` scopes), oldest first after `after`: the
        pull feed for a body without a webhook, and the record of what was pushed to one with.
        Deduplicate on the event id. Department API key only."""
        return await service.feed(request.user, after, limit)

    @post(
        "/{event_id:int}/feedback",
        status_code=HTTP_200_OK,
        operation_id="answerMeasureEvent",
        summary="Answer a trigger or a lift (执行反馈)",
        opt={"problems": (404, 409)},
    )
    async def feedback(
        self,
        event_id: FromPath[int],
        data: JSONBody[FeedbackIn],
        request: Request[ClientPrincipal, Any, Any],
    ) -> EnforcementOut:
        """Feed back on one of this body's events: `applied` (from a date) or `not-applicable`
        (with the reason) for a trigger, `lifted` (on a date) for a lift. The same answer twice
        changes nothing; an answer that no longer fits (the measure moved on) is 409
        `feedback-out-of-date`; another body's event is 404. Answers later than the deadline
        (5 working days by default) count against the body. Department API key only."""
        return await service.feedback(request.user, event_id, data)


class OfficerWebhooksController(Controller):
    path = "/api-clients/{client_id:int}/webhook"
    tags = ["Officer accounts"]
    guards = [admin_guard]

    @put("", operation_id="setEnforcerWebhook", summary="Set where a body receives its events")
    async def set_hook(
        self,
        client_id: FromPath[int],
        data: JSONBody[WebhookIn],
        request: Request[OfficerPrincipal, Any, Any],
    ) -> WebhookOut:
        """Deliver this department client's triggers and lifts to a URL, signed with a new
        secret shown this once (a previous secret stops working). Admins only; audited."""
        return await webhooks.set_hook(client_id, data.url, request.user)

    @delete(
        "",
        status_code=HTTP_204_NO_CONTENT,
        operation_id="removeEnforcerWebhook",
        summary="Stop pushing a body's events",
    )
    async def remove_hook(
        self, client_id: FromPath[int], request: Request[OfficerPrincipal, Any, Any]
    ) -> None:
        """The body reads its events from the feed from now on. Admins only; audited."""
        await webhooks.remove_hook(client_id, request.user)


class OfficerMeasuresController(Controller):
    path = "/measure-events"
    tags = ["Officer oversight"]

    @get("", operation_id="listMeasureEventsNeedingAttention", summary="Measures needing attention")
    async def attention(self, after: After = 0, limit: PageSize = 100) -> AttentionPage:
        """The office's oversight (督办) of measures between bodies: triggers and lifts whose
        body let the answer deadline lapse without answering, and events a body's webhook has
        refused 10 times or more (they hold that body's later events back). Oldest first.
        Officers only."""
        return await service.attention(after, limit)


class MeMeasuresController(Controller):
    path = "/me/measures"
    tags = ["My benefits"]
    guards = [citizen_guard]

    @get("", operation_id="listMyMeasureEnforcements", summary="Who applies which measure to me")
    async def mine(self, request: Request[CitizenPrincipal, Any, Any]) -> MyMeasures:
        """Each restriction measure at each enforcing body: sent, applied (and since when) or
        found not applicable, and when it was lifted: restrictions are lifted the day the record
        stops counting (repair, end of display, revocation, correction). Citizens only."""
        return await service.mine(request.user.citizen_id)


ROUTES = Routes(
    citizen=[MeMeasuresController],
    department=[DepartmentMeasuresController],
    officer=[OfficerWebhooksController, OfficerMeasuresController],
)
