"""The launch steps on a small workbook (``steps.launches``): ⚙ Missing and its Problem
for an incomplete sheet, ⚙ State from the ⚙ stamps and the open partner problems, and
Orders ⚙ Launch. Run on a SyncContext built from a MemoryBackend snapshot: pure and fast.

Wednesday 25 November 2026, 10:00 in Paris; launches dated Monday 23 November count from
09:00 that day; Ack Hours 24, Escalate Hours 48 (the Partners defaults)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sheets_sync.backends.memory import MemoryBackend
from sheets_sync.config import Config
from sheets_sync.contract import machine_header
from sheets_sync.domain.problems import WARNING, Problem
from sheets_sync.outputs import SyncContext
from sheets_sync.records import build_workshop
from sheets_sync.steps.launches import launch_states_step, launches_step, order_launches_step

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=PARIS)
G = machine_header

ORDER_HEADERS = ["Order Ref", "Piece Type", "Alloy", "Size", "Quantity", "Target Weight (g)", "Route",
                 "CAD File", "Promised Date"]
LAUNCH_HEADERS = ["Launch ID", "Order Ref", "Partner", "Task", "Launch Date", "Due Date", G("Sent At"),
                  G("Acknowledged At"), G("Escalated At")]
MON = date(2026, 11, 23)
DUE = date(2026, 11, 30)


def order(ref: str, alloy: str = "18KY", promised: Any = "30/11/2026") -> list[Any]:
    return [ref, "Ring", alloy, "52", 1, 4.6, "Casting", "https://cad.example/r.3dm", promised]


def launch(lid: str, ref: str, sent: Any = None, acked: Any = None, escalated: Any = None) -> list[Any]:
    return [lid, ref, "P-CAST", "Cast", MON, DUE, sent, acked, escalated]


def tabs(orders: list[list[Any]], launches: list[list[Any]], problems: list[list[Any]] | None = None,
         ) -> dict[str, list[list[Any]]]:
    return {
        "Orders": [ORDER_HEADERS, *orders],
        "Workflow": [["Route", "Step", "Stage", "Days"], ["Casting", 1, "Cast", 1]],
        "Alloys": [["Code", "Metal", "Fineness", "Specific Gravity"], ["18KY", "Au", 750, 15.5]],
        "Partners": [["Partner ID", "Name", "Role"], ["P-CAST", "Fonderie Lyon", "Casting"]],
        "Launches": [LAUNCH_HEADERS, *launches],
        "Partner Problems": [["Problem ID", "Launch ID", "Reported At", "Report", "Decision"],
                             *(problems or [])],
    }


def context(book: dict[str, list[list[Any]]]) -> SyncContext:
    snapshot = MemoryBackend(book).read()
    read = build_workshop(snapshot)
    return SyncContext(snapshot, read.workshop, Config(), NOW.date(), NOW, rows=read.rows)


def cell(ctx: SyncContext, tab: str, key: str, column: str) -> Any:
    return ctx.outputs.cells[(tab, key)][column]


def test_a_complete_sheet_is_ready_and_misses_nothing() -> None:
    ctx = context(tabs([order("A-1")], [launch("L-1", "A-1")]))
    launches_step(ctx)
    assert cell(ctx, "Launches", "L-1", "State") == "Ready"
    assert cell(ctx, "Launches", "L-1", "Missing") is None
    assert ctx.outputs.problems == []


def test_an_incomplete_sheet_is_blocked_says_what_it_lacks_and_warns() -> None:
    ctx = context(tabs(
        [order("A-1", alloy="19KY"), order("A-2", promised="31/02/2026")],
        [launch("L-1", "A-1"), launch("L-2", "A-2"), launch("L-3", "Z-9")],
    ))
    launches_step(ctx)
    assert [cell(ctx, "Launches", k, "State") for k in ("L-1", "L-2", "L-3")] == [
        "Blocked: incomplete sheet"] * 3
    assert cell(ctx, "Launches", "L-1", "Missing") == "a known alloy (19KY is not on the Alloys tab)"
    assert cell(ctx, "Launches", "L-2", "Missing") == "a valid order (A-2 has errors in Promised Date)"
    assert cell(ctx, "Launches", "L-3", "Missing") == "the order (Z-9 is not on the Orders tab)"
    assert ctx.outputs.problems == [
        Problem("Launches", "L-1", "", WARNING,
                "Launches row 2 (L-1): not sent, the sheet lacks a known alloy "
                "(19KY is not on the Alloys tab)"),
        Problem("Launches", "L-2", "", WARNING,
                "Launches row 3 (L-2): not sent, the sheet lacks a valid order "
                "(A-2 has errors in Promised Date)"),
        Problem("Launches", "L-3", "", WARNING,
                "Launches row 4 (L-3): not sent, the sheet lacks the order (Z-9 is not on the Orders tab)"),
    ]


def test_several_gaps_are_listed_with_commas() -> None:
    row = order("A-1")
    row[3], row[7] = None, None  # no Size, no CAD File
    ctx = context(tabs([row], [launch("L-1", "A-1")]))
    launches_step(ctx)
    assert cell(ctx, "Launches", "L-1", "Missing") == "size, CAD file"
    assert ctx.outputs.problems[0].message == "Launches row 2 (L-1): not sent, the sheet lacks size, CAD file"


def test_a_duplicated_order_row_does_not_hide_the_errors_of_the_first() -> None:
    ctx = context(tabs([order("A-2", promised="31/02/2026"), order("A-2")], [launch("L-2", "A-2")]))
    launches_step(ctx)
    assert cell(ctx, "Launches", "L-2", "Missing") == "a valid order (A-2 has errors in Promised Date)"


def test_the_state_follows_the_stamps_at_ten_on_wednesday() -> None:
    ctx = context(tabs([order("A-1")], [
        launch("L-sent", "A-1", sent=datetime(2026, 11, 25, 8, 0)),  # ack due Thu 08:00
        launch("L-over", "A-1", sent=datetime(2026, 11, 24, 9, 30)),  # ack due Wed 09:30, escalate Thu
        launch("L-esc", "A-1", sent=datetime(2026, 11, 23, 9, 0)),  # escalate due Wed 09:00
        launch("L-ack", "A-1", sent=datetime(2026, 11, 23, 9, 0), acked=datetime(2026, 11, 23, 15, 0)),
        launch("L-stamped", "A-1", sent=datetime(2026, 11, 25, 8, 0), escalated=datetime(2026, 11, 25, 9, 0)),
        launch("L-prob", "A-1", sent=datetime(2026, 11, 25, 8, 0)),
        launch("L-decided", "A-1", sent=datetime(2026, 11, 25, 8, 0)),
    ], problems=[
        ["web-1", "L-prob", datetime(2026, 11, 25, 9, 0), "porosity", None],
        ["web-2", "L-decided", datetime(2026, 11, 25, 9, 0), "porosity", "recast it"],
    ]))
    launches_step(ctx)
    states = {k: v["State"] for (tab, k), v in ctx.outputs.cells.items() if tab == "Launches"}
    assert states == {
        "L-sent": "Sent", "L-over": "Overdue", "L-esc": "Escalated", "L-ack": "Acknowledged",
        "L-stamped": "Escalated", "L-prob": "Problem", "L-decided": "Sent",
    }


def test_a_notice_sent_in_this_sync_moves_its_launch_to_sent_in_the_same_write() -> None:
    ctx = context(tabs([order("A-1")], [launch("L-1", "A-1")]))
    launches_step(ctx)
    assert cell(ctx, "Launches", "L-1", "State") == "Ready"
    ctx.outputs.set("Launches", "L-1", "Sent At", datetime(2026, 11, 25, 9, 55, tzinfo=PARIS))
    launch_states_step(ctx)
    assert cell(ctx, "Launches", "L-1", "State") == "Sent"
    assert cell(ctx, "Launches", "L-1", "Missing") is None


def test_judged_again_an_incomplete_sheet_stays_blocked() -> None:
    ctx = context(tabs([order("A-1", alloy="19KY")], [launch("L-1", "A-1")]))
    launches_step(ctx)
    launch_states_step(ctx)
    assert cell(ctx, "Launches", "L-1", "State") == "Blocked: incomplete sheet"
    assert len(ctx.outputs.problems) == 1  # said once, before the emails


def test_orders_launch_lists_each_launch_and_its_state() -> None:
    ctx = context(tabs([order("A-1"), order("A-2"), order("A-3")], [
        launch("L-1", "A-1"),
        launch("L-2", " a-1 ", sent=datetime(2026, 11, 25, 8, 0)),
        launch("L-3", "A-2", sent=datetime(2026, 11, 23, 9, 0)),
    ]))
    launches_step(ctx)
    order_launches_step(ctx)
    # " a-1 " names A-1 on both sides: listed on the order, and its own sheet is complete
    assert cell(ctx, "Orders", "A-1", "Launch") == "L-1: Ready; L-2: Sent"
    assert cell(ctx, "Launches", "L-2", "Missing") is None
    assert cell(ctx, "Orders", "A-2", "Launch") == "L-3: Escalated"
    assert cell(ctx, "Orders", "A-3", "Launch") is None


def test_stamps_set_in_this_sync_and_the_partner_hours_count() -> None:
    book = tabs([order("A-1")], [launch("L-ack", "A-1"), launch("L-esc", "A-1"),
                                 launch("L-12h", "A-1", sent=datetime(2026, 11, 24, 20, 0))])
    book["Partners"] = [["Partner ID", "Name", "Role", "Ack Hours"],
                        ["P-CAST", "Fonderie Lyon", "Casting", 12]]
    ctx = context(book)
    sent = datetime(2026, 11, 25, 9, 0, tzinfo=PARIS)
    ctx.outputs.set("Launches", "L-ack", "Sent At", sent)
    ctx.outputs.set("Launches", "L-ack", "Acknowledged At", datetime(2026, 11, 25, 9, 30, tzinfo=PARIS))
    ctx.outputs.set("Launches", "L-esc", "Sent At", sent)
    ctx.outputs.set("Launches", "L-esc", "Escalated At", datetime(2026, 11, 25, 9, 45, tzinfo=PARIS))
    launch_states_step(ctx)
    # sent Tuesday 20:00 to a 12 h partner: acknowledgement due Wednesday 08:00, overdue at 10:00
    assert [cell(ctx, "Launches", k, "State") for k in ("L-ack", "L-esc", "L-12h")] == [
        "Acknowledged", "Escalated", "Overdue"]
