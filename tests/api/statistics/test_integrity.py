"""Government integrity (政务诚信) and key occupational groups in the office's statistics: per
body, the on-time rates of reporting records, handling cases and feeding back on measures side
by side; records by occupational group with the names from content. Data made through the real
API and services, on business dates moved across the National Day holiday."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Mapping
from typing import Any

import httpx
import pytest

from backend.identity.sms import MemorySmsSender
from backend.objections import service as objections
from backend.objections.schemas import ObjectionIn
from backend.statistics import service
from backend.statistics.schemas import GroupCounts, HandlingTimeliness, ReportingTimeliness
from backend.statistics.store import FeedbackCell
from tests import factories as f
from tests.api.objections import helpers as cases
from tests.api.statistics import helpers as h
from tests.conftest import BusinessDate

D = dt.date
_references = itertools.count(1)


async def _report(
    client: httpx.AsyncClient,
    key: str,
    record_type: str,
    decided: dt.date,
    group: str | None = None,
) -> int:
    """One record about a new person, decided (and occurred) on ``decided``, reported on the
    business date; returns its id."""
    extra = {} if group is None else {"occupationalGroup": group}
    item = f.record(
        f.id_number(),
        f"in-{next(_references)}",
        record_type,
        occurredOn=decided.isoformat(),
        decidedOn=decided.isoformat(),
        **extra,
    )
    response = await client.post(h.BATCH, headers={"X-Api-Key": key}, json={"records": [item]})
    assert response.status_code == 200, response.text
    assert response.json()["accepted"] == 1, response.text
    record_id: int = response.json()["items"][0]["recordId"]
    return record_id


async def _objection(
    client: httpx.AsyncClient, sms: MemorySmsSender, db: Any, phone: str, key: str | None
) -> tuple[int, str]:
    """An objection filed today against a new record occurred on 2026-09-01 and reported today
    (late: weeks after its decision); (objection id, department key)."""
    who = await cases.citizen(client, sms, phone, [(h.DRINK, "2026-09-01")], key=key)
    citizen_id = await db.fetchval("SELECT citizen FROM record WHERE id = $1", who.records[0])
    data = ObjectionIn(record_id=who.records[0], reason_category="other", statement="不是我")
    detail = await objections.file_objection(citizen_id, data, cases.citizen_actor(citizen_id))
    return detail.objection.id, who.key


def _reporting(reported: int, on_time: int, late: int) -> ReportingTimeliness:
    rate = round(on_time / reported, 4) if reported else None
    return ReportingTimeliness(reported=reported, on_time=on_time, late=late, on_time_rate=rate)


def _handling(handled: int, on_time: int, late: int) -> HandlingTimeliness:
    rate = round(on_time / handled, 4) if handled else None
    return HandlingTimeliness(handled=handled, on_time=on_time, late=late, on_time_rate=rate)


async def _two_bodies(
    client: httpx.AsyncClient, sms: MemorySmsSender, db: Any, business_date: BusinessDate
) -> None:
    """Traffic police report four records (three late, one revoked late record besides) and
    decide two objections (one on time, one late); a civic office reports one record on time."""
    business_date(D(2026, 9, 29))
    prompt, traffic = await _objection(client, sms, db, "13990000201", None)
    lapsed, _ = await _objection(client, sms, db, "13990000202", traffic)
    civic = await f.department("civic", h.HONOURS_SCOPES)
    await _report(client, civic, h.BRAVERY, D(2026, 9, 28))
    police = await cases.department_principal(traffic)
    business_date(D(2026, 9, 30))
    await objections.reject(prompt, police, "不属于异议受理范围")  # on time
    business_date(D(2026, 10, 9))
    await objections.reject(lapsed, police, "不属于异议受理范围")  # due 10-08: late
    # Decided 09-30: 10-08 and 10-09 are its first two working days: on time.
    await _report(client, traffic, h.DRUNK, D(2026, 9, 30))
    business_date(D(2026, 10, 13))
    # Decided 09-25 (Mid-Autumn): the seventh working day is Monday 10-12, so late.
    await _report(client, traffic, h.DRINK, D(2026, 9, 25))
    revoked = await _report(client, traffic, h.DRINK, D(2026, 9, 1))
    await h.revoke(client, traffic, revoked)  # the finding was wrong: not counted


async def test_reporting_case_handling_and_feedback_side_by_side_per_body(
    client: httpx.AsyncClient, sms: MemorySmsSender, db: Any, business_date: BusinessDate
) -> None:
    await _two_bodies(client, sms, db, business_date)

    found = await service.integrity_statistics(3)
    assert (found.as_of, found.first_month, found.last_month) == (
        D(2026, 10, 13),
        "2026-08",
        "2026-10",
    )
    assert (found.integrity_version, found.report_within_working_days) == ("2026.1", 7)
    assert found.feedback_within_working_days == 5
    civic, traffic = found.bodies
    assert (civic.department.code, civic.department.name) == ("civic", "Department civic")
    assert civic.reporting == _reporting(1, on_time=1, late=0)
    assert civic.cases == _handling(0, 0, 0)
    assert traffic.department.code == "traffic"
    assert traffic.reporting == _reporting(4, on_time=1, late=3)
    assert traffic.reporting.on_time_rate == 0.25
    assert traffic.cases == _handling(2, on_time=1, late=1)
    # No measures feedback is counted yet: zeros for every body, rates null.
    assert civic.feedback == traffic.feedback == _handling(0, 0, 0)
    assert found.totals.reporting == _reporting(5, on_time=2, late=3)
    assert found.totals.cases == _handling(2, on_time=1, late=1)
    assert found.totals.feedback == _handling(0, 0, 0)

    # A month back the window holds October only: the September reports leave it.
    october = await service.integrity_statistics(1)
    assert [(b.department.code, b.reporting.reported) for b in october.bodies] == [("traffic", 2)]
    assert october.bodies[0].cases == _handling(2, on_time=1, late=1)  # since counting began


async def test_feedback_from_the_measures_shows_beside_the_rest(
    client: httpx.AsyncClient,
    sms: MemorySmsSender,
    db: Any,
    business_date: BusinessDate,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """What the measures feedback fills in ``feedback_counts`` appears per body and in the
    totals, for an enforcing body that reports nothing too."""
    await _two_bodies(client, sms, db, business_date)

    async def counted() -> Mapping[str, FeedbackCell]:
        return {
            "court-enforcement": FeedbackCell(
                department_code="court-enforcement",
                department_name="市中级人民法院执行局",
                handled=4,
                on_time=3,
                late=2,
            ),
            "traffic": FeedbackCell(
                department_code="traffic",
                department_name="Department traffic",
                handled=1,
                on_time=1,
                late=0,
            ),
        }

    monkeypatch.setattr(service, "feedback_counts", counted)
    found = await service.integrity_statistics(3)
    assert [b.department.code for b in found.bodies] == ["civic", "court-enforcement", "traffic"]
    court = found.bodies[1]
    assert court.department.name == "市中级人民法院执行局"
    assert court.feedback == _handling(4, on_time=3, late=2)
    assert court.reporting == _reporting(0, 0, 0) and court.cases == _handling(0, 0, 0)
    assert found.bodies[2].feedback == _handling(1, on_time=1, late=0)
    assert found.totals.feedback == _handling(5, on_time=4, late=2)


async def test_integrity_statistics_over_http(
    client: httpx.AsyncClient, sms: MemorySmsSender, db: Any, business_date: BusinessDate
) -> None:
    await _two_bodies(client, sms, db, business_date)
    officer = await h.officer(client)
    answer = await client.get(f"{h.STATISTICS}/integrity?months=3", headers=officer)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["reportWithinWorkingDays"] == 7 and body["feedbackWithinWorkingDays"] == 5
    assert body["integrityVersion"] == "2026.1"
    traffic = body["bodies"][1]
    assert traffic["department"] == {"code": "traffic", "name": "Department traffic"}
    assert traffic["reporting"] == {"reported": 4, "onTime": 1, "late": 3, "onTimeRate": 0.25}
    assert traffic["cases"] == {"handled": 2, "onTime": 1, "late": 1, "onTimeRate": 0.5}
    assert traffic["feedback"] == {"handled": 0, "onTime": 0, "late": 0, "onTimeRate": None}
    assert body["totals"]["reporting"]["onTimeRate"] == 0.4
    default = (await client.get(f"{h.STATISTICS}/integrity", headers=officer)).json()
    assert (default["firstMonth"], default["lastMonth"]) == ("2025-11", "2026-10")


# --- occupational groups ------------------------------------------------------------------------


def _counts(good: int = 0, minor: int = 0, general: int = 0, serious: int = 0) -> GroupCounts:
    bad = minor + general + serious
    return GroupCounts(
        total=good + bad, good=good, bad=bad, minor=minor, general=general, serious=serious
    )


async def _records_by_group(client: httpx.AsyncClient, db: Any) -> None:
    business_date_records = [
        (h.DRUNK, D(2026, 11, 2), "physician"),
        (h.DRINK, D(2026, 11, 3), "医师"),
        (h.PEDESTRIAN, D(2026, 10, 12), "teacher"),
        (h.BRAVERY, D(2026, 10, 12), "教师"),
        (h.DRINK, D(2026, 11, 4), None),
        (h.DRINK, D(2026, 6, 10), "physician"),  # outside three months
    ]
    traffic = await f.department("traffic", h.TRAFFIC_SCOPES)
    for record_type, decided, group in business_date_records:
        await _report(client, traffic, record_type, decided, group)
    revoked = await _report(client, traffic, h.DRINK, D(2026, 11, 5), "lawyer")
    await h.revoke(client, traffic, revoked)
    # Values stored before the list was content: a group's Chinese name, and a name of none.
    legacy = await _report(client, traffic, h.DRINK, D(2026, 11, 6))
    await db.execute("UPDATE record SET occupational_group = '医师' WHERE id = $1", legacy)
    dancer = await _report(client, traffic, h.PEDESTRIAN, D(2026, 11, 6))
    await db.execute("UPDATE record SET occupational_group = '舞蹈演员' WHERE id = $1", dancer)


async def test_records_by_occupational_group(
    client: httpx.AsyncClient, db: Any, business_date: BusinessDate
) -> None:
    business_date(D(2026, 11, 20))
    await _records_by_group(client, db)

    found = await service.occupation_statistics(3)
    assert (found.first_month, found.last_month, found.integrity_version) == (
        "2026-09",
        "2026-11",
        "2026.1",
    )
    by_code = {g.group: g for g in found.groups}
    assert by_code["physician"].counts == _counts(general=2, serious=1)
    assert (by_code["physician"].name_zh, by_code["physician"].listed) == ("医师", True)
    assert by_code["teacher"].counts == _counts(good=1, minor=1)
    assert by_code["lawyer"].counts == _counts()  # its one record was revoked
    assert found.groups[-1].group == "舞蹈演员"
    assert (found.groups[-1].listed, found.groups[-1].counts) == (False, _counts(minor=1))
    assert [g.group for g in found.groups[:3]] == [
        "civil-servant",
        "enterprise-legal-representative",
        "social-organisation-head",
    ]
    assert len(found.groups) == 26  # every group in force, then the unlisted value
    assert found.totals == _counts(good=1, minor=2, general=2, serious=1)

    year = await service.occupation_statistics(12)
    assert {g.group: g.counts for g in year.groups}["physician"] == _counts(general=3, serious=1)


async def test_records_by_occupational_group_over_http_in_english(
    client: httpx.AsyncClient, db: Any, business_date: BusinessDate
) -> None:
    business_date(D(2026, 11, 20))
    await _records_by_group(client, db)
    officer = await h.officer(client)
    answer = await client.get(
        f"{h.STATISTICS}/occupations?months=3", headers={**officer, "Accept-Language": "en"}
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    physician = next(g for g in body["groups"] if g["group"] == "physician")
    assert physician == {
        "group": "physician",
        "name": "Physicians",
        "nameZh": "医师",
        "listed": True,
        "counts": {"total": 3, "good": 0, "bad": 3, "minor": 0, "general": 2, "serious": 1},
    }
    assert body["totals"]["total"] == 6
