"""Stage plans, risk and guardrails of a ring promised for Monday 18 May 2026.

Thursday 14 May 2026 (Ascension) is a holiday; the route takes 6 working days:
CAD 2 (client approves), Casting 1, Setting 2 (photo, verified), Polishing 1 (photo).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from sheets_sync.domain.calendar import WorkCalendar
from sheets_sync.domain.model import Order, ProgressEntry, WorkflowStep
from sheets_sync.domain.planning import (
    StagePlan,
    assess,
    check_guardrails,
    current_stage,
    plan_stages,
)

CAL = WorkCalendar(holidays=frozenset({date(2026, 5, 14)}))
STEPS = [
    WorkflowStep("Casting", 3, "Setting", 2, row=4, needs_photo=True, needs_verification=True),
    WorkflowStep("Casting", 1, "CAD", 2, row=2, needs_client_approval=True),
    WorkflowStep("Casting", 2, "Casting", 1, row=3),
    WorkflowStep("Casting", 4, "Polishing", 1, row=5, needs_photo=True),
    WorkflowStep("Fabrication", 1, "Bench", 5, row=6),
]
RING = Order("A-1001", row=2, route="Casting", promised=date(2026, 5, 18))


def entry(stage: str, status: str, day: date, row: int, photo: str | None = None,
          ref: str = "A-1001") -> ProgressEntry:
    return ProgressEntry(ref, stage, status, day, row=row, photo=photo)


def test_plan_backwards_across_a_weekend_and_a_holiday() -> None:
    assert plan_stages(RING, STEPS, CAL) == [
        StagePlan("CAD", 1, date(2026, 5, 8), date(2026, 5, 11), 2),  # Fri + Mon
        StagePlan("Casting", 2, date(2026, 5, 12), date(2026, 5, 12), 1),
        StagePlan("Setting", 3, date(2026, 5, 13), date(2026, 5, 15), 2),  # Wed + Fri
        StagePlan("Polishing", 4, date(2026, 5, 18), date(2026, 5, 18), 1),
    ]


def test_client_delay_moves_the_plan_by_working_days() -> None:
    late_client = replace(RING, client_delay_days=2)
    plans = plan_stages(late_client, STEPS, CAL)
    assert [(p.stage, p.start, p.due) for p in plans] == [
        ("CAD", date(2026, 5, 12), date(2026, 5, 13)),
        ("Casting", date(2026, 5, 15), date(2026, 5, 15)),
        ("Setting", date(2026, 5, 18), date(2026, 5, 19)),
        ("Polishing", date(2026, 5, 20), date(2026, 5, 20)),
    ]


def test_half_day_and_zero_day_stages_and_no_promise() -> None:
    steps = [
        WorkflowStep("Casting", 1, "Wax", 0.5, row=2),
        WorkflowStep("Casting", 2, "QC", 0, row=3),
    ]
    plans = plan_stages(RING, steps, CAL)
    assert [(p.start, p.due) for p in plans] == [
        (date(2026, 5, 18), date(2026, 5, 18)),
        (date(2026, 5, 18), date(2026, 5, 18)),
    ]
    assert plan_stages(replace(RING, promised=None), STEPS, CAL) == []


def test_current_stage_takes_the_latest_entry_per_stage() -> None:
    progress = [
        entry("CAD", "Done", date(2026, 5, 8), row=3),
        entry("Casting", "Done", date(2026, 5, 12), row=5),
        entry("Casting", "Started", date(2026, 5, 11), row=4),
        entry("Casting", "Rework", date(2026, 5, 12), row=6),  # same day, later row wins
        entry("CAD", "Done", date(2026, 5, 1), row=2, ref="OTHER"),
    ]
    state = current_stage(RING, STEPS, progress)
    assert (state.stage, state.status, state.next_stage) == ("Casting", "Rework", "Casting")
    nothing = current_stage(RING, STEPS, [])
    assert (nothing.stage, nothing.status, nothing.next_stage) == ("", "Not started", "CAD")


def test_risk_on_track_at_risk_and_late() -> None:
    # (4 May, 18 May] holds 9 working days for 6 planned: slack 3.
    status = assess(RING, STEPS, [], CAL, date(2026, 5, 4), at_risk_slack_days=2)
    assert (status.slack_days, status.risk, status.next_due) == (3, "On track", date(2026, 5, 11))
    status = assess(RING, STEPS, [], CAL, date(2026, 5, 6), at_risk_slack_days=2)
    assert (status.slack_days, status.risk) == (1, "At risk")
    status = assess(RING, STEPS, [], CAL, date(2026, 5, 11), at_risk_slack_days=2)
    assert (status.slack_days, status.risk) == (-2, "Late")


@pytest.mark.parametrize(
    ("today", "slack", "risk"),
    [
        (date(2026, 5, 4), 3, "On track"),  # one day above the threshold of 2
        (date(2026, 5, 5), 2, "At risk"),  # at the threshold: at risk, not on track
        (date(2026, 5, 6), 1, "At risk"),  # one below
        (date(2026, 5, 7), 0, "At risk"),  # no day to spare is still not late
        (date(2026, 5, 8), -1, "Late"),
    ],
)
def test_at_risk_is_at_or_below_the_threshold(today: date, slack: int, risk: str) -> None:
    # (5 May, 18 May] holds 8 working days (the 14th is a holiday) for the 6 planned: slack 2
    status = assess(RING, STEPS, [], CAL, today, at_risk_slack_days=2)
    assert (status.slack_days, status.risk) == (slack, risk)


def test_a_fractional_threshold_compares_with_whole_days_of_slack() -> None:
    # at_risk_slack_days = 1.5: slack 2 is above it, slack 1 below it
    assert assess(RING, STEPS, [], CAL, date(2026, 5, 5), at_risk_slack_days=1.5).risk == "On track"
    assert assess(RING, STEPS, [], CAL, date(2026, 5, 6), at_risk_slack_days=1.5).risk == "At risk"


def test_finished_stages_give_back_their_days() -> None:
    progress = [
        entry("CAD", "Done", date(2026, 5, 7), row=2),
        entry("Casting", "Done", date(2026, 5, 11), row=3),
        entry("Setting", "Started", date(2026, 5, 11), row=4),
    ]
    # (11 May, 18 May]: 12, 13, 15, 18 = 4 days for Setting 2 + Polishing 1.
    status = assess(RING, STEPS, progress, CAL, date(2026, 5, 11), at_risk_slack_days=2)
    assert (status.stage, status.status) == ("Setting", "Started")
    assert (status.slack_days, status.risk, status.next_due) == (1, "At risk", date(2026, 5, 15))


def test_late_once_the_promise_has_passed_even_with_nothing_left() -> None:
    progress = [entry(s, "Verified", date(2026, 5, 15), row=i) for i, s in enumerate(
        ["CAD", "Casting", "Setting", "Polishing"], start=2)]
    status = assess(RING, STEPS, progress, CAL, date(2026, 5, 19), at_risk_slack_days=2)
    assert status.risk == "Late"
    on_the_day = assess(RING, STEPS, progress, CAL, date(2026, 5, 18), at_risk_slack_days=0)
    assert on_the_day.risk == "On track"


def test_delivered_on_time_or_late_counting_the_client_delay() -> None:
    delivered = replace(RING, delivered=date(2026, 5, 19))
    assert assess(delivered, STEPS, [], CAL, date(2026, 6, 1), 2).risk == "Delivered late"
    excused = replace(delivered, client_delay_days=1)
    assert assess(excused, STEPS, [], CAL, date(2026, 6, 1), 2).risk == "Delivered on time"
    assert assess(replace(RING, promised=None), STEPS, [], CAL, date(2026, 6, 1), 2).risk == ""


def test_a_clean_history_breaks_no_guardrail() -> None:
    progress = [
        entry("Casting", "Started", date(2026, 5, 11), row=4),  # same day as CAD Done, row above
        entry("CAD", "Done", date(2026, 5, 11), row=5),
        entry("Casting", "Done", date(2026, 5, 12), row=9),
        entry("Setting", "Done", date(2026, 5, 13), row=6, photo="https://x/setting.jpg"),
        entry("Setting", "Verified", date(2026, 5, 15), row=7),
        entry("Polishing", "Done", date(2026, 5, 18), row=8, photo="https://x/polish.jpg"),
    ]
    assert check_guardrails(RING, STEPS, progress, {("A-1001", "CAD render")}) == []


def test_stage_started_before_its_predecessor_was_done_or_verified() -> None:
    progress = [
        entry("Casting", "Started", date(2026, 5, 8), row=3),
        entry("CAD", "Done", date(2026, 5, 11), row=4),
        entry("Casting", "Done", date(2026, 5, 12), row=8),
        entry("Setting", "Done", date(2026, 5, 13), row=5, photo="p.jpg"),
        entry("Polishing", "Started", date(2026, 5, 15), row=6),
    ]
    problems = check_guardrails(RING, STEPS, progress, lambda ref, stage: True)
    assert [(p.tab, p.key, p.column) for p in problems] == [
        ("Progress", "A-1001", "Status"),
        ("Progress", "A-1001", "Status"),
    ]
    assert problems[0].message.startswith("Progress row 3 (A-1001), column Status: Casting")
    assert "before CAD (done)" in problems[0].message
    assert "before Setting (verified)" in problems[1].message


def test_done_without_a_photo_where_one_is_needed() -> None:
    progress = [
        entry("CAD", "Done", date(2026, 5, 8), row=2),
        entry("Casting", "Done", date(2026, 5, 11), row=3),
        entry("Setting", "Done", date(2026, 5, 12), row=4),
        entry("Setting", "Verified", date(2026, 5, 13), row=5),
    ]
    (problem,) = check_guardrails(RING, STEPS, progress, {("A-1001", "CAD render")})
    assert (problem.tab, problem.column) == ("Progress", "Photo")
    assert "rows 4, 5" in problem.message and "Setting" in problem.message


def test_passing_a_stage_that_needs_client_approval() -> None:
    progress = [
        entry("CAD", "Done", date(2026, 5, 8), row=2),
        entry("Casting", "Started", date(2026, 5, 11), row=3),
    ]
    problems = check_guardrails(RING, STEPS, progress, {("A-1001", "Wax"), ("A-2", "CAD render")})
    (problem,) = problems
    assert (problem.tab, problem.key, problem.column) == ("Orders", "A-1001", "")
    assert "Progress row 3" in problem.message
    assert "CAD needs the client's approval" in problem.message
    assert check_guardrails(RING, STEPS, progress, {("a-1001", "cad render")}) == []
    assert check_guardrails(RING, STEPS, progress, lambda ref, stage: False) == problems


def test_progress_stage_not_in_the_route() -> None:
    progress = [
        entry("Engraving", "Started", date(2026, 5, 8), row=7),
        entry("engraving ", "Done", date(2026, 5, 9), row=9),
    ]
    (problem,) = check_guardrails(RING, STEPS, progress, set())
    assert (problem.tab, problem.column) == ("Progress", "Stage")
    assert problem.message.startswith("Progress rows 7, 9 (A-1001), column Stage")
    assert "route Casting" in problem.message


def test_a_stage_whose_workflow_row_cannot_be_read_is_no_unknown_stage() -> None:
    # the Workflow's Polishing row has a blank Days: it is left out, its own Problem says so
    steps = [s for s in STEPS if s.stage != "Polishing"]
    progress = [entry("Polishing", "Started", date(2026, 5, 15), row=7)]
    blamed = check_guardrails(RING, steps, progress, [])
    assert [p.message for p in blamed] == [
        "Progress row 7 (A-1001), column Stage: stage 'Polishing' is not a step of route Casting "
        "on the Workflow tab."]
    unreadable = [("casting", "polishing "), ("Fabrication", "CAD")]
    assert check_guardrails(RING, steps, progress, [], unreadable) == []
    other_route = [("Fabrication", "Polishing")]
    assert len(check_guardrails(RING, steps, progress, [], other_route)) == 1
