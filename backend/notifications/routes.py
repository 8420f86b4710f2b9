"""The citizen's inbox, push devices and notification preferences."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, delete, get, post, put
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK

from backend.identity.principals import CitizenPrincipal
from backend.identity.security import citizen_guard
from backend.notifications import service
from backend.notifications.health import delivery_health
from backend.notifications.schemas import (
    DeliveryHealth,
    DeviceIn,
    DeviceOut,
    Inbox,
    NotificationOut,
    Preferences,
    PreferencesIn,
    ReadAll,
)
from backend.platform.pagination import DEFAULT_LIMIT
from backend.platform.routing import Routes

CitizenRequest = Request[CitizenPrincipal, Any, Any]


class MeNotificationsController(Controller):
    path = "/me"
    tags = ["me"]
    guards = [citizen_guard]

    @get("/notifications", summary="The inbox, newest first, with the unread count")
    async def inbox(
        self,
        request: CitizenRequest,
        cursor: Annotated[str | None, QueryParameter(max_length=200)] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=100)] = DEFAULT_LIMIT,
        unread_only: Annotated[bool, QueryParameter(name="unreadOnly")] = False,
    ) -> Inbox:
        return await service.inbox(request.user.citizen_id, cursor, limit, unread_only)

    @post("/notifications/{notification_id:int}/read", status_code=HTTP_200_OK, summary="Mark read")
    async def read(
        self, request: CitizenRequest, notification_id: FromPath[int]
    ) -> NotificationOut:
        return await service.mark_read(request.user.citizen_id, notification_id)

    @post("/notifications:read-all", status_code=HTTP_200_OK, summary="Mark everything read")
    async def read_all(self, request: CitizenRequest) -> ReadAll:
        return await service.mark_all_read(request.user.citizen_id)

    @get("/devices", summary="Registered push devices")
    async def devices(self, request: CitizenRequest) -> list[DeviceOut]:
        return await service.devices(request.user.citizen_id)

    @post("/devices", status_code=HTTP_200_OK, summary="Register or refresh an FCM token")
    async def register(self, request: CitizenRequest, data: JSONBody[DeviceIn]) -> DeviceOut:
        return await service.register_device(request.user.citizen_id, data)

    @delete("/devices/{device_id:int}", status_code=204, summary="Remove a device")
    async def remove(self, request: CitizenRequest, device_id: FromPath[int]) -> None:
        await service.remove_device(request.user.citizen_id, device_id)

    @get("/notification-preferences", summary="Push per category and quiet hours")
    async def preferences(self, request: CitizenRequest) -> Preferences:
        return await service.preferences(request.user.citizen_id)

    @put("/notification-preferences", summary="Change push per category and quiet hours")
    async def set_preferences(
        self, request: CitizenRequest, data: JSONBody[PreferencesIn]
    ) -> Preferences:
        return await service.set_preferences(request.user.citizen_id, data)


class OfficerPushHealthController(Controller):
    path = "/push-deliveries"
    tags = ["officer"]

    @get("/health", summary="Push delivery now and over the last 24 hours")
    async def health(self) -> DeliveryHealth:
        return await delivery_health()


ROUTES = Routes(citizen=[MeNotificationsController], officer=[OfficerPushHealthController])
