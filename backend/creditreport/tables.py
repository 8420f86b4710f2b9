"""Credit reports made; the table is in the hand-written migration
``credit_2026_12_02t19_00_00_000000``."""

from typing import Any

from piccolo.columns import BigInt, BigSerial, Date, Text, Timestamptz, Varchar
from piccolo.table import Table

from backend.platform.engine import DB


class CreditReport(Table, tablename="credit_report", db=DB):
    """One PDF made: what checks it (fingerprint, signature), never what it says."""

    number = Varchar(length=24, primary_key=True)
    short_code = Varchar(length=12, unique=True)
    citizen = BigInt()
    made_at = Timestamptz()
    expires_at = Timestamptz()
    fingerprint = Varchar(length=64)
    facts_sha256 = Varchar(length=64)
    signature = Varchar(length=128)
    kid = Varchar(length=40)


class ReportAuthorisation(Table, tablename="report_authorisation", db=DB):
    """A citizen lets one institution fetch their report once, for a purpose, until a day."""

    id = BigSerial(primary_key=True)
    citizen = BigInt()
    institution = BigInt()
    purpose = Text()
    valid_until = Date()
    created_at = Timestamptz()
    revoked_at = Timestamptz(null=True, default=None)
    used_at = Timestamptz(null=True, default=None)
    report_number = Varchar(length=24, null=True, default=None)


TABLES: list[Any] = [CreditReport, ReportAuthorisation]
