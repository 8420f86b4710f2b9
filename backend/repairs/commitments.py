"""The credit commitment (信用承诺书) every repair application must accept: versioned text under
``content/commitments/`` (format in its README), zh-CN and en.

Loaded with every kind of content (files as the seed, stored versions at run time) and
checked: each version has a unique name and ``effective_from``, and a non-empty title and
body in both required languages.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from pathlib import Path

import msgspec

from backend.content.installed import Installed
from backend.content.kinds import Source, parse_toml, read_sources
from backend.platform.config import REPO_ROOT
from points_engine.versions import Checker, Header, VersionedSet

REQUIRED_LANGUAGES = ("zh-CN", "en")


class CommitmentError(Exception):
    """A commitment file is invalid; the message names the file and the field."""


class CommitmentText(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    title: str
    body: str


class _RawFile(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    commitment: Header
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


class CommitmentSet(VersionedSet[Commitment]):
    __slots__ = ()
    label = "commitment set"
    noun = "commitments"
    error = CommitmentError


def commitment_from_source(label: str, text: str) -> Commitment:
    check = Checker(label, CommitmentError)
    raw: _RawFile = check.convert(parse_toml(label, text, CommitmentError), _RawFile)
    header = raw.commitment
    check.header("commitment", header.version, header.source)
    for language in REQUIRED_LANGUAGES:
        text_in = raw.text.get(language)
        if text_in is None:
            raise check.fail("file", f"text.{language}", f"[text.{language}] is required")
        for field in ("title", "body"):
            if not getattr(text_in, field).strip():
                raise check.fail(f"[text.{language}]", field, "must not be empty")
    texts = {
        lang: CommitmentText(title=t.title.strip(), body=t.body.strip())
        for lang, t in raw.text.items()
    }
    return Commitment(header.version, header.effective_from, header.source.strip(), texts)


def commitments_from_sources(sources: Iterable[Source]) -> CommitmentSet:
    return CommitmentSet.from_sources(sources, commitment_from_source, "commitment")


def load_commitments(directory: str) -> tuple[Commitment, ...]:
    """Every version in ``directory``, oldest ``effective_from`` first."""
    sources = read_sources(Path(directory), REPO_ROOT, CommitmentError, "credit commitment")
    try:
        return commitments_from_sources(sources).versions
    except CommitmentError as exc:
        if "commitment set" not in str(exc) and "already defined in" not in str(exc):
            raise
        raise CommitmentError(
            f"{directory}: two files share a version or an effective_from: {exc}"
        ) from exc


_installed: Installed[CommitmentSet] = Installed("the credit commitments")
install_commitments = _installed.install


def in_force(on: dt.date) -> Commitment:
    """The commitment text in force on ``on`` (the earliest one before any takes effect)."""
    commitments = _installed.get()
    return commitments.in_force_or_first(on)
