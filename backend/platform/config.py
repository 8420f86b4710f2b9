"""Settings read once from the environment into a msgspec Struct.

Secrets have no production defaults. Outside production, missing secrets are generated once
and kept in ``<VAR_DIR>/secrets.json`` so the embedded demo survives restarts.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import re
import secrets
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Literal

import msgspec

REPO_ROOT = Path(__file__).resolve().parents[2]
TIMEZONE = "Asia/Shanghai"

SECRET_NAMES = (
    "JWT_SECRET",
    "ID_ENCRYPTION_KEY",
    "ID_INDEX_KEY",
    "OTP_HASH_KEY",
    "VERIFICATION_SIGNING_KEY",
)


class SettingsError(RuntimeError):
    """Raised when the environment cannot produce valid settings."""


_OFFSET = re.compile(r"[+-][0-9]{1,5}")
MAX_OFFSET_DAYS = 36_600  # a century either way: far enough for any demo, safe for date sums
BUSINESS_YEARS = (1970, 2199)


def parse_business_date(raw: str) -> dt.date | int | None:
    """``BUSINESS_DATE``: empty (real date), a date (``2027-03-01``) or a signed offset in days
    (``+30``, ``-7``). The sign is required, so a number is never mistaken for a date."""
    text = raw.strip()
    if not text:
        return None
    if _OFFSET.fullmatch(text):
        days = int(text)
        if abs(days) > MAX_OFFSET_DAYS:
            raise SettingsError(
                f"BUSINESS_DATE={raw!r}: the offset must be within {MAX_OFFSET_DAYS} days"
            )
        return days
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise SettingsError(
            f"BUSINESS_DATE={raw!r} is neither a date (2027-03-01) nor an offset in days (+30, -7)"
        ) from None
    if not BUSINESS_YEARS[0] <= day.year <= BUSINESS_YEARS[1]:
        raise SettingsError(
            f"BUSINESS_DATE={raw!r}: the year must be between {BUSINESS_YEARS[0]}"
            f" and {BUSINESS_YEARS[1]}"
        )
    return day


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    env: Literal["development", "production", "test"] = "development"
    database_url: str | None = None
    redis_url: str | None = None
    var_dir: str = str(REPO_ROOT / "var")
    content_dir: str = str(REPO_ROOT / "content")
    redis_namespace: str = "cc"
    log_level: str = "INFO"

    jwt_secret: str
    id_encryption_key: str  # base64 of 32 bytes, AES-256-GCM
    id_index_key: str  # base64 of 32 bytes, HMAC-SHA256 blind index
    otp_hash_key: str  # base64 of 32 bytes, HMAC of one-time codes
    verification_signing_key: str  # base64 of a 32-byte Ed25519 private key (merchant codes)

    access_token_minutes: int = 15
    refresh_token_days: int = 30
    otp_ttl_seconds: int = 300
    otp_max_attempts: int = 5
    otp_resend_seconds: int = 60
    otp_max_per_phone_per_hour: int = 5
    auth_rate_per_minute: int = 30
    # The public look-up of one person on the red and serious-dishonesty lists (name + ID
    # number), per address per hour, on top of the public router's limit.
    public_lookup_per_hour: int = 10
    citizen_rate_per_minute: int = 300
    client_rate_per_minute: int = 1200
    batch_max_records: int = 1000
    db_pool_min: int = 2
    db_pool_max: int = 10

    # Evidence files (objections, repairs): stored by content hash under evidence_dir.
    evidence_dir: str = ""  # default: <var_dir>/evidence
    evidence_max_bytes: int = 10 * 1024 * 1024
    evidence_max_files: int = 5
    # Legal deadlines in working days (工作日) on the Chinese calendar.
    objection_accept_working_days: int = 2
    objection_verify_working_days: int = 10
    objection_extension_working_days: int = 10
    repair_decide_working_days: int = 3
    repair_notify_working_days: int = 10
    # Merchant verification codes.
    verification_code_seconds: int = 120
    # Where the public reaches this service: the credit report's QR code points there.
    public_base_url: str = "http://127.0.0.1:8000"
    # Push through Firebase Cloud Messaging. With no credentials push is recorded as skipped.
    fcm_credentials_file: str = ""  # service-account JSON
    fcm_project_id: str = ""
    fcm_endpoint: str = ""  # tests only: where firebase-admin sends (see notifications.push)
    fcm_static_token: str = ""  # tests only: a bearer token instead of a service account
    relay_batch_size: int = 500
    # A push is re-driven (backoff with jitter, FCM's Retry-After honoured) until this deadline,
    # then marked expired and counted; the inbox has it either way.
    push_delivery_deadline_hours: int = 24
    push_in_flight: int = 100  # messages one sender has at FCM at once (bounds resends too)
    push_http_timeout_seconds: float = 10.0
    push_claim_seconds: int = 120  # a claim outlives any send; then a crashed sender's rows return
    push_backoff_max_seconds: int = 600
    # The exchange with the provincial credit platform (backend.exchange): where the outbox's
    # events are pushed in signed batches. Empty disables sending (events wait in the outbox).
    provincial_endpoint: str = ""
    provincial_secret: str = ""  # HMAC-SHA256 key the platform checks each batch with
    provincial_batch_size: int = 200
    provincial_timeout_seconds: float = 30.0
    # Outside production only: the date the whole system lives on (demos, acceptance tests).
    # A date (2027-03-01) or an offset in days (+30, -7); the time of day stays real.
    business_date: str = ""

    def __post_init__(self) -> None:
        shift = parse_business_date(self.business_date)  # raises on a malformed value
        if shift is not None and self.env == "production":
            raise SettingsError(
                f"BUSINESS_DATE={self.business_date!r} is set with APP_ENV=production: production"
                " always runs on the real date; unset BUSINESS_DATE"
            )

    @property
    def business_date_shift(self) -> dt.date | int | None:
        """``BUSINESS_DATE`` parsed: a date, an offset in days, or None (the real date)."""
        return parse_business_date(self.business_date)

    @property
    def var_path(self) -> Path:
        return Path(self.var_dir)

    @property
    def evidence_path(self) -> Path:
        return Path(self.evidence_dir) if self.evidence_dir else self.var_path / "evidence"

    def key_bytes(
        self,
        name: Literal[
            "id_encryption_key", "id_index_key", "otp_hash_key", "verification_signing_key"
        ],
    ) -> bytes:
        raw = base64.b64decode(getattr(self, name))
        if len(raw) != 32:
            raise SettingsError(f"{name.upper()} must be base64 of exactly 32 bytes")
        return raw


def _generated_secrets(var_dir: Path) -> dict[str, str]:
    path = var_dir / "secrets.json"
    if path.exists():
        stored: dict[str, str] = json.loads(path.read_text())
        return stored
    var_dir.mkdir(parents=True, exist_ok=True)
    fresh = {
        "JWT_SECRET": secrets.token_urlsafe(48),
        "ID_ENCRYPTION_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
        "ID_INDEX_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
        "OTP_HASH_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
        "VERIFICATION_SIGNING_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
    }
    path.write_text(json.dumps(fresh, indent=2))
    path.chmod(0o600)
    return fresh


_ENV_NAMES = {"env": "APP_ENV"}


def _add_secret(var_dir: Path, stored: dict[str, str], name: str) -> dict[str, str]:
    updated = {**stored, name: base64.b64encode(secrets.token_bytes(32)).decode()}
    path = var_dir / "secrets.json"
    path.write_text(json.dumps(updated, indent=2))
    path.chmod(0o600)
    return updated


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Build settings from environment variables named after the fields in upper case."""
    env = dict(os.environ if environ is None else environ)
    values: dict[str, object] = {}
    for field in msgspec.structs.fields(Settings):
        raw = env.get(_ENV_NAMES.get(field.name, field.name.upper()))
        if raw not in (None, ""):
            values[field.name] = raw
    missing = [name for name in SECRET_NAMES if not env.get(name)]
    if missing:
        if values.get("env", "development") == "production":
            raise SettingsError(f"missing required secret(s) in production: {', '.join(missing)}")
        var_dir = Path(str(values.get("var_dir", REPO_ROOT / "var")))
        generated = _generated_secrets(var_dir)
        for name in missing:
            if name not in generated:  # a secret added since this var/ was made
                generated = _add_secret(var_dir, generated, name)
            values[name.lower()] = generated[name]
    try:
        return msgspec.convert(values, Settings, strict=False)
    except msgspec.ValidationError as exc:
        raise SettingsError(f"invalid settings: {exc}") from exc


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
