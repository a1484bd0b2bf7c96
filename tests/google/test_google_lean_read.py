"""The lean read: bare values, typed by their columns, the same workbook the formats tell.

``values.batchGet`` answers numbers and text without formats; a date comes as its serial
(46347 is 21 November 2026). The backend types dates by column: the contract's date
columns and the columns the product writes dates into.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import gspread
import pytest

from sheets_sync.backends.base import ChangeSet, KeyedCell
from sheets_sync.backends.google import GoogleBackend
from sheets_sync.backends.google_retry import RetryPolicy
from sheets_sync.backends.google_types import column_kinds, type_value
from sheets_sync.backends.memory import MemoryBackend
from sheets_sync.cells import CellValue
from sheets_sync.config import Config
from sheets_sync.contract import HUMAN_TABS, MACHINE_TABS, normalize
from sheets_sync.pipeline import build_steps
from sheets_sync.records import build_workshop
from sheets_sync.samples.demo import demo_tabs
from sheets_sync.sync import run_sync
from sheets_sync.testing import FakeSheets, fake_session

TODAY = date(2026, 11, 25)
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=ZoneInfo("Europe/Paris"))


def backend_for(fake: FakeSheets) -> GoogleBackend:
    client = gspread.Client(auth=None, session=fake_session(fake))  # type: ignore[arg-type]
    return GoogleBackend(fake.id, client, retry=RetryPolicy(sleep=lambda _: None))


def synced_demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeSheets:
    monkeypatch.chdir(tmp_path)
    fake = FakeSheets()
    fake.replace_tabs(demo_tabs(TODAY))
    config = Config()
    run_sync(backend_for(fake), config, NOW, build_steps(config))
    return fake


def test_serials_are_dates_in_date_columns_only() -> None:
    assert type_value(46347, "date") == date(2026, 11, 21)
    assert type_value(46347.6875, "date") == datetime(2026, 11, 21, 16, 30)
    assert type_value(46347, "moment") == datetime(2026, 11, 21, 0, 0)
    assert type_value(46347, None) == 46347
    assert type_value(46347, "serial") == date(2026, 11, 21)  # where a number that large is not
    assert type_value(2.5, "serial") == 2.5 and type_value(120000, "serial") == 120000
    assert type_value("21/11/2026", "date") == "21/11/2026"  # text stays text: records parse it
    assert type_value("", "date") is None and type_value(True, None) is True
    kinds = column_kinds()
    assert kinds[("orders", "promised date")] == "date"
    assert kinds[("orders", normalize("⚙ Next Due"))] == "date"
    assert kinds[("launches", normalize("⚙ Acknowledged At"))] == "moment"
    assert kinds[("activity", "time")] == "moment"
    assert kinds[("orders", "wax weight (g)")] == "serial"
    assert ("metal log", "grams") not in kinds  # 40 kg of silver is a real number
    assert ("orders", "order ref") not in kinds  # a key reads as it is stored


def test_the_lean_read_gives_what_the_cells_formats_say(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After a real sync, every contract tab read through values.batchGet is the workbook
    the cells' own number formats describe (dates as dates, text as text, numbers)."""
    fake = synced_demo(tmp_path, monkeypatch)
    snapshot = backend_for(fake).read()
    compared = 0
    for name in [t.name for t in HUMAN_TABS + MACHINE_TABS]:
        table = snapshot.table(name)
        assert table is not None, name
        by_format = fake.values(name)  # typed from each cell's effectiveFormat
        width = len(table.headers)
        expected = [r + [None] * (width - len(r)) for r in by_format[1:] if any(v is not None for v in r)]
        assert table.rows == expected, name
        assert [[type(v) for v in r] for r in table.rows] == [[type(v) for v in r] for r in expected]
        compared += sum(len(r) for r in expected)
    assert compared > 2000


def _written_dates(changes: ChangeSet) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    values: list[tuple[str, str, CellValue]] = [(c.tab, c.column, c.value) for c in changes.cells]
    values += [(g.tab, g.column, g.value) for g in changes.grid]
    values += [(a.tab, h, v) for a in changes.appends for h, v in a.values.items()]
    for tab, column, value in values:
        if isinstance(value, date):
            found.add((normalize(tab), normalize(column)))
    return found


def test_every_date_the_sync_writes_is_in_a_column_read_as_dates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A step that starts writing dates into a new column must say so in the look spec,
    or the Google read would see serials and rewrite them on every sync."""
    monkeypatch.chdir(tmp_path)
    config = Config()
    report = run_sync(MemoryBackend(demo_tabs(TODAY)), config, NOW, build_steps(config))
    written = _written_dates(report.changes)
    assert ("activity", "time") in written and ("orders", normalize("⚙ Next Due")) in written
    kinds = column_kinds()
    assert {w for w in written if kinds.get(w) not in ("date", "moment")} == set()


def test_a_date_typed_into_a_weight_is_reported_not_taken_as_grams() -> None:
    fake = FakeSheets()
    fake.add_sheet("Orders", [["Order Ref", "Wax Weight (g)", "Instructions", "Size"],
                              ["JW-1", 2.5, None, None]])
    fake.add_sheet("Launches", [["Launch ID", "Order Ref", "Instructions"], ["L-1", "JW-1"]])
    fake.add_sheet("Metal Log", [["Date", "Entry", "Alloy", "Grams", "Order Ref or Batch"],
                                 [date(2026, 11, 2), "Issue", "18KY", 40000, None]])
    # a person types 1/2 meaning half a gram: the en_US sheet makes it 2 January
    fake.human_set("Orders", "B2", "1/2/2026", typed=True)
    fake.human_set("Launches", "C2", "11/21/2026", typed=True)  # "deliver by" as a date
    fake.human_set("Metal Log", "E2", "11/21/2026", typed=True)  # a batch named by its day
    snapshot = backend_for(fake).read()
    orders, launches, log = (snapshot.table(t) for t in ("Orders", "Launches", "Metal Log"))
    assert orders is not None and launches is not None and log is not None
    assert orders.value(0, "Wax Weight (g)") == date(2026, 1, 2)
    assert launches.value(0, "Instructions") == date(2026, 11, 21)  # shown to the partner as a date
    assert log.value(0, "Grams") == 40000  # 40 kg of silver: a number that large is real
    assert log.value(0, "Order Ref or Batch") == 46347  # the risk the README states
    problems = [p.message for p in build_workshop(snapshot).problems if p.column == "Wax Weight (g)"]
    assert problems and "is a date, not a number" in problems[0]


def test_a_plain_gspread_client_gets_no_gzip_and_ours_does() -> None:
    fake = FakeSheets()
    fake.add_sheet("Orders", [["Order Ref"], *[[f"JW-{i}"] for i in range(300)]])
    naive = gspread.Client(auth=None, session=fake_session(fake))  # type: ignore[arg-type]
    assert len(naive.open_by_key(fake.id).sheet1.get_all_values()) == 301
    ours = backend_for(fake)
    table = ours.read().table("Orders")
    assert table is not None and len(table.rows) == 300
    plain, packed = fake.calls[1], fake.calls[-1]
    assert plain.wire_bytes == plain.response_bytes  # python-requests/…: no "gzip" in it
    assert packed.wire_bytes == packed.response_gzip_bytes < packed.response_bytes / 3
    assert "gzip" in ours.http.session.headers["User-Agent"]


def test_a_tab_deleted_between_the_read_and_the_write_costs_one_look_more() -> None:
    fake = FakeSheets()
    fake.add_sheet("Orders", [["Order Ref", "⚙ Risk"], ["JW-1", None]])
    fake.add_sheet("Scratch", [["x"]])
    backend = backend_for(fake)
    backend.read()
    fake.sheets.remove(fake.sheet("Scratch"))  # a person deletes a tab of their own
    fake.reset_counters()
    result = backend.write(ChangeSet(cells=[KeyedCell("Orders", "Order Ref", "JW-1", "⚙ Risk",
                                                      "On track")]))
    assert [(c.kind, c.status) for c in fake.calls] == [
        ("spreadsheets.get", 400), ("spreadsheets.get", 200), ("spreadsheets.get", 200),
        ("spreadsheets.batchUpdate", 200)]
    assert result.missing_keys == () and fake.values("Orders")[1] == ["JW-1", "On track"]


def test_empty_cells_become_none_before_parsing_and_text_is_untouched() -> None:
    from sheets_sync.backends.google_types import parse_values

    rows = [["", "a,\"\"", ""], ["[\"\"", "", 3, "x\\\\", ""], [""], ['",""']]
    compact = json.dumps({"valueRanges": [{"values": rows}, {}]}, separators=(",", ":"))
    expected = [[[None if v == "" else v for v in r] for r in rows], []]
    assert parse_values(compact.encode()) == (expected, False)
    pretty = json.dumps({"valueRanges": [{"values": rows}, {}]}, indent=2)  # not asked, still read
    assert parse_values(pretty.encode()) == (expected, False)
