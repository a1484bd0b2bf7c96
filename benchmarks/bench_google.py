"""API calls and bytes per sync against the fake Sheets API, beside naive gspread.

    python -m benchmarks.bench_google [--orders 5000 --progress 50000 --metal 20000]

Two fake spreadsheets start from the same large synthetic workbook (sheets_sync.samples.synthetic).
Ours: ``run_sync`` with the GoogleBackend. Naive: what a gspread script usually does in
the same situation: open the spreadsheet, ``get_all_records`` per tab, then ``update_cell``
per changed cell (``append_row`` per new row, ``add_worksheet`` per new tab), applying the
very ChangeSet our sync computed, so both do the same work. Three runs each: first sync,
unchanged rerun, and a sync after 10 human edits (promised dates moved a week later).
Bytes are as the fake sends them (pretty-printed JSON like Google's unless the caller asks
``prettyPrint=false``, as ours does); ``gzip`` is each answer compressed, as it travels.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import gspread

from sheets_sync.backends.base import ChangeSet
from sheets_sync.backends.google import GoogleBackend
from sheets_sync.backends.google_retry import RetryPolicy
from sheets_sync.backends.google_values import read_cell
from sheets_sync.cells import CellValue, to_text
from sheets_sync.config import Config
from sheets_sync.contract import normalize
from sheets_sync.testing import FakeSheets, fake_session

TODAY = date(2026, 11, 25)
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=ZoneInfo("Europe/Paris"))


def figures(fake: FakeSheets, seconds: float) -> dict[str, Any]:
    return {
        "calls": len(fake.calls),
        "read_calls": sum(1 for c in fake.calls if not c.is_write),
        "write_calls": sum(1 for c in fake.calls if c.is_write),
        "request_bytes": sum(c.request_bytes for c in fake.calls),
        "response_bytes": sum(c.response_bytes for c in fake.calls),
        "response_gzip_bytes": sum(c.response_gzip_bytes for c in fake.calls),
        "seconds": round(seconds, 2),
    }


def human_edits(fake: FakeSheets) -> None:
    sheet = fake.sheet("Orders")
    header = [to_text(read_cell(c)) for c in sheet.rows[0]]
    col = header.index("Promised Date")
    for row in range(1, 11):
        value = read_cell(sheet.peek(row, col))
        moved = value + timedelta(days=7) if isinstance(value, date) else TODAY
        fake._put(sheet, row, col, moved)


def _plain(value: CellValue) -> Any:
    return to_text(value) if isinstance(value, date) else value


def naive_sync(fake: FakeSheets, changes: ChangeSet) -> None:
    """The usual gspread script: read every tab as records, then one call per cell."""
    client = gspread.Client(auth=None, session=fake_session(fake))  # type: ignore[arg-type]
    sh = client.open_by_key(fake.id)
    sheets = {normalize(ws.title): ws for ws in sh.worksheets()}
    headers: dict[str, list[str]] = {}
    rows: dict[str, dict[str, int]] = {}
    for name, ws in sheets.items():
        try:
            records = ws.get_all_records()
        except gspread.exceptions.GSpreadException:  # duplicate or blank headers
            values = ws.get_all_values()
            records = [dict(zip(values[0], r, strict=False)) for r in values[1:]]
        headers[name] = list(records[0]) if records else ws.row_values(1)
        rows[name] = {}
        if records:
            key = next(iter(records[0]))
            for i, rec in enumerate(records):
                rows[name].setdefault(str(rec[key]), i + 2)
    for tab in changes.new_tabs:
        if normalize(tab.name) not in sheets:
            ws = sh.add_worksheet(tab.name, rows=1000, cols=max(26, len(tab.headers)))
            ws.update([list(tab.headers)], "A1")
            sheets[normalize(tab.name)] = ws
            headers[normalize(tab.name)] = list(tab.headers)
    for col in changes.new_columns:
        name = normalize(col.tab)
        if normalize(col.header) not in [normalize(h) for h in headers[name]]:
            headers[name].append(col.header)
            if len(headers[name]) > sheets[name].col_count:
                sheets[name].add_cols(len(headers[name]) - sheets[name].col_count)
            sheets[name].update_cell(1, len(headers[name]), col.header)

    def column(name: str, header: str) -> int:
        return [normalize(h) for h in headers[name]].index(normalize(header)) + 1

    for cell in changes.cells:
        name = normalize(cell.tab)
        row = rows[name].get(cell.key)
        if row is not None:
            sheets[name].update_cell(row, column(name, cell.column), _plain(cell.value))
    for g in changes.grid:
        name = normalize(g.tab)
        if g.row > sheets[name].row_count:
            sheets[name].add_rows(g.row - sheets[name].row_count + 100)
        sheets[name].update_cell(g.row, column(name, g.column), _plain(g.value))
    for a in changes.appends:
        name = normalize(a.tab)
        line: list[Any] = [""] * len(headers[name])
        for header, value in a.values.items():
            line[column(name, header) - 1] = _plain(value)
        sheets[name].append_row(line)


def main() -> None:
    from sheets_sync.pipeline import build_steps
    from sheets_sync.samples.synthetic import synthetic_tabs
    from sheets_sync.sync import run_sync

    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=5000)
    parser.add_argument("--progress", type=int, default=50_000)
    parser.add_argument("--metal", type=int, default=20_000)
    args = parser.parse_args()
    os.chdir(tempfile.mkdtemp(prefix="bench-google-"))  # journal, ledger, outbox go here
    tabs = synthetic_tabs(TODAY, args.orders, args.progress, args.metal)
    ours, naive = FakeSheets(), FakeSheets()
    ours.replace_tabs(tabs)
    naive.replace_tabs(tabs)
    config = Config()
    steps = build_steps(config)
    client = gspread.Client(auth=None, session=fake_session(ours))  # type: ignore[arg-type]
    backend = GoogleBackend(ours.id, client, retry=RetryPolicy(sleep=lambda _: None))
    results: dict[str, dict[str, Any]] = {}
    for run in ("first sync", "unchanged rerun", "after 10 human edits"):
        if run.startswith("after"):
            human_edits(ours)
            human_edits(naive)
        ours.reset_counters()
        start = time.perf_counter()
        report = run_sync(backend, config, NOW, steps)
        mine = figures(ours, time.perf_counter() - start)
        mine["cells_written"] = report.written.cells if report.written else 0
        naive.reset_counters()
        start = time.perf_counter()
        naive_sync(naive, report.changes)
        results[run] = {"ours": mine, "naive gspread": figures(naive, time.perf_counter() - start)}
    print(json.dumps({"workbook": vars(args), "runs": results}, indent=2))
    unchanged = results["unchanged rerun"]["ours"]
    assert all(r["ours"]["calls"] <= 3 for r in results.values()), "over the 3-call budget"
    assert unchanged["write_calls"] == 0, "an unchanged rerun wrote"


if __name__ == "__main__":
    main()
