"""The Google backend against the fake Sheets API: typing, call budget, rows that move.

A small workshop: three orders, a Progress tab, an Activity tab; every call goes through a
real gspread client whose HTTP session is the fake.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import gspread
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sheets_sync.backends.base import AppendRow, ChangeSet, GridCell, KeyedCell, NewTab
from sheets_sync.backends.google import GoogleBackend, spreadsheet_key
from sheets_sync.backends.google_retry import RetryPolicy
from sheets_sync.backends.google_values import read_cell, write_cell
from sheets_sync.contract import HUMAN_TABS, MACHINE_TABS, Tab
from sheets_sync.errors import WorkbookError
from sheets_sync.testing import FakeSheets, fake_session

ORDERS = [
    ["Order Ref", "Client", "Promised Date", "Wax Weight (g)", "⚙ Risk", "⚙ Next Due"],
    ["1001", "Ms Okafor", date(2026, 11, 21), 1.85, None, None],
    ["23E1231", "Mr Lindqvist", "21/11/2026", 2, None, None],
    ["1003", "Atelier Roux", date(2026, 12, 4), 3.5, "Late", None],
]


def workshop(*, every_tab: bool = False) -> tuple[FakeSheets, GoogleBackend]:
    """Orders, Progress and Activity; ``every_tab``: the other contract tabs too (header
    rows only), as ``init --google`` leaves a spreadsheet."""
    fake = FakeSheets()
    fake.add_sheet("Orders", ORDERS)
    fake.add_sheet("Progress", [["Order Ref", "Stage", "Status", "Date"]])
    fake.add_sheet("Activity", [["Time", "Kind", "Ref", "Actor", "Detail", "ID"]])
    if every_tab:
        for tab in HUMAN_TABS + MACHINE_TABS:
            if tab.name not in ("Orders", "Progress", "Activity"):
                headers = [c.name for c in tab.columns] if isinstance(tab, Tab) else tab.headers
                fake.add_sheet(tab.name, [list(headers)])
    return fake, backend_for(fake)


def backend_for(fake: FakeSheets) -> GoogleBackend:
    """A new backend, as each sync makes one: it knows nothing of the spreadsheet yet."""
    client = gspread.Client(auth=None, session=fake_session(fake))  # type: ignore[arg-type]
    return GoogleBackend(fake.id, client, retry=RetryPolicy(sleep=lambda _: None))


def rows_by(fake: FakeSheets, key_col: int = 0) -> dict[str, list[object]]:
    """Orders rows by key, padded to the header's width."""
    return {str(r[key_col]): r + [None] * (6 - len(r)) for r in fake.values("Orders")[1:] if r}


# ----- reading ----------------------------------------------------------------------------
def test_serials_count_from_1899_12_30() -> None:
    def cell(number: float, kind: str) -> dict[str, object]:
        return {"effectiveValue": {"numberValue": number},
                "effectiveFormat": {"numberFormat": {"type": kind}}}

    assert read_cell(cell(46347, "DATE")) == date(2026, 11, 21)
    assert read_cell(cell(1, "DATE")) == date(1899, 12, 31)
    assert read_cell(cell(61, "DATE")) == date(1900, 3, 1)  # no phantom 29 Feb 1900
    assert read_cell(cell(46347.6875, "DATE_TIME")) == datetime(2026, 11, 21, 16, 30)
    assert read_cell(cell(0.4375, "TIME")) == "10:30"
    assert read_cell(cell(46347, "NUMBER")) == 46347
    assert read_cell(cell(0.125, "PERCENT")) == 0.125
    assert read_cell({"effectiveValue": {"stringValue": "23E1231"}}) == "23E1231"
    assert read_cell({"effectiveValue": {"errorValue": {"type": "N_A"}}}) == "#N/A"
    assert read_cell({"effectiveValue": {"stringValue": ""}}) is None
    assert read_cell({}) is None


def test_read_is_one_lean_values_call_and_typed() -> None:
    fake, backend = workshop(every_tab=True)
    snapshot = backend.read()
    (call,) = fake.calls
    assert call.kind == "values.batchGet" and call.status == 200
    assert {k: v for k, v in call.query.items() if k != "ranges"} == {
        "valueRenderOption": ["UNFORMATTED_VALUE"], "dateTimeRenderOption": ["SERIAL_NUMBER"],
        "majorDimension": ["ROWS"], "fields": ["valueRanges.values"], "prettyPrint": ["false"]}
    assert call.query["ranges"][:2] == ["'Orders'", "'Progress'"]
    assert call.wire_bytes == call.response_gzip_bytes < call.response_bytes  # asked as gzip
    orders = snapshot.table("orders")
    assert orders is not None
    assert orders.rows[0][:4] == ["1001", "Ms Okafor", date(2026, 11, 21), 1.85]
    assert orders.rows[1][:4] == ["23E1231", "Mr Lindqvist", "21/11/2026", 2]
    assert snapshot.names() == [t.name for t in HUMAN_TABS + MACHINE_TABS]


def test_a_missing_tab_costs_one_look_at_the_tab_list() -> None:
    fake, backend = workshop()  # no Workflow, no Alloys, no machine tab: a first sync
    snapshot = backend.read()
    assert [(c.kind, c.status) for c in fake.calls] == [
        ("values.batchGet", 400), ("spreadsheets.get", 200), ("values.batchGet", 200)]
    assert fake.calls[1].query["includeGridData"] == ["false"]  # tab names, no cells
    assert snapshot.names() == ["Orders", "Progress", "Activity"]
    assert "Workshop" in backend.describe()
    fake.reset_counters()
    backend.read()  # this backend now knows the tabs
    assert [c.kind for c in fake.calls] == ["values.batchGet"]


def test_a_date_typed_by_a_person_reads_as_a_date() -> None:
    fake, backend = workshop()
    fake.human_set("Orders", "C3", "11/21/2026", typed=True)  # the sheet is en_US
    orders = backend.read().table("Orders")
    assert orders is not None and orders.value(1, "Promised Date") == date(2026, 11, 21)


@given(st.one_of(
    st.text(max_size=40).filter(lambda t: t != "" and not any(0xD800 <= ord(c) < 0xE000
                                                                 for c in t)),
    st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1),
    st.floats(allow_nan=False, allow_infinity=False).filter(lambda f: not f.is_integer()),
    st.booleans(),
    st.dates(min_value=date(1900, 3, 1), max_value=date(9999, 12, 31)),
    st.datetimes(min_value=datetime(1900, 3, 1), max_value=datetime(9999, 12, 31)).map(
        lambda d: d.replace(second=0, microsecond=0)),
))
def test_every_value_round_trips_through_cell_data(value: object) -> None:
    data = write_cell(value)  # type: ignore[arg-type]
    sent = json.loads(json.dumps(data))
    cell = {"effectiveValue": sent["userEnteredValue"],
            "effectiveFormat": sent.get("userEnteredFormat", {})}
    back = read_cell(cell)
    assert back == value and type(back) is type(value)
    assert "formulaValue" not in sent["userEnteredValue"]


def test_a_lone_surrogate_travels_as_the_replacement_character() -> None:
    assert write_cell("a\ud800b") == {"userEnteredValue": {"stringValue": "a\ufffdb"}}
    assert write_cell("Zürich ✓") == {"userEnteredValue": {"stringValue": "Zürich ✓"}}


# ----- the call budget --------------------------------------------------------------------
def test_a_sync_costs_three_calls_and_an_unchanged_one_writes_nothing() -> None:
    fake, backend = workshop(every_tab=True)
    backend.read()
    result = backend.write(ChangeSet(
        cells=[KeyedCell("Orders", "Order Ref", ref, "⚙ Risk", "On track")
               for ref in ("1001", "23E1231")],
        grid=[GridCell("Activity", 2, "Kind", "sync")],
        appends=[AppendRow("Progress", {"Order Ref": "1001", "Stage": "Casting"})],
    ))
    assert [c.kind for c in fake.calls] == [
        "values.batchGet", "spreadsheets.get", "spreadsheets.batchUpdate"]
    look = fake.calls[1].query
    assert look["includeGridData"] == ["true"]
    assert "'Orders'!1:2" in look["ranges"] and "'Orders'!A2:A" in look["ranges"]
    assert result.calls == 2 and result.cells == 5
    fake.reset_counters()
    again = backend_for(fake)
    again.read()
    assert again.write(ChangeSet()).calls == 0
    assert [c.kind for c in fake.calls] == ["values.batchGet"] and fake.writes == 0


def test_the_budget_does_not_grow_with_rows_or_tabs() -> None:
    fake = FakeSheets()
    for t in range(12):
        fake.add_sheet(f"Tab {t}", [["Key", "⚙ Out"]] + [[f"K{t}-{i}", None] for i in range(400)])
    backend = backend_for(fake)
    backend.read()  # no contract tab: this read looks at the tab list first
    fake.reset_counters()
    backend.read()
    backend.write(ChangeSet(cells=[KeyedCell(f"Tab {t}", "Key", f"K{t}-{i}", "⚙ Out", i)
                                   for t in range(12) for i in range(0, 400, 3)]))
    assert len(fake.calls) == 3
    assert fake.values("Tab 7")[1 + 399] == ["K7-399", 399]


# ----- rows that move between the read and the write -------------------------------------
@pytest.mark.parametrize("edit", [
    lambda f: f.human_sort("Orders", 1, reverse=True),  # by client, Z-A
    lambda f: f.human_insert_rows("Orders", 2, 3),  # three blank rows on top
    lambda f: f.human_delete_rows("Orders", 2),  # 1001 deleted
])
def test_a_write_lands_on_the_row_of_its_key(edit: object) -> None:
    fake, backend = workshop()
    backend.read()
    fake.before_call(len(fake.calls) + 1, edit)  # a person acts after our read, before our write
    result = backend.write(ChangeSet(cells=[
        KeyedCell("Orders", "Order Ref", "1001", "⚙ Risk", "At risk"),
        KeyedCell("Orders", "Order Ref", "1003", "⚙ Risk", "On track"),
        KeyedCell("Orders", "Order Ref", "23E1231", "⚙ Next Due", date(2026, 11, 2)),
    ]))
    rows = rows_by(fake)
    assert rows["1003"][1] == "Atelier Roux" and rows["1003"][4] == "On track"
    assert rows["23E1231"][1] == "Mr Lindqvist" and rows["23E1231"][5] == date(2026, 11, 2)
    if "1001" in rows:
        assert rows["1001"][1] == "Ms Okafor" and rows["1001"][4] == "At risk"
    else:
        assert result.missing_keys == ("Orders:1001",)


def test_a_key_column_moved_by_a_person_is_found_again() -> None:
    fake, backend = workshop()
    backend.read()

    def swap(f: FakeSheets) -> None:  # Client and Order Ref columns swapped, then sorted
        sheet = f.sheet("Orders")
        for row in sheet.rows:
            row[0], row[1] = row[1], row[0]
        f.human_sort("Orders", 0)

    fake.before_call(len(fake.calls) + 1, swap)
    backend.write(ChangeSet(cells=[KeyedCell("Orders", "Order Ref", "1003", "⚙ Risk", "Late!")]))
    rows = rows_by(fake, key_col=1)
    assert rows["1003"][4] == "Late!" and rows["1001"][4] is None


# ----- what is written ----------------------------------------------------------------------
def test_outside_text_is_sent_as_text_and_dates_as_dates() -> None:
    fake, backend = workshop()
    backend.read()
    backend.write(ChangeSet(cells=[
        KeyedCell("Orders", "Order Ref", "1001", "⚙ Risk", '=IMPORTXML("http://x","//a")'),
        KeyedCell("Orders", "Order Ref", "1001", "⚙ Next Due", date(2026, 11, 2)),
        KeyedCell("Orders", "Order Ref", "1003", "⚙ Risk", None),
    ]))
    body = json.dumps(fake.calls[-1].body)
    assert "formulaValue" not in body and "valueInputOption" not in body
    assert fake.cell("Orders", "E2")["userEnteredValue"] == {
        "stringValue": '=IMPORTXML("http://x","//a")'}
    due = fake.cell("Orders", "F2")
    assert due["userEnteredValue"] == {"numberValue": 46328}
    assert due["userEnteredFormat"]["numberFormat"]["type"] == "DATE"
    assert "userEnteredValue" not in fake.cell("Orders", "E4")  # None cleared "Late"


def test_writes_touch_only_the_cells_named() -> None:
    fake, backend = workshop()
    backend.read()
    before = fake.values("Orders")
    backend.write(ChangeSet(cells=[KeyedCell("Orders", "Order Ref", "1001", "⚙ Risk", "x")]))
    after = fake.values("Orders")
    changed = [(r, c) for r, row in enumerate(after) for c, v in enumerate(row)
               if r >= len(before) or c >= len(before[r]) or before[r][c] != v]
    assert changed == [(1, 4)]


def test_new_tab_rows_and_appends_in_one_atomic_batch() -> None:
    fake, backend = workshop()
    backend.read()
    backend.write(ChangeSet(
        new_tabs=[NewTab("Problems", ("Tab", "Key", "Message"))],
        grid=[GridCell("Problems", 2, "Message", "Alloy 19K is not in Alloys")],
        appends=[AppendRow("Activity", {"ID": "a-1", "Kind": "approval"}),
                 AppendRow("Activity", {"ID": "a-2", "Kind": "email"})],
    ))
    assert fake.count("spreadsheets.batchUpdate") == 1
    assert fake.values("Problems") == [["Tab", "Key", "Message"],
                                       [None, None, "Alloy 19K is not in Alloys"]]
    assert [r[-1] for r in fake.values("Activity")] == ["ID", "a-1", "a-2"]
    assert fake.sheet("Problems").frozen_rows == 1


def test_a_write_with_an_unknown_tab_sends_nothing() -> None:
    fake, backend = workshop()
    backend.read()
    with pytest.raises(WorkbookError, match="Archive"):
        backend.write(ChangeSet(cells=[KeyedCell("Archive", "Order Ref", "1", "⚙ X", 1)]))
    assert fake.writes == 0


def test_a_large_change_set_is_split_between_requests_never_inside_one() -> None:
    fake, backend = workshop()
    backend.max_request_bytes = 40_000
    backend.read()
    changes = ChangeSet(
        new_tabs=[NewTab("Yields", ("Ref", "Loss (g)", "Flag"))],
        grid=[GridCell("Yields", r, "Flag", f"flag {r} " + "x" * 60) for r in range(2, 1500)],
        appends=[AppendRow("Activity", {"ID": "sync-1", "Kind": "sync"})],
    )
    backend.write(changes)
    writes = [c for c in fake.calls if c.kind == "spreadsheets.batchUpdate"]
    assert len(writes) > 2 and all(c.request_bytes <= 40_000 for c in writes)
    assert "appendCells" in json.dumps(writes[-1].body)  # the record of what is done: last
    assert "appendCells" not in json.dumps([c.body for c in writes[:-1]])
    assert len(fake.values("Yields")) == 1499
    assert fake.values("Activity")[-1][-1] == "sync-1"


def test_key_from_url() -> None:
    url = "https://docs.google.com/spreadsheets/d/1yXHRaUTFlGV-Axis4vLHtoPvGUj3C_-awA_5sLK8k6g/edit#gid=0"
    assert spreadsheet_key(url) == "1yXHRaUTFlGV-Axis4vLHtoPvGUj3C_-awA_5sLK8k6g"
    with pytest.raises(WorkbookError, match="neither"):
        spreadsheet_key("my sheet")


def test_a_real_sync_of_the_demo_workbook_keeps_the_budget(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from zoneinfo import ZoneInfo

    from sheets_sync.config import Config
    from sheets_sync.pipeline import build_steps
    from sheets_sync.samples.demo import demo_tabs
    from sheets_sync.sync import run_sync

    monkeypatch.chdir(tmp_path)  # the sync's journal, mail ledger and outbox live here
    today = date(2026, 11, 25)
    now = datetime(2026, 11, 25, 10, 0, tzinfo=ZoneInfo("Europe/Paris"))
    fake = FakeSheets()
    fake.replace_tabs(demo_tabs(today))
    client = gspread.Client(auth=None, session=fake_session(fake))  # type: ignore[arg-type]
    backend = GoogleBackend(fake.id, client, retry=RetryPolicy(sleep=lambda _: None))
    config = Config()
    first = run_sync(backend, config, now, build_steps(config))
    assert first.written is not None and first.written.cells > 0
    # the machine tabs are not there yet: the read looks at the tab list, then 3 calls
    assert [(c.kind, c.status) for c in fake.calls] == [
        ("values.batchGet", 400), ("spreadsheets.get", 200), ("values.batchGet", 200),
        ("spreadsheets.get", 200), ("spreadsheets.batchUpdate", 200)]
    fake.reset_counters()
    again = run_sync(backend_for(fake), config, now, build_steps(config))  # a new process
    assert again.written is None
    assert [c.kind for c in fake.calls] == ["values.batchGet"]
