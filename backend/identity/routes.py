"""Sign-in for citizens and officers, the citizen's profile, and the registry feed."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.params import JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK

from backend.identity import service
from backend.identity.principals import CitizenPrincipal, ClientPrincipal
from backend.identity.schemas import (
    CodeRequest,
    CodeSent,
    OfficerSignIn,
    Profile,
    RefreshRequest,
    RegistryBatch,
    RegistryBatchResult,
    SignIn,
    SignUp,
    TokenPair,
)
from backend.identity.security import citizen_guard, scope_guard
from backend.platform.audit import AuditEntry, list_audit
from backend.platform.pagination import DEFAULT_LIMIT, Page, decode_cursor, page_of
from backend.platform.routing import Routes

AnyRequest = Request[Any, Any, Any]


class AuthController(Controller):
    path = "/auth"
    tags = ["auth"]

    @post("/codes", status_code=HTTP_200_OK, summary="Send a one-time code to a phone")
    async def request_code(self, data: JSONBody[CodeRequest]) -> CodeSent:
        return await service.request_code(data.phone)

    @post("/sign-up", summary="Create an account after a real-name check, and sign in")
    async def sign_up(self, data: JSONBody[SignUp]) -> TokenPair:
        return await service.sign_up(data.phone, data.code, data.name, data.id_number)

    @post("/sign-in", status_code=HTTP_200_OK, summary="Sign in with phone and one-time code")
    async def sign_in(self, data: JSONBody[SignIn]) -> TokenPair:
        return await service.sign_in(data.phone, data.code)

    @post("/refresh", status_code=HTTP_200_OK, summary="Rotate the refresh token")
    async def refresh(self, data: JSONBody[RefreshRequest]) -> TokenPair:
        return await service.refresh_session(data.refresh_token)

    @post("/sign-out", status_code=204, summary="End this session (all its tokens)")
    async def sign_out(self, request: AnyRequest) -> None:
        await service.revoke_family(request.user.session_id)

    @post("/officer/sign-in", status_code=HTTP_200_OK, summary="Credit officer sign-in")
    async def officer_sign_in(self, data: JSONBody[OfficerSignIn]) -> TokenPair:
        return await service.officer_sign_in(data.username, data.password)


class MeProfileController(Controller):
    path = "/me"
    tags = ["me"]
    guards = [citizen_guard]

    @get("", summary="The signed-in citizen's profile (ID number masked)")
    async def me(self, request: Request[CitizenPrincipal, Any, Any]) -> Profile:
        return await service.profile(request.user.account_id)


class DepartmentRegistryController(Controller):
    path = "/registry"
    tags = ["department"]
    guards = [scope_guard("registry:write")]

    @post(
        "/entries:batch",
        status_code=HTTP_200_OK,
        summary="Upsert population-registry entries (the source of real-name checks)",
    )
    async def upsert(
        self, data: JSONBody[RegistryBatch], request: Request[ClientPrincipal, Any, Any]
    ) -> RegistryBatchResult:
        return await service.upsert_registry(data, request.user)


class OfficerAuditController(Controller):
    path = "/audit-log"
    tags = ["officer"]

    @get("", summary="The append-only audit log, newest first")
    async def audit_log(
        self,
        object_type: Annotated[str | None, QueryParameter(name="objectType", max_length=40)] = None,
        object_id: Annotated[str | None, QueryParameter(name="objectId", max_length=64)] = None,
        cursor: Annotated[str | None, QueryParameter(max_length=200)] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=100)] = DEFAULT_LIMIT,
    ) -> Page[AuditEntry]:
        after = decode_cursor(cursor, tuple[int])
        rows = await list_audit(object_type, object_id, after[0] if after else None, limit + 1)
        return page_of(rows, limit, lambda entry: (entry.id,))


ROUTES = Routes(
    auth=[AuthController],
    citizen=[MeProfileController],
    department=[DepartmentRegistryController],
    officer=[OfficerAuditController],
)
