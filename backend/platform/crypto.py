"""Encryption at rest (AES-256-GCM) and keyed hashes (HMAC-SHA256) for blind indexes."""

from __future__ import annotations

import hashlib
import hmac
import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

_NONCE = 12


def encrypt(key: bytes, plaintext: str, associated: bytes = b"") -> bytes:
    nonce = os.urandom(_NONCE)
    return nonce + AESGCM(key).encrypt(nonce, plaintext.encode(), associated)


def decrypt(key: bytes, blob: bytes, associated: bytes = b"") -> str:
    return AESGCM(key).decrypt(blob[:_NONCE], blob[_NONCE:], associated).decode()


def blind_index(key: bytes, value: str) -> str:
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


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
