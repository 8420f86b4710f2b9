"""What the privacy routes take and answer: a data export and its download links, and the
confirmation of an account cancellation."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

import msgspec

from backend.platform.schemas import Input, Output

ExportStatus = Literal["pending", "ready", "failed", "expired"]


class Downloads(Output):
    """Two links to the files; each works until ``expiresAt`` (then 410), for this citizen
    only, with their access token as well."""

    json_url: Annotated[
        str,
        msgspec.Meta(
            description="The JSON file (UTF-8, every kind of data in `sections`)",
            examples=["/v1/me/data-exports/7/json?token=1764576000.9f2c…"],
        ),
    ]
    pdf_url: Annotated[
        str,
        msgspec.Meta(
            description="The same data as a readable PDF",
            examples=["/v1/me/data-exports/7/pdf?token=1764576000.41ab…"],
        ),
    ]
    expires_at: Annotated[
        dt.datetime,
        msgspec.Meta(
            description="When these links stop working (UTC); ask again for new ones",
            examples=["2026-12-01T08:00:00Z"],
        ),
    ]


class DataExportOut(Output):
    """A copy of everything the app holds about the citizen (PIPL art. 45)."""

    id: Annotated[int, msgspec.Meta(description="The export's id", examples=[7])]
    status: Annotated[
        ExportStatus,
        msgspec.Meta(
            description="`pending` while it is made (usually seconds), `ready` to download,"
            " `failed` (ask again), `expired` (the files are deleted; ask again)",
            examples=["ready"],
        ),
    ]
    created_at: Annotated[dt.datetime, msgspec.Meta(description="When it was asked for (UTC)")]
    ready_at: Annotated[dt.datetime | None, msgspec.Meta(description="When it was ready (UTC)")] = (
        None
    )
    expires_at: Annotated[
        dt.datetime | None,
        msgspec.Meta(description="When the files are deleted (UTC), 7 days after `readyAt`"),
    ] = None
    json_bytes: Annotated[int | None, msgspec.Meta(description="Size of the JSON file")] = None
    pdf_bytes: Annotated[int | None, msgspec.Meta(description="Size of the PDF file")] = None
    downloads: Annotated[
        Downloads | None,
        msgspec.Meta(description="The download links while it is `ready`, else null"),
    ] = None


class CancellationIn(Input):
    """The citizen's confirmation: cancelling cannot be undone."""

    confirm: Annotated[
        Literal[True],
        msgspec.Meta(description="Must be `true`: I want my account cancelled (注销账号)"),
    ]


class RemovedData(Output):
    """One kind of data the cancellation removed."""

    kind: Annotated[
        str, msgspec.Meta(description="What was removed (stable name)", examples=["devices"])
    ]
    description: Annotated[
        str, msgspec.Meta(description="In the request's language", examples=["推送设备"])
    ]
    count: Annotated[int, msgspec.Meta(description="How many were removed", examples=[2])]


class KeptData(Output):
    """One kind of data that stays after the cancellation, and why."""

    kind: Annotated[str, msgspec.Meta(description="What stays (stable name)", examples=["records"])]
    description: Annotated[str, msgspec.Meta(description="In the request's language")]
    reason: Annotated[str, msgspec.Meta(description="Why it stays, in the request's language")]


class CancellationOut(Output):
    """The confirmation of the cancellation: this answer is the notice (the app's inbox went
    with the account)."""

    cancelled_at: Annotated[dt.datetime, msgspec.Meta(description="When (UTC)")]
    notice: Annotated[str, msgspec.Meta(description="What happened, in plain words")]
    removed: Annotated[list[RemovedData], msgspec.Meta(description="What was removed")]
    kept: Annotated[list[KeptData], msgspec.Meta(description="What stays, and why")]
    sign_up_again: Annotated[str, msgspec.Meta(description="What a new sign-up later means")]
