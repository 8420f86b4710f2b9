"""Wire formats of the inbox, devices and preferences."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

import msgspec

from backend.platform.schemas import Input, Output

Category = Literal["records", "score", "badges", "repairs", "verification", "summary", "cases"]
LEGAL_CATEGORIES = ("cases",)


class NotificationOut(Output):
    id: int
    kind: str
    category: str
    legal: bool
    title: str
    body: str
    data: dict[str, Any]
    created_at: dt.datetime
    read_at: dt.datetime | None


class Inbox(Output):
    items: list[NotificationOut]
    next_cursor: str | None
    unread: int


class ReadAll(Output):
    marked: int


class DeviceIn(Input):
    token: Annotated[str, msgspec.Meta(min_length=20, max_length=400, pattern=r"^[\w:\-\.]+$")]
    platform: Literal["android", "ios", "web"]


class DeviceOut(Output):
    id: int
    platform: str
    token_tail: str
    created_at: dt.datetime
    last_seen_at: dt.datetime


class Preferences(Output):
    push_off: list[str]
    quiet_start: dt.time | None
    quiet_end: dt.time | None
    legal_categories: list[str]


class PreferencesIn(Input):
    """Switch push off per category; the inbox always keeps everything. Quiet hours are local
    (Asia/Shanghai) times; both or neither. Legal notices cannot be switched off."""

    push_off: Annotated[list[Category], msgspec.Meta(max_length=10)] = []
    quiet_start: dt.time | None = None
    quiet_end: dt.time | None = None


class DeliveryHealth(Output):
    """Push delivery at a glance (officers): open now, and what happened in the last 24 hours."""

    pending: Annotated[int, msgspec.Meta(description="waiting for their next attempt")]
    in_flight: Annotated[int, msgspec.Meta(description="claimed by a sender right now")]
    overdue: Annotated[
        int, msgspec.Meta(description="still open past the delivery deadline (should be 0)")
    ]
    sent_last_day: Annotated[
        int, msgspec.Meta(description="deliveries created in the last 24 hours and sent")
    ]
    expired_last_day: Annotated[
        int, msgspec.Meta(description="never delivered within the deadline; inbox only")
    ]
    failed_last_day: Annotated[
        int, msgspec.Meta(description="refused by FCM for good (not retryable, not a dead token)")
    ]
    pruned_last_day: Annotated[int, msgspec.Meta(description="closed for a dead or removed device")]
    possible_duplicates_last_day: Annotated[
        int,
        msgspec.Meta(description="sent again after their sender died mid-send (at most in flight)"),
    ]
    deadline_hours: Annotated[
        int, msgspec.Meta(description="hours a push is re-driven before it expires (setting)")
    ]
