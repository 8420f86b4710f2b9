"""The data exports a citizen asked for: one row per export, the files in storage."""

from typing import Any

from piccolo.columns import BigInt, BigSerial, Integer, Text, Timestamptz, Varchar
from piccolo.table import Table

from backend.platform.engine import DB


class DataExport(Table, tablename="data_export", db=DB):
    """A copy of a citizen's data (JSON and PDF), made by a job, downloadable until
    ``expires_at``, when a job deletes the files. In SQL the primary key is (citizen, id)
    (migration 2026-12-04T05:00:00), which Piccolo cannot declare; ``id`` stands for it."""

    id = BigSerial(primary_key=True)
    citizen = BigInt()
    status = Varchar(length=10, default="pending")  # pending | ready | failed | expired
    created_at = Timestamptz()
    ready_at = Timestamptz(null=True, default=None)
    expires_at = Timestamptz(null=True, default=None)
    json_sha256 = Varchar(length=64, null=True, default=None)  # the storage key of the JSON
    pdf_sha256 = Varchar(length=64, null=True, default=None)  # the storage key of the PDF
    json_bytes = Integer(null=True, default=None)
    pdf_bytes = Integer(null=True, default=None)
    failure = Text(null=True, default=None)


TABLES: list[Any] = [DataExport]
