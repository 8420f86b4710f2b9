"""Identity tables. ID numbers and phone numbers are stored encrypted with a keyed hash (blind
index) for look-up, never in plain text (migration 2026-12-04T04:00:00 converted the phones)."""

from piccolo.columns import (
    Array,
    BigInt,
    BigSerial,
    Boolean,
    Bytea,
    ForeignKey,
    Integer,
    Serial,
    Timestamptz,
    Varchar,
)
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from backend.platform.engine import DB


class Citizen(Table, tablename="citizen", db=DB):
    """A person known by their resident identity number; exists once any record names them."""

    id = BigSerial(primary_key=True)
    id_number_index = Varchar(length=64, unique=True)
    id_number_encrypted = Bytea()
    name = Varchar(length=60)
    created_at = Timestamptz()
    change_counter = BigInt(default=0)
    # The change counter the stored card was computed from. A citizen whose two counters differ
    # is behind; the partial index over them lets the minute sweep find exactly those.
    scored_counter = BigInt(default=0)


class PopulationRegistryEntry(Table, tablename="population_registry", db=DB):
    """户籍/人口库 entry: the source of real-name (三要素) checks."""

    id = BigSerial(primary_key=True)
    id_number_index = Varchar(length=64, unique=True)
    id_number_encrypted = Bytea()
    name = Varchar(length=60)
    phone_encrypted = Bytea()
    phone_index = Varchar(length=64)
    updated_at = Timestamptz()
    updated_by = Integer(null=True, default=None)


class CitizenAccount(Table, tablename="citizen_account", db=DB):
    """An app account, linked to one citizen after real-name verification."""

    id = BigSerial(primary_key=True)
    citizen = ForeignKey(references=Citizen, null=False, unique=True, on_delete=OnDelete.restrict)
    phone_encrypted = Bytea()
    phone_index = Varchar(length=64, unique=True)
    language = Varchar(length=10, default="zh-CN")
    created_at = Timestamptz()
    last_sign_in_at = Timestamptz(null=True, default=None)


class OneTimeCode(Table, tablename="one_time_code", db=DB):
    id = BigSerial(primary_key=True)
    phone_encrypted = Bytea()
    # Indexed with created_at (one_time_code_phone_index_created_idx): a code is looked up by
    # the phone's blind index, newest first.
    phone_index = Varchar(length=64)
    code_hash = Varchar(length=64)
    created_at = Timestamptz()
    expires_at = Timestamptz()
    attempts = Integer(default=0)
    consumed_at = Timestamptz(null=True, default=None)


class RefreshToken(Table, tablename="refresh_token", db=DB):
    """Rotating refresh tokens, hashed; one family per sign-in."""

    id = BigSerial(primary_key=True)
    token_hash = Varchar(length=64, unique=True)
    family_id = Varchar(length=32, index=True)
    subject_kind = Varchar(length=10)
    subject_id = BigInt()
    created_at = Timestamptz()
    expires_at = Timestamptz()
    used_at = Timestamptz(null=True, default=None)
    revoked_at = Timestamptz(null=True, default=None)


class ApiClient(Table, tablename="api_client", db=DB):
    """A department (数据报送单位) or partner merchant calling with an API key."""

    id = Serial(primary_key=True)
    kind = Varchar(length=12)
    code = Varchar(length=60, unique=True)
    name = Varchar(length=120)
    key_prefix = Varchar(length=16, unique=True)
    key_hash = Varchar(length=64)
    # The key before the last rotation, accepted until ``previous_key_expires_at``.
    previous_key_prefix = Varchar(length=16, unique=True, null=True, default=None)
    previous_key_hash = Varchar(length=64, null=True, default=None)
    previous_key_expires_at = Timestamptz(null=True, default=None)
    scopes = Array(base_column=Varchar(length=80))
    active = Boolean(default=True)
    created_at = Timestamptz()


class Officer(Table, tablename="officer", db=DB):
    """A credit-office (信用办) user."""

    id = Serial(primary_key=True)
    username = Varchar(length=50, unique=True)
    password_hash = Varchar(length=200)
    display_name = Varchar(length=60)
    roles = Array(base_column=Varchar(length=20))
    active = Boolean(default=True)
    created_at = Timestamptz()


class NoticeAcceptance(Table, tablename="notice_acceptance", db=DB):
    """A text the citizen accepted (PIPL): the privacy notice, the user agreement or the
    separate consent to sensitive personal information, by version, with the language shown and
    the SHA-256 of that exact text. Once per (citizen, document, version). In SQL the primary
    key is (citizen, id) (migration 2026-12-04T03:00:00), which Piccolo cannot declare; ``id``
    stands for it."""

    id = BigSerial(primary_key=True)
    citizen = BigInt()
    document = Varchar(length=24)  # privacy-notice | user-agreement | sensitive-information
    version = Varchar(length=40)
    language = Varchar(length=10)
    text_sha256 = Varchar(length=64)
    accepted_at = Timestamptz()


TABLES: list[type[Table]] = [
    Citizen,
    PopulationRegistryEntry,
    CitizenAccount,
    OneTimeCode,
    RefreshToken,
    ApiClient,
    Officer,
    NoticeAcceptance,
]
