"""Working days and working hours of the workshop, in its own time zone.

Pure arithmetic: nothing here reads the clock. Conventions, once for the whole product:

* A **working day** is a date whose weekday is in ``workdays`` (Monday = 0) and that is not
  in ``holidays``.
* ``add_workdays(d, n)`` is the n-th working day after ``d`` (before it when n < 0); ``d``
  itself never counts, so Friday + 1 = Monday. Fractional days are rounded **up** to whole
  days away from zero (a 0.5-day stage still takes a day of the plan; -1.5 -> -2).
* ``workdays_between(a, b)`` counts the working days in ``(a, b]``: the days still available
  after ``a`` up to and including ``b``; negative when ``b`` is before ``a``.
* A **launch moment** is ``day_start`` on the launch date in the workshop's zone (a launch
  date has no time of day; the partner is counted from the morning it was launched).
* ``add_hours`` adds plain elapsed hours (acknowledgement and escalation clocks run nights
  and weekends); ``add_working_hours`` counts only the hours between ``day_start`` and
  ``day_end`` of working days (a reported problem wants a decision within 4 working hours).
* Naive datetimes given to this module are read as wall time in the workshop's zone;
  results are aware datetimes in that zone. Elapsed arithmetic is done in UTC, so a
  daylight-saving change is never counted twice or skipped.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from ..errors import ConfigError

ONE_DAY = timedelta(days=1)


def whole_days(n: float) -> int:
    """Days rounded up away from zero: 0.5 -> 1, 2 -> 2, -1.5 -> -2."""
    return int(math.ceil(n)) if n >= 0 else -int(math.ceil(-n))


@dataclass(frozen=True)
class WorkCalendar:
    workdays: frozenset[int] = frozenset({0, 1, 2, 3, 4})
    holidays: frozenset[date] = frozenset()
    tz: ZoneInfo = field(default_factory=lambda: ZoneInfo("Europe/Paris"))
    day_start: time = time(9, 0)
    day_end: time = time(18, 0)

    def __post_init__(self) -> None:
        if not self.workdays or not self.workdays <= frozenset(range(7)):
            raise ConfigError(
                f"workshop workdays must be weekday numbers 0 (Monday) to 6, "
                f"at least one: got {sorted(self.workdays)}"
            )
        if self.day_start >= self.day_end:
            raise ConfigError(
                f"workshop day_start {self.day_start:%H:%M} must be before "
                f"day_end {self.day_end:%H:%M}"
            )

    # ---- days -------------------------------------------------------------------------

    def is_workday(self, d: date) -> bool:
        return d.weekday() in self.workdays and d not in self.holidays

    def _holidays_on_workdays(self, lo: date, hi: date) -> int:
        """Holidays in (lo, hi] that fall on a weekday the workshop would otherwise work."""
        return sum(1 for h in self.holidays if lo < h <= hi and h.weekday() in self.workdays)

    def add_workdays(self, d: date, n: float) -> date:
        """The n-th working day after ``d`` (before it when n < 0); n = 0 gives ``d``."""
        remaining = whole_days(n)
        step = 1 if remaining > 0 else -1
        remaining = abs(remaining)
        per_week = len(self.workdays)
        current = d
        # Jump whole weeks while far away; holidays inside the jump give back progress.
        while remaining > 2 * per_week:
            weeks = (remaining - per_week) // per_week
            target = current + step * 7 * weeks * ONE_DAY
            lo, hi = (current, target) if step > 0 else (target - ONE_DAY, current - ONE_DAY)
            remaining -= weeks * per_week - self._holidays_on_workdays(lo, hi)
            current = target
        while remaining > 0:
            current += step * ONE_DAY
            if self.is_workday(current):
                remaining -= 1
        return current

    def subtract_workdays(self, d: date, n: float) -> date:
        """The n-th working day before ``d``."""
        return self.add_workdays(d, -whole_days(n))

    def workdays_between(self, a: date, b: date) -> int:
        """Working days in (a, b]; negative (the count in (b, a]) when b is before a."""
        if b < a:
            return -self.workdays_between(b, a)
        weeks, rest = divmod((b - a).days, 7)
        start = a.weekday()
        count = weeks * len(self.workdays)
        count += sum(1 for i in range(1, rest + 1) if (start + i) % 7 in self.workdays)
        return count - self._holidays_on_workdays(a, b)

    def next_workday(self, d: date) -> date:
        """``d`` itself when it is a working day, else the first working day after it."""
        return d if self.is_workday(d) else self.add_workdays(d, 1)

    def working_days_in_week(self, iso_year: int, iso_week: int) -> list[date]:
        """The working days (dates, Monday first) of an ISO week; ``len()`` is the count."""
        monday = date.fromisocalendar(iso_year, iso_week, 1)
        days = (monday + i * ONE_DAY for i in range(7))
        return [d for d in days if self.is_workday(d)]

    # ---- moments ----------------------------------------------------------------------

    def local(self, moment: datetime) -> datetime:
        """The moment as an aware datetime in the workshop zone (naive = local wall time)."""
        if moment.tzinfo is None:
            return moment.replace(tzinfo=self.tz)
        return moment.astimezone(self.tz)

    def at(self, d: date, t: time) -> datetime:
        """Wall time ``t`` on date ``d`` in the workshop zone."""
        return datetime.combine(d, t, tzinfo=self.tz)

    def launch_moment(self, d: date) -> datetime:
        """When a launch dated ``d`` counts as launched: ``day_start`` on that date."""
        return self.at(d, self.day_start)

    def add_hours(self, moment: datetime, hours: float) -> datetime:
        """Plain elapsed hours (nights, weekends and holidays included)."""
        utc = self.local(moment).astimezone(UTC) + timedelta(hours=hours)
        return utc.astimezone(self.tz)

    def add_working_hours(self, moment: datetime, hours: float) -> datetime:
        """``hours`` of working time after ``moment``, counting only day_start..day_end on
        working days. A moment outside working time starts at the next opening; a deadline
        that lands exactly on closing time stays on that day (18:00, not next 09:00)."""
        if hours < 0:
            raise ValueError(f"working hours must not be negative: {hours}")
        current = self.local(moment)
        remaining = timedelta(hours=hours)
        if not remaining:
            return current
        day = current.date()
        while True:
            if self.is_workday(day):
                opens, closes = self.at(day, self.day_start), self.at(day, self.day_end)
                start = max(current, opens)
                if start < closes:
                    available = closes.astimezone(UTC) - start.astimezone(UTC)
                    if remaining <= available:
                        return (start.astimezone(UTC) + remaining).astimezone(self.tz)
                    remaining -= available
            day += ONE_DAY
            current = self.at(day, self.day_start)

    def working_hours_between(self, a: datetime, b: datetime) -> float:
        """Working hours (day_start..day_end of working days) from ``a`` to ``b``; 0 when
        ``b`` is not after ``a``. Friday 17:00 to Monday 10:00 is 2 h."""
        start, end = self.local(a), self.local(b)
        total = 0.0
        day = start.date()
        while start < end and day <= end.date():
            if self.is_workday(day):
                low = max(self.at(day, self.day_start), start)
                high = min(self.at(day, self.day_end), end)
                if high > low:
                    total += (high.astimezone(UTC) - low.astimezone(UTC)).total_seconds() / 3600
            day += ONE_DAY
        return total


def make_calendar(
    timezone: str = "Europe/Paris",
    workdays: tuple[int, ...] | frozenset[int] = (0, 1, 2, 3, 4),
    holidays: frozenset[date] | set[date] | list[date] = frozenset(),
    day_start: time = time(9, 0),
    day_end: time = time(18, 0),
) -> WorkCalendar:
    """A calendar from plain config values (e.g. ``WorkshopConfig`` fields + Holidays)."""
    return WorkCalendar(
        workdays=frozenset(workdays),
        holidays=frozenset(holidays),
        tz=ZoneInfo(timezone),
        day_start=day_start,
        day_end=day_end,
    )
