"""Measures between bodies; the tables and their indexes are in the hand-written migration
``credit_2026_12_02t16_00_00_000000``."""

from typing import Any

from piccolo.columns import (
    JSONB,
    BigInt,
    BigSerial,
    Boolean,
    Bytea,
    Date,
    Integer,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table

from backend.platform.engine import DB


class MeasureEnforcement(Table, tablename="measure_enforcement", db=DB):
    """One enforcing body, record and measure: in force or not, and what the body fed back
    (triggered → applied | not-applicable; lift-sent → lifted)."""

    id = BigSerial(primary_key=True)
    client = BigInt()
    citizen = BigInt()
    record = BigInt()
    measure = Varchar(length=60)
    in_force = Boolean()
    status = Varchar(length=16)
    triggered_on = Date()
    applied_on = Date(null=True, default=None)
    lift_sent_on = Date(null=True, default=None)
    lifted_on = Date(null=True, default=None)
    feedback_reason = Text(null=True, default=None)
    feedback_due_on = Date(null=True, default=None)
    feedback_late = Boolean(default=False)
    escalated_at = Timestamptz(null=True, default=None)
    updated_at = Timestamptz()


class MeasureEvent(Table, tablename="measure_event", db=DB):
    """A trigger or a lift for one body: the outbox the webhook delivery and the feed read."""

    id = BigSerial(primary_key=True)
    citizen = BigInt()  # the enforcement's: the key (citizen, id) of a Citus-ready schema
    enforcement = BigInt()
    client = BigInt()
    action = Varchar(length=8)
    payload = JSONB()
    business_date = Date()
    created_at = Timestamptz()
    delivered_at = Timestamptz(null=True, default=None)
    attempts = Integer(default=0)
    next_attempt_at = Timestamptz(null=True, default=None)
    last_error = Text(null=True, default=None)
    feedback_due_on = Date()
    answered_on = Date(null=True, default=None)
    late = Boolean(default=False)


class EnforcerWebhook(Table, tablename="enforcer_webhook", db=DB):
    client = BigInt(primary_key=True)
    url = Text()
    secret_sealed = Bytea()
    created_at = Timestamptz()


TABLES: list[Any] = [MeasureEnforcement, MeasureEvent, EnforcerWebhook]
