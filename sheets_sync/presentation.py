"""How the workbook looks, as data every backend reads: the staff's screen. The types
and the rules here; the look of each tab in ``looks``.

Three kinds of look, none of them tied to a backend (the .xlsx side turns them into
openpyxl styles in ``backends.xlsx_present``; the Google side into Sheets API requests):

* ``looks.LOOKS``: one ``TabLook`` per tab the product writes or creates. Each says which
  columns get a number pattern, wrapping, a width fitted to their content, and colours
  with a meaning (``Highlight``: cells whose text equals / starts with / contains a word,
  or any non-blank cell, get a fill and a text colour), plus a frozen, filterable header
  row. ``TabLook.columns`` are the product's own columns (every column of a machine tab,
  the ⚙ columns of a human tab): formatted in every workbook. ``TabLook.human`` are human
  columns: formatted **only in a workbook the product creates** (the demo, ``init
  --google``), never in a workbook people already keep; the product never restyles a
  human cell there.
* ``CHARTS``: line charts drawn into the KPIs tab from KPI Trends (with markers, so a
  month alone still shows).
* ``HEATMAPS``: a 3-colour scale on Load %.

How a backend applies a TabLook (both must give the same result, and write a look only
where it is missing or different, so a sync that changes no value writes nothing at all):

1. The tab and its columns are found by header, ``normalize``d (a ⚙ header is spelled
   ``"⚙ Risk"`` in ``ColumnLook.header``). A column the sheet lacks is skipped.
2. ``pattern`` is the cell number format, the same text in Excel, LibreOffice and the
   Sheets API's ``NumberFormat.pattern`` (``DATE`` "dd/mm/yyyy", ``MOMENT`` "dd/mm/yyyy
   hh:mm", ``GRAMS`` "0.00", ``TROY_OZ`` "0.000", ``MONEY`` "#,##0.00", ``PERCENT`` and
   ``HOURS`` "0.0", ``WHOLE`` "0"). It applies to the cells below the header; ``None``
   means "as written" (general). Every column the product writes dates into has ``DATE``
   or ``MOMENT``: Google's read types dates by column from these patterns. Money is shown
   with its currency: the Currency column stands right of every money column (Yields:
   Value Lost, Currency; Metal Stock: Value, Currency).
3. ``wrap``: long text wraps inside the column's width; on a tab the product owns, text
   sits at the top of its row. ``indent`` (levels of about 2 characters) keeps left
   aligned text off the right-aligned numbers of the column before it.
4. Width, in characters (a Calibri 11 digit; ``pixels()`` converts for Google):
   ``width_to_set(look, values, current, owned)`` says what to write, or None to leave
   the column as it is. On a tab the product owns (machine tabs, and every column of a
   workbook it creates) the width follows the content, within ``min_width`` and
   ``max_width``; on a ⚙ column of a human tab it only ever grows, so a person who widened
   it keeps their width, and a date never shows ``###``.
5. ``Highlight``s become conditional-format rules on the column below the header (no end
   row, so they follow the sheet as it grows), in spec order, the first match winning
   (Google's rule order; ``stopIfTrue`` on .xlsx): ``equals`` / ``starts`` / ``contains``
   compare the cell's text, case forgiven (Sheets ``TEXT_EQ``, ``TEXT_STARTS_WITH``,
   ``TEXT_CONTAINS``), ``any`` is any non-blank cell (``NOT_BLANK``). A rule is added only
   when the column lacks it; a rule of ours that no longer sits on its column is removed.
6. ``freeze``: the header row is frozen when the tab has no frozen rows yet; ``filter``: a
   basic filter over the used range is set when the tab has none (a machine tab's filter
   is stretched to its rows; a person's filter on a human tab is left alone).

Adding a look: add a ``ColumnLook`` to the tab's entry in ``looks``; both backends pick
it up, and ``tests/test_looks.py`` checks every look names a real column.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from .cells import CellValue
from .contract import KPI_TRENDS, KPIS, LOAD, normalize

# ---- number patterns (Excel, LibreOffice and the Sheets API spell them alike) ----------

DATE = "dd/mm/yyyy"
MOMENT = "dd/mm/yyyy hh:mm"
GRAMS = "0.00"
TROY_OZ = "0.000"
MONEY = "#,##0.00"
PERCENT = "0.0"  # percentage points: 3.5 means 3.5 %
HOURS = "0.0"
WHOLE = "0"
RATIO = "0.00"  # specific gravity


@dataclass(frozen=True)
class Colour:
    """A cell fill and its text colour, as RRGGBB hex."""

    fill: str
    text: str


RED = Colour("FFC7CE", "9C0006")
AMBER = Colour("FFEB9C", "7F4F00")
GREEN = Colour("C6EFCE", "006100")
GREY = Colour("E7E6E6", "595959")
BLUE = Colour("DDEBF7", "1F4E78")

Match = Literal["equals", "starts", "contains", "any"]


@dataclass(frozen=True)
class Highlight:
    """Cells whose text ``match``es ``text`` (case forgiven) take ``colour``; ``any``
    ignores ``text`` and takes every non-blank cell."""

    text: str
    colour: Colour
    match: Match = "equals"

    def applies(self, value: CellValue) -> bool:
        """Whether a cell holding ``value`` takes this colour (for tests and previews)."""
        shown_text = "" if value is None else str(value).strip()
        if self.match == "any":
            return bool(shown_text)
        a, b = shown_text.casefold(), self.text.casefold()
        if self.match == "equals":
            return a == b
        if self.match == "starts":
            return a.startswith(b)
        return b in a


@dataclass(frozen=True)
class ColumnLook:
    """How one column looks. ``header`` as the product spells it (``"⚙ Risk"`` on a
    human tab). Widths in characters."""

    header: str
    pattern: str | None = None
    wrap: bool = False
    min_width: int = 6
    max_width: int = 40
    highlights: tuple[Highlight, ...] = ()
    indent: int = 0  # text kept off a number column on its left (xlsx indent, Sheets padding)


@dataclass(frozen=True)
class TabLook:
    tab: str
    columns: tuple[ColumnLook, ...]  # the product's own columns: formatted everywhere
    human: tuple[ColumnLook, ...] = ()  # human columns: only in a workbook we create
    machine: bool = False  # the product owns the whole tab
    freeze: bool = True  # header row frozen
    filter: bool = True  # header row filterable

    def column(self, header: str) -> ColumnLook | None:
        wanted = normalize(header)
        return next((c for c in (*self.columns, *self.human) if normalize(c.header) == wanted), None)


# ---- what a cell shows, and widths ---------------------------------------------------------


def decimals(pattern: str | None) -> int | None:
    """Digits after the point a pattern shows ("0.00" -> 2, "0" -> 0); None when the
    pattern is not a plain number pattern."""
    if pattern is None or any(ch in pattern for ch in "dmyh"):
        return None
    _, dot, tail = pattern.partition(".")
    return len(tail) - len(tail.lstrip("0")) if dot else 0


def shown(value: CellValue, pattern: str | None = None) -> str:
    """A cell's value as the sheet shows it under ``pattern`` (dates day first, numbers
    with the pattern's decimals and thousands commas)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y" if pattern == DATE else "%d/%m/%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            return repr(value)
        places = decimals(pattern)
        if places is None:
            number = f"{value:.10g}" if isinstance(value, float) else str(value)
            return number
        text = f"{value:,.{places}f}" if pattern and "," in pattern else f"{value:.{places}f}"
        return "0" + text[2:] if text.startswith("-0") and float(text) == 0 else text
    return str(value)


HEADER_EXTRA = 4  # bold text and the filter button of the header cell


def fitted_width(look: ColumnLook, values: Iterable[CellValue]) -> int:
    """The width (characters) that shows the header and every value whole, in bounds;
    wrapped columns are held to ``max_width`` and their text wraps."""
    widest = len(look.header) + HEADER_EXTRA
    if look.pattern in (DATE, MOMENT):  # room for a date even before the first one comes
        widest = max(widest, len(look.pattern) + 2)
    for value in values:
        text = shown(value, look.pattern)
        if text:
            widest = max(widest, max(len(line) for line in text.splitlines()) + 2)
    return max(look.min_width, min(look.max_width, widest))


def width_to_set(look: ColumnLook, values: Iterable[CellValue], current: float | None,
                 owned: bool) -> int | None:
    """The width to write for a column, or None to leave it. ``current``: the width the
    sheet has now (None when it has the default); ``owned``: the product owns the column's
    width (a machine tab, a workbook it creates): it then follows the content; else (a ⚙
    column on a human tab) it only grows."""
    wanted = fitted_width(look, values)
    if current is None:
        return wanted
    if owned:
        return None if math.isclose(current, wanted, abs_tol=0.5) else wanted
    return wanted if wanted > current + 0.5 else None


PAGE_CHARS = 150  # characters of Calibri 11 across a landscape page, at most ~90 % scale
DEFAULT_WIDTH = 8.43  # a column nobody sized (Excel's and LibreOffice's default)


def pages_wide(widths: Iterable[float | None]) -> int:
    """Pages across that print a tab of these column widths readably: a tab that fits
    one page at a fair scale is one page wide; a wide one (Orders) is split in fewer,
    scaled pages rather than one column per page."""
    total = sum(DEFAULT_WIDTH if w is None else w for w in widths)
    return max(1, math.ceil(total / PAGE_CHARS))


PX_PER_CHAR = 7
PX_PADDING = 10


def pixels(chars: float) -> int:
    """A width in characters as Google's pixelSize (Arial 10: ~7 px a digit)."""
    return int(round(chars * PX_PER_CHAR + PX_PADDING))


# ---- charts and heatmaps ---------------------------------------------------------------------


@dataclass(frozen=True)
class Chart:
    """A line chart drawn into ``sheet`` at ``anchor`` (its top-left cell) from ``data_tab``.

    ``data_tab`` holds blocks of rows: a block is a run of rows with the same
    ``group_column`` value, each block the same months. ``series`` are columns drawn over
    the first block only; ``per_group`` (if set) is a column drawn once per block, each
    series named by its group value. Categories: ``x_column`` of the first block. Every
    line has a marker on each point (``markers``), so a month with no neighbour still
    shows.
    """

    title: str
    sheet: str
    data_tab: str
    x_column: str
    series: tuple[str, ...]
    anchor: str
    y_title: str
    per_group: str | None = None
    group_column: str = "Alloy"
    markers: bool = True

    def blocks(self, groups: Sequence[object]) -> list[tuple[str, int, int]]:
        """(group, first, last) 0-based positions of each run in ``groups`` (the
        ``group_column`` cells below the header, in order), blank cells ending the data."""
        out: list[tuple[str, int, int]] = []
        for i, value in enumerate(groups):
            if value is None or not str(value).strip():
                break
            name = str(value).strip()
            if out and out[-1][0] == name and out[-1][2] == i - 1:
                out[-1] = (name, out[-1][1], i)
            else:
                out.append((name, i, i))
        return out


@dataclass(frozen=True)
class Heatmap:
    """A 3-colour scale on ``column`` of ``tab`` (rows 2 down): numbers at or below
    ``low`` take ``low_color``, ``mid`` ``mid_color``, at or above ``high`` ``high_color``."""

    tab: str
    column: str
    low: float = 0
    mid: float = 85
    high: float = 120
    low_color: str = "63BE7B"  # green
    mid_color: str = "FFC000"  # amber
    high_color: str = "F8696B"  # red


CHARTS: tuple[Chart, ...] = (
    Chart(
        "Yield Variance Rate by alloy",
        KPIS.name,
        KPI_TRENDS.name,
        "Month",
        ("YVR Target %",),
        "J2",
        "YVR %",
        per_group="YVR %",
    ),
    Chart(
        "Delivery Promise Adherence",
        KPIS.name,
        KPI_TRENDS.name,
        "Month",
        ("CDPA %", "CDPA Target %"),
        "J20",
        "CDPA %",
    ),
    Chart(
        "On-time acknowledgement",
        KPIS.name,
        KPI_TRENDS.name,
        "Month",
        ("On-time Ack %", "On-time Ack Target %"),
        "J38",
        "On-time Ack %",
    ),
)
HEATMAPS: tuple[Heatmap, ...] = (Heatmap(LOAD.name, "Load %"),)
