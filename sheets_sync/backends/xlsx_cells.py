"""Single cells of a local .xlsx workbook: what calamine reads, what openpyxl writes.

Reading (calamine) turns whole floats into ints, "" into None, and times/durations into
text ("10:30", "30:00"). Writing (openpyxl) keeps every ``str`` plain text, whatever it
starts with, and stores dates and datetimes as real, formatted dates.

Text that XML cannot hold is escaped the way Excel itself does it, as ``_xHHHH_``: a
carriage return becomes ``_x000D_``, a control character such as U+0001 ``_x0001_``, and
a literal ``_x0041_`` in the text gets its underscore escaped (``_x005F_x0041_``) so that
readers give back the exact text. Only lone surrogates, which no file can hold, are
replaced by U+FFFD.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime, time, timedelta
from typing import Any

from openpyxl.cell.cell import Cell
from openpyxl.styles import Font, PatternFill

from ..cells import CellValue, looks_like_formula
from ..presentation import DATE as DATE_FORMAT
from ..presentation import MOMENT as DATETIME_FORMAT

MACHINE_FILL = PatternFill(fill_type="solid", fgColor="DCE6F1")  # light grey-blue
MACHINE_FONT = Font(name="Calibri", bold=True, color="1F3864")
MACHINE_TAB_COLOR = "5B7DB1"
# ints beyond this are not exact as spreadsheet numbers (IEEE doubles)
_EXACT = 2**53

# Characters an XML 1.0 file cannot hold, and \r (XML turns it into \n on reading).
_NEEDS_ESCAPE = re.compile(r"[\x00-\x08\x0b-\x1f\ufffe\uffff]|_(?=x[0-9A-Fa-f]{4}_)")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def _escape(match: re.Match[str]) -> str:
    return f"_x{ord(match.group()):04X}_"


def clean_text(text: str) -> str:
    """Text as stored in the file so that a reader gives back exactly ``text``."""
    text = _SURROGATE.sub("\ufffd", text)
    return _NEEDS_ESCAPE.sub(_escape, text)


def from_calamine(value: Any) -> CellValue:
    """A value as python-calamine returns it, as a Snapshot cell."""
    if isinstance(value, str):
        return value if value != "" else None
    if isinstance(value, bool):
        return value
    if isinstance(value, float):
        if value.is_integer() and abs(value) < _EXACT:
            return int(value)
        return value
    if isinstance(value, int | date):  # date and datetime
        return value
    if isinstance(value, time):
        return value.isoformat(timespec="seconds" if value.second else "minutes")
    if isinstance(value, timedelta):
        total = int(value.total_seconds())
        sign, total = ("-", -total) if total < 0 else ("", total)
        hours, rest = divmod(total, 3600)
        minutes, seconds = divmod(rest, 60)
        return f"{sign}{hours}:{minutes:02d}" + (f":{seconds:02d}" if seconds else "")
    return None if value is None else str(value)


def put(cell: Cell, value: CellValue) -> None:
    """Store ``value`` in an openpyxl cell by the backend rules (text is never a formula)."""
    if value is None:
        cell.value = None
        return
    if isinstance(value, str):
        text = clean_text(value)
        if text == "":
            cell.value = None
            return
        cell.value = text
        cell.data_type = "s"  # openpyxl made "=..." a formula and "#N/A" an error: undo
        prefix = looks_like_formula(text)
        if bool(cell.quotePrefix) != prefix:
            cell.quotePrefix = prefix
        return
    if isinstance(value, bool):
        cell.value = value
        return
    if isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            put(cell, repr(value))  # "nan"/"inf" cannot be stored as numbers
            return
        cell.value = value
        return
    if isinstance(value, datetime):
        cell.value = value.replace(tzinfo=None)  # xlsx has no time zones: keep wall time
        cell.number_format = DATETIME_FORMAT
        return
    if isinstance(value, date):
        cell.value = value
        cell.number_format = DATE_FORMAT
        return
    raise TypeError(f"cannot store a {type(value).__name__} in a cell")


def style_machine_header(cell: Cell) -> None:
    cell.fill = MACHINE_FILL
    cell.font = MACHINE_FONT
