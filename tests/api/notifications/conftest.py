"""Fixtures: the fake FCM server and a real firebase-admin sender pointed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import msgspec
import pytest

from backend.notifications.push import FirebasePushSender
from backend.platform import runtime
from backend.platform.config import Settings
from tests.fakes.fcm import FakeFcm, FcmServer


@pytest.fixture
def fcm_server() -> Iterator[FcmServer]:
    server = FcmServer()
    with server:
        yield server


@pytest.fixture
def fcm(fcm_server: FcmServer) -> FakeFcm:
    return fcm_server.fake


def fcm_settings(settings: Settings, url: str) -> Settings:
    return msgspec.structs.replace(
        settings,
        fcm_endpoint=url,
        fcm_static_token="fake-access-token",
        fcm_project_id="citizen-credit-test",
    )


@pytest.fixture
async def firebase(app: object, settings: Settings, fcm_server: FcmServer) -> AsyncIterator[None]:
    """Swap the app's push sender for firebase-admin talking to the fake server."""
    rt = runtime.current()
    original = rt.push
    rt.push = FirebasePushSender(fcm_settings(settings, fcm_server.url))
    yield
    await rt.push.aclose()
    rt.push = original
