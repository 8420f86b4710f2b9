"""GET /v1/me/queries: the citizen's own query log, newest first, paged by cursor."""

from __future__ import annotations

import httpx

from backend.identity.sms import MemorySmsSender
from tests import factories as f
from tests.api.identity.problems import assert_problem
from tests.api.verification import helpers as h


async def test_the_query_log_is_the_citizens_own_newest_first_and_paged(
    client: httpx.AsyncClient, sms: MemorySmsSender
) -> None:
    _, citizen = await f.signed_up(client, sms, "13965000001")
    _, other = await f.signed_up(client, sms, "13965000002")
    library = await h.merchant()
    made = []
    for _ in range(3):
        issued = await h.make_code(client, citizen)
        assert (await h.redeem(client, library, code=issued["code"])).status_code == 200
        made.append(issued["verificationId"])
    page = (await client.get(f"{h.QUERIES}?limit=2", headers=citizen)).json()
    assert [e["basis"] for e in page["items"]] == [
        f"verification code {made[2]}",
        f"verification code {made[1]}",
    ]
    rest = (
        await client.get(f"{h.QUERIES}?limit=2&cursor={page['nextCursor']}", headers=citizen)
    ).json()
    assert [e["basis"] for e in rest["items"]] == [f"verification code {made[0]}"]
    assert rest["nextCursor"] is None
    entry = page["items"][0]
    assert set(entry) == {"id", "at", "actorKind", "organisation", "seen", "purpose", "basis"}
    assert (await client.get(h.QUERIES, headers=other)).json() == {"items": [], "nextCursor": None}
    assert_problem(
        await client.get(f"{h.QUERIES}?limit=0", headers=citizen), 422, "validation-failed"
    )
    assert_problem(
        await client.get(f"{h.QUERIES}?cursor=%%%", headers=citizen), 422, "validation-failed"
    )
    assert_problem(await client.get(h.QUERIES), 401, "token-invalid")
