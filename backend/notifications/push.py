"""All push code sits behind one small interface: ``PushSender.send(messages) -> outcomes``.

The Firebase implementation uses firebase-admin's ``send_each_async``. firebase-admin has no public
setting for its endpoint; :func:`point_messaging_at` is the one place that redirects it (settings
``FCM_ENDPOINT``, used by the tests' fake FCM server), and a test fails if an upgrade of
firebase-admin moves the attribute it sets.

We own the retry policy, not firebase-admin: its retry transport (7.x) retries 500/503 without
closing the earlier response, so every retry keeps one pooled connection until the pool of 100
is gone and sending wedges for good. :func:`own_the_retries` gives the messaging service an HTTP
client that never retries; a failed message comes back as ``retry`` with FCM's ``Retry-After``,
and the delivery table re-drives it with backoff until its delivery deadline.

The same client is sized for throughput: ``send_each_async`` sends one request per message, all
at once, and httpx's default pool keeps only 20 of its 100 connections alive between batches, so
over HTTP/1.1 every batch opened and closed 80 connections. The pool holds ``push_in_flight``
connections, all kept alive; over TLS FCM speaks HTTP/2 (negotiated) and the requests share few
connections. ``FCM_H2C`` (tests and benchmarks) speaks HTTP/2 without TLS to a fake FCM.
"""

from __future__ import annotations

import asyncio
import email.utils
import itertools
import logging
import time
import warnings
from collections.abc import Generator
from dataclasses import dataclass
from typing import Any, Literal, Protocol

import firebase_admin
import google.auth.transport.requests
import httpx
from firebase_admin import _http_client, credentials, exceptions, messaging
from firebase_admin._retry import HttpxRetry

from backend.platform.config import Settings

log = logging.getLogger("backend.push")
FCM_BATCH = 500  # firebase-admin refuses more in one send_each_async call
Outcome = Literal["sent", "retry", "invalid-token", "failed", "skipped"]
_app_names = itertools.count(1)


@dataclass(frozen=True)
class PushMessage:
    token: str
    title: str
    body: str
    data: dict[str, str]
    collapse_key: str


@dataclass(frozen=True)
class PushResult:
    outcome: Outcome
    message_id: str | None = None
    error: str | None = None
    retry_after: float | None = None  # seconds FCM asked us to wait (429/503 Retry-After)


class PushSender(Protocol):
    async def send(self, messages: list[PushMessage]) -> list[PushResult]: ...

    async def aclose(self) -> None: ...


class SkippingPushSender:
    """No FCM credentials configured (the demo): push is recorded as skipped."""

    async def send(self, messages: list[PushMessage]) -> list[PushResult]:
        return [PushResult("skipped", error="push is not configured") for _ in messages]

    async def aclose(self) -> None:
        return None


class StaticTokenCredential(credentials.Base):  # type: ignore[misc]
    """A fixed bearer token (tests against the fake FCM server): nothing reaches Google."""

    def __init__(self, token: str) -> None:
        import google.oauth2.credentials

        self._credential = google.oauth2.credentials.Credentials(token=token)  # type: ignore[no-untyped-call]

    def get_credential(self) -> Any:
        return self._credential


def point_messaging_at(app: firebase_admin.App, endpoint: str) -> None:
    """Send this app's FCM v1 requests to ``endpoint`` instead of fcm.googleapis.com."""
    service = messaging._get_messaging_service(app)
    if not hasattr(service, "_fcm_url"):
        raise RuntimeError("firebase-admin changed: _MessagingService._fcm_url is gone")
    service._fcm_url = f"{endpoint.rstrip('/')}/v1/projects/{app.project_id}/messages:send"


class _CredentialAuth(httpx.Auth):
    """firebase-admin's ``GoogleAuthCredentialFlow`` with one refreshing session for all
    requests: its flow builds a ``requests.Session`` (two adapters with their pools) for every
    message, only to refresh a token that is valid nearly every time."""

    def __init__(self, credential: Any) -> None:
        self._credential = credential
        self._refresher = google.auth.transport.requests.Request()

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        self._authorise(request)
        response = yield request
        for _ in range(2):  # a token revoked early: refresh it and try again, as firebase-admin
            if response.status_code != 401:
                return
            self._credential.refresh(self._refresher)
            self._authorise(request)
            response = yield request

    def _authorise(self, request: httpx.Request) -> None:
        # Refreshes the token first when it is about to expire (a blocking call, as before).
        self._credential.before_request(
            self._refresher, request.method, str(request.url), request.headers
        )


def own_the_retries(
    app: firebase_admin.App, *, timeout_seconds: float, connections: int, h2c: bool = False
) -> None:
    """Give the app's messaging service an HTTP client that never retries and keeps
    ``connections`` alive (see the module doc). Every response reaches firebase-admin's caller,
    which reads and releases it. ``h2c``: HTTP/2 without TLS, to a fake FCM only."""
    service = messaging._get_messaging_service(app)
    if not hasattr(service, "_async_client") or not hasattr(service, "_credential"):
        raise RuntimeError("firebase-admin changed: _MessagingService._async_client is gone")
    client = _http_client.HttpxAsyncClient(
        credential=service._credential,
        timeout=timeout_seconds,
        retry_config=HttpxRetry(max_retries=0, status_forcelist=None),
    )
    if not hasattr(client, "_async_client") or not hasattr(client, "_headers"):
        raise RuntimeError("firebase-admin changed: HttpxAsyncClient._async_client is gone")
    # firebase-admin's client takes no pool limits: swap its httpx client for one with the same
    # headers and credential and a plain transport (retries=0, as max_retries=0 above).
    # Neither client it replaces has opened a connection yet: nothing to close.
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    client._async_client = httpx.AsyncClient(
        http2=True,
        timeout=timeout_seconds,
        headers=client._headers,
        auth=_CredentialAuth(service._credential),
        transport=httpx.AsyncHTTPTransport(http1=not h2c, http2=True, retries=0, limits=limits),
    )
    service._async_client = client


_INVALID_TOKEN = (
    messaging.UnregisteredError,
    messaging.SenderIdMismatchError,
    exceptions.InvalidArgumentError,  # FCM answers INVALID_ARGUMENT for a malformed token
)
# Worth another try later. Authentication and permission errors are configuration that an
# operator fixes; the pushes wait for it (until their delivery deadline) instead of being lost.
_RETRYABLE = (
    messaging.QuotaExceededError,
    messaging.ThirdPartyAuthError,
    exceptions.UnavailableError,
    exceptions.InternalError,
    exceptions.DeadlineExceededError,
    exceptions.UnknownError,
    exceptions.UnauthenticatedError,
    exceptions.PermissionDeniedError,
    exceptions.ResourceExhaustedError,
)


def _classify(error: Exception) -> Outcome:
    if isinstance(error, _INVALID_TOKEN):
        return "invalid-token"
    if isinstance(error, _RETRYABLE):
        return "retry"
    return "failed"


def retry_after_seconds(error: Exception) -> float | None:
    """FCM's ``Retry-After`` (seconds or an HTTP date), if the error carries a response."""
    response = getattr(error, "http_response", None)
    header = response.headers.get("Retry-After") if response is not None else None
    if not header:
        return None
    header = header.strip()
    if header.isdigit():
        return float(header)
    parsed = email.utils.parsedate_tz(header)
    if parsed is None:
        return None
    return max(email.utils.mktime_tz(parsed) - time.time(), 0.0)


def _result(item: Any) -> PushResult:
    if item.success:
        return PushResult("sent", message_id=item.message_id)
    error = item.exception
    return PushResult(_classify(error), error=str(error), retry_after=retry_after_seconds(error))


def _message(m: PushMessage) -> messaging.Message:
    # The apps register FCM registration tokens; firebase-admin 7 prefers installation ids
    # (fid) and warns on every token message. Tokens still work; keep the log readable.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Message.token is deprecated", DeprecationWarning)
        # The collapse key and the Android tag make a resent copy replace the one on the phone
        # instead of showing twice; the data carries the event id for the app to drop repeats.
        return messaging.Message(
            token=m.token,
            notification=messaging.Notification(title=m.title, body=m.body),
            data=m.data,
            android=messaging.AndroidConfig(
                collapse_key=m.collapse_key,
                priority="normal",
                notification=messaging.AndroidNotification(tag=m.collapse_key),
            ),
            apns=messaging.APNSConfig(headers={"apns-collapse-id": m.collapse_key}),
        )


class FirebasePushSender:
    def __init__(self, settings: Settings) -> None:
        if settings.fcm_static_token:
            credential: Any = StaticTokenCredential(settings.fcm_static_token)
        else:
            credential = credentials.Certificate(settings.fcm_credentials_file)
        options: dict[str, Any] = {"httpTimeout": settings.push_http_timeout_seconds}
        if settings.fcm_project_id:
            options["projectId"] = settings.fcm_project_id
        self.app = firebase_admin.initialize_app(
            credential, options, name=f"citizen-credit-{next(_app_names)}"
        )
        if settings.fcm_endpoint:
            point_messaging_at(self.app, settings.fcm_endpoint)
        # send_each_async opens one request per message at once: never more than the pool holds.
        self.chunk = max(1, min(settings.push_in_flight, FCM_BATCH))
        own_the_retries(
            self.app,
            timeout_seconds=settings.push_http_timeout_seconds,
            connections=settings.push_in_flight,
            h2c=settings.fcm_h2c,
        )

    async def send(self, messages: list[PushMessage]) -> list[PushResult]:
        results: list[PushResult] = []
        for start in range(0, len(messages), self.chunk):
            batch = [_message(m) for m in messages[start : start + self.chunk]]
            try:
                response = await messaging.send_each_async(batch, app=self.app)
            except exceptions.FirebaseError as exc:  # the whole batch failed to go out
                log.warning("FCM batch failed: %s", exc)
                results.extend(PushResult("retry", error=str(exc)) for _ in batch)
                continue
            results.extend(_result(item) for item in response.responses)
        return results

    async def aclose(self) -> None:
        # firebase-admin closes its async HTTP client with asyncio.run(), which cannot run
        # inside our loop: close it here, then let delete_app run in a thread.
        service = messaging._get_messaging_service(self.app)
        await service._async_client.aclose()
        await asyncio.to_thread(firebase_admin.delete_app, self.app)


def build_sender(settings: Settings) -> PushSender:
    if settings.fcm_static_token or settings.fcm_credentials_file:
        return FirebasePushSender(settings)
    return SkippingPushSender()
