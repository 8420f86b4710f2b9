"""The transactional outbox, the inbox, push deliveries, devices and preferences."""

from typing import Any

from piccolo.columns import (
    JSONB,
    Array,
    BigInt,
    BigSerial,
    Boolean,
    Integer,
    Text,
    Time,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table

from backend.platform.engine import DB

# The outbox and the inbox are partitioned by month (migration 2026-12-04T01:00:00): in SQL
# their primary key is (citizen, id, created_at), which Piccolo cannot declare; ``id`` stands for
# it here (still unique by its sequence). Their rows are written and read by raw SQL (store.py).


class OutboxEvent(Table, tablename="outbox_event", db=DB):
    """One thing a citizen should hear about, written in the same transaction as the change.
    ``delivered_at`` is set by the relay once the inbox row and push deliveries exist."""

    id = BigSerial(primary_key=True)
    citizen = BigInt()
    kind = Varchar(length=60)
    payload = JSONB()
    # Unique per citizen through OutboxDedupe (a partitioned table's unique keys are per month).
    dedupe_key = Varchar(length=160, null=True, default=None)
    created_at = Timestamptz()
    delivered_at = Timestamptz(null=True, default=None)


class OutboxDedupe(Table, tablename="outbox_dedupe", db=DB):
    """Every dedupe key an event was written with, kept: a change retried in any later month
    writes no second event. Primary key (citizen, dedupe_key) in SQL."""

    citizen = BigInt(primary_key=True)
    dedupe_key = Varchar(length=160)
    created_at = Timestamptz()


class Notification(Table, tablename="notification", db=DB):
    """The in-app inbox: one row per outbox event (idempotent on the event: unique
    (citizen, event_id, created_at), the row dated with its event's time)."""

    id = BigSerial(primary_key=True)
    event_id = BigInt()
    citizen = BigInt()
    kind = Varchar(length=60)
    category = Varchar(length=30)
    legal = Boolean(default=False)
    title = Text()
    body = Text()
    data = JSONB()
    created_at = Timestamptz()
    read_at = Timestamptz(null=True, default=None)


class Device(Table, tablename="push_device", db=DB):
    """An FCM registration token of one of the citizen's phones."""

    id = BigSerial(primary_key=True)
    citizen = BigInt(index=True)
    token = Varchar(length=400, unique=True)
    platform = Varchar(length=10)
    created_at = Timestamptz()
    last_seen_at = Timestamptz()


class PushDelivery(Table, tablename="push_delivery", db=DB):
    """One push of one notification to one device; retried until sent, pruned or failed."""

    id = BigSerial(primary_key=True)
    notification = BigInt()
    device = BigInt(null=True, default=None)
    citizen = BigInt()
    # pending | sending (claimed, in flight until not_before) | sent | skipped | pruned | failed
    # | expired (still not sent at the delivery deadline)
    status = Varchar(length=10)
    not_before = Timestamptz()
    attempts = Integer(default=0)
    # Times a claim ran out while the message was in flight (its sender died): each may have
    # reached the phone already, so each is a possible duplicate, counted here.
    reclaimed = Integer(default=0)
    last_error = Text(null=True, default=None)
    message_id = Varchar(length=200, null=True, default=None)
    created_at = Timestamptz()
    sent_at = Timestamptz(null=True, default=None)


class NotificationPreference(Table, tablename="notification_preference", db=DB):
    citizen = BigInt(primary_key=True)
    push_off = Array(base_column=Varchar(length=30))  # categories with push switched off
    quiet_start = Time(null=True, default=None)  # Asia/Shanghai wall-clock time
    quiet_end = Time(null=True, default=None)
    updated_at = Timestamptz()


TABLES: list[Any] = [
    OutboxEvent,
    OutboxDedupe,
    Notification,
    Device,
    PushDelivery,
    NotificationPreference,
]
