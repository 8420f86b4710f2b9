"""Signed verification payloads (the QR code): a JWS compact token, algorithm EdDSA (Ed25519).

The credit office signs with the private key from ``settings.verification_signing_key``; a
merchant checks the signature and the expiry with nothing but the public key published at
``GET /v1/public/verification-key`` — even while briefly offline. After a key rotation that
endpoint lists the retired keys too (``keys``, by ``kid``) until the operator removes them, so
a code signed just before still checks. The token is a standard JWT
(header ``{"alg": "EdDSA", "typ": "ccv+jwt", "kid": ...}``), so any JWT library with EdDSA
verifies it; :func:`verify_offline` is the whole check in a dozen lines, with only the
``cryptography`` package::

    header, claims, signature = token.split(".")
    Ed25519PublicKey.from_public_bytes(public_key).verify(
        b64url_decode(signature), f"{header}.{claims}".encode()
    )                                             # raises InvalidSignature if tampered with
    body = json.loads(b64url_decode(claims))
    assert body["exp"] > time.time()              # expired codes are refused

The claims hold only what the merchant may learn: the verification id (``jti``), the benefit,
whether the citizen meets its rule, the grade band it needs and the masked name; never points,
records or the ID number. Offline, this is a signed statement valid until ``exp``; online,
redeeming the code is what makes it count, exactly once.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import time
from functools import lru_cache

import msgspec
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

ISSUER = "citizen-credit-card"
TOKEN_TYPE = "ccv+jwt"  # noqa: S105 - the JWS "typ", not a secret
ALGORITHM = "EdDSA"


class CodeClaims(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """What a signed verification payload says (JWT claim names)."""

    iss: str
    jti: str  # the verification id
    ben: str  # the benefit code
    elg: bool  # meets the benefit's rule
    grd: str  # the grade band the benefit needs
    nm: str  # the citizen's masked name
    iat: int
    exp: int


class _Header(msgspec.Struct, frozen=True):
    alg: str
    typ: str = ""
    kid: str = ""


class OfflineCheckError(Exception):
    """The payload is not authentic (``reason`` = "malformed" | "signature") or has expired
    (``reason`` = "expired")."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@lru_cache(maxsize=4)
def private_key(raw: bytes) -> Ed25519PrivateKey:
    """The signing key from the 32 raw bytes in settings."""
    return Ed25519PrivateKey.from_private_bytes(raw)


def public_key_bytes(raw_private: bytes) -> bytes:
    """The 32 raw bytes of the public key that belongs to ``raw_private``."""
    return private_key(raw_private).public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def public_key_pem(raw_private: bytes) -> str:
    key = private_key(raw_private).public_key()
    return key.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode()


def key_id(public_raw: bytes) -> str:
    """A short stable name for a public key (first 8 bytes of its SHA-256, hex)."""
    return hashlib.sha256(public_raw).hexdigest()[:16]


def header_key_id(token: str) -> str:
    """The ``kid`` a payload's header names (empty when it names none or is malformed): which
    published key checks it, after a rotation."""
    try:
        header = msgspec.json.decode(b64url_decode(token.split(".", 1)[0]), type=_Header)
    except (binascii.Error, ValueError, msgspec.DecodeError, msgspec.ValidationError):
        return ""
    return header.kid


def sign(claims: CodeClaims, raw_private: bytes) -> str:
    """The compact JWS of ``claims``, signed with the Ed25519 key ``raw_private``."""
    header = _Header(alg=ALGORITHM, typ=TOKEN_TYPE, kid=key_id(public_key_bytes(raw_private)))
    signing_input = f"{b64url(msgspec.json.encode(header))}.{b64url(msgspec.json.encode(claims))}"
    signature = private_key(raw_private).sign(signing_input.encode())
    return f"{signing_input}.{b64url(signature)}"


def new_claims(
    verification_id: str,
    benefit: str,
    eligible: bool,
    grade: str,
    masked_name: str,
    issued: dt.datetime,
    seconds: int,
) -> CodeClaims:
    start = int(issued.timestamp())
    return CodeClaims(
        iss=ISSUER,
        jti=verification_id,
        ben=benefit,
        elg=eligible,
        grd=grade,
        nm=masked_name,
        iat=start,
        exp=start + seconds,
    )


def verify_offline(
    token: str, public_key: bytes, *, now: float | None = None, check_expiry: bool = True
) -> CodeClaims:
    """Check a payload with only the 32-byte public key: signature, issuer, then expiry.

    Raises :class:`OfflineCheckError`. ``now`` is a Unix time (default: the clock).
    """
    parts = token.split(".")
    if len(parts) != 3:
        raise OfflineCheckError("malformed", "a verification payload has three dot-separated parts")
    try:
        header = msgspec.json.decode(b64url_decode(parts[0]), type=_Header)
        signature = b64url_decode(parts[2])
        claims_bytes = b64url_decode(parts[1])
    except (binascii.Error, ValueError, msgspec.DecodeError) as exc:
        raise OfflineCheckError("malformed", "the payload is not a signed token") from exc
    if header.alg != ALGORITHM:
        raise OfflineCheckError("malformed", f"unexpected algorithm {header.alg!r}")
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(
            signature, f"{parts[0]}.{parts[1]}".encode()
        )
    except (InvalidSignature, ValueError) as exc:
        raise OfflineCheckError("signature", "the signature does not match: tampered with") from exc
    try:
        claims = msgspec.json.decode(claims_bytes, type=CodeClaims)
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise OfflineCheckError("malformed", "the signed claims are not a verification") from exc
    if claims.iss != ISSUER:
        raise OfflineCheckError("malformed", f"unexpected issuer {claims.iss!r}")
    if check_expiry and claims.exp <= (time.time() if now is None else now):
        raise OfflineCheckError("expired", "the code has expired")
    return claims
