"""Applying a ChangeSet to an openpyxl workbook, with the same meaning as ``memory``.

Tabs and columns are found by header name (``normalize``), keyed rows by re-reading the
key column now, never by the row number seen at read time. Lookups are built once per
tab per write, from the cells the sheet really holds (not by walking an empty grid).

Merged cells where the sync must write: a merge made only of the machine's own cells (on
a machine tab, or spanning ⚙ columns only, below the header) is unmerged and written; a
merge that takes in a human cell stops the write (WorkbookError, exit 2) naming the tab
and the range, since unmerging it would change what a person laid out.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from ..cells import CellValue, is_blank, to_text
from ..contract import MACHINE_TABS, is_machine_header, normalize
from ..errors import WorkbookError
from .base import ChangeSet
from .xlsx_cells import MACHINE_TAB_COLOR, put, style_machine_header

_MACHINE_TABS = frozenset(normalize(t.name) for t in MACHINE_TABS)


def _stored(ws: Worksheet) -> Iterator[tuple[int, int, object]]:
    """(row, column, value) of every cell the sheet holds, in no particular order."""
    for (row, col), cell in ws._cells.items():  # private, but the one fast way in
        yield row, col, cell._value


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


class SheetWriter:
    """One tab being written: its headers, key maps and last used row, found once."""

    def __init__(self, ws: Worksheet) -> None:
        self.ws = ws
        self.headers: dict[str, int] = {}
        self.header_at: dict[int, str] = {}
        self.last_header = 0
        self.machine_tab = normalize(ws.title) in _MACHINE_TABS
        for col, cell in enumerate(next(ws.iter_rows(min_row=1, max_row=1), ()), start=1):
            if _blank(cell.value):
                continue
            self.last_header = col
            self.headers.setdefault(normalize(cell.value), col)
            self.header_at[col] = str(cell.value)
        self._keys: dict[int, dict[str, list[int]]] = {}
        self._last_row: int | None = None

    @property
    def name(self) -> str:
        return str(self.ws.title)

    def column(self, header: str) -> int:
        col = self.headers.get(normalize(header))
        if col is None:
            raise WorkbookError(f"tab {self.name!r} has no column {header!r}")
        return col

    def add_column(self, header: str) -> None:
        """A machine column after the last used header, in the first wholly empty column."""
        if normalize(header) in self.headers:
            return
        used = {col for _, col, value in _stored(self.ws) if not _blank(value)}
        col = self.last_header + 1
        while col in used:
            col += 1
        cell = self.ws.cell(row=1, column=col)
        put(cell, header)
        style_machine_header(cell)
        letter = get_column_letter(col)
        if letter not in self.ws.column_dimensions:  # keep a width someone chose
            self.ws.column_dimensions[letter].width = max(12, min(40, len(header) + 4))
        self.headers[normalize(header)] = col
        self.header_at[col] = header
        self.last_header = max(self.last_header, col)
        self._last_row = None

    def row_of(self, key_column: str, key: str, occurrence: int = 0) -> int | None:
        """The sheet row of the ``occurrence``-th row (0: the first) whose key is ``key``."""
        col = self.column(key_column)
        keys = self._keys.get(col)
        if keys is None:
            keys = {}
            for row, c, value in _stored(self.ws):
                if c != col or row < 2 or _blank(value):
                    continue
                keys.setdefault(to_text(value), []).append(row)  # type: ignore[arg-type]
            for rows in keys.values():
                rows.sort()
            self._keys[col] = keys
        rows = keys.get(key, [])
        return rows[occurrence] if occurrence < len(rows) else None

    def free(self, row: int, col: int) -> None:
        """Make the cell writable: unmerge a merge of the machine's own cells holding it;
        WorkbookError for a merge that takes in a human cell."""
        ranges = self.ws.merged_cells.ranges
        if not ranges:
            return
        for span in list(ranges):
            if not (span.min_row <= row <= span.max_row and span.min_col <= col <= span.max_col):
                continue
            if self._owns(span.min_row, span.min_col, span.max_col):
                self.ws.unmerge_cells(str(span))
                continue
            raise WorkbookError(
                f"{self.name}: the cells {span} are merged and the sync must write "
                f"{self.header_at.get(col, get_column_letter(col))} in one of them; unmerge them "
                "(Format > Merge cells > Unmerge) and run again. Nothing was written."
            )

    def _owns(self, first_row: int, first_col: int, last_col: int) -> bool:
        if self.machine_tab:
            return True
        return first_row >= 2 and all(
            is_machine_header(self.header_at.get(c, "")) for c in range(first_col, last_col + 1)
        )

    def set(self, row: int, col: int, value: CellValue) -> None:
        self.free(row, col)
        put(self.ws.cell(row=row, column=col), value)
        if self._last_row is not None and not is_blank(value):
            self._last_row = max(self._last_row, row)

    def append(self, values: Mapping[str, CellValue]) -> None:
        cols = [(self.column(header), value) for header, value in values.items()]
        if self._last_row is None:
            self._last_row = max(
                (row for row, _, value in _stored(self.ws) if not _blank(value)), default=0
            )
        row = max(self._last_row, 1) + 1
        for col, value in cols:
            self.free(row, col)
            put(self.ws.cell(row=row, column=col), value)
        self._last_row = row


class WorkbookWriter:
    """Finds tabs by name, case and spacing forgiven, and keeps one SheetWriter per tab."""

    def __init__(self, wb: Workbook) -> None:
        self.wb = wb
        self._sheets: dict[str, SheetWriter] = {}

    def _find(self, name: str) -> Worksheet | None:
        wanted = normalize(name)
        return next((ws for ws in self.wb.worksheets if normalize(ws.title) == wanted), None)

    def sheet(self, name: str) -> SheetWriter:
        key = normalize(name)
        if key not in self._sheets:
            ws = self._find(name)
            if ws is None:
                raise WorkbookError(f"the workbook has no tab {name!r}")
            self._sheets[key] = SheetWriter(ws)
        return self._sheets[key]

    def add_tab(self, name: str, headers: Sequence[str], machine: bool = True) -> None:
        if self._find(name) is not None:
            return
        try:
            ws = self.wb.create_sheet(title=name)
        except ValueError as exc:
            raise WorkbookError(f"cannot create a tab named {name!r}: {exc}") from exc
        fill_header(ws, headers, machine)

    def apply(self, changes: ChangeSet) -> list[str]:
        """Apply ``changes``; return the keyed cells whose row is gone ("tab:key")."""
        for new_tab in changes.new_tabs:
            self.add_tab(new_tab.name, new_tab.headers, new_tab.machine)
        for new_col in changes.new_columns:
            self.sheet(new_col.tab).add_column(new_col.header)
        missing: list[str] = []
        for cell in changes.cells:
            sheet = self.sheet(cell.tab)
            col = sheet.column(cell.column)
            row = sheet.row_of(cell.key_column, cell.key, cell.occurrence)
            if row is None:
                missing.append(f"{cell.tab}:{cell.key}")
            else:
                sheet.set(row, col, cell.value)
        for g in changes.grid:
            if g.row < 1:
                raise WorkbookError(f"tab {g.tab!r} has no row {g.row}")
            sheet = self.sheet(g.tab)
            sheet.set(g.row, sheet.column(g.column), g.value)
        for a in changes.appends:
            self.sheet(a.tab).append(a.values)
        return missing


def fill_header(ws: Worksheet, headers: Sequence[CellValue], machine: bool) -> None:
    """Row 1 of a tab; machine headers (all of them on a machine tab) styled as such."""
    for col, header in enumerate(headers, start=1):
        cell = ws.cell(row=1, column=col)
        put(cell, header)
        if not is_blank(header) and (machine or is_machine_header(header)):
            style_machine_header(cell)
            width = max(12, min(40, len(to_text(header)) + 4))
            ws.column_dimensions[get_column_letter(col)].width = width
    if machine:
        ws.sheet_properties.tabColor = MACHINE_TAB_COLOR
    if headers:
        ws.freeze_panes = "A2"
