"""What every kind of case shares: the bookkeeping columns of every case table, evidence files,
the steps of every case, and the per-department record of handling times (政务诚信). A case's own
table (``objection``, ``repair_application``) lives with its kind, built on :class:`CaseColumns`;
the shared rows name it by ``case_kind`` and ``case_id``.

The unique statistic key and the step and evidence indexes are in the hand-written migrations.
"""

from typing import Any

from piccolo.columns import (
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


class CaseColumns:
    """The columns every case table has, which the machine (``backend.cases.machine``), the
    deadline check and the readers work on; a kind's table adds its own after them (a Piccolo
    mixin: each table gets its own copy of these columns).

    ``status`` is one of the kind's declared states; ``due_on`` is the deadline of the current
    stage (NULL once closed), ``near_flagged_for`` and ``escalated_for`` the deadline the hourly
    check last flagged and escalated; ``department_late``: the department let a deadline of its
    turn lapse (政务诚信). ``decision_reason`` and ``decided_on`` are set when a decision closes
    the case.
    """

    id = BigSerial(primary_key=True)
    record = ForeignKey(references=Record, null=False, on_delete=OnDelete.restrict)
    citizen = ForeignKey(references=Citizen, null=False, on_delete=OnDelete.restrict)
    department = ForeignKey(references=ApiClient, null=False, on_delete=OnDelete.restrict)
    statement = Text()
    status = Varchar(length=12, default="submitted")
    accepted_on = Date(null=True, default=None)
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
    # the case's citizen; 0 for a report's (cases.store.NO_CITIZEN), hence no foreign key
    citizen = BigInt()
    department = ForeignKey(references=ApiClient, null=False, on_delete=OnDelete.restrict)
    uploaded_by_kind = Varchar(length=20)
    uploaded_by_id = Varchar(length=64)
    sha256 = Varchar(length=64)
    media_type = Varchar(length=40)
    size_bytes = Integer()
    original_name = Varchar(length=200)
    uploaded_at = Timestamptz()
    # When the retention job deleted the content (the case closed more than the catalog's
    # evidence retention before); the row stays as the record of what the decision relied on.
    purged_at = Timestamptz(null=True, default=None)


class CaseStep(Table, tablename="case_step", db=DB):
    """One transition of an objection or repair case: who, when, why, and the deadline after."""

    id = BigSerial(primary_key=True)
    citizen = BigInt()  # the case's; 0 for a report's steps (cases.store.NO_CITIZEN)
    case_kind = Varchar(length=12)
    case_id = BigInt()
    action = Varchar(length=20)
    from_status = Varchar(length=16, null=True, default=None)
    to_status = Varchar(length=16)
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


TABLES: list[Any] = [EvidenceFile, CaseStep, DepartmentCaseStat]
