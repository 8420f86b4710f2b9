"""Policy versions the office publishes: read, check, draft, publish (maker-checker), withdraw;
every operation with each role, and the bad paths."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx

from backend.content.live import live_content
from backend.platform import runtime
from backend.platform.config import REPO_ROOT
from tests.api.identity.problems import assert_problem
from tests.api.policy.conftest import Officer

SEED_RULES = (REPO_ROOT / "content/rules/2026.1.toml").read_text(encoding="utf-8")
CONTENT = "/v1/officer/content"
RULES = f"{CONTENT}/kinds/rules"


def rules_body(version: str, effective_from: dt.date, *, base_points: int = 1000) -> str:
    return (
        SEED_RULES.replace('version = "2026.1"', f'version = "{version}"', 1)
        .replace("effective_from = 2026-04-01", f"effective_from = {effective_from.isoformat()}", 1)
        .replace("base_points = 1000", f"base_points = {base_points}", 1)
    )


def tomorrow() -> dt.date:
    return runtime.clock().today() + dt.timedelta(days=1)


async def _draft(client: httpx.AsyncClient, headers: dict[str, str], body: str) -> dict[str, Any]:
    response = await client.post(f"{RULES}/drafts", headers=headers, json={"body": body})
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def test_kinds_and_versions_are_readable_by_every_officer(
    client: httpx.AsyncClient, seeded: None, officer: Officer
) -> None:
    headers = await officer("reader", ["reports"])
    kinds = (await client.get(f"{CONTENT}/kinds", headers=headers)).json()
    rules = next(k for k in kinds if k["kind"] == "rules")
    assert rules["inForce"]["version"] == "2026.1" and rules["openDrafts"] == 0
    assert {k["kind"] for k in kinds} >= {"catalog", "rules", "benefits", "calendar"}
    versions = (await client.get(f"{RULES}/versions", headers=headers)).json()
    assert [(v["version"], v["inForce"], v["publishedBy"]) for v in versions] == [
        ("2026.1", True, "seed")
    ]
    one = (await client.get(f"{RULES}/versions/2026.1", headers=headers)).json()
    assert one["body"] == SEED_RULES
    assert_problem(
        await client.get(f"{RULES}/versions/1999.1", headers=headers),
        404,
        "content-version-not-found",
    )
    assert_problem(
        await client.get(f"{CONTENT}/kinds/sermons/versions", headers=headers),
        404,
        "content-kind-not-found",
    )


async def test_a_draft_is_checked_and_shows_what_it_changes(
    client: httpx.AsyncClient, seeded: None, officer: Officer
) -> None:
    headers = await officer("drafter", ["officer"])
    body = rules_body("2099.1", tomorrow(), base_points=1010)
    checked = await client.post(f"{RULES}/checks", headers=headers, json={"body": body})
    assert checked.status_code == 200, checked.text
    assert checked.json() == {
        "against": "2026.1",
        "entriesChanged": ["rules"],
        "changes": [
            {
                "path": "rules.base_points",
                "entry": "rules",
                "change": "changed",
                "before": "1000",
                "after": "1010",
            }
        ],
    }
    draft = await _draft(client, headers, body)
    assert draft["draft"]["status"] == "draft" and draft["draft"]["draftedBy"] == "drafter"
    assert draft["diff"] == checked.json() and draft["body"] == body
    listed = (await client.get(f"{CONTENT}/drafts?kind=rules", headers=headers)).json()
    assert [d["id"] for d in listed["items"]] == [draft["draft"]["id"]]
    # Nothing published yet: the version in force is the seed's.
    assert [r.version for r in runtime.current().rules] == ["2026.1"]


async def test_an_invalid_or_past_or_taken_draft_is_refused(
    client: httpx.AsyncClient, seeded: None, officer: Officer
) -> None:
    headers = await officer("drafter", ["officer"])
    bad_band = rules_body("2099.1", tomorrow()).replace("min_points = 1050", "min_points = 10", 1)
    refused = assert_problem(
        await client.post(f"{RULES}/drafts", headers=headers, json={"body": bad_band}),
        422,
        "content-version-invalid",
    )
    assert "2099.1" in refused["detail"] and "grade" in refused["detail"]
    yesterday = runtime.clock().today() - dt.timedelta(days=1)
    assert_problem(
        await client.post(
            f"{RULES}/drafts",
            headers=headers,
            json={"body": rules_body("2099.2", yesterday)},
        ),
        422,
        "effective-date-past",
        field="effectiveFrom",
    )
    assert_problem(
        await client.post(f"{RULES}/drafts", headers=headers, json={"body": SEED_RULES}),
        409,
        "content-version-exists",
    )
    assert_problem(
        await client.post(f"{RULES}/drafts", headers=headers, json={"body": "not toml ="}),
        422,
        "content-version-invalid",
    )
    assert_problem(
        await client.post(f"{RULES}/drafts", headers=headers, json={"body": 1}),
        422,
        "validation-failed",
    )


async def test_maker_checker_an_admin_other_than_the_drafter_publishes(
    client: httpx.AsyncClient, seeded: None, officer: Officer, db: Any
) -> None:
    drafter = await officer("drafter", ["officer", "admin"])
    plain = await officer("plain", ["officer"])
    checker = await officer("checker", ["officer", "admin"])
    draft = await _draft(client, drafter, rules_body("2099.1", tomorrow(), base_points=1010))
    url = f"{CONTENT}/drafts/{draft['draft']['id']}/publication"
    reason = {"reason": "经主任办公会审议通过"}
    assert_problem(await client.post(url, headers=plain, json=reason), 403, "admin-only")
    assert_problem(await client.post(url, headers=drafter, json=reason), 403, "maker-checker")
    published = await client.post(url, headers=checker, json=reason)
    assert published.status_code == 200, published.text
    assert published.json()["status"] == "published"
    assert published.json()["decidedBy"] == "checker"
    assert_problem(await client.post(url, headers=checker, json=reason), 409, "draft-closed")
    await live_content().refresh()  # what the poller does within two seconds
    assert runtime.current().rules.by_version("2099.1") is not None
    versions = (await client.get(f"{RULES}/versions", headers=plain)).json()
    assert [(v["version"], v["publishedBy"]) for v in versions] == [
        ("2099.1", "checker"),
        ("2026.1", "seed"),
    ]
    actions = await db.fetch(
        "SELECT action, actor_id, before, after FROM audit_log"
        " WHERE object_type = 'content_draft' ORDER BY id"
    )
    assert [a["action"] for a in actions] == ["content.draft", "content.publish"]
    assert '"status": "published"' in actions[1]["after"]


async def test_withdrawal_by_the_drafter_or_an_admin_only(
    client: httpx.AsyncClient, seeded: None, officer: Officer
) -> None:
    drafter = await officer("drafter", ["officer"])
    other = await officer("other", ["officer"])
    admin = await officer("admin", ["officer", "admin"])
    first = await _draft(client, drafter, rules_body("2099.1", tomorrow()))
    url = f"{CONTENT}/drafts/{first['draft']['id']}/withdrawal"
    reason = {"reason": "数值需再核"}
    assert_problem(await client.post(url, headers=other, json=reason), 403, "not-drafter")
    withdrawn = await client.post(url, headers=drafter, json=reason)
    assert withdrawn.json()["status"] == "withdrawn", withdrawn.text
    publish = f"{CONTENT}/drafts/{first['draft']['id']}/publication"
    assert_problem(await client.post(publish, headers=admin, json=reason), 409, "draft-closed")
    second = await _draft(client, drafter, rules_body("2099.2", tomorrow()))
    by_admin = await client.post(
        f"{CONTENT}/drafts/{second['draft']['id']}/withdrawal", headers=admin, json=reason
    )
    assert by_admin.json()["decidedBy"] == "admin"
    assert_problem(await client.get(f"{CONTENT}/drafts/999", headers=admin), 404, "draft-not-found")


async def test_a_draft_whose_date_passed_is_not_published(
    client: httpx.AsyncClient, seeded: None, officer: Officer, business_date: Any
) -> None:
    drafter = await officer("drafter", ["officer"])
    checker = await officer("checker", ["admin"])
    draft = await _draft(client, drafter, rules_body("2099.1", tomorrow()))
    business_date(2)
    assert_problem(
        await client.post(
            f"{CONTENT}/drafts/{draft['draft']['id']}/publication",
            headers=checker,
            json={"reason": "迟到的发布"},
        ),
        422,
        "effective-date-past",
    )


async def test_every_role_on_every_policy_operation(
    client: httpx.AsyncClient, seeded: None, officer: Officer
) -> None:
    """Reads: any officer. Checks, drafts, withdrawals: the officer or admin role. Publishing:
    admin. Citizens and callers without a token: never."""
    reports = await officer("reports-only", ["reports"])
    plain = await officer("plain", ["officer"])
    admin = await officer("boss", ["admin"])
    body = {"body": rules_body("2099.1", tomorrow())}
    reads = [f"{CONTENT}/kinds", f"{RULES}/versions", f"{CONTENT}/drafts"]
    for headers in (reports, plain, admin):
        for path in reads:
            assert (await client.get(path, headers=headers)).status_code == 200, path
    for path in reads:
        assert_problem(await client.get(path), 401, "token-invalid")
    assert_problem(
        await client.post(f"{RULES}/checks", headers=reports, json=body),
        403,
        "officer-role-required",
    )
    assert_problem(
        await client.post(f"{RULES}/drafts", headers=reports, json=body),
        403,
        "officer-role-required",
    )
    draft = await _draft(client, plain, body["body"])
    decision = {"reason": "复核"}
    draft_url = f"{CONTENT}/drafts/{draft['draft']['id']}"
    assert_problem(
        await client.post(f"{draft_url}/withdrawal", headers=reports, json=decision),
        403,
        "officer-role-required",
    )
    for headers in (reports, plain):
        assert_problem(
            await client.post(f"{draft_url}/publication", headers=headers, json=decision),
            403,
            "admin-only",
        )
    published = await client.post(f"{draft_url}/publication", headers=admin, json=decision)
    assert published.status_code == 200, published.text
    preflight = await client.options(f"{draft_url}/publication")
    assert preflight.status_code == 204
