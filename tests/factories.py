"""Builders for test data through the real services and API."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import httpx

from backend.identity import service as identity
from backend.identity.id_number import make_id_number
from backend.identity.sms import MemorySmsSender
from backend.platform import runtime
from backend.platform.database import connection
from backend.platform.redis import namespaced

_sequence = itertools.count(1)
# Names registered in the population registry since the test's registrar was made: departments
# must report a registered person under the name on file, so ``record`` uses it by default.
_registered_names: dict[str, str] = {}
# What the app sends at sign-up once the citizen has read and accepted the privacy notice, the
# user agreement and the sensitive-information consent of the seed version (content/notices/).
ACCEPTED_NOTICES: dict[str, Any] = {
    "noticesVersion": "2026.1",
    "acceptPrivacyNotice": True,
    "acceptUserAgreement": True,
    "consentToSensitiveInformation": True,
}


def id_number(seq: int | None = None, born: dt.date = dt.date(1988, 6, 1)) -> str:
    return make_id_number("330106", born, seq if seq is not None else next(_sequence))


async def department(code: str = "dept-a", scopes: list[str] | None = None) -> str:
    _, key = await identity.create_api_client(
        "department", code, f"Department {code}", scopes or ["domain:traffic_safety"]
    )
    return key


async def registrar() -> str:
    """The registry-feeding department; made once per test, so it starts a fresh name list."""
    _registered_names.clear()
    return await department("registrar", ["registry:write"])


async def register_person(
    http: httpx.AsyncClient, key: str, number: str, name: str, phone: str
) -> None:
    response = await http.post(
        "/v1/department/registry/entries:batch",
        json={"entries": [{"idNumber": number, "name": name, "phone": phone}]},
        headers={"X-Api-Key": key},
    )
    assert response.status_code == 200, response.text
    _registered_names[number.upper()] = name


async def citizen_tokens(
    http: httpx.AsyncClient,
    sms: MemorySmsSender,
    *,
    phone: str,
    name: str,
    number: str,
    registrar_key: str,
) -> dict[str, Any]:
    await register_person(http, registrar_key, number, name, phone)
    assert (await http.post("/v1/auth/codes", json={"phone": phone})).status_code == 200
    response = await http.post(
        "/v1/auth/sign-up",
        json={
            "phone": phone,
            "code": sms.last(phone),
            "name": name,
            "idNumber": number,
            **ACCEPTED_NOTICES,
        },
    )
    assert response.status_code == 201, response.text
    tokens: dict[str, Any] = response.json()
    return tokens


def otp_key(kind: str, phone: str) -> str:
    """The Redis key of ``phone``'s code throttle (``resend`` or ``hourly``): named by the
    phone's blind index, never the phone."""
    namespace = runtime.current().settings.redis_namespace
    return namespaced(namespace, "otp", kind, identity.phone_index(phone))


async def account_of_phone(phone: str) -> Any:
    """The ``citizen_account`` row of ``phone`` (found by its blind index), or None."""
    async with connection() as conn:
        return await conn.fetchrow(
            "SELECT * FROM citizen_account WHERE phone_index = ANY($1::text[])",
            identity.phone_indexes(phone),
        )


def bearer(tokens: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['accessToken']}"}


def record(
    number: str, ref: str, record_type: str = "TRAFFIC-DRINK-DRIVING", **extra: Any
) -> dict[str, Any]:
    item = {
        "citizenIdNumber": number,
        "citizenName": _registered_names.get(number.upper(), "张三"),
        "recordType": record_type,
        "occurredOn": "2026-09-01",
        "decisionDocumentNo": f"公交决字〔2026〕{ref}号",
        "sourceReference": ref,
        "evidenceSummary": "测试记录",
    }
    item.update(extra)
    return item


_registrars: dict[int, str] = {}


async def signed_up(client: httpx.AsyncClient, sms: MemorySmsSender, phone: str) -> tuple[str, Any]:
    """A signed-up citizen; the registrar department is made once per test."""
    async with connection() as conn:
        existing = await conn.fetchval("SELECT count(*) FROM api_client WHERE code = 'registrar'")
    if not existing:
        _registrars[0] = await registrar()
    number = id_number()
    tokens = await citizen_tokens(
        client, sms, phone=phone, name="陈静", number=number, registrar_key=_registrars[0]
    )
    return number, bearer(tokens)
