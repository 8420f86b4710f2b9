"""Reads ``content/benefits/*.toml`` (守信激励 / 失信惩戒措施清单) for the pure engine.

Each file is one version; :func:`points_engine.benefits_from_mapping` validates it against what
it refers to: the grade codes every rules version defines, and the catalog's record types,
domains and repair paths (all catalog versions, the latest winning for a code). Problems raise
:class:`points_engine.BenefitsError` naming the file, the entry and the field.

The wiring loads the set at start-up (a content error stops the process there, not on the
first request) and installs it in :mod:`backend.content.benefits`, where every domain reads it.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from backend.platform.config import REPO_ROOT
from backend.records.catalog import REPAIR_PATHS, CatalogSet
from points_engine import (
    BenefitCatalog,
    BenefitsError,
    BenefitSet,
    RecordTypeInfo,
    RuleSet,
    benefits_from_mapping,
)


def record_type_infos(catalogs: CatalogSet) -> dict[str, RecordTypeInfo]:
    """Every record type of every catalog version (the latest version wins for a code)."""
    infos: dict[str, RecordTypeInfo] = {}
    for catalog in catalogs:
        for t in catalog.record_types.values():
            infos[t.code] = RecordTypeInfo(
                code=t.code,
                polarity=t.polarity,
                severity=t.severity,
                domain=t.domain,
                points=t.points,
                unit=t.unit,
                bonus_category=t.bonus_category,
                name_zh=t.name_zh,
                name_en=t.name_en,
            )
    return infos


def _common_grades(rules: RuleSet) -> list[str]:
    versions = list(rules)
    first = [g.code for g in versions[0].grades]
    return [code for code in first if all(r.grade(code) is not None for r in versions)]


def _label(path: Path) -> str:
    return str(path.relative_to(REPO_ROOT)) if path.is_relative_to(REPO_ROOT) else str(path)


def load_benefit_set(directory: Path, catalogs: CatalogSet, rules: RuleSet) -> BenefitSet:
    """Load and validate every ``*.toml`` in ``directory``."""
    files = sorted(directory.glob("*.toml"))
    if not files:
        raise BenefitsError(f"{_label(directory)}: no benefits files (*.toml)")
    infos = record_type_infos(catalogs)
    domains = {code for catalog in catalogs for code in catalog.domains}
    grades = _common_grades(rules)
    loaded: list[BenefitCatalog] = []
    for path in files:
        name = _label(path)
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise BenefitsError(f"{name}: not valid TOML: {exc}") from exc
        loaded.append(
            benefits_from_mapping(
                data,
                name,
                grades=grades,
                record_types=infos,
                domains=domains,
                repair_paths=REPAIR_PATHS,
            )
        )
    return BenefitSet(loaded)
