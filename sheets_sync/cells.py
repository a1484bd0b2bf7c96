"""Reading and writing single cell values: day-first dates, decimal commas, serials.

Everything here is pure: values in, values (or a CellError naming the problem) out.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from .errors import CellError

CellValue = str | int | float | bool | date | datetime | None


class FormulaError(str):
    """A cell whose formula failed, as the spreadsheet shows it ("#DIV/0!", "#NAME?",
    "#VALUE!", "#REF!", "#N/A" …). The backends read error cells as this (not as a blank,
    not as text a person typed), so that reading it as a column's value names the error
    instead of taking it for an empty cell or a zero."""

    __slots__ = ()

    def problem(self, column: str) -> str:
        """What to tell about it, e.g. "Quantity shows #DIV/0!: fix the formula there"."""
        return f"{column} shows {self}: fix the formula there"

# Spreadsheet serial day 0. Both Excel (1900 system, after 1 March 1900) and Google Sheets
# count days from 1899-12-30.
SERIAL_EPOCH = datetime(1899, 12, 30)

_MONTHS = {
    m: i + 1
    for i, ms in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ]
    )
    for m in ms
}

_DMY = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2}|\d{4})(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$")
_YMD = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?$")
_D_MON_Y = re.compile(r"^(\d{1,2})[ \-]([A-Za-z]{3,9})\.?[ \-,]*(\d{4})$")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def is_blank(value: CellValue) -> bool:
    """True for an empty cell: None, or text that is only white space."""
    return value is None or (isinstance(value, str) and not value.strip())


def looks_like_formula(text: str) -> bool:
    """True when a spreadsheet would take this text as a formula if it were typed in."""
    return text.startswith(_FORMULA_START)


def to_text(value: CellValue) -> str:
    """Any cell as text: 1001.0 -> "1001", dates as ISO, text stripped."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def parse_number(value: CellValue) -> float | None:
    """A number from a cell. "12,5" and "12.5" are 12.5; "1 234,5" and "1,234.5" are 1234.5.

    "1,234" is refused: it could be 1.234 or 1234.
    """
    if is_blank(value):
        return None
    if isinstance(value, bool):
        raise CellError(f"{to_text(value)!r} is not a number")
    if isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            raise CellError(f"{value!r} is not a number")
        return float(value)
    if isinstance(value, date):
        raise CellError(f"{to_text(value)!r} is a date, not a number")
    text = str(value).strip().replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
    for suffix in ("%", "g", "gr"):
        if text.lower().endswith(suffix) and len(text) > len(suffix):
            text = text[: -len(suffix)]
            break
    sign = ""
    if text[:1] in "+-":
        sign, text = text[0], text[1:]
    if not text or not re.fullmatch(r"[\d.,]+", text):
        raise CellError(f"{str(value).strip()!r} is not a number")
    has_dot, has_comma = "." in text, "," in text
    if has_dot and has_comma:
        # the last separator is the decimal one
        if text.rfind(",") > text.rfind("."):
            text = text.replace(".", "").replace(",", ".")
        else:
            text = text.replace(",", "")
    elif has_comma:
        head, _, tail = text.rpartition(",")
        if text.count(",") > 1:
            if not all(len(p) == 3 for p in text.split(",")[1:]):
                raise CellError(f"{str(value).strip()!r} is not a number")
            text = text.replace(",", "")
        elif len(tail) == 3 and head and head != "0":
            raise CellError(
                f"{str(value).strip()!r} is ambiguous: write 1234 or 1,5 without a thousands comma"
            )
        else:
            text = text.replace(",", ".")
    elif text.count(".") > 1:
        if not all(len(p) == 3 for p in text.split(".")[1:]):
            raise CellError(f"{str(value).strip()!r} is not a number")
        text = text.replace(".", "")
    try:
        return float(sign + text)
    except ValueError:
        raise CellError(f"{str(value).strip()!r} is not a number") from None


def parse_int(value: CellValue) -> int | None:
    number = parse_number(value)
    if number is None:
        return None
    if not number.is_integer():
        raise CellError(f"{to_text(value)!r} is not a whole number")
    return int(number)


def from_serial(serial: float) -> datetime:
    """A spreadsheet serial number (days since 1899-12-30) as a datetime."""
    if not (1 <= serial < 2958466):
        raise CellError(f"{serial!r} is not a date serial")
    return SERIAL_EPOCH + timedelta(days=serial)


def to_serial(value: date | datetime) -> float:
    """A date or datetime as a spreadsheet serial number."""
    if not isinstance(value, datetime):
        value = datetime.combine(value, time())
    delta = value.replace(tzinfo=None) - SERIAL_EPOCH
    return delta.days + delta.seconds / 86400 + delta.microseconds / 86_400_000_000


def _make(y: int, m: int, d: int, hh: int = 0, mm: int = 0, ss: int = 0, raw: str = "") -> datetime:
    if y < 100:
        y += 2000
    try:
        return datetime(y, m, d, hh, mm, ss)
    except ValueError:
        raise CellError(f"{raw!r} is not a real date (day/month/year)") from None


def parse_datetime(value: CellValue) -> datetime | None:
    """A moment from a cell: a real date cell, a serial, or text read day-first."""
    if is_blank(value):
        return None
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime.combine(value, time())
    if isinstance(value, bool):
        raise CellError(f"{to_text(value)!r} is not a date")
    if isinstance(value, int | float):
        return from_serial(float(value))
    raw = str(value).strip()
    text = raw
    if m := _DMY.match(text):
        d, mo, y, hh, mi, ss = m.groups()
        return _make(int(y), int(mo), int(d), int(hh or 0), int(mi or 0), int(ss or 0), raw)
    if m := _YMD.match(text):
        y, mo, d, hh, mi, ss = m.groups()
        return _make(int(y), int(mo), int(d), int(hh or 0), int(mi or 0), int(ss or 0), raw)
    if m := _D_MON_Y.match(text):
        d, mon, y = m.groups()
        month = _MONTHS.get(mon.lower())
        if month is None:
            raise CellError(f"{raw!r} is not a date: unknown month {mon!r}")
        return _make(int(y), month, int(d), raw=raw)
    raise CellError(f"{raw!r} is not a date; write it day first, like 21/11/2026")


def parse_date(value: CellValue) -> date | None:
    moment = parse_datetime(value)
    return None if moment is None else moment.date()


_TRUE = {"yes", "y", "true", "1", "x", "✓", "✔", "oui", "si", "ja"}
_FALSE = {"no", "n", "false", "0", "", "-", "non"}


def parse_bool(value: CellValue) -> bool | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value != 0
    text = str(value).strip().casefold()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise CellError(f"{str(value).strip()!r} is not yes or no")


_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)


def parse_link(value: CellValue) -> str | None:
    if is_blank(value):
        return None
    text = to_text(value)
    if not _URL.match(text):
        raise CellError(f"{text!r} is not a link (it should start with https://)")
    return text


def local_time(moment: datetime, zone: ZoneInfo) -> datetime:
    """An aware moment as the workshop's wall-clock time, to the second, without zone: how
    moments are stored in cells."""
    return moment.astimezone(zone).replace(tzinfo=None, microsecond=0)
