"""The statistics over HTTP (``/v1/officer/statistics/...``): any officer role reads them,
nobody else; query parameters are checked with RFC 9457 problems; charts are SVG with a short
private cache. The numbers themselves are checked in ``test_numbers.py``."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest

from backend.identity.sms import MemorySmsSender
from tests import factories as f
from tests.api.identity.problems import assert_problem
from tests.api.statistics import helpers as h
from tests.conftest import BusinessDate, RunWorker

D = dt.date
JSON_PATHS = [
    "records",
    "grades",
    "cases",
    "lists",
    "notifications",
    "verifications",
    "integrity",
    "occupations",
]
CHARTS = ["charts/records-by-month.svg", "charts/grades.svg"]


async def test_every_officer_role_reads_every_statistic_and_nobody_else_does(
    client: httpx.AsyncClient, sms: MemorySmsSender
) -> None:
    roles = [("officer",), ("admin",), ("reports",)]
    officers = [await h.officer(client, f"reader{n}", role) for n, role in enumerate(roles)]
    _, citizen = await f.signed_up(client, sms, "13990000101")
    department = {"X-Api-Key": await f.department("traffic")}
    for path in JSON_PATHS + CHARTS:
        url = f"{h.STATISTICS}/{path}"
        for headers in officers:
            assert (await client.get(url, headers=headers)).status_code == 200, (path, headers)
        assert_problem(await client.get(url), 401, "token-invalid")
        assert_problem(await client.get(url, headers=citizen), 403, "officer-only")
        assert (await client.get(url, headers=department)).status_code == 401


@pytest.mark.parametrize(
    "query",
    [
        "records?months=0",
        "records?months=37",
        "records?months=twelve",
        "lists?months=-1",
        "notifications?months=100",
        "verifications?months=1.5",
        "grades?days=0",
        "grades?days=366",
        "charts/records-by-month.svg?months=37",
        "charts/grades.svg?days=abc",
    ],
)
async def test_bad_query_parameters_answer_problems(client: httpx.AsyncClient, query: str) -> None:
    officer = await h.officer(client)
    assert_problem(
        await client.get(f"{h.STATISTICS}/{query}", headers=officer), 422, "validation-failed"
    )


async def test_records_as_json_in_the_callers_language(
    client: httpx.AsyncClient, business_date: BusinessDate
) -> None:
    business_date(D(2026, 11, 20))
    traffic = await f.department("traffic", h.TRAFFIC_SCOPES)
    await h.report(client, traffic, f.id_number(), h.DRUNK, D(2026, 11, 2))
    await h.report(client, traffic, f.id_number(), h.BRAVERY, D(2026, 10, 12))
    officer = await h.officer(client)
    answer = await client.get(
        f"{h.STATISTICS}/records?months=2", headers={**officer, "Accept-Language": "en"}
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["asOf"], body["firstMonth"], body["lastMonth"]) == (
        "2026-11-20",
        "2026-10",
        "2026-11",
    )
    assert body["totals"] == {"total": 2, "good": 1, "minor": 0, "general": 0, "serious": 1}
    assert [(m["month"], m["counts"]["total"]) for m in body["months"]] == [
        ("2026-10", 1),
        ("2026-11", 1),
    ]
    assert [(d["domain"], d["name"], d["nameZh"]) for d in body["domains"]] == [
        ("honours", "Honours and commendations", "表彰荣誉"),
        ("traffic_safety", "Traffic safety", "交通安全"),
    ]
    assert body["departments"][0]["department"] == {
        "code": "traffic",
        "name": "Department traffic",
    }
    default = (await client.get(f"{h.STATISTICS}/records", headers=officer)).json()
    assert (default["firstMonth"], len(default["months"])) == ("2025-12", 12)


async def test_charts_are_svg_cached_privately_for_a_minute(
    client: httpx.AsyncClient, business_date: BusinessDate, run_worker: RunWorker
) -> None:
    business_date(D(2026, 11, 20))
    traffic = await f.department("traffic", h.TRAFFIC_SCOPES)
    await h.report(client, traffic, f.id_number(), h.DRUNK, D(2026, 11, 2))
    await h.report(client, traffic, f.id_number(), h.DRUNK, D(2026, 11, 3))
    await h.report(client, traffic, f.id_number(), h.PEDESTRIAN, D(2026, 10, 12))
    await run_worker()
    officer = await h.officer(client)

    chart = await client.get(
        f"{h.STATISTICS}/charts/records-by-month.svg?months=2", headers=officer
    )
    assert chart.status_code == 200, chart.text
    assert chart.headers["content-type"].startswith("image/svg+xml")
    assert chart.headers["cache-control"] == "private, max-age=60"
    assert h.bars(chart.content) == {("2026-10", "轻微"): 1, ("2026-11", "严重"): 2}

    english = await client.get(
        f"{h.STATISTICS}/charts/grades.svg?days=30", headers={**officer, "Accept-Language": "en"}
    )
    assert english.headers["cache-control"] == "private, max-age=60"
    assert "Accept-Language" in english.headers.get("vary", "")
    assert h.chart_title(english.content) == "Grade distribution"
    # The pedestrian's 995 points and the drivers' 920 were scored on 20 November.
    assert h.bars(english.content) == {("A", "Now"): 1, ("B", "Now"): 2}

    grades = (await client.get(f"{h.STATISTICS}/grades?days=30", headers=officer)).json()
    assert [(g["grade"], g["citizens"]) for g in grades["grades"] if g["citizens"]] == [
        ("A", 1),
        ("B", 2),
    ]
    assert grades["comparedWith"] == "2026-10-21" and grades["citizensThen"] == 0


async def test_the_statistics_are_documented_for_dashboards(client: httpx.AsyncClient) -> None:
    document = (await client.get("/schema/openapi.json")).json()
    operations = {
        path.removeprefix(h.STATISTICS + "/"): item["get"]
        for path, item in document["paths"].items()
        if path.startswith(h.STATISTICS + "/") and path != f"{h.STATISTICS}/departments"
    }
    assert sorted(operations) == sorted(JSON_PATHS + CHARTS)
    for path, operation in operations.items():
        assert operation["tags"] == ["Officer statistics"], path
        assert operation["operationId"].startswith("get"), path
    chart = operations["charts/grades.svg"]["responses"]["200"]
    assert list(chart["content"]) == ["image/svg+xml"]
    assert "Cache-Control" in chart["headers"]
    months = next(p for p in operations["records"]["parameters"] if p["name"] == "months")
    assert (months["schema"]["minimum"], months["schema"]["maximum"]) == (1, 36)
