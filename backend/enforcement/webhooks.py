"""Admins set where an enforcing body receives its triggers and lifts; the signing secret is
shown once and kept sealed."""

from __future__ import annotations

from backend.enforcement import store
from backend.enforcement.delivery import new_secret, seal_secret
from backend.enforcement.schemas import WebhookOut
from backend.identity.principals import OfficerPrincipal
from backend.platform.audit import write_audit
from backend.platform.database import transaction
from backend.platform.errors import NotFound
from backend.platform.language import say

MAX_ID = 2**63 - 1


def _missing(client_id: int) -> NotFound:
    return NotFound(
        say(f"没有这个报送单位客户端：{client_id}", f"no department client {client_id}"),
        code="api-client-not-found",
    )


async def set_hook(client_id: int, url: str, by: OfficerPrincipal) -> WebhookOut:
    secret = new_secret()
    async with transaction() as conn:
        if not (1 <= client_id <= MAX_ID and await store.client_exists(conn, client_id)):
            raise _missing(client_id)
        await store.set_webhook(conn, client_id, url, seal_secret(secret, client_id))
        await write_audit(
            conn, by.actor, "webhook.set", "api_client", client_id, after={"url": url}
        )
    return WebhookOut(url=url, secret=secret)


async def remove_hook(client_id: int, by: OfficerPrincipal) -> None:
    async with transaction() as conn:
        if not (1 <= client_id <= MAX_ID and await store.drop_webhook(conn, client_id)):
            raise _missing(client_id)
        await write_audit(conn, by.actor, "webhook.remove", "api_client", client_id)
