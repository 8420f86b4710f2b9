"""Templates are checked at start-up against the fields each event carries."""

from __future__ import annotations

from pathlib import Path

import pytest

from backend.notifications.templates import TemplateError, load_templates
from backend.platform.config import REPO_ROOT

SHIPPED = REPO_ROOT / "content" / "notifications" / "templates.toml"


def _copy_with(tmp_path: Path, old: str, new: str) -> Path:
    text = SHIPPED.read_text(encoding="utf-8")
    assert old in text
    (tmp_path / "templates.toml").write_text(text.replace(old, new, 1), encoding="utf-8")
    return tmp_path


def test_shipped_templates_cover_every_event() -> None:
    templates = load_templates(SHIPPED.parent)
    assert "record.added" in templates and "monthly.summary" in templates


def test_a_missing_field_fails_at_start_up(tmp_path: Path) -> None:
    directory = _copy_with(tmp_path, "{recordTitle}。积分影响", "{recordName}。积分影响")
    with pytest.raises(TemplateError, match=r"record.added.*body_zh.*recordName"):
        load_templates(directory)


def test_an_event_without_a_template_fails(tmp_path: Path) -> None:
    text = SHIPPED.read_text(encoding="utf-8")
    start = text.index('[[template]]\nkind = "badge.earned"')
    end = text.index("[[template]]", start + 5)
    (tmp_path / "templates.toml").write_text(text[:start] + text[end:], encoding="utf-8")
    with pytest.raises(TemplateError, match=r"badge\.earned"):
        load_templates(tmp_path)


def test_an_unknown_kind_fails(tmp_path: Path) -> None:
    directory = _copy_with(tmp_path, 'kind = "badge.earned"', 'kind = "badge.won"')
    with pytest.raises(TemplateError, match=r"badge\.won"):
        load_templates(directory)
