"""The office's view of the exchange with the provincial platform."""

from __future__ import annotations

from litestar import Controller, get

from backend.exchange import service
from backend.exchange.schemas import ExchangeStatus
from backend.platform.routing import Routes


class OfficerExchangeController(Controller):
    path = "/exchange"
    tags = ["Officer oversight"]

    @get("", operation_id="getExchangeStatus", summary="The exchange with the provincial platform")
    async def status(self) -> ExchangeStatus:
        """What the city has pushed to the provincial credit platform (省级信用信息共享平台):
        events pending, sent and awaiting an answer, acknowledged and rejected (with the latest
        reasons), the age of the oldest unanswered event and when a batch was last answered.
        Every record added, corrected, revoked or repaired and every list entry published or
        ended is one event, sent in signed batches and answered per item. Officers only."""
        return await service.status()


ROUTES = Routes(officer=[OfficerExchangeController])
