"""The privacy domain's SQL: every kind of data one citizen has, read for a copy, and the rows a
cancellation removes. Every statement is filtered by the citizen (``citizen = $1``), and every
join between two per-citizen tables equates their citizens too (Citus-ready).

This domain is the top layer: it reads and deletes other domains' rows on purpose, so that the
list of what a copy holds and what a cancellation removes is in one place."""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec

from backend.platform.rows import Connection, affected

# --- the copy: one statement per kind, each row as JSON -----------------------------------------

# A section's rows in the subquery's order (the aggregate reads the sorted subquery in order),
# each as a JSON object keyed by column: dates and times in ISO 8601, jsonb as it is.
_AS_JSON = "SELECT coalesce(jsonb_agg(to_jsonb(t)), '[]'::jsonb)::text FROM ({}) t"

ACCOUNT = "SELECT created_at, language, last_sign_in_at FROM citizen_account WHERE citizen = $1"
DEVICES = (
    "SELECT id, platform, created_at, last_seen_at,"
    " '…' || right(token, 6) AS token_masked"  # a token is a credential: its end names it
    " FROM push_device WHERE citizen = $1 ORDER BY id"
)
NOTICE_ACCEPTANCES = (
    "SELECT document, version, language, text_sha256, accepted_at FROM notice_acceptance"
    " WHERE citizen = $1 ORDER BY id"
)
CONSENTS = (
    "SELECT id, organisation, purpose, granted_at, valid_until, revoked_at FROM consent"
    " WHERE citizen = $1 ORDER BY id"
)
CREDIT_LOCK = "SELECT locked, changed_at FROM credit_lock WHERE citizen = $1"
RECORDS = (
    "SELECT r.id, r.record_type, r.catalog_version, r.domain, r.polarity, r.severity,"
    " r.quantity, r.occurred_on, r.decided_on, r.decision_document_no, r.evidence_summary,"
    " r.status, r.display_until, r.repairable_from, r.repaired_on, r.under_objection,"
    " r.created_at, r.updated_at, c.name AS department,"
    " (SELECT coalesce(jsonb_agg(jsonb_build_object('action', h.action, 'at', h.at,"
    " 'reason', h.reason, 'before', h.before, 'after', h.after) ORDER BY h.at, h.id),"
    " '[]'::jsonb) FROM record_history h"
    " WHERE h.citizen = r.citizen AND h.record = r.id) AS history"
    " FROM record r JOIN api_client c ON c.id = r.department"
    " WHERE r.citizen = $1 ORDER BY r.id"
)
# A case's steps as the citizen follows them: what happened and why, not which officer.
_STEPS = (
    "(SELECT coalesce(jsonb_agg(jsonb_build_object('action', s.action, 'from', s.from_status,"
    " 'to', s.to_status, 'by', s.actor_kind, 'reason', s.reason, 'dueOn', s.due_on,"
    " 'at', s.at) ORDER BY s.at, s.id), '[]'::jsonb) FROM case_step s"
    " WHERE s.citizen = {alias}.citizen AND s.case_kind = '{kind}' AND s.case_id = {alias}.id)"
)
OBJECTIONS = (
    "SELECT o.id, o.record, o.reason_category, o.statement, o.status, o.filed_on,"
    " o.accepted_on, o.verify_due_on, o.extended, o.decision_reason, o.decided_on, o.due_on,"
    " o.created_at, o.closed_at, " + _STEPS.format(alias="o", kind="objection") + " AS steps"
    " FROM objection o WHERE o.citizen = $1 ORDER BY o.id"
)
REPAIRS = (
    "SELECT p.id, p.record, p.path, p.statement, p.details, p.commitment_version,"
    " p.commitment_accepted_at, p.status, p.applied_on, p.accepted_on, p.decision_reason,"
    " p.decided_on, p.due_on, p.created_at, p.closed_at, "
    + _STEPS.format(alias="p", kind="repair")
    + " AS steps FROM repair_application p WHERE p.citizen = $1 ORDER BY p.id"
)
# The citizen's own reports (举报), found by their reporter tokens ($1), never by who they are.
# The person or organisation reported is another's: only masked, as the reporter sees it in the
# app. A report's steps belong to no citizen (0): what happened, not who did it or why.
REPORTS = (
    "SELECT p.id, p.category, p.subject_kind, p.subject_name_masked, p.subject_code_masked,"
    " p.statement, p.status, p.filed_on, p.accepted_on, p.decision_reason, p.decided_on,"
    " p.created_at, p.closed_at,"
    " (SELECT coalesce(jsonb_agg(jsonb_build_object('action', s.action, 'to', s.to_status,"
    " 'at', s.at) ORDER BY s.at, s.id), '[]'::jsonb) FROM case_step s"
    " WHERE s.citizen = 0 AND s.case_kind = 'report' AND s.case_id = p.id) AS steps"
    " FROM report p WHERE p.reporter_token = ANY($1::text[]) ORDER BY p.id"
)
# The list of evidence files (never their bytes): of the citizen's objections and repairs ($1),
# and of the reports they filed ($2: a report's files carry citizen 0).
EVIDENCE = (
    "SELECT id, case_kind, case_id, original_name, media_type, size_bytes, sha256,"
    " uploaded_by_kind, uploaded_at FROM evidence_file"
    " WHERE citizen = $1 OR (citizen = 0 AND case_kind = 'report' AND case_id = ANY($2::bigint[]))"
    " ORDER BY uploaded_at, id"
)
NOTIFICATIONS = (
    "SELECT id, kind, category, legal, title, body, data, created_at, read_at FROM notification"
    " WHERE citizen = $1 ORDER BY created_at, id"
)
NOTIFICATION_PREFERENCES = (
    "SELECT push_off, quiet_start, quiet_end, updated_at FROM notification_preference"
    " WHERE citizen = $1"
)
# Who looked (the organisation and kind of looker), not the officer's or client's id.
QUERY_LOG = (
    "SELECT id, at, actor_kind, organisation, seen, purpose, basis FROM query_log"
    " WHERE citizen = $1 ORDER BY at, id"
)
REPORT_AUTHORISATIONS = (
    "SELECT a.id, c.name AS institution, a.purpose, a.valid_until, a.created_at, a.revoked_at,"
    " a.used_at, a.report_number FROM report_authorisation a"
    " JOIN api_client c ON c.id = a.institution WHERE a.citizen = $1 ORDER BY a.id"
)
# A code's digits and signed payload are its secret while it is live: never copied.
VERIFICATIONS = (
    "SELECT v.public_id, v.benefit, v.method, v.eligible, v.required_grade, v.created_at,"
    " v.expires_at, v.live, v.redeemed_at, c.name AS merchant FROM verification v"
    " LEFT JOIN api_client c ON c.id = v.merchant WHERE v.citizen = $1 ORDER BY v.id"
)
REDEMPTIONS = (
    "SELECT b.id, c.name AS merchant, b.description, b.reference, b.recorded_at"
    " FROM benefit_redemption b JOIN api_client c ON c.id = b.merchant"
    " WHERE b.citizen = $1 ORDER BY b.id"
)
SCORE_HISTORY = (
    "SELECT points, grade, previous_points, previous_grade, rules_version, reason, as_of, at"
    " FROM score_history WHERE citizen = $1 ORDER BY at, id"
)
CARD = (
    "SELECT points, grade, rules_version, clean_years_flag, as_of, next_change_on, percentile,"
    " red_list, assessed_at FROM credit_card WHERE citizen = $1"
)
CREDIT_REPORTS = (
    "SELECT number, made_at, expires_at, fingerprint FROM credit_report WHERE citizen = $1"
    " ORDER BY made_at"
)
LISTS = (
    "SELECT id, list, status, record, proposed_on, published_from, published_until, ended_on,"
    " end_cause FROM list_entry WHERE citizen = $1 ORDER BY id"
)
MEASURES = (
    "SELECT m.measure, c.name AS body, m.status, m.in_force, m.triggered_on, m.applied_on,"
    " m.lifted_on FROM measure_enforcement m JOIN api_client c ON c.id = m.client"
    " WHERE m.citizen = $1 ORDER BY m.id"
)
QUIZZES = (
    "SELECT quiz_code, learning_version, correct, total, passed, earned_badge, badge_zh,"
    " badge_en, business_date, at FROM quiz_attempt WHERE citizen = $1 ORDER BY at, id"
)
DATA_EXPORTS = (
    "SELECT id, status, created_at, ready_at, expires_at FROM data_export WHERE citizen = $1"
    " ORDER BY id"
)


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


async def rows(conn: Connection, select: str, *args: object) -> list[dict[str, Any]]:
    """The rows of ``select`` as JSON objects with camelCase keys, in the statement's order."""
    text = await conn.fetchval(_AS_JSON.format(select), *args)
    found: list[dict[str, Any]] = msgspec.json.decode(text)
    return [{_camel(key): value for key, value in row.items()} for row in found]


async def one(conn: Connection, select: str, *args: object) -> dict[str, Any] | None:
    found = await rows(conn, select, *args)
    return found[0] if found else None


class Person(msgspec.Struct, frozen=True):
    name: str
    id_number_encrypted: bytes
    account: int | None


async def person(conn: Connection, citizen: int) -> Person | None:
    row = await conn.fetchrow(
        "SELECT c.name, c.id_number_encrypted, a.id AS account FROM citizen c"
        " LEFT JOIN citizen_account a ON a.citizen = c.id WHERE c.id = $1",
        citizen,
    )
    if row is None:
        return None
    return Person(row["name"], bytes(row["id_number_encrypted"]), row["account"])


async def report_ids(conn: Connection, tokens: list[str]) -> list[int]:
    found = await conn.fetch(
        "SELECT id FROM report WHERE reporter_token = ANY($1::text[]) ORDER BY id", tokens
    )
    return [r["id"] for r in found]


# --- the exports ------------------------------------------------------------------------------


class Export(msgspec.Struct, frozen=True, kw_only=True):
    citizen: int
    id: int
    status: str
    created_at: dt.datetime
    ready_at: dt.datetime | None
    expires_at: dt.datetime | None
    json_sha256: str | None
    pdf_sha256: str | None
    json_bytes: int | None
    pdf_bytes: int | None


_EXPORT = (
    "SELECT citizen, id, status, created_at, ready_at, expires_at, json_sha256, pdf_sha256,"
    " json_bytes, pdf_bytes FROM data_export"
)


def _export(row: Any) -> Export:
    return Export(**dict(row))


async def open_export(conn: Connection, citizen: int, at: dt.datetime) -> int | None:
    """A new pending export's id, or None when one is already in progress (the partial unique
    index holds one pending export per citizen, also against two requests racing)."""
    found: int | None = await conn.fetchval(
        "INSERT INTO data_export (citizen, created_at) VALUES ($1, $2)"
        " ON CONFLICT (citizen) WHERE status = 'pending' DO NOTHING RETURNING id",
        citizen,
        at,
    )
    return found


async def pending_export(conn: Connection, citizen: int) -> Export | None:
    row = await conn.fetchrow(f"{_EXPORT} WHERE citizen = $1 AND status = 'pending'", citizen)
    return None if row is None else _export(row)


async def export(conn: Connection, citizen: int, export_id: int) -> Export | None:
    row = await conn.fetchrow(f"{_EXPORT} WHERE citizen = $1 AND id = $2", citizen, export_id)
    return None if row is None else _export(row)


class Made(msgspec.Struct, frozen=True, kw_only=True):
    json_sha256: str
    pdf_sha256: str
    json_bytes: int
    pdf_bytes: int
    ready_at: dt.datetime
    expires_at: dt.datetime


async def mark_ready(conn: Connection, citizen: int, export_id: int, made: Made) -> bool:
    """False when the export is no longer pending (gone with a cancelled account)."""
    status = await conn.execute(
        "UPDATE data_export SET status = 'ready', ready_at = $3, expires_at = $4,"
        " json_sha256 = $5, pdf_sha256 = $6, json_bytes = $7, pdf_bytes = $8"
        " WHERE citizen = $1 AND id = $2 AND status = 'pending'",
        citizen,
        export_id,
        made.ready_at,
        made.expires_at,
        made.json_sha256,
        made.pdf_sha256,
        made.json_bytes,
        made.pdf_bytes,
    )
    return affected(status) == 1


async def mark_failed(conn: Connection, citizen: int, export_id: int, failure: str) -> None:
    await conn.execute(
        "UPDATE data_export SET status = 'failed', failure = $3"
        " WHERE citizen = $1 AND id = $2 AND status = 'pending'",
        citizen,
        export_id,
        failure[:1000],
    )


async def due_to_expire(conn: Connection, now: dt.datetime, limit: int) -> list[Export]:
    found = await conn.fetch(
        f"{_EXPORT} WHERE status = 'ready' AND expires_at <= $1 ORDER BY expires_at LIMIT $2",
        now,
        limit,
    )
    return [_export(r) for r in found]


async def mark_expired(conn: Connection, citizen: int, export_id: int) -> bool:
    status = await conn.execute(
        "UPDATE data_export SET status = 'expired' WHERE citizen = $1 AND id = $2"
        " AND status = 'ready'",
        citizen,
        export_id,
    )
    return affected(status) == 1


async def stale_pending(conn: Connection, before: dt.datetime) -> list[Export]:
    """Exports still pending long after they were asked for (their job was lost)."""
    found = await conn.fetch(
        f"{_EXPORT} WHERE status = 'pending' AND created_at < $1 ORDER BY created_at LIMIT 500",
        before,
    )
    return [_export(r) for r in found]


# --- the cancellation -------------------------------------------------------------------------


class Account(msgspec.Struct, frozen=True):
    id: int
    citizen: int


async def account_held(conn: Connection, account_id: int, citizen: int) -> bool:
    """Whether the citizen's account still exists, holding it (FOR SHARE) until commit against a
    cancellation, which takes it FOR UPDATE."""
    found = await conn.fetchval(
        "SELECT 1 FROM citizen_account WHERE id = $1 AND citizen = $2 FOR SHARE",
        account_id,
        citizen,
    )
    return found is not None


async def account_for_update(conn: Connection, account_id: int) -> Account | None:
    row = await conn.fetchrow(
        "SELECT id, citizen FROM citizen_account WHERE id = $1 FOR UPDATE", account_id
    )
    return None if row is None else Account(row["id"], row["citizen"])


async def revoke_sessions(conn: Connection, account_id: int) -> list[str]:
    """Revoke every refresh token of the account's sessions (as sign-out does one session's:
    ``backend.identity.store.revoke_token_family``); the families, to list them as signed out.
    Identity has no statement for all of one subject's sessions, hence this one here."""
    found = await conn.fetch(
        "UPDATE refresh_token SET revoked_at = now() WHERE subject_kind = 'citizen'"
        " AND subject_id = $1 AND revoked_at IS NULL RETURNING family_id",
        account_id,
    )
    return sorted({r["family_id"] for r in found})


async def export_keys(conn: Connection, citizen: int) -> list[str]:
    """The storage keys of the citizen's export files, to delete once their rows are gone."""
    found = await conn.fetch(
        "SELECT json_sha256, pdf_sha256 FROM data_export WHERE citizen = $1", citizen
    )
    return [key for r in found for key in (r["json_sha256"], r["pdf_sha256"]) if key]


# What a cancellation removes, in an order the foreign keys allow: (kind, statement). The kinds
# are the response's and the audit entry's names; every statement takes the citizen as $1.
REMOVALS: list[tuple[str, str]] = [
    ("pushDeliveries", "DELETE FROM push_delivery WHERE citizen = $1"),
    ("devices", "DELETE FROM push_device WHERE citizen = $1"),
    ("notifications", "DELETE FROM notification WHERE citizen = $1"),
    ("notificationPreferences", "DELETE FROM notification_preference WHERE citizen = $1"),
    ("verificationCodes", "DELETE FROM verification WHERE citizen = $1 AND live"),
    # A past merchant check stays (the merchant's record; the look is in the query log) but
    # loses its link to the consent removed next.
    (
        "consentLinks",
        "UPDATE verification SET consent = NULL WHERE citizen = $1 AND consent IS NOT NULL",
    ),
    ("consents", "DELETE FROM consent WHERE citizen = $1"),
    ("noticeAcceptances", "DELETE FROM notice_acceptance WHERE citizen = $1"),
    (
        "reportAuthorisations",
        "UPDATE report_authorisation SET revoked_at = now() WHERE citizen = $1"
        " AND revoked_at IS NULL AND used_at IS NULL",
    ),
    ("dataExports", "DELETE FROM data_export WHERE citizen = $1"),
    ("account", "DELETE FROM citizen_account WHERE citizen = $1"),
]


async def remove(conn: Connection, citizen: int) -> dict[str, int]:
    """Run :data:`REMOVALS`; how many rows each touched."""
    counts: dict[str, int] = {}
    for kind, statement in REMOVALS:
        counts[kind] = affected(await conn.execute(statement, citizen))
    return counts
