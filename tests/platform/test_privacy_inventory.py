"""The personal-information inventory (PRIVACY.md, issue 18) names every column of every table.

The live schema of a freshly migrated database (partitions and Piccolo's ``migration`` table
aside) is compared with the inventory's machine-readable table, the rows between
``<!-- inventory:start -->`` and ``<!-- inventory:end -->``: each row is
``| table | col, col, ... | personal | what | why | who sees it | kept for |``. A column the
inventory does not name fails the test, naming ``table.column``, and so does a row naming a
column or a table that no longer exists: a new field is never stored without saying why, who
sees it and how long it is kept.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass

import asyncpg
import pytest

from backend.platform.config import REPO_ROOT

INVENTORY = REPO_ROOT / "PRIVACY.md"
START, END = "<!-- inventory:start -->", "<!-- inventory:end -->"
CELLS = 7  # table, columns, personal, what, why, who sees it, kept for
PERSONAL = {"yes", "no"}
_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")


@dataclass(frozen=True)
class Row:
    line: int
    table: str
    columns: tuple[str, ...]
    personal: str


def inventory_rows(text: str) -> list[Row]:
    """The rows of the inventory table; a malformed row raises, naming its line."""
    lines = text.splitlines()
    try:
        first, last = lines.index(START), lines.index(END)
    except ValueError:
        raise AssertionError(f"PRIVACY.md has no {START} ... {END} section") from None
    rows = []
    for number, line in enumerate(lines[first + 1 : last], start=first + 2):
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if not line.strip() or cells[0] in ("table", "") or set(cells[0]) <= {"-", ":"}:
            continue  # blank, the header or the separator
        assert len(cells) == CELLS, f"PRIVACY.md:{number}: {len(cells)} cells, not {CELLS}"
        table = cells[0].strip("`")
        columns = tuple(c.strip().strip("`") for c in cells[1].split(","))
        for name in (table, *columns):
            assert _NAME.match(name), f"PRIVACY.md:{number}: {name!r} is not a SQL name"
        assert cells[2] in PERSONAL, f"PRIVACY.md:{number}: personal is yes or no"
        assert all(cells[3:]), f"PRIVACY.md:{number}: every cell says something"
        rows.append(Row(number, table, columns, cells[2]))
    return rows


def named(rows: list[Row]) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for row in rows:
        columns = found.setdefault(row.table, set())
        twice = columns & set(row.columns)
        assert not twice, f"PRIVACY.md:{row.line}: {sorted(twice)} named twice"
        columns.update(row.columns)
    return found


async def live_columns(conn: asyncpg.Connection) -> dict[str, set[str]]:
    """Every column of every table of the public schema: a partitioned table once (its
    partitions are not tables of their own here), Piccolo's bookkeeping left out."""
    rows = await conn.fetch(
        "SELECT c.relname, a.attname FROM pg_class c"
        " JOIN pg_namespace n ON n.oid = c.relnamespace"
        " JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped"
        " WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')"
        " AND NOT EXISTS (SELECT FROM pg_inherits i WHERE i.inhrelid = c.oid)"
        " AND c.relname <> 'migration'"
    )
    found: dict[str, set[str]] = {}
    for row in rows:
        found.setdefault(row["relname"], set()).add(row["attname"])
    return found


@pytest.fixture(scope="module")
async def schema(database_url: str) -> AsyncIterator[dict[str, set[str]]]:
    conn = await asyncpg.connect(database_url)
    try:
        yield await live_columns(conn)
    finally:
        await conn.close()


def test_the_inventory_is_well_formed() -> None:
    rows = inventory_rows(INVENTORY.read_text(encoding="utf-8"))
    named(rows)
    assert rows


async def test_every_column_is_in_the_inventory(schema: dict[str, set[str]]) -> None:
    inventory = named(inventory_rows(INVENTORY.read_text(encoding="utf-8")))
    missing = sorted(
        f"{table}.{column}"
        for table, columns in schema.items()
        for column in columns - inventory.get(table, set())
    )
    assert missing == [], "not in PRIVACY.md's inventory: " + ", ".join(missing)


async def test_the_inventory_names_no_column_that_is_gone(schema: dict[str, set[str]]) -> None:
    inventory = named(inventory_rows(INVENTORY.read_text(encoding="utf-8")))
    gone = sorted(
        f"{table}.{column}"
        for table, columns in inventory.items()
        for column in columns - schema.get(table, set())
    )
    assert gone == [], "in PRIVACY.md's inventory but not in the schema: " + ", ".join(gone)


def test_a_missing_column_would_be_named() -> None:
    """The check itself: an inventory without a column reports exactly that column."""
    text = "\n".join(
        [
            START,
            "| table | columns | personal | what | why | who | kept |",
            "|---|---|---|---|---|---|---|",
            "| t | a, b | yes | x | y | z | w |",
            END,
        ]
    )
    inventory = named(inventory_rows(text))
    schema = {"t": {"a", "b", "c"}}
    missing = [f"t.{c}" for c in sorted(schema["t"] - inventory["t"])]
    assert missing == ["t.c"]
