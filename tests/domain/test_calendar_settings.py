"""The workshop calendar as config makes it (``make_calendar``), its refusals word for word,
and the edges of working days and hours: Paris, Monday to Friday, 09:00-18:00, with
Friday 1 May 2026 (Labour Day) off."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from sheets_sync.domain.calendar import WorkCalendar, make_calendar, whole_days
from sheets_sync.errors import ConfigError

PARIS = ZoneInfo("Europe/Paris")
LABOUR_DAY = date(2026, 5, 1)
CAL = make_calendar(holidays=[LABOUR_DAY])


def at(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=PARIS)


def test_the_default_calendar_is_paris_monday_to_friday_nine_to_six() -> None:
    cal = make_calendar()
    assert cal == WorkCalendar()
    assert cal.tz == ZoneInfo("Europe/Paris")
    assert cal.workdays == frozenset({0, 1, 2, 3, 4})
    assert (cal.day_start, cal.day_end) == (time(9, 0), time(18, 0))
    assert cal.holidays == frozenset()


def test_make_calendar_takes_every_setting() -> None:
    cal = make_calendar("America/New_York", (0, 1, 2, 3, 4, 5), [LABOUR_DAY, LABOUR_DAY], time(8), time(17))
    assert cal == WorkCalendar(frozenset(range(6)), frozenset({LABOUR_DAY}), ZoneInfo("America/New_York"),
                               time(8), time(17))


def test_bad_calendar_settings_are_said() -> None:
    with pytest.raises(ConfigError) as raised:
        WorkCalendar(workdays=frozenset())
    assert str(raised.value) == (
        "workshop workdays must be weekday numbers 0 (Monday) to 6, at least one: got []"
    )
    with pytest.raises(ConfigError) as raised:
        WorkCalendar(workdays=frozenset({7, 0}))
    assert str(raised.value).endswith("at least one: got [0, 7]")
    assert WorkCalendar(workdays=frozenset({6})).workdays == frozenset({6})
    with pytest.raises(ConfigError) as raised:
        WorkCalendar(day_start=time(18), day_end=time(18))
    assert str(raised.value) == "workshop day_start 18:00 must be before day_end 18:00"
    assert WorkCalendar(day_start=time(17, 59), day_end=time(18)).day_start == time(17, 59)


def test_whole_days_round_away_from_zero() -> None:
    assert [whole_days(n) for n in (0, 0.5, 2, 2.01, -1.5, -2, -0.2)] == [0, 1, 2, 3, -2, -2, -1]
    assert isinstance(whole_days(0.5), int)


def test_next_workday_is_the_day_itself_or_the_next_open_one() -> None:
    assert CAL.next_workday(date(2026, 4, 29)) == date(2026, 4, 29)  # a Wednesday
    assert CAL.next_workday(LABOUR_DAY) == date(2026, 5, 4)  # Friday off: Monday
    assert CAL.next_workday(date(2026, 5, 2)) == date(2026, 5, 4)  # Saturday
    assert CAL.subtract_workdays(date(2026, 5, 4), 1) == date(2026, 4, 30)
    assert CAL.subtract_workdays(date(2026, 5, 4), 0.5) == date(2026, 4, 30)
    assert CAL.add_workdays(date(2026, 5, 4), 0) == date(2026, 5, 4)


def test_long_jumps_count_holidays_on_workdays_only() -> None:
    # 20 working days after Thursday 30 April: 1 May is off, so Friday 29 May
    assert CAL.add_workdays(date(2026, 4, 30), 20) == date(2026, 5, 29)
    assert CAL.add_workdays(date(2026, 5, 29), -20) == date(2026, 4, 30)
    saturday_off = make_calendar(holidays=[date(2026, 5, 9)])  # a holiday on a Saturday gives nothing
    assert saturday_off.add_workdays(date(2026, 4, 30), 20) == date(2026, 5, 28)
    assert saturday_off.workdays_between(date(2026, 4, 30), date(2026, 5, 28)) == 20
    assert CAL.workdays_between(date(2026, 4, 30), date(2026, 5, 29)) == 20
    assert CAL.workdays_between(date(2026, 5, 29), date(2026, 4, 30)) == -20
    assert CAL.workdays_between(date(2026, 4, 30), LABOUR_DAY) == 0
    assert CAL.workdays_between(LABOUR_DAY, date(2026, 5, 4)) == 1


def test_a_week_with_a_holiday_has_four_working_days() -> None:
    assert CAL.working_days_in_week(2026, 18) == [date(2026, 4, 27), date(2026, 4, 28), date(2026, 4, 29),
                                                  date(2026, 4, 30)]
    assert len(make_calendar(workdays=(5, 6)).working_days_in_week(2026, 19)) == 2


def test_moments_are_read_in_the_workshop_zone() -> None:
    naive = datetime(2026, 5, 4, 9, 0)
    assert CAL.local(naive) == at(5, 4, 9)
    assert CAL.local(naive).tzinfo == PARIS
    assert CAL.local(datetime(2026, 5, 4, 7, 0, tzinfo=ZoneInfo("UTC"))) == at(5, 4, 9)
    assert CAL.at(date(2026, 5, 4), time(14, 30)) == at(5, 4, 14, 30)
    assert CAL.launch_moment(date(2026, 5, 4)) == at(5, 4, 9)
    assert CAL.add_hours(datetime(2026, 5, 4, 9, 0), 24.5) == at(5, 5, 9, 30)


def test_working_hours_edges() -> None:
    with pytest.raises(ValueError) as raised:
        CAL.add_working_hours(at(5, 4, 10), -0.5)
    assert str(raised.value) == "working hours must not be negative: -0.5"
    assert CAL.add_working_hours(datetime(2026, 5, 2, 11, 0), 0) == at(5, 2, 11)  # no hours: as is
    assert CAL.add_working_hours(at(5, 4, 14), 4) == at(5, 4, 18)  # exactly at closing stays
    assert CAL.add_working_hours(at(5, 4, 14), 4.5) == at(5, 5, 9, 30)
    assert CAL.add_working_hours(at(5, 4, 7), 1) == at(5, 4, 10)  # before opening
    assert CAL.add_working_hours(at(5, 4, 18), 1) == at(5, 5, 10)  # at closing: next morning
    assert CAL.add_working_hours(at(4, 30, 17), 2) == at(5, 4, 10)  # over the holiday and weekend
    assert CAL.working_hours_between(at(5, 4, 10), at(5, 4, 10)) == 0
    assert CAL.working_hours_between(at(5, 4, 7), at(5, 4, 20)) == 9
    assert CAL.working_hours_between(at(5, 4, 17, 30), at(5, 5, 9, 30)) == 1
    assert CAL.working_hours_between(at(5, 4, 18), at(5, 5, 9)) == 0
    assert CAL.working_hours_between(at(4, 30, 10), at(5, 4, 10)) == 9
    assert CAL.add_working_hours(at(5, 4, 10), 9) - at(5, 5, 10) == timedelta(0)
