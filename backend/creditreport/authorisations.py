"""Authorised queries (授权查询): a citizen lets a named institution (a bank, an employer) fetch
their credit report once, for a stated purpose, within at most 30 days; they may revoke it
before it is used. The institution fetches with its key and the authorisation's id; the fetch
is in the citizen's query log (and so in the daily "who looked" notice). Nothing is given
without a live authorisation of that institution."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from backend.creditreport import service, store
from backend.creditreport.facts import ReportFacts
from backend.creditreport.schemas import AuthorisationIn, AuthorisationOut
from backend.creditreport.store import Authorisation
from backend.identity.principals import ClientPrincipal
from backend.platform import runtime
from backend.platform.audit import Actor, write_audit
from backend.platform.database import connection, transaction
from backend.platform.errors import Conflict, InvalidInput, NotFound
from backend.platform.language import say
from backend.platform.rows import BIGINT_MAX, Connection
from backend.verification.query_log import write_query_log


def _out(row: Authorisation, today: dt.date) -> AuthorisationOut:
    state: Literal["live", "used", "revoked", "expired"]
    if row.used_at is not None:
        state = "used"
    elif row.revoked_at is not None:
        state = "revoked"
    elif row.valid_until < today:
        state = "expired"
    else:
        state = "live"
    return AuthorisationOut(
        id=row.id,
        institution=row.institution_code,
        institution_name=row.institution_name,
        purpose=row.purpose,
        valid_until=row.valid_until,
        state=state,
        created_at=row.created_at,
        revoked_at=row.revoked_at,
        used_at=row.used_at,
        report_number=row.report_number,
    )


def _missing(authorisation_id: int) -> NotFound:
    return NotFound(
        say(f"没有这项授权：{authorisation_id}", f"no authorisation {authorisation_id}"),
        code="authorisation-not-found",
    )


async def authorise(citizen_id: int, data: AuthorisationIn) -> AuthorisationOut:
    today = runtime.clock().today()
    async with transaction() as conn:
        found = await store.institution_by_code(conn, data.institution)
        if found is None:
            raise InvalidInput(
                say(f"没有这个授权查询机构：{data.institution}", "no such institution"),
                field="institution",
                code="institution-unknown",
            )
        until = today + dt.timedelta(days=data.valid_days - 1)  # today is the first day
        new_id = await store.authorise(
            conn, citizen=citizen_id, institution=found[0], purpose=data.purpose, valid_until=until
        )
        await write_audit(
            conn,
            Actor("citizen", str(citizen_id)),
            "report-authorisation.grant",
            "report_authorisation",
            new_id,
            after={"institution": data.institution, "validUntil": until.isoformat()},
        )
        row = await store.authorisation(conn, new_id)
    assert row is not None
    return _out(row, today)


async def mine(citizen_id: int) -> list[AuthorisationOut]:
    today = runtime.clock().today()
    async with connection() as conn:
        rows = await store.authorisations(conn, citizen_id)
    return [_out(r, today) for r in rows]


async def revoke(citizen_id: int, authorisation_id: int) -> AuthorisationOut:
    today = runtime.clock().today()
    async with transaction() as conn:
        row = await _own(conn, authorisation_id, citizen_id)
        if row.used_at is not None:
            raise Conflict(
                say("该授权已被使用，不能撤回", "this authorisation has been used"),
                code="authorisation-used",
            )
        if row.revoked_at is None:
            await store.revoke(conn, authorisation_id)
            await write_audit(
                conn,
                Actor("citizen", str(citizen_id)),
                "report-authorisation.revoke",
                "report_authorisation",
                authorisation_id,
            )
        revoked = await store.authorisation(conn, authorisation_id)
    assert revoked is not None
    return _out(revoked, today)


async def _own(conn: Connection, authorisation_id: int, citizen_id: int) -> Authorisation:
    row = None
    if 1 <= authorisation_id <= BIGINT_MAX:
        row = await store.authorisation(conn, authorisation_id, lock=True)
    if row is None or row.citizen != citizen_id:
        raise _missing(authorisation_id)
    return row


async def fetch(institution: ClientPrincipal, authorisation_id: int) -> tuple[ReportFacts, bytes]:
    """The report under a live authorisation given to this institution: once, before its last
    day, unless revoked. Another institution's authorisation reads like a missing one."""
    today = runtime.clock().today()
    async with transaction() as conn:
        row = None
        if 1 <= authorisation_id <= BIGINT_MAX:
            row = await store.authorisation(conn, authorisation_id, lock=True)
        if row is None or row.institution != institution.client_id:
            raise _missing(authorisation_id)
        state = _out(row, today).state
        if state != "live":
            raise Conflict(
                say(f"该授权已不可用（{state}）", f"this authorisation is {state}"),
                code=f"authorisation-{state}",
            )
        facts, pdf = await service.make(row.citizen, masked=True)
        await store.use(conn, authorisation_id, facts.number)
        await write_query_log(
            conn,
            row.citizen,
            institution.actor,
            institution.name,
            seen=f"credit report {facts.number}",
            purpose=row.purpose,
            basis=f"authorisation {authorisation_id}",
        )
    return facts, pdf
