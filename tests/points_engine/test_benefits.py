"""Benefits and measures in the engine: the shipped content validates, each grade boundary
unlocks exactly its benefits, the three-clean-years flag gates the green channel, serious
records trigger the measures (and suspended or repaired ones do not)."""

from __future__ import annotations

import copy
import datetime as dt
import functools
import tomllib
from collections.abc import Callable
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backend.benefits.catalog import record_type_infos
from backend.records.catalog import REPAIR_PATHS, CatalogSet, display_until, load_catalogs
from backend.records.catalog import repairable_from as repair_date
from points_engine import (
    Assessment,
    BenefitCatalog,
    BenefitsError,
    BenefitSet,
    RecordFact,
    assess,
    benefits_from_mapping,
    check_benefit,
    evaluate,
    years_after,
)
from tests.points_engine.helpers import CATALOG_DIR, ROOT, bad, good, rules

BENEFITS_FILE = ROOT / "content" / "benefits" / "2026.1.toml"
SOURCE = "content/benefits/2026.1.toml"
AS_OF = dt.date(2026, 11, 20)
DAY = dt.date(2026, 5, 1)


# --- shared builders (the planner tests use them too) -------------------------------------------


@functools.cache
def catalogs() -> CatalogSet:
    return load_catalogs(CATALOG_DIR)


@functools.cache
def _shipped_mapping() -> dict[str, Any]:
    return tomllib.loads(BENEFITS_FILE.read_text("utf-8"))


def benefits_mapping() -> dict[str, Any]:
    """A fresh copy of the parsed content/benefits/2026.1.toml, to break in tests."""
    return copy.deepcopy(_shipped_mapping())


def load(data: dict[str, Any], source: str = SOURCE) -> BenefitCatalog:
    """What the backend does at start-up, for one parsed file."""
    return benefits_from_mapping(
        data,
        source,
        grades=[g.code for g in rules().grades],
        record_types=record_type_infos(catalogs()),
        domains=set(catalogs().latest.domains),
        repair_paths=REPAIR_PATHS,
    )


@functools.cache
def shipped() -> BenefitCatalog:
    return load(_shipped_mapping())


def fact(
    id: int,
    code: str,
    decided: dt.date = DAY,
    *,
    quantity: int = 1,
    **extra: Any,
) -> RecordFact:
    """A record of a real catalog type, with its real points, periods and repair paths."""
    t = catalogs().latest.record_types[code]
    return RecordFact(
        id=id,
        record_type=code,
        domain=t.domain,
        polarity=t.polarity,
        severity=t.severity,
        points_per_unit=t.points,
        quantity=quantity,
        bonus_category=t.bonus_category,
        occurred_on=decided,
        decided_on=decided,
        display_until=display_until(t, decided),
        repairable_from=repair_date(t, decided),
        repair_paths=t.repair_paths,
        unit=t.unit,
        name_zh=t.name_zh,
        name_en=t.name_en,
        **extra,
    )


def at_points(points: int, as_of: dt.date = AS_OF) -> Assessment:
    """A citizen at exactly ``points``: an uncapped good record above the base, a general bad
    record below it (decided in 2026, so never three clean years)."""
    if points >= 1000:
        records = [good(1, points - 1000, category=None)] if points > 1000 else []
    else:
        records = [bad(1, points - 1000, severity="general")]
    return assess(records, rules(), as_of)


def codes(statuses: Any) -> list[str]:
    return [s.code for s in statuses]


# --- the shipped content ------------------------------------------------------------------------


def test_the_shipped_benefits_and_measures_validate() -> None:
    catalog = shipped()
    assert catalog.version == "2026.1" and catalog.effective_from == dt.date(2026, 4, 1)
    assert len(catalog.benefits) >= 12
    named = {b.code for b in catalog.benefits}
    assert {
        "xin-yi-dai",
        "xin-yi-xing",
        "xin-yi-zu",
        "xin-yi-yi",
        "library-deposit-waiver",
        "public-bike-deposit-waiver",
        "roadside-parking-pay-later",
        "green-channel",
        "rongque-shouli",
    } <= named
    assert {m.kind for m in catalog.measures} == {"mandatory", "recommended"}
    codes_ = {m.code for m in catalog.measures}
    assert {"high-consumption-restriction", "no-government-honours"} <= codes_
    for benefit in catalog.benefits:
        assert benefit.name_zh and benefit.name_en and benefit.source
        assert len(benefit.offered_by_zh) == len(benefit.offered_by_en) >= 1
    for measure in catalog.measures:
        assert measure.applied_by_zh and measure.legal_basis and measure.source
    assert {a.record_type for a in catalog.actions} == {
        "VOLUNTEER-SERVICE-HOURS",
        "BLOOD-DONATION-UNPAID",
        "CHARITY-DONATION",
    }
    assert BenefitSet([catalog]).in_force(AS_OF) is catalog


def _set(path: tuple[Any, ...], value: Any) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        target: Any = data
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return change


def _drop(path: tuple[Any, ...]) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        target: Any = data
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]

    return change


def _duplicate_first_benefit(data: dict[str, Any]) -> None:
    data["benefit"].append(copy.deepcopy(data["benefit"][0]))


BROKEN = [
    (
        _set(("benefit", 2, "colour"), "gold"),
        "benefit[2] 'library-deposit-waiver': field 'colour'",
        "unknown field",
    ),
    (
        _set(("benefit", 2, "min_grade"), "AAAA"),
        "benefit[2] 'library-deposit-waiver': field 'min_grade'",
        "not a grade of the rules",
    ),
    (
        _drop(("benefit", 0, "name_en")),
        "benefit[0] 'roadside-parking-pay-later': field 'name_en'",
        "required field",
    ),
    (
        _set(("benefit", 0, "code"), "Bad_Code"),
        "benefit[0] 'Bad_Code': field 'code'",
        "lower-kebab-case",
    ),
    (
        _duplicate_first_benefit,
        "benefit[16] 'roadside-parking-pay-later': field 'code'",
        "duplicate code",
    ),
    (
        _set(("benefit", 1, "offered_by_en"), []),
        "benefit[1] 'car-park-pay-later': field 'offered_by_en'",
        "at least one body",
    ),
    (
        _set(("benefit", 1, "offered_by_en"), ["a", "b"]),
        "benefit[1] 'car-park-pay-later': field 'offered_by_en'",
        "as many",
    ),
    (
        _set(("benefit", 1, "name_zh"), " 停车 "),
        "benefit[1] 'car-park-pay-later': field 'name_zh'",
        "whitespace",
    ),
    (
        _set(("measure", 0, "kind"), "optional"),
        "measure[0] 'high-consumption-restriction': field 'kind'",
        "invalid enum value",
    ),
    (
        _set(("measure", 0, "trigger_record_types"), ["NO-SUCH-TYPE"]),
        "measure[0] 'high-consumption-restriction': field 'trigger_record_types'",
        "not a record type",
    ),
    (
        _set(("measure", 0, "trigger_record_types"), ["BLOOD-DONATION-UNPAID"]),
        "measure[0] 'high-consumption-restriction': field 'trigger_record_types'",
        "only bad ones trigger",
    ),
    (
        _set(("measure", 0, "trigger_record_types"), []),
        "measure[0] 'high-consumption-restriction': field 'trigger_record_types'",
        "needs a trigger",
    ),
    (
        _set(("measure", 9, "trigger_serious_domains"), ["outer_space"]),
        "measure[9] 'prudent-lending': field 'trigger_serious_domains'",
        "not a domain",
    ),
    (
        _set(("measure", 6, "trigger_serious_domains"), ["tax_payment"]),
        "measure[6] 'civil-service-exclusion': field 'trigger_serious_domains'",
        "already covers",
    ),
    (
        _drop(("planner", "repair_path", 3)),
        "planner.repair_path: field 'path'",
        "'volunteer_service' has no effort entry",
    ),
    (
        _set(("planner", "repair_path", 0, "effort"), 0),
        "planner.repair_path[0] 'obligation_fulfilled': field 'effort'",
        "at least 1",
    ),
    (
        _set(("planner", "action", 0, "record_type"), "TRAFFIC-DRUNK-DRIVING"),
        "planner.action[0] 'TRAFFIC-DRUNK-DRIVING': field 'record_type'",
        "not a good record",
    ),
    (
        _set(("planner", "action", 1, "max_units"), "two"),
        "planner.action[1] 'BLOOD-DONATION-UNPAID': field 'max_units'",
        "expected `int`",
    ),
    (_set(("benefits", "version"), "2026 1"), "benefits: field 'version'", "spaces"),
    (_drop(("benefit",)), "benefit", "no [[benefit]] entries"),
]


@pytest.mark.parametrize(("change", "where", "what"), BROKEN)
def test_a_broken_file_names_the_file_entry_and_field(
    change: Callable[[dict[str, Any]], None], where: str, what: str
) -> None:
    data = benefits_mapping()
    change(data)
    with pytest.raises(BenefitsError) as error:
        load(data)
    message = str(error.value)
    assert message.startswith(f"{SOURCE}: "), message
    assert where in message and what in message, message


def test_two_versions_on_one_day_are_refused() -> None:
    other = benefits_mapping()
    other["benefits"]["version"] = "2026.2"
    with pytest.raises(BenefitsError, match="both take effect on 2026-04-01"):
        BenefitSet([shipped(), load(other)])
    later = benefits_mapping()
    later["benefits"].update(version="2027.1", effective_from=dt.date(2027, 1, 1))
    both = BenefitSet([load(later), shipped()])
    assert both.in_force(dt.date(2026, 12, 31)).version == "2026.1"
    assert both.in_force(dt.date(2027, 1, 1)).version == "2027.1"
    with pytest.raises(BenefitsError, match="no benefits version is in force"):
        both.in_force(dt.date(2026, 3, 31))


# --- grade boundaries ---------------------------------------------------------------------------

# For each band with benefits: the benefits that need exactly it, and its lowest points.
BANDS = [(g.code, g.min_points) for g in rules().grades if g.min_points is not None]


@pytest.mark.parametrize(("grade", "low"), BANDS)
def test_each_grade_boundary_unlocks_exactly_that_bands_benefits(grade: str, low: int) -> None:
    needing = {b.code for b in shipped().benefits if b.min_grade == grade}
    at = evaluate(at_points(low), shipped(), rules())
    below = evaluate(at_points(low - 1), shipped(), rules())
    assert at.grade.code == grade and below.grade.code != grade
    by_code_at = {s.code: s for s in (*at.available, *at.one_grade_away, *at.later)}
    by_code_below = {s.code: s for s in (*below.available, *below.one_grade_away, *below.later)}
    for code in needing:
        assert "grade" not in [u.kind for u in by_code_at[code].unmet], code
        [missing] = [u for u in by_code_below[code].unmet if u.kind == "grade"]
        assert (missing.grade, missing.points_needed) == (grade, 1)
    # One point below, the band's benefits are exactly the ones "one grade away".
    assert needing == {s.code for s in below.one_grade_away}


def test_a_citizen_without_records_holds_the_a_benefits_and_the_clean_ones() -> None:
    result = evaluate(assess([], rules(), AS_OF), shipped(), rules())
    assert (result.points, result.grade.code, result.next_grade.code) == (1000, "A", "AA")  # type: ignore[union-attr]
    assert codes(result.available) == [
        "roadside-parking-pay-later",
        "car-park-pay-later",
        "library-deposit-waiver",
        "public-bike-deposit-waiver",
        "xin-yi-yi",
        "xin-yi-jie",
        "green-channel",
        "rongque-shouli",
    ]
    assert all(s.eligible and not s.unmet for s in result.available)
    assert {s.code for s in result.one_grade_away} == {
        b.code for b in shipped().benefits if b.min_grade == "AA"
    }
    assert {s.code for s in result.later} == {"social-services-priority", "honours-priority"}
    first = result.one_grade_away[0]
    assert first.unmet[0].text_zh == "需达到 AA（诚信优秀）：还差 30 分"
    assert first.unmet[0].text_en == "Needs grade AA (Excellent integrity): 30 more points"
    assert result.restrictions == ()


# --- the three-clean-years flag -----------------------------------------------------------------


@pytest.mark.parametrize(("days_before_three_years", "clean"), [(0, True), (1, True), (-1, False)])
def test_green_channel_needs_three_clean_years(days_before_three_years: int, clean: bool) -> None:
    # A minor record (3 months on display) decided about three years before AS_OF: long gone from
    # the points, but it breaks the clean period until three full years have passed.
    decided = years_after(AS_OF, -3) - dt.timedelta(days=days_before_three_years)
    assessment = assess([fact(1, "UTILITY-LATE-PAYMENT", decided)], rules(), AS_OF)
    assert (assessment.points, assessment.clean_years_flag) == (1000, clean)
    for code in ("green-channel", "rongque-shouli"):
        status = check_benefit(assessment, code, shipped(), rules())
        assert status.eligible is clean
        if not clean:
            [unmet] = status.unmet
            assert unmet.kind == "clean_years"
            assert unmet.met_on == years_after(decided, 3) == assessment.clean_years_from
            assert unmet.text_zh.startswith("需连续3年无不良记录")
    # The flag gates nothing else at grade A.
    assert check_benefit(assessment, "library-deposit-waiver", shipped(), rules()).eligible


def test_a_repaired_or_revoked_record_does_not_break_the_clean_period() -> None:
    decided = AS_OF - dt.timedelta(days=400)
    for status in ("repaired", "revoked"):
        record = fact(1, "CONTRACT-NON-PERFORMANCE", decided, status=status, repaired_on=AS_OF)
        assessment = assess([record], rules(), AS_OF)
        assert check_benefit(assessment, "green-channel", shipped(), rules()).eligible


# --- serious records and the measures -----------------------------------------------------------


def test_a_judgment_debtor_gets_the_court_measures_until_the_record_ends() -> None:
    decided = dt.date(2026, 1, 10)
    debtor = fact(7, "JUDICIAL-DISHONEST-JUDGMENT-DEBTOR", decided)
    assessment = assess([debtor], rules(), AS_OF)
    result = evaluate(assessment, shipped(), rules())
    assert result.grade.code == "B"  # 1000 - 150
    assert [r.code for r in result.restrictions] == [
        "high-consumption-restriction",
        "flight-restriction",
        "rail-first-class-restriction",
        "real-estate-purchase-restriction",
        "exit-restriction",
        "legal-representative-restriction",
        "civil-service-exclusion",
        "no-government-honours",
        "key-supervision",
        "prudent-lending",
    ]
    high = result.restrictions[0]
    assert high.kind == "mandatory" and high.applied_by_zh[0] == "人民法院"
    assert high.ends_on == debtor.display_until == dt.date(2029, 1, 10)
    [record] = high.records
    assert (record.record_id, record.repairable_from, record.repair_possible) == (
        7,
        dt.date(2027, 1, 10),
        False,
    )
    assert record.name_zh.startswith("失信被执行人")
    xin_yi_yi = check_benefit(assessment, "xin-yi-yi", shipped(), rules())
    [unmet] = [u for u in xin_yi_yi.unmet if u.kind == "no_serious_record"]
    assert unmet.record_ids == (7,) and unmet.met_on == dt.date(2029, 1, 10)
    # Asked a year later, the repair is possible (the restriction says so).
    later = evaluate(assessment, shipped(), rules(), dt.date(2027, 1, 10))
    assert later.restrictions[0].records[0].repair_possible is True


def test_a_serious_traffic_record_triggers_only_the_any_serious_measures() -> None:
    assessment = assess([fact(1, "TRAFFIC-DRUNK-DRIVING")], rules(), AS_OF)
    result = evaluate(assessment, shipped(), rules())
    assert [r.code for r in result.restrictions] == [
        "civil-service-exclusion",
        "no-government-honours",
        "key-supervision",
    ]


def test_general_suspended_and_repaired_records_trigger_nothing() -> None:
    general = fact(1, "CONTRACT-NON-PERFORMANCE")
    suspended = fact(2, "JUDICIAL-DISHONEST-JUDGMENT-DEBTOR", under_objection=True)
    repaired = fact(3, "TAX-EVASION", status="repaired", repaired_on=AS_OF)
    assessment = assess([general, suspended, repaired], rules(), AS_OF)
    result = evaluate(assessment, shipped(), rules())
    assert result.restrictions == ()
    assert check_benefit(assessment, "xin-yi-yi", shipped(), rules()).eligible
    bike = check_benefit(assessment, "public-bike-deposit-waiver", shipped(), rules())
    assert [(u.kind, u.record_ids) for u in bike.unmet] == [("no_bad_record", (1,))]


def test_an_unknown_benefit_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        check_benefit(assess([], rules(), AS_OF), "no-such-benefit", shipped(), rules())


# --- properties ---------------------------------------------------------------------------------

TYPES = sorted(catalogs().latest.record_types)


@st.composite
def citizens(draw: st.DrawFn) -> list[RecordFact]:
    count = draw(st.integers(0, 6))
    records = []
    for index in range(count):
        code = draw(st.sampled_from(TYPES))
        decided = AS_OF - dt.timedelta(days=draw(st.integers(0, 1500)))
        extra: dict[str, Any] = {}
        if draw(st.integers(0, 9)) == 0:
            extra["under_objection"] = True
        unit = catalogs().latest.record_types[code].unit
        quantity = draw(st.integers(1, 60)) if unit == "hour" else 1
        records.append(fact(index + 1, code, decided, quantity=quantity, **extra))
    return records


@settings(max_examples=150, deadline=None)
@given(citizens())
def test_every_benefit_is_in_exactly_one_group_and_eligible_means_nothing_unmet(
    records: list[RecordFact],
) -> None:
    assessment = assess(records, rules(), AS_OF)
    result = evaluate(assessment, shipped(), rules())
    groups = [codes(result.available), codes(result.one_grade_away), codes(result.later)]
    assert sorted(c for g in groups for c in g) == sorted(b.code for b in shipped().benefits)
    assert all(s.eligible and not s.unmet for s in result.available)
    for status in (*result.one_grade_away, *result.later):
        assert not status.eligible and status.unmet
        for unmet in status.unmet:
            if unmet.kind == "grade":
                low = status.required_grade.min_points
                assert low is not None and unmet.points_needed == low - result.points
                assert unmet.points_needed is not None and unmet.points_needed > 0
    for status in result.one_grade_away:
        assert status.required_grade == result.next_grade
    # Restrictions name only counting serious (or listed) bad records, ending at the latest one.
    counting = {line.record_id: line for line in assessment.lines}
    for restriction in result.restrictions:
        assert restriction.ends_on == max(
            counting[r.record_id].display_until for r in restriction.records
        )
    assert msgspec.json.decode(msgspec.json.encode(result)) == msgspec.json.decode(
        msgspec.json.encode(evaluate(assessment, shipped(), rules()))
    )
