"""Keys that can rotate: each key has an id; one is current (it encrypts, indexes, signs), the
old ones only read what was made with them until the operator removes them.

The key id ``1`` is the legacy key (the single key of before keyrings): ciphertexts and blind
indexes made with it carry no key id, so the data of before needs no migration. Every other
key id is written into what it makes (:mod:`backend.platform.crypto`).
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

LEGACY_KEY_ID = "1"
KEY_ID = re.compile(r"[A-Za-z0-9_-]{1,16}")


class KeyringError(ValueError):
    """A key variable is malformed; the message names the variable."""


@dataclass(frozen=True)
class Keyring:
    """The keys of one purpose by id; ``current`` makes, every key reads."""

    current_id: str
    keys: Mapping[str, bytes]  # the current key first, then the old ones

    @property
    def current(self) -> bytes:
        return self.keys[self.current_id]

    @property
    def old_ids(self) -> tuple[str, ...]:
        return tuple(kid for kid in self.keys if kid != self.current_id)

    @property
    def rotating(self) -> bool:
        """Whether old keys are configured (look-ups must then try each of them)."""
        return len(self.keys) > 1

    def get(self, key_id: str) -> bytes | None:
        return self.keys.get(key_id)


def b64_key(name: str, text: str, length: int = 32) -> bytes:
    """Base64 (standard or URL-safe, padding optional) of exactly ``length`` bytes."""
    cleaned = text.strip()
    try:
        raw = base64.b64decode(cleaned + "=" * (-len(cleaned) % 4), altchars=_altchars(cleaned))
    except (binascii.Error, ValueError):
        raise KeyringError(f"{name}: not valid base64") from None
    if len(raw) != length:
        raise KeyringError(f"{name}: must be base64 of exactly {length} bytes, got {len(raw)}")
    return raw


def _altchars(text: str) -> bytes | None:
    return b"-_" if ("-" in text or "_" in text) else None


def text_key(name: str, text: str) -> bytes:
    """A secret used as it is (the JWT HMAC secret)."""
    if not text.strip():
        raise KeyringError(f"{name}: the secret is empty")
    return text.encode()


def parse_keyring(
    name: str,
    *,
    current: str,
    current_id: str,
    old: str,
    decode: Callable[[str, str], bytes] = b64_key,
) -> Keyring:
    """The keyring of ``<name>`` (e.g. ``ID_ENCRYPTION_KEY``) from the current key, its id
    (``<name>_ID``) and the old keys (``<name>`` old: ``kid:value,kid:value``)."""
    if not KEY_ID.fullmatch(current_id):
        raise KeyringError(f"{name}_ID={current_id!r}: a key id is 1-16 of A-Z a-z 0-9 _ -")
    keys = {current_id: decode(name, current)}
    for entry in (part.strip() for part in old.split(",")):
        if not entry:
            continue
        kid, sep, value = entry.partition(":")
        kid = kid.strip()
        if not sep or not KEY_ID.fullmatch(kid):
            raise KeyringError(
                f"{_old_name(name)}: each entry is <key id>:<key> with an id of 1-16 of"
                " A-Z a-z 0-9 _ -"
            )
        if kid in keys:
            raise KeyringError(f"{_old_name(name)}: key id {kid!r} is given twice")
        keys[kid] = decode(f"{_old_name(name)} ({kid})", value)
    return Keyring(current_id=current_id, keys=keys)


def _old_name(name: str) -> str:
    return {"JWT_SECRET": "JWT_OLD_SECRETS"}.get(name, name.removesuffix("_KEY") + "_OLD_KEYS")


def parse_public_keys(name: str, text: str) -> tuple[bytes, ...]:
    """Retired Ed25519 public keys: base64 (or base64url) of 32 bytes, comma-separated."""
    return tuple(b64_key(name, part) for part in text.split(",") if part.strip())
