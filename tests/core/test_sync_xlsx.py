"""The whole sync on a real .xlsx: the workbook as people really keep it."""

from __future__ import annotations

import random
import re
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
from python_calamine import CalamineWorkbook

from sheets_sync.backends.xlsx import XlsxBackend, write_new_workbook
from sheets_sync.config import Config
from sheets_sync.contract import is_machine_header
from sheets_sync.pipeline import build_steps
from sheets_sync.sync import run_sync

from .conftest import NOW, config_in

Tabs = dict[str, list[list[Any]]]


def machine_view(path: Path) -> dict[str, dict[str, dict[str, Any]]]:
    """Per human tab with a key: key -> {⚙ header: value}; and machine tabs as row sets.
    Links are left out: each workshop signs them with its own secret."""
    wb = CalamineWorkbook.from_path(str(path))
    view: dict[str, dict[str, dict[str, Any]]] = {}
    for name in wb.sheet_names:
        rows = wb.get_sheet_by_name(name).to_python()
        if not rows:
            continue
        header = [str(h) for h in rows[0]]
        if name in ("Orders", "Launches", "Approvals"):
            key_i = header.index(
                {"Orders": "Order Ref", "Launches": "Launch ID", "Approvals": "Approval ID"}[name]
            )
            view[name] = {
                str(r[key_i]): {
                    h: _rowless(r[i]) for i, h in enumerate(header) if is_machine_header(h) and h != "⚙ Link"
                }
                for r in rows[1:]
                if r[key_i] != ""
            }
        elif name in ("Problems", "Yields"):
            view[name] = {"rows": {str(sorted(_rowless(str(c)) for c in r)): {} for r in rows[1:]}}
    return view


def _rowless(value: Any) -> Any:
    """Row numbers in messages follow the rows; sorting a tab changes them, nothing else."""
    return re.sub(r"rows? \d+(?:(?:, | and )\d+)*", "row N", value) if isinstance(value, str) else value


def human_cells(path: Path) -> dict[tuple[str, str, str], tuple[Any, str, Any]]:
    """(tab, header, key-or-row) -> (value, number format, font bold) of every human cell."""
    wb = openpyxl.load_workbook(path)
    out: dict[tuple[str, str, str], tuple[Any, str, Any]] = {}
    for ws in wb.worksheets:
        headers = [c.value for c in ws[1]]
        for row in ws.iter_rows(min_row=1):
            for cell, header in zip(row, headers, strict=False):
                if header is None or is_machine_header(header):
                    continue
                out[(ws.title, str(header), str(cell.row))] = (cell.value, cell.number_format, cell.font.b)
    return out


def reshaped(tabs: Tabs) -> Tabs:
    """The same workbook after people had their way with it: Orders columns reversed, a
    user column inserted, rows sorted by client, half the dates typed as day-first text."""
    out = {k: [list(r) for r in v] for k, v in tabs.items()}
    orders = out["Orders"]
    header, rows = orders[0], orders[1:]
    order = list(reversed(range(len(header))))
    header = [header[i] for i in order]
    rows = [[r[i] for i in order] for r in rows]
    header.insert(3, "Sales Rep")
    for n, r in enumerate(rows):
        r.insert(3, f"rep {n % 4}")
    p = header.index("Promised Date")
    for n, r in enumerate(rows):
        if n % 2 and isinstance(r[p], date):
            r[p] = r[p].strftime("%d/%m/%Y")
    c = header.index("Client")
    rows.sort(key=lambda r: (str(r[c]), str(r[header.index("Order Ref")])))
    out["Orders"] = [header, *rows]
    progress = out["Progress"]
    # rows of one order and one date keep their order (the later row is the latest state);
    # everything else is shuffled
    blocks: dict[tuple[str, str], list[list[Any]]] = {}
    for r in progress[1:]:
        blocks.setdefault((str(r[0]), str(r[3])), []).append(r)
    shuffled = list(blocks.values())
    random.Random(3).shuffle(shuffled)
    out["Progress"] = [[h.upper() for h in progress[0]], *(r for block in shuffled for r in block)]
    return out


def sync(path: Path, config: Config) -> Any:
    return run_sync(XlsxBackend(path), config, NOW, build_steps(config))


def test_reshaped_workbook_gives_the_same_results(tmp_path: Path, demo: Tabs, config: Config) -> None:
    plain = write_new_workbook(tmp_path / "plain.xlsx", demo)
    messy = write_new_workbook(tmp_path / "messy.xlsx", reshaped(demo))
    sync(plain, config_in(tmp_path / "plain"))  # two workshops, each its own mail memory
    sync(messy, config_in(tmp_path / "messy"))
    a, b = machine_view(plain), machine_view(messy)
    assert a["Orders"] == b["Orders"]
    assert a["Launches"] == b["Launches"]
    assert a["Orders"]["JW-2307"]["⚙ Risk"] == "Late"
    assert a["Orders"]["JW-2330"]["⚙ Risk"] == "On track"
    assert a["Yields"] == b["Yields"]


def test_only_machine_cells_change_and_human_cells_keep_value_and_style(
    tmp_path: Path, demo: Tabs, config: Config
) -> None:
    path = write_new_workbook(tmp_path / "w.xlsx", reshaped(demo))
    wb = openpyxl.load_workbook(path)
    ws = wb["Orders"]
    notes = [c.column for c in ws[1] if c.value == "Notes"][0]
    ws.cell(row=2, column=notes, value="=LEN(B2)")  # a person's formula
    ws.cell(row=3, column=notes).font = openpyxl.styles.Font(bold=True)
    ws.column_dimensions["B"].width = 31
    wb.save(path)
    before = human_cells(path)
    report = sync(path, config)
    assert report.written is not None and report.written.cells > 0
    after = human_cells(path)
    assert {k: v for k, v in after.items() if k[0] in before_tabs(before)} == before
    wb = openpyxl.load_workbook(path)
    assert wb["Orders"].cell(row=2, column=notes).value == "=LEN(B2)"
    assert wb["Orders"].column_dimensions["B"].width == 31


def before_tabs(cells: dict[tuple[str, str, str], Any]) -> set[str]:
    return {k[0] for k in cells}


def test_second_run_writes_nothing_and_leaves_the_file_alone(demo_xlsx: Path, config: Config) -> None:
    first = sync(demo_xlsx, config)
    assert first.written is not None and first.written.cells > 100
    stamp = demo_xlsx.stat().st_mtime_ns, demo_xlsx.read_bytes()
    second = sync(demo_xlsx, config)
    assert second.written is None
    assert not second.changes
    assert (demo_xlsx.stat().st_mtime_ns, demo_xlsx.read_bytes()) == stamp


def test_one_human_edit_changes_only_what_follows_from_it(demo_xlsx: Path, config: Config) -> None:
    sync(demo_xlsx, config)
    wb = openpyxl.load_workbook(demo_xlsx)
    ws = wb["Orders"]
    ws["E2"] = "19KY"  # Alloy of JW-2301 becomes unknown
    wb.save(demo_xlsx)
    report = sync(demo_xlsx, config)
    touched = {(c.tab, c.key, c.column) for c in report.changes.cells}
    assert ("Orders", "JW-2301", "⚙ Check") in touched
    assert all(key == "JW-2301" for _, key, _ in touched)
    check = machine_view(demo_xlsx)["Orders"]["JW-2301"]["⚙ Check"]
    assert "19KY" in check and "Alloys" in check


def test_hostile_text_in_a_human_cell_stays_text_in_machine_cells(
    tmp_path: Path, demo: Tabs, config: Config
) -> None:
    tabs = {k: [list(r) for r in v] for k, v in demo.items()}
    header = tabs["Orders"][0]
    alloy = header.index("Alloy")
    payloads = ['=HYPERLINK("http://evil.example","x")', "+cmd|' /C calc'!A0", "@SUM(A1:A9)"]
    for n, payload in enumerate(payloads, start=1):
        tabs["Orders"][n][alloy] = payload
    path = write_new_workbook(tmp_path / "w.xlsx", tabs)
    sync(path, config)
    wb = openpyxl.load_workbook(path)
    checks = [c for c in wb["Orders"][1] if c.value == "⚙ Check"][0].column
    problems = wb["Problems"]
    for n, payload in enumerate(payloads, start=2):
        cell = wb["Orders"].cell(row=n, column=checks)
        assert cell.data_type == "s" and payload in cell.value
    texts = [c.value for row in problems.iter_rows() for c in row if isinstance(c.value, str)]
    assert any(payloads[0] in t for t in texts)
    assert all(c.data_type != "f" for row in problems.iter_rows() for c in row)
