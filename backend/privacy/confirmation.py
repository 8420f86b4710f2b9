"""The notice of a cancellation, in plain words and the request's language: what went, what
stays and why. It is the answer to the request itself: the app's inbox went with the account,
and the SMS sender sends one-time codes only (one template), so there is nowhere else to put it.
The audit log keeps the same counts."""

from __future__ import annotations

import datetime as dt

from backend.platform.clock import SHANGHAI
from backend.platform.language import say
from backend.privacy.schemas import CancellationOut, KeptData, RemovedData

REMOVED: dict[str, tuple[str, str]] = {
    "account": ("账户（手机号与语言设置）", "the account (phone and language setting)"),
    "sessions": ("所有登录（各设备上均已退出）", "every session (signed out on every device)"),
    "devices": ("推送设备及其推送令牌", "push devices and their push tokens"),
    "pushDeliveries": ("待发送和已发送的推送", "pending and sent pushes"),
    "notifications": ("消息收件箱", "the notification inbox"),
    "notificationPreferences": ("通知设置", "notification settings"),
    "consents": ("给商户的授权", "consents given to merchants"),
    "noticeAcceptances": (
        "同意隐私政策、用户协议和单独同意的记录",
        "the record of the privacy notice, user agreement and consent you accepted",
    ),
    "verificationCodes": ("尚未使用的核验码", "verification codes not yet used"),
    "reportAuthorisations": (
        "尚未使用的信用报告查询授权（已撤销）",
        "report authorisations not yet used (revoked)",
    ),
    "dataExports": ("数据副本及其文件", "data exports and their files"),
    "idempotencyRecords": (
        "为防止重复提交而保存的请求结果",
        "responses kept against repeated submissions",
    ),
}

_HELD = (
    "公共信用信息由政府部门依据信用管理规定归集和保存，不属于本应用可以删除的数据",
    "public credit information is collected and held by the government under the credit"
    " rules; it is not the app's to delete",
)
KEPT: dict[str, tuple[str, str, str, str]] = {
    "records": (
        "信用记录及其变更、红黑名单和惩戒措施",
        "credit records and their changes, list entries and measures",
        _HELD[0] + "；记录在公示期满后按规定不再公示",
        _HELD[1] + "; a record leaves display when its display period ends",
    ),
    "card": (
        "信用积分、等级及其变化记录",
        "points, grade and score history",
        "由信用记录按规则计算，随记录保存",
        "computed from the records by the rules, and kept with them",
    ),
    "cases": (
        "异议、信用修复和举报案件及其证据",
        "objections, repairs and reports, with their evidence",
        "办理中的案件继续办理，办理结果按规定公示",
        "cases in progress continue, and their decisions are published as usual",
    ),
    "queryLog": (
        "查询日志（谁在何时为何查询了您的信用）",
        "the query log (who looked at your credit, when and why)",
        _HELD[0],
        _HELD[1],
    ),
    "auditLog": (
        "审计日志（包括本次注销）",
        "the audit log (this cancellation included)",
        "信用办对每项操作的不可更改记录",
        "the credit office's unalterable record of every action",
    ),
}


def _removed(counts: dict[str, int]) -> list[RemovedData]:
    return [
        RemovedData(kind=kind, description=say(*words), count=counts.get(kind, 0))
        for kind, words in REMOVED.items()
    ]


def _kept() -> list[KeptData]:
    return [
        KeptData(kind=kind, description=say(zh, en), reason=say(why_zh, why_en))
        for kind, (zh, en, why_zh, why_en) in KEPT.items()
    ]


def confirmation(cancelled_at: dt.datetime, counts: dict[str, int]) -> CancellationOut:
    at = cancelled_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
    return CancellationOut(
        cancelled_at=cancelled_at,
        notice=say(
            f"您的账户已于 {at}（北京时间）注销，所有设备上的登录均已退出。以下列出已删除和仍保存的"
            "信息及原因。",
            f"Your account was cancelled at {at} (Beijing time) and every session is signed"
            " out. Below is what was removed, and what stays and why.",
        ),
        removed=_removed(counts),
        kept=_kept(),
        sign_up_again=say(
            "以后您可以用同一身份证号重新注册，这将开立一个新账户：您会重新看到政府保存的信用记录，"
            "但原来的消息、设备、授权和设置不会恢复。",
            "You can sign up again later with the same ID number; that opens a new account: you"
            " will see the records the government holds again, but not the old inbox, devices,"
            " consents or settings.",
        ),
    )
