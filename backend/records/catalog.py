"""The credit-behaviour catalog (信用行为清单): versioned TOML data under ``content/catalog/``.

Each ``*.toml`` file there is one catalog version: a ``[catalog]`` header, the ``[[domain]]``
list and the ``[[record_type]]`` list (format in ``content/catalog/README.md``). This module
parses a file with :mod:`tomllib`, converts it with :func:`msgspec.convert` into strict Structs,
then checks the semantic rules, above all the national display-period bounds (Guobanfa [2025]
No. 22 and NDRC Order No. 36): minor 0-3 months, general 3-12 months, serious 12-36 months.
Every problem is raised as :class:`CatalogError` naming the file, the entry and the field.

No database and no I/O other than reading the catalog files.
"""

from __future__ import annotations

import calendar
import datetime
import pathlib
import re
import tomllib
from collections.abc import Collection, Iterable, Mapping
from typing import Any, Final, Literal, TypeAlias

import msgspec

from backend.content.kinds import Source, parse_toml, read_sources
from backend.platform import runtime
from backend.records.integrity import GROUP_CODE
from points_engine.versions import Checker, Header, VersionedSet

__all__ = [
    "BAD_SEVERITIES",
    "DISPLAY_BOUNDS",
    "GOOD_DISPLAY_BOUNDS",
    "REPAIR_PATHS",
    "UNITS",
    "Catalog",
    "CatalogError",
    "CatalogSet",
    "Domain",
    "RecordType",
    "add_months",
    "catalog_from_mapping",
    "catalogs_from_sources",
    "default_catalog_dir",
    "display_until",
    "load_catalog_file",
    "load_catalogs",
    "repairable_from",
]

Polarity: TypeAlias = Literal["good", "bad"]
Severity: TypeAlias = Literal["minor", "general", "serious"]
Unit: TypeAlias = Literal["case", "hour", "time", "month"]
RepairPath: TypeAlias = Literal[
    "obligation_fulfilled", "training_report", "volunteer_service", "charitable_donation"
]

BAD_SEVERITIES: Final[tuple[Severity, ...]] = ("minor", "general", "serious")
UNITS: Final[tuple[Unit, ...]] = ("case", "hour", "time", "month")
REPAIR_PATHS: Final[tuple[RepairPath, ...]] = (
    "obligation_fulfilled",
    "training_report",
    "volunteer_service",
    "charitable_donation",
)

# National bounds in months: (min display, max display) per severity; the minimum display period
# before repair (min_display_months) must lie between the lower bound and display_months.
DISPLAY_BOUNDS: Final[Mapping[Severity, tuple[int, int]]] = {
    "minor": (0, 3),
    "general": (3, 12),
    "serious": (12, 36),
}
GOOD_DISPLAY_BOUNDS: Final[tuple[int, int]] = (1, 60)
# Evidence of closed cases, in years after closing: 5 by default, longer than the longest
# display period (serious: 3 years, good: 5), so a file outlives the record it is about (a
# decision of the office); 1 to 30 guards against a slip of the pen.
DEFAULT_EVIDENCE_RETENTION_YEARS: Final = 5
EVIDENCE_RETENTION_BOUNDS: Final[tuple[int, int]] = (1, 30)

_ALLOWED_VALUES: Final[Mapping[str, tuple[str, ...]]] = {
    "polarity": ("good", "bad"),
    "severity": BAD_SEVERITIES,
    "unit": UNITS,
    "repair_paths": REPAIR_PATHS,
}

_SEVERITY_ZH: Final[Mapping[Severity, str]] = {
    "minor": "轻微",
    "general": "一般",
    "serious": "严重",
}

_DOMAIN_CODE = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")
_RECORD_CODE = re.compile(r"[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)*")
_CATEGORY_CODE = _DOMAIN_CODE

_REPO_ROOT: Final = pathlib.Path(__file__).resolve().parents[2]


class CatalogError(Exception):
    """A catalog file or set is invalid; the message names the file, the entry and the field."""


# --- public model -------------------------------------------------------------------------------


class Domain(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A record domain (领域), e.g. ``food_drugs`` 食品药品."""

    code: str
    name_zh: str
    name_en: str


class RecordType(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One entry of the catalog: what a department may report and what it is worth."""

    code: str
    name_zh: str
    name_en: str
    domain: str
    polarity: Polarity
    severity: Severity | None
    points: int
    unit: Unit
    bonus_category: str | None
    display_months: int
    min_display_months: int
    repair_paths: tuple[RepairPath, ...]
    legal_basis: str
    source_note: str
    occupational_groups: tuple[str, ...] | None = None
    """The key occupational groups (重点职业人群, codes of the integrity content) the type applies
    to only: a record of it must name one of them. None: it applies to anyone."""

    @property
    def is_good(self) -> bool:
        return self.polarity == "good"

    @property
    def repairable(self) -> bool:
        return self.polarity == "bad" and bool(self.repair_paths)


class Catalog(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One catalog version; ``domains`` and ``record_types`` keep the file's order.
    ``evidence_retention_years``: how long the evidence files of a closed objection or repair
    about a record are kept after the case closed (``[evidence] retention_years``)."""

    version: str
    effective_from: datetime.date
    source: str
    domains: dict[str, Domain]
    record_types: dict[str, RecordType]
    evidence_retention_years: int = 5

    def get(self, code: str) -> RecordType | None:
        return self.record_types.get(code)


class CatalogSet(VersionedSet[Catalog]):
    """All catalog versions, ordered by ``effective_from``."""

    __slots__ = ()
    label = "catalog set"
    noun = "catalog"
    error = CatalogError

    @property
    def catalogs(self) -> tuple[Catalog, ...]:
        """Every version, oldest ``effective_from`` first."""
        return self.versions


# --- dates --------------------------------------------------------------------------------------


def add_months(start: datetime.date, months: int) -> datetime.date:
    """``start`` plus ``months`` calendar months, the day clamped to the end of the month."""
    index = start.year * 12 + (start.month - 1) + months
    year, month0 = divmod(index, 12)
    last_day = calendar.monthrange(year, month0 + 1)[1]
    return datetime.date(year, month0 + 1, min(start.day, last_day))


def display_until(record_type: RecordType, decided_on: datetime.date) -> datetime.date:
    """The date the record leaves display (公示期满): ``decided_on + display_months``.

    The record is shown and counts on days ``decided_on <= day < display_until``.
    """
    return add_months(decided_on, record_type.display_months)


def repairable_from(record_type: RecordType, decided_on: datetime.date) -> datetime.date | None:
    """The first day repair may be applied for, or None (good record, or no repair path)."""
    if record_type.polarity != "bad" or not record_type.repair_paths:
        return None
    return add_months(decided_on, record_type.min_display_months)


# --- raw file structure (exactly what the TOML may contain) -------------------------------------


class _RawRecordType(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    code: str
    name_zh: str
    name_en: str
    domain: str
    polarity: Polarity
    points: int
    unit: Unit
    display_months: int
    legal_basis: str
    source_note: str
    severity: Severity | None = None
    bonus_category: str | None = None
    min_display_months: int | None = None
    repair_paths: list[RepairPath] | None = None
    occupational_groups: list[str] | None = None


class _RawEvidence(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    retention_years: int = DEFAULT_EVIDENCE_RETENTION_YEARS


class _RawFile(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    catalog: Header
    domain: list[Domain] = []
    record_type: list[_RawRecordType] = []
    # Optional: versions stored before issue 18 have none and keep the default.
    evidence: _RawEvidence = _RawEvidence()


# --- loading ------------------------------------------------------------------------------------


def default_catalog_dir() -> pathlib.Path:
    """``<repo root>/content/catalog``."""
    return _REPO_ROOT / "content" / "catalog"


def _display_path(path: pathlib.Path) -> str:
    try:
        return path.resolve().relative_to(_REPO_ROOT).as_posix()
    except ValueError:
        return str(path)


def _check_header(check: Checker, header: Header) -> None:
    check.header("catalog", header.version, header.source)


def _check_domains(check: Checker, domains: list[Domain]) -> dict[str, Domain]:
    if not domains:
        raise check.fail("domain", None, "the catalog declares no [[domain]] entries")
    result: dict[str, Domain] = {}
    for index, domain in enumerate(domains):
        entry = f"domain[{index}] {domain.code!r}"
        if not _DOMAIN_CODE.fullmatch(domain.code):
            raise check.fail(entry, "code", f"{domain.code!r} is not snake_case")
        if domain.code in result:
            raise check.fail(entry, "code", f"duplicate domain code {domain.code!r}")
        check.text(entry, "name_zh", domain.name_zh)
        check.text(entry, "name_en", domain.name_en)
        result[domain.code] = domain
    return result


def _check_groups(
    check: Checker, entry: str, raw: _RawRecordType, groups: Collection[str] | None
) -> tuple[str, ...] | None:
    """The type's ``occupational_groups``: at least one, each once, each a group code (of the
    integrity content when ``groups`` is given; its form only otherwise)."""
    if raw.occupational_groups is None:
        return None
    if not raw.occupational_groups:
        raise check.fail(entry, "occupational_groups", "name at least one group, or omit the field")
    seen: set[str] = set()
    for code in raw.occupational_groups:
        if not GROUP_CODE.fullmatch(code):
            raise check.fail(
                entry, "occupational_groups", f"{code!r} is not an occupational group code"
            )
        if groups is not None and code not in groups:
            raise check.fail(
                entry,
                "occupational_groups",
                f"{code!r} is not a key occupational group of the integrity content",
            )
        if code in seen:
            raise check.fail(entry, "occupational_groups", f"{code!r} is listed twice")
        seen.add(code)
    return tuple(raw.occupational_groups)


def _check_record_type(
    check: Checker,
    entry: str,
    raw: _RawRecordType,
    domains: Mapping[str, Domain],
    groups: Collection[str] | None = None,
) -> RecordType:
    checked = _check_type_values(check, entry, raw, domains)
    applies_to = _check_groups(check, entry, raw, groups)
    if applies_to is None:
        return checked
    return msgspec.structs.replace(checked, occupational_groups=applies_to)


def _check_type_values(
    check: Checker, entry: str, raw: _RawRecordType, domains: Mapping[str, Domain]
) -> RecordType:
    if not _RECORD_CODE.fullmatch(raw.code):
        raise check.fail(entry, "code", f"{raw.code!r} is not UPPER-KEBAB-CASE")
    for name in ("name_zh", "name_en", "legal_basis", "source_note"):
        check.text(entry, name, getattr(raw, name))
    if raw.domain not in domains:
        raise check.fail(entry, "domain", f"{raw.domain!r} is not a declared [[domain]] code")
    if raw.points == 0:
        raise check.fail(entry, "points", "must not be 0")
    if raw.polarity == "good":
        return _check_good(check, entry, raw)
    return _check_bad(check, entry, raw)


def _check_good(check: Checker, entry: str, raw: _RawRecordType) -> RecordType:
    if raw.points < 0:
        raise check.fail(entry, "points", f"{raw.points} must be positive for a good record")
    if raw.severity is not None:
        raise check.fail(entry, "severity", "good records have no severity; omit the field")
    if raw.min_display_months is not None:
        raise check.fail(
            entry,
            "min_display_months",
            "only bad records have a minimum display period before repair; omit the field",
        )
    if raw.repair_paths is not None:
        raise check.fail(entry, "repair_paths", "good records are not repaired; omit the field")
    if raw.bonus_category is None:
        raise check.fail(
            entry, "bonus_category", "a good record must name the bonus category that caps it"
        )
    if not _CATEGORY_CODE.fullmatch(raw.bonus_category):
        raise check.fail(entry, "bonus_category", f"{raw.bonus_category!r} is not snake_case")
    low, high = GOOD_DISPLAY_BOUNDS
    if not low <= raw.display_months <= high:
        raise check.fail(
            entry,
            "display_months",
            f"{raw.display_months} is outside {low}-{high} months for good records",
        )
    return RecordType(
        code=raw.code,
        name_zh=raw.name_zh,
        name_en=raw.name_en,
        domain=raw.domain,
        polarity="good",
        severity=None,
        points=raw.points,
        unit=raw.unit,
        bonus_category=raw.bonus_category,
        display_months=raw.display_months,
        min_display_months=0,
        repair_paths=(),
        legal_basis=raw.legal_basis,
        source_note=raw.source_note,
    )


def _check_bad(check: Checker, entry: str, raw: _RawRecordType) -> RecordType:
    if raw.points > 0:
        raise check.fail(entry, "points", f"{raw.points} must be negative for a bad record")
    if raw.bonus_category is not None:
        raise check.fail(
            entry, "bonus_category", "only good records have a bonus category; omit the field"
        )
    severity = raw.severity
    if severity is None:
        raise check.fail(entry, "severity", "a bad record needs 'minor', 'general' or 'serious'")
    low, high = DISPLAY_BOUNDS[severity]
    label = f"{severity} ({_SEVERITY_ZH[severity]}) records"
    if raw.display_months > high:
        raise check.fail(
            entry,
            "display_months",
            f"{raw.display_months} is above the national maximum of {high} months for {label}",
        )
    if raw.display_months < low:
        raise check.fail(
            entry,
            "display_months",
            f"{raw.display_months} is below the national minimum of {low} months for {label}",
        )
    if raw.min_display_months is None:
        raise check.fail(
            entry, "min_display_months", "a bad record needs its minimum display period"
        )
    if raw.min_display_months < low:
        raise check.fail(
            entry,
            "min_display_months",
            f"{raw.min_display_months} is below the national minimum of {low} months for {label}",
        )
    if raw.min_display_months > raw.display_months:
        raise check.fail(
            entry,
            "min_display_months",
            f"{raw.min_display_months} is above display_months ({raw.display_months})",
        )
    if raw.repair_paths is None:
        raise check.fail(
            entry, "repair_paths", "a bad record must list its repair paths ([] if none)"
        )
    seen: set[str] = set()
    for path in raw.repair_paths:
        if path in seen:
            raise check.fail(entry, "repair_paths", f"{path!r} is listed twice")
        seen.add(path)
    return RecordType(
        code=raw.code,
        name_zh=raw.name_zh,
        name_en=raw.name_en,
        domain=raw.domain,
        polarity="bad",
        severity=severity,
        points=raw.points,
        unit=raw.unit,
        bonus_category=None,
        display_months=raw.display_months,
        min_display_months=raw.min_display_months,
        repair_paths=tuple(raw.repair_paths),
        legal_basis=raw.legal_basis,
        source_note=raw.source_note,
    )


def _build_catalog(
    check: Checker, parsed: _RawFile, groups: Collection[str] | None = None
) -> Catalog:
    _check_header(check, parsed.catalog)
    domains = _check_domains(check, parsed.domain)
    if not parsed.record_type:
        raise check.fail("record_type", None, "the catalog declares no [[record_type]] entries")
    record_types: dict[str, RecordType] = {}
    for index, raw in enumerate(parsed.record_type):
        entry = f"record_type[{index}] {raw.code!r}"
        record_type = _check_record_type(check, entry, raw, domains, groups)
        if record_type.code in record_types:
            raise check.fail(entry, "code", f"duplicate record type code {raw.code!r}")
        record_types[record_type.code] = record_type
    return Catalog(
        version=parsed.catalog.version,
        effective_from=parsed.catalog.effective_from,
        source=parsed.catalog.source,
        domains=domains,
        record_types=record_types,
        evidence_retention_years=_check_evidence(check, parsed.evidence),
    )


def _check_evidence(check: Checker, evidence: _RawEvidence) -> int:
    low, high = EVIDENCE_RETENTION_BOUNDS
    if not low <= evidence.retention_years <= high:
        raise check.fail(
            "evidence",
            "retention_years",
            f"must be {low} to {high} years, got {evidence.retention_years}",
        )
    return evidence.retention_years


def load_catalog_file(path: pathlib.Path) -> Catalog:
    """Read, convert and validate one catalog file."""
    label = _display_path(path)
    try:
        with path.open("rb") as handle:
            raw = tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise CatalogError(f"{label}: invalid TOML: {exc}") from exc
    except UnicodeDecodeError as exc:
        raise CatalogError(f"{label}: not valid UTF-8: {exc}") from exc
    except OSError as exc:
        raise CatalogError(f"{label}: cannot be read: {exc.strerror or exc}") from exc
    return catalog_from_mapping(raw, label)


def catalog_from_mapping(
    data: Mapping[str, Any], source: str, groups: Collection[str] | None = None
) -> Catalog:
    """Convert and validate one parsed catalog (a file's or a stored version's ``tomllib``
    output); ``source`` names it in errors. ``groups``: the occupational group codes a record
    type's ``occupational_groups`` may name (None: checked for form only). Raises
    :class:`CatalogError`."""
    check = Checker(source, CatalogError)
    parsed: _RawFile = check.convert(data, _RawFile, allowed=_ALLOWED_VALUES)
    return _build_catalog(check, parsed, groups)


def load_catalogs(directory: pathlib.Path | None = None) -> CatalogSet:
    """Load every ``*.toml`` in ``directory`` (default: :func:`default_catalog_dir`)."""
    directory = default_catalog_dir() if directory is None else directory
    return catalogs_from_sources(read_sources(directory, _REPO_ROOT, CatalogError, "catalog"))


def catalogs_from_sources(
    sources: Iterable[Source], groups: Collection[str] | None = None
) -> CatalogSet:
    """The catalog set of these sources (stored versions or files). ``groups``: the codes of
    the key occupational groups of every integrity version, which a record type's
    ``occupational_groups`` may name (None: checked for form only)."""
    return CatalogSet.from_sources(
        sources,
        lambda label, text: catalog_from_mapping(
            parse_toml(label, text, CatalogError), label, groups
        ),
        "catalog",
    )


def catalog_set() -> CatalogSet:
    """The catalog versions this process loaded (installed on the runtime by the wiring)."""
    catalogs: CatalogSet = runtime.current().catalogs
    return catalogs
