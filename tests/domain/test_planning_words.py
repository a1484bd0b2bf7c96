"""Planning's Problems in full and the edges of its rules: a ring made by fabrication
(Bench 2 days, CAD approval, Polish verified with a photo), promised Friday 27 November
2026, judged on Wednesday 18 November (Paris, Monday to Friday)."""

from __future__ import annotations

from datetime import date

from sheets_sync.domain.calendar import make_calendar
from sheets_sync.domain.model import Order, ProgressEntry, WorkflowStep
from sheets_sync.domain.planning import (
    OrderStatus,
    _is_approved,
    _names,
    assess,
    check_guardrails,
    order_progress,
)
from sheets_sync.domain.problems import ERROR, Problem

CAL = make_calendar()
TODAY = date(2026, 11, 18)
STEPS = [
    WorkflowStep("Fabrication", 1, "CAD", 1, row=2, needs_client_approval=True),
    WorkflowStep("Fabrication", 2, "Bench", 2, row=3, skill="Goldsmith"),
    WorkflowStep("Fabrication", 3, "Polish", 1, row=4, needs_photo=True, needs_verification=True),
]
ORDER = Order("JW-1", 2, route="Fabrication", promised=date(2026, 11, 27))


def p(stage: str, status: str, day: int, row: int, photo: str | None = None) -> ProgressEntry:
    return ProgressEntry("JW-1", stage, status, date(2026, 11, day), row, photo=photo)


def test_an_approval_item_names_a_stage_by_its_first_word_or_inside() -> None:
    assert _names("CAD render", "CAD")
    assert _names("Wax", "Wax approval")
    assert _names("Final photos", "final check")
    assert not _names("Wax", "Polish")
    assert not _names("CAD render", "")
    assert not _names("", "CAD")
    assert not _names("Final photos", "photos final")


def test_an_approval_is_asked_of_the_order_and_the_stage() -> None:
    asked: list[tuple[str, str]] = []

    def check(ref: str, stage: str) -> bool:
        asked.append((ref, stage))
        return stage == "CAD"

    assert _is_approved(check, "JW-1", "CAD") and asked == [("JW-1", "CAD")]
    assert _is_approved([("jw-1", "CAD render")], "JW-1", "CAD")
    assert not _is_approved([("JW-2", "CAD render")], "JW-1", "CAD")
    assert not _is_approved([("JW-1", "Wax")], "JW-1", "CAD")
    assert _is_approved([("JW-1", "Wax")], "JW-1", "Design sign-off")  # any item of the order
    assert not _is_approved([], "JW-1", "Design sign-off")


def test_every_rule_break_of_one_order_in_full() -> None:
    progress = [
        p("Bench", "Started", 10, 5),  # before CAD was done, and with no approval
        p("Enamel", "Started", 11, 6),
        p("enamel ", "Done", 12, 7),
        p("Polish", "Done", 13, 8),
        p("Polish", "Verified", 14, 9),  # no photo on either row
    ]
    problems = check_guardrails(ORDER, STEPS, progress, [])
    assert problems == [
        Problem(
            "Progress",
            "JW-1",
            "Stage",
            ERROR,
            "Progress rows 6, 7 (JW-1), column Stage: stage 'Enamel' is not a step of route Fabrication on "
            "the Workflow tab.",
        ),
        Problem(
            "Orders",
            "JW-1",
            "",
            ERROR,
            "Orders (JW-1): stage Bench was Started on 10/11/2026 (Progress row 5) but CAD needs the "
            "client's approval and none is approved.",
        ),
        Problem(
            "Progress",
            "JW-1",
            "Status",
            ERROR,
            "Progress row 5 (JW-1), column Status: Bench was Started on 10/11/2026 before CAD (done).",
        ),
        Problem(
            "Progress",
            "JW-1",
            "Status",
            ERROR,
            "Progress row 8 (JW-1), column Status: Polish was Done on 13/11/2026 before CAD (done) and "
            "Bench (done).",
        ),
        Problem(
            "Progress",
            "JW-1",
            "Photo",
            ERROR,
            "Progress rows 8, 9 (JW-1), column Photo: Polish is marked Verified without a photo; this "
            "stage needs one.",
        ),
    ]


def test_one_finished_row_without_a_photo_and_a_stage_on_no_route() -> None:
    lone = Order("JW-2", 3, promised=date(2026, 11, 27))
    problems = check_guardrails(
        lone, STEPS, [ProgressEntry("JW-2", "Cast", "Done", date(2026, 11, 2), 4)], []
    )
    assert [x.message for x in problems] == [
        "Progress row 4 (JW-2), column Stage: stage 'Cast' is not a step of route (none) on the Workflow tab."
    ]
    steps = [WorkflowStep("Fabrication", 1, "Polish", 1, row=2, needs_photo=True)]
    [photo] = check_guardrails(ORDER, steps, [p("Polish", "Done", 13, 8), p("Polish", "Started", 12, 7)], [])
    assert photo.message == (
        "Progress row 8 (JW-1), column Photo: Polish is marked Done without a photo; this stage needs one."
    )
    assert (
        check_guardrails(ORDER, steps, [p("Polish", "Done", 13, 8, photo="https://p.example/1.jpg")], [])
        == []
    )


def test_assess_says_the_stage_and_status_even_without_a_promise_or_once_delivered() -> None:
    progress = [p("CAD", "Done", 2, 2), p("Bench", "Rework", 16, 3)]
    unpromised = Order("JW-1", 2, route="Fabrication")
    assert assess(unpromised, STEPS, progress, CAL, TODAY, 1) == OrderStatus(
        "Bench", "Rework", None, None, ""
    )
    delivered = Order(
        "JW-1", 2, route="Fabrication", promised=date(2026, 11, 27), delivered=date(2026, 11, 27)
    )
    assert assess(delivered, STEPS, progress, CAL, TODAY, 1) == OrderStatus(
        "Bench", "Rework", None, None, "Delivered on time"
    )


def test_a_stage_of_zero_days_takes_no_slack() -> None:
    steps = [
        WorkflowStep("Fabrication", 1, "Bench", 2, row=2),
        WorkflowStep("Fabrication", 2, "Check", 0, row=3),
    ]
    # Wednesday to Friday 27: 7 working days, 2 of them Bench, 0 for Check: 5 to spare, and
    # Check takes no day of its own, so Bench is due on the promised Friday
    status = assess(ORDER, steps, [], CAL, TODAY, 1)
    assert (status.slack_days, status.next_due, status.risk) == (5, date(2026, 11, 27), "On track")


def test_entries_of_one_day_are_taken_in_the_order_work_moves() -> None:
    # typed Verified first, then Done, then Started, all on Monday 16 November
    typed = [p("Bench", "Verified", 16, 2), p("Bench", "Done", 16, 3), p("Bench", "Started", 16, 4),
             p("Bench", "Rework", 13, 5)]
    assert [e.status for e in order_progress(ORDER, typed)] == ["Rework", "Started", "Done", "Verified"]


def test_each_unknown_stage_is_said_on_its_own() -> None:
    problems = check_guardrails(ORDER, STEPS, [p("Enamel", "Done", 2, 2), p("Engrave", "Done", 3, 3)], [])
    assert [(x.column, x.message.split(":")[0]) for x in problems] == [
        ("Stage", "Progress row 2 (JW-1), column Stage"), ("Stage", "Progress row 3 (JW-1), column Stage")]
