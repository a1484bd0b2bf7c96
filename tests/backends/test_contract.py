"""The rules every backend keeps, checked against each one in FACTORIES (see conftest).

The workbook here is a small workshop: three orders, their progress, a person's own
column ("Polisher's notes") that the product must never touch.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

import pytest

from sheets_sync.backends.base import (
    AppendRow,
    ChangeSet,
    GridCell,
    KeyedCell,
    NewColumn,
    NewTab,
)
from sheets_sync.errors import WorkbookError

from .conftest import Harness, Tabs

Make = Callable[[Tabs], Harness]

ORDERS_HEADER = ["Order Ref", "Client", "Promised Date", "Target Weight (g)", "Polisher's notes"]
ORDERS = [
    ORDERS_HEADER,
    ["1001", "Ms Okafor", date(2026, 11, 21), 12.5, "left prong thin"],
    ["23E1231", "Mr Lindqvist", "21/11/2026", 8, None],
    ["1003", "Atelier Roux", date(2026, 12, 4), 30.25, "=SUM(1,2) is what she wrote"],
]
PROGRESS = [
    ["Order Ref", "Stage", "Status", "Date"],
    ["1001", "Casting", "Done", date(2026, 10, 2)],
]
WORKBOOK: Tabs = {"Orders": ORDERS, "Progress": PROGRESS}

HOSTILE = ['=HYPERLINK("http://x","y")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "#N/A"]


def orders_by_ref(h: Harness) -> dict[str, dict[str, object]]:
    table = h.backend.read().table("Orders")
    assert table is not None
    return {str(rec["order ref"]): rec for _, rec in table.records()}


def test_read_keeps_real_types(backend_factory: Make) -> None:
    table = backend_factory(WORKBOOK).backend.read().table("orders")
    assert table is not None
    assert table.headers == ORDERS_HEADER
    first, second, third = table.rows
    assert first[2] == date(2026, 11, 21) and isinstance(first[2], date)
    assert second[2] == "21/11/2026"  # typed as text, stays text: parsing is not our job
    assert second[0] == "23E1231"  # looks like a number in scientific notation: still text
    assert first[3] == 12.5 and second[3] == 8 and third[3] == 30.25
    assert not isinstance(second[3], str)
    assert second[4] is None  # an empty cell is None, never ""
    assert table.row_numbers == [2, 3, 4]


def test_header_lookup_forgives_case_and_spacing(backend_factory: Make) -> None:
    table = backend_factory(WORKBOOK).backend.read().table("  ORDERS ")
    assert table is not None
    assert table.value(0, "order   ref") == "1001"
    assert table.value(1, "CLIENT") == "Mr Lindqvist"
    assert table.index("target weight  (G)") == 3


def test_keyed_write_follows_the_row_after_a_sort(backend_factory: Make) -> None:
    h = backend_factory(WORKBOOK)
    snapshot = h.backend.read()
    orders = snapshot.table("Orders")
    assert orders is not None and orders.row_numbers[orders.keyed("Order Ref")["1003"]] == 4
    # meanwhile someone sorts Orders by client, descending, and adds a row on top
    h.edit(
        {
            "Orders": [ORDERS[0], ["1004", "Zed", None, 1, None], ORDERS[2], ORDERS[3], ORDERS[1]],
            "Progress": PROGRESS,
        }
    )
    result = h.backend.write(
        ChangeSet(
            new_columns=[NewColumn("Orders", "⚙ Risk")],
            cells=[
                KeyedCell("Orders", "Order Ref", "1003", "⚙ Risk", "late"),
                KeyedCell("Orders", "order ref", "23E1231", "⚙ risk", "on time"),
            ],
        )
    )
    assert result.cells == 3 and result.missing_keys == ()
    rows = orders_by_ref(h)
    assert rows["1003"]["⚙ risk"] == "late"
    assert rows["23E1231"]["⚙ risk"] == "on time"
    assert rows["1001"]["⚙ risk"] is None and rows["1004"]["⚙ risk"] is None
    assert rows["1003"]["client"] == "Atelier Roux"


def test_a_key_gone_at_write_time_is_reported_not_written(backend_factory: Make) -> None:
    h = backend_factory(WORKBOOK)
    h.backend.write(ChangeSet(new_columns=[NewColumn("Orders", "⚙ Risk")]))
    result = h.backend.write(
        ChangeSet(cells=[KeyedCell("Orders", "Order Ref", "9999", "⚙ Risk", "x")])
    )
    assert result.missing_keys == ("Orders:9999",)
    assert all(rec["⚙ risk"] is None for rec in orders_by_ref(h).values())


def test_a_duplicated_key_row_is_reached_by_its_occurrence(backend_factory: Make) -> None:
    # JW-1003 typed twice: the sync uses the first row and marks the second as ignored
    twice = [*ORDERS, ["1003", "Atelier Roux", None, 30.25, "typed again"]]
    h = backend_factory({"Orders": twice, "Progress": PROGRESS})
    result = h.backend.write(
        ChangeSet(
            new_columns=[NewColumn("Orders", "⚙ Check")],
            cells=[
                KeyedCell("Orders", "Order Ref", "1003", "⚙ Check", "used"),
                KeyedCell("Orders", "Order Ref", "1003", "⚙ Check", "ignored", occurrence=1),
                KeyedCell("Orders", "Order Ref", "1003", "⚙ Check", "x", occurrence=2),
            ],
        )
    )
    assert result.missing_keys == ("Orders:1003",)  # there is no third row 1003
    table = h.backend.read().table("Orders")
    assert table is not None
    assert table.column_values("⚙ Check") == [None, None, "used", "ignored"]


def test_new_column_leaves_the_persons_own_column_alone(backend_factory: Make) -> None:
    h = backend_factory(WORKBOOK)
    h.backend.write(
        ChangeSet(
            new_columns=[NewColumn("Orders", "⚙ Risk"), NewColumn("Orders", "⚙ Slack (days)")],
            cells=[KeyedCell("Orders", "Order Ref", "1001", "⚙ Slack (days)", -2)],
        )
    )
    table = h.backend.read().table("Orders")
    assert table is not None
    assert table.headers[:5] == ORDERS_HEADER
    assert table.headers[5:] == ["⚙ Risk", "⚙ Slack (days)"]
    assert table.column_values("Polisher's notes") == [
        "left prong thin",
        None,
        "=SUM(1,2) is what she wrote",
    ]
    assert table.value(0, "⚙ slack (days)") == -2


def test_new_tab_and_grid_cells_by_position(backend_factory: Make) -> None:
    h = backend_factory(WORKBOOK)
    h.backend.write(
        ChangeSet(
            new_tabs=[NewTab("Dashboard", ("KPI", "Value"))],
            grid=[
                GridCell("Dashboard", 2, "KPI", "Yield (%)"),
                GridCell("Dashboard", 2, "Value", 97.5),
                GridCell("Dashboard", 4, "kpi", "Load"),
                GridCell("Dashboard", 4, "VALUE", 12),
            ],
        )
    )
    table = h.backend.read().table("dashboard")
    assert table is not None
    assert table.headers == ["KPI", "Value"]
    assert table.rows == [["Yield (%)", 97.5], ["Load", 12]]
    assert table.row_numbers == [2, 4]
    # a new tab that already exists is left as it is
    h.backend.write(ChangeSet(new_tabs=[NewTab("DASHBOARD", ("Other",))]))
    again = h.backend.read().table("dashboard")
    assert again is not None and again.rows == table.rows and again.headers == ["KPI", "Value"]


def test_appends_go_after_the_last_filled_row(backend_factory: Make) -> None:
    h = backend_factory({"Orders": ORDERS, "Progress": [*PROGRESS, [None] * 4, [None] * 4]})
    h.backend.write(
        ChangeSet(
            appends=[
                AppendRow(
                    "Progress", {"Order Ref": "1003", "stage": "Polishing", "Status": "Started"}
                ),
                AppendRow("Progress", {"Order Ref": "1001", "Date": datetime(2026, 10, 5, 9, 30)}),
            ]
        )
    )
    table = h.backend.read().table("Progress")
    assert table is not None
    assert table.row_numbers == [2, 3, 4]
    assert table.rows[1] == ["1003", "Polishing", "Started", None]
    assert table.rows[2] == ["1001", None, None, datetime(2026, 10, 5, 9, 30)]


def test_append_to_an_unknown_column_fails_whole(backend_factory: Make) -> None:
    h = backend_factory(WORKBOOK)
    before = h.fingerprint()
    with pytest.raises(WorkbookError, match="Weather"):
        h.backend.write(
            ChangeSet(
                appends=[
                    AppendRow("Progress", {"Order Ref": "1003"}),
                    AppendRow("Progress", {"Weather": "sunny"}),
                ]
            )
        )
    assert h.fingerprint() == before


def test_empty_change_set_writes_nothing(backend_factory: Make) -> None:
    h = backend_factory(WORKBOOK)
    before = h.fingerprint()
    result = h.backend.write(ChangeSet())
    assert (result.cells, result.calls) == (0, 0)
    assert h.fingerprint() == before


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_is_stored_as_the_exact_text(backend_factory: Make, text: str) -> None:
    h = backend_factory(WORKBOOK)
    h.backend.write(
        ChangeSet(
            new_columns=[NewColumn("Orders", "⚙ Last message")],
            cells=[KeyedCell("Orders", "Order Ref", "1001", "⚙ Last message", text)],
            appends=[AppendRow("Progress", {"Order Ref": "1001", "Stage": text})],
        )
    )
    # a second, unrelated write must not turn it into a formula either
    h.backend.write(
        ChangeSet(cells=[KeyedCell("Orders", "Order Ref", "1003", "⚙ Last message", "ok")])
    )
    snapshot = h.backend.read()
    orders, progress = snapshot.table("Orders"), snapshot.table("Progress")
    assert orders is not None and progress is not None
    assert orders.value(0, "⚙ Last message") == text
    assert progress.rows[-1][:2] == ["1001", text]


def test_what_was_written_reads_back_the_same(backend_factory: Make) -> None:
    values = [
        "plain",
        "  spaced  ",
        "line one\nline two",
        "Zürich — 18k ✓",
        0,
        -3,
        12.345,
        True,
        False,
    ]
    h = backend_factory({"Log": [["N", "Value"]], "Holidays": [["Date", "Name"]],
                         "Activity": [["Time", "Kind"]]})
    h.backend.write(
        ChangeSet(
            grid=[
                *(GridCell("Log", i + 2, "Value", v) for i, v in enumerate(values)),
                # dates and moments in the contract's date columns: a backend that keeps no
                # type with the value (Google's values read) types them by column
                GridCell("Holidays", 2, "Date", date(2027, 2, 28)),
                GridCell("Activity", 2, "Time", datetime(2026, 11, 21, 16, 45)),
            ]
        )
    )
    snapshot = h.backend.read()
    table, holidays, activity = (snapshot.table(t) for t in ("Log", "Holidays", "Activity"))
    assert table is not None and holidays is not None and activity is not None
    got = table.column_values("Value")
    assert got == values
    assert [type(g) for g in got] == [type(v) for v in values]
    assert holidays.rows == [[date(2027, 2, 28), None]] and type(holidays.rows[0][0]) is date
    assert activity.rows == [[datetime(2026, 11, 21, 16, 45), None]]
    # None clears
    h.backend.write(ChangeSet(grid=[GridCell("Log", 2, "Value", None)]))
    table = h.backend.read().table("Log")
    assert table is not None and table.row_numbers[0] == 3


def test_failed_write_changes_nothing(backend_factory: Make) -> None:
    h = backend_factory(WORKBOOK)
    before = h.fingerprint()
    bad = ChangeSet(
        new_tabs=[NewTab("Activity", ("When", "What"))],
        new_columns=[NewColumn("Orders", "⚙ Risk")],
        grid=[GridCell("Activity", 2, "What", "first")],
        cells=[KeyedCell("Archive 2019", "Order Ref", "1001", "⚙ Risk", "late")],
    )
    with pytest.raises(WorkbookError, match="Archive 2019"):
        h.backend.write(bad)
    assert h.fingerprint() == before
    assert h.backend.read().table("Activity") is None


def test_memory_backend_injected_failure_changes_nothing() -> None:
    from sheets_sync.backends.memory import MemoryBackend

    backend = MemoryBackend(WORKBOOK)
    backend.fail_next_write = WorkbookError("disk full")
    with pytest.raises(WorkbookError, match="disk full"):
        backend.write(ChangeSet(grid=[GridCell("Progress", 2, "Stage", "x")]))
    assert backend.grid("Progress")[1][1] == "Casting"


# ------------------------------------------------------- layouts beyond the demo's shape

NOTES = "call Ms Okafor before casting"


def notes_kept(h: Harness, header: str) -> None:
    """NOTES is still on the row of 1001, under no header, apart from the new column."""
    grid = h.grid("Orders")
    [(r, c)] = [(r, c) for r, row in enumerate(grid) for c, v in enumerate(row) if v == NOTES]
    assert grid[r][0] == "1001"
    assert c >= len(grid[0]) or grid[0][c] in (None, "")
    assert header in grid[0] and grid[0].index(header) != c


def test_a_new_column_never_lands_on_notes_under_no_header(backend_factory: Make) -> None:
    # column F has no header, yet the polisher keeps a note there
    grid = [[*ORDERS[0], None], *([*r, None] for r in ORDERS[1:])]
    grid[1][5] = NOTES
    h = backend_factory({"Orders": grid, "Progress": PROGRESS})
    h.backend.write(
        ChangeSet(
            new_columns=[NewColumn("Orders", "⚙ Risk")],
            cells=[KeyedCell("Orders", "Order Ref", key, "⚙ Risk", "Late")
                   for key in ("1001", "23E1231", "1003")],
        )
    )
    notes_kept(h, "⚙ Risk")
    table = h.backend.read().table("Orders")
    assert table is not None and table.headers[:5] == ORDERS_HEADER
    assert table.column_values("⚙ Risk") == ["Late", "Late", "Late"]
    assert table.column_values("Polisher's notes")[0] == "left prong thin"


def test_new_columns_never_land_on_notes_further_right(backend_factory: Make) -> None:
    # F is empty, G holds a note under no header
    grid = [[*ORDERS[0], None, None], *([*r, None, None] for r in ORDERS[1:])]
    grid[1][6] = NOTES
    h = backend_factory({"Orders": grid, "Progress": PROGRESS})
    h.backend.write(
        ChangeSet(
            new_columns=[NewColumn("Orders", "⚙ Risk"), NewColumn("Orders", "⚙ Stage")],
            cells=[KeyedCell("Orders", "Order Ref", key, column, "x") for key in ("1001", "1003")
                   for column in ("⚙ Risk", "⚙ Stage")],
        )
    )
    notes_kept(h, "⚙ Risk")
    notes_kept(h, "⚙ Stage")
    table = h.backend.read().table("Orders")
    assert table is not None
    assert table.column_values("⚙ Stage") == table.column_values("⚙ Risk") == ["x", None, "x"]


def test_a_persons_column_named_like_a_machine_one_is_never_written(backend_factory: Make) -> None:
    # the manager's own "Risk" column, without the ⚙: the sync's ⚙ Risk is another column
    grid = [[*ORDERS[0], "Risk"], *([*r, "low"] for r in ORDERS[1:])]
    h = backend_factory({"Orders": grid, "Progress": PROGRESS})
    h.backend.write(
        ChangeSet(
            new_columns=[NewColumn("Orders", "⚙ Risk")],
            cells=[KeyedCell("Orders", "Order Ref", "1001", "⚙ risk", "Late"),
                   KeyedCell("Orders", "Order Ref", "1003", "⚙  RISK", "On track")],
        )
    )
    table = h.backend.read().table("Orders")
    assert table is not None
    assert table.headers == [*ORDERS_HEADER, "Risk", "⚙ Risk"]
    assert table.column_values("Risk") == ["low", "low", "low"]
    assert table.column_values("⚙ Risk") == ["Late", None, "On track"]
    with pytest.raises(WorkbookError):  # "Risk" is hers: a write to it never finds a ⚙ column
        h.backend.write(ChangeSet(cells=[KeyedCell("Orders", "Order Ref", "1001", "⚙ Check", "OK")]))
    assert h.backend.read().table("Orders") == table


def test_hidden_and_filtered_rows_are_read_and_written_like_the_others(backend_factory: Make) -> None:
    h = backend_factory(WORKBOOK)
    h.hide("Orders", [2, 4])  # 1001 and 1003 hidden by the filter
    table = h.backend.read().table("Orders")
    assert table is not None
    assert table.column_values("Order Ref") == ["1001", "23E1231", "1003"]
    assert table.row_numbers == [2, 3, 4]
    h.backend.write(
        ChangeSet(
            new_columns=[NewColumn("Orders", "⚙ Risk")],
            cells=[KeyedCell("Orders", "Order Ref", "1003", "⚙ Risk", "Late")],
            appends=[AppendRow("Progress", {"Order Ref": "1003", "Stage": "Casting"})],
        )
    )
    rows = orders_by_ref(h)
    assert [rows[k]["⚙ risk"] for k in ("1001", "23E1231", "1003")] == [None, None, "Late"]
    progress = h.backend.read().table("Progress")
    assert progress is not None and progress.row_numbers == [2, 3]


def test_tabs_in_another_order_are_found_by_name(backend_factory: Make) -> None:
    # Progress first, a tab of the staff's own in between, Orders last
    h = backend_factory({"Progress": PROGRESS, "Sketches": [["Idea"], ["a bee brooch"]],
                         "Orders": ORDERS})
    snapshot = h.backend.read()
    assert snapshot.names() == ["Progress", "Sketches", "Orders"]
    h.backend.write(
        ChangeSet(
            new_tabs=[NewTab("Problems", ("Tab", "Key"))],
            new_columns=[NewColumn("Orders", "⚙ Risk")],
            cells=[KeyedCell("Orders", "Order Ref", "1001", "⚙ Risk", "Late")],
            grid=[GridCell("Problems", 2, "Key", "1001")],
            appends=[AppendRow("Progress", {"Order Ref": "1001", "Stage": "Setting"})],
        )
    )
    after = h.backend.read()
    assert after.names()[:3] == ["Progress", "Sketches", "Orders"]
    sketches, orders, progress = (after.table(t) for t in ("Sketches", "Orders", "Progress"))
    assert sketches is not None and sketches.rows == [["a bee brooch"]]
    assert orders is not None and orders.value(0, "⚙ Risk") == "Late"
    assert progress is not None and progress.rows[-1][:2] == ["1001", "Setting"]
