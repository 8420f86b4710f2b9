"""The SQL of identity: one-time codes, refresh tokens, citizens and their accounts, officers,
API clients and the population registry (人口信息库). Every function takes the connection its
caller opened; the services decide the transactions."""

from __future__ import annotations

import datetime as dt

import msgspec

from backend.platform.language import Language
from backend.platform.rows import Connection, RowT, affected, columns, fetch_one, rows_as


async def _first(conn: Connection, kind: type[RowT], source: str, *args: object) -> RowT | None:
    """``SELECT`` ``kind``'s columns ``source`` (``FROM ... WHERE ...``), as ``_row``."""
    return await fetch_one(conn, kind, f"SELECT {columns(kind)} {source}", *args)


async def _id_or_none(conn: Connection, statement: str, *args: object) -> int | None:
    """The id a statement returned, or None when it found or inserted nothing (``ON CONFLICT DO
    NOTHING``)."""
    found: int | None = await conn.fetchval(statement, *args)
    return found


# --- phone numbers ----------------------------------------------------------------------------


class SealedPhone(msgspec.Struct, frozen=True, kw_only=True):
    """A phone as it is stored (never in plain text): sealed, its blind index under the current
    key, and its index under every configured key (what look-ups match during a rotation)."""

    encrypted: bytes
    index: str
    indexes: list[str]


# --- one-time codes ---------------------------------------------------------------------------


class PendingCode(msgspec.Struct, frozen=True, kw_only=True):
    """The newest unused, unexpired code of a phone."""

    id: int
    code_hash: str
    attempts: int


async def insert_code(
    conn: Connection, *, phone: SealedPhone, code_hash: str, ttl_seconds: int
) -> None:
    await conn.execute(
        "INSERT INTO one_time_code (phone_encrypted, phone_index, code_hash, created_at,"
        " expires_at, attempts) VALUES ($1, $2, $3, now(), now() + make_interval(secs => $4), 0)",
        phone.encrypted,
        phone.index,
        code_hash,
        ttl_seconds,
    )


async def pending_code_for_update(conn: Connection, phone_indexes: list[str]) -> PendingCode | None:
    """The phone's newest live code, by its blind index under any configured key."""
    return await _first(
        conn,
        PendingCode,
        "FROM one_time_code WHERE phone_index = ANY($1::text[])"
        " AND consumed_at IS NULL AND expires_at > now()"
        " ORDER BY created_at DESC LIMIT 1 FOR UPDATE",
        phone_indexes,
    )


async def consume_code(conn: Connection, code_id: int) -> None:
    await conn.execute("UPDATE one_time_code SET consumed_at = now() WHERE id = $1", code_id)


async def count_wrong_try(conn: Connection, code_id: int) -> None:
    await conn.execute("UPDATE one_time_code SET attempts = attempts + 1 WHERE id = $1", code_id)


# --- refresh tokens ---------------------------------------------------------------------------


async def insert_refresh_token(
    conn: Connection,
    *,
    token_hash: str,
    family: str,
    subject_kind: str,
    subject_id: int,
    valid_days: int,
) -> None:
    await conn.execute(
        "INSERT INTO refresh_token (token_hash, family_id, subject_kind, subject_id,"
        " created_at, expires_at)"
        " VALUES ($1, $2, $3, $4, now(), now() + make_interval(days => $5))",
        token_hash,
        family,
        subject_kind,
        subject_id,
        valid_days,
    )


class RefreshTokenState(msgspec.Struct, frozen=True, kw_only=True):
    """A stored refresh token as a refresh sees it."""

    id: int
    family_id: str
    subject_kind: str
    subject_id: int
    expired: bool
    used_at: dt.datetime | None
    revoked_at: dt.datetime | None


async def refresh_token_for_update(conn: Connection, token_hash: str) -> RefreshTokenState | None:
    # Written out because ``expired`` is computed: the database's clock judges expiry.
    return await fetch_one(
        conn,
        RefreshTokenState,
        "SELECT id, family_id, subject_kind, subject_id, expires_at < now() AS expired,"
        " used_at, revoked_at FROM refresh_token WHERE token_hash = $1 FOR UPDATE",
        token_hash,
    )


async def mark_refresh_token_used(conn: Connection, token_id: int) -> None:
    await conn.execute("UPDATE refresh_token SET used_at = now() WHERE id = $1", token_id)


async def revoke_token_family(conn: Connection, family: str) -> None:
    await conn.execute(
        "UPDATE refresh_token SET revoked_at = now() WHERE family_id = $1 AND revoked_at IS NULL",
        family,
    )


# --- citizens and their accounts --------------------------------------------------------------


async def insert_or_find_citizen(
    conn: Connection, *, id_number_index: str, id_number_encrypted: bytes, name: str
) -> int:
    """The citizen's id, created with ``name`` if the ID number is new (an existing citizen's
    name is left as it is)."""
    citizen_id: int = await conn.fetchval(
        "INSERT INTO citizen (id_number_index, id_number_encrypted, name, created_at,"
        " change_counter) VALUES ($1, $2, $3, now(), 0)"
        " ON CONFLICT (id_number_index)"
        " DO UPDATE SET id_number_index = EXCLUDED.id_number_index"
        " RETURNING id",
        id_number_index,
        id_number_encrypted,
        name,
    )
    return citizen_id


async def rename_citizen(conn: Connection, citizen_id: int, name: str) -> None:
    await conn.execute(
        "UPDATE citizen SET name = $2 WHERE id = $1 AND name <> $2", citizen_id, name
    )


async def insert_account(conn: Connection, citizen_id: int, phone: SealedPhone) -> int | None:
    """The new account's id, or None when the citizen or the phone already has one (the phone
    under any configured index key: during a rotation the unique key sees only the current)."""
    return await _id_or_none(
        conn,
        "INSERT INTO citizen_account (citizen, phone_encrypted, phone_index, language,"
        " created_at) SELECT $1, $2, $3, 'zh-CN', now() WHERE NOT EXISTS"
        " (SELECT 1 FROM citizen_account WHERE phone_index = ANY($4::text[]))"
        " ON CONFLICT DO NOTHING RETURNING id",
        citizen_id,
        phone.encrypted,
        phone.index,
        phone.indexes,
    )


class Account(msgspec.Struct, frozen=True, kw_only=True):
    """A citizen's app account: whose it is, and its settings."""

    id: int
    citizen: int
    language: Language


async def account_by_phone(conn: Connection, phone_indexes: list[str]) -> Account | None:
    """The account of a phone, by its blind index under any configured key."""
    return await _first(
        conn, Account, "FROM citizen_account WHERE phone_index = ANY($1::text[])", phone_indexes
    )


async def citizen_of_account(conn: Connection, account_id: int) -> int | None:
    return await _id_or_none(conn, "SELECT citizen FROM citizen_account WHERE id = $1", account_id)


async def record_sign_in(conn: Connection, account_id: int) -> None:
    await conn.execute(
        "UPDATE citizen_account SET last_sign_in_at = now() WHERE id = $1", account_id
    )


class AccountProfile(msgspec.Struct, frozen=True, kw_only=True):
    """What the profile page shows, before masking."""

    phone_encrypted: bytes
    language: Language
    created_at: dt.datetime
    name: str
    id_number_encrypted: bytes
    citizen: int


async def account_profile(conn: Connection, account_id: int) -> AccountProfile | None:
    # Qualified by hand: both tables have a created_at.
    return await fetch_one(
        conn,
        AccountProfile,
        "SELECT a.phone_encrypted, a.language, a.created_at, c.name, c.id_number_encrypted,"
        " a.citizen FROM citizen_account a JOIN citizen c ON c.id = a.citizen WHERE a.id = $1",
        account_id,
    )


async def account_for_update(conn: Connection, account_id: int) -> Account | None:
    return await _first(conn, Account, "FROM citizen_account WHERE id = $1 FOR UPDATE", account_id)


async def set_account_language(conn: Connection, account_id: int, language: Language) -> None:
    await conn.execute(
        "UPDATE citizen_account SET language = $2 WHERE id = $1", account_id, language
    )


# --- officers ---------------------------------------------------------------------------------


class OfficerCredentials(msgspec.Struct, frozen=True, kw_only=True):
    """What a password sign-in checks."""

    id: int
    password_hash: str
    active: bool
    roles: list[str]


async def officer_credentials(conn: Connection, username: str) -> OfficerCredentials | None:
    return await _first(conn, OfficerCredentials, "FROM officer WHERE username = $1", username)


class OfficerStanding(msgspec.Struct, frozen=True, kw_only=True):
    """What a session refresh re-reads: the officer may have been disabled or re-roled."""

    username: str
    roles: list[str]
    active: bool


async def officer_standing(conn: Connection, officer_id: int) -> OfficerStanding | None:
    return await _first(conn, OfficerStanding, "FROM officer WHERE id = $1", officer_id)


async def insert_officer(
    conn: Connection, *, username: str, password_hash: str, display_name: str, roles: list[str]
) -> int | None:
    """The new officer's id, or None when the username is taken."""
    return await _id_or_none(
        conn,
        "INSERT INTO officer (username, password_hash, display_name, roles, active, created_at)"
        " VALUES ($1, $2, $3, $4, true, now()) ON CONFLICT (username) DO NOTHING RETURNING id",
        username,
        password_hash,
        display_name,
        roles,
    )


class OfficerRow(msgspec.Struct, frozen=True, kw_only=True):
    """An officer account as admins manage it (never the password hash)."""

    id: int
    username: str
    display_name: str
    roles: list[str]
    active: bool
    created_at: dt.datetime


async def officers(conn: Connection) -> list[OfficerRow]:
    rows = await conn.fetch(f"SELECT {columns(OfficerRow)} FROM officer ORDER BY username")
    return rows_as(OfficerRow, rows)


async def officer_for_update(conn: Connection, officer_id: int) -> OfficerRow | None:
    return await _first(conn, OfficerRow, "FROM officer WHERE id = $1 FOR UPDATE", officer_id)


async def set_officer(
    conn: Connection,
    officer_id: int,
    *,
    roles: list[str] | None = None,
    active: bool | None = None,
    password_hash: str | None = None,
) -> None:
    """Change what is given; what is None stays."""
    await conn.execute(
        "UPDATE officer SET roles = coalesce($2, roles), active = coalesce($3, active),"
        " password_hash = coalesce($4, password_hash) WHERE id = $1",
        officer_id,
        roles,
        active,
        password_hash,
    )


async def active_admins(conn: Connection) -> int:
    found: int = await conn.fetchval(
        "SELECT count(*) FROM officer WHERE active AND 'admin' = ANY(roles)"
    )
    return found


class SessionRow(msgspec.Struct, frozen=True, kw_only=True):
    """One signed-in session: a family of refresh tokens, by its first and newest token."""

    family_id: str
    started_at: dt.datetime
    refreshed_at: dt.datetime
    expires_at: dt.datetime


async def open_sessions(conn: Connection, kind: str, subject_id: int) -> list[SessionRow]:
    """The sessions of one subject whose newest refresh token is neither revoked nor expired,
    newest first."""
    rows = await conn.fetch(
        "SELECT family_id, min(created_at) AS started_at, max(created_at) AS refreshed_at,"
        " max(expires_at) AS expires_at FROM refresh_token"
        " WHERE subject_kind = $1 AND subject_id = $2 GROUP BY family_id"
        " HAVING bool_and(revoked_at IS NULL) AND max(expires_at) > now()"
        " ORDER BY max(created_at) DESC",
        kind,
        subject_id,
    )
    return rows_as(SessionRow, rows)


async def session_subject(conn: Connection, family_id: str) -> tuple[str, int] | None:
    """Whose session ``family_id`` is: (subject kind, subject id)."""
    row = await conn.fetchrow(
        "SELECT subject_kind, subject_id FROM refresh_token WHERE family_id = $1 LIMIT 1",
        family_id,
    )
    return None if row is None else (row["subject_kind"], row["subject_id"])


# --- API clients ------------------------------------------------------------------------------


async def insert_api_client(
    conn: Connection,
    *,
    kind: str,
    code: str,
    name: str,
    key_prefix: str,
    key_hash: str,
    scopes: list[str],
) -> int | None:
    """The new client's id, or None when the code is taken."""
    return await _id_or_none(
        conn,
        "INSERT INTO api_client (kind, code, name, key_prefix, key_hash, scopes, active,"
        " created_at) VALUES ($1, $2, $3, $4, $5, $6, true, now())"
        " ON CONFLICT (code) DO NOTHING RETURNING id",
        kind,
        code,
        name,
        key_prefix,
        key_hash,
        scopes,
    )


class StoredApiClient(msgspec.Struct, frozen=True, kw_only=True):
    """A client as key authentication reads it (keys are kept only hashed): the hash of the key
    whose prefix was asked for, the current key's or, within its overlap, the previous one's."""

    id: int
    kind: str
    code: str
    name: str
    key_hash: str
    scopes: list[str]
    active: bool


_CLIENT_BY_PREFIX = (
    "SELECT id, kind, code, name,"
    " CASE WHEN key_prefix = $1 THEN key_hash ELSE previous_key_hash END AS key_hash,"
    " scopes, active FROM api_client WHERE key_prefix = $1"
    " OR (previous_key_prefix = $1 AND previous_key_expires_at > now())"
)


async def api_client_by_prefix(conn: Connection, key_prefix: str) -> StoredApiClient | None:
    return await fetch_one(conn, StoredApiClient, _CLIENT_BY_PREFIX, key_prefix)


class ApiClientRow(msgspec.Struct, frozen=True, kw_only=True):
    """A client as admins manage it (never a key)."""

    id: int
    kind: str
    code: str
    name: str
    scopes: list[str]
    active: bool
    created_at: dt.datetime
    previous_key_expires_at: dt.datetime | None


async def api_clients(conn: Connection) -> list[ApiClientRow]:
    rows = await conn.fetch(f"SELECT {columns(ApiClientRow)} FROM api_client ORDER BY kind, code")
    return rows_as(ApiClientRow, rows)


async def api_client_for_update(conn: Connection, client_id: int) -> ApiClientRow | None:
    return await _first(conn, ApiClientRow, "FROM api_client WHERE id = $1 FOR UPDATE", client_id)


async def set_api_client(
    conn: Connection, client_id: int, *, scopes: list[str] | None = None, active: bool | None = None
) -> None:
    """Change what is given; what is None stays. Revoking also ends a previous key's overlap."""
    await conn.execute(
        "UPDATE api_client SET scopes = coalesce($2, scopes), active = coalesce($3, active),"
        " previous_key_expires_at = CASE WHEN $3 IS FALSE THEN NULL"
        " ELSE previous_key_expires_at END WHERE id = $1",
        client_id,
        scopes,
        active,
    )


async def rotate_api_key(
    conn: Connection, client_id: int, *, prefix: str, key_hash: str, overlap_until: dt.datetime
) -> None:
    """The new key becomes current; the current one stays valid until ``overlap_until``."""
    await conn.execute(
        "UPDATE api_client SET previous_key_prefix = key_prefix,"
        " previous_key_hash = key_hash, previous_key_expires_at = $4,"
        " key_prefix = $2, key_hash = $3 WHERE id = $1",
        client_id,
        prefix,
        key_hash,
        overlap_until,
    )


# --- population registry ----------------------------------------------------------------------


async def move_to_current_index(
    conn: Connection, table: str, old: list[str], current: list[str], sealed: list[bytes]
) -> None:
    """Rows of ``table`` (citizen or population_registry) indexed under ``old[i]`` get
    ``current[i]`` and ``sealed[i]``; locked in id order first, so concurrent callers and the
    rotation cannot deadlock."""
    locked = await conn.fetch(
        f"SELECT id FROM {table} WHERE id_number_index = ANY($1::text[]) ORDER BY id FOR UPDATE",
        old,
    )
    if locked:
        await conn.execute(
            f"UPDATE {table} t SET id_number_index = u.new, id_number_encrypted = u.sealed"
            " FROM unnest($1::text[], $2::text[], $3::bytea[]) AS u(old, new, sealed)"
            " WHERE t.id_number_index = u.old"
            # The same person already under the current key (added by a process still on the
            # old keys): left for rotate-keys to report, never a unique-index failure here.
            f" AND NOT EXISTS (SELECT 1 FROM {table} d WHERE d.id_number_index = u.new)",
            old,
            current,
            sealed,
        )


class RegistryPerson(msgspec.Struct, frozen=True, kw_only=True):
    """The registry's name and phone (its blind index) for one ID number: what 三要素核验
    compares."""

    name: str
    phone_index: str


async def registry_person(conn: Connection, id_number_index: str) -> RegistryPerson | None:
    return await _first(
        conn, RegistryPerson, "FROM population_registry WHERE id_number_index = $1", id_number_index
    )


class RegistryUpsert(msgspec.Struct, frozen=True, kw_only=True):
    """One accepted entry of a department's registry batch, ready to store."""

    id_number_index: str
    id_number_encrypted: bytes
    name: str
    phone_encrypted: bytes
    phone_index: str


async def upsert_registry_entries(
    conn: Connection, entries: list[RegistryUpsert], *, updated_by: int
) -> None:
    await conn.executemany(
        "INSERT INTO population_registry (id_number_index, id_number_encrypted, name,"
        " phone_encrypted, phone_index, updated_at, updated_by)"
        " VALUES ($1, $2, $3, $4, $5, now(), $6)"
        " ON CONFLICT (id_number_index) DO UPDATE SET name = EXCLUDED.name,"
        " phone_encrypted = EXCLUDED.phone_encrypted, phone_index = EXCLUDED.phone_index,"
        " updated_at = now(), updated_by = EXCLUDED.updated_by,"
        " id_number_encrypted = EXCLUDED.id_number_encrypted",
        [
            (
                entry.id_number_index,
                entry.id_number_encrypted,
                entry.name,
                entry.phone_encrypted,
                entry.phone_index,
                updated_by,
            )
            for entry in entries
        ],
    )


# --- housekeeping -----------------------------------------------------------------------------


class PurgedCredentials(msgspec.Struct, frozen=True, kw_only=True):
    """How many expired credentials a purge deleted."""

    codes: int
    refresh_tokens: int


async def delete_expired_credentials(
    conn: Connection, *, code_days: int, token_days: int
) -> PurgedCredentials:
    """One-time codes ``code_days`` past expiry and refresh tokens (rotated or not)
    ``token_days`` past; each statement commits on its own unless the caller opened a
    transaction."""
    codes = await conn.execute(
        "DELETE FROM one_time_code WHERE expires_at < now() - make_interval(days => $1)",
        code_days,
    )
    tokens = await conn.execute(
        "DELETE FROM refresh_token WHERE expires_at < now() - make_interval(days => $1)",
        token_days,
    )
    # The command status reads ``DELETE <count>``.
    return PurgedCredentials(codes=affected(codes), refresh_tokens=affected(tokens))


# --- the privacy notice, user agreement and consent accepted (PIPL) -------------------------------


class NoticeAcceptanceIn(msgspec.Struct, frozen=True, kw_only=True):
    """One document of one notices version, as shown to the citizen."""

    document: str
    version: str
    language: str
    text_sha256: str


async def insert_notice_acceptances(
    conn: Connection, citizen_id: int, accepted: list[NoticeAcceptanceIn]
) -> list[str]:
    """The documents newly recorded; one accepted before (same version) is left as it was, so
    accepting twice changes nothing (the first acceptance's time and text stay)."""
    rows = await conn.fetch(
        "INSERT INTO notice_acceptance"
        " (citizen, document, version, language, text_sha256, accepted_at)"
        " SELECT $1, d, v, l, s, now()"
        " FROM unnest($2::text[], $3::text[], $4::text[], $5::text[]) AS t (d, v, l, s)"
        " ON CONFLICT (citizen, document, version) DO NOTHING RETURNING document",
        citizen_id,
        [a.document for a in accepted],
        [a.version for a in accepted],
        [a.language for a in accepted],
        [a.text_sha256 for a in accepted],
    )
    return [row["document"] for row in rows]


async def accepted_notice_documents(conn: Connection, citizen_id: int, version: str) -> set[str]:
    """The documents of ``version`` the citizen has accepted."""
    rows = await conn.fetch(
        "SELECT document FROM notice_acceptance WHERE citizen = $1 AND version = $2",
        citizen_id,
        version,
    )
    return {row["document"] for row in rows}
