"""Typing the values of a lean read (``values:batchGet``, unformatted, dates as serials).

The values API gives each cell's value but not its number format, so a date comes back
as its serial number (days since 1899-12-30). Which numbers are dates is known from the
columns instead: the contract's DATE and DATETIME columns of the human tabs, and the
columns the product itself writes dates into (the ``DATE`` and ``MOMENT`` patterns of the
look spec in ``presentation``: ⚙ Next Due, ⚙ Sent At, Activity's Time, ...). In such a
column a number is a date (a whole number) or a moment (with a fraction; always a moment
in a moment column). Everything else is taken as the API gives it: text stays text,
numbers stay numbers, true/false are booleans, "" is an empty cell.

What the values API cannot tell is a date typed into a column the contract does not call
a date: it reads as its serial. Where that matters it is turned back into the date it
surely is, a whole number from 2000-01-01 to 2099-12-31 (serials 36526 to 73050):

* in a number column whose values are never that large (weights of one piece,
  quantities, days, hours, fineness, gravity, percentages), so the checks report "is a
  date, not a number" instead of taking 46,347 g of wax;
* in the free-text columns shown to partners and clients (Description, Size, stones,
  Instructions, Notes, a problem's Report and Decision), so a launch sheet shows the
  date, not 46347.

Keys and references (Order Ref, Order Ref or Batch, Partner ...) are left as they are: a
key must read the same as the write-time look reads it. Grams and prices can be that
large, so they are left alone too.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any, Literal

from ..cells import CellValue, FormulaError, to_text
from ..contract import HUMAN_TABS, Kind, normalize
from ..looks import LOOKS
from ..presentation import DATE, MOMENT
from ..workbook import Table
from .google_values import ERROR_TEXT, from_serial_cell

DateKind = Literal["date", "moment", "serial"]  # serial: a plausible date is one
HUMAN_NAMES = frozenset(normalize(t.name) for t in HUMAN_TABS)
SHOWN_ERRORS = frozenset(ERROR_TEXT.values())  # "#DIV/0!", "#N/A", ... as the API gives them
FIRST_SERIAL = 36526  # 2000-01-01
LAST_SERIAL = 73050  # 2099-12-31
# number columns that can hold numbers as large as a serial
LARGE_NUMBERS = frozenset({("metal log", "grams"), ("prices", "price per troy oz")})
# free text a partner or client reads (launch sheet, approval page, emails)
SHOWN_TEXT = frozenset({
    ("orders", "description"), ("orders", "size"), ("orders", "center stone"),
    ("orders", "side stones"), ("orders", "notes"), ("launches", "task"),
    ("launches", "instructions"), ("launches", "stones provided"), ("progress", "note"),
    ("metal log", "note"), ("clients", "preferences"), ("clients", "notes"),
    ("partner problems", "report"), ("partner problems", "decision"),
})


@lru_cache(maxsize=1)
def column_kinds() -> dict[tuple[str, str], DateKind]:
    """(normalized tab, normalized header) -> how its numbers are read."""
    out: dict[tuple[str, str], DateKind] = {}
    for tab in HUMAN_TABS:
        t = normalize(tab.name)
        for column in tab.columns:
            key = (t, normalize(column.name))
            if column.kind is Kind.DATE:
                out[key] = "date"
            elif column.kind is Kind.DATETIME:
                out[key] = "moment"
            elif column.kind in (Kind.NUMBER, Kind.INTEGER, Kind.PERCENT):
                if key not in LARGE_NUMBERS:
                    out[key] = "serial"
            elif key in SHOWN_TEXT:
                out[key] = "serial"
    for look in LOOKS:  # the dates and moments the product writes
        for spec in look.columns:
            if spec.pattern in (DATE, MOMENT):
                out[(normalize(look.tab), normalize(spec.header))] = (
                    "date" if spec.pattern == DATE else "moment")
    return out


def type_value(value: Any, kind: DateKind | None) -> CellValue:
    """One value of an unformatted read, as its column says."""
    if isinstance(value, str):
        return _cell(value)
    if isinstance(value, bool) or not isinstance(value, int | float) or kind is None:
        return value if isinstance(value, bool | int | float) else None
    if kind == "moment":
        return from_serial_cell(float(value), "DATE_TIME")
    if kind == "date":
        return from_serial_cell(float(value), "DATE")
    whole = isinstance(value, int) or float(value).is_integer()
    if whole and FIRST_SERIAL <= value <= LAST_SERIAL:
        return from_serial_cell(float(value), "DATE")
    return value


def _cell(value: Any) -> CellValue:
    """A human tab's value as the API gives it; the text of an error is a FormulaError."""
    if value == "":
        return None
    return FormulaError(value) if isinstance(value, str) and value in SHOWN_ERRORS else value


def parse_values(body: bytes) -> tuple[list[list[list[Any]]], bool]:
    """The rows of each range of a ``values.batchGet`` answer, an empty cell as None.

    The API writes an empty cell inside a row as ``""``; in compact JSON that is the token
    ``""`` right after ``[`` or ``,`` (inside a string a quote is always escaped), so it
    is turned into ``null`` before parsing, in C, instead of cell by cell afterwards. What
    is left (a reformatted answer) is cleaned cell by cell. Also says whether any text
    starts with "#", as the text of a formula error does."""
    text = body.replace(b',""', b",null").replace(b'[""', b"[null")
    answer = json.loads(text)
    ranges = [list(vr.get("values", [])) for vr in answer.get("valueRanges", [])]
    if b'""' in text:
        ranges = [[[None if v == "" else v for v in row] for row in rows] for rows in ranges]
    return ranges, b'"#' in text


def read_table(title: str, raw: list[list[Any]], errors: bool = True) -> tuple[Table, set[int]]:
    """One tab of a values read (header row first, empty cells None: ``parse_values``) as
    a Table, and the columns holding data. One pass over the rows, which become the
    table's rows as they are: blank rows are left out (their sheet row numbers kept), the
    cells of date columns are typed; dates repeat, so each serial is turned into a date
    once. On the human tabs a cell showing a formula error (the values API gives its text,
    "#DIV/0!") is read as a FormulaError, never as text a person typed; ``errors`` False:
    the answer has no text starting with "#", so no row is searched for one."""
    if not raw:
        return Table(title, [], [], []), set()
    headers = [to_text(type_value(v, None)) for v in raw[0]]
    width = len(headers)
    kinds = column_kinds()
    t = normalize(title)
    human = errors and t in HUMAN_NAMES
    dated: list[tuple[int, DateKind, dict[Any, CellValue]]] = [
        (i, k, {}) for i, h in enumerate(headers) if (k := kinds.get((t, normalize(h))))]
    rows: list[list[CellValue]] = []
    numbers: list[int] = []
    skipped = False
    widest = width
    pad = [None] * width
    for number, row in enumerate(raw[1:], start=2):
        if not row:
            skipped = True  # a blank row inside the data comes as []
            continue
        n = len(row)
        if n != width:
            if n > width:
                widest = max(widest, n)
                del row[width:]
            else:
                row.extend(pad[n:])
        cells: list[CellValue] = row
        if human and not SHOWN_ERRORS.isdisjoint(cells):  # a cell showing a formula error
            cells = [_cell(v) for v in cells]
        first = cells[0]
        if (first is None or (first.__class__ is str and first.isspace())) and not any(
                v is not None and (v.__class__ is not str or not v.isspace()) for v in cells):
            skipped = True
            continue
        for i, kind, cache in dated:
            value = cells[i]
            if value is None or value.__class__ is str or value.__class__ is bool:
                continue
            typed = cache.get(value, _MISSING)
            if typed is _MISSING:
                typed = cache[value] = type_value(value, kind)
            cells[i] = typed
        rows.append(cells)
        if skipped:
            numbers.append(number)
    if not skipped:
        numbers = list(range(2, 2 + len(rows)))
    elif len(numbers) < len(rows):  # the rows before the first blank one
        numbers = list(range(2, 2 + len(rows) - len(numbers))) + numbers
    return Table(title, headers, rows, numbers), set(range(widest))


_MISSING: Any = object()
