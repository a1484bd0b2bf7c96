"""A faithful fake of the Google Sheets API v4, mounted as a ``requests`` transport adapter.

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

Test hooks: ``calls`` (every request with its bytes), ``inject`` (429/5xx answers, an HTML
502, timeouts, connection resets), ``before_call`` (run a human edit just before the n-th
call), and human edits (``human_set``, ``human_sort``, ``human_insert_rows``,
``human_delete_rows``).
"""

from __future__ import annotations

import copy
import gzip
import json
import pickle
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import requests
from requests.adapters import BaseAdapter

from ..backends.google_values import column_letter, read_cell, write_cell
from .fake_sheets_ops import A1Range, apply_request, filter_fields, parse_a1, user_entered

MAX_REQUEST_BYTES = 10_485_760  # "Request payload size exceeds the limit: 10485760 bytes."
Json = dict[str, Any]


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
    tab_color: Json | None = None

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
            props["tabColor"] = self.tab_color
        return props


@dataclass
class Call:
    method: str
    path: str  # e.g. "/v4/spreadsheets/KEY/values:batchGet"
    query: dict[str, list[str]]
    request_bytes: int  # URL + body, as sent
    response_bytes: int
    status: int
    body: Json | None = None
    response_gzip_bytes: int = 0  # the answer as it travels with Accept-Encoding: gzip

    @property
    def kind(self) -> str:
        """spreadsheets.get, values.batchGet, values.get, values.update, values.batchUpdate,
        spreadsheets.batchUpdate."""
        tail = self.path.rsplit("/", 1)[-1]
        if tail.endswith(":batchUpdate"):
            return "values.batchUpdate" if "/values:" in self.path else "spreadsheets.batchUpdate"
        if tail.endswith(":batchGet"):
            return "values.batchGet"
        if tail.endswith(":append"):
            return "values.append"
        if "/values/" in self.path:
            return "values.update" if self.method == "PUT" else "values.get"
        return "spreadsheets.get"

    @property
    def is_write(self) -> bool:
        return self.method in ("POST", "PUT")


@dataclass
class Fault:
    status: int = 429  # 0 = raise instead of answering
    error: type[Exception] | None = None  # requests.Timeout, requests.ConnectionError
    html: bool = False
    applies_to: str = ""  # only calls whose kind starts with this ("" = any)
    apply_then_fail: bool = False  # the write lands, then the answer is lost


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

    # ----- human edits (what staff do in the browser) ---------------------------------
    def _put(self, sheet: Sheet, row: int, col: int, value: Any) -> None:
        data = write_cell(value) if not isinstance(value, dict) else value
        cell = sheet.cell(row, col)
        cell.clear()
        cell.update(copy.deepcopy(data))
        if "userEnteredValue" in cell:
            cell["effectiveValue"] = dict(cell["userEnteredValue"])
        if "userEnteredFormat" in cell:
            cell["effectiveFormat"] = copy.deepcopy(cell["userEnteredFormat"])

    def human_set(self, title: str, a1: str, value: Any, *, typed: bool = False) -> None:
        """Set one cell. ``typed``: the text is parsed as if typed in the browser."""
        sheet = self.sheet(title)
        rng = parse_a1(a1)
        row, col = rng.row0 or 0, rng.col0 or 0
        if typed and isinstance(value, str):
            sheet.cell(row, col).clear()
            sheet.cell(row, col).update(user_entered(value))
        else:
            self._put(sheet, row, col, value)

    def replace_tabs(self, tabs: Mapping[str, Sequence[Sequence[Any]]]) -> None:
        """Make the spreadsheet hold exactly ``tabs`` (a person rewriting everything);
        tabs kept by name keep their sheet id."""
        kept = {s.title: s for s in self.sheets}
        self.sheets = []
        for title, rows in tabs.items():
            old = kept.get(title)
            sheet = self.add_sheet(title, [list(r) for r in rows])
            if old is not None:
                sheet.sheet_id = old.sheet_id
                sheet.row_count = max(sheet.row_count, old.row_count)
                sheet.column_count = max(sheet.column_count, old.column_count)

    def snapshot_state(self) -> object:
        """Everything stored, for "nothing changed" assertions."""
        return copy.deepcopy(
            ([(s.properties(), s.rows, s.protected_ranges, s.conditional_formats, s.charts)
              for s in self.sheets],
             self.developer_metadata)
        )

    def human_sort(self, title: str, column: int, *, reverse: bool = False) -> None:
        """Sort the rows below the header by a 0-based column, as "Sort sheet Z-A" does."""
        sheet = self.sheet(title)
        body = sheet.rows[1 : sheet.last_data_row()]

        def key(row: list[Json]) -> tuple[int, str]:
            value = read_cell(row[column]) if column < len(row) else None
            if value is None:
                return (2, "")
            if isinstance(value, int | float | date | datetime):
                return (0, f"{value!s:>40}")
            return (1, str(value).casefold())

        body.sort(key=key, reverse=reverse)
        sheet.rows[1 : 1 + len(body)] = body

    def human_insert_rows(self, title: str, before_row: int, count: int = 1) -> None:
        """Insert ``count`` empty rows before 1-based ``before_row``."""
        sheet = self.sheet(title)
        for _ in range(count):
            if before_row - 1 <= len(sheet.rows):
                sheet.rows.insert(before_row - 1, [])
        sheet.row_count += count

    def human_delete_rows(self, title: str, row: int, count: int = 1) -> None:
        sheet = self.sheet(title)
        del sheet.rows[row - 1 : row - 1 + count]
        sheet.row_count -= count

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

    # ----- the server ------------------------------------------------------------------
    def handle(self, method: str, url: str, body: bytes | None) -> tuple[int, bytes, str]:
        """One HTTP exchange: (status, body, content type)."""
        parts = urlsplit(url)
        query = parse_qs(parts.query, keep_blank_values=True)
        request_bytes = len(url.encode()) + len(body or b"")
        hooks = self.hooks.pop(len(self.calls) + 1, [])
        for edit in hooks:
            edit(self)
        payload: Json | None = None
        if body:
            payload = json.loads(body)
        fault = self._fault_for(method, parts.path)
        if fault is not None and not fault.apply_then_fail:
            if fault.error is not None:
                self.calls.append(Call(method, parts.path, query, request_bytes, 0, 0, payload))
                raise fault.error("fake: connection trouble")
            status, text, ctype = self._fault_answer(fault)
            self.calls.append(
                Call(method, parts.path, query, request_bytes, len(text), status, payload)
            )
            return status, text, ctype
        status, answer = self._route(method, parts.path, query, payload, request_bytes)
        if (query.get("prettyPrint") or ["true"])[0] == "false":  # a standard API parameter
            text = json.dumps(answer, ensure_ascii=False, separators=(",", ":")).encode()
        else:  # Google pretty-prints by default, as the cassettes show
            text = json.dumps(answer, ensure_ascii=False, indent=2).encode()
        self.calls.append(
            Call(method, parts.path, query, request_bytes, len(text), status, payload,
                 len(gzip.compress(text, 6)))
        )
        if fault is not None:  # applied, then the answer is lost on the way back
            if fault.error is not None:
                raise fault.error("fake: connection reset after the server applied the call")
            return self._fault_answer(fault)
        return status, text, "application/json; charset=UTF-8"

    def _fault_for(self, method: str, path: str) -> Fault | None:
        probe = Call(method, path, {}, 0, 0, 0)
        for i, fault in enumerate(self.faults):
            if probe.kind.startswith(fault.applies_to):
                return self.faults.pop(i)
        return None

    @staticmethod
    def _fault_answer(fault: Fault) -> tuple[int, bytes, str]:
        if fault.html:
            page = (
                "<!DOCTYPE html><html lang=en><title>Error 502 (Server Error)!!1</title>"
                "<p><b>502.</b> <ins>That’s an error.</ins><p>The server encountered a "
                "temporary error and could not complete your request.<p>Please try again "
                "in 30 seconds. <ins>That’s all we know.</ins></html>"
            )
            return fault.status, page.encode(), "text/html; charset=UTF-8"
        statuses = {429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 502: "UNAVAILABLE",
                    503: "UNAVAILABLE", 504: "DEADLINE_EXCEEDED"}
        messages = {
            429: "Quota exceeded for quota metric 'Write requests' and limit 'Write requests "
            "per minute per user' of service 'sheets.googleapis.com'.",
            503: "The service is currently unavailable.",
        }
        error = {
            "code": fault.status,
            "message": messages.get(fault.status, "Internal error encountered."),
            "status": statuses.get(fault.status, "INTERNAL"),
        }
        return fault.status, json.dumps({"error": error}).encode(), "application/json"

    @staticmethod
    def error(code: int, message: str, status: str) -> tuple[int, Json]:
        return code, {"error": {"code": code, "message": message, "status": status}}

    def _route(
        self, method: str, path: str, query: dict[str, list[str]], payload: Json | None,
        size: int,
    ) -> tuple[int, Json]:
        prefix = "/v4/spreadsheets/"
        if not path.startswith(prefix):
            return self.error(404, f"Method not found: {path}", "NOT_FOUND")
        rest = unquote(path[len(prefix) :])
        key, _, tail = rest.partition("/")
        key, colon, verb = key.partition(":")
        if self.denied is not None:
            return int(self.denied["error"]["code"]), self.denied
        if key != self.id:
            return self.error(404, "Requested entity was not found.", "NOT_FOUND")
        if size > self.max_request_bytes:
            return self.error(
                400,
                f"Request payload size exceeds the limit: {self.max_request_bytes} bytes.",
                "INVALID_ARGUMENT",
            )
        try:
            if colon and verb == "batchUpdate" and method == "POST":
                return 200, self._batch_update(payload or {})
            if not tail and not colon and method == "GET":
                return 200, self._get(query)
            if tail == "values:batchGet" and method == "GET":
                return 200, self._values_batch_get(query)
            if tail == "values:batchUpdate" and method == "POST":
                return 200, self._values_batch_update(payload or {})
            if tail.startswith("values/") and tail.endswith(":append") and method == "POST":
                opt = (query.get("valueInputOption") or [""])[0]
                rng = tail[len("values/") : -len(":append")]
                return 200, self._values_append(rng, (payload or {}).get("values", []), opt)
            if tail.startswith("values/") and method in ("GET", "PUT"):
                rng = tail[len("values/") :]
                if method == "GET":
                    return 200, self._value_range(rng, query)
                opt = (query.get("valueInputOption") or [""])[0]
                return 200, self._values_update(rng, (payload or {}).get("values", []), opt)
        except FakeApiError as exc:
            return self.error(exc.code, exc.message, exc.status)
        return self.error(404, f"Method not found: {method} {path}", "NOT_FOUND")

    # ----- spreadsheets.get ----------------------------------------------------------------
    def _get(self, query: dict[str, list[str]]) -> Json:
        grid = (query.get("includeGridData") or ["false"])[0].lower() == "true"
        ranges = [self.resolve(r) for r in query.get("ranges", [])]
        sheets = []
        for sheet in self.sheets:
            wanted = [r for s, r in ranges if s is sheet]
            if ranges and not wanted:
                continue
            entry: Json = {"properties": sheet.properties()}
            if grid or "fields" in query:
                entry["data"] = [self._grid_data(sheet, r) for r in (wanted or [A1Range()])]
            if sheet.protected_ranges:
                entry["protectedRanges"] = copy.deepcopy(sheet.protected_ranges)
            if sheet.conditional_formats:
                entry["conditionalFormats"] = copy.deepcopy(sheet.conditional_formats)
            if sheet.charts:
                entry["charts"] = copy.deepcopy(sheet.charts)
            sheets.append(entry)
        answer: Json = {
            "spreadsheetId": self.id,
            "properties": {"title": self.title, "locale": "en_US", "autoRecalc": "ON_CHANGE",
                           "timeZone": "Europe/Paris"},
            "sheets": sheets,
            "spreadsheetUrl": f"https://docs.google.com/spreadsheets/d/{self.id}/edit",
        }
        if self.developer_metadata:
            answer["developerMetadata"] = copy.deepcopy(self.developer_metadata)
        fields = (query.get("fields") or [""])[0]
        return filter_fields(answer, fields) if fields else answer

    def _grid_data(self, sheet: Sheet, rng: A1Range) -> Json:
        r0, c0 = rng.row0 or 0, rng.col0 or 0
        r1 = min(rng.row1 if rng.row1 is not None else sheet.row_count, sheet.row_count)
        c1 = min(rng.col1 if rng.col1 is not None else sheet.column_count, sheet.column_count)
        rows = []
        for r in range(r0, min(r1, len(sheet.rows))):
            cells = [copy.deepcopy(c) for c in sheet.rows[r][c0:c1]]
            while cells and not cells[-1]:
                cells.pop()
            rows.append({"values": cells} if cells else {})
        while rows and not rows[-1]:
            rows.pop()
        data: Json = {}
        if r0:
            data["startRow"] = r0
        if c0:
            data["startColumn"] = c0
        if rows:
            data["rowData"] = rows
        return data

    # ----- values -----------------------------------------------------------------------
    def resolve(self, a1: str) -> tuple[Sheet, A1Range]:
        title, _, cells = a1.rpartition("!") if "!" in a1 else (a1, "", "")
        if title.startswith("'") and title.endswith("'"):
            title = title[1:-1].replace("''", "'")
        for sheet in self.sheets:
            if sheet.title == title:
                return sheet, parse_a1(cells) if cells else A1Range()
        raise FakeApiError(400, f"Unable to parse range: {a1}", "INVALID_ARGUMENT")

    def _range_name(self, sheet: Sheet, r0: int, c0: int, r1: int, c1: int) -> str:
        plain = sheet.title.replace("_", "").isalnum() and sheet.title.isascii()
        title = sheet.title if plain else "'" + sheet.title.replace("'", "''") + "'"
        return f"{title}!{column_letter(c0)}{r0 + 1}:{column_letter(c1 - 1)}{r1}"

    def _value_range(self, a1: str, query: dict[str, list[str]]) -> Json:
        sheet, rng = self.resolve(a1)
        render = (query.get("valueRenderOption") or ["FORMATTED_VALUE"])[0]
        dates = (query.get("dateTimeRenderOption") or ["SERIAL_NUMBER"])[0]
        whole = rng.row0 is None and rng.col0 is None and rng.row1 is None
        r0, c0 = rng.row0 or 0, rng.col0 or 0
        if whole:  # a whole sheet answers its used extent, as the cassettes show
            r1, c1 = max(sheet.last_data_row(), 1), max(sheet.last_data_col(), 1)
        else:
            r1 = min(rng.row1 if rng.row1 is not None else sheet.row_count, sheet.row_count)
            c1 = min(rng.col1 if rng.col1 is not None else sheet.column_count, sheet.column_count)
        values: list[list[Any]] = []
        for r in range(r0, r1):
            row = [rendered(sheet.peek(r, c), render, dates) for c in range(c0, c1)]
            while row and row[-1] == "":
                row.pop()
            values.append(row)
        while values and not values[-1]:
            values.pop()
        out: Json = {"range": self._range_name(sheet, r0, c0, r1, c1), "majorDimension": "ROWS"}
        if values:
            out["values"] = values
        return out

    def _values_batch_get(self, query: dict[str, list[str]]) -> Json:
        return {
            "spreadsheetId": self.id,
            "valueRanges": [self._value_range(r, query) for r in query.get("ranges", [])],
        }

    def _values_update(self, a1: str, values: list[list[Any]], option: str) -> Json:
        if option not in ("RAW", "USER_ENTERED"):
            raise FakeApiError(400, "Invalid valueInputOption: INPUT_VALUE_OPTION_UNSPECIFIED",
                               "INVALID_ARGUMENT")
        sheet, rng = self.resolve(a1)
        r0, c0 = rng.row0 or 0, rng.col0 or 0
        for dr, row in enumerate(values):
            for dc, value in enumerate(row):
                r, c = r0 + dr, c0 + dc
                if r >= sheet.row_count or c >= sheet.column_count:
                    raise FakeApiError(400, f"Range ({a1}) exceeds grid limits. Max rows: "
                                       f"{sheet.row_count}, max columns: {sheet.column_count}",
                                       "INVALID_ARGUMENT")
                cell = sheet.cell(r, c)
                cell.pop("userEnteredValue", None)
                cell.pop("effectiveValue", None)
                if value is None:
                    continue
                if option == "USER_ENTERED" and isinstance(value, str):
                    parsed = user_entered(value)
                    fmt = parsed.pop("userEnteredFormat", None)
                    cell.update(parsed)
                    if fmt:
                        cell["userEnteredFormat"] = fmt
                        cell["effectiveFormat"] = copy.deepcopy(fmt)
                else:
                    typed = write_cell(value)
                    if "userEnteredValue" in typed:
                        cell["userEnteredValue"] = typed["userEnteredValue"]
                        cell["effectiveValue"] = dict(typed["userEnteredValue"])
        rows = len(values)
        cols = max((len(r) for r in values), default=0)
        return {"spreadsheetId": self.id,
                "updatedRange": self._range_name(sheet, r0, c0, r0 + rows, c0 + max(cols, 1)),
                "updatedRows": rows, "updatedColumns": cols,
                "updatedCells": sum(len(r) for r in values)}

    def _values_append(self, a1: str, values: list[list[Any]], option: str) -> Json:
        """values.append: after the last row with data, growing the grid as needed."""
        sheet, _ = self.resolve(a1)
        start = sheet.last_data_row()
        sheet.row_count = max(sheet.row_count, start + len(values))
        title = a1.rpartition("!")[0] or a1
        updates = self._values_update(f"{title}!A{start + 1}", values, option)
        return {"spreadsheetId": self.id, "tableRange": self._range_name(
            sheet, 0, 0, max(start, 1), max(sheet.last_data_col(), 1)), "updates": updates}

    def _values_batch_update(self, payload: Json) -> Json:
        option = payload.get("valueInputOption", "")
        responses = [self._values_update(d["range"], d.get("values", []), option)
                     for d in payload.get("data", [])]
        return {"spreadsheetId": self.id,
                "totalUpdatedRows": sum(r["updatedRows"] for r in responses),
                "totalUpdatedColumns": sum(r["updatedColumns"] for r in responses),
                "totalUpdatedCells": sum(r["updatedCells"] for r in responses),
                "totalUpdatedSheets": len({r["updatedRange"].rpartition("!")[0]
                                           for r in responses}),
                "responses": responses}

    # ----- spreadsheets.batchUpdate: all requests or none ----------------------------------
    def _batch_update(self, payload: Json) -> Json:
        # all or nothing: copies of the sheets the batch names, to put back on failure
        named = _sheet_ids(payload) | {0}  # an absent sheetId means sheet 0
        order = list(self.sheets)
        copies = {s.sheet_id: pickle.dumps(s) for s in order
                  if s.sheet_id in named or s.charts}  # deleteEmbeddedObject names no sheet
        staged = (copy.deepcopy(self.developer_metadata), self._next_id)
        replies = []
        try:
            for i, request in enumerate(payload.get("requests", [])):
                try:
                    replies.append(apply_request(self, request))
                except FakeApiError as exc:
                    exc.message = f"Invalid requests[{i}].{next(iter(request), '?')}: {exc.message}"
                    raise
        except Exception:
            self.sheets = [pickle.loads(copies[s.sheet_id]) if s.sheet_id in copies else s
                           for s in order]
            self.developer_metadata, self._next_id = staged
            raise
        return {"spreadsheetId": self.id, "replies": replies}


def _sheet_ids(value: Any) -> set[int]:
    """Every ``sheetId`` named anywhere in a request body."""
    found: set[int] = set()
    if isinstance(value, dict):
        for k, v in value.items():
            if k == "sheetId" and isinstance(v, int):
                found.add(v)
            else:
                found |= _sheet_ids(v)
    elif isinstance(value, list):
        for v in value:
            found |= _sheet_ids(v)
    return found


class FakeApiError(Exception):
    def __init__(self, code: int, message: str, status: str = "INVALID_ARGUMENT") -> None:
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


def rendered(cell: Json, render: str, dates: str) -> Any:
    """One cell as values.get renders it ("" for an empty cell)."""
    if render == "FORMULA" and "formulaValue" in cell.get("userEnteredValue", {}):
        return cell["userEnteredValue"]["formulaValue"]
    value = cell.get("effectiveValue") or {}
    if not value:
        return ""
    if "errorValue" in value:
        return read_cell(cell)
    kind = cell.get("effectiveFormat", {}).get("numberFormat", {}).get("type", "")
    if render == "FORMATTED_VALUE" or (kind in ("DATE", "DATE_TIME") and dates != "SERIAL_NUMBER"):
        typed = read_cell(cell)
        if isinstance(typed, bool):
            return "TRUE" if typed else "FALSE"
        if isinstance(typed, datetime):
            return f"{typed.month}/{typed.day}/{typed.year} {typed:%H:%M:%S}"
        if isinstance(typed, date):
            return f"{typed.month}/{typed.day}/{typed.year}"
        return "" if typed is None else str(typed)
    for k in ("numberValue", "stringValue", "boolValue"):
        if k in value:
            return value[k]
    return ""


class FakeSheetsAdapter(BaseAdapter):
    """A ``requests`` transport adapter that answers from a FakeSheets, nothing on the wire."""

    def __init__(self, fake: FakeSheets) -> None:
        super().__init__()
        self.fake = fake

    def send(
        self, request: requests.PreparedRequest, stream: bool = False, timeout: Any = None,
        verify: Any = True, cert: Any = None, proxies: Any = None,
    ) -> requests.Response:
        body = request.body
        raw = body.encode() if isinstance(body, str) else (body or b"")
        status, text, ctype = self.fake.handle(request.method or "GET", request.url or "", raw)
        response = requests.Response()
        response.status_code = status
        response._content = text
        response.headers["Content-Type"] = ctype
        response.url = request.url or ""
        response.request = request
        response.reason = {200: "OK", 400: "Bad Request", 403: "Forbidden", 404: "Not Found",
                           429: "Too Many Requests"}.get(status, "Error")
        response.encoding = "utf-8"
        return response

    def close(self) -> None:
        pass


def fake_session(fake: FakeSheets) -> requests.Session:
    """A requests Session whose https traffic goes to ``fake``."""
    session = requests.Session()
    session.trust_env = False  # no proxy or netrc lookups from the environment
    session.mount("https://", FakeSheetsAdapter(fake))
    return session
