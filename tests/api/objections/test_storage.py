"""The local content-addressed blob storage behind evidence files."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from backend.cases.evidence import clean_name, sniff
from backend.platform.storage import BlobMissing, DigestMismatch, LocalDirectoryStorage


async def _chunks(*parts: bytes) -> AsyncIterator[bytes]:
    for part in parts:
        yield part


def _files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


async def test_put_read_and_idempotence(tmp_path: Path) -> None:
    storage = LocalDirectoryStorage(tmp_path)
    content = b"%PDF-1.7 evidence"
    digest = hashlib.sha256(content).hexdigest()
    await storage.put(digest, _chunks(content[:5], content[5:]))
    assert await storage.exists(digest)
    assert storage.path_of(digest) == tmp_path / digest[:2] / digest[2:4] / digest
    assert b"".join([c async for c in storage.read(digest)]) == content
    await storage.put(digest, _chunks(b"ignored: already stored"))
    assert storage.path_of(digest).read_bytes() == content


async def test_a_wrong_digest_leaves_nothing_behind(tmp_path: Path) -> None:
    storage = LocalDirectoryStorage(tmp_path)
    digest = hashlib.sha256(b"one").hexdigest()
    with pytest.raises(DigestMismatch):
        await storage.put(digest, _chunks(b"two"))
    assert _files(tmp_path) == []
    with pytest.raises(BlobMissing):
        [c async for c in storage.read(digest)]
    with pytest.raises(ValueError, match="SHA-256"):
        storage.path_of("../../etc/passwd")


def test_types_come_from_the_content_and_names_lose_their_paths() -> None:
    assert sniff(b"%PDF-1.4") == "application/pdf"
    assert sniff(b"\xff\xd8\xff\xdb") == "image/jpeg"
    assert sniff(b"\x89PNG\r\n\x1a\n") == "image/png"
    assert sniff(b"GIF89a") is None and sniff(b"") is None
    assert clean_name("C:\\Users\\me\\证明.pdf") == "证明.pdf"
    assert clean_name("../../x\x00y.png") == "x_y.png"
    assert clean_name(None) == clean_name("") == "evidence"
