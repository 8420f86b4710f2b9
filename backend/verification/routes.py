"""Verification codes and their QR, the credit lock, consents and the query log (citizen);
redemption, consent checks and recorded redemptions (merchant); the public verification key."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from litestar import Controller, Request, Response, delete, get, post
from litestar.datastructures import ResponseHeader
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import JSONBody, Parameter, PathParameter, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from backend.identity.principals import CitizenPrincipal, ClientPrincipal
from backend.identity.security import citizen_guard
from backend.platform.errors import PROBLEM_MEDIA_TYPE, Problem
from backend.platform.gate import PREFETCH, prefetched
from backend.platform.pagination import DEFAULT_LIMIT, Page
from backend.platform.routing import Routes
from backend.verification import consents, lock, queries, service
from backend.verification.schemas import (
    EXAMPLE_VERIFICATION_ID,
    CheckAnswer,
    CodeIssued,
    ConsentCheckRequest,
    ConsentIn,
    ConsentOut,
    LockState,
    QueryEntry,
    RedeemRequest,
    RedemptionIn,
    RedemptionOut,
    VerificationCodeRequest,
    VerificationKey,
)

CitizenRequest = Request[CitizenPrincipal, Any, Any]
MerchantRequest = Request[ClientPrincipal, Any, Any]
Limit = Annotated[int, QueryParameter(ge=1, le=100, description="Entries per page, 1 to 100")]
Cursor = Annotated[
    str | None, QueryParameter(max_length=200, description="`nextCursor` of the previous page")
]
VerificationId = Annotated[
    str, Parameter(pattern=r"^vf_[A-Za-z0-9_-]{10,36}$", description="A verification id (vf_...)")
]
ConsentId = Annotated[int, PathParameter(description="The consent's id")]
NO_STORE = {"Cache-Control": "no-store"}  # a live code's QR must not outlive it in a cache
NO_STORE_DOC = [
    ResponseHeader(
        name="Cache-Control",
        value="no-store",
        description="`no-store`: a live code's QR must not outlive it in any cache",
        documentation_only=True,
    )
]


def _guess_counter(scope: Any) -> str | None:
    """The merchant's unknown-code counter, read by the gate with the rate limit."""
    user = scope.get("user")
    return service.guess_key(user.client_id) if isinstance(user, ClientPrincipal) else None


def _problems(**described: str) -> dict[int, ResponseSpec]:
    """Problem responses with a description of their own (status=description), for statuses
    the platform has no words for (410, 423) or where the operation says more."""
    return {
        int(status.removeprefix("s")): ResponseSpec(
            data_container=Problem,
            description=text,
            media_type=PROBLEM_MEDIA_TYPE,
            generate_examples=False,
        )
        for status, text in described.items()
    }


def _location(example: str, description: str) -> list[ResponseHeader]:
    """The documented ``Location`` of a 201 (``value`` is only the example: Litestar takes the
    header's schema from its type)."""
    return [
        ResponseHeader(
            name="Location", value=example, description=description, documentation_only=True
        )
    ]


LOCKED = {"s423": "The citizen's credit lock (信用锁) is on: `credit-locked`"}
GONE = {
    "s410": "The code can no longer be shown: `verification-code-expired`, or"
    " `verification-code-used` once a merchant has redeemed it"
}
REDEEM_REFUSALS = {
    "s404": "No such code, or a code for a benefit this API key is not scoped for: the same"
    " answer, `verification-code-unknown`, counted toward the guess limit",
    "s409": "The code has already been redeemed: `verification-code-used`",
    "s410": "The code has expired: `verification-code-expired`",
    "s429": "Too many unknown codes from this merchant (`verification-guesses-exceeded`); wait"
    " Retry-After seconds",
}


class MeVerificationController(Controller):
    path = "/me"
    tags = ["Verification and consents"]
    guards = [citizen_guard]

    @post(
        "/verification-codes",
        status_code=HTTP_201_CREATED,
        operation_id="makeVerificationCode",
        summary="Make a single-use code (and signed QR payload) for one benefit",
        response_headers=_location(
            f"/v1/me/verification-codes/{EXAMPLE_VERIFICATION_ID}",
            "The new code's URL; a GET on it answers the same body, with its status now.",
        ),
        responses=_problems(**LOCKED),
    )
    async def make_code(
        self, data: JSONBody[VerificationCodeRequest], request: CitizenRequest
    ) -> Response[CodeIssued]:
        """Makes a single-use code (核验码) for one benefit, valid two minutes: an 8-digit code
        to read out and a signed QR payload a merchant can check offline. It already holds the
        answer the merchant will get (eligible or not, the grade band needed), shown here as
        `eligible`. For the signed-in citizen; refused while the credit lock is on (423
        `credit-locked`), for an unknown benefit (422 `benefit-unknown`) or beyond five live
        codes (429 `too-many-live-codes`)."""
        issued = await service.make_code(request.user.citizen_id, data.benefit)
        return Response(
            issued,
            status_code=HTTP_201_CREATED,
            headers={"Location": service.code_url(issued.verification_id)},
        )

    @get(
        "/verification-codes/{verification_id:str}",
        operation_id="getMyVerificationCode",
        summary="One of your codes, and whether a merchant has redeemed it",
    )
    async def code(self, verification_id: VerificationId, request: CitizenRequest) -> CodeIssued:
        """One of the signed-in citizen's codes as it was made, with its status now: `live`,
        `redeemed` (with the time a merchant redeemed it) or `expired`. The app can poll it
        while the citizen stands at the counter. Another citizen's code answers 404
        `verification-not-found` like a missing one."""
        return await service.my_code(request.user.citizen_id, verification_id)

    @get(
        "/verification-codes/{verification_id:str}/qr.svg",
        operation_id="getVerificationQrSvg",
        summary="The QR of one of your live codes, as SVG",
        media_type="image/svg+xml",
        content_media_type="image/svg+xml",
        response_description="The QR code as an SVG image",
        response_headers=NO_STORE_DOC,
        responses=_problems(**GONE),
    )
    async def qr_svg(
        self, verification_id: VerificationId, request: CitizenRequest
    ) -> Response[bytes]:
        """The QR of one of the signed-in citizen's live codes, as an SVG image holding the
        signed payload, for the merchant to scan. Not stored by caches. A code that is
        redeemed or expired answers 410; another citizen's code 404."""
        body = await service.qr_image(request.user.citizen_id, verification_id, "svg")
        return Response(body, media_type="image/svg+xml", headers=NO_STORE)

    @get(
        "/verification-codes/{verification_id:str}/qr.png",
        operation_id="getVerificationQrPng",
        summary="The QR of one of your live codes, as PNG",
        media_type="image/png",
        content_media_type="image/png",
        response_description="The QR code as a PNG image",
        response_headers=NO_STORE_DOC,
        responses=_problems(**GONE),
    )
    async def qr_png(
        self, verification_id: VerificationId, request: CitizenRequest
    ) -> Response[bytes]:
        """The QR of one of the signed-in citizen's live codes, as a PNG image holding the
        signed payload, for the merchant to scan. Not stored by caches. A code that is
        redeemed or expired answers 410; another citizen's code 404."""
        body = await service.qr_image(request.user.citizen_id, verification_id, "png")
        return Response(body, media_type="image/png", headers=NO_STORE)

    @get("/lock", operation_id="getCreditLock", summary="Whether the credit lock (信用锁) is on")
    async def lock_state(self, request: CitizenRequest) -> LockState:
        """Whether the signed-in citizen's credit lock (信用锁) is on, and since when. While it
        is on, no code can be made or redeemed and no merchant's consent check is
        answered."""
        return await lock.lock_state(request.user.citizen_id)

    @post(
        "/lock",
        status_code=HTTP_200_OK,
        operation_id="lockCredit",
        summary="Lock: switch off every merchant check",
    )
    async def lock(self, request: CitizenRequest) -> LockState:
        """Switches the credit lock (信用锁) on with one call: from now on merchants learn
        nothing about the citizen, by code or by consent, until it is switched off. Locking a
        locked card changes nothing; each real change is written to the audit log."""
        return await lock.set_lock(request.user.citizen_id, True)

    @delete(
        "/lock",
        status_code=HTTP_200_OK,
        operation_id="unlockCredit",
        summary="Unlock: merchant checks work again",
    )
    async def unlock(self, request: CitizenRequest) -> LockState:
        """Switches the credit lock off: codes and consent checks work again. Unlocking an
        unlocked card changes nothing; each real change is written to the audit log."""
        return await lock.set_lock(request.user.citizen_id, False)

    @post(
        "/consents",
        status_code=HTTP_201_CREATED,
        operation_id="grantConsent",
        summary="Give a partner merchant consent for a purpose and period",
        response_headers=_location(
            "/v1/me/consents/88", "The new consent's URL; a GET on it answers the same body."
        ),
    )
    async def grant(
        self, data: JSONBody[ConsentIn], request: CitizenRequest
    ) -> Response[ConsentOut]:
        """Gives one partner merchant standing consent (授权) to check the citizen's credit
        for a purpose, for 1 to 365 days, without a code each time. Each check under it is
        still query-logged and can be revoked at any time. An unknown merchant code answers
        422 `organisation-unknown`."""
        consent = await consents.grant(request.user.citizen_id, data)
        return Response(
            consent,
            status_code=HTTP_201_CREATED,
            headers={"Location": consents.consent_url(consent.id)},
        )

    @get("/consents", operation_id="listMyConsents", summary="Your consents, newest first")
    async def list_consents(
        self,
        request: CitizenRequest,
        status: Annotated[
            Literal["active", "all"],
            QueryParameter(description="`active`: only those in force; `all` (the default)"),
        ] = "all",
        cursor: Cursor = None,
        limit: Limit = DEFAULT_LIMIT,
    ) -> Page[ConsentOut]:
        """The consents the signed-in citizen gave, newest first and paged by cursor, each
        with its status (active, expired or revoked)."""
        return await consents.list_consents(request.user.citizen_id, status, cursor, limit)

    @get(
        "/consents/{consent_id:int}",
        operation_id="getMyConsent",
        summary="One of your consents",
    )
    async def consent(self, consent_id: ConsentId, request: CitizenRequest) -> ConsentOut:
        """One consent the signed-in citizen gave, with its status now. Another citizen's
        consent answers 404 `consent-not-found` like a missing one."""
        return await consents.my_consent(request.user.citizen_id, consent_id)

    @delete(
        "/consents/{consent_id:int}",
        status_code=HTTP_200_OK,
        operation_id="revokeConsent",
        summary="Revoke one of your consents, at once",
    )
    async def revoke(self, consent_id: ConsentId, request: CitizenRequest) -> ConsentOut:
        """Revokes one of the signed-in citizen's consents at once: the merchant's next check
        under it is refused. Revoking it again changes nothing and answers the consent."""
        return await consents.revoke(request.user.citizen_id, consent_id)

    @get(
        "/queries",
        operation_id="listMyQueries",
        summary="Who looked at your credit (查询日志), newest first",
    )
    async def queries(
        self, request: CitizenRequest, cursor: Cursor = None, limit: Limit = DEFAULT_LIMIT
    ) -> Page[QueryEntry]:
        """Every look at the signed-in citizen's credit by someone else (查询日志): merchants
        checking a code or a consent, departments and the credit office handling a case; who,
        when, what they saw, why and on what basis. Newest first, paged by cursor; kept
        long-term."""
        return await queries.my_queries(request.user.citizen_id, cursor, limit)


class MerchantVerificationController(Controller):
    path = "/"
    tags = ["Merchant"]

    @post(
        "/verifications:redeem",
        status_code=HTTP_200_OK,
        operation_id="redeemVerificationCode",
        summary="Redeem a citizen's code (typed or scanned): eligible or not, nothing more",
        responses=_problems(**LOCKED, **REDEEM_REFUSALS),
        opt={PREFETCH: _guess_counter},
    )
    async def redeem(self, data: JSONBody[RedeemRequest], request: MerchantRequest) -> CheckAnswer:
        """Uses up a citizen's code, typed in or scanned from the QR, and answers only what the
        benefit needs: eligible or not, the grade band it needs and the masked name; never
        points or records. For a merchant API key scoped to the code's benefit. The citizen
        sees the look in their query log and gets a notice. Refusals say why: used (409),
        expired (410), credit lock on (423); an unknown or out-of-scope code is one answer
        (404), and too many of those pause the merchant (429)."""
        guesses = prefetched(request.scope, service.guess_key(request.user.client_id))
        return await service.redeem(request.user, data, guesses=guesses)

    @post(
        "/verifications/{verification_id:str}/redemption",
        status_code=HTTP_201_CREATED,
        operation_id="recordRedemption",
        summary="Record what was done on a verification (e.g. deposit waived); once",
        response_headers=_location(
            f"/v1/merchant/verifications/{EXAMPLE_VERIFICATION_ID}/redemption",
            "The recorded redemption's URL (this same path); a GET on it answers the same body.",
        ),
        opt={"problems": (409,)},
    )
    async def record(
        self,
        verification_id: VerificationId,
        data: JSONBody[RedemptionIn],
        request: MerchantRequest,
    ) -> Response[RedemptionOut]:
        """Records what the merchant did for the citizen on a verification it made (for
        example a deposit waived), once per verification; written to the audit log. Only on a
        check that found the citizen eligible: otherwise 409 `not-eligible`; a second record
        409 `redemption-already-recorded`; another merchant's verification 404."""
        recorded = await service.record_redemption(request.user, verification_id, data)
        return Response(
            recorded,
            status_code=HTTP_201_CREATED,
            headers={"Location": service.redemption_url(verification_id)},
        )

    @get(
        "/verifications/{verification_id:str}/redemption",
        operation_id="getRedemption",
        summary="The redemption you recorded on a verification",
    )
    async def redemption(
        self, verification_id: VerificationId, request: MerchantRequest
    ) -> RedemptionOut:
        """The redemption this merchant recorded on one of its verifications. None recorded
        yet, or another merchant's verification, answers 404 `redemption-not-found`."""
        return await service.redemption(request.user, verification_id)

    @post(
        "/consent-checks",
        status_code=HTTP_200_OK,
        operation_id="checkConsent",
        summary="Check a citizen under their standing consent to your organisation",
        responses=_problems(
            **LOCKED,
            s404="No consent with this id was given to your organisation: `consent-not-found`",
        ),
    )
    async def consent_check(
        self, data: JSONBody[ConsentCheckRequest], request: MerchantRequest
    ) -> CheckAnswer:
        """Checks a citizen for a benefit under the standing consent (授权) they gave this
        merchant, instead of a code; answered and query-logged exactly like a redeemed code.
        For a merchant API key scoped to the benefit (403 `benefit-scope-missing`). A consent
        not given to this merchant answers 404; a revoked or expired one 403
        `consent-not-valid`; the credit lock 423."""
        return await service.consent_check(request.user, data)


class PublicVerificationController(Controller):
    path = "/verification-key"
    tags = ["Public"]

    @get(
        "",
        operation_id="getVerificationKey",
        summary="The Ed25519 public key that verifies QR payloads offline",
    )
    async def key(self) -> VerificationKey:
        """The public key (Ed25519, also as PEM and JWK) that checks the signature of a
        verification QR payload, so a merchant briefly offline can still trust a scanned code.
        No sign-in needed. Redeeming online is still what makes a code count, once."""
        return service.verification_key()


ROUTES = Routes(
    citizen=[MeVerificationController],
    merchant=[MerchantVerificationController],
    public=[PublicVerificationController],
)
