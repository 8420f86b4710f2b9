"""Repair applications (信用修复申请). The bookkeeping columns every case has come from
``backend.cases.tables.CaseColumns``; evidence files and case steps live in the shared tables
there. The one-open-application-per-record index is a raw migration."""

from typing import Any

from piccolo.columns import JSONB, Date, Timestamptz, Varchar
from piccolo.table import Table

from backend.cases.tables import CaseColumns
from backend.platform.engine import DB


class RepairApplication(CaseColumns, Table, tablename="repair_application", db=DB):
    """A citizen asks the body that made a finding to repair it (谁认定、谁修复).

    ``status``: submitted → accepted | rejected; accepted → approved | denied. Until decided, the
    citizen may withdraw it (→ withdrawn), and an objection that revokes or corrects the record
    closes it (→ terminated, 终止办理). The citizen must be
    told the result by ``reply_due_on`` (applied + 10 working days); once accepted, the decision
    is due by ``decide_due_on`` (accepted + 3 working days). ``due_on`` is the deadline of the
    current stage, the earlier of the two that apply. Repair is free: there is no fee anywhere.
    """

    path = Varchar(length=30)
    details = JSONB()
    commitment_version = Varchar(length=20)
    commitment_language = Varchar(length=10)
    commitment_sha256 = Varchar(length=64)
    commitment_accepted_at = Timestamptz()
    applied_on = Date()
    reply_due_on = Date()
    decide_due_on = Date(null=True, default=None)


TABLES: list[Any] = [RepairApplication]
