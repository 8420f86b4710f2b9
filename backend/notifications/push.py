"""All push code sits behind one small interface: ``PushSender.send(messages) -> outcomes``.

The Firebase implementation uses firebase-admin's ``send_each_async`` in batches of at most 500.
firebase-admin has no public setting for its endpoint; :func:`point_messaging_at` is the one
place that redirects it (settings ``FCM_ENDPOINT``, used by the tests' fake FCM server), and a
test fails if an upgrade of firebase-admin moves the attribute it sets.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import warnings
from dataclasses import dataclass
from typing import Any, Literal, Protocol

import firebase_admin
from firebase_admin import credentials, exceptions, messaging

from backend.platform.config import Settings

log = logging.getLogger("backend.push")
FCM_BATCH = 500
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


def _classify(error: Exception) -> Outcome:
    if isinstance(error, messaging.UnregisteredError | messaging.SenderIdMismatchError):
        return "invalid-token"
    if isinstance(error, exceptions.InvalidArgumentError):
        return "invalid-token"  # FCM answers INVALID_ARGUMENT for a malformed token
    if isinstance(
        error,
        messaging.QuotaExceededError
        | exceptions.UnavailableError
        | exceptions.InternalError
        | exceptions.DeadlineExceededError
        | exceptions.UnknownError,
    ):
        return "retry"
    return "failed"


def _message(m: PushMessage) -> messaging.Message:
    # The apps register FCM registration tokens; firebase-admin 7 prefers installation ids
    # (fid) and warns on every token message. Tokens still work; keep the log readable.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Message.token is deprecated", DeprecationWarning)
        return messaging.Message(
            token=m.token,
            notification=messaging.Notification(title=m.title, body=m.body),
            data=m.data,
            android=messaging.AndroidConfig(collapse_key=m.collapse_key, priority="normal"),
            apns=messaging.APNSConfig(headers={"apns-collapse-id": m.collapse_key}),
        )


class FirebasePushSender:
    def __init__(self, settings: Settings) -> None:
        if settings.fcm_static_token:
            credential: Any = StaticTokenCredential(settings.fcm_static_token)
        else:
            credential = credentials.Certificate(settings.fcm_credentials_file)
        options = {"projectId": settings.fcm_project_id} if settings.fcm_project_id else {}
        self.app = firebase_admin.initialize_app(
            credential, options, name=f"citizen-credit-{next(_app_names)}"
        )
        if settings.fcm_endpoint:
            point_messaging_at(self.app, settings.fcm_endpoint)

    async def send(self, messages: list[PushMessage]) -> list[PushResult]:
        results: list[PushResult] = []
        for start in range(0, len(messages), FCM_BATCH):
            batch = [_message(m) for m in messages[start : start + FCM_BATCH]]
            try:
                response = await messaging.send_each_async(batch, app=self.app)
            except exceptions.FirebaseError as exc:  # the whole batch failed to go out
                log.warning("FCM batch failed: %s", exc)
                results.extend(PushResult("retry", error=str(exc)) for _ in batch)
                continue
            for item in response.responses:
                if item.success:
                    results.append(PushResult("sent", message_id=item.message_id))
                else:
                    error = item.exception
                    results.append(PushResult(_classify(error), error=str(error)))
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
