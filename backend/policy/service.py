"""Policy versions the office publishes (maker-checker, 双人复核): an officer drafts a version
of any kind of content, checked by the same validation as start-up; an admin other than the
drafter publishes it with an effective date that is not in the past, or the drafter (or an
admin) withdraws it. Every step is in the audit log with before/after summaries.

Publishing stores the version in ``content_version`` and announces it; every process reloads it
within seconds (the content system's propagation). A rules version re-scores everyone still on
an older version on its effective date through the nightly re-score; a catalog version applies
to records reported from its effective date (a record keeps the points of the catalog version it
was reported under, so a change is never retroactive).
"""

from __future__ import annotations

import datetime as dt

import asyncpg

from backend.content import store as content_store
from backend.content.live import live_content
from backend.content.service import announce, check_kind, validate_version
from backend.identity.principals import OfficerPrincipal
from backend.platform import runtime
from backend.platform.audit import write_audit
from backend.platform.calendar import today_in_shanghai
from backend.platform.database import connection, transaction
from backend.platform.errors import Conflict, Forbidden, InvalidInput, NotFound
from backend.platform.language import say
from backend.platform.pagination import Page, check_limit, decode_cursor, page_of
from backend.platform.rows import Connection
from backend.policy import store
from backend.policy.diff import diff
from backend.policy.schemas import (
    ChangeOut,
    DiffOut,
    DraftDetail,
    DraftOut,
    DraftStatus,
    KindOut,
    VersionDetail,
    VersionOut,
)
from backend.policy.store import DraftRow, StoredRow


def _version_out(row: StoredRow, in_force: StoredRow | None) -> VersionOut:
    return VersionOut(
        kind=row.kind,
        version=row.version,
        effective_from=row.effective_from,
        sha256=row.sha256,
        published_by=row.published_by,
        in_force=in_force is not None and in_force.version == row.version,
    )


def _in_force(rows: list[StoredRow]) -> StoredRow | None:
    today = today_in_shanghai()
    return next((r for r in rows if r.effective_from <= today), None)  # newest first


async def _stored(conn: Connection, kind: str) -> list[StoredRow]:
    check_kind(kind)
    return await store.stored_versions(conn, kind)


# --- reading ------------------------------------------------------------------------------------


async def kinds() -> list[KindOut]:
    """Every kind of content, in the order the content system declares them."""
    async with connection() as conn:
        waiting = await store.open_drafts(conn)
        found = []
        for kind in live_content().kinds:
            rows = await store.stored_versions(conn, kind)
            current = _in_force(rows)
            found.append(
                KindOut(
                    kind=kind,
                    in_force=_version_out(current, current) if current else None,
                    latest=_version_out(rows[0], current) if rows else None,
                    open_drafts=waiting.get(kind, 0),
                )
            )
    return found


async def versions(kind: str) -> list[VersionOut]:
    async with connection() as conn:
        rows = await _stored(conn, kind)
    current = _in_force(rows)
    return [_version_out(row, current) for row in rows]


async def version(kind: str, name: str) -> VersionDetail:
    async with connection() as conn:
        rows = await _stored(conn, kind)
    found = next((r for r in rows if r.version == name), None)
    if found is None:
        raise NotFound(
            say(f"找不到{kind}版本 {name}", f"no {kind} version {name}"),
            code="content-version-not-found",
        )
    return VersionDetail(version=_version_out(found, _in_force(rows)), body=found.body)


async def check(kind: str, body: str) -> DiffOut:
    """Validate ``body`` as a new version of ``kind`` and say what it changes; nothing stored."""
    validate_version(kind, body)
    async with connection() as conn:
        return _diff(kind, await store.stored_versions(conn, kind), body)


def _diff(kind: str, rows: list[StoredRow], body: str) -> DiffOut:
    current = _in_force(rows)
    header = live_content().kinds[kind].header
    changes = diff(current.body if current else None, body, header=header)
    return DiffOut(
        against=current.version if current else None,
        entries_changed=list(dict.fromkeys(c.entry for c in changes)),
        changes=[
            ChangeOut(path=c.path, entry=c.entry, change=c.change, before=c.before, after=c.after)
            for c in changes
        ],
    )


def _draft_out(row: DraftRow) -> DraftOut:
    return DraftOut(
        id=row.id,
        kind=row.kind,
        version=row.version,
        effective_from=row.effective_from,
        status=_status(row.status),
        drafted_by=row.drafter,
        drafted_at=row.drafted_at,
        decided_by=row.decider,
        decided_at=row.decided_at,
        reason=row.reason,
    )


def _status(value: str) -> DraftStatus:
    # The table's CHECK constraint holds only these three.
    return "published" if value == "published" else "withdrawn" if value == "withdrawn" else "draft"


async def drafts(
    kind: str | None, status: DraftStatus | None, cursor: str | None, limit: int
) -> Page[DraftOut]:
    check_limit(limit)
    if kind is not None:
        check_kind(kind)
    before = decode_cursor(cursor, tuple[int])[0] if cursor else None
    async with connection() as conn:
        rows = await store.drafts(conn, kind=kind, status=status, before_id=before, limit=limit + 1)
    return page_of([_draft_out(r) for r in rows], limit, lambda d: (d.id,))


async def draft(draft_id: int) -> DraftDetail:
    async with connection() as conn:
        row = await _existing(conn, draft_id)
        rows = await store.stored_versions(conn, row.kind)
    return DraftDetail(draft=_draft_out(row), body=row.body, diff=_diff(row.kind, rows, row.body))


async def _existing(conn: Connection, draft_id: int, *, lock: bool = False) -> DraftRow:
    row = await store.draft(conn, draft_id, lock=lock) if 1 <= draft_id <= 2**63 - 1 else None
    if row is None:
        raise NotFound(
            say(f"找不到草稿（编号 {draft_id}）", f"no draft {draft_id}"), code="draft-not-found"
        )
    return row


# --- drafting, publishing, withdrawing ----------------------------------------------------------


def _refuse_past(effective_from: dt.date) -> None:
    today = today_in_shanghai()
    if effective_from < today:
        day = effective_from.isoformat()
        raise InvalidInput(
            say(
                f"生效日期 {day} 早于今天（{today.isoformat()}）：版本只能从今天或以后生效",
                f"effective date {day} is before today ({today.isoformat()}): a version can only"
                " take effect today or later",
            ),
            field="effectiveFrom",
            code="effective-date-past",
        )


async def create_draft(kind: str, body: str, by: OfficerPrincipal) -> DraftDetail:
    """Store a draft once it validates and takes effect today or later; audited."""
    candidate = validate_version(kind, body)
    _refuse_past(candidate.effective_from)
    sha256 = content_store.digest(body)
    async with transaction() as conn:
        draft_id = await store.insert_draft(
            conn,
            kind=kind,
            version=candidate.version,
            effective_from=candidate.effective_from,
            body=body,
            sha256=sha256,
            drafted_by=by.officer_id,
            drafted_at=runtime.clock().now(),
        )
        after = {
            "kind": kind,
            "version": candidate.version,
            "effectiveFrom": candidate.effective_from.isoformat(),
            "sha256": sha256,
            "status": "draft",
        }
        await write_audit(conn, by.actor, "content.draft", "content_draft", draft_id, after=after)
    return await draft(draft_id)


def _refuse_unless_open(row: DraftRow) -> None:
    if row.status != "draft":
        raise Conflict(
            say(f"草稿（编号 {row.id}）已{_said(row.status)}", f"draft {row.id} is {row.status}"),
            code="draft-closed",
        )


def _said(status: str) -> str:
    return {"published": "发布", "withdrawn": "撤回"}.get(status, status)


async def publish(draft_id: int, reason: str, by: OfficerPrincipal) -> DraftOut:
    """Publish a draft: an admin who did not draft it (maker-checker), an effective date not in
    the past, and the text validating against what is in force now. Audited; announced to
    every process once committed."""
    if "admin" not in by.roles:
        raise Forbidden(
            say("发布版本需要管理员角色", "publishing a version needs the admin role"),
            code="admin-only",
        )
    async with transaction() as conn:
        row = await _existing(conn, draft_id, lock=True)
        _refuse_unless_open(row)
        if row.drafted_by == by.officer_id:
            raise Forbidden(
                say(
                    "起草人不能发布自己起草的版本：请由另一位管理员复核发布",
                    "the officer who drafted a version cannot publish it: another admin"
                    " reviews and publishes it",
                ),
                code="maker-checker",
            )
        _refuse_past(row.effective_from)
        candidate = validate_version(row.kind, row.body)
        now = runtime.clock().now()
        try:
            inserted = await content_store.insert_version(
                candidate, published_by=by.username, imported_at=now
            )
        except asyncpg.UniqueViolationError:  # another version took the date meanwhile
            inserted = False
        if not inserted:
            raise Conflict(
                say(
                    f"{row.kind}版本 {row.version} 或同一生效日期的版本已存在",
                    f"a {row.kind} version named {row.version} or taking effect that day exists",
                ),
                code="content-version-exists",
            )
        await store.decide(
            conn, draft_id, status="published", by=by.officer_id, at=now, reason=reason
        )
        await write_audit(
            conn,
            by.actor,
            "content.publish",
            "content_draft",
            draft_id,
            before={"status": "draft"},
            after={
                "status": "published",
                "kind": row.kind,
                "version": row.version,
                "effectiveFrom": row.effective_from.isoformat(),
                "reason": reason,
            },
        )
    await announce(row.kind)
    return _draft_out(await _reread(draft_id))


async def withdraw(draft_id: int, reason: str, by: OfficerPrincipal) -> DraftOut:
    """Withdraw a draft: its drafter, or an admin. Audited."""
    async with transaction() as conn:
        row = await _existing(conn, draft_id, lock=True)
        _refuse_unless_open(row)
        if row.drafted_by != by.officer_id and "admin" not in by.roles:
            raise Forbidden(
                say(
                    "只有起草人或管理员可以撤回草稿",
                    "only the drafter or an admin may withdraw a draft",
                ),
                code="not-drafter",
            )
        now = runtime.clock().now()
        await store.decide(
            conn, draft_id, status="withdrawn", by=by.officer_id, at=now, reason=reason
        )
        await write_audit(
            conn,
            by.actor,
            "content.withdraw",
            "content_draft",
            draft_id,
            before={"status": "draft"},
            after={"status": "withdrawn", "reason": reason},
        )
    return _draft_out(await _reread(draft_id))


async def _reread(draft_id: int) -> DraftRow:
    async with connection() as conn:
        return await _existing(conn, draft_id)
