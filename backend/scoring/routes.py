"""The citizen's card, its explanation and history."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import QueryParameter

from backend.identity.principals import CitizenPrincipal
from backend.identity.security import citizen_guard
from backend.platform.pagination import DEFAULT_LIMIT, Page
from backend.platform.routing import Routes
from backend.scoring import service, views
from backend.scoring.schemas import CardView, Explanation, ScorePoint

CitizenRequest = Request[CitizenPrincipal, Any, Any]


class MeCardController(Controller):
    path = "/me"
    tags = ["me"]
    guards = [citizen_guard]

    @get(
        "/card",
        summary="The credit card: points, grade, progress, badges, biggest contributions",
        responses={200: ResponseSpec(data_container=CardView, description="The card")},
    )
    async def card(self, request: CitizenRequest) -> Response[bytes]:
        body = await service.card_body(request.user.citizen_id)
        return Response(content=body, media_type="application/json")

    @get("/card/explanation", summary="Every point with its record, rule and department")
    async def explanation(self, request: CitizenRequest) -> Explanation:
        return await views.explanation(request.user.citizen_id)

    @get("/score-history", summary="Points and grade over time (newest first)")
    async def score_history(
        self,
        request: CitizenRequest,
        cursor: Annotated[str | None, QueryParameter(max_length=200)] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=100)] = DEFAULT_LIMIT,
    ) -> Page[ScorePoint]:
        return await views.score_history(request.user.citizen_id, cursor, limit)


ROUTES = Routes(citizen=[MeCardController])
