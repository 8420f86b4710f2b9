"""The files under ``content/`` are the seed of the content versions in PostgreSQL.

Imported by ``python -m backend migrate`` and at every start (cheap, idempotent): a file whose
(kind, version) is not stored yet is inserted; one already stored is left alone, since the
database is the truth once a version exists (a file edited without a new version is logged, so
the edit is not silently lost).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from backend.content import store
from backend.content.kinds import ContentKind, header_of, read_sources
from backend.content.store import StoredVersion
from backend.platform import runtime

log = logging.getLogger("backend.content")
SEED_PUBLISHER = "seed"


async def import_seed(kinds: Sequence[ContentKind], content_dir: Path) -> list[StoredVersion]:
    """Insert the seed versions that are new; returns them."""
    imported: list[StoredVersion] = []
    now = runtime.clock().now()
    for kind in kinds:
        stored = await store.stored_digests(kind.name)
        folder = content_dir / kind.name
        if kind.seed is not None:
            sources = kind.seed(folder, content_dir)
        else:
            sources = read_sources(folder, content_dir, ValueError, kind.name)
        for label, text in sources:
            version, effective_from = header_of(kind, label, text)
            if version in stored:
                if stored[version] != store.digest(text):
                    log.warning(
                        "%s: %s version %s is stored with other text; the stored one stays"
                        " (publish a new version to change it)",
                        label,
                        kind.name,
                        version,
                    )
                continue
            candidate = StoredVersion(
                kind=kind.name, version=version, effective_from=effective_from, body=text
            )
            if await store.insert_version(candidate, published_by=SEED_PUBLISHER, imported_at=now):
                imported.append(candidate)
    return imported
