"""Reads ``content/benefits/*.toml`` (守信激励 / 失信惩戒措施清单) for the pure engine.

Each file is one version; :func:`points_engine.benefits_from_mapping` validates it against what
it refers to: the grade codes every rules version defines, and the catalog's record types,
domains and repair paths (all catalog versions, the latest winning for a code). Problems raise
:class:`points_engine.BenefitsError` naming the file, the entry and the field.

The wiring loads the set at start-up (a content error stops the process there, not on the
first request) and installs it in :mod:`backend.content.benefits`, where every domain reads it.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from backend.content.kinds import Source, parse_toml, read_sources
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


def benefit_set_from_sources(
    sources: Iterable[Source], catalogs: CatalogSet, rules: RuleSet
) -> BenefitSet:
    """The benefit set of these sources (stored versions or files), each checked against the
    catalog and the rules; BenefitsError naming the source, the entry and the field."""
    infos = record_type_infos(catalogs)
    domains = {code for catalog in catalogs for code in catalog.domains}
    grades = _common_grades(rules)

    def parse(label: str, text: str) -> BenefitCatalog:
        return benefits_from_mapping(
            parse_toml(label, text, BenefitsError),
            label,
            grades=grades,
            record_types=infos,
            domains=domains,
            repair_paths=REPAIR_PATHS,
        )

    return BenefitSet.from_sources(sources, parse, "benefits")


def load_benefit_set(directory: Path, catalogs: CatalogSet, rules: RuleSet) -> BenefitSet:
    """Load and validate every ``*.toml`` in ``directory``."""
    sources = read_sources(directory, REPO_ROOT, BenefitsError, "benefits")
    return benefit_set_from_sources(sources, catalogs, rules)
