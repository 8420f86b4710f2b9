"""Learning: the public reads articles, the integrity code, typical cases, campaigns and quizzes
(no sign-in, cacheable); a signed-in citizen hands in quiz answers."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.params import JSONBody, Parameter
from litestar.status_codes import HTTP_200_OK

from backend.identity.principals import CitizenPrincipal
from backend.identity.security import citizen_guard
from backend.learning import schemas as out
from backend.learning import service
from backend.platform.routing import Routes

CitizenRequest = Request[CitizenPrincipal, Any, Any]
SlugPath = Annotated[
    str,
    Parameter(
        max_length=80,
        description="The slug: lowercase letters, digits and dashes",
    ),
]


class PublicLearningController(Controller):
    path = "/learning"
    tags = ["Public learning"]

    @get("/today", operation_id="getLearningToday", summary="Today's campaign and its articles")
    async def today(self) -> out.Today:
        """The app's home feed: the campaign running today (3·15, 6·14 信用记录关爱日, …), its
        articles, and the next campaign.
        Public, no sign-in; cacheable (`ETag`, a CDN may keep it a minute)."""
        return service.today_feed()

    @get("/articles", operation_id="listArticles", summary="List credit-knowledge articles")
    async def list_articles(self) -> out.ArticleList:
        """Every credit-knowledge article (信用知识) of the version in force.
        Public, no sign-in; cacheable (`ETag`, a CDN may keep it a minute)."""
        return service.articles()

    @get("/articles/{slug:str}", operation_id="getArticle", summary="Get one article")
    async def get_article(self, slug: SlugPath) -> out.Article:
        """One article in Chinese and English, as Markdown and as HTML; 404
        `article-not-found` for a slug the version in force does not have.
        Public, no sign-in; cacheable (`ETag`, a CDN may keep it a minute)."""
        return service.article(slug)

    @get("/cases", operation_id="listTypicalCases", summary="List typical cases")
    async def list_cases(self) -> out.CaseList:
        """Typical cases (典型案例), good and bad, each tied to record types.
        Public, no sign-in; cacheable (`ETag`, a CDN may keep it a minute)."""
        return service.cases()

    @get("/cases/{slug:str}", operation_id="getTypicalCase", summary="Get one typical case")
    async def get_case(self, slug: SlugPath) -> out.Case:
        """One case with the record types it illustrates as the catalog in force names them;
        404 `case-not-found`.
        Public, no sign-in; cacheable (`ETag`, a CDN may keep it a minute)."""
        return service.case(slug)

    @get("/integrity-code", operation_id="getIntegrityCode", summary="The integrity code")
    async def integrity_code(self) -> out.IntegrityCode:
        """The citizen integrity code (公民诚信守则).
        Public, no sign-in; cacheable (`ETag`, a CDN may keep it a minute)."""
        return service.integrity_code()

    @get("/campaigns", operation_id="listCampaigns", summary="List campaign dates")
    async def campaigns(self) -> out.CampaignList:
        """Every campaign date with its current or next run.
        Public, no sign-in; cacheable (`ETag`, a CDN may keep it a minute)."""
        return service.campaigns()

    @get("/quizzes", operation_id="listQuizzes", summary="List quizzes")
    async def list_quizzes(self) -> out.QuizList:
        """Every quiz, with the badge a pass earns (never points).
        Public, no sign-in; cacheable (`ETag`, a CDN may keep it a minute)."""
        return service.quizzes()

    @get("/quizzes/{code:str}", operation_id="getQuiz", summary="Get a quiz's questions")
    async def get_quiz(self, code: SlugPath) -> out.Quiz:
        """The questions and options of a quiz; no answer is in any response before the sheet
        is handed in. 404 `quiz-not-found`.
        Public, no sign-in; cacheable (`ETag`, a CDN may keep it a minute)."""
        return service.quiz(code)


class MeQuizzesController(Controller):
    path = "/me/quizzes"
    tags = ["My learning"]
    guards = [citizen_guard]

    @get("", operation_id="listMyQuizzes", summary="My quiz attempts and badges")
    async def mine(self, request: CitizenRequest) -> out.MyQuizzes:
        """The quizzes the citizen has tried: attempts, best score, the day the badge was
        earned. Citizens only."""
        return await service.my_quizzes(request.user.citizen_id)

    @post(
        "/{code:str}/attempts",
        status_code=HTTP_200_OK,
        operation_id="answerQuiz",
        summary="Hand in answers to a quiz",
        opt={"problems": (404, 409)},
    )
    async def hand_in(
        self, request: CitizenRequest, code: SlugPath, data: JSONBody[out.AnswerSheet]
    ) -> out.QuizResult:
        """Mark the answers on the server and tell each right answer with why. The first pass
        earns the quiz's badge on the card (and a notice); later passes earn nothing more, and
        points never move: only official records move points. One answer per question (422
        `answers-incomplete` otherwise); 409 `quiz-changed` when the sheet names a version no
        longer in force. Citizens only; send an `Idempotency-Key` to retry safely."""
        return await service.hand_in(request.user.citizen_id, code, data)


ROUTES = Routes(citizen=[MeQuizzesController], public=[PublicLearningController])
