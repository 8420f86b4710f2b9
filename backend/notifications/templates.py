"""Notification templates (``content/notifications/`` files or stored versions), checked against
the event kinds when loaded: a template that names a field its event does not carry fails then,
not at send time. Each file or stored version is one version of every template."""

from __future__ import annotations

import datetime as dt
import string
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import msgspec

from backend.content.kinds import Source, parse_toml, read_sources
from backend.notifications.events import EVENT_TYPES, event_fields
from backend.platform import runtime
from backend.platform.config import REPO_ROOT
from points_engine.versions import Checker, Header, VersionedSet


class TemplateError(ValueError):
    pass


class Template(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    kind: str
    title_zh: str
    body_zh: str
    title_en: str
    body_en: str

    def render(self, language: str, payload: dict[str, Any]) -> tuple[str, str]:
        english = language.lower().startswith("en")
        title, body = (self.title_en, self.body_en) if english else (self.title_zh, self.body_zh)
        return title.format_map(payload), body.format_map(payload)


class _File(msgspec.Struct, forbid_unknown_fields=True):
    notifications: Header
    template: list[Template]


class TemplateVersion(msgspec.Struct, frozen=True):
    version: str
    effective_from: dt.date
    source: str
    templates: dict[str, Template]


class TemplateSet(VersionedSet[TemplateVersion]):
    """Every version of the templates; reads go to the version in force on the business date.

    The newest version covers every event kind; an older one may lack kinds added after it
    (its stored text cannot change), and a kind it lacks is read from the nearest later
    version that has it."""

    __slots__ = ()
    label = "template set"
    noun = "notifications"
    error = TemplateError

    def __init__(self, versions: Iterable[TemplateVersion]) -> None:
        super().__init__(versions)
        missing = set(EVENT_TYPES) - set(self.versions[-1].templates)
        if missing:
            newest = self.versions[-1].version
            raise TemplateError(
                f"notifications version {newest}: template: no template for event kinds"
                f" {sorted(missing)} (the newest version covers every kind)"
            )

    def current(self) -> dict[str, Template]:
        return self.in_force(runtime.clock().today()).templates

    def get(self, kind: str) -> Template | None:
        found = self.current().get(kind)
        if found is not None:
            return found
        today = runtime.clock().today()
        later = [v for v in self.versions if v.effective_from > today]
        return next((v.templates[kind] for v in later if kind in v.templates), None)

    def __contains__(self, kind: object) -> bool:
        return isinstance(kind, str) and self.get(kind) is not None


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def _check(check: Checker, entry: str, template: Template) -> None:
    if template.kind not in EVENT_TYPES:
        raise check.fail(entry, "kind", f"unknown event kind {template.kind!r}")
    allowed = event_fields(template.kind)
    for field in ("title_zh", "body_zh", "title_en", "body_en"):
        text = getattr(template, field)
        if not text.strip():
            raise check.fail(entry, field, "is empty")
        missing = _placeholders(text) - allowed
        if missing:
            raise check.fail(
                entry,
                field,
                f"refers to {sorted(missing)}, which the event does not carry (it has"
                f" {sorted(allowed)})",
            )


def template_version(label: str, text: str) -> TemplateVersion:
    check = Checker(label, TemplateError)
    parsed: _File = check.convert(
        parse_toml(label, text, TemplateError), _File, name_keys=("kind",)
    )
    check.header("notifications", parsed.notifications.version, parsed.notifications.source)
    templates: dict[str, Template] = {}
    for index, template in enumerate(parsed.template):
        entry = f"template[{index}] {template.kind!r}"
        _check(check, entry, template)
        if template.kind in templates:
            raise check.fail(entry, "kind", f"a second template for {template.kind!r}")
        templates[template.kind] = template
    header = parsed.notifications
    return TemplateVersion(header.version, header.effective_from, header.source, templates)


def templates_from_sources(sources: Iterable[Source]) -> TemplateSet:
    return TemplateSet.from_sources(sources, template_version, "notifications")


def load_templates(directory: Path) -> TemplateSet:
    return templates_from_sources(
        read_sources(directory, REPO_ROOT, TemplateError, "notifications")
    )
