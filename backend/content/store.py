"""The SQL of content versions."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Collection

import msgspec

from backend.platform.database import connection


class StoredVersion(msgspec.Struct, frozen=True, kw_only=True):
    """One stored version: what a kind's builder reads."""

    kind: str
    version: str
    effective_from: dt.date
    body: str

    @property
    def label(self) -> str:
        """How errors name it: ``rules version 2026.2``."""
        return f"{self.kind} version {self.version}"


def digest(body: str) -> str:
    return hashlib.sha256(body.encode()).hexdigest()


async def versions_of(kinds: Collection[str]) -> dict[str, list[StoredVersion]]:
    """Every stored version of these kinds, by kind, oldest ``effective_from`` first."""
    async with connection() as conn:
        rows = await conn.fetch(
            "SELECT kind, version, effective_from, body FROM content_version"
            " WHERE kind = ANY($1::text[]) ORDER BY kind, effective_from, id",
            list(kinds),
        )
    found: dict[str, list[StoredVersion]] = {kind: [] for kind in kinds}
    for row in rows:
        found[row["kind"]].append(
            StoredVersion(
                kind=row["kind"],
                version=row["version"],
                effective_from=row["effective_from"],
                body=row["body"],
            )
        )
    return found


async def insert_version(
    stored: StoredVersion, *, published_by: str, imported_at: dt.datetime
) -> bool:
    """Insert unless (kind, version) is taken; True when inserted."""
    async with connection() as conn:
        inserted = await conn.fetchval(
            "INSERT INTO content_version"
            " (kind, version, effective_from, body, sha256, imported_at, published_by)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7)"
            " ON CONFLICT (kind, version) DO NOTHING RETURNING id",
            stored.kind,
            stored.version,
            stored.effective_from,
            stored.body,
            digest(stored.body),
            imported_at,
            published_by,
        )
    return inserted is not None


async def stored_digests(kind: str) -> dict[str, str]:
    """version → sha256 of what is stored for ``kind``."""
    async with connection() as conn:
        rows = await conn.fetch("SELECT version, sha256 FROM content_version WHERE kind = $1", kind)
    return {row["version"]: row["sha256"] for row in rows}


Fingerprint = tuple[int, int]
"""Of one kind's stored versions: (how many, the highest id). A version inserted raises both,
a deleted one lowers the count."""


async def stored_fingerprints() -> dict[str, Fingerprint]:
    """The fingerprint of every kind that has a stored version."""
    async with connection() as conn:
        rows = await conn.fetch(
            "SELECT kind, count(*) AS stored, max(id) AS highest FROM content_version GROUP BY kind"
        )
    return {row["kind"]: (row["stored"], row["highest"]) for row in rows}
