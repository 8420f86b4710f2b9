"""Words for what events carry as codes and numbers, in the citizen's language (zh-CN first, en
second), filled in by the relay just before it renders a template.

A record is named by its catalog entry (记录名称), never by its record-type code: the relay looks
the record up by ``recordId`` where the payload has one (one query per relay batch), else reads
``recordType`` or ``recordTitle`` as a code or a zh name, so a payload written in Chinese or with
a code still reads right in either language. The points
a new record moved are said with a sign (``+10``, ``-30``), and a record that moved nothing says
why in words (不计分：公示期已于 … 届满).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from backend.content.benefits import benefit_set
from backend.notifications import store
from backend.platform import runtime
from backend.platform.rows import Connection

Names = tuple[str, str]  # (zh, en)

_CASE_NAMES = {
    "zh": {
        "objection": "异议申请",
        "repair": "信用修复申请",
        "submitted": "已提交",
        "accepted": "已受理",
        "rejected": "不予受理",
        "verifying": "核查完毕，待信用办决定",
        "upheld": "核查后维持原记录",
        "corrected": "记录已更正",
        "revoked": "记录已撤销",
        "approved": "修复通过",
        "denied": "修复未通过",
        "extended": "核查期限已依法延长",
        "deadline.near": "办理期限临近",
        "escalated": "已超期，已提交信用办督办",
    },
    "en": {
        "objection": "objection",
        "repair": "repair application",
        "submitted": "submitted",
        "accepted": "accepted",
        "rejected": "not accepted",
        "verifying": "verified, awaiting the credit office",
        "upheld": "record upheld",
        "corrected": "record corrected",
        "revoked": "record revoked",
        "approved": "repair approved",
        "denied": "repair denied",
        "extended": "verification period extended",
        "deadline.near": "deadline near",
        "escalated": "overdue, escalated to the credit office",
    },
}


def is_english(language: str) -> bool:
    return language.lower().startswith("en")


def signed(points: int) -> str:
    """``+10``, ``-30``, ``0``."""
    return f"{points:+d}" if points else "0"


# --- record names -------------------------------------------------------------------------------


def record_type_names(record_type: str, catalog_version: str | None = None) -> Names:
    """The catalog's (zh, en) names of a record type: the version it was reported under, else
    the newest version that has it; the code itself only for a type no catalog knows."""
    catalogs = runtime.current().catalogs
    reported = catalogs.by_version(catalog_version) if catalog_version else None
    for catalog in (reported, *reversed(catalogs.catalogs)):
        entry = catalog.get(record_type) if catalog is not None else None
        if entry is not None:
            return entry.name_zh, entry.name_en
    return record_type, record_type


def record_title_zh(record_type: str, catalog_version: str | None = None) -> str:
    return record_type_names(record_type, catalog_version)[0]


def _record_id(payload: dict[str, Any]) -> int | None:
    value = payload.get("recordId")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


async def record_names(
    conn: Connection, events: Iterable[tuple[int, dict[str, Any]]]
) -> dict[int, Names]:
    """Record id → catalog names, for the (citizen, payload) pairs that name a record; one
    statement for a whole relay batch."""
    wanted = {(citizen, rid) for citizen, payload in events if (rid := _record_id(payload))}
    if not wanted:
        return {}
    found = await store.record_types(conn, wanted)
    return {r.id: record_type_names(r.record_type, r.catalog_version) for r in found}


def _names_of(text: str) -> Names | None:
    """The names of the record type ``text`` is the code or the zh name of, in any version."""
    zh, en = record_type_names(text)
    if (zh, en) != (text, text):
        return zh, en
    for catalog in reversed(runtime.current().catalogs.catalogs):
        for entry in catalog.record_types.values():
            if entry.name_zh == text:
                return entry.name_zh, entry.name_en
    return None


def _record_title(payload: dict[str, Any], english: bool, names: dict[int, Names]) -> str | None:
    """The record's name in the citizen's language: by its id, else by a ``recordType`` code,
    else by a ``recordTitle`` that is a code or a zh name. None: keep what the emitter wrote."""
    rid = _record_id(payload)
    found = names.get(rid) if rid is not None else None
    for text in (payload.get("recordType"), payload.get("recordTitle")):
        if found is None and isinstance(text, str) and text:
            found = _names_of(text)
    if found is None:
        return None
    return found[1] if english else found[0]


# --- benefit names -----------------------------------------------------------------------------


def benefit_name_en(payload: dict[str, Any]) -> str:
    """The English name of the benefit a payload names: as the emitter gave it, else found by
    its zh name in any benefits version (newest first), else the zh name itself."""
    given = payload.get("benefitNameEn")
    if isinstance(given, str) and given:
        return given
    zh = str(payload.get("benefit", ""))
    for catalog in reversed(tuple(benefit_set())):
        for benefit in catalog.benefits:
            if benefit.name_zh == zh:
                return benefit.name_en
    return zh


# --- what a new record did to the points -------------------------------------------------------


def _number(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def effect_words(payload: dict[str, Any], english: bool) -> str:
    """The points a new record moved (``+10``, ``-30``), or in words why it moved none."""
    points = _number(payload.get("points")) or 0
    counting = payload.get("counting", "counted")
    worth = _number(payload.get("catalogPoints"))
    worth_text = signed(worth) if worth is not None else ""
    on = payload.get("on") or ""
    if counting == "capped":
        if english:
            reason = f"the yearly cap for this kind was reached; {worth_text} earned"
            return f"{signed(points)} ({reason})" if points else f"none ({reason})"
        reason = f"本年度同类加分已达上限，应得 {worth_text}"
        return f"{signed(points)}（{reason}）" if points else f"不计分（{reason}）"
    if english:
        words = {
            "no_points": "none (this kind of record carries no points)",
            "suspended": f"none for now ({worth_text} withheld while your objection is verified)",
            "display_period_over": f"none (its display period ended on {on})",
            "revoked": "none (the record was revoked)",
            "repaired": "none (the record was repaired)",
            "not_yet_decided": f"none yet (it counts from {on})",
        }
    else:
        words = {
            "no_points": "不计分（该类记录不加减分）",
            "suspended": f"暂不计分（异议核查期间暂停扣分，暂缓 {worth_text}）",
            "display_period_over": f"不计分（公示期已于 {on} 届满）",
            "revoked": "不计分（记录已撤销）",
            "repaired": "不计分（已完成信用修复）",
            "not_yet_decided": f"暂不计分（自 {on} 起计入）",
        }
    if counting in words:
        return words[counting]
    return signed(points) if points else words["no_points"]


# --- the monthly summary ------------------------------------------------------------------------


def change_words(payload: dict[str, Any], english: bool) -> str:
    change = signed(_number(payload.get("pointsChange")) or 0)
    base = payload.get("comparedWith")
    if payload.get("firstMonth"):
        if english:
            moved = f"{change} from" if change != "0" else "level with"
            return f"your first month: {moved} the starting {base}"
        return (
            f"首月，较初始积分 {base} {change}"
            if change != "0"
            else f"首月，与初始积分 {base} 持平"
        )
    if english:
        return f"{change} on last month" if change != "0" else "same as last month"
    return f"较上月 {change}" if change != "0" else "与上月持平"


def ranking_words(payload: dict[str, Any], english: bool) -> str:
    percentile = payload.get("percentile")
    if percentile is None:
        return "ranking not yet computed" if english else "排名统计中"
    return f"ahead of {percentile}% of citizens" if english else f"超过 {percentile}% 的市民"


# --- a report (举报), told to the reporter ------------------------------------------------------

# The report kind's status words (``backend.reports.kind``: the intake states and the outcomes)
# and the words for what the case machine says happened. Kept here as data: notifications sit
# below backend.cases and backend.reports in the import layers, so the relay cannot ask
# ``backend.cases.kinds.KINDS["report"]``; tests/api/notifications/test_report_notice.py checks
# that the status words agree with the kind's.
REPORT_STATE_WORDS: dict[str, Names] = {
    "submitted": ("已提交", "submitted"),
    "accepted": ("已受理", "accepted"),
    "rejected": ("不予受理", "rejected"),
    "withdrawn": ("已撤回", "withdrawn"),
    "substantiated": ("举报属实", "substantiated"),
    "unsubstantiated": ("举报不属实", "not substantiated"),
    "malicious": ("恶意举报", "found malicious"),
    "extended": ("已延期", "extended"),
    "deadline.near": ("即将到期", "deadline near"),
    "escalated": ("已督办", "escalated"),
    "transferred": ("已转交其他部门办理", "transferred to another department"),
}
# The deadline a step names (``dueOn``): the one now running, or for an escalation the one
# that lapsed. A closed report has none.
_REPORT_DUE: dict[str, Names] = {
    "escalated": ("（原办理期限 {}）", " (was due {})"),
}
_REPORT_DUE_DEFAULT: Names = ("（办理期限 {}）", " (due {})")


def report_state_words(payload: dict[str, Any], english: bool) -> str:
    """The report's state in words, with the deadline it names (即将到期（办理期限 2026-12-04）)."""
    state = str(payload.get("state", ""))
    words = REPORT_STATE_WORDS.get(state, (state, state))[1 if english else 0]
    due = payload.get("dueOn")
    if isinstance(due, str) and due:
        words += _REPORT_DUE.get(state, _REPORT_DUE_DEFAULT)[1 if english else 0].format(due)
    return words


def report_reason_words(payload: dict[str, Any], english: bool) -> str:
    """The decision's reason for the end of the notice (理由：…。 / `` Reason: ….``); empty
    when the step has none. English begins with a space: the template puts it straight after
    the sentence before."""
    reason = payload.get("reason")
    text = reason.strip() if isinstance(reason, str) else ""
    if not text:
        return ""
    if english:
        return f" Reason: {text}" + ("" if text[-1] in ".!?。！？" else ".")
    return f"理由：{text}" + ("" if text[-1] in "。！？.!?" else "。")


# --- all together -------------------------------------------------------------------------------


def localise(
    kind: str, language: str, payload: dict[str, Any], names: dict[int, Names]
) -> dict[str, Any]:
    """The payload with the words its template needs, in the citizen's language."""
    english = is_english(language)
    filled = dict(payload)
    title = _record_title(payload, english, names)
    if title is not None:
        filled["recordTitle"] = title
    if kind == "record.added":
        filled["effect"] = effect_words(payload, english)
    elif kind == "verification.redeemed":
        filled["benefitNameEn"] = benefit_name_en(payload)
    elif kind == "monthly.summary":
        filled["change"] = change_words(payload, english)
        filled["ranking"] = ranking_words(payload, english)
    elif kind == "case.changed":
        case_names = _CASE_NAMES["en" if english else "zh"]
        kind_code, state = str(payload.get("caseKind", "")), str(payload.get("state", ""))
        filled["caseKindName"] = case_names.get(kind_code, kind_code)
        filled["stateName"] = case_names.get(state, state)
    elif kind == "report.changed":
        filled["stateName"] = report_state_words(payload, english)
        filled["reasonText"] = report_reason_words(payload, english)
        if not filled.get("categoryNameEn"):  # an emitter without the English name: the zh one
            filled["categoryNameEn"] = payload.get("categoryName", "")
    return filled
