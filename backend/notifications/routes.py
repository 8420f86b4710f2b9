"""The citizen's inbox, push devices and notification preferences; push health for officers."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, delete, get, post, put
from litestar.datastructures import ResponseHeader
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import JSONBody, PathParameter, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT

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
NotificationId = Annotated[int, PathParameter(description="The notice's id")]
DeviceId = Annotated[int, PathParameter(description="The device's id")]


class MeNotificationsController(Controller):
    path = "/me"
    tags = ["Notifications"]
    guards = [citizen_guard]

    @get("/notifications", operation_id="listMyNotifications", summary="List my notifications")
    async def list_my_notifications(
        self,
        request: CitizenRequest,
        cursor: Annotated[
            str | None,
            QueryParameter(
                max_length=200,
                description="`nextCursor` of the previous page; leave out for the first",
            ),
        ] = None,
        limit: Annotated[
            int, QueryParameter(ge=1, le=100, description="Notices per page (1 to 100)")
        ] = DEFAULT_LIMIT,
        unread_only: Annotated[
            bool, QueryParameter(name="unreadOnly", description="Only the unread notices")
        ] = False,
    ) -> Inbox:
        """The in-app inbox (站内信), newest first and paged by cursor, with the number of
        unread notices. Every event the citizen hears about lands here, pushed or not; texts
        are in the language of the citizen's account when the notice was written. Citizens
        only; read-only. A cursor this API did not give answers 422 naming `cursor`."""
        return await service.inbox(request.user.citizen_id, cursor, limit, unread_only)

    @post(
        "/notifications/{notification_id:int}/read",
        operation_id="markNotificationRead",
        summary="Mark a notification read",
        status_code=HTTP_200_OK,
    )
    async def mark_notification_read(
        self, request: CitizenRequest, notification_id: NotificationId
    ) -> NotificationOut:
        """Marks one of the citizen's notices read and returns it; marking it again keeps the
        first `readAt`. Citizens only. A notice that is not in the citizen's inbox answers 404."""
        return await service.mark_read(request.user.citizen_id, notification_id)

    @post(
        "/notifications:read-all",
        operation_id="markAllNotificationsRead",
        summary="Mark all my notifications read",
        status_code=HTTP_200_OK,
    )
    async def mark_all_notifications_read(self, request: CitizenRequest) -> ReadAll:
        """Marks every unread notice in the citizen's inbox read and says how many there were
        (0 when none was unread). Citizens only."""
        return await service.mark_all_read(request.user.citizen_id)

    @get("/devices", operation_id="listMyDevices", summary="List my push devices")
    async def list_my_devices(self, request: CitizenRequest) -> list[DeviceOut]:
        """The phones registered to push to the citizen (Firebase Cloud Messaging), the most
        recently seen first; only the last characters of each token are shown. Citizens only;
        read-only."""
        return await service.devices(request.user.citizen_id)

    @get("/devices/{device_id:int}", operation_id="getMyDevice", summary="Get one push device")
    async def get_my_device(self, request: CitizenRequest, device_id: DeviceId) -> DeviceOut:
        """One phone registered to push to the citizen (the `Location` of `registerDevice`).
        Citizens only; read-only. A device that is not the citizen's answers 404."""
        return await service.device(request.user.citizen_id, device_id)

    @post(
        "/devices",
        operation_id="registerDevice",
        summary="Register a phone for push",
        status_code=HTTP_201_CREATED,
        response_description="The token is new to this account: the device was registered",
        response_headers=[
            ResponseHeader(
                name="Location",
                value="/v1/me/devices/812",  # documentation only: gives the header its schema
                description="The new device's URL; a GET on it answers the same body",
                required=True,
                documentation_only=True,
            )
        ],
        responses={
            200: ResponseSpec(
                data_container=DeviceOut,
                description="The token was already registered to this account: the same device,"
                " with `lastSeenAt` and `platform` refreshed",
                generate_examples=False,
            )
        },
    )
    async def register_device(
        self, request: CitizenRequest, data: JSONBody[DeviceIn]
    ) -> Response[DeviceOut]:
        """Registers the phone's FCM registration token so pushes reach it. The app calls it at
        every start: a token new to this account answers 201 with `Location`; a token already
        registered here answers 200 with the same device and refreshes it. A token registered
        to another account moves to this one (the phone changed hands) and counts as new, so
        the previous owner's news never reaches it. Citizens only."""
        device, created = await service.register_device(request.user.citizen_id, data)
        if not created:
            return Response(device, status_code=HTTP_200_OK)
        headers = {"Location": service.device_url(device.id)}
        return Response(device, status_code=HTTP_201_CREATED, headers=headers)

    @delete(
        "/devices/{device_id:int}",
        operation_id="removeDevice",
        summary="Remove a push device",
        status_code=HTTP_204_NO_CONTENT,
    )
    async def remove_device(self, request: CitizenRequest, device_id: DeviceId) -> None:
        """Stops pushes to one of the citizen's phones (e.g. on sign-out) and closes the pushes
        still waiting for it; the inbox keeps everything. Citizens only. A device that is not
        the citizen's answers 404."""
        await service.remove_device(request.user.citizen_id, device_id)

    @get(
        "/notification-preferences",
        operation_id="getNotificationPreferences",
        summary="Get my notification preferences",
    )
    async def get_notification_preferences(self, request: CitizenRequest) -> Preferences:
        """Which categories are pushed and the quiet hours (免打扰, Asia/Shanghai), with the
        categories of legal notices that cannot be switched off. Citizens only; read-only."""
        return await service.preferences(request.user.citizen_id)

    @put(
        "/notification-preferences",
        operation_id="setNotificationPreferences",
        summary="Set my notification preferences",
    )
    async def set_notification_preferences(
        self, request: CitizenRequest, data: JSONBody[PreferencesIn]
    ) -> Preferences:
        """Replaces the push preferences: categories not to push and the quiet hours, during
        which pushes wait until the end. The inbox always keeps every notice, and legal notices
        (依法告知: the progress of objections and repairs) are pushed regardless. Citizens only.
        Listing a legal category answers 422 naming `pushOff`; giving only one end of the quiet
        hours, 422 naming `quietEnd`."""
        return await service.set_preferences(request.user.citizen_id, data)


class OfficerPushHealthController(Controller):
    path = "/push-deliveries"
    tags = ["Officer oversight"]

    @get("/health", operation_id="getPushDeliveryHealth", summary="Get push delivery health")
    async def get_push_delivery_health(self) -> DeliveryHealth:
        """Push delivery at a glance: deliveries waiting, in flight and overdue now, and those
        sent, expired, failed, pruned or possibly sent twice in the last 24 hours. For credit
        officers (officer access token). Read-only."""
        return await delivery_health()


ROUTES = Routes(citizen=[MeNotificationsController], officer=[OfficerPushHealthController])
