"""Inputs and outputs of verification codes, merchant checks, consents, the lock and the query
log (camelCase on the wire)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

import msgspec

from backend.benefits.schemas import BenefitRef, GradeRef
from backend.platform.problem_texts import described_pattern
from backend.platform.schemas import Input, Output

EXAMPLE_VERIFICATION_ID = "vf_Q2xq0bq7R1mYc9dT3kLw8A"
EXAMPLE_PAYLOAD = (
    "eyJhbGciOiJFZERTQSIsInR5cCI6ImNjditqd3QiLCJraWQiOiI5N2IxYzBkZTVhMmY0ZTE4In0"
    ".eyJqdGkiOiJ2Zl9RMnhxMGJxN1IxbVljOWRUM2tMdzhBIn0"
    ".c2lnbmF0dXJlLWJ5dGVzLWluLWJhc2U2NHVybA"
)

BenefitCode = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=60,
        pattern=described_pattern(
            r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$",
            "应为权益代码：小写字母、数字和连字符，如 library-deposit-waiver",
            "must be a benefit code: lower-case letters, digits and hyphens, e.g."
            " library-deposit-waiver",
        ),
        description="A benefit code from the benefits catalogue (守信激励清单)",
        examples=["library-deposit-waiver"],
    ),
]
NumericCode = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^[0-9]{8}$",
        description="The 8-digit code the citizen shows",
        examples=["40718253"],
    ),
]
Payload = Annotated[
    str,
    msgspec.Meta(
        min_length=20,
        max_length=2000,
        description="The signed QR payload (JWS, EdDSA), as scanned",
        examples=[EXAMPLE_PAYLOAD],
    ),
]
VerificationIdText = Annotated[
    str,
    msgspec.Meta(
        description="The verification's id (vf_…): names the code and the check it led to",
        examples=[EXAMPLE_VERIFICATION_ID],
    ),
]
BenefitField = Annotated[
    BenefitRef, msgspec.Meta(description="The benefit, with its Chinese and English names")
]
RequiredGrade = Annotated[
    GradeRef, msgspec.Meta(description="The lowest grade band (等级) the benefit needs")
]


# --- citizen: codes ---------------------------------------------------------------------------


class VerificationCodeRequest(Input):
    """The benefit a merchant is to check the citizen for."""

    benefit: BenefitCode


CodeStatus = Literal["live", "redeemed", "expired"]


class CodeIssued(Output):
    """A single-use code for one benefit: type ``code`` at the counter or show the QR
    (``payload``); valid until ``expiresAt``. ``eligible`` tells the citizen what the merchant
    will learn."""

    verification_id: VerificationIdText
    benefit: BenefitField
    code: Annotated[
        str,
        msgspec.Meta(
            description="The 8-digit code to read out or type in at the counter",
            examples=["40718253"],
        ),
    ]
    payload: Annotated[
        str,
        msgspec.Meta(
            description="The signed payload the QR holds (JWS, EdDSA); a merchant can check"
            " it offline with GET /v1/public/verification-key",
            examples=[EXAMPLE_PAYLOAD],
        ),
    ]
    expires_at: Annotated[
        dt.datetime,
        msgspec.Meta(description="When the code stops working", examples=["2026-10-12T02:32:00Z"]),
    ]
    valid_seconds: Annotated[
        int, msgspec.Meta(description="How long the code lives, in seconds", examples=[120])
    ]
    eligible: Annotated[
        bool,
        msgspec.Meta(
            description="Whether the citizen meets the benefit's rule: exactly what the"
            " merchant will learn"
        ),
    ]
    required_grade: RequiredGrade
    qr_svg: Annotated[
        str,
        msgspec.Meta(
            description="URL of the QR as SVG (getVerificationQrSvg)",
            examples=[f"/v1/me/verification-codes/{EXAMPLE_VERIFICATION_ID}/qr.svg"],
        ),
    ]
    qr_png: Annotated[
        str,
        msgspec.Meta(
            description="URL of the QR as PNG (getVerificationQrPng)",
            examples=[f"/v1/me/verification-codes/{EXAMPLE_VERIFICATION_ID}/qr.png"],
        ),
    ]
    status: Annotated[
        CodeStatus,
        msgspec.Meta(
            description="`live`: can be redeemed until `expiresAt`; `redeemed`: a merchant"
            " has used it (once only); `expired`: its time ran out unused",
            examples=["live"],
        ),
    ] = "live"
    redeemed_at: Annotated[
        dt.datetime | None,
        msgspec.Meta(description="When a merchant redeemed it", examples=["2026-10-12T02:31:10Z"]),
    ] = None


# --- merchant ---------------------------------------------------------------------------------


class RedeemRequest(Input):
    """Exactly one of ``code`` (typed in) and ``payload`` (scanned from the QR)."""

    code: Annotated[
        NumericCode | None,
        msgspec.Meta(description="The 8-digit code, typed in", examples=["40718253"]),
    ] = None
    payload: Annotated[
        Payload | None,
        msgspec.Meta(description="The QR payload, scanned", examples=[EXAMPLE_PAYLOAD]),
    ] = None


class CheckAnswer(Output):
    """All a merchant learns: whether the citizen meets the benefit's rule, the grade band the
    benefit needs, the masked name and the verification id (never points, records or the ID
    number)."""

    verification_id: VerificationIdText
    benefit: BenefitField
    eligible: Annotated[
        bool, msgspec.Meta(description="Whether the citizen meets the benefit's rule")
    ]
    required_grade: RequiredGrade
    citizen_name: Annotated[
        str,
        msgspec.Meta(description="The citizen's name, masked (姓名脱敏)", examples=["陈*"]),
    ]
    checked_at: Annotated[
        dt.datetime,
        msgspec.Meta(description="When the check was made", examples=["2026-10-12T02:31:10Z"]),
    ]
    basis: Annotated[
        Literal["code", "consent"],
        msgspec.Meta(
            description="`code`: a code the citizen showed; `consent`: the citizen's standing"
            " consent (授权) to the merchant",
            examples=["code"],
        ),
    ]


class RedemptionIn(Input):
    """What the merchant did for the citizen on a verification."""

    description: Annotated[
        str,
        msgspec.Meta(
            min_length=1,
            max_length=200,
            description="What was done, as the citizen will read it",
            examples=["押金免除 200 元"],
        ),
    ]
    reference: Annotated[
        Annotated[str, msgspec.Meta(min_length=1, max_length=100)] | None,
        msgspec.Meta(
            description="The merchant's own reference (a loan or loan-card number)",
            examples=["LIB-2026-104233"],
        ),
    ] = None


class RedemptionOut(Output):
    """A redemption recorded on a verification (one at most)."""

    id: Annotated[int, msgspec.Meta(description="The redemption's id", examples=[3121])]
    verification_id: VerificationIdText
    benefit: Annotated[
        str,
        msgspec.Meta(
            description="The benefit's code (for programs)", examples=["library-deposit-waiver"]
        ),
    ]
    benefit_name: Annotated[
        str,
        msgspec.Meta(
            description="The benefit's name in the request's language",
            examples=["图书馆免押金借阅"],
        ),
    ]
    description: Annotated[
        str, msgspec.Meta(description="What was done", examples=["押金免除 200 元"])
    ]
    reference: Annotated[
        str | None,
        msgspec.Meta(description="The merchant's own reference", examples=["LIB-2026-104233"]),
    ]
    recorded_at: Annotated[
        dt.datetime,
        msgspec.Meta(description="When it was recorded", examples=["2026-10-12T02:35:00Z"]),
    ]


class ConsentCheckRequest(Input):
    """A check under the citizen's standing consent instead of a code."""

    consent_id: Annotated[
        int,
        msgspec.Meta(
            ge=1, description="The consent the citizen gave your organisation", examples=[88]
        ),
    ]
    benefit: BenefitCode


# --- citizen: consents, lock, queries ---------------------------------------------------------


class ConsentIn(Input):
    """Standing consent (授权) for one partner merchant, for a purpose and a number of days."""

    organisation: Annotated[
        str,
        msgspec.Meta(
            min_length=1,
            max_length=60,
            description="The partner merchant's code",
            examples=["city-library"],
        ),
    ]
    purpose: Annotated[
        str,
        msgspec.Meta(
            min_length=1,
            max_length=200,
            description="What the merchant may check for, in the citizen's words",
            examples=["办理免押金借阅"],
        ),
    ]
    days: Annotated[
        int,
        msgspec.Meta(
            ge=1, le=365, description="How many days the consent lasts, 1 to 365", examples=[90]
        ),
    ]


ConsentStatus = Literal["active", "expired", "revoked"]


class ConsentOut(Output):
    """A consent the citizen gave, and whether it is still in force."""

    id: Annotated[int, msgspec.Meta(description="The consent's id", examples=[88])]
    organisation: Annotated[
        str, msgspec.Meta(description="The merchant's code", examples=["city-library"])
    ]
    organisation_name: Annotated[
        str, msgspec.Meta(description="The merchant's name", examples=["市图书馆"])
    ]
    purpose: Annotated[
        str, msgspec.Meta(description="The purpose given", examples=["办理免押金借阅"])
    ]
    granted_at: Annotated[
        dt.datetime,
        msgspec.Meta(description="When it was given", examples=["2026-10-01T01:00:00Z"]),
    ]
    valid_until: Annotated[
        dt.datetime,
        msgspec.Meta(description="When it ends by itself", examples=["2026-12-30T01:00:00Z"]),
    ]
    revoked_at: Annotated[
        dt.datetime | None,
        msgspec.Meta(description="When the citizen revoked it", examples=[None]),
    ]
    status: Annotated[
        ConsentStatus,
        msgspec.Meta(
            description="`active`: in force; `expired`: past `validUntil`; `revoked`: the"
            " citizen revoked it",
            examples=["active"],
        ),
    ]


class LockState(Output):
    """信用锁: while locked, no merchant can check the citizen's credit."""

    locked: Annotated[
        bool,
        msgspec.Meta(
            description="Whether the credit lock is on: codes cannot be made or redeemed and"
            " consent checks are refused"
        ),
    ]
    changed_at: Annotated[
        dt.datetime | None,
        msgspec.Meta(
            description="When it was last switched; null if never",
            examples=["2026-10-03T12:00:00Z"],
        ),
    ]


class QueryEntry(Output):
    """One look at the citizen's credit by someone else (查询日志)."""

    id: Annotated[int, msgspec.Meta(description="The entry's id", examples=[7311])]
    at: Annotated[dt.datetime, msgspec.Meta(description="When", examples=["2026-10-12T02:31:10Z"])]
    actor_kind: Annotated[
        str,
        msgspec.Meta(
            description="Who looked: `merchant`, `department` or `officer`",
            examples=["merchant"],
        ),
    ]
    organisation: Annotated[
        str, msgspec.Meta(description="The organisation that looked", examples=["市图书馆"])
    ]
    seen: Annotated[
        str,
        msgspec.Meta(
            description="What it saw",
            examples=[
                "是否符合“图书馆免押金借阅”的条件、所需等级、脱敏姓名 (eligibility for “Library"
                " borrowing without deposit”, the grade band it needs, masked name)"
            ],
        ),
    ]
    purpose: Annotated[
        str,
        msgspec.Meta(
            description="Why",
            examples=["守信激励：图书馆免押金借阅 (benefit: Library borrowing without deposit)"],
        ),
    ]
    basis: Annotated[
        str,
        msgspec.Meta(
            description="On what basis: the code shown or the consent given",
            examples=[f"verification code {EXAMPLE_VERIFICATION_ID}"],
        ),
    ]


class VerificationKey(Output):
    """The public key merchants verify QR payloads with, offline."""

    algorithm: Annotated[
        str, msgspec.Meta(description="JWS algorithm of the payloads", examples=["EdDSA"])
    ]
    curve: Annotated[str, msgspec.Meta(description="The curve", examples=["Ed25519"])]
    key_id: Annotated[
        str,
        msgspec.Meta(
            description="Key id (`kid` in the payload header)", examples=["97b1c0de5a2f4e18"]
        ),
    ]
    public_key: Annotated[
        str,
        msgspec.Meta(
            description="The 32 raw bytes of the public key, base64url",
            examples=["11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"],
        ),
    ]
    public_key_pem: Annotated[
        str, msgspec.Meta(description="The same key as a PEM SubjectPublicKeyInfo")
    ]
    jwk: Annotated[
        dict[str, str],
        msgspec.Meta(
            description="The same key as a JSON Web Key (RFC 8037)",
            examples=[
                {"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}
            ],
        ),
    ]
    token_type: Annotated[
        str, msgspec.Meta(description="`typ` header of the payloads", examples=["ccv+jwt"])
    ]
    issuer: Annotated[
        str,
        msgspec.Meta(description="`iss` claim of the payloads", examples=["citizen-credit-card"]),
    ]
    keys: Annotated[
        list[dict[str, str]],
        msgspec.Meta(
            description=(
                "Every key a payload or credit report may be signed with, as JWKs: the current"
                " one first, then retired keys still published after a rotation; pick by `kid`"
            )
        ),
    ] = msgspec.field(default_factory=list)
