"""Deadlines in working days (工作日) on the Chinese calendar, and the hourly deadline check.

Business dates are set on the runtime clock (the ``business_date`` fixture). 2026: Mid-Autumn
Festival 25-27 Sep and National Day 1-7 Oct are off; Sun 20 Sep and Sat 10 Oct are make-up
working days (调休). 2031 is a year chinese-calendar does not know: weekends only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from backend.identity.sms import MemorySmsSender
from backend.objections import service as objections
from backend.objections import views
from backend.objections.jobs import check_objection_deadlines
from backend.objections.schemas import ObjectionIn, OfficerDecisionIn, ProposalIn
from backend.platform import runtime
from backend.repairs import service as repairs
from backend.repairs.jobs import check_repair_deadlines
from backend.repairs.schemas import CommitmentAcceptance, RepairIn, TrainingReport
from backend.worker import WorkerSettings
from tests.api.objections.helpers import (
    case_event,
    case_events,
    citizen,
    citizen_actor,
    count,
    department_principal,
    officer,
    officer_principal,
)
from tests.conftest import BusinessDate, RunWorker

D = dt.date
OnDate = Callable[[str], dict[str, Any]]
DRINK = "TRAFFIC-DRINK-DRIVING"
PEDESTRIAN = "TRAFFIC-SIGNAL-VIOLATION-PEDESTRIAN"


@pytest.fixture
def on(business_date: BusinessDate) -> OnDate:
    """A worker job's context for a run on ``day`` (ISO): the business date moves there first."""

    def context(day: str) -> dict[str, Any]:
        business_date(D.fromisoformat(day))
        return {}

    return context


async def _objection(
    client: httpx.AsyncClient,
    sms: MemorySmsSender,
    db: Any,
    business_date: BusinessDate,
    phone: str,
    filed: dt.date,
) -> tuple[int, str]:
    """An objection filed on ``filed``; returns its id and the department's API key."""
    who = await citizen(client, sms, phone, [(DRINK, "2026-09-01")])
    citizen_id = await db.fetchval("SELECT citizen FROM record WHERE id = $1", who.records[0])
    data = ObjectionIn(record_id=who.records[0], reason_category="other", statement="不是我")
    business_date(filed)
    detail = await objections.file_objection(citizen_id, data, citizen_actor(citizen_id))
    return detail.objection.id, who.key


async def test_accept_deadline_across_national_day(
    client: httpx.AsyncClient, sms: MemorySmsSender, db: Any, business_date: BusinessDate
) -> None:
    case_id, _ = await _objection(client, sms, db, business_date, "13935000001", D(2026, 9, 29))
    filed = await views.summary(case_id)
    assert filed.accept_due_on == D(2026, 10, 8)  # 30 Sep, then 8 Oct after the holiday
    left = {}
    for day in (D(2026, 9, 29), D(2026, 9, 30), D(2026, 10, 5), D(2026, 10, 8), D(2026, 10, 9)):
        business_date(day)
        left[day] = (await views.summary(case_id)).deadline
    assert {day: (d.working_days_left, d.overdue) for day, d in left.items() if d} == {
        D(2026, 9, 29): (2, False),
        D(2026, 9, 30): (1, False),
        D(2026, 10, 5): (1, False),
        D(2026, 10, 8): (0, False),
        D(2026, 10, 9): (-1, True),
    }


async def test_verify_deadline_counts_the_make_up_working_days(
    client: httpx.AsyncClient, sms: MemorySmsSender, db: Any, business_date: BusinessDate
) -> None:
    case_id, key = await _objection(client, sms, db, business_date, "13935000002", D(2026, 9, 17))
    dept = await department_principal(key)
    business_date(D(2026, 9, 18))
    accepted = await objections.accept(case_id, dept, "受理")
    # Sun 20 Sep works; 25-27 Sep and 1-7 Oct do not: ten working days end on Fri 9 Oct.
    assert accepted.verify_due_on == D(2026, 10, 9)
    business_date(D(2026, 10, 9))
    extended = await objections.extend(case_id, dept, "案情复杂")
    # Sat 10 Oct is a make-up working day: the extension ends on Thu 22 Oct.
    assert extended.verify_due_on == D(2026, 10, 22)
    assert extended.deadline is not None and extended.deadline.working_days_left == 10


async def test_a_year_the_calendar_does_not_know_counts_weekends_only(
    client: httpx.AsyncClient, sms: MemorySmsSender, db: Any, business_date: BusinessDate
) -> None:
    case_id, key = await _objection(client, sms, db, business_date, "13935000003", D(2031, 9, 30))
    filed = await views.summary(case_id)
    assert filed.accept_due_on == D(2031, 10, 2)  # 1 Oct is not known as a holiday
    accepted = await objections.accept(case_id, await department_principal(key), "受理")
    assert accepted.verify_due_on == D(2031, 10, 14)


async def test_repair_deadlines_across_the_holidays(
    client: httpx.AsyncClient,
    sms: MemorySmsSender,
    db: Any,
    business_date: BusinessDate,
    on: OnDate,
) -> None:
    who = await citizen(client, sms, "13935000004", [(PEDESTRIAN, "2026-09-01")])
    citizen_id = await db.fetchval("SELECT citizen FROM record")
    data = RepairIn(
        record_id=who.records[0],
        path="training_report",
        statement="已参加培训",
        commitment=CommitmentAcceptance(version="2026.1", language="zh-CN", accepted=True),
        training_report=TrainingReport(
            kind="training",
            provider="市信用协会",
            completed_on=D(2026, 9, 28),
            certificate_no="XY-1",
        ),
    )
    business_date(D(2026, 9, 29))
    applied = await repairs.apply(citizen_id, data, citizen_actor(citizen_id))
    application = applied.application
    assert application.reply_due_on == D(2026, 10, 19)  # includes Sat 10 Oct
    business_date(D(2026, 10, 9))
    accepted = await repairs.accept(application.id, await department_principal(who.key), "受理")
    assert accepted.decide_due_on == D(2026, 10, 13)  # Sat 10, Mon 12, Tue 13
    assert accepted.deadline is not None and accepted.deadline.due_on == D(2026, 10, 13)

    assert await check_repair_deadlines(on("2026-10-12")) == {"near": 1, "escalated": 0}
    assert await check_repair_deadlines(on("2026-10-14")) == {"near": 0, "escalated": 1}
    assert (await case_events(db, "repair"))[-2:] == ["deadline.near", "escalated"]


async def test_the_hourly_check_flags_near_deadlines_once(
    client: httpx.AsyncClient,
    sms: MemorySmsSender,
    db: Any,
    business_date: BusinessDate,
    on: OnDate,
) -> None:
    case_id, _ = await _objection(client, sms, db, business_date, "13935000005", D(2026, 9, 29))
    # On 29 Sep the deadline (8 Oct) is two working days away; on 30 Sep only one.
    assert await check_objection_deadlines(on("2026-09-29")) == {"near": 0, "escalated": 0}
    assert await check_objection_deadlines(on("2026-09-30")) == {"near": 1, "escalated": 0}
    assert await check_objection_deadlines(on("2026-09-30")) == {"near": 0, "escalated": 0}
    assert await check_objection_deadlines(on("2026-10-07")) == {"near": 0, "escalated": 0}
    event = await case_event(db, "deadline.near")
    assert event["dedupe_key"] == f"objection:{case_id}:deadline.near:2026-10-08"
    assert '"dueOn": "2026-10-08"' in event["payload"]
    assert '"workingDaysLeft": 1' in event["payload"]
    assert await db.fetchval("SELECT near_flagged_for FROM objection") == D(2026, 10, 8)


async def test_overdue_cases_escalate_and_count_against_the_department(
    client: httpx.AsyncClient,
    sms: MemorySmsSender,
    db: Any,
    business_date: BusinessDate,
    on: OnDate,
) -> None:
    case_id, key = await _objection(client, sms, db, business_date, "13935000006", D(2026, 9, 29))
    assert await check_objection_deadlines(on("2026-10-08")) == {"near": 1, "escalated": 0}
    assert await check_objection_deadlines(on("2026-10-09")) == {"near": 0, "escalated": 1}
    assert await check_objection_deadlines(on("2026-10-12")) == {"near": 0, "escalated": 0}
    row = await db.fetchrow("SELECT * FROM objection")
    assert row["escalated_for"] == D(2026, 10, 8) and row["department_late"] is True
    audit = await db.fetchrow("SELECT * FROM audit_log WHERE action = 'objection.escalated'")
    assert audit["actor_kind"] == "system" and '"responsible": "department"' in audit["after"]
    assert (await case_events(db)).count("escalated") == 1

    officer_headers = await officer(client)
    queue = await client.get("/v1/officer/objections?escalated=true", headers=officer_headers)
    assert [o["id"] for o in queue.json()["items"]] == [case_id]
    assert queue.json()["items"][0]["escalated"] is True
    stats = (await client.get("/v1/officer/statistics/departments", headers=officer_headers)).json()
    traffic = next(s for s in stats if s["department"]["code"] == "traffic")
    assert traffic["objections"] == {"handled": 0, "onTime": 0, "late": 1, "open": 1, "overdue": 1}
    assert traffic["unknownCalendarYears"] == []
    # A deadline in a year no holiday calendar knows is shown to the officers.
    due = await db.fetchval("SELECT due_on FROM objection WHERE id = $1", case_id)
    await db.execute("UPDATE objection SET due_on = '2099-03-02' WHERE id = $1", case_id)
    stats = (await client.get("/v1/officer/statistics/departments", headers=officer_headers)).json()
    traffic = next(s for s in stats if s["department"]["code"] == "traffic")
    assert traffic["unknownCalendarYears"] == [2099]
    await db.execute("UPDATE objection SET due_on = $2 WHERE id = $1", case_id, due)

    # Accepting late does not count the lapse twice; closing counts it handled, not on time.
    dept = await department_principal(key)
    await objections.accept(case_id, dept, "补受理")  # on 12 Oct
    business_date(D(2026, 10, 13))
    await objections.propose(case_id, dept, ProposalIn(outcome="upheld", reason="维持"))
    officer_id = await db.fetchval("SELECT id FROM officer")
    business_date(D(2026, 10, 14))
    await objections.decide(
        case_id,
        officer_principal(officer_id),
        OfficerDecisionIn(outcome="upheld", reason="维持原记录"),
    )
    stat = await db.fetchrow("SELECT handled, on_time, late FROM department_case_stat")
    assert tuple(stat) == (1, 0, 1)


async def test_a_lapse_in_the_credit_offices_turn_is_not_the_departments(
    client: httpx.AsyncClient,
    sms: MemorySmsSender,
    db: Any,
    business_date: BusinessDate,
    on: OnDate,
) -> None:
    case_id, key = await _objection(client, sms, db, business_date, "13935000007", D(2026, 9, 29))
    dept = await department_principal(key)
    business_date(D(2026, 9, 30))
    accepted = await objections.accept(case_id, dept, "受理")
    assert accepted.verify_due_on == D(2026, 10, 20)
    business_date(D(2026, 10, 9))
    await objections.propose(case_id, dept, ProposalIn(outcome="revoked", reason="核查属实"))
    assert await check_objection_deadlines(on("2026-10-21")) == {"near": 0, "escalated": 1}
    audit = await db.fetchrow("SELECT after FROM audit_log WHERE action = 'objection.escalated'")
    assert '"responsible": "credit_office"' in audit["after"]
    assert await db.fetchval("SELECT department_late FROM objection") is False
    assert await count(db, "SELECT coalesce(sum(late), 0) FROM department_case_stat") == 0


async def test_an_extension_gets_its_own_near_flag(
    client: httpx.AsyncClient,
    sms: MemorySmsSender,
    db: Any,
    business_date: BusinessDate,
    on: OnDate,
) -> None:
    case_id, key = await _objection(client, sms, db, business_date, "13935000008", D(2026, 9, 17))
    dept = await department_principal(key)
    business_date(D(2026, 9, 18))
    await objections.accept(case_id, dept, "受理")  # due 9 Oct
    assert (await check_objection_deadlines(on("2026-10-08")))["near"] == 1
    await objections.extend(case_id, dept, "案情复杂")  # on 8 Oct: due 22 Oct
    assert (await check_objection_deadlines(on("2026-10-08")))["near"] == 0
    assert (await check_objection_deadlines(on("2026-10-21")))["near"] == 1
    keys = [
        r["dedupe_key"]
        for r in await db.fetch(
            "SELECT dedupe_key FROM outbox_event WHERE payload->>'state' = 'deadline.near'"
            " ORDER BY id"
        )
    ]
    assert keys == [
        f"objection:{case_id}:deadline.near:2026-10-09",
        f"objection:{case_id}:deadline.near:2026-10-22",
    ]


async def test_the_checks_are_hourly_cron_jobs_the_worker_runs(
    client: httpx.AsyncClient,
    sms: MemorySmsSender,
    db: Any,
    business_date: BusinessDate,
    run_worker: RunWorker,
) -> None:
    crons = {job.name: job for job in WorkerSettings.cron_jobs}
    for name in ("cron:check_objection_deadlines", "cron:check_repair_deadlines"):
        assert crons[name].hour is None and crons[name].unique  # every hour
    await _objection(client, sms, db, business_date, "13935000009", D(2026, 9, 29))
    business_date(D(2026, 10, 9))  # the worker runs in this process, on its clock
    await runtime.current().arq.enqueue_job("check_objection_deadlines")
    assert await run_worker() >= 1
    assert await db.fetchval("SELECT escalated_for FROM objection") == D(2026, 10, 8)
