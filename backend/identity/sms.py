"""Delivery of one-time codes by SMS.

A sender takes a phone and a code and either delivers them or raises :class:`SmsUnavailable`,
one error for every way a send can fail (the provider refused, answered 5xx, did not answer in
time, could not be reached), so the service answers all of them the same way.

``LogSmsSender`` writes the code to the log and is for development alone (the settings refuse it
in production); ``AliyunSmsSender`` and ``TencentSmsSender`` (``sms_aliyun``, ``sms_tencent``)
call the providers' signed HTTP APIs. Nothing logs a whole phone number (issue 18): every line
has the masked phone, the provider's request id and its error code; nothing but
``LogSmsSender`` logs a code.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Protocol

import httpx
import msgspec

from backend.platform.problem_texts import register_titles

log = logging.getLogger("backend.sms")

SMS_UNAVAILABLE = "sms-unavailable"
register_titles({SMS_UNAVAILABLE: ("短信暂时无法发送", "SMS cannot be sent right now")})


def mask_phone(phone: str) -> str:
    return phone[:3] + "****" + phone[-4:]


class SmsUnavailable(Exception):
    """The code was not delivered. ``reason`` is the provider's error code or what went wrong
    on the way (``timeout``, ``unreachable``, ``http-502``); never a phone number or a code."""

    def __init__(self, *, provider: str, reason: str, request_id: str = "") -> None:
        super().__init__(
            f"{provider}: {reason}" + (f" (request {request_id})" if request_id else "")
        )
        self.provider = provider
        self.reason = reason
        self.request_id = request_id

    @property
    def maybe_delivered(self) -> bool:
        """The request may have reached the provider and the SMS the phone (a timeout, a 5xx,
        a connection lost after sending), unlike a refusal or a connection never made."""
        if self.reason == "timeout" or self.reason.startswith("http-5"):
            return True
        return self.reason.startswith("unreachable") and "Connect" not in self.reason


class SmsSender(Protocol):
    async def send_code(self, phone: str, code: str) -> None: ...

    async def aclose(self) -> None: ...


class LogSmsSender:
    """Development only: the demo reads the code from the log (the phone masked like every
    other line: whoever asked for the code knows which phone it was)."""

    async def send_code(self, phone: str, code: str) -> None:
        log.warning(
            "SMS to %s: your citizen credit card code is %s (valid 5 minutes)",
            mask_phone(phone),
            code,
        )

    async def aclose(self) -> None:
        return None


class MemorySmsSender:
    """Keeps the last code per phone, for tests and benchmarks that must read it back."""

    def __init__(self) -> None:
        self.sent: dict[str, list[str]] = {}

    async def send_code(self, phone: str, code: str) -> None:
        self.sent.setdefault(phone, []).append(code)

    def last(self, phone: str) -> str:
        return self.sent[phone][-1]

    async def aclose(self) -> None:
        return None


# --- what the HTTP providers share ---------------------------------------------------------------


def provider_client(timeout_seconds: float) -> httpx.AsyncClient:
    """One client per sender, kept for the process: its connections are reused between codes."""
    return httpx.AsyncClient(timeout=httpx.Timeout(timeout_seconds), follow_redirects=False)


async def post_to_provider(
    client: httpx.AsyncClient, *, provider: str, url: str, timeout_seconds: float, **request: Any
) -> dict[str, Any]:
    """POST and decode the provider's JSON answer; every failure on the way is SmsUnavailable.

    ``timeout_seconds`` bounds the whole exchange (httpx's own bounds each phase), so a citizen
    waits at most that long for the 503. A 4xx with a JSON body is returned (the provider's
    own error, e.g. a signature it refused), since the caller reads the error code from it; a
    5xx or a body that is not JSON is not."""
    try:
        async with asyncio.timeout(timeout_seconds):
            response = await client.post(url, **request)
    except (httpx.TimeoutException, TimeoutError):
        raise SmsUnavailable(provider=provider, reason="timeout") from None
    except httpx.HTTPError as exc:
        raise SmsUnavailable(
            provider=provider, reason=f"unreachable: {type(exc).__name__}"
        ) from None
    if response.status_code >= 500:
        raise SmsUnavailable(provider=provider, reason=f"http-{response.status_code}")
    try:
        answer = msgspec.json.decode(response.content)
    except msgspec.DecodeError:
        raise SmsUnavailable(provider=provider, reason=f"http-{response.status_code}") from None
    if not isinstance(answer, dict):
        raise SmsUnavailable(provider=provider, reason=f"http-{response.status_code}")
    return answer


def log_sent(*, provider: str, phone: str, request_id: str) -> None:
    log.info("SMS code sent through %s to %s (request %s)", provider, mask_phone(phone), request_id)
