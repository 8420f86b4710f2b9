"""The SQL of verification: codes and merchant checks, recorded redemptions, consents, the credit
lock and the query log (查询日志). Every function takes the connection its caller opened; the
services decide the transactions and the locking they need."""

from __future__ import annotations

import datetime as dt
from typing import Literal, get_args

import msgspec

from backend.platform.rows import Connection, affected, columns, row_as, rows_as

CodeKey = Literal["public_id", "numeric_code"]
"""How a merchant names a code: by the verification id signed into a payload, or typed."""


# --- the citizen's codes ------------------------------------------------------------------------


async def live_code_count(conn: Connection, citizen_id: int) -> int:
    count: int = await conn.fetchval(
        "SELECT count(*) FROM verification WHERE citizen = $1 AND live AND expires_at > now()",
        citizen_id,
    )
    return count


async def citizen_name(conn: Connection, citizen_id: int) -> str:
    name: str = await conn.fetchval("SELECT name FROM citizen WHERE id = $1", citizen_id)
    return name


class NewCode(msgspec.Struct, frozen=True, kw_only=True):
    """A code about to be stored, with the answer signed into its payload."""

    public_id: str
    citizen: int
    benefit: str
    payload: str
    eligible: bool
    required_grade: str
    created_at: dt.datetime
    expires_at: dt.datetime


_INSERT_CODE = (
    "INSERT INTO verification (public_id, citizen, benefit, method, numeric_code, payload,"
    " eligible, required_grade, created_at, expires_at, live)"
    " VALUES ($1, $2, $3, 'code', $4, $5, $6, $7, $8, $9, true)"
    " ON CONFLICT (numeric_code) WHERE live DO NOTHING RETURNING id"
)


async def insert_code(conn: Connection, code: NewCode, numeric_code: str) -> bool:
    """Store ``code`` under ``numeric_code``; False when a live code already has that number."""
    inserted = await conn.fetchval(
        _INSERT_CODE,
        code.public_id,
        code.citizen,
        code.benefit,
        numeric_code,
        code.payload,
        code.eligible,
        code.required_grade,
        code.created_at,
        code.expires_at,
    )
    return inserted is not None


class CitizenCode(msgspec.Struct, frozen=True, kw_only=True):
    """One of the citizen's codes as stored, with the database's clock to judge it by."""

    public_id: str
    benefit: str
    numeric_code: str
    payload: str
    created_at: dt.datetime
    expires_at: dt.datetime
    eligible: bool
    required_grade: str
    redeemed_at: dt.datetime | None
    now: dt.datetime


_CITIZEN_CODE = (
    "SELECT public_id, benefit, numeric_code, payload, created_at, expires_at, eligible,"
    " required_grade, redeemed_at, now() AS now FROM verification"
    " WHERE public_id = $1 AND citizen = $2 AND method = 'code'"
)


async def citizen_code(conn: Connection, citizen_id: int, public_id: str) -> CitizenCode | None:
    row = await conn.fetchrow(_CITIZEN_CODE, public_id, citizen_id)
    return row_as(CitizenCode, row)


class CodeImage(msgspec.Struct, frozen=True, kw_only=True):
    """What drawing a code's QR needs: its payload, and whether it may still be shown."""

    payload: str
    used: bool
    expired: bool


async def code_image(conn: Connection, citizen_id: int, public_id: str) -> CodeImage | None:
    row = await conn.fetchrow(
        "SELECT payload, redeemed_at IS NOT NULL AS used, expires_at <= now() AS expired"
        " FROM verification WHERE public_id = $1 AND citizen = $2 AND method = 'code'",
        public_id,
        citizen_id,
    )
    return row_as(CodeImage, row)


async def expire_codes(conn: Connection) -> int:
    """Codes past their expiry stop being live, so their numbers can be drawn again."""
    status = await conn.execute(
        "UPDATE verification SET live = false WHERE live AND expires_at <= now()"
    )
    return affected(status)


# --- merchant checks ----------------------------------------------------------------------------


class CheckMade(msgspec.Struct, frozen=True, kw_only=True):
    """A merchant check that has just counted: the signed answer and whom it was about."""

    public_id: str
    citizen: int
    benefit: str
    eligible: bool
    required_grade: str
    redeemed_at: dt.datetime
    name: str  # the citizen's, unmasked: the answer masks it


# Redemption is measured (benchmarks/bench_verify.py): both statements are built once here, not
# per request, and consume the code in one UPDATE ... RETURNING.
_REDEEM = (
    "UPDATE verification v SET redeemed_at = now(), live = false, merchant = $2"
    " FROM citizen c WHERE v.{key} = $1 AND v.live AND c.id = v.citizen AND v.method = 'code'"
    " AND v.redeemed_at IS NULL AND v.expires_at > now() AND v.benefit = ANY($3::text[])"
    " AND NOT EXISTS (SELECT 1 FROM credit_lock l WHERE l.citizen = v.citizen AND l.locked)"
    " RETURNING v.public_id, v.citizen, v.benefit, v.eligible, v.required_grade, v.redeemed_at,"
    " c.name"
)


def _by_key(statement: str) -> dict[CodeKey, str]:
    """``statement`` for each way of naming a code."""
    return {key: statement.format(key=key) for key in get_args(CodeKey)}


_REDEEM_BY = _by_key(_REDEEM)


async def redeem_code(
    conn: Connection, key: CodeKey, value: str, *, merchant_id: int, benefits: list[str]
) -> CheckMade | None:
    """Consume the live, unexpired code for one of ``benefits`` of a citizen whose credit is not
    locked; None when there is no such code (the caller asks :func:`code_state` why)."""
    row = await conn.fetchrow(_REDEEM_BY[key], value, merchant_id, benefits)
    return row_as(CheckMade, row)


class CodeState(msgspec.Struct, frozen=True, kw_only=True):
    """Why a code could not be redeemed."""

    benefit: str
    used: bool
    expired: bool
    locked: bool


_CODE_STATE = (
    "SELECT v.benefit, v.redeemed_at IS NOT NULL AS used, v.expires_at <= now() AS expired,"
    " EXISTS (SELECT 1 FROM credit_lock l WHERE l.citizen = v.citizen AND l.locked) AS locked"
    " FROM verification v WHERE v.{key} = $1 AND v.method = 'code' ORDER BY v.id DESC LIMIT 1"
)
_CODE_STATE_BY = _by_key(_CODE_STATE)


async def code_state(conn: Connection, key: CodeKey, value: str) -> CodeState | None:
    """The newest code named so, whatever became of it."""
    return row_as(CodeState, await conn.fetchrow(_CODE_STATE_BY[key], value))


class ConsentHolder(msgspec.Struct, frozen=True, kw_only=True):
    """A consent given to one merchant, with the name of the citizen who gave it."""

    id: int
    citizen: int
    revoked_at: dt.datetime | None
    expired: bool
    name: str


async def consent_for_merchant(
    conn: Connection, consent_id: int, merchant_id: int, *, share: bool
) -> ConsentHolder | None:
    """``share`` locks the consent against a concurrent revocation until the transaction ends."""
    row = await conn.fetchrow(
        "SELECT c.id, c.citizen, c.revoked_at, c.valid_until <= now() AS expired, z.name"
        " FROM consent c JOIN citizen z ON z.id = c.citizen"
        " WHERE c.id = $1 AND c.merchant = $2" + (" FOR SHARE OF c" if share else ""),
        consent_id,
        merchant_id,
    )
    return row_as(ConsentHolder, row)


async def insert_consent_check(
    conn: Connection,
    consent: ConsentHolder,
    *,
    public_id: str,
    benefit: str,
    eligible: bool,
    required_grade: str,
    merchant_id: int,
) -> CheckMade:
    """A check under ``consent``, counted when made."""
    row = await conn.fetchrow(
        "INSERT INTO verification (public_id, citizen, benefit, method, eligible, required_grade,"
        " created_at, expires_at, live, redeemed_at, merchant, consent)"
        " VALUES ($1, $2, $3, 'consent', $4, $5, now(), now(), false, now(), $6, $7)"
        " RETURNING public_id, citizen, benefit, eligible, required_grade, redeemed_at",
        public_id,
        consent.citizen,
        benefit,
        eligible,
        required_grade,
        merchant_id,
        consent.id,
    )
    assert row is not None, "INSERT ... RETURNING returns the row"
    return CheckMade(**row, name=consent.name)


# --- recorded redemptions -----------------------------------------------------------------------


class MerchantCheck(msgspec.Struct, frozen=True, kw_only=True):
    """A check a merchant made and that counted: what a redemption is recorded on."""

    id: int
    citizen: int
    benefit: str
    eligible: bool


async def merchant_check(
    conn: Connection, public_id: str, merchant_id: int
) -> MerchantCheck | None:
    row = await conn.fetchrow(
        f"SELECT {columns(MerchantCheck)} FROM verification"
        " WHERE public_id = $1 AND merchant = $2 AND redeemed_at IS NOT NULL",
        public_id,
        merchant_id,
    )
    return row_as(MerchantCheck, row)


class Redemption(msgspec.Struct, frozen=True, kw_only=True):
    """What a merchant recorded doing on a check (e.g. deposit waived)."""

    id: int
    description: str
    reference: str | None
    recorded_at: dt.datetime


class RedemptionOfBenefit(Redemption, frozen=True, kw_only=True):
    benefit: str


async def insert_redemption(
    conn: Connection,
    check: MerchantCheck,
    *,
    merchant_id: int,
    description: str,
    reference: str | None,
) -> Redemption | None:
    """Record one on ``check``; None when one is recorded already."""
    row = await conn.fetchrow(
        "INSERT INTO benefit_redemption (verification, citizen, merchant, description,"
        " reference, recorded_at) VALUES ($1, $2, $3, $4, $5, now())"
        f" ON CONFLICT (citizen, verification) DO NOTHING RETURNING {columns(Redemption)}",
        check.id,
        check.citizen,
        merchant_id,
        description,
        reference,
    )
    return row_as(Redemption, row)


async def redemption_of(
    conn: Connection, public_id: str, merchant_id: int
) -> RedemptionOfBenefit | None:
    """The redemption a merchant recorded on one of its own checks."""
    row = await conn.fetchrow(
        f"SELECT {columns(Redemption, 'r')}, v.benefit"
        " FROM benefit_redemption r"
        " JOIN verification v ON v.citizen = r.citizen AND v.id = r.verification"
        " WHERE v.public_id = $1 AND v.merchant = $2 AND r.merchant = $2",
        public_id,
        merchant_id,
    )
    return row_as(RedemptionOfBenefit, row)


# --- consents -----------------------------------------------------------------------------------


ConsentState = Literal["active", "expired", "revoked"]  # what the CASE of _CONSENT yields


class ConsentRow(msgspec.Struct, frozen=True, kw_only=True):
    """A consent as its citizen sees it; ``status`` is judged by the database's clock."""

    id: int
    organisation: str  # the merchant's code
    organisation_name: str
    purpose: str
    granted_at: dt.datetime
    valid_until: dt.datetime
    revoked_at: dt.datetime | None
    status: ConsentState


_CONSENT = (
    "SELECT c.id, a.code AS organisation, c.organisation AS organisation_name, c.purpose,"
    " c.granted_at, c.valid_until, c.revoked_at,"
    " CASE WHEN c.revoked_at IS NOT NULL THEN 'revoked' WHEN c.valid_until <= now()"
    " THEN 'expired' ELSE 'active' END AS status"
    " FROM consent c JOIN api_client a ON a.id = c.merchant"
)


class Merchant(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    name: str


async def active_merchant(conn: Connection, code: str) -> Merchant | None:
    row = await conn.fetchrow(
        "SELECT id, name FROM api_client WHERE code = $1 AND kind = 'merchant' AND active", code
    )
    return row_as(Merchant, row)


async def insert_consent(
    conn: Connection, citizen_id: int, merchant: Merchant, *, purpose: str, days: int
) -> int:
    """A consent in force from now for ``days``; its id."""
    consent_id: int = await conn.fetchval(
        "INSERT INTO consent (citizen, merchant, organisation, purpose, granted_at,"
        " valid_until) VALUES ($1, $2, $3, $4, now(), now() + make_interval(days => $5))"
        " RETURNING id",
        citizen_id,
        merchant.id,
        merchant.name,
        purpose,
        days,
    )
    return consent_id


async def citizen_consent(conn: Connection, citizen_id: int, consent_id: int) -> ConsentRow | None:
    row = await conn.fetchrow(
        f"{_CONSENT} WHERE c.id = $1 AND c.citizen = $2", consent_id, citizen_id
    )
    return row_as(ConsentRow, row)


async def citizen_consents(
    conn: Connection, citizen_id: int, *, active_only: bool, before_id: int | None, limit: int
) -> list[ConsentRow]:
    """Newest first, those with an id below ``before_id`` (all when None), at most ``limit``."""
    active = " AND c.revoked_at IS NULL AND c.valid_until > now()" if active_only else ""
    rows = await conn.fetch(
        f"{_CONSENT} WHERE c.citizen = $1{active}"
        " AND ($2::bigint IS NULL OR c.id < $2) ORDER BY c.id DESC LIMIT $3",
        citizen_id,
        before_id,
        limit,
    )
    return rows_as(ConsentRow, rows)


async def revoke_consent(conn: Connection, citizen_id: int, consent_id: int) -> bool:
    """False when it is not the citizen's or was revoked already."""
    revoked = await conn.fetchval(
        "UPDATE consent SET revoked_at = now() WHERE id = $1 AND citizen = $2"
        " AND revoked_at IS NULL RETURNING id",
        consent_id,
        citizen_id,
    )
    return revoked is not None


# --- the credit lock ----------------------------------------------------------------------------


class LockRow(msgspec.Struct, frozen=True, kw_only=True):
    locked: bool
    changed_at: dt.datetime


async def credit_locked(conn: Connection, citizen_id: int) -> bool:
    return bool(
        await conn.fetchval(
            "SELECT locked FROM credit_lock WHERE citizen = $1 AND locked", citizen_id
        )
    )


async def lock_of(conn: Connection, citizen_id: int) -> LockRow | None:
    """None: the citizen never switched the lock."""
    row = await conn.fetchrow(
        f"SELECT {columns(LockRow)} FROM credit_lock WHERE citizen = $1", citizen_id
    )
    return row_as(LockRow, row)


_LOCK = (
    "INSERT INTO credit_lock (citizen, locked, changed_at) VALUES ($1, true, now())"
    " ON CONFLICT (citizen) DO UPDATE SET locked = true, changed_at = now()"
    f" WHERE NOT credit_lock.locked RETURNING {columns(LockRow)}"
)
_UNLOCK = (
    "UPDATE credit_lock SET locked = false, changed_at = now() WHERE citizen = $1 AND locked"
    f" RETURNING {columns(LockRow)}"
)


async def switch_lock(conn: Connection, citizen_id: int, locked: bool) -> LockRow | None:
    """Switch the lock to ``locked``; None when it was so already (nothing changed)."""
    return row_as(LockRow, await conn.fetchrow(_LOCK if locked else _UNLOCK, citizen_id))


# --- the query log ------------------------------------------------------------------------------


class LoggedQuery(msgspec.Struct, frozen=True, kw_only=True):
    """One look at a citizen's credit, as the citizen reads it back."""

    id: int
    at: dt.datetime
    actor_kind: str
    organisation: str
    seen: str
    purpose: str
    basis: str


async def insert_query_log(
    conn: Connection,
    citizen_id: int,
    *,
    actor_kind: str,
    actor_id: str,
    organisation: str,
    seen: str,
    purpose: str,
    basis: str,
    request_id: str | None,
) -> None:
    await conn.execute(
        "INSERT INTO query_log (citizen, at, actor_kind, actor_id, organisation, seen, purpose,"
        " basis, request_id) VALUES ($1, now(), $2, $3, $4, $5, $6, $7, $8)",
        citizen_id,
        actor_kind,
        actor_id,
        organisation,
        seen,
        purpose,
        basis,
        request_id,
    )


async def citizen_queries(
    conn: Connection, citizen_id: int, *, before_id: int | None, limit: int
) -> list[LoggedQuery]:
    """Newest first, those with an id below ``before_id`` (all when None), at most ``limit``."""
    rows = await conn.fetch(
        f"SELECT {columns(LoggedQuery)} FROM query_log"
        " WHERE citizen = $1 AND ($2::bigint IS NULL OR id < $2) ORDER BY id DESC LIMIT $3",
        citizen_id,
        before_id,
        limit,
    )
    return rows_as(LoggedQuery, rows)
