"""What the credit report endpoints answer besides the PDF."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

import msgspec

from backend.platform.schemas import Input, Output


class ReportCheck(Output):
    """Whether a credit report (个人信用报告) is genuine and current: never its content."""

    valid: Annotated[
        bool,
        msgspec.Meta(
            description="The number (or short code) names a report this service made, within"
            " its 30 days; compare the file's SHA-256 with `fingerprint`",
            examples=[True],
        ),
    ]
    number: Annotated[
        str | None, msgspec.Meta(description="The report number", examples=["XY20261130A1B2C3D4"])
    ]
    fingerprint: Annotated[
        str | None,
        msgspec.Meta(
            description="SHA-256 (hex) of the PDF as issued: a file that differs was changed",
            examples=["9f2c…"],
        ),
    ]
    made_at: Annotated[
        dt.datetime | None,
        msgspec.Meta(description="When it was made (UTC)", examples=["2026-11-30T02:00:00Z"]),
    ]
    expires_at: Annotated[
        dt.datetime | None,
        msgspec.Meta(description="Checkable until (UTC)", examples=["2026-12-30T02:00:00Z"]),
    ]
    kid: Annotated[
        str | None,
        msgspec.Meta(
            description="The signing key's id (the key at /v1/public/verification-key)",
            examples=["1a2b3c4d5e6f7a8b"],
        ),
    ]


class AuthorisationIn(Input):
    """Let one institution fetch your credit report once (授权查询)."""

    institution: Annotated[
        str,
        msgspec.Meta(
            min_length=2,
            max_length=60,
            pattern=r"^[a-z0-9][a-z0-9-]*$",
            description="The institution's code (a bank, an employer: an `institution` client)",
            examples=["city-commercial-bank"],
        ),
    ]
    purpose: Annotated[
        str,
        msgspec.Meta(
            min_length=2,
            max_length=200,
            pattern=r"^[^\x00-\x1f]*\S[^\x00-\x1f]*$",
            description="What for, in your words; the institution's fetch is logged with it",
            examples=["个人住房贷款审批"],
        ),
    ]
    valid_days: Annotated[
        int,
        msgspec.Meta(
            ge=1,
            le=30,
            description="Days it may be used in (1 to 30), from today",
            examples=[7],
        ),
    ] = 7


class AuthorisationOut(Output):
    """An authorisation and where it stands."""

    id: Annotated[int, msgspec.Meta(description="The authorisation's id", examples=[12])]
    institution: Annotated[
        str, msgspec.Meta(description="The institution's code", examples=["city-commercial-bank"])
    ]
    institution_name: Annotated[str, msgspec.Meta(description="Its name", examples=["市商业银行"])]
    purpose: Annotated[str, msgspec.Meta(description="What for", examples=["个人住房贷款审批"])]
    valid_until: Annotated[
        dt.date, msgspec.Meta(description="Last day it may be used", examples=["2026-12-07"])
    ]
    state: Annotated[
        Literal["live", "used", "revoked", "expired"],
        msgspec.Meta(
            description="`live` (may be used once), `used`, `revoked` or `expired`",
            examples=["live"],
        ),
    ]
    created_at: Annotated[
        dt.datetime, msgspec.Meta(description="Given at (UTC)", examples=["2026-11-30T02:00:00Z"])
    ]
    revoked_at: Annotated[
        dt.datetime | None, msgspec.Meta(description="Revoked at (UTC)", examples=[None])
    ]
    used_at: Annotated[
        dt.datetime | None, msgspec.Meta(description="Used at (UTC)", examples=[None])
    ]
    report_number: Annotated[
        str | None,
        msgspec.Meta(description="The report the institution received", examples=[None]),
    ]


class ReportRequest(Input):
    """Which authorisation the institution fetches under."""

    authorisation_id: Annotated[
        int,
        msgspec.Meta(
            ge=1,
            le=2**63 - 1,
            description="The authorisation the citizen gave (its id, which they share with you)",
            examples=[12],
        ),
    ]
