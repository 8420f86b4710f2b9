"""The citizen's copy of their data (asked for, made by a job, downloaded by links that expire,
deleted after 7 days) and the cancellation of their account. Every step is audited."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import logging
from collections.abc import AsyncIterator

from redis.exceptions import RedisError

from backend.creditreport.fonts import static_font
from backend.identity.principals import CitizenPrincipal
from backend.identity.service import revoked_session_key
from backend.platform import runtime
from backend.platform.audit import SYSTEM, Actor, write_audit
from backend.platform.database import connection, transaction
from backend.platform.errors import NotFound, ProblemError
from backend.platform.language import say
from backend.platform.redis import namespaced
from backend.platform.rows import BIGINT_MAX, Connection
from backend.platform.storage import BlobStorage, local_storage
from backend.privacy import export_pdf, exports, links, store
from backend.privacy.schemas import DataExportOut, Downloads

log = logging.getLogger("backend.privacy")

KEEP_DAYS = 7  # the files are deleted this long after they are ready
STALE_MINUTES = 15  # a pending export this old lost its job: it is asked for again


class Gone(ProblemError):
    status, code, title = 410, "gone", "Gone"


def export_storage() -> BlobStorage:
    """The exports' own directory (content-addressed like evidence, but deletable: an export's
    files go when it expires or the account is cancelled)."""
    return local_storage(str(runtime.current().settings.var_path / "data-exports"))


def location(export_id: int) -> str:
    return f"/v1/me/data-exports/{export_id}"


def _not_found(export_id: int) -> NotFound:
    return NotFound(say(f"没有编号为 {export_id} 的数据副本", f"no data export {export_id}"))


# --- asking for a copy --------------------------------------------------------------------------


async def request_export(citizen: int, account_id: int) -> tuple[store.Export, bool]:
    """The new pending export (True), or the one already in progress (False): one at a time.
    The account is held (FOR SHARE) so a cancellation running alongside either finds this
    export and deletes it, or goes first and this answers 404."""
    now = runtime.clock().now()
    async with transaction() as conn:
        if not await store.account_held(conn, account_id, citizen):
            raise NotFound(say("账户不存在", "account not found"))
        export_id = await store.open_export(conn, citizen, now)
        if export_id is not None:
            await write_audit(
                conn,
                Actor("citizen", str(citizen)),
                "data-export.request",
                "data_export",
                export_id,
            )
            found = await store.export(conn, citizen, export_id)
        else:
            found = await store.pending_export(conn, citizen)
    if found is None:  # the one in progress finished between the two statements
        return await request_export(citizen, account_id)
    return found, export_id is not None


def _shown(found: store.Export, now: dt.datetime) -> DataExportOut:
    expired = found.expires_at is not None and found.expires_at <= now
    status = "expired" if found.status == "ready" and expired else found.status
    downloads = None
    if status == "ready" and found.expires_at is not None:
        until = min(now + dt.timedelta(hours=links.LINK_HOURS), found.expires_at)
        downloads = Downloads(
            json_url=links.url(found.citizen, found.id, "json", until),
            pdf_url=links.url(found.citizen, found.id, "pdf", until),
            expires_at=until.replace(microsecond=0),
        )
    return DataExportOut(
        id=found.id,
        status=status,  # type: ignore[arg-type]  # the table's CHECK holds the statuses
        created_at=found.created_at,
        ready_at=found.ready_at,
        expires_at=found.expires_at,
        json_bytes=found.json_bytes if downloads else None,
        pdf_bytes=found.pdf_bytes if downloads else None,
        downloads=downloads,
    )


def shown(found: store.Export) -> DataExportOut:
    return _shown(found, runtime.clock().now())


async def _export(conn: Connection, citizen: int, export_id: int) -> store.Export | None:
    """The citizen's export; None for another's, an unknown id, or one no BIGINT can hold."""
    if not 1 <= export_id <= BIGINT_MAX:
        return None
    return await store.export(conn, citizen, export_id)


async def status(citizen: int, export_id: int) -> DataExportOut:
    async with connection() as conn:
        found = await _export(conn, citizen, export_id)
    if found is None:
        raise _not_found(export_id)
    return shown(found)


async def download(citizen: int, export_id: int, kind: links.FileKind, token: str) -> bytes:
    """The file's content: 404 for an export not the citizen's or a link not made for
    this file, 410 for a link or an export past its time. Each download is audited."""
    async with connection() as conn:
        found = await _export(conn, citizen, export_id)
    until = links.valid_until(citizen, export_id, kind, token)
    if found is None or until is None:
        raise _not_found(export_id)
    now = runtime.clock().now()
    digest = found.json_sha256 if kind == "json" else found.pdf_sha256
    gone = found.status != "ready" or found.expires_at is None or found.expires_at <= now
    if until <= now or gone or digest is None:
        raise Gone(
            say("下载链接已过期，请重新获取", "the download link has expired; ask for a new one"),
            code="download-expired",
        )
    async with transaction() as conn:
        await write_audit(
            conn,
            Actor("citizen", str(citizen)),
            f"data-export.download-{kind}",
            "data_export",
            export_id,
        )
    # small files (a citizen's data, not their evidence), read whole
    return b"".join([chunk async for chunk in export_storage().read(digest)])


# --- making it (the job) ------------------------------------------------------------------------


async def _put(content: bytes) -> str:
    digest = hashlib.sha256(content).hexdigest()

    async def chunks() -> AsyncIterator[bytes]:
        yield content

    await export_storage().put(digest, chunks())
    return digest


async def delete_files(keys: list[str]) -> None:
    storage = export_storage()
    for key in keys:
        await storage.delete(key)


async def build(citizen: int, export_id: int) -> bool:
    """Make the files of a pending export and mark it ready (False when it is no longer
    pending: made already, or gone with a cancelled account)."""
    now = runtime.clock().now().replace(microsecond=0)
    document = await exports.gather(citizen, export_id, now)
    content = exports.as_json(document)
    font = await asyncio.to_thread(static_font, runtime.current().settings.var_dir)
    pdf = await asyncio.to_thread(export_pdf.render, document, exports.SECTIONS, font)
    written: list[str] = []
    try:
        written.append(await _put(content))
        written.append(await _put(pdf))
        made = store.Made(
            json_sha256=written[0],
            pdf_sha256=written[1],
            json_bytes=len(content),
            pdf_bytes=len(pdf),
            ready_at=now,
            expires_at=now + dt.timedelta(days=KEEP_DAYS),
        )
        async with transaction() as conn:
            ready = await store.mark_ready(conn, citizen, export_id, made)
            if ready:
                await write_audit(conn, SYSTEM, "data-export.ready", "data_export", export_id)
    except BaseException:
        # No row points at files written by a build that failed (or timed out): nothing
        # would ever delete them, a whole copy of someone's data. Deleting is safe to repeat.
        await delete_files(written)
        raise
    if not ready:
        await delete_files(written)
    return ready


async def fail(citizen: int, export_id: int, failure: str) -> None:
    async with transaction() as conn:
        await store.mark_failed(conn, citizen, export_id, failure)
        await write_audit(
            conn, SYSTEM, "data-export.fail", "data_export", export_id, after={"failure": failure}
        )


async def expire_due(limit: int = 500) -> int:
    """Delete the files of the exports past their date and mark them expired."""
    async with connection() as conn:
        due = await store.due_to_expire(conn, runtime.clock().now(), limit)
    for found in due:
        async with transaction() as conn:
            if not await store.mark_expired(conn, found.citizen, found.id):
                continue
            await write_audit(conn, SYSTEM, "data-export.expire", "data_export", found.id)
            # Before the commit: should it fail, the export stays ready and the next run
            # deletes again (safe to repeat); after it, a failure would leave the files for good.
            await delete_files([k for k in (found.json_sha256, found.pdf_sha256) if k])
    return len(due)


async def stale_exports() -> list[store.Export]:
    before = runtime.clock().now() - dt.timedelta(minutes=STALE_MINUTES)
    async with connection() as conn:
        return await store.stale_pending(conn, before)


# --- cancelling the account ---------------------------------------------------------------------


async def _list_signed_out(families: list[str]) -> None:
    """List the sessions as signed out until their access tokens expire (as sign-out does)."""
    rt = runtime.current()
    lifetime = rt.settings.access_token_minutes * 60 + 60
    if not families:
        return
    async with rt.redis.pipeline(transaction=False) as pipe:
        for family in families:
            pipe.set(revoked_session_key(rt.settings, family), b"1", ex=lifetime)
        await pipe.execute()


async def _forget_idempotency(citizen: int) -> int:
    """The responses kept for the citizen's ``Idempotency-Key``s (Redis, keyed by principal)."""
    rt = runtime.current()
    pattern = namespaced(rt.settings.redis_namespace, "idem", f"citizen:{citizen}", "*")
    try:
        keys = [key async for key in rt.redis.scan_iter(match=pattern, count=500)]
        if keys:
            await rt.redis.delete(*keys)
    except (RedisError, OSError):
        # The account is gone already; the keys expire with their retention anyway.
        log.warning("Redis unavailable: the cancelled citizen's idempotency keys were kept")
        return 0
    return len(keys)


async def cancel(principal: CitizenPrincipal) -> tuple[dt.datetime, dict[str, int]]:
    """Remove the account and what belongs to it alone, in one transaction; keep the citizen
    and the government's credit data. The sessions are listed as signed out in Redis before the
    commit: if Redis is away, nothing is removed (503) rather than sessions left alive."""
    citizen = principal.citizen_id
    async with transaction() as conn:
        account = await store.account_for_update(conn, principal.account_id)
        if account is None or account.citizen != citizen:
            raise NotFound(say("账户不存在", "account not found"))
        families = await store.revoke_sessions(conn, account.id)
        files = await store.export_keys(conn, citizen)
        counts = await store.remove(conn, citizen)
        counts["sessions"] = len(families)
        await write_audit(
            conn,
            principal.actor,
            "account.cancel",
            "citizen_account",
            account.id,
            before={"removed": counts},
        )
        await _list_signed_out(sorted({*families, principal.session_id}))
        cancelled_at = runtime.clock().now().replace(microsecond=0)
    try:
        await delete_files(files)
    except OSError:
        # The account is gone (committed); the files are found again by nothing, so say so.
        log.exception("cancelled citizen %s: export files not deleted: %s", citizen, files)
    counts["idempotencyRecords"] = await _forget_idempotency(citizen)
    log.info("account %s of citizen %s cancelled", account.id, citizen)
    return cancelled_at, counts
