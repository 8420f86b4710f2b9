"""The report's signature (Ed25519, the verification key family): over the report number and
the SHA-256 of the PDF as made with a zero placeholder where the signature goes. Filling the
placeholder keeps every offset, so the file stays valid; putting the zeros back gives the signed
bytes again, so anyone with the public key can check a file offline, and the server checks it
against the fingerprint it kept."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping

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


SIGNED = re.compile(rb"crsig1:ed25519:([0-9a-f]{16}):([0-9a-f]{128})")


def verify(number: str, signed: bytes, public_raw: bytes) -> bool:
    """Whether ``signed`` is a report the key signed under ``number``, unchanged: one signature
    field, lower-case hex, made by this very key (its id), over the file as it was made."""
    found = SIGNED.findall(signed)
    if len(found) != 1 or found[0][0].decode() != key_id(public_raw):
        return False
    kid, hex_signature = found[0]
    marker = SIGNATURE_PREFIX.encode() + kid + b":"
    unsigned = signed.replace(marker + hex_signature, marker + PLACEHOLDER.encode())
    try:
        Ed25519PublicKey.from_public_bytes(public_raw).verify(
            bytes.fromhex(hex_signature.decode()), _message(number, unsigned)
        )
    except InvalidSignature:
        return False
    return True


def verify_published(number: str, signed: bytes, published: Mapping[str, bytes]) -> bool:
    """:func:`verify` with the key the file names among ``published`` (kid → public key: the
    current key and the retired ones still published), so a report signed before a key
    rotation still checks."""
    found = SIGNED.findall(signed)
    key = published.get(found[0][0].decode()) if len(found) == 1 else None
    return key is not None and verify(number, signed, key)
