"""From the cells people typed to the typed Workshop (``records.build_workshop``), tab by
tab and field by field, with the exact words of every Problem a misfit cell, column or tab
earns. Pure and fast: a MemoryBackend snapshot, no sync."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest

from sheets_sync.backends.memory import MemoryBackend
from sheets_sync.cells import FormulaError
from sheets_sync.contract import ORDERS, machine_header
from sheets_sync.domain import model as m
from sheets_sync.domain.problems import ERROR, WARNING, Problem
from sheets_sync.errors import WorkbookError
from sheets_sync.records import ParsedRow, ReadResult, build_workshop, duplicate_words, read_rows
from sheets_sync.workbook import Snapshot, Table

Tabs = dict[str, list[list[Any]]]

ORDER_HEADERS = ["Order Ref", "Client", "Piece Type", "Description", "Alloy", "Size", "Quantity",
                 "Target Weight (g)", "Wax Weight (g)", "Route", "Center Stone", "Side Stones",
                 "Stone Report", "CAD File", "CAD Render", "Partner", "Artisan", "Promised Date",
                 "Client Delay (days)", "Delivered Date", "Notes"]
ORDER_ROW = ["A-1001", "CL-1", "Ring", "Solitaire, knife edge", "18KY", "52", 2, 4.6, 0.35,
             "Casting", "0.50 ct round", "12 x 1.5 mm", "https://gia.example/1", "https://cad.example/r.3dm",
             "https://cad.example/r.png", "P-CAST", "Lea", "30/11/2026", 3, "01/12/2026",
             "engrave 'L&M'"]

FULL: Tabs = {
    "Orders": [ORDER_HEADERS, ORDER_ROW],
    "Progress": [["Order Ref", "Stage", "Status", "Date", "By", "Photo", "Note"],
                 ["A-1001", "Cast", "Done", "20/11/2026", "Lea", "https://p.example/1.jpg", "clean"]],
    "Workflow": [["Route", "Step", "Stage", "Days", "Skill", "Needs Photo", "Needs Verification",
                  "Needs Client Approval"],
                 ["Casting", 2, "Cast", 1.5, "Caster", 1, 0, 1]],
    "Alloys": [["Code", "Name", "Metal", "Fineness", "Specific Gravity", "Loss Alert %"],
               ["14KY", "14K yellow", "Au", 585, 13.07, 4]],
    "Prices": [["Metal", "Price per Troy Oz", "Currency", "As Of"],
               ["Au", 2400.5, "EUR", "02/11/2026"]],
    "Metal Log": [["Date", "Entry", "Alloy", "Grams", "Order Ref or Batch", "Method", "Scrap Kind",
                   "Origin", "Counterparty", "By", "Note"],
                  ["06/10/2026", "Scrap", "14KY", 6.25, "A-1001", "Vacuum", "Sprue", "Recycled",
                   "P-CAST", "Lea", "sprue button"]],
    "Partners": [["Partner ID", "Name", "Role", "Contact", "Email", "Phone", "Ack Hours",
                  "Escalate Hours", "Active"],
                 ["P-CAST", "Fonderie Lyon", "Casting", "Marc", "cast@example.com", "+33 4 00 00 00 00",
                  12, 36, 0]],
    "Clients": [["Client ID", "Name", "Email", "Phone", "Preferences", "Notes"],
                ["CL-1", "Ada Martin", "ada@example.com", "+33 6 00 00 00 00", "yellow gold", "VIP"]],
    "Launches": [["Launch ID", "Order Ref", "Partner", "Task", "Launch Date", "Due Date", "Instructions",
                  "Stones Provided"],
                 ["L-001", "A-1001", "P-CAST", "Cast", "21/11/2026", "24/11/2026", "sprue at the shank",
                  "none"]],
    "Approvals": [["Approval ID", "Order Ref", "Item", "Image", "Requested"],
                  ["AP-1", "A-1001", "Wax", "https://img.example/wax.jpg", "19/11/2026"]],
    "Capacity": [["Artisan", "Skill", "Hours per Week", "From", "To"],
                 ["Lea", "Setter", 32.5, "01/11/2026", "31/12/2026"]],
    "Holidays": [["Date", "Name"], ["25/12/2026", "Christmas"]],
    "Partner Problems": [["Problem ID", "Launch ID", "Order Ref", "Partner", "Reported At", "Report",
                          "Photo", "Decision", "Decided By"],
                         ["web-1", "L-001", "A-1001", "P-CAST", "22/11/2026 09:30", "porosity at the shank",
                          "https://p.example/2.jpg", "recast", "Lea"]],
}


def snapshot(tabs: Tabs) -> Snapshot:
    return MemoryBackend(tabs).read()


def read(tabs: Tabs) -> ReadResult:
    return build_workshop(snapshot(tabs))


def messages(result: ReadResult) -> list[str]:
    return [p.message for p in result.problems]


def with_tab(tab: str, *rows: list[Any], base: Tabs | None = None) -> Tabs:
    tabs = {k: [list(r) for r in v] for k, v in (base or FULL).items()}
    tabs[tab] = [list(r) for r in rows]
    return tabs


def test_every_cell_of_a_full_row_lands_in_its_field() -> None:
    result = read(FULL)
    assert result.problems == []
    assert result.workshop == m.Workshop(
        orders=[m.Order("A-1001", 2, "CL-1", "Ring", "Solitaire, knife edge", "18KY", "52", 2, 4.6, 0.35,
                        "Casting", "0.50 ct round", "12 x 1.5 mm", "https://gia.example/1",
                        "https://cad.example/r.3dm", "https://cad.example/r.png", "P-CAST", "Lea",
                        date(2026, 11, 30), 3, date(2026, 12, 1), "engrave 'L&M'")],
        progress=[m.ProgressEntry("A-1001", "Cast", "Done", date(2026, 11, 20), 2, "Lea",
                                  "https://p.example/1.jpg", "clean")],
        workflow=[m.WorkflowStep("Casting", 2, "Cast", 1.5, 2, "Caster", True, False, True)],
        alloys=[m.Alloy("14KY", "Au", 585.0, 13.07, 2, "14K yellow", 4.0)],
        prices=[m.Price("Au", 2400.5, date(2026, 11, 2), 2, "EUR")],
        metal_log=[m.MetalEntry(date(2026, 10, 6), "Scrap", "14KY", 6.25, 2, "A-1001", "Vacuum", "Sprue",
                                "Recycled", "P-CAST", "Lea", "sprue button")],
        partners=[m.Partner("P-CAST", "Fonderie Lyon", "Casting", 2, "Marc", "cast@example.com",
                            "+33 4 00 00 00 00", 12.0, 36.0, False)],
        clients=[m.Client("CL-1", "Ada Martin", 2, "ada@example.com", "+33 6 00 00 00 00", "yellow gold",
                          "VIP")],
        launches=[m.Launch("L-001", "A-1001", "P-CAST", "Cast", date(2026, 11, 21), 2, date(2026, 11, 24),
                           "sprue at the shank", "none")],
        approvals=[m.Approval("AP-1", "A-1001", "Wax", 2, "https://img.example/wax.jpg", date(2026, 11, 19))],
        capacity=[m.CapacityEntry("Lea", "Setter", 32.5, 2, date(2026, 11, 1), date(2026, 12, 31))],
        holidays=[m.Holiday(date(2026, 12, 25), 2, "Christmas")],
        partner_problems=[m.PartnerProblem("web-1", "L-001", datetime(2026, 11, 22, 9, 30),
                                           "porosity at the shank", 2, "A-1001", "P-CAST",
                                           "https://p.example/2.jpg", "recast", "Lea")],
    )
    assert result.rows_read == {tab: 1 for tab in FULL}
    assert [r.row for r in result.rows["Orders"]] == [2]
    assert result.rows["Orders"][0] == ParsedRow(2, "A-1001", result.rows["Orders"][0].values, True, ())


def test_absent_columns_and_blank_cells_take_the_contract_defaults() -> None:
    tabs = with_tab("Orders", ["Order Ref", "Piece Type", "Alloy", "Route", "Promised Date"],
                    ["A-1", "Ring", "18KY", "Casting", "30/11/2026"])
    tabs["Alloys"] = [["Code", "Metal", "Fineness", "Specific Gravity", "Loss Alert %"],
                      ["18KY", "Au", 750, 15.5, None]]
    tabs["Partners"] = [["Partner ID", "Name", "Role", "Ack Hours", "Escalate Hours", "Active"],
                        ["P-1", "Atelier", "Setter", None, None, None]]
    tabs["Prices"] = [["Metal", "Price per Troy Oz", "As Of"], ["Au", 2400, "02/11/2026"]]
    tabs["Workflow"] = [["Route", "Step", "Stage", "Days"], ["Casting", 1, "Cast", 1]]
    result = read(tabs)
    assert result.problems == []
    w = result.workshop
    assert w.orders == [m.Order("A-1", 2, piece_type="Ring", alloy="18KY", route="Casting",
                                promised=date(2026, 11, 30), quantity=1, client_delay_days=0)]
    assert w.alloys == [m.Alloy("18KY", "Au", 750.0, 15.5, 2, None, 5.0)]
    assert w.partners == [m.Partner("P-1", "Atelier", "Setter", 2, None, None, None, 24.0, 48.0, True)]
    assert w.prices == [m.Price("Au", 2400.0, date(2026, 11, 2), 2, "USD")]
    assert w.workflow == [m.WorkflowStep("Casting", 1, "Cast", 1.0, 2, None, False, False, False)]
    assert result.rows["Orders"][0].values["Quantity"] == 1


def test_a_partner_with_zero_hours_keeps_them_and_a_blank_currency_is_usd() -> None:
    tabs = with_tab("Partners", ["Partner ID", "Name", "Role", "Ack Hours", "Escalate Hours", "Active"],
                    ["P-1", "Atelier", "Setter", 0, 0, 1])
    tabs["Prices"] = [["Metal", "Price per Troy Oz", "Currency", "As Of"], ["Au", 2400, " ", "02/11/2026"]]
    tabs["Alloys"] = [["Code", "Metal", "Fineness", "Specific Gravity", "Loss Alert %"],
                      ["18KY", "Au", 750, 15.5, 0]]
    w = read(tabs).workshop
    assert (w.partners[0].ack_hours, w.partners[0].escalate_hours, w.partners[0].active) == (0.0, 0.0, True)
    assert w.prices[0].currency == "USD"
    assert w.alloys[0].loss_alert_pct == 0.0


def test_an_unreadable_optional_cell_is_said_and_its_row_kept_with_the_default() -> None:
    row = list(ORDER_ROW)
    row[ORDER_HEADERS.index("Client Delay (days)")] = "three"
    row[ORDER_HEADERS.index("Quantity")] = "two"
    result = read(with_tab("Orders", ORDER_HEADERS, row))
    order = result.workshop.orders[0]
    assert order.client_delay_days == 0
    assert order.quantity is None
    parsed = result.rows["Orders"][0]
    assert parsed.complete
    assert parsed.bad == ("Quantity", "Client Delay (days)")
    assert [p.column for p in result.problems] == ["Quantity", "Client Delay (days)"]
    assert all(p.severity == ERROR and p.key == "A-1001" for p in result.problems)
    assert result.problems[1].message.startswith("Orders row 2 (A-1001), column Client Delay (days): ")


def test_an_unreadable_required_cell_keeps_the_row_out_and_says_why() -> None:
    row = list(ORDER_ROW)
    row[ORDER_HEADERS.index("Promised Date")] = "31/02/2026"
    result = read(with_tab("Orders", ORDER_HEADERS, row))
    assert result.workshop.orders == []
    parsed = result.rows["Orders"][0]
    assert (parsed.complete, parsed.bad, parsed.values["Promised Date"]) == (False, ("Promised Date",), None)
    assert parsed.values["Piece Type"] == "Ring"  # the other cells are still read
    assert result.problems == [
        Problem("Orders", "A-1001", "Promised Date", ERROR,
                "Orders row 2 (A-1001), column Promised Date: '31/02/2026' is not a real date "
                "(day/month/year)")
    ]


def test_a_required_cell_left_empty_keeps_the_row_out() -> None:
    row = list(ORDER_ROW)
    row[ORDER_HEADERS.index("Piece Type")] = "  "
    result = read(with_tab("Orders", ORDER_HEADERS, row))
    assert result.workshop.orders == []
    assert result.rows["Orders"][0].bad == ("Piece Type",)
    assert result.problems == [
        Problem("Orders", "A-1001", "Piece Type", ERROR,
                "Orders row 2 (A-1001), column Piece Type: Piece Type is required but empty")
    ]


def test_a_row_without_a_key_is_skipped_and_said_by_its_sheet_row() -> None:
    blank = list(ORDER_ROW)
    blank[0] = None
    failed = list(ORDER_ROW)
    failed[0] = FormulaError("#REF!")
    result = read(with_tab("Orders", ORDER_HEADERS, ORDER_ROW, blank, failed))
    assert [o.ref for o in result.workshop.orders] == ["A-1001"]
    assert result.problems == [
        Problem("Orders", "row 3", "Order Ref", ERROR,
                "Orders row 3, column Order Ref: the row has no Order Ref, so it is skipped"),
        Problem("Orders", "row 4", "Order Ref", ERROR,
                "Orders row 4, column Order Ref: Order Ref shows #REF!: fix the formula there; "
                "the row is skipped until then"),
    ]
    assert result.rows_read["Orders"] == 3
    assert len(result.rows["Orders"]) == 1


def test_a_duplicated_key_keeps_the_first_row_and_marks_each_later_one() -> None:
    second = list(ORDER_ROW)
    second[2] = "Pendant"
    result = read(with_tab("Orders", ORDER_HEADERS, ORDER_ROW, second, second))
    assert [(o.ref, o.piece_type) for o in result.workshop.orders] == [("A-1001", "Ring")]
    rows = result.rows["Orders"]
    assert rows[1] == ParsedRow(3, "A-1001", {}, False, (), 2, 1)
    assert rows[2] == ParsedRow(4, "A-1001", {}, False, (), 2, 2)
    assert (rows[0].duplicate_of, rows[0].occurrence) == (None, 0)
    assert result.problems == [
        Problem("Orders", "A-1001", "Order Ref", ERROR,
                "Orders row 3 (A-1001), column Order Ref: Order Ref A-1001 is on rows 2 and 3; "
                "row 2 is used, row 3 is ignored"),
        Problem("Orders", "A-1001", "Order Ref", ERROR,
                "Orders row 4 (A-1001), column Order Ref: Order Ref A-1001 is on rows 2 and 4; "
                "row 2 is used, row 4 is ignored"),
    ]
    assert duplicate_words("Launch ID", "L-7", 5, 9) == (
        "Launch ID L-7 is on rows 5 and 9; row 5 is used, row 9 is ignored"
    )


def test_a_row_of_a_tab_without_keys_is_labelled_by_its_sheet_row() -> None:
    result = read(with_tab("Capacity", ["Artisan", "Skill", "Hours per Week"], ["Lea", "Setter", "lots"]))
    assert result.workshop.capacity == []
    assert result.problems == [
        Problem("Capacity", "row 2", "Hours per Week", ERROR,
                "Capacity row 2, column Hours per Week: 'lots' is not a number")
    ]
    assert result.rows["Capacity"][0].label() == "row 2"
    assert result.rows["Capacity"][0].key is None
    assert ParsedRow(7, "A-1", {}, True).label() == "A-1"


def test_a_choice_is_read_whatever_its_case_and_spacing_and_refused_when_unknown() -> None:
    tabs = with_tab("Workflow", ["Route", "Step", "Stage", "Days"],
                    ["  fabrication ", 1, "Bench", 2], ["Cast", 1, "Cast", 1])
    result = read(tabs)
    assert [s.route for s in result.workshop.workflow] == ["Fabrication"]
    assert result.problems == [
        Problem("Workflow", "row 3", "Route", ERROR,
                "Workflow row 3, column Route: 'Cast' is not one of Casting, Fabrication")
    ]


def test_a_blank_choice_is_empty_and_a_text_column_reads_a_number_as_its_text() -> None:
    tabs = with_tab("Metal Log", ["Date", "Entry", "Alloy", "Grams", "Method", "Order Ref or Batch"],
                    ["06/10/2026", "Issue", "14KY", 20, " ", 46347])
    result = read(tabs)
    assert result.problems == []
    entry = result.workshop.metal_log[0]
    assert (entry.method, entry.ref) == (None, "46347")


def test_a_formula_error_in_a_cell_is_named_never_read_as_blank() -> None:
    row = list(ORDER_ROW)
    row[ORDER_HEADERS.index("Target Weight (g)")] = FormulaError("#DIV/0!")
    row[ORDER_HEADERS.index("Route")] = FormulaError("#N/A")
    result = read(with_tab("Orders", ORDER_HEADERS, row))
    assert messages(result) == [
        "Orders row 2 (A-1001), column Target Weight (g): Target Weight (g) shows #DIV/0!: "
        "fix the formula there",
        "Orders row 2 (A-1001), column Route: Route shows #N/A: fix the formula there",
    ]
    assert result.workshop.orders == []


def test_a_missing_tab_is_an_error_when_essential_a_warning_otherwise_and_nothing_when_appended() -> None:
    tabs = {k: v for k, v in FULL.items() if k not in ("Workflow", "Capacity", "Partner Problems")}
    result = read(tabs)
    assert result.problems == [
        Problem("Workflow", "", "", ERROR,
                "The workbook has no tab 'Workflow'; add one with the headers: Route, Step, Stage, Days, "
                "Skill, Needs Photo, Needs Verification, Needs Client Approval"),
        Problem("Capacity", "", "", WARNING,
                "The workbook has no tab 'Capacity'; add one with the headers: Artisan, Skill, "
                "Hours per Week, From, To"),
    ]
    assert result.rows_read["Workflow"] == 0 and result.rows_read["Partner Problems"] == 0
    assert result.workshop.workflow == [] and result.rows["Partner Problems"] == []
    for essential in ("Alloys",):
        only = {k: v for k, v in FULL.items() if k != essential}
        assert read(only).problems[0].severity == ERROR


def test_a_missing_required_column_is_an_error_and_a_missing_key_column_reads_no_row() -> None:
    headers = [h for h in ORDER_HEADERS if h != "Alloy"]
    row = [v for h, v in zip(ORDER_HEADERS, ORDER_ROW, strict=True) if h != "Alloy"]
    result = read(with_tab("Orders", headers, row))
    assert result.problems == [
        Problem("Orders", "", "Alloy", ERROR,
                "Orders has no column 'Alloy'; it is required (headers are matched by name, any order, "
                "case and spacing forgiven)")
    ]
    assert len(result.rows["Orders"]) == 1

    keyless = read(with_tab("Launches", ["Order Ref", "Partner", "Task", "Launch Date"],
                            ["A-1001", "P-CAST", "Cast", "21/11/2026"]))
    assert keyless.rows["Launches"] == [] and keyless.workshop.launches == []
    assert [p.column for p in keyless.problems] == ["Launch ID"]


def test_a_header_of_ours_written_twice_is_said_and_the_first_column_used() -> None:
    headers = ["Code", "Metal", "Fineness", "Specific Gravity", "fineness", "Remarks", "Remarks",
               machine_header("Note"), machine_header("Note")]
    row = ["18KY", "Au", 750, 15.5, 585, "a", "b", None, None]
    result = read(with_tab("Alloys", headers, row))
    assert result.workshop.alloys[0].fineness == 750.0
    assert result.problems == [
        Problem("Alloys", "", "Fineness", ERROR,
                "Alloys has the header 'Fineness' in columns C and E: column C is the one used, E is "
                "ignored; rename or remove the extra column"),
        Problem("Alloys", "", "⚙ Note", ERROR,
                "Alloys has the header '⚙ Note' in columns H and I: column H is the one used, I is "
                "ignored; rename or remove the extra column"),
    ]
    thrice = read(with_tab("Alloys", ["Code", "Metal", "Fineness", "Specific Gravity", "Code", "Code"],
                           ["18KY", "Au", 750, 15.5, "x", "y"]))
    assert thrice.problems[0].message == (
        "Alloys has the header 'Code' in columns A, E and F: column A is the one used, E and F is "
        "ignored; rename or remove the extra column"
    )


def test_a_workbook_without_orders_is_some_other_file() -> None:
    with pytest.raises(WorkbookError) as raised:
        build_workshop(Snapshot.of([], source="budget.xlsx"))
    assert str(raised.value) == (
        "budget.xlsx has no tab 'Orders', so it is not a sheets-sync workbook (its tabs: none). It needs "
        "the tabs Orders, Workflow, Alloys, and reads Progress, Prices, Metal Log, Partners, Clients, "
        "Launches, Approvals, Capacity, Holidays, Partner Problems when present; "
        "`sheets-sync init --demo FILE.xlsx` writes one with every tab and header"
    )
    with pytest.raises(WorkbookError, match=r"^the workbook has no tab 'Orders'.*\(its tabs: Sheet1\)"):
        build_workshop(Snapshot.of([Table("Sheet1", ["a"], [[1]], [2])]))


def test_read_rows_of_one_tab_in_sheet_order() -> None:
    rows, problems = read_rows(snapshot(with_tab("Orders", ORDER_HEADERS, ORDER_ROW, [None] * 21,
                                                 ["A-2", *ORDER_ROW[1:]])), ORDERS)
    assert problems == []
    assert [(r.row, r.key, r.complete) for r in rows] == [(2, "A-1001", True), (4, "A-2", True)]


def test_a_blank_cell_under_a_header_takes_the_default_and_a_blank_required_one_is_said() -> None:
    row = list(ORDER_ROW)
    row[ORDER_HEADERS.index("Quantity")] = None
    row[ORDER_HEADERS.index("Client Delay (days)")] = " "
    result = read(with_tab("Orders", ORDER_HEADERS, row))
    assert (result.workshop.orders[0].quantity, result.workshop.orders[0].client_delay_days) == (1, 0)
    assert result.rows["Orders"][0].values["Quantity"] == 1 and result.problems == []
    row[ORDER_HEADERS.index("Piece Type")] = None
    result = read(with_tab("Orders", ORDER_HEADERS, row))
    parsed = result.rows["Orders"][0]
    assert (parsed.complete, parsed.bad, parsed.values["Piece Type"]) == (False, ("Piece Type",), None)
    assert [p.message for p in result.problems] == [
        "Orders row 2 (A-1001), column Piece Type: Piece Type is required but empty"]


def test_a_workbook_without_orders_names_all_its_tabs() -> None:
    with pytest.raises(WorkbookError, match=r"\(its tabs: Budget, Notes\)"):
        build_workshop(Snapshot.of([Table("Budget", ["a"], [[1]], [2]), Table("Notes", ["b"], [[2]], [2])]))
