"""Repair applications (信用修复申请). Evidence files and case steps live in the shared tables of
``backend.objections.tables``; the one-open-application-per-record index is a raw migration."""

from typing import Any

from piccolo.columns import (
    JSONB,
    BigSerial,
    Boolean,
    Date,
    ForeignKey,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from backend.identity.tables import ApiClient, Citizen
from backend.platform.engine import DB
from backend.records.tables import Record


class RepairApplication(Table, tablename="repair_application", db=DB):
    """A citizen asks the body that made a finding to repair it (谁认定、谁修复).

    ``status``: submitted → accepted | rejected; accepted → approved | denied. Until decided, the
    citizen may withdraw it (→ withdrawn), and an objection that revokes or corrects the record
    closes it (→ terminated, 终止办理). The citizen must be
    told the result by ``reply_due_on`` (applied + 10 working days); once accepted, the decision
    is due by ``decide_due_on`` (accepted + 3 working days). ``due_on`` is the deadline of the
    current stage, the earlier of the two that apply (NULL once closed). Repair is free: there is
    no fee anywhere.
    """

    id = BigSerial(primary_key=True)
    record = ForeignKey(references=Record, null=False, on_delete=OnDelete.restrict)
    citizen = ForeignKey(references=Citizen, null=False, on_delete=OnDelete.restrict)
    department = ForeignKey(references=ApiClient, null=False, on_delete=OnDelete.restrict)
    path = Varchar(length=30)
    statement = Text()
    details = JSONB()
    commitment_version = Varchar(length=20)
    commitment_language = Varchar(length=10)
    commitment_sha256 = Varchar(length=64)
    commitment_accepted_at = Timestamptz()
    status = Varchar(length=12, default="submitted")
    applied_on = Date()
    reply_due_on = Date()
    accepted_on = Date(null=True, default=None)
    decide_due_on = Date(null=True, default=None)
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


TABLES: list[Any] = [RepairApplication]
