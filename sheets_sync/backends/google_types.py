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
  Instructions, Notes), so a launch sheet shows the date, not 46347.

Keys and references (Order Ref, Order Ref or Batch, Partner ...) are left as they are: a
key must read the same as the write-time look reads it. Grams and prices can be that
large, so they are left alone too.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any, Literal

from ..cells import CellValue, FormulaError
from ..contract import HUMAN_TABS, Kind, normalize
from ..presentation import DATE, LOOKS, MOMENT
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


def type_rows(tab: str, rows: Sequence[Sequence[Any]]) -> list[list[CellValue]]:
    """The rows of one tab (header row first) typed by their columns. On the human tabs a
    cell showing a formula error (the values API gives its text, "#DIV/0!") is read as a
    FormulaError, never as text a person typed."""
    if not rows:
        return []
    header = [h if isinstance(h, str) else ("" if h is None else str(h)) for h in rows[0]]
    kinds = column_kinds()
    t = normalize(tab)
    by_col = {i: k for i, h in enumerate(header) if (k := kinds.get((t, normalize(h))))}
    out: list[list[CellValue]] = [[type_value(v, None) for v in rows[0]]]
    if not by_col and t not in HUMAN_NAMES:
        out += [[None if v == "" else v for v in row] for row in rows[1:]]
        return out
    for row in rows[1:]:
        typed: list[CellValue] = [_cell(v) for v in row]
        for i, kind in by_col.items():
            if i < len(row):
                typed[i] = type_value(row[i], kind)
        out.append(typed)
    return out

