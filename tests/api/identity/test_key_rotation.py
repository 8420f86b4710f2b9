"""Key rotation: ID numbers, blind indexes, sealed reporters and webhook secrets made under key
A stay readable and findable once B is current (A old), ``rotate-keys`` moves every row to B
in batches while the system keeps writing, and then A can go. JWT and verification keys
rotate with an overlap: what the old key signed keeps verifying while it is configured."""

from __future__ import annotations

import base64
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import jwt
import msgspec
import pytest
from litestar import Litestar

from backend.enforcement.delivery import _secret, seal_secret
from backend.enforcement.store import Webhook
from backend.identity import rotation
from backend.identity import service as identity
from backend.identity.sms import MemorySmsSender
from backend.platform import runtime
from backend.platform.config import Settings
from backend.platform.database import connection
from backend.verification import signing
from tests import factories as f
from tests.api.identity.problems import assert_problem
from tests.api.verification import helpers as h

MINE = "/v1/me/reports"
PASSWORD = "correct horse battery staple"


def _key() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode()


@contextmanager
def _keys(app: Litestar, **changes: str) -> Iterator[Settings]:
    """The process runs on settings with ``changes`` (as after a restart with new variables)."""
    rt = runtime.current()
    before, auth = rt.settings, rt.jwt_auth
    signing_before = (auth.token_secret, auth.key_id)
    after = msgspec.structs.replace(before, **changes)
    rt.settings = app.state.settings = after
    auth.token_secret, auth.key_id = after.jwt_secret, after.jwt_key_id
    try:
        yield after
    finally:
        rt.settings = app.state.settings = before
        auth.token_secret, auth.key_id = signing_before


@pytest.fixture
def keys(app: Litestar) -> Iterator[Any]:
    """``keys(**changes)`` switches the settings for the rest of the test."""
    stack: list[Any] = []

    def switch(**changes: str) -> Settings:
        manager = _keys(app, **changes)
        stack.append(manager)
        return manager.__enter__()

    yield switch
    for manager in reversed(stack):
        manager.__exit__(None, None, None)


def _rotated(a: Settings, b_encryption: str, b_index: str) -> dict[str, str]:
    return {
        "id_encryption_key": b_encryption,
        "id_encryption_key_id": "2",
        "id_encryption_old_keys": f"1:{a.id_encryption_key}",
        "id_index_key": b_index,
        "id_index_key_id": "2",
        "id_index_old_keys": f"1:{a.id_index_key}",
    }


async def _ingest(client: httpx.AsyncClient, key: str, records: list[dict[str, Any]]) -> None:
    response = await client.post(
        "/v1/department/records:batch", headers={"X-Api-Key": key}, json={"records": records}
    )
    assert response.status_code == 200, response.text
    assert {i["status"] for i in response.json()["items"]} <= {"accepted", "duplicate"}


async def _citizens() -> dict[str, int]:
    """ID number → citizen id, decrypting every row (fails if any row does not open)."""
    async with connection() as conn:
        rows = await conn.fetch("SELECT id, id_number_encrypted FROM citizen")
    found = {identity.decrypt_id_number(bytes(r["id_number_encrypted"])): r["id"] for r in rows}
    assert len(found) == len(rows)  # one citizen per ID number: no duplicate under two keys
    return found


async def _reporter_sees_and_is_disclosed(
    client: httpx.AsyncClient, reporter: dict[str, str], keeper: dict[str, str], number: str
) -> int:
    mine = await client.get(MINE, headers=reporter)
    assert mine.status_code == 200 and len(mine.json()["items"]) == 1, mine.text
    report_id: int = mine.json()["items"][0]["id"]
    assert (await client.get(f"{MINE}/{report_id}", headers=reporter)).status_code == 200
    shown = await client.post(
        f"/v1/officer/reports/{report_id}/reporter-disclosure",
        headers=keeper,
        json={"reason": "核实举报人身份"},
    )
    assert shown.status_code == 200 and shown.json()["idNumber"] == number, shown.text
    return report_id


async def _keeper(client: httpx.AsyncClient) -> dict[str, str]:
    await identity.create_officer("keeper-1", PASSWORD, "keeper", ["reports"])
    signed = await client.post(
        "/v1/auth/officer/sign-in",
        json={"username": "keeper-1", "password": PASSWORD},
    )
    return {"Authorization": f"Bearer {signed.json()['accessToken']}"}


async def _stale_anywhere() -> dict[str, int]:
    return {table: n for table, n in (await rotation.stale_counts()).items() if n}


async def test_id_keys_rotate_without_losing_anyone(
    client: httpx.AsyncClient, sms: MemorySmsSender, settings: Settings, keys: Any
) -> None:
    # --- under key A (the legacy key 1) --------------------------------------------------------
    registrar = await f.registrar()
    reporter_number = f.id_number()
    reporter = f.bearer(
        await f.citizen_tokens(
            client,
            sms,
            phone="13970000001",
            name="李四",
            number=reporter_number,
            registrar_key=registrar,
        )
    )
    department = await f.department()
    await f.department("city-market", ["domain:food_drugs"])  # where the report is routed
    people = [f.id_number() for _ in range(23)]
    await _ingest(client, department, [f.record(n, f"a-{i}") for i, n in enumerate(people)])
    late = people[0]  # reported under A, registered under A, signs up only under B
    await f.register_person(client, registrar, late, "张三", "13970000002")
    filed = await client.post(
        MINE,
        headers=reporter,
        json={
            "subjectKind": "person",
            "subjectName": "张三",
            "subjectIdNumber": people[1],
            "category": "food_drugs",
            "description": "该人员在菜市场销售过期食品，已多次被群众发现，请依法核查处理。",
        },
    )
    assert filed.status_code == 201, filed.text
    async with connection() as conn:
        hook_client = await conn.fetchval("SELECT id FROM api_client WHERE code = 'dept-a'")
        await conn.execute(
            "INSERT INTO enforcer_webhook (client, url, secret_sealed, created_at)"
            " VALUES ($1, 'https://body.example/hook', $2, now())",
            hook_client,
            seal_secret("whsec_before", hook_client),
        )
    keeper = await _keeper(client)
    before = await _citizens()
    assert set(people) | {reporter_number} == set(before)

    # --- B current, A old: everything is read and found ----------------------------------------
    b_encryption, b_index = _key(), _key()
    keys(**_rotated(settings, b_encryption, b_index))
    assert await _citizens() == before
    await _reporter_sees_and_is_disclosed(client, reporter, keeper, reporter_number)
    # sign-up by ID (the real-name check reads the registry row made under A) links the citizen
    # the department created under A
    assert (await client.post("/v1/auth/codes", json={"phone": "13970000002"})).status_code == 200
    signed_up = await client.post(
        "/v1/auth/sign-up",
        json={
            "phone": "13970000002",
            "code": sms.last("13970000002"),
            "name": "张三",
            "idNumber": late,
            **f.ACCEPTED_NOTICES,
        },
    )
    assert signed_up.status_code == 201, signed_up.text
    me = await client.get("/v1/me", headers=f.bearer(signed_up.json()))
    assert me.status_code == 200
    # the department's ingest by ID finds the person made under A (no second citizen)
    await _ingest(client, department, [f.record(people[2], "b-1")])
    assert await _citizens() == before
    account = await f.account_of_phone("13970000002")
    assert account is not None and account["citizen"] == before[late]

    # --- the rotation, in batches, with writes in between --------------------------------------
    citizen_rows = next(r for r in rotation.rewrites() if r.table == "citizen")
    first = await rotation.rotate_batch(citizen_rows, 0, 5)
    assert first.rewritten == 5 and first.last is not None
    newcomer = f.id_number()
    await _ingest(
        client, department, [f.record(people[-1], "c-1"), f.record(newcomer, "c-2")]
    )  # a person not rotated yet, and a new one (written under B)
    after = first.last
    while (step := await rotation.rotate_batch(citizen_rows, after, 5)).last is not None:
        after = step.last
    for rewrite in rotation.rewrites():
        await rotation.rotate_table(rewrite, 4)
    assert await _stale_anywhere() == {}
    async with connection() as conn:
        for table in ("citizen", "population_registry"):
            rows = await conn.fetch(f"SELECT id_number_index, id_number_encrypted FROM {table}")
            assert rows and all(r[0].startswith("2$") for r in rows)
            assert all(bytes(r[1]).startswith(b"ck1:2:") for r in rows)
        report = await conn.fetchrow("SELECT * FROM report")
        hook = await conn.fetchrow("SELECT * FROM enforcer_webhook")
    assert report["reporter_token"].startswith("2$") and report["subject_key"].startswith("2$")
    assert bytes(report["reporter_sealed"]).startswith(b"ck1:2:")
    assert bytes(report["subject_code_encrypted"]).startswith(b"ck1:2:")
    assert bytes(hook["secret_sealed"]).startswith(b"ck1:2:")
    assert await rotation.rotate_table(citizen_rows, 5) == 0  # a second run has nothing to do

    # --- A removed: everything still reads and is found ----------------------------------------
    keys(id_encryption_old_keys="", id_index_old_keys="")
    expected = {**before, newcomer: (await _citizens())[newcomer]}
    assert await _citizens() == expected
    await _reporter_sees_and_is_disclosed(client, reporter, keeper, reporter_number)
    await _ingest(client, department, [f.record(late, "d-1"), f.record(people[3], "d-2")])
    assert await _citizens() == expected
    await f.register_person(client, registrar, late, "张三", "13970000002")
    async with connection() as conn:
        assert await conn.fetchval("SELECT count(*) FROM population_registry") == 2
    secret = _secret(Webhook(client=hook_client, url="", secret_sealed=hook["secret_sealed"]))
    assert secret == "whsec_before"


async def test_rotation_under_concurrent_passes_leaves_nothing_behind(
    client: httpx.AsyncClient, settings: Settings, keys: Any
) -> None:
    import asyncio

    department = await f.department()
    people = [f.id_number() for _ in range(60)]
    await _ingest(client, department, [f.record(n, f"r-{i}") for i, n in enumerate(people)])
    before = await _citizens()
    keys(**_rotated(settings, _key(), _key()))
    citizen_rows = next(r for r in rotation.rewrites() if r.table == "citizen")
    done = await asyncio.gather(*(rotation.rotate_table(citizen_rows, 7) for _ in range(3)))
    assert sum(done) >= 60  # each row once; a row another pass held is taken by a later one
    await rotation.rotate_table(citizen_rows, 7)
    assert await rotation.count_stale(citizen_rows) == 0
    keys(id_encryption_old_keys="", id_index_old_keys="")
    assert await _citizens() == before


async def test_a_person_recorded_twice_during_a_rotation_is_left_and_reported(
    client: httpx.AsyncClient, settings: Settings, keys: Any
) -> None:
    """A process still on the old keys recorded a person again under the old index after
    another moved them to the new one: look-ups and the rotation go on, the rotation leaves
    that row under the old key and reports it."""
    department = await f.department()
    people = [f.id_number() for _ in range(5)]
    await _ingest(client, department, [f.record(n, f"d-{i}") for i, n in enumerate(people)])
    keys(**_rotated(settings, _key(), _key()))
    twice = people[0]
    await _ingest(client, department, [f.record(twice, "d-again")])  # moved to key 2
    current_index, old_index = identity.id_number_indexes(twice)
    async with connection() as conn:  # the old process's insert, under key 1
        await conn.execute(
            "INSERT INTO citizen (id_number_index, id_number_encrypted, name, created_at,"
            " change_counter) SELECT $1, id_number_encrypted, name, now(), 0"
            " FROM citizen WHERE id_number_index = $2",
            old_index,
            current_index,
        )
    await _ingest(client, department, [f.record(twice, "d-third")])  # no 500
    citizen_rows = next(r for r in rotation.rewrites() if r.table == "citizen")
    await rotation.rotate_table(citizen_rows, 2)
    assert await rotation.count_stale(citizen_rows) == 1


async def test_jwt_keys_rotate_with_an_overlap(
    client: httpx.AsyncClient, sms: MemorySmsSender, settings: Settings, keys: Any
) -> None:
    tokens = await f.citizen_tokens(
        client,
        sms,
        phone="13970000011",
        name="陈静",
        number=f.id_number(),
        registrar_key=await f.registrar(),
    )
    old_headers = f.bearer(tokens)
    old_token = tokens["accessToken"]
    assert jwt.get_unverified_header(old_token)["kid"] == "1"
    new_secret = secrets.token_urlsafe(32)
    keys(jwt_secret=new_secret, jwt_key_id="2", jwt_old_secrets=f"1:{settings.jwt_secret}")
    assert (await client.get("/v1/me", headers=old_headers)).status_code == 200  # the overlap
    # refresh tokens are opaque (hashed in PostgreSQL): a rotation leaves them alone
    refreshed = await client.post("/v1/auth/refresh", json={"refreshToken": tokens["refreshToken"]})
    assert refreshed.status_code == 200, refreshed.text
    fresh = refreshed.json()["accessToken"]
    assert jwt.get_unverified_header(fresh)["kid"] == "2"
    jwt.decode(fresh, new_secret, algorithms=["HS256"])  # signed with the current secret only
    assert (await client.get("/v1/me", headers={"Authorization": f"Bearer {fresh}"})).is_success

    claims = jwt.decode(fresh, new_secret, algorithms=["HS256"])
    unknown = jwt.encode(claims, new_secret, algorithm="HS256", headers={"kid": "9"})
    assert_problem(
        await client.get("/v1/me", headers={"Authorization": f"Bearer {unknown}"}),
        401,
        "token-invalid",
    )
    keys(jwt_old_secrets="")  # the overlap is over
    assert_problem(await client.get("/v1/me", headers=old_headers), 401, "token-invalid")
    assert (await client.get("/v1/me", headers={"Authorization": f"Bearer {fresh}"})).is_success


async def test_verification_keys_rotate_and_old_codes_still_verify(
    client: httpx.AsyncClient, sms: MemorySmsSender, keys: Any
) -> None:
    _, citizen = await f.signed_up(client, sms, "13970000021")
    library = await h.merchant()
    issued = await h.make_code(client, citizen)
    old_public = base64.urlsafe_b64decode((await client.get(h.KEY)).json()["publicKey"] + "==")
    old_kid = signing.key_id(old_public)

    keys(
        verification_signing_key=_key(),
        verification_old_public_keys=base64.b64encode(old_public).decode(),
    )
    published = (await client.get(h.KEY)).json()
    assert published["keyId"] != old_kid
    assert [k["kid"] for k in published["keys"]] == [published["keyId"], old_kid]
    # offline, with the published key the payload's kid names
    assert signing.header_key_id(issued["payload"]) == old_kid
    assert signing.verify_offline(issued["payload"], old_public).jti == issued["verificationId"]
    # online: a code made just before the rotation still redeems
    redeemed = await h.redeem(client, library, payload=issued["payload"])
    assert redeemed.status_code == 200, redeemed.text
    newer = await h.make_code(client, citizen)
    assert signing.header_key_id(newer["payload"]) == published["keyId"]

    keys(verification_old_public_keys="")  # the old key retired for good
    assert [k["kid"] for k in (await client.get(h.KEY)).json()["keys"]] == [published["keyId"]]
