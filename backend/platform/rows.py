"""Rows of raw asyncpg queries as msgspec Structs: what every domain's ``store.py`` returns.

A store selects exactly the columns its Struct declares (never ``SELECT *``), so a new column in
a table changes nothing until a store asks for it.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from typing import Any, TypeAlias, TypeVar

import asyncpg
import msgspec

RowT = TypeVar("RowT", bound=msgspec.Struct)
Connection: TypeAlias = "asyncpg.Connection[Any]"
"""The connection every store function takes first: the caller's transaction, or a read's."""


BIGINT_MAX = 2**63 - 1  # ids are PostgreSQL bigints: a larger one names nothing


def row_as(kind: type[RowT], row: Mapping[str, Any] | None) -> RowT | None:
    """One row as ``kind``, or None when the query found nothing."""
    return None if row is None else kind(**row)


def rows_as(kind: type[RowT], rows: Iterable[Mapping[str, Any]]) -> list[RowT]:
    return [kind(**row) for row in rows]


async def fetch_one(conn: Connection, kind: type[RowT], query: str, *args: object) -> RowT | None:
    """The first row of ``query`` (which selects exactly ``kind``'s fields) as ``kind``, or
    None when there is none."""
    return row_as(kind, await conn.fetchrow(query, *args))


def affected(status: str) -> int:
    """How many rows a statement touched, from asyncpg's status (``UPDATE 3``, ``DELETE 0``)."""
    return int(status.split()[-1])


# Cached: stores build their statements from these on hot paths (API-key look-up, card reads).
@functools.cache
def columns(kind: type[msgspec.Struct], alias: str = "") -> str:
    """The select list of ``kind``'s fields, optionally qualified: ``r.id, r.citizen, ...``."""
    prefix = f"{alias}." if alias else ""
    return ", ".join(prefix + name for name in kind.__struct_fields__)
