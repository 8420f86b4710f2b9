"""Background jobs, asked for by function reference: the one place that knows the queue is arq.

A domain declares its jobs with :func:`job` (run when enqueued) and :func:`scheduled` (run at
business times, Asia/Shanghai), and asks for one with ``await enqueue(rescore_citizen,
citizen_id=7, job_id=...)``. The job's name on the wire is derived from the function, so a
rename or a typo fails at import or type-check time instead of queueing a job no worker runs.

arq is in maintenance mode: nothing outside this module (and the worker wiring that runs it)
imports it, so replacing it later touches this module only.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, cast

from arq import Retry
from arq.cron import CronJob, cron
from arq.typing import WorkerCoroutine
from arq.worker import Function, func

from backend.platform import runtime

JobFunction = Callable[..., Awaitable[Any]]
WorkerJob = Function | JobFunction

__all__ = [
    "JobFunction",
    "RetryLater",
    "UnknownJob",
    "WorkerJob",
    "enqueue",
    "enqueue_many",
    "job",
    "job_name",
    "register",
    "scheduled",
]

RetryLater = Retry  # raise ``RetryLater(defer=seconds)`` from a job to have it run again
_registered: dict[str, JobFunction] = {}


class UnknownJob(LookupError):
    """A function was enqueued that no worker job list registers: it would wait forever."""


def job_name(function: JobFunction) -> str:
    """The job's name on the wire (arq's own default: the qualified name)."""
    return function.__qualname__


def job(
    function: JobFunction,
    *,
    keep_result: float | None = None,
    max_tries: int | None = None,
    timeout: float | None = None,
) -> Function:
    """A job with non-default options. ``keep_result=0`` frees a fixed job id as soon as a run
    ends (for ids reused on purpose, e.g. a wake-up)."""
    return func(
        cast(WorkerCoroutine, function),
        name=job_name(function),
        keep_result=keep_result,
        max_tries=max_tries,
        timeout=timeout,
    )


def scheduled(function: JobFunction, **when: Any) -> CronJob:
    """A job the worker runs itself at the given business times (arq ``cron`` options:
    ``month``, ``day``, ``weekday``, ``hour``, ``minute``, ``second``, ``run_at_startup``,
    ``unique``, ``timeout``)."""
    # Named "cron:<job>" (arq's default), apart from the job itself: a schedule's options
    # (e.g. keep_result=0) must not replace those of the job enqueued by reference.
    return cron(cast(WorkerCoroutine, function), **when)


def register(jobs: Iterable[WorkerJob]) -> list[WorkerJob]:
    """Record the worker's job list, so :func:`enqueue` refuses a function it does not run.
    Returns the list unchanged for the worker settings."""
    listed = list(jobs)
    for entry in listed:
        function = entry.coroutine if isinstance(entry, Function) else entry
        _registered[job_name(function)] = function
    return listed


def registered(function: JobFunction) -> bool:
    return _registered.get(job_name(function)) is function


async def enqueue(
    function: JobFunction, *args: Any, job_id: str | None = None, **kwargs: Any
) -> bool:
    """Ask the worker to run ``function(ctx, *args, **kwargs)``. With a ``job_id``, a job
    already queued or running under that id is left alone (returns False): ids make asking
    twice harmless. Raises :class:`UnknownJob` for a function not in the worker's list, and
    whatever Redis raises when it is away (callers decide whether that matters)."""
    if not registered(function):
        raise UnknownJob(f"{job_name(function)} is not a registered worker job")
    queued = await runtime.current().arq.enqueue_job(
        job_name(function), *args, _job_id=job_id, **kwargs
    )
    return queued is not None


ENQUEUE_CONCURRENCY = 32
JobCall = tuple[str | None, dict[str, Any]]  # (job id, keyword arguments) of one job


async def enqueue_many(
    function: JobFunction, calls: Iterable[JobCall], *, concurrency: int = ENQUEUE_CONCURRENCY
) -> int:
    """:func:`enqueue` for many jobs of one function, ``concurrency`` at a time: each enqueue is
    a few Redis round trips (the id checked, then the job written in a transaction), so one
    after another ten thousand of them cost seconds. Returns how many were queued anew (an id
    already queued or running is left alone). Raises as :func:`enqueue` does, once every
    enqueue has ended; the jobs queued before a failure stay queued."""
    if not registered(function):
        raise UnknownJob(f"{job_name(function)} is not a registered worker job")
    gate = asyncio.Semaphore(concurrency)

    async def enqueue_one(job_id: str | None, kwargs: dict[str, Any]) -> bool:
        async with gate:
            return await enqueue(function, job_id=job_id, **kwargs)

    results = await asyncio.gather(
        *(enqueue_one(job_id, kwargs) for job_id, kwargs in calls), return_exceptions=True
    )
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return sum(1 for result in results if result is True)
