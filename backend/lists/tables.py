"""Red and black list entries (红黑名单) and the history of each (every step kept)."""

from typing import Any

from piccolo.columns import BigInt, BigSerial, Date, Integer, Text, Timestamptz, Varchar
from piccolo.table import Table

from backend.platform.engine import DB


class ListEntry(Table, tablename="list_entry", db=DB):
    """One person on one list by one rule: proposed by the nightly job, reviewed by an officer,
    published from ``published_from`` until ``published_until`` (exclusive), and ended on
    ``ended_on`` with ``end_cause`` (repaired, revoked, corrected, display-ended, grade-changed,
    period-ended, removed)."""

    id = BigSerial(primary_key=True)
    citizen = BigInt()
    list = Varchar(length=8)
    rule_code = Varchar(length=60)
    rules_version = Varchar(length=40)
    record = BigInt(null=True, default=None)
    status = Varchar(length=12)
    proposed_on = Date()
    publish_months = Integer()
    reviewed_by = BigInt(null=True, default=None)
    reviewed_at = Timestamptz(null=True, default=None)
    review_reason = Text(null=True, default=None)
    published_from = Date(null=True, default=None)
    published_until = Date(null=True, default=None)
    ended_on = Date(null=True, default=None)
    end_cause = Varchar(length=20, null=True, default=None)


class ListEntryStep(Table, tablename="list_entry_step", db=DB):
    id = BigSerial(primary_key=True)
    citizen = BigInt()  # the entry's: the key (citizen, id) of a Citus-ready schema
    entry = BigInt()
    at = Timestamptz()
    business_date = Date()
    actor_kind = Varchar(length=20)
    actor_id = Varchar(length=64)
    action = Varchar(length=20)
    from_status = Varchar(length=12, null=True, default=None)
    to_status = Varchar(length=12)
    reason = Text(null=True, default=None)


TABLES: list[Any] = [ListEntry, ListEntryStep]
