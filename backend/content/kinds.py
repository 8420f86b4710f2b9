"""Kinds of content, declared by the wiring: where a kind's seed files are, how its versions
are built into the validated set the domains read, and where that set is installed.

:mod:`backend.content` sits below the domains and knows none of them: each domain offers a
``*_from_sources`` function (TOML text in, validated versioned set out, errors naming the
source, the entry and the field) and the wiring binds it here.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from backend.content.store import StoredVersion

Source = tuple[str, str]
"""(label naming it in errors, TOML text): a seed file or a stored version."""

Build = Callable[[Sequence[Source], Mapping[str, Any]], Any]
"""The sources of one kind and the built sets of the kinds it depends on → its validated set."""


@dataclass(frozen=True, kw_only=True)
class ContentKind:
    name: str
    """The kind as stored (``rules``) and the folder of its seed under ``content/``."""
    header: str
    """The TOML table naming ``version`` and ``effective_from`` (``[rules]``)."""
    build: Build
    install: Callable[[Any], None]
    depends_on: tuple[str, ...] = ()
    seed: Callable[[Path, Path], list[Source]] | None = None
    """How the kind's seed folder becomes sources, where it is not one TOML file per version
    (learning content: a folder of Markdown files per version); ``(folder, content root)``."""


def parse_toml(label: str, text: str, error: type[Exception]) -> dict[str, Any]:
    """``tomllib.loads``, a syntax error raised as the kind's error naming the source."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{label}: not valid TOML: {exc}") from exc


def file_label(path: Path, root: Path) -> str:
    return str(path.relative_to(root)) if path.is_relative_to(root) else str(path)


def read_sources(directory: Path, root: Path, error: type[Exception], noun: str) -> list[Source]:
    """Every ``*.toml`` of a seed folder as sources; the kind's error when there is none."""
    if not directory.is_dir():
        raise error(f"{file_label(directory, root)}: {noun} directory does not exist")
    files = sorted(p for p in directory.glob("*.toml") if p.is_file())
    if not files:
        raise error(f"{file_label(directory, root)}: no {noun} files (*.toml)")
    sources: list[Source] = []
    for path in files:
        label = file_label(path, root)
        try:
            sources.append((label, path.read_text(encoding="utf-8")))
        except UnicodeDecodeError as exc:
            raise error(f"{label}: not valid UTF-8: {exc}") from exc
        except OSError as exc:
            raise error(f"{label}: cannot be read: {exc.strerror or exc}") from exc
    return sources


def header_of(kind: ContentKind, label: str, text: str) -> tuple[str, dt.date]:
    """(version, effective_from) from a body's ``[<header>]`` table; ValueError naming the
    source and the field when it lacks them."""
    data = parse_toml(label, text, ValueError)
    table = data.get(kind.header)
    if not isinstance(table, Mapping):
        raise ValueError(
            f"{label}: file: field {kind.header!r}: the [{kind.header}] table is missing"
        )
    version, effective_from = table.get("version"), table.get("effective_from")
    if not isinstance(version, str) or not version.strip():
        raise ValueError(f"{label}: {kind.header}: field 'version': a version name is required")
    if not isinstance(effective_from, dt.date) or isinstance(effective_from, dt.datetime):
        raise ValueError(f"{label}: {kind.header}: field 'effective_from': a date is required")
    return version, effective_from


def sources_of(versions: Iterable[StoredVersion]) -> list[Source]:
    return [(v.label, v.body) for v in versions]
