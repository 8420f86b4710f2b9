"""The credit-behaviour catalog: the shipped data, the loader's checks and the date arithmetic."""

from __future__ import annotations

import datetime
import json
import pathlib
from collections import Counter
from collections.abc import Callable
from typing import Any

import msgspec
import pytest

from backend.records.catalog import (
    DISPLAY_BOUNDS,
    REPAIR_PATHS,
    Catalog,
    CatalogError,
    CatalogSet,
    RecordType,
    default_catalog_dir,
    display_until,
    load_catalog_file,
    load_catalogs,
    repairable_from,
)

D = datetime.date

# --- the shipped catalog ------------------------------------------------------------------------


def _shipped() -> Catalog:
    catalog = load_catalogs(default_catalog_dir()).by_version("2026.1")
    assert catalog is not None
    return catalog


def test_default_dir_is_content_catalog() -> None:
    directory = default_catalog_dir()
    assert directory.parts[-2:] == ("content", "catalog")
    assert (directory / "2026.1.toml").is_file()


def test_shipped_catalog_loads_with_enough_content() -> None:
    catalog = _shipped()
    assert catalog.version == "2026.1"
    assert catalog.effective_from == D(2026, 4, 1)
    assert "Order No. 36" in catalog.source
    types = list(catalog.record_types.values())
    assert len(types) >= 45
    assert len(catalog.domains) >= 18
    kinds = Counter(t.severity if t.polarity == "bad" else "good" for t in types)
    assert kinds["good"] >= 8
    assert kinds["minor"] >= 8
    assert kinds["general"] >= 12
    assert kinds["serious"] >= 10


def test_shipped_catalog_covers_the_seed_domains() -> None:
    catalog = _shipped()
    required = {
        "food_drugs",
        "production_safety",
        "fire_safety",
        "traffic_safety",
        "environmental_protection",
        "product_quality",
        "tax_payment",
        "health_care",
        "labour_social_security",
        "housing_security",
        "construction",
        "road_transport",
        "financial_services",
        "intellectual_property",
        "cultural_market",
        "judicial_litigation",
        "e_commerce",
        "volunteer_service",
        "utilities_consumption",
        "education_research",
        "tourism",
    }
    assert required <= set(catalog.domains)
    used = {t.domain for t in catalog.record_types.values()}
    assert used == set(catalog.domains), "every declared domain has at least one record type"


def test_every_shipped_record_type_respects_the_national_bounds() -> None:
    for record_type in _shipped().record_types.values():
        assert record_type.name_zh.strip()
        assert record_type.name_en.strip()
        assert record_type.legal_basis.strip()
        assert record_type.source_note.strip()
        assert record_type.points != 0
        if record_type.polarity == "good":
            assert record_type.points > 0
            assert record_type.severity is None
            assert record_type.bonus_category
            assert record_type.min_display_months == 0
            assert record_type.repair_paths == ()
            assert 1 <= record_type.display_months <= 60
        else:
            assert record_type.points < 0
            assert record_type.severity is not None
            assert record_type.bonus_category is None
            low, high = DISPLAY_BOUNDS[record_type.severity]
            assert low <= record_type.display_months <= high, record_type.code
            assert low <= record_type.min_display_months <= record_type.display_months
            assert set(record_type.repair_paths) <= set(REPAIR_PATHS)
            assert len(set(record_type.repair_paths)) == len(record_type.repair_paths)


def test_shipped_catalog_key_entries() -> None:
    catalog = _shipped()

    def get(code: str) -> RecordType:
        record_type = catalog.get(code)
        assert record_type is not None, code
        return record_type

    volunteer = get("VOLUNTEER-SERVICE-HOURS")
    assert (volunteer.points, volunteer.unit, volunteer.bonus_category) == (1, "hour", "volunteer")
    blood = get("BLOOD-DONATION-UNPAID")
    assert (blood.points, blood.unit) == (10, "time")
    # Rongcheng's published deductions
    assert get("CONTRACT-NON-PERFORMANCE").points == -20
    assert get("LITIGATION-BREACH-JUDGMENT").points == -50
    assert (get("BANK-LOAN-ARREARS").points, get("BANK-LOAN-ARREARS").unit) == (-10, "month")
    assert get("FINANCE-ILLEGAL-FUNDRAISING").points == -40
    assert get("PYRAMID-SELLING-PARTICIPATION").points == -30
    assert get("PRODUCT-COUNTERFEIT-GOODS").points == -30
    assert get("UTILITY-LATE-PAYMENT").points == -20
    assert get("UTILITY-ARREARS-COURT-CONFIRMED").points == -50
    assert get("UTILITY-THEFT").points == -60
    assert get("UTILITY-EQUIPMENT-DAMAGE").points == -100
    # the four classes of serious dishonesty
    for code in (
        "FOOD-TOXIC-HARMFUL",
        "TAX-EVASION",
        "LABOUR-MALICIOUS-WAGE-ARREARS",
        "TELECOM-NETWORK-FRAUD",
        "FINANCE-INSURANCE-FRAUD",
        "EDU-EXAM-CHEATING",
        "JUDICIAL-DISHONEST-JUDGMENT-DEBTOR",
        "DEFENCE-MILITARY-SERVICE-REFUSAL",
    ):
        assert get(code).severity == "serious", code
    serious = [t for t in catalog.record_types.values() if t.severity == "serious"]
    assert sum(1 for t in serious if not t.repair_paths) >= 2
    assert any(0 < len(t.repair_paths) < 3 for t in serious)
    assert catalog.get("NO-SUCH-TYPE") is None


def test_shipped_catalog_is_in_force_from_its_effective_date() -> None:
    catalogs = load_catalogs()
    assert catalogs.in_force(D(2026, 4, 1)).version == "2026.1"
    assert catalogs.latest.effective_from <= D(2030, 1, 1)


# --- a minimal valid catalog, for the validation tests ------------------------------------------

Fields = dict[str, Any]

_DROP = object()


def _header() -> Fields:
    return {"version": "2099.1", "effective_from": D(2099, 1, 1), "source": "test source"}


def _domains() -> list[Fields]:
    return [
        {"code": "traffic_safety", "name_zh": "交通安全", "name_en": "Traffic safety"},
        {"code": "volunteer_service", "name_zh": "志愿服务", "name_en": "Volunteer service"},
    ]


def _records() -> list[Fields]:
    bad: Fields = {
        "domain": "traffic_safety",
        "polarity": "bad",
        "unit": "case",
        "legal_basis": "《中华人民共和国道路交通安全法》",
        "source_note": "test",
    }
    return [
        {
            "code": "VOLUNTEER-HOURS",
            "name_zh": "志愿服务时长",
            "name_en": "Volunteer hours",
            "domain": "volunteer_service",
            "polarity": "good",
            "points": 1,
            "unit": "hour",
            "bonus_category": "volunteer",
            "display_months": 12,
            "legal_basis": "《志愿服务条例》",
            "source_note": "test",
        },
        {
            **bad,
            "code": "TRAFFIC-MINOR",
            "name_zh": "轻微",
            "name_en": "Minor",
            "severity": "minor",
            "points": -5,
            "display_months": 3,
            "min_display_months": 0,
            "repair_paths": ["obligation_fulfilled"],
        },
        {
            **bad,
            "code": "TRAFFIC-GENERAL",
            "name_zh": "一般",
            "name_en": "General",
            "severity": "general",
            "points": -30,
            "display_months": 12,
            "min_display_months": 3,
            "repair_paths": ["training_report", "volunteer_service"],
        },
        {
            **bad,
            "code": "TRAFFIC-X",
            "name_zh": "严重",
            "name_en": "Serious",
            "severity": "serious",
            "points": -80,
            "display_months": 36,
            "min_display_months": 12,
            "repair_paths": [],
        },
    ]


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime.date):
        return value.isoformat()
    return json.dumps(value, ensure_ascii=False)


def _table(name: str, fields: Fields) -> str:
    lines = [name]
    lines += [f"{key} = {_value(value)}" for key, value in fields.items() if value is not _DROP]
    return "\n".join(lines) + "\n\n"


def _toml(
    header: Fields | None = None,
    domains: list[Fields] | None = None,
    records: list[Fields] | None = None,
) -> str:
    text = _table("[catalog]", header if header is not None else _header())
    text += "".join(
        _table("[[domain]]", d) for d in (domains if domains is not None else _domains())
    )
    records = records if records is not None else _records()
    text += "".join(_table("[[record_type]]", r) for r in records)
    return text


def _write(directory: pathlib.Path, text: str, name: str = "bad.toml") -> pathlib.Path:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


def test_minimal_catalog_is_valid(tmp_path: pathlib.Path) -> None:
    catalog = load_catalog_file(_write(tmp_path, _toml()))
    assert list(catalog.record_types) == [
        "VOLUNTEER-HOURS",
        "TRAFFIC-MINOR",
        "TRAFFIC-GENERAL",
        "TRAFFIC-X",
    ]
    good = catalog.record_types["VOLUNTEER-HOURS"]
    assert (good.severity, good.min_display_months, good.repair_paths) == (None, 0, ())
    general = catalog.record_types["TRAFFIC-GENERAL"]
    assert general.repair_paths == ("training_report", "volunteer_service")
    assert catalog.domains["traffic_safety"].name_zh == "交通安全"


def _with(index: int, **changes: Any) -> Callable[[], str]:
    def build() -> str:
        records = _records()
        records[index].update(changes)
        return _toml(records=records)

    return build


def _duplicate_code() -> str:
    records = _records()
    records.append({**records[3]})
    return _toml(records=records)


RECORD_CASES: list[tuple[str, Callable[[], str], str, str, str]] = [
    # id, builder, entry, field, message fragment
    (
        "serious-above-max",
        _with(3, display_months=40),
        "record_type[3] 'TRAFFIC-X'",
        "display_months",
        "40 is above the national maximum of 36 months for serious",
    ),
    (
        "serious-below-min",
        _with(3, display_months=11, min_display_months=11),
        "record_type[3] 'TRAFFIC-X'",
        "display_months",
        "below the national minimum of 12 months",
    ),
    (
        "general-above-max",
        _with(2, display_months=13),
        "record_type[2] 'TRAFFIC-GENERAL'",
        "display_months",
        "maximum of 12 months",
    ),
    (
        "general-below-min",
        _with(2, display_months=2, min_display_months=2),
        "record_type[2] 'TRAFFIC-GENERAL'",
        "display_months",
        "minimum of 3 months",
    ),
    (
        "minor-above-max",
        _with(1, display_months=4),
        "record_type[1] 'TRAFFIC-MINOR'",
        "display_months",
        "maximum of 3 months",
    ),
    (
        "good-above-max",
        _with(0, display_months=61),
        "record_type[0] 'VOLUNTEER-HOURS'",
        "display_months",
        "outside 1-60 months",
    ),
    (
        "good-zero-display",
        _with(0, display_months=0),
        "record_type[0] 'VOLUNTEER-HOURS'",
        "display_months",
        "outside 1-60 months",
    ),
    (
        "serious-min-display-below",
        _with(3, min_display_months=6),
        "record_type[3] 'TRAFFIC-X'",
        "min_display_months",
        "below the national minimum of 12 months",
    ),
    (
        "general-min-display-below",
        _with(2, min_display_months=2),
        "record_type[2] 'TRAFFIC-GENERAL'",
        "min_display_months",
        "below the national minimum of 3 months",
    ),
    (
        "min-display-above-display",
        _with(2, display_months=6, min_display_months=7),
        "record_type[2] 'TRAFFIC-GENERAL'",
        "min_display_months",
        "above display_months (6)",
    ),
    (
        "minor-min-display-negative",
        _with(1, min_display_months=-1),
        "record_type[1] 'TRAFFIC-MINOR'",
        "min_display_months",
        "below the national minimum of 0 months",
    ),
    (
        "duplicate-code",
        _duplicate_code,
        "record_type[4] 'TRAFFIC-X'",
        "code",
        "duplicate record type code",
    ),
    (
        "code-not-kebab",
        _with(2, code="traffic_general"),
        "record_type[2] 'traffic_general'",
        "code",
        "not UPPER-KEBAB-CASE",
    ),
    (
        "unknown-domain",
        _with(2, domain="space_travel"),
        "record_type[2] 'TRAFFIC-GENERAL'",
        "domain",
        "'space_travel' is not a declared [[domain]] code",
    ),
    (
        "bad-positive-points",
        _with(2, points=5),
        "record_type[2] 'TRAFFIC-GENERAL'",
        "points",
        "must be negative for a bad record",
    ),
    (
        "good-negative-points",
        _with(0, points=-1),
        "record_type[0] 'VOLUNTEER-HOURS'",
        "points",
        "must be positive for a good record",
    ),
    (
        "zero-points",
        _with(2, points=0),
        "record_type[2] 'TRAFFIC-GENERAL'",
        "points",
        "must not be 0",
    ),
    (
        "points-wrong-type",
        _with(2, points="-30"),
        "record_type[2] 'TRAFFIC-GENERAL'",
        "points",
        "expected `int`, got `str`",
    ),
    (
        "points-bool",
        _with(2, points=True),
        "record_type[2] 'TRAFFIC-GENERAL'",
        "points",
        "expected `int`, got `bool`",
    ),
    (
        "bad-without-severity",
        _with(2, severity=_DROP),
        "record_type[2] 'TRAFFIC-GENERAL'",
        "severity",
        "a bad record needs",
    ),
    (
        "good-with-severity",
        _with(0, severity="minor"),
        "record_type[0] 'VOLUNTEER-HOURS'",
        "severity",
        "good records have no severity",
    ),
    (
        "unknown-severity",
        _with(2, severity="catastrophic"),
        "record_type[2] 'TRAFFIC-GENERAL'",
        "severity",
        "invalid enum value 'catastrophic'",
    ),
    (
        "unknown-polarity",
        _with(2, polarity="neutral"),
        "record_type[2] 'TRAFFIC-GENERAL'",
        "polarity",
        "invalid enum value 'neutral'",
    ),
    (
        "unknown-unit",
        _with(2, unit="day"),
        "record_type[2] 'TRAFFIC-GENERAL'",
        "unit",
        "invalid enum value 'day'",
    ),
    (
        "good-with-min-display",
        _with(0, min_display_months=0),
        "record_type[0] 'VOLUNTEER-HOURS'",
        "min_display_months",
        "only bad records",
    ),
    (
        "good-with-repair-paths",
        _with(0, repair_paths=[]),
        "record_type[0] 'VOLUNTEER-HOURS'",
        "repair_paths",
        "good records are not repaired",
    ),
    (
        "good-without-bonus-category",
        _with(0, bonus_category=_DROP),
        "record_type[0] 'VOLUNTEER-HOURS'",
        "bonus_category",
        "must name the bonus category",
    ),
    (
        "bad-with-bonus-category",
        _with(2, bonus_category="volunteer"),
        "record_type[2] 'TRAFFIC-GENERAL'",
        "bonus_category",
        "only good records have a bonus category",
    ),
    (
        "bad-without-min-display",
        _with(2, min_display_months=_DROP),
        "record_type[2] 'TRAFFIC-GENERAL'",
        "min_display_months",
        "needs its minimum display period",
    ),
    (
        "bad-without-repair-paths",
        _with(2, repair_paths=_DROP),
        "record_type[2] 'TRAFFIC-GENERAL'",
        "repair_paths",
        "must list its repair paths",
    ),
    (
        "unknown-repair-path",
        _with(2, repair_paths=["training_report", "paying_a_fee"]),
        "record_type[2] 'TRAFFIC-GENERAL'",
        "repair_paths",
        "invalid enum value 'paying_a_fee'",
    ),
    (
        "credit-commitment-is-not-a-path",
        _with(2, repair_paths=["credit_commitment"]),
        "record_type[2] 'TRAFFIC-GENERAL'",
        "repair_paths",
        "allowed: obligation_fulfilled, training_report",
    ),
    (
        "repeated-repair-path",
        _with(2, repair_paths=["training_report", "training_report"]),
        "record_type[2] 'TRAFFIC-GENERAL'",
        "repair_paths",
        "'training_report' is listed twice",
    ),
    (
        "empty-name-zh",
        _with(2, name_zh=""),
        "record_type[2] 'TRAFFIC-GENERAL'",
        "name_zh",
        "must not be empty",
    ),
    (
        "blank-name-en",
        _with(2, name_en="   "),
        "record_type[2] 'TRAFFIC-GENERAL'",
        "name_en",
        "must not be empty",
    ),
    (
        "empty-legal-basis",
        _with(3, legal_basis=""),
        "record_type[3] 'TRAFFIC-X'",
        "legal_basis",
        "must not be empty",
    ),
    (
        "empty-source-note",
        _with(3, source_note=""),
        "record_type[3] 'TRAFFIC-X'",
        "source_note",
        "must not be empty",
    ),
    (
        "missing-legal-basis",
        _with(3, legal_basis=_DROP),
        "record_type[3] 'TRAFFIC-X'",
        "legal_basis",
        "missing required field",
    ),
    (
        "unknown-field",
        _with(1, display_days=30),
        "record_type[1] 'TRAFFIC-MINOR'",
        "display_days",
        "unknown field",
    ),
    (
        "missing-code",
        _with(1, code=_DROP),
        "record_type[1]",
        "code",
        "missing required field `code`",
    ),
]


@pytest.mark.parametrize(
    ("build", "entry", "field", "fragment"),
    [pytest.param(*case[1:], id=case[0]) for case in RECORD_CASES],
)
def test_record_type_rules(
    tmp_path: pathlib.Path,
    build: Callable[[], str],
    entry: str,
    field: str,
    fragment: str,
) -> None:
    path = _write(tmp_path, build())
    with pytest.raises(CatalogError) as caught:
        load_catalog_file(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: "), message
    assert f": {entry}: " in message, message
    assert f"field {field!r}" in message, message
    assert fragment in message, message


def _domain_dup() -> str:
    domains = _domains()
    domains.append({**domains[0], "name_en": "Again"})
    return _toml(domains=domains)


def _domain_change(**changes: Any) -> Callable[[], str]:
    def build() -> str:
        domains = _domains()
        domains[1].update(changes)
        return _toml(domains=domains)

    return build


def _header_change(**changes: Any) -> Callable[[], str]:
    def build() -> str:
        header = _header()
        header.update(changes)
        return _toml(header=header)

    return build


OTHER_CASES: list[tuple[str, Callable[[], str], str, str | None, str]] = [
    (
        "duplicate-domain",
        _domain_dup,
        "domain[2] 'traffic_safety'",
        "code",
        "duplicate domain code",
    ),
    (
        "domain-not-snake-case",
        _domain_change(code="Volunteer-Service"),
        "domain[1] 'Volunteer-Service'",
        "code",
        "not snake_case",
    ),
    (
        "domain-empty-name",
        _domain_change(name_zh=""),
        "domain[1] 'volunteer_service'",
        "name_zh",
        "must not be empty",
    ),
    (
        "domain-unknown-field",
        _domain_change(colour="red"),
        "domain[1] 'volunteer_service'",
        "colour",
        "unknown field",
    ),
    (
        "no-domains",
        lambda: _toml(domains=[], records=[]),
        "domain",
        None,
        "declares no [[domain]] entries",
    ),
    ("no-record-types", lambda: _toml(records=[]), "record_type", None, "no [[record_type]]"),
    ("header-missing-version", _header_change(version=_DROP), "catalog", "version", "missing"),
    ("header-empty-version", _header_change(version=""), "catalog", "version", "must not be empty"),
    ("header-empty-source", _header_change(source=" "), "catalog", "source", "must not be empty"),
    (
        "header-datetime",
        _header_change(effective_from=datetime.datetime(2099, 1, 1, 8, 0)),
        "catalog",
        "effective_from",
        "expected `date`, got `datetime`",
    ),
    (
        "missing-catalog-table",
        lambda: _toml().split("\n\n", 1)[1],
        "file",
        "catalog",
        "missing required field `catalog`",
    ),
    (
        "misspelt-catalog-table",
        lambda: _toml().replace("[catalog]", "[catalogue]"),
        "file",
        "catalogue",
        "unknown field",
    ),
]


@pytest.mark.parametrize(
    ("build", "entry", "field", "fragment"),
    [pytest.param(*case[1:], id=case[0]) for case in OTHER_CASES],
)
def test_header_and_domain_rules(
    tmp_path: pathlib.Path,
    build: Callable[[], str],
    entry: str,
    field: str | None,
    fragment: str,
) -> None:
    path = _write(tmp_path, build())
    with pytest.raises(CatalogError) as caught:
        load_catalog_file(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: {entry}"), message
    if field is not None:
        assert f"field {field!r}" in message, message
    assert fragment in message, message


def test_toml_syntax_error_names_the_file(tmp_path: pathlib.Path) -> None:
    path = _write(tmp_path, _toml() + "[[record_type]\n")
    with pytest.raises(CatalogError, match=r"bad\.toml: invalid TOML: .*line"):
        load_catalog_file(path)


def test_invalid_utf8_and_missing_file_name_the_file(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "latin.toml"
    path.write_bytes(_toml().encode("utf-8") + b'\nx = "\xff"\n')
    with pytest.raises(CatalogError, match=r"latin\.toml"):
        load_catalog_file(path)
    with pytest.raises(CatalogError, match=r"absent\.toml: cannot be read"):
        load_catalog_file(tmp_path / "absent.toml")


def test_files_in_the_repository_are_named_relative_to_its_root(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import backend.records.catalog as module

    monkeypatch.setattr(module, "_REPO_ROOT", tmp_path.resolve())
    directory = tmp_path / "content" / "catalog"
    directory.mkdir(parents=True)
    _write(directory, _with(3, display_months=40)(), "2026.1.toml")
    with pytest.raises(CatalogError) as caught:
        load_catalogs(directory)
    assert str(caught.value) == (
        "content/catalog/2026.1.toml: record_type[3] 'TRAFFIC-X': field 'display_months': "
        "40 is above the national maximum of 36 months for serious (严重) records"
    )


# --- catalog sets -------------------------------------------------------------------------------


def _version(header: Fields) -> str:
    return _toml(header={**_header(), **header})


def test_load_catalogs_orders_versions_and_picks_by_date(tmp_path: pathlib.Path) -> None:
    _write(tmp_path, _version({"version": "2027.1", "effective_from": D(2027, 1, 1)}), "b.toml")
    _write(tmp_path, _version({"version": "2026.1", "effective_from": D(2026, 4, 1)}), "a.toml")
    _write(tmp_path, _version({"version": "2026.2", "effective_from": D(2026, 9, 15)}), "c.toml")
    (tmp_path / "notes.md").write_text("not a catalog", encoding="utf-8")
    catalogs = load_catalogs(tmp_path)
    assert len(catalogs) == 3
    assert [c.version for c in catalogs.catalogs] == ["2026.1", "2026.2", "2027.1"]
    assert catalogs.latest.version == "2027.1"
    assert catalogs.in_force(D(2026, 4, 1)).version == "2026.1"
    assert catalogs.in_force(D(2026, 9, 14)).version == "2026.1"
    assert catalogs.in_force(D(2026, 9, 15)).version == "2026.2"
    assert catalogs.in_force(D(2026, 12, 31)).version == "2026.2"
    assert catalogs.in_force(D(2040, 1, 1)).version == "2027.1"
    assert catalogs.by_version("2026.2") is not None
    assert catalogs.by_version("1999.1") is None
    with pytest.raises(CatalogError, match=r"no catalog version is in force on 2026-03-31"):
        catalogs.in_force(D(2026, 3, 31))


def test_load_catalogs_rejects_duplicate_versions(tmp_path: pathlib.Path) -> None:
    _write(tmp_path, _version({"effective_from": D(2026, 4, 1)}), "a.toml")
    _write(tmp_path, _version({"effective_from": D(2027, 4, 1)}), "b.toml")
    with pytest.raises(CatalogError) as caught:
        load_catalogs(tmp_path)
    message = str(caught.value)
    assert "b.toml" in message
    assert "field 'version'" in message
    assert "'2099.1' is already defined in" in message


def test_load_catalogs_rejects_same_effective_date(tmp_path: pathlib.Path) -> None:
    _write(tmp_path, _version({"version": "2026.1"}), "a.toml")
    _write(tmp_path, _version({"version": "2026.2"}), "b.toml")
    with pytest.raises(CatalogError, match=r"field 'effective_from'.*both take effect"):
        load_catalogs(tmp_path)


def test_load_catalogs_rejects_an_empty_or_missing_directory(tmp_path: pathlib.Path) -> None:
    with pytest.raises(CatalogError, match=r"no catalog files"):
        load_catalogs(tmp_path)
    with pytest.raises(CatalogError, match=r"does not exist"):
        load_catalogs(tmp_path / "missing")


def test_load_catalogs_reports_the_broken_file(tmp_path: pathlib.Path) -> None:
    _write(tmp_path, _version({"version": "2026.1"}), "a.toml")
    _write(tmp_path, _with(3, display_months=40)(), "z.toml")
    with pytest.raises(CatalogError, match=r"z\.toml: record_type\[3\] 'TRAFFIC-X'"):
        load_catalogs(tmp_path)


def test_catalog_set_needs_at_least_one_catalog() -> None:
    with pytest.raises(CatalogError):
        CatalogSet([])


def test_catalog_set_from_structs() -> None:
    shipped = _shipped()
    newer = msgspec.structs.replace(shipped, version="2027.1", effective_from=D(2027, 1, 1))
    catalogs = CatalogSet([newer, shipped])
    assert catalogs.latest is newer
    assert catalogs.in_force(D(2026, 12, 31)) is shipped
    assert catalogs.by_version("2027.1") is newer


# --- dates --------------------------------------------------------------------------------------


def _type(**changes: Any) -> RecordType:
    base = RecordType(
        code="TRAFFIC-X",
        name_zh="严重",
        name_en="Serious",
        domain="traffic_safety",
        polarity="bad",
        severity="serious",
        points=-80,
        unit="case",
        bonus_category=None,
        display_months=36,
        min_display_months=12,
        repair_paths=("training_report",),
        legal_basis="law",
        source_note="test",
    )
    return msgspec.structs.replace(base, **changes)


@pytest.mark.parametrize(
    ("decided_on", "months", "expected"),
    [
        (D(2026, 1, 31), 1, D(2026, 2, 28)),
        (D(2028, 1, 31), 1, D(2028, 2, 29)),
        (D(2026, 3, 31), 1, D(2026, 4, 30)),
        (D(2026, 8, 31), 3, D(2026, 11, 30)),
        (D(2025, 11, 30), 3, D(2026, 2, 28)),
        (D(2026, 4, 1), 12, D(2027, 4, 1)),
        (D(2026, 12, 15), 1, D(2027, 1, 15)),
        (D(2028, 2, 29), 12, D(2029, 2, 28)),
        (D(2026, 5, 20), 36, D(2029, 5, 20)),
        (D(2026, 5, 20), 0, D(2026, 5, 20)),
    ],
)
def test_display_until_adds_calendar_months(
    decided_on: datetime.date, months: int, expected: datetime.date
) -> None:
    assert display_until(_type(display_months=months, min_display_months=0), decided_on) == expected


def test_display_until_for_good_records() -> None:
    good = _type(
        polarity="good",
        severity=None,
        points=10,
        bonus_category="blood_donation",
        display_months=24,
        min_display_months=0,
        repair_paths=(),
    )
    assert display_until(good, D(2026, 2, 28)) == D(2028, 2, 28)
    assert repairable_from(good, D(2026, 2, 28)) is None


def test_repairable_from() -> None:
    assert repairable_from(_type(), D(2026, 1, 31)) == D(2027, 1, 31)
    assert repairable_from(_type(min_display_months=13), D(2026, 1, 31)) == D(2027, 2, 28)
    assert repairable_from(_type(repair_paths=()), D(2026, 1, 31)) is None
    minor = _type(severity="minor", display_months=3, min_display_months=0)
    assert repairable_from(minor, D(2026, 6, 10)) == D(2026, 6, 10)


def test_shipped_dates_follow_the_record_type() -> None:
    catalog = _shipped()
    drunk = catalog.get("TRAFFIC-DRUNK-DRIVING")
    assert drunk is not None
    decided = D(2026, 5, 31)
    assert display_until(drunk, decided) == D(2029, 5, 31)
    assert repairable_from(drunk, decided) == D(2027, 5, 31)
    refusal = catalog.get("JUDICIAL-REFUSAL-TO-EXECUTE")
    assert refusal is not None
    assert repairable_from(refusal, decided) is None
