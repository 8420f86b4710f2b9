"""Rules: the shipped content/rules files load; broken ones fail naming source, entry and field;
the version in force is chosen by date."""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from collections.abc import Callable
from typing import Any

import msgspec
import pytest

from points_engine import BADGE_KINDS, Rules, RulesError, RuleSet, assess, rules_from_mapping
from tests.points_engine.helpers import (
    CATALOG_DIR,
    RULES_DIR,
    D,
    bad,
    good,
    load_rule_set,
    mapping,
)

# --- the shipped content ------------------------------------------------------------------------


def test_shipped_rules_load_and_validate() -> None:
    rule_set = load_rule_set()
    assert len(rule_set) >= 1
    current = rule_set.in_force(D(2026, 4, 1))
    assert current.version == "2026.1"
    assert current.effective_from == D(2026, 4, 1)
    assert current.base_points == 1000
    assert current.clean_years == 3
    assert [g.code for g in current.grades] == ["AAA", "AA", "A", "B", "C", "D"]
    bands = [(g.min_points, g.max_points) for g in current.grades]
    assert bands == [
        (1050, None),
        (1030, 1049),
        (960, 1029),
        (850, 959),
        (600, 849),
        (None, 599),
    ]
    names = [g.name_zh for g in current.grades]
    assert names == ["诚信模范", "诚信优秀", "诚信良好", "诚信一般", "诚信警示", "严重失信"]
    assert all(re.fullmatch(r"#[0-9A-F]{6}", g.colour) for g in current.grades)


def test_shipped_badges_cover_the_brief() -> None:
    current = load_rule_set().latest
    by_code = {b.code: b for b in current.badges}
    for code in ("volunteer_50h", "volunteer_100h", "volunteer_500h"):
        assert by_code[code].kind == "cumulative_quantity"
    assert [
        by_code[c].threshold for c in ("volunteer_50h", "volunteer_100h", "volunteer_500h")
    ] == [
        50,
        100,
        500,
    ]
    assert by_code["blood_donor_3"].threshold == 3
    assert (by_code["clean_1y"].years, by_code["clean_3y"].years) == (1, 3)
    assert by_code["repair_completed"].kind == "repair_completed"
    assert by_code["honour_received"].kind == "record_count"


def _catalog() -> dict[str, Any]:
    files = sorted(CATALOG_DIR.glob("*.toml"))
    return tomllib.loads(files[-1].read_text("utf-8"))


def test_every_catalog_bonus_category_has_a_cap() -> None:
    used = {t["bonus_category"] for t in _catalog()["record_type"] if t["polarity"] == "good"}
    for rules in load_rule_set():
        assert used == {cap.category for cap in rules.bonus_caps}, rules.version


def test_badge_record_types_exist_in_the_catalog() -> None:
    codes = {t["code"] for t in _catalog()["record_type"]}
    for rules in load_rule_set():
        for badge in rules.badges:
            assert set(badge.record_types) <= codes, badge.code


def test_rules_encode_to_json() -> None:
    current = load_rule_set().latest
    raw = msgspec.json.decode(msgspec.json.encode(current))
    assert raw["version"] == "2026.1"
    assert raw["bonusCaps"][0]["yearlyCap"] > 0
    assert "compiled" not in raw
    again = msgspec.json.decode(msgspec.json.encode(current), type=Rules)
    assert again == current
    assert again.grade_for(1000).code == "A"  # lookup tables rebuilt after decoding


# --- validation errors name source, entry and field ---------------------------------------------


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def edit(data: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = data
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        if value is _DELETE:
            del node[int(last) if last.isdigit() else last]
        elif last.isdigit():
            node[int(last)] = value
        else:
            node[last] = value

    return edit


_DELETE = object()


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (_set("rules.surprise", 1), "src.toml: rules: field 'surprise': object contains unknown"),
        (_set("rules.version", _DELETE), "src.toml: rules: field 'version': object missing"),
        (_set("rules.base_points", "1000"), "src.toml: rules: field 'base_points': expected `int`"),
        (_set("rules.base_points", 0), "src.toml: rules: field 'base_points': 0 must be positive"),
        (_set("rules.clean_years", 0), "src.toml: rules: field 'clean_years': 0 must be at least"),
        (_set("rules.version", " 2026.1"), "src.toml: rules: field 'version':"),
        (_set("rules.effective_from", "soon"), "src.toml: rules: field 'effective_from': invalid"),
        (
            _set("grade.1.min_points", 1031),
            "src.toml: grade[2] 'A': field 'max_points': 1029 leaves a gap below grade 'AA'",
        ),
        (
            _set("grade.2.max_points", 1035),
            "src.toml: grade[2] 'A': field 'max_points': 1035 overlaps grade 'AA'",
        ),
        (
            _set("grade.0.max_points", 2000),
            "src.toml: grade[0] 'AAA': field 'max_points': the top band is open-ended",
        ),
        (
            _set("grade.5.min_points", 0),
            "src.toml: grade[5] 'D': field 'min_points': the bottom band is open-ended",
        ),
        (
            _set("grade.3.min_points", _DELETE),
            "src.toml: grade[3] 'B': field 'min_points': required for every band above",
        ),
        (
            _set("grade.3.max_points", 800),
            "src.toml: grade[3] 'B': field 'max_points': 800 is below min_points (850)",
        ),
        (_set("grade.2.colour", "blue"), "src.toml: grade[2] 'A': field 'colour': 'blue' is not"),
        (_set("grade.2.code", "AA"), "src.toml: grade[2] 'AA': field 'code': duplicate grade"),
        (_set("grade.2.name_zh", ""), "src.toml: grade[2] 'A': field 'name_zh': must not be empty"),
        (_set("grade.2.shade", "x"), "src.toml: grade[2] 'A': field 'shade': object contains"),
        (
            _set("bonus_cap.0.yearly_cap", 0),
            "src.toml: bonus_cap[0] 'volunteer': field 'yearly_cap': 0 must be positive",
        ),
        (
            _set("bonus_cap.0.yearly_cap", -5),
            "src.toml: bonus_cap[0] 'volunteer': field 'yearly_cap': -5 must be positive",
        ),
        (
            _set("bonus_cap.1.category", "volunteer"),
            "src.toml: bonus_cap[1] 'volunteer': field 'category': duplicate bonus category",
        ),
        (
            _set("bonus_cap.1.category", "Blood Donation"),
            "src.toml: bonus_cap[1] 'Blood Donation': field 'category': 'Blood Donation' is not",
        ),
        (
            _set("badge.0.kind", "streak"),
            "src.toml: badge[0] 'volunteer_50h': field 'kind': unknown badge kind 'streak'; "
            "known: " + ", ".join(BADGE_KINDS),
        ),
        (
            _set("badge.0.threshold", 0),
            "src.toml: badge[0] 'volunteer_50h': field 'threshold': 0 must be at least 1",
        ),
        (
            _set("badge.0.threshold", _DELETE),
            "src.toml: badge[0] 'volunteer_50h': field 'threshold': a cumulative_quantity badge",
        ),
        (
            _set("badge.0.record_types", []),
            "src.toml: badge[0] 'volunteer_50h': field 'record_types': a cumulative_quantity",
        ),
        (
            _set("badge.0.record_types", ["volunteer hours"]),
            "src.toml: badge[0] 'volunteer_50h': field 'record_types': 'volunteer hours' is not",
        ),
        (
            _set("badge.3.bonus_categories", ["blood"]),
            "src.toml: badge[3] 'blood_donor_3': field 'bonus_categories': 'blood' is not a "
            "declared [[bonus_cap]] category",
        ),
        (
            _set("badge.5.years", _DELETE),
            "src.toml: badge[5] 'clean_1y': field 'years': a clean_years badge needs",
        ),
        (
            _set("badge.5.threshold", 3),
            "src.toml: badge[5] 'clean_1y': field 'threshold': clean_years badges use 'years'",
        ),
        (
            _set("badge.0.years", 3),
            "src.toml: badge[0] 'volunteer_50h': field 'years': only clean_years badges",
        ),
        (
            _set("badge.7.bonus_categories", ["volunteer"]),
            "src.toml: badge[7] 'repair_completed': field 'bonus_categories': repair_completed",
        ),
        (
            _set("badge.1.code", "volunteer_50h"),
            "src.toml: badge[1] 'volunteer_50h': field 'code': duplicate badge code",
        ),
        (
            _set("badge.1.description_en", "  "),
            "src.toml: badge[1] 'volunteer_100h': field 'description_en': must not be empty",
        ),
        (_set("grade", []), "src.toml: grade: at least two [[grade]] bands are needed"),
        (_set("extra", {}), "src.toml: file: field 'extra': object contains unknown field"),
        (_set("badge.0", "x"), "src.toml: badge[0]: expected `object`, got `str`"),
    ],
)
def test_invalid_rules_name_source_entry_and_field(
    edit: Callable[[dict[str, Any]], None], expected: str
) -> None:
    data = mapping()
    edit(data)
    with pytest.raises(RulesError) as caught:
        rules_from_mapping(data, "src.toml")
    assert str(caught.value).startswith(expected), str(caught.value)


def test_missing_header_and_non_mapping() -> None:
    data = mapping()
    del data["rules"]
    with pytest.raises(RulesError, match=r"^src\.toml: file: field 'rules': object missing"):
        rules_from_mapping(data, "src.toml")
    with pytest.raises(RulesError, match=r"^src\.toml: file: expected a table"):
        rules_from_mapping([], "src.toml")  # type: ignore[arg-type]


def test_repair_badge_threshold_defaults_to_one() -> None:
    data = mapping()
    del data["badge"][7]["threshold"]
    rules = rules_from_mapping(data, "src.toml")
    assert rules.badges[7].threshold == 1


def test_badges_out_of_group_order_still_come_out_in_definition_order() -> None:
    data = mapping()
    data["badge"].reverse()
    rules = rules_from_mapping(data, "src.toml")
    records = [
        good(1, 1, 120, occurred=D(2020, 1, 1)),
        bad(2, occurred=D(2021, 1, 1), status="repaired", repaired_on=D(2021, 6, 1)),
    ]
    codes = [b.code for b in assess(records, rules, D(2026, 6, 1)).badges]
    assert codes == ["repair_completed", "clean_3y", "clean_1y", "volunteer_100h", "volunteer_50h"]


# --- rule sets ----------------------------------------------------------------------------------


def _version(version: str, effective_from: dt.date) -> Rules:
    data = mapping()
    data["rules"]["version"] = version
    data["rules"]["effective_from"] = effective_from
    return rules_from_mapping(data, f"{version}.toml")


def test_in_force_by_effective_date() -> None:
    first = _version("2026.1", D(2026, 4, 1))
    second = _version("2027.1", D(2027, 1, 1))
    rule_set = RuleSet([second, first])
    assert [r.version for r in rule_set] == ["2026.1", "2027.1"]
    assert rule_set.in_force(D(2026, 4, 1)) is first
    assert rule_set.in_force(D(2026, 12, 31)) is first
    assert rule_set.in_force(D(2027, 1, 1)) is second
    assert rule_set.in_force(D(2030, 1, 1)) is second
    assert rule_set.latest is second
    assert rule_set.by_version("2026.1") is first
    assert rule_set.by_version("1999.1") is None
    assert rule_set.versions == (first, second)
    with pytest.raises(RulesError, match="no rules version is in force on 2026-03-31"):
        rule_set.in_force(D(2026, 3, 31))


def test_rule_set_rejects_clashes() -> None:
    with pytest.raises(RulesError, match="no rules versions"):
        RuleSet([])
    with pytest.raises(RulesError, match=r"field 'version': version '2026\.1' is defined twice"):
        RuleSet([_version("2026.1", D(2026, 4, 1)), _version("2026.1", D(2027, 4, 1))])
    with pytest.raises(
        RulesError, match=r"field 'effective_from': versions '2026\.1' and '2026\.2'"
    ):
        RuleSet([_version("2026.1", D(2026, 4, 1)), _version("2026.2", D(2026, 4, 1))])


def test_load_helper_reads_every_file(tmp_path: Any) -> None:
    for version, day in (("2026.1", "2026-04-01"), ("2027.1", "2027-01-01")):
        text = (RULES_DIR / "2026.1.toml").read_text("utf-8")
        text = text.replace('version = "2026.1"', f'version = "{version}"', 1)
        text = text.replace("effective_from = 2026-04-01", f"effective_from = {day}", 1)
        (tmp_path / f"{version}.toml").write_text(text, "utf-8")
    rule_set = load_rule_set(tmp_path)
    assert [r.version for r in rule_set] == ["2026.1", "2027.1"]
