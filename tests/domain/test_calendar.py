"""Working days and working hours, as a workshop in Paris counts them."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sheets_sync.domain.calendar import WorkCalendar, make_calendar, whole_days
from sheets_sync.errors import ConfigError, SheetsSyncError

PARIS = ZoneInfo("Europe/Paris")
# 2026: Mon 11 May (no holiday), Thu 14 May is Ascension, Fri 1 May is Labour Day.
ASCENSION = date(2026, 5, 14)
LABOUR_DAY = date(2026, 5, 1)
CAL = WorkCalendar(holidays=frozenset({ASCENSION, LABOUR_DAY}), tz=PARIS)


def test_weekend_and_holiday_are_not_workdays() -> None:
    assert CAL.is_workday(date(2026, 5, 13))  # Wednesday
    assert not CAL.is_workday(date(2026, 5, 16))  # Saturday
    assert not CAL.is_workday(ASCENSION)


def test_friday_plus_one_working_day_is_monday() -> None:
    assert CAL.add_workdays(date(2026, 5, 8), 1) == date(2026, 5, 11)


def test_adding_across_a_weekend_and_a_holiday() -> None:
    # Wed 13 May + 2: Thursday is Ascension, so Friday 15 then Monday 18.
    assert CAL.add_workdays(date(2026, 5, 13), 2) == date(2026, 5, 18)
    assert CAL.subtract_workdays(date(2026, 5, 18), 2) == date(2026, 5, 13)
    assert CAL.add_workdays(date(2026, 5, 18), -2) == date(2026, 5, 13)


def test_fractional_days_round_up() -> None:
    assert whole_days(0.5) == 1 and whole_days(2.0) == 2 and whole_days(-1.5) == -2
    assert CAL.add_workdays(date(2026, 5, 11), 0.5) == date(2026, 5, 12)
    assert CAL.add_workdays(date(2026, 5, 16), 0) == date(2026, 5, 16)


def test_workdays_between_counts_half_open_interval() -> None:
    # (Fri 8 May, Mon 18 May]: 11, 12, 13, 15, 18 = 5 (Ascension skipped).
    assert CAL.workdays_between(date(2026, 5, 8), date(2026, 5, 18)) == 5
    assert CAL.workdays_between(date(2026, 5, 18), date(2026, 5, 8)) == -5
    assert CAL.workdays_between(date(2026, 5, 8), date(2026, 5, 8)) == 0
    assert CAL.workdays_between(date(2026, 5, 8), date(2026, 5, 10)) == 0  # the weekend


def test_working_days_in_week() -> None:
    week = CAL.working_days_in_week(2026, 20)  # 11-17 May, Ascension on Thursday
    assert week == [date(2026, 5, 11), date(2026, 5, 12), date(2026, 5, 13), date(2026, 5, 15)]
    assert len(CAL.working_days_in_week(2026, 21)) == 5


def test_launch_moment_is_day_start_in_the_workshop_zone() -> None:
    moment = CAL.launch_moment(date(2026, 5, 11))
    assert moment == datetime(2026, 5, 11, 7, 0, tzinfo=UTC)  # 09:00 CEST


def test_problem_reported_friday_afternoon_is_due_monday_late_morning() -> None:
    reported = datetime(2026, 5, 8, 16, 30, tzinfo=PARIS)
    assert CAL.add_working_hours(reported, 4) == datetime(2026, 5, 11, 11, 30, tzinfo=PARIS)


def test_working_hours_skip_a_holiday_and_start_at_opening() -> None:
    # Wednesday 20:00 (closed) -> Thursday is Ascension -> Friday 09:00 + 4 h.
    reported = datetime(2026, 5, 13, 20, 0, tzinfo=PARIS)
    assert CAL.add_working_hours(reported, 4) == datetime(2026, 5, 15, 13, 0, tzinfo=PARIS)
    # Exactly to closing time stays on the day.
    assert CAL.add_working_hours(datetime(2026, 5, 15, 14, 0, tzinfo=PARIS), 4) == datetime(
        2026, 5, 15, 18, 0, tzinfo=PARIS
    )
    # A naive moment is local wall time.
    assert CAL.add_working_hours(datetime(2026, 5, 11, 9, 0), 9) == datetime(
        2026, 5, 11, 18, 0, tzinfo=PARIS
    )


def test_elapsed_hours_across_the_spring_dst_change() -> None:
    # Paris springs forward on Sunday 29 March 2026 at 02:00.
    launched = CAL.launch_moment(date(2026, 3, 27))  # Friday 09:00 CET = 08:00 UTC
    due = CAL.add_hours(launched, 48)
    assert due.astimezone(UTC) == datetime(2026, 3, 29, 8, 0, tzinfo=UTC)
    assert (due.hour, due.minute) == (10, 0)  # wall clock moved an hour
    assert due.utcoffset() == timedelta(hours=2)


def test_working_hours_across_the_autumn_dst_change() -> None:
    # Paris falls back on Sunday 25 October 2026; Friday 16:30 + 4 working h = Monday 11:30.
    reported = datetime(2026, 10, 23, 16, 30, tzinfo=PARIS)
    due = CAL.add_working_hours(reported, 4)
    assert due == datetime(2026, 10, 26, 11, 30, tzinfo=PARIS)
    assert due.utcoffset() == timedelta(hours=1)


def test_make_calendar_and_bad_settings() -> None:
    cal = make_calendar("Europe/Paris", (0, 1, 2, 3, 4, 5), [LABOUR_DAY], time(8), time(17))
    assert cal.add_workdays(date(2026, 5, 8), 1) == date(2026, 5, 9)  # Saturday works
    with pytest.raises(ConfigError):
        WorkCalendar(workdays=frozenset())
    with pytest.raises(SheetsSyncError):
        WorkCalendar(day_start=time(18), day_end=time(9))
    with pytest.raises(ValueError):
        CAL.add_working_hours(datetime(2026, 5, 11, 10, tzinfo=PARIS), -1)


days = st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31))
holiday_sets = st.frozensets(days, max_size=12)
workday_sets = st.frozensets(st.integers(0, 6), min_size=1)


def _slow_add(cal: WorkCalendar, d: date, n: int) -> date:
    step = 1 if n > 0 else -1
    for _ in range(abs(n)):
        d += timedelta(days=step)
        while not cal.is_workday(d):
            d += timedelta(days=step)
    return d


@given(d=days, n=st.integers(-80, 80), holidays=holiday_sets, workdays=workday_sets)
def test_add_workdays_matches_walking_day_by_day(
    d: date, n: int, holidays: frozenset[date], workdays: frozenset[int]
) -> None:
    cal = WorkCalendar(workdays=workdays, holidays=holidays)
    assert cal.add_workdays(d, n) == _slow_add(cal, d, n)


@given(a=days, b=days, holidays=holiday_sets, workdays=workday_sets)
def test_workdays_between_counts_day_by_day(
    a: date, b: date, holidays: frozenset[date], workdays: frozenset[int]
) -> None:
    cal = WorkCalendar(workdays=workdays, holidays=holidays)
    lo, hi = min(a, b), max(a, b)
    count = sum(1 for i in range(1, (hi - lo).days + 1) if cal.is_workday(lo + timedelta(i)))
    assert cal.workdays_between(a, b) == (count if b >= a else -count)


@given(d=days, n=st.integers(0, 60), holidays=holiday_sets)
def test_add_then_count_round_trips(d: date, n: int, holidays: frozenset[date]) -> None:
    cal = WorkCalendar(holidays=holidays)
    assert cal.workdays_between(d, cal.add_workdays(d, n)) == n
