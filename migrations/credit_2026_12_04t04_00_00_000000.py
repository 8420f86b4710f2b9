"""Phone numbers encrypted at rest (issue 18): ``citizen_account``, ``one_time_code`` and
``population_registry`` trade their plain ``phone`` for ``phone_encrypted`` (AES-256-GCM under
the ID encryption keys, the key id in front, associated data ``phone``) and ``phone_index`` (the
HMAC-SHA256 blind index under the phone index keys, ``<key id>$`` in front unless the key is
the legacy ``1``). The account's phone stays unique, now by its index (``GLOBAL_KEYS`` in
``backend.platform.distribution``); the codes keep their index by phone and time.

The existing rows are converted in this migration, 1,000 at a time by id, with the keys of the
settings this process runs with (``python -m backend migrate`` reads the same environment as
the API, so the keys are the ones the API will read with); tables with no rows need no keys.
The whole migration is one transaction, as Piccolo runs it: it applies entirely or not at all.
Backwards decrypts every phone into ``phone`` again (with every configured key), restores its
unique key and indexes, and drops the new columns. Written by hand; reversible, with the rows.

The conversion is frozen here (not ``backend.identity.service``): a migration must not change
when that module later does.
"""

from collections.abc import Callable
from typing import Any

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from backend.platform.crypto import keyed_index, seal, unseal
from backend.platform.engine import DB

ID = "2026-12-04T04:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "phone numbers encrypted, with a blind index, in every table"

TABLES = ("citizen_account", "one_time_code", "population_registry")
BATCH = 1000
SEALED_FOR = b"phone"  # the associated data of a phone's ciphertext

ADD = [
    f"ALTER TABLE {table} ADD COLUMN phone_encrypted bytea, ADD COLUMN phone_index varchar(64)"
    for table in TABLES
]
FORWARDS_AFTER = [
    *(
        f"ALTER TABLE {table} ALTER COLUMN phone_encrypted SET NOT NULL,"
        " ALTER COLUMN phone_index SET NOT NULL"
        for table in TABLES
    ),
    "ALTER TABLE citizen_account ADD CONSTRAINT citizen_account_phone_index_key"
    " UNIQUE (phone_index)",
    "CREATE INDEX one_time_code_phone_index_created_idx"
    " ON one_time_code (phone_index, created_at DESC)",
    # Drops with it the unique key citizen_account_phone_key and the indexes one_time_code_phone
    # and one_time_code_phone_created_idx.
    *(f"ALTER TABLE {table} DROP COLUMN phone" for table in TABLES),
]
BACKWARDS_BEFORE = [f"ALTER TABLE {table} ADD COLUMN phone varchar(20)" for table in TABLES]
BACKWARDS_AFTER = [
    *(f"ALTER TABLE {table} ALTER COLUMN phone SET NOT NULL" for table in TABLES),
    "ALTER TABLE citizen_account ADD CONSTRAINT citizen_account_phone_key UNIQUE (phone)",
    "CREATE INDEX one_time_code_phone ON one_time_code (phone)",
    "CREATE INDEX one_time_code_phone_created_idx ON one_time_code (phone, created_at DESC)",
    *(
        f"ALTER TABLE {table} DROP COLUMN phone_encrypted, DROP COLUMN phone_index"
        for table in TABLES
    ),
]


def _keyrings() -> Any:
    """The keys of this process's settings; read only when a table has rows to convert."""
    from backend.platform.config import get_settings

    return get_settings().keyrings


def _connection() -> Any:
    """The connection of the transaction Piccolo runs this migration in."""
    transaction = DB.current_transaction.get()
    if transaction is None:
        raise RuntimeError("the phone migration must run inside Piccolo's transaction")
    return transaction.connection


async def _convert(
    table: str, pending: str, read: str, write: str, remake: Callable[[Any], tuple[Any, ...]]
) -> None:
    """Every row of ``table`` matching ``pending``, ``BATCH`` at a time by id: ``read`` is the
    column given to ``remake``, whose values ``write`` sets (from arrays, one UPDATE a batch)."""
    conn, after = _connection(), 0
    while True:
        rows = await conn.fetch(
            f"SELECT id, {read} AS value FROM {table} WHERE id > $1 AND {pending}"
            " ORDER BY id LIMIT $2",
            after,
            BATCH,
        )
        if not rows:
            return
        made = [remake(row["value"]) for row in rows]
        columns = [list(column) for column in zip(*made, strict=True)]
        await conn.execute(write.format(table=table), [row["id"] for row in rows], *columns)
        after = rows[-1]["id"]


def _sealed(keys: Any) -> Callable[[Any], tuple[Any, ...]]:
    return lambda phone: (
        seal(keys.id_encryption, phone, SEALED_FOR),
        keyed_index(keys.phone_index, phone),
    )


def _opened(keys: Any) -> Callable[[Any], tuple[Any, ...]]:
    return lambda blob: (unseal(keys.id_encryption, bytes(blob), SEALED_FOR),)


async def _has_rows(table: str) -> bool:
    found: bool = await _connection().fetchval(f"SELECT EXISTS (SELECT 1 FROM {table})")
    return found


async def _encrypt_rows() -> None:
    write = (
        "UPDATE {table} t SET phone_encrypted = u.e, phone_index = u.i"
        " FROM unnest($1::bigint[], $2::bytea[], $3::text[]) AS u(k, e, i) WHERE t.id = u.k"
    )
    for table in TABLES:
        if await _has_rows(table):
            keys = _keyrings()
            await _convert(table, "phone_index IS NULL", "phone", write, _sealed(keys))


async def _decrypt_rows() -> None:
    write = (
        "UPDATE {table} t SET phone = u.p"
        " FROM unnest($1::bigint[], $2::text[]) AS u(k, p) WHERE t.id = u.k"
    )
    for table in TABLES:
        if await _has_rows(table):
            keys = _keyrings()
            await _convert(table, "phone IS NULL", "phone_encrypted", write, _opened(keys))


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="credit", description=DESCRIPTION)

    async def run() -> None:
        for statement in ADD:
            await DB.run_ddl(statement)
        await _encrypt_rows()
        for statement in FORWARDS_AFTER:
            await DB.run_ddl(statement)

    async def run_backwards() -> None:
        for statement in BACKWARDS_BEFORE:
            await DB.run_ddl(statement)
        await _decrypt_rows()
        for statement in BACKWARDS_AFTER:
            await DB.run_ddl(statement)

    manager.add_raw(run)
    manager.add_raw_backwards(run_backwards)
    return manager
