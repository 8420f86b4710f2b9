"""Citizens make single-use codes: numeric code, signed payload, QR as SVG and PNG."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx

from backend.identity.sms import MemorySmsSender
from tests import factories as f
from tests.api.identity.problems import assert_problem
from tests.api.verification import helpers as h


async def test_a_code_has_eight_digits_a_signed_payload_and_a_two_minute_life(
    client: httpx.AsyncClient, sms: MemorySmsSender, db: Any
) -> None:
    _, citizen = await f.signed_up(client, sms, "13961000001")
    before = dt.datetime.now(dt.UTC)
    issued = await h.make_code(client, citizen)
    assert issued["code"].isdigit() and len(issued["code"]) == 8
    assert issued["verificationId"].startswith("vf_")
    assert issued["validSeconds"] == 120
    expires = dt.datetime.fromisoformat(issued["expiresAt"])
    assert dt.timedelta(seconds=118) <= expires - before <= dt.timedelta(seconds=121)
    assert issued["benefit"] == {
        "code": h.LIBRARY,
        "nameZh": "图书馆免押金借阅",
        "nameEn": "Library borrowing without deposit",
    }
    assert issued["eligible"] is True and issued["requiredGrade"]["code"] == "A"
    assert issued["payload"].count(".") == 2
    row = await db.fetchrow(
        "SELECT live, redeemed_at, numeric_code, method FROM verification WHERE public_id = $1",
        issued["verificationId"],
    )
    assert (row["live"], row["redeemed_at"], row["numeric_code"], row["method"]) == (
        True,
        None,
        issued["code"],
        "code",
    )


async def test_the_qr_is_served_as_svg_and_png_only_to_its_citizen(
    client: httpx.AsyncClient, sms: MemorySmsSender
) -> None:
    _, citizen = await f.signed_up(client, sms, "13961000002")
    _, other = await f.signed_up(client, sms, "13961000003")
    issued = await h.make_code(client, citizen)
    svg = await client.get(issued["qrSvg"], headers=citizen)
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
    assert b"<svg" in svg.content and svg.headers["cache-control"] == "no-store"
    png = await client.get(issued["qrPng"], headers=citizen)
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    assert png.content.startswith(b"\x89PNG\r\n\x1a\n")
    assert_problem(await client.get(issued["qrSvg"], headers=other), 404, "verification-not-found")
    assert_problem(
        await client.get(f"{h.CODES}/vf_doesnotexist123/qr.png", headers=citizen),
        404,
        "verification-not-found",
    )
    malformed = await client.get(f"{h.CODES}/not-an-id/qr.svg", headers=citizen)
    assert_problem(malformed, 422, "validation-failed")
    await h.expire(issued["verificationId"])
    assert_problem(
        await client.get(issued["qrPng"], headers=citizen), 410, "verification-code-expired"
    )


async def test_bad_benefits_and_hoarding_are_refused(
    client: httpx.AsyncClient, sms: MemorySmsSender
) -> None:
    _, citizen = await f.signed_up(client, sms, "13961000004")
    unknown = await client.post(h.CODES, json={"benefit": "free-lunch"}, headers=citizen)
    assert_problem(unknown, 422, "benefit-unknown", field="benefit")
    for body in ({"benefit": "Library"}, {}, {"benefit": h.LIBRARY, "extra": 1}):
        assert_problem(
            await client.post(h.CODES, json=body, headers=citizen), 422, "validation-failed"
        )
    for _ in range(5):
        await h.make_code(client, citizen)
    too_many = await client.post(h.CODES, json={"benefit": h.LIBRARY}, headers=citizen)
    assert_problem(too_many, 429, "too-many-live-codes")
    assert_problem(await client.post(h.CODES, json={"benefit": h.LIBRARY}), 401, "token-invalid")


async def test_a_citizen_may_make_a_code_for_a_benefit_they_do_not_hold(
    client: httpx.AsyncClient, sms: MemorySmsSender
) -> None:
    _, citizen = await f.signed_up(client, sms, "13961000005")
    issued = await h.make_code(client, citizen, "xin-yi-dai")
    assert issued["eligible"] is False and issued["requiredGrade"]["code"] == "AA"
    bank = await h.merchant("city-bank", "市农商银行", ("xin-yi-dai",))
    answer = (await h.redeem(client, bank, code=issued["code"])).json()
    assert answer["eligible"] is False and answer["requiredGrade"]["code"] == "AA"


async def test_expired_codes_are_swept_so_their_numbers_free_up(
    client: httpx.AsyncClient, sms: MemorySmsSender, db: Any
) -> None:
    from backend.verification.jobs import sweep_expired_codes

    _, citizen = await f.signed_up(client, sms, "13961000006")
    first = await h.make_code(client, citizen)
    second = await h.make_code(client, citizen)
    await h.expire(first["verificationId"])
    assert await sweep_expired_codes({}) == 1
    assert await sweep_expired_codes({}) == 0
    live = await db.fetch("SELECT public_id FROM verification WHERE live")
    assert [r["public_id"] for r in live] == [second["verificationId"]]
