"""Rows of raw asyncpg queries as msgspec Structs: what every domain's ``store.py`` returns.

A store selects exactly the columns its Struct declares (never ``SELECT *``), so a new column in
a table changes nothing until a store asks for it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

import msgspec

RowT = TypeVar("RowT", bound=msgspec.Struct)


def row_as(kind: type[RowT], row: Mapping[str, Any] | None) -> RowT | None:
    """One row as ``kind``, or None when the query found nothing."""
    return None if row is None else kind(**row)


def rows_as(kind: type[RowT], rows: Iterable[Mapping[str, Any]]) -> list[RowT]:
    return [kind(**row) for row in rows]


def columns(kind: type[msgspec.Struct], alias: str = "") -> str:
    """The select list of ``kind``'s fields, optionally qualified: ``r.id, r.citizen, ...``."""
    prefix = f"{alias}." if alias else ""
    return ", ".join(prefix + name for name in kind.__struct_fields__)
