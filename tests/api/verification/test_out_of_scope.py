"""A code for a benefit the merchant's API key is not scoped for is, to that merchant, no code at
all: the same answer as an unknown code, and a typed one counts toward the guess limit. So a
merchant typing codes cannot learn which are live for other benefits."""

from __future__ import annotations

from typing import Any

import httpx

from backend.identity.sms import MemorySmsSender
from backend.verification.service import GUESS_LIMIT
from tests import factories as f
from tests.api.identity.problems import assert_problem
from tests.api.verification import helpers as h

UNKNOWN = "verification-code-unknown"


def _without_request_id(response: httpx.Response) -> bytes:
    request_id = response.json()["requestId"]
    assert request_id and request_id == response.headers["x-request-id"]
    return response.content.replace(request_id.encode(), b"")


def _spare_code(*live: str) -> str:
    """A typed code no citizen holds: none of the ``live`` ones."""
    return next(c for c in ("00000000", "11111111", "22222222") if c not in live)


async def test_an_out_of_scope_code_gets_the_same_answer_as_an_unknown_one(
    client: httpx.AsyncClient, sms: MemorySmsSender, db: Any
) -> None:
    _, citizen = await f.signed_up(client, sms, "13966000001")
    library = await h.merchant()
    bikes = await h.merchant("city-bikes", "市公共自行车公司", (h.BIKES,))
    issued = await h.make_code(client, citizen)
    unknown = await h.redeem(client, bikes, code=_spare_code(issued["code"]))
    out_of_scope = await h.redeem(client, bikes, code=issued["code"])
    assert_problem(unknown, 404, UNKNOWN)
    assert_problem(out_of_scope, 404, UNKNOWN)
    assert _without_request_id(out_of_scope) == _without_request_id(unknown)
    assert out_of_scope.headers["content-type"] == unknown.headers["content-type"]
    # By its signed payload too; nothing is logged or told, and the code is not spent.
    by_payload = await h.redeem(client, bikes, payload=issued["payload"])
    assert_problem(by_payload, 404, UNKNOWN)
    assert by_payload.json()["detail"] == unknown.json()["detail"]
    assert await db.fetchval("SELECT count(*) FROM query_log") == 0
    assert await db.fetchval("SELECT count(*) FROM outbox_event") == 0
    assert (await h.redeem(client, library, code=issued["code"])).status_code == 200


async def test_used_expired_or_locked_codes_out_of_scope_are_unknown_too(
    client: httpx.AsyncClient, sms: MemorySmsSender
) -> None:
    """The states an in-scope merchant is told (used 409, expired 410, locked 423) are not
    revealed to a merchant the code is not for."""
    _, citizen = await f.signed_up(client, sms, "13966000002")
    library = await h.merchant()
    bikes = await h.merchant("city-bikes", "市公共自行车公司", (h.BIKES,))
    used = await h.make_code(client, citizen)
    assert (await h.redeem(client, library, code=used["code"])).status_code == 200
    expired = await h.make_code(client, citizen)
    await h.expire(expired["verificationId"])
    locked = await h.make_code(client, citizen)
    unknown = await h.redeem(
        client, bikes, code=_spare_code(used["code"], expired["code"], locked["code"])
    )
    for issued, in_scope_status in ((used, 409), (expired, 410), (locked, 423)):
        if issued is locked:
            assert (await client.post(h.LOCK, headers=citizen)).status_code == 200
        assert (await h.redeem(client, library, code=issued["code"])).status_code == in_scope_status
        out_of_scope = await h.redeem(client, bikes, code=issued["code"])
        assert_problem(out_of_scope, 404, UNKNOWN)
        assert _without_request_id(out_of_scope) == _without_request_id(unknown)


async def test_out_of_scope_attempts_count_toward_the_guess_limit(
    client: httpx.AsyncClient, sms: MemorySmsSender
) -> None:
    _, citizen = await f.signed_up(client, sms, "13966000003")
    library = await h.merchant()
    bikes = await h.merchant("city-bikes", "市公共自行车公司", (h.BIKES,))
    library_code = await h.make_code(client, citizen)
    bikes_code = await h.make_code(client, citizen, h.BIKES)
    for _ in range(GUESS_LIMIT):
        assert_problem(await h.redeem(client, bikes, code=library_code["code"]), 404, UNKNOWN)
    # Paused: even its own benefit's code waits, and the pause says how long.
    paused = await h.redeem(client, bikes, code=bikes_code["code"])
    assert_problem(paused, 429, "verification-guesses-exceeded")
    assert int(paused.headers["retry-after"]) > 0
    # The merchant the code is for is not affected, and nothing was spent.
    assert (await h.redeem(client, library, code=library_code["code"])).status_code == 200


async def test_out_of_scope_and_unknown_codes_share_one_guess_budget(
    client: httpx.AsyncClient, sms: MemorySmsSender
) -> None:
    _, citizen = await f.signed_up(client, sms, "13966000004")
    bikes = await h.merchant("city-bikes", "市公共自行车公司", (h.BIKES,))
    library_code = await h.make_code(client, citizen)
    bikes_code = await h.make_code(client, citizen, h.BIKES)
    unknown = _spare_code(library_code["code"], bikes_code["code"])
    for n in range(GUESS_LIMIT - 1):
        code = library_code["code"] if n % 2 else unknown
        assert (await h.redeem(client, bikes, code=code)).status_code == 404
    # One attempt left: the merchant's own code still works ...
    assert (await h.redeem(client, bikes, code=bikes_code["code"])).status_code == 200
    # ... and the last miss uses up the budget.
    assert (await h.redeem(client, bikes, code=library_code["code"])).status_code == 404
    assert_problem(
        await h.redeem(client, bikes, code=unknown), 429, "verification-guesses-exceeded"
    )
