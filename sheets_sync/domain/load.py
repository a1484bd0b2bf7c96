"""Load: planned bench hours per ISO week and skill against the hours artisans declared.

Conventions (the README section "Load" says the same in words):

* A stage's work = Workflow Days x ``HOURS_PER_DAY`` (8 h; a working day of the bench, the
  lunch break left out of day_start..day_end).
* The hours of a stage that is not finished (its latest Progress is not Done/Verified, see
  ``planning``) are spread evenly over the working days of its planned window (start..due
  from ``planning.plan_stages``) that are still ahead (today included). A stage whose
  window is already over is late work: all its hours land on the next working day.
* Stages with a blank Skill (sent out to a partner) are not bench load and are left out.
* Capacity of a skill in a week = sum over the Capacity rows of that skill of Hours per Week
  x (working days of the week the row covers, From/To inclusive, holidays excluded)
  / (working days of a normal week). A holiday on a Monday takes a fifth of a 5-day week.
* Load % = planned / capacity x 100, blank when there is no capacity.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from .calendar import WorkCalendar
from .model import CapacityEntry, Order, ProgressEntry, WorkflowStep
from .planning import current_stage, plan_stages, route_steps
from .problems import WARNING, Problem

TAB = "Load"
HOURS_PER_DAY = 8.0
WEEKS = 8


@dataclass(frozen=True)
class StageWork:
    """Bench hours one open stage of one order still needs, and when it is planned."""

    order_ref: str
    stage: str
    skill: str
    hours: float
    start: date
    due: date


@dataclass(frozen=True)
class LoadLine:
    week: str  # "2026-W47"
    week_of: date  # its Monday
    skill: str
    planned_h: float
    capacity_h: float
    load_pct: float | None


def fold(text: str | None) -> str:
    return " ".join((text or "").split()).casefold()


def open_work(
    orders: list[Order],
    steps: list[WorkflowStep],
    progress: list[ProgressEntry],
    cal: WorkCalendar,
) -> list[StageWork]:
    """Every unfinished stage with a Skill of every undelivered, planned order."""
    work: list[StageWork] = []
    by_order: dict[str, list[ProgressEntry]] = {}
    for p in progress:  # grouped once: a pass over all progress per order is quadratic
        by_order.setdefault(p.order_ref.strip().casefold(), []).append(p)
    for order in orders:
        if order.delivered is not None:
            continue
        route = {fold(s.stage): s for s in route_steps(order, steps)}
        mine = by_order.get(order.ref.strip().casefold(), [])
        finished = current_stage(order, steps, mine).finished
        for plan in plan_stages(order, steps, cal):
            step = route.get(fold(plan.stage))
            if step is None or not fold(step.skill) or fold(plan.stage) in finished:
                continue
            hours = max(plan.days, 0.0) * HOURS_PER_DAY
            if hours > 0:
                work.append(StageWork(order.ref, plan.stage, (step.skill or "").strip(),
                                      hours, plan.start, plan.due))
    return work


def spread(work: StageWork, cal: WorkCalendar, today: date) -> dict[date, float]:
    """Hours per working day: a 2-day stage (16 h) over Mon..Tue gives 8 h each."""
    first = max(work.start, today)
    days: list[date] = []
    day = first
    while day <= work.due:
        if cal.is_workday(day):
            days.append(day)
        day += timedelta(days=1)
    if not days:
        days = [cal.next_workday(today)]
    share = work.hours / len(days)
    return dict.fromkeys(days, share)


def week_of(d: date) -> tuple[int, int]:
    iso = d.isocalendar()
    return iso.year, iso.week


def weeks_ahead(today: date, count: int = WEEKS) -> list[tuple[int, int]]:
    """The ISO week of ``today`` and the ``count - 1`` weeks after it."""
    monday = today - timedelta(days=today.weekday())
    return [week_of(monday + timedelta(weeks=i)) for i in range(count)]


def capacity_hours(
    entries: Iterable[CapacityEntry], skill: str, year: int, week: int, cal: WorkCalendar
) -> float:
    """Declared hours of ``skill`` in ISO week ``year``-``week``, pro rata for holidays and
    for rows starting or ending inside the week: 40 h/week, Monday a holiday -> 32 h."""
    normal = len(cal.workdays)
    open_days = cal.working_days_in_week(year, week)
    total = 0.0
    for e in entries:
        if fold(e.skill) != fold(skill) or e.hours_per_week <= 0:
            continue
        covered = [d for d in open_days
                   if (e.start is None or e.start <= d) and (e.end is None or d <= e.end)]
        total += e.hours_per_week * len(covered) / normal
    return total


def weekly_load(
    work: list[StageWork],
    capacity: list[CapacityEntry],
    cal: WorkCalendar,
    today: date,
    weeks: int = WEEKS,
) -> tuple[list[LoadLine], list[Problem]]:
    """Week x skill for ``weeks`` ISO weeks from ``today``'s; skills sorted, first spelling
    shown; every skill that has work or capacity gets a row in every week."""
    horizon = weeks_ahead(today, weeks)
    planned: dict[tuple[tuple[int, int], str], float] = {}
    spelled: dict[str, str] = {}
    for w in work:
        spelled.setdefault(fold(w.skill), w.skill)
        for day, hours in spread(w, cal, today).items():
            key = (week_of(day), fold(w.skill))
            planned[key] = planned.get(key, 0.0) + hours
    for c in capacity:
        if fold(c.skill):
            spelled.setdefault(fold(c.skill), c.skill.strip())
    lines: list[LoadLine] = []
    problems: list[Problem] = []
    for year, week in horizon:
        monday = date.fromisocalendar(year, week, 1)
        label = f"{year}-W{week:02d}"
        for skill in sorted(spelled):
            hours = round(planned.get(((year, week), skill), 0.0), 1)
            cap = round(capacity_hours(capacity, skill, year, week, cal), 1)
            pct = round(hours / cap * 100, 1) if cap > 0 else None
            if cap <= 0 and hours > 0:
                problems.append(Problem(TAB, f"{label} {spelled[skill]}", "Load %", WARNING,
                    f"Load ({label}, {spelled[skill]}), column Load %: {hours:g} h of "
                    f"{spelled[skill]} work are planned in the week of {monday:%d/%m/%Y} and "
                    "no capacity is declared for it on the Capacity tab."))
            lines.append(LoadLine(label, monday, spelled[skill], hours, cap, pct))
    return lines, problems

