"""The Backend interface and the ChangeSet a sync hands it.

A backend reads the whole workbook into a Snapshot in one go, and applies one ChangeSet in
one go. Rules every backend keeps (the shared contract tests check them):

* it writes only what the ChangeSet names: machine columns of human tabs (addressed by the
  row's key and its occurrence, re-found at write time, never by row number), machine tabs (by position, row 1
  is the header), and appended rows;
* a ``str`` value is always stored as plain text, never as a formula, whatever it starts
  with; dates and datetimes are stored as real dates; None clears the cell;
* an empty ChangeSet writes nothing at all (no file opened for writing, no API call);
* a failed write changes nothing (all or nothing) and raises a WorkbookError child.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from ..cells import CellValue
from ..workbook import Snapshot


@dataclass(frozen=True)
class NewTab:
    """Create a tab with this header row: a machine tab (every header styled as the
    machine's), or with ``machine`` False a human tab whose rows the sync appends
    (Partner Problems), where only the ⚙ headers are the machine's."""

    name: str
    headers: tuple[str, ...]
    machine: bool = True


@dataclass(frozen=True)
class NewColumn:
    """Add a machine column (header starts with ⚙) after the last used column of a tab."""

    tab: str
    header: str


@dataclass(frozen=True)
class KeyedCell:
    """A cell in a human tab's machine column, on the row whose ``key_column`` is ``key``
    (``occurrence`` 1, 2 …: the second, third … row with that key, a duplicate the sync
    ignores but marks)."""

    tab: str
    key_column: str
    key: str
    column: str
    value: CellValue
    occurrence: int = 0


@dataclass(frozen=True)
class GridCell:
    """A cell in a machine tab at sheet ``row`` (1 = header row) under header ``column``."""

    tab: str
    row: int
    column: str
    value: CellValue


@dataclass(frozen=True)
class AppendRow:
    """A new row at the end of a tab (Activity; Progress rows from partners)."""

    tab: str
    values: Mapping[str, CellValue]


@dataclass
class ChangeSet:
    new_tabs: list[NewTab] = field(default_factory=list)
    new_columns: list[NewColumn] = field(default_factory=list)
    cells: list[KeyedCell] = field(default_factory=list)
    grid: list[GridCell] = field(default_factory=list)
    appends: list[AppendRow] = field(default_factory=list)
    # the first write of an installation to a workbook no installation has claimed yet
    # (see ``sheets_sync.installation``): a backend that can makes two such writes at
    # once fail but one
    first_claim: bool = False

    def __bool__(self) -> bool:
        return bool(self.new_tabs or self.new_columns or self.cells or self.grid or self.appends)

    @property
    def cell_count(self) -> int:
        """Cells this change set writes (headers of new tabs and columns included)."""
        return (
            sum(len(t.headers) for t in self.new_tabs)
            + len(self.new_columns)
            + len(self.cells)
            + len(self.grid)
            + sum(len(a.values) for a in self.appends)
        )

    def extend(self, other: ChangeSet) -> None:
        self.new_tabs.extend(t for t in other.new_tabs if t not in self.new_tabs)
        self.new_columns.extend(c for c in other.new_columns if c not in self.new_columns)
        self.cells.extend(other.cells)
        self.grid.extend(other.grid)
        self.appends.extend(other.appends)


@dataclass(frozen=True)
class WriteResult:
    cells: int  # cells written
    calls: int = 1  # backend round trips (API requests; 1 for a file save)
    missing_keys: tuple[str, ...] = ()  # keyed cells whose row was gone at write time


@runtime_checkable
class Backend(Protocol):
    def describe(self) -> str:
        """Where the workbook is, in words (a path, a spreadsheet title)."""
        ...

    def read(self) -> Snapshot:
        """The whole workbook, every tab, in one go."""
        ...

    def write(self, changes: ChangeSet) -> WriteResult:
        """Apply all of ``changes`` at once, or nothing. Empty: no I/O at all."""
        ...


@runtime_checkable
class StoredWhole(Protocol):
    """A backend whose workbook is one stored file it can digest for much less than a
    read: ``stored_digest()`` now equals the ``Snapshot.stored_digest`` of an earlier
    read exactly when the file holds the same bytes, so a read would give the same
    snapshot (``rerun``: an unchanged rerun without parsing)."""

    def stored_digest(self) -> str:
        """A digest of the workbook's bytes as stored now."""
        ...
