"""Consents (授权): a citizen gives a named merchant organisation standing consent for a purpose
and a period, lists and revokes them. Without a valid consent or a code, an organisation gets
nothing."""

from __future__ import annotations

from typing import Any, Literal

from backend.platform.audit import Actor, write_audit
from backend.platform.database import connection, transaction
from backend.platform.language import say
from backend.platform.pagination import Page, check_limit, decode_cursor, page_of
from backend.verification.errors import ConsentNotFound, ConsentNotValid, OrganisationUnknown
from backend.verification.schemas import ConsentIn, ConsentOut

_COLUMNS = (
    "c.id, a.code AS organisation, c.organisation AS organisation_name, c.purpose,"
    " c.granted_at, c.valid_until, c.revoked_at,"
    " CASE WHEN c.revoked_at IS NOT NULL THEN 'revoked' WHEN c.valid_until <= now()"
    " THEN 'expired' ELSE 'active' END AS status"
)
_FROM = " FROM consent c JOIN api_client a ON a.id = c.merchant"
_MAX_ID = 2**63 - 1  # consent ids are PostgreSQL bigint


def _out(row: Any) -> ConsentOut:
    return ConsentOut(**dict(row))


async def grant(citizen_id: int, data: ConsentIn) -> ConsentOut:
    async with transaction() as conn:
        merchant = await conn.fetchrow(
            "SELECT id, name FROM api_client WHERE code = $1 AND kind = 'merchant' AND active",
            data.organisation,
        )
        if merchant is None:
            raise OrganisationUnknown(
                say(
                    f"没有代码为 {data.organisation!r} 的合作商户",
                    f"there is no partner merchant {data.organisation!r}",
                ),
                field="organisation",
            )
        consent_id = await conn.fetchval(
            "INSERT INTO consent (citizen, merchant, organisation, purpose, granted_at,"
            " valid_until) VALUES ($1, $2, $3, $4, now(), now() + make_interval(days => $5))"
            " RETURNING id",
            citizen_id,
            merchant["id"],
            merchant["name"],
            data.purpose,
            data.days,
        )
        await write_audit(
            conn,
            Actor("citizen", str(citizen_id)),
            "consent.grant",
            "consent",
            consent_id,
            after={"organisation": data.organisation, "purpose": data.purpose, "days": data.days},
        )
        row = await conn.fetchrow(f"SELECT {_COLUMNS}{_FROM} WHERE c.id = $1", consent_id)
    return _out(row)


async def list_consents(
    citizen_id: int, status: Literal["active", "all"], cursor: str | None, limit: int
) -> Page[ConsentOut]:
    check_limit(limit)
    after = decode_cursor(cursor, tuple[int])
    active = " AND c.revoked_at IS NULL AND c.valid_until > now()" if status == "active" else ""
    async with connection() as conn:
        rows = await conn.fetch(
            f"SELECT {_COLUMNS}{_FROM} WHERE c.citizen = $1{active}"
            " AND ($2::bigint IS NULL OR c.id < $2) ORDER BY c.id DESC LIMIT $3",
            citizen_id,
            after[0] if after else None,
            limit + 1,
        )
    return page_of([_out(r) for r in rows], limit, lambda c: (c.id,))


async def revoke(citizen_id: int, consent_id: int) -> ConsentOut:
    """Revoke one of the citizen's own consents at once; revoking twice changes nothing."""
    if not 1 <= consent_id <= _MAX_ID:
        raise _not_yours(consent_id)
    async with transaction() as conn:
        revoked = await conn.fetchval(
            "UPDATE consent SET revoked_at = now() WHERE id = $1 AND citizen = $2"
            " AND revoked_at IS NULL RETURNING id",
            consent_id,
            citizen_id,
        )
        if revoked is not None:
            await write_audit(
                conn, Actor("citizen", str(citizen_id)), "consent.revoke", "consent", consent_id
            )
        row = await conn.fetchrow(
            f"SELECT {_COLUMNS}{_FROM} WHERE c.id = $1 AND c.citizen = $2", consent_id, citizen_id
        )
    if row is None:
        raise _not_yours(consent_id)
    return _out(row)


def _not_yours(consent_id: int) -> ConsentNotFound:
    return ConsentNotFound(
        say(f"您没有编号为 {consent_id} 的授权", f"you have no consent {consent_id}"),
        field="consentId",
    )


def consent_url(consent_id: int) -> str:
    """Where the citizen reads one of their consents back (getMyConsent)."""
    return f"/v1/me/consents/{consent_id}"


async def my_consent(citizen_id: int, consent_id: int) -> ConsentOut:
    """One of the citizen's own consents; another citizen's answers like a missing one."""
    if not 1 <= consent_id <= _MAX_ID:
        raise _not_yours(consent_id)
    async with connection() as conn:
        row = await conn.fetchrow(
            f"SELECT {_COLUMNS}{_FROM} WHERE c.id = $1 AND c.citizen = $2", consent_id, citizen_id
        )
    if row is None:
        raise _not_yours(consent_id)
    return _out(row)


async def valid_consent(conn: Any, consent_id: int, merchant_id: int, *, share: bool) -> Any:
    """The consent ``consent_id`` given to this merchant, with the citizen's name, if it is in
    force; ``share`` locks it against a concurrent revocation until the transaction ends."""
    row = await conn.fetchrow(
        "SELECT c.id, c.citizen, c.revoked_at, c.valid_until <= now() AS expired, z.name"
        " FROM consent c JOIN citizen z ON z.id = c.citizen"
        " WHERE c.id = $1 AND c.merchant = $2" + (" FOR SHARE OF c" if share else ""),
        consent_id,
        merchant_id,
    )
    if row is None:
        raise ConsentNotFound(
            say(
                f"编号为 {consent_id} 的授权不是给贵单位的",
                f"no consent {consent_id} was given to your organisation",
            ),
            field="consentId",
        )
    if row["revoked_at"] is not None:
        raise ConsentNotValid(
            say("该市民已撤回此授权", "the citizen has revoked this consent"), field="consentId"
        )
    if row["expired"]:
        raise ConsentNotValid(say("此授权已过期", "this consent has expired"), field="consentId")
    return row
