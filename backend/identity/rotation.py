"""Key rotation of what is stored (``python -m backend rotate-keys``): every row whose
ciphertexts or blind indexes were made with an old ID key is remade under the current keys.

Each domain registers the columns it keeps under the ID keys (:func:`register`): identity the
citizens, the population registry and the phones (sealed under the ID encryption keys, indexed
under the phone index keys, which rotate the same way), reports the sealed reporter and
subject, enforcement the webhook secrets. A row names its keys (:mod:`backend.platform.crypto`),
so "not yet under the current keys" is a condition in SQL: the pass pages through those rows by
primary key in short transactions, each batch locked ``FOR UPDATE SKIP LOCKED`` so the system
keeps running and two passes at once share the work. Stopping loses nothing: the next pass finds
what is left. Look-ups meanwhile match every key's index (``adopt_current_keys``, ``tokens_of``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import asyncpg

from backend.identity.service import (
    decrypt_id_number,
    decrypt_phone,
    encrypt_id_number,
    encrypt_phone,
    id_number_index,
    phone_index,
)
from backend.platform import runtime
from backend.platform.config import Keyrings
from backend.platform.crypto import SEALED_MAGIC, index_prefix, sealed_prefix
from backend.platform.database import connection, transaction

log = logging.getLogger("backend.identity.rotation")

Remake = Callable[[Mapping[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class Rewrite:
    """One table's columns made with the ID keys, and how to remake a row under the current
    keys (``remake`` gets the row's ``read`` columns and answers every column it rewrites)."""

    table: str
    key: str  # the primary key (a bigint): the pass pages by it
    sealed: tuple[str, ...]  # AES-GCM ciphertexts (ID encryption keys); NULL stays NULL
    indexed: tuple[str, ...]  # blind indexes (ID index keys)
    read: tuple[str, ...]
    remake: Remake
    phone_indexed: tuple[str, ...] = ()  # blind indexes of phones (phone index keys)


_REWRITES: dict[str, Rewrite] = {}


def register(rewrite: Rewrite) -> None:
    _REWRITES[rewrite.table] = rewrite


def rewrites() -> list[Rewrite]:
    return list(_REWRITES.values())


def _stale(rewrite: Rewrite, keys: Keyrings, first: int) -> tuple[str, list[Any]]:
    """SQL true for a row not (entirely) under the current keys, and its parameters
    (numbered from ``first``)."""
    tests: list[str] = []
    params: list[Any] = []
    sealed = sealed_prefix(keys.id_encryption.current_id)
    for column in rewrite.sealed:
        n = first + len(params)
        if sealed:  # current: the prefix; stale: any other start
            tests.append(f"substring({column} from 1 for {len(sealed)}) <> ${n}::bytea")
            params.append(sealed)
        else:  # current: the legacy key (no prefix); stale: a key id in front
            tests.append(f"substring({column} from 1 for {len(SEALED_MAGIC)}) = ${n}::bytea")
            params.append(SEALED_MAGIC)
    for ring, columns in (
        (keys.id_index, rewrite.indexed),
        (keys.phone_index, rewrite.phone_indexed),
    ):
        indexed = index_prefix(ring.current_id)
        for column in columns:
            n = first + len(params)
            if indexed:
                tests.append(f"left({column}, {len(indexed)}) <> ${n}::text")
                params.append(indexed)
            else:
                tests.append(f"strpos({column}, '$') > 0")
    return "(" + " OR ".join(f"coalesce({t}, false)" for t in tests) + ")", params


@dataclass(frozen=True)
class Batch:
    last: int | None  # the primary key of the batch's last row; None when none was left
    rewritten: int


async def rotate_batch(rewrite: Rewrite, after: int, limit: int) -> Batch:
    """The next ``limit`` rows after ``after`` not under the current keys, remade in one short
    transaction; rows another transaction holds are skipped (a later pass takes them)."""
    stale, params = _stale(rewrite, runtime.current().settings.keyrings, first=3)
    columns = ", ".join((rewrite.key, *rewrite.read))
    async with transaction() as conn:
        rows = await conn.fetch(
            f"SELECT {columns} FROM {rewrite.table} WHERE {rewrite.key} > $1 AND {stale}"
            f" ORDER BY {rewrite.key} LIMIT $2 FOR UPDATE SKIP LOCKED",
            after,
            limit,
            *params,
        )
        if not rows:
            return Batch(last=None, rewritten=0)
        remade = [(row[rewrite.key], rewrite.remake(row)) for row in rows]
        try:
            async with conn.transaction():  # a savepoint: a clash leaves the batch's locks held
                await _write(conn, rewrite, remade)
            written = len(remade)
        except asyncpg.UniqueViolationError:
            written = await _write_one_by_one(conn, rewrite, remade)
    return Batch(last=rows[-1][rewrite.key], rewritten=written)


async def _write_one_by_one(
    conn: Any, rewrite: Rewrite, remade: list[tuple[int, dict[str, Any]]]
) -> int:
    """A row whose new blind index another row already has is the same person recorded twice
    (a process still on the old keys added them during the rotation): it is left as it is,
    logged and counted as stale, for the office to merge; the rest of the batch goes on."""
    written = 0
    for key, values in remade:
        try:
            async with conn.transaction():
                await _write(conn, rewrite, [(key, values)])
            written += 1
        except asyncpg.UniqueViolationError:
            log.error(
                "%s %s: its ID number (or an account's phone) is already on file under the"
                " current key (a duplicate made during the rotation); left under the old key,"
                " to be merged by hand",
                rewrite.table,
                key,
            )
    return written


async def _write(conn: Any, rewrite: Rewrite, remade: list[tuple[int, dict[str, Any]]]) -> None:
    """One UPDATE for the batch, from arrays (one round trip)."""
    indexes = (*rewrite.indexed, *rewrite.phone_indexed)
    written = (*rewrite.sealed, *indexes)
    types = ["bytea[]"] * len(rewrite.sealed) + ["text[]"] * len(indexes)
    sets = ", ".join(f"{c} = u.c{i}" for i, c in enumerate(written))
    arrays = ", ".join(f"${i + 2}::{t}" for i, t in enumerate(types))
    names = ", ".join(f"c{i}" for i in range(len(written)))
    await conn.execute(
        f"UPDATE {rewrite.table} t SET {sets} FROM unnest($1::bigint[], {arrays})"
        f" AS u(k, {names}) WHERE t.{rewrite.key} = u.k",
        [key for key, _ in remade],
        *([values[c] for _, values in remade] for c in written),
    )


async def count_stale(rewrite: Rewrite) -> int:
    """Rows of the table still (partly) under an old key."""
    stale, params = _stale(rewrite, runtime.current().settings.keyrings, first=1)
    async with connection() as conn:
        found: int = await conn.fetchval(
            f"SELECT count(*) FROM {rewrite.table} WHERE {stale}", *params
        )
    return found


async def rotate_table(
    rewrite: Rewrite, batch: int, on_progress: Callable[[int], None] = lambda _: None
) -> int:
    """One pass over the table; the rows rewritten."""
    after, done = 0, 0
    while True:
        step = await rotate_batch(rewrite, after, batch)
        if step.last is None:
            return done
        after, done = step.last, done + step.rewritten
        on_progress(step.rewritten)


async def stale_counts() -> dict[str, int]:
    """Per table, the rows still under an old key (all zero: the old keys can go)."""
    return {rewrite.table: await count_stale(rewrite) for rewrite in rewrites()}


# --- identity's own columns -----------------------------------------------------------------


def _remake_id_number(row: Mapping[str, Any]) -> dict[str, Any]:
    number = decrypt_id_number(bytes(row["id_number_encrypted"]))
    return {
        "id_number_encrypted": encrypt_id_number(number),
        "id_number_index": id_number_index(number),
    }


def _remake_phone(row: Mapping[str, Any]) -> dict[str, Any]:
    phone = decrypt_phone(bytes(row["phone_encrypted"]))
    return {"phone_encrypted": encrypt_phone(phone), "phone_index": phone_index(phone)}


def _remake_registry(row: Mapping[str, Any]) -> dict[str, Any]:
    return {**_remake_id_number(row), **_remake_phone(row)}


register(
    Rewrite(
        table="citizen",
        key="id",
        sealed=("id_number_encrypted",),
        indexed=("id_number_index",),
        read=("id_number_encrypted",),
        remake=_remake_id_number,
    )
)
register(
    Rewrite(
        table="population_registry",
        key="id",
        sealed=("id_number_encrypted", "phone_encrypted"),
        indexed=("id_number_index",),
        phone_indexed=("phone_index",),
        read=("id_number_encrypted", "phone_encrypted"),
        remake=_remake_registry,
    )
)
for _table in ("citizen_account", "one_time_code"):
    register(
        Rewrite(
            table=_table,
            key="id",
            sealed=("phone_encrypted",),
            indexed=(),
            phone_indexed=("phone_index",),
            read=("phone_encrypted",),
            remake=_remake_phone,
        )
    )
