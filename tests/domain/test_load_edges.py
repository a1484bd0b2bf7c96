"""Load at its edges: a week counted from any day of it, capacity rows added up and a
1-hour row kept, tenths of an hour, half an hour of work with nobody declared, skills in
alphabetical order as people spell them. Paris, Monday 23 November 2026 a holiday."""

from __future__ import annotations

from datetime import date

from sheets_sync.domain.calendar import make_calendar
from sheets_sync.domain.load import LoadLine, StageWork, capacity_hours, open_work, weekly_load, weeks_ahead
from sheets_sync.domain.model import CapacityEntry, Order, ProgressEntry, WorkflowStep
from sheets_sync.domain.problems import WARNING, Problem

TODAY = date(2026, 11, 18)  # Wednesday of 2026-W47
CAL = make_calendar(holidays={date(2026, 11, 23)})


def test_the_weeks_ahead_start_with_the_week_of_today_whatever_its_day() -> None:
    assert weeks_ahead(date(2026, 11, 22), 2) == [(2026, 47), (2026, 48)]  # a Sunday
    assert weeks_ahead(date(2026, 11, 16), 1) == [(2026, 47)]  # a Monday
    assert weeks_ahead(date(2026, 12, 31), 2) == [(2026, 53), (2027, 1)]


def test_capacity_rows_of_one_skill_add_up_and_an_hour_a_week_counts() -> None:
    rows = [CapacityEntry("Ana", "Goldsmith", 15, row=2), CapacityEntry("Ben", " goldsmith ", 10, row=3),
            CapacityEntry("Cy", "Goldsmith", 1, row=4), CapacityEntry("Di", "Goldsmith", 0, row=5),
            CapacityEntry("Ed", "Goldsmith", -5, row=6), CapacityEntry("Flo", "Setter", 40, row=7)]
    assert capacity_hours(rows, "Goldsmith", 2026, 47, CAL) == 26.0
    assert capacity_hours(rows[2:3], "Goldsmith", 2026, 47, CAL) == 1.0
    assert capacity_hours(rows[2:3], "Goldsmith", 2026, 48, CAL) == 0.8  # Monday off


def test_planned_and_declared_hours_are_said_to_a_tenth() -> None:
    # 10 h over 8 working days (Wed 18 .. Mon 30, Monday 23 off): 1.25 h a day
    work = [StageWork("O-1", "Bench", "Goldsmith", 10.0, TODAY, date(2026, 11, 30))]
    # 7.3 h a week from Friday 20 November: a fifth of it in W47
    cap = [CapacityEntry("Ana", "Goldsmith", 7.3, row=2, start=date(2026, 11, 20))]
    lines, problems = weekly_load(work, cap, CAL, TODAY, weeks=3)
    assert lines == [
        LoadLine("2026-W47", date(2026, 11, 16), "Goldsmith", 3.8, 1.5, 253.3),
        LoadLine("2026-W48", date(2026, 11, 23), "Goldsmith", 5.0, 5.8, 86.2),
        LoadLine("2026-W49", date(2026, 11, 30), "Goldsmith", 1.2, 7.3, 16.4),
    ]
    assert problems == []


def test_a_small_capacity_still_gives_a_load_and_no_problem() -> None:
    work = [StageWork("O-1", "Polish", "Polisher", 1.0, TODAY, TODAY)]
    cap = [CapacityEntry("Cy", "Polisher", 2.5, row=2, start=TODAY, end=TODAY)]  # half an hour
    lines, problems = weekly_load(work, cap, CAL, TODAY, weeks=1)
    assert lines == [LoadLine("2026-W47", date(2026, 11, 16), "Polisher", 1.0, 0.5, 200.0)]
    assert problems == []


def test_half_an_hour_of_work_with_nobody_declared_is_said() -> None:
    work = [StageWork("O-1", "Polish", "Polisher", 0.5, TODAY, TODAY)]
    lines, problems = weekly_load(work, [], CAL, TODAY, weeks=1)
    assert lines == [LoadLine("2026-W47", date(2026, 11, 16), "Polisher", 0.5, 0.0, None)]
    assert problems == [Problem(
        "Load", "2026-W47 Polisher", "Load %", WARNING,
        "Load (2026-W47, Polisher), column Load %: 0.5 h of Polisher work are planned in the week of "
        "16/11/2026 and no capacity is declared for it on the Capacity tab.")]


def test_skills_in_alphabetical_order_as_first_spelled_with_declared_ones_too() -> None:
    work = [StageWork("O-1", "Setting", "Stonemason", 8.0, TODAY, TODAY)]
    cap = [CapacityEntry("Ana", " Stone   setter ", 40, row=2), CapacityEntry("Ben", "  ", 40, row=3),
           CapacityEntry("Cy", "stone setter", 40, row=4)]
    lines, _ = weekly_load(work, cap, CAL, TODAY, weeks=1)
    assert [(ln.skill, ln.planned_h, ln.capacity_h) for ln in lines] == [
        ("Stone   setter", 0.0, 80.0), ("Stonemason", 8.0, 0.0)]


def test_open_work_skips_delivered_orders_and_keeps_fractional_days() -> None:
    steps = [WorkflowStep("Fabrication", 1, "Bench", 0.5, row=2, skill="Goldsmith"),
             WorkflowStep("Fabrication", 2, "Polish", 0.1, row=3, skill="Polisher"),
             WorkflowStep("Fabrication", 3, "Check", 0, row=4, skill="Goldsmith")]
    orders = [Order("O-0", 2, route="Fabrication", promised=date(2026, 11, 27), delivered=date(2026, 11, 17)),
              Order("O-1", 3, route="Fabrication", promised=date(2026, 11, 27))]
    work = open_work(orders, steps, [ProgressEntry("O-0", "Bench", "Started", TODAY, row=2)], CAL)
    assert [(w.order_ref, w.stage, w.skill, w.hours) for w in work] == [
        ("O-1", "Bench", "Goldsmith", 4.0), ("O-1", "Polish", "Polisher", 0.8)]
