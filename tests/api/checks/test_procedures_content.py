"""The procedures that check credit (应查必查事项) as versioned content: the shipped version loads
with the measures and domains the office mapped, and a broken version is refused naming the
file, the procedure and the field."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from backend.benefits.catalog import load_benefit_set
from backend.checks import procedures
from backend.checks.procedures import ProceduresError, ProcedureSet, procedures_from_sources
from backend.content.kinds import Source, read_sources
from backend.records.catalog import load_catalogs
from backend.scoring.rules import load_rule_set

REPO = Path(__file__).resolve().parents[3]
LABEL = "procedures/2026.1.toml"


@pytest.fixture(scope="module")
def built() -> dict[str, Any]:
    catalogs = load_catalogs()
    rules = load_rule_set(REPO / "content" / "rules")
    return {
        "catalog": catalogs,
        "benefits": load_benefit_set(REPO / "content" / "benefits", catalogs, rules),
    }


@pytest.fixture(scope="module")
def shipped() -> str:
    return (REPO / "content" / "procedures" / "2026.1.toml").read_text(encoding="utf-8")


def _build(built: dict[str, Any], *sources: Source) -> ProcedureSet:
    return procedures_from_sources(list(sources), built)


def _refused(built: dict[str, Any], text: str) -> str:
    with pytest.raises(ProceduresError) as refused:
        _build(built, (LABEL, text))
    return str(refused.value)


def test_the_shipped_version_loads_with_the_seeds_procedures(built: dict[str, Any]) -> None:
    sources = read_sources(
        REPO / "content" / "procedures", REPO / "content", ProceduresError, "procedures"
    )
    assert [label for label, _ in sources] == [LABEL]
    version = _build(built, *sources).latest
    assert (version.version, version.effective_from) == ("2026.1", dt.date(2026, 4, 1))
    assert "应查必查" in version.source and "桂政发〔2018〕3号" in version.source
    codes = [p.code for p in version.procedures]
    assert codes[:7] == [
        "settle",
        "title-assessment",
        "honours",
        "civil-service-exam",
        "government-procurement",
        "fiscal-subsidy",
        "bidding",
    ]
    mapped = {p.code: p.measures for p in version.procedures}
    assert mapped["honours"] == ("no-government-honours",)
    assert mapped["civil-service-exam"] == ("civil-service-exclusion",)
    assert mapped["enterprise-head"] == ("legal-representative-restriction",)
    # The court's own restrictions are applied by courts and their partners, in no procedure.
    court_only = {"high-consumption-restriction", "flight-restriction", "exit-restriction"}
    assert not court_only & {m for p in version.procedures for m in p.measures}
    exam = version.get("civil-service-exam")
    assert exam is not None and exam.scope == "procedure:civil-service-exam"
    assert version.get("astrology") is None


@pytest.mark.parametrize(
    ("old", "new", "entry", "field", "reason"),
    [
        (
            'measures = ["no-government-honours"]',
            'measures = ["no-government-honours", "no-hugs"]',
            "procedure 'honours'",
            "measures",
            "not measures of the benefits content: ['no-hugs']",
        ),
        (
            'measures = ["no-government-honours"]',
            'measures = ["no-government-honours", "no-government-honours"]',
            "procedure 'honours'",
            "measures",
            "'no-government-honours' is named twice",
        ),
        (
            'domains = ["honours", "volunteer_service", "public_welfare"]',
            'domains = ["honours", "astrology"]',
            "procedure 'honours'",
            "domains",
            "not domains of the catalog: ['astrology']",
        ),
        (
            'code = "honours"',
            'code = "Honours_Office"',
            "procedure 'Honours_Office'",
            "code",
            "'Honours_Office' is not lowercase words joined by dashes, at most 60 characters",
        ),
        (
            'code = "honours"',
            'code = "settle"',
            "procedure 'settle'",
            "code",
            "is used by another procedure",
        ),
        (
            'name_en = "Honours and awards"',
            'name_en = " Honours and awards"',
            "procedure 'honours'",
            "name_en",
            "' Honours and awards' has leading or trailing whitespace",
        ),
    ],
)
def test_a_broken_procedure_is_named(
    built: dict[str, Any], shipped: str, old: str, new: str, entry: str, field: str, reason: str
) -> None:
    assert shipped.count(old) == 1
    message = _refused(built, shipped.replace(old, new))
    assert message == f"{LABEL}: {entry}: field {field!r}: {reason}"


def test_an_unknown_field_and_a_missing_one_are_named(built: dict[str, Any], shipped: str) -> None:
    extra = shipped.replace('code = "bidding"\n', 'code = "bidding"\nfee = 10\n')
    message = _refused(built, extra)
    assert message.startswith(f"{LABEL}: procedure[6] 'bidding': field 'fee': ")
    assert "unknown field" in message
    missing = shipped.replace('domains = ["honours", "volunteer_service", "public_welfare"]\n', "")
    message = _refused(built, missing)
    assert message.startswith(f"{LABEL}: procedure[2] 'honours': field 'domains': ")
    header = _refused(built, shipped.replace("effective_from = 2026-04-01", "", 1))
    assert header.startswith(f"{LABEL}: procedures: field 'effective_from': ")


def test_a_version_without_procedures_is_refused(built: dict[str, Any], shipped: str) -> None:
    header = shipped.split("[[procedure]]")[0]
    empty = _refused(built, "procedure = []\n" + header)
    assert empty == f"{LABEL}: procedures: a version lists at least one [[procedure]]"
    assert _refused(built, header).startswith(f"{LABEL}: file: field 'procedure': ")


def test_the_version_in_force_is_read_by_date(built: dict[str, Any], shipped: str) -> None:
    later = shipped.replace('version = "2026.1"', 'version = "2027.1"').replace(
        "effective_from = 2026-04-01", "effective_from = 2027-01-01"
    )
    later = later.replace(
        'measures = ["key-supervision"]\ndomains = ["housing', 'measures = []\ndomains = ["housing'
    )
    try:  # the app of another test may have installed the shipped version: put it back after
        previous: ProcedureSet | None = ProcedureSet(procedures.every_version())
    except RuntimeError:
        previous = None
    procedures.install_procedures(
        _build(built, (LABEL, shipped), ("procedures/2027.1.toml", later))
    )
    try:
        settle = "settle"
        assert procedures.in_force(dt.date(2025, 1, 1)).version == "2026.1"  # before the first
        first = procedures.in_force(dt.date(2026, 12, 31)).get(settle)
        assert first is not None and first.measures == ("key-supervision",)
        second = procedures.in_force(dt.date(2027, 1, 1)).get(settle)
        assert second is not None and second.measures == ()
    finally:
        procedures.install_procedures(previous)
