"""One process's installed value of one kind of content (the benefit set, the commitments, the
live content), set by the wiring at start and swapped on reload."""

from __future__ import annotations

from typing import Generic, TypeVar

T = TypeVar("T")


class Installed(Generic[T]):
    def __init__(self, what: str) -> None:
        self.what = what
        self._value: T | None = None

    def install(self, value: T | None) -> None:
        self._value = value

    def get(self) -> T:
        if self._value is None:
            raise RuntimeError(f"{self.what} is not installed: start the app or worker first")
        return self._value
