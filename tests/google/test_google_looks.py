"""The look spec on Google: patterns, widths, colours, a frozen and filterable header,
riding in the write's one batch, sent only when missing or different.

A real sync of the demo workbook through gspread against the fake Sheets API.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import gspread
import pytest

from sheets_sync.backends.google import GoogleBackend
from sheets_sync.backends.google_looks import PX_PER_INDENT, highlight_rule
from sheets_sync.backends.google_retry import RetryPolicy
from sheets_sync.backends.google_setup import prepare_spreadsheet
from sheets_sync.backends.google_values import read_cell
from sheets_sync.config import Config
from sheets_sync.looks import RISK_COLOURS
from sheets_sync.pipeline import build_steps
from sheets_sync.presentation import DATE, GRAMS, MOMENT, pixels
from sheets_sync.samples.demo import demo_tabs
from sheets_sync.sync import run_sync
from sheets_sync.testing import FakeSheets, fake_session

TODAY = date(2026, 11, 25)
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=ZoneInfo("Europe/Paris"))
LOOK_KINDS = {"repeatCell", "updateDimensionProperties", "addConditionalFormatRule",
              "deleteConditionalFormatRule", "updateSheetProperties", "setBasicFilter"}
Json = dict[str, Any]


def backend_for(fake: FakeSheets) -> GoogleBackend:
    client = gspread.Client(auth=None, session=fake_session(fake))  # type: ignore[arg-type]
    return GoogleBackend(fake.id, client, retry=RetryPolicy(sleep=lambda _: None))


def sync(fake: FakeSheets) -> Any:
    config = Config()
    return run_sync(backend_for(fake), config, NOW, build_steps(config))


def sent(fake: FakeSheets) -> Counter[str]:
    return Counter(next(iter(r)) for c in fake.calls if c.kind == "spreadsheets.batchUpdate"
                   for r in (c.body or {})["requests"])


def column(fake: FakeSheets, tab: str, header: str) -> int:
    return [read_cell(c) for c in fake.sheet(tab).rows[0]].index(header)


@pytest.fixture
def demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeSheets:
    monkeypatch.chdir(tmp_path)
    fake = FakeSheets()
    fake.replace_tabs(demo_tabs(TODAY))
    sync(fake)
    return fake


def test_the_looks_ride_in_the_first_syncs_one_write(demo: FakeSheets) -> None:
    assert demo.count("spreadsheets.batchUpdate") == 1
    kinds = sent(demo)
    assert LOOK_KINDS - {"deleteConditionalFormatRule"} <= set(kinds)
    # the values go in that same batch: no other call writes
    assert kinds["updateCells"] > 0
    assert {c.kind for c in demo.calls} == {"values.batchGet", "spreadsheets.get",
                                            "spreadsheets.batchUpdate"}
    orders = demo.sheet("Orders")
    due = column(demo, "Orders", "⚙ Next Due")
    assert orders.peek(1, due)["userEnteredFormat"]["numberFormat"] == {"type": "DATE", "pattern": DATE}
    yields = demo.sheet("Yields")
    issued = column(demo, "Yields", "Issued (g)")
    assert yields.peek(1, issued)["userEnteredFormat"]["numberFormat"]["pattern"] == GRAMS
    assert yields.peek(1, issued)["userEnteredFormat"]["verticalAlignment"] == "TOP"  # owned tab
    time = column(demo, "Activity", "Time")
    assert demo.sheet("Activity").peek(1, time)["userEnteredFormat"]["numberFormat"] == {
        "type": "DATE_TIME", "pattern": MOMENT}
    risk = column(demo, "Orders", "⚙ Risk")
    on_risk = [r for r in orders.conditional_formats if r["ranges"][0]["startColumnIndex"] == risk]
    assert on_risk == [highlight_rule(h, orders.sheet_id, risk) for h in RISK_COLOURS]
    late = on_risk[0]["booleanRule"]["format"]
    assert late["backgroundColorStyle"]["rgbColor"] == {"red": 1.0, "green": 0.78, "blue": 0.808}
    assert all(s.frozen_rows == 1 for s in demo.sheets)
    assert demo.sheet("Problems").basic_filter == {"range": {
        "sheetId": demo.sheet("Problems").sheet_id, "startRowIndex": 0, "startColumnIndex": 0,
        "endColumnIndex": 6}}
    message = column(demo, "Problems", "Message")
    assert demo.sheet("Problems").widths[message] >= pixels(40)  # a wrapped text column
    launch = column(demo, "Orders", "⚙ Launch")
    assert orders.peek(0, launch)  # a header, then the look below it
    assert orders.peek(1, launch)["userEnteredFormat"]["padding"] == {"left": PX_PER_INDENT}
    assert demo.deprecated == []


def test_a_later_write_sends_no_look_and_an_unchanged_rerun_no_write(demo: FakeSheets) -> None:
    before = {s.title: (s.conditional_formats, s.widths, s.basic_filter) for s in demo.sheets}
    demo.reset_counters()
    again = sync(demo)
    assert again.written is None and [c.kind for c in demo.calls] == ["values.batchGet"]
    orders = demo.sheet("Orders")
    promised = column(demo, "Orders", "Promised Date")
    demo._put(orders, 1, promised, date(2026, 12, 21))  # a person moves a promise
    demo.reset_counters()
    third = sync(demo)
    assert third.written is not None
    assert [c.kind for c in demo.calls] == ["values.batchGet", "spreadsheets.get",
                                            "spreadsheets.batchUpdate"]
    assert not LOOK_KINDS & set(sent(demo))
    after = {s.title: (s.conditional_formats, s.widths, s.basic_filter) for s in demo.sheets}
    assert json.dumps(after, sort_keys=True) == json.dumps(before, sort_keys=True)


def test_a_look_a_person_removed_comes_back_with_the_next_write(demo: FakeSheets) -> None:
    orders = demo.sheet("Orders")
    risk = column(demo, "Orders", "⚙ Risk")
    orders.conditional_formats = [r for r in orders.conditional_formats
                                  if r["ranges"][0]["startColumnIndex"] != risk]
    demo.sheet("Load").frozen_rows = 0
    promised = column(demo, "Orders", "Promised Date")
    demo._put(orders, 1, promised, date(2026, 12, 21))
    demo.reset_counters()
    sync(demo)
    assert demo.count("spreadsheets.batchUpdate") == 1
    kinds = sent(demo)
    assert kinds["addConditionalFormatRule"] == len(RISK_COLOURS)
    assert kinds["updateSheetProperties"] == 1 and "repeatCell" not in kinds
    assert demo.sheet("Load").frozen_rows == 1


def test_rules_follow_a_column_a_person_moved(demo: FakeSheets) -> None:
    orders = demo.sheet("Orders")
    risk = column(demo, "Orders", "⚙ Risk")
    for row in orders.rows:  # ⚙ Risk and the column on its left swap places
        while len(row) <= risk:
            row.append({})
        row[risk - 1], row[risk] = row[risk], row[risk - 1]
    promised = column(demo, "Orders", "Promised Date")
    demo._put(orders, 1, promised, date(2026, 12, 21))
    demo.reset_counters()
    sync(demo)
    on_new = [r for r in orders.conditional_formats if r["ranges"][0]["startColumnIndex"] == risk - 1]
    assert [r["booleanRule"]["condition"]["values"][0]["userEnteredValue"] for r in on_new] == [
        "Late", "At risk", "On track", "Delivered"]
    assert sent(demo)["deleteConditionalFormatRule"] >= len(RISK_COLOURS)


def test_init_formats_the_human_columns_of_the_tabs_it_adds() -> None:
    fake = FakeSheets()
    fake.add_sheet("Orders", [["Order Ref", "Promised Date"], ["JW-1", 46347]])
    backend = backend_for(fake)
    prepare_spreadsheet(backend)
    log = fake.sheet("Metal Log")
    grams = column(fake, "Metal Log", "Grams")
    assert log.peek(1, grams)["userEnteredFormat"]["numberFormat"]["pattern"] == GRAMS
    assert log.widths  # a tab init made: its widths are the product's
    promised = column(fake, "Orders", "Promised Date")  # a tab people keep: left as it is
    assert fake.sheet("Orders").peek(1, promised) == {"userEnteredValue": {"numberValue": 46347},
                                                     "effectiveValue": {"numberValue": 46347}}
    assert any(m["metadataKey"] == "sheets-sync.created" for m in log.developer_metadata)
    assert not fake.sheet("Orders").developer_metadata


def test_what_google_leaves_out_as_zero_still_counts_as_in_place() -> None:
    """proto3 JSON drops a 0: sheet 0, column A, row 0 come back without their index."""
    from sheets_sync.backends.google_looks import SheetLooks, look_requests
    from sheets_sync.presentation import ColumnLook, TabLook

    look = TabLook("Board", (ColumnLook("Risk", highlights=RISK_COLOURS),), machine=True)
    rules = [highlight_rule(h, 0, 0) for h in RISK_COLOURS]
    for rule in rules:
        del rule["ranges"][0]["sheetId"], rule["ranges"][0]["startColumnIndex"]
    state = SheetLooks(0, ["Risk"], frozen=1, filter_range={"endColumnIndex": 1}, rules=rules,
                       formats={0: {"verticalAlignment": "TOP"}})
    assert look_requests(state, look, None) == []
    state.rules = []
    assert [next(iter(r)) for r in look_requests(state, look, None)] == [
        "addConditionalFormatRule"] * len(RISK_COLOURS)


def test_rows_a_write_adds_to_the_grid_get_the_columns_look() -> None:
    from sheets_sync.backends.base import ChangeSet, GridCell
    from sheets_sync.contract import PROBLEMS

    fake = FakeSheets()
    fake.add_sheet(PROBLEMS.name, [list(PROBLEMS.headers)], row_count=3)
    backend = backend_for(fake)
    backend.read()
    backend.write(ChangeSet(grid=[GridCell(PROBLEMS.name, r, "Message", f"m{r}") for r in (2, 3)]))
    message = column(fake, PROBLEMS.name, "Message")
    sheet = fake.sheet(PROBLEMS.name)
    assert sheet.row_count == 3 and sheet.peek(2, message)["userEnteredFormat"]["wrapStrategy"] == "WRAP"
    backend.read()
    fake.reset_counters()
    backend.write(ChangeSet(grid=[GridCell(PROBLEMS.name, r, "Message", f"m{r}") for r in (4, 5, 6)]))
    repeats = [r["repeatCell"] for c in fake.calls if c.kind == "spreadsheets.batchUpdate"
               for r in (c.body or {})["requests"] if "repeatCell" in r]
    assert repeats and {r["range"]["startRowIndex"] for r in repeats} == {3}  # the new rows only
    assert sheet.peek(5, message)["userEnteredFormat"] == {"wrapStrategy": "WRAP",
                                                           "verticalAlignment": "TOP"}
