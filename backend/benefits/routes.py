"""The citizen's benefits and repair plan; the public list of benefits and measures."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get
from litestar.params import QueryParameter

from backend.benefits import service
from backend.benefits.schemas import BenefitCatalogView
from backend.identity.principals import CitizenPrincipal
from backend.identity.security import citizen_guard
from backend.platform.routing import Routes
from points_engine import Eligibility, Plan

CitizenRequest = Request[CitizenPrincipal, Any, Any]


class MeBenefitsController(Controller):
    path = "/me"
    tags = ["me"]
    guards = [citizen_guard]

    @get(
        "/benefits",
        summary="Benefits held, those one grade away and what they take, restrictions in force",
    )
    async def benefits(self, request: CitizenRequest) -> Eligibility:
        return await service.my_benefits(request.user.citizen_id)

    @get(
        "/plan",
        summary="The cheapest steps the rules allow today to the next grade (fewest steps, "
        "then least effort), and what they unlock",
    )
    async def plan(
        self,
        request: CitizenRequest,
        grade: Annotated[
            str | None,
            QueryParameter(
                max_length=8, description="A target grade above the current one (default: next)"
            ),
        ] = None,
    ) -> Plan:
        return await service.my_plan(request.user.citizen_id, grade)


class PublicBenefitsController(Controller):
    path = "/benefits"
    tags = ["public"]

    @get("", summary="The benefits and restriction measures in force, with their rules")
    async def catalog(self) -> BenefitCatalogView:
        return service.public_catalog()


ROUTES = Routes(citizen=[MeBenefitsController], public=[PublicBenefitsController])
