"""Finishes the OpenAPI document the app serves, from the same facts the app runs on.

Which scheme an operation accepts comes from the authentication's own path lists; which
operations take ``Idempotency-Key`` and answer conditional GETs comes from the router that
applies those middlewares. Nothing here is kept by hand per route.
"""

from __future__ import annotations

import inspect
import re

import msgspec
from litestar import Litestar
from litestar._openapi.plugin import OpenAPIPlugin
from litestar.openapi.spec import (
    OpenAPI,
    OpenAPIHeader,
    OpenAPIResponse,
    OpenAPIType,
    Operation,
    Parameter,
    Schema,
    Tag,
)

from backend.identity.security import (
    ACCESS_TOKEN_SCHEME,
    API_KEY_PATHS,
    API_KEY_SCHEME,
    PUBLIC_PATHS,
)
from backend.platform.idempotency import HEADER as IDEMPOTENCY_HEADER
from backend.platform.idempotency import KEY_PATTERN, REPLAYED_HEADER
from backend.platform.openapi import PROBLEM_DESCRIPTIONS, operations, rename_components
from backend.platform.schemas import Input, Output

CITIZEN_PREFIX = "/v1/me"

# Every operation carries exactly one of these tags (a test holds the routes to it).
TAGS: dict[str, str] = {
    "Sign-in": "One-time codes by SMS, sign-up with the real-name check, sign-in, token refresh"
    " and sign-out for citizens; officer sign-in. No credentials needed except for sign-out.",
    "My account": "The signed-in citizen's profile and account settings.",
    "My data": "The citizen's rights over their personal information (PIPL arts. 44-47): a copy"
    " of everything the app holds about them (JSON and PDF, by links that expire), and the"
    " cancellation of their account (注销账号).",
    "My card": "The citizen's credit card: points, grade, badges, the explanation of every"
    " point, the score history and the repair planner.",
    "My records": "The credit records (信用记录) departments reported about the citizen, with"
    " their display periods and countdowns.",
    "My objections": "Objections (异议) to a record: file with reasons and evidence, follow the"
    " legal deadlines, withdraw while pending.",
    "My repairs": "Credit repair (信用修复): paths a record allows, the public commitment,"
    " applications with evidence, withdrawal while pending. Repair is free.",
    "My benefits": "Convenience benefits (守信激励) the citizen's grade unlocks, and the"
    " restriction measures in force.",
    "Verification and consents": "One-time verification codes for a merchant, consents,"
    " the credit lock and the log of who looked at the citizen's credit (查询日志).",
    "Notifications": "The in-app inbox, push devices and notification preferences.",
    "Department records": "For reporting departments (数据报送单位, API key): report records in"
    " batches, correct or revoke their own records, keep the population registry.",
    "Department cases": "For reporting departments: the objections and repair applications"
    " against their own records, with deadlines in working days.",
    "Department checks": "For departments (API key with `procedure:<code>` scopes): check a"
    " person's credit in one of their procedures (应查必查: 落户, 职称评定, 表彰评优, 人事考试录用,"
    " 政府采购 ...) and learn only what that procedure needs; every check is in the citizen's"
    " query log.",
    "Institution": "For authorised-query institutions (授权查询机构, API key): a citizen's credit"
    " report, once, under a live authorisation the citizen gave.",
    "Department measures": "For enforcing bodies (联合惩戒实施单位: department clients with"
    " `measure:<code>` scopes): the triggers and lifts of the measures they apply, by signed"
    " webhook or this feed, and their feedback (发起 → 响应 → 反馈).",
    "Merchant": "For partner merchants (合作商户, API key): redeem a citizen's code and learn"
    " only what the benefit needs; consent checks; redemptions.",
    "Officer cases": "For the credit office (信用办): objection and repair queues and decisions.",
    "Officer oversight": "For the credit office: statistics per handling body, the audit log and"
    " the health of push delivery.",
    "Officer accounts": "For the credit office: its own accounts and roles (admins), and every"
    " officer's signed-in sessions.",
    "Officer lists": "For the credit office: the red list (守信红名单) and the serious-dishonesty"
    " list (严重失信主体名单): proposals to review, published entries, removals.",
    "Officer statistics": "For the credit office: the statistics it reports upward (records by"
    " month, domain, severity and department; grades and their change; case handling per"
    " department; list entries and exits; notifications; merchant verifications), as JSON and"
    " as SVG charts.",
    "Officer policy": "For the credit office: every kind of content and its versions; drafts,"
    " checked as at start-up, published by an admin other than the drafter (maker-checker).",
    "My reports": "Reports of dishonest behaviour (举报) by the citizen: file with evidence,"
    " follow the deadlines, hear the outcome; the reporter's identity stays confidential.",
    "My learning": "The citizen's quizzes: hand in answers marked on the server; a first pass"
    " earns a badge on the card (never points).",
    "Public": "No sign-in: the benefits catalogue, the key that checks verification codes, the"
    " red list and serious-dishonesty disclosures (masked), and the look-up of one person by"
    " full name and ID number.",
    "Public learning": "No sign-in: credit-knowledge articles, the citizen integrity code"
    " (公民诚信守则), typical cases, campaign dates and the home feed, and quiz questions (never"
    " their answers); cacheable with ETag.",
    "Operations": "Liveness and readiness for the platform that runs the service.",
}


def security_for(path: str) -> list[dict[str, list[str]]]:
    if any(re.match(p, path) for p in API_KEY_PATHS):
        return [{API_KEY_SCHEME: []}]
    if any(re.match(p, path) for p in PUBLIC_PATHS):
        return []
    return [{ACCESS_TOKEN_SCHEME: []}]


def _idempotency_parameter() -> Parameter:
    return Parameter(
        name=IDEMPOTENCY_HEADER,
        param_in="header",
        required=False,
        description=(
            "A key the app makes once per user action (a UUID is fine: 8 to 128 letters, digits"
            " or `._:-`). Retrying with the same key within 24 hours returns the first response"
            f" (with `{REPLAYED_HEADER}: true`) and creates nothing new. The same key with a"
            " different body answers 422 `idempotency-key-reused`; while the first request is"
            " still running, 409 `request-in-progress` with Retry-After."
        ),
        schema=Schema(type=OpenAPIType.STRING, pattern=KEY_PATTERN.pattern),
        example="5f0c6e2a-8d1b-4c4e-9a51-2b7f3c9d0e11",
    )


_ETAG = OpenAPIHeader(
    schema=Schema(type=OpenAPIType.STRING),
    description="Version of this answer; send it back in If-None-Match to get 304 if unchanged.",
)
_CACHE_CONTROL = OpenAPIHeader(
    schema=Schema(type=OpenAPIType.STRING, const="private, no-cache"),
    description="Personal data: the phone may keep it but must revalidate; no shared cache.",
)


def _answers_json(operation: Operation) -> bool:
    """Every citizen GET revalidates (JSON through the middleware, evidence files by their
    hash) unless its handler documents a caching rule of its own (a QR code: never stored)."""
    ok = (operation.responses or {}).get("200")
    return isinstance(ok, OpenAPIResponse) and "Cache-Control" not in (ok.headers or {})


def _conditional_get(operation: Operation) -> None:
    parameters = list(operation.parameters or [])
    parameters.append(
        Parameter(
            name="If-None-Match",
            param_in="header",
            required=False,
            description="The ETag of the copy the app holds: 304 with no body if unchanged.",
            schema=Schema(type=OpenAPIType.STRING),
            example='W/"5d41402abc4b2a76b9719d91"',
        )
    )
    operation.parameters = parameters
    responses = operation.responses or {}
    ok = responses.get("200")
    if isinstance(ok, OpenAPIResponse):
        ok.headers = {**(ok.headers or {}), "ETag": _ETAG, "Cache-Control": _CACHE_CONTROL}
    responses["304"] = OpenAPIResponse(
        description="Not modified: the copy named in If-None-Match is current (no body).",
        headers={"ETag": _ETAG, "Cache-Control": _CACHE_CONTROL},
    )
    operation.responses = responses


def _idempotent_post(operation: Operation) -> None:
    operation.parameters = [*(operation.parameters or []), _idempotency_parameter()]
    responses = operation.responses or {}
    problem = responses.get("422")
    if "409" not in responses and isinstance(problem, OpenAPIResponse):
        # The idempotency middleware's own 409 (request-in-progress), shaped like any problem.
        responses["409"] = OpenAPIResponse(
            description=PROBLEM_DESCRIPTIONS[409], content=problem.content
        )
    for status in ("200", "201"):
        created = responses.get(status)
        if isinstance(created, OpenAPIResponse):
            created.headers = {
                **(created.headers or {}),
                REPLAYED_HEADER: OpenAPIHeader(
                    schema=Schema(type=OpenAPIType.STRING, const="true"),
                    description="Present when this is the stored answer to an earlier request"
                    " with the same Idempotency-Key.",
                ),
            }
    operation.responses = responses


def _component(openapi: OpenAPI, struct: type) -> Schema | None:
    schemas = openapi.components.schemas if openapi.components else None
    schema = (schemas or {}).get(getattr(struct, "__schema_name__", struct.__name__))
    return schema if isinstance(schema, Schema) else None


def _refuse_unknown_fields(openapi: OpenAPI) -> None:
    """Inputs refuse unknown fields (``forbid_unknown_fields``): say so in their schemas."""
    for struct in _subclasses(Input):
        schema = _component(openapi, struct)
        if schema is not None and schema.properties is not None:
            schema.additional_properties = False


def _describe_components(openapi: OpenAPI) -> None:
    """A shared schema is described by its Struct's docstring; Litestar would otherwise copy
    onto it the description of whichever field first referred to it.

    The wire Structs (Input, Output) come first and the first Struct of a name wins, so an
    engine Struct of the same name (``points_engine``'s ``ActiveMeasure``) never replaces the
    wire one's text, whatever order the classes were imported in."""
    described: set[str] = set()
    ordered = [*_subclasses(Input), *_subclasses(Output), *_subclasses(msgspec.Struct)]
    for struct in dict.fromkeys(ordered):
        name = getattr(struct, "__schema_name__", struct.__name__)
        schema = _component(openapi, struct)
        doc = inspect.getdoc(struct)
        if name in described or schema is None or not doc or doc.startswith("A base class"):
            continue
        schema.description = doc
        described.add(name)


def _subclasses(cls: type) -> list[type]:
    found: list[type] = []
    subs: list[type] = cls.__subclasses__()
    for sub in subs:
        found.extend([sub, *_subclasses(sub)])
    return found


def finish_document(openapi: OpenAPI) -> None:
    openapi.security = None
    openapi.tags = [Tag(name=name, description=text) for name, text in TAGS.items()]
    _refuse_unknown_fields(openapi)
    _describe_components(openapi)
    for path, method, operation in operations(openapi):
        operation.security = security_for(path)
        if path == CITIZEN_PREFIX or path.startswith(CITIZEN_PREFIX + "/"):
            if method == "get" and _answers_json(operation):
                _conditional_get(operation)
            elif method == "post":
                _idempotent_post(operation)
    rename_components(openapi)


def finish_served_document(app: Litestar) -> None:
    """Build the document once, at start-up, and finish it before anyone reads it."""
    finish_document(app.plugins.get(OpenAPIPlugin).provide_openapi())
