"""Sign-in for citizens and officers, the citizen's profile, and the registry feed."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get, patch, post
from litestar.datastructures import ResponseHeader
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT

from backend.identity import clients, officers, service
from backend.identity.principals import CitizenPrincipal, ClientPrincipal, OfficerPrincipal
from backend.identity.schemas import (
    AccountChangeReason,
    ApiClientIn,
    ApiClientKey,
    ApiClientOut,
    CodeSent,
    KeyRotation,
    NoticesAcceptance,
    NoticesStatus,
    OfficerIn,
    OfficerOut,
    OfficerSignIn,
    PasswordReset,
    Profile,
    ProfileUpdate,
    PublicNotices,
    RefreshRequest,
    RegistryBatch,
    RegistryBatchResult,
    RolesIn,
    ScopesIn,
    SessionOut,
    SignIn,
    SignInCodeRequest,
    SignUp,
    TokenPair,
)
from backend.identity.security import admin_guard, citizen_guard, scope_guard
from backend.platform.audit import AuditEntry, list_audit
from backend.platform.pagination import DEFAULT_LIMIT, Page, decode_cursor, page_of
from backend.platform.routing import Routes

AnyRequest = Request[Any, Any, Any]
CitizenRequest = Request[CitizenPrincipal, Any, Any]
OfficerRequest = Request[OfficerPrincipal, Any, Any]
PROFILE_PATH = "/v1/me"
OFFICERS_PATH = "/v1/officer/officers"
CLIENTS_PATH = "/v1/officer/api-clients"
CLIENT_LOCATION = ResponseHeader(
    name="Location",
    value=CLIENTS_PATH,
    description="The client list, where the new client now stands",
    documentation_only=True,
)
OFFICER_LOCATION = ResponseHeader(
    name="Location",
    value=OFFICERS_PATH,
    description="The account list, where the new account now stands",
    documentation_only=True,
)


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
        checked no code is sent: 503 `codes-unavailable`. When the SMS provider refuses, fails
        or does not answer in time: 503 `sms-unavailable` with Retry-After; that attempt is not
        counted by the limits and any earlier code stays valid, so ask again after it."""
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
        registry, then signs in. The app first shows the privacy notice, the user agreement
        and the separate consent to sensitive personal information (GET /v1/public/notices)
        and sends their `noticesVersion` with the three acceptances, each `true` (422 naming
        the field otherwise); the acceptance of each document is stored with the version, the
        language and the SHA-256 of its text. A version no longer in force answers 409
        `notices-outdated` naming the current one; a person under 14 by the birth date in the
        ID number 422 `too-young` on `idNumber` (PIPL art. 31). These checks come before the
        code is used, so the same code works for the corrected request. A wrong or expired
        code answers 401 (`code-wrong`, `code-expired`); a failed real-name check 403
        `real-name-check-failed`, one answer whichever item is wrong; an existing account for
        the person or phone 409 `account-exists`."""
        tokens = await service.sign_up(data)
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
        with no account 404 `account-not-found` (sign up instead). Signing in works even when
        a newer privacy notice or user agreement is in force: the app must then read
        `notices.toAccept` of GET /v1/me and, when it is not empty, show those texts and have
        them accepted (POST /v1/me/notices:accept) before the citizen continues."""
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
    async def officer_sign_in(
        self, data: JSONBody[OfficerSignIn], request: AnyRequest
    ) -> TokenPair:
        """Signs a credit officer (信用办工作人员) in with username and password; the access
        token carries the officer's roles. Every sign-in is written to the audit log. A wrong
        username or password, or a disabled account, answers 401 `bad-credentials` (the same
        answer for both). After 5 failures for one username (20 from one address) within 15
        minutes, sign-in answers 429 `sign-in-locked` with `Retry-After` until the window ends,
        before the password is even checked."""
        address = request.client.host if request.client else None
        return await service.officer_sign_in(data.username, data.password, address=address)


class MeProfileController(Controller):
    path = "/me"
    tags = ["My account"]
    guards = [citizen_guard]

    @get("", operation_id="getMyProfile", summary="Your profile (ID number masked)")
    async def me(self, request: CitizenRequest) -> Profile:
        """The signed-in citizen's account: the name on file, the masked ID number and phone,
        the language of pushes and notifications, when the account was made, and `notices`:
        the version of the privacy notice and user agreement in force and the documents the
        citizen has yet to accept (`toAccept`, empty when up to date; the app asks for them
        with POST /v1/me/notices:accept). For citizens only (403 `citizen-only` for an
        officer's token)."""
        return await service.profile(request.user.account_id)

    @patch("", operation_id="updateMyProfile", summary="Change your account settings")
    async def update(self, data: JSONBody[ProfileUpdate], request: CitizenRequest) -> Profile:
        """Changes the signed-in citizen's account settings and answers the profile. Today
        that is `language` (`zh-CN` or `en`): the language of push notifications and inbox
        texts made from now on (API answers follow each request's Accept-Language). Any other
        value answers 422; the change is written to the audit log."""
        return await service.update_profile(request.user.account_id, data)

    @post(
        "/notices:accept",
        status_code=HTTP_200_OK,
        operation_id="acceptMyNotices",
        summary="Accept the privacy notice and user agreement in force",
        opt={"problems": (409,)},
    )
    async def accept_notices(
        self, data: JSONBody[NoticesAcceptance], request: CitizenRequest
    ) -> NoticesStatus:
        """Records that the citizen accepted the privacy notice, the user agreement and,
        separately, the processing of sensitive personal information in the version in force
        (GET /v1/public/notices), each in the request's language with the SHA-256 of its text,
        and answers what is left to accept (nothing). The app calls it when `notices.toAccept`
        of GET /v1/me is not empty, before the citizen continues. Each acceptance must be
        `true` (422 naming the field); a version no longer in force answers 409
        `notices-outdated` naming the current one. Accepting again changes nothing. Citizens
        only; audited."""
        user = request.user
        return await service.accept_notices(user.account_id, user.citizen_id, data)


class PublicNoticesController(Controller):
    path = "/notices"
    tags = ["Public"]

    @get("", operation_id="getPublicNotices", summary="Get the privacy notice and user agreement")
    async def notices(self) -> PublicNotices:
        """The privacy notice (个人信息处理规则), the user agreement (用户服务协议) and the
        separate consent to processing sensitive personal information (敏感个人信息单独同意) in
        force today: one version for the three, with each text's SHA-256. The app shows them
        before sign-up and sends the version back. No sign-in; in the request's language
        (Accept-Language, Chinese by default). Read-only."""
        return service.public_notices()


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


class OfficerAccountsController(Controller):
    """The credit office's own accounts, for admins."""

    path = "/officers"
    tags = ["Officer accounts"]
    guards = [admin_guard]

    @get("", operation_id="listOfficers", summary="List the office's accounts")
    async def list_officers(self) -> list[OfficerOut]:
        """Every officer account, by username, with roles and whether it can sign in. Admins
        only."""
        return await officers.officers()

    @post(
        "",
        status_code=HTTP_201_CREATED,
        operation_id="createOfficer",
        summary="Create an officer account",
        response_headers=[OFFICER_LOCATION],
        opt={"problems": (409,)},
    )
    async def create_officer(
        self, data: JSONBody[OfficerIn], request: OfficerRequest
    ) -> Response[OfficerOut]:
        """Create an account with a username, a name, a first password (12 characters or more)
        and roles. Admins only; a taken username answers 409. Audited."""
        made = await officers.create(data, request.user)
        return Response(made, status_code=HTTP_201_CREATED, headers={"Location": OFFICERS_PATH})

    @post(
        "/{officer_id:int}/roles",
        status_code=HTTP_200_OK,
        operation_id="setOfficerRoles",
        summary="Replace an officer's roles",
        opt={"problems": (409,)},
    )
    async def set_roles(
        self, officer_id: FromPath[int], data: JSONBody[RolesIn], request: OfficerRequest
    ) -> OfficerOut:
        """Replace the officer's roles; they apply from the officer's next token refresh (within
        the access token's life). Admins only; taking the admin role from the last active admin
        answers 409 `last-admin`. Audited with the roles before and after."""
        return await officers.set_roles(officer_id, data.roles, request.user)

    @post(
        "/{officer_id:int}/deactivation",
        status_code=HTTP_200_OK,
        operation_id="disableOfficer",
        summary="Disable an officer account",
        opt={"problems": (409,)},
    )
    async def disable(
        self,
        officer_id: FromPath[int],
        data: JSONBody[AccountChangeReason],
        request: OfficerRequest,
    ) -> OfficerOut:
        """Disable an account with a reason: it can no longer sign in and every session of it
        ends at once. Admins only; the last active admin answers 409 `last-admin`. Audited."""
        return await officers.set_active(
            officer_id, active=False, reason=data.reason, by=request.user
        )

    @post(
        "/{officer_id:int}/activation",
        status_code=HTTP_200_OK,
        operation_id="enableOfficer",
        summary="Enable a disabled officer account",
    )
    async def enable(
        self,
        officer_id: FromPath[int],
        data: JSONBody[AccountChangeReason],
        request: OfficerRequest,
    ) -> OfficerOut:
        """Enable an account again, with a reason. Admins only. Audited."""
        return await officers.set_active(
            officer_id, active=True, reason=data.reason, by=request.user
        )

    @post(
        "/{officer_id:int}/password",
        status_code=HTTP_200_OK,
        operation_id="resetOfficerPassword",
        summary="Set a new password for an officer",
    )
    async def reset_password(
        self, officer_id: FromPath[int], data: JSONBody[PasswordReset], request: OfficerRequest
    ) -> OfficerOut:
        """Set a new password (12 characters or more): every session of the officer ends and
        a sign-in lock-out of the username is lifted. Admins only. Audited (never the
        password)."""
        return await officers.reset_password(officer_id, data.password, request.user)

    @get(
        "/{officer_id:int}/sessions",
        operation_id="listOfficerSessions",
        summary="List an officer's signed-in sessions",
    )
    async def officer_sessions(
        self, officer_id: FromPath[int], request: OfficerRequest
    ) -> list[SessionOut]:
        """The officer's sessions that can still be refreshed, newest first. Admins only."""
        return await officers.sessions(officer_id, request.user.session_id)


class OfficerApiClientsController(Controller):
    """Departments' and merchants' API clients, for admins."""

    path = "/api-clients"
    tags = ["Officer accounts"]
    guards = [admin_guard]

    @get("", operation_id="listApiClients", summary="List the API clients")
    async def list_clients(self) -> list[ApiClientOut]:
        """Every department and merchant client with its scopes and whether its keys work;
        never a key. Admins only."""
        return await clients.clients()

    @post(
        "",
        status_code=HTTP_201_CREATED,
        operation_id="createApiClient",
        summary="Create an API client and its key",
        response_headers=[CLIENT_LOCATION],
        opt={"problems": (409,)},
    )
    async def create_client(
        self, data: JSONBody[ApiClientIn], request: OfficerRequest
    ) -> Response[ApiClientKey]:
        """Create a department or merchant client with its scopes. The answer carries its API
        key, shown this once (only a hash is kept). Admins only; a taken code answers 409.
        Audited."""
        made = await clients.create(data, request.user)
        return Response(made, status_code=HTTP_201_CREATED, headers={"Location": CLIENTS_PATH})

    @post(
        "/{client_id:int}/key-rotation",
        status_code=HTTP_200_OK,
        operation_id="rotateApiClientKey",
        summary="Give a client a new key, the old one working for a while",
        opt={"problems": (409,)},
    )
    async def rotate(
        self, client_id: FromPath[int], data: JSONBody[KeyRotation], request: OfficerRequest
    ) -> ApiClientKey:
        """A new API key, shown this once; the current key keeps working for `overlapHours`
        (24 by default, 0 to end it at once) so the client switches without a gap. Admins only;
        a revoked client answers 409 `api-client-revoked`. Audited."""
        return await clients.rotate_key(client_id, data.overlap_hours, request.user)

    @post(
        "/{client_id:int}/scopes",
        status_code=HTTP_200_OK,
        operation_id="setApiClientScopes",
        summary="Replace a client's scopes",
    )
    async def set_scopes(
        self, client_id: FromPath[int], data: JSONBody[ScopesIn], request: OfficerRequest
    ) -> ApiClientOut:
        """Replace what the client may do; takes effect on its next request. Admins only.
        Audited with the scopes before and after."""
        return await clients.set_scopes(client_id, data.scopes, request.user)

    @post(
        "/{client_id:int}/revocation",
        status_code=HTTP_200_OK,
        operation_id="revokeApiClient",
        summary="Revoke a client",
        opt={"problems": (409,)},
    )
    async def revoke(
        self,
        client_id: FromPath[int],
        data: JSONBody[AccountChangeReason],
        request: OfficerRequest,
    ) -> ApiClientOut:
        """Every key of the client stops working at once (401 `api-key-disabled`), with a
        reason. Admins only; an already revoked client answers 409. Audited."""
        return await clients.revoke(client_id, data.reason, request.user)


class OfficerSessionsController(Controller):
    """Every officer's own sessions."""

    path = "/sessions"
    tags = ["Officer accounts"]

    @get("", operation_id="listMySessions", summary="List your signed-in sessions")
    async def mine(self, request: OfficerRequest) -> list[SessionOut]:
        """Your sessions that can still be refreshed, newest first, the one making this request
        marked `current`. Any officer."""
        user = request.user
        return await officers.sessions(user.officer_id, user.session_id)

    @post(
        "/{session_id:str}/end",
        status_code=HTTP_204_NO_CONTENT,
        operation_id="endSession",
        summary="End a signed-in session",
    )
    async def end(self, session_id: FromPath[str], request: OfficerRequest) -> None:
        """End one of your sessions (or, for an admin, any officer's): its refresh tokens stop
        at once and its access tokens are refused (401 `session-revoked`). Another officer's
        session answers 404 to a non-admin, exactly like an unknown one. Audited."""
        await officers.end_session(session_id, request.user)


ROUTES = Routes(
    auth=[AuthController],
    citizen=[MeProfileController],
    department=[DepartmentRegistryController],
    public=[PublicNoticesController],
    officer=[
        OfficerAuditController,
        OfficerAccountsController,
        OfficerApiClientsController,
        OfficerSessionsController,
    ],
)
