"""Benefits and measures (守信激励 / 失信惩戒措施清单): what a grade unlocks, what serious
dishonesty brings, evaluated from an :class:`~points_engine.Assessment`. Pure, no I/O.

The backend parses ``content/benefits/*.toml`` with :mod:`tomllib` and hands each mapping to
:func:`benefits_from_mapping` together with what the file refers to (the rules' grade codes, the
catalog's record types, domains and repair paths); every problem is a :class:`BenefitsError`
naming the source, the entry and the field, e.g.
``content/benefits/2026.1.toml: benefit[2] 'xin-yi-zu': field 'min_grade': 'AAAA' is not ...``.

Eligibility (:func:`evaluate`, :func:`check_benefit`): a benefit is held when every condition
of its rule holds on the assessment:

- ``min_grade``: the citizen's grade is that band or a higher one;
- ``clean_years``: the assessment's 连续 N 年无不良记录 flag is true;
- ``no_serious_record``: no serious bad record counts today;
- ``no_bad_record``: no bad record counts today.

"Counts today" is the assessment's own notion (an explanation line): a record past its display
period, repaired, revoked, or whose penalty is suspended during an objection does not count, so
it neither blocks a benefit nor triggers a measure (联合惩戒措施在信息核实期间暂不执行).

A measure (:func:`active_restrictions`) is active while a counting bad record triggers it: its
type is in ``trigger_record_types``, or it is serious and either ``trigger_any_serious`` is set
or its domain is in ``trigger_serious_domains``. It ends on the latest ``display_until`` of
those records, or earlier when they are repaired.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Collection, Mapping, Sequence
from typing import Annotated, Any, Final, Literal, TypeAlias

import msgspec

from points_engine.model import Assessment, ExplanationLine, Grade, Polarity, Severity, Unit
from points_engine.rules import Rules
from points_engine.versions import Checker, Header, VersionedSet

__all__ = [
    "MEASURE_KINDS",
    "REQUIREMENT_KINDS",
    "ActiveRestriction",
    "Benefit",
    "BenefitCatalog",
    "BenefitRef",
    "BenefitSet",
    "BenefitStatus",
    "BenefitsError",
    "Eligibility",
    "Measure",
    "MeasureKind",
    "PlanAction",
    "RecordTypeInfo",
    "RepairPathEffort",
    "RequirementKind",
    "RestrictionRecord",
    "Standing",
    "Unmet",
    "active_restrictions",
    "benefits_from_mapping",
    "check_benefit",
    "evaluate",
    "held_codes",
    "measure_triggers",
    "restrictions_of",
    "standing_of",
    "status_of",
]

MeasureKind: TypeAlias = Literal["mandatory", "recommended"]
MEASURE_KINDS: Final[tuple[MeasureKind, ...]] = ("mandatory", "recommended")
RequirementKind: TypeAlias = Literal["grade", "clean_years", "no_serious_record", "no_bad_record"]
REQUIREMENT_KINDS: Final[tuple[RequirementKind, ...]] = (
    "grade",
    "clean_years",
    "no_serious_record",
    "no_bad_record",
)

_CODE = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*")
_SNAKE = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")
_CODE_MAX = 60  # merchant scopes are ``benefit:<code>`` in an 80-character column
_ACTIONS_PER_CATEGORY = 3  # keeps the planner's per-category enumeration small


class BenefitsError(Exception):
    """A benefits file or set is invalid; the message names the source, entry and field."""


# --- what the file refers to (built by the backend from the catalog) ----------------------------


class RecordTypeInfo(msgspec.Struct, frozen=True, gc=False):
    """The catalog facts about one record type the engine needs here (the backend builds these
    from ``content/catalog``): severity for the rules, names for texts, points and bonus category
    for the planner's good deeds."""

    code: str
    polarity: Polarity
    severity: Severity | None
    domain: str
    points: int
    unit: Unit
    bonus_category: str | None
    name_zh: str
    name_en: str


# --- definitions --------------------------------------------------------------------------------


class Benefit(msgspec.Struct, frozen=True, gc=False, rename="camel"):
    """A convenience benefit (守信激励措施) and its rule over the assessment."""

    code: str
    name_zh: str
    name_en: str
    description_zh: str
    description_en: str
    category: str
    offered_by_zh: tuple[str, ...]
    offered_by_en: tuple[str, ...]
    min_grade: str
    clean_years: bool
    no_serious_record: bool
    no_bad_record: bool
    source: str


class Measure(msgspec.Struct, frozen=True, gc=False, rename="camel"):
    """A restriction measure for dishonesty (失信惩戒措施), mandatory or recommended."""

    code: str
    name_zh: str
    name_en: str
    description_zh: str
    description_en: str
    kind: MeasureKind
    applied_by_zh: tuple[str, ...]
    applied_by_en: tuple[str, ...]
    legal_basis: str
    trigger_record_types: tuple[str, ...]
    trigger_any_serious: bool
    trigger_serious_domains: tuple[str, ...]
    source: str


class RepairPathEffort(msgspec.Struct, frozen=True, gc=False, rename="camel"):
    """The planner's effort for one repair path (修复途径), in effort units."""

    path: str
    name_zh: str
    name_en: str
    effort: int


class PlanAction(msgspec.Struct, frozen=True, gc=False, rename="camel"):
    """A good deed the planner may propose, resolved against the catalog: its record type earns
    ``points_per_unit`` per unit, capped yearly by ``bonus_category``; ``max_units`` is the most
    one plan proposes at once."""

    record_type: str
    verb_zh: str
    verb_en: str
    effort_per_unit: int
    max_units: int
    points_per_unit: int
    bonus_category: str | None
    unit: Unit


class BenefitCatalog:
    """One version of the benefits and measures, with the planner's calibration.

    Build it with :func:`benefits_from_mapping`. ``benefits`` and ``measures`` keep the file's
    order; ``record_types`` holds the catalog facts the rules refer to.
    """

    __slots__ = (
        "_benefits_by_code",
        "_paths",
        "actions",
        "benefits",
        "effective_from",
        "measures",
        "record_types",
        "repair_paths",
        "source",
        "version",
    )

    def __init__(
        self,
        *,
        version: str,
        effective_from: datetime.date,
        source: str,
        benefits: tuple[Benefit, ...],
        measures: tuple[Measure, ...],
        repair_paths: tuple[RepairPathEffort, ...],
        actions: tuple[PlanAction, ...],
        record_types: Mapping[str, RecordTypeInfo],
    ) -> None:
        self.version = version
        self.effective_from = effective_from
        self.source = source
        self.benefits = benefits
        self.measures = measures
        self.repair_paths = repair_paths
        self.actions = actions
        self.record_types: Mapping[str, RecordTypeInfo] = dict(record_types)
        self._benefits_by_code = {b.code: b for b in benefits}
        self._paths = {p.path: p for p in repair_paths}

    def benefit(self, code: str) -> Benefit | None:
        """The benefit with this code, or None."""
        return self._benefits_by_code.get(code)

    def path_effort(self, path: str) -> RepairPathEffort | None:
        """The planner's effort for a repair path, or None."""
        return self._paths.get(path)

    def severity(self, record_type: str) -> Severity | None:
        """The catalog severity of a record type (None: good, or unknown)."""
        info = self.record_types.get(record_type)
        return info.severity if info is not None else None

    def names(self, record_type: str) -> tuple[str, str]:
        """(zh, en) names of a record type; the code when the catalog does not know it."""
        info = self.record_types.get(record_type)
        return (info.name_zh, info.name_en) if info is not None else (record_type, record_type)


class BenefitSet(VersionedSet[BenefitCatalog]):
    """Every benefits version, ordered by ``effective_from``; :meth:`in_force` picks one."""

    __slots__ = ()
    label = "benefit set"
    noun = "benefits"
    error = BenefitsError


# --- results ------------------------------------------------------------------------------------


class BenefitRef(msgspec.Struct, frozen=True, gc=False, rename="camel"):
    """A benefit by its code and names."""

    code: Annotated[
        str,
        msgspec.Meta(
            description="The benefit's code in the catalogue", examples=["library-deposit-waiver"]
        ),
    ]
    name_zh: Annotated[
        str, msgspec.Meta(description="Its name in Chinese", examples=["图书馆免押金借阅"])
    ]
    name_en: Annotated[
        str,
        msgspec.Meta(
            description="Its name in English", examples=["Library borrowing without deposit"]
        ),
    ]


class Unmet(msgspec.Struct, frozen=True, gc=False, rename="camel"):
    """One condition of a benefit's rule the citizen does not meet yet, and what it takes.

    - ``grade``: ``points_needed`` more points reach ``grade``.
    - ``clean_years``: met on ``met_on`` if no new bad record arrives.
    - ``no_serious_record`` / ``no_bad_record``: the records in the way (``record_ids``); met on
      ``met_on`` when the last of them leaves display, or earlier by repairing them.
    """

    kind: RequirementKind
    text_zh: str
    text_en: str
    grade: str | None = None
    points_needed: int | None = None
    met_on: datetime.date | None = None
    record_ids: tuple[int, ...] = ()


class BenefitStatus(msgspec.Struct, frozen=True, gc=False, rename="camel"):
    """A benefit with the citizen's standing against its rule."""

    code: str
    name_zh: str
    name_en: str
    description_zh: str
    description_en: str
    category: str
    offered_by_zh: tuple[str, ...]
    offered_by_en: tuple[str, ...]
    required_grade: Grade
    eligible: bool
    unmet: tuple[Unmet, ...]


class RestrictionRecord(msgspec.Struct, frozen=True, gc=False, rename="camel"):
    """A counting bad record that triggers a measure."""

    record_id: int
    record_type: str
    name_zh: str
    name_en: str
    occurred_on: datetime.date
    display_until: datetime.date
    repairable_from: datetime.date | None
    repair_possible: bool


class ActiveRestriction(msgspec.Struct, frozen=True, gc=False, rename="camel"):
    """A measure in force against the citizen; ``ends_on`` is the day it ends at the latest
    (the last triggering record's ``display_until``, exclusive), unless repaired earlier."""

    code: str
    name_zh: str
    name_en: str
    description_zh: str
    description_en: str
    kind: MeasureKind
    applied_by_zh: tuple[str, ...]
    applied_by_en: tuple[str, ...]
    legal_basis: str
    ends_on: datetime.date
    records: tuple[RestrictionRecord, ...]


class Eligibility(msgspec.Struct, frozen=True, gc=False, rename="camel"):
    """What the citizen has (``available``), what the next grade up would add
    (``one_grade_away``, each with everything it still takes), the rest (``later``), and the
    restriction measures in force.
    """

    as_of: datetime.date
    benefits_version: str
    points: int
    grade: Grade
    next_grade: Grade | None
    points_to_next_grade: int | None
    available: tuple[BenefitStatus, ...]
    one_grade_away: tuple[BenefitStatus, ...]
    later: tuple[BenefitStatus, ...]
    restrictions: tuple[ActiveRestriction, ...]


# --- the citizen's standing ---------------------------------------------------------------------


class Standing(msgspec.Struct, frozen=True, gc=False):
    """The facts the rules read, taken from an assessment (:func:`standing_of`); the planner
    derives the standing after its steps from it."""

    as_of: datetime.date
    points: int
    grade: Grade
    clean_years: int
    clean_years_flag: bool
    clean_years_from: datetime.date | None
    bad_lines: tuple[ExplanationLine, ...]
    repairable_from: Mapping[int, datetime.date | None]


def standing_of(assessment: Assessment, rules: Rules, on: datetime.date | None = None) -> Standing:
    """The standing graded by ``rules``, on ``on`` (default: the assessment's day; only whether a
    repair is possible yet depends on it)."""
    return Standing(
        as_of=assessment.as_of if on is None else on,
        points=assessment.points,
        grade=rules.grade_for(assessment.points),
        clean_years=assessment.clean_years,
        clean_years_flag=assessment.clean_years_flag,
        clean_years_from=assessment.clean_years_from,
        bad_lines=tuple(line for line in assessment.lines if line.polarity == "bad"),
        repairable_from={c.record_id: c.repairable_from for c in assessment.countdowns},
    )


def _serious(standing: Standing, catalog: BenefitCatalog) -> list[ExplanationLine]:
    return [line for line in standing.bad_lines if catalog.severity(line.record_type) == "serious"]


def _records_unmet(
    kind: RequirementKind, lines: Sequence[ExplanationLine], label_zh: str, label_en: str
) -> Unmet:
    until = max(line.display_until for line in lines)
    ids = tuple(sorted(line.record_id for line in lines))
    count = len(ids)
    return Unmet(
        kind=kind,
        text_zh=(
            f"需无{label_zh}：现有 {count} 条，最晚 {until.isoformat()} 公示期满，修复后可提前满足"
        ),
        text_en=(
            f"Needs no {label_en}: {count} on display until {until.isoformat()} at the latest;"
            " repair can end them sooner"
        ),
        met_on=until,
        record_ids=ids,
    )


def _grade_unmet(standing: Standing, need: Grade) -> Unmet | None:
    if standing.grade.rank <= need.rank or need.min_points is None:
        return None
    missing = need.min_points - standing.points
    return Unmet(
        kind="grade",
        text_zh=f"需达到 {need.code}（{need.name_zh}）：还差 {missing} 分",
        text_en=f"Needs grade {need.code} ({need.name_en}): {missing} more points",
        grade=need.code,
        points_needed=missing,
    )


def _clean_unmet(standing: Standing) -> Unmet:
    years, since = standing.clean_years, standing.clean_years_from
    when_zh = f"，若无新的不良记录，{since.isoformat()} 起满足" if since else ""
    when_en = f"; met from {since.isoformat()} if no new bad record arrives" if since else ""
    return Unmet(
        kind="clean_years",
        text_zh=f"需连续{years}年无不良记录{when_zh}",
        text_en=f"Needs {years} years without a bad record{when_en}",
        met_on=since,
    )


def _unmet(
    benefit: Benefit, need: Grade, standing: Standing, catalog: BenefitCatalog
) -> tuple[Unmet, ...]:
    found: list[Unmet] = []
    grade = _grade_unmet(standing, need)
    if grade is not None:
        found.append(grade)
    if benefit.clean_years and not standing.clean_years_flag:
        found.append(_clean_unmet(standing))
    if benefit.no_serious_record:
        serious = _serious(standing, catalog)
        if serious:
            found.append(
                _records_unmet("no_serious_record", serious, "严重失信记录", "serious bad record")
            )
    if benefit.no_bad_record and standing.bad_lines:
        found.append(_records_unmet("no_bad_record", standing.bad_lines, "不良记录", "bad record"))
    return tuple(found)


def _required_grade(benefit: Benefit, rules: Rules) -> Grade:
    need = rules.grade(benefit.min_grade)
    if need is None:
        raise BenefitsError(
            f"benefit {benefit.code!r}: grade {benefit.min_grade!r} is not a grade of rules "
            f"{rules.version!r}"
        )
    return need


def status_of(
    benefit: Benefit, standing: Standing, catalog: BenefitCatalog, rules: Rules
) -> BenefitStatus:
    """One benefit against a standing."""
    need = _required_grade(benefit, rules)
    unmet = _unmet(benefit, need, standing, catalog)
    return BenefitStatus(
        code=benefit.code,
        name_zh=benefit.name_zh,
        name_en=benefit.name_en,
        description_zh=benefit.description_zh,
        description_en=benefit.description_en,
        category=benefit.category,
        offered_by_zh=benefit.offered_by_zh,
        offered_by_en=benefit.offered_by_en,
        required_grade=need,
        eligible=not unmet,
        unmet=unmet,
    )


def held_codes(standing: Standing, catalog: BenefitCatalog, rules: Rules) -> frozenset[str]:
    """The codes of the benefits held in a standing."""
    return frozenset(
        b.code
        for b in catalog.benefits
        if not _unmet(b, _required_grade(b, rules), standing, catalog)
    )


def check_benefit(
    assessment: Assessment, benefit_code: str, catalog: BenefitCatalog, rules: Rules
) -> BenefitStatus:
    """One benefit for one assessment (the merchant check). KeyError for an unknown code."""
    benefit = catalog.benefit(benefit_code)
    if benefit is None:
        raise KeyError(benefit_code)
    return status_of(benefit, standing_of(assessment, rules), catalog, rules)


def measure_triggers(measure: Measure, line: ExplanationLine, catalog: BenefitCatalog) -> bool:
    """Whether a counting bad record triggers a measure."""
    serious = catalog.severity(line.record_type) == "serious"
    return triggered_by(measure, line.record_type, line.domain, serious=serious)


def triggered_by(measure: Measure, record_type: str, domain: str, *, serious: bool) -> bool:
    """Whether a counting bad record of this type, domain and seriousness triggers a measure:
    the one rule for the card and for the enforcing bodies' triggers."""
    if record_type in measure.trigger_record_types:
        return True
    if not serious:
        return False
    return measure.trigger_any_serious or domain in measure.trigger_serious_domains


def restrictions_of(standing: Standing, catalog: BenefitCatalog) -> tuple[ActiveRestriction, ...]:
    """The measures a standing triggers, in the file's order."""
    found: list[ActiveRestriction] = []
    for measure in catalog.measures:
        lines = [line for line in standing.bad_lines if measure_triggers(measure, line, catalog)]
        if not lines:
            continue
        records = []
        for line in lines:
            name_zh, name_en = catalog.names(line.record_type)
            repair_from = standing.repairable_from.get(line.record_id)
            records.append(
                RestrictionRecord(
                    record_id=line.record_id,
                    record_type=line.record_type,
                    name_zh=name_zh,
                    name_en=name_en,
                    occurred_on=line.occurred_on,
                    display_until=line.display_until,
                    repairable_from=repair_from,
                    repair_possible=repair_from is not None and repair_from <= standing.as_of,
                )
            )
        found.append(
            ActiveRestriction(
                code=measure.code,
                name_zh=measure.name_zh,
                name_en=measure.name_en,
                description_zh=measure.description_zh,
                description_en=measure.description_en,
                kind=measure.kind,
                applied_by_zh=measure.applied_by_zh,
                applied_by_en=measure.applied_by_en,
                legal_basis=measure.legal_basis,
                ends_on=max(line.display_until for line in lines),
                records=tuple(records),
            )
        )
    return tuple(found)


def active_restrictions(
    assessment: Assessment,
    catalog: BenefitCatalog,
    rules: Rules,
    on: datetime.date | None = None,
) -> tuple[ActiveRestriction, ...]:
    """The measures in force against the citizen of this assessment."""
    return restrictions_of(standing_of(assessment, rules, on), catalog)


def evaluate(
    assessment: Assessment,
    catalog: BenefitCatalog,
    rules: Rules,
    on: datetime.date | None = None,
) -> Eligibility:
    """Every benefit and measure of ``catalog`` against the assessment, graded by ``rules``;
    ``on`` (default: the assessment's day) decides whether a repair is possible yet."""
    standing = standing_of(assessment, rules, on)
    grade = standing.grade
    above = rules.grades[grade.rank - 1] if grade.rank > 0 else None
    available: list[BenefitStatus] = []
    next_up: list[BenefitStatus] = []
    later: list[BenefitStatus] = []
    for benefit in catalog.benefits:
        status = status_of(benefit, standing, catalog, rules)
        if status.eligible:
            available.append(status)
        elif above is not None and status.required_grade.code == above.code:
            next_up.append(status)
        else:
            later.append(status)
    return Eligibility(
        as_of=standing.as_of,
        benefits_version=catalog.version,
        points=standing.points,
        grade=grade,
        next_grade=above,
        points_to_next_grade=(
            above.min_points - standing.points
            if above is not None and above.min_points is not None
            else None
        ),
        available=tuple(available),
        one_grade_away=tuple(next_up),
        later=tuple(later),
        restrictions=restrictions_of(standing, catalog),
    )


# --- raw file structure (exactly what the TOML may contain) -------------------------------------


class _RawBenefit(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    code: str
    name_zh: str
    name_en: str
    description_zh: str
    description_en: str
    category: str
    offered_by_zh: list[str]
    offered_by_en: list[str]
    min_grade: str
    source: str
    clean_years: bool = False
    no_serious_record: bool = False
    no_bad_record: bool = False


class _RawMeasure(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    code: str
    name_zh: str
    name_en: str
    description_zh: str
    description_en: str
    kind: MeasureKind
    applied_by_zh: list[str]
    applied_by_en: list[str]
    legal_basis: str
    source: str
    trigger_record_types: list[str] = []
    trigger_any_serious: bool = False
    trigger_serious_domains: list[str] = []


class _RawRepairPath(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    path: str
    name_zh: str
    name_en: str
    effort: int


class _RawAction(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    record_type: str
    verb_zh: str
    verb_en: str
    effort_per_unit: int
    max_units: int


class _RawPlanner(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    repair_path: list[_RawRepairPath] = []
    action: list[_RawAction] = []


class _RawFile(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    benefits: Header
    benefit: list[_RawBenefit] = []
    measure: list[_RawMeasure] = []
    planner: _RawPlanner = msgspec.field(default_factory=_RawPlanner)


# --- validation ---------------------------------------------------------------------------------


def _check_header(check: Checker, header: Header) -> None:
    check.header("benefits", header.version, header.source)


def _check_code(check: Checker, entry: str, code: str, seen: set[str]) -> None:
    if not _CODE.fullmatch(code) or len(code) > _CODE_MAX:
        raise check.fail(
            entry, "code", f"{code!r} is not lower-kebab-case of at most {_CODE_MAX} characters"
        )
    if code in seen:
        raise check.fail(entry, "code", f"duplicate code {code!r}")
    seen.add(code)


def _check_names(check: Checker, entry: str, raw: object) -> None:
    for name in ("name_zh", "name_en", "description_zh", "description_en", "source"):
        check.text(entry, name, getattr(raw, name))


def _check_benefit(check: Checker, entry: str, raw: _RawBenefit, grades: Sequence[str]) -> Benefit:
    _check_names(check, entry, raw)
    if not _SNAKE.fullmatch(raw.category):
        raise check.fail(entry, "category", f"{raw.category!r} is not snake_case")
    check.texts(entry, "offered_by_zh", raw.offered_by_zh)
    check.texts(entry, "offered_by_en", raw.offered_by_en)
    if len(raw.offered_by_zh) != len(raw.offered_by_en):
        raise check.fail(entry, "offered_by_en", "must list as many bodies as offered_by_zh")
    if raw.min_grade not in grades:
        raise check.fail(
            entry,
            "min_grade",
            f"{raw.min_grade!r} is not a grade of the rules ({', '.join(grades)})",
        )
    return Benefit(
        code=raw.code,
        name_zh=raw.name_zh,
        name_en=raw.name_en,
        description_zh=raw.description_zh,
        description_en=raw.description_en,
        category=raw.category,
        offered_by_zh=tuple(raw.offered_by_zh),
        offered_by_en=tuple(raw.offered_by_en),
        min_grade=raw.min_grade,
        clean_years=raw.clean_years,
        no_serious_record=raw.no_serious_record,
        no_bad_record=raw.no_bad_record,
        source=raw.source,
    )


def _check_triggers(
    check: Checker,
    entry: str,
    raw: _RawMeasure,
    record_types: Mapping[str, RecordTypeInfo],
    domains: Collection[str],
) -> None:
    if not (raw.trigger_record_types or raw.trigger_any_serious or raw.trigger_serious_domains):
        raise check.fail(
            entry,
            "trigger_record_types",
            "a measure needs a trigger: trigger_record_types, trigger_any_serious or "
            "trigger_serious_domains",
        )
    if raw.trigger_any_serious and raw.trigger_serious_domains:
        raise check.fail(
            entry,
            "trigger_serious_domains",
            "trigger_any_serious already covers every domain; omit the field",
        )
    for code in raw.trigger_record_types:
        info = record_types.get(code)
        if info is None:
            raise check.fail(
                entry, "trigger_record_types", f"{code!r} is not a record type of the catalog"
            )
        if info.polarity != "bad":
            raise check.fail(
                entry, "trigger_record_types", f"{code!r} is a good record; only bad ones trigger"
            )
    for domain in raw.trigger_serious_domains:
        if domain not in domains:
            raise check.fail(
                entry, "trigger_serious_domains", f"{domain!r} is not a domain of the catalog"
            )


def _check_measure(
    check: Checker,
    entry: str,
    raw: _RawMeasure,
    record_types: Mapping[str, RecordTypeInfo],
    domains: Collection[str],
) -> Measure:
    _check_names(check, entry, raw)
    check.texts(entry, "applied_by_zh", raw.applied_by_zh)
    check.texts(entry, "applied_by_en", raw.applied_by_en)
    if len(raw.applied_by_zh) != len(raw.applied_by_en):
        raise check.fail(entry, "applied_by_en", "must list as many bodies as applied_by_zh")
    check.text(entry, "legal_basis", raw.legal_basis)
    _check_triggers(check, entry, raw, record_types, domains)
    return Measure(
        code=raw.code,
        name_zh=raw.name_zh,
        name_en=raw.name_en,
        description_zh=raw.description_zh,
        description_en=raw.description_en,
        kind=raw.kind,
        applied_by_zh=tuple(raw.applied_by_zh),
        applied_by_en=tuple(raw.applied_by_en),
        legal_basis=raw.legal_basis,
        trigger_record_types=tuple(raw.trigger_record_types),
        trigger_any_serious=raw.trigger_any_serious,
        trigger_serious_domains=tuple(raw.trigger_serious_domains),
        source=raw.source,
    )


def _check_repair_paths(
    check: Checker, raws: list[_RawRepairPath], known: Collection[str]
) -> tuple[RepairPathEffort, ...]:
    found: dict[str, RepairPathEffort] = {}
    for index, raw in enumerate(raws):
        entry = f"planner.repair_path[{index}] {raw.path!r}"
        if raw.path not in known:
            raise check.fail(
                entry, "path", f"{raw.path!r} is not a repair path ({', '.join(known)})"
            )
        if raw.path in found:
            raise check.fail(entry, "path", f"duplicate repair path {raw.path!r}")
        check.text(entry, "name_zh", raw.name_zh)
        check.text(entry, "name_en", raw.name_en)
        if raw.effort < 1:
            raise check.fail(entry, "effort", f"{raw.effort} must be at least 1")
        found[raw.path] = RepairPathEffort(raw.path, raw.name_zh, raw.name_en, raw.effort)
    for path in known:
        if path not in found:
            raise check.fail(
                "planner.repair_path", "path", f"repair path {path!r} has no effort entry"
            )
    return tuple(found.values())


def _check_action(
    check: Checker, entry: str, raw: _RawAction, record_types: Mapping[str, RecordTypeInfo]
) -> PlanAction:
    info = record_types.get(raw.record_type)
    if info is None:
        raise check.fail(
            entry, "record_type", f"{raw.record_type!r} is not a record type of the catalog"
        )
    if info.polarity != "good":
        raise check.fail(entry, "record_type", f"{raw.record_type!r} is not a good record")
    check.text(entry, "verb_zh", raw.verb_zh)
    check.text(entry, "verb_en", raw.verb_en)
    if raw.effort_per_unit < 1:
        raise check.fail(entry, "effort_per_unit", f"{raw.effort_per_unit} must be at least 1")
    if raw.max_units < 1:
        raise check.fail(entry, "max_units", f"{raw.max_units} must be at least 1")
    return PlanAction(
        record_type=raw.record_type,
        verb_zh=raw.verb_zh,
        verb_en=raw.verb_en,
        effort_per_unit=raw.effort_per_unit,
        max_units=raw.max_units,
        points_per_unit=info.points,
        bonus_category=info.bonus_category,
        unit=info.unit,
    )


def _check_actions(
    check: Checker, raws: list[_RawAction], record_types: Mapping[str, RecordTypeInfo]
) -> tuple[PlanAction, ...]:
    actions: list[PlanAction] = []
    seen: set[str] = set()
    per_category: dict[str | None, int] = {}
    for index, raw in enumerate(raws):
        entry = f"planner.action[{index}] {raw.record_type!r}"
        if raw.record_type in seen:
            raise check.fail(entry, "record_type", f"duplicate action {raw.record_type!r}")
        seen.add(raw.record_type)
        action = _check_action(check, entry, raw, record_types)
        per_category[action.bonus_category] = per_category.get(action.bonus_category, 0) + 1
        if per_category[action.bonus_category] > _ACTIONS_PER_CATEGORY:
            raise check.fail(
                entry,
                "record_type",
                f"at most {_ACTIONS_PER_CATEGORY} actions may share a bonus category",
            )
        actions.append(action)
    return tuple(actions)


def benefits_from_mapping(
    data: Mapping[str, Any],
    source: str,
    *,
    grades: Sequence[str],
    record_types: Mapping[str, RecordTypeInfo],
    domains: Collection[str],
    repair_paths: Collection[str],
) -> BenefitCatalog:
    """Convert and validate one parsed benefits file (``tomllib.loads`` output).

    ``grades`` are the grade codes every rules version defines, ``record_types``, ``domains``
    and ``repair_paths`` what the catalog defines. ``source`` names the file in error messages.
    Raises :class:`BenefitsError`.
    """
    check = Checker(source, BenefitsError)
    parsed: _RawFile = check.convert(
        data, _RawFile, name_keys=("code", "path", "record_type"), nested=("planner",)
    )
    _check_header(check, parsed.benefits)
    if not parsed.benefit:
        raise check.fail("benefit", None, "the file declares no [[benefit]] entries")
    seen: set[str] = set()
    benefits = []
    for index, raw_benefit in enumerate(parsed.benefit):
        entry = f"benefit[{index}] {raw_benefit.code!r}"
        _check_code(check, entry, raw_benefit.code, seen)
        benefits.append(_check_benefit(check, entry, raw_benefit, grades))
    seen = set()
    measures = []
    for index, raw_measure in enumerate(parsed.measure):
        entry = f"measure[{index}] {raw_measure.code!r}"
        _check_code(check, entry, raw_measure.code, seen)
        measures.append(_check_measure(check, entry, raw_measure, record_types, domains))
    header = parsed.benefits
    return BenefitCatalog(
        version=header.version,
        effective_from=header.effective_from,
        source=header.source,
        benefits=tuple(benefits),
        measures=tuple(measures),
        repair_paths=_check_repair_paths(check, parsed.planner.repair_path, repair_paths),
        actions=_check_actions(check, parsed.planner.action, record_types),
        record_types=record_types,
    )
