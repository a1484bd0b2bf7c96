"""Backends under the shared contract suite: one factory per backend.

A factory takes a temporary folder and the initial tabs (grids, row 0 the header row) and
returns a Harness: the backend, a ``fingerprint`` that changes whenever anything at all
was written (bytes and mtime of a file, a request count, ...), ``edit``, which plays a
person changing the whole workbook between a read and a write, ``hide``, which plays a
person hiding rows of a tab and filtering it, as that backend's workbook allows (the
in-memory one has no view to hide rows in), and ``grid``, a tab as a person sees it,
columns with no header included (a read stops at the last header). Add a backend by
adding its factory to FACTORIES.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from sheets_sync.backends.base import Backend
from sheets_sync.backends.memory import MemoryBackend
from sheets_sync.backends.xlsx import XlsxBackend, write_new_workbook
from sheets_sync.cells import CellValue

Grid = Sequence[Sequence[CellValue]]
Tabs = Mapping[str, Grid]


@dataclass
class Harness:
    backend: Backend
    fingerprint: Callable[[], object]
    edit: Callable[[Tabs], None]
    grid: Callable[[str], list[list[CellValue]]]  # row 0 the header row, trailing blanks cut
    hide: Callable[[str, Sequence[int]], None] = lambda tab, rows: None  # sheet rows, 1-based


def _cut(grid: Sequence[Sequence[CellValue]]) -> list[list[CellValue]]:
    out = [list(row) for row in grid]
    for row in out:
        while row and (row[-1] is None or row[-1] == ""):
            row.pop()
    return out


Factory = Callable[[Path, Tabs], Harness]


def memory_harness(folder: Path, tabs: Tabs) -> Harness:
    backend = MemoryBackend(tabs)

    def edit(new_tabs: Tabs) -> None:
        backend.tabs = {name: [list(r) for r in rows] for name, rows in new_tabs.items()}

    return Harness(backend, lambda: (backend.writes, copy.deepcopy(backend.tabs)), edit,
                   lambda tab: _cut(backend.grid(tab)))


def xlsx_harness(folder: Path, tabs: Tabs) -> Harness:
    path = write_new_workbook(folder / "workshop.xlsx", tabs)

    def fingerprint() -> object:
        return path.stat().st_mtime_ns, path.read_bytes()

    def grid(tab: str) -> list[list[CellValue]]:
        import openpyxl

        return _cut(openpyxl.load_workbook(path)[tab].iter_rows(values_only=True))

    def hide(tab: str, rows: Sequence[int]) -> None:
        import openpyxl

        book = openpyxl.load_workbook(path)
        sheet = book[tab]
        sheet.auto_filter.ref = sheet.dimensions
        for row in rows:
            sheet.row_dimensions[row].hidden = True
        book.save(path)

    return Harness(XlsxBackend(path), fingerprint, lambda new: write_new_workbook(path, new), grid,
                   hide)


def google_harness(folder: Path, tabs: Tabs) -> Harness:
    """A real gspread client whose HTTP session is the fake Sheets API v4."""
    import gspread

    from sheets_sync.backends.google import GoogleBackend
    from sheets_sync.backends.google_retry import RetryPolicy
    from sheets_sync.testing import FakeSheets, fake_session

    fake = FakeSheets()
    fake.replace_tabs(tabs)
    client = gspread.Client(auth=None, session=fake_session(fake))  # type: ignore[arg-type]
    backend = GoogleBackend(fake.id, client, retry=RetryPolicy(sleep=lambda _: None))
    def hide(tab: str, rows: Sequence[int]) -> None:
        # a filter that hides the rows (Google's values read returns them all the same)
        sheet = fake.sheet(tab)
        sheet.basic_filter = {
            "range": {"sheetId": sheet.sheet_id, "startRowIndex": 0},
            "filterSpecs": [{"columnIndex": 0, "filterCriteria": {"hiddenValues": [
                str(fake.values(tab)[r - 1][0]) for r in rows]}}],
        }

    return Harness(backend, lambda: (fake.writes, fake.snapshot_state()), fake.replace_tabs,
                   lambda tab: _cut(fake.values(tab)), hide)


FACTORIES: dict[str, Factory] = {
    "memory": memory_harness,
    "xlsx": xlsx_harness,
    "google": google_harness,
}


@pytest.fixture(params=list(FACTORIES))
def backend_factory(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[Tabs], Harness]:
    factory = FACTORIES[request.param]
    return lambda tabs: factory(tmp_path, tabs)
