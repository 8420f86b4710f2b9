"""Learning content (信用知识与诚信教育): credit-knowledge articles, the citizen integrity code
(公民诚信守则), typical cases, quizzes and campaign dates. Versioned content like every kind
(format in ``content/learning/README.md``).

On disk a version is a folder of Markdown files with TOML front matter beside a
``learning.toml``; :func:`learning_seed` composes each folder into the one TOML document that is
stored, drafted and published like every other kind's. A broken front matter is told with the
file and the field; the stored document is checked by :func:`learning_from_source` against the
catalogs (record types and domains named must exist).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any, Literal

import msgspec
import tomli_w
from markdown_it import MarkdownIt

from backend.content.installed import Installed
from backend.content.kinds import Source, file_label, parse_toml
from points_engine.versions import Checker, Header, VersionedSet

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")
MONTH_DAY = re.compile(r"^(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$")
ENGLISH_MARK = "<!-- en -->"
FRONT = "+++"


class LearningError(Exception):
    """Learning content is invalid; the message names the file or version, entry and field."""


# --- the stored document ------------------------------------------------------------------------


class Campaign(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """A campaign date (宣传日/月) that recurs every year from ``starts`` to ``ends`` (MM-DD)."""

    code: str
    name_zh: str
    name_en: str
    starts: str
    ends: str
    about_zh: str
    about_en: str

    def days(self) -> int:
        """Its length in days (a leap year's reckoning), for choosing the shorter of two."""
        start, end = _day_of_year(self.starts), _day_of_year(self.ends)
        return (end - start) % 366 + 1

    def runs_on(self, day: dt.date) -> bool:
        today = _day_of_year(day.strftime("%m-%d"))
        start, end = _day_of_year(self.starts), _day_of_year(self.ends)
        return start <= today <= end if start <= end else today >= start or today <= end

    def dates_in(self, year: int) -> tuple[dt.date, dt.date]:
        """The run that starts in ``year`` (it may end in the next)."""
        start = _on(year, self.starts)
        end = _on(year, self.ends)
        return (start, end if end >= start else _on(year + 1, self.ends))


class Question(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    text_zh: str
    text_en: str
    options_zh: list[str]
    options_en: list[str]
    answer: int
    explain_zh: str
    explain_en: str


class Quiz(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    code: str
    title_zh: str
    title_en: str
    badge_zh: str
    badge_en: str
    pass_mark: int
    question: list[Question]
    article: str | None = None


class Text(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """A Markdown document of the version: an article, a case or the integrity code."""

    file: str  # where it came from, to name in errors and for the office
    title_zh: str
    title_en: str
    body_zh: str
    body_en: str
    sources: list[str]
    slug: str = ""
    summary_zh: str = ""
    summary_en: str = ""
    domains: list[str] = []
    campaigns: list[str] = []
    polarity: Literal["good", "bad"] | None = None
    record_types: list[str] = []


class _RawFile(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    learning: Header
    code: Text
    campaign: list[Campaign] = []
    quiz: list[Quiz] = []
    article: list[Text] = []
    case: list[Text] = []


class Learning(msgspec.Struct, frozen=True):
    """One version of the learning content, checked."""

    version: str
    effective_from: dt.date
    source: str
    code: Text
    campaigns: tuple[Campaign, ...]
    quizzes: dict[str, Quiz]
    articles: dict[str, Text]
    cases: dict[str, Text]

    def campaign_on(self, day: dt.date) -> Campaign | None:
        """The campaign running on ``day``; the shorter one where two overlap (a week inside a
        month is the more specific)."""
        running = [c for c in self.campaigns if c.runs_on(day)]
        return min(running, key=Campaign.days) if running else None


class LearningSet(VersionedSet[Learning]):
    __slots__ = ()
    label = "learning content set"
    noun = "learning content"
    error = LearningError


# --- checks -------------------------------------------------------------------------------------


def _day_of_year(month_day: str) -> int:
    return _on(2024, month_day).timetuple().tm_yday  # a leap year: 02-29 has a day


def _on(year: int, month_day: str) -> dt.date:
    month, day = (int(part) for part in month_day.split("-"))
    if (month, day) == (2, 29) and not (year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)):
        day = 28
    return dt.date(year, month, day)


class _Names(msgspec.Struct, frozen=True):
    """What the catalogs define, for checking references: record type → polarity, domains."""

    polarity: Mapping[str, str]
    domains: frozenset[str]


def _check_campaign(check: Checker, campaign: Campaign, seen: set[str]) -> None:
    entry = f"campaign {campaign.code!r}"
    _slug(check, entry, "code", campaign.code, seen)
    for field in ("starts", "ends"):
        value = getattr(campaign, field)
        if not MONTH_DAY.match(value):
            raise check.fail(entry, field, f"{value!r} is not a month-day like '06-14'")
        try:
            _on(2024, value)
        except ValueError:
            raise check.fail(entry, field, f"{value!r} is not a day of the year") from None
    for field in ("name_zh", "name_en", "about_zh", "about_en"):
        check.text(entry, field, getattr(campaign, field))


def _check_quiz(check: Checker, quiz: Quiz, articles: Mapping[str, Text], seen: set[str]) -> None:
    entry = f"quiz {quiz.code!r}"
    _slug(check, entry, "code", quiz.code, seen)
    for field in ("title_zh", "title_en", "badge_zh", "badge_en"):
        check.text(entry, field, getattr(quiz, field))
    if not 1 <= len(quiz.question) <= 30:
        raise check.fail(entry, "question", f"has {len(quiz.question)} questions, not 1 to 30")
    if not 1 <= quiz.pass_mark <= len(quiz.question):
        raise check.fail(entry, "pass_mark", f"{quiz.pass_mark} is not 1 to the question count")
    if quiz.article is not None and quiz.article not in articles:
        raise check.fail(entry, "article", f"{quiz.article!r} is not an article of this version")
    for number, question in enumerate(quiz.question, start=1):
        _check_question(check, f"{entry}: question {number}", question)


def _check_question(check: Checker, entry: str, question: Question) -> None:
    for field in ("text_zh", "text_en", "explain_zh", "explain_en"):
        check.text(entry, field, getattr(question, field))
    if not 2 <= len(question.options_zh) <= 6:
        raise check.fail(entry, "options_zh", "give 2 to 6 options")
    if len(question.options_en) != len(question.options_zh):
        raise check.fail(entry, "options_en", "give as many options as options_zh")
    check.texts(entry, "options_zh", question.options_zh)
    check.texts(entry, "options_en", question.options_en)
    if not 0 <= question.answer < len(question.options_zh):
        raise check.fail(entry, "answer", f"{question.answer} is not the index of an option")


def _check_text(
    check: Checker, entry: str, text: Text, names: _Names, campaigns: set[str], kind: str
) -> None:
    for field in ("title_zh", "title_en", "body_zh", "body_en"):
        check.text(entry, field, getattr(text, field))
    check.texts(entry, "sources", text.sources)
    unknown = sorted(set(text.domains) - names.domains)
    if unknown:
        raise check.fail(entry, "domains", f"not domains of the catalog: {unknown}")
    if kind == "code":
        return
    for field in ("summary_zh", "summary_en"):
        check.text(entry, field, getattr(text, field))
    if len(text.summary_zh) > 120:
        raise check.fail(entry, "summary_zh", "is longer than 120 characters")
    missing = sorted(set(text.campaigns) - campaigns)
    if missing:
        raise check.fail(entry, "campaigns", f"not campaigns of this version: {missing}")
    if kind == "case":
        _check_case(check, entry, text, names)
    elif text.polarity is not None or text.record_types:
        raise check.fail(entry, "polarity", "only a case has a polarity and record types")


def _check_case(check: Checker, entry: str, text: Text, names: _Names) -> None:
    if text.polarity is None:
        raise check.fail(entry, "polarity", "a case is 'good' or 'bad'")
    if not text.record_types:
        raise check.fail(entry, "record_types", "name at least one record type of the catalog")
    for code in text.record_types:
        if code not in names.polarity:
            raise check.fail(entry, "record_types", f"{code!r} is not in the catalog")
        if names.polarity[code] != text.polarity:
            raise check.fail(entry, "record_types", f"{code!r} is not a {text.polarity} record")


def _slug(check: Checker, entry: str, field: str, value: str, seen: set[str]) -> None:
    if not SLUG.match(value):
        raise check.fail(entry, field, f"{value!r} is not lowercase letters, digits and dashes")
    if value in seen:
        raise check.fail(entry, field, f"{value!r} is used twice")
    seen.add(value)


def learning_from_source(label: str, text: str, names: _Names) -> Learning:
    check = Checker(label, LearningError)
    raw: _RawFile = check.convert(
        parse_toml(label, text, LearningError), _RawFile, name_keys=("code", "slug")
    )
    check.header("learning", raw.learning.version, raw.learning.source)
    campaigns: set[str] = set()
    for campaign in raw.campaign:
        _check_campaign(check, campaign, campaigns)
    articles = _texts(check, raw.article, "article", names, campaigns)
    cases = _texts(check, raw.case, "case", names, campaigns)
    _check_text(check, "code", raw.code, names, campaigns, "code")
    quizzes: set[str] = set()
    for quiz in raw.quiz:
        _check_quiz(check, quiz, articles, quizzes)
    return Learning(
        version=raw.learning.version,
        effective_from=raw.learning.effective_from,
        source=raw.learning.source.strip(),
        code=raw.code,
        campaigns=tuple(raw.campaign),
        quizzes={quiz.code: quiz for quiz in raw.quiz},
        articles=articles,
        cases=cases,
    )


def _texts(
    check: Checker, texts: Iterable[Text], kind: str, names: _Names, campaigns: set[str]
) -> dict[str, Text]:
    seen: set[str] = set()
    for text in texts:
        entry = f"{kind} {text.slug!r} ({text.file})"
        _slug(check, entry, "slug", text.slug, seen)
        _check_text(check, entry, text, names, campaigns, kind)
    return {text.slug: text for text in texts}


def learning_from_sources(sources: Sequence[Source], built: Mapping[str, Any]) -> LearningSet:
    """Every version, checked against the record types and domains of every catalog version."""
    polarity: dict[str, str] = {}
    domains: set[str] = set()
    for catalog in built["catalog"]:
        polarity.update({code: t.polarity for code, t in catalog.record_types.items()})
        domains.update(catalog.domains)
    names = _Names(polarity, frozenset(domains))
    return LearningSet.from_sources(
        sources, lambda label, text: learning_from_source(label, text, names), "learning"
    )


# --- the seed: folders of Markdown composed into one document per version ----------------------


def learning_seed(directory: Path, root: Path) -> list[Source]:
    """Each version folder under ``content/learning/`` as one stored document."""
    folders = sorted(p for p in directory.iterdir() if p.is_dir()) if directory.is_dir() else []
    if not folders:
        raise LearningError(f"{file_label(directory, root)}: no learning version folders")
    return [(file_label(folder, root), compose(folder, root)) for folder in folders]


def compose(folder: Path, root: Path) -> str:
    """A version folder as the TOML document that is stored (format: the README)."""
    index = folder / "learning.toml"
    label = file_label(index, root)
    if not index.is_file():
        raise LearningError(f"{label}: file: the version's learning.toml is missing")
    document = parse_toml(label, index.read_text(encoding="utf-8"), LearningError)
    document["code"] = _markdown(folder / "code.md", folder, root, slug=False)
    for kind, sub in (("article", "articles"), ("case", "cases")):
        files = sorted((folder / sub).glob("*.md")) if (folder / sub).is_dir() else []
        document[kind] = [_markdown(path, folder, root, slug=True) for path in files]
    return tomli_w.dumps(document, multiline_strings=True)


def _markdown(path: Path, folder: Path, root: Path, *, slug: bool) -> dict[str, Any]:
    """One Markdown file's front matter and bodies as a table of the document."""
    label = file_label(path, root)
    if not path.is_file():
        raise LearningError(f"{label}: file: missing")
    lines = path.read_text(encoding="utf-8").splitlines()
    if not lines or lines[0].strip() != FRONT or FRONT not in (x.strip() for x in lines[1:]):
        raise LearningError(f"{label}: front matter: it must open and close with a '+++' line")
    end = next(i for i, line in enumerate(lines) if i and line.strip() == FRONT)
    front = parse_toml(f"{label}: front matter", "\n".join(lines[1:end]), LearningError)
    for field in ("title_zh", "title_en", "sources"):
        if field not in front:
            raise LearningError(f"{label}: front matter: field {field!r}: required")
    for field in ("file", "slug", "body_zh", "body_en"):
        if field in front:
            raise LearningError(f"{label}: front matter: field {field!r}: is not a field")
    body = "\n".join(lines[end + 1 :])
    if ENGLISH_MARK not in body:
        raise LearningError(f"{label}: body: the line {ENGLISH_MARK!r} before the English")
    zh, en = body.split(ENGLISH_MARK, 1)
    table = {"file": str(path.relative_to(folder)), **front}
    if slug:
        table["slug"] = path.stem
    return {**table, "body_zh": zh.strip(), "body_en": en.strip()}


# --- rendering and the installed set ------------------------------------------------------------


@cache
def _renderer() -> MarkdownIt:
    # CommonMark with raw HTML off: the office writes Markdown, never markup that reaches a page
    return MarkdownIt("commonmark", {"html": False, "linkify": False})


@cache
def render(markdown: str) -> str:
    """Markdown as HTML (cached: the texts are few and read often)."""
    html: str = _renderer().render(markdown)
    return html


_installed: Installed[LearningSet] = Installed("the learning content")
install_learning = _installed.install


def in_force(on: dt.date) -> Learning:
    versions = _installed.get()
    return versions.in_force_or_first(on)
