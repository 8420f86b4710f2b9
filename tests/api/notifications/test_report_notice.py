"""The reporter hears about their report (举报): ``report.changed``, worded in the citizen's
language, naming the reported subject only as masked and nothing about the reporter."""

from __future__ import annotations

import re
import string
from typing import Any

import httpx
import msgspec
import pytest

from backend.identity.sms import MemorySmsSender
from backend.notifications.events import EVENT_TYPES, ReportChanged, emit_event
from backend.notifications.relay import relay_all
from backend.notifications.templates import Template, load_templates
from backend.notifications.wording import REPORT_STATE_WORDS, localise
from backend.platform.config import REPO_ROOT
from backend.platform.database import connection, transaction
from tests import factories as f

SHIPPED = REPO_ROOT / "content" / "notifications"
PLACEHOLDER = re.compile(r"\{[A-Za-z_]*\}")

DECIDED = ReportChanged(
    case_id=42,
    state="substantiated",
    subject="张*",
    category_name="食品药品",
    category_name_en="Food and drugs",
    reason="经现场检查，该经营者无证销售食品属实，已依法立案",
)
NEAR = ReportChanged(
    case_id=43,
    state="deadline.near",
    subject="某某*公司",
    category_name="食品药品",
    category_name_en="Food and drugs",
    due_on="2026-12-04",
)


def _newest_template() -> Template:
    """The shipped content as the app seeds it: its newest version must carry the kind."""
    templates = load_templates(SHIPPED)
    return templates.versions[-1].templates["report.changed"]


def _render(event: ReportChanged, language: str) -> tuple[str, str]:
    """What the relay does to an outbox row: the payload as stored (JSON), the words filled in
    by ``localise``, then the template."""
    payload: dict[str, Any] = msgspec.json.decode(msgspec.json.encode(event))
    return _newest_template().render(language, localise(event.kind, language, payload, {}))


def test_the_event_is_a_legal_case_notice_with_camel_case_fields() -> None:
    assert EVENT_TYPES["report.changed"] is ReportChanged
    assert (ReportChanged.category, ReportChanged.legal) == ("cases", True)
    assert set(msgspec.to_builtins(DECIDED)) == {
        "caseId",
        "state",
        "subject",
        "categoryName",
        "categoryNameEn",
        "reason",
        "dueOn",
        "stateName",
        "reasonText",
    }


def test_the_newest_template_version_words_a_report() -> None:
    templates = load_templates(SHIPPED)
    newest = templates.versions[-1]
    assert newest.version == "2026.3" and "report.changed" in newest.templates
    # Every kind an older version had is still in the newest.
    for version in templates.versions[:-1]:
        assert set(version.templates) <= set(newest.templates), version.version


def test_the_template_names_only_the_masked_subject_and_the_case() -> None:
    template = _newest_template()
    used: set[str] = set()
    for text in (template.title_zh, template.body_zh, template.title_en, template.body_en):
        used |= {name for _, name, _, _ in string.Formatter().parse(text) if name}
    assert used <= {
        "subject",
        "categoryName",
        "categoryNameEn",
        "caseId",
        "stateName",
        "reasonText",
    }


def test_a_decision_with_its_reason_in_chinese() -> None:
    title, body = _render(DECIDED, "zh-CN")
    assert title == "举报办理进度"
    assert body == (
        "你对“张*”的举报（食品药品，编号 42）：举报属实。"
        "理由：经现场检查，该经营者无证销售食品属实，已依法立案。"
    )
    assert not PLACEHOLDER.search(title + body)


def test_a_decision_with_its_reason_in_english() -> None:
    title, body = _render(DECIDED, "en")
    assert title == "Your report: update"
    assert body == (
        "Your report about “张*” (Food and drugs, #42): substantiated."
        " Reason: 经现场检查，该经营者无证销售食品属实，已依法立案."
    )
    assert not PLACEHOLDER.search(title + body)


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("zh-CN", "你对“某某*公司”的举报（食品药品，编号 43）：即将到期（办理期限 2026-12-04）。"),
        (
            "en",
            "Your report about “某某*公司” (Food and drugs, #43): deadline near (due 2026-12-04).",
        ),
    ],
)
def test_a_deadline_near_without_a_reason(language: str, expected: str) -> None:
    title, body = _render(NEAR, language)
    assert body == expected
    assert "None" not in body and "理由" not in body and "Reason" not in body
    assert not PLACEHOLDER.search(title + body)


@pytest.mark.parametrize(
    ("state", "zh", "en"),
    [
        ("rejected", "不予受理", "rejected"),
        ("unsubstantiated", "举报不属实", "not substantiated"),
        ("malicious", "恶意举报", "found malicious"),
        ("extended", "已延期", "extended"),
        ("escalated", "已督办", "escalated"),
        ("transferred", "已转交其他部门办理", "transferred to another department"),
    ],
)
def test_every_step_has_words(state: str, zh: str, en: str) -> None:
    event = msgspec.structs.replace(DECIDED, state=state, reason=None)
    assert _render(event, "zh-CN")[1].endswith(f"：{zh}。")
    assert _render(event, "en")[1].endswith(f": {en}.")


def test_the_status_words_are_the_report_kinds() -> None:
    """The words are data in notifications (which may not import the case kinds); they must
    say what the report kind says of each status."""
    kind = pytest.importorskip("backend.reports.kind")
    for state in kind.REPORT.states:
        assert REPORT_STATE_WORDS[state.name] == state.words, state.name


async def test_the_reporter_reads_it_in_the_inbox(
    client: httpx.AsyncClient, sms: MemorySmsSender
) -> None:
    """Through the outbox and the relay, as a legal case notice, in the account's language."""
    _, headers = await f.signed_up(client, sms, "13951300001")
    async with connection() as conn:
        citizen_id = await conn.fetchval("SELECT max(id) FROM citizen")
    async with transaction() as conn:
        await emit_event(conn, citizen_id, DECIDED)
    await relay_all()
    async with connection() as conn:
        await conn.execute(
            "UPDATE citizen_account SET language = 'en' WHERE citizen = $1", citizen_id
        )
    async with transaction() as conn:
        await emit_event(conn, citizen_id, NEAR)
    await relay_all()
    items = (await client.get("/v1/me/notifications", headers=headers)).json()["items"]
    by_case = {item["data"]["caseId"]: item for item in items}
    decided, near = by_case[42], by_case[43]
    assert (decided["kind"], decided["category"], decided["legal"]) == (
        "report.changed",
        "cases",
        True,
    )
    assert decided["title"] == "举报办理进度"
    assert "“张*”" in decided["body"] and "理由：经现场检查" in decided["body"]
    assert near["title"] == "Your report: update"
    assert near["body"].endswith("deadline near (due 2026-12-04).")
    for item in items:
        assert not PLACEHOLDER.search(item["title"] + item["body"])
        assert "你的信用信息有更新" not in item["body"] and "has changed" not in item["title"]
