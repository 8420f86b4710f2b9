"""Wire formats of the inbox, push devices, notification preferences and push delivery health.

Every field carries a description and, where a value helps, a stable example; both become the
OpenAPI document the mobile app is built from.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

import msgspec

from backend.platform.problem_texts import described_pattern
from backend.platform.schemas import Input, Output

Category = Literal[
    "records", "score", "badges", "benefits", "repairs", "verification", "summary", "cases"
]
CATEGORY_TEXT = (
    "`records` (信用记录 added, corrected, revoked or leaving display), `score` (points or grade"
    " changed), `badges` (徽章 earned), `benefits` (a benefit unlocked or lost), `repairs` (a"
    " record became repairable), `verification` (a merchant checked, or someone looked at, the"
    " citizen's credit), `summary` (the monthly summary), `cases` (objections and repair"
    " applications: legal notices)"
)
LEGAL_CATEGORIES: tuple[Category, ...] = ("cases",)
DEVICE_TOKEN = described_pattern(
    r"^[\w:\-\.]+$",
    "只能包含字母、数字以及 _ : - . 字符",
    "may contain only letters, digits and _ : - .",
)
Platform = Literal["android", "ios", "web"]
PLATFORM_TEXT = "`android`, `ios` or `web` (the FCM client the token comes from)"
# A wall-clock time without an offset (always Asia/Shanghai): a plain pattern, because JSON
# Schema's `time` format demands an offset and Litestar would document a `duration`.
QUIET_TIME = described_pattern(
    r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$",
    "应为 24 小时制时间，如 22:00 或 22:00:00",
    "must be a 24-hour time such as 22:00 or 22:00:00",
)


class NotificationOut(Output):
    """One notice in the citizen's inbox (站内信); the inbox keeps every notice, pushed or not."""

    id: Annotated[int, msgspec.Meta(description="The notice's id", examples=[30512])]
    kind: Annotated[
        str,
        msgspec.Meta(
            description="What happened, for programs: `record.added`, `record.corrected`,"
            " `record.revoked`, `record.repairable`, `record.display-ended`, `score.changed`,"
            " `badge.earned`, `benefit.changed`, `verification.redeemed`, `query.made`,"
            " `case.changed`, `case.withdrawn`, `repair.terminated`, `monthly.summary`",
            examples=["record.added"],
        ),
    ]
    category: Annotated[
        str,
        msgspec.Meta(
            description=f"The push category it belongs to: {CATEGORY_TEXT}; `other` for a notice"
            " sent with the generic text",
            examples=["records"],
        ),
    ]
    legal: Annotated[
        bool,
        msgspec.Meta(
            description="A legal notice (依法告知): pushed even when the category is switched off"
            " or in quiet hours",
            examples=[False],
        ),
    ]
    title: Annotated[
        str,
        msgspec.Meta(
            description="The title, in the language the citizen's account chose when the notice"
            " was written",
            examples=["新增信用记录"],
        ),
    ]
    body: Annotated[
        str,
        msgspec.Meta(
            description="The text, in the account's language like `title`",
            examples=["市公安局交通警察支队报送了一条记录：饮酒后驾驶机动车。积分影响：-30。"],
        ),
    ]
    data: Annotated[
        dict[str, Any],
        msgspec.Meta(
            description="The facts behind the notice by `kind`, for the app to link to (e.g."
            " `recordId`, `caseId`, `points`)",
            examples=[{"recordId": 58231, "points": -30}],
        ),
    ]
    created_at: Annotated[
        dt.datetime,
        msgspec.Meta(
            description="When the notice was written (RFC 3339 date-time with its offset)",
            examples=["2026-11-29T08:00:00+08:00"],
        ),
    ]
    read_at: Annotated[
        dt.datetime | None,
        msgspec.Meta(
            description="When the citizen marked it read; null while unread", examples=[None]
        ),
    ]


class Inbox(Output):
    """A page of the inbox, newest first, with the number of unread notices."""

    items: Annotated[list[NotificationOut], msgspec.Meta(description="The notices on this page")]
    next_cursor: Annotated[
        str | None,
        msgspec.Meta(
            description="Pass as `cursor` for the next page; null on the last page",
            examples=[None],
        ),
    ]
    unread: Annotated[
        int,
        msgspec.Meta(
            description="Unread notices in the whole inbox (not just this page)", examples=[3]
        ),
    ]


class ReadAll(Output):
    """What marking everything read did."""

    marked: Annotated[
        int,
        msgspec.Meta(description="Notices that were unread and are now read", examples=[3]),
    ]


class DeviceIn(Input):
    """A phone's Firebase Cloud Messaging registration token, to push to."""

    token: Annotated[
        str,
        msgspec.Meta(
            min_length=20,
            max_length=400,
            pattern=DEVICE_TOKEN,
            description="The FCM registration token the app got from Firebase",
            examples=["dQw4w9WgXcQ:APA91bH-7kGx2Jc0q5mRvZ"],
        ),
    ]
    platform: Annotated[
        Platform,
        msgspec.Meta(description=f"The phone's platform: {PLATFORM_TEXT}", examples=["android"]),
    ]


class DeviceOut(Output):
    """A push device registered to the citizen; the token itself is never shown again."""

    id: Annotated[int, msgspec.Meta(description="The device's id", examples=[812])]
    platform: Annotated[
        Platform,
        msgspec.Meta(description=f"The phone's platform: {PLATFORM_TEXT}", examples=["android"]),
    ]
    token_tail: Annotated[
        str,
        msgspec.Meta(
            description="The token's last 6 characters, to tell devices apart",
            examples=["q5mRvZ"],
        ),
    ]
    created_at: Annotated[
        dt.datetime,
        msgspec.Meta(
            description="When the token was first registered to this account (RFC 3339)",
            examples=["2026-11-29T08:00:00+08:00"],
        ),
    ]
    last_seen_at: Annotated[
        dt.datetime,
        msgspec.Meta(
            description="When the app last registered the token (RFC 3339)",
            examples=["2026-11-29T08:00:00+08:00"],
        ),
    ]


class Preferences(Output):
    """Which categories are pushed and the quiet hours; the inbox always keeps everything."""

    push_off: Annotated[
        list[Category],
        msgspec.Meta(
            description=f"Categories not pushed (still in the inbox): {CATEGORY_TEXT}",
            examples=[["summary"]],
        ),
    ]
    quiet_start: Annotated[
        str | None,
        msgspec.Meta(
            description="Start of the quiet hours (免打扰), Asia/Shanghai wall clock `HH:MM:SS`;"
            " they may wrap midnight; null when there are none",
            examples=["22:00:00"],
        ),
    ]
    quiet_end: Annotated[
        str | None,
        msgspec.Meta(
            description="End of the quiet hours, Asia/Shanghai wall clock `HH:MM:SS`: pushes"
            " held during them go out then",
            examples=["07:00:00"],
        ),
    ]
    legal_categories: Annotated[
        list[Category],
        msgspec.Meta(
            description="Categories of legal notices, which cannot be switched off",
            examples=[["cases"]],
        ),
    ]


class PreferencesIn(Input):
    """The whole set of push preferences (replaces the previous one)."""

    push_off: Annotated[
        list[Category],
        msgspec.Meta(
            max_length=10,
            description="Categories not to push (the inbox keeps them); legal categories"
            f" (`cases`) cannot be listed: {CATEGORY_TEXT}",
            examples=[["summary"]],
        ),
    ] = []
    # The pattern sits on the str, and the union outside, so the document shows the pattern.
    quiet_start: (
        Annotated[
            str,
            msgspec.Meta(
                pattern=QUIET_TIME,
                description="Start of the quiet hours (免打扰), Asia/Shanghai wall clock `HH:MM`"
                " or `HH:MM:SS`; give both ends or neither",
                examples=["22:00"],
            ),
        ]
        | None
    ) = None
    quiet_end: (
        Annotated[
            str,
            msgspec.Meta(
                pattern=QUIET_TIME,
                description="End of the quiet hours, like `quietStart`; it may be earlier in the"
                " day (the quiet hours then wrap midnight)",
                examples=["07:00"],
            ),
        ]
        | None
    ) = None


class DeliveryHealth(Output):
    """Push delivery at a glance (officers): open now, and what happened in the last 24 hours."""

    pending: Annotated[
        int, msgspec.Meta(description="Waiting for their next attempt", examples=[4])
    ]
    in_flight: Annotated[
        int, msgspec.Meta(description="Claimed by a sender right now", examples=[0])
    ]
    overdue: Annotated[
        int,
        msgspec.Meta(
            description="Still open past the delivery deadline (should be 0)", examples=[0]
        ),
    ]
    sent_last_day: Annotated[
        int,
        msgspec.Meta(
            description="Deliveries created in the last 24 hours and sent", examples=[1824]
        ),
    ]
    expired_last_day: Annotated[
        int,
        msgspec.Meta(description="Never delivered within the deadline; inbox only", examples=[2]),
    ]
    failed_last_day: Annotated[
        int,
        msgspec.Meta(
            description="Refused by FCM for good (not retryable, not a dead token)", examples=[0]
        ),
    ]
    pruned_last_day: Annotated[
        int,
        msgspec.Meta(description="Closed for a dead or removed device", examples=[11]),
    ]
    possible_duplicates_last_day: Annotated[
        int,
        msgspec.Meta(
            description="Sent again after their sender died mid-send (at most in flight)",
            examples=[0],
        ),
    ]
    deadline_hours: Annotated[
        int,
        msgspec.Meta(
            description="Hours a push is re-driven before it expires (setting)", examples=[24]
        ),
    ]
