"""A readable difference between two versions of one kind of content (版本差异).

Both bodies are TOML; each is flattened into paths and values. A list of tables
(``[[record_type]]``, ``[[grade]]``, ``[[benefit]]``) is keyed by the entry's own code rather
than its position, so inserting an entry shows as one addition instead of every later entry
changing. Pure: no I/O.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Iterator, Mapping
from typing import Any, Literal

import msgspec

ChangeKind = Literal["added", "removed", "changed"]
# The fields that name an entry, in the order tried (catalog, rules, benefits, templates,
# learning articles and cases).
_ENTRY_KEYS = ("code", "slug", "kind", "key", "id", "name", "date")


class Change(msgspec.Struct, frozen=True, kw_only=True):
    """One value that differs: where, how, and the values as JSON text."""

    path: str
    change: ChangeKind
    before: str | None
    after: str | None

    @property
    def entry(self) -> str:
        """The entry the change is in (``record_type[TRAFFIC-DRUNK]``), or the top-level key."""
        head = self.path.split(".", 1)[0]
        return head


def _entry_name(item: Mapping[str, Any], index: int) -> str:
    for key in _ENTRY_KEYS:
        value = item.get(key)
        if isinstance(value, str | int | dt.date) and not isinstance(value, bool):
            return str(value)
    return str(index)


def _flatten(value: Any, path: str) -> Iterator[tuple[str, Any]]:
    if isinstance(value, Mapping):
        for key, item in value.items():
            yield from _flatten(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list) and value and all(isinstance(v, Mapping) for v in value):
        for index, item in enumerate(value):
            yield from _flatten(item, f"{path}[{_entry_name(item, index)}]")
    else:
        yield path, value


def _json(value: Any) -> str:
    return msgspec.json.encode(value).decode()


def diff(before: str | None, after: str, *, header: str) -> list[Change]:
    """What ``after`` changes against ``before`` (None: everything is added), in the order of
    ``after`` then the removals. The ``[<header>]`` table's version and date, which every new
    version changes, are left out."""
    skip = {f"{header}.version", f"{header}.effective_from"}
    old = dict(_flatten(tomllib.loads(before), "")) if before is not None else {}
    new = dict(_flatten(tomllib.loads(after), ""))
    changes: list[Change] = []
    for path, value in new.items():
        if path in skip:
            continue
        if path not in old:
            changes.append(Change(path=path, change="added", before=None, after=_json(value)))
        elif old[path] != value:
            changes.append(
                Change(path=path, change="changed", before=_json(old[path]), after=_json(value))
            )
    for path, value in old.items():
        if path not in new and path not in skip:
            changes.append(Change(path=path, change="removed", before=_json(value), after=None))
    return changes
