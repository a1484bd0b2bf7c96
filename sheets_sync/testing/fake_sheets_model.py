"""The fake Sheets API's state model: a grid sheet of CellData, A1 ranges, the API error.

A ``Sheet`` holds its cells as ragged rows of CellData dicts (absent = empty), plus what
``spreadsheets.get`` answers beside the grid: protected ranges, conditional formats and
charts anchored on it. Ranges are 0-based and end-exclusive, as GridRange is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .fake_sheets import FakeSheets

DEFAULT_WIDTH = 100  # pixels, a column nobody resized
MAX_REQUEST_BYTES = 10_485_760  # "Request payload size exceeds the limit: 10485760 bytes."
Json = dict[str, Any]


class FakeApiError(Exception):
    def __init__(self, code: int, message: str, status: str = "INVALID_ARGUMENT") -> None:
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


@dataclass
class Sheet:
    sheet_id: int
    title: str
    index: int
    row_count: int = 1000
    column_count: int = 26
    rows: list[list[Json]] = field(default_factory=list)  # CellData dicts, ragged
    protected_ranges: list[Json] = field(default_factory=list)
    conditional_formats: list[Json] = field(default_factory=list)
    charts: list[Json] = field(default_factory=list)  # EmbeddedChart dicts anchored here
    frozen_rows: int = 0
    tab_color: Json | None = None  # a ColorStyle
    widths: dict[int, int] = field(default_factory=dict)  # column -> pixels, when set
    basic_filter: Json | None = None
    developer_metadata: list[Json] = field(default_factory=list)  # located on this sheet

    def cell(self, row: int, col: int) -> Json:
        """The CellData at 0-based (row, col), created empty when absent."""
        while len(self.rows) <= row:
            self.rows.append([])
        cells = self.rows[row]
        while len(cells) <= col:
            cells.append({})
        return cells[col]

    def peek(self, row: int, col: int) -> Json:
        if row < len(self.rows) and col < len(self.rows[row]):
            return self.rows[row][col]
        return {}

    def last_data_row(self) -> int:
        """1-based number of the last row holding a value (0 when the sheet is empty)."""
        for i in range(len(self.rows) - 1, -1, -1):
            if any(c.get("effectiveValue") for c in self.rows[i]):
                return i + 1
        return 0

    def last_data_col(self) -> int:
        return max(
            (j + 1 for r in self.rows for j, c in enumerate(r) if c.get("effectiveValue")),
            default=0,
        )

    def properties(self) -> Json:
        props: Json = {
            "sheetId": self.sheet_id,
            "title": self.title,
            "index": self.index,
            "sheetType": "GRID",
            "gridProperties": {"rowCount": self.row_count, "columnCount": self.column_count},
        }
        if self.frozen_rows:
            props["gridProperties"]["frozenRowCount"] = self.frozen_rows
        if self.tab_color is not None:
            props["tabColorStyle"] = self.tab_color
        return props


# ----- finding sheets and bounds (shared by the request handlers) -------------------------
def bad_request(message: str) -> FakeApiError:
    """A 400 INVALID_ARGUMENT, as a batchUpdate request the API refuses."""
    return FakeApiError(400, message)


def sheet_by_id(fake: FakeSheets, sheet_id: Any) -> Sheet:
    for sheet in fake.sheets:
        if sheet.sheet_id == (sheet_id or 0):
            return sheet
    raise bad_request(f"No grid with id: {sheet_id}")


def grid_bounds(sheet: Sheet, rng: Json) -> tuple[int, int, int, int]:
    """A GridRange's (row0, col0, row1, col1), absent ends meaning the grid's edge. An
    index below zero, an end before its start or past the grid's edge is refused as Google
    refuses it (so a range of 2**40 rows never makes 2**40 cells)."""
    r0, c0 = int(rng.get("startRowIndex", 0)), int(rng.get("startColumnIndex", 0))
    r1 = int(rng.get("endRowIndex", sheet.row_count))
    c1 = int(rng.get("endColumnIndex", sheet.column_count))
    if min(r0, c0, r1, c1) < 0:
        raise bad_request(f"Invalid GridRange: an index is negative ({r0}, {c0}, {r1}, {c1})")
    if r1 < r0 or c1 < c0:
        raise bad_request(f"Invalid GridRange: an end is before its start ({r0}, {c0}, {r1}, {c1})")
    if r1 > sheet.row_count or c1 > sheet.column_count:
        raise bad_request(f"Range ({sheet.title}!R{r0 + 1}C{c0 + 1}:R{r1}C{c1}) exceeds grid limits. "
                          f"Max rows: {sheet.row_count}, max columns: {sheet.column_count}")
    return r0, c0, r1, c1


# ----- A1 ranges ---------------------------------------------------------------------------
@dataclass(frozen=True)
class A1Range:
    row0: int | None = None  # 0-based start row
    col0: int | None = None
    row1: int | None = None  # end-exclusive
    col1: int | None = None


def _col(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n - 1


_PART = re.compile(r"^([A-Za-z]*)(\d*)$")


def parse_a1(text: str) -> A1Range:
    """'A1:C3', 'B:B', '1:1', 'C7' as 0-based, end-exclusive bounds."""
    first, _, second = text.partition(":")
    m1, m2 = _PART.match(first), _PART.match(second or first)
    if not m1 or not m2:
        raise FakeApiError(400, f"Unable to parse range: {text}")
    c0 = _col(m1.group(1)) if m1.group(1) else None
    r0 = int(m1.group(2)) - 1 if m1.group(2) else None
    c1 = _col(m2.group(1)) + 1 if m2.group(1) else None
    r1 = int(m2.group(2)) if m2.group(2) else None
    return A1Range(r0 if r0 is not None else (0 if c0 is not None else None), c0, r1, c1)
