"""Problem titles and validation reasons in plain words, in the request's language.

A title depends on the problem's stable ``type`` (or, failing a special one, its status); a
validation reason is msgspec's or Litestar's message rewritten, never a raw regular
expression: a pattern is described by the words registered with it (``described_pattern``).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from backend.platform.language import say

STATUS_TITLES: dict[int, tuple[str, str]] = {
    400: ("请求格式不正确", "Bad request"),
    401: ("需要登录", "Authentication is required"),
    403: ("无权进行此操作", "Not allowed"),
    404: ("未找到", "Not found"),
    405: ("不支持该请求方法", "Method not allowed"),
    409: ("与当前状态冲突", "Conflict with the current state"),
    410: ("已不可用", "Gone"),
    413: ("请求内容过大", "The request is too large"),
    415: ("不支持的内容类型", "Unsupported media type"),
    422: ("请求内容不符合要求", "The request is not valid"),
    423: ("已锁定", "Locked"),
    429: ("请求过于频繁", "Too many requests"),
    500: ("服务器内部错误", "Internal error"),
    503: ("服务暂时不可用", "A required service is unavailable"),
}
CODE_TITLES: dict[str, tuple[str, str]] = {
    "token-expired": ("登录已过期", "The access token has expired"),
    "session-revoked": ("登录已失效", "This session has ended"),
    "token-invalid": ("登录凭证无效", "The access token is not valid"),
    "idempotency-key-reused": ("幂等键已用于另一请求", "Idempotency-Key used for another request"),
    "request-in-progress": ("相同的请求正在处理", "The first request with this key is running"),
}


def register_titles(titles: dict[str, tuple[str, str]]) -> None:
    """A domain's problem codes with their own (Chinese, English) titles."""
    CODE_TITLES.update(titles)


def title_for(code: str, status: int) -> str:
    zh, en = CODE_TITLES.get(code) or STATUS_TITLES.get(status, ("请求失败", "Request failed"))
    return say(zh, en)


# --- patterns described in words -----------------------------------------------------------------

_PATTERN_WORDS: dict[str, tuple[str, str]] = {}


def described_pattern(pattern: str, zh: str, en: str) -> str:
    """Register the words that explain ``pattern`` to a person and return the pattern."""
    _PATTERN_WORDS[pattern] = (zh, en)
    # msgspec quotes the pattern with its backslashes doubled.
    _PATTERN_WORDS[pattern.replace("\\", "\\\\")] = (zh, en)
    return pattern


NO_NUL = described_pattern(r"^[^\x00]*$", "不能包含空字符", "must not contain NUL characters")
# Patterns are ECMAScript too (no ``\Z``): generated clients may check them.
NOT_BLANK = described_pattern(
    r"^(?=[^\x00]*$)\s*\S", "不能为空白，且不能包含空字符", "must not be blank or contain NUL"
)
described_pattern(
    r"^1[3-9]\d{9}$", "应为 11 位手机号码，以 1 开头", "must be an 11-digit mobile number"
)
described_pattern(r"^\d{6}$", "应为 6 位数字", "must be 6 digits")
described_pattern(r"^[0-9]{8}$", "应为 8 位数字", "must be 8 digits")

_TYPES = {
    "str": ("文本", "text"),
    "int": ("整数", "an integer"),
    "float": ("数字", "a number"),
    "bool": ("true 或 false", "true or false"),
    "object": ("对象", "an object"),
    "array": ("数组", "a list"),
    "null": ("null", "null"),
}


def _type(name: str) -> tuple[str, str]:
    return _TYPES.get(name, (name, name))


def _regex(match: re.Match[str]) -> str:
    zh, en = _PATTERN_WORDS.get(match.group(1), ("格式不正确", "is not in the expected format"))
    return say(zh, en)


def _got(match: re.Match[str]) -> str:
    want, got = _type(match.group(1)), _type(match.group(2))
    return say(f"应为{want[0]}，收到的是{got[0]}", f"must be {want[1]}, not {got[1]}")


_BOUNDS = {
    ">=": ("不能小于", "at least"),
    "<=": ("不能大于", "at most"),
    ">": ("必须大于", "more than"),
    "<": ("必须小于", "less than"),
}


def _length(match: re.Match[str]) -> str:
    kind, op, n = match.group(1), match.group(2), match.group(3)
    zh_unit, en_unit = ("个字符", "characters") if kind == "str" else ("项", "items")
    zh, en = _BOUNDS[op]
    return say(f"长度{zh} {n} {zh_unit}", f"must have {en} {n} {en_unit}")


def _bound(match: re.Match[str]) -> str:
    zh, en = _BOUNDS[match.group(2)]
    return say(f"{zh} {match.group(3)}", f"must be {en} {match.group(3)}")


_REASONS: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]] = [
    (re.compile(r"Expected `str` matching regex '(.*)'(?: - at|$)"), _regex),
    (re.compile(r"Expected `(str|array|object)` of length (>=|<=) (\d+)"), _length),
    (re.compile(r"Expected `(int|float)` (>=|<=|>|<) (\S+)"), _bound),
    (re.compile(r"Expected `([\w ]+?)`, got `(\w+)`"), _got),
    (re.compile(r"Object missing required field"), lambda m: say("必填", "is required")),
    (
        re.compile(r"Object contains unknown field"),
        lambda m: say("不是此请求接受的字段", "is not a field this request takes"),
    ),
    (
        re.compile(r"Invalid enum value"),
        lambda m: say("不是允许的取值", "is not one of the allowed values"),
    ),
    (
        re.compile(r"Invalid RFC3339 encoded datetime"),
        lambda m: say(
            "应为 RFC 3339 时间，如 2026-11-29T08:00:00+08:00",
            "must be an RFC 3339 date-time such as 2026-11-29T08:00:00+08:00",
        ),
    ),
    (
        re.compile(r"Invalid RFC3339 encoded date"),
        lambda m: say("应为日期，如 2026-11-29", "must be a date such as 2026-11-29"),
    ),
    (
        re.compile(r"JSON is malformed|Input data was truncated"),
        lambda m: say("不是有效的 JSON", "is not valid JSON"),
    ),
]


def plain_reason(message: str) -> str:
    """msgspec's message (without its path) in plain words and the request's language."""
    for pattern, words in _REASONS:
        match = pattern.search(message)
        if match:
            return words(match)
    return say(f"取值不符合要求（{message}）", message)
