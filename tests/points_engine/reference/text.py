"""Short explanation texts (zh-CN first, en second) for explanation lines and suspended penalties.

Examples::

    志愿服务时长 12 小时 +12
    志愿服务时长 30 小时 +10（应得 +30，2026 年志愿服务年度上限 40 分）
    醉酒驾驶机动车 -80
    醉酒驾驶机动车 -80，异议核查期间暂停扣分

The record is named by the catalog name carried on the record (``RecordFact.name_zh``), or by
its record-type code when the backend did not pass names. A quantity of one case is not spelt
out ("醉酒驾驶机动车 -80", not "醉酒驾驶机动车 1 件 -80").
"""

from __future__ import annotations

from typing import Final

from points_engine.model import RecordFact

__all__ = ["capped_texts", "plain_texts", "suspended_texts"]

_UNIT_ZH: Final[dict[str, str]] = {"hour": "小时", "time": "次", "case": "件", "month": "个月"}
_UNIT_EN: Final[dict[str, tuple[str, str]]] = {
    "hour": ("hour", "hours"),
    "time": ("time", "times"),
    "case": ("case", "cases"),
    "month": ("month", "months"),
}


_CACHE_LIMIT = 1 << 16
# Memo of finished texts: many citizens share the same record type, quantity and points.
_cache: dict[tuple[object, ...], tuple[str, str]] = {}


def _remember(key: tuple[object, ...], texts: tuple[str, str]) -> tuple[str, str]:
    if len(_cache) >= _CACHE_LIMIT:
        _cache.clear()
    _cache[key] = texts
    return texts


def _names(name_zh: str, name_en: str, quantity: int, unit: str) -> tuple[str, str]:
    """(zh, en) record name with the quantity, e.g. ("志愿服务时长 12 小时", "..., 12 hours")."""
    if quantity == 1 and unit == "case":
        return name_zh, name_en
    singular, plural = _UNIT_EN.get(unit, (unit, unit))
    return (
        f"{name_zh} {quantity} {_UNIT_ZH.get(unit, unit)}",
        f"{name_en}, {quantity} {singular if quantity == 1 else plural}",
    )


def plain_texts(record: RecordFact, points: int) -> tuple[str, str]:
    """Texts for a counting record the cap did not touch."""
    # Keyed by the fields the texts come from (the code stands in for a missing name only when
    # the texts are made): one line of every card passes here.
    key = (
        0,
        record.record_type,
        record.name_zh,
        record.name_en,
        record.quantity,
        record.unit,
        points,
    )
    found = _cache.get(key)
    if found is not None:
        return found
    code = record.record_type
    zh, en = _names(record.name_zh or code, record.name_en or code, record.quantity, record.unit)
    return _remember(key, (f"{zh} {points:+d}", f"{en}: {points:+d}"))


def capped_texts(
    record: RecordFact, points: int, uncapped: int, cap: int, label_zh: str, label_en: str
) -> tuple[str, str]:
    """Texts for a good record cut by its category's yearly cap (年度上限)."""
    code = record.record_type
    name_zh, name_en = record.name_zh or code, record.name_en or code
    year = record.occurred_on.year
    key = (
        1,
        name_zh,
        name_en,
        record.quantity,
        record.unit,
        points,
        uncapped,
        cap,
        year,
        label_zh,
        label_en,
    )
    found = _cache.get(key)
    if found is not None:
        return found
    zh, en = _names(name_zh, name_en, record.quantity, record.unit)
    return _remember(
        key,
        (
            f"{zh} {points:+d}（应得 {uncapped:+d}，{year} 年{label_zh}年度上限 {cap} 分）",
            f"{en}: {points:+d} ({uncapped:+d} earned; {year} {label_en} yearly cap of {cap})",
        ),
    )


def suspended_texts(record: RecordFact, withheld: int) -> tuple[str, str]:
    """Texts for a penalty withheld while an objection is verified (异议核查期间暂停扣分)."""
    code = record.record_type
    name_zh, name_en = record.name_zh or code, record.name_en or code
    key = (2, name_zh, name_en, record.quantity, record.unit, withheld)
    found = _cache.get(key)
    if found is not None:
        return found
    zh, en = _names(name_zh, name_en, record.quantity, record.unit)
    return _remember(
        key,
        (
            f"{zh} {withheld:+d}，异议核查期间暂停扣分",
            f"{en}: {withheld:+d} suspended while the objection is verified",
        ),
    )
