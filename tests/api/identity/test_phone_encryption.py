"""Phone numbers encrypted at rest (issue 18): the migration converts the rows of before in
batches and back; key rotation moves phones to the current keys; look-ups by phone go through
the blind index and keep two citizens apart; a phone shows masked, and no log line of the phone
paths holds one, even at DEBUG."""

from __future__ import annotations

import base64
import logging
import secrets
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from cryptography.exceptions import InvalidTag
from litestar import Litestar

from backend.identity import rotation
from backend.identity import service as identity
from backend.identity.sms import LogSmsSender, MemorySmsSender, log_sent, mask_phone
from backend.platform.config import REPO_ROOT, Settings, SettingsError, load_settings
from backend.platform.database import connection
from tests import factories as f
from tests.api.identity.test_key_rotation import _keys, _rotated
from tests.conftest import _with_database
from tests.phone_leaks import phones_in
from tests.processes import service_env

PREVIOUS = "2026-12-04T03:00:00:000000"
PHONES_MIGRATION = "2026-12-04T04:00:00:000000"
ACCOUNTS, CODES = 1_203, 2_405  # more than two batches of 1,000 each


def _key() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode()


def _phone(n: int) -> str:
    return f"139{n:08d}"


@pytest.fixture
def keys(app: Litestar) -> Iterator[Any]:
    """``keys(**changes)`` switches the settings for the rest of the test (as in
    test_key_rotation)."""
    with ExitStack() as stack:
        yield lambda **changes: stack.enter_context(_keys(app, **changes))


# --- the migration ---------------------------------------------------------------------------


def _migrate(dsn: str, direction: str, migration_id: str, env: dict[str, str]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "tests.platform.migration_roundtrip", dsn, direction, migration_id],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]


async def _plain_rows(conn: Any) -> None:
    """Rows as they were before the phones were encrypted."""
    await conn.execute(
        "INSERT INTO citizen (id_number_index, id_number_encrypted, name, created_at)"
        " SELECT 'idx-' || g, '\\x00', '张三', now() FROM generate_series(1, $1) g",
        ACCOUNTS,
    )
    await conn.execute(
        "INSERT INTO citizen_account (citizen, phone, language, created_at)"
        " SELECT id, '139' || lpad(id::text, 8, '0'), 'zh-CN', now() FROM citizen"
    )
    await conn.execute(
        "INSERT INTO one_time_code (phone, code_hash, created_at, expires_at, attempts)"
        " SELECT '139' || lpad(g::text, 8, '0'), 'h', now(), now() + interval '5 minutes', 0"
        " FROM generate_series(1, $1) g",
        CODES,
    )
    await conn.execute(
        "INSERT INTO population_registry (id_number_index, id_number_encrypted, name, phone,"
        " updated_at) VALUES ('r-1', '\\x00', '李四', '13800138000', now()),"
        " ('r-2', '\\x00', '王五', '13700137000', now())"
    )


async def _columns(conn: Any, table: str) -> set[str]:
    rows = await conn.fetch(
        "SELECT column_name FROM information_schema.columns WHERE table_name = $1", table
    )
    return {r[0] for r in rows}


async def _check_encrypted(conn: Any) -> None:
    for table in ("citizen_account", "one_time_code", "population_registry"):
        assert "phone" not in await _columns(conn, table)
    accounts = await conn.fetch(
        "SELECT citizen, phone_encrypted, phone_index FROM citizen_account ORDER BY citizen"
    )
    assert len(accounts) == ACCOUNTS
    for row in accounts:
        phone = identity.decrypt_phone(row["phone_encrypted"])
        assert phone == _phone(row["citizen"]) and row["phone_index"] == identity.phone_index(phone)
    codes = await conn.fetch("SELECT id, phone_encrypted, phone_index FROM one_time_code")
    assert len(codes) == CODES
    assert {identity.decrypt_phone(r["phone_encrypted"]) for r in codes} == {
        _phone(n) for n in range(1, CODES + 1)
    }
    assert all(r["phone_index"] == identity.phone_index(_phone(r["id"])) for r in codes)
    registry = await conn.fetch("SELECT name, phone_encrypted FROM population_registry")
    assert {(r["name"], identity.decrypt_phone(r["phone_encrypted"])) for r in registry} == {
        ("李四", "13800138000"),
        ("王五", "13700137000"),
    }


async def test_the_migration_encrypts_the_phones_of_before_and_backwards_restores_them(
    app: Any, servers: tuple[str, str], settings: Settings, tmp_path: Path
) -> None:
    admin_url = servers[0]
    name = f"cc_phones_{secrets.token_hex(4)}"
    admin = await asyncpg.connect(admin_url)
    await admin.execute(f'CREATE DATABASE "{name}"')
    dsn = _with_database(admin_url, name)
    # the migration process reads the keys this session's API uses, as `migrate` does in prod
    env = service_env(settings, database_url=dsn, redis_url=servers[1], var=tmp_path)
    try:
        _migrate(dsn, "forwards", PREVIOUS, env)
        conn = await asyncpg.connect(dsn)
        try:
            await _plain_rows(conn)
            _migrate(dsn, "forwards", PHONES_MIGRATION, env)
            await _check_encrypted(conn)
            with pytest.raises(asyncpg.UniqueViolationError):  # still one account per phone
                await conn.execute(
                    "UPDATE citizen_account SET phone_index = (SELECT phone_index"
                    " FROM citizen_account WHERE citizen = 1) WHERE citizen = 2"
                )
            _migrate(dsn, "backwards", PHONES_MIGRATION, env)
            assert {"phone_encrypted", "phone_index"}.isdisjoint(
                await _columns(conn, "citizen_account")
            )
            accounts = await conn.fetch("SELECT citizen, phone FROM citizen_account")
            assert len(accounts) == ACCOUNTS
            assert all(r["phone"] == _phone(r["citizen"]) for r in accounts)
            codes = await conn.fetch("SELECT id, phone FROM one_time_code")
            assert len(codes) == CODES and all(r["phone"] == _phone(r["id"]) for r in codes)
            registry = await conn.fetch("SELECT phone FROM population_registry ORDER BY phone")
            assert [r["phone"] for r in registry] == ["13700137000", "13800138000"]
            with pytest.raises(asyncpg.UniqueViolationError):  # the plain unique key is back
                await conn.execute("UPDATE citizen_account SET phone = '13900000001'")
            _migrate(dsn, "forwards", PHONES_MIGRATION, env)  # and forwards again
            await _check_encrypted(conn)
        finally:
            await conn.close()
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


# --- keys --------------------------------------------------------------------------------------


def test_the_phone_index_key_is_its_own_and_production_requires_it() -> None:
    base = {
        "APP_ENV": "production",
        "JWT_SECRET": "j" * 40,
        "ID_ENCRYPTION_KEY": _key(),
        "ID_INDEX_KEY": _key(),
        "OTP_HASH_KEY": _key(),
        "VERIFICATION_SIGNING_KEY": _key(),
        "SMS_PROVIDER": "aliyun",
        "SMS_ACCESS_KEY_ID": "id",
        "SMS_ACCESS_KEY_SECRET": "secret",
        "SMS_SIGN_NAME": "sign",
        "SMS_TEMPLATE_ID": "SMS_1",
    }
    with pytest.raises(SettingsError, match="PHONE_INDEX_KEY"):
        load_settings(base)
    phone_key = _key()
    rings = load_settings(
        {
            **base,
            "PHONE_INDEX_KEY": phone_key,
            "PHONE_INDEX_KEY_ID": "p2",
            "PHONE_INDEX_OLD_KEYS": f"1:{_key()}",
        }
    ).keyrings
    assert rings.phone_index.current == base64.b64decode(phone_key)
    assert list(rings.phone_index.keys) == ["p2", "1"]
    with pytest.raises(SettingsError, match="PHONE_INDEX_OLD_KEYS"):
        load_settings({**base, "PHONE_INDEX_KEY": phone_key, "PHONE_INDEX_OLD_KEYS": "x"})
    # outside production, unset: derived from the ID index keys, never equal to them
    test = load_settings({**base, "APP_ENV": "test", "SMS_PROVIDER": "log"}).keyrings
    assert list(test.phone_index.keys) == list(test.id_index.keys)
    assert test.phone_index.current != test.id_index.current


async def test_a_phone_and_an_id_number_index_apart(app: Any) -> None:
    same = "13900012001"
    assert identity.phone_index(same) != identity.id_number_index(same)
    sealed = identity.encrypt_phone(same)
    assert identity.decrypt_phone(sealed) == same
    with pytest.raises(InvalidTag):  # a phone's ciphertext never opens as an ID number
        identity.decrypt_id_number(sealed)


async def _phone_rows() -> dict[str, list[tuple[str, bytes]]]:
    found: dict[str, list[tuple[str, bytes]]] = {}
    async with connection() as conn:
        for table in ("citizen_account", "one_time_code", "population_registry"):
            rows = await conn.fetch(f"SELECT phone_index, phone_encrypted FROM {table}")
            found[table] = [(r[0], bytes(r[1])) for r in rows]
    return found


async def _sign_in(client: httpx.AsyncClient, sms: MemorySmsSender, phone: str) -> Any:
    assert (await client.post("/v1/auth/codes", json={"phone": phone})).status_code == 200
    return await client.post("/v1/auth/sign-in", json={"phone": phone, "code": sms.last(phone)})


async def test_rotation_moves_phones_to_the_current_keys(
    client: httpx.AsyncClient, sms: MemorySmsSender, settings: Settings, keys: Any, redis: Any
) -> None:
    registrar = await f.registrar()
    await f.citizen_tokens(
        client, sms, phone="13900012101", name="周敏", number=f.id_number(), registrar_key=registrar
    )
    await f.register_person(client, registrar, f.id_number(), "吴刚", "13900012102")
    assert (await client.post("/v1/auth/codes", json={"phone": "13900012103"})).status_code == 200
    keys(**_rotated(settings, _key(), _key()))  # the phone index keys rotate with the ID's
    await redis.delete(f.otp_key("resend", "13900012101"))
    # under B with A old: the account made under A is found, its phone still reads
    signed_in = await _sign_in(client, sms, "13900012101")
    assert signed_in.status_code == 200, signed_in.text
    me = await client.get("/v1/me", headers=f.bearer(signed_in.json()))
    assert me.json()["phoneMasked"] == "139****2101"
    # another person with that phone cannot open a second account: the unique key sees only
    # the current index, the sign-up looks under every key
    other = f.id_number()
    await f.register_person(client, registrar, other, "郑洁", "13900012101")
    await redis.delete(f.otp_key("resend", "13900012101"))
    assert (await client.post("/v1/auth/codes", json={"phone": "13900012101"})).status_code == 200
    second = await client.post(
        "/v1/auth/sign-up",
        json={
            "phone": "13900012101",
            "code": sms.last("13900012101"),
            "name": "郑洁",
            "idNumber": other,
            **f.ACCEPTED_NOTICES,
        },
    )
    assert second.status_code == 409, second.text
    for rewrite in rotation.rewrites():
        await rotation.rotate_table(rewrite, 2)
    assert {t: n for t, n in (await rotation.stale_counts()).items() if n} == {}
    rows = await _phone_rows()
    assert all(rows.values())
    for table, found in rows.items():
        assert all(index.startswith("2$") for index, _ in found), table
        assert all(sealed.startswith(b"ck1:2:") for _, sealed in found), table
    keys(id_encryption_old_keys="", id_index_old_keys="")  # A gone: everything still found
    await redis.delete(f.otp_key("resend", "13900012101"))
    again = await _sign_in(client, sms, "13900012101")
    assert again.status_code == 200, again.text
    assert again.json()["accessToken"] and signed_in.json()["accessToken"]
    async with connection() as conn:
        assert await conn.fetchval("SELECT count(*) FROM citizen_account") == 1


# --- look-ups and what shows -------------------------------------------------------------------


async def test_two_citizens_phones_find_each_their_own_account(
    client: httpx.AsyncClient, sms: MemorySmsSender, redis: Any
) -> None:
    registrar = await f.registrar()
    people = {"13900012201": ("钱多", f.id_number()), "13900012202": ("孙少", f.id_number())}
    for phone, (name, number) in people.items():
        await f.citizen_tokens(
            client, sms, phone=phone, name=name, number=number, registrar_key=registrar
        )
    codes = {}
    for phone in people:
        await redis.delete(f.otp_key("resend", phone))
        assert (await client.post("/v1/auth/codes", json={"phone": phone})).status_code == 200
        codes[phone] = sms.last(phone)
    first, second = list(people)
    # one phone's code does not sign the other in
    crossed = await client.post("/v1/auth/sign-in", json={"phone": first, "code": codes[second]})
    if codes[first] != codes[second]:
        assert crossed.status_code == 401, crossed.text
    for phone, (name, number) in people.items():
        await redis.delete(f.otp_key("resend", phone))
        signed = await _sign_in(client, sms, phone)
        assert signed.status_code == 200, signed.text
        me = (await client.get("/v1/me", headers=f.bearer(signed.json()))).json()
        assert me["name"] == name and me["phoneMasked"] == mask_phone(phone)
        assert me["idNumberMasked"].endswith(number[-4:])
        account = await f.account_of_phone(phone)
        assert account is not None and identity.decrypt_phone(account["phone_encrypted"]) == phone
    accounts = [await f.account_of_phone(phone) for phone in people]
    assert accounts[0]["citizen"] != accounts[1]["citizen"]


async def test_no_log_line_of_the_phone_paths_holds_a_phone_even_at_debug(
    client: httpx.AsyncClient, sms: MemorySmsSender, caplog: pytest.LogCaptureFixture, redis: Any
) -> None:
    phone = "13900012301"
    with caplog.at_level(logging.DEBUG):
        registrar = await f.registrar()
        await f.citizen_tokens(
            client, sms, phone=phone, name="冯雪", number=f.id_number(), registrar_key=registrar
        )
        await redis.delete(f.otp_key("resend", phone))
        assert (await _sign_in(client, sms, phone)).status_code == 200
        # the real-name check refused: its reason is logged, with the phone masked
        assert (await client.post("/v1/auth/codes", json={"phone": "13900012302"})).is_success
        sign_up = await client.post(
            "/v1/auth/sign-up",
            json={
                "phone": "13900012302",
                "code": sms.last("13900012302"),
                "name": "冯雪",
                "idNumber": f.id_number(),
                **f.ACCEPTED_NOTICES,
            },
        )
        assert sign_up.status_code == 403, sign_up.text
        await LogSmsSender().send_code(phone, "123456")
        log_sent(provider="aliyun", phone=phone, request_id="r-1")
    assert caplog.records, "nothing was logged: the check would prove nothing"
    assert any("139****2301" in r.getMessage() for r in caplog.records)
    leaked = [r.getMessage() for r in caplog.records if phones_in(r)]
    assert leaked == []


async def test_a_registry_answer_and_a_code_answer_show_no_whole_phone(
    client: httpx.AsyncClient,
) -> None:
    registrar = await f.registrar()
    answer = await client.post(
        "/v1/department/registry/entries:batch",
        json={"entries": [{"idNumber": f.id_number(), "name": "陈晨", "phone": "13900012401"}]},
        headers={"X-Api-Key": registrar},
    )
    assert answer.status_code == 200 and "13900012401" not in answer.text
    sent = await client.post("/v1/auth/codes", json={"phone": "13900012402"})
    assert sent.json()["phone"] == "139****2402" and "13900012402" not in sent.text
