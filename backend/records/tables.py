"""Credit records and their correction history."""

from piccolo.columns import (
    JSONB,
    Array,
    BigInt,
    BigSerial,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from backend.identity.tables import ApiClient, Citizen
from backend.platform.engine import DB


class Record(Table, tablename="record", db=DB):
    """One fact reported by a department. Unique per (department, source_reference).

    ``status``: active | revoked | repaired (信用修复: ``repaired_on`` is the day it was approved;
    the record no longer shows or counts). ``under_objection`` is true while an accepted
    objection (异议) is being verified: its penalty is suspended.
    """

    id = BigSerial(primary_key=True)
    citizen = ForeignKey(references=Citizen, null=False, on_delete=OnDelete.restrict)
    department = ForeignKey(references=ApiClient, null=False, on_delete=OnDelete.restrict)
    record_type = Varchar(length=60)
    catalog_version = Varchar(length=20)
    domain = Varchar(length=40)
    polarity = Varchar(length=4)
    severity = Varchar(length=8, null=True, default=None)
    quantity = Integer(default=1)
    occurred_on = Date()
    decided_on = Date()
    decision_document_no = Varchar(length=100)
    source_reference = Varchar(length=100)
    evidence_summary = Text()
    occupational_group = Varchar(length=60, null=True, default=None)
    status = Varchar(length=12, default="active")
    display_until = Date()
    repairable_from = Date(null=True, default=None)
    created_at = Timestamptz()
    updated_at = Timestamptz()
    version = Integer(default=1)
    under_objection = Boolean(default=False)
    repaired_on = Date(null=True, default=None)


class RecordHistory(Table, tablename="record_history", db=DB):
    """Old values kept when a department corrects or revokes a record."""

    id = BigSerial(primary_key=True)
    citizen = BigInt()  # the record's: the key (citizen, id) of a Citus-ready schema
    record = ForeignKey(references=Record, null=False, on_delete=OnDelete.restrict)
    action = Varchar(length=20)
    before = JSONB()
    after = JSONB()
    reason = Text()
    actor_id = Varchar(length=64)
    at = Timestamptz()


class IngestFollowUp(Table, tablename="ingest_follow_up", db=DB):
    """What an ingested batch still owes once its request has answered: the exchange events of
    its records and its citizens' change counters (``records.jobs``). Written with the records,
    deleted when run: a few rows at any time."""

    id = BigSerial(primary_key=True)
    department = Integer()
    records = Array(base_column=BigInt())
    first_record = BigInt()  # the least and greatest of ``records``: a record's row is found
    last_record = BigInt()  # by range first, then by membership
    created_at = Timestamptz()


TABLES: list[type[Table]] = [Record, RecordHistory, IngestFollowUp]
