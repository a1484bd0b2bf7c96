"""The fake Sheets API's test hooks: the call log, injected faults, and human edits.

``Call`` records every request with its bytes; a ``Fault`` answers a call with a 429/5xx,
an HTML 502, a timeout or a connection reset (optionally after the write landed); human
edits do to a sheet what staff do in the browser (set, sort, insert and delete rows).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from ..backends.google_values import read_cell, write_cell
from .fake_sheets_model import Json, Sheet, parse_a1
from .fake_sheets_values import user_entered

if TYPE_CHECKING:
    from .fake_sheets import FakeSheets


# ----- the call log and injected faults ----------------------------------------------------
@dataclass
class Call:
    method: str
    path: str  # e.g. "/v4/spreadsheets/KEY/values:batchGet"
    query: dict[str, list[str]]
    request_bytes: int  # URL + body, as sent
    response_bytes: int
    status: int
    body: Json | None = None
    response_gzip_bytes: int = 0  # the answer gzip-compressed, whether or not it was sent so
    wire_bytes: int = 0  # the answer as it travelled (compressed when the caller asked)
    seconds: float = 0.0  # the fake's own time on this call

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


def pick_fault(faults: list[Fault], method: str, path: str) -> Fault | None:
    """Take the first queued fault that applies to this call off the queue."""
    probe = Call(method, path, {}, 0, 0, 0)
    for i, fault in enumerate(faults):
        if probe.kind.startswith(fault.applies_to):
            return faults.pop(i)
    return None


def fault_answer(fault: Fault) -> tuple[int, bytes, str]:
    """(status, body, content type) as Google answers that failure."""
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


# ----- human edits (what staff do in the browser) --------------------------------------------
def put_cell(sheet: Sheet, row: int, col: int, value: Any) -> None:
    """Store a Python value (or a CellData dict) at 0-based (row, col), as typed-in data."""
    data = write_cell(value) if not isinstance(value, dict) else value
    cell = sheet.cell(row, col)
    cell.clear()
    cell.update(copy.deepcopy(data))
    if "userEnteredValue" in cell:
        cell["effectiveValue"] = dict(cell["userEnteredValue"])
    if "userEnteredFormat" in cell:
        cell["effectiveFormat"] = copy.deepcopy(cell["userEnteredFormat"])


def human_set(fake: FakeSheets, title: str, a1: str, value: Any, *, typed: bool) -> None:
    sheet = fake.sheet(title)
    rng = parse_a1(a1)
    row, col = rng.row0 or 0, rng.col0 or 0
    if typed and isinstance(value, str):
        sheet.cell(row, col).clear()
        sheet.cell(row, col).update(user_entered(value))
    else:
        fake._put(sheet, row, col, value)


def replace_tabs(fake: FakeSheets, tabs: Mapping[str, Sequence[Sequence[Any]]]) -> None:
    kept = {s.title: s for s in fake.sheets}
    fake.sheets = []
    for title, rows in tabs.items():
        old = kept.get(title)
        sheet = fake.add_sheet(title, [list(r) for r in rows])
        if old is not None:
            sheet.sheet_id = old.sheet_id
            sheet.row_count = max(sheet.row_count, old.row_count)
            sheet.column_count = max(sheet.column_count, old.column_count)


def human_sort(sheet: Sheet, column: int, *, reverse: bool) -> None:
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


def human_insert_rows(sheet: Sheet, before_row: int, count: int) -> None:
    for _ in range(count):
        if before_row - 1 <= len(sheet.rows):
            sheet.rows.insert(before_row - 1, [])
    sheet.row_count += count


def human_delete_rows(sheet: Sheet, row: int, count: int) -> None:
    del sheet.rows[row - 1 : row - 1 + count]
    sheet.row_count -= count
