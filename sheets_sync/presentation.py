"""How the workbook looks, as data every backend reads: the staff's screen.

Three kinds of look, none of them tied to a backend (the .xlsx side turns them into
openpyxl styles in ``backends.xlsx_present``; the Google side into Sheets API requests):

* ``LOOKS``: one ``TabLook`` per tab the product writes or creates. Each says which
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

Adding a look: add a ``ColumnLook`` to the tab's ``TabLook`` below; both backends pick it
up, and ``tests/test_presentation.py`` checks every look names a real column.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Literal

from .cells import CellValue
from .contract import (
    ACTIVITY,
    HUMAN_TABS,
    KPI_TRENDS,
    KPIS,
    LOAD,
    MACHINE_TABS,
    METAL_STOCK,
    PROBLEMS,
    TODAY,
    YIELDS,
    Kind,
    MachineTab,
    Tab,
    machine_header,
    normalize,
)

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


# ---- colours with a meaning ------------------------------------------------------------

RISK_COLOURS = (
    Highlight("Late", RED),
    Highlight("At risk", AMBER),
    Highlight("On track", GREEN),
    Highlight("Delivered", GREY, "starts"),
)
LAUNCH_COLOURS = (
    Highlight("Blocked", RED, "starts"),
    Highlight("Problem", RED),
    Highlight("Escalated", RED),
    Highlight("Overdue", AMBER),
    Highlight("Sent", BLUE),
    Highlight("Acknowledged", GREEN),
)
ORDER_LAUNCH_COLOURS = (  # "L-009: Sent; L-015: Blocked: incomplete sheet"
    Highlight("Blocked", RED, "contains"),
    Highlight("Problem", RED, "contains"),
    Highlight("Escalated", RED, "contains"),
    Highlight("Overdue", AMBER, "contains"),
)
APPROVAL_COLOURS = (
    Highlight("Changes requested", RED),
    Highlight("Pending", AMBER),
    Highlight("Approved", GREEN),
)
SEVERITY_COLOURS = (Highlight("error", RED), Highlight("warning", AMBER))
FLAG_COLOURS = (  # a job still running ("open: 5.00 g not back yet") is news, not an alarm
    Highlight("open:", BLUE, "starts"),
    Highlight("", RED, "any"),
)
MET_COLOURS = (Highlight("met", GREEN), Highlight("missed", RED))
CHECK_COLOURS = (Highlight("OK", GREEN), Highlight("", AMBER, "any"))
PROBLEM_STATE_COLOURS = (
    Highlight("Awaiting decision", RED),
    Highlight("Decided", AMBER),
    Highlight("Sent", GREEN),
)
URGENCY_COLOURS = (
    Highlight("Now", RED),
    Highlight("Today", AMBER),
    Highlight("This week", BLUE),
    Highlight("Nothing", GREEN, "starts"),
)


def _gear(name: str, pattern: str | None = None, *, wrap: bool = False, max_width: int = 40,
          highlights: tuple[Highlight, ...] = (), indent: int = 0) -> ColumnLook:
    return ColumnLook(machine_header(name), pattern, wrap, 6, max_width, highlights, indent)


def _long(header: str) -> ColumnLook:
    """Sentences (⚙ Check, Missing, Problem, Comment): wrapped."""
    return ColumnLook(header, wrap=True, min_width=24, max_width=60)


def _link(header: str) -> ColumnLook:
    """A long URL: cut at a readable width, never wrapped."""
    return ColumnLook(header, max_width=28)


_TEXT_WIDTH = 40

# ⚙ columns of the human tabs
_MACHINE_COLUMNS: dict[str, tuple[ColumnLook, ...]] = {
    "Orders": (
        _gear("Stage", max_width=18),
        _gear("Status"),
        _gear("Next Due", DATE),
        _gear("Slack (days)", WHOLE),
        _gear("Risk", highlights=RISK_COLOURS),
        _gear("Approval", highlights=APPROVAL_COLOURS),
        _gear("Launch", wrap=True, max_width=36, highlights=ORDER_LAUNCH_COLOURS, indent=1),
        _gear("Loss %", PERCENT),
        replace(_long(machine_header("Check")), highlights=CHECK_COLOURS),
    ),
    "Launches": (
        _gear("State", highlights=LAUNCH_COLOURS),
        _long(machine_header("Missing")),
        _gear("Sent At", MOMENT),
        _gear("Reminded At", MOMENT),
        _gear("Escalated At", MOMENT),
        _gear("Acknowledged At", MOMENT),
        _gear("Acknowledged By"),
        _gear("Response Hours", HOURS),
        _long(machine_header("Problem")),
        _link(machine_header("Link")),
    ),
    "Approvals": (
        _gear("State", highlights=APPROVAL_COLOURS),
        _gear("Sent At", MOMENT),
        _gear("Reminded At", MOMENT),
        _gear("Answered At", MOMENT),
        _gear("Answered By"),
        _long(machine_header("Comment")),
        _link(machine_header("Link")),
    ),
    "Partner Problems": (
        _gear("State", highlights=PROBLEM_STATE_COLOURS),
        _gear("Decided At", MOMENT),
        _gear("Hours To Decision", HOURS),
        _long(machine_header("Sent Decision")),
        _gear("Sent At", MOMENT),
        _gear("Version", WHOLE),
    ),
}

# human columns whose look is not told by their kind alone
_HUMAN_PATTERNS = {
    "price per troy oz": MONEY,
    "specific gravity": RATIO,
    "fineness": WHOLE,
    "ack hours": WHOLE,
    "escalate hours": WHOLE,
    "hours per week": WHOLE,
    "step": WHOLE,
    "days": WHOLE,
}
_HUMAN_LONG = {"description", "notes", "note", "instructions", "preferences", "report",
               "decision"}
_HUMAN_IDS = {"problem id"}  # long generated keys: cut at a readable width


def _human_look(tab: Tab) -> tuple[ColumnLook, ...]:
    out = []
    for c in tab.columns:
        name = normalize(c.name)
        if name in _HUMAN_LONG:
            out.append(ColumnLook(c.name, wrap=True, min_width=20, max_width=_TEXT_WIDTH))
        elif c.kind is Kind.LINK or name in _HUMAN_IDS:
            out.append(_link(c.name))
        elif c.kind is Kind.DATE:
            out.append(ColumnLook(c.name, DATE))
        elif c.kind is Kind.DATETIME:
            out.append(ColumnLook(c.name, MOMENT))
        elif c.kind is Kind.PERCENT:
            out.append(ColumnLook(c.name, PERCENT))
        elif c.kind is Kind.INTEGER:
            out.append(ColumnLook(c.name, WHOLE))
        elif name in _HUMAN_PATTERNS:
            out.append(ColumnLook(c.name, _HUMAN_PATTERNS[name]))
        elif c.kind is Kind.NUMBER and ("(g)" in name or name == "grams"):
            out.append(ColumnLook(c.name, GRAMS))
        else:
            out.append(ColumnLook(c.name))
    return tuple(out)


def _col(header: str, pattern: str | None = None, *, wrap: bool = False, min_width: int = 6,
         max_width: int = 40, highlights: tuple[Highlight, ...] = (), indent: int = 0) -> ColumnLook:
    return ColumnLook(header, pattern, wrap, min_width, max_width, highlights, indent)


# machine tabs, every column (a header not named here gets the plain look)
_MACHINE_TAB_COLUMNS: dict[str, tuple[ColumnLook, ...]] = {
    PROBLEMS.name: (
        _col("Column", max_width=22),
        _col("Severity", highlights=SEVERITY_COLOURS),
        _col("Message", wrap=True, min_width=40, max_width=80),
        _col("First Seen", DATE),
    ),
    YIELDS.name: (
        *(_col(h, GRAMS) for h in ("Issued (g)", "Finished (g)", "Scrap (g)", "Loss (g)",
                                   "Theoretical (g)", "Fine Lost (g)")),
        _col("Loss %", PERCENT),
        _col("Yield Variance %", PERCENT),
        _col("Value Lost", MONEY),
        _col("Price As Of", DATE),
        _col("Flag", wrap=True, max_width=50, highlights=FLAG_COLOURS),
    ),
    METAL_STOCK.name: (
        *(_col(h, GRAMS) for h in ("Book (g)", "Fine (g)", "Count (g)", "Count Variance (g)")),
        _col("Fine Troy Oz", TROY_OZ),
        _col("Value", MONEY),
        _col("Price As Of", DATE),
        _col("Recycled %", PERCENT),
        _col("Last Count", DATE),
        _col("Flag", wrap=True, max_width=50, highlights=FLAG_COLOURS),
    ),
    LOAD.name: (
        _col("Week Of", DATE),
        _col("Planned Hours", HOURS),
        _col("Capacity Hours", HOURS),
        _col("Load %", PERCENT),
    ),
    KPIS.name: (
        _col("Month", min_width=18),
        _col("KPI", max_width=44),
        _col("Basis", wrap=True, min_width=30, max_width=50, indent=1),
        _col("Met", highlights=MET_COLOURS, indent=1),
    ),
    KPI_TRENDS.name: tuple(_col(h, PERCENT) for h in KPI_TRENDS.headers if h.endswith("%")),
    TODAY.name: (
        _col("Urgency", highlights=URGENCY_COLOURS),
        _col("What", wrap=True, min_width=40, max_width=70),
        _col("Who", wrap=True, max_width=26),
        _col("Since", DATE),
        _col("Waiting", max_width=36),  # "2 working days past its launch date"
        _col("Key", max_width=24),
    ),
    ACTIVITY.name: (
        _col("Time", MOMENT),
        _col("Ref", max_width=16),
        _col("Detail", wrap=True, min_width=40, max_width=80),
        _col("ID", max_width=70),  # the last column: shown whole, not spilling off the page
    ),
}


def kept_off_numbers(columns: Sequence[ColumnLook]) -> tuple[ColumnLook, ...]:
    """Text right of a number or date column (right-aligned) gets an indent, so the two
    never touch ("25/11/2026 4 working days", not "25/11/20264 working days"). For
    columns in the order the sheet has them: a machine tab's, a tab the product creates."""
    out = list(columns)
    for i in range(1, len(out)):
        if out[i].pattern is None and out[i - 1].pattern is not None and not out[i].indent:
            out[i] = replace(out[i], indent=1)
    return tuple(out)


def _machine_tab_look(tab: MachineTab) -> TabLook:
    named = {normalize(c.header): c for c in _MACHINE_TAB_COLUMNS.get(tab.name, ())}
    columns = tuple(named.get(normalize(h), ColumnLook(h)) for h in tab.headers)
    return TabLook(tab.name, kept_off_numbers(columns), machine=True)


def tab_looks(machine_tabs: Sequence[MachineTab] = MACHINE_TABS,
              human_tabs: Sequence[Tab] = HUMAN_TABS) -> tuple[TabLook, ...]:
    """The looks of the given tabs (the contract's, by default)."""
    return (
        *(TabLook(t.name, _MACHINE_COLUMNS.get(t.name, ()), kept_off_numbers(_human_look(t)))
          for t in human_tabs),
        *(_machine_tab_look(t) for t in machine_tabs),
    )


LOOKS: tuple[TabLook, ...] = tab_looks()


def look_of(tab: str) -> TabLook | None:
    wanted = normalize(tab)
    return next((t for t in LOOKS if normalize(t.tab) == wanted), None)


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
