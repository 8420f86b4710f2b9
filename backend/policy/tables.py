"""Content drafts (内容草稿): a version of content as an officer drafted it, until an admin
publishes it into ``content_version`` or the drafter withdraws it."""

from typing import Any

from piccolo.columns import BigInt, BigSerial, Date, Text, Timestamptz, Varchar
from piccolo.table import Table

from backend.platform.engine import DB


class ContentDraft(Table, tablename="content_draft", db=DB):
    """``status``: draft, published or withdrawn; ``decided_by``/``decided_at``/``reason`` name
    who published or withdrew it, when and why."""

    id = BigSerial(primary_key=True)
    kind = Varchar(length=40)
    version = Varchar(length=40)
    effective_from = Date()
    body = Text()
    sha256 = Varchar(length=64)
    status = Varchar(length=20, default="draft")
    drafted_by = BigInt()
    drafted_at = Timestamptz()
    decided_by = BigInt(null=True, default=None)
    decided_at = Timestamptz(null=True, default=None)
    reason = Text(null=True, default=None)


TABLES: list[Any] = [ContentDraft]
