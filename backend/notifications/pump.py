"""The worker's delivery loop (see :class:`PushPump`)."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from backend.notifications.relay import relay_once
from backend.notifications.sending import send_once

log = logging.getLogger("backend.notifications.pump")


class PushPump:
    """The long-running delivery loop of one worker process: relay the outbox, send due pushes.

    It runs beside arq rather than inside an arq job: a job's timeout could cancel a send
    half-way and leave FCM's answers unrecorded. It needs only PostgreSQL, so pushes keep going
    while Redis is away. ``wake()`` starts a round at once; otherwise it looks every
    ``idle_seconds``. Database or network errors are logged and the loop goes on after a pause;
    ``stop()`` lets the batch in flight finish and be recorded."""

    def __init__(self, *, idle_seconds: float = 1.0, stop_timeout: float = 30.0) -> None:
        self.idle_seconds = idle_seconds
        self.stop_timeout = stop_timeout
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="push-pump")

    def wake(self) -> None:
        self._wake.set()

    async def stop(self) -> None:
        self._stopping.set()
        self._wake.set()
        if self._task is None:
            return
        try:
            await asyncio.wait_for(asyncio.shield(self._task), self.stop_timeout)
        except TimeoutError:
            log.warning("push sender still busy after %.0f s; stopping it", self.stop_timeout)
            self._task.cancel()

    async def _run(self) -> None:
        pause = self.idle_seconds
        while not self._stopping.is_set():
            try:
                moved = await relay_once()
                sent = await send_once()
            except Exception:
                log.warning("push sending failed; trying again in %.0f s", pause, exc_info=True)
                await self._sleep(pause)
                pause = min(pause * 2, 30.0)
                continue
            pause = self.idle_seconds
            if not moved and not sent:
                await self._sleep(self.idle_seconds)

    async def _sleep(self, seconds: float) -> None:
        # A wake-up that came while sending is kept: the event is cleared only after waiting.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), seconds)
        self._wake.clear()
