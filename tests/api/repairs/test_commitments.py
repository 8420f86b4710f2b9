"""The credit commitment texts under content/commitments/ load and validate."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from backend.platform.config import REPO_ROOT
from backend.repairs.commitments import CommitmentError, load_commitments

HEADER = '[commitment]\nversion = "{v}"\neffective_from = {d}\nsource = "test"\n'
TEXT = '[text.{lang}]\ntitle = "t"\nbody = "b"\n'


def _write(folder: Path, name: str, version: str, day: str, langs: tuple[str, ...]) -> None:
    body = HEADER.format(v=version, d=day) + "".join(TEXT.format(lang=f'"{x}"') for x in langs)
    (folder / name).write_text(body, encoding="utf-8")


def test_the_shipped_commitment_is_valid() -> None:
    versions = load_commitments(str(REPO_ROOT / "content" / "commitments"))
    current = versions[-1]
    assert current.version == "2026.1" and current.effective_from == dt.date(2026, 4, 1)
    assert current.texts["zh-CN"].title == "信用承诺书"
    assert "免费" in current.texts["zh-CN"].body and "free" in current.texts["en"].body
    assert current.sha256("zh-CN") != current.sha256("en")


def test_both_languages_are_required(tmp_path: Path) -> None:
    _write(tmp_path, "a.toml", "1", "2026-01-01", ("zh-CN",))
    with pytest.raises(CommitmentError, match=r"\[text.en\] is required"):
        load_commitments(str(tmp_path))


def test_versions_and_dates_are_unique(tmp_path: Path) -> None:
    _write(tmp_path, "a.toml", "1", "2026-01-01", ("zh-CN", "en"))
    _write(tmp_path, "b.toml", "1", "2026-02-01", ("zh-CN", "en"))
    with pytest.raises(CommitmentError, match="share a version"):
        load_commitments(str(tmp_path))
