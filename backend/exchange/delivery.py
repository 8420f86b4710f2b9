"""Pushing the outbox to the provincial platform: the oldest unanswered events in id order, one
signed POST per batch (HMAC-SHA256 over "<unix seconds>.<body>", as the measures' webhooks, so a
captured batch cannot be replayed later), and the platform's answer kept per item: accepted →
acknowledged, rejected → rejected with its reason (never sent again), missing from the answer
(or the whole batch failing: refused, timed out, non-2xx, unreadable) → sent again later with
backoff (2, 4, 8 … seconds, capped).

At least once: a sender killed between sending and recording the answer leaves its events
``sent``; the next pass sends them again with the same event ids, and the platform deduplicates
on them. Resumable without a cursor: every pass starts from the oldest unanswered event. One
sender at a time (a session advisory lock), so batches never interleave; events wait behind the
oldest one while it backs off, so the platform sees them in order."""

from __future__ import annotations

import logging
import time
import uuid
from typing import Any

import httpx
import msgspec

from backend.exchange import store
from backend.exchange.store import OutgoingRow
from backend.identity.service import decrypt_id_number
from backend.platform import runtime
from backend.platform.crypto import timestamped_signature as signature
from backend.platform.database import connection, session_connection, transaction

log = logging.getLogger("backend.exchange.delivery")
SIGNATURE = "X-CCC-Signature"
BATCH_ID = "X-CCC-Batch-Id"
MAX_BACKOFF = 3600.0
LOCK = "SELECT pg_try_advisory_lock(hashtext('provincial-exchange'))"
UNLOCK = "SELECT pg_advisory_unlock(hashtext('provincial-exchange'))"


class ItemAnswer(msgspec.Struct, frozen=True):
    id: int
    status: str  # accepted | rejected (anything else counts as no answer)
    reason: str | None = None


class Answer(msgspec.Struct, frozen=True):
    results: list[ItemAnswer]


class Outcome(msgspec.Struct, kw_only=True):
    batches: int = 0
    acknowledged: int = 0
    rejected: int = 0
    retried: int = 0
    failed_batches: int = 0

    def as_dict(self) -> dict[str, int]:
        return {f: getattr(self, f) for f in self.__struct_fields__}


def _event(row: OutgoingRow) -> dict[str, Any]:
    person = {"name": row.citizen_name, "idNumber": decrypt_id_number(row.id_number_encrypted)}
    return {
        "id": row.id,
        "kind": row.kind,
        "subject": row.subject,
        "createdAt": row.created_at,
        "payload": msgspec.Raw(row.payload.encode()),
        "person": person,
    }


def batch_body(batch_id: str, rows: list[OutgoingRow]) -> bytes:
    return msgspec.json.encode({"batchId": batch_id, "events": [_event(r) for r in rows]})


async def send_pending(
    *,
    endpoint: str | None = None,
    secret: str | None = None,
    batch_size: int | None = None,
    timeout_seconds: float | None = None,
) -> dict[str, int]:
    """Send batches until nothing is left, a batch fails or the oldest event backs off. The
    arguments override the settings (``provincial_*``); an empty endpoint sends nothing."""
    settings = runtime.current().settings
    url = settings.provincial_endpoint if endpoint is None else endpoint
    outcome = Outcome()
    if not url:
        return outcome.as_dict()
    key = settings.provincial_secret if secret is None else secret
    size = batch_size or settings.provincial_batch_size
    seconds = timeout_seconds or settings.provincial_timeout_seconds
    async with session_connection() as lock:
        if not await lock.fetchval(LOCK):
            return outcome.as_dict()  # another sender is at it
        try:
            limits = httpx.Timeout(seconds, connect=min(seconds, 5.0))
            async with httpx.AsyncClient(timeout=limits) as http:
                await _send_batches(http, url, key, size, outcome)
        finally:
            await lock.execute(UNLOCK)
    return outcome.as_dict()


async def _send_batches(
    http: httpx.AsyncClient, url: str, secret: str, size: int, outcome: Outcome
) -> None:
    while True:
        async with connection() as conn:
            rows = await store.unanswered(conn, size)
        if not rows or not rows[0].due:
            return  # all answered, or the oldest backs off and the rest wait behind it
        ids = [r.id for r in rows]
        batch_id = uuid.uuid4().hex
        body = batch_body(batch_id, rows)
        async with connection() as conn:
            await store.mark_sent(conn, ids, batch_id)
        outcome.batches += 1
        answer = await _post(http, url, secret, batch_id, body)
        async with transaction() as conn:
            if isinstance(answer, str):
                await store.retry_later(conn, ids, answer, MAX_BACKOFF)
                outcome.failed_batches += 1
                outcome.retried += len(ids)
                log.info("exchange batch %s (%d events) failed: %s", batch_id, len(ids), answer)
                return
            accepted, rejected, missing = _split(answer, ids)
            if accepted:
                outcome.acknowledged += await store.acknowledge(conn, accepted)
            if rejected:
                outcome.rejected += await store.reject(conn, rejected)
            if missing:
                await store.retry_later(conn, missing, "no answer for the event", MAX_BACKOFF)
                outcome.retried += len(missing)


def _split(answer: Answer, ids: list[int]) -> tuple[list[int], dict[int, str], list[int]]:
    sent = set(ids)
    accepted: dict[int, None] = {}
    rejected: dict[int, str] = {}
    for item in answer.results:
        if item.id not in sent or item.id in rejected or item.id in accepted:
            continue  # not in this batch, or answered twice: the first answer holds
        if item.status == "accepted":
            accepted[item.id] = None
        elif item.status == "rejected":
            rejected[item.id] = item.reason or "rejected without a reason"
    missing = [i for i in ids if i not in accepted and i not in rejected]
    return list(accepted), rejected, missing


async def _post(
    http: httpx.AsyncClient, url: str, secret: str, batch_id: str, body: bytes
) -> Answer | str:
    """The platform's answer, or why there is none."""
    headers = {
        "Content-Type": "application/json",
        SIGNATURE: signature(secret, body, int(time.time())),
        BATCH_ID: batch_id,
    }
    try:
        response = await http.post(url, content=body, headers=headers)
    except httpx.HTTPError as exc:
        return f"{type(exc).__name__}: {exc}"[:500]
    if not 200 <= response.status_code < 300:
        return f"HTTP {response.status_code}"
    try:
        return msgspec.json.decode(response.content, type=Answer)
    except msgspec.DecodeError as exc:
        return f"unreadable answer: {exc}"[:500]
