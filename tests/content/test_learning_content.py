"""The shipped learning content: enough of each kind, valid against the catalog; a broken file
stops the start-up with an error naming the file and the field."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from backend.learning.content import (
    LearningError,
    LearningSet,
    learning_from_sources,
    learning_seed,
)
from backend.records.catalog import load_catalogs

ROOT = Path(__file__).resolve().parents[2] / "content"


def _built(root: Path) -> LearningSet:
    return learning_from_sources(
        learning_seed(root / "learning", root), {"catalog": load_catalogs()}
    )


def test_the_shipped_learning_content_is_whole() -> None:
    learning = _built(ROOT).latest
    assert len(learning.articles) >= 12
    assert len(learning.cases) >= 10
    polarities = [c.polarity for c in learning.cases.values()]
    assert polarities.count("good") >= 4 and polarities.count("bad") >= 4
    assert len(learning.quizzes) >= 5
    assert all(len(q.question) >= 5 for q in learning.quizzes.values())
    assert len(learning.campaigns) >= 8
    named = {code for a in learning.articles.values() for code in a.campaigns}
    assert named == {c.code for c in learning.campaigns}  # every campaign has its articles
    for text in [learning.code, *learning.articles.values(), *learning.cases.values()]:
        assert text.body_zh and text.body_en and text.sources
        assert "lorem" not in (text.body_zh + text.body_en).lower()


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "learning", tmp_path / "learning")
    return tmp_path


def _first(folder: Path) -> Path:
    return sorted(folder.glob("*.md"))[0]


def test_a_front_matter_without_a_title_names_the_file_and_the_field(copy: Path) -> None:
    article = _first(copy / "learning" / "2026.1" / "articles")
    text = article.read_text(encoding="utf-8")
    article.write_text(
        "\n".join(line for line in text.splitlines() if not line.startswith("title_zh")),
        encoding="utf-8",
    )
    with pytest.raises(LearningError) as error:
        _built(copy)
    assert f"learning/2026.1/articles/{article.name}: front matter: field 'title_zh'" in str(
        error.value
    )


def test_front_matter_that_is_not_toml_names_the_file(copy: Path) -> None:
    case = _first(copy / "learning" / "2026.1" / "cases")
    text = case.read_text(encoding="utf-8")
    case.write_text(text.replace("polarity =", "polarity ==", 1), encoding="utf-8")
    with pytest.raises(
        LearningError, match=re.escape(f"cases/{case.name}: front matter: not valid TOML")
    ):
        _built(copy)


def test_a_case_naming_an_unknown_record_type_names_the_case_and_the_field(copy: Path) -> None:
    case = _first(copy / "learning" / "2026.1" / "cases")
    text = case.read_text(encoding="utf-8")
    head, rest = text.split("record_types", 1)
    case.write_text(head + 'record_types = ["NO-SUCH-TYPE"]\n' + rest.split("\n", 1)[1])
    with pytest.raises(LearningError) as error:
        _built(copy)
    assert f"case '{case.stem}'" in str(error.value)
    assert "field 'record_types': 'NO-SUCH-TYPE' is not in the catalog" in str(error.value)


def test_a_body_without_its_english_half_is_refused(copy: Path) -> None:
    code = copy / "learning" / "2026.1" / "code.md"
    code.write_text(code.read_text(encoding="utf-8").replace("<!-- en -->", ""), encoding="utf-8")
    with pytest.raises(LearningError, match=re.escape("code.md: body: the line '<!-- en -->'")):
        _built(copy)


def test_a_quiz_answer_that_is_not_an_option_is_refused(copy: Path) -> None:
    index = copy / "learning" / "2026.1" / "learning.toml"
    text = index.read_text(encoding="utf-8")
    index.write_text(re.sub(r"(?m)^answer = \d+", "answer = 9", text, count=1), encoding="utf-8")
    with pytest.raises(LearningError, match=r"question 1: field 'answer': 9 is not the index"):
        _built(copy)
