"""The citizen's benefits and repair plan; the public list of benefits and measures."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get
from litestar.openapi.spec import Example
from litestar.params import QueryParameter

from backend.benefits import service
from backend.benefits.schemas import BenefitCatalogView, Eligibility, Plan
from backend.identity.principals import CitizenPrincipal
from backend.identity.security import citizen_guard
from backend.platform.routing import Routes

CitizenRequest = Request[CitizenPrincipal, Any, Any]


class MeBenefitsController(Controller):
    path = "/me"
    tags = ["My benefits"]
    guards = [citizen_guard]

    @get("/benefits", operation_id="listMyBenefits", summary="List my benefits and restrictions")
    async def list_my_benefits(self, request: CitizenRequest) -> Eligibility:
        """The convenience benefits (守信激励) the citizen's grade and record unlock today, those
        the next grade up would unlock and those further away, each with what is missing; and
        the restriction measures (失信惩戒措施) in force with the records behind them and the
        day they end. Citizens only; names and texts follow Accept-Language. Read-only."""
        return await service.my_benefits(request.user.citizen_id)

    @get("/plan", operation_id="getMyPlan", summary="Get my plan to the next grade")
    async def get_my_plan(
        self,
        request: CitizenRequest,
        grade: Annotated[
            str | None,
            QueryParameter(
                max_length=8,
                description="A target grade above the current one (AAA, AA, A, B, C); default:"
                " the next grade up",
                examples=[Example(value="AA")],
            ),
        ] = None,
    ) -> Plan:
        """The repair planner: the cheapest steps the rules allow today (fewest steps, then
        least effort) to reach the target grade, from repairs of records past their minimum
        display period and good deeds the catalog rewards within the yearly caps, with the
        benefits they unlock and the measures they end. Citizens only; texts follow
        Accept-Language. A grade that is unknown or not above the current one answers 422
        `plan-target-invalid` naming `grade`. Read-only: the plan is computed, never stored."""
        return await service.my_plan(request.user.citizen_id, grade)


class PublicBenefitsController(Controller):
    path = "/benefits"
    tags = ["Public"]

    @get("", operation_id="listPublicBenefits", summary="List the benefits and measures in force")
    async def list_public_benefits(self) -> BenefitCatalogView:
        """The catalogue in force today: every convenience benefit (守信激励) with the grade and
        conditions that grant it and who offers it, and every restriction measure (失信惩戒措施)
        with its legal basis and the records that trigger it. No sign-in; names and texts
        follow Accept-Language. Read-only."""
        return service.public_catalog()


ROUTES = Routes(citizen=[MeBenefitsController], public=[PublicBenefitsController])
