"""A ChangeSet as ``spreadsheets.batchUpdate`` requests: pure, no I/O.

The plan is built from the sheet layout as re-checked at write time (headers and key
columns of the touched tabs), so a keyed cell lands on the row of its key even when
someone sorted, inserted or deleted rows after the read. Every value goes through
``updateCells`` / ``appendCells`` with an explicit type (never a formula). Order inside
the batch: the write token, new tabs, new columns and grid growth, cell values, and the
appended rows last (Activity is the record of what is done; it lands with, never before,
everything else).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from ..cells import CellValue, is_blank
from ..contract import GEAR, normalize
from ..errors import WorkbookError
from .base import ChangeSet
from .google_looks import CELL_FORMAT_FIELDS, cell_format, looks_of, number_format_of
from .google_values import VALUE_FIELDS, write_cell

# a row the product appends to its own tab carries the whole look of each column; a cell
# it writes in place leaves the look to its column (google_looks sets it once)
STYLED_FIELDS = f"userEnteredValue,{CELL_FORMAT_FIELDS}"


def styled_cell(value: CellValue, fmt: Json) -> Json:
    """``write_cell`` with the column's format (``google_looks.cell_format``); a date in a
    column without a pattern keeps its own date format."""
    cell = write_cell(value)
    if not fmt:
        return cell
    own = cell.get("userEnteredFormat", {})
    out = dict(cell)
    out["userEnteredFormat"] = {**own, **fmt} if "numberFormat" in fmt else {**fmt, **own}
    return out

Json = dict[str, Any]
TOKEN_KEY = "sheets-sync.write"
MACHINE_BACKGROUND = {"red": 0.863, "green": 0.902, "blue": 0.945}  # DCE6F1
MACHINE_INK = {"red": 0.122, "green": 0.22, "blue": 0.392}  # 1F3864
# colours as ColorStyle: the plain backgroundColor / foregroundColor / tabColor are deprecated
MACHINE_TEXT = {"bold": True, "foregroundColorStyle": {"rgbColor": MACHINE_INK}}
HEADER_FIELDS = (
    "userEnteredValue,userEnteredFormat.numberFormat,userEnteredFormat.backgroundColorStyle,"
    "userEnteredFormat.textFormat"
)


@dataclass
class SheetLayout:
    """A tab as the write sees it: ids, grid size, header row, where data is."""

    sheet_id: int
    title: str
    row_count: int
    column_count: int
    headers: list[str] = field(default_factory=list)
    used_columns: set[int] = field(default_factory=set)  # columns holding any value
    keys: dict[str, dict[str, list[int]]] = field(default_factory=dict)  # key col -> key -> row0s

    def column(self, header: str) -> int | None:
        wanted = normalize(header)
        for i, h in enumerate(self.headers):
            if normalize(h) == wanted:
                return i
        return None


@dataclass
class Plan:
    requests: list[Json]  # structure, headers and cells
    cells: int
    missing_keys: list[str]
    appends: list[Json] = field(default_factory=list)  # rows added last


def header_cell(text: str, machine: bool = False) -> Json:
    """A header cell; machine headers (⚙, or every header of a machine tab) styled."""
    cell = write_cell(text)
    if machine or normalize(text).startswith(GEAR):
        cell["userEnteredFormat"] = {
            "backgroundColorStyle": {"rgbColor": MACHINE_BACKGROUND},
            "textFormat": MACHINE_TEXT,
        }
    return cell


def token_requests(token_id: int, stamp: str, old_tokens: list[int]) -> list[Json]:
    """Create this write's token (a replay of an applied batch then fails as a whole)
    and drop the tokens of earlier writes."""
    out: list[Json] = [
        {
            "createDeveloperMetadata": {
                "developerMetadata": {
                    "metadataId": token_id,
                    "metadataKey": TOKEN_KEY,
                    "metadataValue": stamp,
                    "location": {"spreadsheet": True},
                    "visibility": "DOCUMENT",
                }
            }
        }
    ]
    for old in old_tokens:
        out.append(
            {"deleteDeveloperMetadata": {"dataFilter": {"developerMetadataLookup": {
                "metadataId": old}}}}
        )
    return out


def _find(layouts: dict[str, SheetLayout], tab: str) -> SheetLayout:
    layout = layouts.get(normalize(tab))
    if layout is None:
        raise WorkbookError(f"the spreadsheet has no tab {tab!r}")
    return layout


def _col(layout: SheetLayout, header: str) -> int:
    col = layout.column(header)
    if col is None:
        raise WorkbookError(f"tab {layout.title!r} has no column {header!r}")
    return col


def build(changes: ChangeSet, layouts: dict[str, SheetLayout], new_ids: list[int]) -> Plan:
    """Requests for ``changes`` against ``layouts`` (mutated: new tabs and columns)."""
    structure: list[Json] = []
    headers: dict[tuple[int, int, int], Json] = {}
    values: dict[tuple[int, int, int], Json] = {}
    patterned: dict[tuple[int, int, int], Json] = {}  # cells whose column has a pattern
    appends: list[Json] = []
    missing: list[str] = []
    cells = 0

    for tab in changes.new_tabs:
        if normalize(tab.name) in layouts:
            continue
        sheet_id = new_ids.pop()
        width = max(26, len(tab.headers))
        structure.append({"addSheet": {"properties": {
            "sheetId": sheet_id, "title": tab.name, "sheetType": "GRID",
            "gridProperties": {"rowCount": 1000, "columnCount": width, "frozenRowCount": 1}}}})
        layouts[normalize(tab.name)] = SheetLayout(sheet_id, tab.name, 1000, width,
                                                   list(tab.headers), set(range(len(tab.headers))))
        for c, text in enumerate(tab.headers):
            headers[(sheet_id, 0, c)] = header_cell(text, machine=tab.machine)
            cells += 1

    for new_col in changes.new_columns:
        layout = _find(layouts, new_col.tab)
        if layout.column(new_col.header) is not None:
            continue
        position = max((i for i, h in enumerate(layout.headers) if not is_blank(h)),
                       default=-1) + 1
        if position >= layout.column_count:
            structure.append({"appendDimension": {"sheetId": layout.sheet_id,
                                                  "dimension": "COLUMNS", "length": 1}})
            layout.column_count += 1
        elif position in layout.used_columns:
            structure.append({"insertDimension": {"range": {
                "sheetId": layout.sheet_id, "dimension": "COLUMNS",
                "startIndex": position, "endIndex": position + 1}, "inheritFromBefore": False}})
            layout.column_count += 1
            layout.used_columns = {c + 1 if c >= position else c for c in layout.used_columns}
            _shift(headers, values, layout.sheet_id, position)  # rows stay where they are
        while len(layout.headers) < position:
            layout.headers.append("")
        if position < len(layout.headers):
            layout.headers.insert(position, new_col.header)
        else:
            layout.headers.append(new_col.header)
        layout.used_columns.add(position)
        headers[(layout.sheet_id, 0, position)] = header_cell(new_col.header)
        cells += 1

    for cell in changes.cells:
        layout = _find(layouts, cell.tab)
        _col(layout, cell.key_column)
        col = _col(layout, cell.column)
        found = layout.keys.get(normalize(cell.key_column), {}).get(cell.key, [])
        row = found[cell.occurrence] if cell.occurrence < len(found) else None
        if row is None:
            missing.append(f"{cell.tab}:{cell.key}")
            continue
        _place(values, patterned, (layout.sheet_id, row, col), cell.value,
               number_format_of(layout.title, cell.column))
        cells += 1

    for g in changes.grid:
        layout = _find(layouts, g.tab)
        if g.row < 1:
            raise WorkbookError(f"tab {g.tab!r}: row {g.row} is not a sheet row")
        _place(values, patterned, (layout.sheet_id, g.row - 1, _col(layout, g.column)), g.value,
               number_format_of(layout.title, g.column))
        cells += 1

    grouped: dict[int, list[Json]] = defaultdict(list)
    owned: dict[int, bool] = {}
    for a in changes.appends:
        layout = _find(layouts, a.tab)
        line: list[CellValue] = [None] * len(layout.headers)
        for header, value in a.values.items():
            line[_col(layout, header)] = value
            cells += 1
        while line and is_blank(line[-1]):
            line.pop()
        look = looks_of(layout.title)
        owned[layout.sheet_id] = look is not None and look.machine
        grouped[layout.sheet_id].append({"values": [
            styled_cell(v, cell_format(layout.title, layout.headers[i]) if owned[layout.sheet_id]
                        else {}) for i, v in enumerate(line)]})
    for sheet_id, rows in grouped.items():  # a row for a person's tab: its values alone
        appends.append({"appendCells": {"sheetId": sheet_id, "rows": rows, "fields":
                                        STYLED_FIELDS if owned[sheet_id] else VALUE_FIELDS}})

    structure.extend(_grow(layouts, [*headers, *values, *patterned]))
    requests = structure + _update_cells(headers, HEADER_FIELDS)
    requests += _update_cells(values, VALUE_FIELDS) + _update_cells(patterned, "userEnteredValue")
    return Plan(requests, cells, missing, appends)


def _place(values: dict[tuple[int, int, int], Json], patterned: dict[tuple[int, int, int], Json],
           at: tuple[int, int, int], value: CellValue, pattern: Json) -> None:
    """A cell to write. In a column with a pattern of the look spec the value goes alone
    (the column keeps its format, set by google_looks); elsewhere with its own number
    format (a date's, or none, which clears a date's)."""
    values.pop(at, None)
    patterned.pop(at, None)
    if pattern:
        patterned[at] = {k: v for k, v in write_cell(value).items() if k == "userEnteredValue"}
    else:
        values[at] = write_cell(value)


def _shift(headers: dict[tuple[int, int, int], Json], values: dict[tuple[int, int, int], Json],
           sheet_id: int, position: int) -> None:
    for store in (headers, values):
        moved = {(s, r, c + 1 if s == sheet_id and c >= position else c): v
                 for (s, r, c), v in store.items()}
        store.clear()
        store.update(moved)


def _grow(layouts: dict[str, SheetLayout], coords: list[tuple[int, int, int]]) -> list[Json]:
    """appendDimension requests so every written cell is inside its grid."""
    out: list[Json] = []
    by_id = {layout.sheet_id: layout for layout in layouts.values()}
    need_rows: dict[int, int] = defaultdict(int)
    need_cols: dict[int, int] = defaultdict(int)
    for sheet_id, row, col in coords:
        need_rows[sheet_id] = max(need_rows[sheet_id], row + 1)
        need_cols[sheet_id] = max(need_cols[sheet_id], col + 1)
    for sheet_id, layout in by_id.items():
        if need_rows[sheet_id] > layout.row_count:
            out.append({"appendDimension": {"sheetId": sheet_id, "dimension": "ROWS",
                                            "length": need_rows[sheet_id] - layout.row_count}})
            layout.row_count = need_rows[sheet_id]
        if need_cols[sheet_id] > layout.column_count:
            out.append({"appendDimension": {"sheetId": sheet_id, "dimension": "COLUMNS",
                                            "length": need_cols[sheet_id] - layout.column_count}})
            layout.column_count = need_cols[sheet_id]
    return out


def _update_cells(cells: dict[tuple[int, int, int], Json], fields: str) -> list[Json]:
    """Few updateCells: contiguous runs per row, stacked when rows below share the run."""
    runs: dict[int, list[tuple[int, int, int, list[Json]]]] = defaultdict(list)
    for (sheet_id, row, col) in sorted(cells):
        sheet_runs = runs[sheet_id]
        if sheet_runs and sheet_runs[-1][0] == row and sheet_runs[-1][2] == col:
            r, c0, _, vals = sheet_runs[-1]
            vals.append(cells[(sheet_id, row, col)])
            sheet_runs[-1] = (r, c0, col + 1, vals)
        else:
            sheet_runs.append((row, col, col + 1, [cells[(sheet_id, row, col)]]))
    out: list[Json] = []
    for sheet_id, sheet_runs in runs.items():
        block: list[tuple[int, int, int, list[Json]]] = []
        for run in sheet_runs:
            if block and run[0] == block[-1][0] + 1 and run[1:3] == block[-1][1:3]:
                block.append(run)
                continue
            if block:
                out.append(_block(sheet_id, block, fields))
            block = [run]
        if block:
            out.append(_block(sheet_id, block, fields))
    return out


def _block(sheet_id: int, block: list[tuple[int, int, int, list[Json]]], fields: str) -> Json:
    row0, col0 = block[0][0], block[0][1]
    return {"updateCells": {
        "start": {"sheetId": sheet_id, "rowIndex": row0, "columnIndex": col0},
        "rows": [{"values": run[3]} for run in block],
        "fields": fields,
    }}
