"""Jobs are enqueued by function reference (backend.platform.queue): names derived from the
function, only functions the worker runs, job ids that make asking twice harmless."""

from __future__ import annotations

from typing import Any

import pytest
from arq.jobs import Job
from redis.asyncio import Redis

from backend.domains import CRON_JOBS, JOBS
from backend.identity.jobs import purge_expired_credentials
from backend.notifications.jobs import relay_outbox
from backend.platform import runtime
from backend.platform.queue import UnknownJob, enqueue, job_name, registered
from backend.scoring.jobs import nightly_rescore
from backend.scoring.queue import rescore_citizen
from tests.conftest import NAMESPACE, RunWorker


async def never_registered(ctx: dict[str, Any]) -> None:
    """A job no worker list names."""


def test_every_worker_job_is_registered_under_its_function_name() -> None:
    for entry in JOBS:
        function = getattr(entry, "coroutine", entry)
        assert registered(function), job_name(function)
    assert job_name(rescore_citizen) == "rescore_citizen"
    assert registered(nightly_rescore) and registered(relay_outbox)
    # A schedule keeps its own name, so its options never replace those of the job.
    assert {cron.name for cron in CRON_JOBS} >= {"cron:relay_outbox", "cron:nightly_rescore"}


async def test_a_function_no_worker_runs_is_refused(app: object) -> None:
    with pytest.raises(UnknownJob, match="never_registered"):
        await enqueue(never_registered)


async def test_enqueue_by_reference_reaches_the_worker_under_the_derived_name(
    app: object, redis: Redis, run_worker: RunWorker
) -> None:
    job_id = f"{NAMESPACE}:test-purge"
    assert await enqueue(purge_expired_credentials, job_id=job_id) is True
    assert await enqueue(purge_expired_credentials, job_id=job_id) is False  # already queued
    info = await Job(job_id, runtime.current().arq, _queue_name=f"{NAMESPACE}:queue").info()
    assert info is not None and info.function == "purge_expired_credentials"
    assert await run_worker() == 1


async def test_keyword_arguments_reach_the_job(app: object, run_worker: RunWorker) -> None:
    job_id = f"{NAMESPACE}:test-rescore"
    assert await enqueue(rescore_citizen, citizen_id=1, reason="full-rescore", job_id=job_id)
    info = await Job(job_id, runtime.current().arq, _queue_name=f"{NAMESPACE}:queue").info()
    assert info is not None and info.kwargs == {"citizen_id": 1, "reason": "full-rescore"}
    assert await run_worker() == 1
