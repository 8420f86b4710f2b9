"""The worker's delivery loop (see :class:`PushPump`)."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Awaitable, Callable

from backend.notifications.relay import relay_once
from backend.notifications.sending import batch_sizes, send_batch
from backend.platform import runtime
from backend.platform.errors import unavailable_service

log = logging.getLogger("backend.notifications.pump")
Step = Callable[[], Awaitable[int]]


class PushPump:
    """The long-running delivery loops of one worker process: one relays the outbox, and
    ``push_concurrency`` senders each claim, send and record their share of ``push_in_flight``.

    They run beside arq rather than inside an arq job: a job's timeout could cancel a send
    half-way and leave FCM's answers unrecorded. They need only PostgreSQL, so pushes keep going
    while Redis is away. Each loop goes on at once while it finds work; the relay wakes the
    senders when it moved events, and ``wake()`` wakes them all; otherwise each looks every
    ``idle_seconds``. Every sender goes its own pace: a slow batch holds up no other, and the
    relay renders the next events while the senders wait for FCM. Database or network errors are
    logged and the loop goes on after a pause; ``stop()`` lets the batches in flight finish and
    be recorded."""

    def __init__(self, *, idle_seconds: float = 1.0, stop_timeout: float = 30.0) -> None:
        self.idle_seconds = idle_seconds
        self.stop_timeout = stop_timeout
        self._stopping = asyncio.Event()
        self._relay_wake = asyncio.Event()
        self._sender_wakes: list[asyncio.Event] = []
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        settings = runtime.current().settings
        self._tasks = [self._spawn("push-relay", relay_once, self._relay_wake, wakes=True)]
        for n, size in enumerate(batch_sizes(settings.push_in_flight, settings.push_concurrency)):
            wake = asyncio.Event()
            self._sender_wakes.append(wake)
            step = functools.partial(send_batch, size)
            self._tasks.append(self._spawn(f"push-sender-{n}", step, wake, wakes=False))

    def wake(self) -> None:
        self._relay_wake.set()
        self._wake_senders()

    async def stop(self) -> None:
        self._stopping.set()
        self.wake()
        if not self._tasks:
            return
        _, busy = await asyncio.wait(self._tasks, timeout=self.stop_timeout)
        if busy:
            log.warning("push sender still busy after %.0f s; stopping it", self.stop_timeout)
            for task in busy:
                task.cancel()

    def _wake_senders(self) -> None:
        for wake in self._sender_wakes:
            wake.set()

    def _spawn(
        self, name: str, step: Step, wake: asyncio.Event, *, wakes: bool
    ) -> asyncio.Task[None]:
        return asyncio.create_task(self._run(name, step, wake, wakes=wakes), name=name)

    async def _run(self, name: str, step: Step, wake: asyncio.Event, *, wakes: bool) -> None:
        """Repeat ``step`` while it finds work; ``wakes``: wake the senders when it did."""
        pause = self.idle_seconds
        while not self._stopping.is_set():
            try:
                done = await step()
            except Exception as exc:  # noqa: BLE001 - the loop outlives any failure: logged, retried
                _log_failure(name, exc, pause)
                await self._sleep(wake, pause)
                pause = min(pause * 2, 30.0)
                continue
            pause = self.idle_seconds
            if done and wakes:
                self._wake_senders()
            if not done:
                await self._sleep(wake, self.idle_seconds)

    async def _sleep(self, wake: asyncio.Event, seconds: float) -> None:
        # A wake-up that came while working is kept: the event is cleared only after waiting.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(wake.wait(), seconds)
        wake.clear()


def _log_failure(name: str, exc: Exception, pause: float) -> None:
    """An outage of PostgreSQL or Redis in one line (every loop of the pump hits it at once, and
    it is expected); anything else with its traceback."""
    service = unavailable_service(exc)
    if service is not None:
        log.warning("%s: %s unavailable (%s); trying again in %.0f s", name, service, exc, pause)
    else:
        log.warning("%s failed; trying again in %.0f s", name, pause, exc_info=exc)
