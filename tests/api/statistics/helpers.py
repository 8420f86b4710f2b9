"""Builders for the statistics tests: departments reporting records for given decision days,
officers with any role, and the bars an SVG chart draws."""

from __future__ import annotations

import datetime as dt
import itertools
import xml.etree.ElementTree as ET
from typing import Any

import httpx

from backend.identity import service as identity
from tests import factories as f

BATCH = "/v1/department/records:batch"
STATISTICS = "/v1/officer/statistics"
PASSWORD = "correct horse battery staple"
SVG = "{http://www.w3.org/2000/svg}"
DRUNK = "TRAFFIC-DRUNK-DRIVING"  # serious, -80
DRINK = "TRAFFIC-DRINK-DRIVING"  # general, -30
PEDESTRIAN = "TRAFFIC-SIGNAL-VIOLATION-PEDESTRIAN"  # minor
BRAVERY = "HONOUR-BRAVERY"  # good, +50
TRAFFIC_SCOPES = ["domain:traffic_safety", "domain:honours"]
HONOURS_SCOPES = ["domain:honours"]

_references = itertools.count(1)


async def report(
    client: httpx.AsyncClient, key: str, number: str, record_type: str, decided: dt.date
) -> int:
    """One record about ``number`` decided (and occurred) on ``decided``; returns its id."""
    day = decided.isoformat()
    item = f.record(number, f"st-{next(_references)}", record_type, occurredOn=day, decidedOn=day)
    response = await client.post(BATCH, headers={"X-Api-Key": key}, json={"records": [item]})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert body["accepted"] == 1, body
    record_id: int = body["items"][0]["recordId"]
    return record_id


async def revoke(client: httpx.AsyncClient, key: str, record_id: int) -> None:
    response = await client.post(
        f"/v1/department/records/{record_id}/revocation",
        headers={"X-Api-Key": key},
        json={"reason": "经复议撤销处罚决定"},
    )
    assert response.status_code == 200, response.text


async def officer(
    client: httpx.AsyncClient, username: str = "statistician", roles: tuple[str, ...] = ("officer",)
) -> dict[str, str]:
    await identity.create_officer(username, PASSWORD, f"信用办 {username}", list(roles))
    signed = await client.post(
        "/v1/auth/officer/sign-in", json={"username": username, "password": PASSWORD}
    )
    assert signed.status_code == 200, signed.text
    return {"Authorization": f"Bearer {signed.json()['accessToken']}"}


def parse(svg: bytes | str) -> ET.Element:
    """The chart as an element tree. ElementTree, not defusedxml (no new dependency): the
    document is this product's own output, parsed in a test."""
    return ET.fromstring(svg)  # noqa: S314


def bars(svg: bytes | str) -> dict[tuple[str, str], int]:
    """The bars of a chart: (category, series) -> value, read from the parsed SVG."""
    root = parse(svg)
    assert root.tag == f"{SVG}svg" and root.get("viewBox"), root.tag
    return {
        (rect.attrib["data-category"], rect.attrib["data-series"]): int(rect.attrib["data-value"])
        for rect in root.iter(f"{SVG}rect")
        if rect.get("class") == "bar"
    }


def bar_heights(svg: bytes | str) -> dict[tuple[str, str], float]:
    root = parse(svg)
    return {
        (rect.attrib["data-category"], rect.attrib["data-series"]): float(rect.attrib["height"])
        for rect in root.iter(f"{SVG}rect")
        if rect.get("class") == "bar"
    }


def chart_title(svg: bytes | str) -> str:
    root = parse(svg)
    title = root.find(f"{SVG}title")
    assert title is not None and title.text
    return title.text
