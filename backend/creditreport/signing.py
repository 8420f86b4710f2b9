"""The report's signature (Ed25519, the verification key family): over the report number and
the SHA-256 of the PDF as made with a zero placeholder where the signature goes. Filling the
placeholder keeps every offset, so the file stays valid; putting the zeros back gives the signed
bytes again, so anyone with the public key can check a file offline, and the server checks it
against the fingerprint it kept."""

from __future__ import annotations

import hashlib

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from backend.creditreport.render import PLACEHOLDER, SIGNATURE_PREFIX
from backend.verification.signing import key_id, private_key, public_key_bytes

DOMAIN = b"credit-report/v1\n"


def kid_of(raw_private: bytes) -> str:
    return key_id(public_key_bytes(raw_private))


def _message(number: str, unsigned: bytes) -> bytes:
    return DOMAIN + number.encode() + b"\n" + hashlib.sha256(unsigned).digest()


def sign(number: str, unsigned: bytes, raw_private: bytes) -> tuple[bytes, str]:
    """(the signed PDF, the signature in hex)."""
    signature = private_key(raw_private).sign(_message(number, unsigned)).hex()
    marker = f"{SIGNATURE_PREFIX}{kid_of(raw_private)}:".encode()
    placeholder = marker + PLACEHOLDER.encode()
    if unsigned.count(placeholder) != 1:
        raise ValueError("the PDF must hold the signature placeholder exactly once")
    return unsigned.replace(placeholder, marker + signature.encode()), signature


def verify(number: str, signed: bytes, public_raw: bytes) -> bool:
    """Whether ``signed`` is a report the key signed under ``number``, unchanged."""
    start = signed.find(SIGNATURE_PREFIX.encode())
    if start < 0:
        return False
    colon = signed.find(b":", start + len(SIGNATURE_PREFIX))
    hex_start, hex_end = colon + 1, colon + 1 + len(PLACEHOLDER)
    try:
        signature = bytes.fromhex(signed[hex_start:hex_end].decode())
    except ValueError:
        return False
    unsigned = signed[:hex_start] + PLACEHOLDER.encode() + signed[hex_end:]
    try:
        Ed25519PublicKey.from_public_bytes(public_raw).verify(signature, _message(number, unsigned))
    except InvalidSignature:
        return False
    return True
