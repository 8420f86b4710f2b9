"""The query log (查询日志): every look at a citizen's credit by anyone but the citizen.

Part of this domain (who may look at a citizen's credit, and who did: consents, the merchant
check, ``GET /v1/me/queries``) rather than of the platform, because writing an entry is a
business rule, not machinery: an officer's or a department's look is news the citizen hears
about (``QueryMade``, at most once a day per looker), emitted in the same transaction.

Append-only (a trigger refuses UPDATE and DELETE) and kept long-term. Write it in the same
transaction as the read it records where there is one, so a look is never unrecorded.
"""

from __future__ import annotations

from typing import Any

from piccolo.columns import BigInt, BigSerial, Text, Timestamptz, Varchar
from piccolo.table import Table

from backend.notifications.events import QueryMade, emit_event
from backend.platform.audit import Actor
from backend.platform.calendar import today_in_shanghai
from backend.platform.engine import DB
from backend.platform.requestid import current_request_id
from backend.verification import store


class QueryLogEntry(Table, tablename="query_log", db=DB):
    # Partitioned by month of ``at`` and kept long-term (migration 2026-12-04T01:00:00): the
    # primary key is (citizen, id, at) in SQL, which Piccolo cannot declare; ``id`` stands for it.
    id = BigSerial(primary_key=True)
    citizen = BigInt()
    at = Timestamptz()
    actor_kind = Varchar(length=20)  # merchant | officer | department
    actor_id = Varchar(length=64)
    organisation = Varchar(length=120)  # the name the citizen sees
    seen = Text()  # what was seen, e.g. "eligibility for 信易租 and grade band"
    purpose = Text()
    basis = Varchar(length=160)  # e.g. "verification code 123456", "consent 42", "objection 7"
    request_id = Varchar(length=64, null=True, default=None)


TABLES: list[Any] = [QueryLogEntry]


async def write_query_log(
    conn: Any,
    citizen_id: int,
    actor: Actor,
    organisation: str,
    *,
    seen: str,
    purpose: str,
    basis: str,
) -> None:
    """Append one entry on ``conn``, the transaction of the look it records, so a look is
    never unrecorded; officers' and departments' looks also tell the citizen."""
    await store.insert_query_log(
        conn,
        citizen_id,
        actor_kind=actor.kind,
        actor_id=actor.id,
        organisation=organisation,
        seen=seen,
        purpose=purpose,
        basis=basis,
        request_id=current_request_id(),
    )
    await _tell_citizen(conn, citizen_id, actor, organisation, purpose)


async def _tell_citizen(
    conn: Any, citizen_id: int, actor: Actor, organisation: str, purpose: str
) -> None:
    """Officers', departments' and institutions' looks are news too (merchants send their own
    event), at most once a day per looker so an open case does not flood the inbox."""
    if actor.kind not in ("officer", "department", "institution"):
        return
    day = today_in_shanghai().isoformat()
    await emit_event(
        conn,
        citizen_id,
        QueryMade(organisation=organisation, purpose=purpose),
        dedupe_key=f"query:{citizen_id}:{actor.kind}:{actor.id}:{day}",
    )
