"""Blob storage for evidence files, addressed by the SHA-256 of their content.

:class:`BlobStorage` is the interface; :class:`LocalDirectoryStorage` keeps each blob at
``<root>/<aa>/<bb>/<sha256>`` and is the built-in implementation. An S3-compatible store is a
drop-in: the same four calls, keyed by the same digest. Writing the same content twice is a
no-op, so a retried upload never duplicates a file.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
from collections.abc import AsyncIterator
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import anyio

CHUNK_BYTES = 64 * 1024
_DIGEST = re.compile(r"^[0-9a-f]{64}$")


class BlobMissing(LookupError):
    """No blob is stored under this digest."""


class DigestMismatch(ValueError):
    """The content written does not hash to the digest it was stored under."""


class BlobStorage(Protocol):
    async def put(self, digest: str, chunks: AsyncIterator[bytes]) -> None:
        """Store the content ``chunks`` yields under ``digest`` (its SHA-256, hex)."""
        ...

    async def exists(self, digest: str) -> bool: ...

    def read(self, digest: str) -> AsyncIterator[bytes]:
        """The content in chunks; raises :class:`BlobMissing` on the first iteration."""
        ...

    async def delete(self, digest: str) -> bool:
        """Remove the content (retention); False when there was none, so a rerun is safe."""
        ...


def check_digest(digest: str) -> str:
    if not _DIGEST.fullmatch(digest):
        raise ValueError(f"not a SHA-256 hex digest: {digest!r}")
    return digest


class LocalDirectoryStorage:
    """Blobs under a local directory; writes go to a temporary file and are renamed into place,
    so a reader never sees half a file."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path_of(self, digest: str) -> Path:
        check_digest(digest)
        return self.root / digest[:2] / digest[2:4] / digest

    async def exists(self, digest: str) -> bool:
        return await anyio.Path(self.path_of(digest)).is_file()

    async def put(self, digest: str, chunks: AsyncIterator[bytes]) -> None:
        target = anyio.Path(self.path_of(digest))
        if await target.is_file():
            return
        await target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{digest}.{secrets.token_hex(6)}.part")
        hasher = hashlib.sha256()
        try:
            async with await anyio.open_file(partial, "wb") as out:
                async for chunk in chunks:
                    hasher.update(chunk)
                    await out.write(chunk)
            if hasher.hexdigest() != digest:
                raise DigestMismatch(f"content hashes to {hasher.hexdigest()}, not {digest}")
            await anyio.to_thread.run_sync(os.replace, partial, target)
        finally:
            if await partial.exists():
                await partial.unlink()

    async def delete(self, digest: str) -> bool:
        path = anyio.Path(self.path_of(digest))
        try:
            await path.unlink()
        except FileNotFoundError:
            return False
        return True

    async def read(self, digest: str) -> AsyncIterator[bytes]:
        path = anyio.Path(self.path_of(digest))
        try:
            handle = await anyio.open_file(path, "rb")
        except FileNotFoundError as exc:
            raise BlobMissing(digest) from exc
        async with handle:
            while chunk := await handle.read(CHUNK_BYTES):
                yield chunk


@lru_cache(maxsize=4)
def local_storage(root: str) -> LocalDirectoryStorage:
    return LocalDirectoryStorage(Path(root))


def evidence_storage() -> BlobStorage:
    """The storage for evidence files configured for this process (``settings.evidence_path``)."""
    from backend.platform import runtime

    return local_storage(str(runtime.current().settings.evidence_path))
