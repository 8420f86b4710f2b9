"""The one clock: system, shifted (BUSINESS_DATE) and fixed clocks; the setting, refused in
production; the runtime's clock behind ``today_in_shanghai``; the ``business_date`` fixture."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import Any

import httpx
import pytest

from backend.identity.sms import MemorySmsSender
from backend.platform import calendar, runtime
from backend.platform.clock import (
    SHANGHAI,
    SYSTEM_CLOCK,
    FixedClock,
    ShiftedClock,
    SystemClock,
    clock_from_settings,
    shifted,
)
from backend.platform.config import Settings, SettingsError, load_settings, parse_business_date
from tests.api.objections.helpers import citizen, days_ago
from tests.conftest import BusinessDate

DRINK = "TRAFFIC-DRINK-DRIVING"  # general, repairable 6 months after the decision


def _shanghai(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)  # type: ignore[misc]


class _Real:
    """A stand-in for the real clock that a test moves by hand."""

    def __init__(self, instant: dt.datetime) -> None:
        self.instant = instant

    def now(self) -> dt.datetime:
        return self.instant.astimezone(dt.UTC)

    def today(self) -> dt.date:
        return self.instant.astimezone(SHANGHAI).date()

    def describe(self) -> str:
        return "test"


# --- clocks -------------------------------------------------------------------------------------


def test_system_clock_is_real_time_in_shanghai() -> None:
    before = dt.datetime.now(dt.UTC)
    now = SystemClock().now()
    assert now.tzinfo is not None and before <= now <= dt.datetime.now(dt.UTC)
    assert SystemClock().today() == now.astimezone(SHANGHAI).date()
    assert SYSTEM_CLOCK.describe() == "real time"


def test_a_fixed_business_date_keeps_the_time_of_day_and_stays_on_its_date() -> None:
    real = _Real(_shanghai(2026, 11, 22, 23, 59))
    clock = ShiftedClock(on=dt.date(2027, 3, 1), real=real)
    assert clock.today() == dt.date(2027, 3, 1)
    assert clock.now() == _shanghai(2027, 3, 1, 23, 59)
    assert clock.now().tzinfo == dt.UTC
    real.instant = _shanghai(2026, 11, 23, 0, 1)  # real midnight passes: the date stays
    assert clock.today() == dt.date(2027, 3, 1)
    assert clock.now() == _shanghai(2027, 3, 1, 0, 1)
    assert "2027-03-01" in clock.describe()


def test_an_offset_moves_with_the_real_date() -> None:
    real = _Real(_shanghai(2026, 11, 22, 7, 30))  # 23:30 UTC the day before
    ahead, behind = ShiftedClock(offset_days=30, real=real), ShiftedClock(offset_days=-7, real=real)
    assert ahead.today() == dt.date(2026, 12, 22)
    assert ahead.now() == _shanghai(2026, 12, 22, 7, 30)
    assert behind.today() == dt.date(2026, 11, 15)
    real.instant = _shanghai(2026, 11, 23, 7, 30)
    assert ahead.today() == dt.date(2026, 12, 23)
    assert ahead.describe() == "business date +30 days from the real date"


def test_shifted_takes_a_date_or_an_offset() -> None:
    assert shifted(dt.date(2027, 3, 1)).today() == dt.date(2027, 3, 1)
    assert shifted(2).today() == SYSTEM_CLOCK.today() + dt.timedelta(days=2)
    with pytest.raises(ValueError, match="not both"):
        ShiftedClock(on=dt.date(2027, 3, 1), offset_days=3)


def test_fixed_clock_does_not_move_and_needs_a_zone() -> None:
    clock = FixedClock(dt.datetime(2026, 11, 22, 17, 30, tzinfo=dt.UTC))
    assert clock.now() == clock.now() == dt.datetime(2026, 11, 22, 17, 30, tzinfo=dt.UTC)
    assert clock.today() == dt.date(2026, 11, 23)  # already the next day in Shanghai
    with pytest.raises(ValueError, match="timezone"):
        FixedClock(dt.datetime(2026, 11, 22, 17, 30))


# --- the setting --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "parsed"),
    [
        ("", None),
        ("  ", None),
        ("2027-03-01", dt.date(2027, 3, 1)),
        ("+30", 30),
        ("-7", -7),
        (" +0 ", 0),
    ],
)
def test_business_date_is_a_date_or_a_signed_offset(raw: str, parsed: object) -> None:
    assert parse_business_date(raw) == parsed


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("30", "neither a date"),
        ("tomorrow", "neither a date"),
        ("2027-02-30", "neither a date"),
        ("+99999", "within 36600 days"),
        ("1900-01-01", "between 1970 and 2199"),
    ],
)
def test_a_malformed_business_date_is_refused_by_name(raw: str, reason: str) -> None:
    with pytest.raises(SettingsError, match="BUSINESS_DATE") as refused:
        parse_business_date(raw)
    assert reason in str(refused.value)


def test_settings_read_business_date_outside_production(tmp_path: Path) -> None:
    settings = load_settings({"VAR_DIR": str(tmp_path), "BUSINESS_DATE": "2027-03-01"})
    assert settings.business_date_shift == dt.date(2027, 3, 1)
    assert clock_from_settings(settings).today() == dt.date(2027, 3, 1)
    test_env = load_settings({"APP_ENV": "test", "VAR_DIR": str(tmp_path), "BUSINESS_DATE": "+3"})
    assert test_env.business_date_shift == 3
    plain = load_settings({"VAR_DIR": str(tmp_path)})
    assert plain.business_date_shift is None
    assert clock_from_settings(plain) is SYSTEM_CLOCK


def test_settings_refuse_a_malformed_business_date(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="BUSINESS_DATE='next week'"):
        load_settings({"VAR_DIR": str(tmp_path), "BUSINESS_DATE": "next week"})


def test_production_refuses_business_date(settings: Settings, tmp_path: Path) -> None:
    secrets = {
        "JWT_SECRET": settings.jwt_secret,
        "ID_ENCRYPTION_KEY": settings.id_encryption_key,
        "ID_INDEX_KEY": settings.id_index_key,
        "OTP_HASH_KEY": settings.otp_hash_key,
        "VERIFICATION_SIGNING_KEY": settings.verification_signing_key,
        "PHONE_INDEX_KEY": settings.id_index_key,  # any base64 of 32 bytes (required, issue 18)
    }
    sms = {
        "SMS_PROVIDER": "aliyun",
        "SMS_ACCESS_KEY_ID": "id",
        "SMS_ACCESS_KEY_SECRET": "secret",
        "SMS_SIGN_NAME": "sign",
        "SMS_TEMPLATE_ID": "SMS_1",
    }
    production = {"APP_ENV": "production", "VAR_DIR": str(tmp_path), **secrets, **sms}
    assert load_settings(production).business_date_shift is None  # starts without it
    for value in ("2027-03-01", "+30"):
        with pytest.raises(SettingsError, match="production") as refused:
            load_settings({**production, "BUSINESS_DATE": value})
        assert f"BUSINESS_DATE={value!r}" in str(refused.value)
    with pytest.raises(SettingsError, match="unset BUSINESS_DATE"):
        Settings(**{**_fields(settings), "env": "production", "business_date": "-7"})


def _fields(settings: Settings) -> dict[str, Any]:
    return {name: getattr(settings, name) for name in settings.__struct_fields__}


# --- the runtime's clock ------------------------------------------------------------------------


def _runtime(settings: Settings) -> runtime.Runtime:
    none: Any = None  # handles the clock never touches
    return runtime.Runtime(
        settings=settings, redis=none, catalogs=none, sms=none, verifier=none, rules=none
    )


def test_runtime_builds_its_clock_from_the_settings_and_warns(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="backend.runtime"):
        plain = _runtime(settings)
    assert plain.clock is SYSTEM_CLOCK
    assert not caplog.records
    moved = Settings(**{**_fields(settings), "business_date": "2027-03-01"})
    with caplog.at_level(logging.WARNING, logger="backend.runtime"):
        shifted_runtime = _runtime(moved)
    assert shifted_runtime.clock.today() == dt.date(2027, 3, 1)
    [warning] = caplog.records
    assert "BUSINESS_DATE=2027-03-01" in warning.getMessage()
    assert "not on the real date" in warning.getMessage()


def test_without_a_runtime_the_system_clock_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runtime, "_current", None)
    assert runtime.clock() is SYSTEM_CLOCK
    assert calendar.today_in_shanghai() == SYSTEM_CLOCK.today()


def test_today_in_shanghai_follows_the_runtime_clock(
    business_date: BusinessDate,
) -> None:
    assert business_date(dt.date(2027, 3, 1)) == dt.date(2027, 3, 1)
    assert calendar.today_in_shanghai() == dt.date(2027, 3, 1)
    assert runtime.clock().now().astimezone(SHANGHAI).date() == dt.date(2027, 3, 1)
    real = SYSTEM_CLOCK.today()
    assert business_date(-7) == real - dt.timedelta(days=7)
    assert calendar.today_in_shanghai() == real - dt.timedelta(days=7)
    # An explicit instant is still read as it is, whatever the clock says.
    instant = dt.datetime(2026, 11, 22, 17, 30, tzinfo=dt.UTC)
    assert calendar.today_in_shanghai(instant) == dt.date(2026, 11, 23)


def test_set_clock_returns_the_clock_it_replaces(app: object) -> None:
    fixed = FixedClock(dt.datetime(2027, 3, 1, 1, 0, tzinfo=dt.UTC))
    previous = runtime.set_clock(fixed)
    try:
        assert runtime.clock() is fixed and calendar.today_in_shanghai() == dt.date(2027, 3, 1)
    finally:
        assert runtime.set_clock(previous) is fixed
    assert runtime.clock() is previous


async def test_moving_the_business_date_moves_the_api(
    client: httpx.AsyncClient, sms: MemorySmsSender, business_date: BusinessDate
) -> None:
    """The same record, read before and on its repair date: only the clock moved."""
    who = await citizen(client, sms, "13937000001", [(DRINK, days_ago(30))])
    options_path = f"/v1/me/records/{who.records[0]}/repair-options"
    before = (await client.get(options_path, headers=who.headers)).json()
    assert before["possibleNow"] is False
    repairable_from = dt.date.fromisoformat(before["possibleFrom"])
    assert repairable_from > calendar.today_in_shanghai()

    business_date(repairable_from - dt.timedelta(days=1))
    assert (await client.get(options_path, headers=who.headers)).json()["possibleNow"] is False
    business_date(repairable_from)
    on_the_day = (await client.get(options_path, headers=who.headers)).json()
    assert on_the_day["possibleNow"] is True
    explanation = (await client.get("/v1/me/card/explanation", headers=who.headers)).json()
    [countdown] = explanation["countdowns"]
    assert countdown["repairableFrom"] == repairable_from.isoformat()
    assert countdown["repairPossibleNow"] is True
