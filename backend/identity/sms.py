"""Delivery of one-time codes. The built-in sender writes to the log (the demo prints the code);
a real SMS gateway implements the same protocol."""

from __future__ import annotations

import logging
from typing import Protocol

log = logging.getLogger("backend.sms")


def mask_phone(phone: str) -> str:
    return phone[:3] + "****" + phone[-4:]


class SmsSender(Protocol):
    async def send_code(self, phone: str, code: str) -> None: ...


class LogSmsSender:
    async def send_code(self, phone: str, code: str) -> None:
        log.warning("SMS to %s: your citizen credit card code is %s (valid 5 minutes)", phone, code)


class MemorySmsSender:
    """Keeps the last code per phone, for tests and benchmarks that must read it back."""

    def __init__(self) -> None:
        self.sent: dict[str, list[str]] = {}

    async def send_code(self, phone: str, code: str) -> None:
        self.sent.setdefault(phone, []).append(code)

    def last(self, phone: str) -> str:
        return self.sent[phone][-1]
