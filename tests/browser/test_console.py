"""The console in a real browser (headless Chromium): an officer signs in and decides an
objection; an admin publishes the rules version another officer drafted; the statistics page
shows its chart. Screenshots of the queue, the diff and the statistics go to var/screenshots/."""

from __future__ import annotations

from pathlib import Path

import httpx
from playwright.async_api import Page, async_playwright

from backend.identity import service as identity
from backend.identity.sms import MemorySmsSender
from tests.api.objections.helpers import citizen, file_objection
from tests.api.policy.test_policy_versions import rules_body, tomorrow

PASSWORD = "correct horse battery staple"


async def _sign_in(page: Page, server: str, username: str) -> None:
    await page.goto(f"{server}/console/sign-in")
    await page.fill("input[name=username]", username)
    await page.fill("input[name=password]", PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_url(f"{server}/console/cases")


async def _verifying_objection(client: httpx.AsyncClient, sms: MemorySmsSender) -> int:
    """An objection the department accepted and proposed to uphold: the office decides it."""
    who = await citizen(client, sms, "13990000001", [("TRAFFIC-DRINK-DRIVING", "2026-09-01")])
    filed = await file_objection(client, who, who.records[0])
    case_id: int = filed.json()["objection"]["id"]
    base = f"/v1/department/objections/{case_id}"
    accepted = await client.post(
        f"{base}/acceptance", headers=who.dept, json={"reason": "受理核查"}
    )
    assert accepted.status_code == 200, accepted.text
    proposal = {"outcome": "upheld", "reason": "经核查，记录属实"}
    proposed = await client.post(f"{base}/proposal", headers=who.dept, json=proposal)
    assert proposed.status_code == 200, proposed.text
    return case_id


async def test_the_office_works_from_the_console(
    client: httpx.AsyncClient,
    sms: MemorySmsSender,
    server: str,
    browser_path: str,
    screenshots: Path,
    seeded: None,
) -> None:
    case_id = await _verifying_objection(client, sms)
    await identity.create_officer("li.wei", PASSWORD, "李伟", ["officer"])
    await identity.create_officer("wang.fang", PASSWORD, "王芳", ["officer", "admin"])
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=browser_path, args=["--no-sandbox"]
        )
        officer = await browser.new_page(viewport={"width": 1366, "height": 768})
        await _sign_in(officer, server, "li.wei")
        await officer.screenshot(path=str(screenshots / "queue.png"), full_page=True)
        await officer.click(f"a[href='/console/cases/objections/{case_id}']")
        await officer.select_option("select[name=outcome]", "upheld")
        decision = "form[action$='/decision']"
        await officer.fill(f"{decision} textarea[name=reason]", "核查属实，维持原记录")
        await officer.click(f"{decision} button[type=submit]")
        await officer.wait_for_selector("p.done")
        assert "upheld" in await officer.inner_text("h1")

        await officer.goto(f"{server}/console/policy")
        await officer.select_option("select[name=kind]", "rules")
        await officer.fill(
            "textarea[name=body]", rules_body("2099.1", tomorrow(), base_points=1010)
        )
        await officer.click("form[action='/console/policy/drafts'] button[type=submit]")
        await officer.wait_for_selector("table.diff")
        draft_url = officer.url.split("?")[0]
        assert "rules.base_points" in await officer.inner_text("table.diff")
        await officer.screenshot(path=str(screenshots / "diff.png"), full_page=True)

        admin = await (
            await browser.new_context(viewport={"width": 1366, "height": 768})
        ).new_page()
        await _sign_in(admin, server, "wang.fang")
        await admin.goto(draft_url)
        await admin.fill("input[name=reason]", "主任办公会审议通过")
        await admin.click("form[action$='/publication'] button:first-of-type")
        await admin.wait_for_selector("p.done")
        assert "published" in await admin.inner_text("h1")

        await admin.goto(f"{server}/console/statistics")
        chart = admin.locator("#records-chart svg")
        await chart.wait_for()
        assert await chart.get_attribute("viewBox")
        assert await admin.locator("#grades-chart svg").count() == 1
        await admin.screenshot(path=str(screenshots / "statistics.png"), full_page=True)
        await browser.close()
