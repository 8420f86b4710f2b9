"""Resident identity numbers (公民身份号码, GB 11643-1999): validation and masking."""

from __future__ import annotations

import datetime as dt
import operator

from backend.platform.calendar import today_in_shanghai
from backend.platform.language import say

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
# Kept as a table (not formatted): the two-digit province codes of GB/T 2260, in region
# order; one code a line would be 34 lines of two digits.
_PROVINCES = {
    11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37,
    41, 42, 43, 44, 45, 46, 50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82,
}  # fmt: skip


class InvalidIdNumber(ValueError):
    """The reason names what is wrong, in Chinese and English, for the problem document;
    ``str()`` is the English one (logs)."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(en)
        self.zh = zh
        self.en = en

    def reason(self) -> str:
        """The reason in the request's language."""
        return say(self.zh, self.en)


def check_digit(first17: str) -> str:
    """GB 11643's check character of the first 17 digits. ``map`` rather than a generator:
    every ID number of a batch passes here (benchmarks/bench_ingest.py)."""
    if len(first17) != len(_WEIGHTS):
        raise ValueError("check_digit takes the first 17 digits")
    return _CHECK[sum(map(operator.mul, map(int, first17), _WEIGHTS)) % 11]


def normalize_id_number(value: str, *, today: dt.date | None = None) -> str:
    """Return the canonical form (upper-case X) or raise InvalidIdNumber with the reason.

    A birth date after the business date (the runtime clock's) is refused. A batch passes the
    one ``today`` it judges all its items by, so a batch sent across midnight is not checked
    against two dates (and the clock is not read once per item)."""
    candidate = value.strip().upper()
    if len(candidate) != 18:
        raise InvalidIdNumber("应为 18 位", "must be 18 characters")
    body, last = candidate[:17], candidate[17]
    if not body.isdigit() or not (last.isdigit() or last == "X"):
        raise InvalidIdNumber(
            "应为 17 位数字加 1 位数字或 X", "must be 17 digits followed by a digit or X"
        )
    if int(body[:2]) not in _PROVINCES:
        raise InvalidIdNumber(
            "前两位不是省级行政区划代码", "the first two digits are not a province code"
        )
    try:
        born = dt.date(int(body[6:10]), int(body[10:12]), int(body[12:14]))
    except ValueError as exc:
        raise InvalidIdNumber(
            "出生日期（第 7–14 位）不是真实日期", "the birth date (digits 7-14) is not a real date"
        ) from exc
    if born > (today if today is not None else today_in_shanghai()) or born.year < 1890:
        raise InvalidIdNumber(
            "出生日期（第 7–14 位）超出范围", "the birth date (digits 7-14) is out of range"
        )
    if check_digit(body) != last:
        raise InvalidIdNumber(
            "校验码不正确（GB 11643）", "the check digit does not match (GB 11643)"
        )
    return candidate


def mask_id_number(id_number: str) -> str:
    """``330106199001011234`` → ``3301**********1234``."""
    return id_number[:4] + "*" * 10 + id_number[-4:]


def mask_name(name: str) -> str:
    """``张三`` → ``张*``; ``欧阳小明`` → ``欧***``."""
    return name[:1] + "*" * max(len(name) - 1, 1)


def make_id_number(region: str, born: dt.date, sequence: int) -> str:
    """Build a valid number (demo data, tests): 6-digit region, birth date, 3-digit sequence."""
    body = f"{region}{born:%Y%m%d}{sequence % 1000:03d}"
    return body + check_digit(body)
