"""Reporting rules (举报规则) as versioned content: the shipped version loads with the numbers
the office chose, and a broken version is refused naming the file, the entry and the field."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import msgspec
import pytest

from backend.content.kinds import Source, read_sources
from backend.platform.config import Settings
from backend.records.catalog import CatalogSet, load_catalogs
from backend.reports import content
from backend.reports.content import ReportingError, reporting_from_sources

REPO = Path(__file__).resolve().parents[2]
LABEL = "reporting/2026.1.toml"


@pytest.fixture(scope="module")
def catalogs() -> CatalogSet:
    return load_catalogs()


@pytest.fixture(scope="module")
def shipped() -> str:
    return (REPO / "content" / "reporting" / "2026.1.toml").read_text(encoding="utf-8")


def _build(catalogs: CatalogSet, *sources: Source) -> content.ReportingRuleSet:
    return reporting_from_sources(list(sources), {"catalog": catalogs})


def _refused(catalogs: CatalogSet, text: str) -> str:
    with pytest.raises(ReportingError) as refused:
        _build(catalogs, (LABEL, text))
    return str(refused.value)


def test_the_shipped_version_loads(catalogs: CatalogSet) -> None:
    sources = read_sources(
        REPO / "content" / "reporting", REPO / "content", ReportingError, "reporting"
    )
    assert [label for label, _ in sources] == [LABEL]
    rules = _build(catalogs, *sources)
    assert [r.version for r in rules] == ["2026.1"]
    version = rules.latest
    assert version.effective_from == dt.date(2026, 4, 1)
    assert "桂政发〔2018〕3号" in version.source and "举报人信息严格保密" in version.source
    assert (version.accept_working_days, version.decide_working_days) == (5, 20)
    assert version.extension_working_days == 10
    assert version.max_open_per_citizen == 5
    assert version.malicious_cooldown_days == 180
    assert version.evidence_max_files == 5
    assert (version.description_min_chars, version.description_max_chars) == (10, 2000)
    assert version.routes == {}
    assert version.department_for("food_drugs") is None


def test_the_evidence_limit_is_the_objections(shipped: str, catalogs: CatalogSet) -> None:
    fields = {f.name: f for f in msgspec.structs.fields(Settings)}
    default = fields["evidence_max_files"].default
    assert _build(catalogs, (LABEL, shipped)).latest.evidence_max_files == default


def test_a_route_overrides_the_default(shipped: str, catalogs: CatalogSet) -> None:
    text = shipped + '\n[[route]]\ndomain = "food_drugs"\ndepartment = "city-market-2"\n'
    version = _build(catalogs, (LABEL, text)).latest
    assert version.routes == {"food_drugs": "city-market-2"}
    assert version.department_for("food_drugs") == "city-market-2"
    assert version.department_for("tax_payment") is None


def test_an_unknown_route_domain_is_named(shipped: str, catalogs: CatalogSet) -> None:
    text = shipped + '\n[[route]]\ndomain = "astrology"\ndepartment = "city-market"\n'
    message = _refused(catalogs, text)
    assert message.startswith(f"{LABEL}: route[0] 'astrology': field 'domain': ")
    assert "not a domain of the catalog" in message


def test_a_domain_routed_twice_is_named(shipped: str, catalogs: CatalogSet) -> None:
    route = '\n[[route]]\ndomain = "tax_payment"\ndepartment = "{}"\n'
    text = shipped + route.format("city-tax") + route.format("province-tax")
    message = _refused(catalogs, text)
    assert message.startswith(f"{LABEL}: route[1] 'tax_payment': field 'domain': ")


def test_a_malformed_department_code_is_named(shipped: str, catalogs: CatalogSet) -> None:
    text = shipped + '\n[[route]]\ndomain = "tax_payment"\ndepartment = "City Tax"\n'
    message = _refused(catalogs, text)
    assert message.startswith(f"{LABEL}: route[0] 'tax_payment': field 'department': ")


def test_a_zero_accept_deadline_is_named(shipped: str, catalogs: CatalogSet) -> None:
    text = shipped.replace("accept_working_days = 5", "accept_working_days = 0")
    message = _refused(catalogs, text)
    assert message == f"{LABEL}: deadlines: field 'accept_working_days': 0 is not 1 to 60"


@pytest.mark.parametrize(
    ("line", "replacement", "entry", "field"),
    [
        (
            "decide_working_days = 20",
            "decide_working_days = 61",
            "deadlines",
            "decide_working_days",
        ),
        ("max_open_per_citizen = 5", "max_open_per_citizen = 51", "limits", "max_open_per_citizen"),
        (
            "malicious_cooldown_days = 180",
            "malicious_cooldown_days = -1",
            "limits",
            "malicious_cooldown_days",
        ),
        ("evidence_max_files = 5", "evidence_max_files = 21", "limits", "evidence_max_files"),
        (
            "description_max_chars = 2000",
            "description_max_chars = 9",
            "limits",
            "description_max_chars",
        ),
        (
            "description_min_chars = 10",
            "description_min_chars = 0",
            "limits",
            "description_min_chars",
        ),
    ],
)
def test_a_number_out_of_range_is_named(
    shipped: str, catalogs: CatalogSet, line: str, replacement: str, entry: str, field: str
) -> None:
    assert line in shipped
    message = _refused(catalogs, shipped.replace(line, replacement))
    assert message.startswith(f"{LABEL}: {entry}: field {field!r}: ")


def test_a_missing_header_field_is_named(shipped: str, catalogs: CatalogSet) -> None:
    text = shipped.replace("effective_from = 2026-04-01\n", "")
    message = _refused(catalogs, text)
    assert message.startswith(f"{LABEL}: reporting: field 'effective_from': ")
    assert "missing required field" in message


def test_a_missing_number_is_named(shipped: str, catalogs: CatalogSet) -> None:
    text = shipped.replace("extension_working_days = 10\n", "")
    message = _refused(catalogs, text)
    assert message.startswith(f"{LABEL}: deadlines: field 'extension_working_days': ")


def test_an_unknown_field_is_named(shipped: str, catalogs: CatalogSet) -> None:
    text = shipped.replace("[limits]\n", "[limits]\nmax_reports_per_day = 3\n")
    message = _refused(catalogs, text)
    assert message.startswith(f"{LABEL}: limits: field 'max_reports_per_day': ")
    assert "unknown field" in message


def test_an_unknown_route_field_is_named(shipped: str, catalogs: CatalogSet) -> None:
    text = shipped + '\n[[route]]\ndomain = "tax_payment"\ndepartment = "city-tax"\nnote = "x"\n'
    message = _refused(catalogs, text)
    assert message.startswith(f"{LABEL}: route[0] 'tax_payment': field 'note': ")


def test_a_version_named_twice_names_both_files(shipped: str, catalogs: CatalogSet) -> None:
    later = shipped.replace("effective_from = 2026-04-01", "effective_from = 2027-01-01")
    with pytest.raises(ReportingError) as refused:
        _build(catalogs, (LABEL, shipped), ("reporting/2027.1.toml", later))
    assert str(refused.value).startswith("reporting/2027.1.toml: reporting: field 'version': ")
    assert LABEL in str(refused.value)


def test_the_version_in_force_is_read_by_date(shipped: str, catalogs: CatalogSet) -> None:
    later = shipped.replace('version = "2026.1"', 'version = "2027.1"').replace(
        "effective_from = 2026-04-01", "effective_from = 2027-01-01"
    )
    later = later.replace("accept_working_days = 5", "accept_working_days = 7")
    try:  # the app of another test may have installed the shipped rules: put them back after
        previous: content.ReportingRuleSet | None = content.ReportingRuleSet(
            content.every_version()
        )
    except RuntimeError:
        previous = None
    content.install_reporting(_build(catalogs, (LABEL, shipped), ("reporting/2027.1.toml", later)))
    try:
        assert content.in_force(dt.date(2025, 1, 1)).version == "2026.1"  # before the first
        assert content.in_force(dt.date(2026, 12, 31)).accept_working_days == 5
        assert content.in_force(dt.date(2027, 1, 1)).accept_working_days == 7
        assert [v.version for v in content.every_version()] == ["2026.1", "2027.1"]
    finally:
        content.install_reporting(previous)
