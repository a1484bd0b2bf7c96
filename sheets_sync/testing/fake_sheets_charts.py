"""The fake Sheets API's charts and conditional formats (``spreadsheets.batchUpdate`` kinds).

``addChart``: basic charts at an ``overlayPosition.anchorCell``, ids unique in the
spreadsheet, source ranges inside their grid; ``deleteEmbeddedObject`` by id.
``addConditionalFormatRule``: exactly one of a boolean or gradient rule, inserted at ``index``.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING

from .fake_sheets_model import Json, Sheet, bad_request, grid_bounds, sheet_by_id

if TYPE_CHECKING:
    from .fake_sheets import FakeSheets


def add_conditional_format_rule(fake: FakeSheets, body: Json) -> Json:
    rule = copy.deepcopy(body.get("rule", {}))
    ranges = rule.get("ranges", [])
    if not ranges:
        raise bad_request("rule.ranges must not be empty")
    if ("booleanRule" in rule) == ("gradientRule" in rule):
        raise bad_request("a rule is exactly one of booleanRule or gradientRule")
    for name in ("minpoint", "maxpoint"):
        if "gradientRule" in rule and not rule["gradientRule"].get(name, {}).get("type"):
            raise bad_request(f"gradientRule.{name}.type is required")
    sheet = sheet_by_id(fake, ranges[0].get("sheetId"))
    sheet.conditional_formats.insert(int(body.get("index", 0)), rule)
    return {}


def _all_charts(fake: FakeSheets) -> list[tuple[Sheet, Json]]:
    return [(sheet, chart) for sheet in fake.sheets for chart in sheet.charts]


def _chart_ranges(spec: Json) -> list[Json]:
    """Every GridRange a chart spec reads (domains and series of a basic chart)."""
    basic = spec.get("basicChart", {})
    parts = [d.get("domain", {}) for d in basic.get("domains", [])]
    parts += [s.get("series", {}) for s in basic.get("series", [])]
    return [r for p in parts for r in p.get("sourceRange", {}).get("sources", [])]


def add_chart(fake: FakeSheets, body: Json) -> Json:
    """addChart: an EmbeddedChart over an existing sheet, at an overlay position. The fake
    knows basic charts only; ids are unique across the spreadsheet's embedded objects."""
    chart = copy.deepcopy(body.get("chart", {}))
    spec = chart.get("spec", {})
    basic = spec.get("basicChart")
    if basic is None:
        raise bad_request("the fake draws basicChart specs only")
    if not basic.get("chartType"):
        raise bad_request("basicChart.chartType is required")
    anchor = chart.get("position", {}).get("overlayPosition", {}).get("anchorCell")
    if anchor is None:
        raise bad_request("the fake places charts by position.overlayPosition.anchorCell only")
    host = sheet_by_id(fake, anchor.get("sheetId"))
    for rng in _chart_ranges(spec):
        source = sheet_by_id(fake, rng.get("sheetId"))
        r0, c0, r1, c1 = grid_bounds(source, rng)
        if r1 > source.row_count or c1 > source.column_count or r0 >= r1 or c0 >= c1:
            raise bad_request(f"Invalid chart source range on sheet {source.title!r}")
    chart_id = chart.get("chartId")
    if chart_id is None:
        chart_id = fake.new_id()
    elif any(c.get("chartId") == chart_id for _, c in _all_charts(fake)):
        raise bad_request(f"An object with id {chart_id} already exists.")
    chart["chartId"] = int(chart_id)
    host.charts.append(chart)
    return {"addChart": {"chart": copy.deepcopy(chart)}}


def delete_embedded_object(fake: FakeSheets, body: Json) -> Json:
    object_id = body.get("objectId")
    for sheet, chart in _all_charts(fake):
        if chart.get("chartId") == object_id:
            sheet.charts.remove(chart)
            return {}
    raise bad_request(f"No object with id {object_id}")
