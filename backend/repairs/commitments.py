"""The credit commitment (信用承诺书) every repair application must accept: versioned text under
``content/commitments/`` (format in its README), zh-CN and en.

Loaded once per process per directory and checked: each file names a unique version and
``effective_from``, and has a non-empty title and body in both required languages.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import tomllib
from functools import lru_cache
from pathlib import Path

import msgspec

from backend.platform import runtime

REQUIRED_LANGUAGES = ("zh-CN", "en")


class CommitmentError(Exception):
    """A commitment file is invalid; the message names the file and the field."""


class CommitmentText(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    title: str
    body: str


class _Header(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    version: str
    effective_from: dt.date
    source: str


class _RawFile(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    commitment: _Header
    text: dict[str, CommitmentText]


class Commitment(msgspec.Struct, frozen=True):
    version: str
    effective_from: dt.date
    source: str
    texts: dict[str, CommitmentText]

    def sha256(self, language: str) -> str:
        """The digest of the exact text shown in ``language`` (title, blank line, body)."""
        text = self.texts[language]
        return hashlib.sha256(f"{text.title}\n\n{text.body}".encode()).hexdigest()


def _load_file(path: Path) -> Commitment:
    try:
        raw = msgspec.convert(tomllib.loads(path.read_text(encoding="utf-8")), _RawFile)
    except (tomllib.TOMLDecodeError, msgspec.ValidationError) as exc:
        raise CommitmentError(f"{path.name}: {exc}") from exc
    header = raw.commitment
    if not header.version.strip() or any(c.isspace() for c in header.version):
        raise CommitmentError(f"{path.name}: field 'version' must be one word")
    for language in REQUIRED_LANGUAGES:
        text = raw.text.get(language)
        if text is None:
            raise CommitmentError(f"{path.name}: [text.{language}] is required")
        if not text.title.strip() or not text.body.strip():
            raise CommitmentError(f"{path.name}: [text.{language}] needs a title and a body")
    texts = {
        lang: CommitmentText(title=t.title.strip(), body=t.body.strip())
        for lang, t in raw.text.items()
    }
    return Commitment(header.version, header.effective_from, header.source.strip(), texts)


@lru_cache(maxsize=4)
def load_commitments(directory: str) -> tuple[Commitment, ...]:
    """Every version in ``directory``, oldest ``effective_from`` first."""
    found = [_load_file(path) for path in sorted(Path(directory).glob("*.toml"))]
    if not found:
        raise CommitmentError(f"{directory}: no credit commitment (*.toml) found")
    versions = [c.version for c in found]
    dates = [c.effective_from for c in found]
    if len(set(versions)) != len(versions) or len(set(dates)) != len(dates):
        raise CommitmentError(f"{directory}: two files share a version or an effective_from")
    return tuple(sorted(found, key=lambda c: c.effective_from))


def commitments_dir() -> str:
    return str(Path(runtime.current().settings.content_dir) / "commitments")


def in_force(on: dt.date) -> Commitment:
    """The commitment text in force on ``on`` (the earliest one before any takes effect)."""
    versions = load_commitments(commitments_dir())
    current = versions[0]
    for commitment in versions:
        if commitment.effective_from <= on:
            current = commitment
    return current
