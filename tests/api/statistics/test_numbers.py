"""The statistics' numbers, computed by the service on data each test made through the real
API, services and worker (PostgreSQL and Redis), and the charts drawn from them. These need no
route: the HTTP side is in ``test_routes.py``."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx

from backend.identity.sms import MemorySmsSender
from backend.lists import service as lists
from backend.objections import service as objections
from backend.objections.schemas import ObjectionIn
from backend.platform.calendar import today_in_shanghai
from backend.platform.clock import SHANGHAI
from backend.statistics import service
from backend.statistics.schemas import CaseHandling, ListMoves, SeverityCounts
from tests import factories as f
from tests.api.objections import helpers as cases
from tests.api.statistics import helpers as h
from tests.api.verification import helpers as v
from tests.conftest import BusinessDate, RunWorker

D = dt.date


def _counts(total: int, good: int, minor: int, general: int, serious: int) -> SeverityCounts:
    return SeverityCounts(total=total, good=good, minor=minor, general=general, serious=serious)


async def _records_of_two_departments(client: httpx.AsyncClient) -> None:
    """Traffic police and a civic office report records decided in June, October and November
    2026; one November record is revoked afterwards."""
    traffic = await f.department("traffic", h.TRAFFIC_SCOPES)
    civic = await f.department("civic", h.HONOURS_SCOPES)
    first, second = f.id_number(), f.id_number()
    await h.report(client, traffic, first, h.DRUNK, D(2026, 11, 2))
    await h.report(client, traffic, second, h.DRINK, D(2026, 11, 2))
    await h.report(client, traffic, first, h.PEDESTRIAN, D(2026, 11, 3))
    await h.report(client, traffic, second, h.DRINK, D(2026, 10, 12))
    await h.report(client, traffic, first, h.BRAVERY, D(2026, 10, 12))
    await h.report(client, traffic, second, h.DRINK, D(2026, 6, 10))
    await h.report(client, civic, second, h.BRAVERY, D(2026, 11, 5))
    wrong = await h.report(client, traffic, first, h.DRINK, D(2026, 11, 4))
    await h.revoke(client, traffic, wrong)


async def test_records_by_month_domain_severity_and_department(
    client: httpx.AsyncClient, business_date: BusinessDate
) -> None:
    business_date(D(2026, 11, 20))
    await _records_of_two_departments(client)

    found = await service.record_statistics(3)
    assert (found.as_of, found.first_month, found.last_month) == (
        D(2026, 11, 20),
        "2026-09",
        "2026-11",
    )
    assert found.totals == _counts(6, good=2, minor=1, general=2, serious=1)
    assert [(m.month, m.counts) for m in found.months] == [
        ("2026-09", _counts(0, 0, 0, 0, 0)),
        ("2026-10", _counts(2, good=1, minor=0, general=1, serious=0)),
        ("2026-11", _counts(4, good=1, minor=1, general=1, serious=1)),
    ]
    assert [(d.domain, d.name_zh, d.counts) for d in found.domains] == [
        ("traffic_safety", "交通安全", _counts(4, good=0, minor=1, general=2, serious=1)),
        ("honours", "表彰荣誉", _counts(2, good=2, minor=0, general=0, serious=0)),
    ]
    assert [(d.department.code, d.department.name, d.counts) for d in found.departments] == [
        ("civic", "Department civic", _counts(1, good=1, minor=0, general=0, serious=0)),
        ("traffic", "Department traffic", _counts(5, good=1, minor=1, general=2, serious=1)),
    ]
    november = found.months[-1]
    assert [(d.department.code, d.counts.total) for d in november.departments] == [
        ("civic", 1),
        ("traffic", 3),
    ]
    assert [(d.domain, d.counts.total) for d in november.domains] == [
        ("traffic_safety", 3),
        ("honours", 1),
    ]
    assert found.months[0].domains == [] and found.months[0].departments == []

    # Twelve months reach back to December 2025 and take in the June record.
    year = await service.record_statistics(12)
    assert (year.first_month, len(year.months)) == ("2025-12", 12)
    assert year.totals == _counts(7, good=2, minor=1, general=3, serious=1)
    assert [m.counts.total for m in year.months if m.counts.total] == [1, 2, 4]


async def test_the_records_chart_draws_each_kind_stacked_per_month(
    client: httpx.AsyncClient, business_date: BusinessDate
) -> None:
    business_date(D(2026, 11, 20))
    await _records_of_two_departments(client)
    svg = await service.records_chart_svg(3)
    assert h.chart_title(svg) == "信用记录（按月）"
    assert h.bars(svg) == {
        ("2026-10", "优良"): 1,
        ("2026-10", "一般"): 1,
        ("2026-11", "优良"): 1,
        ("2026-11", "轻微"): 1,
        ("2026-11", "一般"): 1,
        ("2026-11", "严重"): 1,
    }
    heights = h.bar_heights(svg)
    october = sum(v for (month, _), v in heights.items() if month == "2026-10")
    november = sum(v for (month, _), v in heights.items() if month == "2026-11")
    assert november == 2 * october  # four records stand twice as high as two


async def test_grade_distribution_now_and_thirty_days_ago(
    client: httpx.AsyncClient, business_date: BusinessDate, run_worker: RunWorker
) -> None:
    traffic = await f.department("traffic", h.TRAFFIC_SCOPES)
    model, driver, drunk, newcomer = (f.id_number() for _ in range(4))
    business_date(D(2026, 10, 5))
    await h.report(client, traffic, model, h.BRAVERY, D(2026, 10, 5))  # 1050: AAA
    await h.report(client, traffic, driver, h.DRINK, D(2026, 10, 5))  # 970: A
    await h.report(client, traffic, drunk, h.DRUNK, D(2026, 10, 5))  # 920: B
    await run_worker()
    business_date(D(2026, 11, 20))
    await h.report(client, traffic, driver, h.DRUNK, D(2026, 11, 20))  # 890: B
    await h.report(client, traffic, newcomer, h.DRINK, D(2026, 11, 20))  # 970: A
    await run_worker()

    found = await service.grade_statistics(30)
    assert (found.as_of, found.compared_with) == (D(2026, 11, 20), D(2026, 10, 21))
    assert (found.citizens, found.citizens_then) == (4, 3)
    assert [(g.grade, g.citizens, g.citizens_then, g.change) for g in found.grades] == [
        ("AAA", 1, 1, 0),
        ("AA", 0, 0, 0),
        ("A", 1, 1, 0),
        ("B", 2, 1, 1),
        ("C", 0, 0, 0),
        ("D", 0, 0, 0),
    ]
    assert [g.share for g in found.grades] == [0.25, 0.0, 0.25, 0.5, 0.0, 0.0]
    assert (found.grades[0].name_zh, found.grades[0].colour) == ("诚信模范", "#B8860B")
    # Fifty days back, before anyone was scored: nobody then.
    assert (await service.grade_statistics(50)).citizens_then == 0

    svg = await service.grades_chart_svg(30)
    assert h.chart_title(svg) == "信用等级分布"
    assert h.bars(svg) == {
        ("AAA", "现在"): 1,
        ("A", "现在"): 1,
        ("B", "现在"): 2,
        ("AAA", "2026-10-21"): 1,
        ("A", "2026-10-21"): 1,
        ("B", "2026-10-21"): 1,
    }


async def _objection(
    client: httpx.AsyncClient, sms: MemorySmsSender, db: Any, phone: str, key: str | None
) -> tuple[int, str]:
    """An objection filed today (the business date) against a new record; (id, department key)."""
    who = await cases.citizen(client, sms, phone, [(h.DRINK, "2026-09-01")], key=key)
    citizen_id = await db.fetchval("SELECT citizen FROM record WHERE id = $1", who.records[0])
    data = ObjectionIn(record_id=who.records[0], reason_category="other", statement="不是我")
    detail = await objections.file_objection(citizen_id, data, cases.citizen_actor(citizen_id))
    return detail.objection.id, who.key


async def test_case_handling_with_on_time_rate_and_working_days(
    client: httpx.AsyncClient, sms: MemorySmsSender, db: Any, business_date: BusinessDate
) -> None:
    # 2026: National Day 1-7 Oct is off; 29 and 30 Sep, 8 and 9 Oct are working days.
    business_date(D(2026, 9, 29))
    prompt, key = await _objection(client, sms, db, "13990000001", None)
    lapsed, _ = await _objection(client, sms, db, "13990000002", key)
    department = await cases.department_principal(key)
    business_date(D(2026, 9, 30))
    await objections.reject(prompt, department, "不属于异议受理范围")  # 1 working day, on time
    business_date(D(2026, 10, 9))
    await objections.reject(lapsed, department, "不属于异议受理范围")  # due 8 Oct: 3 days, late
    await _objection(client, sms, db, "13990000003", key)  # still open, not yet due

    found = await service.case_statistics()
    handled = CaseHandling(
        handled=2,
        on_time=1,
        late=1,
        open=1,
        overdue=0,
        on_time_rate=0.5,
        average_working_days=2.0,
    )
    nothing = CaseHandling(
        handled=0,
        on_time=0,
        late=0,
        open=0,
        overdue=0,
        on_time_rate=None,
        average_working_days=None,
    )
    assert found.as_of == D(2026, 10, 9)
    assert (found.objections, found.repairs) == (handled, nothing)
    [traffic] = found.departments
    assert traffic.department.code == "traffic"
    assert (traffic.objections, traffic.repairs) == (handled, nothing)


async def test_list_entries_and_exits_by_month(
    client: httpx.AsyncClient, business_date: BusinessDate
) -> None:
    traffic = await f.department("traffic", h.TRAFFIC_SCOPES)
    civic = await f.department("civic", h.HONOURS_SCOPES)
    officer = await h.officer(client)
    entries = "/v1/officer/lists/entries"

    async def decide(action: str, which: str, reason: str) -> None:
        """Decide the oldest proposal by a record rule (an approved honour re-scores the card,
        which may let the grade rule propose the same citizen too: not what is counted here)."""
        page = (await client.get(f"{entries}?status=proposed&list={which}", headers=officer)).json()
        by_record = [e for e in page["items"] if e["why"]["recordId"] is not None]
        entry = by_record[-1]["id"]
        answer = await client.post(
            f"{entries}/{entry}/{action}", headers=officer, json={"reason": reason}
        )
        assert answer.status_code == 200, answer.text

    business_date(D(2026, 10, 12))
    dishonest = await h.report(client, traffic, f.id_number(), h.DRUNK, D(2026, 10, 12))
    await h.report(client, civic, f.id_number(), h.BRAVERY, D(2026, 10, 12))
    assert await lists.propose() == 2
    await decide("approval", "black", "决定书已生效")
    await decide("approval", "red", "见义勇为")

    business_date(D(2026, 11, 3))
    await h.revoke(client, traffic, dishonest)
    assert await lists.end_lapsed() == 1  # the black entry leaves with its record
    [published] = (await client.get(f"{entries}?status=published", headers=officer)).json()["items"]
    removed = await client.post(
        f"{entries}/{published['id']}/removal", headers=officer, json={"reason": "荣誉被撤销"}
    )
    assert removed.status_code == 200, removed.text
    await h.report(client, civic, f.id_number(), h.BRAVERY, D(2026, 11, 3))
    await h.report(client, civic, f.id_number(), h.BRAVERY, D(2026, 11, 3))
    await lists.propose()
    page = (await client.get(f"{entries}?status=proposed&list=red", headers=officer)).json()
    assert len([e for e in page["items"] if e["why"]["ruleCode"] == "red-honours"]) == 2
    await decide("approval", "red", "见义勇为")
    await decide("rejection", "red", "材料不全")  # a rejected proposal never entered

    found = await service.list_statistics(3)
    assert (found.first_month, found.last_month) == ("2026-09", "2026-11")
    assert (found.red, found.black) == (
        ListMoves(entries=2, exits=1),
        ListMoves(entries=1, exits=1),
    )
    assert [(m.month, m.red, m.black) for m in found.months] == [
        ("2026-09", ListMoves(entries=0, exits=0), ListMoves(entries=0, exits=0)),
        ("2026-10", ListMoves(entries=1, exits=0), ListMoves(entries=1, exits=0)),
        ("2026-11", ListMoves(entries=1, exits=1), ListMoves(entries=0, exits=1)),
    ]


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=SHANGHAI)


async def test_notifications_delivered_and_failed_by_month_in_shanghai(
    client: httpx.AsyncClient, db: Any, business_date: BusinessDate
) -> None:
    business_date(D(2026, 11, 20))
    november = _at(D(2026, 11, 10), 12)
    deliveries = [
        *[("sent", november)] * 3,
        ("failed", november),
        ("expired", november),
        ("pruned", november),
        ("skipped", november),
        ("pending", november),
        ("sending", november),
        # Either side of midnight on 1 November in Shanghai (both 31 October in UTC).
        *[("sent", _at(D(2026, 10, 31), 23, 30))] * 2,
        ("sent", _at(D(2026, 11, 1), 0, 30)),
        *[("sent", _at(D(2026, 9, 15), 9))] * 5,  # before the window
    ]
    for number, (status, at) in enumerate(deliveries, start=1):
        await db.execute(
            "INSERT INTO push_delivery (notification, device, citizen, status, not_before,"
            " attempts, reclaimed, created_at) VALUES ($1, $1, 1, $2, $3, 1, 0, $3)",
            number,
            status,
            at,
        )
    for number, at in enumerate([november] * 4 + [_at(D(2026, 10, 31), 23, 30)], start=1):
        await db.execute(
            "INSERT INTO notification (event_id, citizen, kind, category, legal, title, body,"
            " data, created_at) VALUES ($1, 1, 'record.added', 'records', false, '新记录',"
            " '您有一条新的信用记录', '{}', $2)",
            number,
            at,
        )

    found = await service.notification_statistics(2)
    assert (found.first_month, found.last_month) == ("2026-10", "2026-11")
    october, november_counts = (m.counts for m in found.months)
    assert (october.inbox, october.pushes, october.delivered) == (1, 2, 2)
    assert (
        november_counts.inbox,
        november_counts.pushes,
        november_counts.delivered,
        november_counts.failed,
        november_counts.expired,
        november_counts.pruned,
        november_counts.skipped,
        november_counts.pending,
    ) == (4, 10, 4, 1, 1, 1, 1, 2)
    assert (found.totals.pushes, found.totals.delivered, found.totals.inbox) == (12, 6, 5)
    assert (await service.notification_statistics(3)).totals.delivered == 11


async def test_merchant_verifications_by_benefit(
    client: httpx.AsyncClient, sms: MemorySmsSender, run_worker: RunWorker
) -> None:
    # Real time: codes, checks and redemptions carry the instant they happened.
    _, citizen = await f.signed_up(client, sms, "13990000011")
    number, flagged = await f.signed_up(client, sms, "13990000012")
    traffic = await f.department("traffic", h.TRAFFIC_SCOPES)
    await h.report(client, traffic, number, h.DRUNK, today_in_shanghai())  # grade B
    await run_worker()
    library = await v.merchant()
    bikes = await v.merchant("city-bikes", "市公共自行车公司", (v.BIKES,))

    codes = [await v.make_code(client, citizen) for _ in range(3)]
    for code in codes[:2]:
        assert (await v.redeem(client, library, code=code["code"])).status_code == 200
    recorded = await client.post(
        f"/v1/merchant/verifications/{codes[0]['verificationId']}/redemption",
        headers=library,
        json={"description": "免押金借阅 5 册"},
    )
    assert recorded.status_code == 201, recorded.text
    refused = await v.redeem(client, library, code=(await v.make_code(client, flagged))["code"])
    assert refused.json()["eligible"] is False
    bike = await v.make_code(client, citizen, v.BIKES)
    assert (await v.redeem(client, bikes, code=bike["code"])).status_code == 200
    consent = await client.post(
        v.CONSENTS,
        json={"organisation": "city-library", "purpose": "年度借阅免押金", "days": 90},
        headers=citizen,
    )
    check = await client.post(
        v.CONSENT_CHECKS,
        json={"consentId": consent.json()["id"], "benefit": v.LIBRARY},
        headers=library,
    )
    assert check.status_code == 200, check.text

    found = await service.verification_statistics(1)
    assert [(b.benefit, b.name_zh) for b in found.benefits] == [
        (v.LIBRARY, "图书馆免押金借阅"),
        (v.BIKES, "公共自行车免押金"),
    ]
    library_counts, bike_counts = (b.counts for b in found.benefits)
    assert (
        library_counts.codes_issued,
        library_counts.checks,
        library_counts.consent_checks,
        library_counts.eligible,
        library_counts.not_eligible,
        library_counts.redemptions,
    ) == (4, 4, 1, 3, 1, 1)
    assert (bike_counts.codes_issued, bike_counts.checks, bike_counts.eligible) == (1, 1, 1)
    assert (found.totals.codes_issued, found.totals.checks, found.totals.redemptions) == (5, 5, 1)
