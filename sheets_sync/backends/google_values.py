"""Single cells of a Google spreadsheet as the Sheets API v4 spells them.

Reading: a ``CellData`` with ``effectiveValue`` (what the cell shows, formulas computed)
and ``effectiveFormat.numberFormat.type`` (whether a number is a date). Serial numbers
count days from 1899-12-30, as in Excel. Typing follows the .xlsx backend: whole numbers
become ints, "" becomes None, a DATE cell is a ``date``, a DATE_TIME cell a ``datetime``,
a TIME cell the text "10:30", text stays text (``"23E1231"`` is not a number).

Writing: ``userEnteredValue.stringValue`` / ``numberValue`` / ``boolValue``, never
``formulaValue``: the API stores a ``stringValue`` as text whatever it starts with, so
outside text can never become a formula. Dates go as serial numbers with a DATE number
format so that they show as dates.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime, timedelta
from typing import Any

from ..cells import SERIAL_EPOCH, CellValue, FormulaError, to_serial
from ..presentation import DATE, MOMENT
from ..workbook import column_letter as column_letter  # one home; Google modules find it here

DATE_PATTERN = DATE  # dd/mm/yyyy, as the look spec shows dates
DATETIME_PATTERN = MOMENT  # dd/mm/yyyy hh:mm
# the field mask of an updateCells that sets a value and its number format (or clears it)
VALUE_FIELDS = "userEnteredValue,userEnteredFormat.numberFormat"
_EXACT = 2**53
_MAX_SERIAL = 2958466  # 10000-01-01

# errorValue.type -> what the cell shows
ERROR_TEXT = {
    "ERROR": "#ERROR!",
    "NULL_VALUE": "#NULL!",
    "DIVIDE_BY_ZERO": "#DIV/0!",
    "VALUE": "#VALUE!",
    "REF": "#REF!",
    "NAME": "#NAME?",
    "NUM": "#NUM!",
    "N_A": "#N/A",
    "LOADING": "Loading...",
}


def _number(value: float | int) -> int | float:
    if isinstance(value, float) and value.is_integer() and abs(value) < _EXACT:
        return int(value)
    return value


def _time_text(serial: float) -> str:
    seconds = round((serial % 1) * 86400)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours % 24:02d}:{minutes:02d}" + (f":{secs:02d}" if secs else "")


def from_serial_cell(serial: float, kind: str) -> CellValue:
    """A number in a DATE / DATE_TIME / TIME formatted cell as the .xlsx backend reads it."""
    if kind == "TIME":
        return _time_text(serial)
    if not (0 <= serial < _MAX_SERIAL):
        return _number(serial)  # not a date a spreadsheet can show: keep the number
    moment = SERIAL_EPOCH + timedelta(days=serial)
    moment = moment.replace(microsecond=0) + timedelta(
        seconds=round(moment.microsecond / 1_000_000)
    )
    if kind == "DATE" and float(serial).is_integer():
        return moment.date()
    return moment


def read_cell(cell: Any) -> CellValue:
    """One ``CellData`` (a dict, possibly empty) as a Snapshot value."""
    if not isinstance(cell, dict):
        return None
    value = cell.get("effectiveValue")
    if not isinstance(value, dict) or not value:
        return None
    if "stringValue" in value:
        text = value["stringValue"]
        return text if isinstance(text, str) and text != "" else None
    if "boolValue" in value:
        return bool(value["boolValue"])
    if "numberValue" in value:
        number = value["numberValue"]
        if not isinstance(number, int | float) or isinstance(number, bool):
            return None
        kind = (
            cell.get("effectiveFormat", {}).get("numberFormat", {}).get("type", "")
            if isinstance(cell.get("effectiveFormat"), dict)
            else ""
        )
        if kind in ("DATE", "DATE_TIME", "TIME"):
            return from_serial_cell(float(number), kind)
        return _number(number)
    if "errorValue" in value:
        error = value["errorValue"]
        kind = error.get("type", "ERROR") if isinstance(error, dict) else "ERROR"
        return FormulaError(ERROR_TEXT.get(kind, "#ERROR!"))  # never a blank, never text
    return None


def _clean(text: str) -> str:
    """Lone surrogates cannot travel as UTF-8 JSON: each becomes U+FFFD."""
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return re.sub(r"[\ud800-\udfff]", "\ufffd", text)
    return text


def write_cell(value: CellValue) -> dict[str, Any]:
    """A ``CellData`` for ``VALUE_FIELDS``: typed explicitly, never a formula.

    Absent keys under the field mask are cleared, so None empties the cell and a number
    written where a date was loses the date format.
    """
    if value is None or (isinstance(value, str) and value == ""):
        return {}
    if isinstance(value, bool):
        return {"userEnteredValue": {"boolValue": value}}
    if isinstance(value, datetime):
        return {
            "userEnteredValue": {"numberValue": to_serial(value)},
            "userEnteredFormat": {
                "numberFormat": {"type": "DATE_TIME", "pattern": DATETIME_PATTERN}
            },
        }
    if isinstance(value, date):
        return {
            "userEnteredValue": {"numberValue": to_serial(value)},
            "userEnteredFormat": {"numberFormat": {"type": "DATE", "pattern": DATE_PATTERN}},
        }
    if isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            return {"userEnteredValue": {"stringValue": str(value)}}
        if isinstance(value, int) and abs(value) >= _EXACT:
            return {"userEnteredValue": {"stringValue": str(value)}}  # keep every digit
        return {"userEnteredValue": {"numberValue": value}}
    return {"userEnteredValue": {"stringValue": _clean(str(value))}}


def quote_title(title: str) -> str:
    """A sheet title as A1 notation wants it: 'Metal Log', 'O''Brien'."""
    return "'" + title.replace("'", "''") + "'"
