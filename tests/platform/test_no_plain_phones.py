"""No phone number in plain text anywhere in the database (issue 18): a database populated
through the API (two sign-ups, a registry batch, a code request) is searched column by column,
every text, character, JSON and array column of every table and every bytea (where a phone
stored unsealed would sit as its bytes), for each phone used; and Redis's keys of this session.
The search is shown to find a plain phone column when there is one."""

from __future__ import annotations

from typing import Any

import asyncpg
import httpx
from redis.asyncio import Redis

from backend.identity.sms import MemorySmsSender
from backend.platform.config import Settings
from tests import factories as f

PHONES = ("13900011001", "13900011002", "13900011003", "13900011004")
_TEXTUAL = ("text", "character varying", "character", "json", "jsonb", "ARRAY", "USER-DEFINED")


async def _columns(conn: Any) -> list[tuple[str, str, str]]:
    """(table, column, data type) of every column of every table in the public schema."""
    rows = await conn.fetch(
        "SELECT c.table_name, c.column_name, c.data_type FROM information_schema.columns c"
        " JOIN information_schema.tables t USING (table_schema, table_name)"
        " WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'"
        " ORDER BY c.table_name, c.ordinal_position"
    )
    return [(r["table_name"], r["column_name"], r["data_type"]) for r in rows]


async def plain_phone_columns(conn: Any, phones: tuple[str, ...]) -> list[str]:
    """``table.column`` of every column holding one of ``phones`` in plain text."""
    patterns = [f"%{phone}%" for phone in phones]
    raw = [phone.encode() for phone in phones]
    found: list[str] = []
    for table, column, kind in await _columns(conn):
        if kind in _TEXTUAL:
            test = f'"{column}"::text LIKE ANY($1::text[])'
            args: list[Any] = [patterns]
        elif kind == "bytea":
            test = (
                f'EXISTS (SELECT 1 FROM unnest($1::bytea[]) p WHERE position(p IN "{column}") > 0)'
            )
            args = [raw]
        else:
            continue
        if await conn.fetchval(f'SELECT EXISTS (SELECT 1 FROM "{table}" WHERE {test})', *args):
            found.append(f"{table}.{column}")
    return found


async def _populate(client: httpx.AsyncClient, sms: MemorySmsSender) -> None:
    registrar = await f.registrar()
    for phone, name in zip(PHONES[:2], ("王芳", "赵磊"), strict=True):
        await f.citizen_tokens(
            client, sms, phone=phone, name=name, number=f.id_number(), registrar_key=registrar
        )
    await f.register_person(client, registrar, f.id_number(), "孙丽", PHONES[2])
    assert (await client.post("/v1/auth/codes", json={"phone": PHONES[3]})).status_code == 200


async def test_no_table_holds_a_phone_in_plain_text(
    client: httpx.AsyncClient, sms: MemorySmsSender, settings: Settings, redis: Redis
) -> None:
    await _populate(client, sms)
    conn = await asyncpg.connect(settings.database_url)
    try:
        # the data is there, only not in plain text
        assert await conn.fetchval("SELECT count(*) FROM citizen_account") == 2
        assert await conn.fetchval("SELECT count(*) FROM population_registry") == 3
        assert await conn.fetchval("SELECT count(*) FROM one_time_code") == 3
        assert await plain_phone_columns(conn, PHONES) == []
    finally:
        await conn.close()
    keys = [key.decode() async for key in redis.scan_iter(match=f"{settings.redis_namespace}:*")]
    assert keys and not [key for key in keys if any(phone in key for phone in PHONES)]


async def test_the_search_finds_a_plain_phone_column(
    client: httpx.AsyncClient, sms: MemorySmsSender, settings: Settings
) -> None:
    """As before issue 18: a plain ``phone`` column (added and rolled back here) is named."""
    await _populate(client, sms)
    conn = await asyncpg.connect(settings.database_url)
    try:
        async with conn.transaction():
            await conn.execute("ALTER TABLE citizen_account ADD COLUMN phone varchar(20)")
            await conn.execute(
                "UPDATE citizen_account SET phone = $1 WHERE id = (SELECT min(id)"
                " FROM citizen_account)",
                PHONES[0],
            )
            await conn.execute("ALTER TABLE one_time_code ADD COLUMN sent bytea")
            await conn.execute("UPDATE one_time_code SET sent = convert_to($1, 'UTF8')", PHONES[3])
            found = await plain_phone_columns(conn, PHONES)
            raise _RollBack
    except _RollBack:
        pass
    finally:
        await conn.close()
    assert found == ["citizen_account.phone", "one_time_code.sent"]


class _RollBack(Exception):
    """Leaves the transaction that added the plain columns."""
