"""Reports of dishonest behaviour (举报). The table and its indexes are in the hand-written
migration (``credit_2026_12_02t15_00_00_000000``); this declaration lists its columns for the
ORM and the schema checks."""

from typing import Any

from piccolo.columns import BigInt, BigSerial, Boolean, Bytea, Date, Text, Timestamptz, Varchar
from piccolo.table import Table

from backend.platform.engine import DB


class Report(Table, tablename="report", db=DB):
    """A report about a person or an organisation. The case's bookkeeping columns are those
    of every case (``backend.cases.tables.CaseColumns``) but ``record`` and ``citizen``: the
    report is about nobody's record, and the reporter is only ``reporter_sealed`` (encrypted)
    and ``reporter_token`` (a keyed hash that finds their reports)."""

    id = BigSerial(primary_key=True)
    department = BigInt()
    reporter_token = Varchar(length=64)
    reporter_sealed = Bytea()
    subject_kind = Varchar(length=12)
    subject_name = Text()
    subject_name_masked = Text()
    subject_code_encrypted = Bytea(null=True, default=None)
    subject_code_masked = Text(null=True, default=None)
    subject_key = Varchar(length=64)
    category = Varchar(length=40)
    statement = Text()
    status = Varchar(length=16, default="submitted")
    filed_on = Date()
    accepted_on = Date(null=True, default=None)
    decision_reason = Text(null=True, default=None)
    decided_on = Date(null=True, default=None)
    due_on = Date(null=True, default=None)
    near_flagged_for = Date(null=True, default=None)
    escalated_for = Date(null=True, default=None)
    escalated_at = Timestamptz(null=True, default=None)
    department_late = Boolean(default=False)
    extended = Boolean(default=False)
    extension_reason = Text(null=True, default=None)
    duplicate_of = BigInt(null=True, default=None)
    created_at = Timestamptz()
    updated_at = Timestamptz()
    closed_at = Timestamptz(null=True, default=None)


TABLES: list[Any] = [Report]
