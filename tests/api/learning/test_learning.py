"""Learning: the public reads articles, the integrity code, cases, campaigns and quizzes
(cacheable, with ETag); a citizen hands in quiz answers marked on the server; a first pass earns
the badge on the card once and the points never move."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx

from backend.identity.sms import MemorySmsSender
from backend.learning import content
from backend.notifications.relay import relay_all
from backend.platform import runtime
from tests import factories as f
from tests.api.identity.problems import assert_problem
from tests.conftest import BusinessDate

PUBLIC = "/v1/public/learning"


def _learning() -> content.Learning:
    return content.in_force(runtime.clock().today())


async def test_the_public_reads_every_kind_of_learning_content(client: httpx.AsyncClient) -> None:
    learning = _learning()
    articles = (await client.get(f"{PUBLIC}/articles")).json()
    assert articles["version"] == learning.version and len(articles["items"]) >= 12
    slug = articles["items"][0]["slug"]
    one = await client.get(f"{PUBLIC}/articles/{slug}")
    assert one.status_code == 200
    body = one.json()
    assert body["zh"]["title"] == learning.articles[slug].title_zh
    assert body["zh"]["html"].startswith("<") and "<script" not in body["zh"]["html"]
    assert body["en"]["markdown"] == learning.articles[slug].body_en and body["sources"]
    assert_problem(await client.get(f"{PUBLIC}/articles/no-such-article"), 404, "article-not-found")

    cases = (await client.get(f"{PUBLIC}/cases")).json()["items"]
    assert len(cases) >= 10
    assert {c["polarity"] for c in cases} == {"good", "bad"}
    case = (await client.get(f"{PUBLIC}/cases/{cases[0]['slug']}")).json()
    assert (
        case["recordTypes"] and case["recordTypes"][0]["nameZh"] != case["recordTypes"][0]["code"]
    )
    assert_problem(await client.get(f"{PUBLIC}/cases/nope"), 404, "case-not-found")

    code = (await client.get(f"{PUBLIC}/integrity-code")).json()
    assert "诚信" in code["zh"]["title"] and code["en"]["html"]
    campaigns = (await client.get(f"{PUBLIC}/campaigns")).json()["items"]
    assert len(campaigns) >= 8
    starts = [c["startsOn"] for c in campaigns]
    assert starts == sorted(starts)

    quizzes = (await client.get(f"{PUBLIC}/quizzes")).json()["items"]
    assert len(quizzes) >= 5 and all(q["questions"] >= 5 for q in quizzes)
    for listed in quizzes:
        quiz = await client.get(f"{PUBLIC}/quizzes/{listed['code']}")
        # no answer can be read before answering: neither the index nor the explanation
        assert '"answer' not in quiz.text and "explain" not in quiz.text
        assert len(quiz.json()["questions"]) == listed["questions"]
    assert_problem(await client.get(f"{PUBLIC}/quizzes/nope"), 404, "quiz-not-found")


async def test_public_learning_is_cacheable_with_an_etag(client: httpx.AsyncClient) -> None:
    first = await client.get(f"{PUBLIC}/articles")
    assert first.headers["cache-control"] == "public, max-age=60"
    etag = first.headers["etag"]
    again = await client.get(f"{PUBLIC}/articles", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    head = await client.head(f"{PUBLIC}/articles")
    assert head.status_code == 200 and head.content == b"" and head.headers["etag"] == etag
    missing = await client.get(f"{PUBLIC}/articles/nope")
    assert missing.headers["cache-control"] == "private, no-cache"  # an error is never kept
    assert (await client.options(f"{PUBLIC}/articles")).status_code < 500


async def test_the_home_feed_shows_the_campaign_of_the_day(
    client: httpx.AsyncClient, business_date: BusinessDate
) -> None:
    learning = _learning()
    campaign = min(learning.campaigns, key=content.Campaign.days)
    start, _ = campaign.dates_in(2027)
    business_date(start)
    today = (await client.get(f"{PUBLIC}/today")).json()
    assert today["date"] == start.isoformat()
    assert today["campaign"]["code"] == campaign.code and today["campaign"]["running"]
    named = {a.slug for a in _learning().articles.values() if campaign.code in a.campaigns}
    assert {a["slug"] for a in today["articles"]} == named and named
    assert today["nextCampaign"]["startsOn"] > start.isoformat()
    quiet = next(
        day
        for day in (start + dt.timedelta(days=n) for n in range(1, 366))
        if _learning().campaign_on(day) is None
    )
    business_date(quiet)
    assert (await client.get(f"{PUBLIC}/today")).json()["campaign"] is None


def _answers(code: str, *, right: int) -> list[int]:
    """The first ``right`` answers right, the rest wrong."""
    quiz = _learning().quizzes[code]
    return [
        q.answer if n < right else (q.answer + 1) % len(q.options_zh)
        for n, q in enumerate(quiz.question)
    ]


async def test_a_pass_earns_the_badge_once_and_never_points(
    client: httpx.AsyncClient, sms: MemorySmsSender
) -> None:
    _, headers = await f.signed_up(client, sms, "13970000001")
    quiz = next(iter(_learning().quizzes.values()))
    card = (await client.get("/v1/me/card", headers=headers)).json()
    url = f"/v1/me/quizzes/{quiz.code}/attempts"

    failed = await client.post(
        url, headers=headers, json={"answers": _answers(quiz.code, right=quiz.pass_mark - 1)}
    )
    assert failed.status_code == 200, failed.text
    result = failed.json()
    assert (result["passed"], result["badgeEarned"], result["badgeHeld"]) == (False, False, False)
    assert result["correct"] == quiz.pass_mark - 1
    # a failed sheet says which answers were wrong, never what is right
    assert [a["right"] for a in result["answers"]].count(True) == quiz.pass_mark - 1
    assert {a["answer"] for a in result["answers"]} == {None}
    assert {a["explainZh"] for a in result["answers"]} == {None}

    passed = await client.post(
        url,
        headers=headers,
        json={"answers": _answers(quiz.code, right=len(quiz.question)), "version": "2026.1"},
    )
    assert passed.json()["badgeEarned"] is True and passed.json()["correct"] == len(quiz.question)
    assert [a["answer"] for a in passed.json()["answers"]] == [q.answer for q in quiz.question]
    after = (await client.get("/v1/me/card", headers=headers)).json()
    assert after["points"] == card["points"] and after["grade"] == card["grade"]
    badges = [b for b in after["badges"] if b["code"] == f"quiz:{quiz.code}"]
    assert len(badges) == 1 and badges[0]["nameZh"] == quiz.badge_zh

    again = await client.post(
        url, headers=headers, json={"answers": _answers(quiz.code, right=len(quiz.question))}
    )
    assert (again.json()["badgeEarned"], again.json()["badgeHeld"]) == (False, True)
    final = (await client.get("/v1/me/card", headers=headers)).json()
    assert [b["code"] for b in final["badges"]].count(f"quiz:{quiz.code}") == 1
    assert final["points"] == card["points"]
    [mine] = (await client.get("/v1/me/quizzes", headers=headers)).json()["items"]
    assert (mine["code"], mine["attempts"], mine["best"]) == (quiz.code, 3, len(quiz.question))
    assert mine["badgeOn"] == runtime.clock().today().isoformat()
    await relay_all()
    inbox = (await client.get("/v1/me/notifications", headers=headers)).json()["items"]
    told = [n for n in inbox if quiz.badge_zh in n["title"] + n["body"]]
    assert len(told) == 1, inbox  # the badge's notice, once


async def test_bad_answer_sheets_are_refused_clearly(
    client: httpx.AsyncClient, sms: MemorySmsSender
) -> None:
    _, headers = await f.signed_up(client, sms, "13970000002")
    quiz = next(iter(_learning().quizzes.values()))
    url = f"/v1/me/quizzes/{quiz.code}/attempts"
    short = await client.post(url, headers=headers, json={"answers": [0]})
    assert_problem(short, 422, "answers-incomplete", field="answers")
    wide = [0] * len(quiz.question)
    wide[1] = 6
    refused = await client.post(url, headers=headers, json={"answers": wide})
    assert_problem(refused, 422, "answer-not-an-option", field="answers[1]")
    stale = {"answers": [0] * len(quiz.question), "version": "1999.1"}
    assert_problem(await client.post(url, headers=headers, json=stale), 409, "quiz-changed")
    missing = await client.post(
        "/v1/me/quizzes/nope/attempts", headers=headers, json={"answers": [0]}
    )
    assert_problem(missing, 404, "quiz-not-found")
    bad = await client.post(url, headers=headers, json={"answers": "x"})
    assert_problem(bad, 422, "validation-failed", field="answers")
    assert (await client.post(url, json={"answers": [0]})).status_code == 401
    none: dict[str, Any] = (await client.get("/v1/me/quizzes", headers=headers)).json()
    assert none["items"] == []
