"""What a card write tells the citizen: each new record once with its effect on the card, and
record names (never record-type codes) in every record notice."""

from __future__ import annotations

import datetime as dt

from backend.notifications.events import RecordAdded, RecordDisplayEnded, RecordRepairable
from backend.scoring.effects import RecordEffect, record_effects, record_ids
from backend.scoring.notify import NewRecord, card_changes
from points_engine import Assessment, assess
from tests.points_engine.helpers import bad, good, rules

DAY = dt.date(2026, 5, 1)


def _assess(*records: object, on: dt.date = DAY) -> Assessment:
    return assess(list(records), rules(), on)  # type: ignore[arg-type]


def _new(*ids: int, record_type: str = "TRAFFIC-DRINK-DRIVING") -> dict[int, NewRecord]:
    return {
        i: NewRecord(record_type=record_type, catalog_version="2026.1", department="市交警支队")
        for i in ids
    }


def test_each_record_has_its_effect_on_the_card() -> None:
    volunteer = rules().cap("volunteer")
    assert volunteer is not None and volunteer.yearly_cap is not None
    cap = volunteer.yearly_cap
    assessment = _assess(
        good(1, quantity=cap - 10),
        good(2, quantity=24),  # the cap leaves +10
        good(3, quantity=5),  # the cap leaves nothing
        bad(4),
        bad(5, under_objection=True),
        bad(6, occurred=DAY - dt.timedelta(days=400)),  # display over
        bad(7, status="revoked"),
        good(8, points=0, category=None),
    )
    effects = record_effects({1, 2, 3, 4, 5, 6, 7, 8}, assessment)
    assert effects == {
        1: RecordEffect(points=cap - 10, counting="counted"),
        2: RecordEffect(points=10, counting="capped", catalog_points=24),
        3: RecordEffect(points=0, counting="capped", catalog_points=5),
        4: RecordEffect(points=-30, counting="counted"),
        5: RecordEffect(points=0, counting="suspended", catalog_points=-30),
        6: RecordEffect(points=0, counting="display_period_over", on="2026-03-27"),
        7: RecordEffect(points=0, counting="revoked"),
        8: RecordEffect(points=0, counting="no_points"),
    }
    assert sum(e.points for e in effects.values()) == assessment.points - assessment.base_points
    assert record_ids(assessment) == set(range(1, 9)) and record_ids(None) == set()
    assert record_effects({99}, assessment) == {}


def test_a_new_record_is_told_once_with_its_name(app: object) -> None:
    first = _assess(bad(1))
    changes = card_changes(7, None, first, revision=1, new_records=_new(1))
    [(event, key)] = changes  # a first card tells its records, nothing else
    assert isinstance(event, RecordAdded) and key == "record.added:1"
    assert (event.record_title, event.points, event.counting) == (
        "饮酒后驾驶机动车",
        -30,
        "counted",
    )

    second = _assess(bad(1), good(2, quantity=3))
    changes = card_changes(
        7, first, second, revision=2, new_records=_new(2, record_type="VOLUNTEER-SERVICE-HOURS")
    )
    added = [e for e, _ in changes if isinstance(e, RecordAdded)]
    assert [(e.record_id, e.record_title, e.points) for e in added] == [(2, "志愿服务时长", 3)]
    assert any(key == "score:7:r2" for _, key in changes)


def test_countdown_notices_name_the_record_not_its_code(app: object) -> None:
    repairable_on = DAY + dt.timedelta(days=10)
    record = bad(1, repairable=repairable_on, until=DAY + dt.timedelta(days=20))
    before = _assess(record)
    repairable = _assess(record, on=repairable_on)
    changes = card_changes(7, before, repairable, revision=2, new_records={})
    [notice] = [e for e, _ in changes if isinstance(e, RecordRepairable)]
    assert notice.record_title == "饮酒后驾驶机动车"

    ended = _assess(record, on=DAY + dt.timedelta(days=20))
    changes = card_changes(7, repairable, ended, revision=3, new_records={})
    [gone] = [e for e, _ in changes if isinstance(e, RecordDisplayEnded)]
    assert gone.record_title == "饮酒后驾驶机动车"
