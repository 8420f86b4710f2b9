"""The citizen's card, its explanation and history."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import QueryParameter

from backend.identity.principals import CitizenPrincipal
from backend.platform.gate import PREFETCH, prefetched
from backend.platform.language import current_language
from backend.platform.pagination import DEFAULT_LIMIT, Page
from backend.platform.routing import Routes
from backend.scoring import service, views
from backend.scoring.schemas import CardView, Explanation, ScorePoint

CitizenRequest = Request[CitizenPrincipal, Any, Any]


def _card_key(scope: Any) -> str | None:
    """The card's cache key, read by the rate-limit gate in its Redis round trip."""
    user = scope.get("user")
    if not isinstance(user, CitizenPrincipal):
        return None
    return service.card_cache_key(user.citizen_id, current_language())


class MeCardController(Controller):
    path = "/me"
    tags = ["My card"]
    # citizen_guard comes from the citizen router (app.py); not repeated here: Litestar copies
    # the route handler once per guard on every request, and the card is the hottest path.

    @get(
        "/card",
        operation_id="getMyCard",
        summary="Get my credit card",
        opt={PREFETCH: _card_key},
        responses={
            200: ResponseSpec(
                data_container=CardView,
                description="The card in the request's language",
                generate_examples=False,
            )
        },
    )
    async def get_my_card(self, request: CitizenRequest) -> Response[bytes]:
        """The signed-in citizen's card (市民信用卡): points, grade and progress to the next,
        badges, the biggest reasons each way, the benefits teaser and the percentile. Citizens
        only (access token). It is served from a snapshot that re-scoring refreshes, one per
        language (Accept-Language); its ETag names the snapshot's revision, so If-None-Match
        answers 304 until the card really changes. A citizen never scored before is scored on
        this first read; nothing else changes."""
        citizen_id, language = request.user.citizen_id, current_language()
        cached = prefetched(request.scope, service.card_cache_key(citizen_id, language))
        card = await service.card_body(citizen_id, language, cached)
        return Response(
            content=card.body, media_type="application/json", headers={"ETag": card.etag}
        )

    @get(
        "/card/explanation",
        operation_id="getMyCardExplanation",
        summary="Explain every point on my card",
    )
    async def get_my_card_explanation(self, request: CitizenRequest) -> Explanation:
        """Every point with its reason: one line per counting record (record, rule version,
        reporting department, yearly cap), grouped by domain (领域); the records that do not
        count and why; penalties withheld during an objection (异议); and the countdown on each
        bad record to repair (信用修复) and to the end of display (公示期). Citizens only; texts
        follow Accept-Language. Read-only."""
        return await views.explanation(request.user.citizen_id)

    @get(
        "/score-history",
        operation_id="listMyScoreHistory",
        summary="List my points and grade over time",
    )
    async def list_my_score_history(
        self,
        request: CitizenRequest,
        cursor: Annotated[
            str | None,
            QueryParameter(
                max_length=200,
                description="`nextCursor` of the previous page; leave out for the first",
            ),
        ] = None,
        limit: Annotated[
            int, QueryParameter(ge=1, le=100, description="Entries per page (1 to 100)")
        ] = DEFAULT_LIMIT,
    ) -> Page[ScorePoint]:
        """One entry per change of the citizen's points or grade, newest first, with what caused
        it (a record, a date, an objection or repair decision, new rules), paged by cursor.
        Citizens only. A cursor that is not one this API gave answers 422 naming `cursor`."""
        return await views.score_history(request.user.citizen_id, cursor, limit)


ROUTES = Routes(citizen=[MeCardController])
