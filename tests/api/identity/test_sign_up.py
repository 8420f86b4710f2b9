"""Sign-up with the real-name check (三要素), sign-in, and the ID number at rest and on the wire."""

from __future__ import annotations

import datetime as dt
from typing import Any

import asyncpg
import httpx
import jwt
from redis.asyncio import Redis

from backend.identity import service as identity
from backend.identity.id_number import check_digit
from backend.identity.service import REAL_NAME_CHECK_FAILED
from backend.identity.sms import MemorySmsSender
from backend.platform.config import Settings
from tests import factories as f
from tests.api.identity.problems import assert_problem


async def _code(client: httpx.AsyncClient, sms: MemorySmsSender, phone: str) -> str:
    response = await client.post("/v1/auth/codes", json={"phone": phone})
    assert response.status_code == 200, response.text
    return sms.last(phone)


async def _sign_up(
    client: httpx.AsyncClient,
    sms: MemorySmsSender,
    phone: str,
    name: str,
    number: str,
    *,
    language: str = "zh-CN",
) -> httpx.Response:
    code = await _code(client, sms, phone)
    return await client.post(
        "/v1/auth/sign-up",
        json={"phone": phone, "code": code, "name": name, "idNumber": number, **f.ACCEPTED_NOTICES},
        headers={"Accept-Language": language},
    )


async def _fetch(settings: Settings, query: str, *args: Any) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(settings.database_url)
    try:
        return await conn.fetch(query, *args)
    finally:
        await conn.close()


async def _skip_resend(settings: Settings, redis: Redis, phone: str) -> None:
    await redis.delete(f.otp_key("resend", phone))


async def test_sign_up_creates_the_account_and_returns_tokens(
    client: httpx.AsyncClient, sms: MemorySmsSender, settings: Settings
) -> None:
    phone, number = "13900002001", f.id_number()
    await f.register_person(client, await f.registrar(), number, "陈晨", phone)
    response = await _sign_up(client, sms, phone, "陈晨", number)
    assert response.status_code == 201, response.text
    tokens = response.json()
    assert tokens["tokenType"] == "Bearer"
    assert tokens["expiresIn"] == settings.access_token_minutes * 60
    assert tokens["refreshExpiresIn"] == settings.refresh_token_days * 86400
    assert len(tokens["refreshToken"]) >= 20
    claims = jwt.decode(tokens["accessToken"], settings.jwt_secret, algorithms=["HS256"])
    assert claims["extras"]["kind"] == "citizen"
    assert claims["exp"] - claims["iat"] == settings.access_token_minutes * 60

    assert response.headers["location"] == "/v1/me"
    me = await client.get(response.headers["location"], headers=f.bearer(tokens))
    assert me.status_code == 200, me.text
    assert me.json()["name"] == "陈晨"
    assert me.json()["phoneMasked"] == "139****2001"
    rows = await _fetch(settings, "SELECT phone_encrypted, citizen FROM citizen_account")
    assert [identity.decrypt_phone(r["phone_encrypted"]) for r in rows] == [phone]


async def test_sign_up_accepts_a_lower_case_x_and_links_the_same_citizen(
    client: httpx.AsyncClient, sms: MemorySmsSender, settings: Settings
) -> None:
    phone = "13900002002"
    number = next(
        n for n in (f.id_number() for _ in range(40)) if n.endswith("X")
    )  # one with an X check digit
    await f.register_person(client, await f.registrar(), number, "林夕", phone)
    response = await _sign_up(client, sms, phone, "林夕", number.lower())
    assert response.status_code == 201, response.text
    me = (await client.get("/v1/me", headers=f.bearer(response.json()))).json()
    assert me["idNumberMasked"].endswith("X")
    assert len(await _fetch(settings, "SELECT id FROM citizen")) == 1


async def test_sign_up_links_a_citizen_already_known_from_records(
    client: httpx.AsyncClient, sms: MemorySmsSender, settings: Settings
) -> None:
    phone, number = "13900002003", f.id_number()
    dept = await f.department()
    batch = await client.post(
        "/v1/department/records:batch",
        json={"records": [f.record(number, "k-1")]},
        headers={"X-Api-Key": dept},
    )
    assert batch.json()["accepted"] == 1
    await f.register_person(client, await f.registrar(), number, "张三", phone)
    response = await _sign_up(client, sms, phone, "张三", number)
    assert response.status_code == 201, response.text
    citizens = await _fetch(settings, "SELECT id FROM citizen")
    accounts = await _fetch(settings, "SELECT citizen FROM citizen_account")
    assert len(citizens) == 1
    assert accounts[0]["citizen"] == citizens[0]["id"]
    records = (await client.get("/v1/me/records", headers=f.bearer(response.json()))).json()
    assert len(records["items"]) == 1


async def test_sign_up_shows_the_verified_name_not_the_one_a_department_reported(
    client: httpx.AsyncClient, sms: MemorySmsSender, settings: Settings
) -> None:
    phone, number = "13900002025", f.id_number()
    dept = await f.department()
    record = f.record(number, "k-2", citizenName="张叁丰")  # a department's typo
    batch = await client.post(
        "/v1/department/records:batch", json={"records": [record]}, headers={"X-Api-Key": dept}
    )
    assert batch.json()["accepted"] == 1
    await f.register_person(client, await f.registrar(), number, "张三丰", phone)
    response = await _sign_up(client, sms, phone, "张三丰", number)
    assert response.status_code == 201, response.text
    me = (await client.get("/v1/me", headers=f.bearer(response.json()))).json()
    assert me["name"] == "张三丰"


async def test_invalid_id_checksum_is_refused_naming_the_field(
    client: httpx.AsyncClient, sms: MemorySmsSender
) -> None:
    phone, number = "13900002004", f.id_number()
    bad = number[:-1] + ("0" if number[-1] != "0" else "1")
    await f.register_person(client, await f.registrar(), number, "陈晨", phone)
    response = await _sign_up(client, sms, phone, "陈晨", bad)
    body = assert_problem(response, 422, "invalid-id-number", field="idNumber")
    assert body["detail"] == "身份证号无效：校验码不正确（GB 11643）"
    assert body["errors"][0]["field"] == "idNumber"


async def test_invalid_id_number_does_not_use_up_the_code(
    client: httpx.AsyncClient, sms: MemorySmsSender
) -> None:
    phone, number = "13900002005", f.id_number()
    await f.register_person(client, await f.registrar(), number, "陈晨", phone)
    code = await _code(client, sms, phone)
    body = {"phone": phone, "code": code, "name": "陈晨", **f.ACCEPTED_NOTICES}
    bad = number[:-1] + ("0" if number[-1] != "0" else "1")
    refused = await client.post("/v1/auth/sign-up", json={**body, "idNumber": bad})
    assert_problem(refused, 422, "invalid-id-number", field="idNumber")
    accepted = await client.post("/v1/auth/sign-up", json={**body, "idNumber": number})
    assert accepted.status_code == 201, accepted.text


async def test_impossible_birth_date_is_refused(
    client: httpx.AsyncClient, sms: MemorySmsSender
) -> None:
    body17 = "33010619880231001"  # 31 February
    response = await _sign_up(client, sms, "13900002006", "陈晨", body17 + check_digit(body17))
    detail = assert_problem(response, 422, "invalid-id-number", field="idNumber")["detail"]
    assert "出生日期" in detail and "不是真实日期" in detail


async def test_future_birth_date_is_refused(
    client: httpx.AsyncClient, sms: MemorySmsSender
) -> None:
    number = f.id_number(born=dt.date.today() + dt.timedelta(days=30))
    response = await _sign_up(client, sms, "13900002007", "陈晨", number, language="en")
    detail = assert_problem(response, 422, "invalid-id-number", field="idNumber")["detail"]
    assert detail == "invalid ID number: the birth date (digits 7-14) is out of range"


async def test_id_number_of_wrong_length_is_refused(
    client: httpx.AsyncClient, sms: MemorySmsSender
) -> None:
    response = await _sign_up(client, sms, "13900002008", "陈晨", "33010619880601001")
    assert_problem(response, 422, "validation-failed", field="idNumber")


async def test_person_not_in_the_registry_fails_the_real_name_check(
    client: httpx.AsyncClient, sms: MemorySmsSender, settings: Settings
) -> None:
    response = await _sign_up(client, sms, "13900002009", "陈晨", f.id_number())
    body = assert_problem(response, 403, "real-name-check-failed")
    assert body["detail"] == REAL_NAME_CHECK_FAILED[0]  # Chinese by default
    assert await _fetch(settings, "SELECT id FROM citizen_account") == []


async def test_wrong_name_fails_the_real_name_check(
    client: httpx.AsyncClient, sms: MemorySmsSender, settings: Settings
) -> None:
    phone, number = "13900002010", f.id_number()
    await f.register_person(client, await f.registrar(), number, "陈晨", phone)
    response = await _sign_up(client, sms, phone, "陈辰", number)
    body = assert_problem(response, 403, "real-name-check-failed")
    assert body["detail"] == REAL_NAME_CHECK_FAILED[0]  # Chinese by default
    assert await _fetch(settings, "SELECT id FROM citizen_account") == []


async def test_wrong_phone_fails_the_real_name_check(
    client: httpx.AsyncClient, sms: MemorySmsSender, settings: Settings
) -> None:
    number = f.id_number()
    await f.register_person(client, await f.registrar(), number, "陈晨", "13900002011")
    response = await _sign_up(client, sms, "13900002012", "陈晨", number)
    body = assert_problem(response, 403, "real-name-check-failed")
    assert body["detail"] == REAL_NAME_CHECK_FAILED[0]  # Chinese by default
    assert await _fetch(settings, "SELECT id FROM citizen_account") == []


async def test_registry_update_is_used_by_the_next_check(
    client: httpx.AsyncClient, sms: MemorySmsSender, settings: Settings, redis: Redis
) -> None:
    number, registrar = f.id_number(), await f.registrar()
    await f.register_person(client, registrar, number, "陈晨", "13900002013")
    refused = await _sign_up(client, sms, "13900002014", "陈晨", number)
    assert_problem(refused, 403, "real-name-check-failed")
    await f.register_person(client, registrar, number, "陈晨", "13900002014")
    await _skip_resend(settings, redis, "13900002014")
    accepted = await _sign_up(client, sms, "13900002014", "陈晨", number)
    assert accepted.status_code == 201, accepted.text


async def test_second_sign_up_with_the_same_person_and_phone_is_refused(
    client: httpx.AsyncClient, sms: MemorySmsSender, settings: Settings, redis: Redis
) -> None:
    phone, number = "13900002015", f.id_number()
    await f.register_person(client, await f.registrar(), number, "陈晨", phone)
    assert (await _sign_up(client, sms, phone, "陈晨", number)).status_code == 201
    await _skip_resend(settings, redis, phone)
    response = await _sign_up(client, sms, phone, "陈晨", number)
    assert_problem(response, 409, "account-exists")
    assert len(await _fetch(settings, "SELECT id FROM citizen_account")) == 1


async def test_second_sign_up_for_the_same_person_with_a_new_phone_is_refused(
    client: httpx.AsyncClient, sms: MemorySmsSender, settings: Settings
) -> None:
    number, registrar = f.id_number(), await f.registrar()
    await f.register_person(client, registrar, number, "陈晨", "13900002016")
    assert (await _sign_up(client, sms, "13900002016", "陈晨", number)).status_code == 201
    # The person's registered phone changes; the account stays with the old phone.
    await f.register_person(client, registrar, number, "陈晨", "13900002017")
    response = await _sign_up(client, sms, "13900002017", "陈晨", number)
    assert_problem(response, 409, "account-exists")
    rows = await _fetch(settings, "SELECT phone_encrypted FROM citizen_account")
    assert [identity.decrypt_phone(r["phone_encrypted"]) for r in rows] == ["13900002016"]


async def test_second_sign_up_for_another_person_with_a_taken_phone_is_refused(
    client: httpx.AsyncClient, sms: MemorySmsSender, settings: Settings, redis: Redis
) -> None:
    phone, first, second = "13900002018", f.id_number(), f.id_number()
    registrar = await f.registrar()
    await f.register_person(client, registrar, first, "陈晨", phone)
    await f.register_person(client, registrar, second, "吴昊", phone)
    assert (await _sign_up(client, sms, phone, "陈晨", first)).status_code == 201
    await _skip_resend(settings, redis, phone)
    response = await _sign_up(client, sms, phone, "吴昊", second)
    assert_problem(response, 409, "account-exists")
    assert len(await _fetch(settings, "SELECT id FROM citizen_account")) == 1


async def test_sign_in_returns_a_new_session_for_an_existing_account(
    client: httpx.AsyncClient, sms: MemorySmsSender, settings: Settings, redis: Redis
) -> None:
    phone = "13900002019"
    first = await f.citizen_tokens(
        client,
        sms,
        phone=phone,
        name="陈晨",
        number=f.id_number(),
        registrar_key=await f.registrar(),
    )
    await _skip_resend(settings, redis, phone)
    code = await _code(client, sms, phone)
    response = await client.post("/v1/auth/sign-in", json={"phone": phone, "code": code})
    assert response.status_code == 200, response.text
    second = response.json()
    assert second["refreshToken"] != first["refreshToken"]
    me = await client.get("/v1/me", headers=f.bearer(second))
    assert me.status_code == 200 and me.json()["name"] == "陈晨"
    rows = await _fetch(settings, "SELECT last_sign_in_at FROM citizen_account")
    assert rows[0]["last_sign_in_at"] is not None


async def test_sign_in_for_an_unknown_phone_is_not_found(
    client: httpx.AsyncClient, sms: MemorySmsSender
) -> None:
    phone = "13900002020"
    code = await _code(client, sms, phone)
    response = await client.post("/v1/auth/sign-in", json={"phone": phone, "code": code})
    assert_problem(response, 404, "account-not-found")


async def test_id_number_is_stored_encrypted_with_a_keyed_index(
    client: httpx.AsyncClient, sms: MemorySmsSender, settings: Settings
) -> None:
    phone, number = "13900002021", f.id_number()
    await f.register_person(client, await f.registrar(), number, "陈晨", phone)
    assert (await _sign_up(client, sms, phone, "陈晨", number)).status_code == 201
    for table in ("citizen", "population_registry"):
        rows = await _fetch(settings, f"SELECT id_number_encrypted, id_number_index FROM {table}")
        assert len(rows) == 1
        blob, index = bytes(rows[0]["id_number_encrypted"]), rows[0]["id_number_index"]
        assert number.encode() not in blob
        assert number[-8:].encode() not in blob
        assert index != number and number not in index
        assert len(index) == 64
    citizen_index = (await _fetch(settings, "SELECT id_number_index FROM citizen"))[0][0]
    registry_index = (await _fetch(settings, "SELECT id_number_index FROM population_registry"))[0][
        0
    ]
    assert citizen_index == registry_index
    dump = await _fetch(
        settings,
        # Every column of both tables, whatever columns they gain.
        "SELECT row_to_json(c)::text AS j FROM citizen c"
        " UNION ALL SELECT row_to_json(p)::text FROM population_registry p",
    )
    assert all(number not in r["j"] for r in dump)


async def test_profile_shows_the_id_number_masked(
    client: httpx.AsyncClient, sms: MemorySmsSender
) -> None:
    number = f.id_number()
    tokens = await f.citizen_tokens(
        client,
        sms,
        phone="13900002022",
        name="陈晨",
        number=number,
        registrar_key=await f.registrar(),
    )
    response = await client.get("/v1/me", headers=f.bearer(tokens))
    assert response.status_code == 200, response.text
    me = response.json()
    assert me["idNumberMasked"] == number[:4] + "*" * 10 + number[-4:]
    assert number not in response.text
    assert me["phoneMasked"] == "139****2022"
    assert "13900002022" not in response.text
    assert me["language"] == "zh-CN"
    assert dt.datetime.fromisoformat(me["memberSince"]).tzinfo is not None


async def test_sign_up_with_missing_fields_is_refused(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/auth/sign-up", json={"phone": "13900002023", "code": "123456"}
    )
    body = assert_problem(response, 422, "validation-failed", field="name")
    assert body["detail"] == "name: 必填"


async def test_sign_up_with_an_empty_name_is_refused(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/auth/sign-up",
        json={"phone": "13900002024", "code": "123456", "name": "", "idNumber": f.id_number()},
    )
    assert_problem(response, 422, "validation-failed", field="name")
