"""The real-name check (三要素) is not an oracle: whichever of name, ID number or phone is wrong,
the caller gets one and the same problem; the specific reason goes to the server log, with the
ID number masked. Names are compared by the one rule in ``names_match``."""

from __future__ import annotations

import logging
from typing import Any

import asyncpg
import httpx
import pytest

from backend.identity.id_number import mask_id_number
from backend.identity.service import REAL_NAME_CHECK_FAILED
from backend.identity.sms import MemorySmsSender
from tests import factories as f
from tests.api.identity.problems import assert_problem

REGISTERED_PHONE = "13900004001"


async def _sign_up(
    client: httpx.AsyncClient,
    sms: MemorySmsSender,
    phone: str,
    name: str,
    number: str,
    language: str = "zh-CN",
) -> httpx.Response:
    assert (await client.post("/v1/auth/codes", json={"phone": phone})).status_code == 200
    return await client.post(
        "/v1/auth/sign-up",
        json={
            "phone": phone,
            "code": sms.last(phone),
            "name": name,
            "idNumber": number,
            **f.ACCEPTED_NOTICES,
        },
        headers={"Accept-Language": language},
    )


async def _three_failures(
    client: httpx.AsyncClient, sms: MemorySmsSender, number: str, language: str = "zh-CN"
) -> dict[str, httpx.Response]:
    """``number`` is registered to 陈晨 with REGISTERED_PHONE; one element wrong each time."""
    unknown = f.id_number()
    return {
        "unknown ID number": await _sign_up(client, sms, "13900004002", "陈晨", unknown, language),
        "wrong name": await _sign_up(client, sms, REGISTERED_PHONE, "陈辰", number, language),
        "wrong phone": await _sign_up(client, sms, "13900004003", "陈晨", number, language),
    }


def _without_request_id(response: httpx.Response) -> bytes:
    request_id = response.json()["requestId"]
    assert request_id and request_id == response.headers["x-request-id"]
    return response.content.replace(request_id.encode(), b"")


@pytest.mark.parametrize(
    ("language", "detail"),
    [("zh-CN", REAL_NAME_CHECK_FAILED[0]), ("en", REAL_NAME_CHECK_FAILED[1])],
)
async def test_a_wrong_name_id_number_or_phone_gets_byte_identical_problems(
    client: httpx.AsyncClient,
    sms: MemorySmsSender,
    db: asyncpg.Connection[Any],
    language: str,
    detail: str,
) -> None:
    number = f.id_number()
    await f.register_person(client, await f.registrar(), number, "陈晨", REGISTERED_PHONE)
    failures = await _three_failures(client, sms, number, language)
    for response in failures.values():
        body = assert_problem(response, 403, "real-name-check-failed")
        assert body["detail"] == detail
        assert "field" not in body and "errors" not in body, body
    bodies = {case: _without_request_id(r) for case, r in failures.items()}
    assert len(set(bodies.values())) == 1, bodies
    assert len({r.headers["content-type"] for r in failures.values()}) == 1
    assert await db.fetchval("SELECT count(*) FROM citizen_account") == 0
    assert await db.fetchval("SELECT count(*) FROM citizen") == 0


async def test_the_specific_reason_is_logged_with_the_id_number_masked(
    client: httpx.AsyncClient,
    sms: MemorySmsSender,
    caplog: pytest.LogCaptureFixture,
) -> None:
    number = f.id_number()
    await f.register_person(client, await f.registrar(), number, "陈晨", REGISTERED_PHONE)
    with caplog.at_level(logging.INFO, logger="backend.identity"):
        await _three_failures(client, sms, number)
    lines = [r.getMessage() for r in caplog.records if "real-name check failed" in r.getMessage()]
    assert len(lines) == 3, lines
    assert "not in the population registry" in lines[0]
    assert "name does not match" in lines[1]
    assert "phone is not the one registered" in lines[2]
    assert mask_id_number(number) in lines[1] and mask_id_number(number) in lines[2]
    assert number not in caplog.text
    assert number[6:14] not in caplog.text  # not even the birth date part
    assert "13900004003" not in caplog.text and REGISTERED_PHONE not in caplog.text


async def test_a_wrong_code_is_still_refused_before_the_real_name_check(
    client: httpx.AsyncClient, sms: MemorySmsSender
) -> None:
    """The uniform answer needs a valid one-time code: the check cannot be probed without one."""
    phone = "13900004004"
    assert (await client.post("/v1/auth/codes", json={"phone": phone})).status_code == 200
    wrong = "000000" if sms.last(phone) != "000000" else "111111"
    response = await client.post(
        "/v1/auth/sign-up",
        json={
            "phone": phone,
            "code": wrong,
            "name": "陈晨",
            "idNumber": f.id_number(),
            **f.ACCEPTED_NOTICES,
        },
    )
    assert_problem(response, 401, "code-wrong", field="code")


@pytest.mark.parametrize(
    ("registered", "typed"),
    [
        ("阿依古丽·买买提", " 阿依古丽 • 买买提 "),  # bullet for the middle dot, stray spaces
        ("阿依古丽·买买提", "阿依古丽・买买提"),  # katakana middle dot (Japanese IME)
        ("陈晨", "陈\u3000晨"),  # ideographic space
        ("JOHN SMITH", "ｊｏｈｎ  smith"),  # full-width letters, case, double space
    ],
)
async def test_spelling_variants_of_the_registered_name_pass_and_the_registry_spelling_is_kept(
    client: httpx.AsyncClient, sms: MemorySmsSender, registered: str, typed: str
) -> None:
    number = f.id_number()
    await f.register_person(client, await f.registrar(), number, registered, REGISTERED_PHONE)
    response = await _sign_up(client, sms, REGISTERED_PHONE, typed, number)
    assert response.status_code == 201, response.text
    me = await client.get("/v1/me", headers=f.bearer(response.json()))
    assert me.json()["name"] == registered


async def test_registry_names_are_stored_normalised_and_a_blank_one_is_rejected_per_entry(
    client: httpx.AsyncClient, db: asyncpg.Connection[Any]
) -> None:
    first, second = f.id_number(), f.id_number()
    response = await client.post(
        "/v1/department/registry/entries:batch",
        json={
            "entries": [
                {"idNumber": first, "name": " 阿依古丽 ・ 买买提\u200b", "phone": "13900004005"},
                {"idNumber": second, "name": " \u3000 ", "phone": "13900004006"},
            ]
        },
        headers={"X-Api-Key": await f.registrar()},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["upserted"], body["rejected"]) == (1, 1)
    assert body["items"][1] == {
        "index": 1,
        "status": "rejected",
        "field": "name",
        "reason": "不能为空白",
    }
    assert await db.fetchval("SELECT name FROM population_registry") == "阿依古丽·买买提"
