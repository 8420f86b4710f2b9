"""Tables of this domain (none yet)."""

from typing import Any

TABLES: list[Any] = []
