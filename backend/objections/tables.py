"""Objection cases (异议), and what objections and repairs share: evidence files, the steps of
every case, and the per-department record of handling times (政务诚信).

Raw indexes (one open objection per record, queue and deadline indexes, the unique statistic
key) are in the hand-written migration next to the generated one.
"""

from typing import Any

from piccolo.columns import (
    JSONB,
    BigInt,
    BigSerial,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    Serial,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from backend.identity.tables import ApiClient, Citizen
from backend.platform.engine import DB
from backend.records.tables import Record


class Objection(Table, tablename="objection", db=DB):
    """A citizen disputes one of their records.

    ``status``: submitted → accepted | rejected; accepted → verifying (the department has
    verified and proposed an outcome) → upheld | corrected | revoked (the credit office decides).
    Until decided, the citizen may withdraw it (撤回) → withdrawn.
    ``due_on`` is the deadline of the current stage (NULL once closed); the stage deadlines are
    kept as computed at each transition.
    """

    id = BigSerial(primary_key=True)
    record = ForeignKey(references=Record, null=False, on_delete=OnDelete.restrict)
    citizen = ForeignKey(references=Citizen, null=False, on_delete=OnDelete.restrict)
    department = ForeignKey(references=ApiClient, null=False, on_delete=OnDelete.restrict)
    reason_category = Varchar(length=30)
    statement = Text()
    status = Varchar(length=12, default="submitted")
    filed_on = Date()
    accept_due_on = Date()
    accepted_on = Date(null=True, default=None)
    verify_due_on = Date(null=True, default=None)
    extended = Boolean(default=False)
    extension_reason = Text(null=True, default=None)
    proposed_outcome = Varchar(length=12, null=True, default=None)
    proposal_reason = Text(null=True, default=None)
    proposed_correction = JSONB(null=True, default=None)
    decision_reason = Text(null=True, default=None)
    decided_on = Date(null=True, default=None)
    due_on = Date(null=True, default=None)
    near_flagged_for = Date(null=True, default=None)
    escalated_for = Date(null=True, default=None)
    escalated_at = Timestamptz(null=True, default=None)
    department_late = Boolean(default=False)
    created_at = Timestamptz()
    updated_at = Timestamptz()
    closed_at = Timestamptz(null=True, default=None)


class EvidenceFile(Table, tablename="evidence_file", db=DB):
    """One evidence file of an objection or repair case; the content lives in blob storage under
    its SHA-256."""

    id = BigSerial(primary_key=True)
    case_kind = Varchar(length=12)  # objection | repair
    case_id = BigInt()
    citizen = ForeignKey(references=Citizen, null=False, on_delete=OnDelete.restrict)
    department = ForeignKey(references=ApiClient, null=False, on_delete=OnDelete.restrict)
    uploaded_by_kind = Varchar(length=20)
    uploaded_by_id = Varchar(length=64)
    sha256 = Varchar(length=64)
    media_type = Varchar(length=40)
    size_bytes = Integer()
    original_name = Varchar(length=200)
    uploaded_at = Timestamptz()


class CaseStep(Table, tablename="case_step", db=DB):
    """One transition of an objection or repair case: who, when, why, and the deadline after."""

    id = BigSerial(primary_key=True)
    case_kind = Varchar(length=12)
    case_id = BigInt()
    action = Varchar(length=20)
    from_status = Varchar(length=12, null=True, default=None)
    to_status = Varchar(length=12)
    actor_kind = Varchar(length=20)
    actor_id = Varchar(length=64)
    reason = Text(null=True, default=None)
    due_on = Date(null=True, default=None)
    business_date = Date()
    at = Timestamptz()


class DepartmentCaseStat(Table, tablename="department_case_stat", db=DB):
    """How promptly a department handles the cases against its records (政务诚信): cases closed,
    closed without a missed deadline, and cases in which it let a deadline lapse."""

    id = Serial(primary_key=True)
    department = ForeignKey(references=ApiClient, null=False, on_delete=OnDelete.restrict)
    case_kind = Varchar(length=12)
    handled = Integer(default=0)
    on_time = Integer(default=0)
    late = Integer(default=0)
    updated_at = Timestamptz()


TABLES: list[Any] = [Objection, EvidenceFile, CaseStep, DepartmentCaseStat]
