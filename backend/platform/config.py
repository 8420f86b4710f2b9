"""Settings read once from the environment into a msgspec Struct.

Secrets have no production defaults. Outside production, missing secrets are generated once
and kept in ``<VAR_DIR>/secrets.json`` so the embedded demo survives restarts.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import os
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal
from urllib.parse import quote

import msgspec

from backend.platform.keyring import (
    LEGACY_KEY_ID,
    Keyring,
    KeyringError,
    b64_key,
    parse_keyring,
    parse_public_keys,
    text_key,
)

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


# What each SMS provider needs to send anything (the environment variables, upper-cased).
SMS_REQUIRED: dict[str, tuple[str, ...]] = {
    "aliyun": ("sms_access_key_id", "sms_access_key_secret", "sms_sign_name", "sms_template_id"),
    "tencent": (
        "sms_access_key_id",
        "sms_access_key_secret",
        "sms_sign_name",
        "sms_template_id",
        "sms_app_id",
        "sms_region",
    ),
}


def check_sms_settings(settings: Settings) -> None:
    """Refuse, at start-up, an SMS set-up that would fail on the first code (or, in
    production, write codes to the log)."""
    if settings.sms_provider == "log" and settings.env == "production":
        raise SettingsError(
            "SMS_PROVIDER=log writes one-time codes to the log and is for development only;"
            " with APP_ENV=production set SMS_PROVIDER=aliyun or SMS_PROVIDER=tencent"
        )
    missing = [
        name.upper()
        for name in SMS_REQUIRED.get(settings.sms_provider, ())
        if not str(getattr(settings, name)).strip()
    ]
    if missing:
        raise SettingsError(f"SMS_PROVIDER={settings.sms_provider} needs {', '.join(missing)}")
    if settings.sms_timeout_seconds <= 0:
        raise SettingsError("SMS_TIMEOUT_SECONDS must be more than 0")


# Retention periods and their smallest values: a zero would delete what was just written.
RETENTION_MINIMUMS: dict[str, int] = {
    "one_time_code_retention_days": 1,
    "refresh_token_retention_days": 1,
    "read_inbox_retention_months": 1,
    "retention_batch_size": 1,
    "idempotency_key_retention_hours": 1,
}


def check_retention_settings(settings: Settings) -> None:
    """Refuse, at start-up, a retention period below its minimum."""
    for name, least in RETENTION_MINIMUMS.items():
        if getattr(settings, name) < least:
            raise SettingsError(f"{name.upper()} must be at least {least}")


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
    # Key rotation (backend.platform.keyring): the keys above are the current ones, with these
    # ids; old keys only read ("<id>:<key>,<id>:<key>") until removed. The id 1 is the key of
    # before rotation was possible: what it made carries no id.
    id_encryption_key_id: str = LEGACY_KEY_ID
    id_encryption_old_keys: str = ""
    id_index_key_id: str = LEGACY_KEY_ID
    id_index_old_keys: str = ""
    # Blind indexes of phone numbers (issue 18): a key of their own, so a phone's index and an
    # ID number's cannot be matched up. Required in production (``load_settings`` refuses to
    # start without it, after the checks of the other settings); elsewhere, when unset, each ID
    # index key is derived into one with the same id (``derived_phone_ring``), so test and demo
    # processes given only the ID keys agree on it. Phones are sealed with the ID encryption
    # keys (``id_encryption``), with their own associated data.
    phone_index_key: str = ""  # base64 of 32 bytes, HMAC-SHA256 blind index of phones
    phone_index_key_id: str = LEGACY_KEY_ID
    phone_index_old_keys: str = ""
    jwt_key_id: str = LEGACY_KEY_ID
    jwt_old_secrets: str = ""  # old secrets verify access tokens, never sign
    # Public keys (base64 of 32 bytes) of retired verification signing keys, still published so
    # codes and credit reports they signed still check; comma-separated.
    verification_old_public_keys: str = ""

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
    fcm_h2c: bool = False  # tests only: HTTP/2 without TLS to the fake FCM (real FCM: over TLS)
    relay_batch_size: int = 500
    # A push is re-driven (backoff with jitter, FCM's Retry-After honoured) until this deadline,
    # then marked expired and counted; the inbox has it either way.
    push_delivery_deadline_hours: int = 24
    push_in_flight: int = 100  # messages one sender has at FCM at once (bounds resends too)
    # Batches one sender keeps going at once, push_in_flight split among them: one batch's
    # database round trips overlap the others' sending instead of stalling the sender.
    push_concurrency: int = 4
    push_http_timeout_seconds: float = 10.0
    push_claim_seconds: int = 120  # a claim outlives any send; then a crashed sender's rows return
    push_backoff_max_seconds: int = 600
    # The exchange with the provincial credit platform (backend.exchange): where the outbox's
    # events are pushed in signed batches. Empty disables sending (events wait in the outbox).
    provincial_endpoint: str = ""
    provincial_secret: str = ""  # HMAC-SHA256 key the platform checks each batch with
    provincial_batch_size: int = 200
    provincial_timeout_seconds: float = 30.0
    # One-time codes by SMS (backend.identity.sms). ``log`` writes the code to the log and is
    # refused in production; ``aliyun`` (Alibaba Cloud SMS, dysmsapi) and ``tencent`` (Tencent
    # Cloud SMS) call the provider's signed HTTP API.
    sms_provider: Literal["log", "aliyun", "tencent"] = "log"
    sms_access_key_id: str = ""  # Alibaba AccessKey ID / Tencent SecretId
    sms_access_key_secret: str = ""  # Alibaba AccessKey Secret / Tencent SecretKey
    sms_sign_name: str = ""  # the approved signature (签名), e.g. 某某市信用办
    sms_template_id: str = ""  # Alibaba TemplateCode (SMS_…) / Tencent TemplateId
    sms_app_id: str = ""  # Tencent only: SmsSdkAppId
    sms_region: str = "ap-guangzhou"  # Tencent only
    sms_endpoint: str = ""  # empty: the provider's public endpoint; tests point at a fake
    sms_timeout_seconds: float = 5.0
    # Logs: one structured format (structlog). ``json`` in production, ``console`` elsewhere,
    # unless set.
    log_format: Literal["", "json", "console"] = ""
    # Metrics (Prometheus text format). The API serves /metrics only with
    # ``Authorization: Bearer <METRICS_TOKEN>``; with no token it is not served in production.
    # The worker serves its own on WORKER_METRICS_PORT (0: off), a port not to be published.
    metrics_token: str = ""
    worker_metrics_port: int = 9101
    # OpenTelemetry tracing (asyncpg, redis, HTTP in and out), off by default. The exporter reads
    # the standard OTEL_EXPORTER_OTLP_* variables.
    tracing_enabled: bool = False
    tracing_service_name: str = "citizen-credit-card"
    # Monthly partitions of the tables that only grow (backend.platform.partitions): months
    # created this far ahead every day; whole months dropped once every row is older than the
    # retention (outbox: delivered events only; inbox: read or not). The query log, the audit
    # log and the score history are kept.
    partitions_ahead_months: int = 3
    outbox_retention_months: int = 3
    inbox_retention_months: int = 24
    # Retention enforced row by row by daily jobs (issue 18; PRIVACY.md lists every field and
    # its period). Each job reports what it removed. One-time codes and rotated or expired
    # refresh tokens are deleted this many days after they expire (kept that long only to
    # answer a late retry and to investigate abuse); read inbox items this many months after
    # they arrived (unread ones wait for INBOX_RETENTION_MONTHS' partition drop), in batches.
    one_time_code_retention_days: int = 1
    refresh_token_retention_days: int = 7
    read_inbox_retention_months: int = 12
    retention_batch_size: int = 1000
    # A successful create's answer is replayed for an Idempotency-Key this long; Redis expires
    # the key itself (its TTL is the enforcement: no job needed).
    idempotency_key_retention_hours: int = 24
    # Outside production only: the date the whole system lives on (demos, acceptance tests).
    # A date (2027-03-01) or an offset in days (+30, -7); the time of day stays real.
    business_date: str = ""

    def __post_init__(self) -> None:
        _ = self.keyrings  # a malformed key fails at start, naming its variable
        shift = parse_business_date(self.business_date)  # raises on a malformed value
        if shift is not None and self.env == "production":
            raise SettingsError(
                f"BUSINESS_DATE={self.business_date!r} is set with APP_ENV=production: production"
                " always runs on the real date; unset BUSINESS_DATE"
            )
        check_sms_settings(self)
        check_retention_settings(self)

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

    @property
    def keyrings(self) -> Keyrings:
        """The rotating keys, parsed once per distinct value (hot paths read them)."""
        return _keyrings(
            (self.id_encryption_key, self.id_encryption_key_id, self.id_encryption_old_keys),
            (self.id_index_key, self.id_index_key_id, self.id_index_old_keys),
            (self.jwt_secret, self.jwt_key_id, self.jwt_old_secrets),
            self.verification_old_public_keys,
            (self.phone_index_key, self.phone_index_key_id, self.phone_index_old_keys),
        )

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


@dataclass(frozen=True)
class Keyrings:
    id_encryption: Keyring  # AES-256-GCM of ID numbers and other sealed values
    id_index: Keyring  # HMAC-SHA256 blind indexes
    jwt: Keyring  # HS256 access tokens
    verification_old_public: tuple[bytes, ...]  # retired Ed25519 public keys, still published
    phone_index: Keyring  # HMAC-SHA256 blind indexes of phone numbers


@lru_cache(maxsize=8)
def _keyrings(
    encryption: tuple[str, str, str],
    index: tuple[str, str, str],
    jwt: tuple[str, str, str],
    verification_old: str,
    phone: tuple[str, str, str],
) -> Keyrings:
    try:
        id_index = _ring("ID_INDEX_KEY", *index)
        return Keyrings(
            id_encryption=_ring("ID_ENCRYPTION_KEY", *encryption),
            id_index=id_index,
            jwt=_ring("JWT_SECRET", *jwt, decode=text_key),
            verification_old_public=parse_public_keys(
                "VERIFICATION_OLD_PUBLIC_KEYS", verification_old
            ),
            phone_index=(
                _ring("PHONE_INDEX_KEY", *phone)
                if phone[0].strip()
                else derived_phone_ring(id_index)
            ),
        )
    except KeyringError as exc:
        raise SettingsError(str(exc)) from None


_PHONE_INDEX_LABEL = b"citizen-credit-card/phone-index/v1"


def derived_phone_ring(id_index: Keyring) -> Keyring:
    """Outside production without PHONE_INDEX_KEY: one phone key per ID index key, same id
    (HMAC of a fixed label), so rotating the ID index keys rotates these too."""
    return Keyring(
        current_id=id_index.current_id,
        keys={
            kid: hmac.new(key, _PHONE_INDEX_LABEL, hashlib.sha256).digest()
            for kid, key in id_index.keys.items()
        },
    )


def _ring(
    name: str,
    current: str,
    current_id: str,
    old: str,
    decode: Callable[[str, str], bytes] = b64_key,
) -> Keyring:
    return parse_keyring(name, current=current, current_id=current_id, old=old, decode=decode)


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


def database_url_from_parts(env: Mapping[str, str]) -> str | None:
    """DATABASE_URL assembled from POSTGRES_HOST, POSTGRES_PORT, POSTGRES_USER,
    POSTGRES_PASSWORD and POSTGRES_DB (the postgres image's own names), each part
    percent-encoded, so a password with @ : / # % or spaces works as it is; None without
    POSTGRES_HOST."""
    host = env.get("POSTGRES_HOST", "")
    if not host:
        return None
    user = env.get("POSTGRES_USER") or "postgres"
    password = env.get("POSTGRES_PASSWORD", "")
    database = env.get("POSTGRES_DB") or user
    port = env.get("POSTGRES_PORT") or "5432"
    credentials = quote(user, safe="") + (f":{quote(password, safe='')}" if password else "")
    netloc = f"[{host}]" if ":" in host else host  # an IPv6 address
    return f"postgresql://{credentials}@{netloc}:{port}/{quote(database, safe='')}"


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Build settings from environment variables named after the fields in upper case."""
    env = dict(os.environ if environ is None else environ)
    values: dict[str, object] = {}
    for field in msgspec.structs.fields(Settings):
        raw = env.get(_ENV_NAMES.get(field.name, field.name.upper()))
        if raw not in (None, ""):
            values[field.name] = raw
    if "database_url" not in values:
        assembled = database_url_from_parts(env)
        if assembled is not None:
            values["database_url"] = assembled
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
        settings = msgspec.convert(values, Settings, strict=False)
    except msgspec.ValidationError as exc:
        raise SettingsError(f"invalid settings: {exc}") from exc
    if settings.env == "production" and not settings.phone_index_key.strip():
        # Like SECRET_NAMES, but never generated elsewhere: derived there (``derived_phone_ring``)
        raise SettingsError("missing required secret(s) in production: PHONE_INDEX_KEY")
    return settings


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
