"""The texts a citizen accepts to have an account (PIPL, 个人信息保护法): the privacy notice
(个人信息处理规则), the user agreement (用户服务协议) and the separate consent to processing
sensitive personal information (敏感个人信息单独同意), as versioned content under
``content/notices/`` (format in its README), zh-CN and en.

One version covers the three documents: the app shows them together and the citizen accepts
them together, so one version name is all the app sends back. Loaded with every kind of content
(files as the seed, stored versions at run time) and checked: each version has a unique name and
``effective_from``, and a non-empty title and body in both required languages for each document.

Built like the credit commitments (``backend.repairs.commitments``) but without importing
:mod:`backend.content`: identity and content are independent at the bottom of the domain layers
(pyproject's import contracts), so the few lines of TOML reading and the installed value are
written out here; the wiring binds this module's builder and installer like any kind's.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal

import msgspec

from backend.platform.config import REPO_ROOT
from backend.platform.language import Language
from points_engine.versions import Checker, Header, VersionedSet

REQUIRED_LANGUAGES = ("zh-CN", "en")

Document = Literal["privacy-notice", "user-agreement", "sensitive-information"]
# The document as stored and sent (``notice_acceptance.document``) → its table in the file.
DOCUMENTS: dict[Document, str] = {
    "privacy-notice": "privacy",
    "user-agreement": "agreement",
    "sensitive-information": "sensitive",
}


Source = tuple[str, str]
"""(label naming it in errors, TOML text): a seed file or a stored version."""


class NoticeError(Exception):
    """A notices file is invalid; the message names the file and the field."""


def _parse_toml(label: str, text: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise NoticeError(f"{label}: not valid TOML: {exc}") from exc


def _read_sources(directory: Path) -> list[Source]:
    """Every ``*.toml`` of the folder (labelled relative to the repository) as sources."""
    label = (
        str(directory.relative_to(REPO_ROOT))
        if directory.is_relative_to(REPO_ROOT)
        else str(directory)
    )
    files = sorted(p for p in directory.glob("*.toml") if p.is_file()) if directory.is_dir() else []
    if not files:
        raise NoticeError(f"{label}: no notices files (*.toml)")
    return [(f"{label}/{path.name}", path.read_text(encoding="utf-8")) for path in files]


class NoticeText(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    title: str
    body: str


class _RawFile(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    notices: Header
    privacy: dict[str, NoticeText] = {}
    agreement: dict[str, NoticeText] = {}
    sensitive: dict[str, NoticeText] = {}


class Notices(msgspec.Struct, frozen=True):
    version: str
    effective_from: dt.date
    source: str
    texts: dict[Document, dict[str, NoticeText]]

    def text(self, document: Document, language: str) -> NoticeText:
        return self.texts[document][language]

    def language_of(self, language: Language) -> Language:
        """``language`` when every document has it, else Chinese (always there)."""
        if all(language in by_language for by_language in self.texts.values()):
            return language
        return "zh-CN"

    def sha256(self, document: Document, language: str) -> str:
        """The digest of the exact text shown in ``language`` (title, blank line, body)."""
        text = self.texts[document][language]
        return hashlib.sha256(f"{text.title}\n\n{text.body}".encode()).hexdigest()


class NoticesSet(VersionedSet[Notices]):
    __slots__ = ()
    label = "notices set"
    noun = "notices"
    error = NoticeError


def _document_texts(
    check: Checker, table: str, raw: dict[str, NoticeText]
) -> dict[str, NoticeText]:
    for language in REQUIRED_LANGUAGES:
        text_in = raw.get(language)
        if text_in is None:
            raise check.fail("file", f"{table}.{language}", f"[{table}.{language}] is required")
        for field in ("title", "body"):
            if not getattr(text_in, field).strip():
                raise check.fail(f"[{table}.{language}]", field, "must not be empty")
    return {lang: NoticeText(title=t.title.strip(), body=t.body.strip()) for lang, t in raw.items()}


def notices_from_source(label: str, text: str) -> Notices:
    check = Checker(label, NoticeError)
    raw: _RawFile = check.convert(_parse_toml(label, text), _RawFile)
    header = raw.notices
    check.header("notices", header.version, header.source)
    texts: dict[Document, dict[str, NoticeText]] = {
        document: _document_texts(check, table, getattr(raw, table))
        for document, table in DOCUMENTS.items()
    }
    return Notices(header.version, header.effective_from, header.source.strip(), texts)


def notices_from_sources(sources: Iterable[Source]) -> NoticesSet:
    return NoticesSet.from_sources(sources, notices_from_source, "notices")


def load_notices(directory: str) -> tuple[Notices, ...]:
    """Every version in ``directory``, oldest ``effective_from`` first."""
    sources = _read_sources(Path(directory))
    try:
        return notices_from_sources(sources).versions
    except NoticeError as exc:
        if "notices set" not in str(exc) and "already defined in" not in str(exc):
            raise
        raise NoticeError(
            f"{directory}: two files share a version or an effective_from: {exc}"
        ) from exc


_installed: list[NoticesSet] = []  # the set of this process, installed by the wiring


def install_notices(notices: NoticesSet | None) -> None:
    """Swap the set in (at start and on reload of the content); None uninstalls it."""
    _installed[:] = [notices] if notices is not None else []


def in_force(on: dt.date) -> Notices:
    """The notices in force on ``on`` (the earliest ones before any takes effect)."""
    if not _installed:
        raise RuntimeError("the notices are not installed: start the app or worker first")
    return _installed[0].in_force_or_first(on)
