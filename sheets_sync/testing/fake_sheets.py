"""A strict fake of the Google Sheets API v4, mounted as a ``requests`` transport adapter.

    fake = FakeSheets()
    fake.add_sheet("Orders", [["Order Ref", "Alloy"], ["A-1", "18KY"]])
    session = requests.Session()
    session.trust_env = False  # no proxy or netrc lookups from the environment
    session.mount("https://", FakeSheetsAdapter(fake))
    client = gspread.Client(auth=None, session=session)     # every gspread code path runs

Request and response shapes follow gspread's recorded cassettes (tests/cassettes in the
gspread repository): ``GET /v4/spreadsheets/{id}?includeGridData=false`` with optional
``fields`` mask and ``ranges``; ``GET .../values:batchGet?ranges=..&valueRenderOption=..``
answering ``{"spreadsheetId", "valueRanges": [{"range": "'Tab'!A1:A10", "majorDimension":
"ROWS", "values": [...]}]}`` with trailing blanks trimmed; ``GET/PUT .../values/{range}``;
``POST .../values:batchUpdate``; ``POST ...:batchUpdate`` with ``requests`` applied
atomically, answering ``{"spreadsheetId", "replies": [...]}``; errors as
``{"error": {"code", "message", "status"}}``.

Every request is first checked against the Sheets v4 discovery document of
google-api-python-client (a test dependency): a request Google would refuse answers 400
with Google's error JSON (``fake_sheets_check``, ``fake_sheets_discovery``); deprecated
fields used are listed in ``deprecated``. Answers are gzip-compressed when the caller asks
as Google documents (``Accept-Encoding: gzip`` and "gzip" in the User-Agent).

Test hooks: ``calls`` (every request with its bytes and the fake's own seconds),
``inject`` (429/5xx answers, an HTML 502, timeouts, connection resets), ``before_call``
(run a human edit just before the n-th call), and human edits (``human_set``,
``human_sort``, ``human_insert_rows``, ``human_delete_rows``).

The fake is split into rooms: ``fake_sheets_model`` (Sheet, A1 ranges, FakeApiError),
``fake_sheets_discovery`` (the discovery document: methods, schemas, field masks),
``fake_sheets_check`` (one request checked as Google checks it),
``fake_sheets_http`` (one exchange, routing, the adapter), ``fake_sheets_get``
(spreadsheets.get and field masks), ``fake_sheets_values`` (the values endpoints),
``fake_sheets_ops`` (spreadsheets.batchUpdate), ``fake_sheets_charts`` (charts and
conditional formats) and ``fake_sheets_hooks`` (calls, faults, human edits). This module
holds ``FakeSheets`` and re-exports the public names.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ..backends.google_values import read_cell
from . import fake_sheets_hooks as hooks
from .fake_sheets_hooks import Call, Fault, put_cell
from .fake_sheets_http import Answer, FakeSheetsAdapter, error, fake_session, handle
from .fake_sheets_model import MAX_REQUEST_BYTES, A1Range, FakeApiError, Json, Sheet, parse_a1
from .fake_sheets_values import rendered, resolve

__all__ = [
    "MAX_REQUEST_BYTES", "Call", "FakeApiError", "FakeSheets", "FakeSheetsAdapter", "Fault",
    "Json", "Sheet", "fake_session", "rendered",
]


class FakeSheets:
    """The state of one spreadsheet on the fake server, plus counters and fault hooks."""

    def __init__(
        self,
        spreadsheet_id: str = "fake-spreadsheet-key",
        title: str = "Workshop",
        *,
        max_request_bytes: int = MAX_REQUEST_BYTES,
    ) -> None:
        self.id = spreadsheet_id
        self.title = title
        self.sheets: list[Sheet] = []
        self.developer_metadata: list[Json] = []
        self.calls: list[Call] = []
        self.faults: list[Fault] = []
        self.hooks: dict[int, list[Callable[[FakeSheets], None]]] = {}
        self.max_request_bytes = max_request_bytes
        self.denied: Json | None = None  # an error body every call answers (403, ...)
        # Google's A1 guide: a title with spaces is quoted; False lets it pass, as the
        # values endpoints did in gspread's recorded cassettes
        self.quoted_ranges = True
        self.deprecated: list[str] = []  # deprecated fields our requests used, by path
        self.server_seconds = 0.0  # the fake's own time, to measure a client apart from it
        self._next_id = 1000

    # ----- seeding and looking -------------------------------------------------------
    def add_sheet(
        self, title: str, rows: list[list[Any]] | None = None, *, row_count: int = 1000,
        column_count: int = 26,
    ) -> Sheet:
        sheet_id = 0 if not self.sheets else self.new_id()
        sheet = Sheet(sheet_id, title, len(self.sheets), row_count, column_count)
        sheet.row_count = max(row_count, len(rows or []))
        sheet.column_count = max(column_count, max((len(r) for r in rows or []), default=0))
        self.sheets.append(sheet)
        for r, values in enumerate(rows or []):
            for c, value in enumerate(values):
                if value is not None and value != "":
                    self._put(sheet, r, c, value)
        return sheet

    def new_id(self) -> int:
        self._next_id += 7919
        return self._next_id

    def sheet(self, title: str) -> Sheet:
        for s in self.sheets:
            if s.title == title:
                return s
        raise KeyError(title)

    def values(self, title: str) -> list[list[Any]]:
        """The sheet as typed Python values (what a reader sees), trailing blanks cut."""
        sheet = self.sheet(title)
        out = [[read_cell(c) for c in row] for row in sheet.rows[: sheet.last_data_row()]]
        for row in out:
            while row and row[-1] is None:
                row.pop()
        return out

    def cell(self, title: str, a1: str) -> Json:
        sheet = self.sheet(title)
        rng = parse_a1(a1)
        return sheet.peek(rng.row0 or 0, rng.col0 or 0)

    def resolve(self, a1: str) -> tuple[Sheet, A1Range]:
        return resolve(self, a1)

    def snapshot_state(self) -> object:
        """Everything stored, for "nothing changed" assertions."""
        return copy.deepcopy(
            ([(s.properties(), s.rows, s.protected_ranges, s.conditional_formats, s.charts,
               s.widths, s.basic_filter, s.developer_metadata) for s in self.sheets],
             self.developer_metadata)
        )

    # ----- human edits (what staff do in the browser) ---------------------------------
    def _put(self, sheet: Sheet, row: int, col: int, value: Any) -> None:
        put_cell(sheet, row, col, value)

    def human_set(self, title: str, a1: str, value: Any, *, typed: bool = False) -> None:
        """Set one cell. ``typed``: the text is parsed as if typed in the browser."""
        hooks.human_set(self, title, a1, value, typed=typed)

    def replace_tabs(self, tabs: Mapping[str, Sequence[Sequence[Any]]]) -> None:
        """Make the spreadsheet hold exactly ``tabs`` (a person rewriting everything);
        tabs kept by name keep their sheet id."""
        hooks.replace_tabs(self, tabs)

    def human_sort(self, title: str, column: int, *, reverse: bool = False) -> None:
        """Sort the rows below the header by a 0-based column, as "Sort sheet Z-A" does."""
        hooks.human_sort(self.sheet(title), column, reverse=reverse)

    def human_insert_rows(self, title: str, before_row: int, count: int = 1) -> None:
        """Insert ``count`` empty rows before 1-based ``before_row``."""
        hooks.human_insert_rows(self.sheet(title), before_row, count)

    def human_delete_rows(self, title: str, row: int, count: int = 1) -> None:
        hooks.human_delete_rows(self.sheet(title), row, count)

    # ----- test hooks ------------------------------------------------------------------
    def inject(self, *faults: Fault) -> None:
        """Answer the next calls with these faults, in order."""
        self.faults.extend(faults)

    def before_call(self, number: int, edit: Callable[[FakeSheets], None]) -> None:
        """Run ``edit`` just before the ``number``-th call (1-based, counting all calls)."""
        self.hooks.setdefault(number, []).append(edit)

    def count(self, kind: str = "") -> int:
        return sum(1 for c in self.calls if c.kind.startswith(kind) and c.status == 200)

    @property
    def writes(self) -> int:
        return sum(1 for c in self.calls if c.is_write and c.status == 200)

    def reset_counters(self) -> None:
        self.calls.clear()
        self.hooks.clear()
        self.server_seconds = 0.0

    # ----- the server ------------------------------------------------------------------
    def handle(self, method: str, url: str, body: bytes | None,
               headers: Mapping[str, str] | None = None) -> Answer:
        """One HTTP exchange, checked as Google checks it."""
        return handle(self, method, url, body, headers)

    @staticmethod
    def error(code: int, message: str, status: str) -> tuple[int, Json]:
        return error(code, message, status)
