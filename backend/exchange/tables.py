"""The exchange's outbox; the table and its indexes are in the hand-written migration
``credit_2026_12_02t18_00_00_000000`` (written by ``backend.platform.exchange_outbox``)."""

from typing import Any

from piccolo.columns import JSONB, BigInt, BigSerial, Integer, Text, Timestamptz, Varchar
from piccolo.table import Table

from backend.platform.engine import DB


class ExchangeEvent(Table, tablename="exchange_event", db=DB):
    """One change for the provincial platform and what became of it."""

    id = BigSerial(primary_key=True)
    kind = Varchar(length=20)
    subject = BigInt()
    citizen = BigInt()
    payload = JSONB()
    created_at = Timestamptz()
    status = Varchar(length=12, default="pending")
    batch = Varchar(length=40, null=True, default=None)
    attempts = Integer(default=0)
    next_attempt_at = Timestamptz()
    last_error = Text(null=True, default=None)
    sent_at = Timestamptz(null=True, default=None)
    acknowledged_at = Timestamptz(null=True, default=None)
    rejection_reason = Text(null=True, default=None)


TABLES: list[Any] = [ExchangeEvent]
