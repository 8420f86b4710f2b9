"""Government integrity and key occupational groups (政务诚信 · 重点职业人群) as versioned content:
the shipped version loads with the seeds' limits and groups, a broken version is refused naming
the file, the entry and the field, and the catalog's group-only record types are checked
against the groups."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from backend.content.kinds import Source, read_sources
from backend.records import integrity
from backend.records.catalog import CatalogError, catalogs_from_sources, default_catalog_dir
from backend.records.integrity import IntegrityError, IntegritySet, integrity_from_sources
from backend.wiring import CONTENT_KINDS

REPO = Path(__file__).resolve().parents[2]
LABEL = "integrity/2026.1.toml"
D = dt.date


@pytest.fixture(scope="module")
def shipped() -> str:
    return (REPO / "content" / "integrity" / "2026.1.toml").read_text(encoding="utf-8")


def _build(*sources: Source) -> IntegritySet:
    return integrity_from_sources(list(sources), {})


def _refused(text: str) -> str:
    with pytest.raises(IntegrityError) as refused:
        _build((LABEL, text))
    return str(refused.value)


def test_the_shipped_version_loads() -> None:
    sources = read_sources(
        REPO / "content" / "integrity", REPO / "content", IntegrityError, "integrity"
    )
    assert [label for label, _ in sources] == [LABEL]
    version = _build(*sources).latest
    assert (version.version, version.effective_from) == ("2026.1", D(2026, 4, 1))
    assert "7个工作日内报送" in version.source and "桂政发〔2018〕3号" in version.source
    assert version.report_within_working_days == 7
    assert version.feedback_within_working_days == 5


def test_the_shipped_groups_cover_the_seeds(shipped: str) -> None:
    version = _build((LABEL, shipped)).latest
    groups = version.occupational_groups
    quzhou = ["公务员", "企业法定代表人及相关责任人", "律师", "教师", "医师", "执业药师", "评估师"]
    quzhou += ["税务师", "注册消防工程师", "房地产中介从业人员", "认证人员", "金融从业人员", "导游"]
    guangxi = ["住房城乡建设执业资格注册人员", "资产评估人员", "货运车辆驾驶从业人员", "科研人员"]
    guangxi += ["保险经纪人", "新闻媒体从业人员"]
    others = ["社会工作师", "社会组织负责人", "公证员", "司法鉴定人员", "会计人员", "审计人员"]
    names = {group.name_zh for group in groups.values()}
    assert set(quzhou + guangxi + others) <= names
    assert len(groups) == 25
    physician = version.group_named("医师")
    assert physician is not None and physician.code == "physician"
    assert version.group_named(" Physician ") is physician
    accountant = version.group_named("注册会计师")  # Guangdong's wording, an alias
    assert accountant is not None and accountant.code == "accountant"
    assert version.group_named("医生") is None
    assert all(integrity.GROUP_CODE.fullmatch(code) for code in groups)


def test_late_is_more_than_seven_working_days_after_the_decision(shipped: str) -> None:
    version = _build((LABEL, shipped)).latest
    # Decided on Friday 2026-09-25 (Mid-Autumn, a day off): three working days, then the
    # National Day holiday (10-01 to 10-07), then Thursday, Friday, the make-up Saturday 10-10
    # and Monday: seventeen calendar days, where weekends alone would give eleven.
    decided = D(2026, 9, 25)
    assert version.report_due_by(decided) == D(2026, 10, 12)
    assert not version.reported_late(decided, D(2026, 10, 12))
    assert version.reported_late(decided, D(2026, 10, 13))
    assert not version.reported_late(decided, decided)


def test_the_catalog_is_built_after_the_groups_it_names() -> None:
    names = [kind.name for kind in CONTENT_KINDS]
    assert names.index("integrity") < names.index("catalog")
    catalog = next(kind for kind in CONTENT_KINDS if kind.name == "catalog")
    assert "integrity" in catalog.depends_on


def _catalog_with(groups_line: str) -> str:
    text = (default_catalog_dir() / "2026.1.toml").read_text(encoding="utf-8")
    anchor = 'code = "REAL-ESTATE-AGENT-MISCONDUCT"\n'
    assert anchor in text
    return text.replace(anchor, anchor + groups_line + "\n")


def test_a_catalog_type_may_apply_to_some_groups_only(shipped: str) -> None:
    codes = _build((LABEL, shipped)).group_codes()
    text = _catalog_with('occupational_groups = ["real-estate-agent"]')
    catalog = catalogs_from_sources([("catalog/2026.1.toml", text)], codes).latest
    marked = catalog.get("REAL-ESTATE-AGENT-MISCONDUCT")
    assert marked is not None and marked.occupational_groups == ("real-estate-agent",)
    unmarked = catalog.get("TRAFFIC-DRINK-DRIVING")
    assert unmarked is not None and unmarked.occupational_groups is None


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('occupational_groups = ["astrologer"]', "not a key occupational group"),
        ('occupational_groups = ["Real Estate"]', "not an occupational group code"),
        ("occupational_groups = []", "name at least one group"),
        ('occupational_groups = ["lawyer", "lawyer"]', "listed twice"),
    ],
)
def test_a_catalog_type_naming_a_bad_group_is_named(shipped: str, line: str, message: str) -> None:
    codes = _build((LABEL, shipped)).group_codes()
    with pytest.raises(CatalogError) as refused:
        catalogs_from_sources([("catalog/2026.1.toml", _catalog_with(line))], codes)
    assert re.fullmatch(
        r"catalog/2026\.1\.toml: record_type\[\d+\] 'REAL-ESTATE-AGENT-MISCONDUCT':"
        rf" field 'occupational_groups': .*{message}.*",
        str(refused.value),
    ), str(refused.value)


def test_a_zero_report_limit_is_named(shipped: str) -> None:
    message = _refused(
        shipped.replace("report_within_working_days = 7", "report_within_working_days = 0")
    )
    assert message == f"{LABEL}: timeliness: field 'report_within_working_days': 0 is not 1 to 60"


def test_a_feedback_limit_out_of_range_is_named(shipped: str) -> None:
    text = shipped.replace("feedback_within_working_days = 5", "feedback_within_working_days = 61")
    message = _refused(text)
    assert message.startswith(f"{LABEL}: timeliness: field 'feedback_within_working_days': ")


def test_a_missing_limit_is_named(shipped: str) -> None:
    message = _refused(shipped.replace("feedback_within_working_days = 5\n", ""))
    assert message.startswith(f"{LABEL}: timeliness: field 'feedback_within_working_days': ")
    assert "missing required field" in message


def test_an_unknown_field_is_named(shipped: str) -> None:
    text = shipped.replace("[timeliness]\n", "[timeliness]\nreport_within_days = 7\n")
    message = _refused(text)
    assert message.startswith(f"{LABEL}: timeliness: field 'report_within_days': ")
    assert "unknown field" in message


def test_a_malformed_group_code_is_named(shipped: str) -> None:
    message = _refused(shipped.replace('code = "tax-adviser"', 'code = "Tax_Adviser"'))
    assert message.startswith(f"{LABEL}: occupational_group[10] 'Tax_Adviser': field 'code': ")


def test_a_group_code_given_twice_is_named(shipped: str) -> None:
    message = _refused(shipped.replace('code = "notary"', 'code = "lawyer"'))
    assert message == (
        f"{LABEL}: occupational_group[4] 'lawyer': field 'code': duplicate group code 'lawyer'"
    )


def test_a_chinese_name_given_twice_is_named(shipped: str) -> None:
    message = _refused(shipped.replace('name_zh = "公证员"', 'name_zh = "律师"'))
    assert message == (
        f"{LABEL}: occupational_group[4] 'notary': field 'name_zh': '律师' already names group"
        " 'lawyer'"
    )


def test_an_alias_taken_by_another_group_is_named(shipped: str) -> None:
    message = _refused(shipped.replace('aliases_zh = ["注册会计师"]', 'aliases_zh = ["审计人员"]'))
    # the alias comes first (accountant), so the later group's own name is the clash
    assert message == (
        f"{LABEL}: occupational_group[13] 'auditor': field 'name_zh': '审计人员' already names"
        " group 'accountant'"
    )


def test_a_blank_english_name_is_named(shipped: str) -> None:
    message = _refused(shipped.replace('name_en = "Teachers"', 'name_en = " "'))
    assert (
        message == f"{LABEL}: occupational_group[6] 'teacher': field 'name_en': must not be empty"
    )


def test_a_group_missing_its_name_is_named(shipped: str) -> None:
    message = _refused(shipped.replace('name_zh = "导游"\n', ""))
    assert message.startswith(f"{LABEL}: occupational_group[17] 'tour-guide': field 'name_zh': ")


def test_a_version_without_groups_is_refused(shipped: str) -> None:
    head = shipped[: shipped.index("[[occupational_group]]")]
    message = _refused(head)
    assert message.startswith(f"{LABEL}: occupational_group: ")


def test_a_missing_header_field_is_named(shipped: str) -> None:
    message = _refused(shipped.replace("effective_from = 2026-04-01\n", ""))
    assert message.startswith(f"{LABEL}: integrity: field 'effective_from': ")


def test_a_version_named_twice_names_both_files(shipped: str) -> None:
    later = shipped.replace("effective_from = 2026-04-01", "effective_from = 2027-01-01")
    with pytest.raises(IntegrityError) as refused:
        _build((LABEL, shipped), ("integrity/2027.1.toml", later))
    assert str(refused.value).startswith("integrity/2027.1.toml: integrity: field 'version': ")
    assert LABEL in str(refused.value)


def test_the_version_in_force_is_read_by_date(shipped: str) -> None:
    later = shipped.replace('version = "2026.1"', 'version = "2027.1"').replace(
        "effective_from = 2026-04-01", "effective_from = 2027-01-01"
    )
    later = later.replace("report_within_working_days = 7", "report_within_working_days = 5")
    later = later.replace('code = "journalist"', 'code = "media-worker"')
    try:  # the app of another test may have installed the shipped version: put it back after
        previous: IntegritySet | None = IntegritySet(integrity.every_version())
    except RuntimeError:
        previous = None
    versions = _build((LABEL, shipped), ("integrity/2027.1.toml", later))
    integrity.install_integrity(versions)
    try:
        assert integrity.in_force(D(2025, 1, 1)).version == "2026.1"  # before the first
        assert integrity.in_force(D(2026, 12, 31)).report_within_working_days == 7
        assert integrity.in_force(D(2027, 1, 1)).report_within_working_days == 5
        assert integrity.in_force(D(2027, 1, 1)).feedback_within_working_days == 5
        assert {"journalist", "media-worker"} <= versions.group_codes()
        older = versions.newest_group("journalist")
        assert older is not None and older.name_zh == "新闻媒体从业人员"
    finally:
        integrity.install_integrity(previous)
