"""Encryption at rest (AES-256-GCM) and keyed hashes (HMAC-SHA256) for blind indexes."""

from __future__ import annotations

import hashlib
import hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from backend.platform.keyring import LEGACY_KEY_ID, Keyring

_NONCE = 12


def encrypt(key: bytes, plaintext: str, associated: bytes = b"") -> bytes:
    nonce = os.urandom(_NONCE)
    return nonce + AESGCM(key).encrypt(nonce, plaintext.encode(), associated)


def decrypt(key: bytes, blob: bytes, associated: bytes = b"") -> str:
    return AESGCM(key).decrypt(blob[:_NONCE], blob[_NONCE:], associated).decode()


def blind_index(key: bytes, value: str) -> str:
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


# --- with key ids (backend.platform.keyring) --------------------------------------------------
# A ciphertext made with a key other than the legacy one starts with ``ck1:<key id>:``; a blind
# index with ``<key id>$``, its HMAC cut to keep the 64 characters of the columns. What the
# legacy key makes has neither, as before keyrings.

SEALED_MAGIC = b"ck1:"
_INDEX_MARK = "$"
_INDEX_LENGTH = 64


def sealed_prefix(key_id: str) -> bytes:
    """What starts a ciphertext made with ``key_id`` (nothing for the legacy key)."""
    return b"" if key_id == LEGACY_KEY_ID else SEALED_MAGIC + key_id.encode() + b":"


def sealed_key_id(blob: bytes) -> str:
    """The key id a ciphertext names (the legacy id when it names none)."""
    if blob.startswith(SEALED_MAGIC):
        end = blob.find(b":", len(SEALED_MAGIC), len(SEALED_MAGIC) + 17)
        if end > len(SEALED_MAGIC):
            return blob[len(SEALED_MAGIC) : end].decode("ascii", "replace")
    return LEGACY_KEY_ID


def seal(ring: Keyring, plaintext: str, associated: bytes = b"") -> bytes:
    """AES-256-GCM with the current key, the key id in front."""
    return sealed_prefix(ring.current_id) + encrypt(ring.current, plaintext, associated)


def unseal(ring: Keyring, blob: bytes, associated: bytes = b"") -> str:
    """The plaintext, with the key the ciphertext names. A legacy ciphertext whose random nonce
    happens to begin like a key id is tried as legacy too (the tag decides)."""
    key_id = sealed_key_id(blob)
    key = ring.get(key_id)
    if key_id != LEGACY_KEY_ID:
        legacy = ring.get(LEGACY_KEY_ID)
        try:
            if key is None:
                raise UnknownKeyError(f"no key with id {key_id!r} is configured")
            return decrypt(key, blob[len(sealed_prefix(key_id)) :], associated)
        except (InvalidTag, UnknownKeyError) as first:
            if legacy is None:
                raise
            try:
                return decrypt(legacy, blob, associated)
            except InvalidTag:
                raise first from None
    if key is None:
        raise UnknownKeyError(f"no key with id {LEGACY_KEY_ID!r} is configured")
    return decrypt(key, blob, associated)


def keyed_index(ring: Keyring, value: str) -> str:
    """The blind index of ``value`` under the current key: what is written."""
    return _index(ring.current_id, ring.current, value)


def keyed_indexes(ring: Keyring, value: str) -> list[str]:
    """The blind index of ``value`` under every key, the current first: what look-ups match
    while a rotation is under way."""
    return [_index(kid, key, value) for kid, key in ring.keys.items()]


def _index(key_id: str, key: bytes, value: str) -> str:
    digest = blind_index(key, value)
    if key_id == LEGACY_KEY_ID:
        return digest
    prefix = key_id + _INDEX_MARK
    return prefix + digest[: _INDEX_LENGTH - len(prefix)]


def index_prefix(key_id: str) -> str:
    """What starts a blind index made with ``key_id`` (nothing for the legacy key)."""
    return "" if key_id == LEGACY_KEY_ID else key_id + _INDEX_MARK


def index_key_id(index: str) -> str:
    key_id, mark, _ = index.partition(_INDEX_MARK)
    return key_id if mark else LEGACY_KEY_ID


class UnknownKeyError(KeyError):
    """A ciphertext names a key id no longer (or not yet) configured."""


def sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def constant_time_equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def timestamped_signature(secret: str, body: bytes, at: int) -> str:
    """``t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">``: how this service signs what it
    pushes to other bodies (webhooks, the provincial exchange); the timestamp makes a captured
    request useless after the receiver's window."""
    digest = hmac.new(secret.encode(), f"{at}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={at},v1={digest}"
