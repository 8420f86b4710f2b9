"""What a copy of a citizen's data holds: every kind, gathered by the citizen's id alone, each
kind present (empty when the citizen has none), in a stable order and with stable keys."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from backend.identity import service as identity
from backend.identity.id_number import mask_id_number
from backend.platform.database import connection
from backend.platform.rows import Connection
from backend.privacy import store
from backend.reports.reporter import tokens_of

FORMAT = "citizen-data-export/1"

# Every kind of data, in the copy's order, with its (Chinese, English) title for the PDF.
SECTIONS: dict[str, tuple[str, str]] = {
    "profile": ("个人资料", "Profile"),
    "account": ("账户", "Account"),
    "devices": ("推送设备", "Devices"),
    "noticeAcceptances": ("已同意的隐私政策与协议", "Notices accepted"),
    "consents": ("商户授权", "Merchant consents"),
    "creditLock": ("信用锁", "Credit lock"),
    "card": ("信用卡片", "Card"),
    "scoreHistory": ("积分变化记录", "Score history"),
    "records": ("信用记录及其变更", "Records and their history"),
    "cases": ("异议、信用修复与举报", "Objections, repairs and reports"),
    "evidence": ("证据文件清单（不含文件内容）", "Evidence files (list, not content)"),
    "lists": ("红黑名单", "Red and serious-dishonesty lists"),
    "measures": ("惩戒措施", "Measures"),
    "notifications": ("消息", "Notifications (inbox)"),
    "notificationPreferences": ("通知设置", "Notification settings"),
    "queryLog": ("查询日志", "Query log"),
    "reportAuthorisations": ("信用报告查询授权", "Report authorisations"),
    "creditReports": ("已生成的信用报告", "Credit reports made"),
    "verifications": ("核验码与商户核验", "Verification codes and checks"),
    "redemptions": ("权益使用记录", "Benefit redemptions"),
    "quizzes": ("学习测验", "Quizzes"),
    "dataExports": ("数据副本", "Data exports"),
}

# Where each table holding a citizen's data (PRIVACY.md's inventory, the per-citizen tables of
# backend/platform/distribution.py) goes in the copy: a test holds every such table to one of
# these two, and fills each section from a citizen who has data of every kind.
SOURCES: dict[str, str] = {
    "citizen": "profile",
    "citizen_account": "account",
    "push_device": "devices",
    "notice_acceptance": "noticeAcceptances",
    "consent": "consents",
    "credit_lock": "creditLock",
    "credit_card": "card",
    "score_history": "scoreHistory",
    "record": "records",
    "record_history": "records",
    "objection": "cases",
    "repair_application": "cases",
    "case_step": "cases",
    "evidence_file": "evidence",
    "list_entry": "lists",
    "measure_enforcement": "measures",
    "notification": "notifications",
    "notification_preference": "notificationPreferences",
    "query_log": "queryLog",
    "report_authorisation": "reportAuthorisations",
    "credit_report": "creditReports",
    "verification": "verifications",
    "benefit_redemption": "redemptions",
    "quiz_attempt": "quizzes",
    "data_export": "dataExports",
}
# The per-citizen tables the copy leaves out, and why: each repeats what a section holds, or is
# the machinery of a delivery rather than data about the person.
NOT_EXPORTED: dict[str, str] = {
    "points_percentile": "the nightly ranking: the same percentile the card section shows",
    "exchange_event": "the records sent to the provincial platform: the records section holds"
    " the same facts and their history",
    "list_entry_step": "the office's review steps of a list entry: the lists section holds each"
    " entry, its rule, reason and dates",
    "measure_event": "deliveries of a measure's trigger or lift to an enforcing body: the"
    " measures section holds each measure and its state",
    "outbox_event": "notifications waiting to be delivered: the notifications section holds"
    " them once delivered",
    "outbox_dedupe": "keys that keep a notification from being sent twice: no content",
    "push_delivery": "each push of a notification to a device: the notification and the device"
    " are in their sections",
}

# The kinds read by one statement each: a list of rows, or one row (None when there is none).
_LISTS: dict[str, str] = {
    "devices": store.DEVICES,
    "noticeAcceptances": store.NOTICE_ACCEPTANCES,
    "consents": store.CONSENTS,
    "scoreHistory": store.SCORE_HISTORY,
    "records": store.RECORDS,
    "lists": store.LISTS,
    "measures": store.MEASURES,
    "notifications": store.NOTIFICATIONS,
    "queryLog": store.QUERY_LOG,
    "reportAuthorisations": store.REPORT_AUTHORISATIONS,
    "creditReports": store.CREDIT_REPORTS,
    "verifications": store.VERIFICATIONS,
    "redemptions": store.REDEMPTIONS,
    "quizzes": store.QUIZZES,
    "dataExports": store.DATA_EXPORTS,
}
_SINGLE: dict[str, str] = {
    "account": store.ACCOUNT,
    "creditLock": store.CREDIT_LOCK,
    "card": store.CARD,
    "notificationPreferences": store.NOTIFICATION_PREFERENCES,
}


async def _profile(person: store.Person) -> dict[str, Any]:
    """The name and the ID number masked, as the app shows them; the phone as identity gives
    it (masked: identity owns how a phone is stored and shown)."""
    phone = None
    if person.account is not None:
        phone = (await identity.profile(person.account)).phone_masked
    id_number = identity.decrypt_id_number(person.id_number_encrypted)
    return {"idNumberMasked": mask_id_number(id_number), "name": person.name, "phoneMasked": phone}


async def _cases(conn: Connection, citizen: int, tokens: list[str]) -> dict[str, Any]:
    return {
        "objections": await store.rows(conn, store.OBJECTIONS, citizen),
        "repairs": await store.rows(conn, store.REPAIRS, citizen),
        "reports": await store.rows(conn, store.REPORTS, tokens),
    }


async def gather(citizen: int, export_id: int, generated_at: dt.datetime) -> dict[str, Any]:
    """The copy as a JSON-ready document: ``sections`` names every kind, each present."""
    tokens = tokens_of(citizen)
    async with connection() as conn:
        person = await store.person(conn, citizen)
        if person is None:
            raise LookupError(f"no citizen {citizen}")
        reports = await store.report_ids(conn, tokens)
        found: dict[str, Any] = {
            kind: await store.rows(conn, select, citizen) for kind, select in _LISTS.items()
        }
        for kind, select in _SINGLE.items():
            found[kind] = await store.one(conn, select, citizen)
        found["cases"] = await _cases(conn, citizen, tokens)
        found["evidence"] = await store.rows(conn, store.EVIDENCE, citizen, reports)
    found["profile"] = await _profile(person)
    return {
        "format": FORMAT,
        "exportId": export_id,
        "generatedAt": generated_at.isoformat(),
        "sections": list(SECTIONS),
        **{kind: found[kind] for kind in SECTIONS},
    }


def as_json(document: dict[str, Any]) -> bytes:
    """UTF-8, keys sorted: two copies of the same data differ only where the data does."""
    return json.dumps(document, ensure_ascii=False, sort_keys=True, indent=2).encode()
