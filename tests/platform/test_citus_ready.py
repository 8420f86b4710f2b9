"""The schema is ready for Citus (SCALING.md; the classification is
``backend.platform.distribution``): inspected on the live, migrated schema.

- every table is classified (per-citizen, reference or local), and every classified table exists;
- a per-citizen table has a NOT NULL distribution column, in its primary key and in every unique
  index (but the reviewed GLOBAL_KEYS), and its foreign keys to per-citizen tables pair the
  distribution columns of both sides; it references no local table;
- a reference table has a primary key and references only reference tables;
- a local table references no per-citizen table;
- no SQL in ``backend/`` compares two per-citizen tables' columns without also equating their
  distribution columns (a join Citus would have to run across nodes).

A self-test breaks each rule inside a rolled-back transaction and sees the inspection say so.
"""

from __future__ import annotations

import ast
import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import pytest

from backend.platform import distribution
from backend.platform.config import REPO_ROOT
from backend.platform.distribution import (
    DISTRIBUTION_COLUMN,
    GLOBAL_KEYS,
    LOCAL,
    PER_CITIZEN,
    REFERENCE,
)

# --- the live schema ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Unique:
    name: str
    columns: tuple[str, ...]  # key columns as the index lists them (an expression as its text)
    primary: bool


@dataclass(frozen=True)
class ForeignKey:
    name: str
    columns: tuple[str, ...]
    target: str
    target_columns: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    name: str
    not_null: frozenset[str]
    columns: frozenset[str]
    uniques: tuple[Unique, ...]
    foreign_keys: tuple[ForeignKey, ...]

    @property
    def primary(self) -> Unique | None:
        return next((u for u in self.uniques if u.primary), None)


async def inspect(conn: asyncpg.Connection) -> dict[str, Table]:
    """Every table of the public schema (a partitioned table once, not its partitions)."""
    tables = await conn.fetch(
        "SELECT c.oid, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition"
    )
    columns = await conn.fetch(
        "SELECT attrelid, attname, attnotnull FROM pg_attribute"
        " WHERE attnum > 0 AND NOT attisdropped AND attrelid = ANY($1::oid[])",
        [t["oid"] for t in tables],
    )
    uniques = await conn.fetch(
        "SELECT i.indrelid, c.relname AS name, i.indisprimary AS primary,"
        " ARRAY(SELECT pg_get_indexdef(i.indexrelid, k, true)"
        " FROM generate_series(1, i.indnkeyatts) k ORDER BY k) AS columns"
        " FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
        " WHERE i.indisunique AND i.indrelid = ANY($1::oid[])",
        [t["oid"] for t in tables],
    )
    foreign = await conn.fetch(
        "SELECT k.conrelid, k.conname, t.relname AS target,"
        " ARRAY(SELECT a.attname FROM unnest(k.conkey) WITH ORDINALITY u(n, o)"
        " JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.n ORDER BY u.o)"
        " AS columns,"
        " ARRAY(SELECT a.attname FROM unnest(k.confkey) WITH ORDINALITY u(n, o)"
        " JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.n ORDER BY u.o)"
        " AS target_columns"
        " FROM pg_constraint k JOIN pg_class t ON t.oid = k.confrelid"
        " WHERE k.contype = 'f' AND k.conrelid = ANY($1::oid[]) AND k.conparentid = 0",
        [t["oid"] for t in tables],
    )
    out: dict[str, Table] = {}
    for t in tables:
        oid = t["oid"]
        out[t["relname"]] = Table(
            name=t["relname"],
            columns=frozenset(c["attname"] for c in columns if c["attrelid"] == oid),
            not_null=frozenset(
                c["attname"] for c in columns if c["attrelid"] == oid and c["attnotnull"]
            ),
            uniques=tuple(
                Unique(name=u["name"], columns=tuple(u["columns"]), primary=u["primary"])
                for u in uniques
                if u["indrelid"] == oid
            ),
            foreign_keys=tuple(
                ForeignKey(
                    name=f["conname"],
                    columns=tuple(f["columns"]),
                    target=f["target"],
                    target_columns=tuple(f["target_columns"]),
                )
                for f in foreign
                if f["conrelid"] == oid
            ),
        )
    return out


# --- the rules ----------------------------------------------------------------------------------


def problems_of(table: Table, schema: dict[str, Table]) -> list[str]:
    """What keeps ``table`` from being placed as its kind says; empty when nothing."""
    kind = distribution.kind_of(table.name)
    if kind is None:
        return [f"{table.name}: not classified in backend/platform/distribution.py"]
    found: list[str] = []
    primary = table.primary
    if primary is None:
        found.append(f"{table.name}: no primary key")
    for fk in table.foreign_keys:
        target_kind = distribution.kind_of(fk.target)
        if kind == "reference" and target_kind != "reference":
            found.append(
                f"{table.name}: reference table with foreign key {fk.name} to"
                f" {target_kind or 'unclassified'} table {fk.target}"
            )
        if kind == "local" and target_kind == "per-citizen":
            found.append(f"{table.name}: local table with foreign key {fk.name} to {fk.target}")
        if kind == "per-citizen" and target_kind == "local":
            found.append(f"{table.name}: foreign key {fk.name} to local table {fk.target}")
    if kind != "per-citizen":
        return found
    column = DISTRIBUTION_COLUMN[table.name]
    if column not in table.columns:
        return [*found, f"{table.name}: no {column} column"]
    if column not in table.not_null:
        found.append(f"{table.name}: {column} is nullable")
    if primary is not None and column not in primary.columns:
        found.append(f"{table.name}: primary key {primary.columns} lacks {column}")
    for unique in table.uniques:
        if unique.primary or column in unique.columns:
            continue
        if (table.name, unique.columns) in GLOBAL_KEYS:
            continue  # reviewed: global in meaning (distribution.GLOBAL_KEYS)
        found.append(f"{table.name}: unique index {unique.name} {unique.columns} lacks {column}")
    for fk in table.foreign_keys:
        if distribution.kind_of(fk.target) != "per-citizen":
            continue
        pair = (column, DISTRIBUTION_COLUMN[fk.target])
        if pair not in zip(fk.columns, fk.target_columns, strict=True):
            found.append(
                f"{table.name}: foreign key {fk.name} {fk.columns} -> {fk.target}"
                f" {fk.target_columns} does not pair {pair[0]} with {fk.target}.{pair[1]}"
            )
    return found


# --- the tests ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
async def schema(database_url: str) -> AsyncIterator[dict[str, Table]]:
    conn = await asyncpg.connect(database_url)
    try:
        yield await inspect(conn)
    finally:
        await conn.close()


CLASSIFIED = sorted({*PER_CITIZEN, *REFERENCE, *LOCAL})


def test_a_table_has_one_kind() -> None:
    assert not set(PER_CITIZEN) & set(REFERENCE)
    assert not set(PER_CITIZEN) & set(LOCAL)
    assert not set(REFERENCE) & set(LOCAL)


async def test_every_table_is_classified_and_exists(schema: dict[str, Table]) -> None:
    assert sorted(set(schema) - set(CLASSIFIED)) == [], "classify these in distribution.py"
    assert sorted(set(CLASSIFIED) - set(schema)) == [], "classified, but no such table"


@pytest.mark.parametrize("name", CLASSIFIED)
async def test_the_table_follows_the_rules_of_its_kind(schema: dict[str, Table], name: str) -> None:
    assert problems_of(schema[name], schema) == []


async def test_every_reviewed_global_key_exists(schema: dict[str, Table]) -> None:
    """A global key that went away (or gained citizen) leaves the reviewed list too."""
    live = {(name, u.columns) for name, table in schema.items() for u in table.uniques}
    assert sorted(set(GLOBAL_KEYS) - live) == []


async def test_the_rules_catch_a_broken_schema(database_url: str) -> None:
    """Each rule, broken in a transaction that is rolled back, is reported."""
    conn = await asyncpg.connect(database_url)
    try:
        tx = conn.transaction()
        await tx.start()
        try:
            await conn.execute("CREATE TABLE stray_table (id bigint PRIMARY KEY)")
            await conn.execute(
                "ALTER TABLE quiz_attempt DROP CONSTRAINT quiz_attempt_pkey,"
                " ADD CONSTRAINT quiz_attempt_pkey PRIMARY KEY (id),"
                " ALTER COLUMN citizen DROP NOT NULL"
            )
            await conn.execute("CREATE UNIQUE INDEX scratch_record_type ON record (record_type)")
            await conn.execute(
                "ALTER TABLE record_history DROP CONSTRAINT record_history_record_fkey"
            )
            await conn.execute("CREATE UNIQUE INDEX scratch_record_id ON record (id)")
            await conn.execute(
                "ALTER TABLE record_history ADD CONSTRAINT scratch_fk"
                " FOREIGN KEY (record) REFERENCES record (id)"
            )
            await conn.execute(
                "ALTER TABLE api_client ADD COLUMN scratch bigint REFERENCES citizen (id)"
            )
            schema = await inspect(conn)
            seen = [p for table in schema.values() for p in problems_of(table, schema)]
        finally:
            await tx.rollback()
    finally:
        await conn.close()
    expected = [
        "stray_table: not classified",
        "quiz_attempt: citizen is nullable",
        "record: unique index scratch_record_type ('record_type',) lacks citizen",
        "quiz_attempt: primary key ('id',) lacks citizen",
        "record_history: foreign key scratch_fk ('record',) -> record ('id',) does not pair",
        "api_client: reference table with foreign key api_client_scratch_fkey to per-citizen",
    ]
    for text in expected:
        assert any(p.startswith(text) for p in seen), (text, seen)


# --- the joins ----------------------------------------------------------------------------------

# Statements that compare two per-citizen tables' columns without equating their citizens,
# reviewed: (file under backend/, a piece of the statement) -> why it is fine.
REVIEWED_JOINS: dict[tuple[str, str], str] = {}

_SOURCE = re.compile(
    r"\b(?:FROM|JOIN|UPDATE|INTO|USING)\s+(\w+|\{\})(?:\s+(?:AS\s+)?(\w+))?", re.IGNORECASE
)
_NOT_ALIAS = {
    "on", "where", "set", "join", "left", "right", "inner", "outer", "full", "cross", "using",
    "group", "order", "limit", "returning", "values", "select", "as", "and", "for", "union",
    "natural", "lateral", "with", "default", "offset", "having", "window",
}  # fmt: skip
_EQUALS = re.compile(r"\b(\w+)\.(\w+)\s*=\s*(\w+)\.(\w+)\b")
PLACEHOLDER = "{}"  # a table named by an f-string: counted as per-citizen, to be safe


def sql_texts(root: Path) -> Iterator[tuple[str, int, str]]:
    """(file, line, text) of every string in the Python sources under ``root`` that reads as
    SQL; an f-string's replacement fields become ``{}``."""
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        # an f-string's literal parts are read with it, not again on their own
        parts = {
            id(v) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr) for v in node.values
        }
        for node in ast.walk(tree):
            if id(node) in parts:
                continue
            if isinstance(node, ast.JoinedStr):
                text = "".join(
                    str(v.value) if isinstance(v, ast.Constant) else PLACEHOLDER
                    for v in node.values
                )
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                text = node.value
            else:
                continue
            if re.search(r"\b(SELECT|UPDATE|DELETE|INSERT)\b", text) or " JOIN " in text:
                yield str(path.relative_to(root.parent)), node.lineno, text


def _distributed(table: str) -> str | None:
    if table == PLACEHOLDER:
        return "citizen"
    return DISTRIBUTION_COLUMN.get(table)


def unpaired_comparisons(text: str) -> list[str]:
    """Comparisons ``a.x = b.y`` of two per-citizen tables' columns in ``text`` whose
    distribution columns are not equated in it too."""
    aliases: dict[str, set[str]] = {}
    for match in _SOURCE.finditer(text):
        table, alias = match.group(1), match.group(2)
        if alias is None or alias.lower() in _NOT_ALIAS:
            alias = table
        aliases.setdefault(alias, set()).add(table)
    pairs = {(m.group(1), m.group(2), m.group(3), m.group(4)) for m in _EQUALS.finditer(text)}
    found = []
    for a, x, b, y in sorted(pairs):
        if a == b or a not in aliases or b not in aliases:
            continue
        for ta in aliases[a]:
            for tb in aliases[b]:
                da, db = _distributed(ta), _distributed(tb)
                if da is None or db is None:
                    continue
                if (a, da, b, db) in pairs or (b, db, a, da) in pairs:
                    continue
                found.append(f"{a}.{x} = {b}.{y} ({ta} / {tb}) without {a}.{da} = {b}.{db}")
    return found


def test_no_query_compares_per_citizen_tables_off_citizen() -> None:
    found = []
    used = set()
    for file, line, text in sql_texts(REPO_ROOT / "backend"):
        for problem in unpaired_comparisons(text):
            reviewed = [k for k in REVIEWED_JOINS if k[0] == file and k[1] in text]
            if reviewed:
                used.update(reviewed)
                continue
            found.append(f"{file}:{line}: {problem}")
    assert found == [], "\n".join(found)
    assert sorted(set(REVIEWED_JOINS) - used) == [], "reviewed, but no longer found"


def test_the_join_check_sees_a_join_off_citizen() -> None:
    bad = "SELECT o.id FROM objection o JOIN record r ON r.id = o.record WHERE o.citizen = $1"
    good = "SELECT o.id FROM objection o JOIN record r ON r.citizen = o.citizen AND r.id = o.record"
    to_reference = "SELECT r.id FROM record r JOIN api_client d ON d.id = r.department"
    citizen_row = "SELECT c.name FROM record r JOIN citizen c ON c.id = r.citizen"
    assert unpaired_comparisons(bad) == [
        "r.id = o.record (record / objection) without r.citizen = o.citizen"
    ]
    assert unpaired_comparisons(good) == []
    assert unpaired_comparisons(to_reference) == []
    assert unpaired_comparisons(citizen_row) == []


def test_scaling_md_carries_every_command() -> None:
    """SCALING.md's commands are the classification's (regenerate them with
    ``distribution.citus_commands()`` when a table is added)."""
    text = (REPO_ROOT / "SCALING.md").read_text()
    assert [c for c in distribution.citus_commands() if c not in text] == []
