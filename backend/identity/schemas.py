"""Wire formats for sign-in, tokens, profiles, registry batches and API clients."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

import msgspec

from backend.platform.schemas import IdNumberText, Input, Output, PersonName, Phone

Code = Annotated[str, msgspec.Meta(pattern=r"^\d{6}$", description="6-digit one-time code")]


class CodeRequest(Input):
    phone: Phone


class CodeSent(Output):
    phone: str
    expires_in: int
    resend_after: int


class SignUp(Input):
    phone: Phone
    code: Code
    name: PersonName
    id_number: IdNumberText


class SignIn(Input):
    phone: Phone
    code: Code


class RefreshRequest(Input):
    refresh_token: Annotated[str, msgspec.Meta(min_length=20, max_length=200)]


class OfficerSignIn(Input):
    username: Annotated[str, msgspec.Meta(min_length=1, max_length=50)]
    password: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]


class TokenPair(Output):
    access_token: str
    expires_in: int
    refresh_token: str
    refresh_expires_in: int
    token_type: Literal["Bearer"] = "Bearer"  # noqa: S105 - the scheme name, not a secret


class Profile(Output):
    name: str
    id_number_masked: str
    phone_masked: str
    language: str
    member_since: dt.datetime


RegistryIdNumber = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=40,
        description="Resident identity number (GB 11643); an invalid one rejects only its entry",
    ),
]


class RegistryEntryIn(Input):
    id_number: RegistryIdNumber
    name: PersonName
    phone: Phone


class RegistryBatch(Input):
    entries: Annotated[list[RegistryEntryIn], msgspec.Meta(min_length=1, max_length=1000)]


class RegistryItemResult(Output):
    index: int
    status: Literal["upserted", "rejected"]
    field: str | None = None
    reason: str | None = None


class RegistryBatchResult(Output):
    upserted: int
    rejected: int
    items: list[RegistryItemResult]
