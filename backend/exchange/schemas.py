"""What the office reads about the exchange with the provincial platform."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

import msgspec

from backend.platform.schemas import Output

Kind = Literal[
    "record.added",
    "record.corrected",
    "record.revoked",
    "record.repaired",
    "list.entered",
    "list.exited",
]


class ExchangeRejection(Output):
    """One event the provincial platform refused, with its reason; it is not sent again."""

    event_id: Annotated[
        int, msgspec.Meta(description="The event id the platform was sent", examples=[5120])
    ]
    kind: Annotated[
        Kind,
        msgspec.Meta(
            description="What changed: `record.added`, `record.corrected`, `record.revoked`,"
            " `record.repaired`, `list.entered` or `list.exited`",
            examples=["record.added"],
        ),
    ]
    subject: Annotated[
        int,
        msgspec.Meta(
            description="The record's id (record events) or the list entry's id (list events)",
            examples=[81234],
        ),
    ]
    reason: Annotated[
        str,
        msgspec.Meta(
            description="The platform's reason, as it gave it",
            examples=["统一社会信用代码与姓名不一致"],
        ),
    ]
    rejected_at: Annotated[
        dt.datetime,
        msgspec.Meta(
            description="When the platform answered (UTC)", examples=["2026-12-02T02:15:00Z"]
        ),
    ]


class ExchangeStatus(Output):
    """The state of the exchange with the provincial platform (省级信用信息共享平台): every
    record added, corrected, revoked or repaired and every list entry published or ended
    becomes an event, pushed in signed batches and answered per item."""

    endpoint_configured: Annotated[
        bool,
        msgspec.Meta(
            description="Whether a provincial endpoint is set; without one events wait in the"
            " outbox and nothing is sent",
            examples=[True],
        ),
    ]
    pending: Annotated[
        int,
        msgspec.Meta(
            description="Events waiting to be sent (new, or to be sent again after a failure)",
            examples=[42],
        ),
    ]
    sent: Annotated[
        int,
        msgspec.Meta(
            description="Events in a batch sent and not answered yet (sent again if no answer"
            " comes)",
            examples=[200],
        ),
    ]
    acknowledged: Annotated[
        int, msgspec.Meta(description="Events the platform accepted", examples=[185230])
    ]
    rejected: Annotated[
        int,
        msgspec.Meta(
            description="Events the platform refused, with a reason; not sent again",
            examples=[3],
        ),
    ]
    retrying: Annotated[
        int,
        msgspec.Meta(
            description="Of the pending events, those that failed at least once (backing off)",
            examples=[0],
        ),
    ]
    last_error: Annotated[
        str | None,
        msgspec.Meta(
            description="Why the oldest unanswered event's last try failed (refused, timed"
            " out, an HTTP status, no answer for the item); null when none failed",
            examples=["HTTP 503"],
        ),
    ]
    oldest_unacknowledged_at: Annotated[
        dt.datetime | None,
        msgspec.Meta(
            description="When the oldest event still pending or sent was written (UTC); null"
            " when every event has been answered",
            examples=["2026-12-02T01:59:30Z"],
        ),
    ]
    oldest_unacknowledged_age_seconds: Annotated[
        int | None,
        msgspec.Meta(
            description="How long that event has waited, in seconds; null when none waits",
            examples=[45],
        ),
    ]
    last_batch_at: Annotated[
        dt.datetime | None,
        msgspec.Meta(
            description="When the platform last answered a batch (UTC); null before the first",
            examples=["2026-12-02T02:15:00Z"],
        ),
    ]
    latest_rejections: Annotated[
        list[ExchangeRejection],
        msgspec.Meta(description="The 10 most recent rejections, newest first"),
    ]
