"""Load worked examples: a week over capacity, a holiday taking a fifth of the capacity,
a skill with work and no declared capacity, ISO weeks across the year end."""

from __future__ import annotations

from datetime import date

import pytest

from sheets_sync.domain.calendar import make_calendar
from sheets_sync.domain.load import (
    HOURS_PER_DAY,
    StageWork,
    capacity_hours,
    open_work,
    spread,
    weekly_load,
    weeks_ahead,
)
from sheets_sync.domain.model import CapacityEntry, Order, ProgressEntry, WorkflowStep

TODAY = date(2026, 11, 18)  # a Wednesday of ISO week 2026-W47
HOLIDAY = date(2026, 11, 23)  # Monday of W48
CAL = make_calendar(holidays={HOLIDAY})
STEPS = [
    WorkflowStep("Fabrication", 1, "Bench", 3, row=2, skill="Goldsmith"),
    WorkflowStep("Fabrication", 2, "Setting", 2, row=3, skill="Setter"),
    WorkflowStep("Fabrication", 3, "Shipping", 1, row=4),  # no skill: not bench work
]
ORDERS = [
    Order("O-1", 2, route="Fabrication", promised=date(2026, 11, 27)),
    Order("O-2", 3, route="Fabrication", promised=date(2026, 12, 4)),
    Order("O-3", 4, route="Fabrication", promised=date(2026, 11, 27)),
    Order("O-4", 5, route="Fabrication", promised=date(2026, 11, 27),
          delivered=date(2026, 11, 17)),
    Order("O-5", 6, route="Fabrication"),  # no promised date: cannot be planned
]
PROGRESS = [ProgressEntry("O-3", "Bench", "Done", date(2026, 11, 16), row=2)]
CAPACITY = [
    CapacityEntry("Ana", "Goldsmith", 15, row=2),
    CapacityEntry("Ben", "Setter", 40, row=3, start=date(2026, 11, 30)),
]


def test_eight_iso_weeks_from_today_across_the_year_end() -> None:
    assert weeks_ahead(TODAY) == [
        (2026, 47), (2026, 48), (2026, 49), (2026, 50),
        (2026, 51), (2026, 52), (2026, 53), (2027, 1),
    ]


def test_open_work_is_the_unfinished_stages_with_a_skill() -> None:
    work = open_work(ORDERS, STEPS, PROGRESS, CAL)
    # O-1 (promised Fri 27/11, Shipping 1 day due 27/11): Setting 25/11..26/11,
    # Bench 3 days back from 24/11 with Monday 23/11 a holiday: 19/11..24/11
    assert [(w.order_ref, w.stage, w.hours, w.start, w.due) for w in work] == [
        ("O-1", "Bench", 24.0, date(2026, 11, 19), date(2026, 11, 24)),
        ("O-1", "Setting", 16.0, date(2026, 11, 25), date(2026, 11, 26)),
        ("O-2", "Bench", 24.0, date(2026, 11, 27), date(2026, 12, 1)),
        ("O-2", "Setting", 16.0, date(2026, 12, 2), date(2026, 12, 3)),
        ("O-3", "Setting", 16.0, date(2026, 11, 25), date(2026, 11, 26)),
    ]
    assert HOURS_PER_DAY == 8.0


def test_spread_over_the_remaining_working_days_or_now_when_late() -> None:
    bench = StageWork("O-1", "Bench", "Goldsmith", 24.0, date(2026, 11, 19), date(2026, 11, 24))
    assert spread(bench, CAL, TODAY) == {
        date(2026, 11, 19): 8.0, date(2026, 11, 20): 8.0, date(2026, 11, 24): 8.0}
    # half the window gone: the 24 h fall on what is left
    assert spread(bench, CAL, date(2026, 11, 21)) == {date(2026, 11, 24): 24.0}
    # window over: late work lands on the next working day
    late = StageWork("O-9", "Bench", "Goldsmith", 16.0, date(2026, 11, 2), date(2026, 11, 3))
    assert spread(late, CAL, date(2026, 11, 22)) == {date(2026, 11, 24): 16.0}


def test_capacity_pro_rata_for_holiday_and_start_date() -> None:
    assert capacity_hours(CAPACITY, "Goldsmith", 2026, 47, CAL) == 15.0
    assert capacity_hours(CAPACITY, "goldsmith", 2026, 48, CAL) == 12.0  # Monday off
    assert capacity_hours(CAPACITY, "Setter", 2026, 48, CAL) == 0.0  # Ben from 30/11
    assert capacity_hours(CAPACITY, "Setter", 2026, 49, CAL) == 40.0
    ended = [CapacityEntry("Cy", "Polisher", 40, row=2, end=date(2026, 11, 18))]
    assert capacity_hours(ended, "Polisher", 2026, 47, CAL) == 24.0  # Mon..Wed


def test_weekly_load_worked_example() -> None:
    work = open_work(ORDERS, STEPS, PROGRESS, CAL)
    lines, problems = weekly_load(work, CAPACITY, CAL, TODAY)
    table = [(ln.week, ln.skill, ln.planned_h, ln.capacity_h, ln.load_pct) for ln in lines]
    assert table[:8] == [
        ("2026-W47", "Goldsmith", 16.0, 15.0, 106.7),  # O-1 Bench Thu + Fri
        ("2026-W47", "Setter", 0.0, 0.0, None),
        # holiday Monday: 15 h x 4/5 = 12 h declared; O-1 Bench Tue + O-2 Bench Fri = 16 h
        ("2026-W48", "Goldsmith", 16.0, 12.0, 133.3),
        ("2026-W48", "Setter", 32.0, 0.0, None),  # O-1 and O-3 Setting, nobody declared
        ("2026-W49", "Goldsmith", 16.0, 15.0, 106.7),  # O-2 Bench Mon + Tue
        ("2026-W49", "Setter", 16.0, 40.0, 40.0),  # O-2 Setting Wed + Thu
        ("2026-W50", "Goldsmith", 0.0, 15.0, 0.0),
        ("2026-W50", "Setter", 0.0, 40.0, 0.0),
    ]
    assert len(lines) == 16 and lines[-1].week == "2027-W01"
    assert lines[0].week_of == date(2026, 11, 16)
    assert [(p.tab, p.key, p.column, p.severity) for p in problems] == [
        ("Load", "2026-W48 Setter", "Load %", "warning")]
    assert "32 h of Setter work" in problems[0].message


def test_nothing_planned_nothing_declared_gives_no_rows() -> None:
    assert weekly_load([], [], CAL, TODAY) == ([], [])


def test_hours_are_rounded_so_float_noise_never_rewrites() -> None:
    third = StageWork("O-1", "Bench", "Goldsmith", 8.0, date(2026, 11, 18), date(2026, 11, 20))
    lines, _ = weekly_load([third], [CapacityEntry("Ana", "Goldsmith", 30, row=2)], CAL, TODAY)
    assert lines[0].planned_h == 8.0 and lines[0].load_pct == pytest.approx(26.7)
