"""A setting job launched on Friday 8 May 2026 to a setter in the same time zone (Paris)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sheets_sync.contract import LAUNCH_STATES
from sheets_sync.domain.calendar import WorkCalendar
from sheets_sync.domain.launches import (
    LaunchMachine,
    ack_due,
    escalate_due,
    launch_state,
    missing_for_launch,
    problem_decision_due,
    response_hours,
)
from sheets_sync.domain.model import Launch, Order, Partner

PARIS = ZoneInfo("Europe/Paris")
CAL = WorkCalendar(tz=PARIS)
ORDER = Order(
    "A-1001", row=2, alloy="18KW", size="52", quantity=1, target_weight=6.5,
    cad_file="https://drive.example/a-1001.3dm", center_stone="0.50 ct round diamond",
)
LAUNCH = Launch("L-7", "A-1001", "SET-1", "Set center stone", date(2026, 5, 8), row=2,
                due=date(2026, 5, 15), stones_provided="1 x 0.50 ct, report GIA 123")
SETTER = Partner("SET-1", "Atelier Serti", "Setter", row=2)
SENT = datetime(2026, 5, 8, 10, 0, tzinfo=PARIS)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 5, day, hour, minute, tzinfo=PARIS)


def test_a_complete_sheet_misses_nothing() -> None:
    assert missing_for_launch(ORDER, LAUNCH) == []


def test_missing_items_in_plain_words() -> None:
    bare = replace(ORDER, alloy=" ", size=None, quantity=0, target_weight=None, cad_file="")
    launch = replace(LAUNCH, due=None, stones_provided="  ")
    assert missing_for_launch(bare, launch) == [
        "alloy", "size", "quantity", "target weight", "CAD file", "due date",
        "stones (the piece is set; Stones Provided is blank)",
    ]
    unset = replace(ORDER, center_stone=None)
    assert missing_for_launch(unset, replace(LAUNCH, stones_provided=None)) == []
    assert missing_for_launch(None, LAUNCH) == ["the order (A-1001 is not on the Orders tab)"]


def test_an_unknown_alloy_and_an_order_with_errors_block_the_launch() -> None:
    assert missing_for_launch(replace(ORDER, alloy="19KY"), LAUNCH, alloy_known=False) == [
        "a known alloy (19KY is not on the Alloys tab)"
    ]
    # A-1001 is on the Orders tab, but its Promised Date is 31/02/2026: the order is out
    assert missing_for_launch(None, LAUNCH, order_errors=("Promised Date",)) == [
        "a valid order (A-1001 has errors in Promised Date)"
    ]


def test_ack_and_escalation_are_counted_from_the_launch_morning() -> None:
    assert ack_due(LAUNCH, SETTER, CAL) == at(9, 9)  # Saturday 09:00: plain hours
    assert escalate_due(LAUNCH, SETTER, CAL) == at(10, 9)
    quick = replace(SETTER, ack_hours=4, escalate_hours=8)
    assert ack_due(LAUNCH, quick, CAL) == at(8, 13)
    assert escalate_due(LAUNCH, None, CAL) == at(10, 9)  # defaults 24 / 48
    # Sent later than the launch morning: the clock starts at the sending.
    assert ack_due(LAUNCH, SETTER, CAL, sent_at=SENT) == at(9, 10)
    assert ack_due(replace(LAUNCH, launch_date=None), SETTER, CAL) is None


def test_states_in_order_of_precedence() -> None:
    def state(now: datetime, machine: LaunchMachine, order: Order | None = ORDER) -> str:
        return launch_state(LAUNCH, missing_for_launch(order, LAUNCH), SETTER, CAL, now, machine)

    sent = LaunchMachine(sent_at=SENT)
    assert state(at(8, 8), LaunchMachine()) == "Ready"
    assert state(at(8, 15), sent) == "Sent"
    assert state(at(9, 9, 59), sent) == "Sent"
    assert state(at(9, 10), sent) == "Overdue"
    assert state(at(10, 10), sent) == "Escalated"
    assert state(at(9, 11), replace(sent, escalated_at=at(9, 11))) == "Escalated"
    acked = replace(sent, acknowledged_at=at(9, 8))
    assert state(at(12, 10), acked) == "Acknowledged"
    troubled = replace(acked, open_problems=1)  # a report on it has no decision yet
    assert state(at(12, 10), troubled) == "Problem"
    assert state(at(12, 10), troubled, replace(ORDER, cad_file=None)) == (
        "Blocked: incomplete sheet"
    )
    assert state(at(12, 10), troubled, None) == "Blocked: incomplete sheet"
    # A launch never sent is not overdue: the partner has nothing to acknowledge.
    assert state(at(20, 10), LaunchMachine()) == "Ready"


def test_every_state_is_one_of_the_contract() -> None:
    machines = [LaunchMachine(), LaunchMachine(sent_at=SENT),
                LaunchMachine(sent_at=SENT, acknowledged_at=at(8, 11)),
                LaunchMachine(sent_at=SENT, open_problems=2)]
    for machine in machines:
        for now in (at(8, 12), at(9, 12), at(11, 12)):
            assert launch_state(LAUNCH, [], SETTER, CAL, now, machine) in LAUNCH_STATES


def test_response_hours() -> None:
    assert response_hours(SENT, at(9, 8)) == 22.0
    assert response_hours(SENT, datetime(2026, 5, 8, 8, 20, tzinfo=UTC)) == 0.33  # 10:20 CEST
    assert response_hours(SENT, None) is None
    assert response_hours(None, at(9, 8)) is None
    assert response_hours(at(9, 8), SENT) == 0.0


def test_a_problem_reported_friday_afternoon_wants_a_decision_monday_morning() -> None:
    assert problem_decision_due(at(8, 16, 30), CAL) == at(11, 11, 30)


def test_response_hours_take_a_naive_moment_as_utc() -> None:
    assert response_hours(datetime(2026, 5, 8, 10, 0), datetime(2026, 5, 8, 14, 30, tzinfo=UTC)) == 4.5
    # 10:00 in Paris is 08:00 UTC; the naive 10:20 is UTC: 2 h 20 min
    assert response_hours(datetime(2026, 5, 8, 10, 0, tzinfo=PARIS), datetime(2026, 5, 8, 10, 20)) == 2.33
