"""Notification templates from ``content/notifications/``, checked against the event kinds at
start-up: a template that names a field its event does not carry fails then, not at send time."""

from __future__ import annotations

import string
import tomllib
from pathlib import Path
from typing import Any

import msgspec

from backend.notifications.events import EVENT_TYPES, event_fields


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
    template: list[Template]


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def _check(template: Template, where: str) -> None:
    if template.kind not in EVENT_TYPES:
        raise TemplateError(f"{where}: unknown event kind {template.kind!r}")
    allowed = event_fields(template.kind)
    for field in ("title_zh", "body_zh", "title_en", "body_en"):
        text = getattr(template, field)
        if not text.strip():
            raise TemplateError(f"{where} {template.kind!r}: field {field!r} is empty")
        missing = _placeholders(text) - allowed
        if missing:
            raise TemplateError(
                f"{where} {template.kind!r}: field {field!r} refers to {sorted(missing)}, which"
                f" the event does not carry (it has {sorted(allowed)})"
            )


def load_templates(directory: Path) -> dict[str, Template]:
    templates: dict[str, Template] = {}
    for path in sorted(directory.glob("*.toml")):
        try:
            parsed = msgspec.convert(tomllib.loads(path.read_text(encoding="utf-8")), _File)
        except (tomllib.TOMLDecodeError, msgspec.ValidationError) as exc:
            raise TemplateError(f"{path.name}: {exc}") from exc
        for index, template in enumerate(parsed.template):
            _check(template, f"{path.name}: template[{index}]")
            if template.kind in templates:
                raise TemplateError(f"{path.name}: a second template for {template.kind!r}")
            templates[template.kind] = template
    missing = set(EVENT_TYPES) - set(templates)
    if missing:
        raise TemplateError(f"{directory}: no template for event kinds {sorted(missing)}")
    return templates
