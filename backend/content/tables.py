"""Content versions (内容版本): every version of every kind of content, the TOML text as
reviewed. The files under ``content/`` are the seed, imported when their (kind, version) is
new; officers publish later versions here, without a deploy."""

from typing import Any

from piccolo.columns import BigSerial, Date, Text, Timestamptz, Varchar
from piccolo.table import Table

from backend.platform.engine import DB


class ContentVersion(Table, tablename="content_version", db=DB):
    """One version of one kind; unique per (kind, version). ``sha256`` is the body's digest
    (a seed file edited without a new version is told apart from the stored one)."""

    id = BigSerial(primary_key=True)
    kind = Varchar(length=40)
    version = Varchar(length=40)
    effective_from = Date()
    body = Text()
    sha256 = Varchar(length=64)
    imported_at = Timestamptz()
    published_by = Varchar(length=120)


TABLES: list[Any] = [ContentVersion]
