"""``looks.LOOKS`` on an openpyxl workbook: number patterns, wrapping, widths,
colours with a meaning, a frozen and filterable header row.

Runs on the workbook of each write, after the ChangeSet is applied and before the save
(a sync that changes nothing writes nothing, so the file keeps its looks untouched), and
on the workbooks the product creates (``created=True``: human columns too). Every
property is compared before it is set: what is already right is left alone.

Colours are conditional formats (expression rules, the first match winning, as on
Google), so they follow the values without the sync restyling cells. Ours are known by
their formula shape; a rule of ours that no longer sits on its column (someone moved the
column) is removed and drawn again on the column's new place.
"""

from __future__ import annotations

import math
import re
import textwrap
from collections.abc import Iterable
from copy import copy

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.formatting.formatting import ConditionalFormattingList
from openpyxl.formatting.rule import Rule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.styles.differential import DifferentialStyle
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.dimensions import ColumnDimension
from openpyxl.worksheet.worksheet import Worksheet

from ..contract import normalize
from ..looks import LOOKS
from ..presentation import ColumnLook, Highlight, TabLook, pages_wide, width_to_set

__all__ = ["apply_looks", "apply_look", "highlight_formula", "LAST_ROW"]

LAST_ROW = 1048576  # the whole column below the header, as a sheet grows and shrinks
LINE_HEIGHT = 15.0  # points: one line of Calibri 11, the default row
TAB_NAME = "&A"  # page header: the tab's name
PAGE_OF = "Page &P of &N"  # page footer
_OURS = re.compile(
    r'^(?:TRIM\(\$?[A-Z]{1,3}2\)="(?:[^"]|"")*"'
    r'|LEFT\(TRIM\(\$?[A-Z]{1,3}2\),\d+\)="(?:[^"]|"")*"'
    r'|ISNUMBER\(SEARCH\("(?:[^"]|"")*",\$?[A-Z]{1,3}2\)\)'
    r'|LEN\(TRIM\(\$?[A-Z]{1,3}2\)\)>0)$'
)


def apply_looks(book: Workbook, looks: Iterable[TabLook] = LOOKS, *, created: bool = False) -> None:
    """Every tab's look, on the tabs the workbook has."""
    sheets = {normalize(ws.title): ws for ws in book.worksheets}
    for look in looks:
        ws = sheets.get(normalize(look.tab))
        if ws is not None:
            apply_look(ws, look, created=created)


def _headers(ws: Worksheet) -> dict[str, int]:
    out: dict[str, int] = {}
    for (row, col), cell in ws._cells.items():  # private, but the one fast way in
        if row == 1 and cell._value is not None and str(cell._value).strip():
            out.setdefault(normalize(cell._value), col)
    return out


def apply_look(ws: Worksheet, look: TabLook, *, created: bool = False) -> None:
    """One tab's look. ``created``: the product made this workbook, so human columns are
    formatted and every width follows its content."""
    headers = _headers(ws)
    if not headers:
        return
    specs = [*look.columns, *(look.human if created else ())]
    columns = {headers[normalize(s.header)]: s for s in specs if normalize(s.header) in headers}
    cells: dict[int, list[Cell]] = {col: [] for col in columns}
    last_row = 1
    for (row, col), cell in ws._cells.items():
        if row < 2 or cell._value is None:
            continue
        last_row = max(last_row, row)
        if col in cells:
            cells[col].append(cell)
    owned = look.machine or created
    for col, spec in columns.items():
        _format_cells(cells[col], spec, top=owned)
        _set_width(ws, col, spec, [c._value for c in cells[col]], owned=owned)
    _fit_rows(ws, {col: cells[col] for col, spec in columns.items() if spec.wrap}, owned)
    _highlight(ws, {col: spec for col, spec in columns.items() if spec.highlights})
    if look.freeze and ws.freeze_panes is None:
        ws.freeze_panes = "A2"
    if look.machine or created or _page_setup_is_ours(ws):
        letters = [get_column_letter(c) for c in range(1, max(headers.values()) + 1)]
        dims = ws.column_dimensions
        widths = [dims[x].width if x in dims and dims[x].customWidth else None for x in letters]
        _print_setup(ws, 1 if look.machine else pages_wide(widths))
    if look.filter:
        wanted = f"A1:{get_column_letter(max(headers.values()))}{last_row}"
        if (look.machine or created or not ws.auto_filter.ref) and ws.auto_filter.ref != wanted:
            ws.auto_filter.ref = wanted


def _page_setup_is_ours(ws: Worksheet) -> bool:
    """The product set this tab's page up (its header and footer are still ours): it
    keeps the page width following the columns, e.g. when the sync adds ⚙ columns."""
    return bool(ws.oddHeader.center.text == TAB_NAME and ws.oddFooter.center.text == PAGE_OF)


def _print_setup(ws: Worksheet, pages: int) -> None:
    """Printed (or exported to PDF) as people read it: landscape, ``pages`` pages wide (a
    machine tab 1; a human tab of a workbook the product creates as many as its widths
    need, see ``pages_wide``), the header row on every page, the tab's name above and
    "Page 2 of 5" below each page. Only on tabs whose page setup is the product's."""
    setup = ws.page_setup
    if setup.orientation != "landscape":
        setup.orientation = "landscape"
    if setup.fitToWidth != pages or setup.fitToHeight != 0:
        setup.fitToWidth, setup.fitToHeight = pages, 0
    if not ws.sheet_properties.pageSetUpPr.fitToPage:
        ws.sheet_properties.pageSetUpPr.fitToPage = True
    if ws.print_title_rows != "1:1":
        ws.print_title_rows = "1:1"
    for part, text in ((ws.oddHeader.center, TAB_NAME), (ws.oddFooter.center, PAGE_OF)):
        if part.text != text:
            part.text = text


def _format_cells(cells: list[Cell], spec: ColumnLook, top: bool) -> None:
    """Pattern and wrapping; on a tab the product owns, text sits at the top of the row."""
    vertical = "top" if top else None
    align = Alignment(wrap_text=spec.wrap or None, vertical=vertical, indent=spec.indent,
                      horizontal="left" if spec.indent else None)
    for cell in cells:
        if spec.pattern is not None and cell.number_format != spec.pattern:
            cell.number_format = spec.pattern
        now = cell.alignment
        if (bool(now.wrap_text) != spec.wrap or (top and now.vertical != vertical)
                or int(now.indent or 0) != spec.indent):
            cell.alignment = align


def lines_needed(text: str, width: float) -> int:
    """Lines a wrapped cell of ``width`` characters needs to show ``text`` whole."""
    chars = max(int(width * 1.15) - 1, 4)  # an average letter is narrower than a digit
    return sum(max(1, len(textwrap.wrap(part, chars, break_long_words=True)))
               for part in text.splitlines() or [""])


def _fit_rows(ws: Worksheet, wrapped: dict[int, list[Cell]], owned: bool) -> None:
    """Row heights that show wrapped text whole (Excel and LibreOffice do not fit rows
    when they open a file; Google does by itself). On a tab the product owns, a row gets
    exactly the lines it needs. On a human tab only rows holding our wrapped ⚙ text are
    touched: a height that is a whole number of lines is taken as ours (it follows the
    text, up and down); any other height is a person's and only ever grows."""
    needed: dict[int, int] = {}
    for col, cells in wrapped.items():
        width = ws.column_dimensions[get_column_letter(col)].width or 13
        for cell in cells:
            text = str(cell._value)
            lines = lines_needed(text, width) if len(text) >= width - 1 or "\n" in text else 1
            needed[cell.row] = max(needed.get(cell.row, 1), lines)
    rows = set(needed)
    if owned:
        rows |= {r for r, dim in ws.row_dimensions.items() if r >= 2 and dim.height is not None}
    for row, lines in _lines_of_other_wrapped_cells(ws, rows, set(wrapped)).items():
        needed[row] = max(needed.get(row, 1), lines)
    for row in rows:
        lines = needed.get(row, 1)
        wanted = None if lines == 1 else lines * LINE_HEIGHT
        current = ws.row_dimensions[row].height if row in ws.row_dimensions else None
        if current == wanted:
            continue
        ours = current is None or math.isclose(current % LINE_HEIGHT, 0, abs_tol=0.01)
        grows = wanted is not None and (current is None or wanted > current)
        if owned or ours or grows:
            ws.row_dimensions[row].height = wanted


def _lines_of_other_wrapped_cells(ws: Worksheet, rows: set[int], ours: set[int]) -> dict[int, int]:
    """Lines the other wrapped cells of ``rows`` need (a person's Report or Notes set to
    wrap): a height we set must not cut them. Only read, never restyled."""
    out: dict[int, int] = {}
    for (row, col), cell in ws._cells.items():
        value = cell._value
        if row not in rows or col in ours or not isinstance(value, str) or not value.strip():
            continue
        if not cell.has_style or not cell.alignment.wrap_text:
            continue
        width = ws.column_dimensions[get_column_letter(col)].width or 13
        if len(value) >= width - 1 or "\n" in value:
            out[row] = max(out.get(row, 1), lines_needed(value, width))
    return out


def _dimension(ws: Worksheet, col: int) -> ColumnDimension | None:
    """The column's own dimension, splitting a group (``<col min=1 max=3>``, as Excel and
    LibreOffice save them) into one per column so a width is set on one column alone."""
    for key, dim in list(ws.column_dimensions.items()):
        low, high = dim.min or 0, dim.max or 0
        if low <= col <= high and high > low:
            del ws.column_dimensions[key]
            for c in range(low, high + 1):
                letter = get_column_letter(c)
                one = ColumnDimension(
                    ws, index=letter, width=dim.width, bestFit=dim.bestFit, hidden=dim.hidden,
                    outlineLevel=dim.outlineLevel, collapsed=dim.collapsed,
                    customWidth=dim.customWidth)
                one._style = copy(dim._style)  # the group's cell format (``style`` is its number)
                ws.column_dimensions[letter] = one
            break
    return ws.column_dimensions.get(get_column_letter(col))


def _set_width(ws: Worksheet, col: int, spec: ColumnLook, values: list[object],
               owned: bool) -> None:
    dim = _dimension(ws, col)
    current = dim.width if dim is not None and dim.customWidth else None
    width = width_to_set(spec, values, current, owned)  # type: ignore[arg-type]
    if width is not None:
        ws.column_dimensions[get_column_letter(col)].width = width


# ---- colours -------------------------------------------------------------------------------


def highlight_formula(h: Highlight, letter: str) -> str:
    """The expression rule of a highlight for the column ``letter`` (rows 2 down)."""
    cell = f"{letter}2"
    text = h.text.replace('"', '""')
    if h.match == "any":
        return f"LEN(TRIM({cell}))>0"
    if h.match == "equals":
        return f'TRIM({cell})="{text}"'
    if h.match == "starts":
        return f'LEFT(TRIM({cell}),{len(h.text)})="{text}"'
    return f'ISNUMBER(SEARCH("{text}",{cell}))'


def _rgb(colour: object) -> str:
    value = getattr(colour, "rgb", None)
    return str(value)[-6:].upper() if isinstance(value, str) else ""


def _signature(rule: Rule) -> tuple[str, str, str] | None:
    """(formula, fill, text colour) of one of our rules; None for anyone else's."""
    if rule.type != "expression" or len(rule.formula) != 1 or not _OURS.match(rule.formula[0]):
        return None
    dxf = rule.dxf
    fill = _rgb(dxf.fill.bgColor) if dxf is not None and dxf.fill is not None else ""
    font = _rgb(dxf.font.color) if dxf is not None and dxf.font is not None else ""
    return (rule.formula[0], fill, font)


def _wanted(h: Highlight, letter: str) -> tuple[str, str, str]:
    return (highlight_formula(h, letter), h.colour.fill.upper(), h.colour.text.upper())


def _rule(h: Highlight, letter: str) -> Rule:
    style = DifferentialStyle(
        font=Font(color=h.colour.text),
        fill=PatternFill(fill_type="solid", bgColor=h.colour.fill, fgColor=h.colour.fill),
    )
    return Rule(type="expression", formula=[highlight_formula(h, letter)], dxf=style,
                stopIfTrue=True)


def _highlight(ws: Worksheet, columns: dict[int, ColumnLook]) -> None:
    """Make the sheet's rules of ours exactly the wanted ones, touching nothing else."""
    wanted = {}
    for col, spec in columns.items():
        letter = get_column_letter(col)
        wanted[f"{letter}2:{letter}{LAST_ROW}"] = (letter, spec.highlights)
    kept: list[tuple[str, Rule]] = []
    have: dict[str, list[tuple[str, str, str]]] = {}
    changed = False
    for cf in ws.conditional_formatting:
        rng = str(cf.sqref)
        for rule in cf.rules:
            sig = _signature(rule)
            if sig is None:
                kept.append((rng, rule))
            else:
                have.setdefault(rng, []).append(sig)
    for rng, sigs in have.items():
        target = wanted.get(rng)
        if target is None or sigs != [_wanted(h, target[0]) for h in target[1]]:
            changed = True
    missing = [rng for rng, (letter, hs) in wanted.items()
               if have.get(rng) != [_wanted(h, letter) for h in hs]]
    if not changed and not missing:
        return
    fresh = ConditionalFormattingList()
    for rng, rule in kept:
        fresh.add(rng, rule)
    for rng, sigs in have.items():  # ours still right stay as they are
        target = wanted.get(rng)
        if target is not None and sigs == [_wanted(h, target[0]) for h in target[1]]:
            for h in target[1]:
                fresh.add(rng, _rule(h, target[0]))
    for rng in missing:
        letter, hs = wanted[rng]
        for h in hs:
            fresh.add(rng, _rule(h, letter))
    ws.conditional_formatting = fresh
