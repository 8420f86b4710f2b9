"""Learning for the public and the citizen: the version in force today, texts in both languages,
the campaign running today, and quizzes marked on the server. A pass earns the quiz's badge on
the card once (the card is re-scored so the badge shows and its notice goes out); points never
move: only official records do that."""

from __future__ import annotations

import datetime as dt

import msgspec

from backend.learning import content, store
from backend.learning import schemas as out
from backend.learning.content import Learning, Text, render
from backend.learning.store import NewAttempt
from backend.platform import runtime
from backend.platform.database import connection, transaction
from backend.platform.errors import Conflict, InvalidInput, NotFound
from backend.platform.language import say
from backend.records.catalog import catalog_set
from backend.scoring.queue import rescore_now


def _today() -> dt.date:
    return runtime.clock().today()


def _learning() -> Learning:
    return content.in_force(_today())


def _body(text: Text, language: str) -> out.Body:
    markdown = text.body_zh if language == "zh" else text.body_en
    return out.Body(
        title=text.title_zh if language == "zh" else text.title_en,
        summary=text.summary_zh if language == "zh" else text.summary_en,
        markdown=markdown,
        html=render(markdown),
    )


def _article_summary(text: Text) -> out.ArticleSummary:
    return out.ArticleSummary(
        slug=text.slug,
        title_zh=text.title_zh,
        title_en=text.title_en,
        summary_zh=text.summary_zh,
        summary_en=text.summary_en,
        domains=list(text.domains),
        campaigns=list(text.campaigns),
    )


def articles() -> out.ArticleList:
    learning = _learning()
    items = [_article_summary(a) for a in learning.articles.values()]
    return out.ArticleList(version=learning.version, items=items)


def article(slug: str) -> out.Article:
    learning = _learning()
    text = learning.articles.get(slug)
    if text is None:
        raise NotFound(
            say(f"没有这篇文章：{slug}", f"no article {slug!r}"), code="article-not-found"
        )
    return out.Article(
        version=learning.version,
        slug=slug,
        zh=_body(text, "zh"),
        en=_body(text, "en"),
        domains=list(text.domains),
        campaigns=list(text.campaigns),
        sources=list(text.sources),
    )


def _case_summary(text: Text) -> out.CaseSummary:
    assert text.polarity is not None  # checked on load: every case has one
    return out.CaseSummary(
        slug=text.slug,
        polarity=text.polarity,
        title_zh=text.title_zh,
        title_en=text.title_en,
        summary_zh=text.summary_zh,
        summary_en=text.summary_en,
        record_types=list(text.record_types),
    )


def cases() -> out.CaseList:
    learning = _learning()
    return out.CaseList(
        version=learning.version, items=[_case_summary(c) for c in learning.cases.values()]
    )


def _record_type(code: str) -> out.CaseRecordType:
    """As the catalog in force names it (or the newest version that has it)."""
    catalogs = catalog_set()
    today = _today()
    ordered = [c for c in catalogs.versions if c.effective_from <= today][::-1]
    for catalog in [*ordered, *catalogs.versions[::-1]]:
        found = catalog.record_types.get(code)
        if found is not None:
            return out.CaseRecordType(
                code=code, name_zh=found.name_zh, name_en=found.name_en, points=found.points
            )
    return out.CaseRecordType(code=code, name_zh=code, name_en=code, points=0)


def case(slug: str) -> out.Case:
    learning = _learning()
    text = learning.cases.get(slug)
    if text is None:
        raise NotFound(say(f"没有这个案例：{slug}", f"no case {slug!r}"), code="case-not-found")
    summary = _case_summary(text)
    return out.Case(
        version=learning.version,
        slug=slug,
        polarity=summary.polarity,
        zh=_body(text, "zh"),
        en=_body(text, "en"),
        record_types=[_record_type(code) for code in text.record_types],
        domains=list(text.domains),
        sources=list(text.sources),
    )


def integrity_code() -> out.IntegrityCode:
    learning = _learning()
    code = learning.code
    return out.IntegrityCode(
        version=learning.version,
        zh=_body(code, "zh"),
        en=_body(code, "en"),
        sources=list(code.sources),
    )


def _campaign(campaign: content.Campaign, today: dt.date) -> out.Campaign:
    """With its current run, or else its next one."""
    starts, ends = campaign.dates_in(today.year - 1)
    if ends < today:
        starts, ends = campaign.dates_in(today.year)
    if ends < today:
        starts, ends = campaign.dates_in(today.year + 1)
    return out.Campaign(
        code=campaign.code,
        name_zh=campaign.name_zh,
        name_en=campaign.name_en,
        about_zh=campaign.about_zh,
        about_en=campaign.about_en,
        starts_on=starts,
        ends_on=ends,
        running=starts <= today <= ends,
    )


def campaigns() -> out.CampaignList:
    learning, today = _learning(), _today()
    runs = sorted(
        (_campaign(c, today) for c in learning.campaigns), key=lambda c: (c.starts_on, c.code)
    )
    return out.CampaignList(version=learning.version, items=runs)


def today_feed() -> out.Today:
    learning, today = _learning(), _today()
    running = learning.campaign_on(today)
    upcoming = sorted(
        (_campaign(c, today) for c in learning.campaigns if c is not running),
        key=lambda c: c.starts_on,
    )
    following = next((c for c in upcoming if c.starts_on > today), None)
    if running is not None:
        chosen = [a for a in learning.articles.values() if running.code in a.campaigns]
    else:
        chosen = list(learning.articles.values())[-3:]
    return out.Today(
        date=today,
        campaign=_campaign(running, today) if running is not None else None,
        next_campaign=following,
        articles=[_article_summary(a) for a in chosen],
    )


def _quiz_summary(quiz: content.Quiz) -> out.QuizSummary:
    return out.QuizSummary(
        code=quiz.code,
        title_zh=quiz.title_zh,
        title_en=quiz.title_en,
        badge_zh=quiz.badge_zh,
        badge_en=quiz.badge_en,
        questions=len(quiz.question),
        pass_mark=quiz.pass_mark,
        article=quiz.article,
    )


def quizzes() -> out.QuizList:
    learning = _learning()
    return out.QuizList(
        version=learning.version, items=[_quiz_summary(q) for q in learning.quizzes.values()]
    )


def _the_quiz(learning: Learning, code: str) -> content.Quiz:
    found = learning.quizzes.get(code)
    if found is None:
        raise NotFound(say(f"没有这个问答：{code}", f"no quiz {code!r}"), code="quiz-not-found")
    return found


def quiz(code: str) -> out.Quiz:
    learning = _learning()
    found = _the_quiz(learning, code)
    questions = [
        out.QuizQuestion(
            number=number,
            text_zh=q.text_zh,
            text_en=q.text_en,
            options_zh=list(q.options_zh),
            options_en=list(q.options_en),
        )
        for number, q in enumerate(found.question, start=1)
    ]
    return out.Quiz(version=learning.version, summary=_quiz_summary(found), questions=questions)


def _marked(found: content.Quiz, answers: list[int]) -> list[out.MarkedAnswer]:
    if len(answers) != len(found.question):
        raise InvalidInput(
            say(
                f"请回答全部 {len(found.question)} 道题",
                f"give one answer for each of the {len(found.question)} questions",
            ),
            field="answers",
            code="answers-incomplete",
        )
    marked = []
    for number, (question, chosen) in enumerate(zip(found.question, answers, strict=True), 1):
        if chosen >= len(question.options_zh):
            raise InvalidInput(
                say(f"第 {number} 题没有这个选项", f"question {number} has no option {chosen}"),
                field=f"answers[{number - 1}]",
                code="answer-not-an-option",
            )
        marked.append(
            out.MarkedAnswer(
                number=number,
                chosen=chosen,
                answer=question.answer,
                right=chosen == question.answer,
                explain_zh=question.explain_zh,
                explain_en=question.explain_en,
            )
        )
    return marked


async def hand_in(citizen_id: int, code: str, sheet: out.AnswerSheet) -> out.QuizResult:
    """Mark the sheet; a first pass earns the badge and re-scores the card so it shows."""
    learning = _learning()
    found = _the_quiz(learning, code)
    if sheet.version is not None and sheet.version != learning.version:
        raise Conflict(
            say("题目已更新，请重新作答", "the questions have changed; answer the new ones"),
            code="quiz-changed",
        )
    marked = _marked(found, sheet.answers)
    correct = sum(1 for m in marked if m.right)
    passed = correct >= found.pass_mark
    if not passed:  # which were wrong, not what is right: a second try must still be earned
        marked = [
            msgspec.structs.replace(m, answer=None, explain_zh=None, explain_en=None)
            for m in marked
        ]
    attempt = NewAttempt(
        citizen=citizen_id,
        quiz_code=code,
        learning_version=learning.version,
        correct=correct,
        total=len(marked),
        passed=passed,
        badge_zh=found.badge_zh,
        badge_en=found.badge_en,
        business_date=_today(),
    )
    async with transaction() as conn:
        earned = await store.add_attempt(conn, attempt)
        held = earned or await store.holds_badge(conn, citizen_id, code)
    if earned:
        await rescore_now(citizen_id, "quiz-badge")
    return out.QuizResult(
        quiz=code,
        version=learning.version,
        correct=correct,
        total=len(marked),
        pass_mark=found.pass_mark,
        passed=passed,
        badge_earned=earned,
        badge_held=held,
        answers=marked,
    )


async def my_quizzes(citizen_id: int) -> out.MyQuizzes:
    async with connection() as conn:
        rows = await store.standings(conn, citizen_id)
    return out.MyQuizzes(
        items=[
            out.MyQuiz(code=r.quiz_code, attempts=r.attempts, best=r.best, badge_on=r.badge_on)
            for r in rows
        ]
    )
