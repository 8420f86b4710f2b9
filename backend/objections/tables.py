"""Objection cases (异议). The bookkeeping columns every case has come from
``backend.cases.tables.CaseColumns``; evidence files, case steps and handling statistics live in
the shared tables there.

Raw indexes (one open objection per record, queue and deadline indexes) are in the
hand-written migration next to the generated one.
"""

from typing import Any

from piccolo.columns import JSONB, Boolean, Date, Text, Varchar
from piccolo.table import Table

from backend.cases.tables import CaseColumns
from backend.platform.engine import DB


class Objection(CaseColumns, Table, tablename="objection", db=DB):
    """A citizen disputes one of their records.

    ``status``: submitted → accepted | rejected; accepted → verifying (the department has
    verified and proposed an outcome) → upheld | corrected | revoked (the credit office decides).
    Until decided, the citizen may withdraw it (撤回) → withdrawn.
    The stage deadlines are kept as computed at each transition.
    """

    reason_category = Varchar(length=30)
    filed_on = Date()
    accept_due_on = Date()
    verify_due_on = Date(null=True, default=None)
    extended = Boolean(default=False)
    extension_reason = Text(null=True, default=None)
    proposed_outcome = Varchar(length=12, null=True, default=None)
    proposal_reason = Text(null=True, default=None)
    proposed_correction = JSONB(null=True, default=None)


TABLES: list[Any] = [Objection]
