"""Verification codes and their QR, the credit lock, consents and the query log (citizen);
redemption, consent checks and recorded redemptions (merchant); the public verification key."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from litestar import Controller, Request, Response, delete, get, post
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, JSONBody, Parameter, QueryParameter
from litestar.status_codes import HTTP_200_OK

from backend.identity.principals import CitizenPrincipal, ClientPrincipal
from backend.identity.security import citizen_guard
from backend.platform.errors import PROBLEM_MEDIA_TYPE, Problem
from backend.platform.pagination import DEFAULT_LIMIT, Page
from backend.platform.routing import Routes
from backend.verification import consents, lock, queries, service
from backend.verification.schemas import (
    CheckAnswer,
    CodeIssued,
    CodeRequest,
    ConsentCheckRequest,
    ConsentIn,
    ConsentOut,
    LockState,
    QueryEntry,
    RedeemRequest,
    RedemptionIn,
    RedemptionOut,
    VerificationKey,
)

CitizenRequest = Request[CitizenPrincipal, Any, Any]
MerchantRequest = Request[ClientPrincipal, Any, Any]
Limit = Annotated[int, QueryParameter(ge=1, le=100)]
Cursor = Annotated[str | None, QueryParameter(max_length=200)]
VerificationId = Annotated[
    str, Parameter(pattern=r"^vf_[A-Za-z0-9_-]{10,36}$", description="A verification id (vf_...)")
]


def _problems(**described: str) -> dict[int, ResponseSpec]:
    """Extra problem responses (status=description) for the OpenAPI document."""
    return {
        int(status.removeprefix("s")): ResponseSpec(
            data_container=Problem,
            description=text,
            media_type=PROBLEM_MEDIA_TYPE,
            generate_examples=False,
        )
        for status, text in described.items()
    }


LOCKED = {"s423": "The citizen's credit lock is on (problem document)"}
GONE = {"s410": "The code has expired (problem document)"}
REDEEM_REFUSALS = {
    "s404": "No such code, or a code for a benefit this API key is not scoped for: the same"
    " answer, counted toward the guess limit (problem document)",
    "s409": "The code has already been redeemed (problem document)",
    "s429": "Too many unknown codes from this merchant; wait Retry-After seconds",
}


class MeVerificationController(Controller):
    path = "/me"
    tags = ["me"]
    guards = [citizen_guard]

    @post(
        "/verification-codes",
        summary="Make a single-use code (and signed QR payload) for one benefit",
        responses=_problems(**LOCKED),
    )
    async def make_code(self, data: JSONBody[CodeRequest], request: CitizenRequest) -> CodeIssued:
        return await service.make_code(request.user.citizen_id, data.benefit)

    @get(
        "/verification-codes/{verification_id:str}/qr.svg",
        summary="The QR of one of your live codes, as SVG",
        media_type="image/svg+xml",
        responses=_problems(**GONE),
    )
    async def qr_svg(
        self, verification_id: VerificationId, request: CitizenRequest
    ) -> Response[bytes]:
        body = await service.qr_image(request.user.citizen_id, verification_id, "svg")
        return Response(body, media_type="image/svg+xml", headers={"Cache-Control": "no-store"})

    @get(
        "/verification-codes/{verification_id:str}/qr.png",
        summary="The QR of one of your live codes, as PNG",
        media_type="image/png",
        responses=_problems(**GONE),
    )
    async def qr_png(
        self, verification_id: VerificationId, request: CitizenRequest
    ) -> Response[bytes]:
        body = await service.qr_image(request.user.citizen_id, verification_id, "png")
        return Response(body, media_type="image/png", headers={"Cache-Control": "no-store"})

    @get("/lock", summary="Whether the credit lock (信用锁) is on")
    async def lock_state(self, request: CitizenRequest) -> LockState:
        return await lock.lock_state(request.user.citizen_id)

    @post("/lock", status_code=HTTP_200_OK, summary="Lock: switch off every merchant check")
    async def lock(self, request: CitizenRequest) -> LockState:
        return await lock.set_lock(request.user.citizen_id, True)

    @delete("/lock", status_code=HTTP_200_OK, summary="Unlock: merchant checks work again")
    async def unlock(self, request: CitizenRequest) -> LockState:
        return await lock.set_lock(request.user.citizen_id, False)

    @post("/consents", summary="Give a merchant organisation consent for a purpose and period")
    async def grant(self, data: JSONBody[ConsentIn], request: CitizenRequest) -> ConsentOut:
        return await consents.grant(request.user.citizen_id, data)

    @get("/consents", summary="Your consents, newest first")
    async def list_consents(
        self,
        request: CitizenRequest,
        status: Annotated[Literal["active", "all"], QueryParameter()] = "all",
        cursor: Cursor = None,
        limit: Limit = DEFAULT_LIMIT,
    ) -> Page[ConsentOut]:
        return await consents.list_consents(request.user.citizen_id, status, cursor, limit)

    @delete(
        "/consents/{consent_id:int}",
        status_code=HTTP_200_OK,
        summary="Revoke one of your consents, at once",
    )
    async def revoke(self, consent_id: FromPath[int], request: CitizenRequest) -> ConsentOut:
        return await consents.revoke(request.user.citizen_id, consent_id)

    @get("/queries", summary="Who looked at your credit (查询日志), newest first")
    async def queries(
        self, request: CitizenRequest, cursor: Cursor = None, limit: Limit = DEFAULT_LIMIT
    ) -> Page[QueryEntry]:
        return await queries.my_queries(request.user.citizen_id, cursor, limit)


class MerchantVerificationController(Controller):
    path = "/"
    tags = ["merchant"]

    @post(
        "/verifications:redeem",
        status_code=HTTP_200_OK,
        summary="Redeem a citizen's code (typed or scanned): eligible or not, nothing more",
        responses=_problems(**LOCKED, **GONE, **REDEEM_REFUSALS),
    )
    async def redeem(self, data: JSONBody[RedeemRequest], request: MerchantRequest) -> CheckAnswer:
        return await service.redeem(request.user, data)

    @post(
        "/verifications/{verification_id:str}/redemption",
        summary="Record what was done on a verification (e.g. deposit waived); once",
    )
    async def record(
        self,
        verification_id: VerificationId,
        data: JSONBody[RedemptionIn],
        request: MerchantRequest,
    ) -> RedemptionOut:
        return await service.record_redemption(request.user, verification_id, data)

    @post(
        "/consent-checks",
        status_code=HTTP_200_OK,
        summary="Check a citizen under their standing consent to your organisation",
        responses=_problems(**LOCKED),
    )
    async def consent_check(
        self, data: JSONBody[ConsentCheckRequest], request: MerchantRequest
    ) -> CheckAnswer:
        return await service.consent_check(request.user, data)


class PublicVerificationController(Controller):
    path = "/verification-key"
    tags = ["public"]

    @get("", summary="The Ed25519 public key that verifies QR payloads offline")
    async def key(self) -> VerificationKey:
        return service.verification_key()


ROUTES = Routes(
    citizen=[MeVerificationController],
    merchant=[MerchantVerificationController],
    public=[PublicVerificationController],
)
