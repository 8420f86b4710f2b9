"""Admins set where an enforcing body receives its triggers and lifts; the signing secret is
shown once and kept sealed. In production a webhook is https and never points inside the
network the backend runs in (loopback, private, link-local or reserved addresses), so an admin
account cannot be used to make the backend call its own neighbours."""

from __future__ import annotations

import asyncio
import ipaddress
from urllib.parse import urlsplit

from backend.enforcement import store
from backend.enforcement.delivery import new_secret, seal_secret
from backend.enforcement.schemas import WebhookOut
from backend.identity.principals import OfficerPrincipal
from backend.platform import runtime
from backend.platform.audit import write_audit
from backend.platform.database import transaction
from backend.platform.errors import InvalidInput, NotFound
from backend.platform.language import say
from backend.platform.rows import BIGINT_MAX


def _missing(client_id: int) -> NotFound:
    return NotFound(
        say(f"没有这个报送单位客户端：{client_id}", f"no department client {client_id}"),
        code="api-client-not-found",
    )


def _internal(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    return (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_reserved
        or (ip.is_multicast or ip.is_unspecified)
    )


async def check_url(url: str, *, production: bool) -> None:
    """422 on ``url`` for a webhook production must not call."""
    if not production:
        return  # development and tests deliver to local receivers
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme != "https" or not host:
        raise _refused("生产环境的回调地址须为 https", "a webhook must be https in production")
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, parts.port or 443)
    except OSError:
        raise _refused("回调地址的主机名无法解析", "the webhook's host does not resolve") from None
    if any(_internal(str(info[4][0])) for info in infos):
        raise _refused(
            "回调地址不能指向内部网络地址", "a webhook may not point at an internal address"
        )


def _refused(zh: str, en: str) -> InvalidInput:
    return InvalidInput(say(zh, en), field="url", code="webhook-url-not-allowed")


async def set_hook(client_id: int, url: str, by: OfficerPrincipal) -> WebhookOut:
    await check_url(url, production=runtime.current().settings.env == "production")
    secret = new_secret()
    async with transaction() as conn:
        if not (1 <= client_id <= BIGINT_MAX and await store.client_exists(conn, client_id)):
            raise _missing(client_id)
        await store.set_webhook(conn, client_id, url, seal_secret(secret, client_id))
        await write_audit(
            conn, by.actor, "webhook.set", "api_client", client_id, after={"url": url}
        )
    return WebhookOut(url=url, secret=secret)


async def remove_hook(client_id: int, by: OfficerPrincipal) -> None:
    async with transaction() as conn:
        if not (1 <= client_id <= BIGINT_MAX and await store.drop_webhook(conn, client_id)):
            raise _missing(client_id)
        await write_audit(conn, by.actor, "webhook.remove", "api_client", client_id)
