"""The citizen's inbox, devices and notification preferences."""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec

from backend.notifications.schemas import (
    LEGAL_CATEGORIES,
    DeviceIn,
    DeviceOut,
    Inbox,
    NotificationOut,
    Preferences,
    PreferencesIn,
    ReadAll,
)
from backend.platform.database import connection, transaction
from backend.platform.errors import InvalidInput, NotFound
from backend.platform.language import say
from backend.platform.pagination import check_limit, decode_cursor, encode_cursor

DEVICES_PATH = "/v1/me/devices"


def _notification(row: Any) -> NotificationOut:
    return NotificationOut(
        id=row["id"],
        kind=row["kind"],
        category=row["category"],
        legal=row["legal"],
        title=row["title"],
        body=row["body"],
        data=msgspec.json.decode(row["data"]),
        created_at=row["created_at"],
        read_at=row["read_at"],
    )


async def inbox(citizen_id: int, cursor: str | None, limit: int, unread_only: bool) -> Inbox:
    check_limit(limit)
    after = decode_cursor(cursor, tuple[int])
    async with connection() as conn:
        rows = await conn.fetch(
            "SELECT * FROM notification WHERE citizen = $1 AND ($2::bigint IS NULL OR id < $2)"
            " AND (NOT $3 OR read_at IS NULL) ORDER BY id DESC LIMIT $4",
            citizen_id,
            after[0] if after else None,
            unread_only,
            limit + 1,
        )
        unread = await conn.fetchval(
            "SELECT count(*) FROM notification WHERE citizen = $1 AND read_at IS NULL", citizen_id
        )
    items = [_notification(row) for row in rows[:limit]]
    more = len(rows) > limit
    return Inbox(
        items=items, next_cursor=encode_cursor(items[-1].id) if more else None, unread=unread
    )


async def mark_read(citizen_id: int, notification_id: int) -> NotificationOut:
    async with connection() as conn:
        row = await conn.fetchrow(
            "UPDATE notification SET read_at = coalesce(read_at, now())"
            " WHERE id = $1 AND citizen = $2 RETURNING *",
            notification_id,
            citizen_id,
        )
    if row is None:
        raise NotFound(
            say(
                f"你的消息中没有编号为 {notification_id} 的消息",
                f"notification {notification_id} is not in your inbox",
            )
        )
    return _notification(row)


async def mark_all_read(citizen_id: int) -> ReadAll:
    async with connection() as conn:
        status = await conn.execute(
            "UPDATE notification SET read_at = now() WHERE citizen = $1 AND read_at IS NULL",
            citizen_id,
        )
    return ReadAll(marked=int(status.split()[-1]))


def _device(row: Any) -> DeviceOut:
    return DeviceOut(
        id=row["id"],
        platform=row["platform"],
        token_tail=row["token"][-6:],
        created_at=row["created_at"],
        last_seen_at=row["last_seen_at"],
    )


def device_url(device_id: int) -> str:
    return f"{DEVICES_PATH}/{device_id}"


async def register_device(citizen_id: int, device: DeviceIn) -> tuple[DeviceOut, bool]:
    """Register or refresh a token; True when it is new to this account. A token seen on another
    account moves here (and counts as new): the phone changed hands, and pushes must follow the
    person signed in on it now. Refreshing one already here keeps its id and first registration
    time and moves ``lastSeenAt``."""
    async with connection() as conn:
        row = await conn.fetchrow(
            "WITH before AS (SELECT citizen FROM push_device WHERE token = $2)"
            " INSERT INTO push_device (citizen, token, platform, created_at, last_seen_at)"
            " VALUES ($1, $2, $3, now(), now()) ON CONFLICT (token) DO UPDATE SET"
            " citizen = EXCLUDED.citizen, platform = EXCLUDED.platform, last_seen_at = now(),"
            " created_at = CASE WHEN push_device.citizen = EXCLUDED.citizen"
            " THEN push_device.created_at ELSE now() END"
            " RETURNING *, (SELECT citizen FROM before) AS previous_citizen",
            citizen_id,
            device.token,
            device.platform,
        )
    assert row is not None, "an upsert returns its row"
    return _device(row), row["previous_citizen"] != citizen_id


async def device(citizen_id: int, device_id: int) -> DeviceOut:
    async with connection() as conn:
        row = await conn.fetchrow(
            "SELECT * FROM push_device WHERE id = $1 AND citizen = $2", device_id, citizen_id
        )
    if row is None:
        raise _device_not_found(device_id)
    return _device(row)


def _device_not_found(device_id: int) -> NotFound:
    return NotFound(
        say(f"你的设备中没有编号为 {device_id} 的设备", f"device {device_id} is not one of yours")
    )


async def devices(citizen_id: int) -> list[DeviceOut]:
    async with connection() as conn:
        rows = await conn.fetch(
            "SELECT * FROM push_device WHERE citizen = $1 ORDER BY last_seen_at DESC", citizen_id
        )
    return [_device(row) for row in rows]


async def remove_device(citizen_id: int, device_id: int) -> None:
    async with transaction() as conn:
        deleted = await conn.fetchval(
            "DELETE FROM push_device WHERE id = $1 AND citizen = $2 RETURNING id",
            device_id,
            citizen_id,
        )
        if deleted is None:
            raise _device_not_found(device_id)
        await conn.execute(
            "UPDATE push_delivery SET status = 'pruned', last_error = 'device removed'"
            " WHERE device = $1 AND status = 'pending'",
            device_id,
        )


async def preferences(citizen_id: int) -> Preferences:
    async with connection() as conn:
        row = await conn.fetchrow(
            "SELECT * FROM notification_preference WHERE citizen = $1", citizen_id
        )
    return Preferences(
        push_off=list(row["push_off"]) if row else [],
        quiet_start=_clock(row["quiet_start"]) if row else None,
        quiet_end=_clock(row["quiet_end"]) if row else None,
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
    async with connection() as conn:
        await conn.execute(
            "INSERT INTO notification_preference (citizen, push_off, quiet_start, quiet_end,"
            " updated_at) VALUES ($1, $2, $3, $4, now()) ON CONFLICT (citizen) DO UPDATE SET"
            " push_off = EXCLUDED.push_off, quiet_start = EXCLUDED.quiet_start,"
            " quiet_end = EXCLUDED.quiet_end, updated_at = now()",
            citizen_id,
            sorted(set(wanted.push_off)),
            _time(wanted.quiet_start),
            _time(wanted.quiet_end),
        )
    return await preferences(citizen_id)
