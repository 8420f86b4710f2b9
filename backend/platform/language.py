"""The language of human texts in a response: ``Accept-Language`` decides, Chinese by default.

Problem titles and details, names in lists and notification texts say ``say(zh, en)`` and get
the request's language; outside a request (jobs) the account's language is passed explicitly.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextvars import ContextVar
from typing import Literal

from litestar.datastructures import MutableScopeHeaders
from litestar.types import ASGIApp, Message, Receive, Scope, Send

Language = Literal["zh-CN", "en"]
LANGUAGES: tuple[Language, ...] = ("zh-CN", "en")
DEFAULT: Language = "zh-CN"
_language: ContextVar[Language] = ContextVar("language", default=DEFAULT)


def current_language() -> Language:
    return _language.get()


def use_language_of(headers: Mapping[str, str]) -> Language:
    """Set the language from a request's headers where the middleware's context has already
    ended (exceptions raised in middleware are handled outside it)."""
    language = negotiate(headers.get("accept-language"))
    _language.set(language)
    return language


def say(zh: str, en: str, language: str | None = None) -> str:
    """The text in the given language, else the request's."""
    return en if (language or current_language()) == "en" else zh


def negotiate(accept_language: str | None) -> Language:
    """The best of zh-CN and en for an ``Accept-Language`` header (RFC 9110 q-values);
    anything unknown or unparsable gets Chinese."""
    best: tuple[float, int, Language] | None = None
    for position, item in enumerate((accept_language or "").split(",")):
        tag, _, params = item.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        language = _match(tag.strip().lower())
        if language is None or quality <= 0:
            continue
        candidate = (quality, -position, language)
        if best is None or candidate[:2] > best[:2]:
            best = candidate
    return best[2] if best else DEFAULT


def _match(tag: str) -> Language | None:
    if tag == "zh" or tag.startswith("zh-"):
        return "zh-CN"
    if tag == "en" or tag.startswith("en-"):
        return "en"
    return None


class LanguageMiddleware:
    """Outermost, so even an authentication failure answers in the caller's language."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # type: ignore[comparison-overlap]
            await self.app(scope, receive, send)
            return
        header = dict(scope["headers"]).get(b"accept-language", b"").decode("latin-1")
        language = negotiate(header)
        token = _language.set(language)

        async def send_with_language(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableScopeHeaders.from_message(message)
                headers["content-language"] = language
                headers.add("vary", "Accept-Language")
            await send(message)

        try:
            await self.app(scope, receive, send_with_language)
        finally:
            _language.reset(token)
