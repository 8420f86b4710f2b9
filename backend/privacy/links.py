"""Download links that expire: ``?token=<expiry>.<HMAC>``, the HMAC over the citizen, the export,
the file and the expiry, so a link works for that file of that export until then, and for no
other. The key is derived from the current access-token key: rotating that key ends the links
too, which is harmless (the citizen asks for the export's status again and gets new ones)."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
from typing import Literal

from backend.platform import runtime

FileKind = Literal["json", "pdf"]
LINK_HOURS = 24
_PURPOSE = b"backend.privacy.data-export-link.v1"


def _key() -> bytes:
    secret = runtime.current().settings.keyrings.jwt.current
    return hmac.new(secret, _PURPOSE, hashlib.sha256).digest()


_TOKEN = re.compile(r"[0-9]{1,12}\.[0-9a-f]{64}", re.ASCII)


def _mac(citizen: int, export_id: int, kind: FileKind, expires: int) -> str:
    message = f"{citizen}:{export_id}:{kind}:{expires}".encode()
    return hmac.new(_key(), message, hashlib.sha256).hexdigest()


def token(citizen: int, export_id: int, kind: FileKind, expires_at: dt.datetime) -> str:
    expires = int(expires_at.timestamp())
    return f"{expires}.{_mac(citizen, export_id, kind, expires)}"


def valid_until(citizen: int, export_id: int, kind: FileKind, value: str) -> dt.datetime | None:
    """The link's expiry when ``value`` is a token this service made for exactly this file,
    else None (expired or not is the caller's question: an expired link answers 410)."""
    # ASCII digits and hex only: str.isdigit() takes "²", which int() refuses, and
    # compare_digest refuses non-ASCII str; either would be a 500 for a crafted link.
    if _TOKEN.fullmatch(value) is None:
        return None
    expires_text, _, mac = value.partition(".")
    expires = int(expires_text)
    if not hmac.compare_digest(mac.encode(), _mac(citizen, export_id, kind, expires).encode()):
        return None
    return dt.datetime.fromtimestamp(expires, dt.UTC)


def url(citizen: int, export_id: int, kind: FileKind, expires_at: dt.datetime) -> str:
    signed = token(citizen, export_id, kind, expires_at)
    return f"/v1/me/data-exports/{export_id}/{kind}?token={signed}"
