"""What the learning endpoints read and answer. Texts come in both languages (zh-CN first), so
a public answer is the same for every reader and a CDN may keep it."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

import msgspec

from backend.platform.schemas import Input, Output

Slug = Annotated[
    str,
    msgspec.Meta(
        description="The article's or case's slug: lowercase letters, digits and dashes",
        examples=["display-periods"],
    ),
]
VersionName = Annotated[
    str,
    msgspec.Meta(description="The learning content version it comes from", examples=["2026.1"]),
]
Domains = Annotated[
    list[str],
    msgspec.Meta(
        description="Catalog domain codes it is about (may be empty)", examples=[["traffic_safety"]]
    ),
]


class Body(Output):
    """A text in one language: Markdown as written, and HTML rendered from it (CommonMark, raw
    HTML not rendered)."""

    title: Annotated[str, msgspec.Meta(description="The title", examples=["什么是信用修复"])]
    summary: Annotated[
        str,
        msgspec.Meta(
            description="One-sentence summary (empty for the integrity code)",
            examples=["修复是免费的公共服务"],
        ),
    ]
    markdown: Annotated[
        str, msgspec.Meta(description="The text in Markdown", examples=["信用修复是……"])
    ]
    html: Annotated[
        str, msgspec.Meta(description="The text as HTML", examples=["<p>信用修复是……</p>\n"])
    ]


class ArticleSummary(Output):
    """A credit-knowledge article (信用知识) in a list."""

    slug: Slug
    title_zh: Annotated[str, msgspec.Meta(description="Chinese title", examples=["什么是信用修复"])]
    title_en: Annotated[
        str, msgspec.Meta(description="English title", examples=["What credit repair is"])
    ]
    summary_zh: Annotated[
        str, msgspec.Meta(description="Chinese summary", examples=["修复是免费的公共服务"])
    ]
    summary_en: Annotated[
        str, msgspec.Meta(description="English summary", examples=["Repair is a free service"])
    ]
    domains: Domains
    campaigns: Annotated[
        list[str],
        msgspec.Meta(
            description="Codes of the campaigns it belongs to", examples=[["credit-care-day"]]
        ),
    ]


class ArticleList(Output):
    """Every article of the version in force."""

    version: VersionName
    items: Annotated[list[ArticleSummary], msgspec.Meta(description="The articles, in order")]


class Article(Output):
    """One article, whole, in both languages."""

    version: VersionName
    slug: Slug
    zh: Annotated[Body, msgspec.Meta(description="The Chinese text (the authoritative one)")]
    en: Annotated[Body, msgspec.Meta(description="The English text")]
    domains: Domains
    campaigns: Annotated[
        list[str],
        msgspec.Meta(description="Campaign codes it belongs to", examples=[["credit-care-day"]]),
    ]
    sources: Annotated[
        list[str],
        msgspec.Meta(description="Where its facts come from", examples=[["国办发〔2025〕22号"]]),
    ]


class CaseRecordType(Output):
    """A record type a case illustrates, as the catalog in force names it."""

    code: Annotated[
        str, msgspec.Meta(description="Record type code", examples=["VOLUNTEER-SERVICE-HOURS"])
    ]
    name_zh: Annotated[str, msgspec.Meta(description="Chinese name", examples=["志愿服务时长"])]
    name_en: Annotated[
        str, msgspec.Meta(description="English name", examples=["Volunteer service hours"])
    ]
    points: Annotated[
        int, msgspec.Meta(description="Points per unit in the catalog in force", examples=[1])
    ]


Polarity = Annotated[
    Literal["good", "bad"],
    msgspec.Meta(description="`good` (守信) or `bad` (失信)", examples=["good"]),
]


class CaseSummary(Output):
    """A typical case (典型案例) in a list."""

    slug: Slug
    polarity: Polarity
    title_zh: Annotated[str, msgspec.Meta(description="Chinese title", examples=["志愿服务加分"])]
    title_en: Annotated[
        str, msgspec.Meta(description="English title", examples=["Points for volunteering"])
    ]
    summary_zh: Annotated[str, msgspec.Meta(description="Chinese summary", examples=["……"])]
    summary_en: Annotated[str, msgspec.Meta(description="English summary", examples=["…"])]
    record_types: Annotated[
        list[str],
        msgspec.Meta(
            description="Record type codes it illustrates", examples=[["CHARITY-DONATION"]]
        ),
    ]


class CaseList(Output):
    version: VersionName
    items: Annotated[list[CaseSummary], msgspec.Meta(description="The cases, in order")]


class Case(Output):
    """One typical case, whole, with the record types it illustrates."""

    version: VersionName
    slug: Slug
    polarity: Polarity
    zh: Annotated[Body, msgspec.Meta(description="The Chinese text")]
    en: Annotated[Body, msgspec.Meta(description="The English text")]
    record_types: Annotated[
        list[CaseRecordType], msgspec.Meta(description="The record types it illustrates")
    ]
    domains: Domains
    sources: Annotated[
        list[str],
        msgspec.Meta(description="Where its facts come from", examples=[["鲁政办发〔2018〕19号"]]),
    ]


class IntegrityCode(Output):
    """The citizen integrity code (公民诚信守则)."""

    version: VersionName
    zh: Annotated[Body, msgspec.Meta(description="The Chinese text")]
    en: Annotated[Body, msgspec.Meta(description="The English text")]
    sources: Annotated[
        list[str],
        msgspec.Meta(description="Where it comes from", examples=[["桂政发〔2018〕3号"]]),
    ]


class Campaign(Output):
    """A campaign date (宣传日/月), with its next or current run."""

    code: Annotated[str, msgspec.Meta(description="Its code", examples=["credit-care-day"])]
    name_zh: Annotated[
        str, msgspec.Meta(description="Chinese name", examples=["6·14 信用记录关爱日"])
    ]
    name_en: Annotated[
        str, msgspec.Meta(description="English name", examples=["Credit Record Care Day"])
    ]
    about_zh: Annotated[str, msgspec.Meta(description="What it is about", examples=["……"])]
    about_en: Annotated[str, msgspec.Meta(description="What it is about", examples=["…"])]
    starts_on: Annotated[
        dt.date,
        msgspec.Meta(
            description="First day of the current run, or of the next one (Asia/Shanghai)",
            examples=["2027-06-14"],
        ),
    ]
    ends_on: Annotated[
        dt.date, msgspec.Meta(description="Last day of that run", examples=["2027-06-14"])
    ]
    running: Annotated[
        bool, msgspec.Meta(description="It runs today (Asia/Shanghai)", examples=[False])
    ]


class CampaignList(Output):
    version: VersionName
    items: Annotated[
        list[Campaign], msgspec.Meta(description="Every campaign, the next to start first")
    ]


class Today(Output):
    """The app's home feed: the campaign running today and its articles."""

    date: Annotated[
        dt.date, msgspec.Meta(description="Today (Asia/Shanghai)", examples=["2026-06-14"])
    ]
    campaign: Annotated[
        Campaign | None,
        msgspec.Meta(description="The campaign running today; null when none runs"),
    ]
    next_campaign: Annotated[
        Campaign | None,
        msgspec.Meta(description="The next campaign to start after today"),
    ]
    articles: Annotated[
        list[ArticleSummary],
        msgspec.Meta(
            description="The articles of today's campaign; the newest articles when none runs"
        ),
    ]


class QuizSummary(Output):
    """A quiz (知识问答) in a list."""

    code: Annotated[str, msgspec.Meta(description="Its code", examples=["credit-basics"])]
    title_zh: Annotated[str, msgspec.Meta(description="Chinese title", examples=["信用基础知识"])]
    title_en: Annotated[str, msgspec.Meta(description="English title", examples=["Credit basics"])]
    badge_zh: Annotated[
        str, msgspec.Meta(description="The badge a pass earns", examples=["信用知识达人"])
    ]
    badge_en: Annotated[str, msgspec.Meta(description="Its English name", examples=["Know-how"])]
    questions: Annotated[int, msgspec.Meta(description="How many questions", examples=[6])]
    pass_mark: Annotated[
        int, msgspec.Meta(description="Correct answers needed to pass", examples=[5])
    ]
    article: Annotated[
        str | None,
        msgspec.Meta(description="Slug of the article to read first, if any", examples=[None]),
    ]


class QuizList(Output):
    version: VersionName
    items: Annotated[list[QuizSummary], msgspec.Meta(description="The quizzes")]


class QuizQuestion(Output):
    """A question, without its answer (told only after answering)."""

    number: Annotated[int, msgspec.Meta(description="1-based position", examples=[1])]
    text_zh: Annotated[str, msgspec.Meta(description="The question", examples=["轻微失信……"])]
    text_en: Annotated[str, msgspec.Meta(description="The question", examples=["A minor…"])]
    options_zh: Annotated[
        list[str], msgspec.Meta(description="The options, in order", examples=[["是", "否"]])
    ]
    options_en: Annotated[
        list[str], msgspec.Meta(description="The same options", examples=[["Yes", "No"]])
    ]


class Quiz(Output):
    """A quiz with its questions and options; no answer is ever in it."""

    version: VersionName
    summary: Annotated[QuizSummary, msgspec.Meta(description="The quiz")]
    questions: Annotated[list[QuizQuestion], msgspec.Meta(description="The questions, in order")]


class AnswerSheet(Input):
    """A citizen's answers to one quiz."""

    answers: Annotated[
        list[Annotated[int, msgspec.Meta(ge=0, le=9)]],
        msgspec.Meta(
            min_length=1,
            max_length=30,
            description="For each question in order, the 0-based index of the chosen option",
            examples=[[1, 0, 2, 1, 3, 0]],
        ),
    ]
    version: Annotated[
        Annotated[str, msgspec.Meta(max_length=40)] | None,
        msgspec.Meta(
            description="The version the questions were read from; if given and no longer in"
            " force, the sheet is refused (409) so the citizen answers the questions in force",
            examples=["2026.1"],
        ),
    ] = None


class MarkedAnswer(Output):
    number: Annotated[int, msgspec.Meta(description="1-based position", examples=[1])]
    chosen: Annotated[int, msgspec.Meta(description="The option chosen", examples=[1])]
    right: Annotated[bool, msgspec.Meta(description="Chosen right", examples=[True])]
    answer: Annotated[
        int | None,
        msgspec.Meta(
            description="The right option, told once the sheet passes (null before: a failed"
            " sheet says which answers were wrong, not what is right)",
            examples=[1],
        ),
    ]
    explain_zh: Annotated[
        str | None, msgspec.Meta(description="Why (once passed)", examples=["依据……"])
    ]
    explain_en: Annotated[
        str | None, msgspec.Meta(description="Why (once passed)", examples=["Under…"])
    ]


class QuizResult(Output):
    """The marked sheet. Passing earns the quiz's badge on the card once; points never move."""

    quiz: Annotated[str, msgspec.Meta(description="The quiz's code", examples=["credit-basics"])]
    version: VersionName
    correct: Annotated[int, msgspec.Meta(description="Right answers", examples=[5])]
    total: Annotated[int, msgspec.Meta(description="Questions", examples=[6])]
    pass_mark: Annotated[int, msgspec.Meta(description="Needed to pass", examples=[5])]
    passed: Annotated[bool, msgspec.Meta(description="This sheet passed", examples=[True])]
    badge_earned: Annotated[
        bool,
        msgspec.Meta(description="This sheet earned the badge (the first pass)", examples=[True]),
    ]
    badge_held: Annotated[
        bool, msgspec.Meta(description="The citizen holds the badge now", examples=[True])
    ]
    answers: Annotated[list[MarkedAnswer], msgspec.Meta(description="Each answer, marked")]


class MyQuiz(Output):
    """A quiz and how the citizen has done in it."""

    code: Annotated[str, msgspec.Meta(description="The quiz's code", examples=["credit-basics"])]
    attempts: Annotated[int, msgspec.Meta(description="Sheets handed in", examples=[2])]
    best: Annotated[int, msgspec.Meta(description="Most right answers", examples=[6])]
    badge_on: Annotated[
        dt.date | None,
        msgspec.Meta(description="The day the badge was earned; null if not", examples=[None]),
    ]


class MyQuizzes(Output):
    items: Annotated[list[MyQuiz], msgspec.Meta(description="Quizzes the citizen has tried")]
