"""Sign-in for citizens and officers, the citizen's profile, and the registry feed."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get, patch, post
from litestar.datastructures import ResponseHeader
from litestar.params import JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT

from backend.identity import service
from backend.identity.principals import CitizenPrincipal, ClientPrincipal
from backend.identity.schemas import (
    CodeSent,
    OfficerSignIn,
    Profile,
    ProfileUpdate,
    RefreshRequest,
    RegistryBatch,
    RegistryBatchResult,
    SignIn,
    SignInCodeRequest,
    SignUp,
    TokenPair,
)
from backend.identity.security import citizen_guard, scope_guard
from backend.platform.audit import AuditEntry, list_audit
from backend.platform.pagination import DEFAULT_LIMIT, Page, decode_cursor, page_of
from backend.platform.routing import Routes

AnyRequest = Request[Any, Any, Any]
CitizenRequest = Request[CitizenPrincipal, Any, Any]
PROFILE_PATH = "/v1/me"


class AuthController(Controller):
    path = "/auth"
    tags = ["Sign-in"]

    @post(
        "/codes",
        status_code=HTTP_200_OK,
        operation_id="requestSignInCode",
        summary="Send a one-time code to a phone",
    )
    async def request_code(self, data: JSONBody[SignInCodeRequest]) -> CodeSent:
        """Sends a 6-digit one-time code (验证码) by SMS, for sign-up or sign-in; anyone may
        call it. A phone gets a new code at most once a minute and a few per hour: 429 with
        Retry-After (`code-resend-too-soon`, `code-hourly-limit`). When the throttle cannot be
        checked no code is sent: 503 `codes-unavailable`."""
        return await service.request_code(data.phone)

    @post(
        "/sign-up",
        status_code=HTTP_201_CREATED,
        operation_id="signUp",
        summary="Create an account after a real-name check, and sign in",
        response_headers=[
            ResponseHeader(
                name="Location",
                value=PROFILE_PATH,
                description="The new account's profile, `/v1/me` (GET it with the new access"
                " token).",
                documentation_only=True,
            )
        ],
        opt={"problems": (401, 403, 409)},
    )
    async def sign_up(self, data: JSONBody[SignUp]) -> Response[TokenPair]:
        """Creates the citizen's account once the one-time code is right and the real-name
        check (实名核验) finds the name, ID number and phone together in the population
        registry, then signs in. A wrong or expired code answers 401 (`code-wrong`,
        `code-expired`); a failed real-name check 403 `real-name-check-failed`, one answer
        whichever item is wrong; an existing account for the person or phone 409
        `account-exists`."""
        tokens = await service.sign_up(data.phone, data.code, data.name, data.id_number)
        return Response(tokens, status_code=HTTP_201_CREATED, headers={"Location": PROFILE_PATH})

    @post(
        "/sign-in",
        status_code=HTTP_200_OK,
        operation_id="signIn",
        summary="Sign in with phone and one-time code",
        opt={"problems": (401, 404)},
    )
    async def sign_in(self, data: JSONBody[SignIn]) -> TokenPair:
        """Signs a citizen in with the phone of their account and a one-time code, and starts a
        session (a refresh-token family). A wrong or expired code answers 401 (`code-wrong`
        with the tries left, `code-expired`); too many wrong tries 429 `code-locked`; a phone
        with no account 404 `account-not-found` (sign up instead)."""
        return await service.sign_in(data.phone, data.code)

    @post(
        "/refresh",
        status_code=HTTP_200_OK,
        operation_id="refreshTokens",
        summary="Rotate the refresh token",
        opt={"problems": (401,)},
    )
    async def refresh(self, data: JSONBody[RefreshRequest]) -> TokenPair:
        """Trades the latest refresh token for a new access token and refresh token; the one
        sent is used up. For citizens and officers alike. A refresh token used a second time
        ends the whole session (someone holds a copy): 401 `refresh-token-reused`; an unknown,
        signed-out or expired one 401 as well."""
        return await service.refresh_session(data.refresh_token)

    @post(
        "/sign-out",
        status_code=HTTP_204_NO_CONTENT,
        operation_id="signOut",
        summary="End this session (all its tokens)",
        opt={"problems": (401,)},
    )
    async def sign_out(self, request: AnyRequest) -> None:
        """Ends the caller's session: its refresh tokens stop working at once and its access
        tokens are refused (401 `session-revoked`) for the rest of their short life. For a
        signed-in citizen or officer (access token required)."""
        await service.revoke_family(request.user.session_id)

    @post(
        "/officer/sign-in",
        status_code=HTTP_200_OK,
        operation_id="signInOfficer",
        summary="Credit officer sign-in",
        opt={"problems": (401,)},
    )
    async def officer_sign_in(self, data: JSONBody[OfficerSignIn]) -> TokenPair:
        """Signs a credit officer (信用办工作人员) in with username and password; the access
        token carries the officer's roles. Every sign-in is written to the audit log. A wrong
        username or password, or a disabled account, answers 401 `bad-credentials` (the same
        answer for both)."""
        return await service.officer_sign_in(data.username, data.password)


class MeProfileController(Controller):
    path = "/me"
    tags = ["My account"]
    guards = [citizen_guard]

    @get("", operation_id="getMyProfile", summary="Your profile (ID number masked)")
    async def me(self, request: CitizenRequest) -> Profile:
        """The signed-in citizen's account: the name on file, the masked ID number and phone,
        the language of pushes and notifications, and when the account was made. For citizens
        only (403 `citizen-only` for an officer's token)."""
        return await service.profile(request.user.account_id)

    @patch("", operation_id="updateMyProfile", summary="Change your account settings")
    async def update(self, data: JSONBody[ProfileUpdate], request: CitizenRequest) -> Profile:
        """Changes the signed-in citizen's account settings and answers the profile. Today
        that is `language` (`zh-CN` or `en`): the language of push notifications and inbox
        texts made from now on (API answers follow each request's Accept-Language). Any other
        value answers 422; the change is written to the audit log."""
        return await service.update_profile(request.user.account_id, data)


class DepartmentRegistryController(Controller):
    path = "/registry"
    tags = ["Department records"]
    guards = [scope_guard("registry:write")]

    @post(
        "/entries:batch",
        status_code=HTTP_200_OK,
        operation_id="upsertRegistryEntries",
        summary="Upsert population-registry entries (the source of real-name checks)",
    )
    async def upsert(
        self, data: JSONBody[RegistryBatch], request: Request[ClientPrincipal, Any, Any]
    ) -> RegistryBatchResult:
        """Inserts or replaces up to 1,000 entries of the population registry (人口信息库:
        name and phone per ID number), which sign-up checks names against. For a department
        API key with the `registry:write` scope (403 `scope-missing` otherwise). An entry with
        an invalid ID number or a blank name is rejected alone, with its reason in the
        request's language; the others are stored in one transaction."""
        return await service.upsert_registry(data, request.user)


class OfficerAuditController(Controller):
    path = "/audit-log"
    tags = ["Officer oversight"]

    @get("", operation_id="listAuditLog", summary="The append-only audit log, newest first")
    async def audit_log(
        self,
        object_type: Annotated[
            str | None,
            QueryParameter(
                name="objectType",
                max_length=40,
                description="Only entries about this kind of object, e.g. `record`",
            ),
        ] = None,
        object_id: Annotated[
            str | None,
            QueryParameter(
                name="objectId", max_length=64, description="Only entries about this object id"
            ),
        ] = None,
        cursor: Annotated[
            str | None,
            QueryParameter(max_length=200, description="`nextCursor` of the previous page"),
        ] = None,
        limit: Annotated[
            int, QueryParameter(ge=1, le=100, description="Entries per page, 1 to 100")
        ] = DEFAULT_LIMIT,
    ) -> Page[AuditEntry]:
        """Every action by citizens, officers, departments, merchants and the system, newest
        first, paged by cursor; entries are never changed or deleted. For credit officers
        (信用办), any role. Filter by object type and id to see one record's or case's
        trail."""
        after = decode_cursor(cursor, tuple[int])
        rows = await list_audit(object_type, object_id, after[0] if after else None, limit + 1)
        return page_of(rows, limit, lambda entry: (entry.id,))


ROUTES = Routes(
    auth=[AuthController],
    citizen=[MeProfileController],
    department=[DepartmentRegistryController],
    officer=[OfficerAuditController],
)
