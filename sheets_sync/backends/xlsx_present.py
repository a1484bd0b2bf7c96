"""How the .xlsx workbook looks: ``looks.LOOKS`` (see ``xlsx_looks``), and the
charts and heatmaps drawn from ``presentation.CHARTS``/``HEATMAPS``.

Runs on the openpyxl workbook of each write, after the ChangeSet is applied and before
the save, so it sees the rows this sync wrote. openpyxl 3.1 reads charts back only in
part, and a chart it did read would be drawn twice: every write clears the charts of the
sheets charts are drawn into (machine tabs: the product owns them) and draws them again
from the data as it now is. A sync that changes nothing writes nothing, so the file keeps
its charts untouched.

Conditional formatting does survive openpyxl's load, so a heatmap is added only when the
sheet has no colour scale on that exact range yet: writes never pile rules up.
"""

from __future__ import annotations

from openpyxl import Workbook
from openpyxl.chart import LineChart, Reference, Series
from openpyxl.chart.data_source import AxDataSource, StrRef
from openpyxl.formatting.rule import ColorScaleRule
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from ..contract import normalize
from ..looks import LOOKS
from ..presentation import CHARTS, HEATMAPS, Chart, Heatmap, TabLook
from .xlsx_looks import LAST_ROW, apply_looks

__all__ = ["present", "draw_chart", "ensure_heatmap", "heatmap_range"]

CHART_WIDTH_CM = 18.0
CHART_HEIGHT_CM = 8.5


def present(book: Workbook, charts: tuple[Chart, ...] = CHARTS,
            heatmaps: tuple[Heatmap, ...] = HEATMAPS,
            looks: tuple[TabLook, ...] = LOOKS) -> None:
    """Every tab's look, then (re)draw every chart and make sure every heatmap rule is
    there, once."""
    apply_looks(book, looks)
    for name in {normalize(c.sheet) for c in charts}:
        ws = _sheet(book, name)
        if ws is not None:
            ws._charts = []  # private, but the one way to drop what openpyxl read back
    for chart in charts:
        draw_chart(book, chart)
    for heat in heatmaps:
        ws = _sheet(book, heat.tab)
        if ws is not None:
            ensure_heatmap(ws, heat)


def _sheet(book: Workbook, name: str) -> Worksheet | None:
    wanted = normalize(name)
    return next((ws for ws in book.worksheets if normalize(ws.title) == wanted), None)


def _columns(ws: Worksheet) -> dict[str, int]:
    out: dict[str, int] = {}
    for col, cell in enumerate(next(ws.iter_rows(min_row=1, max_row=1), ()), start=1):
        if cell.value is not None and str(cell.value).strip():
            out.setdefault(normalize(cell.value), col)
    return out


def draw_chart(book: Workbook, spec: Chart) -> bool:
    """Draw one line chart; False (nothing drawn) when its sheets, columns or data are
    missing, e.g. before the first sync filled the data tab."""
    target, data = _sheet(book, spec.sheet), _sheet(book, spec.data_tab)
    if target is None or data is None:
        return False
    cols = _columns(data)
    wanted = [spec.x_column, spec.group_column, *spec.series,
              *([spec.per_group] if spec.per_group else [])]
    if any(normalize(c) not in cols for c in wanted):
        return False
    group_col = cols[normalize(spec.group_column)]
    groups = [row[0] for row in data.iter_rows(min_row=2, min_col=group_col,
                                               max_col=group_col, values_only=True)]
    blocks = spec.blocks(groups)
    if not blocks:
        return False
    _, first, last = blocks[0]
    chart = LineChart()
    chart.title = spec.title
    chart.y_axis.title = spec.y_title
    chart.x_axis.title = spec.x_column
    chart.x_axis.delete = False  # openpyxl 3.1 hides both axes unless told otherwise
    chart.y_axis.delete = False
    chart.display_blanks = "gap"  # a month without data is a gap, never a drop to 0
    chart.width, chart.height = CHART_WIDTH_CM, CHART_HEIGHT_CM
    if spec.per_group:
        col = cols[normalize(spec.per_group)]
        for name, a, b in blocks:
            chart.series.append(_series(data, col, a, b, name, spec.markers))
    for header in spec.series:
        s = _series(data, cols[normalize(header)], first, last, header, spec.markers)
        if "target" in normalize(header):
            s.graphicalProperties.line.dashStyle = "dash"
            if spec.markers:
                s.marker.symbol = "dash"
        chart.series.append(s)
    months = Reference(data, min_col=cols[normalize(spec.x_column)],
                       min_row=first + 2, max_row=last + 2)
    for s in chart.series:  # months are text ("2026-11"): a string reference, not numbers
        s.cat = AxDataSource(strRef=StrRef(f=str(months)))
    target.add_chart(chart, spec.anchor)
    return True


def _series(ws: Worksheet, col: int, first: int, last: int, title: str,
            markers: bool = True) -> Series:
    """Rows ``first``..``last`` (0-based below the header) of column ``col``."""
    values = Reference(ws, min_col=col, min_row=first + 2, max_row=last + 2)
    s = Series(values, title=title)
    s.smooth = False
    if markers:
        s.marker.symbol = "circle"
        s.marker.size = 6
    else:
        s.marker.symbol = "none"
    return s


def heatmap_range(ws: Worksheet, spec: Heatmap) -> str | None:
    """"F2:F1048576" for the spec's column, or None when the sheet has no such column."""
    col = _columns(ws).get(normalize(spec.column))
    if col is None:
        return None
    letter = get_column_letter(col)
    return f"{letter}2:{letter}{LAST_ROW}"


def ensure_heatmap(ws: Worksheet, spec: Heatmap) -> bool:
    """Add the colour scale unless that range already has one; True when added."""
    rng = heatmap_range(ws, spec)
    if rng is None:
        return False
    for formatting in ws.conditional_formatting:
        if str(formatting.sqref) == rng and any(r.type == "colorScale" for r in formatting.rules):
            return False
    ws.conditional_formatting.add(rng, ColorScaleRule(
        start_type="num", start_value=spec.low, start_color=spec.low_color,
        mid_type="num", mid_value=spec.mid, mid_color=spec.mid_color,
        end_type="num", end_value=spec.high, end_color=spec.high_color,
    ))
    return True
