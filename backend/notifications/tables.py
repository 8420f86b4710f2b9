"""The transactional outbox: events written in the same transaction as the change they report."""

from typing import Any

from piccolo.columns import JSONB, BigInt, BigSerial, Timestamptz, Varchar
from piccolo.table import Table

from backend.platform.engine import DB


class OutboxEvent(Table, tablename="outbox_event", db=DB):
    """One thing a citizen should hear about. ``delivered_at`` is set by the relay (issue 6)."""

    id = BigSerial(primary_key=True)
    citizen = BigInt(index=True)
    kind = Varchar(length=60)
    payload = JSONB()
    dedupe_key = Varchar(length=160, null=True, default=None, unique=True)
    created_at = Timestamptz()
    delivered_at = Timestamptz(null=True, default=None)


TABLES: list[Any] = [OutboxEvent]
