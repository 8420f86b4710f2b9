"""One-time codes through Alibaba Cloud SMS and Tencent Cloud SMS, against fake providers that
check each request's signature: a code arrives and signs the citizen in; any failure to send
answers 503 ``sms-unavailable`` and burns nothing; no log line holds a code or a whole phone.

The session's app runs with the memory sender; a test here puts the runtime on the settings
and sender that SMS_PROVIDER names (``wiring.build_sms_sender``) and puts it back after."""

from __future__ import annotations

import logging
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import asyncpg
import httpx
import msgspec
import pytest
from litestar import Litestar
from redis.asyncio import Redis

from backend.identity import service as identity
from backend.identity.sms import LogSmsSender, MemorySmsSender, SmsSender
from backend.identity.sms_aliyun import AliyunSmsSender, signature
from backend.identity.sms_tencent import TencentSmsSender
from backend.platform import runtime
from backend.platform.config import Settings, SettingsError
from backend.wiring import build_sms_sender
from tests import factories as f
from tests.api.identity.problems import assert_problem
from tests.fakes.sms_providers import FakeSmsProvider, Kind

KEY_ID = "LTAI5tFakeKeyId"
SECRET = "fake-secret-of-the-test"
SIGN_NAME = "某市信用办"
TEMPLATE = {"aliyun": "SMS_123456789", "tencent": "1234567"}
Use = Callable[..., Awaitable[SmsSender]]


@pytest.fixture(params=["aliyun", "tencent"])
def fake(request: pytest.FixtureRequest) -> Iterator[FakeSmsProvider]:
    provider = FakeSmsProvider(kind=request.param, credentials={KEY_ID: SECRET}).start()
    yield provider
    provider.stop()


def _provider_settings(
    base: Settings, kind: Kind, endpoint: str, *, secret: str = SECRET, **more: Any
) -> Settings:
    values: dict[str, Any] = {
        "sms_provider": kind,
        "sms_access_key_id": KEY_ID,
        "sms_access_key_secret": secret,
        "sms_sign_name": SIGN_NAME,
        "sms_template_id": TEMPLATE[kind],
        "sms_app_id": "1400000001",
        "sms_endpoint": endpoint,
        "sms_timeout_seconds": 1.0,
    }
    return msgspec.structs.replace(base, **{**values, **more})


@pytest.fixture
async def use(app: Litestar, settings: Settings) -> AsyncIterator[Use]:
    """``await use(kind, endpoint, secret=..., env=...)``: the running app now sends codes as
    those settings say; the session's settings and memory sender are back after the test."""
    rt = runtime.current()
    before = (rt.settings, rt.sms)
    built: list[SmsSender] = []

    async def switch(kind: Kind, endpoint: str, **options: Any) -> SmsSender:
        rt.settings = _provider_settings(settings, kind, endpoint, **options)
        sender = build_sms_sender(rt.settings)
        rt.sms = sender
        built.append(sender)
        return sender

    yield switch
    rt.settings, rt.sms = before
    for sender in built:
        await sender.aclose()


async def _citizen(
    client: httpx.AsyncClient, sms: MemorySmsSender, redis: Redis, phone: str
) -> None:
    """A signed-up citizen (through the memory sender), free to ask for a code again."""
    await f.signed_up(client, sms, phone)
    await redis.delete(_resend_key(phone))


def _resend_key(phone: str) -> str:
    return f.otp_key("resend", phone)


def _hourly_key(phone: str) -> str:
    return f.otp_key("hourly", phone)


async def _sign_in(client: httpx.AsyncClient, phone: str, code: str) -> httpx.Response:
    return await client.post("/v1/auth/sign-in", json={"phone": phone, "code": code})


async def _pending(db: asyncpg.Connection[Any], phone: str) -> list[tuple[str, int]]:
    rows = await db.fetch(
        "SELECT code_hash, attempts FROM one_time_code WHERE phone_index = $1"
        " AND consumed_at IS NULL AND expires_at > now() ORDER BY created_at DESC",
        identity.phone_index(phone),
    )
    return [(row["code_hash"], row["attempts"]) for row in rows]


# --- success -------------------------------------------------------------------------------------


async def test_the_code_the_provider_delivers_signs_the_citizen_in(
    client: httpx.AsyncClient, sms: MemorySmsSender, redis: Redis, fake: FakeSmsProvider, use: Use
) -> None:
    phone = "13900005001"
    await _citizen(client, sms, redis, phone)
    await use(fake.kind, fake.url)
    response = await client.post("/v1/auth/codes", json={"phone": phone})
    assert response.status_code == 200, response.text
    assert response.json()["phone"] == "139****5001"
    [message] = fake.sent
    assert (message.phone, message.sign_name, message.template) == (
        phone,
        SIGN_NAME,
        TEMPLATE[fake.kind],
    )
    assert len(message.code) == 6 and message.code.isdigit()
    signed_in = await _sign_in(client, phone, message.code)
    assert signed_in.status_code == 200, signed_in.text
    assert signed_in.json()["accessToken"]


def test_aliyun_signature_matches_the_documented_example() -> None:
    """The worked example of Alibaba Cloud's RPC signature documentation (secret
    ``testsecret``), independent of the fake."""
    params = {
        "AccessKeyId": "testid",
        "Action": "DescribeRegions",
        "Format": "XML",
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf",
        "SignatureVersion": "1.0",
        "Timestamp": "2016-02-23T12:46:24Z",
        "Version": "2014-05-26",
    }
    assert signature(params, secret="testsecret", method="GET") == "OLeaidS1JvxuMvnyHOwuJ+uX5qY="


# --- failures ------------------------------------------------------------------------------------


async def _refused_then_recovered(
    client: httpx.AsyncClient,
    redis: Redis,
    db: asyncpg.Connection[Any],
    fake: FakeSmsProvider,
    phone: str,
    *,
    maybe_delivered: bool = False,
) -> None:
    """A failed send answers 503 and burns nothing: after a clear refusal the code before it
    stays the pending one with its tries, the throttle has not counted it, the citizen may ask
    again at once. After a send that may have got through (timeout, 5xx) the new code stays
    valid in case it arrives, the hour counts it, and the citizen may ask again in 10 s."""
    before = await _pending(db, phone)
    hourly = int(await redis.get(_hourly_key(phone)) or 0)
    response = await client.post(
        "/v1/auth/codes", json={"phone": phone}, headers={"Accept-Language": "en"}
    )
    body = assert_problem(response, 503, "sms-unavailable")
    assert response.headers["Retry-After"] == "10"
    assert "again" in body["detail"] and body["extra"] == {"service": "sms"}
    if maybe_delivered:
        assert await _pending(db, phone) != before
        assert int(await redis.get(_hourly_key(phone))) == hourly + 1
        assert 0 < await redis.ttl(_resend_key(phone)) <= 10
        await redis.delete(_resend_key(phone))  # as if the 10 s had passed
    else:
        assert await _pending(db, phone) == before
        assert int(await redis.get(_hourly_key(phone)) or 0) == hourly
        assert not await redis.exists(_resend_key(phone))
    # Back on its feet, the provider delivers the next code at once, and it signs in.
    await use_recovered(fake)
    again = await client.post("/v1/auth/codes", json={"phone": phone})
    assert again.status_code == 200, again.text
    signed_in = await _sign_in(client, phone, fake.codes_to(phone)[-1])
    assert signed_in.status_code == 200, signed_in.text


async def use_recovered(fake: FakeSmsProvider) -> None:
    rt = runtime.current()
    if rt.settings.sms_access_key_secret != SECRET or rt.settings.sms_endpoint != fake.url:
        rt.settings = msgspec.structs.replace(
            rt.settings, sms_access_key_secret=SECRET, sms_endpoint=fake.url
        )
        await rt.sms.aclose()
        rt.sms = build_sms_sender(rt.settings)


@pytest.mark.parametrize("failure", ["error", "http500", "hang"])
async def test_a_failed_send_answers_503_and_burns_nothing(
    client: httpx.AsyncClient,
    sms: MemorySmsSender,
    redis: Redis,
    db: asyncpg.Connection[Any],
    fake: FakeSmsProvider,
    use: Use,
    failure: Any,
) -> None:
    phone = "13900005002"
    await _citizen(client, sms, redis, phone)
    # Only a hang needs the sender to give up soon; the other failures answer at once, and a
    # short timeout on a loaded machine could let the failing request time out instead and
    # leave its scripted failure to the next one.
    timeout = 0.5 if failure == "hang" else 5.0
    sender = await use(fake.kind, fake.url, sms_timeout_seconds=timeout)
    # A code through the provider, then one wrong try on it: both must survive the failure.
    assert (await client.post("/v1/auth/codes", json={"phone": phone})).status_code == 200
    first = fake.codes_to(phone)[-1]
    wrong = f"{(int(first) + 1) % 1_000_000:06d}"
    assert (await _sign_in(client, phone, wrong)).status_code == 401
    await redis.delete(_resend_key(phone))  # as if the minute had passed
    fake.fail_next(failure)
    maybe_delivered = failure != "error"  # a 5xx or a timeout may have reached the phone
    await _refused_then_recovered(client, redis, db, fake, phone, maybe_delivered=maybe_delivered)
    assert runtime.current().sms is sender  # the same client served every request
    expected = {"error": ["isv.BUSINESS_LIMIT_CONTROL"], "http500": [], "hang": []}
    if fake.kind == "tencent":
        expected["error"] = ["LimitExceeded.PhoneNumberDailyLimit"]
    assert fake.refused == expected[failure]


async def test_a_wrong_secret_is_refused_by_the_provider_and_answers_503(
    client: httpx.AsyncClient,
    sms: MemorySmsSender,
    redis: Redis,
    db: asyncpg.Connection[Any],
    fake: FakeSmsProvider,
    use: Use,
) -> None:
    phone = "13900005003"
    await _citizen(client, sms, redis, phone)
    await use(fake.kind, fake.url, secret="not-the-secret")
    await _refused_then_recovered(client, redis, db, fake, phone)
    signature_refused = {
        "aliyun": "SignatureDoesNotMatch",
        "tencent": "AuthFailure.SignatureFailure",
    }
    assert fake.refused == [signature_refused[fake.kind]]


def _closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}/"


async def test_an_unreachable_provider_answers_503_and_burns_nothing(
    client: httpx.AsyncClient,
    sms: MemorySmsSender,
    redis: Redis,
    db: asyncpg.Connection[Any],
    fake: FakeSmsProvider,
    use: Use,
) -> None:
    phone = "13900005004"
    await _citizen(client, sms, redis, phone)
    await use(fake.kind, _closed_port_url())
    await _refused_then_recovered(client, redis, db, fake, phone)


async def test_a_chinese_client_is_told_in_chinese(
    client: httpx.AsyncClient, fake: FakeSmsProvider, use: Use
) -> None:
    await use(fake.kind, fake.url)
    fake.fail_next("http500")
    response = await client.post(
        "/v1/auth/codes", json={"phone": "13900005005"}, headers={"Accept-Language": "zh-CN"}
    )
    body = assert_problem(response, 503, "sms-unavailable")
    assert "短信" in body["title"] and "重新获取" in body["detail"]


# --- logs ----------------------------------------------------------------------------------------


async def test_no_log_line_holds_a_code_or_a_whole_phone_in_production(
    client: httpx.AsyncClient,
    sms: MemorySmsSender,
    redis: Redis,
    fake: FakeSmsProvider,
    use: Use,
    caplog: pytest.LogCaptureFixture,
) -> None:
    phone = "13900005006"
    await _citizen(client, sms, redis, phone)
    caplog.set_level(logging.DEBUG)
    # A refused signature first: Aliyun's answer then quotes the string to sign, phone and
    # code included, which must not reach the log.
    await use(fake.kind, fake.url, secret="not-the-secret", env="production")
    refused = await client.post("/v1/auth/codes", json={"phone": phone})
    assert refused.status_code == 503
    await use_recovered(fake)
    assert runtime.current().settings.env == "production"
    sent = await client.post("/v1/auth/codes", json={"phone": phone})
    assert sent.status_code == 200, sent.text
    logged = caplog.text + "".join(str(record.args) for record in caplog.records)
    assert "139****5006" in logged  # the lines are captured, with the masked phone
    assert phone not in logged
    assert fake.codes_to(phone) and fake.codes_to(phone)[-1] not in logged
    assert fake.refused[0] in logged  # the provider's error code is logged


# --- settings and wiring -------------------------------------------------------------------------


def test_production_refuses_the_log_sender(settings: Settings) -> None:
    with pytest.raises(SettingsError, match="SMS_PROVIDER=log"):
        msgspec.structs.replace(settings, env="production")
    production = _provider_settings(settings, "tencent", "", env="production")
    assert isinstance(build_sms_sender(production), TencentSmsSender)


@pytest.mark.parametrize(
    ("kind", "blank", "named"),
    [
        ("aliyun", "sms_access_key_secret", "SMS_ACCESS_KEY_SECRET"),
        ("aliyun", "sms_template_id", "SMS_TEMPLATE_ID"),
        ("tencent", "sms_app_id", "SMS_APP_ID"),
        ("tencent", "sms_sign_name", "SMS_SIGN_NAME"),
    ],
)
def test_a_provider_without_what_it_needs_is_refused(
    settings: Settings, kind: Kind, blank: str, named: str
) -> None:
    with pytest.raises(SettingsError, match=f"SMS_PROVIDER={kind} needs .*{named}"):
        _provider_settings(settings, kind, "", **{blank: ""})


async def test_the_sender_follows_the_settings(settings: Settings) -> None:
    assert isinstance(build_sms_sender(settings), LogSmsSender)  # development and tests
    kinds: list[tuple[Kind, type]] = [("aliyun", AliyunSmsSender), ("tencent", TencentSmsSender)]
    for kind, cls in kinds:
        sender = build_sms_sender(_provider_settings(settings, kind, ""))
        assert isinstance(sender, cls)
        await sender.aclose()


async def test_the_503_is_in_the_openapi_document(client: httpx.AsyncClient) -> None:
    document = (await client.get("/schema/openapi.json")).json()
    operation = document["paths"]["/v1/auth/codes"]["post"]
    assert "503" in operation["responses"]
    assert "sms-unavailable" in operation["description"]
