"""The procedures in which departments check credit (应查必查): versioned content under
``content/procedures/`` (format in its README).

A version lists each procedure (城市落户, 职称评定, 表彰评优, 人事考试录用, 政府采购, ...) with the
restriction measures of the benefits content that apply to it and the catalog domains whose
records it may see. A department checks for a procedure only when its scopes hold
``procedure:<code>``; the answer names only the measures in force that the procedure lists, and
shows a record behind them only when the procedure lists the record's domain and the
department's scopes cover it. Measures are checked against the measures of every benefits
version and domains against the domains of every catalog version (a procedure names what any
version in force may hold); errors name the file or version, the procedure and the field.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import msgspec

from backend.content.installed import Installed
from backend.content.kinds import Source, parse_toml
from points_engine.versions import Checker, Header, VersionedSet

PROCEDURE_CODE = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")
"""A procedure's code: lowercase words joined by dashes (``civil-service-exam``); a department
holds the scope ``procedure:<code>``."""
MAX_CODE = 60


class ProceduresError(Exception):
    """A procedures version is invalid; the message names the version, the procedure and the
    field."""


class Procedure(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """One procedure a department runs and checks credit in."""

    code: str
    name_zh: str
    name_en: str
    measures: tuple[str, ...]
    """Codes of the restriction measures (失信惩戒措施, benefits content) that apply to it."""
    domains: tuple[str, ...]
    """Catalog domains whose records the procedure may see, where the department's scopes
    also cover them."""
    source: str
    """Where the duty to check comes from (the seeds, the measures' own rules)."""

    @property
    def scope(self) -> str:
        """The scope a department needs to check for this procedure."""
        return f"procedure:{self.code}"


class _RawFile(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    procedures: Header
    procedure: list[Procedure]


class Procedures(msgspec.Struct, frozen=True):
    """One version of the procedures."""

    version: str
    effective_from: dt.date
    source: str
    procedures: tuple[Procedure, ...]

    def get(self, code: str) -> Procedure | None:
        return next((p for p in self.procedures if p.code == code), None)


class ProcedureSet(VersionedSet[Procedures]):
    __slots__ = ()
    label = "procedure set"
    noun = "procedures"
    error = ProceduresError


def _check_codes(
    check: Checker, entry: str, field: str, codes: Sequence[str], known: set[str], what: str
) -> None:
    seen: set[str] = set()
    for code in codes:
        if code in seen:
            raise check.fail(entry, field, f"{code!r} is named twice")
        seen.add(code)
    unknown = sorted(set(codes) - known)
    if unknown:
        raise check.fail(entry, field, f"not {what}: {unknown}")


def _check_procedure(
    check: Checker,
    procedure: Procedure,
    measures: set[str],
    domains: set[str],
    seen: set[str],
) -> None:
    entry = f"procedure {procedure.code!r}"
    if len(procedure.code) > MAX_CODE or not PROCEDURE_CODE.fullmatch(procedure.code):
        raise check.fail(
            entry,
            "code",
            f"{procedure.code!r} is not lowercase words joined by dashes, at most {MAX_CODE}"
            " characters",
        )
    if procedure.code in seen:
        raise check.fail(entry, "code", "is used by another procedure")
    seen.add(procedure.code)
    for field in ("name_zh", "name_en", "source"):
        check.text(entry, field, getattr(procedure, field))
    _check_codes(
        check, entry, "measures", procedure.measures, measures, "measures of the benefits content"
    )
    _check_codes(check, entry, "domains", procedure.domains, domains, "domains of the catalog")


def procedures_from_source(
    label: str, text: str, measures: set[str], domains: set[str]
) -> Procedures:
    """One version from its TOML text; ``measures`` and ``domains`` are the codes a procedure
    may name."""
    check = Checker(label, ProceduresError)
    raw: _RawFile = check.convert(parse_toml(label, text, ProceduresError), _RawFile)
    header = raw.procedures
    check.header("procedures", header.version, header.source)
    if not raw.procedure:
        raise check.fail("procedures", None, "a version lists at least one [[procedure]]")
    seen: set[str] = set()
    for procedure in raw.procedure:
        _check_procedure(check, procedure, measures, domains, seen)
    return Procedures(
        header.version, header.effective_from, header.source.strip(), tuple(raw.procedure)
    )


def procedures_from_sources(sources: Sequence[Source], built: Mapping[str, Any]) -> ProcedureSet:
    """Every version, checked against the measures of every benefits version and the domains
    of every catalog version."""
    measures = {m.code for catalog in built["benefits"] for m in catalog.measures}
    domains = {code for catalog in built["catalog"] for code in catalog.domains}
    return ProcedureSet.from_sources(
        sources,
        lambda label, text: procedures_from_source(label, text, measures, domains),
        "procedures",
    )


_installed: Installed[ProcedureSet] = Installed("the procedures")
install_procedures = _installed.install


def in_force(on: dt.date) -> Procedures:
    """The version in force on ``on`` (the earliest one before any takes effect)."""
    versions = _installed.get()
    return versions.in_force_or_first(on)


def every_version() -> Iterable[Procedures]:
    return _installed.get().versions
