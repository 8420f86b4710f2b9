"""Inputs and outputs of verification codes, merchant checks, consents, the lock and the query
log (camelCase on the wire)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

import msgspec

from backend.benefits.schemas import GradeRef
from backend.platform.schemas import Input, Output
from points_engine import BenefitRef

BenefitCode = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=60,
        pattern=r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$",
        description="A benefit code, e.g. library-deposit-waiver",
    ),
]
NumericCode = Annotated[
    str, msgspec.Meta(pattern=r"^[0-9]{8}$", description="The 8-digit code the citizen shows")
]
Payload = Annotated[
    str,
    msgspec.Meta(min_length=20, max_length=2000, description="The signed QR payload (JWS, EdDSA)"),
]


# --- citizen: codes ---------------------------------------------------------------------------


class CodeRequest(Input):
    benefit: BenefitCode


class CodeIssued(Output):
    """A single-use code for one benefit: type ``code`` at the counter or show the QR
    (``payload``); valid until ``expires_at``. ``eligible`` tells the citizen what the merchant
    will learn."""

    verification_id: str
    benefit: BenefitRef
    code: str
    payload: str
    expires_at: dt.datetime
    valid_seconds: int
    eligible: bool
    required_grade: GradeRef
    qr_svg: str
    qr_png: str


# --- merchant ---------------------------------------------------------------------------------


class RedeemRequest(Input):
    """Exactly one of ``code`` (typed in) and ``payload`` (scanned from the QR)."""

    code: NumericCode | None = None
    payload: Payload | None = None


class CheckAnswer(Output):
    """All a merchant learns: whether the citizen meets the benefit's rule, the grade band the
    benefit needs, the masked name and the verification id (never points, records or the ID
    number)."""

    verification_id: str
    benefit: BenefitRef
    eligible: bool
    required_grade: GradeRef
    citizen_name: str
    checked_at: dt.datetime
    basis: Literal["code", "consent"]


class RedemptionIn(Input):
    description: Annotated[
        str, msgspec.Meta(min_length=1, max_length=200, description="e.g. 押金免除 200 元")
    ]
    reference: Annotated[str, msgspec.Meta(min_length=1, max_length=100)] | None = None


class RedemptionOut(Output):
    id: int
    verification_id: str
    benefit: str
    description: str
    reference: str | None
    recorded_at: dt.datetime


class ConsentCheckRequest(Input):
    consent_id: Annotated[int, msgspec.Meta(ge=1)]
    benefit: BenefitCode


# --- citizen: consents, lock, queries ---------------------------------------------------------


class ConsentIn(Input):
    organisation: Annotated[
        str, msgspec.Meta(min_length=1, max_length=60, description="The merchant's code")
    ]
    purpose: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    days: Annotated[int, msgspec.Meta(ge=1, le=365, description="How long the consent lasts")]


ConsentStatus = Literal["active", "expired", "revoked"]


class ConsentOut(Output):
    id: int
    organisation: str
    organisation_name: str
    purpose: str
    granted_at: dt.datetime
    valid_until: dt.datetime
    revoked_at: dt.datetime | None
    status: ConsentStatus


class LockState(Output):
    """信用锁: while locked, no merchant can check the citizen's credit."""

    locked: bool
    changed_at: dt.datetime | None


class QueryEntry(Output):
    """One look at the citizen's credit by someone else (查询日志)."""

    id: int
    at: dt.datetime
    actor_kind: str
    organisation: str
    seen: str
    purpose: str
    basis: str


class VerificationKey(Output):
    """The public key merchants verify QR payloads with, offline."""

    algorithm: str
    curve: str
    key_id: str
    public_key: str  # base64url of the 32 raw bytes
    public_key_pem: str
    jwk: dict[str, str]
    token_type: str
    issuer: str
