"""Backends under the shared contract suite: one factory per backend.

A factory takes a temporary folder and the initial tabs (grids, row 0 the header row) and
returns a Harness: the backend, a ``fingerprint`` that changes whenever anything at all
was written (bytes and mtime of a file, a request count, ...), and ``edit``, which plays a
person changing the whole workbook between a read and a write. Add a backend by adding
its factory to FACTORIES.
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


Factory = Callable[[Path, Tabs], Harness]


def memory_harness(folder: Path, tabs: Tabs) -> Harness:
    backend = MemoryBackend(tabs)

    def edit(new_tabs: Tabs) -> None:
        backend.tabs = {name: [list(r) for r in rows] for name, rows in new_tabs.items()}

    return Harness(backend, lambda: (backend.writes, copy.deepcopy(backend.tabs)), edit)


def xlsx_harness(folder: Path, tabs: Tabs) -> Harness:
    path = write_new_workbook(folder / "workshop.xlsx", tabs)

    def fingerprint() -> object:
        return path.stat().st_mtime_ns, path.read_bytes()

    return Harness(XlsxBackend(path), fingerprint, lambda new: write_new_workbook(path, new))


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
    return Harness(backend, lambda: (fake.writes, fake.snapshot_state()), fake.replace_tabs)


FACTORIES: dict[str, Factory] = {
    "memory": memory_harness,
    "xlsx": xlsx_harness,
    "google": google_harness,
}


@pytest.fixture(params=list(FACTORIES))
def backend_factory(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[Tabs], Harness]:
    factory = FACTORIES[request.param]
    return lambda tabs: factory(tmp_path, tabs)
