"""An in-memory workbook: the reference backend, used by tests and demos.

It keeps the same rules as the real backends (see ``base``), so the shared contract tests
run against it too. ``fail_next_write`` makes the next write raise, to test that nothing
is marked done when the workbook could not be written.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence

from ..cells import CellValue, is_blank, to_text
from ..contract import normalize
from ..errors import WorkbookError
from ..workbook import Snapshot, Table, trim_rows
from .base import ChangeSet, WriteResult


class MemoryBackend:
    def __init__(self, tabs: Mapping[str, Sequence[Sequence[CellValue]]] | None = None) -> None:
        # tab name -> grid of rows; row 0 is the header row
        self.tabs: dict[str, list[list[CellValue]]] = {
            name: [list(r) for r in rows] for name, rows in (tabs or {}).items()
        }
        self.reads = 0
        self.writes = 0
        self.fail_next_write: Exception | None = None

    def describe(self) -> str:
        return "in-memory workbook"

    def _find(self, name: str) -> str | None:
        wanted = normalize(name)
        return next((n for n in self.tabs if normalize(n) == wanted), None)

    def grid(self, name: str) -> list[list[CellValue]]:
        found = self._find(name)
        if found is None:
            raise KeyError(name)
        return self.tabs[found]

    def read(self) -> Snapshot:
        self.reads += 1
        tables = []
        for name, grid in self.tabs.items():
            headers = [to_text(h) for h in (grid[0] if grid else [])]
            rows, numbers = trim_rows(grid[1:], len(headers))
            tables.append(Table(name, headers, rows, numbers))
        return Snapshot.of(tables, source=self.describe())

    def write(self, changes: ChangeSet) -> WriteResult:
        if not changes:
            return WriteResult(cells=0, calls=0)
        if self.fail_next_write is not None:
            exc, self.fail_next_write = self.fail_next_write, None
            raise exc
        tabs = copy.deepcopy(self.tabs)
        staged = MemoryBackend()
        staged.tabs = tabs
        missing = staged._apply(changes)
        self.tabs = tabs
        self.writes += 1
        return WriteResult(cells=changes.cell_count, calls=1, missing_keys=tuple(missing))

    def _apply(self, changes: ChangeSet) -> list[str]:
        for new_tab in changes.new_tabs:
            if self._find(new_tab.name) is None:
                self.tabs[new_tab.name] = [list(new_tab.headers)]
        for new_col in changes.new_columns:
            grid = self._grid_or_fail(new_col.tab)
            header = grid[0]
            if normalize(new_col.header) not in {normalize(h) for h in header}:
                last = max((i for i, h in enumerate(header) if not is_blank(h)), default=-1)
                width = max(len(r) for r in grid)
                for r in grid:
                    r.extend([None] * (width - len(r)))
                if last + 1 < width and all(is_blank(r[last + 1]) for r in grid):
                    for r in grid:
                        r[last + 1] = new_col.header if r is header else None
                else:
                    for r in grid:
                        r.insert(last + 1, new_col.header if r is header else None)
        missing: list[str] = []
        for cell in changes.cells:
            grid = self._grid_or_fail(cell.tab)
            key_i = self._col(grid, cell.key_column, cell.tab)
            col_i = self._col(grid, cell.column, cell.tab)
            same = [r for r in grid[1:] if key_i < len(r) and not is_blank(r[key_i])]
            same = [r for r in same if to_text(r[key_i]) == cell.key]
            if cell.occurrence < len(same):
                r = same[cell.occurrence]
                r.extend([None] * (col_i + 1 - len(r)))
                r[col_i] = cell.value
            else:
                missing.append(f"{cell.tab}:{cell.key}")
        for g in changes.grid:
            grid = self._grid_or_fail(g.tab)
            col_i = self._col(grid, g.column, g.tab)
            while len(grid) < g.row:
                grid.append([])
            row = grid[g.row - 1]
            row.extend([None] * (col_i + 1 - len(row)))
            row[col_i] = g.value
        for a in changes.appends:
            grid = self._grid_or_fail(a.tab)
            header = grid[0]
            index = {normalize(h): i for i, h in enumerate(header) if not is_blank(h)}
            new_row: list[CellValue] = [None] * len(header)
            for k, v in a.values.items():
                if normalize(k) not in index:
                    raise WorkbookError(f"tab {a.tab!r} has no column {k!r} to append to")
                new_row[index[normalize(k)]] = v
            # append after the last non-blank row
            last = max((i for i, r in enumerate(grid) if any(not is_blank(c) for c in r)), default=0)
            if last + 1 < len(grid):
                grid[last + 1] = new_row
            else:
                grid.append(new_row)
        return missing

    def _grid_or_fail(self, name: str) -> list[list[CellValue]]:
        found = self._find(name)
        if found is None:
            raise WorkbookError(f"the workbook has no tab {name!r}")
        return self.tabs[found]

    @staticmethod
    def _col(grid: list[list[CellValue]], header: str, tab: str) -> int:
        wanted = normalize(header)
        for i, h in enumerate(grid[0] if grid else []):
            if normalize(h) == wanted:
                return i
        raise WorkbookError(f"tab {tab!r} has no column {header!r}")
