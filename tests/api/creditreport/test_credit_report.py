"""The personal credit report: its text states what the API states, it can be checked online by
number or short code for 30 days, and a changed file fails both the fingerprint and the
signature. A sample's first page is rendered to PNG under var/ (not committed)."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from typing import Any

import httpx
import pypdfium2
from pypdf import PdfReader

from backend.creditreport.signing import verify
from backend.identity.sms import MemorySmsSender
from backend.platform import runtime
from backend.platform.config import REPO_ROOT
from backend.verification.signing import public_key_bytes
from tests.api.objections.helpers import citizen, days_ago
from tests.conftest import BusinessDate

DEBTOR = "JUDICIAL-DISHONEST-JUDGMENT-DEBTOR"
PEDESTRIAN = "TRAFFIC-SIGNAL-VIOLATION-PEDESTRIAN"


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def _public_key() -> bytes:
    return public_key_bytes(runtime.current().settings.key_bytes("verification_signing_key"))


async def _report(client: httpx.AsyncClient, headers: dict[str, str]) -> tuple[str, bytes]:
    response = await client.get("/v1/me/credit-report", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["cache-control"] == "no-store"
    return response.headers["x-report-number"], response.content


async def test_the_report_states_what_the_api_states_and_can_be_checked(
    client: httpx.AsyncClient, sms: MemorySmsSender, business_date: BusinessDate
) -> None:
    court = await _court()
    who = await citizen(client, sms, "13930000001", [(DEBTOR, days_ago(40))], key=court)
    number, pdf = await _report(client, who.headers)
    text = _text(pdf)
    flat = text.replace("\n", "")  # a long title wraps inside its table cell

    card = (await client.get("/v1/me/card", headers=who.headers)).json()
    profile = (await client.get("/v1/me", headers=who.headers)).json()
    [record] = (await client.get("/v1/me/records", headers=who.headers)).json()["items"]
    benefits = (await client.get("/v1/me/benefits", headers=who.headers)).json()
    assert "个人信用报告" in text and "Personal Credit Report" in text
    assert number in text and who.number in text and profile["name"] in text
    assert f"信用积分 Points：{card['points']}" in text and card["grade"]["code"] in text
    assert card["rulesVersion"] in text
    assert record["titleZh"] in flat and record["displayUntil"] in text
    assert record["decidedOn"] in text and record["department"]["name"] in text
    for measure in benefits["restrictions"]:
        assert measure["nameZh"] in flat
    assert "严重失信主体名单 Serious-dishonesty list：否 No" in text
    assert "第 1 页 / 共" in text
    assert len(pdf) < 400_000  # the font is embedded as a subset

    check = (await client.get(f"/v1/public/credit-reports/{number}")).json()
    assert check["valid"] is True and check["fingerprint"] == hashlib.sha256(pdf).hexdigest()
    code = text.split("Check code：")[1].split()[0]
    assert (await client.get(f"/v1/public/credit-reports/{code}")).json()["number"] == number
    assert (await client.get("/v1/public/credit-reports/XY0000")).json()["valid"] is False
    assert verify(number, pdf, _public_key())

    expired = runtime.clock().today() + dt.timedelta(days=31)
    business_date(expired)
    assert (await client.get(f"/v1/public/credit-reports/{number}")).json()["valid"] is False
    _save_sample(pdf)


async def test_a_changed_file_fails_the_fingerprint_and_the_signature(
    client: httpx.AsyncClient, sms: MemorySmsSender
) -> None:
    who = await citizen(client, sms, "13930000002", [(PEDESTRIAN, days_ago(10))])
    number, pdf = await _report(client, who.headers)
    assert verify(number, pdf, _public_key())
    middle = len(pdf) // 2  # inside a page's content or the embedded font
    forged = pdf[:middle] + bytes([pdf[middle] ^ 0x01]) + pdf[middle + 1 :]
    assert forged != pdf and not verify(number, forged, _public_key())
    check = (await client.get(f"/v1/public/credit-reports/{number}")).json()
    assert check["fingerprint"] != hashlib.sha256(forged).hexdigest()
    assert not verify("XY20990101DEADBEEF", pdf, _public_key())  # another number's signature
    assert (await client.get("/v1/me/credit-report")).status_code == 401


async def _court() -> str:
    from tests import factories as f

    return await f.department("court", ["domain:judicial_litigation"])


def _save_sample(pdf: bytes) -> None:
    out = REPO_ROOT / "var" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    (out / "credit-report.pdf").write_bytes(pdf)
    document = pypdfium2.PdfDocument(pdf)
    for index in range(len(document)):
        image: Any = document[index].render(scale=2).to_pil()
        image.save(out / f"credit-report-p{index + 1}.png")


async def _institution(code: str) -> dict[str, str]:
    from backend.identity import service as identity

    _, key = await identity.create_api_client("institution", code, f"机构 {code}", [])
    return {"X-Api-Key": key}


async def test_an_institution_gets_the_report_only_under_a_live_authorisation(
    client: httpx.AsyncClient, sms: MemorySmsSender, business_date: BusinessDate
) -> None:
    bank, employer = await _institution("city-bank"), await _institution("big-employer")
    one = await citizen(client, sms, "13930000011", [(PEDESTRIAN, days_ago(5))])
    from tests import factories as f

    _, two = await f.signed_up(client, sms, "13930000012")
    mine = "/v1/me/report-authorisations"
    granted = await client.post(
        mine, headers=one.headers, json={"institution": "city-bank", "purpose": "住房贷款审批"}
    )
    assert granted.status_code == 201, granted.text
    auth = granted.json()
    assert auth["state"] == "live" and auth["validUntil"] > runtime.clock().today().isoformat()
    url = "/v1/institution/credit-reports"
    body = {"authorisationId": auth["id"]}
    assert granted.headers["location"] == mine
    assert (await client.post(url, headers=employer, json=body)).status_code == 404  # not its own
    assert (await client.post(url, headers=one.headers, json=body)).status_code in (401, 403)
    fetched = await client.post(url, headers=bank, json=body)
    assert fetched.status_code == 200 and fetched.headers["content-type"] == "application/pdf"
    text = _text(fetched.content)
    assert one.number not in text and one.number[:4] + "**********" in text  # masked
    again = await client.post(url, headers=bank, json=body)
    assert again.status_code == 409 and again.json()["type"].endswith("authorisation-used")
    queries = (await client.get("/v1/me/queries", headers=one.headers)).json()["items"]
    assert any(q["organisation"] == "机构 city-bank" for q in queries), queries
    from backend.notifications.relay import relay_all

    await relay_all()
    inbox = (await client.get("/v1/me/notifications", headers=one.headers)).json()["items"]
    assert any(n["kind"] == "query.made" and "city-bank" in n["body"] for n in inbox), inbox
    [listed] = (await client.get(mine, headers=one.headers)).json()
    assert (
        listed["state"] == "used" and listed["reportNumber"] == fetched.headers["x-report-number"]
    )

    # revoked before use, and expired: nothing is given
    revocable = (
        await client.post(
            mine,
            headers=one.headers,
            json={"institution": "big-employer", "purpose": "入职背景调查"},
        )
    ).json()
    others = await client.post(f"{mine}/{revocable['id']}/revocation", headers=two)
    assert others.status_code == 404  # another citizen's authorisation
    revoked = await client.post(f"{mine}/{revocable['id']}/revocation", headers=one.headers)
    assert revoked.json()["state"] == "revoked"
    refused = await client.post(url, headers=employer, json={"authorisationId": revocable["id"]})
    assert refused.status_code == 409 and refused.json()["type"].endswith("authorisation-revoked")
    short = (
        await client.post(
            mine,
            headers=one.headers,
            json={"institution": "city-bank", "purpose": "信用卡审批", "validDays": 1},
        )
    ).json()
    business_date(runtime.clock().today() + dt.timedelta(days=2))
    late = await client.post(url, headers=bank, json={"authorisationId": short["id"]})
    assert late.status_code == 409 and late.json()["type"].endswith("authorisation-expired")
    too_long = await client.post(
        mine,
        headers=one.headers,
        json={"institution": "city-bank", "purpose": "信用卡审批", "validDays": 31},
    )
    assert too_long.status_code == 422
    unknown = await client.post(
        mine, headers=one.headers, json={"institution": "nobody", "purpose": "贷款"}
    )
    assert unknown.status_code == 422 and unknown.json()["type"].endswith("institution-unknown")


def test_long_texts_are_cut_to_fit_and_a_changed_signature_field_fails(tmp_path: Any) -> None:
    """A 1,000-character decision reason still renders (cut short in its cell); an upper-case
    copy of the signature, or a second signature field, does not verify."""
    import datetime as dt_

    from backend.creditreport import render, signing
    from backend.creditreport.facts import CaseLine, ReportFacts
    from backend.creditreport.fonts import static_font

    facts = ReportFacts(
        number="XY20261130ABCDEF01",
        short_code="ABCD-EFGH",
        made_at=dt_.datetime(2026, 11, 30, 2, 0, tzinfo=dt_.UTC),
        name="陈静",
        id_number="330106198806010010",
        points=1000,
        grade="A",
        grade_name="诚信良好",
        rules_version="2026.1",
        records=(),
        cases=(
            CaseLine(
                kind="objection",
                case_id=1,
                record_title="饮酒后驾驶机动车",
                status="维持原记录",
                decided_on=dt_.date(2026, 11, 1),
                reason="理由" * 500,
            ),
        ),
        red_list=False,
        black_list=False,
        measures=(),
        queries=(),
        check_url="https://credit.example.gov.cn/v1/public/credit-reports/XY20261130ABCDEF01",
    )
    key = bytes(range(32))
    font = static_font(str(REPO_ROOT / "var"))
    pdf, signature = signing.sign(
        facts.number, render.render(facts, font, signing.kid_of(key)), key
    )
    public = public_key_bytes(key)
    assert signing.verify(facts.number, pdf, public) and "…" in _text(pdf)
    upper = pdf.replace(signature.encode(), signature.upper().encode())
    assert not signing.verify(facts.number, upper, public)
    marker = pdf[pdf.index(b"crsig1:ed25519:") :][: len("crsig1:ed25519:") + 17 + 128]
    assert not signing.verify(facts.number, pdf + marker, public)  # a second signature field
    other = public_key_bytes(bytes(range(1, 33)))
    assert not signing.verify(facts.number, pdf, other)  # another key's id does not match
