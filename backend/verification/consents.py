"""Consents (授权): a citizen gives a named merchant organisation standing consent for a purpose
and a period, lists and revokes them. Without a valid consent or a code, an organisation gets
nothing."""

from __future__ import annotations

from typing import Literal

from backend.platform.audit import Actor, write_audit
from backend.platform.database import connection, transaction
from backend.platform.language import say
from backend.platform.pagination import Page, check_limit, decode_cursor, page_of
from backend.platform.rows import Connection
from backend.verification import store
from backend.verification.errors import ConsentNotFound, ConsentNotValid, OrganisationUnknown
from backend.verification.schemas import ConsentIn, ConsentOut

_MAX_ID = 2**63 - 1  # consent ids are PostgreSQL bigint


def _out(consent: store.ConsentRow) -> ConsentOut:
    return ConsentOut(
        id=consent.id,
        organisation=consent.organisation,
        organisation_name=consent.organisation_name,
        purpose=consent.purpose,
        granted_at=consent.granted_at,
        valid_until=consent.valid_until,
        revoked_at=consent.revoked_at,
        status=consent.status,
    )


async def grant(citizen_id: int, data: ConsentIn) -> ConsentOut:
    async with transaction() as conn:
        merchant = await store.active_merchant(conn, data.organisation)
        if merchant is None:
            raise OrganisationUnknown(
                say(
                    f"没有代码为 {data.organisation!r} 的合作商户",
                    f"there is no partner merchant {data.organisation!r}",
                ),
                field="organisation",
            )
        consent_id = await store.insert_consent(
            conn, citizen_id, merchant, purpose=data.purpose, days=data.days
        )
        await write_audit(
            conn,
            Actor("citizen", str(citizen_id)),
            "consent.grant",
            "consent",
            consent_id,
            after={"organisation": data.organisation, "purpose": data.purpose, "days": data.days},
        )
        granted = await store.citizen_consent(conn, citizen_id, consent_id)
    assert granted is not None, "the consent was inserted in this transaction"
    return _out(granted)


async def list_consents(
    citizen_id: int, status: Literal["active", "all"], cursor: str | None, limit: int
) -> Page[ConsentOut]:
    check_limit(limit)
    after = decode_cursor(cursor, tuple[int])
    async with connection() as conn:
        found = await store.citizen_consents(
            conn,
            citizen_id,
            active_only=status == "active",
            before_id=after[0] if after else None,
            limit=limit + 1,
        )
    return page_of([_out(c) for c in found], limit, lambda c: (c.id,))


async def revoke(citizen_id: int, consent_id: int) -> ConsentOut:
    """Revoke one of the citizen's own consents at once; revoking twice changes nothing."""
    if not 1 <= consent_id <= _MAX_ID:
        raise _not_yours(consent_id)
    async with transaction() as conn:
        if await store.revoke_consent(conn, citizen_id, consent_id):
            await write_audit(
                conn, Actor("citizen", str(citizen_id)), "consent.revoke", "consent", consent_id
            )
        consent = await store.citizen_consent(conn, citizen_id, consent_id)
    if consent is None:
        raise _not_yours(consent_id)
    return _out(consent)


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
        consent = await store.citizen_consent(conn, citizen_id, consent_id)
    if consent is None:
        raise _not_yours(consent_id)
    return _out(consent)


async def valid_consent(
    conn: Connection, consent_id: int, merchant_id: int, *, share: bool
) -> store.ConsentHolder:
    """The consent ``consent_id`` given to this merchant, with the citizen's name, if it is in
    force; ``share`` locks it against a concurrent revocation until the transaction ends."""
    consent = await store.consent_for_merchant(conn, consent_id, merchant_id, share=share)
    if consent is None:
        raise ConsentNotFound(
            say(
                f"编号为 {consent_id} 的授权不是给贵单位的",
                f"no consent {consent_id} was given to your organisation",
            ),
            field="consentId",
        )
    if consent.revoked_at is not None:
        raise ConsentNotValid(
            say("该市民已撤回此授权", "the citizen has revoked this consent"), field="consentId"
        )
    if consent.expired:
        raise ConsentNotValid(say("此授权已过期", "this consent has expired"), field="consentId")
    return consent
