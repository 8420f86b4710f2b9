"""The citizen's inbox, devices and notification preferences."""

from __future__ import annotations

import datetime as dt
from typing import cast

import msgspec

from backend.notifications import store
from backend.notifications.schemas import (
    LEGAL_CATEGORIES,
    Category,
    DeviceIn,
    DeviceOut,
    Inbox,
    NotificationOut,
    Platform,
    Preferences,
    PreferencesIn,
    ReadAll,
)
from backend.platform.database import connection, transaction
from backend.platform.errors import InvalidInput, NotFound
from backend.platform.language import say
from backend.platform.pagination import check_limit, decode_cursor, encode_cursor

DEVICES_PATH = "/v1/me/devices"


def _notification(stored: store.NotificationRow) -> NotificationOut:
    return NotificationOut(
        id=stored.id,
        kind=stored.kind,
        category=stored.category,
        legal=stored.legal,
        title=stored.title,
        body=stored.body,
        data=msgspec.json.decode(stored.data),
        created_at=stored.created_at,
        read_at=stored.read_at,
    )


async def inbox(citizen_id: int, cursor: str | None, limit: int, unread_only: bool) -> Inbox:
    check_limit(limit)
    after = decode_cursor(cursor, tuple[int])
    async with connection() as conn:
        found = await store.inbox_page(
            conn,
            citizen_id,
            before_id=after[0] if after else None,
            unread_only=unread_only,
            limit=limit + 1,
        )
        unread = await store.unread_count(conn, citizen_id)
    items = [_notification(n) for n in found[:limit]]
    more = len(found) > limit
    return Inbox(
        items=items, next_cursor=encode_cursor(items[-1].id) if more else None, unread=unread
    )


async def mark_read(citizen_id: int, notification_id: int) -> NotificationOut:
    async with connection() as conn:
        read = await store.mark_read(conn, citizen_id, notification_id)
    if read is None:
        raise NotFound(
            say(
                f"你的消息中没有编号为 {notification_id} 的消息",
                f"notification {notification_id} is not in your inbox",
            )
        )
    return _notification(read)


async def mark_all_read(citizen_id: int) -> ReadAll:
    async with connection() as conn:
        marked = await store.mark_all_read(conn, citizen_id)
    return ReadAll(marked=marked)


def _device(stored: store.DeviceRow) -> DeviceOut:
    return DeviceOut(
        id=stored.id,
        platform=cast(Platform, stored.platform),  # the table holds only what DeviceIn took
        token_tail=stored.token[-6:],
        created_at=stored.created_at,
        last_seen_at=stored.last_seen_at,
    )


def device_url(device_id: int) -> str:
    return f"{DEVICES_PATH}/{device_id}"


async def register_device(citizen_id: int, device: DeviceIn) -> tuple[DeviceOut, bool]:
    """Register or refresh a token; True when it is new to this account. A token seen on another
    account moves here (and counts as new): the phone changed hands, and pushes must follow the
    person signed in on it now. Refreshing one already here keeps its id and first registration
    time and moves ``lastSeenAt``."""
    async with connection() as conn:
        registered = await store.register_device(conn, citizen_id, device.token, device.platform)
    return _device(registered), registered.previous_citizen != citizen_id


async def device(citizen_id: int, device_id: int) -> DeviceOut:
    async with connection() as conn:
        found = await store.citizen_device(conn, citizen_id, device_id)
    if found is None:
        raise _device_not_found(device_id)
    return _device(found)


def _device_not_found(device_id: int) -> NotFound:
    return NotFound(
        say(f"你的设备中没有编号为 {device_id} 的设备", f"device {device_id} is not one of yours")
    )


async def devices(citizen_id: int) -> list[DeviceOut]:
    async with connection() as conn:
        found = await store.citizen_devices(conn, citizen_id)
    return [_device(d) for d in found]


async def remove_device(citizen_id: int, device_id: int) -> None:
    async with transaction() as conn:
        if not await store.delete_citizen_device(conn, citizen_id, device_id):
            raise _device_not_found(device_id)
        await store.close_pending_deliveries(conn, device_id, "device removed")


async def preferences(citizen_id: int) -> Preferences:
    async with connection() as conn:
        saved = await store.preference_of(conn, citizen_id)
    # The table holds only the categories PreferencesIn accepted.
    push_off = cast(list[Category], list(saved.push_off)) if saved else []
    return Preferences(
        push_off=push_off,
        quiet_start=_clock(saved.quiet_start) if saved else None,
        quiet_end=_clock(saved.quiet_end) if saved else None,
        legal_categories=list(LEGAL_CATEGORIES),
    )


def _time(clock: str | None) -> dt.time | None:
    """``HH:MM`` or ``HH:MM:SS`` (the schema's pattern checked it) as a time of day."""
    return dt.time.fromisoformat(clock) if clock is not None else None


def _clock(time: dt.time | None) -> str | None:
    return time.strftime("%H:%M:%S") if time is not None else None


async def set_preferences(citizen_id: int, wanted: PreferencesIn) -> Preferences:
    if (wanted.quiet_start is None) != (wanted.quiet_end is None):
        raise InvalidInput(
            say(
                "免打扰时段需同时填写开始和结束时间，或都不填",
                "give both quietStart and quietEnd, or neither",
            ),
            field="quietEnd",
        )
    if any(c in LEGAL_CATEGORIES for c in wanted.push_off):
        raise InvalidInput(
            say(
                "办件进度等依法告知的消息不能关闭推送",
                "legal notices (the progress of your cases) cannot be switched off",
            ),
            field="pushOff",
        )
    saved = store.PreferenceRow(
        push_off=sorted(set(wanted.push_off)),
        quiet_start=_time(wanted.quiet_start),
        quiet_end=_time(wanted.quiet_end),
    )
    async with connection() as conn:
        await store.save_preference(conn, citizen_id, saved)
    return await preferences(citizen_id)
