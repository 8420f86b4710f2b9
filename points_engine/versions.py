"""Versioned content, once: the set of versions of one kind (catalog, rules, benefits, ...) and
the one checker whose errors name the source (file or version), the entry and the field.

Pure (no I/O), so the engine's :class:`~points_engine.RuleSet` and
:class:`~points_engine.BenefitSet` and the backend's catalog, commitments and calendar
overrides share it. Each kind keeps its own error class: the set and the checker are built
with it, so callers catch what they always caught.
"""

from __future__ import annotations

import bisect
import datetime
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, Generic, Protocol, Self, TypeVar

import msgspec

__all__ = ["Checker", "Header", "Versioned", "VersionedSet", "describe_validation_error"]


class Versioned(Protocol):
    """What a version of any kind of content carries."""

    @property
    def version(self) -> str: ...

    @property
    def effective_from(self) -> datetime.date: ...


V = TypeVar("V", bound=Versioned)


class Header(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The table a versioned file opens with (``[catalog]``, ``[calendar]``, ...)."""

    version: str
    effective_from: datetime.date
    source: str


class VersionedSet(Generic[V]):
    """Every version of one kind, ordered by ``effective_from``.

    ``label`` names the set in errors ("rule set"), ``noun`` the kind ("rules"); ``error`` is
    the kind's exception class.
    """

    __slots__ = ("_by_version", "_dates", "_versions")

    label = "version set"
    noun = "content"
    error: type[Exception] = ValueError

    def __init__(self, versions: Iterable[V]) -> None:
        items = sorted(versions, key=lambda v: v.effective_from)
        if not items:
            raise self.error(f"{self.label}: no {self.noun} versions given")
        by_version: dict[str, V] = {}
        for index, item in enumerate(items):
            if item.version in by_version:
                raise self.error(
                    f"{self.label}: field 'version': version {item.version!r} is defined twice"
                )
            by_version[item.version] = item
            before = items[index - 1] if index else None
            if before is not None and before.effective_from == item.effective_from:
                raise self.error(
                    f"{self.label}: field 'effective_from': versions {before.version!r} and "
                    f"{item.version!r} both take effect on {item.effective_from.isoformat()}"
                )
        self._versions: tuple[V, ...] = tuple(items)
        self._dates = tuple(v.effective_from for v in items)
        self._by_version = by_version

    @classmethod
    def from_sources(
        cls, sources: Iterable[tuple[str, str]], parse: Callable[[str, str], V], entry: str
    ) -> Self:
        """Parse each (label, text) source into a version and build the set; a version named
        twice is told with both sources (``entry`` is the header table, e.g. ``catalog``)."""
        items: list[V] = []
        seen: dict[str, str] = {}
        for label, text in sources:
            item = parse(label, text)
            if item.version in seen:
                raise cls.error(
                    f"{label}: {entry}: field 'version': version {item.version!r} is already"
                    f" defined in {seen[item.version]}"
                )
            seen[item.version] = label
            items.append(item)
        return cls(items)

    def __iter__(self) -> Iterator[V]:
        return iter(self._versions)

    def __len__(self) -> int:
        return len(self._versions)

    @property
    def versions(self) -> tuple[V, ...]:
        """Every version, oldest ``effective_from`` first."""
        return self._versions

    @property
    def latest(self) -> V:
        """The version with the latest ``effective_from`` (possibly not yet in force)."""
        return self._versions[-1]

    def by_version(self, version: str) -> V | None:
        """The version with this name, or None."""
        return self._by_version.get(version)

    def in_force_or_first(self, on: datetime.date) -> V:
        """The version in force on ``on``, or the earliest for a day before any took effect (a
        business date moved back before the first version still reads some content)."""
        first = self._versions[0]
        return first if on < first.effective_from else self.in_force(on)

    def in_force(self, on: datetime.date) -> V:
        """The latest version with ``effective_from <= on``; the kind's error before the first."""
        index = bisect.bisect_right(self._dates, on)
        if index == 0:
            first = self._versions[0]
            raise self.error(
                f"{self.label}: no {self.noun} version is in force on {on.isoformat()}; the "
                f"earliest, {first.version!r}, takes effect on {first.effective_from.isoformat()}"
            )
        return self._versions[index - 1]


class Checker:
    """Builds the errors of one source (a file or a version); checks stop at the first problem,
    in source order. Messages read ``<source>: <entry>: field '<field>': <what is wrong>``."""

    def __init__(self, source: str, error: type[Exception]) -> None:
        self.source = source
        self.error = error

    def fail(self, entry: str, field: str | None, message: str) -> Exception:
        where = f"{self.source}: {entry}"
        if field is not None:
            where += f": field {field!r}"
        return self.error(f"{where}: {message}")

    def text(self, entry: str, field: str, value: str) -> None:
        if not value.strip():
            raise self.fail(entry, field, "must not be empty")
        if value != value.strip():
            raise self.fail(entry, field, f"{value!r} has leading or trailing whitespace")

    def texts(self, entry: str, field: str, values: Sequence[str]) -> None:
        if not values:
            raise self.fail(entry, field, "must name at least one body")
        for value in values:
            self.text(entry, field, value)

    def header(self, entry: str, version: str, source: str) -> None:
        """The ``[<kind>]`` table every versioned file opens with."""
        self.text(entry, "version", version)
        if any(c.isspace() for c in version):
            raise self.fail(entry, "version", f"{version!r} must not contain spaces")
        self.text(entry, "source", source)

    def convert(
        self,
        data: Any,
        into: type[Any],
        *,
        name_keys: Sequence[str] = ("code",),
        allowed: Mapping[str, Sequence[str]] | None = None,
        nested: Sequence[str] = (),
    ) -> Any:
        """``msgspec.convert(data, into)``, a conversion error told as entry, field and reason."""
        if not isinstance(data, Mapping):
            raise self.fail("file", None, f"expected a table, got {type(data).__name__}")
        try:
            return msgspec.convert(data, into)
        except msgspec.ValidationError as exc:
            entry, field, message = describe_validation_error(
                exc, data, name_keys=name_keys, allowed=allowed or {}, nested=nested
            )
            raise self.fail(entry, field, message) from exc


_MSGSPEC_ERROR = re.compile(r"^(?P<msg>.*?)(?: - at `\$(?P<path>[^`]*)`)?$", re.DOTALL)
_FIELD_IN_MSG = re.compile(r"(?:unknown|required) field `(?P<field>[^`]+)`")
_LOCATION = re.compile(
    r"^\.(?P<section>\w+)(?:\[(?P<index>\d+)\])?(?:\.(?P<field>\w+))?(?P<rest>.*)$"
)


def _entry_label(
    section: str, index: int, items: object, prefix: str, name_keys: Sequence[str]
) -> str:
    label = f"{prefix}{section}[{index}]"
    if isinstance(items, list) and index < len(items) and isinstance(items[index], Mapping):
        for key in name_keys:
            name = items[index].get(key)
            if isinstance(name, str) and name:
                return f"{label} {name!r}"
    return label


def describe_validation_error(
    error: msgspec.ValidationError,
    raw: Mapping[str, Any],
    *,
    name_keys: Sequence[str] = ("code",),
    allowed: Mapping[str, Sequence[str]] | None = None,
    nested: Sequence[str] = (),
) -> tuple[str, str | None, str]:
    """Split a msgspec error into (entry label, field, message).

    ``name_keys`` name an array entry (``grade[1] 'AA'``); ``allowed`` lists the values of enum
    fields for the message; ``nested`` are tables whose arrays read as entries of their own
    (``planner.action[0]``).
    """
    match = _MSGSPEC_ERROR.match(str(error))
    message, path = (match.group("msg"), match.group("path") or "") if match else (str(error), "")
    container: Mapping[str, Any] = raw
    prefix = ""
    for table in nested:
        if path.startswith(f".{table}.") and isinstance(raw.get(table), Mapping):
            path, container, prefix = path[len(table) + 1 :], raw[table], f"{table}."
            break
    entry, field, rest = "file", None, ""
    located = _LOCATION.match(path)
    if located:
        section, index, field, rest = located.group("section", "index", "field", "rest")
        entry = (
            f"{prefix}{section}"
            if index is None
            else _entry_label(section, int(index), container.get(section), prefix, name_keys)
        )
    if field is None:
        named = _FIELD_IN_MSG.search(message)
        if named:
            field = named.group("field")
    message = message[:1].lower() + message[1:]
    choices = (allowed or {}).get(field or "")
    if choices and message.startswith("invalid enum value"):
        message += f"; allowed: {', '.join(choices)}"
    if rest:
        message += f" (at {field}{rest})"
    return entry, field, message
