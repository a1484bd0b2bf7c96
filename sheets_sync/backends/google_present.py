"""Charts and heatmaps of a Google spreadsheet, drawn from ``contract.CHARTS``/``HEATMAPS``.

Pure: these functions turn what the read saw (chart ids and ranges, conditional-format
rules, the data tab's group column) and what the write is about to do into
``spreadsheets.batchUpdate`` requests. They ride in the write's own batch, so they cost no
call, and a sync that changes nothing sends nothing.

Google keeps charts and conditional formats between writes (openpyxl does not), so unlike
the .xlsx side nothing is redrawn on every write:

* heatmap: one ``gradientRule`` on the whole column below the header (rows 2 down, no end,
  so it follows the sheet as it grows), added only when no gradient rule of the sheet
  covers that column yet;
* charts: fixed ids ``CHART_IDS`` (9001, 9002, 9003). A chart is drawn when it is missing,
  and redrawn (``deleteEmbeddedObject`` then ``addChart`` with the same id) only when its
  domain no longer ends where the data tab's first block ends, i.e. when a month is added
  to the block (at most once a month). Ranges start at the header row
  (``headerCount: 1``): Google names each series from its header cell.

Difference from .xlsx: a Google line-chart series has no name field, it takes its name
from a header row; the per-alloy blocks of KPI Trends have none. So "Yield Variance Rate
by alloy" on Google draws the All block's ``per_group`` column ("YVR %") and the target,
not one line per alloy; the per-alloy YVR rows stay readable on the KPI Trends tab.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..contract import normalize
from ..presentation import CHARTS, HEATMAPS, Chart, Heatmap
from .base import ChangeSet

__all__ = [
    "CHART_IDS", "CHART_FIELDS", "PRESENT_FIELDS", "Seen", "seen_from", "groups_after", "present_requests",
    "chart_requests", "heatmap_requests", "rgb",
]

Json = dict[str, Any]
Tabs = Mapping[str, tuple[int, Sequence[str]]]  # normalized title -> sheet id, headers
CHART_IDS: tuple[int, ...] = tuple(9001 + i for i in range(len(CHARTS)))
# what the single read asks about presentation: a few ints per chart and per rule
CHART_FIELDS = (
    "charts(chartId,spec.basicChart.domains.domain.sourceRange.sources(sheetId,endRowIndex))"
)
PRESENT_FIELDS = f"{CHART_FIELDS},conditionalFormats(ranges,gradientRule.minpoint.type)"
CHART_WIDTH_PX = 680  # 18 cm, as on .xlsx
CHART_HEIGHT_PX = 321  # 8.5 cm
_ANCHOR = re.compile(r"^([A-Z]+)(\d+)$")


@dataclass
class Seen:
    """What the read saw of the presentation."""

    charts: dict[int, int] = field(default_factory=dict)  # chart id -> domain end row (0-based)
    gradients: dict[str, set[int]] = field(default_factory=dict)  # tab -> columns covered
    groups: dict[str, list[object]] = field(default_factory=dict)  # data tab -> group cells


def seen_from(sheets: Iterable[Json], rows: Mapping[str, Sequence[Sequence[object]]],
              charts: tuple[Chart, ...] = CHARTS) -> Seen:
    """``sheets``: the ``sheets`` of a ``spreadsheets.get`` that asked ``PRESENT_FIELDS``;
    ``rows``: normalized title -> rows (header first) of each chart data tab read."""
    seen = Seen()
    for sheet in sheets:
        title = normalize(str(sheet.get("properties", {}).get("title", "")))
        for chart in sheet.get("charts", []):
            seen.charts[int(chart.get("chartId", -1))] = _domain_end(chart)
        covered: set[int] = set()
        for rule in sheet.get("conditionalFormats", []):
            if "gradientRule" not in rule:
                continue
            for rng in rule.get("ranges", []):
                start = int(rng.get("startColumnIndex", 0))
                end = int(rng.get("endColumnIndex", start + 1000))
                covered |= set(range(start, end))
        if covered:
            seen.gradients[title] = covered
    for spec in charts:
        tab = normalize(spec.data_tab)
        table = rows.get(tab)
        if not table:
            continue
        header = [normalize(str(h)) if h is not None else "" for h in table[0]]
        wanted = normalize(spec.group_column)
        if wanted in header:
            col = header.index(wanted)
            seen.groups[tab] = [r[col] if col < len(r) else None for r in table[1:]]
    return seen


def _domain_end(chart: Json) -> int:
    try:
        domain = chart["spec"]["basicChart"]["domains"][0]["domain"]
        return int(domain["sourceRange"]["sources"][0]["endRowIndex"])
    except (KeyError, IndexError, TypeError, ValueError):
        return -1  # not a chart of ours, or drawn by hand: redraw it


def groups_after(seen: Seen, changes: ChangeSet,
                 charts: tuple[Chart, ...] = CHARTS) -> dict[str, list[object]]:
    """The group column of each chart data tab once ``changes`` are written."""
    out = {tab: list(cells) for tab, cells in seen.groups.items()}
    for spec in charts:
        tab, col = normalize(spec.data_tab), normalize(spec.group_column)
        cells = out.setdefault(tab, [])
        for g in changes.grid:
            if normalize(g.tab) == tab and normalize(g.column) == col and g.row >= 2:
                while len(cells) <= g.row - 2:
                    cells.append(None)
                cells[g.row - 2] = g.value
    return out


def present_requests(changes: ChangeSet, tabs: Tabs, seen: Seen) -> list[Json]:
    """What a write must add so the heatmaps and charts exist and fit the data."""
    return (heatmap_requests(tabs, seen.gradients)
            + chart_requests(tabs, groups_after(seen, changes), seen.charts))


def rgb(hex_colour: str) -> Json:
    """"63BE7B" -> {"red": 0.388, "green": 0.745, "blue": 0.482}."""
    h = hex_colour.lstrip("#")
    return {name: round(int(h[i:i + 2], 16) / 255, 3)
            for name, i in (("red", 0), ("green", 2), ("blue", 4))}


def _point(value: float, colour: str) -> Json:
    return {"colorStyle": {"rgbColor": rgb(colour)}, "type": "NUMBER", "value": f"{value:g}"}


def heatmap_requests(tabs: Tabs, covered: Mapping[str, set[int]],
                     heatmaps: tuple[Heatmap, ...] = HEATMAPS) -> list[Json]:
    """One ``addConditionalFormatRule`` per heatmap whose column has no gradient yet."""
    out: list[Json] = []
    for spec in heatmaps:
        tab = tabs.get(normalize(spec.tab))
        if tab is None:
            continue
        sheet_id, headers = tab
        col = _index(headers, spec.column)
        if col is None or col in covered.get(normalize(spec.tab), set()):
            continue
        out.append({"addConditionalFormatRule": {"index": 0, "rule": {
            "ranges": [{"sheetId": sheet_id, "startRowIndex": 1,
                        "startColumnIndex": col, "endColumnIndex": col + 1}],
            "gradientRule": {"minpoint": _point(spec.low, spec.low_color),
                             "midpoint": _point(spec.mid, spec.mid_color),
                             "maxpoint": _point(spec.high, spec.high_color)}}}})
    return out


def _index(headers: Sequence[str], name: str) -> int | None:
    wanted = normalize(name)
    return next((i for i, h in enumerate(headers) if normalize(h) == wanted), None)


def first_block_rows(groups: Sequence[object], spec: Chart) -> int:
    """How many rows the first block of the data tab has (0 before any data)."""
    blocks = spec.blocks(list(groups))
    return blocks[0][2] + 1 if blocks else 0


def chart_requests(tabs: Tabs, groups: Mapping[str, Sequence[object]],
                   existing: Mapping[int, int],
                   charts: tuple[Chart, ...] = CHARTS) -> list[Json]:
    """Draw missing charts, redraw those whose domain no longer ends with the first block."""
    out: list[Json] = []
    for chart_id, spec in zip(CHART_IDS, charts, strict=False):
        target, data = tabs.get(normalize(spec.sheet)), tabs.get(normalize(spec.data_tab))
        if target is None or data is None:
            continue
        rows = first_block_rows(groups.get(normalize(spec.data_tab), []), spec)
        drawn = draw_chart(spec, chart_id, target[0], data[0], data[1], rows)
        if drawn is None or existing.get(chart_id) == rows + 1:
            continue
        if chart_id in existing:
            out.append({"deleteEmbeddedObject": {"objectId": chart_id}})
        out.append(drawn)
    return out


def anchor_cell(a1: str) -> tuple[int, int]:
    """"J20" -> (19, 9): 0-based row and column."""
    found = _ANCHOR.match(a1.strip().upper())
    if found is None:
        raise ValueError(f"chart anchor {a1!r} is not a cell like J2")
    col = 0
    for ch in found.group(1):
        col = col * 26 + ord(ch) - 64
    return int(found.group(2)) - 1, col - 1


def draw_chart(spec: Chart, chart_id: int, target_id: int, data_id: int,
               headers: Sequence[str], rows: int) -> Json | None:
    """One ``addChart`` over the header and the first ``rows`` rows of the data tab;
    None when the data tab lacks a column the chart needs."""
    names = [*([spec.per_group] if spec.per_group else []), *spec.series]
    x_col = _index(headers, spec.x_column)
    cols = [_index(headers, n) for n in names]
    if x_col is None or any(c is None for c in cols):
        return None

    def source(col: int) -> Json:
        return {"sourceRange": {"sources": [{
            "sheetId": data_id, "startRowIndex": 0, "endRowIndex": rows + 1,
            "startColumnIndex": col, "endColumnIndex": col + 1}]}}

    series: list[Json] = []
    for name, col in zip(names, cols, strict=True):
        assert col is not None
        one: Json = {"series": source(col), "targetAxis": "LEFT_AXIS"}
        if "target" in normalize(name):
            one["lineStyle"] = {"type": "MEDIUM_DASHED", "width": 2}
        series.append(one)
    row, col = anchor_cell(spec.anchor)
    return {"addChart": {"chart": {
        "chartId": chart_id,
        "spec": {
            "title": spec.title,
            "hiddenDimensionStrategy": "SHOW_ALL",
            "basicChart": {
                "chartType": "LINE",
                "legendPosition": "BOTTOM_LEGEND",
                "headerCount": 1,
                "axis": [{"position": "BOTTOM_AXIS", "title": spec.x_column},
                         {"position": "LEFT_AXIS", "title": spec.y_title}],
                "domains": [{"domain": source(x_col)}],
                "series": series,
            },
        },
        "position": {"overlayPosition": {
            "anchorCell": {"sheetId": target_id, "rowIndex": row, "columnIndex": col},
            "widthPixels": CHART_WIDTH_PX, "heightPixels": CHART_HEIGHT_PX}},
    }}}
