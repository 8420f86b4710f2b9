"""Webhook delivery of triggers and lifts to the enforcing bodies: signed (HMAC-SHA256 over the
timestamp and the body, so a captured request cannot be replayed later), in event-id order per
body, retried with backoff until the body answers 2xx. At least once: a worker killed after
sending and before recording it sends again, with the same event id for the body to dedupe on.

A body's events wait behind its oldest undelivered one, so a body sees them in order (per
citizen and measure too)."""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Mapping
from typing import Any

import httpx
import msgspec

from backend.enforcement import store
from backend.enforcement.payloads import event_body
from backend.enforcement.store import EventRow, Webhook
from backend.identity.rotation import Rewrite
from backend.identity.rotation import register as register_rewrite
from backend.platform import runtime
from backend.platform.crypto import seal, unseal
from backend.platform.crypto import timestamped_signature as signature
from backend.platform.database import connection, session_connection
from backend.platform.keyring import Keyring

log = logging.getLogger("backend.enforcement.delivery")
SIGNATURE = "X-CCC-Signature"
EVENT_ID = "X-CCC-Event-Id"
BATCH = 200
MAX_BACKOFF = 3600.0
TIMEOUT = httpx.Timeout(10.0, connect=5.0)


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def _keys() -> Keyring:
    return runtime.current().settings.keyrings.id_encryption


def webhook_bound(client: int) -> bytes:
    """What binds a sealed webhook secret to its body (associated data)."""
    return f"webhook:{client}".encode()


def seal_secret(secret: str, client: int) -> bytes:
    return seal(_keys(), secret, webhook_bound(client))


def _secret(hook: Webhook) -> str:
    return unseal(_keys(), hook.secret_sealed, webhook_bound(hook.client))


def _remake(row: Mapping[str, Any]) -> dict[str, Any]:
    """A webhook secret sealed under the current key (``rotate-keys``)."""
    bound = webhook_bound(row["client"])
    return {
        "secret_sealed": seal(_keys(), unseal(_keys(), bytes(row["secret_sealed"]), bound), bound)
    }


register_rewrite(
    Rewrite(
        table="enforcer_webhook",
        key="client",
        sealed=("secret_sealed",),
        indexed=(),
        read=("secret_sealed",),
        remake=_remake,
    )
)


def _body(row: EventRow) -> bytes:
    return msgspec.json.encode(
        {
            "id": row.id,
            "action": row.action,
            "createdAt": row.created_at,
            "payload": event_body(row),
        }
    )


def backoff(attempts: int) -> float:
    """Seconds before the next try after ``attempts`` failures: 2, 4, 8, … up to an hour."""
    return min(2.0 ** max(attempts, 1), MAX_BACKOFF)


async def deliver_all() -> dict[str, int]:
    """One pass over every body with undelivered events and a webhook."""
    async with connection() as conn:
        hooks = await store.webhooks(conn)
    sent = failed = 0
    async with httpx.AsyncClient(timeout=TIMEOUT) as http:
        for hook in hooks:
            ok, bad = await _deliver(http, hook)
            sent, failed = sent + ok, failed + bad
    return {"delivered": sent, "failed": failed}


async def _deliver(http: httpx.AsyncClient, hook: Webhook) -> tuple[int, int]:
    """The body's events in order until one fails or must wait; one sender per body at a time
    (a session advisory lock), so two workers never interleave one body's events."""
    async with session_connection() as lock:
        if not await lock.fetchval(
            "SELECT pg_try_advisory_lock(hashtext('measure-hook:' || $1::bigint::text))",
            hook.client,
        ):
            return 0, 0
        try:
            return await _send_in_order(http, hook)
        finally:
            await lock.execute(
                "SELECT pg_advisory_unlock(hashtext('measure-hook:' || $1::bigint::text))",
                hook.client,
            )


async def _send_in_order(http: httpx.AsyncClient, hook: Webhook) -> tuple[int, int]:
    """Batches of the body's events, oldest first, until none is left or one fails or waits."""
    secret = _secret(hook)
    sent = 0
    while True:
        async with connection() as conn:
            events = await store.pending(conn, hook.client, BATCH)
        if not events:
            return sent, 0
        now = time.time()
        for row in events:
            if row.next_attempt_at is not None and row.next_attempt_at.timestamp() > now:
                return sent, 0  # backing off: the rest wait behind it
            error = await _post(http, hook.url, secret, row)
            async with connection() as conn:
                if error is not None:
                    retry_in = backoff(row.attempts + 1)
                    await store.failed(conn, row.id, error=error, retry_in=retry_in)
                    log.info("measure event %s to client %s failed: %s", row.id, hook.client, error)
                    return sent, 1
                await store.delivered(conn, row.id)
            sent += 1


async def _post(http: httpx.AsyncClient, url: str, secret: str, row: EventRow) -> str | None:
    body = _body(row)
    headers = {
        "Content-Type": "application/json",
        SIGNATURE: signature(secret, body, int(time.time())),
        EVENT_ID: str(row.id),
    }
    try:
        response = await http.post(url, content=body, headers=headers)
    except httpx.HTTPError as exc:
        return f"{type(exc).__name__}: {exc}"
    if 200 <= response.status_code < 300:
        return None
    return f"HTTP {response.status_code}"
