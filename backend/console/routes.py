"""The console's pages (信用办工作台). Every page calls the same services as the API: no rule is
implemented twice. A refused action (a problem the service raises) comes back to the page it was
taken on with the problem's text; a missing or ended sign-in goes to the sign-in page."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, TypeVar
from urllib.parse import quote

import msgspec
from litestar import Controller, Request, Response, Router, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.response import Redirect, Template
from litestar.static_files import create_static_files_router

from backend.cases.http import StatedPurpose
from backend.cases.machine import stated_purpose
from backend.cases.views import QueueFilter
from backend.console import session
from backend.console.session import NotSignedIn, officer_guard
from backend.identity import clients, officers
from backend.identity.principals import OfficerPrincipal
from backend.identity.schemas import (
    ApiClientIn,
    ApiClientKey,
    KeyRotation,
    OfficerIn,
    PasswordReset,
    RolesIn,
    ScopesIn,
)
from backend.lists import service as lists
from backend.objections import service as objections
from backend.objections import views as objection_views
from backend.objections.schemas import OfficerDecisionIn
from backend.platform.audit import list_audit
from backend.platform.errors import NotFound, ProblemError
from backend.policy import service as policy
from backend.repairs import service as repairs
from backend.repairs import views as repair_views
from backend.statistics import service as statistics

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
OfficerRequest = Request[OfficerPrincipal, Any, Any]
Form = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]
ACCOUNTS = "/console/accounts"
T = TypeVar("T")
KINDS = {"objections": (objection_views, objections), "repairs": (repair_views, repairs)}


def _back(path: str, *, error: str | None = None, done: str | None = None) -> Redirect:
    if error:
        return Redirect(f"{path}?error={quote(error)}")
    return Redirect(f"{path}?done={quote(done)}" if done else path)


def _page(name: str, request: Request[Any, Any, Any], **context: Any) -> Template:
    return Template(
        template_name=name,
        context={
            "user": request.scope.get("user"),
            "error": request.query_params.get("error"),
            "done": request.query_params.get("done"),
            **context,
        },
        headers={"Cache-Control": "no-store"},
    )


async def _act(path: str, action: Any, done: str) -> Redirect:
    """Take an action and come back to ``path``; a refusal comes back with its reason."""
    try:
        await action
    except ProblemError as problem:
        return _back(path, error=str(problem.detail))
    return _back(path, done=done)


def _reason(data: dict[str, str]) -> str:
    return data.get("reason", "").strip()


def _converted(fields: dict[str, Any], into: type[T]) -> T | str:
    """The API's own validation of the same body; a refusal comes back as its message."""
    try:
        return msgspec.convert(fields, into)
    except msgspec.ValidationError as bad:
        return str(bad)


def _split(text: str) -> list[str]:
    """A comma-separated form field as a list (全角逗号 too)."""
    return [part.strip() for part in text.replace("，", ",").split(",") if part.strip()]


class SignInController(Controller):
    path = "/"

    @get("/sign-in", name="console-sign-in")
    async def form(self, request: Request[Any, Any, Any]) -> Template:
        return _page("sign_in.html", request)

    @post("/sign-in")
    async def sign_in(self, request: Request[Any, Any, Any], data: Form) -> Redirect:
        try:
            await session.sign_in(request, data.get("username", ""), data.get("password", ""))
        except ProblemError as problem:
            return _back("/console/sign-in", error=str(problem.detail))
        return Redirect("/console/cases")

    @post("/sign-out")
    async def sign_out(self, request: Request[Any, Any, Any]) -> Redirect:
        await session.sign_out(request)
        return Redirect("/console/sign-in")


class PagesController(Controller):
    path = "/"
    guards = [officer_guard]

    @get("/")
    async def home(self) -> Redirect:
        return Redirect("/console/cases")

    # --- cases ----------------------------------------------------------------------------------

    @get("/cases")
    async def cases(self, request: OfficerRequest) -> Template:
        queues = {
            kind: (await views.staff_queue(QueueFilter("open"), None, 100)).items
            for kind, (views, _) in KINDS.items()
        }
        return _page("cases.html", request, queues=queues)

    @get("/cases/{kind:str}/{case_id:int}")
    async def case(
        self,
        request: OfficerRequest,
        kind: FromPath[str],
        case_id: FromPath[int],
        purpose: StatedPurpose = None,
    ) -> Template:
        """The look goes to the citizen's query log with the officer's display name, the case's
        handling as its purpose and, with ``?purpose=``, the officer's own words."""
        views, _ = _kind(kind)
        with stated_purpose(purpose):
            found = await views.staff_case(case_id, request.user)
        return _page("case.html", request, kind=kind, case=found, case_id=case_id)

    @post("/cases/{kind:str}/{case_id:int}/{action:str}")
    async def decide(
        self,
        request: OfficerRequest,
        kind: FromPath[str],
        case_id: FromPath[int],
        action: FromPath[str],
        data: Form,
    ) -> Redirect:
        _, service = _kind(kind)
        back = f"/console/cases/{kind}/{case_id}"
        reason, user = _reason(data), request.user
        if action == "decision" and kind == "objections":
            outcome = data.get("outcome", "")
            decision = OfficerDecisionIn(outcome=outcome, reason=reason)  # type: ignore[arg-type]
            return await _act(back, objections.decide(case_id, user, decision), "已决定")
        step = {"acceptance": "accept", "rejection": "reject", "extension": "extend"}
        step |= {"approval": "approve", "denial": "deny"}
        take = getattr(service, step.get(action, ""), None)
        if take is None or len(reason) < 2:
            return _back(back, error="请选择操作并填写理由（至少 2 个字）")
        return await _act(back, take(case_id, user, reason), "已办理")

    # --- policy versions ------------------------------------------------------------------------

    @get("/policy")
    async def policy_home(self, request: OfficerRequest) -> Template:
        kinds = await policy.kinds()
        drafts = (await policy.drafts(None, None, None, 50)).items
        return _page("policy.html", request, kinds=kinds, drafts=drafts)

    @post("/policy/drafts")
    async def create_draft(self, request: OfficerRequest, data: Form) -> Redirect:
        try:
            made = await policy.create_draft(
                data.get("kind", ""), data.get("body", ""), request.user
            )
        except ProblemError as problem:
            return _back("/console/policy", error=str(problem.detail))
        return _back(f"/console/policy/drafts/{made.draft.id}", done="草稿已保存")

    @get("/policy/drafts/{draft_id:int}")
    async def draft(self, request: OfficerRequest, draft_id: FromPath[int]) -> Template:
        return _page("draft.html", request, detail=await policy.draft(draft_id))

    @post("/policy/drafts/{draft_id:int}/{action:str}")
    async def decide_draft(
        self, request: OfficerRequest, draft_id: FromPath[int], action: FromPath[str], data: Form
    ) -> Redirect:
        back = f"/console/policy/drafts/{draft_id}"
        reason = _reason(data)
        if action not in ("publication", "withdrawal") or len(reason) < 2:
            return _back(back, error="请填写理由（至少 2 个字）")
        take = policy.publish if action == "publication" else policy.withdraw
        return await _act(back, take(draft_id, reason, request.user), "已办理")

    # --- lists ----------------------------------------------------------------------------------

    @get("/lists")
    async def lists_home(self, request: OfficerRequest) -> Template:
        proposed = (await lists.entries("proposed", None, None, 100)).items
        published = (await lists.entries("published", None, None, 100)).items
        return _page("lists.html", request, proposed=proposed, published=published)

    @post("/lists/{entry_id:int}/{action:str}")
    async def decide_entry(
        self, request: OfficerRequest, entry_id: FromPath[int], action: FromPath[str], data: Form
    ) -> Redirect:
        take = {"approval": lists.approve, "rejection": lists.reject, "removal": lists.remove}
        reason = _reason(data)
        if action not in take or len(reason) < 2:
            return _back("/console/lists", error="请填写理由（至少 2 个字）")
        return await _act("/console/lists", take[action](entry_id, reason, request.user), "已办理")

    # --- oversight ------------------------------------------------------------------------------

    @get("/statistics")
    async def statistics(self, request: OfficerRequest) -> Template:
        """The charts are drawn inline (our own SVG writer escapes every text), so the page
        needs no second request with credentials."""
        return _page(
            "statistics.html",
            request,
            records_chart=_inline(await statistics.records_chart_svg(12)),
            grades_chart=_inline(await statistics.grades_chart_svg(30)),
            cases=await statistics.case_statistics(),
        )

    @get("/audit")
    async def audit(self, request: OfficerRequest) -> Template:
        object_type = request.query_params.get("objectType") or None
        object_id = request.query_params.get("objectId") or None
        entries = await list_audit(object_type, object_id, None, 100)
        return _page(
            "audit.html",
            request,
            entries=entries,
            object_type=object_type or "",
            object_id=object_id or "",
        )

    @get("/accounts")
    async def accounts(self, request: OfficerRequest) -> Template:
        if "admin" not in request.user.roles:
            return _page("accounts.html", request, officers=None, clients=None, new_key=None)
        return _page(
            "accounts.html",
            request,
            officers=await officers.officers(),
            clients=await clients.clients(),
            new_key=None,
        )

    @post("/accounts/officers")
    async def create_officer(self, request: OfficerRequest, data: Form) -> Redirect:
        """Create an account (admins: the service refuses anyone else)."""
        officers.require_admin(request.user)
        fields = {
            "username": data.get("username", ""),
            "displayName": data.get("displayName", ""),
            "password": data.get("password", ""),
            "roles": [r for r in ("officer", "admin", "reports") if data.get(f"role-{r}")],
        }
        new = _converted(fields, OfficerIn)
        if isinstance(new, str):
            return _back(ACCOUNTS, error=new)
        return await _act(ACCOUNTS, officers.create(new, request.user), "账户已创建")

    @post("/accounts/officers/{officer_id:int}/{action:str}")
    async def change_officer(
        self, request: OfficerRequest, officer_id: FromPath[int], action: FromPath[str], data: Form
    ) -> Redirect:
        """Disable, enable, set the roles of or reset the password of an account (admins)."""
        officers.require_admin(request.user)
        by = request.user
        if action == "roles":
            roles = [r for r in ("officer", "admin", "reports") if data.get(f"role-{r}")]
            body = _converted({"roles": roles}, RolesIn)
            if isinstance(body, str):
                return _back(ACCOUNTS, error=body)
            change = officers.set_roles(officer_id, body.roles, by)
            return await _act(ACCOUNTS, change, "角色已更新")
        if action == "password":
            reset = _converted({"password": data.get("password", "")}, PasswordReset)
            if isinstance(reset, str):
                return _back(ACCOUNTS, error=reset)
            change = officers.reset_password(officer_id, reset.password, by)
            return await _act(ACCOUNTS, change, "密码已重置，该账户的会话已全部结束")
        reason = _reason(data)
        if action not in ("deactivation", "activation") or len(reason) < 2:
            return _back(ACCOUNTS, error="请填写理由（至少 2 个字）")
        active = action == "activation"
        change = officers.set_active(officer_id, active=active, reason=reason, by=by)
        return await _act(ACCOUNTS, change, "已办理")

    @post("/accounts/clients/{client_id:int}/{action:str}")
    async def change_client(
        self, request: OfficerRequest, client_id: FromPath[int], action: FromPath[str], data: Form
    ) -> Template | Redirect:
        """Change a client's scopes, rotate its key (shown once) or revoke it (admins)."""
        officers.require_admin(request.user)
        by = request.user
        if action == "scopes":
            body = _converted({"scopes": _split(data.get("scopes", ""))}, ScopesIn)
            if isinstance(body, str):
                return _back(ACCOUNTS, error=body)
            change = clients.set_scopes(client_id, body.scopes, by)
            return await _act(ACCOUNTS, change, "权限已更新")
        if action == "rotation":
            hours = data.get("overlapHours", "").strip()
            fields = {"overlapHours": int(hours) if hours.isdigit() else hours} if hours else {}
            rotation = _converted(fields, KeyRotation)
            if isinstance(rotation, str):
                return _back(ACCOUNTS, error=rotation)
            try:
                made = await clients.rotate_key(client_id, rotation.overlap_hours, by)
            except ProblemError as refused:
                return _back(ACCOUNTS, error=str(refused.detail))
            return await self._accounts(request, new_key=made)
        reason = _reason(data)
        if action != "revocation" or len(reason) < 2:
            return _back(ACCOUNTS, error="请填写理由（至少 2 个字）")
        return await _act(ACCOUNTS, clients.revoke(client_id, reason, by), "客户端已吊销")

    @post("/accounts/clients")
    async def create_client(self, request: OfficerRequest, data: Form) -> Template | Redirect:
        """Create an API client; its key is shown on this one page, never again."""
        officers.require_admin(request.user)
        fields = {
            "kind": data.get("kind", ""),
            "code": data.get("code", ""),
            "name": data.get("name", ""),
            "scopes": _split(data.get("scopes", "")),
        }
        body = _converted(fields, ApiClientIn)
        if isinstance(body, str):
            return _back(ACCOUNTS, error=body)
        try:
            made = await clients.create(body, request.user)
        except ProblemError as refused:
            return _back(ACCOUNTS, error=str(refused.detail))
        return await self._accounts(request, new_key=made)

    async def _accounts(self, request: OfficerRequest, *, new_key: ApiClientKey) -> Template:
        return _page(
            "accounts.html",
            request,
            officers=await officers.officers(),
            clients=await clients.clients(),
            new_key=new_key,
        )


def _inline(svg: bytes) -> str:
    """An SVG document as an element inside the page (without its XML declaration)."""
    text = svg.decode()
    return text[text.index("<svg") :]


def _kind(kind: str) -> tuple[Any, Any]:
    if kind not in KINDS:
        raise NotFound(f"no kind of case {kind!r}", code="page-not-found")
    return KINDS[kind]


def _to_sign_in(_: Request[Any, Any, Any], __: NotSignedIn) -> Response[Any]:
    return Redirect("/console/sign-in")


def console_router(middleware: list[Any]) -> Router:
    """The console and its local assets (nothing is loaded from another host)."""
    static = create_static_files_router(
        path="/static",
        directories=[HERE / "static"],
        name="console-static",
        include_in_schema=False,
    )
    return Router(
        path="/console",
        route_handlers=[SignInController, PagesController, static],
        middleware=middleware,
        exception_handlers={NotSignedIn: _to_sign_in},
        include_in_schema=False,
    )
